import unittest
from pathlib import Path

from pvxlib import boot, boottests, images
from pvxlib.cli import main


class ModuleSpecTest(unittest.TestCase):
    def test_shell_quoting(self):
        m = boot.parse_module('/b/vmlinux dom=1 mem=512M cmdline="console=hvc0 quiet"')
        self.assertEqual(m.path, Path("/b/vmlinux"))
        self.assertEqual(m.args, ["dom=1", "mem=512M", "cmdline=console=hvc0 quiet"])

    def test_empty_and_unbalanced(self):
        with self.assertRaises(images.ImageError):
            boot.parse_module("   ")
        with self.assertRaises(ValueError):
            boot.parse_module('/k cmdline="open')


class CliTest(unittest.TestCase):
    def test_bad_arguments_are_usage_errors(self):
        import contextlib
        import io
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(main(["boot", "nosuchconfig"]), 64)
            self.assertEqual(main(["frobnicate"]), 64)
            self.assertEqual(main(["boot", "hv", "--mem", "lots"]), 64)


class CheckConsoleTest(unittest.TestCase):
    def test_missing_and_bad(self):
        text = "(PVX) a\n(PVX) warning: x\n(PVX) exit status 0"
        self.assertEqual(boottests.check_console(text, [r"exit status 0"], []), [])
        rep = boottests.check_console(text, [r"self-test passed"], [r"warning"])
        self.assertEqual(rep, ["MISSING self-test passed", "BAD     (PVX) warning: x"])


if __name__ == "__main__":
    unittest.main()

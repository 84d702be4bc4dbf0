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


class GuestBootTest(unittest.TestCase):
    """`pvx boot native|pv`: everything decided before QEMU starts."""

    def run_main(self, argv):
        import contextlib
        import io
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = main(argv)
        return rc, err.getvalue()

    def test_split_at_double_dash(self):
        from pvxlib.cli import split_command
        self.assertEqual(split_command(["boot", "native", "--", "ls", "--", "-l"]),
                         (["boot", "native"], ["ls", "--", "-l"]))
        self.assertEqual(split_command(["test"]), (["test"], []))

    def test_command_string(self):
        self.assertEqual(boot.command_string(["uname -a; echo ok"]), "uname -a; echo ok")
        self.assertEqual(boot.command_string(["ls", "my file"]), "ls 'my file'")

    def test_usage_errors_before_qemu(self):
        rc, err = self.run_main(["boot", "native"])
        self.assertEqual(rc, 64)
        self.assertIn("give the guest command after `--`", err)
        rc, err = self.run_main(["boot", "pv", "--kernel", "/nonexistent/bzImage", "--", "true"])
        self.assertEqual(rc, 64)
        self.assertIn("kernel not found: /nonexistent/bzImage", err)
        rc, err = self.run_main(["boot", "hv", "--", "true"])
        self.assertEqual(rc, 64)
        rc, err = self.run_main(["test", "--", "x"])
        self.assertEqual(rc, 64)

    def test_pv_module_lines(self):
        mods = boot.pv_modules(Path("/c/vmlinux"), Path("/c/rootfs.cpio.gz"), 512,
                               "console=hvc0 panic=-1 pvx.cmd=dHJ1ZQ==")
        self.assertEqual([(m.path, m.args) for m in mods],
                         [(Path("/c/vmlinux"), ["dom=1", "mem=512M",
                           "cmdline=console=hvc0 panic=-1 pvx.cmd=dHJ1ZQ=="]),
                          (Path("/c/rootfs.cpio.gz"), ["dom=1", "role=ramdisk"])])


class CheckConsoleTest(unittest.TestCase):
    def test_missing_and_bad(self):
        text = "(PVX) a\n(PVX) warning: x\n(PVX) exit status 0"
        self.assertEqual(boottests.check_console(text, [r"exit status 0"], []), [])
        rep = boottests.check_console(text, [r"self-test passed"], [r"warning"])
        self.assertEqual(rep, ["MISSING self-test passed", "BAD     (PVX) warning: x"])


if __name__ == "__main__":
    unittest.main()


class MemSizeTest(unittest.TestCase):
    def test_sizes(self):
        from pvxlib.cli import mem_mib
        self.assertEqual(mem_mib("512"), 512)
        self.assertEqual(mem_mib("512M"), 512)
        self.assertEqual(mem_mib("1G"), 1024)
        self.assertEqual(mem_mib("2GiB"), 2048)
        import argparse
        for bad in ("", "0", "12Q", "M", "-5"):
            with self.assertRaises(argparse.ArgumentTypeError):
                mem_mib(bad)


class NetOptionTest(unittest.TestCase):
    """`pvx boot --net MTU`: refused where it cannot apply, before any boot."""

    def run_main(self, argv):
        import contextlib
        import io
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            return main(argv), err.getvalue()

    def test_not_for_the_bare_hypervisor(self):
        code, err = self.run_main(["boot", "hv", "--net", "1500"])
        self.assertEqual(code, 64)
        self.assertIn("--net is for native and pv", err)

    def test_mtu_checked_first(self):
        code, err = self.run_main(["boot", "native", "--net", "10", "--", "true"])
        self.assertEqual(code, 64)
        self.assertIn("MTU 10", err)

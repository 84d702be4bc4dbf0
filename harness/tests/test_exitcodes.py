import tempfile
import unittest
from pathlib import Path

from pvxlib import exitcodes


class ExitCodesTest(unittest.TestCase):
    def test_header_is_parsed(self):
        codes = exitcodes.read_hv_codes()
        self.assertEqual(codes[0], "ok")
        self.assertEqual(codes[2], "hv_fault")
        self.assertEqual(codes[3], "config")
        # Harness codes must not collide with the hypervisor's.
        for own in (exitcodes.USAGE, exitcodes.TIMEOUT, exitcodes.NO_STATUS,
                    exitcodes.QEMU_FAILED, exitcodes.INTERRUPTED):
            self.assertNotIn(own, codes)

    def test_parse_custom_header(self):
        with tempfile.NamedTemporaryFile("w", suffix=".h", delete=False) as f:
            f.write("#define PVX_EXIT_OK 0\n#define PVX_EXIT_FOO_BAR  9 /* x */\n")
        codes = exitcodes.read_hv_codes(Path(f.name))
        self.assertEqual(codes, {0: "ok", 9: "foo_bar"})

    def test_qemu_status_mapping(self):
        codes = {0: "ok", 2: "hv_fault"}
        self.assertEqual(exitcodes.from_qemu(1, codes), exitcodes.RunStatus(0, "ok", True))
        self.assertEqual(exitcodes.from_qemu(5, codes), exitcodes.RunStatus(2, "hv_fault", True))
        self.assertEqual(exitcodes.from_qemu(7, codes).name, "unknown_3")
        # 0: reset/triple fault with -no-reboot; even: QEMU's own error.
        self.assertEqual(exitcodes.from_qemu(0, codes).code, exitcodes.NO_STATUS)
        self.assertEqual(exitcodes.from_qemu(-9, codes).code, exitcodes.NO_STATUS)
        self.assertEqual(exitcodes.describe(exitcodes.TIMEOUT, codes), "timeout")

    def test_qemu_startup_error_is_not_status_0(self):
        codes = {0: "ok"}
        self.assertEqual(exitcodes.from_qemu(1, codes, hv_ran=False).code,
                         exitcodes.QEMU_FAILED)
        self.assertEqual(exitcodes.from_qemu(5, codes, hv_ran=False).code, 2)


if __name__ == "__main__":
    unittest.main()

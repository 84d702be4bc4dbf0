import base64
import unittest

from pvxlib import exitcodes, guestrun

BOOT = ["[    0.000000] Linux version 6.1.0-56-amd64",
        "[    3.134877] Run /init as init process"]
CLEAN = BOOT + ["@@PVX-UPTIME 3.16", "@@PVX-BEGIN", "Linux (none) 6.1.0", "ok",
                "@@PVX-END status=0", "[    3.343097] reboot: Power down"]
RUN_ENDED = exitcodes.RunStatus(exitcodes.NO_STATUS, "no_status", False)
HV_OK = exitcodes.RunStatus(0, "ok", True)
HV_FAULT = exitcodes.RunStatus(2, "hv_fault", True)
TIMED_OUT = exitcodes.RunStatus(exitcodes.TIMEOUT, "timeout", False)


class CommandLineTest(unittest.TestCase):
    def test_native_and_pv(self):
        line = guestrun.kernel_cmdline("native", " quiet ", "uname -a; echo ok")
        b64 = base64.b64encode(b"uname -a; echo ok").decode()
        self.assertEqual(line, f"console=ttyS0 panic=-1 no_timer_check quiet pvx.cmd={b64}")
        self.assertTrue(guestrun.kernel_cmdline("pv", "", "true").startswith(
            "console=hvc0 panic=-1 pvx.cmd="))

    def test_limits(self):
        guestrun.kernel_cmdline("native", "", "x" * 1400)
        with self.assertRaisesRegex(guestrun.CommandError, "over the pv limit of 1023"):
            guestrun.kernel_cmdline("pv", "", "x" * 1400)
        with self.assertRaisesRegex(guestrun.CommandError, "double quotes"):
            guestrun.kernel_cmdline("pv", 'foo="a b"', "true")


class ParseTest(unittest.TestCase):
    def test_clean_run(self):
        r = guestrun.parse(CLEAN)
        self.assertEqual((r.uptime, r.began, r.status), (3.16, True, 0))
        self.assertEqual(r.output, ["Linux (none) 6.1.0", "ok"])
        self.assertTrue(r.complete)

    def test_status_values(self):
        self.assertEqual(guestrun.parse_status("@@PVX-END status=137"), 137)
        self.assertIsNone(guestrun.parse_status("@@PVX-END status="))
        self.assertIsNone(guestrun.parse_status("@@PVX-END status=-1"))
        r = guestrun.parse(["@@PVX-BEGIN", "@@PVX-END status=x1"])
        self.assertFalse(r.complete)
        self.assertIn("malformed", guestrun.stage(r))

    def test_kernel_lines_interleaved_are_not_output(self):
        r = guestrun.parse(["@@PVX-BEGIN", "one",
                            "[    5.000001] random: crng init done", "two",
                            "@@PVX-END status=3"])
        self.assertEqual((r.output, r.status), (["one", "two"], 3))
        self.assertEqual(r.kernel, ["[    5.000001] random: crng init done"])

    def test_marker_split_by_a_kernel_message(self):
        r = guestrun.parse(["@@PVX-BEG[    4.100000] virtio: x", "IN",
                            "hel[    4.200000] a", "[    4.300000] b", "lo",
                            "@@PVX-EN[    4.400000] c", "D status=1"])
        self.assertEqual((r.began, r.output, r.status), (True, ["hello"], 1))
        self.assertEqual(len(r.kernel), 3)

    def test_output_without_final_newline(self):
        r = guestrun.parse(["@@PVX-BEGIN", "line", "partial@@PVX-END status=0"])
        self.assertEqual(r.output, ["line", "partial"])

    def test_domain_prefix_and_hypervisor_lines(self):
        r = guestrun.parse(["(PVX) domain 1: started", "(d1) @@PVX-UPTIME 9.50",
                            "(d1) @@PVX-BEGIN", "(d1) hi", "(PVX) timer: tick",
                            "(d1) @@PVX-END status=0", "(PVX) exit status 0"])
        self.assertEqual((r.uptime, r.output, r.status), (9.5, ["hi"], 0))

    def test_marker_echoed_by_the_command(self):
        r = guestrun.parse(["@@PVX-BEGIN", "@@PVX-BEGIN", "echo @@PVX-END status=9",
                            "@@PVX-END status=9", "@@PVX-END status=0"])
        self.assertEqual(r.status, 0)

    def test_missing_markers(self):
        r = guestrun.parse(BOOT + ["@@PVX-UPTIME 3.00", "@@PVX-BEGIN", "working..."])
        self.assertEqual((r.began, r.status, r.output), (True, None, ["working..."]))
        self.assertEqual(guestrun.stage(r), "the command started but never finished")
        self.assertEqual(guestrun.stage(guestrun.parse(BOOT)), "the guest never reached /init")
        self.assertEqual(guestrun.stage(guestrun.parse(["@@PVX-UPTIME 2"])),
                         "/init started but the command did not")

    def test_panic(self):
        r = guestrun.parse(BOOT + ["[    3.2] Kernel panic - not syncing: VFS: Unable to mount root"])
        self.assertIn("panicked: Kernel panic - not syncing: VFS", guestrun.stage(r))


class VerdictTest(unittest.TestCase):
    def test_native(self):
        done = guestrun.parse(CLEAN)
        self.assertEqual(guestrun.verdict("native", done, RUN_ENDED).code, 0)
        lost = guestrun.parse(BOOT)
        self.assertEqual(guestrun.verdict("native", lost, RUN_ENDED).code,
                         guestrun.NO_GUEST_RESULT)
        v = guestrun.verdict("native", lost, TIMED_OUT)
        self.assertEqual(v.code, exitcodes.TIMEOUT)
        self.assertIn("never reached /init", v.message)

    def test_pv(self):
        done = guestrun.parse(["(d1) @@PVX-BEGIN", "(d1) @@PVX-END status=5"])
        self.assertEqual(guestrun.verdict("pv", done, HV_FAULT).code, 5)
        lost = guestrun.parse(["(PVX) nothing left to run: exit status 0"])
        self.assertEqual(guestrun.verdict("pv", lost, HV_FAULT).code, 2)
        v = guestrun.verdict("pv", lost, HV_OK)
        self.assertEqual(v.code, guestrun.NO_GUEST_RESULT)
        self.assertIn("hypervisor ended normally", v.message)
        self.assertEqual(guestrun.verdict("pv", lost, RUN_ENDED).code, exitcodes.NO_STATUS)


if __name__ == "__main__":
    unittest.main()

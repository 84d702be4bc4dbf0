import json
import os
import tempfile
import time
import unittest
from pathlib import Path
from unittest import mock

from pvxlib import qemu


class ArgvTest(unittest.TestCase):
    def test_pinned_and_debug_exit(self):
        a = qemu.QemuConfig(accel="tcg", cpu="qemu64", mem_mib=256).argv(Path("/t/b.iso"))
        self.assertIn("pc,accel=tcg", a)
        self.assertEqual(a[a.index("-cpu") + 1], "qemu64")
        self.assertEqual(a[a.index("-m") + 1], "256")
        self.assertIn(qemu.DEBUG_EXIT, a)
        self.assertIn("-no-reboot", a)
        self.assertEqual(a[a.index("-cdrom") + 1], "/t/b.iso")
        self.assertNotIn("-S", a)

    def test_debug_and_gdb(self):
        c = qemu.QemuConfig(debug_flags="int,cpu_reset", debug_log=Path("/t/q.log"), gdb=True)
        a = c.argv(Path("/b.iso"))
        self.assertEqual(a[a.index("-d") + 1], "int,cpu_reset")
        self.assertEqual(a[a.index("-D") + 1], "/t/q.log")
        self.assertIn("-s", a)
        self.assertIn("-S", a)


class RunTest(unittest.TestCase):
    """run() with stand-in programs instead of QEMU."""

    def test_output_and_status(self):
        got = []
        r = qemu.run(["sh", "-c", "echo hello; exit 5"], 10, got.append)
        self.assertEqual(r.returncode, 5)
        self.assertEqual(b"".join(got), b"hello\n")

    def test_timeout_kills_whole_group(self):
        with tempfile.TemporaryDirectory() as d:
            pidfile = Path(d) / "child.pid"
            # The shell starts a grandchild; both must be gone afterwards.
            cmd = ["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"]
            t0 = time.monotonic()
            r = qemu.run(cmd, 1.0, lambda b: None)
            self.assertIsNone(r.returncode)
            self.assertLess(time.monotonic() - t0, 10)
            child = int(pidfile.read_text())
            time.sleep(0.2)
            self.assertFalse(_running(child), f"pid {child} survived")


def _running(pid: int) -> bool:
    """True if pid exists and is not a zombie (an init that does not reap
    leaves killed orphans as zombies)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


class AccelTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.env = mock.patch.dict(os.environ, {"PVX_CACHE": self.tmp.name})
        self.env.start()

    def tearDown(self):
        self.env.stop()
        self.tmp.cleanup()

    def test_explicit_choice_skips_canary(self):
        def canary():
            raise AssertionError("canary must not run")
        self.assertEqual(qemu.choose_accel("tcg", canary)[0], "tcg")
        self.assertEqual(qemu.choose_accel("kvm", canary)[0], "kvm")

    def test_auto_without_device(self):
        with mock.patch.object(qemu, "_kvm_usable_device", return_value=False):
            self.assertEqual(qemu.choose_accel("auto", lambda: True), ("tcg", "no usable /dev/kvm"))

    def test_auto_runs_canary_once_and_caches(self):
        calls = []

        def canary():
            calls.append(1)
            return True
        with mock.patch.object(qemu, "_kvm_usable_device", return_value=True), \
                mock.patch.object(qemu, "version", return_value="QEMU 9"):
            self.assertEqual(qemu.choose_accel("auto", canary)[0], "kvm")
            accel, why = qemu.choose_accel("auto", canary)
            self.assertEqual(accel, "kvm")
            self.assertIn("cached", why)
        self.assertEqual(len(calls), 1)
        saved = json.loads((Path(self.tmp.name) / "kvm-canary.json").read_text())
        self.assertTrue(saved["ok"])

    def test_failed_canary_means_tcg(self):
        with mock.patch.object(qemu, "_kvm_usable_device", return_value=True), \
                mock.patch.object(qemu, "version", return_value="QEMU 9"):
            self.assertEqual(qemu.choose_accel("auto", lambda: False)[0], "tcg")


if __name__ == "__main__":
    unittest.main()

"""`pvx run` end to end with boot.prepare_guest and boot.run_guest faked:
no QEMU, no kernel, no make."""
import argparse
import io
import json
import tempfile
import unittest
from contextlib import redirect_stderr
from pathlib import Path
from unittest import mock

from pvxlib import (boot, exitcodes, guestrun, images, kernels, matrix, paper_numbers,
                    qemu, results)

SUITE = "pvx-lmbench-like/1"
HV_FAULT = exitcodes.RunStatus(2, "hv_fault", True)
OK = exitcodes.RunStatus(0, "ok", True)


def metric_lines(names, prefix=""):
    return [prefix + json.dumps({"suite": SUITE, "name": n, "value": 2.0, "unit": "us",
                                 "samples": [1.0, 2.0, 3.0, 2.0, 2.0]}) for n in names]


class FakeGuests:
    """prepare_guest and run_guest for native and pv. `crash_pv_after`
    metrics into a pv boot, the hypervisor faults; `interrupt_on` boot
    number raises qemu.Interrupted after two metrics."""

    def __init__(self, crash_pv_after=None, interrupt_on=None, error_metric=None):
        self.crash_pv_after = crash_pv_after
        self.interrupt_on = interrupt_on
        self.error_metric = error_metric
        self.boots = 0
        self.booted: list[tuple[str, str]] = []     # (mode, log name) of every boot

    def prepare(self, mode, kernel, cmd, guest_args, mem, hv_args, extra_files=None):
        assert set(extra_files) == {"/bin/lmb", "/bin/lmb-hello"}
        k = kernels.Kernel("stock", meta={"package": "linux-image-test", "version": "1"})
        if mode == "native":
            entry = images.BootEntry("linux", Path("/k"), initrd=Path("/i"))
        else:
            entry = images.BootEntry("multiboot2", Path("/hv"), [], [
                images.Module(Path("/vmlinux"), ["dom=1"]),
                images.Module(Path("/i"), ["dom=1", "role=ramdisk"])])
        return boot.GuestSetup(mode, entry, k, f"console=x pvx.cmd={cmd}", mem)

    def run(self, setup, cfg, timeout, log, echo=False, echo_file=None):
        self.boots += 1
        self.booted.append((setup.mode, log.name))
        prefix = "(d1) " if setup.mode == "pv" else ""
        names = list(paper_numbers.METRICS)
        crash = setup.mode == "pv" and self.crash_pv_after is not None
        if crash:
            names = names[:self.crash_pv_after]
        lines = [prefix + "@@PVX-UPTIME 3.5", prefix + "@@PVX-BEGIN"]
        body = metric_lines(names, prefix)
        if self.error_metric:
            body = [ln for ln in body if f'"{self.error_metric}"' not in ln]
            body.append(prefix + json.dumps({"suite": SUITE, "name": self.error_metric,
                                             "error": "not positive"}))
        lines += body
        if self.interrupt_on == self.boots:
            for ln in lines[:4]:
                print(ln, file=echo_file, flush=True)
            raise qemu.Interrupted("SIGTERM")
        if crash:
            lines += ["(PVX) FATAL: page fault (#PF), vector 14, in the hypervisor",
                      "(PVX) exit status 2 (hypervisor fault)"]
        else:
            lines += [prefix + "@@PVX-END status=0"]
        log.write_text("# qemu-system-x86_64 -machine pc,accel=tcg -cpu qemu64\n"
                       + "\n".join(lines) + "\n")
        for ln in lines:
            print(ln, file=echo_file, flush=True)
        status = HV_FAULT if crash else OK
        res = guestrun.parse(lines)
        return boot.GuestRun(res, guestrun.verdict(setup.mode, res, status),
                             boot.BootOutcome(status, lines, 20.0, log))


class RunTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = Path(self.tmp.name)
        binary = self.out / "lmb"
        binary.write_text("x")
        self.patches = [
            mock.patch.object(matrix.workloads, "build",
                              return_value={"/bin/lmb": binary, "/bin/lmb-hello": binary}),
            mock.patch.object(matrix.qemu, "choose_accel", return_value=("tcg", "test")),
        ]
        for p in self.patches:
            p.start()

    def tearDown(self):
        for p in self.patches:
            p.stop()
        self.tmp.cleanup()

    def run_pvx(self, fake, **kw):
        args = argparse.Namespace(experiment="lmbench-quick", configs=None, reps=2,
                                  quick=False, out=str(self.out), accel=None,
                                  verbose=False, resume=None, retry_failed=False)
        for k, v in kw.items():
            setattr(args, k, v)
        err = io.StringIO()
        with mock.patch.object(matrix.boot, "prepare_guest", fake.prepare), \
                mock.patch.object(matrix.boot, "run_guest", fake.run), redirect_stderr(err):
            code = matrix.cmd_run(args)
        run = results.newest(self.out)
        meta, recs = results.load(run)
        return code, meta, recs, err.getvalue(), run

    def test_all_ok(self):
        code, meta, recs, err, run = self.run_pvx(FakeGuests(), configs="native,pv")
        self.assertEqual((code, meta["status"]), (0, "complete"))
        self.assertEqual(len(recs), 2 * 2 * 24)
        self.assertEqual({(r["config"], r["rep"]) for r in recs},
                         {("native", 1), ("native", 2), ("pv", 1), ("pv", 2)})
        self.assertEqual(meta["configs"]["pv"]["status"], "ok")
        self.assertEqual(meta["configs"]["pv"]["reps"][0]["qemu_argv"][:2],
                         ["qemu-system-x86_64", "-machine"])
        self.assertEqual(meta["workload"]["command"], "/bin/lmb run-all --quick --dir /tmp")
        self.assertIn("[configs.native]", meta["experiment"]["text"])
        self.assertEqual(meta["experiment"]["file"], "harness/experiments/lmbench-quick.toml")
        self.assertEqual(meta["configs"]["pv"]["boot_entry"]["modules"][1],
                         {"path": "/i", "args": ["dom=1", "role=ramdisk"]})
        self.assertIn("commit", meta["git"])
        self.assertTrue((run / "console-pv-2.log").is_file())
        self.assertIn("[boot 2/4: pv rep 1/2] 24/24 page_fault 2.0 us", err)
        self.assertIn("[boot 3/4: native rep 2/2] booting", err)
        self.assertIn("native: ok; 2 boot(s)", err)

    def test_pv_crash_is_recorded_and_native_still_runs(self):
        code, meta, recs, err, _ = self.run_pvx(FakeGuests(crash_pv_after=9),
                                                configs="pv,native")
        self.assertEqual((code, meta["status"]), (1, "failed"))
        pv = meta["configs"]["pv"]
        self.assertEqual(pv["status"], "failed")
        self.assertIn("boot 1: the hypervisor ended with status 2", pv["reason"])
        self.assertEqual(pv["skipped_boots"], 1)
        self.assertIn("(PVX) FATAL: page fault", "\n".join(pv["reps"][0]["console_tail"]))
        self.assertEqual(meta["configs"]["native"]["status"], "ok")
        self.assertEqual(sum(r["config"] == "pv" for r in recs), 9)   # kept
        self.assertEqual(sum(r["config"] == "native" for r in recs), 48)
        self.assertIn("pv: FAILED", err)

    def test_metric_error_is_partial_not_failed(self):
        code, meta, recs, _, _ = self.run_pvx(FakeGuests(error_metric="prot_fault"),
                                              reps=1)
        self.assertEqual((code, meta["status"]), (0, "complete"))
        self.assertEqual(meta["configs"]["native"]["status"], "partial")
        self.assertIn("prot_fault: not positive", meta["configs"]["native"]["reason"])
        self.assertIn("native partial", meta["reason"])

    def test_interrupt_keeps_completed_boots(self):
        code, meta, recs, err, _ = self.run_pvx(FakeGuests(interrupt_on=2))
        self.assertEqual((code, meta["status"]), (exitcodes.INTERRUPTED, "incomplete"))
        self.assertIn("SIGTERM", meta["reason"])
        self.assertEqual(meta["configs"]["pv"]["reps"][0]["status"], "interrupted")
        self.assertEqual(meta["configs"]["native"]["status"], "running")
        self.assertEqual(len(recs), 24)           # boot 1; boot 2 is not counted
        self.assertIsNotNone(meta["end"])

    def test_resume_reruns_only_the_unfinished_cells(self):
        first = FakeGuests(interrupt_on=2)
        code, meta, _, _, run = self.run_pvx(first, configs="native,pv")
        self.assertEqual(code, exitcodes.INTERRUPTED)
        again = FakeGuests()
        code, meta, recs, err, run2 = self.run_pvx(again, configs="native,pv",
                                                   resume=str(run))
        self.assertEqual(run2, run)
        self.assertEqual((code, meta["status"]), (0, "complete"))
        # native 1 was done; pv 1 (interrupted), native 2 and pv 2 run
        self.assertEqual(again.booted, [("pv", "console-pv-1.log"),
                                        ("native", "console-native-2.log"),
                                        ("pv", "console-pv-2.log")])
        self.assertEqual(len(recs), 4 * 24)
        self.assertEqual(len({(r["config"], r["rep"], r["name"]) for r in recs}), 4 * 24)
        self.assertEqual([r["status"] for r in meta["configs"]["pv"]["reps"]], ["ok", "ok"])
        self.assertEqual(len(meta["sessions"]), 2)
        self.assertEqual(meta["sessions"][1]["boots"], 3)
        self.assertIn("continuing: 1 boot(s) done, 3 to run", err)
        # and once more: nothing left to run
        third = FakeGuests()
        code, meta, recs, _, _ = self.run_pvx(third, configs="native,pv", resume=str(run))
        self.assertEqual((code, third.boots, len(recs)), (0, 0, 4 * 24))

    def test_resume_refuses_a_different_plan(self):
        code, _, _, _, run = self.run_pvx(FakeGuests(), configs="native", reps=1)
        self.assertEqual(code, 0)
        code, _, _, err, _ = self.run_pvx(FakeGuests(), configs="native", reps=2,
                                          resume=str(run))
        self.assertEqual(code, exitcodes.USAGE)
        self.assertIn("different boots per configuration", err)

    def test_failed_config_stays_failed_unless_retried(self):
        code, meta, _, _, run = self.run_pvx(FakeGuests(crash_pv_after=3),
                                             configs="native,pv")
        self.assertEqual(code, 1)
        fake = FakeGuests()
        code, meta, _, _, _ = self.run_pvx(fake, configs="native,pv", resume=str(run))
        self.assertEqual((code, fake.boots, meta["configs"]["pv"]["status"]), (1, 0, "failed"))
        fake = FakeGuests()
        code, meta, recs, _, _ = self.run_pvx(fake, configs="native,pv", resume=str(run),
                                              retry_failed=True)
        self.assertEqual((code, fake.boots, meta["configs"]["pv"]["status"]), (0, 2, "ok"))
        self.assertEqual(sum(r["config"] == "pv" for r in recs), 48)

    def test_usage_errors(self):
        code, *_ = self.run_pvx_usage(configs="shadow")
        self.assertEqual(code, exitcodes.USAGE)

    def run_pvx_usage(self, **kw):
        args = argparse.Namespace(experiment="lmbench-quick", configs=None, reps=None,
                                  quick=False, out=str(self.out), accel=None, verbose=False)
        for k, v in kw.items():
            setattr(args, k, v)
        err = io.StringIO()
        with redirect_stderr(err):
            return matrix.cmd_run(args), err.getvalue()


if __name__ == "__main__":
    unittest.main()


class FakeNetGuests:
    """netrun.prepare and netrun.run: native boots print pvx-net's lines
    with iperf3 JSON; pv boots find no eth0 (PVX without a backend)."""

    DOC = {"end": {"sum_sent": {"bytes": 10, "seconds": 10.0, "bits_per_second": 9e8},
                   "sum_received": {"bytes": 10, "seconds": 10.0, "bits_per_second": 8e8}}}

    def __init__(self):
        self.runs = []

    def prepare(self, mode, kernel, mtu, args, params, files, guest_args, mem, hv_args):
        assert set(files) == {"/bin/pvx-net"}
        entry = images.BootEntry("linux", Path("/k"), initrd=Path("/i")) \
            if mode == "native" else images.BootEntry("multiboot2", Path("/hv"), [], [
                images.Module(Path("/vmlinux"), ["dom=1", "vif=52:54:00:12:34:56"]),
                images.Module(Path("/i"), ["dom=1", "role=ramdisk"])])
        k = kernels.Kernel("stock", meta={"package": "linux-image-test", "version": "1"})
        cmd = f"/bin/pvx-net {mtu} {params['time_s']} - tx,rx"
        return boot.GuestSetup(mode, entry, k, "console=x", mem), cmd

    def run(self, setup, qcfg, mtu, timeout, log, server_log, echo=False, echo_file=None,
            say=None, offload=True):
        self.runs.append((setup.mode, mtu, server_log.name, offload))
        lines = ["@@PVX-UPTIME 3.5", "@@PVX-BEGIN"]
        if setup.mode == "native":
            lines += [f"@@NET eth0 virtio_net {mtu}", "@@NET ping OK 3/3",
                      "@@NET-JSON tx " + json.dumps(self.DOC),
                      "@@NET-JSON rx " + json.dumps(self.DOC), "@@PVX-END status=0"]
        else:
            lines += ["@@NET error no eth0 after 15 s (interfaces: lo )",
                      "@@PVX-END status=2"]
        log.write_text("# qemu\n" + "\n".join(lines) + "\n")
        res = guestrun.parse(lines)
        return boot.GuestRun(res, guestrun.verdict(setup.mode, res, OK),
                             boot.BootOutcome(OK, lines, 20.0, log))


class NetRunTest(unittest.TestCase):
    def test_net_quick(self):
        fake = FakeNetGuests()
        with tempfile.TemporaryDirectory() as tmp, \
                mock.patch.object(matrix.qemu, "choose_accel", return_value=("tcg", "t")), \
                mock.patch.object(matrix.netns, "preflight"), \
                mock.patch.object(matrix.netrun, "prepare", fake.prepare), \
                mock.patch.object(matrix.netrun, "run", fake.run), \
                redirect_stderr(io.StringIO()) as err, \
                mock.patch("sys.stdout", new_callable=io.StringIO) as out:
            args = argparse.Namespace(experiment="net-quick", configs=None, reps=None,
                                      quick=False, out=tmp, accel=None, verbose=False)
            code = matrix.cmd_run(args)
            run = results.newest(Path(tmp))
            meta, recs = results.load(run)
            files = sorted(p.name for p in run.iterdir())
        self.assertEqual(code, 1)                      # the pv configurations failed
        self.assertEqual(meta["configs"]["native-500"]["status"], "ok")
        self.assertEqual(meta["configs"]["native-500"]["mtu"], 500)
        self.assertEqual(meta["configs"]["native-500"]["command"], "/bin/pvx-net 500 10 - tx,rx")
        self.assertEqual(meta["configs"]["pv-1500"]["status"], "failed")
        self.assertIn("no eth0", meta["configs"]["pv-1500"]["reason"])
        tx = [r for r in recs if r["config"] == "native-1500" and r["name"] == "tcp_tx"][0]
        self.assertEqual((tx["value"], tx["unit"], tx["mtu"]), (800.0, "Mbit/s", 1500))
        self.assertEqual(tx["iperf3_json"], "iperf3-native-1500-1-tx.json")
        self.assertIn("iperf3-native-500-1-rx.json", files)
        self.assertEqual([r[:2] for r in fake.runs],
                         [("native", 1500), ("native", 500), ("pv", 1500), ("pv", 500)])
        self.assertEqual(fake.runs[0][2:], ("iperf3-server-native-1500-1.log", True))
        self.assertIn("native          1500          800          800", out.getvalue())
        self.assertIn("pv               500       failed       failed", out.getvalue())
        self.assertIn("pv-1500: FAILED", err.getvalue())

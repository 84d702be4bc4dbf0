"""The batching experiment without QEMU: the forkexec-counters workload's
command and parsing (forkexec.py, workloads.py), the per-process
arithmetic and the report (batching.py), `pvx run` with faked boots, and
the `pvx report` / `pvx report-batching` commands."""
import argparse
import io
import json
import tempfile
import unittest
from contextlib import redirect_stderr
from pathlib import Path
from unittest import mock

from pvxlib import (batching, boot, cli, experiments, exitcodes, forkexec, guestrun,
                    images, kernels, matrix, results, workloads)

LMB = "pvx-lmbench-like/1"
SPEC = workloads.spec("forkexec-counters")
KEYS = ["multicalls", "multicall_requests", "mmu_update_calls", "mmu_update_in_mc",
        "mmu_update_entries", "mmuext_calls", "mmuext_in_mc", "mmuext_ops",
        "update_va_mapping_calls", "update_va_mapping_in_mc", "other_calls"]


def lmb_line(name, value=100.0, iters=10, reps=5, prefix=""):
    return prefix + json.dumps({"suite": LMB, "name": name, "value": value, "unit": "us",
                                "reps": reps, "iters": iters, "min": value - 1,
                                "max": value + 1, "samples": [value] * reps})


def stat_lines(phase, counters, prefix=""):
    return ([f"{prefix}{forkexec.MARK} {phase} {k} {v}" for k, v in counters.items()]
            + [f"{prefix}{forkexec.MARK} {phase} end"])


def counters(**kw):
    c = {k: 0 for k in KEYS}
    c.update(kw)
    return c


PVX_LINE = ('(PVX) counters-json d1: {"domain":1,"mmu_update_entries":5000,'
            '"ptwr_emulations":7,"multicall_entries":30,"hypercalls":{"1":4000,"13":20},'
            '"mmu_update_batches_log2":[3500,400,100,0,0,0,0,0,0,0,0,0,0]}')


class CheckTest(unittest.TestCase):
    def test_good(self):
        forkexec.check(["fork_proc", "exec_proc"], {"iters": 200, "reps": 5})
        forkexec.check(["sh_proc"], {"iters": 1})

    def test_refusals(self):
        cases = [([], {"iters": 1}, "at least one"),
                 (["run-all"], {"iters": 1}, "'run-all' are not process metrics"),
                 (["fork_proc", "fork_proc"], {"iters": 1}, "twice"),
                 (["fork_proc"], {}, "needs iters"),
                 (["fork_proc"], {"iters": True}, "needs iters"),
                 (["fork_proc"], {"iters": 0}, "needs iters"),
                 (["fork_proc"], {"iters": "200"}, "needs iters"),
                 (["fork_proc"], {"iters": 5, "reps": 4}, "5..101")]
        for args, params, msg in cases:
            with self.subTest(args=args, params=params):
                with self.assertRaisesRegex(workloads.WorkloadError, msg):
                    workloads.check(SPEC, args, params)

    def test_lmbench_like_is_not_checked(self):
        workloads.check(workloads.spec("lmbench-like"), ["run-all"], {})


class CommandTest(unittest.TestCase):
    def test_script(self):
        cmd = workloads.command(SPEC, ["fork_proc", "exec_proc"],
                                ["--iters", "200", "--reps", "5"])
        lines = cmd.splitlines()
        self.assertEqual(lines[0], "f=/proc/xen_mmu_stats;r=0")
        self.assertIn("z;/bin/lmb list >/dev/null||r=1;s base", lines)
        self.assertIn("z;/bin/lmb fork_proc --iters 200 --reps 5||r=1;s fork_proc", lines)
        self.assertEqual(lines[-1], "exit $r")
        self.assertNotIn("cat", cmd)          # read by the shell, no process started
        self.assertNotIn('"', cmd)            # PV command lines cannot carry quotes

    def test_fits_a_pv_command_line(self):
        cmd = workloads.command(SPEC, ["fork_proc", "exec_proc", "sh_proc"],
                                ["--iters", "100000", "--reps", "101", "--dir", "/tmp"])
        line = guestrun.kernel_cmdline("pv", "xen_mmu_batch=31 xen_mmu_writable=1", cmd)
        self.assertLess(len(line), guestrun.CMDLINE_LIMIT["pv"] - 100)

    def test_expected(self):
        args = ["fork_proc", "exec_proc"]
        self.assertEqual(workloads.extra_expected(SPEC, args, "native"), [])
        self.assertEqual(workloads.extra_expected(SPEC, args, "pv"),
                         ["mmu_stats/base", "mmu_stats/fork_proc", "mmu_stats/exec_proc",
                          "pvx_counters"])
        self.assertEqual(workloads.extra_expected(workloads.spec("lmbench-like"), args,
                                                  "pv"), [])

    def test_shares_the_lmbench_build(self):
        self.assertEqual(workloads.build_dir(SPEC),
                         workloads.build_dir(workloads.spec("lmbench-like")))


class ParseTest(unittest.TestCase):
    def test_boot_output(self):
        out = (["lmb: 5 reps", lmb_line("fork_proc")]
               + stat_lines("base", counters(mmu_update_calls=3))
               + stat_lines("fork_proc", counters(mmu_update_calls=30))
               + [lmb_line("exec_proc")]
               + [f"{forkexec.MARK} exec_proc multicalls 2"])        # cut short
        console = ["(d1) @@PVX-BEGIN", PVX_LINE,
                   '(PVX) counters-json d2: {"domain":2}']
        recs, problems = workloads.parse_boot(SPEC, out, console)
        self.assertEqual([r["name"] for r in recs],
                         ["fork_proc", "exec_proc", "mmu_stats/base",
                          "mmu_stats/fork_proc", "pvx_counters"])
        self.assertEqual(recs[3]["counters"]["mmu_update_calls"], 30)
        self.assertEqual(recs[3]["phase"], "fork_proc")
        self.assertEqual(recs[4]["counters"]["hypercalls"]["1"], 4000)
        self.assertEqual(problems, ["the counters after exec_proc were cut short"])

    def test_native_has_no_counters_and_no_problem(self):
        out = [lmb_line("fork_proc"), f"{forkexec.MARK} base absent",
               f"{forkexec.MARK} fork_proc absent"]
        recs, problems = workloads.parse_boot(SPEC, out, ["no hypervisor here"])
        self.assertEqual(([r["name"] for r in recs], problems), (["fork_proc"], []))

    def test_bad_lines(self):
        out = [f"{forkexec.MARK} base multicalls lots", f"{forkexec.MARK} base end"]
        recs, problems = forkexec.parse_counters(
            out, ["(PVX) counters-json d1: {not json", "(PVX) counters-json d1: [1]"])
        self.assertEqual([r["name"] for r in recs], ["mmu_stats/base"])
        self.assertEqual(len(problems), 3)
        self.assertIn("unreadable counter line", problems[0])
        self.assertIn("not JSON", problems[1])


# ---- the arithmetic and the report ----

def boot_records(config, rep, fork_calls, fork_entries, iters=10, reps=5,
                 exec_calls=50, pvx=True, fork_value=100.0):
    recs = [{"config": config, "rep": rep, **json.loads(lmb_line("fork_proc", fork_value,
                                                                 iters, reps))},
            {"config": config, "rep": rep, **json.loads(lmb_line("exec_proc", 300.0,
                                                                 iters, reps))}]
    if config == "native":
        return recs
    phases = {"base": counters(mmu_update_calls=4, mmu_update_entries=5, multicalls=1,
                               mmuext_calls=1),
              "fork_proc": counters(mmu_update_calls=fork_calls + 4,
                                    mmu_update_entries=fork_entries + 5,
                                    multicalls=121, multicall_requests=600, mmuext_calls=1,
                                    update_va_mapping_calls=60),
              "exec_proc": counters(mmu_update_calls=exec_calls + 4,
                                    mmu_update_entries=exec_calls + 5, multicalls=1,
                                    mmuext_calls=1)}
    recs += [{"config": config, "rep": rep, "suite": forkexec.SUITE,
              "name": f"mmu_stats/{p}", "phase": p, "counters": c}
             for p, c in phases.items()]
    if pvx:
        recs.append({"config": config, "rep": rep, "suite": forkexec.SUITE,
                     "name": "pvx_counters", "domain": 1,
                     "counters": json.loads(PVX_LINE.split(": ", 1)[1])})
    return recs


def batching_meta(configs=None):
    configs = configs or {
        "native": {"mode": "native", "guest_args": "", "status": "ok"},
        "batch-1": {"mode": "pv", "guest_args": "xen_mmu_batch=1", "status": "ok"},
        "default": {"mode": "pv", "guest_args": "", "status": "ok"},
        "broken": {"mode": "pv", "guest_args": "xen_mmu_batch=8", "status": "failed",
                   "reason": "boot 1: the hypervisor ended with status 2"}}
    for c in configs.values():
        c.setdefault("reps", [{"rep": 1, "elapsed_s": 20.0}])
        c.setdefault("reason", "")
    return {"status": "failed", "start": "2026-01-01T00:00:00Z", "elapsed_s": 99.5,
            "experiment": {"name": "batching-quick"},
            "plan": {"configs": list(configs), "reps": 1,
                     "params": {"iters": 10, "reps": 5}},
            "git": {"commit": "0123456789abcdef", "dirty": False},
            "qemu": {"version": "QEMU 7.2", "accel": "tcg", "cpu": "qemu64"},
            "host": {"cpu_model": "Test CPU", "cpus": 2},
            "guest": {"mem_mib": 512, "guest_args": "",
                      "kernel": {"kernel_release": "6.1.192-pvx"}},
            "workload": {"name": "forkexec-counters", "kind": "forkexec-counters",
                         "command": "f=/proc/xen_mmu_stats;r=0"},
            "configs": configs}


class ArithmeticTest(unittest.TestCase):
    def test_processes(self):
        self.assertEqual(batching.processes({"iters": 200, "reps": 5}), 1200)
        self.assertIsNone(batching.processes({"error": "fork failed"}))
        self.assertIsNone(batching.processes({"iters": 200}))

    def test_batch_of(self):
        self.assertEqual(batching.batch_of("loglevel=8 xen_mmu_batch=16"), 16)
        self.assertEqual(batching.batch_of("xen_mmu_batch=1 xen_mmu_batch=4"), 4)
        self.assertIsNone(batching.batch_of("xen_mmu_batchy=3 "))
        self.assertIsNone(batching.batch_of(""))

    def test_per_fork_pooled_over_boots_less_the_base(self):
        # boot 1: 60 processes (10 x 6), 120 calls carrying 180 entries;
        # boot 2: 120 processes (20 x 6), 360 calls carrying 360 entries.
        recs = (boot_records("default", 1, 120, 180)
                + boot_records("default", 2, 360, 360, iters=20))
        meta = batching_meta({"default": {"mode": "pv", "guest_args": "",
                                          "status": "ok"}})
        [row] = batching.boot_rows(meta, recs)
        pp = row.counters["fork_proc"]
        self.assertEqual((pp.processes, pp.boots), (180, 2))
        self.assertEqual(pp.counts["mmu_update_calls"], 480)
        self.assertAlmostEqual(pp.mmu_updates, 480 / 180)
        self.assertAlmostEqual(pp.updates, 540 / 180)
        self.assertAlmostEqual(pp.entries_per_mmu_update, 540 / 480)
        self.assertAlmostEqual(pp.multicalls, 2 * 120 / 180)
        # multicalls + mmu_update_calls + mmuext_calls + update_va_mapping_calls
        self.assertAlmostEqual(pp.hypercalls, (240 + 480 + 0 + 120) / 180)
        self.assertEqual((row.label, row.limit), ("default", 31))
        self.assertEqual(len(row.latency["fork_proc"].samples), 10)
        self.assertEqual(len(row.pvx), 2)

    def test_in_multicall_updates_count_as_mmu_updates(self):
        c = counters(mmu_update_calls=3, mmu_update_in_mc=2, mmu_update_entries=20,
                     multicalls=2, mmuext_calls=1, update_va_mapping_calls=1)
        pp = batching.PerProcess(5, c, 1)
        self.assertEqual(pp.mmu_updates, 1.0)
        self.assertEqual(pp.entries_per_mmu_update, 4.0)
        self.assertEqual(batching.pt_hypercalls(c), 7)

    def test_boot_with_an_lmb_error_has_no_counters(self):
        recs = boot_records("default", 1, 10, 10)
        recs[0] = {"config": "default", "rep": 1, "suite": LMB, "name": "fork_proc",
                   "error": "fork: out of memory"}
        meta = batching_meta({"default": {"mode": "pv", "guest_args": "",
                                          "status": "partial"}})
        [row] = batching.boot_rows(meta, recs)
        self.assertNotIn("fork_proc", row.counters)
        self.assertIn("exec_proc", row.counters)
        self.assertEqual(row.latency["fork_proc"].errors, ["boot 1: fork: out of memory"])


class RenderTest(unittest.TestCase):
    def setUp(self):
        self.recs = (boot_records("native", 1, 0, 0, fork_value=50.0)
                     + boot_records("batch-1", 1, 180, 180)
                     + boot_records("default", 1, 120, 180))
        self.meta = batching_meta()

    def test_markdown(self):
        text = batching.render(self.meta, self.recs, "results/x-batching-quick")
        self.assertTrue(text.startswith("_Generated by `harness/pvx report-batching` "
                                        "from `results/x-batching-quick`"))
        self.assertIn("2048 updates", text)
        results_part = text.split("## Results")[1].split("\n## ")[0]
        rows = {ln.split(" | ")[0]: ln for ln in results_part.splitlines()
                if ln.startswith("| **")}
        # batch-1: 180 calls / 60 forks; default: 120 calls, 180 entries / 60 forks
        self.assertIn("| 1 | 100 (100-100) | 300 (300-300) | 2.00x | 1.00x | 3.00 | 1.00 "
                      "| 2.00 | 6.00 |", rows["| **batch-1**"])
        self.assertIn("| 31 (Linux's) |", rows["| **default**"])
        self.assertIn("| 2.00 | 1.50 | 2.00 | 5.00 |", rows["| **default**"])
        self.assertIn("| - | - | - | - |", rows["| **native**"])
        self.assertIn("| n/a | n/a | n/a | n/a |", rows["| **broken**"])
        self.assertIn("Batching (default against batch-1) removed 33% of the mmu_update "
                      "hypercalls per fork+exit+wait", text)
        self.assertIn("broken is failed: boot 1: the hypervisor ended with status 2", text)
        self.assertIn("| 4,000 | 5,000 | 1.25 | 70% | 4-7 | 20 |", text)
        self.assertNotIn("MISMATCH", text)

    def test_saturation_and_noise(self):
        recs = (boot_records("batch-1", 1, 180, 180) + boot_records("batch-8", 1, 120, 180)
                + boot_records("batch-16", 1, 120, 180)
                + boot_records("default", 1, 120, 180))
        meta = batching_meta({n: {"mode": "pv", "guest_args": a, "status": "ok"}
                              for n, a in (("batch-1", "xen_mmu_batch=1"),
                                           ("batch-8", "xen_mmu_batch=8"),
                                           ("batch-16", "xen_mmu_batch=16"),
                                           ("default", ""))})
        text = batching.render(meta, recs, "r")
        self.assertIn("From `xen_mmu_batch=8` up (tried: 8, 16) the mmu_update hypercalls "
                      "per process equal default's", text)
        self.assertIn("from 100 to 100 µs (+0%, within the noise", text)
        self.assertFalse(batching.overlap(batching.Latency([1.0, 2.0]),
                                          batching.Latency([2.5])))

    def test_crosscheck_flags_more_in_the_phases_than_the_boot(self):
        recs = boot_records("default", 1, 9000, 9000)
        meta = batching_meta({"default": {"mode": "pv", "guest_args": "",
                                          "status": "ok"}})
        self.assertIn("**MISMATCH**", batching.render(meta, recs, "r"))

    def test_dat(self):
        text = batching.render_dat(self.meta, self.recs, "results/x")
        data = [ln.split("\t") for ln in text.splitlines() if not ln.startswith("#")]
        header = [ln for ln in text.splitlines() if ln.startswith("# index\t")]
        self.assertEqual(len(header), 1)
        self.assertEqual(len(data), 4)
        for row in data:
            self.assertEqual(len(row), len(batching.DAT_COLUMNS))
        cols = [n for n, _ in batching.DAT_COLUMNS]
        native, b1, default, broken = (dict(zip(cols, r)) for r in data)
        self.assertEqual((native["label"], native["batch_limit"], native["fork_updates"]),
                         ("native", "NaN", "NaN"))
        self.assertEqual((b1["label"], b1["batch_limit"], b1["fork_mmu_updates"]),
                         ("batch_1", "1", "3"))
        self.assertEqual((default["batch_limit"], default["fork_entries_per_mmu_update"],
                          default["fork_ratio"]), ("31", "1.5", "2"))
        self.assertEqual(broken["fork_us"], "NaN")


class CommandLineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def make_run(self, meta, recs, name):
        d = self.root / "results" / name
        d.mkdir(parents=True)
        (d / results.META).write_text(json.dumps(meta))
        (d / results.RESULTS).write_text(results.jsonl(recs))
        return d

    def pvx(self, *argv):
        err = io.StringIO()
        with redirect_stderr(err):
            code = cli.main(list(argv))
        return code, err.getvalue()

    def test_report_batching_and_report_dispatch(self):
        run = self.make_run(batching_meta(), boot_records("default", 1, 10, 10),
                            "20260101T000000Z-batching-quick")
        out = self.root / "paper"
        code, err = self.pvx("report-batching", str(run), "--out", str(out))
        self.assertEqual(code, 0, err)
        self.assertTrue((out / "batching.md").is_file())
        self.assertTrue((out / "batching.dat").is_file())
        (out / "batching.md").unlink()
        code, err = self.pvx("report", str(run), "--out", str(out))
        self.assertEqual(code, 0, err)
        self.assertIn("pvx report-batching:", err)
        self.assertTrue((out / "batching.md").is_file())
        self.assertFalse((out / "tables-3-5.md").exists())

    def test_user_mistakes_are_messages(self):
        other = batching_meta()
        other["workload"] = {"name": "lmbench-like", "kind": "lmb"}
        other["experiment"] = {"name": "lmbench-quick"}
        run = self.make_run(other, [], "20260101T000000Z-lmbench-quick")
        code, err = self.pvx("report-batching", str(run), "--out", str(self.root))
        self.assertEqual(code, exitcodes.USAGE)
        self.assertIn("not of a batching experiment; use `harness/pvx report`", err)
        code, err = self.pvx("report-batching", str(self.root / "nope"))
        self.assertEqual(code, exitcodes.USAGE)
        self.assertIn("no meta.json", err)
        self.assertNotIn("Traceback", err)
        with self.assertRaisesRegex(batching.BatchingError, "no batching run under"):
            batching.newest(self.root / "results")

    def test_newest_skips_other_experiments(self):
        want = self.make_run(batching_meta(), [], "20260101T000000Z-batching-quick")
        other = batching_meta()
        other["workload"] = {"name": "lmbench-like"}
        self.make_run(other, [], "20260102T000000Z-lmbench-quick")
        self.assertEqual(batching.newest(self.root / "results"), want)


# ---- `pvx run` with faked boots ----

class FakeForkexecGuests:
    """Boots that run the forkexec-counters script: native prints lmb's
    lines and 'absent'; pv also the counters and PVX's line, unless
    `no_stats` (a kernel without /proc/xen_mmu_stats)."""

    def __init__(self, no_stats=False):
        self.no_stats = no_stats
        self.commands = []

    def prepare(self, mode, kernel, cmd, guest_args, mem, hv_args, extra_files=None):
        self.commands.append(cmd)
        k = kernels.Kernel("patched", meta={"kernel_release": "6.1.192-pvx"})
        if mode == "native":
            entry = images.BootEntry("linux", Path("/k"), initrd=Path("/i"))
        else:
            entry = images.BootEntry("multiboot2", Path("/hv"), [], [
                images.Module(Path("/vmlinux"), ["dom=1"]),
                images.Module(Path("/i"), ["dom=1", "role=ramdisk"])])
        return boot.GuestSetup(mode, entry, k, f"console=x {guest_args}", mem)

    def run(self, setup, cfg, timeout, log, echo=False, echo_file=None):
        pv = setup.mode == "pv"
        prefix = "(d1) " if pv else ""
        lines = [prefix + "@@PVX-UPTIME 3.5", prefix + "@@PVX-BEGIN"]
        for phase in ("base", "fork_proc", "exec_proc"):
            if phase != "base":
                lines.append(lmb_line(phase, iters=200, prefix=prefix))
            if pv and not self.no_stats:
                lines += stat_lines(phase, counters(mmu_update_calls=5,
                                                    mmu_update_entries=6), prefix)
            else:
                lines.append(f"{prefix}{forkexec.MARK} {phase} absent")
        lines.append(prefix + "@@PVX-END status=0")
        if pv:
            lines.append(PVX_LINE)
        log.write_text("# qemu-system-x86_64\n" + "\n".join(lines) + "\n")
        for ln in lines:
            print(ln, file=echo_file, flush=True)
        status = exitcodes.RunStatus(0, "ok", True)
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

    def run_pvx(self, fake, experiment="batching-quick", configs="native,batch-1,default"):
        args = argparse.Namespace(experiment=experiment, configs=configs, reps=None,
                                  quick=False, out=str(self.out), accel=None,
                                  verbose=False)
        err = io.StringIO()
        with mock.patch.object(matrix.boot, "prepare_guest", fake.prepare), \
                mock.patch.object(matrix.boot, "run_guest", fake.run), redirect_stderr(err):
            code = matrix.cmd_run(args)
        return code, err.getvalue()

    def test_run_keeps_counters_and_pvx_line(self):
        fake = FakeForkexecGuests()
        code, err = self.run_pvx(fake)
        self.assertEqual(code, 0, err)
        meta, recs = results.load(results.newest(self.out))
        self.assertEqual(meta["workload"]["kind"], "forkexec-counters")
        self.assertEqual({c["status"] for c in meta["configs"].values()}, {"ok"})
        names = [(r["config"], r["name"]) for r in recs]
        self.assertIn(("batch-1", "mmu_stats/fork_proc"), names)
        self.assertIn(("default", "pvx_counters"), names)
        self.assertNotIn(("native", "pvx_counters"), names)
        self.assertIn("fork_proc --iters 200 --reps 5", fake.commands[0])
        self.assertIn("2/2 exec_proc", err)

    def test_pv_without_counters_is_partial(self):
        code, err = self.run_pvx(FakeForkexecGuests(no_stats=True), configs="default")
        meta, _ = results.load(results.newest(self.out))
        self.assertEqual(code, 0)
        self.assertEqual(meta["configs"]["default"]["status"], "partial")
        self.assertIn("no result for mmu_stats/base", meta["configs"]["default"]["reason"])

    def test_bad_params_are_a_usage_error(self):
        bad = self.out / "bad.toml"
        text = experiments.load("batching-quick").text.replace("iters = 200", "")
        bad.write_text(text)
        code, err = self.run_pvx(FakeForkexecGuests(), experiment=str(bad),
                                 configs="native")
        self.assertEqual(code, exitcodes.USAGE)
        self.assertIn("needs iters", err)


class ExperimentFilesTest(unittest.TestCase):
    def test_both_files(self):
        for name, iters in (("batching-quick", 200), ("batching", 1000)):
            with self.subTest(name):
                exp = experiments.load(name)
                self.assertEqual(exp.kernel, "patched")
                self.assertEqual(list(exp.configs),
                                 ["native", "batch-1", "batch-2", "batch-4", "batch-8",
                                  "batch-16", "batch-31", "default"])
                batches = [batching.batch_of(c.guest_args) for c in exp.configs.values()
                           if c.mode == "pv"]
                self.assertEqual(batches, [1, 2, 4, 8, 16, 31, None])
                plan = experiments.plan(exp)
                self.assertEqual(plan.params["iters"], iters)
                workloads.check(workloads.spec(exp.workload.name), exp.workload.args,
                                plan.params)
        quick = experiments.plan(experiments.load("batching"), quick=True)
        self.assertEqual((quick.reps, quick.params["iters"]), (1, 200))


if __name__ == "__main__":
    unittest.main()

import argparse
import io
import tempfile
import unittest
from contextlib import redirect_stderr
from pathlib import Path

from pvxlib import paper_numbers, report, results


def rec(config, name, value, samples=None, rep=1):
    return {"config": config, "rep": rep, "name": name, "value": value,
            "samples": samples if samples is not None else [value] * 5}


def meta(pv_status="ok", pv_reason=""):
    return {"status": "complete", "start": "2026-01-01T00:00:00Z",
            "experiment": {"name": "lmbench-quick"},
            "plan": {"configs": ["native", "pv"], "reps": 1},
            "git": {"commit": "0123456789abcdef", "dirty": False},
            "qemu": {"version": "QEMU emulator version 7.2.22", "accel": "tcg",
                     "accel_reason": "no usable /dev/kvm", "cpu": "qemu64"},
            "host": {"cpu_model": "Test CPU @ 2.40GHz", "cpus": 2, "kernel": "Linux 6.1 #1"},
            "guest": {"mem_mib": 512, "kernel": {"package": "linux-image-6.1.0-56-amd64",
                                                 "version": "6.1.192-2"}},
            "workload": {"command": "/bin/lmb run-all --quick --dir /tmp"},
            "configs": {"native": {"mode": "native", "status": "ok", "reason": "",
                                   "reps": [{"rep": 1, "elapsed_s": 17.5}]},
                        "pv": {"mode": "pv", "status": pv_status, "reason": pv_reason,
                               "reps": [{"rep": 1, "elapsed_s": 21.0}]}}}


def full(config, scale):
    """All 24 metrics: the paper's L-UP row times scale."""
    return [rec(config, m, v * scale) for m, v in paper_numbers.PAPER["L-UP"].items()]


def table(text: str, number: int) -> list[str]:
    part = text.split(f"## Table {number}:")[1].split("\n## ")[0]
    return [ln for ln in part.splitlines() if ln.startswith("|")]


class AggregateTest(unittest.TestCase):
    def test_pools_samples_across_boots(self):
        data = report.aggregate([rec("pv", "stat", 2.0, [1.0, 2.0, 9.0]),
                                 rec("pv", "stat", 4.0, [3.0, 4.0, 5.0], rep=2),
                                 {"config": "pv", "rep": 3, "name": "stat", "error": "boom"}])
        cell = data["pv"]["stat"]
        self.assertEqual(cell.summary.n, 6)
        self.assertEqual(cell.summary.median, 3.5)
        self.assertEqual(cell.boot_medians, [2.0, 4.0])
        self.assertEqual(cell.errors, ["boom"])

    def test_formatting(self):
        self.assertEqual([report.fmt(v) for v in (0.456, 5.7, 23.24, 198.4, 4212.0, None)],
                         ["0.46", "5.70", "23.2", "198", "4212", "n/a"])
        self.assertEqual([report.fmt_ratio(r) for r in (1.804, 33.61, None)],
                         ["1.80", "33.6", "n/a"])


class RenderTest(unittest.TestCase):
    def test_xen_peer_row_and_ratio(self):
        m = meta()
        m["plan"]["configs"].append("xen")
        m["configs"]["xen"] = {"mode": "xen", "status": "ok", "reason": "",
                               "reps": [{"rep": 1, "elapsed_s": 30.0}]}
        m["hypervisor"] = {"xen": {"version": "4.17.7+13-g2445b30a44-0+deb12u1"}}
        text = report.render(m, full("native", 10) + full("pv", 20) + full("xen", 15),
                             "results/x")
        t3 = table(text, 3)
        labels = [ln.split(" | ")[0] for ln in t3[2:]]
        self.assertEqual(labels, ["| L-UP (paper)", "| Xen (paper)", "| **native**",
                                  "| **pv**", "| **xen** (Xen 4.17, ours)", "| pv / native",
                                  "| xen / native", "| Xen / L-UP (paper)"])
        self.assertEqual(t3[8], "| xen / native |" + " 1.50 |" * 10)
        self.assertIn("Debian's Xen 4.17.7+13-g2445b30a44-0+deb12u1", text)

    def test_noisy_cells_are_marked_in_the_tables(self):
        recs = full("native", 10) + full("pv", 20)
        for r in recs:
            if r["config"] == "pv" and r["name"] == "stat":
                r["samples"] = [10.0, 25.6, 25.6, 25.6, 30.0]
        text = report.render(meta(), recs, "results/x")
        t3 = table(text, 3)
        pv = next(ln for ln in t3 if ln.startswith("| **pv**"))
        self.assertIn("| 25.6† |", pv)
        self.assertEqual(pv.count("†"), 1)
        self.assertIn("† noisy: the cell's samples spread more than 2x", text)
        self.assertNotIn("† noisy", text.split("## Table 4")[1].split("## Table 5")[0])
        stats_rows = [ln for ln in text.splitlines() if ln.startswith("| 3 | stat | pv |")]
        self.assertEqual(len(stats_rows), 1)
        self.assertIn("**noisy**", stats_rows[0])
        self.assertIn("| 10.0 to 30.0 (93.8%) |", stats_rows[0])   # n = 5: [min, max]

    def test_failed_xen_peer_is_not_available_not_faked(self):
        m = meta()
        m["plan"]["configs"].append("xen")
        m["configs"]["xen"] = {"mode": "xen", "status": "failed",
                               "reason": "boot 1: timed out: the guest never reached /init",
                               "reps": [{"rep": 1, "elapsed_s": 600.0}]}
        text = report.render(m, full("native", 10) + full("pv", 20), "results/x")
        t3 = table(text, 3)
        row = next(ln for ln in t3 if ln.startswith("| **xen**"))
        self.assertEqual(row.count("n/a"), 10)
        self.assertIn("xen is failed: boot 1: timed out", text)
        self.assertIn("| xen / native |" + " n/a |" * 10, t3)

    def test_tables_rows_and_ratios(self):
        text = report.render(meta(), full("native", 10) + full("pv", 20),
                             "results/20260101T000000Z-lmbench-quick")
        self.assertTrue(text.startswith("_Generated by `harness/pvx report` from "
                                        "`results/20260101T000000Z-lmbench-quick`"))
        t3 = table(text, 3)
        self.assertEqual(t3[0], "| Config | null call | null I/O | stat | open close | "
                                "slct TCP | sig inst | sig hndl | fork proc | exec proc "
                                "| sh proc |")
        labels = [ln.split(" | ")[0] for ln in t3[2:]]
        self.assertEqual(labels, ["| L-UP (paper)", "| Xen (paper)", "| **native**",
                                  "| **pv**", "| pv / native", "| Xen / L-UP (paper)"])
        self.assertIn("| Xen (paper) | 0.46 | 0.50 | 1.22 | 1.88 | 5.69 | 0.69 | 1.75 | "
                      "198 | 768 | 4800 |", t3)
        self.assertIn("| **native** | 4.50 | 5.00 | 12.8 | 19.2 | 57.0 | 6.80 | 24.9 | "
                      "1100 | 5300 | 40000 |", t3)
        self.assertEqual(t3[6], "| pv / native |" + " 2.00 |" * 10)
        self.assertIn("| Xen / L-UP (paper) | 1.02 | 1.00 |", t3[7])
        self.assertEqual(len(table(text, 4)[0].split("|")), 10)
        self.assertIn("0K File create | 0K File delete | 10K File create", table(text, 5)[0])
        self.assertIn("**TCG**", text)
        self.assertIn("Test CPU @ 2.40GHz", text)
        self.assertIn("not comparable with the paper's 2003 hardware", text)

    def test_failed_config_cells_say_why(self):
        text = report.render(meta("failed", "boot 1: the hypervisor ended with status 2"),
                             full("native", 10) + full("pv", 20)[:8], "r")
        t3, t5 = table(text, 3), table(text, 5)
        pv3 = next(ln for ln in t3 if ln.startswith("| **pv**"))
        self.assertIn("**pv** [1]", pv3)
        self.assertIn("| 2200 | n/a [1] | n/a [1] |", pv3)   # fork measured, then none
        self.assertIn("1. pv is failed: boot 1: the hypervisor ended with status 2",
                      text.split("## Table 4")[0])
        pv5 = next(ln for ln in t5 if ln.startswith("| pv / native"))
        self.assertEqual(pv5.count("n/a"), 7)

    def test_metric_error_and_partial_boots(self):
        recs = full("native", 10) + [r for r in full("pv", 20) if r["name"] != "prot_fault"]
        recs.append({"config": "pv", "rep": 1, "name": "prot_fault",
                     "error": "measured value -3 us is not positive"})
        recs.append(rec("native", "prot_fault", 12.0, rep=2))
        recs.append({"config": "native", "rep": 3, "name": "prot_fault", "error": "negative"})
        text = report.render(meta("partial", "boot 1: prot_fault"), recs, "r")
        t5 = "\n".join(table(text, 5))
        self.assertIn("| 11.3 [1] | 14.2 |", t5)
        self.assertIn("| n/a [2] | 28.4 |", t5)
        self.assertIn("pv, Prot fault: the benchmark reported an error: measured value -3 us",
                      text)
        self.assertIn("native, Prot fault: from 2 of 3 boots; the others reported an "
                      "error: negative", text)
        self.assertIn("| **pv** |", t5)                     # partial: no row note

    def test_sanity_and_noise(self):
        recs = full("native", 10)
        recs = [r for r in recs if r["name"] not in ("exec_proc", "ctx_8p_64k")]
        recs += [rec("native", "exec_proc", 50000.0),
                 rec("native", "ctx_8p_64k", 5.0, [1.0, 5.0, 9.0])]
        text = report.render(meta(), recs, "r")
        sanity = text.split("## Sanity checks")[1].split("## Statistics")[0]
        self.assertIn("- FAIL: fork < exec < sh: 1100 < 50000 < 40000", sanity)
        self.assertIn("- PASS: prot fault < page fault: 10.6 < 14.2", sanity)
        self.assertIn("- FAIL: ctx grows with working set, 8 processes (16K < 64K): "
                      "10.3 < 5.00", sanity)
        self.assertIn("- n/a: fork < exec < sh", sanity)    # pv has no data at all
        self.assertIn("The paper's L-UP and Xen rows pass every check.", sanity)
        st = text.split("## Statistics per metric")[1]
        self.assertIn("| 4 | 8p 64K | native | 3 | 5.00 | - | 1.00 | 9.00 | 9.00 | - | "
                      "**noisy** |", st)
        self.assertIn("- native: 1 of 24 metrics noisy (8p 64K).", st)
        self.assertIn("| 3 | null call | native | 5 | 4.50 | 4.50 to 4.50 (93.8%) |", st)

    def test_run_times(self):
        text = report.render(meta(), [], "r")
        self.assertIn("| native | ok | 1 | 17.5 s | 17.5 s |", text)
        self.assertIn("| pv | ok | 1 | 21.0 s | 21.0 s |", text)



class CommandTest(unittest.TestCase):
    def test_report_from_a_run_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = results.RunDir(Path(tmp) / "results", "lmbench-quick", start=0.0)
            run.write_meta(meta())
            run.put("native", 1, [{k: v for k, v in r.items() if k not in ("config", "rep")}
                                  for r in full("native", 10)])
            out = Path(tmp) / "paper"
            args = argparse.Namespace(run_dir=str(run.path), out=str(out))
            with redirect_stderr(io.StringIO()) as err:
                self.assertEqual(report.cmd_report(args), 0)
            text = (out / "tables-3-5.md").read_text()
            self.assertEqual(text.splitlines()[0],
                             f"_Generated by `harness/pvx report` from `{run.path}`. "
                             "Do not edit: rerun the experiment and the report._")
            self.assertIn("24 records", err.getvalue())
            args = argparse.Namespace(run_dir=str(Path(tmp) / "nothing"), out=str(out))
            with redirect_stderr(io.StringIO()) as err:
                self.assertEqual(report.cmd_report(args), 64)
            self.assertIn("no meta.json", err.getvalue())


if __name__ == "__main__":
    unittest.main()

"""`pvx reproduce` with the boots faked (tests.test_matrix.FakeGuests):
the sets file, the plan and its estimate, continuing an interrupted run
cell by cell, and the reports at the end."""
import argparse
import io
import json
import tempfile
import unittest
from contextlib import redirect_stderr
from pathlib import Path
from unittest import mock

from pvxlib import exitcodes, experiments, matrix, qemu, reproduce, results
from pvxlib.reproduce import ReproduceError
from tests.test_matrix import FakeGuests


class SetsTest(unittest.TestCase):
    def test_parse(self):
        sets = reproduce.parse_sets('''
[quick]
description = "d"
budget_min = 20
experiments = ["lmbench-quick", { name = "modes-quick", report = "paper/modes" },
               { name = "x", report = "/abs/out" }]
''')
        s = sets["quick"]
        self.assertEqual((s.name, s.budget_min), ("quick", 20.0))
        self.assertEqual([e.experiment for e in s.entries], ["lmbench-quick", "modes-quick", "x"])
        self.assertEqual(s.entries[0].report, reproduce.paths.REPO / "paper")
        self.assertEqual(s.entries[1].report, reproduce.paths.REPO / "paper" / "modes")
        self.assertEqual(s.entries[2].report, Path("/abs/out"))

    def test_errors(self):
        for text, why in [("[q]\nbudget_min = 1\n", "non-empty list"),
                          ("[q]\nexperiments = ['a']\n", "budget_min"),
                          ("[q]\nbudget_min = 1\nexperiments = ['a', 'a']\n", "twice"),
                          ("[q]\nbudget_min = 1\nexperiments = [{ nam = 'a' }]\n", "a name or"),
                          ("[q]\nbudget = 1\n", "unknown key"),
                          ("[q\n", "sets.toml")]:
            with self.assertRaisesRegex(ReproduceError, why):
                reproduce.parse_sets(text)

    def test_the_shipped_sets_name_shipped_experiments(self):
        sets = reproduce.load_sets()
        self.assertIn("quick", sets)
        self.assertIn("full", sets)
        for s in sets.values():
            for e in s.entries:
                experiments.load(e.experiment)
        with self.assertRaisesRegex(experiments.ExperimentError, "unknown experiment"):
            experiments.load("sets")


class EstimateTest(unittest.TestCase):
    def test_history_then_declared_then_default(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for i, (accel, secs) in enumerate([("tcg", 10.0), ("tcg", 30.0), ("kvm", 1.0)]):
                d = root / f"run{i}" / "e"
                d.mkdir(parents=True)
                (d / "meta.json").write_text(json.dumps({
                    "qemu": {"accel": accel}, "experiment": {"name": "e"},
                    "configs": {"pv": {"reps": [
                        {"rep": 1, "status": "ok", "elapsed_s": secs},
                        {"rep": 2, "status": "interrupted", "elapsed_s": 99.0}]}}}))
            hist = reproduce.boot_history([root, root], "tcg")
            self.assertEqual(hist, {("e", "pv"): [10.0, 30.0]})
        exp = experiments.parse('''
[experiment]
name = "e"
boot_s = 40
[workload]
name = "lmbench-like"
args = ["run-all"]
[configs.pv]
mode = "pv"
[configs.native]
mode = "native"
boot_s = 5
[configs.xen]
mode = "xen"
''', Path("e.toml"))
        self.assertEqual(reproduce.estimate(exp, exp.configs["pv"], hist),
                         (20.0, "median of 2 earlier boot(s)"))
        self.assertEqual(reproduce.estimate(exp, exp.configs["native"], hist)[0], 5.0)
        self.assertEqual(reproduce.estimate(exp, exp.configs["xen"], {})[0], 40.0)
        exp.boot_s = None
        self.assertEqual(reproduce.estimate(exp, exp.configs["xen"], {}),
                         (reproduce.DEFAULT_BOOT_S, "default"))


class ReportOrderTest(unittest.TestCase):
    def test_batching_reports_go_first(self):
        with tempfile.TemporaryDirectory() as tmp:
            items = []
            for name, kind in [("lmbench-quick", "lmb"), ("batching-quick", "forkexec-counters"),
                               ("modes-quick", "lmb")]:
                d = Path(tmp) / name
                d.mkdir()
                (d / "meta.json").write_text(json.dumps({"workload": {"kind": kind}}))
                items.append(reproduce.Item(reproduce.Entry(name, Path(tmp)), run=d))
            self.assertEqual(reproduce.report_order(items), [1, 0, 2])


class ReproduceTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.root, self.paper = self.dir / "results", self.dir / "paper"
        self.sets = self.dir / "sets.toml"
        self.sets.write_text(f'''
[t]
description = "test set"
budget_min = 1
experiments = [{{ name = "lmbench-quick", report = "{self.paper}" }}]
''')
        binary = self.dir / "lmb"
        binary.write_text("x")
        self.patches = [
            mock.patch.object(matrix.workloads, "build",
                              return_value={"/bin/lmb": binary, "/bin/lmb-hello": binary}),
            mock.patch.object(qemu, "choose_accel", return_value=("tcg", "test")),
        ]
        for p in self.patches:
            p.start()

    def tearDown(self):
        for p in self.patches:
            p.stop()
        self.tmp.cleanup()

    def reproduce(self, fake, **kw):
        args = argparse.Namespace(set="t", quick=False, full=False, sets=str(self.sets),
                                  results=str(self.root), accel=None, new=False,
                                  retry_failed=False, plan=False, verbose=False)
        for k, v in kw.items():
            setattr(args, k, v)
        err = io.StringIO()
        with mock.patch.object(matrix.boot, "prepare_guest", fake.prepare), \
                mock.patch.object(matrix.boot, "run_guest", fake.run), redirect_stderr(err):
            code = reproduce.cmd_reproduce(args)
        return code, err.getvalue()

    def state(self):
        run = reproduce.current_run(self.root, "t")
        return run, json.loads((run / reproduce.STATE).read_text())

    def test_plan_boots_nothing(self):
        fake = FakeGuests()
        code, err = self.reproduce(fake, plan=True)
        self.assertEqual((code, fake.boots), (0, 0))
        self.assertIn("would start a new run", err)
        self.assertIn("xen              xen    0 done, 3 to run", err)
        self.assertIn("9 boot(s) to run, 0 done: estimate ~", err)
        self.assertFalse(self.root.exists() and any(self.root.iterdir()))

    def test_interrupted_run_continues_where_it_stopped(self):
        first = FakeGuests(interrupt_on=4)
        code, err = self.reproduce(first)
        self.assertEqual(code, exitcodes.INTERRUPTED)
        run, st = self.state()
        self.assertEqual((st["status"], st["sessions"][0]["status"]), ("incomplete", "incomplete"))
        self.assertIn("run the same command again", err)
        self.assertFalse(self.paper.exists())            # no report after an interruption
        meta, recs = results.load(run / "lmbench-quick")
        self.assertEqual(meta["configs"]["native"]["reps"][1]["status"], "interrupted")
        self.assertEqual(len(recs), 3 * 24)             # boots 1-3; boot 4 not counted
        self.assertEqual([p.name for p in run.rglob("*.tmp")], [])

        again = FakeGuests()
        code, err = self.reproduce(again)
        self.assertEqual(code, 0)
        self.assertEqual(again.booted[0], ("native", "console-native-2.log"))
        self.assertEqual(again.boots, 6)
        self.assertIn("continuing", err)
        self.assertIn("6 boot(s) to run, 3 done", err)
        run2, st = self.state()
        self.assertEqual((run2, st["status"], len(st["sessions"])), (run, "complete", 2))
        meta, recs = results.load(run / "lmbench-quick")
        self.assertEqual(len(recs), 9 * 24)
        self.assertEqual(len({(r["config"], r["rep"], r["name"]) for r in recs}), 9 * 24)
        text = (self.paper / "tables-3-5.md").read_text()
        self.assertIn("**xen** (Xen 4.17, ours)", text)
        self.assertIn("| xen / native |", text)

        meta_file = run / "lmbench-quick" / "meta.json"
        meta = json.loads(meta_file.read_text())
        meta["configs"]["pv"]["reps"][0]["commit"] = "f" * 40
        meta_file.write_text(json.dumps(meta))
        third = FakeGuests()
        code, err = self.reproduce(third)
        self.assertIn("note: boots already done ran with another commit (ffffffffffff", err)
        self.assertEqual((code, third.boots), (0, 0))
        self.assertIn("lmbench-quick: every boot done (9); nothing to run", err)
        self.assertIn("(0 boot(s) run now, 9 reused)", err)

        fresh = FakeGuests()
        code, _ = self.reproduce(fresh, new=True)
        self.assertEqual((code, fresh.boots), (0, 9))
        self.assertNotEqual(self.state()[0], run)

    def test_a_changed_experiment_is_not_continued(self):
        code, _ = self.reproduce(FakeGuests(interrupt_on=2))
        run, _ = self.state()
        meta_file = run / "lmbench-quick" / "meta.json"
        meta = json.loads(meta_file.read_text())
        meta["experiment"]["text"] += "\n# edited\n"
        meta_file.write_text(json.dumps(meta))
        fake = FakeGuests()
        code, err = self.reproduce(fake)
        self.assertEqual((code, fake.boots), (1, 0))
        self.assertIn("different experiment file", err)
        self.assertEqual(self.state()[1]["experiments"][0]["status"], "cannot run")


if __name__ == "__main__":
    unittest.main()

import json
import os
import tempfile
import unittest
from pathlib import Path

from pvxlib import results
from pvxlib.results import ResultsError


class RunDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_layout_and_atomic_rewrites(self):
        run = results.RunDir(self.root, "lmbench-quick", start=0.0)
        self.assertEqual(run.path.name, "19700101T000000Z-lmbench-quick")
        self.assertEqual(run.console_log("pv", 2).name, "console-pv-2.log")
        run.write_meta({"status": "running"})
        run.put("native", 1, [{"name": "stat", "value": 1.0}])
        run.put("pv", 1, [{"name": "stat", "value": 2.0}, {"name": "x", "error": "e"}])
        meta, recs = results.load(run.path)
        self.assertEqual(meta, {"status": "running"})
        self.assertEqual(recs[0], {"config": "native", "rep": 1, "name": "stat", "value": 1.0})
        self.assertEqual([(r["config"], r["name"]) for r in recs],
                         [("native", "stat"), ("pv", "stat"), ("pv", "x")])
        leftovers = [p for p in os.listdir(run.path) if p.endswith(".tmp")]
        self.assertEqual(leftovers, [])

    def test_put_replaces_a_cell_and_open_continues(self):
        run = results.RunDir(self.root, "e", path=self.root / "r" / "e")
        run.write_meta({"status": "incomplete"})
        run.put("pv", 1, [{"name": "a", "value": 1.0}, {"name": "b", "value": 1.0}])
        run.put("pv", 2, [{"name": "a", "value": 2.0}])
        run.put("pv", 1, [{"name": "a", "value": 3.0}])          # the cell again
        again, meta = results.RunDir.open(run.path)
        self.assertEqual(meta["status"], "incomplete")
        self.assertEqual([(r["rep"], r["value"]) for r in again.records],
                         [(2, 2.0), (1, 3.0)])
        again.drop([("pv", 2), ("native", 1)])
        self.assertEqual([r["rep"] for r in results.load(run.path)[1]], [1])
        with self.assertRaisesRegex(ResultsError, "already holds a run"):
            results.RunDir(self.root, "e", path=run.path)

    def test_interrupted_write_leaves_the_old_file_and_no_temporary(self):
        target = self.root / "results.jsonl"
        results.atomic_write(target, "old\n")
        real_open = open

        def failing_open(path, mode="r", *a, **kw):
            f = real_open(path, mode, *a, **kw)
            if "w" in mode:
                f.write("half")
                f.close()
                raise KeyboardInterrupt
            return f
        import builtins
        from unittest import mock
        with mock.patch.object(builtins, "open", failing_open), \
                self.assertRaises(KeyboardInterrupt):
            results.atomic_write(target, "new\n")
        self.assertEqual(target.read_text(), "old\n")
        self.assertEqual(sorted(os.listdir(self.root)), ["results.jsonl"])

    def test_same_second_gets_a_new_directory(self):
        a = results.RunDir(self.root, "e", start=0.0)
        b = results.RunDir(self.root, "e", start=0.0)
        self.assertNotEqual(a.path, b.path)
        self.assertEqual(b.path.name, "19700101T000000Z-e.2")

    def test_newest(self):
        with self.assertRaisesRegex(ResultsError, "no results"):
            results.newest(self.root)
        for t in (100.0, 300.0, 200.0):
            results.RunDir(self.root, "e", start=t).write_meta({})
        (self.root / "99991231T000000Z-no-meta").mkdir()
        self.assertEqual(results.newest(self.root).name, "19700101T000500Z-e")

    def test_meta_without_results_reads_as_no_records(self):
        run = results.RunDir(self.root, "e")
        run.write_meta({"status": "failed"})
        self.assertEqual(results.load(run.path), ({"status": "failed"}, []))


class ParseTest(unittest.TestCase):
    def test_parse_jsonl(self):
        text = json.dumps({"config": "pv", "name": "a"}) + "\n\n"
        self.assertEqual(results.parse_jsonl(text), [{"config": "pv", "name": "a"}])
        with self.assertRaisesRegex(ResultsError, ":2: not JSON"):
            results.parse_jsonl(text.strip() + "\n{half")
        with self.assertRaisesRegex(ResultsError, "needs config and name"):
            results.parse_jsonl('{"name": "a"}')

    def test_missing_directory(self):
        with self.assertRaisesRegex(ResultsError, "no meta.json"):
            results.load(Path("/nonexistent/run"))


if __name__ == "__main__":
    unittest.main()

import unittest

from pvxlib import cells


def meta(**configs):
    """configs: name -> (status, [rep statuses])."""
    return {"experiment": {"text": "x"}, "plan": {"configs": list(configs), "reps": 3,
                                                  "params": {}, "quick": False},
            "qemu": {"accel": "tcg"},
            "configs": {n: {"name": n, "status": st, "reason": "r" if st == "failed" else "",
                            "reps": [{"rep": i + 1, "status": s} for i, s in enumerate(reps)]}
                        for n, (st, reps) in configs.items()}}


class CellsTest(unittest.TestCase):
    def test_done_and_todo_in_round_robin_order(self):
        m = meta(native=("running", ["ok", "partial"]), pv=("running", ["ok"]))
        self.assertEqual(cells.done(m), {("native", 1), ("native", 2), ("pv", 1)})
        self.assertEqual(cells.todo(m, ["native", "pv"], 3),
                         [("pv", 2), ("native", 3), ("pv", 3)])

    def test_unfinished_cells_are_dropped_and_run_again(self):
        m = meta(native=("running", ["ok", "interrupted"]), pv=("running", ["running"]))
        self.assertEqual(sorted(cells.prune(m)), [("native", 2), ("pv", 1)])
        self.assertEqual([e["rep"] for e in m["configs"]["native"]["reps"]], [1])
        self.assertEqual(m["configs"]["pv"]["status"], "pending")
        self.assertEqual(cells.todo(m, ["native", "pv"], 2),
                         [("pv", 1), ("native", 2), ("pv", 2)])

    def test_failed_configuration_is_skipped_unless_retried(self):
        m = meta(native=("ok", ["ok", "ok", "ok"]), pv=("failed", ["ok", "failed"]))
        self.assertEqual(cells.prune(m), [])
        self.assertEqual(cells.todo(m, ["native", "pv"], 3), [])
        self.assertEqual(cells.skipped(m, ["native", "pv"], 3), [("pv", 3)])
        self.assertEqual(cells.prune(m, retry_failed=True), [("pv", 2)])
        self.assertEqual((m["configs"]["pv"]["status"], m["configs"]["pv"]["reason"]),
                         ("running", ""))
        self.assertEqual(cells.todo(m, ["native", "pv"], 3), [("pv", 2), ("pv", 3)])

    def test_a_changed_plan_cannot_continue(self):
        a = meta(native=("ok", []))
        self.assertIsNone(cells.mismatch(a, meta(native=("pending", []))))
        b = meta(native=("ok", []))
        b["plan"]["reps"], b["qemu"]["accel"] = 5, "kvm"
        why = cells.mismatch(a, b)
        self.assertIn("boots per configuration", why)
        self.assertIn("accelerator", why)
        c = meta(native=("ok", []))
        c["experiment"]["text"] = "changed"
        self.assertIn("experiment file", cells.mismatch(a, c))


if __name__ == "__main__":
    unittest.main()

import io
import unittest

from pvxlib import progress


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class EstimateTest(unittest.TestCase):
    def test_clock_text(self):
        self.assertEqual([progress.clock_text(s) for s in (4.4, 59.6, 185, 3723)],
                         ["4 s", "1:00", "3:05", "1:02:03"])

    def test_remaining(self):
        self.assertIsNone(progress.remaining([], 3, 10.0))
        self.assertEqual(progress.remaining([20.0, 40.0], 2, None), 60.0)
        self.assertEqual(progress.remaining([20.0], 1, 5.0), 35.0)
        self.assertEqual(progress.remaining([20.0], 0, 50.0), 0.0)   # overrunning


class ProgressTest(unittest.TestCase):
    def test_lines(self):
        out, clock = io.StringIO(), FakeClock()
        p = progress.Progress(3, out, clock)
        p.begin_boot("native", 1, 3)
        clock.t += 20
        p.metric("stat", 3, 24, "5.3 us")
        p.end_boot("ok")
        clock.t += 5
        p.begin_boot("native", 2, 3)
        clock.t += 5
        p.metric("null_call", 1, 24, "0.5 us")
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[0], "pvx run: [boot 1/3: native rep 1/3] booting | "
                                   "elapsed 0 s, estimate after the first boot")
        self.assertIn("3/24 stat 5.3 us | elapsed 20 s, estimate after", lines[1])
        self.assertIn("ok (20.0 s) | elapsed 20 s, ~40 s left", lines[2])
        self.assertEqual(lines[4], "pvx run: [boot 2/3: native rep 2/3] 1/24 null_call "
                                   "0.5 us | elapsed 30 s, ~35 s left")

    def test_skipped_boots_leave_the_estimate(self):
        out, clock = io.StringIO(), FakeClock()
        p = progress.Progress(4, out, clock)
        p.begin_boot("pv", 1, 4)
        clock.t += 10
        p.end_boot("failed")
        p.skip(3)
        self.assertEqual(p.status(), "elapsed 10 s, ~0 s left")


class PlannedTest(unittest.TestCase):
    def test_planned_remaining_scales_with_the_boots_so_far(self):
        self.assertEqual(progress.planned_remaining([10, 20, 30], [], None), 60)
        # the first boot took twice its plan: the rest will too
        self.assertEqual(progress.planned_remaining([10, 20, 30], [20.0], None), 100)
        self.assertEqual(progress.planned_remaining([10, 20, 30], [20.0], 15.0), 85)
        self.assertEqual(progress.planned_remaining([10], [10.0], None), 0)

    def test_estimate_from_the_start_and_skips_leave_the_plan(self):
        out, clock = io.StringIO(), FakeClock()
        p = progress.Progress(4, out, clock, planned=[("e/pv", 20), ("e/native", 10),
                                                      ("e/pv", 20), ("e/native", 10)],
                              label="pvx reproduce")
        p.context = "e"
        self.assertEqual(p.status(), "elapsed 0 s, ~1:00 left")
        p.begin_boot("pv", 1, 2)
        self.assertTrue(out.getvalue().startswith("pvx reproduce: [boot 1/4: e pv rep 1/2]"))
        clock.t += 10
        p.end_boot("failed")
        p.skip(1, "pv")
        self.assertEqual(p.total, 3)
        self.assertEqual([k for k, _ in p.planned], ["e/pv", "e/native", "e/native"])
        self.assertEqual(p.status(), "elapsed 10 s, ~10 s left")   # 2 x 10 s at 0.5x


class TapTest(unittest.TestCase):
    def test_lines_from_print(self):
        got = []
        tap = progress.ConsoleTap(got.append)
        print("one", file=tap, flush=True)
        tap.write("two\nthr")
        tap.write("ee\n")
        self.assertEqual(got, ["one", "two", "three"])


if __name__ == "__main__":
    unittest.main()

import math
import unittest

from pvxlib import stats


class CoverageTest(unittest.TestCase):
    def test_binomial(self):
        self.assertEqual(stats.binom_cdf_half(-1, 5), 0.0)
        self.assertEqual(stats.binom_cdf_half(0, 5), 1 / 32)
        self.assertEqual(stats.binom_cdf_half(5, 5), 1.0)
        self.assertAlmostEqual(stats.binom_cdf_half(3, 15), (1 + 15 + 105 + 455) / 32768)

    def test_coverage_of_min_max(self):
        self.assertAlmostEqual(stats.coverage(1, 5), 1 - 2 / 32)   # 93.75%
        self.assertAlmostEqual(stats.coverage(1, 6), 1 - 2 / 64)   # 96.9%


class IntervalTest(unittest.TestCase):
    def test_too_few_values(self):
        self.assertIsNone(stats.ci([1.0, 2.0, 3.0, 4.0]))

    def test_five_values_give_min_max_at_its_true_level(self):
        iv = stats.ci([5.0, 1.0, 4.0, 2.0, 3.0])
        self.assertEqual((iv.lo, iv.hi), (1.0, 5.0))
        self.assertAlmostEqual(iv.level, 0.9375)

    def test_fifteen_values_use_ranks_4_and_12(self):
        iv = stats.ci([float(x) for x in range(15, 0, -1)])
        self.assertEqual((iv.lo, iv.hi), (4.0, 12.0))
        self.assertGreaterEqual(iv.level, 0.95)
        self.assertLess(stats.coverage(5, 15), 0.95)     # 5 would be too narrow

    def test_interval_contains_median(self):
        for n in range(5, 60):
            xs = [float((i * 37) % 101) for i in range(n)]
            iv = stats.ci(xs)
            med = stats.summarize(xs).median
            self.assertLessEqual(iv.lo, med)
            self.assertGreaterEqual(iv.hi, med)
            self.assertGreaterEqual(iv.level, 0.95 if n >= 6 else 0.93)


class SummaryTest(unittest.TestCase):
    def test_summary(self):
        s = stats.summarize([2.0, 1.0, 4.0])
        self.assertEqual((s.n, s.median, s.min, s.max), (3, 2.0, 1.0, 4.0))
        self.assertIsNone(s.ci)
        self.assertEqual(s.spread, 4.0)
        self.assertTrue(s.noisy)
        self.assertFalse(stats.summarize([1.0, 1.5]).noisy)

    def test_non_positive_sample_makes_spread_infinite(self):
        s = stats.summarize([-3.0, 2.0, 5.0])
        self.assertTrue(math.isinf(s.spread))
        self.assertTrue(s.noisy)
        self.assertTrue(math.isinf(stats.spread([0.0, 1.0])))

    def test_empty(self):
        with self.assertRaises(ValueError):
            stats.summarize([])


if __name__ == "__main__":
    unittest.main()

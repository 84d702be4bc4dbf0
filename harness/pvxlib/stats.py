"""Statistics for the report: median, min/max, a distribution-free
confidence interval for the median, and the spread.

The confidence interval uses order statistics: with n samples of a
continuous distribution, the number below the true median is
Binomial(n, 1/2), so the interval [x(k), x(n+1-k)] (1-based ranks of the
sorted samples) covers the median with probability
1 - 2 * P(Binomial(n, 1/2) <= k - 1). ci() takes the narrowest such
interval that still reaches the requested level. It needs no resampling
(so it is deterministic) and no assumption about the shape of the
distribution, which matters for the skewed, outlier-prone timings an
emulator produces. With 5 samples the widest interval, [min, max],
covers only 93.75%, which the returned level says; 6 samples reach
96.9%.

The spread is max/min. A benchmark that subtracts an overhead (lmbench's
sig hndl, prot fault, context switches) can produce a sample at or below
zero; then max/min means nothing and the spread is infinite.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

CI_MIN_SAMPLES = 5
NOISY_SPREAD = 2.0


@dataclass(frozen=True)
class Interval:
    lo: float
    hi: float
    level: float          # the exact coverage probability, e.g. 0.9648


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    min: float
    max: float
    ci: Interval | None   # None below CI_MIN_SAMPLES
    spread: float         # max/min; math.inf when min <= 0

    @property
    def noisy(self) -> bool:
        return self.spread > NOISY_SPREAD


def binom_cdf_half(k: int, n: int) -> float:
    """P(Binomial(n, 1/2) <= k), exactly."""
    if k < 0:
        return 0.0
    return sum(math.comb(n, i) for i in range(min(k, n) + 1)) / 2 ** n


def coverage(k: int, n: int) -> float:
    """Probability that [x(k), x(n+1-k)] contains the median."""
    return 1.0 - 2.0 * binom_cdf_half(k - 1, n)


def ci(values: list[float], level: float = 0.95) -> Interval | None:
    """The order-statistic interval for the median; None for fewer than
    CI_MIN_SAMPLES values. When even [min, max] is below `level` (n = 5),
    that interval is returned with its true, lower level."""
    n = len(values)
    if n < CI_MIN_SAMPLES:
        return None
    xs = sorted(values)
    k = 1
    while k + 1 <= (n + 1) // 2 and coverage(k + 1, n) >= level:
        k += 1
    return Interval(xs[k - 1], xs[n - k], coverage(k, n))


def spread(values: list[float]) -> float:
    lo, hi = min(values), max(values)
    return math.inf if lo <= 0 else hi / lo


def summarize(values: list[float]) -> Summary:
    if not values:
        raise ValueError("no values to summarize")
    return Summary(len(values), statistics.median(values), min(values),
                   max(values), ci(values), spread(values))

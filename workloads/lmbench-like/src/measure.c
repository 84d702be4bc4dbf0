/*
 * Timing discipline, after lmbench 3.0's benchmp() (src/lib_timing.c).
 *
 * Theory of operation
 * -------------------
 * A benchmark is a body function that performs n operations and times them
 * itself with CLOCK_MONOTONIC, so that set-up it needs between operations
 * (re-creating a mapping, making directories) stays outside the timed
 * region.  lmb_measure() drives it in three phases:
 *
 *  1. Calibrate.  Start at n = 1 and grow n until the shortest value the
 *     body timed lasts at least cfg->min_interval_ns (lmbench's ENOUGH).
 *     Growth aims 15% past the target, at most 64x per step, so a fast
 *     operation needs a handful of steps and a slow one (fork+sh under an
 *     emulator) stays at n = 1.
 *  2. Warm up.  n is kept only once two calls in a row at n were long
 *     enough, so the last calibration call is a warm run, the warm-up run
 *     lmbench does before measuring; with --iters (no calibration) one call
 *     of n is made and discarded.
 *  3. Time cfg->reps repetitions of n operations.  Each repetition gives one
 *     per-operation value in microseconds; the result is their median, with
 *     min and max (lmbench keeps the median of TRIES = 11).  A metric that
 *     is "X less Y" has the body time X and Y back to back and takes the
 *     difference per repetition (lmb_result_diff), before the median.
 *
 * Why it is robust under an emulator and a hypervisor: the interval is a
 * wall-clock target, not an iteration count, so a guest 50x slower runs
 * fewer iterations, not 50x longer.  lmb_clock_init() measures the clock's
 * real granularity (a hypervisor clock source may tick coarsely) and raises
 * the minimum interval to 100 ticks, which bounds the quantisation error of
 * any one interval to 1%.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "measure.h"

#define CAL_OVERSHOOT 1.15
#define CAL_MAX_GROWTH 64.0
#define CAL_MAX_ITERS (UINT64_C(1) << 32)
#define CLOCK_TICKS_PER_INTERVAL 100

static char last_error[512];

void lmb_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

const char *lmb_last_error(void)
{
	return last_error[0] ? last_error : "unknown failure";
}

uint64_t lmb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Smallest step the clock is seen to take, over a few tries, in ns. */
static uint64_t clock_granularity_ns(void)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 20; i++) {
		uint64_t t0 = lmb_now_ns(), t1;

		while ((t1 = lmb_now_ns()) == t0)
			;
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

int lmb_clock_init(struct lmb_config *cfg)
{
	uint64_t gran = clock_granularity_ns();
	double floor_ns = (double)gran * CLOCK_TICKS_PER_INTERVAL;

	fprintf(stderr, "lmb: CLOCK_MONOTONIC granularity %llu ns\n",
		(unsigned long long)gran);
	if (floor_ns > cfg->min_interval_ns) {
		fprintf(stderr,
			"lmb: coarse clock: minimum interval raised from "
			"%.1f ms to %.1f ms\n",
			cfg->min_interval_ns / 1e6, floor_ns / 1e6);
		cfg->min_interval_ns = floor_ns;
	}
	return 0;
}

static double lap_ops(const struct lmb_lap *lap, int i, uint64_t n)
{
	return lap->ops[i] > 0 ? lap->ops[i] : (double)n;
}

static int run_body(lmb_body_fn body, void *arg, uint64_t n,
		    struct lmb_lap *lap)
{
	memset(lap, 0, sizeof(*lap));
	last_error[0] = '\0';
	return body(arg, n, lap);
}

static double shortest(const struct lmb_lap *lap, int nvals)
{
	double t = lap->ns[0];

	for (int i = 1; i < nvals; i++)
		if (lap->ns[i] < t)
			t = lap->ns[i];
	return t;
}

/*
 * Phases 1 and 2: find n, leaving the caches warm.  n is accepted only when
 * two calls in a row at that n last long enough: a first call that is slow
 * because it is cold (page faults, empty caches; a whole first fork under
 * an emulator) must not fix n too small for the warm calls that follow.
 * Returns 0 on failure.
 */
static uint64_t calibrate(const struct lmb_config *cfg, lmb_body_fn body,
			  void *arg, int nvals)
{
	struct lmb_lap lap;
	uint64_t n = cfg->fixed_iters ? cfg->fixed_iters : 1;
	int long_enough = 0;

	for (;;) {
		if (run_body(body, arg, n, &lap))
			return 0;
		double t = shortest(&lap, nvals);

		if (cfg->fixed_iters || n >= CAL_MAX_ITERS)
			return n;
		if (t >= cfg->min_interval_ns) {
			if (++long_enough == 2)
				return n;
			continue;
		}
		long_enough = 0;
		double grow = t > 0 ? CAL_OVERSHOOT * cfg->min_interval_ns / t :
				      CAL_MAX_GROWTH;
		if (grow > CAL_MAX_GROWTH)
			grow = CAL_MAX_GROWTH;
		if (grow < 1.1)
			grow = 1.1;
		n = (uint64_t)ceil((double)n * grow);
	}
}

int lmb_measure(const struct lmb_config *cfg, lmb_body_fn body, void *arg,
		int nvals, struct lmb_result *res)
{
	struct lmb_lap lap;
	uint64_t n = calibrate(cfg, body, arg, nvals);

	if (n == 0)
		return -1;
	for (int i = 0; i < nvals; i++) {
		res[i].reps = cfg->reps;
		res[i].iters = n;
	}
	for (int r = 0; r < cfg->reps; r++) {
		if (run_body(body, arg, n, &lap))
			return -1;
		for (int i = 0; i < nvals; i++)
			res[i].us[r] = lap.ns[i] / 1e3 / lap_ops(&lap, i, n);
	}
	for (int i = 0; i < nvals; i++)
		lmb_result_finish(&res[i]);
	return 0;
}

/*
 * lmbench's "cost of X less the cost of Y", repetition by repetition: a
 * and b were timed in the same body calls, so each difference is taken
 * between two intervals that saw the same machine (paired measurement).
 */
void lmb_result_diff(struct lmb_result *out, const struct lmb_result *a,
		     const struct lmb_result *b)
{
	*out = *a;
	for (int r = 0; r < out->reps; r++)
		out->us[r] = a->us[r] - b->us[r];
	lmb_result_finish(out);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void lmb_result_finish(struct lmb_result *res)
{
	double s[LMB_MAX_REPS];
	int n = res->reps;

	memcpy(s, res->us, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	res->min = s[0];
	res->max = s[n - 1];
	res->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

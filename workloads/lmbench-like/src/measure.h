/*
 * The timing discipline of lmbench's benchmp(), rewritten: calibrate an
 * iteration count, warm up, time several repetitions, keep the median.
 */
#ifndef LMBENCH_LIKE_MEASURE_H
#define LMBENCH_LIKE_MEASURE_H

#include <stdint.h>

#include "config.h"

#define LMB_MAX_LAPS 3 /* values one body call may time, e.g. create+delete */

/*
 * What one call of a benchmark body measured.  The body sets ns[] (the
 * elapsed time of each thing it timed); it may set ops[] when the number of
 * operations is not the n it was asked for (a context-switch ring does n
 * rounds of procs switches; a page-fault pass counts the faults it took).
 */
struct lmb_lap {
	double ns[LMB_MAX_LAPS];
	double ops[LMB_MAX_LAPS];
};

/* Do n operations; return 0, or -1 after lmb_error() said why. */
typedef int (*lmb_body_fn)(void *arg, uint64_t n, struct lmb_lap *lap);

/* Per-operation results of one measured value, in microseconds. */
struct lmb_result {
	int reps;
	uint64_t iters; /* n passed to each timed body call */
	double us[LMB_MAX_REPS]; /* one per repetition, in run order */
	double median, min, max;
};

uint64_t lmb_now_ns(void);
int lmb_clock_init(struct lmb_config *cfg);
int lmb_measure(const struct lmb_config *cfg, lmb_body_fn body, void *arg,
		int nvals, struct lmb_result *res);
void lmb_result_diff(struct lmb_result *out, const struct lmb_result *a,
		     const struct lmb_result *b);
void lmb_result_finish(struct lmb_result *res);

void lmb_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *lmb_last_error(void);

#endif

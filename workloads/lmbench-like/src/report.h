/*
 * The 24 metrics, which paper column each one reproduces, and the JSON line
 * each one prints (schema in ../README.md).
 */
#ifndef LMBENCH_LIKE_REPORT_H
#define LMBENCH_LIKE_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "measure.h"

/* Every line says what made it: this suite, not lmbench. */
#define LMB_SUITE "pvx-lmbench-like/1"

struct lmb_metric {
	const char *name; /* JSON "name", stable: reports key on it */
	int table; /* SOSP'03 table number: 3, 4 or 5 */
	const char *column; /* the column heading printed in that table */
};

extern const struct lmb_metric lmb_metrics[];
extern const int lmb_nmetrics;

int lmb_metric_index(const char *name);
void lmb_want(int index);
bool lmb_wanted(const char *name);

/* A small JSON object of benchmark parameters, built key by key. */
struct lmb_params {
	char buf[1024];
	size_t len;
};

void lmb_param_num(struct lmb_params *p, const char *key, double v);
void lmb_param_str(struct lmb_params *p, const char *key, const char *v);

void lmb_report(const struct lmb_config *cfg, const char *name,
		const struct lmb_result *res, const struct lmb_params *p);
void lmb_report_error(const char *name, const char *msg);
void lmb_report_last_error(const char *name);
int lmb_failures(void);

#endif

/*
 * Metric table and JSON output.  Every metric prints exactly one line on
 * stdout: a result or an error.  A value that is not a positive finite
 * number (a subtraction that left nothing, a clock that did not move) is
 * printed as an error, so a consumer never has to second-guess "value".
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

const struct lmb_metric lmb_metrics[] = {
	{ "null_call", 3, "null call" },
	{ "null_io", 3, "null I/O" },
	{ "stat", 3, "stat" },
	{ "open_close", 3, "open close" },
	{ "select_tcp", 3, "slct TCP" },
	{ "sig_install", 3, "sig inst" },
	{ "sig_handler", 3, "sig hndl" },
	{ "fork_proc", 3, "fork proc" },
	{ "exec_proc", 3, "exec proc" },
	{ "sh_proc", 3, "sh proc" },
	{ "ctx_2p_0k", 4, "2p 0K" },
	{ "ctx_2p_16k", 4, "2p 16K" },
	{ "ctx_2p_64k", 4, "2p 64K" },
	{ "ctx_8p_16k", 4, "8p 16K" },
	{ "ctx_8p_64k", 4, "8p 64K" },
	{ "ctx_16p_16k", 4, "16p 16K" },
	{ "ctx_16p_64k", 4, "16p 64K" },
	{ "fs_create_0k", 5, "0K File create" },
	{ "fs_delete_0k", 5, "0K File delete" },
	{ "fs_create_10k", 5, "10K File create" },
	{ "fs_delete_10k", 5, "10K File delete" },
	{ "mmap_lat", 5, "Mmap lat" },
	{ "prot_fault", 5, "Prot fault" },
	{ "page_fault", 5, "Page fault" },
};
const int lmb_nmetrics = sizeof(lmb_metrics) / sizeof(lmb_metrics[0]);

static bool wanted[sizeof(lmb_metrics) / sizeof(lmb_metrics[0])];
static int failures;

int lmb_metric_index(const char *name)
{
	for (int i = 0; i < lmb_nmetrics; i++)
		if (strcmp(lmb_metrics[i].name, name) == 0)
			return i;
	return -1;
}

void lmb_want(int index)
{
	wanted[index] = true;
}

bool lmb_wanted(const char *name)
{
	int i = lmb_metric_index(name);

	return i >= 0 && wanted[i];
}

int lmb_failures(void)
{
	return failures;
}

/* Append printf-style text to buf, never past its end. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

static void append_json_string(char *buf, size_t size, size_t *len,
			       const char *s)
{
	append(buf, size, len, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			append(buf, size, len, "\\%c", c);
		else if (c < 0x20)
			append(buf, size, len, "\\u%04x", c);
		else
			append(buf, size, len, "%c", c);
	}
	append(buf, size, len, "\"");
}

static void param_key(struct lmb_params *p, const char *key)
{
	if (p->len)
		append(p->buf, sizeof(p->buf), &p->len, ",");
	append_json_string(p->buf, sizeof(p->buf), &p->len, key);
	append(p->buf, sizeof(p->buf), &p->len, ":");
}

void lmb_param_num(struct lmb_params *p, const char *key, double v)
{
	param_key(p, key);
	if (isfinite(v))
		append(p->buf, sizeof(p->buf), &p->len, "%.10g", v);
	else
		append(p->buf, sizeof(p->buf), &p->len, "null");
}

void lmb_param_str(struct lmb_params *p, const char *key, const char *v)
{
	param_key(p, key);
	append_json_string(p->buf, sizeof(p->buf), &p->len, v);
}

static void head(char *buf, size_t size, size_t *len, const char *name)
{
	int i = lmb_metric_index(name);

	append(buf, size, len, "{\"suite\":\"" LMB_SUITE "\",\"name\":");
	append_json_string(buf, size, len, name);
	if (i >= 0) {
		append(buf, size, len,
		       ",\"table\":%d,\"column\":", lmb_metrics[i].table);
		append_json_string(buf, size, len, lmb_metrics[i].column);
	}
}

void lmb_report_error(const char *name, const char *msg)
{
	char buf[2048];
	size_t len = 0;

	if (lmb_metric_index(name) >= 0 && !lmb_wanted(name))
		return;
	head(buf, sizeof(buf), &len, name);
	append(buf, sizeof(buf), &len, ",\"error\":");
	append_json_string(buf, sizeof(buf), &len, msg);
	printf("%s}\n", buf);
	fflush(stdout);
	fprintf(stderr, "lmb: %s: %s\n", name, msg);
	failures++;
}

void lmb_report_last_error(const char *name)
{
	lmb_report_error(name, lmb_last_error());
}

void lmb_report(const struct lmb_config *cfg, const char *name,
		const struct lmb_result *res, const struct lmb_params *p)
{
	char buf[4096];
	size_t len = 0;

	if (!lmb_wanted(name))
		return;
	if (!isfinite(res->median) || res->median <= 0) {
		char msg[256];

		snprintf(msg, sizeof(msg),
			 "measured value %.6g us is not positive (below the "
			 "noise of the subtracted overhead?)",
			 res->median);
		lmb_report_error(name, msg);
		return;
	}
	head(buf, sizeof(buf), &len, name);
	append(buf, sizeof(buf), &len,
	       ",\"value\":%.6g,\"unit\":\"us\",\"reps\":%d,\"min\":%.6g,"
	       "\"max\":%.6g,\"iters\":%llu,\"interval_ms\":%.6g,\"samples\":[",
	       res->median, res->reps, res->min, res->max,
	       (unsigned long long)res->iters, cfg->min_interval_ns / 1e6);
	for (int r = 0; r < res->reps; r++)
		append(buf, sizeof(buf), &len, "%s%.6g", r ? "," : "",
		       res->us[r]);
	append(buf, sizeof(buf), &len, "],\"params\":{%s}}", p ? p->buf : "");
	printf("%s\n", buf);
	fflush(stdout);
}

/*
 * lmb: a from-scratch benchmark suite that follows lmbench 3.0's methods
 * for the 24 columns of Tables 3-5 of "Xen and the Art of Virtualization"
 * (SOSP'03).  It is not lmbench and its numbers are not lmbench results.
 *
 * main() reads the options, chooses the metrics, makes a private scratch
 * directory, then runs the benchmarks in the order of the paper's tables,
 * one JSON line per metric on stdout (README.md has the schema).  The exit
 * status is 0 only if every chosen metric produced a value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "config.h"
#include "measure.h"
#include "report.h"

/* The benchmarks in run order: the order of the paper's tables. */
static void (*const steps[])(const struct lmb_config *) = {
	bench_syscall, /* Table 3: null call, null I/O, stat, open close */
	bench_select, /* Table 3: slct TCP */
	bench_signal, /* Table 3: sig inst, sig hndl */
	bench_proc, /* Table 3: fork, exec, sh proc */
	bench_ctx, /* Table 4 */
	bench_fs, /* Table 5: file create and delete */
	bench_mmap, /* Table 5: Mmap lat */
	bench_prot, /* Table 5: Prot fault */
	bench_pagefault, /* Table 5: Page fault */
};

static const char usage[] =
	"usage: lmb [options] WHAT...\n"
	"WHAT: run-all | table3 | table4 | table5 | forkexec | list | a metric name\n"
	"  --quick             5 repetitions of >= 5 ms (default: 11 of >= 50 ms)\n"
	"  --reps N            timed repetitions, 5..101; the median is reported\n"
	"  --min-ms MS         minimum length of one timed interval\n"
	"  --iters N           exactly N operations per repetition, no calibration\n"
	"  --dir DIR           writable scratch directory (default /tmp)\n"
	"  --helper PATH       lmb-hello for exec/sh (default: beside lmb)\n"
	"  --shell PATH        shell for sh_proc (default /bin/sh)\n"
	"  --mmap-size BYTES   lat_mmap size (default 8M; k/m suffix)\n"
	"  --pf-size BYTES     lat_pagefault file size (default 8M)\n"
	"  --select-fds N      descriptors for select_tcp (default 100)\n"
	"  --files-per-dir N   lat_fs files per directory (default 100)\n"
	"  --cpu N             pin this process and its children to CPU N\n";

enum {
	OPT_QUICK = 256,
	OPT_REPS,
	OPT_MIN_MS,
	OPT_ITERS,
	OPT_DIR,
	OPT_HELPER,
	OPT_SHELL,
	OPT_MMAP,
	OPT_PF,
	OPT_SELECT,
	OPT_PER_DIR,
	OPT_CPU
};

static const struct option long_opts[] = {
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "reps", required_argument, NULL, OPT_REPS },
	{ "min-ms", required_argument, NULL, OPT_MIN_MS },
	{ "iters", required_argument, NULL, OPT_ITERS },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "helper", required_argument, NULL, OPT_HELPER },
	{ "shell", required_argument, NULL, OPT_SHELL },
	{ "mmap-size", required_argument, NULL, OPT_MMAP },
	{ "pf-size", required_argument, NULL, OPT_PF },
	{ "select-fds", required_argument, NULL, OPT_SELECT },
	{ "files-per-dir", required_argument, NULL, OPT_PER_DIR },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn)) die_usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "lmb: %s\n", msg);
	fputs(usage, stderr);
	exit(2);
}

/* A count or size with an optional k/m/g suffix (powers of 1024). */
static unsigned long long number(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	switch (*end) {
	case 'g':
	case 'G':
		v <<= 10; /* fall through */
	case 'm':
	case 'M':
		v <<= 10; /* fall through */
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	}
	if (errno || end == s || *end) {
		fprintf(stderr, "lmb: bad %s: %s\n", what, s);
		die_usage(NULL);
	}
	return v;
}

/* run-all/all, or table3/table4/table5; false if what is neither. */
static bool select_group(const char *what)
{
	int table;

	if (strcmp(what, "run-all") == 0 || strcmp(what, "all") == 0)
		table = 0;
	else if (sscanf(what, "table%d", &table) != 1 || table < 3 || table > 5)
		return false;
	for (int i = 0; i < lmb_nmetrics; i++)
		if (table == 0 || lmb_metrics[i].table == table)
			lmb_want(i);
	return true;
}

static void list_metrics(void)
{
	for (int i = 0; i < lmb_nmetrics; i++)
		printf("%-14s table %d  %s\n", lmb_metrics[i].name,
		       lmb_metrics[i].table, lmb_metrics[i].column);
}

static void choose(int argc, char **argv)
{
	if (argc == 0)
		die_usage("nothing to run");
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		int idx = lmb_metric_index(w);

		if (strcmp(w, "list") == 0) {
			list_metrics();
			exit(0);
		} else if (strcmp(w, "forkexec") == 0) {
			lmb_want(lmb_metric_index("fork_proc"));
			lmb_want(lmb_metric_index("exec_proc"));
		} else if (select_group(w)) {
			continue;
		} else if (idx >= 0) {
			lmb_want(idx);
		} else {
			fprintf(stderr, "lmb: unknown metric %s\n", w);
			die_usage(NULL);
		}
	}
}

/* lmb-hello lives beside lmb: find lmb through /proc, else argv[0]. */
static const char *default_helper(const char *argv0)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	char *slash;

	if (n > 0) {
		path[n] = '\0';
	} else if (strlen(argv0) < sizeof(path) - 16) {
		strcpy(path, argv0);
	} else {
		path[0] = '\0';
	}
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "lmb-hello");
	return path;
}

/* What the options say before defaults are applied. */
struct cli {
	double min_ms; /* < 0: not given */
	int reps; /* 0: not given */
	bool quick;
};

static void pin_cpu(const char *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)number(arg, "--cpu"), &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "lmb: --cpu %s: %s\n", arg, strerror(errno));
		exit(2);
	}
}

static void option(int opt, const char *arg, struct lmb_config *cfg,
		   struct cli *cli)
{
	switch (opt) {
	case OPT_QUICK:
		cli->quick = true;
		break;
	case OPT_REPS:
		cli->reps = (int)number(arg, "--reps");
		break;
	case OPT_MIN_MS:
		cli->min_ms = atof(arg);
		break;
	case OPT_ITERS:
		cfg->fixed_iters = number(arg, "--iters");
		break;
	case OPT_DIR:
		cfg->workdir = arg;
		break;
	case OPT_HELPER:
		cfg->helper = arg;
		break;
	case OPT_SHELL:
		cfg->shell = arg;
		break;
	case OPT_MMAP:
		cfg->mmap_bytes = number(arg, "--mmap-size");
		break;
	case OPT_PF:
		cfg->pf_bytes = number(arg, "--pf-size");
		break;
	case OPT_SELECT:
		cfg->select_fds = (int)number(arg, "--select-fds");
		break;
	case OPT_PER_DIR:
		cfg->files_per_dir = (int)number(arg, "--files-per-dir");
		break;
	case OPT_CPU:
		pin_cpu(arg);
		break;
	case 'h':
		fputs(usage, stdout);
		exit(0);
	default:
		die_usage(NULL);
	}
}

/* Defaults: lmbench's TRIES and ENOUGH, or the --quick pair. */
static void apply_defaults(const struct cli *cli, struct lmb_config *cfg)
{
	cfg->reps = cli->reps ? cli->reps : cli->quick ? 5 : 11;
	cfg->min_interval_ns = (cli->min_ms >= 0 ? cli->min_ms :
				cli->quick	 ? 5 :
						   50) *
			       1e6;
	if (cfg->reps < 5 || cfg->reps > LMB_MAX_REPS)
		die_usage("--reps must be 5..101");
	if (cfg->select_fds < 1 || cfg->select_fds > 1000 ||
	    cfg->files_per_dir < 1 || cfg->mmap_bytes < (320u << 10) ||
	    cfg->pf_bytes < (1u << 20))
		die_usage("--select-fds 1..1000, --files-per-dir >= 1, "
			  "--mmap-size >= 320k, --pf-size >= 1m");
}

static void parse(int argc, char **argv, struct lmb_config *cfg)
{
	struct cli cli = { .min_ms = -1 };
	int opt;

	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1)
		option(opt, optarg, cfg, &cli);
	apply_defaults(&cli, cfg);
	if (!cfg->helper)
		cfg->helper = default_helper(argv[0]);
	choose(argc - optind, argv + optind);
}

/* Replace --dir with a private directory inside it, or NULL. */
static char *make_workdir(const char *parent)
{
	static char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/lmb.XXXXXX", parent) >=
		    sizeof(path) ||
	    !mkdtemp(path)) {
		fprintf(stderr,
			"lmb: cannot make a directory in %s (%s): the file "
			"and VM metrics will fail; give a writable --dir\n",
			parent, strerror(errno));
		return NULL;
	}
	return path;
}

int main(int argc, char **argv)
{
	struct lmb_config cfg = {
		.workdir = "/tmp",
		.shell = "/bin/sh",
		.mmap_bytes = 8u << 20,
		.pf_bytes = 8u << 20,
		.select_fds = 100,
		.files_per_dir = 100,
	};
	uint64_t t0 = lmb_now_ns();

	parse(argc, argv, &cfg);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN); /* a broken pipe is an error, not death */
	lmb_clock_init(&cfg);
	cfg.workdir = make_workdir(cfg.workdir);
	fprintf(stderr, "lmb: %d reps, >= %.1f ms each, %s, helper %s\n",
		cfg.reps, cfg.min_interval_ns / 1e6,
		cfg.workdir ? cfg.workdir : "no workdir", cfg.helper);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		steps[i](&cfg);
	if (cfg.workdir && rmdir(cfg.workdir))
		fprintf(stderr, "lmb: rmdir %s: %s\n", cfg.workdir,
			strerror(errno));
	fprintf(stderr, "lmb: done in %.2f s, %d failed\n",
		(double)(lmb_now_ns() - t0) / 1e9, lmb_failures());
	return lmb_failures() ? 1 : 0;
}

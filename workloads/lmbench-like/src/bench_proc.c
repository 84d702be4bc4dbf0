/*
 * Process creation, after lmbench's lat_proc: Table 3 "fork proc", "exec
 * proc" and "sh proc".  Each operation is created, run and reaped:
 *
 *   fork_proc  fork(); the child _exit()s; the parent waits for it.
 *   exec_proc  fork(); the child closes stdout and execve()s lmb-hello
 *              (lmbench's hello: write "Hello world\n" and exit) with an
 *              empty environment; the parent waits.
 *   sh_proc    fork(); the child closes stdout and runs
 *              `/bin/sh -c <lmb-hello>`; the parent waits.
 *
 * The cost of fork grows with the parent's address space, so the parent
 * here is the small static lmb binary with every earlier benchmark's memory
 * released, as lmbench's lat_proc is a small process of its own.
 *
 * These are also the workload of the paper's Section 4.1 batching
 * experiment: `lmb --iters N forkexec` times exactly N fork+exit+wait and
 * N fork+execve+wait per repetition, with no calibration, so that counters
 * read around the run (hypercalls, page-table updates, batches) divide by a
 * known number of processes.
 *
 * Deviations: lmbench's child calls exit(); this one calls _exit() so that
 * no stdio buffer is flushed twice.  lmbench's hello is usually linked
 * dynamically; lmb-hello is static, so exec_proc has no dynamic loader
 * cost and the initramfs needs no shared libraries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "report.h"

enum proc_kind { PROC_FORK, PROC_EXEC, PROC_SH };

struct proc_arg {
	enum proc_kind kind;
	const struct lmb_config *cfg;
};

static void child(const struct proc_arg *a)
{
	char *const hello_argv[] = { (char *)a->cfg->helper, NULL };
	char *const empty_env[] = { NULL };

	if (a->kind == PROC_FORK)
		_exit(0);
	close(1);
	if (a->kind == PROC_EXEC)
		execve(a->cfg->helper, hello_argv, empty_env);
	else
		execl(a->cfg->shell, "sh", "-c", a->cfg->helper, (char *)NULL);
	_exit(127);
}

/* Create, run and reap one process; 0 if it exited with status 0. */
static int one_process(const struct proc_arg *a)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		lmb_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child(a);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			lmb_error("waitpid: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		lmb_error("child %s (status %#x): cannot run %s%s%s?",
			  WIFEXITED(status) ? "failed" : "killed", status,
			  a->kind == PROC_SH ? a->cfg->shell : "",
			  a->kind == PROC_SH ? " -c " : "", a->cfg->helper);
		return -1;
	}
	return 0;
}

static int body_proc(void *arg, uint64_t n, struct lmb_lap *lap)
{
	uint64_t t0 = lmb_now_ns();

	while (n-- > 0)
		if (one_process(arg))
			return -1;
	lap->ns[0] = (double)(lmb_now_ns() - t0);
	return 0;
}

static void proc_metric(const struct lmb_config *cfg, const char *name,
			enum proc_kind kind)
{
	struct proc_arg a = { .kind = kind, .cfg = cfg };
	struct lmb_result res;
	struct lmb_params p = { 0 };

	if (!lmb_wanted(name))
		return;
	if (lmb_measure(cfg, body_proc, &a, 1, &res)) {
		lmb_report_last_error(name);
		return;
	}
	if (kind != PROC_FORK)
		lmb_param_str(&p, "helper", cfg->helper);
	if (kind == PROC_SH)
		lmb_param_str(&p, "shell", cfg->shell);
	lmb_report(cfg, name, &res, &p);
}

void bench_proc(const struct lmb_config *cfg)
{
	fflush(NULL); /* nothing buffered may be inherited by a child */
	proc_metric(cfg, "fork_proc", PROC_FORK);
	proc_metric(cfg, "exec_proc", PROC_EXEC);
	proc_metric(cfg, "sh_proc", PROC_SH);
}

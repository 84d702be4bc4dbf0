/*
 * Context switches, after lmbench's lat_ctx: Table 4, "<N>p <K>K" is N
 * processes each with a K KB working set.
 *
 * Theory of operation
 * -------------------
 * N processes form a ring of N pipes.  Process 0 (this one) writes a token
 * into pipe 0; process i reads pipe i-1, sums its own K KB array (every
 * int, so every cache line is read), and writes pipe i; process 0 reads
 * pipe N-1 and sums its array.  One round is N token passes, and with one
 * CPU each pass is a context switch.  The ring time per pass includes the
 * pipe write and read and the sum, so lmbench subtracts an overhead: the
 * same write, read and sum done by one process, which never blocks and so
 * never switches.  The metric is
 *
 *     ring time / (rounds * N)  -  overhead per pass.
 *
 * lmbench measures the overhead once per size, in a separate run, with as
 * many pipes as the largest ring on its command line.  Here every body call
 * times n overhead passes over N pipes of its own, then about n passes of
 * the ring, and the subtraction is made per repetition; the two sides of
 * each difference then saw the same machine, which matters on a loaded
 * host or a noisy emulator.  While process 0 does the overhead loop the
 * other N-1 processes sleep in read().
 *
 * Why a broken ring cannot hang: after forking, every process closes the
 * pipe ends it does not use, so a process that dies gives its neighbours
 * end-of-file or EPIPE, and process 0 reports an error.
 *
 * CPU placement is left to the scheduler, as lmbench does by default; run
 * `lmb --cpu 0 ...` to keep the whole ring on one CPU (the L-UP case).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "report.h"

#define MAX_PROCS 64

struct ring {
	int procs;
	size_t bytes; /* working set of each process */
	int pipes[MAX_PROCS][2]; /* pipe i carries the token from i to i+1 */
	int solo[MAX_PROCS][2]; /* process 0's own, for the overhead loop */
	pid_t pids[MAX_PROCS]; /* pids[0] unused: that is us */
	uint64_t *data; /* process 0's working set */
	int next; /* overhead loop: pipe to use next */
};

static volatile int ctx_sink; /* keeps the sums from being optimised away */

/*
 * Read every byte of the working set, as lmbench's sumit() does, in 8-byte
 * words with four sums in flight: the loop is then bound by the cache, not
 * by a chain of adds, and the overhead subtracted from the ring is small.
 */
static int sumit(const uint64_t *w, size_t bytes)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	for (size_t i = 0; i + 4 <= bytes / sizeof(*w); i += 4) {
		s0 += w[i];
		s1 += w[i + 1];
		s2 += w[i + 2];
		s3 += w[i + 3];
	}
	return (int)(s0 + s1 + s2 + s3);
}

static uint64_t *working_set(size_t bytes)
{
	uint64_t *d = bytes ? calloc(1, bytes) : NULL;

	if (d)
		memset(d, 1, bytes); /* touch it: fault in every page now */
	return d;
}

static int pass(int wfd, int rfd)
{
	int token = 1;

	errno = 0;
	if (write(wfd, &token, sizeof(token)) != sizeof(token) ||
	    read(rfd, &token, sizeof(token)) != sizeof(token)) {
		lmb_error("token ring broken: %s",
			  errno ? strerror(errno) : "end of file");
		return -1;
	}
	return 0;
}

/* n passes through the solo pipes: the pipe traffic and sums, no switch. */
static int overhead_loop(struct ring *r, uint64_t n, double *ns)
{
	int sum = 0;
	uint64_t t0 = lmb_now_ns();

	while (n-- > 0) {
		if (pass(r->solo[r->next][1], r->solo[r->next][0]))
			return -1;
		r->next = (r->next + 1) % r->procs;
		sum += sumit(r->data, r->bytes);
	}
	*ns = (double)(lmb_now_ns() - t0);
	ctx_sink = sum;
	return 0;
}

static int ring_loop(struct ring *r, uint64_t rounds, double *ns)
{
	int sum = 0;
	uint64_t t0 = lmb_now_ns();

	while (rounds-- > 0) {
		if (pass(r->pipes[0][1], r->pipes[r->procs - 1][0]))
			return -1;
		sum += sumit(r->data, r->bytes);
	}
	*ns = (double)(lmb_now_ns() - t0);
	ctx_sink = sum;
	return 0;
}

/* ns[0]: n overhead passes; ns[1]: the ring, rounded up to whole rounds. */
static int body_ctx(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct ring *r = arg;
	uint64_t rounds = (n + (uint64_t)r->procs - 1) / (uint64_t)r->procs;

	lap->ops[0] = (double)n;
	lap->ops[1] = (double)(rounds * (uint64_t)r->procs);
	if (overhead_loop(r, n, &lap->ns[0]))
		return -1;
	return ring_loop(r, rounds, &lap->ns[1]);
}

/* Close every pipe end except reading rd and writing wr (-1: none). */
static void keep_only(struct ring *r, int rd, int wr)
{
	for (int i = 0; i < r->procs; i++) {
		for (int end = 0; end < 2; end++) {
			if (i == (end ? wr : rd) || r->pipes[i][end] < 0)
				continue;
			close(r->pipes[i][end]);
			r->pipes[i][end] = -1;
		}
	}
}

static void __attribute__((noreturn)) ring_member(struct ring *r, int i)
{
	uint64_t *data = working_set(r->bytes);
	int token, sum = 0;

	keep_only(r, i - 1, i);
	if (r->bytes && !data)
		_exit(1);
	while (read(r->pipes[i - 1][0], &token, sizeof(token)) ==
	       sizeof(token)) {
		sum += sumit(data, r->bytes);
		if (write(r->pipes[i][1], &token, sizeof(token)) !=
		    sizeof(token))
			break;
	}
	ctx_sink = sum;
	_exit(0);
}

static int ring_open(struct ring *r, int procs, size_t bytes)
{
	memset(r, -1, sizeof(*r));
	r->procs = procs;
	r->bytes = bytes;
	r->next = 0;
	r->data = working_set(bytes);
	if (bytes && !r->data) {
		lmb_error("out of memory for a %zu-byte working set", bytes);
		return -1;
	}
	for (int i = 0; i < procs; i++)
		if (pipe(r->pipes[i])) {
			lmb_error("pipe: %s", strerror(errno));
			return -1;
		}
	return 0;
}

static int ring_fork(struct ring *r)
{
	for (int i = 1; i < r->procs; i++) {
		r->pids[i] = fork();
		if (r->pids[i] < 0) {
			lmb_error("fork of ring member %d: %s", i,
				  strerror(errno));
			return -1;
		}
		if (r->pids[i] == 0)
			ring_member(r, i);
	}
	keep_only(r, r->procs - 1, 0);
	for (int i = 0; i < r->procs; i++)
		if (pipe(r->solo[i])) {
			lmb_error("pipe: %s", strerror(errno));
			return -1;
		}
	return pass(r->pipes[0][1], r->pipes[r->procs - 1][0]); /* all up */
}

static void ring_close(struct ring *r)
{
	keep_only(r, -1, -1);
	for (int i = 0; i < r->procs; i++)
		for (int end = 0; end < 2; end++)
			if (r->solo[i][end] >= 0)
				close(r->solo[i][end]);
	for (int i = 1; i < r->procs; i++)
		if (r->pids[i] > 0) {
			kill(r->pids[i], SIGKILL);
			waitpid(r->pids[i], NULL, 0);
		}
	free(r->data);
}

static void ctx_metric(const struct lmb_config *cfg, const char *name,
		       int procs, int kbytes)
{
	struct ring r;
	struct lmb_result loops[2], res;
	struct lmb_params p = { 0 };

	if (!lmb_wanted(name))
		return;
	if (ring_open(&r, procs, (size_t)kbytes * 1024) || ring_fork(&r) ||
	    lmb_measure(cfg, body_ctx, &r, 2, loops)) {
		lmb_report_last_error(name);
		ring_close(&r);
		return;
	}
	ring_close(&r);
	lmb_result_diff(&res, &loops[1], &loops[0]);
	lmb_param_num(&p, "procs", procs);
	lmb_param_num(&p, "size_kb", kbytes);
	lmb_param_num(&p, "overhead_us", loops[0].median);
	lmb_param_num(&p, "raw_us", loops[1].median);
	lmb_report(cfg, name, &res, &p);
}

void bench_ctx(const struct lmb_config *cfg)
{
	fflush(NULL);
	ctx_metric(cfg, "ctx_2p_0k", 2, 0);
	ctx_metric(cfg, "ctx_2p_16k", 2, 16);
	ctx_metric(cfg, "ctx_2p_64k", 2, 64);
	ctx_metric(cfg, "ctx_8p_16k", 8, 16);
	ctx_metric(cfg, "ctx_8p_64k", 8, 64);
	ctx_metric(cfg, "ctx_16p_16k", 16, 16);
	ctx_metric(cfg, "ctx_16p_64k", 16, 64);
}

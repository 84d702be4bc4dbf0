/*
 * Signals, after lmbench's lat_sig: Table 3 "sig inst" and "sig hndl", and
 * Table 5 "Prot fault".
 *
 *   sig_install  sigaction(SIGUSR1) with a handler, old action returned.
 *   sig_handler  kill(getpid(), SIGUSR1) with an empty handler installed,
 *                less the cost of kill(getpid(), 0), which checks the
 *                target but sends nothing.  What is left is delivering the
 *                signal, running the handler and returning (sigreturn).
 *   prot_fault   a store to a page mapped PROT_READ, caught by a SIGSEGV
 *                handler, less sig_handler's cost.  What is left is the
 *                fault itself up to the point the kernel queues SIGSEGV.
 *
 * lmbench measures the three loops (send, catch, fault) in separate runs
 * and subtracts medians.  Here one body call times all the loops it needs
 * back to back and the subtraction is done per repetition, so the two
 * sides of each difference saw the same machine; on a loaded host or a
 * noisy emulator this keeps a small difference of large numbers from
 * drifting negative.
 *
 * The protection-fault loop, and why it terminates: the timed code does
 * one store.  The handler counts the fault and returns, so the CPU retries
 * the store and faults again; on the n-th fault the handler makes the page
 * writable with mprotect() and the retried store succeeds.  One mprotect()
 * per interval of thousands of faults is in the timing (lmbench instead
 * ends the interval from inside the handler).  The page is made read-only
 * again, outside the timing, before the next call.
 *
 * lmbench maps 4 KB of the lat_sig binary with MAP_SHARED; this suite maps
 * one page of a scratch file opened O_RDWR, so that mprotect() may grant
 * PROT_WRITE on the shared mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "report.h"
#include "workdir.h"

/* Shared with the signal handlers. */
static struct {
	volatile sig_atomic_t usr1;
	char *page;
	size_t pagesize;
	volatile uint64_t target; /* faults before the store may go through */
	volatile uint64_t faults;
} sig;

static void on_usr1(int signo)
{
	(void)signo;
	sig.usr1++;
}

static void on_segv(int signo)
{
	(void)signo;
	if (++sig.faults >= sig.target)
		mprotect(sig.page, sig.pagesize, PROT_READ | PROT_WRITE);
}

static int body_install(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	uint64_t t0 = lmb_now_ns();

	(void)arg;
	sigemptyset(&sa.sa_mask);
	while (n-- > 0)
		sigaction(SIGUSR1, &sa, &old);
	lap->ns[0] = (double)(lmb_now_ns() - t0);
	return 0;
}

static int kill_loop(int signo, uint64_t n, double *ns)
{
	pid_t me = getpid();
	uint64_t t0 = lmb_now_ns();

	while (n-- > 0)
		if (kill(me, signo)) {
			lmb_error("kill(self, %d): %s", signo, strerror(errno));
			return -1;
		}
	*ns = (double)(lmb_now_ns() - t0);
	return 0;
}

static int prot_loop(uint64_t n, double *ns)
{
	sig.target = n;
	sig.faults = 0;
	uint64_t t0 = lmb_now_ns();

	*(volatile char *)sig.page = 1;
	*ns = (double)(lmb_now_ns() - t0);
	if (mprotect(sig.page, sig.pagesize, PROT_READ)) {
		lmb_error("mprotect(PROT_READ): %s", strerror(errno));
		return -1;
	}
	if (sig.faults != n) {
		lmb_error("took %llu protection faults, expected %llu",
			  (unsigned long long)sig.faults,
			  (unsigned long long)n);
		return -1;
	}
	return 0;
}

/* ns[0] send only, ns[1] send and catch, ns[2] (if arg) protection fault. */
static int body_signals(void *arg, uint64_t n, struct lmb_lap *lap)
{
	bool with_prot = arg != NULL;

	if (kill_loop(0, n, &lap->ns[0]) || kill_loop(SIGUSR1, n, &lap->ns[1]))
		return -1;
	return with_prot ? prot_loop(n, &lap->ns[2]) : 0;
}

static int install(int signo, void (*fn)(int), struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = fn };

	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, old)) {
		lmb_error("sigaction(%d): %s", signo, strerror(errno));
		return -1;
	}
	return 0;
}

void bench_signal(const struct lmb_config *cfg)
{
	struct lmb_result res, loops[2];
	struct lmb_params p = { 0 };

	if (lmb_wanted("sig_install")) {
		if (lmb_measure(cfg, body_install, NULL, 1, &res))
			lmb_report_last_error("sig_install");
		else
			lmb_report(cfg, "sig_install", &res, NULL);
	}
	if (!lmb_wanted("sig_handler"))
		return;
	if (install(SIGUSR1, on_usr1, NULL) ||
	    lmb_measure(cfg, body_signals, NULL, 2, loops)) {
		lmb_report_last_error("sig_handler");
		return;
	}
	lmb_result_diff(&res, &loops[1], &loops[0]);
	lmb_param_num(&p, "send_us", loops[0].median);
	lmb_param_num(&p, "raw_us", loops[1].median);
	lmb_report(cfg, "sig_handler", &res, &p);
}

/* Map one page of a scratch file read-only and make it present. */
static int prot_map(const struct lmb_config *cfg, char *path, size_t size)
{
	int fd;

	sig.pagesize = (size_t)sysconf(_SC_PAGESIZE);
	if (workdir_make_file(cfg, "lmb_prot", sig.pagesize, path, size))
		return -1;
	fd = open(path, O_RDWR);
	if (fd < 0) {
		lmb_error("open %s: %s", path, strerror(errno));
		return -1;
	}
	sig.page = mmap(NULL, sig.pagesize, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (sig.page == MAP_FAILED) {
		sig.page = NULL;
		lmb_error("mmap %s: %s", path, strerror(errno));
		return -1;
	}
	(void)*(volatile char *)sig.page;
	return 0;
}

static void prot_report(const struct lmb_config *cfg,
			const struct lmb_result loops[3])
{
	struct lmb_result catch, res;
	struct lmb_params p = { 0 };

	lmb_result_diff(&catch, &loops[1], &loops[0]);
	lmb_result_diff(&res, &loops[2], &catch);
	lmb_param_num(&p, "raw_us", loops[2].median);
	lmb_param_num(&p, "sig_handler_us", catch.median);
	lmb_report(cfg, "prot_fault", &res, &p);
}

void bench_prot(const struct lmb_config *cfg)
{
	struct sigaction old_segv = { .sa_handler = SIG_DFL },
			 old_bus = old_segv;
	struct lmb_result loops[3];
	char path[4096] = "";

	if (!lmb_wanted("prot_fault"))
		return;
	if (prot_map(cfg, path, sizeof(path)) ||
	    install(SIGUSR1, on_usr1, NULL) ||
	    install(SIGSEGV, on_segv, &old_segv)) {
		lmb_report_last_error("prot_fault");
		goto out;
	}
	if (install(SIGBUS, on_segv, &old_bus))
		lmb_report_last_error("prot_fault");
	else if (lmb_measure(cfg, body_signals, (void *)1, 3, loops))
		lmb_report_last_error("prot_fault");
	else
		prot_report(cfg, loops);
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
out:
	if (sig.page)
		munmap(sig.page, sig.pagesize);
	sig.page = NULL;
	if (path[0])
		unlink(path);
}

/*
 * mmstress: a multi-process stress of the page-table paths every
 * memory-virtualization mode of PVX must get right (issue 7): fork, exec,
 * mmap, munmap, mprotect and mremap, run by WORKERS processes at once,
 * with every page checked.
 *
 * Each worker loops ITERS times over these steps; every one writes
 * patterns that name the worker, the iteration, the region and the page,
 * and reads them back:
 *
 *   aliases   a tmpfs file mapped shared twice: written through one
 *             mapping, read through the other.
 *   fork      a private region (copy-on-write after fork) and a shared
 *             one. Once the child has seen the shared data, and while it
 *             checks that it sees the parent's private data, the parent
 *             write-protects and re-enables both regions (the frames are
 *             still shared with the child) and overwrites the even pages
 *             of both; the child then writes every page of its private
 *             copy and the odd pages of the shared region, write-protects
 *             its copy and checks that a store faults. Afterwards the parent's private region holds its own
 *             data only (the child's writes do not show) and the shared
 *             region holds both processes' writes.
 *   exec      a child execs this program (--exec-child), which maps,
 *             writes and checks memory of its own and exits with a known
 *             status.
 *   munmap    a region of which only every third page was touched loses
 *             its middle: the touched pages left keep their data, the
 *             untouched ones read zero, and the hole faults.
 *   mprotect  read-only (a store faults, the data stays), no access (a
 *             load faults), read-write again (the data is still there).
 *   mremap    grown (possibly moved) and shrunk: the data follows.
 *
 * Any difference or unexpected system-call failure prints one line naming
 * the worker, its pid, the step, the address and the expected and seen
 * values, and the program exits 1. On success it prints one summary line
 * with the work done:
 *
 *   mmstress: ok 8 workers x 20 iterations: 320 forks, 160 execs, ...
 *
 * Usage: mmstress [WORKERS [ITERS]]        (defaults 8 and 20; WORKERS 1..64)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE	     4096ul
#define WORDS	     (PAGE / 8)
#define MAX_WORKERS  64
#define EXEC_STATUS  42 /* what --exec-child exits with when all is well */
#define PRIV_PAGES   48 /* the fork step's regions, in pages */
#define SHARED_PAGES 16
#define HOLE_PAGES   30 /* the munmap step's region (a multiple of 3) */
#define REMAP_PAGES  20

/* What one worker did; the parent sums them for the summary line. */
struct stats {
	unsigned long forks, execs, mmaps, munmaps, mprotects, mremaps;
	unsigned long pages_checked, faults_seen;
};

/* In a MAP_SHARED page made before the workers start, so it survives
 * their exit. */
static struct stats *all_stats;
static struct stats *st;
static unsigned int me; /* worker number */
static const char *exe;

/* ---- failing loudly ---- */

static void fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("mmstress: FAIL worker %u (pid %d): %s\n", me, (int)getpid(),
	       msg);
	fflush(stdout);
	_exit(1);
}

static void *map(size_t pages, int prot, int flags, int fd)
{
	void *p = mmap(NULL, pages * PAGE, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		fail("mmap of %zu pages: %s", pages, strerror(errno));
	st->mmaps++;
	return p;
}

static void unmap(void *p, size_t pages)
{
	if (munmap(p, pages * PAGE))
		fail("munmap %p (%zu pages): %s", p, pages, strerror(errno));
	st->munmaps++;
}

static void protect(void *p, size_t pages, int prot)
{
	if (mprotect(p, pages * PAGE, prot))
		fail("mprotect %p (%zu pages) to %d: %s", p, pages, prot,
		     strerror(errno));
	st->mprotects++;
}

/* ---- patterns: three words per page, each naming whose page it is ---- */

static uint64_t word(unsigned int who, unsigned int iter, unsigned int tag,
		     size_t page)
{
	return ((uint64_t)(who + 1) << 56) ^ ((uint64_t)iter << 40) ^
	       ((uint64_t)tag << 32) ^ (page * 0x9e3779b97f4a7c15ull);
}

static const size_t offs[3] = { 0, WORDS / 2 + 3, WORDS - 1 };

static void put(uint64_t *p, size_t page, uint64_t w)
{
	for (int k = 0; k < 3; k++)
		p[page * WORDS + offs[k]] = w + (uint64_t)k;
}

static void check(const char *step, const uint64_t *p, size_t page, uint64_t w)
{
	for (int k = 0; k < 3; k++) {
		const uint64_t *a = &p[page * WORDS + offs[k]];

		if (*a != w + (uint64_t)k)
			fail("%s: page %zu at %p: expected %016llx, seen "
			     "%016llx",
			     step, page, (const void *)a,
			     (unsigned long long)(w + (uint64_t)k),
			     (unsigned long long)*a);
	}
	st->pages_checked++;
}

/* ---- faults we expect: a load or store that must raise SIGSEGV ---- */

static sigjmp_buf probe_env;
static volatile sig_atomic_t probing;

static void on_segv(int sig)
{
	if (!probing) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(probe_env, 1);
}

/* Returns 1 if the access faulted. */
static int faults(volatile uint64_t *a, int store)
{
	int hit = 0;

	probing = 1;
	if (sigsetjmp(probe_env, 1) == 0) {
		if (store)
			*a = 0x5a5a5a5a5a5a5a5aull;
		else
			(void)*a;
	} else {
		hit = 1;
	}
	probing = 0;
	return hit;
}

static void expect_fault(const char *step, void *a, int store)
{
	if (!faults(a, store))
		fail("%s: a %s at %p did not fault", step,
		     store ? "store" : "load", a);
	st->faults_seen++;
}

/* ---- the steps ---- */

static void step_aliases(unsigned int it)
{
	char path[64];
	int fd;
	uint64_t *a, *b;

	snprintf(path, sizeof(path), "/tmp/mmstress.%u", me);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, SHARED_PAGES * PAGE))
		fail("aliases: %s: %s", path, strerror(errno));
	a = map(SHARED_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	b = map(SHARED_PAGES, PROT_READ, MAP_SHARED, fd);
	close(fd);
	unlink(path);
	for (size_t i = 0; i < SHARED_PAGES; i++)
		put(a, i, word(me, it, 1, i));
	for (size_t i = 0; i < SHARED_PAGES; i++)
		check("aliases: second mapping of a shared file", b, i,
		      word(me, it, 1, i));
	expect_fault("aliases: read-only mapping", b, 1);
	unmap(a, SHARED_PAGES);
	for (size_t i = 0; i < SHARED_PAGES; i++)
		check("aliases: second mapping after the first is gone", b, i,
		      word(me, it, 1, i));
	unmap(b, SHARED_PAGES);
}

/* Wait for a child; it must exit with status want. */
static void reap(const char *step, pid_t pid, int want)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail("%s: waitpid %d: %s", step, (int)pid, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want) {
		if (WIFSIGNALED(status))
			fail("%s: child %d killed by signal %d", step, (int)pid,
			     WTERMSIG(status));
		fail("%s: child %d exited with %d, expected %d", step, (int)pid,
		     WEXITSTATUS(status), want);
	}
}

static void fork_child(uint64_t *priv, uint64_t *shr, unsigned int it, int seen,
		       int go)
{
	char c;

	for (size_t i = 0; i < SHARED_PAGES; i++)
		check("fork: child sees the parent's shared data", shr, i,
		      word(me, it, 3, i));
	if (write(seen, "s", 1) != 1) /* the parent may write now */
		fail("fork: child: pipe: %s", strerror(errno));
	for (size_t i = 0; i < PRIV_PAGES; i++)
		check("fork: child sees the parent's private data", priv, i,
		      word(me, it, 2, i));
	if (read(go, &c, 1) != 1) /* the parent has done its writes */
		fail("fork: child: pipe: %s", strerror(errno));
	for (size_t i = 0; i < PRIV_PAGES; i++)
		check("fork: child's copy after the parent wrote its own", priv,
		      i, word(me, it, 2, i));
	for (size_t i = 0; i < PRIV_PAGES; i++)
		put(priv, i, word(me, it, 4, i));
	for (size_t i = 1; i < SHARED_PAGES; i += 2)
		put(shr, i, word(me, it, 5, i));
	protect(priv, PRIV_PAGES, PROT_READ);
	expect_fault("fork: child's read-only copy", priv + WORDS, 1);
	for (size_t i = 0; i < PRIV_PAGES; i++)
		check("fork: child's own copy", priv, i, word(me, it, 4, i));
	_exit(0);
}

static void step_fork(unsigned int it)
{
	uint64_t *priv = map(PRIV_PAGES, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uint64_t *shr = map(SHARED_PAGES, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1);
	int seen[2], go[2];
	pid_t pid;
	char c;

	for (size_t i = 0; i < PRIV_PAGES; i++)
		put(priv, i, word(me, it, 2, i));
	for (size_t i = 0; i < SHARED_PAGES; i++)
		put(shr, i, word(me, it, 3, i));
	if (pipe(seen) || pipe(go))
		fail("fork: pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(seen[0]);
		close(go[1]);
		fork_child(priv, shr, it, seen[1], go[0]);
	}
	close(seen[1]);
	close(go[0]);
	st->forks++;
	if (read(seen[0], &c, 1) != 1)
		fail("fork: pipe: %s", strerror(errno));
	close(seen[0]);
	/* While the child reads its private copy: change protections on
	 * frames it shares, and write our own copy. */
	protect(priv, PRIV_PAGES, PROT_READ);
	protect(shr, SHARED_PAGES, PROT_READ);
	expect_fault("fork: parent's read-only private region", priv, 1);
	protect(priv, PRIV_PAGES, PROT_READ | PROT_WRITE);
	protect(shr, SHARED_PAGES, PROT_READ | PROT_WRITE);
	for (size_t i = 0; i < PRIV_PAGES; i += 2)
		put(priv, i, word(me, it, 6, i));
	for (size_t i = 0; i < SHARED_PAGES; i += 2)
		put(shr, i, word(me, it, 7, i));
	if (write(go[1], "g", 1) != 1)
		fail("fork: pipe: %s", strerror(errno));
	close(go[1]);
	reap("fork", pid, 0);
	for (size_t i = 0; i < PRIV_PAGES; i++)
		check("fork: parent's private data after the child wrote its "
		      "copy",
		      priv, i, word(me, it, i % 2 ? 2 : 6, i));
	for (size_t i = 0; i < SHARED_PAGES; i++)
		check("fork: shared region holds both processes' writes", shr,
		      i, word(me, it, i % 2 ? 5 : 7, i));
	unmap(priv, PRIV_PAGES);
	unmap(shr, SHARED_PAGES);
}

static void step_exec(unsigned int it)
{
	char who[16], iter[16];
	pid_t pid = fork();

	if (pid < 0)
		fail("exec: fork: %s", strerror(errno));
	if (pid == 0) {
		snprintf(who, sizeof(who), "%u", me);
		snprintf(iter, sizeof(iter), "%u", it);
		execl(exe, exe, "--exec-child", who, iter, (char *)NULL);
		printf("mmstress: FAIL worker %u: exec %s: %s\n", me, exe,
		       strerror(errno));
		_exit(1);
	}
	st->forks++;
	st->execs++;
	reap("exec", pid, EXEC_STATUS);
}

static void step_munmap(unsigned int it)
{
	uint64_t *p = map(HOLE_PAGES, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1);
	const size_t lo = HOLE_PAGES / 3, hi = 2 * HOLE_PAGES / 3;

	for (size_t i = 0; i < HOLE_PAGES; i += 3)
		put(p, i, word(me, it, 8, i));
	if (munmap(p + lo * WORDS, (hi - lo) * PAGE))
		fail("munmap: middle of %p: %s", (void *)p, strerror(errno));
	st->munmaps++;
	for (size_t i = 0; i < HOLE_PAGES; i++) {
		if (i >= lo && i < hi)
			continue;
		if (i % 3 == 0)
			check("munmap: touched page next to the hole", p, i,
			      word(me, it, 8, i));
		else if (p[i * WORDS] || p[i * WORDS + WORDS - 1])
			fail("munmap: untouched page %zu at %p is not zero", i,
			     (void *)&p[i * WORDS]);
	}
	expect_fault("munmap: the hole", p + lo * WORDS, 0);
	expect_fault("munmap: the hole", p + (hi - 1) * WORDS, 1);
	unmap(p, lo);
	unmap(p + hi * WORDS, HOLE_PAGES - hi);
}

static void step_mprotect(unsigned int it)
{
	uint64_t *p = map(REMAP_PAGES, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1);

	for (size_t i = 0; i < REMAP_PAGES; i++)
		put(p, i, word(me, it, 9, i));
	protect(p, REMAP_PAGES, PROT_READ);
	expect_fault("mprotect: read-only", p + 3 * WORDS, 1);
	for (size_t i = 0; i < REMAP_PAGES; i++)
		check("mprotect: read-only data", p, i, word(me, it, 9, i));
	protect(p + 4 * WORDS, 4, PROT_NONE);
	expect_fault("mprotect: no access", p + 5 * WORDS, 0);
	protect(p, REMAP_PAGES, PROT_READ | PROT_WRITE);
	for (size_t i = 0; i < REMAP_PAGES; i++)
		check("mprotect: data after read-write again", p, i,
		      word(me, it, 9, i));
	unmap(p, REMAP_PAGES);
}

static void step_mremap(unsigned int it)
{
	uint64_t *p = map(REMAP_PAGES, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uint64_t *q;

	for (size_t i = 0; i < REMAP_PAGES; i++)
		put(p, i, word(me, it, 10, i));
	q = mremap(p, REMAP_PAGES * PAGE, 3 * REMAP_PAGES * PAGE,
		   MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		fail("mremap: grow %p: %s", (void *)p, strerror(errno));
	st->mremaps++;
	for (size_t i = 0; i < REMAP_PAGES; i++)
		check("mremap: data after growing", q, i, word(me, it, 10, i));
	for (size_t i = REMAP_PAGES; i < 3 * REMAP_PAGES; i++)
		put(q, i, word(me, it, 11, i));
	p = mremap(q, 3 * REMAP_PAGES * PAGE, 2 * REMAP_PAGES * PAGE, 0);
	if (p != q)
		fail("mremap: shrink %p in place: %s", (void *)q,
		     p == MAP_FAILED ? strerror(errno) : "moved");
	st->mremaps++;
	for (size_t i = 0; i < 2 * REMAP_PAGES; i++)
		check("mremap: data after shrinking", p, i,
		      word(me, it, i < REMAP_PAGES ? 10 : 11, i));
	expect_fault("mremap: the part shrunk away",
		     p + 2 * REMAP_PAGES * WORDS, 0);
	unmap(p, 2 * REMAP_PAGES);
}

static void worker(unsigned int iters)
{
	for (unsigned int it = 0; it < iters; it++) {
		step_aliases(it);
		step_fork(it);
		step_exec(it);
		step_munmap(it);
		step_mprotect(it);
		step_mremap(it);
	}
	_exit(0);
}

/* The exec'd program: fresh memory of its own, written and checked. */
static int exec_child(unsigned int who, unsigned int it)
{
	struct stats local = { 0 };
	uint64_t *p;

	st = &local;
	me = who;
	p = map(PRIV_PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1);
	for (size_t i = 0; i < PRIV_PAGES; i++)
		put(p, i, word(who, it, 12, i));
	for (size_t i = 0; i < PRIV_PAGES; i++)
		check("exec: the new program's memory", p, i,
		      word(who, it, 12, i));
	return EXEC_STATUS;
}

static unsigned int arg(int argc, char **argv, int i, unsigned int def,
			unsigned int lo, unsigned int hi)
{
	char *end;
	unsigned long v;

	if (argc <= i)
		return def;
	errno = 0;
	v = strtoul(argv[i], &end, 10);
	if (errno || *end || end == argv[i] || v < lo || v > hi) {
		fprintf(stderr, "mmstress: argument %d (%s) must be %u..%u\n",
			i, argv[i], lo, hi);
		exit(2);
	}
	return (unsigned int)v;
}

static void summary(unsigned int workers, unsigned int iters)
{
	struct stats t = { 0 };

	for (unsigned int w = 0; w < workers; w++) {
		t.forks += all_stats[w].forks;
		t.execs += all_stats[w].execs;
		t.mmaps += all_stats[w].mmaps;
		t.munmaps += all_stats[w].munmaps;
		t.mprotects += all_stats[w].mprotects;
		t.mremaps += all_stats[w].mremaps;
		t.pages_checked += all_stats[w].pages_checked;
		t.faults_seen += all_stats[w].faults_seen;
	}
	printf("mmstress: ok %u workers x %u iterations: %lu forks, %lu execs, "
	       "%lu mmaps, %lu munmaps, %lu mprotects, %lu mremaps, "
	       "%lu pages checked, %lu expected faults\n",
	       workers, iters, t.forks, t.execs, t.mmaps, t.munmaps,
	       t.mprotects, t.mremaps, t.pages_checked, t.faults_seen);
}

int main(int argc, char **argv)
{
	unsigned int workers, iters, bad = 0;
	pid_t pids[MAX_WORKERS];

	setvbuf(stdout, NULL, _IOLBF, 0);
	exe = "/proc/self/exe";
	if (argc == 4 && !strcmp(argv[1], "--exec-child"))
		return exec_child(arg(argc, argv, 2, 0, 0, MAX_WORKERS),
				  arg(argc, argv, 3, 0, 0, ~0u));
	workers = arg(argc, argv, 1, 8, 1, MAX_WORKERS);
	iters = arg(argc, argv, 2, 20, 1, 1000000);
	signal(SIGSEGV, on_segv);
	all_stats = mmap(NULL, sizeof(struct stats) * MAX_WORKERS,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			 0);
	if (all_stats == MAP_FAILED) {
		perror("mmstress: mmap");
		return 1;
	}
	for (unsigned int w = 0; w < workers; w++) {
		pids[w] = fork();
		if (pids[w] < 0) {
			printf("mmstress: FAIL starting worker %u: %s\n", w,
			       strerror(errno));
			return 1;
		}
		if (pids[w] == 0) {
			me = w;
			st = &all_stats[w];
			worker(iters);
		}
	}
	for (unsigned int w = 0; w < workers; w++) {
		int status;

		if (waitpid(pids[w], &status, 0) != pids[w] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("mmstress: FAIL worker %u (pid %d) ended with "
			       "status %#x\n",
			       w, (int)pids[w], status);
			bad = 1;
		}
	}
	if (bad)
		return 1;
	summary(workers, iters);
	return 0;
}

/*
 * Virtual memory, Table 5: "Mmap lat" after lmbench's lat_mmap and "Page
 * fault" after lmbench's lat_pagefault.  Both map a scratch file whose
 * pages are all in the page cache (written, not sparse); in the guest it is
 * on tmpfs.  Sizes default to 8 MiB, the size of lmbench's $FILE when the
 * lmbench script runs with MB=8, and lmbench's summary reports the mmap
 * latency of the largest size it tried.
 *
 *   mmap_lat    mmap() the whole file MAP_SHARED read/write, store one byte
 *               every 16 KiB in its first tenth, munmap().  Time per
 *               mapping: set-up, a few faults, tear-down (lmbench's
 *               "memory mapping timing", algorithm due to Linus).
 *
 *   page_fault  map the file MAP_SHARED read-only (and msync(MS_INVALIDATE)
 *               as lmbench does), then read one byte of every page in a
 *               random order, then unmap.  Only the reads are timed, so
 *               lmbench's subtraction of the mmap/munmap cost is not
 *               needed.  The value is the time per page fault taken,
 *               counted with getrusage(ru_minflt) around the reads.
 *
 * Deviation, and why: lmbench divides by the pages touched.  On the 2.4
 * kernels of the paper every first touch was one fault, so the two are the
 * same; a current Linux maps up to 16 neighbouring cached pages on one read
 * fault ("fault-around", 64 KiB), so per page it would report about 1/16
 * of a fault and say nothing about fault cost.  The per-page figure is kept
 * in params.us_per_page, with params.pages_per_fault.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "report.h"
#include "workdir.h"

#define MMAP_TOUCH_STRIDE (16u << 10) /* lmbench PSIZE */
#define MMAP_TOUCH_PART 10 /* lmbench N: touch size / N */

struct vm_arg {
	int fd;
	size_t size;
	/* page_fault only */
	size_t pagesize, npages;
	size_t *order; /* page indices, shuffled */
	double pages_total, faults_total; /* over every body call */
};

static volatile int vm_sink;

static int open_file(const struct lmb_config *cfg, const char *tag, size_t size,
		     struct vm_arg *a, char *path, size_t plen)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->size = size;
	if (workdir_make_file(cfg, tag, size, path, plen))
		return -1;
	a->fd = open(path, O_RDWR);
	if (a->fd < 0) {
		lmb_error("open %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void close_file(struct vm_arg *a, const char *path)
{
	if (a->fd >= 0)
		close(a->fd);
	if (path[0])
		unlink(path);
	free(a->order);
}

/* ---- mmap_lat ---- */

static int body_mmap(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct vm_arg *a = arg;
	char c = (char)(a->size & 0xff);
	uint64_t t0 = lmb_now_ns();

	while (n-- > 0) {
		char *p = mmap(NULL, a->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, a->fd, 0);

		if (p == MAP_FAILED) {
			lmb_error("mmap: %s", strerror(errno));
			return -1;
		}
		for (size_t off = 0; off < a->size / MMAP_TOUCH_PART;
		     off += MMAP_TOUCH_STRIDE)
			((volatile char *)p)[off] = c;
		munmap(p, a->size);
	}
	lap->ns[0] = (double)(lmb_now_ns() - t0);
	return 0;
}

void bench_mmap(const struct lmb_config *cfg)
{
	struct vm_arg a;
	struct lmb_result res;
	struct lmb_params p = { 0 };
	char path[4096] = "";

	if (!lmb_wanted("mmap_lat"))
		return;
	if (open_file(cfg, "lmb_mmap", cfg->mmap_bytes, &a, path,
		      sizeof(path)) ||
	    lmb_measure(cfg, body_mmap, &a, 1, &res)) {
		lmb_report_last_error("mmap_lat");
		close_file(&a, path);
		return;
	}
	lmb_param_num(&p, "size_bytes", (double)a.size);
	lmb_param_num(&p, "touch_stride", MMAP_TOUCH_STRIDE);
	lmb_param_num(&p, "touched_bytes", (double)(a.size / MMAP_TOUCH_PART));
	lmb_report(cfg, "mmap_lat", &res, &p);
	close_file(&a, path);
}

/* ---- page_fault ---- */

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Map afresh, read the first k pages of the order; add ns and faults. */
static int pf_pass(struct vm_arg *a, size_t k, struct lmb_lap *lap)
{
	int sum = 0;
	char *p = mmap(NULL, a->size, PROT_READ, MAP_SHARED, a->fd, 0);

	if (p == MAP_FAILED) {
		lmb_error("mmap: %s", strerror(errno));
		return -1;
	}
	msync(p, a->size, MS_INVALIDATE);
	long f0 = minor_faults();
	uint64_t t0 = lmb_now_ns();

	for (size_t i = 0; i < k; i++)
		sum += ((volatile char *)p)[a->order[i] * a->pagesize];
	uint64_t t1 = lmb_now_ns();
	long f1 = minor_faults();

	munmap(p, a->size);
	vm_sink = sum;
	lap->ns[0] += (double)(t1 - t0);
	lap->ops[0] += (double)(f1 - f0);
	a->pages_total += (double)k;
	a->faults_total += (double)(f1 - f0);
	return 0;
}

static int body_pagefault(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct vm_arg *a = arg;

	while (n > 0) {
		size_t k = n < a->npages ? (size_t)n : a->npages;

		if (pf_pass(a, k, lap))
			return -1;
		n -= k;
	}
	if (lap->ops[0] <= 0) {
		lmb_error("no page faults counted (getrusage ru_minflt)");
		return -1;
	}
	return 0;
}

/* Fisher-Yates with a fixed xorshift seed: the same order every run. */
static int pf_order(struct vm_arg *a)
{
	uint64_t x = 0x9e3779b97f4a7c15u;

	a->pagesize = (size_t)sysconf(_SC_PAGESIZE);
	a->npages = a->size / a->pagesize;
	a->order = malloc(a->npages * sizeof(*a->order));
	if (!a->npages || !a->order) {
		lmb_error("cannot order %zu pages", a->npages);
		return -1;
	}
	for (size_t i = 0; i < a->npages; i++)
		a->order[i] = i;
	for (size_t i = a->npages - 1; i > 0; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t j = (size_t)(x % (i + 1)), t = a->order[i];

		a->order[i] = a->order[j];
		a->order[j] = t;
	}
	return 0;
}

void bench_pagefault(const struct lmb_config *cfg)
{
	struct vm_arg a;
	struct lmb_result res;
	struct lmb_params p = { 0 };
	char path[4096] = "";

	if (!lmb_wanted("page_fault"))
		return;
	if (open_file(cfg, "lmb_pf", cfg->pf_bytes, &a, path, sizeof(path)) ||
	    pf_order(&a) || lmb_measure(cfg, body_pagefault, &a, 1, &res)) {
		lmb_report_last_error("page_fault");
		close_file(&a, path);
		return;
	}
	double ppf = a.pages_total / a.faults_total;

	lmb_param_num(&p, "size_bytes", (double)a.size);
	lmb_param_num(&p, "pages", (double)a.npages);
	lmb_param_num(&p, "pages_per_fault", ppf);
	lmb_param_num(&p, "us_per_page", res.median / ppf);
	lmb_report(cfg, "page_fault", &res, &p);
	close_file(&a, path);
}

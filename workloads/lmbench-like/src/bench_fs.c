/*
 * File creation and deletion, after lmbench's lat_fs: Table 5 "0K File
 * create/delete" and "10K File create/delete".
 *
 * One operation is creating a file of S bytes (open O_CREAT|O_TRUNC, one
 * write of S bytes, close) or deleting one (unlink).  A timed body of n
 * operations creates n files, timed, then deletes the same n, timed; so one
 * call yields both values and both are per-file latencies.  As in lmbench,
 * the file names are made beforehand and at most --files-per-dir (lmbench's
 * -n, default 100) files go in one directory; the directories are made
 * outside the timing and kept across calls.
 *
 * Memory bound: the files live in --dir, a tmpfs in the guest, so at most
 * BATCH_BYTES of them exist at once.  A body asked for more files than
 * that does several create-then-delete batches and adds up their times.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "report.h"
#include "workdir.h"

#define BATCH_BYTES (64u << 20)
#define BATCH_MAX_FILES 16384u
#define PAGE_ROUND(x) (((x) + 4095u) & ~(size_t)4095u)

struct fs_arg {
	size_t size; /* bytes written into each file */
	int per_dir; /* files in one directory */
	char root[4096]; /* directory holding d0, d1, ... */
	char *names; /* cap names, slot bytes apart */
	size_t slot;
	uint64_t cap; /* files in one batch */
	uint64_t dirs_made; /* d0 .. d<dirs_made - 1> exist */
};

static const char *fs_name(const struct fs_arg *a, uint64_t i)
{
	return a->names + i * a->slot;
}

static int make_dirs(struct fs_arg *a, uint64_t files)
{
	uint64_t need =
		(files + (uint64_t)a->per_dir - 1) / (uint64_t)a->per_dir;
	char dir[4200];

	for (; a->dirs_made < need; a->dirs_made++) {
		snprintf(dir, sizeof(dir), "%s/d%llu", a->root,
			 (unsigned long long)a->dirs_made);
		if (mkdir(dir, 0700) && errno != EEXIST) {
			lmb_error("mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int create_file(const char *name, size_t size)
{
	static const char data[10240];
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	if (fd < 0) {
		lmb_error("create %s: %s", name, strerror(errno));
		return -1;
	}
	for (size_t done = 0; done < size;) {
		size_t len = size - done < sizeof(data) ? size - done :
							  sizeof(data);
		ssize_t w = write(fd, data, len);

		if (w <= 0) {
			lmb_error("write %s: %s", name,
				  w < 0 ? strerror(errno) : "short write");
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	close(fd);
	return 0;
}

/* Create then delete b files; add the two times to ns[0] and ns[1]. */
static int fs_batch(struct fs_arg *a, uint64_t b, struct lmb_lap *lap)
{
	uint64_t t0, t1, t2;

	if (make_dirs(a, b))
		return -1;
	t0 = lmb_now_ns();
	for (uint64_t i = 0; i < b; i++)
		if (create_file(fs_name(a, i), a->size))
			return -1;
	t1 = lmb_now_ns();
	for (uint64_t i = 0; i < b; i++)
		if (unlink(fs_name(a, i))) {
			lmb_error("unlink %s: %s", fs_name(a, i),
				  strerror(errno));
			return -1;
		}
	t2 = lmb_now_ns();
	lap->ns[0] += (double)(t1 - t0);
	lap->ns[1] += (double)(t2 - t1);
	return 0;
}

static int body_fs(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct fs_arg *a = arg;

	while (n > 0) {
		uint64_t b = n < a->cap ? n : a->cap;

		if (fs_batch(a, b, lap))
			return -1;
		n -= b;
	}
	return 0;
}

static int fs_setup(const struct lmb_config *cfg, struct fs_arg *a, size_t size)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	a->per_dir = cfg->files_per_dir;
	a->cap = BATCH_BYTES / (PAGE_ROUND(size) + 4096);
	if (a->cap > BATCH_MAX_FILES)
		a->cap = BATCH_MAX_FILES;
	if (workdir_path(cfg, "lmb_fs", a->root, sizeof(a->root)))
		return -1;
	if (mkdir(a->root, 0700) && errno != EEXIST) {
		lmb_error("mkdir %s: %s", a->root, strerror(errno));
		return -1;
	}
	a->slot = strlen(a->root) + 48;
	a->names = malloc(a->cap * a->slot);
	if (!a->names) {
		lmb_error("out of memory for %llu file names",
			  (unsigned long long)a->cap);
		return -1;
	}
	for (uint64_t i = 0; i < a->cap; i++)
		snprintf(a->names + i * a->slot, a->slot, "%s/d%llu/f%llu",
			 a->root,
			 (unsigned long long)(i / (uint64_t)a->per_dir),
			 (unsigned long long)(i % (uint64_t)a->per_dir));
	return 0;
}

static void fs_cleanup(struct fs_arg *a, bool failed)
{
	char dir[4200];

	for (uint64_t i = 0; failed && a->names && i < a->cap; i++)
		unlink(fs_name(a, i)); /* what a failed batch left */
	while (a->dirs_made > 0) {
		snprintf(dir, sizeof(dir), "%s/d%llu", a->root,
			 (unsigned long long)--a->dirs_made);
		rmdir(dir);
	}
	if (a->root[0])
		rmdir(a->root);
	free(a->names);
}

static void fs_metrics(const struct lmb_config *cfg, const char *create,
		       const char *delete, size_t size)
{
	struct fs_arg a;
	struct lmb_result res[2];
	struct lmb_params p = { 0 };

	if (!lmb_wanted(create) && !lmb_wanted(delete))
		return;
	if (fs_setup(cfg, &a, size) || lmb_measure(cfg, body_fs, &a, 2, res)) {
		lmb_report_last_error(create);
		lmb_report_last_error(delete);
		fs_cleanup(&a, true);
		return;
	}
	lmb_param_num(&p, "file_bytes", (double)size);
	lmb_param_num(&p, "files_per_dir", a.per_dir);
	lmb_param_num(&p, "batch_max", (double)a.cap);
	lmb_report(cfg, create, &res[0], &p);
	lmb_report(cfg, delete, &res[1], &p);
	fs_cleanup(&a, false);
}

void bench_fs(const struct lmb_config *cfg)
{
	fs_metrics(cfg, "fs_create_0k", "fs_delete_0k", 0);
	fs_metrics(cfg, "fs_create_10k", "fs_delete_10k", 10240);
}

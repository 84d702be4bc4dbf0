/*
 * Table 3, first four columns, after lmbench's lat_syscall.
 *
 *   null_call   getppid(): a system call that does no work.
 *   null_io     read 1 byte from /dev/zero and write 1 byte to /dev/null,
 *               each timed on its own; the value is their mean, which is
 *               what lmbench's summary prints as "null I/O".
 *   stat        stat() of a file in the working directory.
 *   open_close  open(O_RDONLY) then close() of the same file.
 *
 * lmbench names /usr/include/sys/types.h or $FSDIR/...; this suite uses a
 * file of its own (one path component below --dir) so that it runs in an
 * initramfs that has no /usr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "report.h"
#include "workdir.h"

struct io_arg {
	int zero_fd, null_fd;
	const char *path;
};

static int body_getppid(void *arg, uint64_t n, struct lmb_lap *lap)
{
	uint64_t t0 = lmb_now_ns();

	(void)arg;
	while (n-- > 0)
		getppid();
	lap->ns[0] = (double)(lmb_now_ns() - t0);
	return 0;
}

static int body_rw(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct io_arg *a = arg;
	char c = 0;
	uint64_t t0 = lmb_now_ns();

	for (uint64_t i = 0; i < n; i++)
		if (read(a->zero_fd, &c, 1) != 1) {
			lmb_error("read /dev/zero: %s", strerror(errno));
			return -1;
		}
	uint64_t t1 = lmb_now_ns();

	for (uint64_t i = 0; i < n; i++)
		if (write(a->null_fd, &c, 1) != 1) {
			lmb_error("write /dev/null: %s", strerror(errno));
			return -1;
		}
	lap->ns[0] = (double)(t1 - t0);
	lap->ns[1] = (double)(lmb_now_ns() - t1);
	return 0;
}

static int body_stat(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct io_arg *a = arg;
	struct stat st;
	uint64_t t0 = lmb_now_ns();

	while (n-- > 0)
		if (stat(a->path, &st)) {
			lmb_error("stat %s: %s", a->path, strerror(errno));
			return -1;
		}
	lap->ns[0] = (double)(lmb_now_ns() - t0);
	return 0;
}

static int body_open_close(void *arg, uint64_t n, struct lmb_lap *lap)
{
	struct io_arg *a = arg;
	uint64_t t0 = lmb_now_ns();

	while (n-- > 0) {
		int fd = open(a->path, O_RDONLY);

		if (fd < 0) {
			lmb_error("open %s: %s", a->path, strerror(errno));
			return -1;
		}
		close(fd);
	}
	lap->ns[0] = (double)(lmb_now_ns() - t0);
	return 0;
}

static void null_call(const struct lmb_config *cfg)
{
	struct lmb_result res;
	struct lmb_params p = { 0 };

	if (!lmb_wanted("null_call"))
		return;
	if (lmb_measure(cfg, body_getppid, NULL, 1, &res)) {
		lmb_report_last_error("null_call");
		return;
	}
	lmb_param_str(&p, "syscall", "getppid");
	lmb_report(cfg, "null_call", &res, &p);
}

static void null_io(const struct lmb_config *cfg)
{
	struct io_arg a = { .zero_fd = open("/dev/zero", O_RDONLY),
			    .null_fd = open("/dev/null", O_WRONLY) };
	struct lmb_result rw[2], mean;
	struct lmb_params p = { 0 };

	if (!lmb_wanted("null_io"))
		goto out;
	if (a.zero_fd < 0 || a.null_fd < 0) {
		lmb_report_error("null_io", "cannot open /dev/zero or "
					    "/dev/null (is /dev mounted?)");
		goto out;
	}
	if (lmb_measure(cfg, body_rw, &a, 2, rw)) {
		lmb_report_last_error("null_io");
		goto out;
	}
	mean = rw[0];
	for (int r = 0; r < mean.reps; r++)
		mean.us[r] = (rw[0].us[r] + rw[1].us[r]) / 2;
	lmb_result_finish(&mean);
	lmb_param_num(&p, "read_us", rw[0].median);
	lmb_param_num(&p, "write_us", rw[1].median);
	lmb_report(cfg, "null_io", &mean, &p);
out:
	if (a.zero_fd >= 0)
		close(a.zero_fd);
	if (a.null_fd >= 0)
		close(a.null_fd);
}

static void path_bench(const struct lmb_config *cfg, const char *name,
		       lmb_body_fn body, const char *path)
{
	struct io_arg a = { .path = path };
	struct lmb_result res;
	struct lmb_params p = { 0 };

	if (!lmb_wanted(name))
		return;
	if (lmb_measure(cfg, body, &a, 1, &res)) {
		lmb_report_last_error(name);
		return;
	}
	lmb_param_str(&p, "path", path);
	lmb_report(cfg, name, &res, &p);
}

void bench_syscall(const struct lmb_config *cfg)
{
	char path[4096];

	null_call(cfg);
	null_io(cfg);
	if (!lmb_wanted("stat") && !lmb_wanted("open_close"))
		return;
	if (workdir_make_file(cfg, "lmb_stat", 0, path, sizeof(path))) {
		lmb_report_last_error("stat");
		lmb_report_last_error("open_close");
		return;
	}
	path_bench(cfg, "stat", body_stat, path);
	path_bench(cfg, "open_close", body_open_close, path);
	unlink(path);
}

/*
 * Scratch files.  main.c makes one private directory under --dir with
 * mkdtemp() and removes it at exit; every file lives inside it, so two
 * runs never collide and a failed run leaves one directory to delete.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "measure.h"
#include "workdir.h"

int workdir_path(const struct lmb_config *cfg, const char *tag, char *path,
		 size_t size)
{
	if (!cfg->workdir) {
		lmb_error("no usable working directory (see --dir)");
		return -1;
	}
	if ((size_t)snprintf(path, size, "%s/%s", cfg->workdir, tag) >= size) {
		lmb_error("path %s/%s too long", cfg->workdir, tag);
		return -1;
	}
	return 0;
}

/*
 * Create tag with bytes of non-zero data, written (not a hole) so that its
 * pages are in the page cache, as lmbench's lmdd-written $FILE is.
 */
int workdir_make_file(const struct lmb_config *cfg, const char *tag,
		      size_t bytes, char *path, size_t size)
{
	static char chunk[64 * 1024];
	int fd, rc = -1;

	if (workdir_path(cfg, tag, path, size))
		return -1;
	memset(chunk, 0x5a, sizeof(chunk));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		lmb_error("create %s: %s", path, strerror(errno));
		return -1;
	}
	for (size_t done = 0; done < bytes;) {
		size_t len = bytes - done < sizeof(chunk) ? bytes - done :
							    sizeof(chunk);
		ssize_t w = write(fd, chunk, len);

		if (w <= 0) {
			lmb_error("write %s: %s", path,
				  w < 0 ? strerror(errno) : "short write");
			goto out;
		}
		done += (size_t)w;
	}
	rc = 0;
out:
	close(fd);
	if (rc)
		unlink(path);
	return rc;
}

/*
 * Scratch files in the private working directory (--dir, default /tmp):
 * the file that stat and open/close name, the files that are mapped.
 */
#ifndef LMBENCH_LIKE_WORKDIR_H
#define LMBENCH_LIKE_WORKDIR_H

#include <stddef.h>

#include "config.h"

int workdir_path(const struct lmb_config *cfg, const char *tag, char *path,
		 size_t size);
int workdir_make_file(const struct lmb_config *cfg, const char *tag,
		      size_t bytes, char *path, size_t size);

#endif

/*
 * Run-time configuration shared by every benchmark: what the command line
 * chose.  Filled once by main.c and read-only afterwards.
 */
#ifndef LMBENCH_LIKE_CONFIG_H
#define LMBENCH_LIKE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define LMB_MAX_REPS 101

struct lmb_config {
	/* Timing discipline (see measure.c). */
	int reps; /* timed repetitions, >= 5 */
	double min_interval_ns; /* each timed interval lasts at least this */
	uint64_t fixed_iters; /* != 0: no calibration, exactly this many */

	/* Where the file and process tests find and put things. */
	const char *workdir; /* private scratch dir, NULL if unusable */
	const char *helper; /* absolute path of lmb-hello */
	const char *shell; /* lmbench runs /bin/sh -c helper */

	/* Sizes, in bytes or counts, with lmbench's defaults. */
	size_t mmap_bytes; /* lat_mmap file and mapping size */
	size_t pf_bytes; /* lat_pagefault file size */
	int select_fds; /* lat_select -n */
	int files_per_dir; /* lat_fs -n */
};

#endif

/*
 * One entry point per benchmark file.  Each measures the metrics named in
 * its comment that lmb_wanted() selects, and prints one JSON line for each
 * of them (a result or an error); none of them exits the program.
 */
#ifndef LMBENCH_LIKE_BENCH_H
#define LMBENCH_LIKE_BENCH_H

#include "config.h"

void bench_syscall(const struct lmb_config *cfg); /* null_call .. open_close */
void bench_select(const struct lmb_config *cfg); /* select_tcp */
void bench_signal(const struct lmb_config *cfg); /* sig_install, sig_handler */
void bench_proc(const struct lmb_config *cfg); /* fork/exec/sh_proc */
void bench_ctx(const struct lmb_config *cfg); /* ctx_* */
void bench_fs(const struct lmb_config *cfg); /* fs_create/delete_* */
void bench_mmap(const struct lmb_config *cfg); /* mmap_lat */
void bench_prot(const struct lmb_config *cfg); /* prot_fault */
void bench_pagefault(const struct lmb_config *cfg); /* page_fault */

#endif

/*
 * The xenstore tests' allocator: malloc with leak accounting
 * (live_allocs) and failure injection (fail_in: the allocation that many
 * calls from now fails; -1 never). Test-only; each test binary includes
 * it once.
 */
#ifndef HV_TESTS_UNIT_XS_ALLOC_H
#define HV_TESTS_UNIT_XS_ALLOC_H

#include <stdlib.h>
#include <io/xenstore.h>

static long live_allocs, fail_in = -1;

static void *t_alloc(size_t n)
{
	if (fail_in == 0)
		return NULL;
	if (fail_in > 0)
		fail_in--;
	live_allocs++;
	return malloc(n);
}

static void t_free(void *p)
{
	live_allocs--;
	free(p);
}

static const struct xs_alloc_ops ops = { t_alloc, t_free };

#endif

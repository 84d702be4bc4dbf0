/* Host tests of mm/frame_alloc.c: free/reserve bookkeeping, alignment,
 * exhaustion, and a randomized run against a shadow model. */
#include <stdint.h>
#include <stdlib.h>
#include <mm/frame_alloc.h>
#include "test.h"

#define N 1000
static uint64_t bitmap[(N + 63) / 64];
static struct frame_alloc fa;

static void setup(void)
{
	frame_alloc_init(&fa, bitmap, N);
	frame_alloc_release(&fa, 0, N);
}

static void test_starts_all_reserved(void)
{
	frame_alloc_init(&fa, bitmap, N);
	CHECK_EQ(fa.nr_free, 0);
	CHECK_EQ(frame_alloc_get(&fa, 1, 1), FRAME_ALLOC_NONE);
	CHECK_EQ(frame_alloc_release(&fa, 10, 5), 5);
	CHECK_EQ(frame_alloc_release(&fa, 12, 5), 2); /* 12..14 were free */
	CHECK_EQ(fa.nr_free, 7);
	CHECK_EQ(frame_alloc_release(&fa, N - 2, 100), 2); /* clipped */
	CHECK_EQ(frame_alloc_release(&fa, N + 5, 1), 0);
}

static void test_reserved_never_returned(void)
{
	uint64_t pfn, got = 0;

	setup();
	frame_alloc_reserve(&fa, 100, 50);
	while ((pfn = frame_alloc_get(&fa, 1, 1)) != FRAME_ALLOC_NONE) {
		CHECK(pfn < 100 || pfn >= 150);
		got++;
	}
	CHECK_EQ(got, N - 50);
	CHECK_EQ(fa.nr_free, 0);
}

static void test_aligned_runs(void)
{
	uint64_t a, b;

	setup();
	frame_alloc_reserve(&fa, 0, 3);
	a = frame_alloc_get(&fa, 64, 64);
	CHECK_EQ(a, 64);
	b = frame_alloc_get(&fa, 64, 64);
	CHECK_EQ(b, 128);
	frame_alloc_reserve(&fa, 200, 1);
	CHECK_EQ(frame_alloc_get(&fa, 64, 64), 256); /* 192 run broken */
	CHECK_EQ(frame_alloc_get(&fa, 3, 1), 3);     /* fills the low gap */
	CHECK_EQ(frame_alloc_get(&fa, 2000, 1), FRAME_ALLOC_NONE);
	CHECK_EQ(frame_alloc_get(&fa, 1, 3), FRAME_ALLOC_NONE); /* not pow2 */
	CHECK_EQ(frame_alloc_get(&fa, 0, 1), FRAME_ALLOC_NONE);
}

static void test_tail_run_fits_exactly(void)
{
	setup();
	frame_alloc_reserve(&fa, 0, N - 10);
	CHECK_EQ(frame_alloc_get(&fa, 10, 1), N - 10);
	CHECK_EQ(fa.nr_free, 0);
}

static void test_random_against_model(void)
{
	static unsigned char model[N]; /* 1 = allocated by us */
	uint64_t pfn, i, n;
	int step;

	setup();
	memset(model, 0, sizeof(model));
	srand(12345);
	for (step = 0; step < 20000; step++) {
		n = 1 + (uint64_t)(rand() % 8);
		if (rand() % 2) {
			pfn = frame_alloc_get(&fa, n, 1);
			if (pfn == FRAME_ALLOC_NONE)
				continue;
			for (i = 0; i < n; i++) {
				CHECK_EQ(model[pfn + i], 0);
				model[pfn + i] = 1;
			}
		} else {
			pfn = (uint64_t)(rand() % N);
			if (model[pfn]) {
				model[pfn] = 0;
				frame_alloc_release(&fa, pfn, 1);
			}
		}
	}
	for (i = 0, n = 0; i < N; i++) {
		n += !model[i];
		CHECK_EQ(frame_alloc_is_free(&fa, i), !model[i]);
	}
	CHECK_EQ(fa.nr_free, n);
}

int main(void)
{
	RUN(test_starts_all_reserved);
	RUN(test_reserved_never_returned);
	RUN(test_aligned_runs);
	RUN(test_tail_run_fits_exactly);
	RUN(test_random_against_model);
	return TEST_DONE();
}

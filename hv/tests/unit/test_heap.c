/* Host tests of mm/heap.c over aligned_alloc'd pages (ASan sees misuse). */
#include <stdint.h>
#include <stdlib.h>
#include <mm/heap.h>
#include "test.h"

static int pages_out;
/* Small-class pages are never given back by design; remember them so the
 * test can release them and LeakSanitizer sees no leak. */
static void *kept[64];
static int nr_kept;

static void *get_pages(uint64_t n)
{
	void *p = aligned_alloc(4096, n * 4096);

	pages_out += (int)n;
	if (n == 1 && nr_kept < 64)
		kept[nr_kept++] = p;
	return p;
}

static void put_pages(void *p, uint64_t n)
{
	int i;

	for (i = 0; i < nr_kept; i++)
		if (kept[i] == p)
			kept[i] = NULL;
	pages_out -= (int)n;
	free(p);
}

static void release_kept(void)
{
	while (nr_kept)
		free(kept[--nr_kept]);
}

static struct heap h;

static void test_sizes_and_alignment(void)
{
	static const size_t sizes[] = { 1,    15,   16,	  17,	 100,
					2032, 2033, 4096, 100000 };
	void *p[9];
	unsigned int i;

	heap_init(&h, get_pages, put_pages);
	for (i = 0; i < 9; i++) {
		p[i] = heap_alloc(&h, sizes[i]);
		CHECK(p[i] != NULL);
		CHECK_EQ((uintptr_t)p[i] & 15, 0);
		memset(p[i], 0xab, sizes[i]); /* ASan: stays in bounds */
	}
	for (i = 0; i < 9; i++)
		CHECK_EQ(heap_free(&h, p[i]), 0);
	CHECK_EQ(h.live_bytes, 0);
}

static void test_reuse_lifo(void)
{
	void *a, *b;

	heap_init(&h, get_pages, put_pages);
	a = heap_alloc(&h, 40);
	CHECK_EQ(heap_free(&h, a), 0);
	b = heap_alloc(&h, 48); /* same class as 40 + header */
	CHECK(a == b);
	heap_free(&h, b);
}

static void test_large_returns_pages(void)
{
	int before;
	void *p;

	heap_init(&h, get_pages, put_pages);
	before = pages_out;
	p = heap_alloc(&h, 3 * 4096);
	CHECK_EQ(pages_out - before, 4); /* header needs a 4th page */
	heap_free(&h, p);
	CHECK_EQ(pages_out, before);
}

static void test_bad_free_and_zero(void)
{
	static _Alignas(16) char not_heap[64];

	heap_init(&h, get_pages, put_pages);
	CHECK_EQ(heap_free(&h, not_heap + 16), -1);
	CHECK_EQ(heap_free(&h, NULL), 0);
	CHECK(heap_alloc(&h, 0) == NULL);
}

static void *no_pages(uint64_t n)
{
	(void)n;
	return NULL;
}

static void test_out_of_memory(void)
{
	heap_init(&h, no_pages, put_pages);
	CHECK(heap_alloc(&h, 10) == NULL);
	CHECK(heap_alloc(&h, 10000) == NULL);
}

int main(void)
{
	RUN(test_sizes_and_alignment);
	RUN(test_reuse_lifo);
	RUN(test_large_returns_pages);
	RUN(test_bad_free_and_zero);
	RUN(test_out_of_memory);
	release_kept();
	return TEST_DONE();
}

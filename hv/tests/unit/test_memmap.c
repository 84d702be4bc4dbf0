/* Host tests of mm/memmap.c: placing a range among reserved ones. */
#include <stdint.h>
#include <mm/memmap.h>
#include "test.h"

static const struct mem_region mem[] = {
	{ 0x0, 0x9fc00, MEM_AVAILABLE },
	{ 0x9fc00, 0x400, 2 },
	{ 0x100000, 0x3ff00000, MEM_AVAILABLE },
	{ 0x100000000, 0x40000000, MEM_AVAILABLE },
};

static void test_skips_reserved(void)
{
	const struct phys_range resv[] = {
		{ 0, 0x100000 },
		{ 0x200000, 0x300000 },
		{ 0x100000, 0x101000 },
	};

	CHECK_EQ(memmap_find(mem, 4, resv, 3, 0x1000, ~0ull), 0x101000);
	CHECK_EQ(memmap_find(mem, 4, resv, 3, 0x100000, ~0ull), 0x300000);
}

static void test_limit_and_none(void)
{
	const struct phys_range resv[] = { { 0, 0x40000000 } };

	CHECK_EQ(memmap_find(mem, 4, resv, 1, 0x1000, 0x100000000),
		 MEMMAP_NONE);
	CHECK_EQ(memmap_find(mem, 4, resv, 1, 0x1000, ~0ull), 0x100000000);
	CHECK_EQ(memmap_find(mem, 4, NULL, 0, 0x80000000, ~0ull), MEMMAP_NONE);
}

static void test_top(void)
{
	CHECK_EQ(memmap_top(mem, 4), 0x140000000);
	CHECK_EQ(memmap_top(mem, 2), 0x9fc00);
}

int main(void)
{
	RUN(test_skips_reserved);
	RUN(test_limit_and_none);
	RUN(test_top);
	return TEST_DONE();
}

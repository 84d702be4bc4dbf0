/* Host tests of lib/symbols.c lookup over a hand-made table. */
#include <stdint.h>
#include <lib/symbols.h>
#include "test.h"

static const uint64_t addrs[] = { 0x1000, 0x1040, 0x1100 };
static const uint32_t offs[] = { 0, 4, 10 };
static const char names[] = "foo\0bar_x\0baz";
static const struct symtab t = { addrs, offs, names, 3, 0x1200 };

/* The hypervisor's own table is not linked into the host test. */
const struct symtab *hv_symtab(void)
{
	return &t;
}

static void test_lookup(void)
{
	uint64_t off, size;

	CHECK_STR(symtab_lookup(&t, 0x1000, &off, &size), "foo");
	CHECK_EQ(off, 0);
	CHECK_EQ(size, 0x40);
	CHECK_STR(symtab_lookup(&t, 0x10ff, &off, &size), "bar_x");
	CHECK_EQ(off, 0xbf);
	CHECK_STR(symtab_lookup(&t, 0x11ff, &off, &size), "baz");
	CHECK_EQ(size, 0x100);
	CHECK(symtab_lookup(&t, 0xfff, &off, &size) == NULL);
	CHECK(symtab_lookup(&t, 0x1200, &off, &size) == NULL);
}

static void test_symbolize(void)
{
	char b[64];

	symbolize(0x1044, b, sizeof(b));
	CHECK_STR(b, "bar_x+0x4/0xc0");
	symbolize(0x5, b, sizeof(b));
	CHECK_STR(b, "0x0000000000000005");
}

int main(void)
{
	RUN(test_lookup);
	RUN(test_symbolize);
	return TEST_DONE();
}

/* Host tests of boot/multiboot2.c against hand-built information blocks,
 * good and corrupt. */
#include <stdint.h>
#include <boot/bootinfo.h>
#include "test.h"

static _Alignas(8) uint8_t buf[4096];
static uint32_t len;
static struct boot_info bi;
static char err[160];

static void begin(void)
{
	memset(buf, 0, sizeof(buf));
	len = 8;
}

static void *tag(uint32_t type, uint32_t size)
{
	uint32_t *t = (uint32_t *)(buf + len);

	t[0] = type;
	t[1] = size;
	len = (len + size + 7) & ~7u;
	return t;
}

static void str_tag(uint32_t type, const char *s)
{
	char *t = tag(type, 8 + (uint32_t)strlen(s) + 1);

	strcpy(t + 8, s);
}

static void module(uint32_t start, uint32_t end, const char *s)
{
	uint32_t *t = tag(3, 16 + (uint32_t)strlen(s) + 1);

	t[2] = start;
	t[3] = end;
	strcpy((char *)&t[4], s);
}

static void mmap2(void)
{
	uint32_t *t = tag(6, 16 + 2 * 24);
	uint64_t *e = (uint64_t *)&t[4];

	t[2] = 24;
	e[0] = 0;
	e[1] = 0x9fc00;
	((uint32_t *)&e[2])[0] = 1;
	e[3] = 0x100000;
	e[4] = 0x3ff00000;
	((uint32_t *)&e[5])[0] = 1;
}

static int finish(void)
{
	tag(0, 8);
	*(uint32_t *)buf = len;
	return mb2_parse(buf, len, &bi, err, sizeof(err));
}

static void test_good(void)
{
	begin();
	str_tag(1, "loglvl=debug");
	str_tag(2, "GRUB 2.06");
	mmap2();
	module(0x200000, 0x300000, "dom=1 mem=512M");
	tag(4, 16); /* basic meminfo: skipped */
	module(0x300000, 0x300000, "");
	CHECK_EQ(finish(), 0);
	CHECK_STR(bi.cmdline, "loglvl=debug");
	CHECK_STR(bi.loader, "GRUB 2.06");
	CHECK_EQ(bi.nr_mem, 2);
	CHECK_EQ(bi.mem[1].base, 0x100000);
	CHECK_EQ(bi.mem[1].len, 0x3ff00000);
	CHECK_EQ(bi.mem[1].type, MEM_AVAILABLE);
	CHECK_EQ(bi.nr_mods, 2);
	CHECK_EQ(bi.mods[0].end, 0x300000);
	CHECK_STR(bi.mods[0].cmdline, "dom=1 mem=512M");
	CHECK_EQ(bi.mbi_size, len);
}

static void test_truncated(void)
{
	begin();
	str_tag(1, "x");
	finish();
	CHECK_EQ(mb2_parse(buf, 12, &bi, err, sizeof(err)), -1);
	CHECK_EQ(mb2_parse(buf, len - 8, &bi, err, sizeof(err)), -1);
	CHECK(strstr(err, "total size") != NULL);
}

static void test_tag_past_end(void)
{
	uint32_t *t;

	begin();
	t = tag(1, 16);
	t[1] = 4000; /* claims to run past total_size */
	CHECK_EQ(finish(), -1);
	CHECK(strstr(err, "out of bounds") != NULL);
}

static void test_no_end_tag(void)
{
	begin();
	str_tag(1, "abc");
	*(uint32_t *)buf = len;
	CHECK_EQ(mb2_parse(buf, len, &bi, err, sizeof(err)), -1);
	CHECK(strstr(err, "no end tag") != NULL);
}

static void test_unterminated_string(void)
{
	char *t;

	begin();
	t = tag(1, 12);
	memcpy(t + 8, "abcd", 4); /* no NUL inside the tag */
	CHECK_EQ(finish(), -1);
	CHECK(strstr(err, "not terminated") != NULL);
}

static void test_bad_mmap_entry_size(void)
{
	uint32_t *t;

	begin();
	t = tag(6, 16 + 24);
	t[2] = 12;
	CHECK_EQ(finish(), -1);
	CHECK(strstr(err, "entry size") != NULL);
}

static void test_module_backwards(void)
{
	begin();
	module(0x300000, 0x200000, "dom=1");
	CHECK_EQ(finish(), -1);
	CHECK(strstr(err, "ends before") != NULL);
}

static void test_too_many_modules(void)
{
	int i;

	begin();
	for (i = 0; i < BOOT_MAX_MODULES + 1; i++)
		module(0x1000, 0x2000, "");
	CHECK_EQ(finish(), -1);
	CHECK(strstr(err, "too many modules") != NULL);
}

int main(void)
{
	RUN(test_good);
	RUN(test_truncated);
	RUN(test_tag_past_end);
	RUN(test_no_end_tag);
	RUN(test_unterminated_string);
	RUN(test_bad_mmap_entry_size);
	RUN(test_module_backwards);
	RUN(test_too_many_modules);
	return TEST_DONE();
}

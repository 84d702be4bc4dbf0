/* Host tests of lib/vsnprintf.c, compared with the C library's output. */
#include <stdarg.h>
#include <stdint.h>
#include "test.h"

int hv_snprintf(char *buf, size_t size, const char *fmt, ...);

#define SAME(...)                                                      \
	do {                                                           \
		char ours[128], libc[128];                             \
		int n1 = hv_snprintf(ours, sizeof(ours), __VA_ARGS__); \
		int n2 = snprintf(libc, sizeof(libc), __VA_ARGS__);    \
		CHECK_STR(ours, libc);                                 \
		CHECK_EQ(n1, n2);                                      \
	} while (0)

static void test_integers(void)
{
	SAME("%d %i %u", -42, 7, 3000000000u);
	SAME("%ld %lu %lx", -1L, ~0ul, 0xdeadbeeful);
	SAME("%08x|%-6d|%+d|% d", 0xabc, 12, 5, 5);
	SAME("%llx %zu %hhu %hd", 0x1234567890ull, (size_t)99, 300, 70000);
	SAME("%.3d %5.2u %X %o", 7, 3, 0xbeef, 8);
	SAME("%d", (int)0x80000000);
	SAME("%ld", (long)INT64_MIN);
}

static void test_strings_and_chars(void)
{
	SAME("[%s] [%10s] [%-10s] [%.2s]", "abc", "abc", "abc", "abc");
	SAME("%c%c%%", 'x', 'y');
	SAME("%*d|%-*d", 5, 1, 4, 2);
}

static void test_truncation(void)
{
	char b[8];
	int n = hv_snprintf(b, sizeof(b), "%s", "0123456789");

	CHECK_EQ(n, 10);
	CHECK_STR(b, "0123456");
	CHECK_EQ(hv_snprintf(NULL, 0, "%d", 12345), 5);
}

static void test_pointer(void)
{
	char b[32];

	hv_snprintf(b, sizeof(b), "%p", (void *)0xffff830000000000ull);
	CHECK_STR(b, "0xffff830000000000");
}

int main(void)
{
	RUN(test_integers);
	RUN(test_strings_and_chars);
	RUN(test_truncation);
	RUN(test_pointer);
	return TEST_DONE();
}

/* Host tests of lib/ratelimit.c: a guest cannot flood the console, and
 * the refused messages are counted, not lost. */
#include <lib/ratelimit.h>
#include "test.h"

#define SEC 1000000000ull

static void test_burst_then_counted(void)
{
	struct ratelimit r = { 0 };
	uint64_t s = 99;
	int i, passed = 0;

	for (i = 0; i < 25; i++)
		passed +=
		    ratelimit_allow(&r, 5 * SEC + (uint64_t)i, 10, SEC, &s);
	CHECK_EQ(passed, 10);
	CHECK_EQ(s, 0);
	CHECK_EQ(r.suppressed, 15);
	/* Next window: the first message carries the count. */
	CHECK_EQ(ratelimit_allow(&r, 6 * SEC + 100, 10, SEC, &s), 1);
	CHECK_EQ(s, 15);
	CHECK_EQ(r.suppressed, 0);
}

static void test_window_starts_at_first_message(void)
{
	struct ratelimit r = { 0 };
	uint64_t s;

	CHECK_EQ(ratelimit_allow(&r, 0, 1, SEC, &s), 1);
	CHECK_EQ(ratelimit_allow(&r, SEC - 1, 1, SEC, &s), 0);
	CHECK_EQ(ratelimit_allow(&r, SEC, 1, SEC, &s), 1);
	CHECK_EQ(s, 1);
}

int main(void)
{
	RUN(test_burst_then_counted);
	RUN(test_window_starts_at_first_message);
	return TEST_DONE();
}

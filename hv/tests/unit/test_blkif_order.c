/* Host tests of io/blkif_order.c: a flush waits for the requests before
 * it and holds back the requests after it. */
#include <io/blkif_order.h>
#include "test.h"

static void test_no_fence_runs_concurrently(void)
{
	struct blkif_order o = { 0 };
	int i;

	for (i = 0; i < 5; i++) {
		CHECK_EQ(blkif_order_peek(&o), BLKIF_START);
		CHECK_EQ(blkif_order_admit(&o, 0), BLKIF_START);
	}
	CHECK_EQ(o.in_flight, 5);
	for (i = 0; i < 5; i++)
		CHECK_EQ(blkif_order_done(&o, 0), 0);
	CHECK_EQ(o.in_flight, 0);
}

static void test_idle_fence_starts_at_once_and_blocks_later(void)
{
	struct blkif_order o = { 0 };

	CHECK_EQ(blkif_order_admit(&o, 1), BLKIF_START);
	CHECK_EQ(blkif_order_peek(&o), BLKIF_STALL);
	CHECK_EQ(blkif_order_done(&o, 1), 0);
	CHECK_EQ(blkif_order_peek(&o), BLKIF_START);
}

static void test_fence_waits_for_earlier_writes(void)
{
	struct blkif_order o = { 0 };

	CHECK_EQ(blkif_order_admit(&o, 0), BLKIF_START);
	CHECK_EQ(blkif_order_admit(&o, 0), BLKIF_START);
	CHECK_EQ(blkif_order_peek(&o), BLKIF_START);
	CHECK_EQ(blkif_order_admit(&o, 1), BLKIF_HOLD);
	/* Nothing after the fence may start while it is held. */
	CHECK_EQ(blkif_order_peek(&o), BLKIF_STALL);
	CHECK_EQ(blkif_order_done(&o, 0), 0); /* one write left */
	CHECK_EQ(blkif_order_peek(&o), BLKIF_STALL);
	CHECK_EQ(blkif_order_done(&o, 0), 1); /* the fence goes now */
	CHECK_EQ(o.fence_running, 1);
	CHECK_EQ(blkif_order_peek(&o), BLKIF_STALL);
	CHECK_EQ(blkif_order_done(&o, 1), 0);
	CHECK_EQ(blkif_order_peek(&o), BLKIF_START);
}

static void test_two_fences_in_a_row(void)
{
	struct blkif_order o = { 0 };

	CHECK_EQ(blkif_order_admit(&o, 0), BLKIF_START);
	CHECK_EQ(blkif_order_admit(&o, 1), BLKIF_HOLD);
	CHECK_EQ(blkif_order_done(&o, 0), 1);
	CHECK_EQ(blkif_order_done(&o, 1), 0);
	CHECK_EQ(blkif_order_peek(&o), BLKIF_START);
	CHECK_EQ(blkif_order_admit(&o, 1), BLKIF_START);
	CHECK_EQ(blkif_order_done(&o, 1), 0);
	CHECK_EQ(o.in_flight, 0);
	CHECK_EQ(o.fence_held, 0);
}

int main(void)
{
	RUN(test_no_fence_runs_concurrently);
	RUN(test_idle_fence_starts_at_once_and_blocks_later);
	RUN(test_fence_waits_for_earlier_writes);
	RUN(test_two_fences_in_a_row);
	return TEST_DONE();
}

/* Host tests of io/blkif_check.c: the checks blkback applies to every
 * request a frontend puts on the ring, before any grant is taken. */
#include <string.h>
#include <io/blkif_check.h>
#include "test.h"

#define VBD 8192 /* sectors */

/* A request of n whole-page segments starting at sector. */
static blkif_request_t rq(uint8_t op, unsigned int n, uint64_t sector)
{
	blkif_request_t r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.nr_segments = (uint8_t)n;
	r.sector_number = sector;
	for (i = 0; i < n && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		r.seg[i] = (struct blkif_request_segment){ .gref = 8 + i,
							   .first_sect = 0,
							   .last_sect = 7 };
	return r;
}

static void test_good_requests(void)
{
	blkif_request_t r = rq(BLKIF_OP_READ, 1, 0);

	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_OKAY);
	r = rq(BLKIF_OP_WRITE, 11, VBD - 88); /* ends on the last sector */
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_OKAY);
	r = rq(BLKIF_OP_FLUSH_DISKCACHE, 0, 123456789);
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_OKAY);
	r = rq(BLKIF_OP_WRITE_BARRIER, 1, 8);
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_OKAY);
	r = rq(BLKIF_OP_READ, 1, 0);
	r.seg[0].first_sect = 3; /* partial page: sectors 3..7 */
	CHECK_EQ(blkif_check_request(&r, VBD, 1), BLKIF_RSP_OKAY);
}

static void test_unknown_operation(void)
{
	blkif_request_t r = rq(BLKIF_OP_DISCARD, 0, 0);

	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_EOPNOTSUPP);
	r = rq(BLKIF_OP_INDIRECT, 1, 0);
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_EOPNOTSUPP);
	r = rq(0xff, 1, 0);
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_EOPNOTSUPP);
}

static void test_segment_counts(void)
{
	blkif_request_t r = rq(BLKIF_OP_READ, 0, 0);

	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
	r = rq(BLKIF_OP_WRITE, 0, 0);
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
	r = rq(BLKIF_OP_READ, 11, 0);
	r.nr_segments = 12; /* the array holds 11: must not be read */
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
	r.nr_segments = 255;
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
}

static void test_malformed_segments(void)
{
	blkif_request_t r = rq(BLKIF_OP_READ, 2, 0);

	r.seg[1].first_sect = 5;
	r.seg[1].last_sect = 4; /* reversed */
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
	r = rq(BLKIF_OP_READ, 1, 0);
	r.seg[0].last_sect = 8; /* past the page */
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
	r.seg[0].first_sect = 255;
	r.seg[0].last_sect = 255;
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
}

static void test_outside_the_vbd(void)
{
	blkif_request_t r = rq(BLKIF_OP_READ, 1, VBD - 7); /* one over */

	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
	r = rq(BLKIF_OP_WRITE, 1, VBD);
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
	/* sector + length wrapping around 2^64 must not look small. */
	r = rq(BLKIF_OP_WRITE, 1, UINT64_MAX - 3);
	CHECK_EQ(blkif_check_request(&r, VBD, 0), BLKIF_RSP_ERROR);
	r = rq(BLKIF_OP_READ, 1, 0);
	CHECK_EQ(blkif_check_request(&r, 4, 0), BLKIF_RSP_ERROR); /* tiny VBD */
	CHECK_EQ(blkif_check_request(&r, 0, 0), BLKIF_RSP_ERROR);
}

static void test_read_only(void)
{
	blkif_request_t r = rq(BLKIF_OP_WRITE, 1, 0);

	CHECK_EQ(blkif_check_request(&r, VBD, 1), BLKIF_RSP_ERROR);
	r = rq(BLKIF_OP_WRITE_BARRIER, 1, 0);
	CHECK_EQ(blkif_check_request(&r, VBD, 1), BLKIF_RSP_ERROR);
	r = rq(BLKIF_OP_READ, 1, 0);
	CHECK_EQ(blkif_check_request(&r, VBD, 1), BLKIF_RSP_OKAY);
	r = rq(BLKIF_OP_FLUSH_DISKCACHE, 0, 0); /* writes nothing */
	CHECK_EQ(blkif_check_request(&r, VBD, 1), BLKIF_RSP_OKAY);
}

int main(void)
{
	RUN(test_good_requests);
	RUN(test_unknown_operation);
	RUN(test_segment_counts);
	RUN(test_malformed_segments);
	RUN(test_outside_the_vbd);
	RUN(test_read_only);
	return TEST_DONE();
}

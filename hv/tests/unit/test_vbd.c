/* Host tests of io/vbd.c: VBD sectors to disk requests across extents. */
#include <io/vbd.h>
#include "test.h"

static const struct vbd_extent three[] = { { 1000, 10 },
					   { 5000, 4 },
					   { 200, 100 } };

static struct blkdev_seg page(unsigned int i, unsigned int first,
			      unsigned int last)
{
	return (struct blkdev_seg){ 0x100000ull * (i + 1) + first * 512u,
				    (last - first + 1) * 512u };
}

static void test_size(void)
{
	CHECK_EQ(vbd_sectors(three, 3), 114);
	CHECK_EQ(vbd_sectors(three, 0), 0);
}

static void test_inside_one_extent(void)
{
	struct blkdev_seg s[2] = { page(0, 0, 7), page(1, 0, 1) };
	struct vbd_piece p[3];

	CHECK_EQ(vbd_split(three, 3, 20, s, 2, p, 3), 1);
	CHECK_EQ(p[0].sector, 206); /* VBD 20 = extent 2's sector 6 */
	CHECK_EQ(p[0].nr_segs, 2);
	CHECK_EQ(p[0].seg[0].maddr, s[0].maddr);
	CHECK_EQ(p[0].seg[1].len, 1024);
}

static void test_segment_straddling_extents(void)
{
	/* VBD sectors 6..17: 4 in extent 0, 4 in extent 1 (the whole of
	 * it), 4 in extent 2; the first page's 8 sectors are cut 4 + 4. */
	struct blkdev_seg s[2] = { page(0, 0, 7), page(1, 4, 7) };
	struct vbd_piece p[3];

	CHECK_EQ(vbd_split(three, 3, 6, s, 2, p, 3), 3);
	CHECK_EQ(p[0].sector, 1006);
	CHECK_EQ(p[0].nr_segs, 1);
	CHECK_EQ(p[0].seg[0].maddr, s[0].maddr);
	CHECK_EQ(p[0].seg[0].len, 4 * 512);
	CHECK_EQ(p[1].sector, 5000);
	CHECK_EQ(p[1].nr_segs, 1);
	CHECK_EQ(p[1].seg[0].maddr, s[0].maddr + 4 * 512);
	CHECK_EQ(p[1].seg[0].len, 4 * 512);
	CHECK_EQ(p[2].sector, 200);
	CHECK_EQ(p[2].nr_segs, 1);
	CHECK_EQ(p[2].seg[0].maddr, s[1].maddr);
	CHECK_EQ(p[2].seg[0].len, 4 * 512);
}

static void test_out_of_range_and_limits(void)
{
	struct blkdev_seg s[2] = { page(0, 0, 7), page(1, 0, 7) };
	struct blkdev_seg odd = { 0x1000, 100 };
	struct vbd_piece p[3];

	CHECK_EQ(vbd_split(three, 3, 110, s, 1, p, 3), -1); /* 110..117 */
	CHECK_EQ(vbd_split(three, 3, 106, s, 1, p, 3), 1);  /* 106..113 */
	CHECK_EQ(vbd_split(three, 3, 114, s, 1, p, 3), -1);
	CHECK_EQ(vbd_split(three, 3, ~0ull - 3, s, 1, p, 3), -1);
	CHECK_EQ(vbd_split(three, 3, 6, s, 2, p, 2), -1); /* needs 3 */
	CHECK_EQ(vbd_split(three, 3, 0, &odd, 1, p, 3), -1);
}

static void test_eleven_segments_fit_each_piece(void)
{
	static const struct vbd_extent two[] = { { 0, 44 }, { 100, 100 } };
	struct blkdev_seg s[BLKDEV_MAX_SEGS];
	struct vbd_piece p[2];
	unsigned int i;

	for (i = 0; i < BLKDEV_MAX_SEGS; i++)
		s[i] = page(i, 0, 7);
	/* 88 sectors from VBD 2: 42 in extent 0 (5 pages + 2 sectors),
	 * 46 in extent 1 (6 sectors + 5 pages). */
	CHECK_EQ(vbd_split(two, 2, 2, s, BLKDEV_MAX_SEGS, p, 2), 2);
	CHECK_EQ(p[0].nr_segs, 6);
	CHECK_EQ(p[0].seg[5].len, 2 * 512);
	CHECK_EQ(p[1].sector, 100);
	CHECK_EQ(p[1].nr_segs, 6);
	CHECK_EQ(p[1].seg[0].maddr, s[5].maddr + 2 * 512);
	CHECK_EQ(p[1].seg[0].len, 6 * 512);
}

int main(void)
{
	RUN(test_size);
	RUN(test_inside_one_extent);
	RUN(test_segment_straddling_extents);
	RUN(test_out_of_range_and_limits);
	RUN(test_eleven_segments_fit_each_piece);
	return TEST_DONE();
}

/*
 * A boot-time round trip through a struct blkdev, on the real device:
 * read the last 8 sectors (one frame), write a pattern there from three
 * segments in two frames (so a chain of several descriptors, a segment
 * that does not start a frame, and one that does not fill it), flush,
 * read it back into two half-frame segments and compare, then write the
 * original back, flush and verify it. Each sector of the pattern starts
 * with its own sector number, so a misplaced sector shows.
 *
 * It also checks that bad requests are refused by submit() itself
 * (beyond the end, misaligned, not whole sectors, across a frame, no
 * segments) and that done() never runs for them.
 *
 * Completions come from dev->poll(): the test waits in a polling loop,
 * bounded by ST_TIMEOUT_NS per request. After a timeout the frames are
 * not freed, since the device may still write them.
 */
#include <stdint.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <drivers/blkdev.h>
#include <drivers/blkdev_selftest.h>
#include <mm/frames.h>

#define ST_SECTORS    8 /* one frame */
#define ST_TIMEOUT_NS (2000ull * 1000 * 1000)

/* Frames of the test, in one contiguous allocation. */
enum { F_SAVE, F_A, F_B, F_READ, F_EXPECT, ST_FRAMES };

struct st {
	struct blkdev *dev;
	uint64_t sector; /* first sector tested */
	uint64_t maddr;	 /* of frame 0 */
	unsigned int requests, refused;
	int stuck; /* a request timed out: keep the frames */
};

static volatile int st_done_flag;

static void st_done(struct blkdev_req *req)
{
	(void)req;
	st_done_flag = 1;
}

static uint8_t *frame(const struct st *t, unsigned int f)
{
	return arch_phys_to_virt(t->maddr + (uint64_t)f * PAGE_SIZE);
}

static uint64_t frame_maddr(const struct st *t, unsigned int f)
{
	return t->maddr + (uint64_t)f * PAGE_SIZE;
}

static void req_init(struct blkdev_req *r, enum blkdev_op op, uint64_t sector)
{
	*r = (struct blkdev_req){ .op = op, .sector = sector, .done = st_done };
}

static void req_seg(struct blkdev_req *r, uint64_t maddr, uint32_t len)
{
	r->seg[r->nr_segs++] = (struct blkdev_seg){ maddr, len };
}

static int timed_out(uint64_t t0)
{
	return arch_now_ns() - t0 > ST_TIMEOUT_NS;
}

/* Submits r (retrying while the queue is full) and polls until it
 * completes; returns its status, or a negative errno. */
static int st_run(struct st *t, struct blkdev_req *r)
{
	uint64_t t0 = arch_now_ns();
	int err;

	st_done_flag = 0;
	while ((err = t->dev->submit(t->dev, r)) == -XEN_EBUSY &&
	       !timed_out(t0))
		t->dev->poll(t->dev);
	if (err)
		return err;
	t->requests++;
	while (!st_done_flag && !timed_out(t0))
		t->dev->poll(t->dev);
	if (!st_done_flag) {
		t->stuck = 1;
		return -XEN_ETIMEDOUT;
	}
	return r->status;
}

/* One frame, whole. */
static int st_rw_frame(struct st *t, enum blkdev_op op, unsigned int f)
{
	struct blkdev_req r;

	req_init(&r, op, t->sector);
	req_seg(&r, frame_maddr(t, f), PAGE_SIZE);
	return st_run(t, &r);
}

static int st_flush(struct st *t)
{
	struct blkdev_req r;

	req_init(&r, BLKDEV_FLUSH, 0);
	return st_run(t, &r);
}

static void fill_pattern(uint8_t *buf, uint64_t sector)
{
	unsigned int i;

	for (i = 0; i < ST_SECTORS * 512; i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 9) * 17 + 0x5a);
	for (i = 0; i < ST_SECTORS; i++)
		memcpy(buf + i * 512, &(uint64_t){ sector + i }, 8);
}

/* The expected block goes out as A[3584..4096) + B[0..2048) +
 * B[2048..3584): three segments, two frames. */
static int st_write_pattern(struct st *t)
{
	struct blkdev_req r;
	const uint8_t *e = frame(t, F_EXPECT);

	fill_pattern(frame(t, F_EXPECT), t->sector);
	memcpy(frame(t, F_A) + 3584, e, 512);
	memcpy(frame(t, F_B), e + 512, 3584);
	req_init(&r, BLKDEV_WRITE, t->sector);
	req_seg(&r, frame_maddr(t, F_A) + 3584, 512);
	req_seg(&r, frame_maddr(t, F_B), 2048);
	req_seg(&r, frame_maddr(t, F_B) + 2048, 1536);
	return st_run(t, &r);
}

/* Reads into two half-frame segments and compares with frame want. */
static int st_read_compare(struct st *t, unsigned int want)
{
	struct blkdev_req r;
	int err;

	memset(frame(t, F_READ), 0xee, PAGE_SIZE);
	req_init(&r, BLKDEV_READ, t->sector);
	req_seg(&r, frame_maddr(t, F_READ), 2048);
	req_seg(&r, frame_maddr(t, F_READ) + 2048, 2048);
	err = st_run(t, &r);
	if (err)
		return err;
	return memcmp(frame(t, F_READ), frame(t, want), PAGE_SIZE) ? -XEN_EIO
								   : 0;
}

/* submit() must refuse r at once, without calling done(). */
static int st_refused(struct st *t, struct blkdev_req *r, int want)
{
	int err;

	st_done_flag = 0;
	err = t->dev->submit(t->dev, r);
	if (err == 0)
		t->requests++;
	if (err != want || st_done_flag) {
		pr_err("blkdev %s: self-test: bad request (sector %lu, %u "
		       "segments) gave %d, expected %d\n",
		       t->dev->name, r->sector, r->nr_segs, err, want);
		return -1;
	}
	t->refused++;
	return 0;
}

static int st_bad_requests(struct st *t)
{
	uint64_t m = frame_maddr(t, F_READ);
	struct blkdev_req r[5];

	req_init(&r[0], BLKDEV_READ, t->dev->nr_sectors - ST_SECTORS + 1);
	req_seg(&r[0], m, PAGE_SIZE); /* one sector past the end */
	req_init(&r[1], BLKDEV_READ, t->sector);
	req_seg(&r[1], m + 256, 512); /* not sector-aligned in memory */
	req_init(&r[2], BLKDEV_READ, t->sector);
	req_seg(&r[2], m, 100); /* not whole sectors */
	req_init(&r[3], BLKDEV_READ, t->sector);
	req_seg(&r[3], m + 3584, 1024); /* crosses into the next frame */
	req_init(&r[4], BLKDEV_READ, t->sector); /* no segments */
	return st_refused(t, &r[0], -XEN_EINVAL) ||
	       st_refused(t, &r[1], -XEN_EINVAL) ||
	       st_refused(t, &r[2], -XEN_EINVAL) ||
	       st_refused(t, &r[3], -XEN_EINVAL) ||
	       st_refused(t, &r[4], -XEN_EINVAL);
}

static int st_fail(struct st *t, const char *step, int err)
{
	pr_err("blkdev %s: self-test failed: %s: error %d\n", t->dev->name,
	       step, err);
	return -1;
}

/* Pattern out, back in, original restored. The restore runs whenever
 * the pattern write was issued, even if the comparison failed. */
static int st_round_trip(struct st *t)
{
	int err, cmp;

	err = st_rw_frame(t, BLKDEV_READ, F_SAVE);
	if (err)
		return st_fail(t, "read of the original", err);
	err = st_write_pattern(t);
	if (!err)
		err = st_flush(t);
	cmp = err ? err : st_read_compare(t, F_EXPECT);
	if (t->stuck)
		return st_fail(t, "pattern write, flush, read back", cmp);
	err = st_rw_frame(t, BLKDEV_WRITE, F_SAVE);
	if (!err)
		err = st_flush(t);
	if (!err)
		err = st_read_compare(t, F_SAVE);
	if (cmp)
		return st_fail(t, "pattern write, flush, read back", cmp);
	if (err)
		return st_fail(t, "restore of the original", err);
	return 0;
}

static int st_read_only(struct st *t)
{
	struct blkdev_req r;
	int err = st_rw_frame(t, BLKDEV_READ, F_SAVE);

	if (err)
		return st_fail(t, "read", err);
	req_init(&r, BLKDEV_WRITE, t->sector);
	req_seg(&r, frame_maddr(t, F_SAVE), PAGE_SIZE);
	return st_refused(t, &r, -XEN_EROFS);
}

int blkdev_selftest(struct blkdev *dev)
{
	struct st t = { .dev = dev };
	uint64_t pfn, t0 = arch_now_ns();
	int err;

	if (dev->nr_sectors < 2 * ST_SECTORS) {
		pr_info("blkdev %s: self-test skipped: disk too small\n",
			dev->name);
		return 0;
	}
	pfn = alloc_frames(ST_FRAMES, 1);
	if (pfn == INVALID_PFN)
		return st_fail(&t, "frames", -XEN_ENOMEM);
	t.maddr = pfn << PAGE_SHIFT;
	t.sector = dev->nr_sectors - ST_SECTORS;
	err = dev->read_only ? st_read_only(&t) : st_round_trip(&t);
	if (!err && !t.stuck)
		err = st_bad_requests(&t);
	if (!t.stuck)
		free_frames(pfn, ST_FRAMES);
	if (err)
		return -1;
	pr_info("blkdev %s: self-test passed: %u sectors at %lu %s; %u "
		"request(s), %u bad ones refused, %lu us\n",
		dev->name, ST_SECTORS, t.sector,
		dev->read_only ? "read, write refused (read-only)"
			       : "saved, patterned (3 segments), flushed, read "
				 "back, restored, verified",
		t.requests, t.refused, (arch_now_ns() - t0) / 1000);
	return 0;
}

/* Host tests of drivers/virtio_ring.c: the legacy layout, chains and
 * their flags, the free list, publishing, collecting out of order,
 * notification suppression, wrap-around of the 16-bit indices, and a
 * device that breaks the protocol (bad used ids, an index running ahead,
 * scribbled descriptors) refused without corrupting the queue. The
 * "device" is a fake that walks the shared rings as a real one would. */
#include <stdint.h>
#include <stdlib.h>
#include <lib/errno.h>
#include <drivers/virtio_ring.h>
#include "test.h"

struct fake_dev {
	struct virtqueue *q;
	uint16_t last_avail;
	struct virtq_desc chain[16]; /* the last popped chain */
	unsigned int chain_len;
};

static struct virtqueue q;
static struct fake_dev dev;
static void *ring;
static struct virtq_slot *slots;
static int cookies[64]; /* cookie i is &cookies[i] */

static void setup(unsigned int size)
{
	uint64_t bytes = virtqueue_legacy_bytes(size);

	free(ring);
	free(slots);
	ring = aligned_alloc(VIRTQ_LEGACY_ALIGN, bytes);
	memset(ring, 0, bytes);
	slots = calloc(size, sizeof(*slots));
	CHECK_EQ(virtqueue_init(&q, size, ring, slots), 0);
	dev = (struct fake_dev){ .q = &q };
}

/* The device's side: take the next available chain, following the
 * shared descriptors as a device would. Returns its head, or -1. */
static int dev_pop(void)
{
	uint16_t mask = q.size - 1, d;
	int head;

	if (dev.last_avail == q.avail->idx)
		return -1;
	head = q.avail->ring[dev.last_avail++ & mask];
	d = (uint16_t)head;
	for (dev.chain_len = 0; dev.chain_len < 16; d = q.desc[d].next) {
		dev.chain[dev.chain_len++] = q.desc[d];
		if (!(q.desc[d].flags & VIRTQ_DESC_F_NEXT))
			break;
	}
	return head;
}

static void dev_push(uint32_t id, uint32_t len)
{
	q.used->ring[q.used->idx & (q.size - 1)] =
	    (struct virtq_used_elem){ id, len };
	q.used->idx++;
}

static int add_n(unsigned int n, int cookie)
{
	struct virtq_buf b[16];
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = (struct virtq_buf){ 0x1000 * (i + 1) + (uint64_t)cookie,
					   512 * (i + 1), i % 2 };
	return virtqueue_add(&q, b, n, &cookies[cookie]);
}

static int collect(void **cookie, uint32_t *len)
{
	return virtqueue_get_used(&q, cookie, len);
}

static void test_legacy_layout(void)
{
	/* 256 entries: 4096 bytes of descriptors, the available ring in
	 * the next page, the used ring in the third (QEMU's default). */
	CHECK_EQ(virtqueue_legacy_bytes(256), 3 * 4096);
	setup(256);
	CHECK_EQ((char *)q.avail - (char *)ring, 4096);
	CHECK_EQ((char *)q.used - (char *)ring, 8192);
	/* 4 entries: everything but the used ring fits the first page. */
	CHECK_EQ(virtqueue_legacy_bytes(4), 2 * 4096);
	setup(4);
	CHECK_EQ((char *)q.avail - (char *)ring, 64);
	CHECK_EQ((char *)q.used - (char *)ring, 4096);
	/* 1024: 16 KiB of descriptors, 2054 avail -> 20 KiB, 8198 used. */
	CHECK_EQ(virtqueue_legacy_bytes(1024), 20480 + 12288);
}

static void test_bad_sizes_refused(void)
{
	struct virtqueue bad;
	struct virtq_slot s[1];

	CHECK_EQ(virtqueue_init(&bad, 0, ring, s), -XEN_EINVAL);
	CHECK_EQ(virtqueue_init(&bad, 3, ring, s), -XEN_EINVAL);
	CHECK_EQ(virtqueue_init(&bad, 96, ring, s), -XEN_EINVAL);
	CHECK_EQ(virtqueue_init(&bad, 65536, ring, s), -XEN_EINVAL);
	setup(1);
	CHECK_EQ(q.size, 1);
}

static void test_chain_flags_and_links(void)
{
	struct virtq_buf b[3] = { { 0x10000, 16, 0 },
				  { 0x20000, 4096, 1 },
				  { 0x30010, 1, 1 } };
	int head;

	setup(8);
	head = virtqueue_add(&q, b, 3, &cookies[1]);
	CHECK_EQ(head, 0);
	CHECK_EQ(virtqueue_nr_free(&q), 5);
	CHECK_EQ(q.desc[0].flags, VIRTQ_DESC_F_NEXT);
	CHECK_EQ(q.desc[1].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	CHECK_EQ(q.desc[2].flags, VIRTQ_DESC_F_WRITE);
	CHECK_EQ(q.desc[0].next, 1);
	CHECK_EQ(q.desc[1].next, 2);
	CHECK_EQ(q.desc[1].addr, 0x20000);
	CHECK_EQ(q.desc[1].len, 4096);
	CHECK_EQ(q.desc[2].addr, 0x30010);
	/* Not visible before publish. */
	CHECK_EQ(q.avail->idx, 0);
	CHECK_EQ(dev_pop(), -1);
	CHECK_EQ(virtqueue_publish(&q), 1);
	CHECK_EQ(q.avail->idx, 1);
	CHECK_EQ(dev_pop(), 0);
	CHECK_EQ(dev.chain_len, 3);
	CHECK_EQ(dev.chain[2].len, 1);
}

static void test_full_queue_busy_and_bad_args(void)
{
	setup(8);
	CHECK_EQ(add_n(3, 1), 0);
	CHECK_EQ(add_n(3, 2), 3);
	CHECK_EQ(add_n(3, 3), -XEN_EBUSY);
	CHECK_EQ(virtqueue_nr_free(&q), 2);
	CHECK_EQ(q.avail_idx, 2);
	CHECK_EQ(add_n(2, 4), 6);
	CHECK_EQ(virtqueue_nr_free(&q), 0);
	CHECK_EQ(add_n(1, 5), -XEN_EBUSY);
	CHECK_EQ(add_n(0, 5), -XEN_EINVAL);
	CHECK_EQ(add_n(9, 5), -XEN_EINVAL);
	CHECK_EQ(virtqueue_add(&q, NULL, 1, NULL), -XEN_EINVAL);
	CHECK_EQ(q.avail_idx, 3);
}

static void test_collect_out_of_order(void)
{
	void *cookie = NULL;
	uint32_t len = 0;
	int a, b, i, seen = 0;

	setup(8);
	a = add_n(2, 1);
	b = add_n(3, 2);
	virtqueue_publish(&q);
	CHECK_EQ(collect(&cookie, &len), 0);
	dev_push((uint32_t)b, 77);
	dev_push((uint32_t)a, 5);
	CHECK_EQ(collect(&cookie, &len), 1);
	CHECK(cookie == &cookies[2]);
	CHECK_EQ(len, 77);
	CHECK_EQ(virtqueue_nr_free(&q), 6);
	CHECK_EQ(collect(&cookie, &len), 1);
	CHECK(cookie == &cookies[1]);
	CHECK_EQ(len, 5);
	CHECK_EQ(collect(&cookie, &len), 0);
	CHECK_EQ(virtqueue_nr_free(&q), 8);
	/* The free list is whole: eight singles get eight distinct heads. */
	for (i = 0; i < 8; i++) {
		int h = add_n(1, 10 + i);

		CHECK(h >= 0 && h < 8);
		if (h >= 0 && h < 8)
			seen |= 1 << h;
	}
	CHECK_EQ(seen, 0xff);
	CHECK_EQ(add_n(1, 20), -XEN_EBUSY);
}

static void test_notification_suppressed(void)
{
	setup(8);
	add_n(1, 1);
	q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	CHECK_EQ(virtqueue_publish(&q), 0);
	q.used->flags = 0;
	add_n(1, 2);
	CHECK_EQ(virtqueue_publish(&q), 1);
	CHECK_EQ(q.avail->idx, 2);
}

/* Pushes count requests through a queue of size 4 with the device
 * completing each batch in reverse order; every cookie comes back. */
static void run_requests(unsigned int count)
{
	unsigned int done = 0, sent = 0, rounds = 0;

	while (done < count) {
		int heads[4], nh = 0, h;
		void *cookie;
		uint32_t len;

		while (sent < count && nh < 2 &&
		       (h = add_n(1 + sent % 2, (int)(sent % 64))) >= 0)
			sent++, nh++;
		virtqueue_publish(&q);
		for (nh = 0; (h = dev_pop()) >= 0;)
			heads[nh++] = h;
		while (nh--)
			dev_push((uint32_t)heads[nh], 1);
		while (collect(&cookie, &len) == 1) {
			CHECK(cookie >= (void *)&cookies[0] &&
			      cookie < (void *)&cookies[64]);
			done++;
		}
		if (++rounds > 2 * count) {
			CHECK(!"requests stopped completing");
			return;
		}
		if (test_failed)
			return;
	}
	CHECK_EQ(virtqueue_nr_free(&q), 4);
}

static void test_index_wraparound(void)
{
	setup(4);
	run_requests(70000); /* more than 2^16 entries */
	CHECK_EQ(q.avail->idx, (uint16_t)70000);
	CHECK_EQ(q.used->idx, (uint16_t)70000);
	CHECK_EQ(q.last_used, (uint16_t)70000);
	/* Start right at the wrap: 0xfffe, 0xffff, 0, 1 ... */
	setup(4);
	q.avail_idx = q.last_used = 0xfffe;
	q.avail->idx = q.used->idx = 0xfffe;
	dev.last_avail = 0xfffe;
	run_requests(9);
	CHECK_EQ(q.last_used, 7);
}

static void test_bogus_used_ids_refused(void)
{
	void *cookie = NULL;
	uint32_t len = 0;
	int a;

	setup(8);
	a = add_n(3, 1); /* descriptors 0, 1, 2 */
	virtqueue_publish(&q);
	dev_push(8, 0); /* out of range */
	CHECK_EQ(collect(&cookie, &len), -XEN_EIO);
	q.used->ring[0].id = 1; /* inside the chain, not its head */
	CHECK_EQ(collect(&cookie, &len), -XEN_EIO);
	q.used->ring[0].id = 5; /* a free descriptor */
	CHECK_EQ(collect(&cookie, &len), -XEN_EIO);
	CHECK_EQ(virtqueue_nr_free(&q), 5);
	CHECK_EQ(q.last_used, 0);
	CHECK(cookie == NULL);
	/* Nothing moved: the right id is still collected normally. */
	q.used->ring[0].id = (uint32_t)a;
	CHECK_EQ(collect(&cookie, &len), 1);
	CHECK(cookie == &cookies[1]);
	CHECK_EQ(virtqueue_nr_free(&q), 8);
	/* The same chain completed twice. */
	dev_push((uint32_t)a, 0);
	CHECK_EQ(collect(&cookie, &len), -XEN_EIO);
	CHECK_EQ(virtqueue_nr_free(&q), 8);
}

static void test_used_index_too_far_ahead(void)
{
	void *cookie = NULL;
	uint32_t len;

	setup(8);
	add_n(1, 1);
	virtqueue_publish(&q);
	q.used->idx = 9; /* 9 entries for an 8-entry ring */
	CHECK_EQ(collect(&cookie, &len), -XEN_EIO);
	CHECK_EQ(q.last_used, 0);
	CHECK_EQ(virtqueue_nr_free(&q), 7);
}

/* A device that rewrites the shared descriptors (here: chain A's link
 * pointing into chain B, still in flight) does not change what the
 * driver frees: the links it follows are private. */
static void test_scribbled_descriptors_ignored(void)
{
	void *cookie;
	uint32_t len;
	int a, b, h, seen = 0;

	setup(8);
	a = add_n(2, 1); /* descriptors 0, 1 */
	b = add_n(2, 2); /* descriptors 2, 3 */
	virtqueue_publish(&q);
	q.desc[a].next = (uint16_t)(b + 1);
	q.desc[a].flags = VIRTQ_DESC_F_NEXT;
	dev_push((uint32_t)a, 0);
	CHECK_EQ(collect(&cookie, &len), 1);
	CHECK_EQ(virtqueue_nr_free(&q), 6);
	/* Six singles, none of them one of B's descriptors. */
	while ((h = add_n(1, 3)) >= 0)
		seen |= 1 << h;
	CHECK_EQ(seen, 0xff & ~(3 << b));
	dev_push((uint32_t)b, 0);
	CHECK_EQ(collect(&cookie, &len), 1);
	CHECK(cookie == &cookies[2]);
}

int main(void)
{
	RUN(test_legacy_layout);
	RUN(test_bad_sizes_refused);
	RUN(test_chain_flags_and_links);
	RUN(test_full_queue_busy_and_bad_args);
	RUN(test_collect_out_of_order);
	RUN(test_notification_suppressed);
	RUN(test_index_wraparound);
	RUN(test_bogus_used_ids_refused);
	RUN(test_used_index_too_far_ahead);
	RUN(test_scribbled_descriptors_ignored);
	free(ring);
	free(slots);
	return TEST_DONE();
}

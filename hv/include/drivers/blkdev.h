/*
 * Block devices the hypervisor owns (SOSP'03 Figure 1: the hypervisor
 * drives the real devices, domains get virtual ones). Sectors are 512
 * bytes. Requests name machine frames directly, so data moves by DMA into
 * and out of the guests' granted frames without bounce copies.
 * Completion may be asynchronous: done(req) runs exactly once, from
 * submit() itself, interrupt or poll context, with req->status set.
 */
#ifndef HV_DRIVERS_BLKDEV_H
#define HV_DRIVERS_BLKDEV_H

#include <stdint.h>

#define BLKDEV_MAX_SEGS 11

struct blkdev_seg {
	uint64_t maddr;
	uint32_t len; /* a multiple of 512, within one 4 KiB frame */
};

enum blkdev_op { BLKDEV_READ, BLKDEV_WRITE, BLKDEV_FLUSH };

struct blkdev_req {
	enum blkdev_op op;
	uint64_t sector;
	unsigned int nr_segs;
	struct blkdev_seg seg[BLKDEV_MAX_SEGS];
	int status; /* 0 ok, negative errno */
	void (*done)(struct blkdev_req *req);
	void *cookie; /* the submitter's */
};

struct blkdev {
	const char *name;
	uint64_t nr_sectors;
	int read_only;
	/* 0 if accepted, -EBUSY if the queue is full (retry after a
	 * completion), another negative errno for a bad request. */
	int (*submit)(struct blkdev *dev, struct blkdev_req *req);
	/* Runs completions that are ready (for callers that poll). */
	void (*poll)(struct blkdev *dev);
	void *priv;
};

/* The devices found at boot, in registration order. */
struct blkdev *blkdev_get(unsigned int index);
int blkdev_register(struct blkdev *dev);

#endif

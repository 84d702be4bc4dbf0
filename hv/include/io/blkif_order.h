/*
 * Request ordering in the block backend (io/blkif_order.c): a cache
 * flush is a fence. It starts only when every request taken from the
 * ring before it has completed, and no request after it starts until it
 * has completed. Reads and writes between fences run concurrently and
 * may complete in any order, as blkif allows. Pure logic: host-tested.
 */
#ifndef HV_IO_BLKIF_ORDER_H
#define HV_IO_BLKIF_ORDER_H

struct blkif_order {
	unsigned int in_flight; /* started, not completed (fence excluded) */
	int fence_held;		/* a fence waits for in_flight to reach 0 */
	int fence_running;	/* a fence is at the device */
};

enum blkif_admit {
	BLKIF_START, /* start the request now */
	BLKIF_HOLD,  /* a fence: keep it until blkif_order_done says go */
	BLKIF_STALL, /* take nothing more from the ring for now */
};

/* Called before taking the next request from the ring: BLKIF_STALL
 * while a fence is held or running (leave the request on the ring). */
enum blkif_admit blkif_order_peek(const struct blkif_order *o);
/* Admits a request just taken (peek said it may be): BLKIF_START, or
 * BLKIF_HOLD for a fence that must wait for earlier requests. */
enum blkif_admit blkif_order_admit(struct blkif_order *o, int is_fence);
/* A request completed (or failed before reaching the device). Returns
 * 1 if the held fence may start now (it is then running). */
int blkif_order_done(struct blkif_order *o, int was_fence);

#endif

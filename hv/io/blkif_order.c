/*
 * Block request ordering (io/blkif_order.h).
 *
 * Why a flush must wait: Linux's blkfront issues REQ_PREFLUSH / REQ_FUA
 * as BLKIF_OP_FLUSH_DISKCACHE and relies on the flush covering every
 * write it has been told completed. A virtio-blk flush only covers
 * writes the device completed before the flush arrived, so a flush sent
 * while earlier writes are still in the device's queue could overtake
 * them: the backend holds it until they complete. And since a write
 * issued after the flush must not be reordered before it (the journal
 * commit block after its flush), nothing later starts until the flush
 * has completed. This is the reorder barrier of SOSP'03 3.3.6.
 */
#include <io/blkif_order.h>

enum blkif_admit blkif_order_peek(const struct blkif_order *o)
{
	return o->fence_held || o->fence_running ? BLKIF_STALL : BLKIF_START;
}

enum blkif_admit blkif_order_admit(struct blkif_order *o, int is_fence)
{
	if (!is_fence) {
		o->in_flight++;
		return BLKIF_START;
	}
	if (o->in_flight) {
		o->fence_held = 1;
		return BLKIF_HOLD;
	}
	o->fence_running = 1;
	return BLKIF_START;
}

int blkif_order_done(struct blkif_order *o, int was_fence)
{
	if (was_fence) {
		o->fence_running = 0;
		return 0;
	}
	if (o->in_flight)
		o->in_flight--;
	if (o->fence_held && o->in_flight == 0) {
		o->fence_held = 0;
		o->fence_running = 1;
		return 1;
	}
	return 0;
}

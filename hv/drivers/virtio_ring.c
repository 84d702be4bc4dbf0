/*
 * Split virtqueues, the driver's side (virtio 1.0, 2.4; the legacy
 * layout of 2.4.2 and 4.1.4.8).
 *
 * Layout. One physically contiguous block the device reads by DMA:
 *
 *   desc[size]        16 bytes each; the driver writes, the device reads
 *   avail             flags, idx, ring[size], used_event; driver -> device
 *   (pad to 4096)
 *   used              flags, idx, ring[size] of {id, len}, avail_event;
 *                     device -> driver
 *
 * Ownership. A descriptor is either free (on the driver-private free
 * list) or part of exactly one in-flight chain. The driver hands a chain
 * to the device by writing its head's index into avail->ring and then
 * advancing avail->idx; the device hands it back by writing {head, len}
 * into used->ring and then advancing used->idx. Both indices run free
 * modulo 2^16 and pick ring slot idx & (size - 1); this is why size must
 * be a power of two (2.4: 65536 is a multiple of every size).
 *
 * Barrier order (2.4.7.2, 2.4.8 and Linux's virtio_ring.c agree):
 *   add:      write the descriptors, then avail->ring[avail_idx];
 *   publish:  release fence, then store avail->idx: the device must see
 *             the chain before it sees the index that covers it;
 *             full fence, then load used->flags: our idx store must be
 *             visible before we decide the device needs no notification,
 *             or a device going to sleep could miss the chain;
 *   collect:  load used->idx, then acquire fence, then read the used
 *             entry: never read an entry the index does not yet cover.
 * On x86 (TSO) the release and acquire fences cost nothing at run time
 * but stop the compiler reordering; the full fence is an MFENCE.
 *
 * What is trusted. Nothing the device writes is used without a check:
 * used->idx may not run more than size entries ahead of what we
 * collected, and a used id must name the head of a chain in flight
 * (slot[id].chain != 0). The chain links, lengths and free list live in
 * the private slot array, never read back from the shared descriptor
 * table, so a device scribbling on shared memory cannot corrupt the free
 * list. A bad entry is refused with -XEN_EIO and changes nothing; the
 * caller resets the device (the only way to learn which chains it still
 * holds).
 *
 * Concurrency: one caller at a time (the hypervisor's interrupt and poll
 * paths never interleave on its single CPU; see drivers/virtio_blk.c).
 */
#include <stdint.h>
#include <lib/errno.h>
#include <drivers/virtio_ring.h>

#define ALIGN_UP_TO(x, a) (((x) + (a)-1) & ~(uint64_t)((a)-1))

static uint64_t avail_offset(unsigned int size)
{
	return (uint64_t)size * sizeof(struct virtq_desc);
}

static uint64_t used_offset(unsigned int size)
{
	uint64_t avail_end = avail_offset(size) + sizeof(struct virtq_avail) +
			     (uint64_t)size * sizeof(uint16_t) +
			     sizeof(uint16_t); /* used_event */

	return ALIGN_UP_TO(avail_end, VIRTQ_LEGACY_ALIGN);
}

uint64_t virtqueue_legacy_bytes(unsigned int size)
{
	uint64_t used_bytes = sizeof(struct virtq_used) +
			      (uint64_t)size * sizeof(struct virtq_used_elem) +
			      sizeof(uint16_t); /* avail_event */

	return used_offset(size) + ALIGN_UP_TO(used_bytes, VIRTQ_LEGACY_ALIGN);
}

int virtqueue_init(struct virtqueue *q, unsigned int size, void *ring,
		   struct virtq_slot *slots)
{
	unsigned int i;

	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return -XEN_EINVAL;
	q->desc = ring;
	q->avail = (struct virtq_avail *)((char *)ring + avail_offset(size));
	q->used = (struct virtq_used *)((char *)ring + used_offset(size));
	q->slot = slots;
	q->size = (uint16_t)size; /* 32768 fits; the ring math uses size - 1 */
	for (i = 0; i < size; i++)
		slots[i] = (struct virtq_slot){ .next = (uint16_t)(i + 1) };
	q->free_head = 0;
	q->nr_free = (uint16_t)size;
	q->avail_idx = 0;
	q->last_used = 0;
	return 0;
}

static uint16_t desc_flags(const struct virtq_buf *b, int last)
{
	return (uint16_t)((last ? 0 : VIRTQ_DESC_F_NEXT) |
			  (b->device_writes ? VIRTQ_DESC_F_WRITE : 0));
}

/* Takes n descriptors off the free list in list order; a chain's links
 * are therefore the free list's links, already in slot[].next. */
int virtqueue_add(struct virtqueue *q, const struct virtq_buf *buf,
		  unsigned int n, void *cookie)
{
	uint16_t head = q->free_head, d = head, mask = q->size - 1;
	unsigned int i;

	if (n == 0 || n > q->size || !cookie)
		return -XEN_EINVAL;
	if (n > q->nr_free)
		return -XEN_EBUSY;
	for (i = 0; i < n; i++) {
		q->desc[d] = (struct virtq_desc){
			.addr = buf[i].addr,
			.len = buf[i].len,
			.flags = desc_flags(&buf[i], i == n - 1),
			.next = q->slot[d].next,
		};
		if (i < n - 1)
			d = q->slot[d].next;
	}
	q->free_head = q->slot[d].next;
	q->nr_free -= n;
	q->slot[head].chain = (uint16_t)n;
	q->slot[head].cookie = cookie;
	q->avail->ring[q->avail_idx & mask] = head;
	q->avail_idx++;
	return head;
}

int virtqueue_publish(struct virtqueue *q)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&q->used->flags, __ATOMIC_RELAXED) &
		 VIRTQ_USED_F_NO_NOTIFY);
}

/* Returns the chain of head to the free list (at its front: the
 * descriptors just used are the likeliest to be in cache). */
static void free_chain(struct virtqueue *q, uint16_t head)
{
	uint16_t tail = head, n = q->slot[head].chain, i;

	for (i = 1; i < n; i++)
		tail = q->slot[tail].next;
	q->slot[tail].next = q->free_head;
	q->free_head = head;
	q->nr_free += n;
	q->slot[head].chain = 0;
	q->slot[head].cookie = 0;
}

int virtqueue_get_used(struct virtqueue *q, void **cookie, uint32_t *len)
{
	uint16_t idx = __atomic_load_n(&q->used->idx, __ATOMIC_RELAXED);
	uint16_t ahead = (uint16_t)(idx - q->last_used);
	struct virtq_used_elem e;

	if (ahead == 0)
		return 0;
	if (ahead > q->size)
		return -XEN_EIO;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	e = q->used->ring[q->last_used & (q->size - 1)];
	if (e.id >= q->size || q->slot[e.id].chain == 0)
		return -XEN_EIO;
	q->last_used++;
	*cookie = q->slot[e.id].cookie;
	*len = e.len;
	free_chain(q, (uint16_t)e.id);
	return 1;
}

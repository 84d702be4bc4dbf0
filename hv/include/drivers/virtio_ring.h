/*
 * Split virtqueues (virtio 1.0, 2.4), the driver's side: the shared
 * layout (descriptor table, available ring, used ring) and a small
 * driver-private state around it. The protocol, the barrier order and
 * what is trusted are explained at the top of drivers/virtio_ring.c.
 *
 * Pure logic: the caller gives the ring memory (zeroed, laid out for the
 * legacy interface, virtqueue_legacy_bytes()) and the private slot array;
 * the host unit tests drive it against a fake device.
 */
#ifndef HV_DRIVERS_VIRTIO_RING_H
#define HV_DRIVERS_VIRTIO_RING_H

#include <stdint.h>

/* Descriptor flags (2.4.5). */
#define VIRTQ_DESC_F_NEXT     1 /* the chain continues at next */
#define VIRTQ_DESC_F_WRITE    2 /* the device writes this buffer */
#define VIRTQ_DESC_F_INDIRECT 4 /* not used by PVX */
/* The device asks not to be notified (2.4.7.2): used->flags. */
#define VIRTQ_USED_F_NO_NOTIFY 1
/* The driver asks not to be interrupted (2.4.7.1): avail->flags. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* The legacy interface aligns the used ring to 4096 bytes (2.4.2 and
 * 4.1.4.8: "QueueAlign" is fixed at 4096 for legacy PCI). */
#define VIRTQ_LEGACY_ALIGN 4096
/* Queue sizes are powers of two of at most 32768 (2.4). */
#define VIRTQ_MAX_SIZE 32768

/* The shared structures, exactly as 2.4.5, 2.4.6 and 2.4.8 give them
 * (little endian; x86 is too). */
struct virtq_desc {
	uint64_t addr; /* machine address of the buffer */
	uint32_t len;  /* bytes */
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;	 /* where the driver puts the next entry, mod 2^16 */
	uint16_t ring[]; /* size entries, then used_event (unused here) */
};

struct virtq_used_elem {
	uint32_t id;  /* head descriptor of the completed chain */
	uint32_t len; /* bytes the device wrote into the chain */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx; /* where the device puts the next entry, mod 2^16 */
	struct virtq_used_elem ring[]; /* size entries, then avail_event */
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtio 2.4.5 descriptor");
_Static_assert(sizeof(struct virtq_avail) == 4, "virtio 2.4.6 avail ring");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtio 2.4.8 used elem");
_Static_assert(sizeof(struct virtq_used) == 4, "virtio 2.4.8 used ring");

/* One buffer of a chain, as the caller describes it. */
struct virtq_buf {
	uint64_t addr;	   /* machine address */
	uint32_t len;	   /* bytes */
	int device_writes; /* 1: the device writes it (VIRTQ_DESC_F_WRITE) */
};

/* Driver-private state of one descriptor, never shared with the device. */
struct virtq_slot {
	void *cookie;  /* the caller's, while this is an in-flight head */
	uint16_t next; /* free list link, or the next descriptor of a chain */
	uint16_t
	    chain; /* descriptors in the chain if an in-flight head, else 0 */
};

struct virtqueue {
	/* Shared with the device. */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	/* Private: only the driver reads or writes these. */
	struct virtq_slot *slot; /* size entries */
	uint16_t size;		 /* entries, a power of two */
	uint16_t free_head;	 /* first free descriptor (if nr_free) */
	uint16_t nr_free;	 /* descriptors on the free list */
	uint16_t avail_idx;	 /* our next avail->idx, not yet published */
	uint16_t last_used;	 /* next used entry to collect */
};

/* Bytes of the legacy layout for size entries: descriptors, available
 * ring, padding to VIRTQ_LEGACY_ALIGN, used ring (2.4.2). */
uint64_t virtqueue_legacy_bytes(unsigned int size);
/* Lays the queue out over ring (virtqueue_legacy_bytes(size) bytes,
 * zeroed, VIRTQ_LEGACY_ALIGN-aligned) with slots[size]; 0, or
 * -XEN_EINVAL if size is not a power of two in 1..VIRTQ_MAX_SIZE. */
int virtqueue_init(struct virtqueue *q, unsigned int size, void *ring,
		   struct virtq_slot *slots);
/* Writes a chain of n buffers and queues its head in the available ring
 * (not yet visible to the device: see virtqueue_publish). Returns the
 * head, -XEN_EBUSY if fewer than n descriptors are free (nothing
 * changed; retry after a collection), -XEN_EINVAL if n is 0 or more
 * than the queue's size or cookie is NULL. */
int virtqueue_add(struct virtqueue *q, const struct virtq_buf *buf,
		  unsigned int n, void *cookie);
/* Makes every added chain visible to the device; returns 1 if the
 * device wants a notification, 0 if it asked for none. */
int virtqueue_publish(struct virtqueue *q);
/* Collects one used entry: 1 with *cookie and *len set and the chain's
 * descriptors freed; 0 if there is none; -XEN_EIO if the device broke
 * the protocol (an id that is no in-flight head, or used->idx more than
 * size entries ahead). On -XEN_EIO nothing changed: the caller resets
 * the device. */
int virtqueue_get_used(struct virtqueue *q, void **cookie, uint32_t *len);

static inline unsigned int virtqueue_nr_free(const struct virtqueue *q)
{
	return q->nr_free;
}

#endif

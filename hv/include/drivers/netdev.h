/*
 * Network devices the hypervisor owns (SOSP'03 Figure 1), and the packet
 * buffers that move frames between them and the network backend
 * (drivers/netdev.c).
 *
 * A netbuf is NETBUF_FRAMES contiguous frames of hypervisor memory: the
 * device's per-packet header in the first NETBUF_HEADROOM bytes, the
 * Ethernet frame after it. Buffers come from one pool sized at boot;
 * whoever holds a buffer frees it. Received frames are handed to the
 * backend (netdev->receive), which owns them from then on; frames to
 * send are handed to netdev->xmit, which owns them once it accepts.
 */
#ifndef HV_DRIVERS_NETDEV_H
#define HV_DRIVERS_NETDEV_H

#include <stdint.h>

/* A buffer holds the largest frame the Xen and virtio interfaces can
 * carry: a TCP segmentation-offload packet of up to 64 KiB. */
#define NETBUF_FRAMES	 17
#define NETBUF_HEADROOM	 64
#define NETBUF_MAX_FRAME (NETBUF_FRAMES * 4096 - NETBUF_HEADROOM)

struct netbuf {
	struct netbuf *next; /* free list or a holder's queue */
	uint8_t *base;	     /* the block, hypervisor virtual address */
	uint64_t maddr;	     /* the block, machine address */
	unsigned int len;    /* frame bytes at base + NETBUF_HEADROOM */
	/* A transport checksum still to fill (netpkt_csum_fill) when the
	 * frame leaves the machine: the frontend left it blank. */
	int csum_partial;
	uint16_t csum_start, csum_offset;
	/* The frame's transport checksum was verified (by the device). */
	int csum_valid;
	/* A TCP segmentation-offload packet: to be cut into segments of
	 * gso_size payload bytes by whoever puts it on a real link. */
	enum netbuf_gso {
		NETBUF_GSO_NONE,
		NETBUF_GSO_TCPV4,
		NETBUF_GSO_TCPV6
	} gso_type;
	uint16_t gso_size;
};

static inline uint8_t *netbuf_data(const struct netbuf *nb)
{
	return nb->base + NETBUF_HEADROOM;
}

/* Allocates the pool: n buffers. 0 or -XEN_ENOMEM. */
int netbuf_pool_init(unsigned int n);
/* NULL when the pool is empty. */
struct netbuf *netbuf_alloc(void);
void netbuf_free(struct netbuf *nb);
unsigned int netbuf_nr_free(void);

/* What a device can do with a frame (netdev->features). */
#define NETDEV_F_CSUM	(1u << 0) /* fills partial checksums on transmit */
#define NETDEV_F_TSO4	(1u << 1) /* segments TCPv4 GSO packets it sends */
#define NETDEV_F_TSO6	(1u << 2) /* ... TCPv6 */
#define NETDEV_F_RX_GSO (1u << 3) /* delivers GSO packets (TCP v4/v6) */

struct netdev {
	const char *name;
	uint8_t mac[6];
	unsigned int max_frame; /* bytes, Ethernet header included */
	unsigned int features;	/* NETDEV_F_* */
	/* Queues nb for transmission and takes it: 0; -XEN_EBUSY if the
	 * device's queue is full (the caller keeps nb and waits for
	 * tx_ready); -XEN_EINVAL for a frame the device cannot send. */
	int (*xmit)(struct netdev *dev, struct netbuf *nb);
	/* Tops up the device's receive buffers from the pool. */
	void (*refill)(struct netdev *dev);
	void *priv;
	/* Set by the backend: a frame arrived (the backend owns nb), and
	 * the transmit queue has room again after -XEN_EBUSY. Called from
	 * the device's interrupt handler or from xmit's caller's context. */
	void (*receive)(struct netdev *dev, struct netbuf *nb);
	void (*tx_ready)(struct netdev *dev);
	void *backend;
	uint64_t tx_packets, rx_packets, rx_no_buffer, interrupts;
};

/* The devices found at boot, in registration order. */
int netdev_register(struct netdev *dev);
struct netdev *netdev_get(unsigned int index);

#endif

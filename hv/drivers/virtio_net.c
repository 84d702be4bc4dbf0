/*
 * virtio-net (virtio 1.0, 5.1) over legacy virtio-pci: the NICs PVX owns
 * and multiplexes between domains through the network backend and the
 * VFR (SOSP'03 3.3.5, Figure 1).
 *
 * Queues: 0 receive, 1 transmit (no control queue: PVX never changes
 * the device's filters; QEMU's device starts promiscuous, which the
 * VFR's delivery to several VIF MACs needs). Every packet is a chain of
 * two descriptors over one netbuf (drivers/netdev.h): the 10-byte
 * struct virtio_net_hdr at the start of the buffer, then the frame at
 * NETBUF_HEADROOM. A legacy device without VIRTIO_F_ANY_LAYOUT expects
 * the header in a descriptor of its own (5.1.6.6), which this is.
 *
 * Receive: the queue is kept full of buffers of NETBUF_MAX_FRAME bytes;
 * each used buffer goes to the backend (netdev->receive), which frees it
 * when it has copied the frame to a guest, and the queue is topped up
 * from the pool after every drain and on netdev->refill.
 *
 * Offloads. Guests' frontends (xen-netfront) do checksum and TCP
 * segmentation offload, and so do QEMU's virtio-net and its tap, so
 * frames cross in their large form with only the header saying what is
 * left to do: transmit with VIRTIO_NET_F_CSUM and HOST_TSO4/6 (the
 * device fills checksums and cuts GSO packets into MSS-sized segments,
 * 5.1.6.2), receive with GUEST_CSUM and GUEST_TSO4/6 (the device may
 * deliver a partial checksum or a verified one, and TCP packets of up to
 * 64 KiB, 5.1.6.4). Without MRG_RXBUF every receive buffer must then
 * hold a whole 64 KiB packet, which is what a netbuf is. The backend
 * learns what the device does from netdev->features.
 *
 * Transmit: xmit() adds the chain and notifies the device unless it
 * asked not to be (VIRTQ_USED_F_NO_NOTIFY); completions free the buffer.
 * Transmit completions raise no interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT):
 * xmit() and every interrupt collect them, and only when the queue is
 * full are interrupts turned on until it has room again - one interrupt
 * per received batch instead of one per sent packet as well.
 * A frame whose transport checksum the frontend left blank goes out with
 * VIRTIO_NET_HDR_F_NEEDS_CSUM (the device fills it: 5.1.6.2) if the
 * device offers VIRTIO_NET_F_CSUM, and is filled here otherwise. When
 * the queue is full xmit() answers -XEN_EBUSY and the backend waits for
 * tx_ready, called after a drain that freed descriptors.
 *
 * Interrupts: one INTx line (drivers/irq.c); the handler reads the ISR
 * (lowering the line), then drains both queues. A device that breaks the
 * ring protocol is reset and its buffers are returned to the pool.
 */
#include <stdint.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <drivers/irq.h>
#include <drivers/netdev.h>
#include <drivers/pci.h>
#include <drivers/virtio_net.h>
#include <drivers/virtio_pci.h>
#include <io/netpkt.h>
#include <mm/heap.h>

#define VNET_MAX_NICS 2
#define VNET_POOL     512 /* netbufs: rx queue + tx queue + VIF queues */
#define VNET_RX_BUFS  96  /* receive buffers kept posted */
#define RXQ	      0
#define TXQ	      1

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_HOST_TSO6	12
#define BIT(n)			(1u << (n))
#define VNET_FEATURES                                                 \
	(BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) |      \
	 BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_GUEST_TSO4) |       \
	 BIT(VIRTIO_NET_F_GUEST_TSO6) | BIT(VIRTIO_NET_F_HOST_TSO4) | \
	 BIT(VIRTIO_NET_F_HOST_TSO6))

#define VNET_CFG_MAC 0 /* u8[6] (5.1.4) */

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 10, "virtio 5.1.6 legacy");
_Static_assert(sizeof(struct virtio_net_hdr) <= NETBUF_HEADROOM, "the header "
								 "fits the "
								 "headroom");

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE	    0
#define VIRTIO_NET_HDR_GSO_TCPV4    1
#define VIRTIO_NET_HDR_GSO_TCPV6    4
#define VIRTIO_NET_HDR_GSO_ECN	    0x80

struct vnet {
	struct netdev dev;
	struct virtio_pci vp;
	struct virtqueue rxq, txq;
	char name[8];
	int csum; /* VIRTIO_NET_F_CSUM negotiated */
	uint64_t rx_bad_header;
	int gsi;
	int broken, tx_waiting;
	unsigned int rx_posted;
};

static struct vnet *nics[VNET_MAX_NICS];
static unsigned int nr_nics;

/* ---- receive ---- */

static void vnet_refill(struct netdev *dev)
{
	struct vnet *vn = dev->priv;
	int added = 0;

	while (!vn->broken && virtqueue_nr_free(&vn->rxq) >= 2 &&
	       vn->rx_posted < VNET_RX_BUFS) {
		struct netbuf *nb = netbuf_alloc();
		struct virtq_buf buf[2];

		if (!nb)
			break;
		buf[0] = (struct virtq_buf){ nb->maddr,
					     sizeof(struct virtio_net_hdr), 1 };
		buf[1] = (struct virtq_buf){ nb->maddr + NETBUF_HEADROOM,
					     NETBUF_MAX_FRAME, 1 };
		if (virtqueue_add(&vn->rxq, buf, 2, nb) < 0) {
			netbuf_free(nb);
			break;
		}
		vn->rx_posted++;
		added = 1;
	}
	if (added && virtqueue_publish(&vn->rxq))
		virtio_pci_notify(&vn->vp, RXQ);
}

/* ---- transmit ---- */

/* Bytes of Ethernet, IP and TCP headers of a GSO packet (the device's
 * hint of where the payload starts). */
static uint16_t gso_header_len(const struct netbuf *nb)
{
	const uint8_t *f = netbuf_data(nb);
	unsigned int tcp = nb->csum_start;

	if (tcp + 13u > nb->len)
		return (uint16_t)tcp;
	return (uint16_t)(tcp + (f[tcp + 12] >> 4) * 4u);
}

static void fill_header(struct vnet *vn, struct netbuf *nb)
{
	struct virtio_net_hdr *h = (struct virtio_net_hdr *)nb->base;

	*h = (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	if (nb->gso_type != NETBUF_GSO_NONE) {
		h->gso_type = nb->gso_type == NETBUF_GSO_TCPV4
				  ? VIRTIO_NET_HDR_GSO_TCPV4
				  : VIRTIO_NET_HDR_GSO_TCPV6;
		h->gso_size = nb->gso_size;
		h->hdr_len = gso_header_len(nb);
	}
	if (!nb->csum_partial)
		return;
	if (vn->csum) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = nb->csum_start;
		h->csum_offset = nb->csum_offset;
	} else {
		netpkt_csum_fill(netbuf_data(nb), nb->len, nb->csum_start,
				 nb->csum_offset);
	}
}

static int reap_tx(struct vnet *vn);

static void tx_interrupts(struct vnet *vn, int on)
{
	if (on)
		vn->txq.avail->flags &= (uint16_t)~VIRTQ_AVAIL_F_NO_INTERRUPT;
	else
		vn->txq.avail->flags |= VIRTQ_AVAIL_F_NO_INTERRUPT;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static int vnet_xmit(struct netdev *dev, struct netbuf *nb)
{
	struct vnet *vn = dev->priv;
	struct virtq_buf buf[2];

	if (vn->broken)
		return -XEN_EIO;
	if (nb->len < ETH_HLEN || nb->len > dev->max_frame)
		return -XEN_EINVAL;
	/* A GSO packet needs the device to segment it and to fill each
	 * segment's checksum: the backend only sends what features allow. */
	if (nb->gso_type != NETBUF_GSO_NONE &&
	    (!nb->csum_partial ||
	     !(dev->features &
	       (nb->gso_type == NETBUF_GSO_TCPV4 ? NETDEV_F_TSO4
						 : NETDEV_F_TSO6))))
		return -XEN_EINVAL;
	/* Collected here, never calling tx_ready: the caller is the
	 * backend, in the middle of sending. */
	if (virtqueue_nr_free(&vn->txq) < 2)
		reap_tx(vn);
	if (virtqueue_nr_free(&vn->txq) < 2) {
		/* Full: interrupt when the device frees some, then look
		 * once more in case it did before the flag was seen. */
		vn->tx_waiting = 1;
		tx_interrupts(vn, 1);
		reap_tx(vn);
		if (vn->broken || virtqueue_nr_free(&vn->txq) < 2)
			return -XEN_EBUSY;
		vn->tx_waiting = 0;
		tx_interrupts(vn, 0);
	}
	fill_header(vn, nb);
	buf[0] =
	    (struct virtq_buf){ nb->maddr, sizeof(struct virtio_net_hdr), 0 };
	buf[1] = (struct virtq_buf){ nb->maddr + NETBUF_HEADROOM, nb->len, 0 };
	if (virtqueue_add(&vn->txq, buf, 2, nb) < 0)
		return -XEN_EBUSY;
	dev->tx_packets++;
	if (virtqueue_publish(&vn->txq))
		virtio_pci_notify(&vn->vp, TXQ);
	return 0;
}

/* ---- completions ---- */

/* The device broke the ring protocol: reset it (no more DMA), then take
 * back every buffer it held by tearing the queues down with it. */
static void vnet_break(struct vnet *vn)
{
	pr_err("virtio-net %s: bad used ring entry: device reset, NIC "
	       "disabled\n",
	       vn->name);
	vn->broken = 1;
	virtio_pci_reset(&vn->vp);
}

/* Frees the buffers of completed transmissions; how many. */
static int reap_tx(struct vnet *vn)
{
	void *cookie;
	uint32_t len;
	int r, freed = 0;

	if (vn->broken)
		return 0;
	while ((r = virtqueue_get_used(&vn->txq, &cookie, &len)) == 1) {
		netbuf_free(cookie);
		freed++;
	}
	if (r < 0)
		vnet_break(vn);
	return freed;
}

/* From the interrupt: collect, and tell a waiting backend there is
 * room again. */
static void drain_tx(struct vnet *vn)
{
	int freed = reap_tx(vn);

	if (vn->broken)
		return;
	if (freed && vn->tx_waiting) {
		vn->tx_waiting = 0;
		tx_interrupts(vn, 0);
		if (vn->dev.tx_ready)
			vn->dev.tx_ready(&vn->dev);
	}
}

/* What the device's header says is left to do for a received frame;
 * -1 for a header we did not negotiate or that points outside it. */
static int read_header(struct netbuf *nb)
{
	const struct virtio_net_hdr *h =
	    (const struct virtio_net_hdr *)nb->base;
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (h->csum_start >= nb->len ||
		    h->csum_offset + 2u > nb->len - h->csum_start)
			return -1;
		nb->csum_partial = 1;
		nb->csum_start = h->csum_start;
		nb->csum_offset = h->csum_offset;
	} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		nb->csum_valid = 1;
	}
	if (gso == VIRTIO_NET_HDR_GSO_NONE)
		return 0;
	if ((gso != VIRTIO_NET_HDR_GSO_TCPV4 &&
	     gso != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    h->gso_size == 0 || !nb->csum_partial)
		return -1;
	nb->gso_type = gso == VIRTIO_NET_HDR_GSO_TCPV4 ? NETBUF_GSO_TCPV4
						       : NETBUF_GSO_TCPV6;
	nb->gso_size = h->gso_size;
	return 0;
}

static void drain_rx(struct vnet *vn)
{
	void *cookie;
	uint32_t len;
	int r;

	while ((r = virtqueue_get_used(&vn->rxq, &cookie, &len)) == 1) {
		struct netbuf *nb = cookie;

		vn->rx_posted--;
		if (len < sizeof(struct virtio_net_hdr) + ETH_HLEN ||
		    len - sizeof(struct virtio_net_hdr) > NETBUF_MAX_FRAME ||
		    !vn->dev.receive) {
			netbuf_free(nb);
			continue;
		}
		nb->len = len - (uint32_t)sizeof(struct virtio_net_hdr);
		if (read_header(nb)) {
			vn->rx_bad_header++;
			netbuf_free(nb);
			continue;
		}
		vn->dev.rx_packets++;
		vn->dev.receive(&vn->dev, nb);
	}
	if (r < 0)
		vnet_break(vn);
}

static void vnet_interrupt(void *arg)
{
	struct vnet *vn = arg;

	if (vn->broken)
		return;
	if (virtio_pci_isr(&vn->vp))
		vn->dev.interrupts++;
	drain_tx(vn);
	if (!vn->broken)
		drain_rx(vn);
	vnet_refill(&vn->dev);
}

/* ---- set-up ---- */

static int vnet_setup(struct vnet *vn, struct pci_dev *pci)
{
	uint32_t f;
	unsigned int i;
	int err = virtio_pci_init(&vn->vp, pci, "virtio-net");

	if (err)
		return err;
	f = virtio_pci_negotiate(&vn->vp, VNET_FEATURES);
	vn->csum = !!(f & BIT(VIRTIO_NET_F_CSUM));
	vn->dev.features =
	    (vn->csum ? NETDEV_F_CSUM : 0) |
	    (vn->csum && (f & BIT(VIRTIO_NET_F_HOST_TSO4)) ? NETDEV_F_TSO4
							   : 0) |
	    (vn->csum && (f & BIT(VIRTIO_NET_F_HOST_TSO6)) ? NETDEV_F_TSO6
							   : 0) |
	    (f & BIT(VIRTIO_NET_F_GUEST_TSO4) ? NETDEV_F_RX_GSO : 0);
	for (i = 0; i < 6; i++)
		vn->dev.mac[i] =
		    f & 1u << VIRTIO_NET_F_MAC
			? virtio_pci_config8(&vn->vp, VNET_CFG_MAC + i)
			: (uint8_t)(i == 0 ? 0x02 : i);
	err = virtio_pci_setup_queue(&vn->vp, RXQ, 2, &vn->rxq);
	if (!err)
		err = virtio_pci_setup_queue(&vn->vp, TXQ, 2, &vn->txq);
	if (err) {
		virtio_pci_fail(&vn->vp);
		return err;
	}
	vn->gsi = irq_attach_pci(pci, vnet_interrupt, vn);
	tx_interrupts(vn, 0);
	virtio_pci_driver_ok(&vn->vp);
	vnet_refill(&vn->dev);
	return 0;
}

static void vnet_probe(struct pci_dev *pci)
{
	struct vnet *vn = xzalloc(sizeof(*vn));
	int err;

	if (!vn || nr_nics == VNET_MAX_NICS) {
		pr_warn("virtio-net: %02x:%02x.%u ignored (%s)\n", pci->bus,
			pci->slot, pci->fn, vn ? "too many NICs" : "no memory");
		xfree(vn);
		return;
	}
	snprintf(vn->name, sizeof(vn->name), "vnet%u", nr_nics);
	vn->dev = (struct netdev){ .name = vn->name,
				   .max_frame = NETBUF_MAX_FRAME,
				   .xmit = vnet_xmit,
				   .refill = vnet_refill,
				   .priv = vn };
	err = vnet_setup(vn, pci);
	if (err) {
		pr_warn("virtio-net: %02x:%02x.%u not usable (error %d)\n",
			pci->bus, pci->slot, pci->fn, err);
		xfree(vn);
		return;
	}
	nics[nr_nics++] = vn;
	pr_info("virtio-net %s: pci %02x:%02x.%u io 0x%x, queues %u/%u, %u "
		"receive buffers, %s%s%s, %s\n",
		vn->name, pci->bus, pci->slot, pci->fn, vn->vp.io, vn->rxq.size,
		vn->txq.size, vn->rx_posted,
		vn->csum ? "checksum offload" : "checksums in software",
		vn->dev.features & NETDEV_F_TSO4 ? ", TSO" : "",
		vn->dev.features & NETDEV_F_RX_GSO ? ", receives GSO" : "",
		vn->gsi >= 0 ? "INTx" : "NO INTERRUPT LINE (receive stalls)");
	if (netdev_register(&vn->dev))
		pr_warn("virtio-net %s: no netdev slot left\n", vn->name);
}

void virtio_net_init(void)
{
	struct pci_dev *pci;
	unsigned int i;

	if (!pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_NET, 0))
		return;
	if (netbuf_pool_init(VNET_POOL)) {
		pr_err("virtio-net: no memory for %u packet buffers\n",
		       VNET_POOL);
		return;
	}
	for (i = 0;
	     (pci = pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_NET, i)); i++)
		vnet_probe(pci);
}

/*
 * The network backend (SOSP'03 3.3.5, Figure 1; PV-BOOT.md 7.4): each
 * domain's virtual interface (VIF) is served to Linux's unmodified
 * xen-netfront, and every frame passes the virtual firewall-router (VFR,
 * io/vfr.c) on its way between VIFs and the machine's NIC ("the wire",
 * drivers/virtio_net.c).
 *
 * Handshake, through the in-hypervisor xenstore: the backend directory
 * starts in InitWait with feature-rx-copy (the only receive mode Linux
 * still has) and feature-sg. The frontend writes tx-ring-ref, rx-ring-ref,
 * event-channel and its features, then goes Connected itself; we then
 * acquire both ring pages through the grant table (held writable while
 * connected), bind the event channel to us and go Connected too.
 *
 * Transmit (guest -> VFR). A packet is one or more slots on the tx ring
 * (netif.h: the first slot's size is the total; NETTXF_more_data chains
 * slots; NETTXF_extra_info adds extra-info slots after the first). Slots
 * are copied out of the ring before they are looked at, a packet is
 * checked whole (io/netif_check.c) before any grant is taken, then its
 * bytes are copied out of the granted pages into a hypervisor buffer
 * (a copy, not DMA from the guest's pages: the VFR decides on the bytes
 * that are sent, which the guest can no longer change), every slot is
 * answered, and the buffer is routed. A slot the guest never completes
 * (more_data on every slot) stalls only that guest's transmit ring.
 * Frontend checksum offload: a slot with NETTXF_csum_blank carries a
 * TCP/UDP checksum holding only the pseudo-header sum; the buffer is
 * marked so the NIC (or drivers/virtio_net.c in software) fills it.
 * Segmentation offload (feature-gso-tcpv4/6, offered when the NIC can
 * segment): a GSO extra-info slot makes the packet a TCP super-packet of
 * up to 64 KiB that the NIC cuts into MSS-sized segments on the wire.
 *
 * Receive (VFR -> guest). A frame for a VIF joins that VIF's queue (at
 * most VIF_RXQ_MAX frames; beyond, and for a disconnected VIF, it is
 * dropped and counted); the queue drains into the buffers the guest
 * posted on its rx ring, a page per slot (frames over a page use several
 * slots with NETRXF_more_data, which netfront accepts since it always
 * writes feature-sg=1). With no buffer posted, the backend sets req_event
 * so that netfront's next post notifies it (feature-rx-notify). A GSO
 * super-packet from the NIC (or another VIF) goes to a frontend that
 * accepts GSO (it writes feature-gso-tcpv4/6) with a GSO extra-info slot
 * after its first slot; a frontend that does not gets none (dropped).
 *
 * Routing (the VFR's accept action): a frame to a unicast MAC goes to
 * the VIF with that MAC, else (from a VIF) to the wire; broadcast and
 * multicast go to every other VIF as copies and (from a VIF) to the
 * wire. A frame a VIF sends with a source MAC other than its own is
 * dropped (anti-spoofing). drop and to-dN rules override.
 *
 * Scheduling: VIFs transmit round-robin when the wire has room again
 * (tx_ready), VIF_TX_BATCH packets per turn, so one busy domain cannot
 * starve the others; a packet the wire could not take waits in its VIF
 * (tx_held) and goes first on its next turn.
 *
 * Concurrency: one CPU, the hypervisor runs with interrupts off; the
 * guest's event (a hypercall) and the NIC's interrupt never interleave.
 */
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <boot/options.h>
#include <domain/config.h>
#include <domain/domain.h>
#include <drivers/netdev.h>
#include <event/evtchn.h>
#include <grant/gnttab_domain.h>
#include <grant/grant_table.h>
#include <io/netback.h>
#include <io/netif_check.h>
#include <io/netpkt.h>
#include <io/vfr.h>
#include <io/xenbus_backend.h>
#include <mm/frame_table.h>
#include <public/pvx.h>

#include <xen/io/xenbus.h>

#define NR_TX_SLOTS  __CONST_RING_SIZE(netif_tx, PAGE_SIZE)
#define VIF_RXQ_MAX  256
#define VIF_TX_BATCH 16
#define MAX_VIFS     MAX_BOOT_DOMAINS
/* Report the first few malformed packets of each VIF, count the rest. */
#define VIF_LOG_LIMIT 8

struct vif {
	struct domain *d;
	uint8_t mac[ETH_ALEN];
	struct xb_dev xb;
	int connected, broken, rx_sg, rx_gso4, rx_gso6;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	grant_handle_t tx_handle, rx_handle;
	unsigned int port;
	struct netbuf *rxq_head, *rxq_tail;
	unsigned int rxq_len;
	struct netbuf *tx_held; /* routed to the wire, which was full */
	unsigned int logged;
};

/* One packet's slots as read from the tx ring. */
struct tx_scan {
	struct netif_tx_request data[NETIF_TX_MAX_SLOTS];
	unsigned int nr_data;  /* data slots (may exceed the array) */
	unsigned int nr_slots; /* ring slots, extra-info ones included */
	int bad_extra;	       /* an extra-info slot we did not offer */
	enum netbuf_gso gso_type;
	uint16_t gso_size;
	uint16_t id[NR_TX_SLOTS];
	uint8_t is_extra[NR_TX_SLOTS];
};

static struct vif vifs[MAX_VIFS];
static unsigned int nr_vifs, rr_next;
static struct vfr vfr;
static struct netdev *wire;
static struct tx_scan scan; /* one CPU, never re-entered: see above */
static uint64_t wire_unclaimed, wire_vfr_dropped;

static void vif_log(struct vif *v, const char *what, unsigned int n)
{
	if (v->logged < VIF_LOG_LIMIT) {
		v->logged++;
		printk("(PVX) d%u: netback: %s (%u)%s\n", v->d->domid, what, n,
		       v->logged == VIF_LOG_LIMIT ? "; further ones counted "
						    "only"
						  : "");
	}
}

static struct vif *vif_by_domid(unsigned int domid)
{
	unsigned int i;

	for (i = 0; i < nr_vifs; i++)
		if (vifs[i].d->domid == domid)
			return &vifs[i];
	return NULL;
}

static struct vif *vif_by_mac(const uint8_t *mac)
{
	unsigned int i;

	for (i = 0; i < nr_vifs; i++)
		if (!memcmp(vifs[i].mac, mac, ETH_ALEN))
			return &vifs[i];
	return NULL;
}

static void refill_wire(void)
{
	if (wire)
		wire->refill(wire);
}

static void notified(struct domain *d, unsigned int port);

/* ---- receive: frames into the guest's posted buffers ---- */

static void rx_respond(struct vif *v, uint16_t id, uint16_t flags,
		       int16_t status)
{
	netif_rx_response_t *r = RING_GET_RESPONSE(&v->rx, v->rx.rsp_prod_pvt);

	r->id = id;
	r->offset = 0;
	r->flags = flags;
	r->status = status;
	v->rx.rsp_prod_pvt++;
}

/* The GSO extra-info response that follows a super-packet's first slot;
 * it uses up a posted buffer like any slot (netfront recycles it). */
static void rx_gso_extra(struct vif *v, const struct netbuf *nb)
{
	netif_extra_info_t *x;

	v->rx.req_cons++;
	x = (netif_extra_info_t *)RING_GET_RESPONSE(&v->rx, v->rx.rsp_prod_pvt);
	memset(x, 0, sizeof(*x));
	x->type = XEN_NETIF_EXTRA_TYPE_GSO;
	x->u.gso.size = nb->gso_size;
	x->u.gso.type = nb->gso_type == NETBUF_GSO_TCPV4
			    ? XEN_NETIF_GSO_TYPE_TCPV4
			    : XEN_NETIF_GSO_TYPE_TCPV6;
	v->rx.rsp_prod_pvt++;
}

static uint16_t rx_first_flags(const struct netbuf *nb)
{
	uint16_t flags = 0;

	if (nb->csum_partial)
		flags |= NETRXF_csum_blank | NETRXF_data_validated;
	else if (nb->csum_valid)
		flags |= NETRXF_data_validated;
	if (nb->gso_type != NETBUF_GSO_NONE)
		flags |= NETRXF_extra_info;
	return flags;
}

/* Copies nb into the next slots of the rx ring (the caller checked
 * there are enough) and answers them. */
static void rx_copy(struct vif *v, const struct netbuf *nb)
{
	struct grant_table *t = domain_grant_table(v->d);
	unsigned int off = 0, first = 1;

	while (off < nb->len) {
		netif_rx_request_t req;
		unsigned int n = MIN(nb->len - off, (unsigned int)PAGE_SIZE);
		uint16_t flags = off + n < nb->len ? NETRXF_more_data : 0;
		grant_handle_t h;
		uint64_t mfn;

		RING_COPY_REQUEST(&v->rx, v->rx.req_cons, &req);
		v->rx.req_cons++;
		if (first)
			flags |= rx_first_flags(nb);
		if (gnttab_acquire(t, req.gref, GNTTAB_WRITE, &mfn, &h) !=
		    GNTST_okay) {
			v->d->counters.net_rx_dropped++;
			vif_log(v, "an rx buffer's grant is unusable",
				req.gref);
			rx_respond(v, req.id, flags, NETIF_RSP_ERROR);
		} else {
			memcpy(mfn_to_virt(mfn), netbuf_data(nb) + off, n);
			gnttab_release(t, h);
			rx_respond(v, req.id, flags, (int16_t)n);
		}
		if (first && nb->gso_type != NETBUF_GSO_NONE)
			rx_gso_extra(v, nb);
		first = 0;
		off += n;
	}
	v->d->counters.net_rx_packets++;
	v->d->counters.net_rx_bytes += nb->len;
}

static unsigned int slots_for(const struct netbuf *nb)
{
	return (nb->len + PAGE_SIZE - 1) / PAGE_SIZE +
	       (nb->gso_type != NETBUF_GSO_NONE);
}

static int rx_accepts(const struct vif *v, const struct netbuf *nb)
{
	if (nb->len > PAGE_SIZE && !v->rx_sg)
		return 0;
	if (nb->gso_type == NETBUF_GSO_TCPV4)
		return v->rx_gso4;
	return nb->gso_type != NETBUF_GSO_TCPV6 || v->rx_gso6;
}

/* Free rx slots the guest posted, or -1 if its producer index is more
 * than a ring ahead (the ring is then ignored). */
static int rx_posted(struct vif *v)
{
	RING_IDX rp = v->rx.sring->req_prod;

	xen_rmb();
	if (rp - v->rx.req_cons > RING_SIZE(&v->rx)) {
		printk("(PVX) d%u: netback: rx producer %u is more than a "
		       "ring ahead of %u: VIF disabled\n",
		       v->d->domid, rp, v->rx.req_cons);
		v->broken = 1;
		v->d->counters.net_rx_dropped++;
		return -1;
	}
	return (int)(rp - v->rx.req_cons);
}

static void rx_drop_queue(struct vif *v)
{
	while (v->rxq_head) {
		struct netbuf *nb = v->rxq_head;

		v->rxq_head = nb->next;
		v->d->counters.net_rx_dropped++;
		netbuf_free(nb);
	}
	v->rxq_tail = NULL;
	v->rxq_len = 0;
}

static void rx_flush(struct vif *v)
{
	int notify, posted, freed = 0;

	if (!v->connected || v->broken) {
		freed = v->rxq_len != 0;
		rx_drop_queue(v);
		goto out;
	}
	while (v->rxq_head) {
		struct netbuf *nb = v->rxq_head;
		unsigned int need = slots_for(nb);

		posted = rx_posted(v);
		if (posted < 0) {
			rx_drop_queue(v);
			freed = 1;
			break;
		}
		if ((unsigned int)posted < need) {
			/* Ask for an event when enough buffers are posted. */
			v->rx.sring->req_event = v->rx.req_cons + need;
			xen_mb();
			posted = rx_posted(v);
			if (posted < 0 || (unsigned int)posted < need)
				break;
		}
		rx_copy(v, nb);
		v->rxq_head = nb->next;
		if (!v->rxq_head)
			v->rxq_tail = NULL;
		v->rxq_len--;
		netbuf_free(nb);
		freed = 1;
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->rx, notify);
	if (notify)
		evtchn_backend_notify(v->d, v->port, notified);
out:
	if (freed)
		refill_wire();
}

/* Takes nb: queued for v's guest, or dropped. */
static void rx_enqueue(struct vif *v, struct netbuf *nb)
{
	if (!v->connected || v->broken || v->rxq_len >= VIF_RXQ_MAX ||
	    !rx_accepts(v, nb)) {
		v->d->counters.net_rx_dropped++;
		netbuf_free(nb);
		return;
	}
	nb->next = NULL;
	if (v->rxq_tail)
		v->rxq_tail->next = nb;
	else
		v->rxq_head = nb;
	v->rxq_tail = nb;
	v->rxq_len++;
	rx_flush(v);
}

/* ---- routing through the VFR ---- */

/* Sends nb on the wire for src (NULL: not from a VIF). 0 if taken or
 * dropped, -XEN_EBUSY if the wire is full (the caller keeps nb). */
static int to_wire(struct vif *src, struct netbuf *nb)
{
	int rc = wire ? wire->xmit(wire, nb) : -XEN_ENODEV;

	if (rc == -XEN_EBUSY)
		return rc;
	if (rc) {
		if (src)
			src->d->counters.net_tx_dropped++;
		netbuf_free(nb);
	}
	return 0;
}

static void copy_to_vif(struct vif *v, const struct netbuf *nb)
{
	struct netbuf *c = netbuf_alloc();

	if (!c) {
		v->d->counters.net_rx_dropped++;
		return;
	}
	memcpy(netbuf_data(c), netbuf_data(nb), nb->len);
	c->len = nb->len;
	c->csum_partial = nb->csum_partial;
	c->csum_start = nb->csum_start;
	c->csum_offset = nb->csum_offset;
	c->csum_valid = nb->csum_valid;
	c->gso_type = nb->gso_type;
	c->gso_size = nb->gso_size;
	rx_enqueue(v, c);
}

static void vfr_drop(struct vif *src, struct netbuf *nb)
{
	if (src)
		src->d->counters.net_vfr_dropped++;
	else
		wire_vfr_dropped++;
	netbuf_free(nb);
}

/* Routes nb, which came from src (NULL: the wire). Returns -XEN_EBUSY
 * if it must go to the wire and the wire is full: the caller keeps nb
 * and retries to_wire() later. */
static int route(struct vif *src, struct netbuf *nb)
{
	struct netpkt_info pi;
	struct vfr_rule *r;
	struct vif *dst;
	unsigned int i;

	netpkt_parse(netbuf_data(nb), nb->len, &pi); /* len >= ETH_HLEN */
	if (src && memcmp(pi.src_mac, src->mac, ETH_ALEN)) {
		vif_log(src, "frame with another source MAC dropped", 0);
		vfr_drop(src, nb);
		return 0;
	}
	r = vfr_match(&vfr, src ? (int)src->d->domid : VFR_FROM_WIRE, &pi);
	if (r && r->action == VFR_DROP) {
		vfr_drop(src, nb);
		return 0;
	}
	if (r && r->action == VFR_DELIVER) {
		dst = vif_by_domid(r->to);
		if (!dst || dst == src)
			vfr_drop(src, nb);
		else
			rx_enqueue(dst, nb);
		return 0;
	}
	if (netpkt_is_multicast(pi.dst_mac)) {
		for (i = 0; i < nr_vifs; i++)
			if (&vifs[i] != src)
				copy_to_vif(&vifs[i], nb);
		if (src)
			return to_wire(src, nb);
		netbuf_free(nb);
		return 0;
	}
	dst = vif_by_mac(pi.dst_mac);
	if (dst && dst != src) {
		rx_enqueue(dst, nb);
		return 0;
	}
	if (src)
		return to_wire(src, nb);
	wire_unclaimed++;
	netbuf_free(nb);
	return 0;
}

/* ---- transmit: packets off the guest's tx ring ---- */

static void tx_respond(struct vif *v, uint16_t id, int16_t status)
{
	netif_tx_response_t *r = RING_GET_RESPONSE(&v->tx, v->tx.rsp_prod_pvt);

	r->id = id;
	r->status = status;
	v->tx.rsp_prod_pvt++;
}

/* A GSO extra-info slot: honoured if we offered that GSO type (the NIC
 * can segment it) and it is well formed, else the packet is refused. */
static void tx_scan_gso(struct tx_scan *p, const netif_extra_info_t *x)
{
	unsigned int f = wire ? wire->features : 0;

	if (x->u.gso.size == 0 || p->gso_type != NETBUF_GSO_NONE)
		p->bad_extra = 1;
	else if (x->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 &&
		 (f & NETDEV_F_TSO4))
		p->gso_type = NETBUF_GSO_TCPV4;
	else if (x->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6 &&
		 (f & NETDEV_F_TSO6))
		p->gso_type = NETBUF_GSO_TCPV6;
	else
		p->bad_extra = 1;
	p->gso_size = x->u.gso.size;
}

/* Reads one packet's slots (from req_cons, avail of them there) into
 * scan without consuming them: 1 if the packet is complete, 0 if its
 * slots are not all there yet. */
static int tx_scan(struct vif *v, RING_IDX avail)
{
	struct tx_scan *p = &scan;
	netif_tx_request_t s;
	union {
		netif_tx_request_t slot;
		netif_extra_info_t x;
	} e;
	uint16_t flags;

	p->nr_data = p->nr_slots = 0;
	p->bad_extra = 0;
	p->gso_type = NETBUF_GSO_NONE;
	p->gso_size = 0;
	if (avail == 0)
		return 0;
	RING_COPY_REQUEST(&v->tx, v->tx.req_cons, &s);
	p->data[p->nr_data++] = s;
	p->id[p->nr_slots] = s.id;
	p->is_extra[p->nr_slots++] = 0;
	flags = s.flags;
	if (flags & NETTXF_extra_info) {
		do {
			if (p->nr_slots == avail)
				return 0;
			RING_COPY_REQUEST(&v->tx, v->tx.req_cons + p->nr_slots,
					  &e.slot);
			if (e.x.type == XEN_NETIF_EXTRA_TYPE_GSO)
				tx_scan_gso(p, &e.x);
			else if (e.x.type == XEN_NETIF_EXTRA_TYPE_NONE ||
				 e.x.type >= XEN_NETIF_EXTRA_TYPE_MAX)
				p->bad_extra = 1;
			/* Multicast control and hashes are ignored. */
			p->id[p->nr_slots] = 0;
			p->is_extra[p->nr_slots++] = 1;
		} while ((e.x.flags & XEN_NETIF_EXTRA_FLAG_MORE) &&
			 p->nr_slots < 1 + XEN_NETIF_EXTRA_TYPE_MAX);
	}
	while (flags & NETTXF_more_data) {
		if (p->nr_slots == avail)
			return 0;
		RING_COPY_REQUEST(&v->tx, v->tx.req_cons + p->nr_slots, &s);
		if (p->nr_data < NETIF_TX_MAX_SLOTS)
			p->data[p->nr_data] = s;
		p->nr_data++;
		p->id[p->nr_slots] = s.id;
		p->is_extra[p->nr_slots++] = 0;
		flags = s.flags;
	}
	return 1;
}

/* Answers and consumes the scanned packet's slots. */
static void tx_finish(struct vif *v, int16_t status)
{
	unsigned int i;

	for (i = 0; i < scan.nr_slots; i++)
		tx_respond(v, scan.id[i],
			   scan.is_extra[i] ? NETIF_RSP_NULL : status);
	v->tx.req_cons += scan.nr_slots;
}

/* Copies the scanned packet into nb; 0, or -1 if a grant is unusable. */
static int tx_copy(struct vif *v, struct netbuf *nb, unsigned int first_len)
{
	struct grant_table *t = domain_grant_table(v->d);
	unsigned int i, off = 0;

	for (i = 0; i < scan.nr_data; i++) {
		const netif_tx_request_t *s = &scan.data[i];
		unsigned int n = i ? s->size : first_len;
		grant_handle_t h;
		uint64_t mfn;

		if (gnttab_acquire(t, s->gref, GNTTAB_READ, &mfn, &h) !=
		    GNTST_okay) {
			vif_log(v, "a tx slot's grant is unusable", s->gref);
			return -1;
		}
		memcpy(netbuf_data(nb) + off,
		       (uint8_t *)mfn_to_virt(mfn) + s->offset, n);
		gnttab_release(t, h);
		off += n;
	}
	nb->len = off;
	return 0;
}

/* Marks the transport checksum the frontend left blank; 0, or -1 if a
 * GSO packet is not TCP of the IP version its GSO type says. */
static int mark_offloads(struct netbuf *nb, int csum_blank)
{
	struct netpkt_info pi;
	unsigned int start, offset;
	int tcp;

	netpkt_parse(netbuf_data(nb), nb->len, &pi);
	tcp = pi.proto == IPPROTO_TCP && pi.l4_off;
	if (scan.gso_type != NETBUF_GSO_NONE) {
		if (!csum_blank || !tcp ||
		    pi.ip_version !=
			(scan.gso_type == NETBUF_GSO_TCPV4 ? 4 : 6))
			return -1;
		nb->gso_type = scan.gso_type;
		nb->gso_size = scan.gso_size;
	}
	if (csum_blank && netpkt_csum_location(&pi, &start, &offset) == 0) {
		nb->csum_partial = 1;
		nb->csum_start = (uint16_t)start;
		nb->csum_offset = (uint16_t)offset;
	}
	return 0;
}

/* Handles one complete scanned packet. -XEN_EBUSY: it is held for the
 * wire; -XEN_ENOMEM: no buffer, nothing consumed; else 0. */
static int tx_packet(struct vif *v)
{
	enum netif_tx_verdict bad = NETIF_TX_OK;
	unsigned int first_len = 0;
	struct netbuf *nb;

	if (scan.nr_data > NETIF_TX_MAX_SLOTS)
		bad = NETIF_TX_TOO_MANY_SLOTS;
	else
		bad = netif_tx_check(scan.data, scan.nr_data,
				     wire ? wire->max_frame : NETBUF_MAX_FRAME,
				     &first_len);
	if (bad != NETIF_TX_OK || scan.bad_extra) {
		vif_log(v,
			scan.bad_extra ? "tx extra-info slot not offered"
				       : netif_tx_reason(bad),
			scan.data[0].size);
		v->d->counters.net_tx_errors++;
		tx_finish(v, NETIF_RSP_ERROR);
		return 0;
	}
	nb = netbuf_alloc();
	if (!nb)
		return -XEN_ENOMEM;
	if (tx_copy(v, nb, first_len)) {
		netbuf_free(nb);
		v->d->counters.net_tx_errors++;
		tx_finish(v, NETIF_RSP_ERROR);
		return 0;
	}
	if (mark_offloads(nb, scan.data[0].flags & NETTXF_csum_blank)) {
		vif_log(v, "GSO packet that is not TCP with a blank checksum",
			nb->len);
		netbuf_free(nb);
		v->d->counters.net_tx_errors++;
		tx_finish(v, NETIF_RSP_ERROR);
		return 0;
	}
	tx_finish(v, NETIF_RSP_OKAY);
	v->d->counters.net_tx_packets++;
	v->d->counters.net_tx_bytes += nb->len;
	if (route(v, nb) == -XEN_EBUSY) {
		v->tx_held = nb;
		return -XEN_EBUSY;
	}
	return 0;
}

/* Serves up to budget packets of v's tx ring; 1 if it stopped with
 * work left (budget, or waiting for the wire or for buffers). */
static int tx_serve(struct vif *v, unsigned int budget)
{
	int notify, more = 0, stalled = 0;
	RING_IDX rp;

	if (!v->connected || v->broken)
		return 0;
	if (v->tx_held) {
		if (to_wire(v, v->tx_held) == -XEN_EBUSY)
			return 1;
		v->tx_held = NULL;
	}
	do {
		rp = v->tx.sring->req_prod;
		xen_rmb();
		if (rp - v->tx.req_cons > RING_SIZE(&v->tx)) {
			printk("(PVX) d%u: netback: tx producer %u is more "
			       "than a ring ahead of %u: VIF disabled\n",
			       v->d->domid, rp, v->tx.req_cons);
			v->broken = 1;
			v->d->counters.net_tx_errors++;
			return 0;
		}
		while (!stalled && budget && tx_scan(v, rp - v->tx.req_cons)) {
			stalled = tx_packet(v) != 0;
			budget--;
		}
		if (!stalled && budget &&
		    rp - v->tx.req_cons == RING_SIZE(&v->tx)) {
			/* A full ring and still no whole packet. */
			vif_log(v, "tx packet never ends: VIF disabled", rp);
			v->broken = 1;
			v->d->counters.net_tx_errors++;
			break;
		}
		if (stalled || !budget)
			break;
		RING_FINAL_CHECK_FOR_REQUESTS(&v->tx, more);
	} while (more);
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->tx, notify);
	if (notify)
		evtchn_backend_notify(v->d, v->port, notified);
	return stalled || !budget;
}

/* The wire has room again: every VIF gets turns of VIF_TX_BATCH
 * packets, starting after the one that went first last time. */
static void wire_tx_ready(struct netdev *dev)
{
	unsigned int i, busy;

	(void)dev;
	do {
		busy = 0;
		for (i = 0; i < nr_vifs; i++) {
			struct vif *v = &vifs[(rr_next + i) % nr_vifs];

			busy += (unsigned int)tx_serve(v, VIF_TX_BATCH);
			if (v->tx_held)
				return; /* the wire is full again */
		}
		rr_next = nr_vifs ? (rr_next + 1) % nr_vifs : 0;
	} while (busy && netbuf_nr_free());
}

static void wire_receive(struct netdev *dev, struct netbuf *nb)
{
	(void)dev;
	route(NULL, nb);
}

/* ---- the guest's event ---- */

static void notified(struct domain *d, unsigned int port)
{
	struct vif *v = d->vif;

	(void)port;
	if (!v)
		return;
	tx_serve(v, ~0u);
	rx_flush(v);
}

/* ---- connection ---- */

static int map_ring(struct vif *v, const char *node, grant_handle_t *h,
		    void **ring)
{
	uint64_t ref, mfn;

	if (xb_read_uint(&v->xb, node, &ref))
		return -XEN_EINVAL;
	if (gnttab_acquire(domain_grant_table(v->d), (grant_ref_t)ref,
			   GNTTAB_WRITE, &mfn, h) != GNTST_okay)
		return -XEN_EPERM;
	*ring = mfn_to_virt(mfn);
	return 0;
}

static int connect(struct vif *v)
{
	struct grant_table *t = domain_grant_table(v->d);
	uint64_t port, copy = 0, notify = 0, sg = 0, gso = 0;
	void *txs, *rxs;

	if (xb_read_uint(&v->xb, "event-channel", &port) ||
	    xb_read_uint(&v->xb, "request-rx-copy", &copy) || copy != 1 ||
	    xb_read_uint(&v->xb, "feature-rx-notify", &notify) || notify != 1)
		return -XEN_EINVAL;
	xb_read_uint(&v->xb, "feature-sg", &sg);
	v->rx_gso4 = v->rx_gso6 = 0;
	if (xb_read_uint(&v->xb, "feature-gso-tcpv4", &gso) == 0)
		v->rx_gso4 = gso == 1;
	if (xb_read_uint(&v->xb, "feature-gso-tcpv6", &gso) == 0)
		v->rx_gso6 = gso == 1;
	if (map_ring(v, "tx-ring-ref", &v->tx_handle, &txs))
		return -XEN_EPERM;
	if (map_ring(v, "rx-ring-ref", &v->rx_handle, &rxs)) {
		gnttab_release(t, v->tx_handle);
		return -XEN_EPERM;
	}
	if (evtchn_bind_backend(v->d, (unsigned int)port, notified)) {
		gnttab_release(t, v->tx_handle);
		gnttab_release(t, v->rx_handle);
		return -XEN_EINVAL;
	}
	v->port = (unsigned int)port;
	v->rx_sg = sg == 1;
	BACK_RING_INIT(&v->tx, (netif_tx_sring_t *)txs, PAGE_SIZE);
	BACK_RING_INIT(&v->rx, (netif_rx_sring_t *)rxs, PAGE_SIZE);
	v->connected = 1;
	v->broken = 0;
	xb_set_state(&v->xb, XenbusStateConnected);
	pr_info("d%u: netback: eth0 connected (event channel %lu%s%s)\n",
		v->d->domid, port, v->rx_sg ? ", scatter-gather" : "",
		v->rx_gso4 ? ", receives GSO" : "");
	return 0;
}

static void disconnect(struct vif *v)
{
	struct grant_table *t = domain_grant_table(v->d);

	if (v->connected) {
		v->connected = 0;
		rx_drop_queue(v);
		if (v->tx_held) {
			netbuf_free(v->tx_held);
			v->tx_held = NULL;
		}
		gnttab_release(t, v->tx_handle);
		gnttab_release(t, v->rx_handle);
		refill_wire();
	}
	xb_set_state(&v->xb, XenbusStateClosed);
}

static void frontend_changed(void *arg, uint16_t domid, const char *path)
{
	struct vif *v = arg;
	uint64_t state;

	(void)path;
	if (domid != v->d->domid || xb_read_uint(&v->xb, "state", &state))
		return;
	if ((state == XenbusStateInitialised ||
	     state == XenbusStateConnected) &&
	    !v->connected) {
		if (connect(v)) {
			printk("(PVX) d%u: netback: the frontend's rings, "
			       "event channel or features are unusable\n",
			       v->d->domid);
			xb_set_state(&v->xb, XenbusStateClosing);
		}
	} else if (state == XenbusStateClosing || state == XenbusStateClosed) {
		disconnect(v);
	}
}

/* ---- set-up ---- */

static void format_mac(char *buf, const uint8_t *m)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < ETH_ALEN; i++) {
		buf[3 * i] = hex[m[i] >> 4];
		buf[3 * i + 1] = hex[m[i] & 15];
		buf[3 * i + 2] = i < ETH_ALEN - 1 ? ':' : '\0';
	}
}

int netback_init(void)
{
	char err[200];

	if (vfr_parse(hv_opts.vfr, &vfr, err, sizeof(err))) {
		printk("(PVX) error: command line: %s\n", err);
		return -XEN_EINVAL;
	}
	if (vfr.nr)
		pr_info("vfr: %u rules\n", vfr.nr);
	wire = netdev_get(0);
	if (wire) {
		wire->receive = wire_receive;
		wire->tx_ready = wire_tx_ready;
	}
	return 0;
}

int netback_setup(struct domain *d, const struct vif_config *cfg)
{
	struct vif *v;
	char mac[18];
	int rc;

	if (nr_vifs == MAX_VIFS || vif_by_mac(cfg->mac)) {
		printk("(PVX) error: vif: %s\n", nr_vifs == MAX_VIFS
						     ? "too many VIFs"
						     : "MAC address already in "
						       "use");
		return -XEN_EINVAL;
	}
	v = &vifs[nr_vifs];
	memset(v, 0, sizeof(*v));
	v->d = d;
	memcpy(v->mac, cfg->mac, ETH_ALEN);
	format_mac(mac, v->mac);
	rc = xb_create(&v->xb, d->domid, "vif", 0);
	rc |= xb_write(&v->xb, v->xb.fe, "handle", "0") |
	      xb_write(&v->xb, v->xb.fe, "mac", mac) |
	      xb_write(&v->xb, v->xb.be, "handle", "0") |
	      xb_write(&v->xb, v->xb.be, "mac", mac) |
	      xb_write(&v->xb, v->xb.be, "feature-rx-copy", "1") |
	      xb_write(&v->xb, v->xb.be, "feature-rx-flip", "0") |
	      xb_write(&v->xb, v->xb.be, "feature-sg", "1") |
	      xb_write(&v->xb, v->xb.be, "feature-gso-tcpv4",
		       wire && (wire->features & NETDEV_F_TSO4) ? "1" : "0") |
	      xb_write(&v->xb, v->xb.be, "feature-gso-tcpv6",
		       wire && (wire->features & NETDEV_F_TSO6) ? "1" : "0");
	if (rc || xb_hook(&v->xb, frontend_changed, v)) {
		printk("(PVX) error: vif: xenstore nodes could not be "
		       "written\n");
		return -XEN_ENOMEM;
	}
	nr_vifs++;
	d->vif = v;
	pr_info("d%u: vif eth0 mac %s on %s\n", d->domid, mac,
		wire ? wire->name : "no NIC (VIFs only)");
	return 0;
}

void netback_print_stats(void)
{
	unsigned int i;

	if (!wire && !nr_vifs)
		return;
	if (wire)
		printk("(PVX) net: %s tx %lu rx %lu interrupts %lu; wire "
		       "frames for no VIF %lu, dropped by the VFR %lu; "
		       "buffers free %u\n",
		       wire->name, wire->tx_packets, wire->rx_packets,
		       wire->interrupts, wire_unclaimed, wire_vfr_dropped,
		       netbuf_nr_free());
	for (i = 0; i < vfr.nr; i++)
		printk("(PVX) vfr: rule %u hits %lu\n", i + 1,
		       vfr.rule[i].hits);
}

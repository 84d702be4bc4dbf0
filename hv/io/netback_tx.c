/*
 * The network backend's transmit side (io/netback.c has the theory):
 * packets off a VIF's tx ring, checked whole, copied into a hypervisor
 * buffer and routed; VIFs take turns when the wire has room again.
 */
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/x86/layout.h>
#include <domain/domain.h>
#include <drivers/netdev.h>
#include <event/evtchn.h>
#include <grant/gnttab_domain.h>
#include <grant/grant_table.h>
#include <io/netback_priv.h>
#include <mm/frame_table.h>

#define NR_TX_SLOTS __CONST_RING_SIZE(netif_tx, PAGE_SIZE)

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

static struct tx_scan scan;  /* one CPU, never re-entered */
static unsigned int rr_next; /* the VIF that goes first next time */

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
	if (vfr_route(v, nb) == -XEN_EBUSY) {
		v->tx_held = nb;
		return -XEN_EBUSY;
	}
	return 0;
}

/* Serves up to budget packets of v's tx ring; 1 if it stopped with
 * work left (budget, or waiting for the wire or for buffers). */
int vif_tx_serve(struct vif *v, unsigned int budget)
{
	int notify, more = 0, stalled = 0;
	RING_IDX rp;

	if (!v->connected || v->broken)
		return 0;
	if (v->tx_held) {
		if (vfr_to_wire(v, v->tx_held) == -XEN_EBUSY)
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
		evtchn_backend_notify(v->d, v->port, netback_notified);
	return stalled || !budget;
}

/* The wire has room again: every VIF gets turns of VIF_TX_BATCH
 * packets, starting after the one that went first last time. */
void netback_wire_tx_ready(struct netdev *dev)
{
	unsigned int i, busy;

	(void)dev;
	do {
		busy = 0;
		for (i = 0; i < nr_vifs; i++) {
			struct vif *v = &vifs[(rr_next + i) % nr_vifs];

			busy += (unsigned int)vif_tx_serve(v, VIF_TX_BATCH);
			if (v->tx_held)
				return; /* the wire is full again */
		}
		rr_next = nr_vifs ? (rr_next + 1) % nr_vifs : 0;
	} while (busy && netbuf_nr_free());
}

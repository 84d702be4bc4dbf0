/*
 * The network backend's receive side and routing (io/netback.c has the
 * theory): frames queued for a VIF drain into the buffers its guest
 * posted; every frame, from a VIF or the wire, passes the VFR.
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

void vif_rx_drop_queue(struct vif *v)
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

void vif_rx_flush(struct vif *v)
{
	int notify, posted, freed = 0;

	if (!v->connected || v->broken) {
		freed = v->rxq_len != 0;
		vif_rx_drop_queue(v);
		goto out;
	}
	while (v->rxq_head) {
		struct netbuf *nb = v->rxq_head;
		unsigned int need = slots_for(nb);

		posted = rx_posted(v);
		if (posted < 0) {
			vif_rx_drop_queue(v);
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
		evtchn_backend_notify(v->d, v->port, netback_notified);
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
	vif_rx_flush(v);
}

/* ---- routing through the VFR ---- */

/* Sends nb on the wire for src (NULL: not from a VIF). 0 if taken or
 * dropped, -XEN_EBUSY if the wire is full (the caller keeps nb). */
int vfr_to_wire(struct vif *src, struct netbuf *nb)
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
 * and retries vfr_to_wire() later. */
int vfr_route(struct vif *src, struct netbuf *nb)
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
			return vfr_to_wire(src, nb);
		netbuf_free(nb);
		return 0;
	}
	dst = vif_by_mac(pi.dst_mac);
	if (dst && dst != src) {
		rx_enqueue(dst, nb);
		return 0;
	}
	if (src)
		return vfr_to_wire(src, nb);
	wire_unclaimed++;
	netbuf_free(nb);
	return 0;
}

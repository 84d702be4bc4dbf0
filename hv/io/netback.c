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
 * Files: this one has the VIFs, the handshake and the guest's event;
 * io/netback_rx.c the receive side and the routing, io/netback_tx.c the
 * transmit side (io/netback_priv.h between them).
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
#include <io/netback_priv.h>
#include <io/netif_check.h>
#include <io/netpkt.h>
#include <io/vfr.h>
#include <io/xenbus_backend.h>
#include <mm/frame_table.h>
#include <public/pvx.h>

#include <xen/io/xenbus.h>

struct vif vifs[MAX_VIFS];
unsigned int nr_vifs;
struct vfr vfr;
struct netdev *wire;
uint64_t wire_unclaimed, wire_vfr_dropped;

void vif_log(struct vif *v, const char *what, unsigned int n)
{
	if (v->logged < VIF_LOG_LIMIT) {
		v->logged++;
		printk("(PVX) d%u: netback: %s (%u)%s\n", v->d->domid, what, n,
		       v->logged == VIF_LOG_LIMIT ? "; further ones counted "
						    "only"
						  : "");
	}
}

struct vif *vif_by_domid(unsigned int domid)
{
	unsigned int i;

	for (i = 0; i < nr_vifs; i++)
		if (vifs[i].d->domid == domid)
			return &vifs[i];
	return NULL;
}

struct vif *vif_by_mac(const uint8_t *mac)
{
	unsigned int i;

	for (i = 0; i < nr_vifs; i++)
		if (!memcmp(vifs[i].mac, mac, ETH_ALEN))
			return &vifs[i];
	return NULL;
}

void refill_wire(void)
{
	if (wire)
		wire->refill(wire);
}

static void wire_receive(struct netdev *dev, struct netbuf *nb)
{
	(void)dev;
	vfr_route(NULL, nb);
}

/* ---- the guest's event ---- */

void netback_notified(struct domain *d, unsigned int port)
{
	struct vif *v = d->vif;

	(void)port;
	if (!v)
		return;
	vif_tx_serve(v, ~0u);
	vif_rx_flush(v);
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
	if (evtchn_bind_backend(v->d, (unsigned int)port, netback_notified)) {
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
		vif_rx_drop_queue(v);
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
		wire->tx_ready = netback_wire_tx_ready;
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

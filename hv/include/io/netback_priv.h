/*
 * The network backend's internals, shared by its three files:
 * io/netback.c (VIFs, the xenstore handshake, the guest's event),
 * io/netback_rx.c (frames into VIFs' receive rings, and routing through
 * the VFR) and io/netback_tx.c (packets off VIFs' transmit rings,
 * round-robin onto the wire). The theory is at the top of io/netback.c.
 */
#ifndef HV_IO_NETBACK_PRIV_H
#define HV_IO_NETBACK_PRIV_H

#include <stdint.h>
#include <domain/config.h>
#include <drivers/netdev.h>
#include <io/netif_check.h>
#include <io/netpkt.h>
#include <io/vfr.h>
#include <io/xenbus_backend.h>

#define VIF_RXQ_MAX  256
#define VIF_TX_BATCH 16
#define MAX_VIFS     MAX_BOOT_DOMAINS
/* Report the first few malformed packets of each VIF, count the rest. */
#define VIF_LOG_LIMIT 8

struct domain;

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

extern struct vif vifs[MAX_VIFS];
extern unsigned int nr_vifs;
extern struct vfr vfr;
extern struct netdev *wire; /* the NIC, or NULL */
extern uint64_t wire_unclaimed, wire_vfr_dropped;

void vif_log(struct vif *v, const char *what, unsigned int n);
struct vif *vif_by_domid(unsigned int domid);
struct vif *vif_by_mac(const uint8_t *mac);
void refill_wire(void);
/* The VIF's event channel handler: serve both rings. */
void netback_notified(struct domain *d, unsigned int port);

/* netback_rx.c */
/* Copies queued frames into the buffers the guest posted. */
void vif_rx_flush(struct vif *v);
void vif_rx_drop_queue(struct vif *v);
/* Routes nb from src (NULL: the wire): -XEN_EBUSY if it must go to the
 * wire and the wire is full (the caller keeps nb, retries vfr_to_wire). */
int vfr_route(struct vif *src, struct netbuf *nb);
int vfr_to_wire(struct vif *src, struct netbuf *nb);

/* netback_tx.c */
/* Serves up to budget packets of v's tx ring; 1 if work is left. */
int vif_tx_serve(struct vif *v, unsigned int budget);
void netback_wire_tx_ready(struct netdev *dev);

#endif

/*
 * The checks the network backend applies to a packet a frontend queued
 * on its transmit ring, before any grant is taken (io/netif_check.c).
 * Pure logic: tested on the host.
 */
#ifndef HV_IO_NETIF_CHECK_H
#define HV_IO_NETIF_CHECK_H

#include <stdint.h>
#include <io/ring.h>
#include <xen/io/netif.h>

/* Data slots of one packet Linux may use (XEN_NETIF_NR_SLOTS_MIN). */
#define NETIF_TX_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN

enum netif_tx_verdict {
	NETIF_TX_OK,
	NETIF_TX_TOO_MANY_SLOTS, /* more_data past NETIF_TX_MAX_SLOTS */
	NETIF_TX_CROSSES_PAGE,	 /* offset + size beyond the granted page */
	NETIF_TX_RUNT,		 /* shorter than an Ethernet header */
	NETIF_TX_OVERSIZE,	 /* longer than the backend can carry */
	NETIF_TX_BAD_SIZES,	 /* later slots hold more than the total */
};

/* req[0..n) are one packet's data slots in ring order (extra-info
 * slots left out); req[0].size is the packet's total length. On
 * NETIF_TX_OK, *first_len is the number of bytes in req[0]'s own slot. */
enum netif_tx_verdict netif_tx_check(const struct netif_tx_request *req,
				     unsigned int n, unsigned int max_frame,
				     unsigned int *first_len);
const char *netif_tx_reason(enum netif_tx_verdict v);

#endif

/*
 * Transmit-request checks (io/netif_check.h).
 *
 * netif.h's packet layout: the first slot's size is the length of the
 * whole packet, each further slot's size is the bytes in that slot, and
 * the first slot holds what is left. All sizes are the guest's word, so
 * the sum of the later slots is checked against the total before the
 * first slot's share is computed (no unsigned wrap-around), and every
 * slot's bytes must lie inside the one page its grant names.
 */
#include <io/netif_check.h>
#include <io/netpkt.h>

#define NETIF_PAGE 4096u

enum netif_tx_verdict netif_tx_check(const struct netif_tx_request *req,
				     unsigned int n, unsigned int max_frame,
				     unsigned int *first_len)
{
	unsigned int i, rest = 0, total = req[0].size;

	if (n == 0 || n > NETIF_TX_MAX_SLOTS)
		return NETIF_TX_TOO_MANY_SLOTS;
	if (total < ETH_HLEN)
		return NETIF_TX_RUNT;
	if (total > max_frame)
		return NETIF_TX_OVERSIZE;
	for (i = 1; i < n; i++) {
		if ((unsigned int)req[i].offset + req[i].size > NETIF_PAGE)
			return NETIF_TX_CROSSES_PAGE;
		rest += req[i].size;
	}
	if (rest > total)
		return NETIF_TX_BAD_SIZES;
	if ((unsigned int)req[0].offset + (total - rest) > NETIF_PAGE)
		return NETIF_TX_CROSSES_PAGE;
	*first_len = total - rest;
	return NETIF_TX_OK;
}

const char *netif_tx_reason(enum netif_tx_verdict v)
{
	switch (v) {
	case NETIF_TX_OK:
		return "ok";
	case NETIF_TX_TOO_MANY_SLOTS:
		return "too many slots";
	case NETIF_TX_CROSSES_PAGE:
		return "a slot crosses its page";
	case NETIF_TX_RUNT:
		return "shorter than an Ethernet header";
	case NETIF_TX_OVERSIZE:
		return "oversized";
	case NETIF_TX_BAD_SIZES:
		return "slot sizes exceed the packet";
	}
	return "?";
}

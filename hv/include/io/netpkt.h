/*
 * Ethernet frames as the network backend and the VFR see them
 * (io/netpkt.c): the header fields rules match on, and the transport
 * checksum a frontend may leave for the backend to fill.
 *
 * Pure logic: tested on the host.
 */
#ifndef HV_IO_NETPKT_H
#define HV_IO_NETPKT_H

#include <stdint.h>

#define ETH_ALEN      6
#define ETH_HLEN      14
#define ETH_P_IP      0x0800
#define ETH_P_ARP     0x0806
#define ETH_P_IPV6    0x86dd
#define IPPROTO_ICMP  1
#define IPPROTO_TCP   6
#define IPPROTO_UDP   17
#define IPPROTO_ICMP6 58

struct netpkt_info {
	uint8_t dst_mac[ETH_ALEN], src_mac[ETH_ALEN];
	uint16_t ethertype;
	int ip_version;	       /* 4, 6, or 0: not IP (or a truncated header) */
	uint8_t proto;	       /* IP protocol, if ip_version */
	uint32_t src4, dst4;   /* IPv4 addresses, host byte order */
	unsigned int l4_off;   /* offset of the TCP/UDP header, 0: none */
	uint16_t sport, dport; /* TCP/UDP ports (0 if l4_off is 0) */
};

/* Parses the headers of a frame of len bytes. -1 if it is shorter than
 * an Ethernet header; otherwise 0, with whatever could be read filled
 * in (a truncated or fragmented IP packet has no ports). */
int netpkt_parse(const uint8_t *frame, unsigned int len,
		 struct netpkt_info *pi);
static inline int netpkt_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1; /* includes broadcast */
}
/* Fills a partial checksum the way a NIC with checksum offload does
 * (Linux's CHECKSUM_PARTIAL, virtio's VIRTIO_NET_HDR_F_NEEDS_CSUM): the
 * 16-bit field at start + offset holds the pseudo-header sum; the
 * one's-complement sum from start to the end of the frame is folded,
 * complemented and stored there. -1 (nothing written) if the field does
 * not lie inside the frame. */
int netpkt_csum_fill(uint8_t *frame, unsigned int len, unsigned int start,
		     unsigned int offset);
/* Where a frame's partial TCP/UDP checksum lives: 0 with *start and
 * *offset set, or -1 if the frame is not TCP or UDP over IP. */
int netpkt_csum_location(const struct netpkt_info *pi, unsigned int *start,
			 unsigned int *offset);
/* The one's-complement sum over len bytes (big-endian 16-bit words),
 * added to sum, not folded. */
uint32_t netpkt_csum_add(uint32_t sum, const uint8_t *p, unsigned int len);
uint16_t netpkt_csum_fold(uint32_t sum);

#endif

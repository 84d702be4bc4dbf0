/*
 * Frame parsing and checksums for the network backend (io/netpkt.h).
 *
 * Everything here reads a copy of the frame in hypervisor memory, never
 * the guest's buffer, so the fields a rule matched are the fields that
 * are sent. Lengths come from the frame, checked against the bytes that
 * are actually there: a header that claims more than the frame holds
 * ends the parse (the frame still goes through the rules, matching only
 * what was read). Only the first IPv4 fragment carries ports; IPv6
 * extension headers are not walked (TCP/UDP directly after the fixed
 * header is what Linux sends for ordinary traffic).
 */
#include <io/netpkt.h>

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void parse_ports(const uint8_t *f, unsigned int len, unsigned int off,
			struct netpkt_info *pi)
{
	unsigned int need = pi->proto == IPPROTO_TCP ? 20u : 8u;

	if (pi->proto != IPPROTO_TCP && pi->proto != IPPROTO_UDP)
		return;
	if (off + need > len)
		return;
	pi->l4_off = off;
	pi->sport = be16(f + off);
	pi->dport = be16(f + off + 2);
}

static void parse_ipv4(const uint8_t *f, unsigned int len,
		       struct netpkt_info *pi)
{
	const uint8_t *ip = f + ETH_HLEN;
	unsigned int ihl;

	if (len < ETH_HLEN + 20u || ip[0] >> 4 != 4)
		return;
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < 20 || ETH_HLEN + ihl > len)
		return;
	pi->ip_version = 4;
	pi->proto = ip[9];
	pi->src4 = be32(ip + 12);
	pi->dst4 = be32(ip + 16);
	if ((be16(ip + 6) & 0x1fff) == 0) /* first (or only) fragment */
		parse_ports(f, len, ETH_HLEN + ihl, pi);
}

static void parse_ipv6(const uint8_t *f, unsigned int len,
		       struct netpkt_info *pi)
{
	const uint8_t *ip = f + ETH_HLEN;

	if (len < ETH_HLEN + 40u || ip[0] >> 4 != 6)
		return;
	pi->ip_version = 6;
	pi->proto = ip[6];
	parse_ports(f, len, ETH_HLEN + 40u, pi);
}

int netpkt_parse(const uint8_t *frame, unsigned int len, struct netpkt_info *pi)
{
	unsigned int i;

	*pi = (struct netpkt_info){ .ethertype = 0 };
	if (len < ETH_HLEN)
		return -1;
	for (i = 0; i < ETH_ALEN; i++) {
		pi->dst_mac[i] = frame[i];
		pi->src_mac[i] = frame[ETH_ALEN + i];
	}
	pi->ethertype = be16(frame + 12);
	if (pi->ethertype == ETH_P_IP)
		parse_ipv4(frame, len, pi);
	else if (pi->ethertype == ETH_P_IPV6)
		parse_ipv6(frame, len, pi);
	return 0;
}

uint32_t netpkt_csum_add(uint32_t sum, const uint8_t *p, unsigned int len)
{
	uint64_t s = sum;
	unsigned int i;

	for (i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t netpkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

int netpkt_csum_fill(uint8_t *frame, unsigned int len, unsigned int start,
		     unsigned int offset)
{
	uint16_t c;

	if (start >= len || offset > len - start || len - start - offset < 2)
		return -1;
	c = (uint16_t)~netpkt_csum_fold(
	    netpkt_csum_add(0, frame + start, len - start));
	/* RFC 768: a computed UDP checksum of 0 is sent as all ones; for
	 * TCP 0 and 0xffff are the same number in one's complement. */
	if (c == 0)
		c = 0xffff;
	frame[start + offset] = (uint8_t)(c >> 8);
	frame[start + offset + 1] = (uint8_t)c;
	return 0;
}

int netpkt_csum_location(const struct netpkt_info *pi, unsigned int *start,
			 unsigned int *offset)
{
	if (!pi->ip_version || !pi->l4_off)
		return -1;
	*start = pi->l4_off;
	*offset = pi->proto == IPPROTO_TCP ? 16u : 6u;
	return 0;
}

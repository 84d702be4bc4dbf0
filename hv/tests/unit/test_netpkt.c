/* Host tests of io/netpkt.c: header parsing for the VFR and the partial
 * checksum the backend fills for frontends that leave it blank. */
#include <string.h>
#include <io/netpkt.h>
#include "test.h"

/* A TCP/IPv4 frame 192.0.2.2:40000 -> 192.0.2.1:5201 with `data`
 * bytes of payload; returns its length. */
static unsigned int tcp4(uint8_t *f, unsigned int data)
{
	static const uint8_t hdr[] = {
		0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x52, 0x54, 0, 0xaa, 0xbb,
		0xcc, 0x08, 0x00,
		/* IPv4: version 4, IHL 5, total length filled below */
		0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 2,
		192, 0, 2, 1,
		/* TCP: ports 40000 -> 5201, data offset 5 */
		0x9c, 0x40, 0x14, 0x51, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 1,
		0, 0, 0, 0, 0
	};
	unsigned int i, len = sizeof(hdr) + data, ip_len = len - ETH_HLEN;

	memcpy(f, hdr, sizeof(hdr));
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	for (i = 0; i < data; i++)
		f[sizeof(hdr) + i] = (uint8_t)(i * 7 + 3);
	return len;
}

static void test_parse_tcp4(void)
{
	uint8_t f[200];
	unsigned int len = tcp4(f, 100);
	struct netpkt_info pi;

	CHECK_EQ(netpkt_parse(f, len, &pi), 0);
	CHECK_EQ(pi.ethertype, ETH_P_IP);
	CHECK_EQ(pi.ip_version, 4);
	CHECK_EQ(pi.proto, IPPROTO_TCP);
	CHECK_EQ(pi.src4, 0xc0000202);
	CHECK_EQ(pi.dst4, 0xc0000201);
	CHECK_EQ(pi.l4_off, 34);
	CHECK_EQ(pi.sport, 40000);
	CHECK_EQ(pi.dport, 5201);
	CHECK_EQ(pi.src_mac[5], 0xcc);
	CHECK_EQ(pi.dst_mac[5], 0x56);
}

static void test_parse_short_and_truncated(void)
{
	uint8_t f[200];
	unsigned int len = tcp4(f, 0);
	struct netpkt_info pi;

	CHECK_EQ(netpkt_parse(f, 13, &pi), -1);
	/* Ethernet only: not IP. */
	CHECK_EQ(netpkt_parse(f, 14, &pi), 0);
	CHECK_EQ(pi.ip_version, 0);
	/* IP header but a cut TCP header: no ports. */
	CHECK_EQ(netpkt_parse(f, len - 1, &pi), 0);
	CHECK_EQ(pi.ip_version, 4);
	CHECK_EQ(pi.l4_off, 0);
	CHECK_EQ(pi.dport, 0);
	/* An IHL beyond the frame stops the parse. */
	f[14] = 0x4f;
	CHECK_EQ(netpkt_parse(f, 40, &pi), 0);
	CHECK_EQ(pi.ip_version, 0);
	/* An IHL below 5 is not IPv4. */
	f[14] = 0x44;
	CHECK_EQ(netpkt_parse(f, len, &pi), 0);
	CHECK_EQ(pi.ip_version, 0);
}

static void test_parse_fragment_has_no_ports(void)
{
	uint8_t f[200];
	unsigned int len = tcp4(f, 10);
	struct netpkt_info pi;

	f[20] = 0x00;
	f[21] = 0x10; /* fragment offset 16 x 8 bytes */
	CHECK_EQ(netpkt_parse(f, len, &pi), 0);
	CHECK_EQ(pi.proto, IPPROTO_TCP);
	CHECK_EQ(pi.l4_off, 0);
}

static void test_parse_ipv6_udp_and_arp(void)
{
	uint8_t f[100];
	struct netpkt_info pi;

	memset(f, 0, sizeof(f));
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[20] = IPPROTO_UDP;
	f[54] = 0x00;
	f[55] = 53; /* sport 53 */
	f[56] = 0x30;
	f[57] = 0x39; /* dport 12345 */
	CHECK_EQ(netpkt_parse(f, 62, &pi), 0);
	CHECK_EQ(pi.ip_version, 6);
	CHECK_EQ(pi.proto, IPPROTO_UDP);
	CHECK_EQ(pi.l4_off, 54);
	CHECK_EQ(pi.sport, 53);
	CHECK_EQ(pi.dport, 12345);
	f[12] = 0x08;
	f[13] = 0x06;
	CHECK_EQ(netpkt_parse(f, 60, &pi), 0);
	CHECK_EQ(pi.ethertype, ETH_P_ARP);
	CHECK_EQ(pi.ip_version, 0);
}

/* The full TCP checksum of a frame computed from scratch, as a receiver
 * verifies it: the pseudo-header plus the segment must sum to 0xffff. */
static uint16_t verify_tcp4(const uint8_t *f, unsigned int len)
{
	unsigned int seg = len - 34;
	uint32_t s = netpkt_csum_add(0, f + 26, 8); /* addresses */

	s += IPPROTO_TCP + seg;
	s = netpkt_csum_add(s, f + 34, seg);
	return netpkt_csum_fold(s);
}

static void test_csum_fill_partial(void)
{
	uint8_t f[300];
	unsigned int start, offset, len;
	struct netpkt_info pi;
	uint32_t pseudo;
	uint16_t p;
	int odd;

	for (odd = 0; odd < 2; odd++) {
		len = tcp4(f, 201 + (unsigned int)odd);
		/* What Linux leaves in a CHECKSUM_PARTIAL segment: the
		 * pseudo-header sum, not complemented. */
		pseudo =
		    netpkt_csum_add(0, f + 26, 8) + IPPROTO_TCP + (len - 34);
		p = netpkt_csum_fold(pseudo);
		f[50] = (uint8_t)(p >> 8);
		f[51] = (uint8_t)p;
		CHECK_EQ(netpkt_parse(f, len, &pi), 0);
		CHECK_EQ(netpkt_csum_location(&pi, &start, &offset), 0);
		CHECK_EQ(start, 34);
		CHECK_EQ(offset, 16);
		CHECK_EQ(netpkt_csum_fill(f, len, start, offset), 0);
		CHECK_EQ(verify_tcp4(f, len), 0xffff);
	}
}

static void test_csum_fill_bounds(void)
{
	uint8_t f[64];

	memset(f, 0xee, sizeof(f));
	CHECK_EQ(netpkt_csum_fill(f, 40, 40, 0), -1);
	CHECK_EQ(netpkt_csum_fill(f, 40, 34, 5), -1); /* field at 39..40 */
	CHECK_EQ(netpkt_csum_fill(f, 40, 34, 4), 0);  /* 38..39 */
	CHECK_EQ(netpkt_csum_fill(f, 40, 10, 0xffffffffu), -1);
	CHECK_EQ(f[41], 0xee);
}

static void test_csum_location_needs_l4(void)
{
	struct netpkt_info pi = { .ip_version = 4, .proto = IPPROTO_UDP };
	unsigned int s, o;

	CHECK_EQ(netpkt_csum_location(&pi, &s, &o), -1);
	pi.l4_off = 34;
	CHECK_EQ(netpkt_csum_location(&pi, &s, &o), 0);
	CHECK_EQ(o, 6);
}

int main(void)
{
	RUN(test_parse_tcp4);
	RUN(test_parse_short_and_truncated);
	RUN(test_parse_fragment_has_no_ports);
	RUN(test_parse_ipv6_udp_and_arp);
	RUN(test_csum_fill_partial);
	RUN(test_csum_fill_bounds);
	RUN(test_csum_location_needs_l4);
	return TEST_DONE();
}

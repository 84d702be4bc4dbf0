/* Host tests of io/vfr.c: the firewall-router's rule syntax and first-
 * match semantics. */
#include <string.h>
#include <io/vfr.h>
#include "test.h"

static struct netpkt_info pkt(uint8_t proto, uint32_t src, uint32_t dst,
			      uint16_t sport, uint16_t dport)
{
	struct netpkt_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.ethertype = ETH_P_IP;
	pi.ip_version = 4;
	pi.proto = proto;
	pi.src4 = src;
	pi.dst4 = dst;
	pi.l4_off = 34;
	pi.sport = sport;
	pi.dport = dport;
	return pi;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void test_empty_accepts(void)
{
	struct vfr v;
	struct netpkt_info pi = pkt(IPPROTO_TCP, 1, 2, 3, 4);
	char err[200];

	CHECK_EQ(vfr_parse("", &v, err, sizeof(err)), 0);
	CHECK_EQ(v.nr, 0);
	CHECK(vfr_match(&v, 1, &pi) == NULL);
}

static void test_first_match_wins(void)
{
	struct vfr v;
	char err[200];
	struct netpkt_info udp53 =
	    pkt(IPPROTO_UDP, IP(192, 0, 2, 2), IP(192, 0, 2, 1), 999, 53);
	struct netpkt_info tcp =
	    pkt(IPPROTO_TCP, IP(192, 0, 2, 2), IP(192, 0, 2, 1), 999, 5201);
	struct vfr_rule *r;

	CHECK_EQ(vfr_parse("drop,proto=udp,dport=53;accept,proto=tcp,dport="
			   "5201-5210;drop",
			   &v, err, sizeof(err)),
		 0);
	CHECK_EQ(v.nr, 3);
	r = vfr_match(&v, 1, &udp53);
	CHECK(r == &v.rule[0]);
	CHECK_EQ(r->action, VFR_DROP);
	r = vfr_match(&v, 1, &tcp);
	CHECK(r == &v.rule[1]);
	CHECK_EQ(r->action, VFR_ACCEPT);
	tcp.dport = 5211;
	r = vfr_match(&v, 1, &tcp);
	CHECK(r == &v.rule[2]);
	CHECK_EQ(v.rule[0].hits, 1);
	CHECK_EQ(v.rule[1].hits, 1);
	CHECK_EQ(v.rule[2].hits, 1);
}

static void test_from_and_deliver(void)
{
	struct vfr v;
	char err[200];
	struct netpkt_info p =
	    pkt(IPPROTO_TCP, IP(192, 0, 2, 1), IP(192, 0, 2, 7), 5201, 40000);
	struct vfr_rule *r;

	CHECK_EQ(vfr_parse("to-d2,from=wire,dst=192.0.2.0/29;drop,from=d3", &v,
			   err, sizeof(err)),
		 0);
	r = vfr_match(&v, VFR_FROM_WIRE, &p);
	CHECK(r != NULL && r->action == VFR_DELIVER && r->to == 2);
	CHECK(vfr_match(&v, 1, &p) == NULL);
	r = vfr_match(&v, 3, &p);
	CHECK(r != NULL && r->action == VFR_DROP);
	p.dst4 = IP(192, 0, 2, 8); /* outside the /29 */
	CHECK(vfr_match(&v, VFR_FROM_WIRE, &p) == NULL);
}

static void test_arp_and_non_ip(void)
{
	struct vfr v;
	char err[200];
	struct netpkt_info arp;

	memset(&arp, 0, sizeof(arp));
	arp.ethertype = ETH_P_ARP;
	CHECK_EQ(vfr_parse("accept,proto=arp;drop,proto=tcp;drop,src=10.0.0.0/"
			   "8;drop,dport=1-100",
			   &v, err, sizeof(err)),
		 0);
	CHECK(vfr_match(&v, 1, &arp) == &v.rule[0]);
	arp.ethertype = 0x88cc; /* LLDP: no IP key can match it */
	CHECK(vfr_match(&v, 1, &arp) == NULL);
}

static void test_ports_need_a_transport_header(void)
{
	struct vfr v;
	char err[200];
	struct netpkt_info frag = pkt(IPPROTO_UDP, 1, 2, 0, 0);

	frag.l4_off = 0;
	CHECK_EQ(vfr_parse("drop,dport=0-65535", &v, err, sizeof(err)), 0);
	CHECK(vfr_match(&v, 1, &frag) == NULL);
}

static void test_bad_rules(void)
{
	static const char *const bad[] = {
		"allow",
		"drop,proto=xyz",
		"drop,proto=256",
		"drop,src=1.2.3",
		"drop,src=1.2.3.4/33",
		"drop,src=256.1.1.1",
		"drop,dport=10-5",
		"drop,dport=70000",
		"drop,from=x1",
		"to-dx",
		"drop,color=red",
		"drop,dport",
		"accept;drop,sport=1-",
	};
	struct vfr v;
	char err[200];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v.nr = 5;
		err[0] = '\0';
		CHECK_EQ(vfr_parse(bad[i], &v, err, sizeof(err)), -1);
		CHECK_EQ(v.nr, 0);
		CHECK(strstr(err, "vfr: rule") != NULL);
	}
	CHECK_EQ(vfr_parse("accept;drop,sport=1-", &v, err, sizeof(err)), -1);
	CHECK(strstr(err, "rule 2") != NULL);
}

static void test_too_many_rules(void)
{
	char spec[400] = "";
	struct vfr v;
	char err[200];
	int i;

	for (i = 0; i <= VFR_MAX_RULES; i++)
		strcat(spec, i ? ";drop" : "drop");
	CHECK_EQ(vfr_parse(spec, &v, err, sizeof(err)), -1);
	CHECK(strstr(err, "more than") != NULL);
}

int main(void)
{
	RUN(test_empty_accepts);
	RUN(test_first_match_wins);
	RUN(test_from_and_deliver);
	RUN(test_arp_and_non_ip);
	RUN(test_ports_need_a_transport_header);
	RUN(test_bad_rules);
	RUN(test_too_many_rules);
	return TEST_DONE();
}

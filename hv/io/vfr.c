/*
 * The virtual firewall-router's rules (io/vfr.h): parsing and matching.
 *
 * A rule is parsed whole before it is added, and the list only replaces
 * the old one when every rule parsed, so a typo on the command line
 * stops the boot with a message instead of leaving a half-built policy.
 * Matching is a linear scan: rules are few, and it runs on a copy of the
 * frame's headers (io/netpkt.c), never on guest memory.
 */
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <boot/cmdline.h>
#include <io/vfr.h>

/* Copies the next item of s ending at one of stops into buf. */
static const char *next_item(const char *s, const char *stops, char *buf,
			     size_t len)
{
	size_t n = 0;

	while (*s && !strchr(stops, *s)) {
		if (n + 1 < len)
			buf[n] = *s;
		n++;
		s++;
	}
	buf[n < len ? n : len - 1] = '\0';
	return n < len ? s : NULL;
}

static int parse_u16(const char *s, uint16_t *v)
{
	uint64_t x;

	if (parse_uint(s, &x) || x > 0xffff)
		return -1;
	*v = (uint16_t)x;
	return 0;
}

static int parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char a[8];
	const char *rest = next_item(s, "-", a, sizeof(a));

	if (!rest || parse_u16(a, lo))
		return -1;
	if (!*rest) {
		*hi = *lo;
		return 0;
	}
	return parse_u16(rest + 1, hi) || *hi < *lo ? -1 : 0;
}

static int parse_ipv4(const char *s, uint32_t *addr, uint32_t *mask)
{
	uint64_t part, len = 32;
	char num[4];
	int i;

	*addr = 0;
	for (i = 0; i < 4; i++) {
		s = next_item(s, "./", num, sizeof(num));
		if (!s || parse_uint(num, &part) || part > 255)
			return -1;
		*addr = *addr << 8 | (uint32_t)part;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s == '/' && (parse_uint(s + 1, &len) || len > 32))
		return -1;
	if (*s && *s != '/')
		return -1;
	*mask = len ? ~0u << (32 - len) : 0;
	*addr &= *mask;
	return 0;
}

static int parse_domain(const char *s, uint16_t *dom)
{
	uint64_t d;

	if (s[0] != 'd' || parse_uint(s + 1, &d) || d > 0x7fef)
		return -1;
	*dom = (uint16_t)d;
	return 0;
}

static int parse_proto(const char *s, struct vfr_rule *r)
{
	uint64_t n;

	if (!strcmp(s, "arp")) {
		r->match |= VFR_M_ARP;
		return 0;
	}
	r->match |= VFR_M_PROTO;
	if (!strcmp(s, "tcp"))
		r->proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		r->proto = IPPROTO_UDP;
	else if (!strcmp(s, "icmp"))
		r->proto = IPPROTO_ICMP;
	else if (parse_uint(s, &n) || n > 255)
		return -1;
	else
		r->proto = (uint8_t)n;
	return 0;
}

static int parse_key(const char *key, const char *val, struct vfr_rule *r)
{
	uint16_t dom;

	if (!strcmp(key, "from")) {
		r->match |= VFR_M_FROM;
		if (!strcmp(val, "wire")) {
			r->from = VFR_FROM_WIRE;
			return 0;
		}
		if (parse_domain(val, &dom))
			return -1;
		r->from = dom;
		return 0;
	}
	if (!strcmp(key, "proto"))
		return parse_proto(val, r);
	if (!strcmp(key, "src")) {
		r->match |= VFR_M_SRC;
		return parse_ipv4(val, &r->src, &r->src_mask);
	}
	if (!strcmp(key, "dst")) {
		r->match |= VFR_M_DST;
		return parse_ipv4(val, &r->dst, &r->dst_mask);
	}
	if (!strcmp(key, "sport")) {
		r->match |= VFR_M_SPORT;
		return parse_range(val, &r->sport_lo, &r->sport_hi);
	}
	if (!strcmp(key, "dport")) {
		r->match |= VFR_M_DPORT;
		return parse_range(val, &r->dport_lo, &r->dport_hi);
	}
	return -1;
}

static int parse_action(const char *s, struct vfr_rule *r)
{
	if (!strcmp(s, "accept"))
		r->action = VFR_ACCEPT;
	else if (!strcmp(s, "drop"))
		r->action = VFR_DROP;
	else if (!strncmp(s, "to-", 3) && !parse_domain(s + 3, &r->to))
		r->action = VFR_DELIVER;
	else
		return -1;
	return 0;
}

/* One rule: ACTION[,KEY=VALUE...] */
static int parse_rule(const char *s, struct vfr_rule *r)
{
	char item[40], key[8];
	const char *eq;

	*r = (struct vfr_rule){ .action = VFR_ACCEPT };
	s = next_item(s, ",", item, sizeof(item));
	if (!s || parse_action(item, r))
		return -1;
	while (*s == ',') {
		s = next_item(s + 1, ",", item, sizeof(item));
		eq = s ? strchr(item, '=') : NULL;
		if (!eq || (size_t)(eq - item) >= sizeof(key))
			return -1;
		memcpy(key, item, (size_t)(eq - item));
		key[eq - item] = '\0';
		if (parse_key(key, eq + 1, r))
			return -1;
	}
	return 0;
}

int vfr_parse(const char *spec, struct vfr *v, char *err, size_t errlen)
{
	struct vfr parsed = { .nr = 0 };
	char text[160];
	const char *s = spec;

	v->nr = 0;
	while (*s) {
		s = next_item(s, ";", text, sizeof(text));
		if (!s || parsed.nr == VFR_MAX_RULES ||
		    parse_rule(text, &parsed.rule[parsed.nr])) {
			snprintf(err, errlen,
				 parsed.nr == VFR_MAX_RULES
				     ? "vfr: more than %u rules"
				     : "vfr: rule %u (\"%s\"): expected "
				       "accept|drop|to-dN[,from=wire|dN]"
				       "[,proto=P][,src=A.B.C.D[/N]][,dst=...]"
				       "[,sport=N[-M]][,dport=N[-M]]",
				 parsed.nr == VFR_MAX_RULES ? VFR_MAX_RULES
							    : parsed.nr + 1,
				 s ? text : "(too long)");
			return -1;
		}
		parsed.nr++;
		if (*s == ';')
			s++;
	}
	*v = parsed;
	return 0;
}

static int in_range(uint16_t x, uint16_t lo, uint16_t hi)
{
	return x >= lo && x <= hi;
}

static int rule_matches(const struct vfr_rule *r, int from,
			const struct netpkt_info *pi)
{
	unsigned int m = r->match;
	int ports = pi->l4_off != 0;

	if ((m & VFR_M_FROM) && r->from != from)
		return 0;
	if ((m & VFR_M_ARP) && pi->ethertype != ETH_P_ARP)
		return 0;
	if ((m & VFR_M_PROTO) && (!pi->ip_version || pi->proto != r->proto))
		return 0;
	if ((m & (VFR_M_SRC | VFR_M_DST)) && pi->ip_version != 4)
		return 0;
	if ((m & VFR_M_SRC) && (pi->src4 & r->src_mask) != r->src)
		return 0;
	if ((m & VFR_M_DST) && (pi->dst4 & r->dst_mask) != r->dst)
		return 0;
	if ((m & VFR_M_SPORT) &&
	    (!ports || !in_range(pi->sport, r->sport_lo, r->sport_hi)))
		return 0;
	if ((m & VFR_M_DPORT) &&
	    (!ports || !in_range(pi->dport, r->dport_lo, r->dport_hi)))
		return 0;
	return 1;
}

struct vfr_rule *vfr_match(struct vfr *v, int from,
			   const struct netpkt_info *pi)
{
	unsigned int i;

	for (i = 0; i < v->nr; i++)
		if (rule_matches(&v->rule[i], from, pi)) {
			v->rule[i].hits++;
			return &v->rule[i];
		}
	return NULL;
}

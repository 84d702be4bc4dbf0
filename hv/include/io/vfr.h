/*
 * The virtual firewall-router (SOSP'03 3.3.5, io/vfr.c): an ordered list
 * of (pattern, action) rules every frame passes through, whether a VIF
 * transmitted it or it arrived from the wire.
 *
 * Rules come from the hypervisor command line for now:
 *
 *   vfr=RULE;RULE;...      RULE = ACTION[,KEY=VALUE...]
 *
 *   ACTION  accept       forward normally: to the VIF whose MAC is the
 *                        destination, else to the wire (broadcast and
 *                        multicast: every other VIF and the wire)
 *           drop         discard (counted)
 *           to-dN        deliver to domain N's VIF only
 *   KEY     from=wire|dN where the frame comes from
 *           proto=tcp|udp|icmp|arp|N   (arp: the Ethernet type; N: IP)
 *           src=A.B.C.D[/LEN], dst=A.B.C.D[/LEN]   IPv4 addresses
 *           sport=N[-M], dport=N[-M]   TCP/UDP ports
 *
 * The first rule whose every key matches decides; no match is accept.
 * Pure logic: tested on the host.
 */
#ifndef HV_IO_VFR_H
#define HV_IO_VFR_H

#include <stddef.h>
#include <stdint.h>
#include <io/netpkt.h>

#define VFR_MAX_RULES 16
#define VFR_FROM_WIRE (-1)

enum vfr_action { VFR_ACCEPT, VFR_DROP, VFR_DELIVER };

enum {
	VFR_M_FROM = 1 << 0,
	VFR_M_PROTO = 1 << 1,
	VFR_M_ARP = 1 << 2,
	VFR_M_SRC = 1 << 3,
	VFR_M_DST = 1 << 4,
	VFR_M_SPORT = 1 << 5,
	VFR_M_DPORT = 1 << 6,
};

struct vfr_rule {
	unsigned int match; /* VFR_M_* keys present */
	int from;	    /* VFR_FROM_WIRE or a domain id */
	uint8_t proto;
	uint32_t src, src_mask, dst, dst_mask;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	enum vfr_action action;
	uint16_t to; /* VFR_DELIVER: the domain */
	uint64_t hits;
};

struct vfr {
	struct vfr_rule rule[VFR_MAX_RULES];
	unsigned int nr;
};

/* Parses a vfr= value into v (replacing its rules). 0, or -1 with err
 * naming the rule and what is wrong; v is then empty. */
int vfr_parse(const char *spec, struct vfr *v, char *err, size_t errlen);
/* The first rule matching a frame from `from` (VFR_FROM_WIRE or a
 * domain id), its hit count incremented; NULL if none (accept). */
struct vfr_rule *vfr_match(struct vfr *v, int from,
			   const struct netpkt_info *pi);

#endif

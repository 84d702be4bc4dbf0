/*
 * The network backend and the virtual firewall-router (io/netback.c).
 */
#ifndef HV_IO_NETBACK_H
#define HV_IO_NETBACK_H

struct domain;
struct vif_config;

/* Parses the VFR rules (vfr= on the command line) and attaches to the
 * first NIC, if there is one. 0, or -XEN_EINVAL for malformed rules. */
int netback_init(void);
/* Gives d a VIF (eth0) with cfg's MAC, connected to the VFR. */
int netback_setup(struct domain *d, const struct vif_config *cfg);
/* The NIC's and the VFR's statistics, for the end of the run. */
void netback_print_stats(void);

#endif

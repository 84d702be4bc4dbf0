/* The PV domain builder: a domain from its boot modules. */
#ifndef HV_DOMAIN_BUILD_H
#define HV_DOMAIN_BUILD_H

struct boot_info;
struct domain_config;
struct domain;

/* Builds the domain described by cfg; on failure prints why and returns
 * NULL (the boot then stops with a configuration error). */
struct domain *pv_build_domain(const struct boot_info *bi,
			       const struct domain_config *cfg);

#endif

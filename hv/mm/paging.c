/*
 * The choice of a domain's paging mode (include/mm/paging.h). The mode
 * is fixed when the domain is built: the two modes keep different state
 * per frame (types and validation vs. shadows), so a switch would have
 * to convert every table.
 */
#include <lib/printk.h>
#include <domain/domain.h>
#include <mm/paging.h>

int paging_domain_init(struct domain *d, enum paging_mode mode)
{
	d->paging = mode == PAGING_SHADOW ? &paging_shadow_ops
					  : &paging_direct_ops;
	pr_info("d%u: paging=%s\n", d->domid, d->paging->name);
	return d->paging->init(d);
}

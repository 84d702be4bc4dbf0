/*
 * Shadow paging (paging=shadow): not implemented yet. A domain built
 * with it is refused with a clear message.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <domain/domain.h>
#include <mm/paging.h>

static int shadow_init(struct domain *d)
{
	pr_err("d%u: paging=shadow is not implemented yet\n", d->domid);
	return -XEN_EOPNOTSUPP;
}

const struct paging_ops paging_shadow_ops = {
	.name = "shadow",
	.init = shadow_init,
};

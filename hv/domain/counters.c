/*
 * Counter report, one line per group, in a fixed "key=value" form the
 * harness parses (prefix "(PVX) counters d<id>:").
 */
#include <lib/printk.h>
#include <domain/domain.h>

void counters_print(const struct domain *d)
{
	const struct domain_counters *c = &d->counters;
	unsigned int i;

	printk("(PVX) counters d%u: bounces=%lu events=%lu timer_irqs=%lu "
	       "cr3_loads=%lu tlb_flushes=%lu\n",
	       d->domid, c->bounces, c->events_delivered, c->timer_interrupts,
	       c->cr3_loads, c->tlb_flushes);
	printk("(PVX) counters d%u: mmu_update_entries=%lu mmuext_ops=%lu "
	       "multicall_entries=%lu validations=%lu ptwr=%lu priv_ops=%lu "
	       "cpuid=%lu\n",
	       d->domid, c->mmu_update_entries, c->mmuext_ops,
	       c->multicall_entries, c->page_validations, c->ptwr_emulations,
	       c->priv_op_emulations, c->cpuid_emulations);
	printk("(PVX) counters d%u: hypercalls", d->domid);
	for (i = 0; i < NR_HYPERCALLS; i++)
		if (c->hypercalls[i])
			printk(" %u=%lu", i, c->hypercalls[i]);
	printk("\n(PVX) counters d%u: traps", d->domid);
	for (i = 0; i < 32; i++)
		if (c->traps[i])
			printk(" %u=%lu", i, c->traps[i]);
	printk("\n");
}

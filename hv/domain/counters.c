/*
 * Per-domain counters: the histograms, the pvx_op hypercall that reads
 * and resets them, and the report printed when the domain ends, as
 * "key=value" lines for people and one JSON line for the harness
 * ("(PVX) counters-json d<id>: {...}").
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <domain/domain.h>
#include <domain/guest_access.h>

void counters_hist_add(uint64_t hist[PVX_HIST_BUCKETS], uint64_t n)
{
	unsigned int b = 0;

	while (n > 1 && b < PVX_HIST_BUCKETS - 1) {
		n >>= 1;
		b++;
	}
	hist[b]++;
}

void counters_reset(struct pvx_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->version = PVX_COUNTERS_VERSION;
	c->size = sizeof(*c);
}

long do_pvx_op(uint64_t cmd, uint64_t arg)
{
	struct domain *d = current_vcpu()->domain;

	switch (cmd) {
	case PVXOP_counters_read:
		return copy_to_guest(arg, &d->counters, sizeof(d->counters))
			   ? -XEN_EFAULT
			   : 0;
	case PVXOP_counters_reset:
		counters_reset(&d->counters);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

static void print_array(const char *name, const uint64_t *a, unsigned int n,
			int sparse)
{
	unsigned int i, first = 1;

	printk("\"%s\":%c", name, sparse ? '{' : '[');
	for (i = 0; i < n; i++) {
		if (sparse && !a[i])
			continue;
		if (sparse)
			printk("%s\"%u\":%lu", first ? "" : ",", i, a[i]);
		else
			printk("%s%lu", first ? "" : ",", a[i]);
		first = 0;
	}
	printk("%c", sparse ? '}' : ']');
}

static void print_json(const struct domain *d)
{
	const struct pvx_counters *c = &d->counters;
	const struct {
		const char *name;
		uint64_t value;
	} scalars[] = {
		{ "bounces", c->bounces },
		{ "events_delivered", c->events_delivered },
		{ "timer_interrupts", c->timer_interrupts },
		{ "cr3_loads", c->cr3_loads },
		{ "tlb_flushes", c->tlb_flushes },
		{ "mmu_update_entries", c->mmu_update_entries },
		{ "mmuext_ops", c->mmuext_ops },
		{ "multicall_entries", c->multicall_entries },
		{ "page_validations", c->page_validations },
		{ "ptwr_emulations", c->ptwr_emulations },
		{ "ptwr_unhooks", c->ptwr_unhooks },
		{ "ptwr_rehook_entries", c->ptwr_rehook_entries },
		{ "priv_op_emulations", c->priv_op_emulations },
		{ "cpuid_emulations", c->cpuid_emulations },
		{ "blk_requests", c->blk_requests },
		{ "blk_errors", c->blk_errors },
		{ "net_tx_packets", c->net_tx_packets },
		{ "net_tx_bytes", c->net_tx_bytes },
		{ "net_tx_errors", c->net_tx_errors },
		{ "net_tx_dropped", c->net_tx_dropped },
		{ "net_rx_packets", c->net_rx_packets },
		{ "net_rx_bytes", c->net_rx_bytes },
		{ "net_rx_dropped", c->net_rx_dropped },
		{ "net_vfr_dropped", c->net_vfr_dropped },
		{ "shadow_faults", c->shadow_faults },
		{ "shadow_pages_created", c->shadow_pages_created },
		{ "shadow_pages_freed", c->shadow_pages_freed },
		{ "shadow_root_hits", c->shadow_root_hits },
		{ "shadow_root_misses", c->shadow_root_misses },
		{ "shadow_resets", c->shadow_resets },
	};
	unsigned int i;

	printk("(PVX) counters-json d%u: {\"domain\":%u,", d->domid, d->domid);
	for (i = 0; i < ARRAY_SIZE(scalars); i++)
		printk("\"%s\":%lu,", scalars[i].name, scalars[i].value);
	print_array("hypercalls", c->hypercalls, PVX_NR_HYPERCALLS, 1);
	printk(",");
	print_array("traps", c->traps, 32, 1);
	printk(",");
	print_array("mmu_update_batches_log2", c->mmu_update_batches,
		    PVX_HIST_BUCKETS, 0);
	printk(",");
	print_array("multicall_batches_log2", c->multicall_batches,
		    PVX_HIST_BUCKETS, 0);
	printk("}\n");
}

void counters_print(const struct domain *d)
{
	const struct pvx_counters *c = &d->counters;
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
	printk("(PVX) counters d%u: shadow_faults=%lu shadow_pages=+%lu/-%lu "
	       "shadow_roots hit=%lu miss=%lu shadow_resets=%lu\n",
	       d->domid, c->shadow_faults, c->shadow_pages_created,
	       c->shadow_pages_freed, c->shadow_root_hits,
	       c->shadow_root_misses, c->shadow_resets);
	printk("(PVX) counters d%u: hypercalls", d->domid);
	for (i = 0; i < NR_HYPERCALLS; i++)
		if (c->hypercalls[i])
			printk(" %u=%lu", i, c->hypercalls[i]);
	printk("\n(PVX) counters d%u: traps", d->domid);
	for (i = 0; i < 32; i++)
		if (c->traps[i])
			printk(" %u=%lu", i, c->traps[i]);
	printk("\n");
	print_json(d);
}

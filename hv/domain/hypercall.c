/*
 * The hypercall table and multicall. A handler takes up to five 64-bit
 * arguments; unused ones are ignored (the table casts each handler to
 * the five-argument type, which the x86-64 calling convention makes
 * harmless). Unknown numbers return -ENOSYS.
 */
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <arch/x86/regs.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/hypercall.h>
#include <event/evtchn.h>
#include <io/console.h>
#include <mm/mmu.h>
#include <time/time.h>

typedef long (*hypercall_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

#define HC(nr, fn) [nr] = (hypercall_fn)(void (*)(void))(fn)

static const hypercall_fn hypercall_table[NR_HYPERCALLS] = {
	HC(__HYPERVISOR_set_trap_table, do_set_trap_table),
	HC(__HYPERVISOR_mmu_update, do_mmu_update),
	HC(__HYPERVISOR_set_gdt, do_set_gdt),
	HC(__HYPERVISOR_stack_switch, do_stack_switch),
	HC(__HYPERVISOR_fpu_taskswitch, do_fpu_taskswitch),
	HC(__HYPERVISOR_set_debugreg, do_set_debugreg),
	HC(__HYPERVISOR_get_debugreg, do_get_debugreg),
	HC(__HYPERVISOR_update_descriptor, do_update_descriptor),
	HC(__HYPERVISOR_memory_op, do_memory_op),
	HC(__HYPERVISOR_multicall, do_multicall),
	HC(__HYPERVISOR_update_va_mapping, do_update_va_mapping),
	HC(__HYPERVISOR_set_timer_op, do_set_timer_op),
	HC(__HYPERVISOR_xen_version, do_xen_version),
	HC(__HYPERVISOR_console_io, do_console_io),
	HC(__HYPERVISOR_grant_table_op, do_grant_table_op),
	HC(__HYPERVISOR_vm_assist, do_vm_assist),
	HC(__HYPERVISOR_iret, do_iret),
	HC(__HYPERVISOR_vcpu_op, do_vcpu_op),
	HC(__HYPERVISOR_set_segment_base, do_set_segment_base),
	HC(__HYPERVISOR_mmuext_op, do_mmuext_op),
	HC(__HYPERVISOR_sched_op, do_sched_op),
	HC(__HYPERVISOR_callback_op, do_callback_op),
	HC(__HYPERVISOR_event_channel_op, do_event_channel_op),
	HC(__HYPERVISOR_physdev_op, do_physdev_op),
	HC(__HYPERVISOR_pvx_op, do_pvx_op),
};

static long call(uint64_t nr, const uint64_t a[5])
{
	struct domain *d = current_vcpu()->domain;

	if (nr >= NR_HYPERCALLS || !hypercall_table[nr])
		return -XEN_ENOSYS;
	d->counters.hypercalls[nr]++;
	return hypercall_table[nr](a[0], a[1], a[2], a[3], a[4]);
}

void hypercall_dispatch(struct cpu_regs *r)
{
	const uint64_t a[5] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8 };
	long rc = call(r->rax, a);

	if (rc != HYPERCALL_NO_RETURN_VALUE)
		r->rax = (uint64_t)rc;
}

/* Entries run in order, each result stored back; a failing entry does
 * not stop the batch (Linux checks every result). iret cannot be part
 * of a batch: it replaces the frame the batch would return through. */
long do_multicall(uint64_t list, uint64_t nr)
{
	struct domain *d = current_vcpu()->domain;
	uint64_t i;

	for (i = 0; i < nr; i++) {
		uint64_t va = list + i * sizeof(struct multicall_entry);
		struct multicall_entry e;

		if (copy_from_guest(&e, va, sizeof(e)))
			return -XEN_EFAULT;
		e.result = e.op == __HYPERVISOR_iret ||
				   e.op == __HYPERVISOR_multicall
			       ? (uint64_t)-XEN_EINVAL
			       : (uint64_t)call(e.op, e.args);
		if (copy_to_guest(va + offsetof(struct multicall_entry, result),
				  &e.result, sizeof(e.result)))
			return -XEN_EFAULT;
		d->counters.multicall_entries++;
	}
	counters_hist_add(d->counters.multicall_batches, nr);
	return 0;
}

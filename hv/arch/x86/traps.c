/*
 * Trap dispatch and the fatal-fault report.
 *
 * Until PV guests exist every exception is a hypervisor bug: do_trap()
 * prints what a developer needs to find it (vector, error code decoded,
 * CR2, every register, control registers, a symbolized backtrace) and
 * ends the run with PVX_EXIT_HV_FAULT. A fault while reporting a fault
 * ends the run at once, so a broken reporter cannot loop.
 */
#include <stdint.h>
#include <lib/printk.h>
#include <lib/symbols.h>
#include <arch/hooks.h>
#include <arch/x86/cpu.h>
#include <arch/x86/desc.h>
#include <arch/x86/regs.h>
#include <arch/x86/apic.h>
#include <public/pvx.h>
#include <arch/x86/pv.h>
#include <domain/domain.h>
#include <mm/paging.h>
#include <drivers/irq.h>

static const char *const exception_names[32] = {
	[0] = "divide error (#DE)",
	[1] = "debug (#DB)",
	[2] = "NMI",
	[3] = "breakpoint (#BP)",
	[4] = "overflow (#OF)",
	[5] = "bound range (#BR)",
	[6] = "invalid opcode (#UD)",
	[7] = "device not available (#NM)",
	[8] = "double fault (#DF)",
	[10] = "invalid TSS (#TS)",
	[11] = "segment not present (#NP)",
	[12] = "stack fault (#SS)",
	[13] = "general protection (#GP)",
	[14] = "page fault (#PF)",
	[16] = "x87 error (#MF)",
	[17] = "alignment check (#AC)",
	[18] = "machine check (#MC)",
	[19] = "SIMD error (#XM)",
	[20] = "virtualization (#VE)",
	[21] = "control protection (#CP)",
};

static int in_fatal;

static void print_pf_error(uint64_t ec)
{
	/* SDM vol. 3A, 4.7 "Page-Fault Exceptions". */
	printk("(PVX) error code 0x%04lx [%s, %s, %s%s%s]  CR2 0x%016lx\n", ec,
	       ec & 1 ? "protection" : "not-present", ec & 2 ? "write" : "read",
	       ec & 4 ? "user" : "supervisor", ec & 8 ? ", reserved-bit" : "",
	       ec & 16 ? ", fetch" : "", read_cr2());
}

static void dump_registers(const struct cpu_regs *r)
{
	char sym[96];

	symbolize(r->rip, sym, sizeof(sym));
	printk("(PVX) RIP: %04lx:%016lx %s\n", r->cs, r->rip, sym);
	printk("(PVX) RSP: %04lx:%016lx  RFLAGS: %016lx\n", r->ss, r->rsp,
	       r->rflags);
	printk("(PVX) RAX: %016lx  RBX: %016lx  RCX: %016lx\n", r->rax, r->rbx,
	       r->rcx);
	printk("(PVX) RDX: %016lx  RSI: %016lx  RDI: %016lx\n", r->rdx, r->rsi,
	       r->rdi);
	printk("(PVX) RBP: %016lx  R8:  %016lx  R9:  %016lx\n", r->rbp, r->r8,
	       r->r9);
	printk("(PVX) R10: %016lx  R11: %016lx  R12: %016lx\n", r->r10, r->r11,
	       r->r12);
	printk("(PVX) R13: %016lx  R14: %016lx  R15: %016lx\n", r->r13, r->r14,
	       r->r15);
	printk("(PVX) CR0: %016lx  CR3: %016lx  CR4: %016lx\n", read_cr0(),
	       read_cr3(), read_cr4());
	printk("(PVX) EFER: %016lx\n", rdmsr(MSR_EFER));
}

static __noreturn void fatal_trap(const struct cpu_regs *r)
{
	const char *name = r->vector < 32 ? exception_names[r->vector] : NULL;

	if (in_fatal++)
		arch_exit(PVX_EXIT_HV_FAULT);
	printk("(PVX) *** FATAL: %s, vector %lu, in the hypervisor\n",
	       name ? name : "reserved exception", r->vector);
	if (r->vector == 14)
		print_pf_error(r->error_code);
	else
		printk("(PVX) error code 0x%04lx\n", r->error_code);
	dump_registers(r);
	arch_backtrace_trap(r->rip, r->rsp, r->rbp);
	printk("(PVX) stopping: exit status %d (hypervisor fault)\n",
	       PVX_EXIT_HV_FAULT);
	arch_exit(PVX_EXIT_HV_FAULT);
}

struct ex_entry {
	uint64_t insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];
extern char iret_to_guest[];

static const struct ex_entry *ex_lookup(uint64_t rip)
{
	const struct ex_entry *e;

	for (e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e;
	return NULL;
}

/* A fault on an instruction listed in the exception table (guest-memory
 * copies, guest selector loads) resumes at its fixup. */
static int fixup_exception(struct cpu_regs *regs)
{
	const struct ex_entry *e = ex_lookup(regs->rip);

	if (!e)
		return 0;
	regs->rip = e->fixup;
	return 1;
}

/* A #PF on a guest address while copying to or from the guest (only
 * there: a stray hypervisor access stays fatal): under shadow paging the
 * shadow may just not be filled yet. */
static int paging_fault(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();

	return regs->vector == 14 && v && v->domain->paging &&
	       ex_lookup(regs->rip) &&
	       v->domain->paging->hv_fault(v, read_cr2(), regs->error_code);
}

static void hv_exception(struct cpu_regs *regs)
{
	if (paging_fault(regs))
		return;
	if ((regs->vector == 14 || regs->vector == 13) && fixup_exception(regs))
		return;
	/* The return to the guest faulted on its frame (bad selector or
	 * non-canonical RIP from an iret hypercall): the guest's fault. */
	if (regs->rip == (uint64_t)iret_to_guest && current_vcpu())
		domain_crash(current_vcpu()->domain,
			     "return to guest faulted (vector %lu): bad iret "
			     "frame",
			     regs->vector);
	fatal_trap(regs);
}

void do_trap(struct cpu_regs *regs);
void do_trap(struct cpu_regs *regs)
{
	if ((regs->cs & 3) == 3) {
		pv_trap_from_guest(regs);
		return;
	}
	if (regs->vector < 32) {
		hv_exception(regs);
		return;
	}
	if (regs->vector == VECTOR_LAPIC_TIMER) {
		apic_timer_interrupt();
		return;
	}
	if (regs->vector == VECTOR_DEVICE) {
		irq_device_interrupt();
		return;
	}
	if (regs->vector == VECTOR_SPURIOUS)
		return;
	pr_warn("unexpected interrupt vector %lu\n", regs->vector);
	apic_eoi();
}

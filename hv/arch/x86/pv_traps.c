/*
 * The 64-bit PV CPU (PV-BOOT.md section 2): guest kernel and user both
 * run in ring 3; the hypervisor tracks which one is running and keeps
 * two roots. Everything that leaves the guest comes through here:
 * exceptions are first offered to the hypervisor's emulations (privileged
 * instructions, CPUID, writes to page tables) and otherwise "bounced":
 * a frame is written on the guest kernel stack, as the hardware would
 * have, and the guest continues at its handler (Xen's create_bounce_frame).
 *
 * Bounce frame, low to high address: RCX, R11, [error code], RIP, CS,
 * RFLAGS, RSP, SS. The CS slot carries the interrupted event mask in bits
 * 32-39 and has RPL 0 if the guest kernel was interrupted, so Linux's
 * user_mode() test works; RFLAGS.IF is the inverse of that mask.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/apic.h>
#include <arch/x86/cpu.h>
#include <arch/x86/desc.h>
#include <arch/x86/layout.h>
#include <arch/x86/pv.h>
#include <arch/x86/regs.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/hypercall.h>
#include <event/evtchn.h>
#include <mm/mmu.h>
#include <mm/paging.h>
#include <mm/ptwr_unhook.h>
#include <drivers/irq.h>

#define X86_EFLAGS_TF	(1u << 8)
#define X86_EFLAGS_IF	(1u << 9)
#define X86_EFLAGS_DF	(1u << 10)
#define X86_EFLAGS_IOPL (3u << 12)
#define X86_EFLAGS_NT	(1u << 14)
#define X86_EFLAGS_RF	(1u << 16)
#define X86_EFLAGS_VM	(1u << 17)
#define X86_EFLAGS_AC	(1u << 18)
#define TBF_MASK_EVENTS 4 /* trap_info.flags: like an interrupt gate */
#define PFEC_USER	(1u << 2)

struct cpu_regs *arch_guest_regs(void)
{
	extern char boot_stack[HV_STACK_SIZE];

	return (struct cpu_regs *)(boot_stack + HV_STACK_SIZE - CPU_REGS_SIZE);
}

/* The root is the paging mode's: the guest's own table (direct) or its
 * shadow. */
void pv_load_cr3(struct vcpu *v)
{
	uint64_t root = v->domain->paging->hw_root(v);

	v->domain->counters.cr3_loads++;
	write_cr3(root << 12);
}

/* First entry of a vCPU: its kernel root, zero segment bases (GS_BASE
 * kernel, KERNEL_GS_BASE user: the guest starts in kernel mode), its
 * timers; then the register frame the builder prepared. */
__noreturn void pv_start_vcpu(struct vcpu *v)
{
	wrmsr(0xc0000100, 0);
	wrmsr(0xc0000101, 0);
	wrmsr(0xc0000102, 0);
	v->cr4 = 0x620; /* guest-visible CR4: PAE OSFXSR OSXMMEXCPT */
	pv_load_cr3(v);
	arch_enter_guest();
}

/* Kernel <-> user: flip the mode, swap the GS bases (the active one is
 * always the current mode's), switch roots (PV-BOOT.md 2.1). */
void pv_toggle_mode(struct vcpu *v)
{
	v->kernel_mode = !v->kernel_mode;
	__asm__ volatile("swapgs");
	pv_load_cr3(v);
}

static int has_error_code(unsigned int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21;
}

static void create_bounce_frame(struct vcpu *v, struct cpu_regs *r,
				const uint64_t *err, uint64_t handler,
				int mask_events)
{
	struct vcpu_info *vi = v->vcpu_info;
	uint64_t was_masked = vi->evtchn_upcall_mask, sp, f[8];
	unsigned int n = 0;
	uint64_t cs = r->cs;

	if (!v->kernel_mode) {
		pv_toggle_mode(v);
		sp = v->kernel_sp;
	} else {
		sp = r->rsp;
		cs &= ~3ull; /* interrupted kernel: Linux expects CPL 0 */
	}
	f[n++] = r->rcx;
	f[n++] = r->r11;
	if (err)
		f[n++] = *err;
	f[n++] = r->rip;
	f[n++] = cs | was_masked << 32;
	f[n++] = (r->rflags & ~(uint64_t)(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) |
		 (was_masked ? 0 : X86_EFLAGS_IF) | ((uint64_t)v->iopl << 12);
	f[n++] = r->rsp;
	f[n++] = r->ss;
	sp = (sp & ~15ull) - n * 8;
	if (!handler)
		domain_crash(v->domain, "no handler to bounce to");
	if (copy_to_guest(sp, f, n * 8))
		domain_crash(v->domain, "cannot write a bounce frame at %lx",
			     sp);
	if (mask_events)
		vi->evtchn_upcall_mask = 1;
	r->rip = handler;
	r->cs = FLAT_KERNEL_CS;
	r->ss = FLAT_KERNEL_SS;
	r->rsp = sp;
	r->rflags &= ~(uint64_t)(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF |
				 X86_EFLAGS_AC | X86_EFLAGS_VM);
	v->domain->counters.bounces++;
}

void pv_inject_exception(struct vcpu *v, unsigned int vec, uint64_t error)
{
	const struct trap_bounce_target *t = &v->traps[vec];

	if (!t->address)
		domain_crash(v->domain,
			     "exception %u with no handler registered (error "
			     "%lx, cr2 %lx)",
			     vec, error, v->cr2);
	create_bounce_frame(v, guest_regs(),
			    has_error_code(vec) ? &error : NULL, t->address,
			    t->flags & TBF_MASK_EVENTS);
}

static void guest_page_fault(struct vcpu *v, struct cpu_regs *r)
{
	uint64_t cr2 = read_cr2(), ec = r->error_code;

	if (v->domain->paging->guest_fault(v, r, cr2))
		return;
	v->cr2 = cr2;
	v->vcpu_info->arch.cr2 = cr2;
	/* The CPU always reports a user-mode access (CPL 3); tell the guest
	 * which of its modes it really was (Xen pv_inject_event). */
	ec = v->kernel_mode ? ec & ~(uint64_t)PFEC_USER : ec | PFEC_USER;
	pv_inject_exception(v, 14, ec);
}

/* "int $n" raises #GP with error code (n << 3) | 2 because our IDT gates
 * (but 3 and 4) have DPL 0; deliver vector n if the guest's trap table
 * allows software interrupts there. */
static int soft_interrupt(struct vcpu *v, struct cpu_regs *r)
{
	unsigned int vec = (unsigned int)(r->error_code >> 3);

	if ((r->error_code & 7) != 2 || vec >= NR_TRAPS)
		return 0;
	if ((v->traps[vec].flags & 3) < (v->kernel_mode ? 1 : 3))
		return 0;
	r->rip += 2;
	create_bounce_frame(v, r, NULL, v->traps[vec].address,
			    v->traps[vec].flags & TBF_MASK_EVENTS);
	return 1;
}

static void guest_exception(struct vcpu *v, struct cpu_regs *r)
{
	unsigned int vec = (unsigned int)r->vector;

	v->domain->counters.traps[vec]++;
	switch (vec) {
	case 14:
		guest_page_fault(v, r);
		return;
	case 13:
		if ((v->kernel_mode && pv_emulate_priv_op(v, r)) ||
		    soft_interrupt(v, r))
			return;
		break;
	case 6:
		if (v->kernel_mode && pv_emulate_cpuid(v, r))
			return;
		break;
	case 2:
	case 8:
	case 18:
		domain_crash(v->domain, "unexpected exception %u in the guest",
			     vec);
	}
	pv_inject_exception(v, vec, r->error_code);
}

void pv_trap_from_guest(struct cpu_regs *r)
{
	struct vcpu *v = current_vcpu();

	if (r->vector < 32)
		guest_exception(v, r);
	else if (r->vector == VECTOR_LAPIC_TIMER)
		apic_timer_interrupt();
	else if (r->vector == VECTOR_DEVICE)
		irq_device_interrupt();
	else if (r->vector != VECTOR_SPURIOUS)
		apic_eoi();
	pv_exit_to_guest(v, r);
}

static void syscall_bounce(struct vcpu *v, struct cpu_regs *r)
{
	if (!v->syscall_callback) {
		r->rip -= 2; /* fault at the SYSCALL instruction */
		pv_inject_exception(v, 6, 0);
		return;
	}
	create_bounce_frame(v, r, NULL, v->syscall_callback,
			    v->syscall_masks_events);
}

void pv_syscall_entry(struct cpu_regs *r);
void pv_syscall_entry(struct cpu_regs *r)
{
	struct vcpu *v = current_vcpu();

	/* An unhooked page table (wpt=unhook) is unreachable from the loaded
	 * roots; only a hypercall can change that (CR3, upper-level entries,
	 * pins, mappings of it), so every hypercall puts it back first. */
	ptwr_rehook(v);
	r->rflags = r->r11; /* SYSCALL saved the guest's RFLAGS in R11 */
	if (r->vector == VECTOR_SYSCALL32) {
		r->rip -= 2;
		pv_inject_exception(v, 6, 0);
	} else if (v->kernel_mode)
		hypercall_dispatch(r);
	else
		syscall_bounce(v, r);
	pv_exit_to_guest(v, r);
}

void pv_exit_to_guest(struct vcpu *v, struct cpu_regs *r)
{
	if (evtchn_upcall_pending(v) && v->event_callback) {
		create_bounce_frame(v, r, NULL, v->event_callback, 1);
		v->domain->counters.events_delivered++;
	}
	/* Hardware flags in guest mode: interrupts on, IOPL 0, no VM86. */
	r->rflags = (r->rflags | X86_EFLAGS_IF | 2) &
		    ~(uint64_t)(X86_EFLAGS_IOPL | X86_EFLAGS_VM);
}

/* ---- hypercalls about the vCPU's trap state ---- */

long do_iret(void)
{
	struct vcpu *v = current_vcpu();
	struct cpu_regs *r = guest_regs();
	struct iret_context c;
	const uint64_t user_flags =
	    0x3f7fd5ull & ~(uint64_t)(X86_EFLAGS_IOPL | X86_EFLAGS_VM);

	if (copy_from_guest(&c, r->rsp, sizeof(c)))
		domain_crash(v->domain, "iret: unreadable frame at %lx",
			     r->rsp);
	if ((c.cs & 3) == 3 && v->kernel_mode) {
		if (!v->guest_table_user)
			domain_crash(v->domain, "iret to user mode without "
						"user page tables");
		pv_toggle_mode(v);
	}
	r->rip = c.rip;
	r->cs = c.cs | 3;
	r->rflags = (c.rflags & user_flags) | X86_EFLAGS_IF | 2;
	r->rsp = c.rsp;
	r->ss = c.ss | 3;
	if (!(c.flags & VGCF_in_syscall)) {
		r->r11 = c.r11;
		r->rcx = c.rcx;
	}
	r->rax = c.rax;
	v->vcpu_info->evtchn_upcall_mask = !(c.rflags & X86_EFLAGS_IF);
	return HYPERCALL_NO_RETURN_VALUE;
}

/* Reads the whole table (up to its zero-address terminator) and checks
 * every entry before installing any: a bad entry changes nothing. */
long do_set_trap_table(uint64_t traps)
{
	static struct trap_info table[NR_TRAPS];
	struct vcpu *v = current_vcpu();
	unsigned int n, i;

	if (!traps) {
		memset(v->traps, 0, sizeof(v->traps));
		return 0;
	}
	for (n = 0;; n++) {
		if (n == NR_TRAPS)
			return -XEN_EINVAL; /* no terminating entry */
		if (copy_from_guest(&table[n], traps + n * sizeof(table[0]),
				    sizeof(table[0])))
			return -XEN_EFAULT;
		if (!table[n].address)
			break;
		if (!guest_range_ok(table[n].address, 1))
			return -XEN_EINVAL;
	}
	for (i = 0; i < n; i++) {
		v->traps[table[i].vector].address = table[i].address;
		v->traps[table[i].vector].flags = table[i].flags;
	}
	return 0;
}

long do_stack_switch(uint64_t ss, uint64_t sp)
{
	struct vcpu *v = current_vcpu();

	v->kernel_ss = ss | 3;
	v->kernel_sp = sp;
	return 0;
}

long do_fpu_taskswitch(uint64_t set)
{
	struct vcpu *v = current_vcpu();

	v->fpu_ts = !!set;
	write_cr0(set ? read_cr0() | 8 : read_cr0() & ~8ull);
	return 0;
}

long do_set_debugreg(uint64_t reg, uint64_t value)
{
	if (reg > 7 || reg == 4 || reg == 5)
		return -XEN_EINVAL;
	if (reg == 7 && (value & (1u << 13)))
		return -XEN_EINVAL; /* GD would trap our own DR accesses */
	current_vcpu()->debugreg[reg] = value;
	return 0;
}

long do_get_debugreg(uint64_t reg)
{
	if (reg > 7 || reg == 4 || reg == 5)
		return -XEN_EINVAL;
	return (long)current_vcpu()->debugreg[reg];
}

int arch_load_user_gs_sel(unsigned int sel);

long do_set_segment_base(uint64_t which, uint64_t base)
{
	struct vcpu *v = current_vcpu();
	int kernel = v->kernel_mode;

	if (which != SEGBASE_GS_USER_SEL && !guest_range_ok(base, 1))
		return -XEN_EINVAL;
	switch (which) {
	case SEGBASE_FS:
		v->fs_base = base;
		wrmsr(0xc0000100, base);
		return 0;
	case SEGBASE_GS_USER:
		v->gs_base_user = base;
		wrmsr(kernel ? 0xc0000102 : 0xc0000101, base);
		return 0;
	case SEGBASE_GS_KERNEL:
		v->gs_base_kernel = base;
		wrmsr(kernel ? 0xc0000101 : 0xc0000102, base);
		return 0;
	case SEGBASE_GS_USER_SEL:
		if (!kernel)
			return -XEN_EINVAL;
		base &= 0xffff;
		if ((base & 3) != 3 && base > 3)
			base |= 3;
		return arch_load_user_gs_sel((unsigned int)base) ? -XEN_EFAULT
								 : 0;
	default:
		return -XEN_EINVAL;
	}
}

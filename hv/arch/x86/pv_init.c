/*
 * CPU state the hypervisor keeps while PV guests run (PV-BOOT.md 2.3,
 * 2.13): SYSCALL enabled and aimed at our entry points, the PAT the Xen
 * ABI promises, SSE usable by the guest (CR4.OSFXSR/OSXMMEXCPT, CR0.MP
 * and NE set, EM and TS clear). The hypervisor itself never touches
 * FPU/SSE state (-mgeneral-regs-only), so the guest's needs no saving.
 */
#include <arch/hooks.h>
#include <arch/x86/cpu.h>
#include <arch/x86/desc.h>

#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_CSTAR  0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_PAT	   0x00000277
#define XEN_PAT	   0x0000050100070406ull
/* RFLAGS bits SYSCALL clears: AC VM RF NT DF IF TF (XEN_SYSCALL_MASK). */
#define SYSCALL_MASK   0x00047700ull
#define CR0_MP	       (1ull << 1)
#define CR0_EM	       (1ull << 2)
#define CR0_TS	       (1ull << 3)
#define CR0_NE	       (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

extern char syscall_entry[], syscall32_entry[], boot_stack_top[];

void arch_pv_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (0xe023ull << 48) | ((uint64_t)HV_CS64 << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_CSTAR, (uint64_t)syscall32_entry);
	wrmsr(MSR_SFMASK, SYSCALL_MASK);
	wrmsr(MSR_PAT, XEN_PAT);
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	/* Traps from ring 3 land at the top of the one hypervisor stack,
	 * where the guest's register frame lives (arch_guest_regs()). */
	arch_set_kernel_stack((uint64_t)boot_stack_top);
}

/* The PV CPU: entry from and exit to guest mode (arch/x86/pv_*.c). */
#ifndef HV_ARCH_X86_PV_H
#define HV_ARCH_X86_PV_H

#include <stdint.h>

struct cpu_regs;
struct vcpu;

/* A trap or interrupt that interrupted the guest (regs->cs RPL 3). */
void pv_trap_from_guest(struct cpu_regs *regs);
/* Delivers exception vec to the guest kernel via its trap table. */
void pv_inject_exception(struct vcpu *v, unsigned int vec, uint64_t error);
/* Last step before every return to the guest: pending event upcall. */
void pv_exit_to_guest(struct vcpu *v, struct cpu_regs *regs);
/* #GP in guest kernel mode: privileged instruction? 1 if emulated. */
int pv_emulate_priv_op(struct vcpu *v, struct cpu_regs *regs);
/* #UD: the forced-emulation CPUID prefix? 1 if emulated. */
int pv_emulate_cpuid(struct vcpu *v, struct cpu_regs *regs);
/* #PF: a write to a read-only L1 page table? 1 if emulated. */
int pv_ptwr_fault(struct vcpu *v, struct cpu_regs *regs, uint64_t cr2);
void pv_toggle_mode(struct vcpu *v);
__attribute__((noreturn)) void pv_start_vcpu(struct vcpu *v);

#endif

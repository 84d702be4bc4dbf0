/*
 * Hypercall dispatch. Every handler is do_<name>(args...) as in Xen, so
 * a reader who knows Xen finds them by grep; the table maps numbers from
 * <xen/xen.h> to handlers. Arguments arrive in RDI, RSI, RDX, R10, R8.
 */
#ifndef HV_DOMAIN_HYPERCALL_H
#define HV_DOMAIN_HYPERCALL_H

#include <stdint.h>

struct cpu_regs;

/* Runs hypercall regs->rax; the result goes to regs->rax unless the
 * hypercall replaced the whole frame (iret). */
void hypercall_dispatch(struct cpu_regs *regs);

/* Result meaning "the handler rewrote the guest frame: leave RAX". */
#define HYPERCALL_NO_RETURN_VALUE (-0x7fffffffffffffffL - 1)

long do_xen_version(uint64_t cmd, uint64_t arg);
long do_vm_assist(uint64_t cmd, uint64_t type);
long do_physdev_op(uint64_t cmd, uint64_t arg);
long do_callback_op(uint64_t cmd, uint64_t arg);
long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg);
long do_sched_op(uint64_t cmd, uint64_t arg);
long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count);
long do_multicall(uint64_t list, uint64_t nr);

/* Architecture (arch/x86/pv_*.c). */
long do_set_trap_table(uint64_t traps);
long do_stack_switch(uint64_t ss, uint64_t esp);
long do_fpu_taskswitch(uint64_t set);
long do_set_debugreg(uint64_t reg, uint64_t value);
long do_get_debugreg(uint64_t reg);
long do_set_segment_base(uint64_t which, uint64_t base);
long do_iret(void);
long do_set_gdt(uint64_t frames, uint64_t entries);
long do_update_descriptor(uint64_t maddr, uint64_t desc);

#endif

/*
 * The contract between generic hypervisor code and the architecture. Each
 * hook is declared once here and implemented under hv/arch/<arch>/.
 */
#ifndef HV_ARCH_HOOKS_H
#define HV_ARCH_HOOKS_H

#include <stdint.h>
#include <lib/compiler.h>

struct boot_info;

/* Descriptor tables, trap vectors, legacy PIC masked. */
void arch_desc_init(void);
/* Stack used when the CPU enters ring 0 from a less privileged ring. */
void arch_set_kernel_stack(uint64_t rsp0);

/* Extend the direct map to all RAM and drop the boot identity map. */
void arch_paging_init(uint64_t max_phys);
/* Map len bytes of MMIO at phys, uncached; returns its virtual address. */
void *arch_ioremap(uint64_t phys, uint64_t len);
void *arch_phys_to_virt(uint64_t phys);

/* TSC and LAPIC timer calibration; timer interrupt enabled. */
void arch_time_init(void);
uint64_t arch_now_ns(void);
/* One-shot timer: calls handler from interrupt context after ns. */
void arch_timer_set(uint64_t ns, void (*handler)(void));
void arch_wait_for_interrupt(void);

/* Memory management hooks used by mm/. */
void arch_map_m2p(uint64_t phys, uint64_t len);
void arch_invlpg(uint64_t va);
/* Runs on the hypervisor's own page tables (no guest mappings) until
 * the next CR3 load: lets shadow paging recycle the frames of the root
 * that was loaded. */
void arch_load_idle_tables(void);
uint64_t arch_read_tsc(void);
uint64_t arch_tsc_hz(void);
/* Wall-clock time from the CMOS RTC, seconds since 1970 (UTC). */
uint64_t arch_rtc_seconds(void);

/* PV guest support: MSRs for SYSCALL, CR0/CR4 for guest FPU/SSE. */
void arch_pv_init(void);
/* Starts running the guest from guest_regs(); never returns. */
__noreturn void arch_enter_guest(void);

/* Stop the machine, reporting status (PVX_EXIT_*) to QEMU's debug-exit
 * device; never returns. */
__noreturn void arch_exit(int status);

/* Print the frame-pointer chain starting at rbp. */
void arch_backtrace(uint64_t rip, uint64_t rbp);
/* The same for a trap frame, where rip may precede its function's
 * prologue. */
void arch_backtrace_trap(uint64_t rip, uint64_t rsp, uint64_t rbp);

#endif

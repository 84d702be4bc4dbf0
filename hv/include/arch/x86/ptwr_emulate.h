/*
 * Emulation of the one guest-kernel instruction that faulted writing a
 * page-table entry in a read-only L1 page ("writable page tables",
 * PV-BOOT.md 3.6). Pure logic: every guest access goes through
 * struct ptwr_ops, so the decoder is tested on the host
 * (tests/unit/test_ptwr_emulate.c). The theory of operation is at the top
 * of arch/x86/ptwr_emulate.c.
 */
#ifndef HV_ARCH_X86_PTWR_EMULATE_H
#define HV_ARCH_X86_PTWR_EMULATE_H

#include <stdint.h>
#include <stddef.h>

struct cpu_regs; /* <arch/x86/regs.h> */

/*
 * The guest side of the emulation, implemented by the page-fault handler.
 * Callbacks return 0 on success; ctx is passed through untouched.
 */
struct ptwr_ops {
	/* Copies len bytes of instruction at guest virtual address va into
	 * buf; -1 if any of them cannot be read. */
	int (*fetch)(void *ctx, uint64_t va, void *buf, unsigned int len);
	/* Reads the current PTE at the 8-byte-aligned address pte_va
	 * atomically (one 64-bit load); -1 if it cannot. */
	int (*read_pte)(void *ctx, uint64_t pte_va, uint64_t *val);
	/*
	 * Validates new_val as an L1 entry and installs it, but only if the
	 * entry still holds old (one 64-bit compare-and-exchange). Returns 0
	 * when installed, PTWR_RETRY when the entry no longer holds old (the
	 * emulator re-reads and recomputes a bounded number of times), or a
	 * negative value when the hypervisor rejects new_val.
	 */
	int (*cmpxchg_pte)(void *ctx, uint64_t pte_va, uint64_t old,
			   uint64_t new_val);
};

enum ptwr_result {
	PTWR_OK = 0,
	/* The PTE kept changing under us: nothing was done; the caller may
	 * return to the guest to re-execute (and re-fault) the instruction. */
	PTWR_RETRY = 1,
	PTWR_UNHANDLED = -1,  /* not one of the forms Linux uses on PTEs */
	PTWR_FAULT = -2,      /* fetch or read_pte failed */
	PTWR_REJECTED = -3,   /* cmpxchg_pte refused the new value */
	PTWR_MISALIGNED = -4, /* not inside the 8-byte PTE holding cr2 */
};

/*
 * Emulates the instruction at regs->rip, which faulted writing linear
 * address cr2 (the CR2 value of the #PF). On PTWR_OK the PTE was updated
 * through ops, the guest registers and arithmetic RFLAGS are updated as
 * the real instruction would, and regs->rip is advanced. On any other
 * result regs is unchanged and why (if non-NULL) describes the problem for
 * the hypervisor log; for PTWR_UNHANDLED it includes the bytes at rip.
 */
int ptwr_emulate(struct cpu_regs *regs, uint64_t cr2,
		 const struct ptwr_ops *ops, void *ctx, char *why,
		 size_t whylen);

#endif

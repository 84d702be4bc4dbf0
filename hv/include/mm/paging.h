/*
 * How a domain's page tables reach the hardware: one small ops table per
 * memory-virtualization mode, chosen per domain when it is built
 * (hv/README.md, "paging="). The MMU hypercalls (mm/mmu.c) and the PV
 * CPU (arch/x86/pv_traps.c, arch/x86/traps.c) decode and count; what an
 * update, a root switch or a page fault means is the mode's business:
 *
 *  - direct (mm/paging_direct.c): the hardware walks the guest's own
 *    tables, which are validated and typed (SOSP'03 3.3.3, the frame
 *    table rules in include/mm/frame_table.h);
 *  - shadow (mm/shadow.c): the guest's tables are ordinary guest memory
 *    and the hardware walks tables PVX derives from them, filled lazily
 *    (the full-virtualization baseline the paper argues against).
 */
#ifndef HV_MM_PAGING_H
#define HV_MM_PAGING_H

#include <stdint.h>
#include <mm/frame_table.h>

struct domain;
struct vcpu;
struct cpu_regs;

enum paging_mode { PAGING_DIRECT, PAGING_SHADOW };

struct paging_ops {
	const char *name;
	/* Set-up before the builder's first call below, and teardown (not
	 * called yet: a run has one domain, whose end ends the machine). */
	int (*init)(struct domain *d);
	void (*teardown)(struct domain *d);
	/* mmu_update MMU_NORMAL_PT_UPDATE (preserve_ad 0) or
	 * MMU_PT_UPDATE_PRESERVE_AD of the 8-byte entry at machine address
	 * ptr. 0 or a negative errno; nothing changed on error. */
	int (*pt_update)(struct domain *d, uint64_t ptr, uint64_t val,
			 int preserve_ad);
	/* update_va_mapping's update (the flush is the caller's). */
	int (*update_va)(struct vcpu *v, uint64_t va, uint64_t val);
	/* MMUEXT_PIN_Ln_TABLE and MMUEXT_UNPIN_TABLE. */
	int (*pin)(struct domain *d, uint64_t mfn, enum pgt_type type);
	int (*unpin)(struct domain *d, uint64_t mfn);
	/* NEW_BASEPTR (user 0) or NEW_USER_BASEPTR (user 1, mfn may be 0):
	 * replaces the vCPU's root; the caller reloads CR3 if it is the
	 * current mode's. */
	int (*set_root)(struct vcpu *v, int user, uint64_t mfn);
	/* The machine frame to load into CR3 for the vCPU's current mode;
	 * the caller loads it at once (a full TLB flush, no PCID). */
	uint64_t (*hw_root)(struct vcpu *v);
	/* The guest asked for a full TLB flush / one address. */
	void (*flush_tlb)(struct vcpu *v);
	void (*invlpg)(struct vcpu *v, uint64_t va);
	/* #PF from the guest: 1 if handled here (the guest resumes as if
	 * nothing happened), 0 if it is the guest's to handle. */
	int (*guest_fault)(struct vcpu *v, struct cpu_regs *r, uint64_t cr2);
	/* #PF in the hypervisor on a guest address (copy to/from guest):
	 * 1 if fixed (retry the access), 0 for the -EFAULT path. */
	int (*hv_fault)(struct vcpu *v, uint64_t cr2, uint64_t ec);
};

extern const struct paging_ops paging_direct_ops;
extern const struct paging_ops paging_shadow_ops;

/* Chooses d's mode and initialises it. 0 or a negative errno. */
int paging_domain_init(struct domain *d, enum paging_mode mode);

#endif

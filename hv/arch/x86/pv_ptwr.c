/*
 * Writable page tables (PV-BOOT.md 3.6). With wpt=unhook the table is
 * first offered to mm/ptwr_unhook.c; otherwise (or if it is not
 * eligible) the store is emulated: a guest
 * kernel store into a read-only L1 page-table page faults; if the
 * faulting address is mapped by a present read-only L1 entry pointing at
 * a live L1 table of the guest, the store is decoded and emulated
 * (arch/x86/ptwr_emulate.c) and the new entry goes through the same
 * check as an mmu_update (pgt_mod_entry). Linux relies on this during
 * early boot (xen_set_pte_init) and for atomic PTE operations.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <arch/x86/page.h>
#include <arch/x86/pv.h>
#include <arch/x86/ptwr_emulate.h>
#include <arch/x86/regs.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <mm/frame_table.h>
#include <mm/pgtable.h>
#include <mm/ptwr_unhook.h>
#include <boot/options.h>

struct ptwr_ctx {
	struct vcpu *v;
	uint64_t l1_mfn; /* the page-table frame being written */
};

static int fetch(void *ctx, uint64_t va, void *buf, unsigned int len)
{
	(void)ctx;
	return copy_from_guest(buf, va, len) ? -1 : 0;
}

static int read_pte(void *ctx, uint64_t pte_va, uint64_t *val)
{
	struct ptwr_ctx *c = ctx;

	*val = ((uint64_t *)mfn_to_virt(c->l1_mfn))[(pte_va & 0xfff) / 8];
	return 0;
}

static int cmpxchg_pte(void *ctx, uint64_t pte_va, uint64_t old,
		       uint64_t new_val)
{
	struct ptwr_ctx *c = ctx;
	unsigned int idx = (unsigned int)((pte_va & 0xfff) / 8);
	uint64_t cur = ((uint64_t *)mfn_to_virt(c->l1_mfn))[idx];

	/* Our stored form has US set; compare what the guest would see. */
	if ((cur & ~(uint64_t)_PAGE_USER) != (old & ~(uint64_t)_PAGE_USER))
		return PTWR_RETRY;
	return pgt_mod_entry(c->l1_mfn, 1, idx, new_val, 0, c->v->domain)
		   ? PTWR_REJECTED
		   : 0;
}

static const struct ptwr_ops ops = { fetch, read_pte, cmpxchg_pte };

/* The frame written through va must be a live L1 of this guest, mapped
 * read-only by the entry the walk finds (entry *idx of L1 *l1). */
static int is_l1_write(struct vcpu *v, uint64_t va, uint64_t *l1_target,
		       uint64_t *l1, unsigned int *idx_out)
{
	uint64_t pte;
	unsigned int idx;
	struct page_info *pg;

	if (pgt_walk_to_l1(v->guest_table, va, l1, &idx))
		return 0;
	*idx_out = idx;
	pte = ((uint64_t *)mfn_to_virt(*l1))[idx];
	if ((pte & (_PAGE_PRESENT | _PAGE_RW)) != _PAGE_PRESENT)
		return 0;
	pg = mfn_to_page(PTE_MFN(pte));
	if (!pg || pg->owner != v->domain->domid || pg->type != PGT_L1 ||
	    !pg->type_count)
		return 0;
	*l1_target = PTE_MFN(pte);
	return 1;
}

int pv_ptwr_fault(struct vcpu *v, struct cpu_regs *r, uint64_t cr2)
{
	struct ptwr_ctx c = { v, 0 };
	uint64_t map_l1;
	unsigned int map_idx;
	char why[128];
	int rc;

	if (!is_l1_write(v, cr2, &c.l1_mfn, &map_l1, &map_idx))
		return 0;
	if (hv_opts.wpt == WPT_UNHOOK &&
	    ptwr_unhook(v, c.l1_mfn, map_l1, map_idx, cr2))
		return 1;
	rc = ptwr_emulate(r, cr2, &ops, &c, why, sizeof(why));
	if (rc != PTWR_OK) {
		gwarn(v->domain,
		      "d%u: write to page table at %lx (rip %lx) not "
		      "emulated: %s\n",
		      v->domain->domid, cr2, r->rip, why);
		return 0;
	}
	v->domain->counters.ptwr_emulations++;
	return 1;
}

/*
 * Direct paging, the paper's design (SOSP'03 3.3.3) and PVX's default:
 * the hardware walks the guest's own page tables. Every frame reachable
 * from a root is typed and validated (include/mm/frame_table.h), so each
 * update is checked against the type rules as it is made
 * (mm/pgtable.c), pins and roots hold type references, and writes to
 * read-only page tables are emulated or unhooked (arch/x86/pv_ptwr.c,
 * mm/ptwr_unhook.c). The hardware never sees a table PVX did not check.
 */
#include <lib/errno.h>
#include <arch/hooks.h>
#include <arch/x86/page.h>
#include <arch/x86/pv.h>
#include <domain/domain.h>
#include <mm/frame_table.h>
#include <mm/paging.h>
#include <mm/pgtable.h>

static int owned(const struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	return pg && pg->owner == d->domid && !(pg->flags & PGF_NO_TABLE);
}

/* A plain store into a frame that is not a live table: allowed if the
 * frame could be mapped writable right now (Xen's writable_mmu_updates). */
static int plain_update(struct domain *d, uint64_t mfn, unsigned int off,
			uint64_t val)
{
	int rc = get_page_type(mfn, PGT_WRITABLE, d);

	if (rc)
		return rc;
	((uint64_t *)mfn_to_virt(mfn))[off / 8] = val;
	put_page_type(mfn);
	return 0;
}

static int direct_pt_update(struct domain *d, uint64_t ptr, uint64_t val,
			    int preserve_ad)
{
	uint64_t mfn = ptr >> PAGE_SHIFT;
	unsigned int off = ptr & (PAGE_SIZE - 1) & ~7u;
	struct page_info *pg = mfn_to_page(mfn);

	if (!owned(d, mfn))
		return -XEN_EPERM;
	if (pg->type_count && pg->type >= PGT_L1 && pg->type <= PGT_L4)
		return pgt_mod_entry(mfn, pg->type - PGT_L1 + 1, off / 8, val,
				     preserve_ad, d);
	return plain_update(d, mfn, off, val);
}

static int direct_update_va(struct vcpu *v, uint64_t va, uint64_t val)
{
	uint64_t l1;
	unsigned int idx;
	int rc = pgt_walk_to_l1(v->guest_table, va, &l1, &idx);

	return rc ? rc : pgt_mod_entry(l1, 1, idx, val, 0, v->domain);
}

static int direct_pin(struct domain *d, uint64_t mfn, enum pgt_type type)
{
	struct page_info *pg = mfn_to_page(mfn);
	int rc;

	if (!owned(d, mfn))
		return -XEN_EINVAL;
	if (pg->flags & PGF_PINNED)
		return -XEN_EINVAL;
	rc = get_page_and_type(mfn, type, d);
	if (rc == 0)
		pg->flags |= PGF_PINNED;
	return rc;
}

static int direct_unpin(struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!owned(d, mfn) || !(pg->flags & PGF_PINNED))
		return -XEN_EINVAL;
	pg->flags &= (uint8_t)~PGF_PINNED;
	put_page_and_type(mfn);
	return 0;
}

/* The new root takes an L4 type reference; the old one drops its own. */
static int direct_set_root(struct vcpu *v, int user, uint64_t mfn)
{
	uint64_t *slot = user ? &v->guest_table_user : &v->guest_table;
	uint64_t old = *slot;
	int rc;

	if (mfn) {
		if (!owned(v->domain, mfn))
			return -XEN_EINVAL;
		rc = get_page_and_type(mfn, PGT_L4, v->domain);
		if (rc)
			return rc;
	}
	*slot = mfn;
	if (old)
		put_page_and_type(old);
	return 0;
}

static uint64_t direct_hw_root(struct vcpu *v)
{
	return v->kernel_mode ? v->guest_table : v->guest_table_user;
}

static void direct_flush_tlb(struct vcpu *v)
{
	(void)v;
	arch_flush_tlb_local();
}

static void direct_invlpg(struct vcpu *v, uint64_t va)
{
	(void)v;
	arch_invlpg(va);
}

/* A store by the guest kernel into a read-only page table: emulated or
 * unhooked; every other fault is the guest's. */
static int direct_guest_fault(struct vcpu *v, struct cpu_regs *r, uint64_t cr2)
{
	return (r->error_code & 3) == 3 && v->kernel_mode &&
	       pv_ptwr_fault(v, r, cr2);
}

static int direct_hv_fault(struct vcpu *v, uint64_t cr2, uint64_t ec)
{
	(void)v;
	(void)cr2;
	(void)ec;
	return 0; /* the hardware walked the guest's tables: a real fault */
}

static int direct_init(struct domain *d)
{
	(void)d;
	return 0;
}

static void direct_teardown(struct domain *d)
{
	(void)d;
}

const struct paging_ops paging_direct_ops = {
	.name = "direct",
	.init = direct_init,
	.teardown = direct_teardown,
	.pt_update = direct_pt_update,
	.update_va = direct_update_va,
	.pin = direct_pin,
	.unpin = direct_unpin,
	.set_root = direct_set_root,
	.hw_root = direct_hw_root,
	.flush_tlb = direct_flush_tlb,
	.invlpg = direct_invlpg,
	.guest_fault = direct_guest_fault,
	.hv_fault = direct_hv_fault,
};

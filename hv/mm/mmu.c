/*
 * mmu_update, update_va_mapping and mmuext_op: the guest's only ways to
 * change a page table in use, each entry checked by mm/pgtable.c. A
 * batch stops at the first failing request and reports how many were
 * done, as Xen's do_mmu_update does (Linux BUGs on failures, so this
 * matters for diagnosis, not recovery).
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <arch/x86/page.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <mm/frame_table.h>
#include <mm/m2p.h>
#include <mm/mmu.h>
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

static int pt_update(struct domain *d, uint64_t ptr, uint64_t val,
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

static int machphys_update(struct domain *d, uint64_t ptr, uint64_t pfn)
{
	uint64_t mfn = ptr >> PAGE_SHIFT;

	if (!owned(d, mfn) || pfn >= d->nr_pages)
		return -XEN_EINVAL;
	m2p_set(mfn, pfn);
	return 0;
}

static int one_update(struct domain *d, const struct mmu_update *u)
{
	switch (u->ptr & 3) {
	case MMU_NORMAL_PT_UPDATE:
	case MMU_PT_UPDATE_NO_TRANSLATE:
		return pt_update(d, u->ptr & ~3ull, u->val, 0);
	case MMU_PT_UPDATE_PRESERVE_AD:
		return pt_update(d, u->ptr & ~3ull, u->val, 1);
	default:
		return machphys_update(d, u->ptr & ~3ull, u->val);
	}
}

static int foreign_ok(const struct domain *d, uint64_t foreigndom)
{
	uint16_t fd = (uint16_t)foreigndom;

	return (fd == DOMID_SELF || fd == d->domid) && (foreigndom >> 16) == 0;
}

long do_mmu_update(uint64_t reqs, uint64_t count, uint64_t pdone,
		   uint64_t foreigndom)
{
	struct domain *d = current_vcpu()->domain;
	uint32_t done;
	long rc = 0;

	if (!foreign_ok(d, foreigndom))
		return -XEN_EPERM;
	for (done = 0; done < (uint32_t)count; done++) {
		struct mmu_update u;

		if (copy_from_guest(&u, reqs + done * sizeof(u), sizeof(u))) {
			rc = -XEN_EFAULT;
			break;
		}
		rc = one_update(d, &u);
		if (rc) {
			gdprintk("mmu_update %u: ptr %lx val %lx failed "
				 "(%ld)\n",
				 done, u.ptr, u.val, rc);
			break;
		}
	}
	d->counters.mmu_update_entries += done;
	counters_hist_add(d->counters.mmu_update_batches, count);
	if (pdone && copy_to_guest(pdone, &done, sizeof(done)))
		return -XEN_EFAULT;
	return rc;
}

static void flush_local(struct domain *d)
{
	d->counters.tlb_flushes++;
	arch_flush_tlb_local();
}

long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
	struct vcpu *v = current_vcpu();
	struct domain *d = v->domain;
	uint64_t l1;
	unsigned int idx;
	int rc;

	if (!guest_range_ok(va, 1))
		return -XEN_EINVAL;
	rc = pgt_walk_to_l1(v->guest_table, va, &l1, &idx);
	if (rc == 0)
		rc = pgt_mod_entry(l1, 1, idx, val, 0, d);
	if (rc) {
		gdprintk("update_va_mapping %lx -> %lx failed (%d)\n", va, val,
			 rc);
		return rc;
	}
	switch (flags & UVMF_FLUSHTYPE_MASK) {
	case UVMF_TLB_FLUSH:
		flush_local(d);
		break;
	case UVMF_INVLPG:
		arch_invlpg(va);
		break;
	}
	return 0;
}

/* ---- mmuext_op ---- */

static int pin(struct domain *d, uint64_t mfn, enum pgt_type type)
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

static int unpin(struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!owned(d, mfn) || !(pg->flags & PGF_PINNED))
		return -XEN_EINVAL;
	pg->flags &= (uint8_t)~PGF_PINNED;
	put_page_and_type(mfn);
	return 0;
}

/* Replaces *slot (an L4 root) by mfn, which may be 0 for the user root. */
static int new_root(struct domain *d, uint64_t *slot, uint64_t mfn)
{
	uint64_t old = *slot;
	int rc;

	if (mfn) {
		if (!owned(d, mfn))
			return -XEN_EINVAL;
		rc = get_page_and_type(mfn, PGT_L4, d);
		if (rc)
			return rc;
	}
	*slot = mfn;
	if (old)
		put_page_and_type(old);
	return 0;
}

static int set_ldt(struct vcpu *v, uint64_t base, uint32_t ents)
{
	if (ents > 8192 || base & (PAGE_SIZE - 1) ||
	    !guest_range_ok(base, ents * 8ull))
		return -XEN_EINVAL;
	if (ents) {
		gdprintk("non-empty LDT (%u entries) not supported yet\n",
			 ents);
		return -XEN_EOPNOTSUPP;
	}
	v->ldt_base = base;
	v->ldt_ents = ents;
	return 0;
}

static int one_ext_op(struct vcpu *v, const struct mmuext_op *op)
{
	struct domain *d = v->domain;
	int rc;

	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return pin(d, op->arg1.mfn,
			   PGT_L1 + op->cmd - MMUEXT_PIN_L1_TABLE);
	case MMUEXT_UNPIN_TABLE:
		return unpin(d, op->arg1.mfn);
	case MMUEXT_NEW_BASEPTR:
		if (!op->arg1.mfn)
			return -XEN_EINVAL;
		rc = new_root(d, &v->guest_table, op->arg1.mfn);
		if (rc == 0 && v->kernel_mode)
			pv_load_cr3(v);
		return rc;
	case MMUEXT_NEW_USER_BASEPTR:
		rc = new_root(d, &v->guest_table_user, op->arg1.mfn);
		if (rc == 0 && !v->kernel_mode)
			pv_load_cr3(v);
		return rc;
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_TLB_FLUSH_ALL:
		flush_local(d);
		return 0;
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_INVLPG_MULTI:
	case MMUEXT_INVLPG_ALL:
		arch_invlpg(op->arg1.linear_addr);
		return 0;
	case MMUEXT_SET_LDT:
		return set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
	case MMUEXT_FLUSH_CACHE:
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		return -XEN_EACCES;
	default:
		return -XEN_ENOSYS;
	}
}

long do_mmuext_op(uint64_t ops, uint64_t count, uint64_t pdone,
		  uint64_t foreigndom)
{
	struct vcpu *v = current_vcpu();
	uint32_t done;
	long rc = 0;

	if (!foreign_ok(v->domain, foreigndom))
		return -XEN_EPERM;
	for (done = 0; done < (uint32_t)count; done++) {
		struct mmuext_op op;

		if (copy_from_guest(&op, ops + done * sizeof(op), sizeof(op))) {
			rc = -XEN_EFAULT;
			break;
		}
		rc = one_ext_op(v, &op);
		if (rc) {
			gdprintk("mmuext_op %u: cmd %u arg %lx failed (%ld)\n",
				 done, op.cmd, op.arg1.mfn, rc);
			break;
		}
	}
	v->domain->counters.mmuext_ops += done;
	if (pdone && copy_to_guest(pdone, &done, sizeof(done)))
		return -XEN_EFAULT;
	return rc;
}

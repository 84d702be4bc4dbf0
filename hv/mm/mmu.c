/*
 * mmu_update, update_va_mapping and mmuext_op: the guest's only ways to
 * change a page table in use. This file decodes, counts and batches;
 * what an update means is the domain's paging mode's (include/mm/paging.h:
 * checked by mm/pgtable.c under direct paging, applied to the guest copy
 * and propagated to the shadows under shadow paging). A
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
#include <mm/paging.h>
#include <mm/pgtable.h>

static int owned(const struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	return pg && pg->owner == d->domid && !(pg->flags & PGF_NO_TABLE);
}

static int pt_update(struct domain *d, uint64_t ptr, uint64_t val,
		     int preserve_ad)
{
	return d->paging->pt_update(d, ptr, val, preserve_ad);
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

static void flush_local(struct vcpu *v)
{
	v->domain->counters.tlb_flushes++;
	v->domain->paging->flush_tlb(v);
}

long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
	struct vcpu *v = current_vcpu();
	struct domain *d = v->domain;
	int rc;

	if (!guest_range_ok(va, 1))
		return -XEN_EINVAL;
	rc = d->paging->update_va(v, va, val);
	if (rc) {
		gdprintk("update_va_mapping %lx -> %lx failed (%d)\n", va, val,
			 rc);
		return rc;
	}
	switch (flags & UVMF_FLUSHTYPE_MASK) {
	case UVMF_TLB_FLUSH:
		flush_local(v);
		break;
	case UVMF_INVLPG:
		d->paging->invlpg(v, va);
		break;
	}
	return 0;
}

/* ---- mmuext_op ---- */

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
		return d->paging->pin(d, op->arg1.mfn,
				      PGT_L1 + op->cmd - MMUEXT_PIN_L1_TABLE);
	case MMUEXT_UNPIN_TABLE:
		return d->paging->unpin(d, op->arg1.mfn);
	case MMUEXT_NEW_BASEPTR:
		if (!op->arg1.mfn)
			return -XEN_EINVAL;
		rc = d->paging->set_root(v, 0, op->arg1.mfn);
		if (rc == 0 && v->kernel_mode)
			pv_load_cr3(v);
		return rc;
	case MMUEXT_NEW_USER_BASEPTR:
		rc = d->paging->set_root(v, 1, op->arg1.mfn);
		if (rc == 0 && !v->kernel_mode)
			pv_load_cr3(v);
		return rc;
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_TLB_FLUSH_ALL:
		flush_local(v);
		return 0;
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_INVLPG_MULTI:
	case MMUEXT_INVLPG_ALL:
		d->paging->invlpg(v, op->arg1.linear_addr);
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

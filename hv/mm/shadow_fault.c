/*
 * Shadow paging's page-fault interception (the theory of operation is at
 * the top of mm/shadow.c): a fault the guest's own tables would not
 * produce is a hidden fault, fixed here by filling the shadow path, and
 * never reaches the guest; a kernel store into one of its read-only page
 * tables is emulated and propagated; every other fault is the guest's.
 * Guest copies made by the hypervisor fill shadows the same way.
 */
#include <lib/printk.h>
#include <arch/hooks.h>
#include <arch/x86/page.h>
#include <arch/x86/ptwr_emulate.h>
#include <arch/x86/regs.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <mm/frame_table.h>
#include <mm/mmu.h>
#include <mm/pgtable.h>
#include <mm/shadow_entry.h>
#include "shadow_private.h"

/* ---- filling ---- */

/* Sets A (and D for a write) in the guest entries, as the hardware
 * would have while walking them. */
static void mark_accessed(struct gwalk *w, int write)
{
	unsigned int level;

	for (level = 4; level >= 1; level--) {
		uint64_t bits = _PAGE_ACCESSED;

		if (level == 1 && write)
			bits |= _PAGE_DIRTY;
		if ((w->entry[level] & bits) != bits) {
			w->entry[level] |= bits;
			sh_table(w->table[level])[w->idx[level]] =
			    w->entry[level];
		}
	}
}

/* Builds the shadow path for a walk the guest's tables allow, from the
 * loaded root. Returns the shadow L1 entry, or 0 with *full set if the
 * pool ran out. */
static uint64_t fill(struct domain *d, uint64_t root, struct gwalk *w,
		     int *full)
{
	struct shadow_domain *sh = d->shadow;
	unsigned int level;
	uint64_t *s, old;
	int r = sh_cache_find(&sh->cache, root, 4), c;

	*full = 0;
	if (r < 0)
		return 0; /* the root itself was dropped: settle reloads */
	for (level = 4; level > 1; level--) {
		uint64_t child = PTE_MFN(w->entry[level]);
		unsigned int i = w->idx[level];

		s = sh_table(sh->rec[r].smfn);
		if (s[i] & _PAGE_PRESENT) {
			c = mfn_to_page(PTE_MFN(s[i]))->sh_rec;
			if (sh->rec[c].gmfn == child &&
			    sh->rec[c].level == level - 1) {
				r = c;
				continue;
			}
			/* Cannot happen by the coherence rule; relink. */
			pr_warn("d%u: shadow: stale L%u entry for %lx\n",
				d->domid, level, child);
		}
		c = sh_get(d, child, level - 1);
		if (c < 0) {
			*full = 1;
			return 0;
		}
		sh_link_upper(sh, r, i, c, w->entry[level]);
		r = c;
	}
	s = sh_table(sh->rec[r].smfn);
	old = s[w->idx[1]];
	s[w->idx[1]] = sh_make_l1e(d, w->entry[1]);
	l1e_put(old);
	return s[w->idx[1]];
}

static int access_ok(uint64_t sl1e, uint64_t ec)
{
	return (sl1e & _PAGE_PRESENT) &&
	       (!(ec & PFEC_WRITE) || (sl1e & _PAGE_RW));
}

/* 1 if the shadow now allows the access the guest's tables allow, 0 if
 * they do not allow it; crashes the domain if its tables hold what the
 * rules refuse (only plain stores into unshadowed tables can do that). */
static int fix(struct vcpu *v, uint64_t cr2, uint64_t ec, struct gwalk *w)
{
	struct domain *d = v->domain;
	uint64_t root = sh_guest_root(v), gl1, sl1e = 0;
	unsigned int tries;
	int full;

	if (!guest_range_ok(cr2, 1) || sh_guest_walk(d, root, cr2, w) ||
	    !sh_walk_permits(&w->entry[1], ec))
		return 0;
	gl1 = w->entry[1];
	/* Written through a writable mapping: not a page table any more. */
	if ((ec & PFEC_WRITE) && mfn_to_page(PTE_MFN(gl1)) &&
	    mfn_to_page(PTE_MFN(gl1))->sh_levels &&
	    sh_mappable(d, PTE_MFN(gl1)))
		sh_unshadow(d, PTE_MFN(gl1));
	mark_accessed(w, ec & PFEC_WRITE);
	for (tries = 0; tries < 2; tries++) {
		if (d->shadow->reload_pending ||
		    sh_cache_find(&d->shadow->cache, root, 4) < 0)
			pv_load_cr3(v); /* (re)builds the root */
		sl1e = fill(d, root, w, &full);
		if (!full)
			break;
		sh_reset(d);
	}
	sh_settle(v);
	if (!access_ok(sl1e, ec))
		domain_crash(d,
			     "shadow: guest entry %016lx for %lx grants what "
			     "PVX refuses (%s a frame not the guest's, a "
			     "descriptor or own page table, or bad flags)",
			     gl1, cr2,
			     (ec & PFEC_WRITE) ? "writing" : "reading");
	d->counters.shadow_faults++;
	arch_invlpg(cr2);
	return 1;
}

/* ---- kernel stores into read-only page tables ---- */

struct emul_ctx {
	struct domain *d;
	uint64_t gmfn; /* the table written */
};

static int emul_fetch(void *ctx, uint64_t va, void *buf, unsigned int len)
{
	(void)ctx;
	return copy_from_guest(buf, va, len) ? -1 : 0;
}

static int emul_read(void *ctx, uint64_t pte_va, uint64_t *val)
{
	struct emul_ctx *c = ctx;

	*val = sh_table(c->gmfn)[(pte_va & (PAGE_SIZE - 1)) / 8];
	return 0;
}

static int emul_cmpxchg(void *ctx, uint64_t pte_va, uint64_t old,
			uint64_t new_val)
{
	struct emul_ctx *c = ctx;
	unsigned int idx = (unsigned int)((pte_va & (PAGE_SIZE - 1)) / 8);

	if (sh_table(c->gmfn)[idx] != old)
		return PTWR_RETRY;
	if (sh_check_entry(c->d, new_val))
		return PTWR_REJECTED;
	sh_write_entry(c->d, c->gmfn, idx, new_val);
	return 0;
}

static const struct ptwr_ops emul_ops = { emul_fetch, emul_read, emul_cmpxchg };

/* A table the guest uses (shadowed) or declared (pinned). */
static int is_table(const struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	return sh_guest_frame(d, mfn) &&
	       (pg->sh_levels || (pg->flags & PGF_PINNED));
}

static int emulate_store(struct vcpu *v, struct cpu_regs *r, uint64_t cr2)
{
	struct gwalk w;
	struct emul_ctx c = { v->domain, 0 };
	char why[128];
	int rc;

	if (!v->kernel_mode || !(r->error_code & PFEC_WRITE) ||
	    sh_guest_walk(v->domain, sh_guest_root(v), cr2, &w) ||
	    !is_table(v->domain, PTE_MFN(w.entry[1])))
		return 0;
	c.gmfn = PTE_MFN(w.entry[1]);
	rc = ptwr_emulate(r, cr2, &emul_ops, &c, why, sizeof(why));
	sh_settle(v);
	if (rc == PTWR_RETRY)
		return 1;
	if (rc != PTWR_OK) {
		gwarn(v->domain,
		      "d%u: shadow: store to page table at %lx (rip %lx) "
		      "not emulated: %s\n",
		      v->domain->domid, cr2, r->rip, why);
		return 0;
	}
	v->domain->counters.ptwr_emulations++;
	return 1;
}

/* ---- the two fault entries of the paging ops ---- */

int shadow_guest_fault(struct vcpu *v, struct cpu_regs *r, uint64_t cr2)
{
	struct gwalk w;

	if (fix(v, cr2, r->error_code, &w))
		return 1;
	return emulate_store(v, r, cr2);
}

/* Consecutive hypervisor faults at one address since the last CR3 load. */
static uint64_t hv_fault_cr2, hv_fault_repeats;

int shadow_hv_fault(struct vcpu *v, uint64_t cr2, uint64_t ec)
{
	struct gwalk w;

	/* The same address again after a fix, on the same root: the
	 * hardware still refuses it, so give up (the copy fails). */
	hv_fault_repeats = cr2 == hv_fault_cr2 ? hv_fault_repeats + 1 : 0;
	hv_fault_cr2 = cr2;
	if (hv_fault_repeats > 2) {
		gwarn(v->domain,
		      "d%u: shadow: guest copy at %lx keeps faulting\n",
		      v->domain->domid, cr2);
		return 0;
	}
	return fix(v, cr2, ec & ~(uint64_t)PFEC_USER_, &w);
}

void shadow_fault_new_root(void)
{
	hv_fault_repeats = 0;
	hv_fault_cr2 = 0;
}

/*
 * Shadow paging (paging=shadow): the full-virtualization baseline of the
 * paper's comparison (VMware, PVM, KVM without EPT), behind the same
 * paging-ops table as direct paging (include/mm/paging.h).
 *
 * The guest is still an unmodified PV guest: its page tables hold
 * machine frame numbers, and it updates them with mmu_update,
 * update_va_mapping and plain stores, and switches them with
 * NEW_BASEPTR. But those tables are now ordinary guest memory: nothing
 * is typed or validated, pins are bookkeeping. The hardware walks
 * shadow tables that PVX derives from them.
 *
 * Shadows. Each guest table frame G in use at level L has at most one
 * shadow S(G, L), a hypervisor frame found through the shadow cache
 * (mm/shadow_cache.c). Shadows are shared as the guest's tables are: the
 * kernel half of every process's L4 points at the same L3s, so their
 * shadows are built once. An upper-level shadow entry points at the
 * child's shadow (sh_lne); a shadow L1 entry maps what the guest entry
 * maps (sh_l1e, mm/shadow_entry.c). Shadow L4s carry the hypervisor's
 * slots 256..271, copied when they are made, whatever the guest's L4
 * holds there.
 *
 * Filling (hidden faults, mm/shadow_fault.c). A new shadow is empty. A #PF from the guest
 * walks the guest's own tables for CR2 (the current mode's root): if
 * they would not allow the access, the fault is the guest's and is
 * bounced, unless it is a kernel store to a read-only page-table page,
 * which is emulated (arch/x86/ptwr_emulate.c) and propagated like an
 * mmu_update. Otherwise the shadow path is built, accessed/dirty bits
 * are set in the guest entries as the hardware would have, and the
 * guest resumes without seeing the fault. The hypervisor's own guest
 * copies fill shadows the same way (arch/x86/traps.c).
 *
 * Coherence rule: a shadow entry always equals what the rules derive
 * from the current guest entry, or is empty. Every way the guest can
 * change an entry of a shadowed table keeps it so, eagerly:
 *  - mmu_update, update_va_mapping and emulated stores write the guest
 *    entry and re-derive it in every shadow of that table (an upper
 *    level is emptied and refilled on demand);
 *  - plain stores cannot bypass this: a shadowed table is mapped
 *    read-only in every shadow (SH_FRAME_TABLE; when a frame is first
 *    shadowed, writable shadow mappings of it are downgraded and the TLB
 *    is flushed), so they fault and are emulated;
 *  - a guest that maps one of its tables writable (Linux does when it
 *    frees a page table, never while it uses one: direct paging would
 *    refuse it) says the frame is data again: its shadows are dropped.
 * Hence invlpg and TLB flushes need only the hardware's, and a CR3
 * switch only finds (or builds) the root in the cache.
 *
 * Why it is safe. The hardware only walks shadows, and a shadow entry
 * only grants what the rules allow at the moment it is made: a frame
 * the domain owns (its memory, or a page shared with it), with a
 * general reference held by the entry, writable only with a writable
 * type reference (so never a descriptor table, frame_table.h); shadow
 * frames are the hypervisor's, so no shadow entry ever maps one; the
 * hypervisor's slots are in every root. Guest mistakes only make its
 * own view incoherent (the same as not flushing its TLB), except an
 * entry a plain store made that the rules refuse when it is needed:
 * the domain is crashed with a report. A freed shadow frame is not
 * reused until the next CR3 load has flushed every cached translation
 * through it (the limbo list), and if it was the loaded root, the root
 * is rebuilt and reloaded before the guest runs again.
 *
 * When the pool (shadow_pages=, at most SH_MAX_PAGES shadows) is
 * exhausted, every shadow is dropped and rebuilt on demand
 * (shadow_resets); if that happens while a root is being loaded, PVX
 * first moves onto its own page tables, so that the frames of the root
 * it leaves can be recycled at once.
 */
#include <lib/errno.h>
#include <lib/panic.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/page.h>
#include <boot/options.h>
#include <domain/domain.h>
#include <mm/frame_table.h>
#include <mm/frames.h>
#include <mm/mmu.h>
#include <mm/paging.h>
#include <mm/pgtable.h>
#include <mm/shadow_cache.h>
#include <mm/shadow_entry.h>
#include "shadow_private.h"

static const unsigned int level_shift[] = { 0, L1_SHIFT, L2_SHIFT, L3_SHIFT,
					    L4_SHIFT };

static int hv_slot(unsigned int level, unsigned int i)
{
	return level == 4 && i >= HV_L4_FIRST && i <= HV_L4_LAST;
}

static struct sh_rec *rec_of_smfn(struct shadow_domain *sh, uint64_t smfn)
{
	return &sh->rec[mfn_to_page(smfn)->sh_rec];
}

/* ---- shadow frames: pool, limbo ---- */

static uint64_t frame_get(struct shadow_domain *sh)
{
	uint64_t smfn;

	if (sh->nr_pool)
		smfn = sh->pool[--sh->nr_pool];
	else if (sh->nr_frames < sh->max_frames &&
		 (smfn = alloc_frames(1, 1)) != INVALID_PFN)
		sh->nr_frames++;
	else
		return 0;
	memset(sh_table(smfn), 0, PAGE_SIZE);
	return smfn;
}

/* Called right before a CR3 load: nothing cached survives it. */
static void limbo_drain(struct shadow_domain *sh)
{
	while (sh->nr_limbo)
		sh->pool[sh->nr_pool++] = sh->limbo[--sh->nr_limbo];
}

/* ---- references held by shadow L1 entries ---- */

/* The shadow of guest L1 entry g, with its references taken. */
uint64_t sh_make_l1e(struct domain *d, uint64_t g)
{
	struct page_info *pg = mfn_to_page(PTE_MFN(g));
	unsigned int frame = 0;
	uint64_t s;

	if (pg && sh_mappable(d, PTE_MFN(g)))
		frame |= SH_FRAME_OWNED;
	if (pg && pg->sh_levels)
		frame |= SH_FRAME_TABLE;
	s = sh_l1e(g, frame);
	if (!s || get_page(PTE_MFN(s), d))
		return 0;
	/* A descriptor table keeps its type: mapped read-only. */
	if ((s & _PAGE_RW) && get_page_type(PTE_MFN(s), PGT_WRITABLE, d))
		s &= ~(uint64_t)(_PAGE_RW | _PAGE_DIRTY);
	return s;
}

/* Empties upper-level shadow entry i of s, unlinking the child. */
static void clear_upper(struct shadow_domain *sh, uint64_t *s, unsigned int i)
{
	if (s[i] & _PAGE_PRESENT)
		rec_of_smfn(sh, PTE_MFN(s[i]))->nparents--;
	s[i] = 0;
}

void sh_link_upper(struct shadow_domain *sh, int parent, unsigned int i,
		   int child, uint64_t g)
{
	uint64_t *s = sh_table(sh->rec[parent].smfn);

	clear_upper(sh, s, i);
	s[i] = sh_lne(g, sh->rec[child].smfn);
	sh->rec[child].nparents++;
	sh->rec[child].parent = (uint32_t)parent << 9 | i;
}

/* ---- making and dropping shadows ---- */

/* Downgrades every writable shadow mapping of gmfn (it is about to be
 * shadowed); the type references they held are dropped. */
static void remove_writable(struct shadow_domain *sh, uint64_t gmfn)
{
	unsigned int r, i;

	for (r = 0; r < SH_MAX_PAGES; r++) {
		uint64_t *s;

		if (!sh->rec[r].used || sh->rec[r].level != 1)
			continue;
		s = sh_table(sh->rec[r].smfn);
		for (i = 0; i < PT_ENTRIES; i++) {
			if ((s[i] & (_PAGE_PRESENT | _PAGE_RW)) !=
				(_PAGE_PRESENT | _PAGE_RW) ||
			    PTE_MFN(s[i]) != gmfn)
				continue;
			s[i] &= ~(uint64_t)(_PAGE_RW | _PAGE_DIRTY);
			put_page_type(gmfn);
		}
	}
}

/* The frame becomes a shadowed table: from now on read-only in every
 * shadow, and no stale writable translation may survive. */
static void protect(struct shadow_domain *sh, uint64_t gmfn)
{
	struct page_info *pg = mfn_to_page(gmfn);

	if (pg->sh_levels || pg->type != PGT_WRITABLE)
		return;
	if (pg->type_count)
		remove_writable(sh, gmfn);
	if (!pg->type_count)
		pg->type = PGT_NONE;
	sh->flush_pending = 1;
}

/* The shadow of (gmfn, level), made if needed; -1 if the pool is empty. */
int sh_get(struct domain *d, uint64_t gmfn, unsigned int level)
{
	struct shadow_domain *sh = d->shadow;
	int r = sh_cache_find(&sh->cache, gmfn, level);
	uint64_t smfn;
	unsigned int i;

	if (r >= 0)
		return r;
	smfn = frame_get(sh);
	if (!smfn)
		return -1;
	r = sh_cache_add(&sh->cache, gmfn, level, smfn);
	if (r < 0) {
		sh->pool[sh->nr_pool++] = smfn;
		return -1;
	}
	if (level == 4)
		for (i = HV_L4_FIRST; i <= HV_L4_LAST; i++)
			sh_table(smfn)[i] = arch_hv_l4_entry(i);
	mfn_to_page(smfn)->sh_rec = (uint16_t)r;
	protect(sh, gmfn);
	mfn_to_page(gmfn)->sh_levels |= (uint8_t)(1u << (level - 1));
	d->counters.shadow_pages_created++;
	return r;
}

/* Empties every shadow entry pointing at record r. */
static void unlink_parents(struct shadow_domain *sh, int r)
{
	struct sh_rec *c = &sh->rec[r];
	unsigned int p = c->parent >> 9, slot = c->parent & 511, q, i;
	uint64_t *s;

	if (c->nparents && p < SH_MAX_PAGES && sh->rec[p].used &&
	    sh->rec[p].level == c->level + 1) {
		s = sh_table(sh->rec[p].smfn);
		if ((s[slot] & _PAGE_PRESENT) && PTE_MFN(s[slot]) == c->smfn)
			clear_upper(sh, s, slot);
	}
	for (q = 0; q < SH_MAX_PAGES && c->nparents; q++) {
		if (!sh->rec[q].used || sh->rec[q].level != c->level + 1)
			continue;
		s = sh_table(sh->rec[q].smfn);
		for (i = 0; i < PT_ENTRIES; i++)
			if ((s[i] & _PAGE_PRESENT) && PTE_MFN(s[i]) == c->smfn)
				clear_upper(sh, s, i);
	}
}

/* Drops the references a shadow holds (its contents stay as they are
 * until the frame leaves limbo: the hardware may still walk them). */
static void release_entries(struct shadow_domain *sh, struct sh_rec *c,
			    int unlink_children)
{
	const uint64_t *s = sh_table(c->smfn);
	unsigned int i;

	for (i = 0; i < PT_ENTRIES; i++) {
		if (!(s[i] & _PAGE_PRESENT) || hv_slot(c->level, i))
			continue;
		if (c->level == 1)
			l1e_put(s[i]);
		else if (unlink_children)
			rec_of_smfn(sh, PTE_MFN(s[i]))->nparents--;
	}
}

static void sh_free(struct domain *d, int r)
{
	struct shadow_domain *sh = d->shadow;
	struct sh_rec *c = &sh->rec[r];

	unlink_parents(sh, r);
	release_entries(sh, c, 1);
	mfn_to_page(c->gmfn)->sh_levels &= (uint8_t) ~(1u << (c->level - 1));
	if (r == sh->hw_root) {
		sh->hw_root = -1;
		sh->reload_pending = 1;
	}
	sh->limbo[sh->nr_limbo++] = c->smfn;
	sh_cache_del(&sh->cache, (unsigned int)r);
	d->counters.shadow_pages_freed++;
}

/* The guest frame is no longer a page table: drop its shadows. */
void sh_unshadow(struct domain *d, uint64_t gmfn)
{
	struct page_info *pg = mfn_to_page(gmfn);
	unsigned int level;
	int r;

	for (level = 1; level <= 4 && pg->sh_levels; level++) {
		if (!(pg->sh_levels & (1u << (level - 1))))
			continue;
		r = sh_cache_find(&d->shadow->cache, gmfn, level);
		BUG_ON(r < 0);
		sh_free(d, r);
	}
}

/* Drops every shadow (pool exhausted, or teardown). */
void sh_reset(struct domain *d)
{
	struct shadow_domain *sh = d->shadow;
	unsigned int r;

	for (r = 0; r < SH_MAX_PAGES; r++) {
		struct sh_rec *c = &sh->rec[r];

		if (!c->used)
			continue;
		release_entries(sh, c, 0);
		mfn_to_page(c->gmfn)->sh_levels = 0;
		sh->limbo[sh->nr_limbo++] = c->smfn;
		sh_cache_del(&sh->cache, r);
		d->counters.shadow_pages_freed++;
	}
	sh->hw_root = -1;
	sh->reload_pending = 1;
	d->counters.shadow_resets++;
}

/* Before the guest (or a guest copy) runs again: reload a freed root,
 * or flush translations that a newly shadowed table may still have. */
void sh_settle(struct vcpu *v)
{
	struct shadow_domain *sh = v->domain->shadow;

	if (sh->reload_pending)
		pv_load_cr3(v); /* flushes, and clears both */
	if (sh->flush_pending) {
		sh->flush_pending = 0;
		arch_flush_tlb_local();
	}
}

/* ---- guest entry writes: the coherence rule ---- */

/* Writes entry idx of guest table gmfn and re-derives it in the
 * shadows of that table. */
void sh_write_entry(struct domain *d, uint64_t gmfn, unsigned int idx,
		    uint64_t val)
{
	struct shadow_domain *sh = d->shadow;
	struct page_info *pg = mfn_to_page(gmfn), *tp;
	unsigned int level;

	sh_table(gmfn)[idx] = val;
	if (!pg->sh_levels)
		return;
	/* A writable leaf mapping of a shadowed table: it is data again. */
	tp = mfn_to_page(PTE_MFN(val));
	if ((pg->sh_levels & 1) &&
	    (val & (_PAGE_PRESENT | _PAGE_RW)) == (_PAGE_PRESENT | _PAGE_RW) &&
	    tp && tp->sh_levels && sh_mappable(d, PTE_MFN(val)))
		sh_unshadow(d, PTE_MFN(val));
	for (level = 1; level <= 4; level++) {
		int r;
		uint64_t *s, old;

		if (!(pg->sh_levels & (1u << (level - 1))) ||
		    hv_slot(level, idx))
			continue;
		r = sh_cache_find(&sh->cache, gmfn, level);
		s = sh_table(sh->rec[r].smfn);
		if (level > 1) {
			clear_upper(sh, s, idx); /* refilled on demand */
			continue;
		}
		old = s[idx];
		s[idx] = sh_make_l1e(d, val);
		l1e_put(old);
	}
}

/* What any guest entry may hold: PV flags, a frame the domain may map. */
int sh_check_entry(const struct domain *d, uint64_t val)
{
	if (!(val & _PAGE_PRESENT))
		return 0;
	if (val & ~L1_ALLOWED & PTE_FLAGS_MASK)
		return -XEN_EINVAL;
	return sh_mappable(d, PTE_MFN(val)) ? 0 : -XEN_EPERM;
}

static int update(struct domain *d, uint64_t gmfn, unsigned int idx,
		  uint64_t val, int preserve_ad)
{
	const uint64_t ad = _PAGE_ACCESSED | _PAGE_DIRTY;
	int rc;

	if (!sh_guest_frame(d, gmfn))
		return -XEN_EPERM;
	/* A descriptor table's frames must keep equalling PVX's checked
	 * copy (arch/x86/pv_gdt.c), as under direct paging. */
	if (mfn_to_page(gmfn)->type == PGT_SEG_DESC &&
	    mfn_to_page(gmfn)->type_count)
		return -XEN_EINVAL;
	rc = sh_check_entry(d, val);
	if (rc) {
		gdprintk("shadow: entry %lx for %lx[%u] refused (%d)\n", val,
			 gmfn, idx, rc);
		return rc;
	}
	if (preserve_ad)
		val |= sh_table(gmfn)[idx] & ad;
	sh_write_entry(d, gmfn, idx, val);
	sh_settle(current_vcpu());
	return 0;
}

static int shadow_pt_update(struct domain *d, uint64_t ptr, uint64_t val,
			    int preserve_ad)
{
	return update(d, ptr >> PAGE_SHIFT, (ptr & (PAGE_SIZE - 1)) / 8, val,
		      preserve_ad);
}

/* ---- walking the guest's tables ---- */

/* 0 if every level is present in guest tables of the domain, else the
 * level that is not. */
unsigned int sh_guest_walk(const struct domain *d, uint64_t root, uint64_t va,
			   struct gwalk *w)
{
	uint64_t mfn = root;
	unsigned int level;

	for (level = 4; level >= 1; level--) {
		if (!mfn || !sh_guest_frame(d, mfn))
			return level;
		w->table[level] = mfn;
		w->idx[level] = pt_index(va, level_shift[level]);
		w->entry[level] = sh_table(mfn)[w->idx[level]];
		if (!(w->entry[level] & _PAGE_PRESENT))
			return level;
		mfn = PTE_MFN(w->entry[level]);
	}
	return 0;
}

static int shadow_update_va(struct vcpu *v, uint64_t va, uint64_t val)
{
	struct gwalk w;

	if (sh_guest_walk(v->domain, v->guest_table, va, &w) > 1)
		return -XEN_EINVAL;
	return update(v->domain, w.table[1], w.idx[1], val, 0);
}

static int shadow_pin(struct domain *d, uint64_t mfn, enum pgt_type type)
{
	struct page_info *pg = mfn_to_page(mfn);

	(void)type;
	if (!sh_guest_frame(d, mfn) || (pg->flags & PGF_PINNED))
		return -XEN_EINVAL;
	pg->flags |= PGF_PINNED;
	return 0;
}

static int shadow_unpin(struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!sh_guest_frame(d, mfn) || !(pg->flags & PGF_PINNED))
		return -XEN_EINVAL;
	pg->flags &= (uint8_t)~PGF_PINNED;
	return 0;
}

static int shadow_set_root(struct vcpu *v, int user, uint64_t mfn)
{
	struct domain *d = v->domain;

	if (mfn && !sh_guest_frame(d, mfn))
		return -XEN_EINVAL;
	if (mfn && sh_cache_find(&d->shadow->cache, mfn, 4) >= 0)
		d->counters.shadow_root_hits++;
	else if (mfn)
		d->counters.shadow_root_misses++;
	if (user)
		v->guest_table_user = mfn;
	else
		v->guest_table = mfn;
	return 0;
}

static uint64_t shadow_hw_root(struct vcpu *v)
{
	struct domain *d = v->domain;
	struct shadow_domain *sh = d->shadow;
	uint64_t root = sh_guest_root(v) ? sh_guest_root(v) : v->guest_table;
	int r = sh_get(d, root, 4);

	if (r < 0) {
		/* Every frame may now be in limbo, the loaded root among them:
		 * leave it before recycling them. */
		sh_reset(d);
		arch_load_idle_tables();
		limbo_drain(sh);
		r = sh_get(d, root, 4);
		if (r <
		    0) /* not even one frame: the hypervisor is out of memory */
			domain_crash(d, "shadow: no memory for a shadow root");
	}
	sh->hw_root = r;
	shadow_fault_new_root();
	sh->reload_pending = 0;
	sh->flush_pending = 0; /* the caller's CR3 load flushes */
	limbo_drain(sh);
	return sh->rec[r].smfn;
}

static void shadow_flush_tlb(struct vcpu *v)
{
	(void)v;
	arch_flush_tlb_local();
}

static void shadow_invlpg(struct vcpu *v, uint64_t va)
{
	(void)v;
	arch_invlpg(va);
}

static int shadow_init(struct domain *d)
{
	uint64_t n = (sizeof(struct shadow_domain) + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t mfn = alloc_frames(n, 1);

	if (mfn == INVALID_PFN)
		return -XEN_ENOMEM;
	d->shadow = mfn_to_virt(mfn);
	memset(d->shadow, 0, sizeof(*d->shadow));
	sh_cache_init(&d->shadow->cache, d->shadow->rec,
		      (unsigned int)hv_opts.shadow_pages);
	d->shadow->max_frames = 2 * (unsigned int)hv_opts.shadow_pages;
	d->shadow->hw_root = -1;
	return 0;
}

static void shadow_teardown(struct domain *d)
{
	sh_reset(d);
}

const struct paging_ops paging_shadow_ops = {
	.name = "shadow",
	.init = shadow_init,
	.teardown = shadow_teardown,
	.pt_update = shadow_pt_update,
	.update_va = shadow_update_va,
	.pin = shadow_pin,
	.unpin = shadow_unpin,
	.set_root = shadow_set_root,
	.hw_root = shadow_hw_root,
	.flush_tlb = shadow_flush_tlb,
	.invlpg = shadow_invlpg,
	.guest_fault = shadow_guest_fault,
	.hv_fault = shadow_hv_fault,
};

/*
 * Writable page tables with "unhook" semantics, after Xen 2/3, the
 * successor of SOSP'03's batched updates: instead of trapping every
 * store into a page table, trap the first one, let the guest write the
 * table freely, and check the whole page once, when it is next needed.
 *
 * Which tables: an L1 X that the hardware cannot use right now: X is
 * held by exactly one L2 entry E (its type count, less one for a pin, is
 * 1; the parent hint recorded at validation is checked against the L2),
 * and E's L2 is reachable from neither the current kernel root nor the
 * current user root. That is the table of another address space, e.g.
 * the child's tables that fork fills. Xen 3 also disconnected tables in
 * use ("active") by clearing E's present bit; that is visible to the
 * guest, which reads its own L2 entries (Linux then rebuilds a "missing"
 * PMD), so PVX emulates stores into tables in use instead.
 *
 * Unhook (first write fault on such an X, guest kernel mode):
 *   1. Snapshot X.
 *   2. Make the faulting read-only mapping of X writable, without a
 *      writable type reference: X keeps its L1 type. Safe because no
 *      translation uses X: the loaded roots do not reach it, and the TLB
 *      holds nothing through it (the last CR3 load flushed it; guest
 *      mappings are not global).
 * Rehook (before X could become reachable: at every hypercall, because
 * only hypercalls switch CR3, change upper-level entries, pin, unpin or
 * map page-table frames; nothing else needs it, since no translation,
 * ours or the guest's, goes through X meanwhile):
 *   3. Make the mapping read-only again (invlpg).
 *   4. Every entry that differs from the snapshot is checked as an
 *      mmu_update would check it; all new references are taken before any
 *      old one is dropped. A refused entry crashes the domain: it broke
 *      the rule while nothing could stop it.
 * One L1 is unhooked at a time (one vCPU); a write fault on another one
 * rehooks the first.
 */
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/page.h>
#include <domain/domain.h>
#include <mm/frame_table.h>
#include <mm/pgtable.h>
#include <mm/ptwr_unhook.h>

static struct {
	int active;
	uint64_t l1;	 /* the writable table */
	uint64_t map_l1; /* the guest PTE made writable ... */
	unsigned int map_idx;
	uint64_t map_va; /* ... for this address */
	uint64_t snapshot[PT_ENTRIES];
} uh;

static uint64_t *table(uint64_t mfn)
{
	return mfn_to_virt(mfn);
}

/* The L2 entry holding l1 alone, from the hint, or 0 if none. */
static int sole_parent(uint64_t l1, uint64_t *l2, unsigned int *idx)
{
	struct page_info *pg = mfn_to_page(l1), *p2;
	uint64_t e;

	if (!pg || pg->type != PGT_L1 || !pg->parent ||
	    pg->type_count - !!(pg->flags & PGF_PINNED) != 1)
		return 0;
	*l2 = pg->parent >> 9;
	*idx = pg->parent & 511;
	p2 = mfn_to_page(*l2);
	if (!p2 || p2->type != PGT_L2 || !p2->type_count ||
	    !(p2->flags & PGF_VALIDATED))
		return 0;
	e = table(*l2)[*idx];
	return (e & _PAGE_PRESENT) && PTE_MFN(e) == l1;
}

/* Is the L2 l2 reachable from the L4 root (any present L3 entry of a
 * guest slot pointing at it)? */
static int reaches(uint64_t root, uint64_t l2)
{
	const uint64_t *l4 = table(root), *l3;
	unsigned int i, j;

	for (i = 0; i < PT_ENTRIES; i++) {
		if (!(l4[i] & _PAGE_PRESENT) ||
		    (i >= HV_L4_FIRST && i <= HV_L4_LAST))
			continue;
		l3 = table(PTE_MFN(l4[i]));
		for (j = 0; j < PT_ENTRIES; j++)
			if ((l3[j] & _PAGE_PRESENT) && PTE_MFN(l3[j]) == l2)
				return 1;
	}
	return 0;
}

static int in_use(struct vcpu *v, uint64_t l2)
{
	return (v->guest_table && reaches(v->guest_table, l2)) ||
	       (v->guest_table_user && reaches(v->guest_table_user, l2));
}

int ptwr_unhook(struct vcpu *v, uint64_t l1_mfn, uint64_t map_l1,
		unsigned int map_idx, uint64_t va)
{
	uint64_t l2;
	unsigned int idx;

	ptwr_rehook(v);
	if (map_l1 == l1_mfn || !sole_parent(l1_mfn, &l2, &idx) ||
	    in_use(v, l2))
		return 0;
	uh.active = 1;
	uh.l1 = l1_mfn;
	uh.map_l1 = map_l1;
	uh.map_idx = map_idx;
	uh.map_va = va & ~0xfffull;
	memcpy(uh.snapshot, table(l1_mfn), sizeof(uh.snapshot));
	table(map_l1)[map_idx] |= _PAGE_RW;
	arch_invlpg(uh.map_va);
	v->domain->counters.ptwr_unhooks++;
	return 1;
}

/* Takes references for every changed entry, then drops the old ones. */
static int revalidate(struct vcpu *v, uint64_t *t)
{
	unsigned int i, changed = 0;

	for (i = 0; i < PT_ENTRIES; i++) {
		if (t[i] == uh.snapshot[i] || l1e_get(t[i], v->domain) == 0)
			continue;
		printk("(PVX) d%u: wpt=unhook: entry %u of L1 %lx refused: "
		       "%016lx\n",
		       v->domain->domid, i, uh.l1, t[i]);
		while (i-- > 0)
			if (t[i] != uh.snapshot[i])
				l1e_put(t[i]);
		return -1;
	}
	for (i = 0; i < PT_ENTRIES; i++) {
		if (t[i] == uh.snapshot[i])
			continue;
		l1e_put(uh.snapshot[i]);
		t[i] = pgt_adjust(t[i]);
		changed++;
	}
	v->domain->counters.ptwr_rehook_entries += changed;
	return 0;
}

int ptwr_rehook(struct vcpu *v)
{
	if (!uh.active)
		return 0;
	uh.active = 0;
	table(uh.map_l1)[uh.map_idx] &= ~(uint64_t)_PAGE_RW;
	arch_invlpg(uh.map_va);
	if (revalidate(v, table(uh.l1)))
		domain_crash(v->domain, "invalid entry written into an "
					"unhooked page table");
	return 1;
}

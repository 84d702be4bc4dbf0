/*
 * Validation of guest page tables and checked entry updates: the
 * mechanism of SOSP'03 section 3.3.3 ("validated direct paging").
 *
 * get_page_from_lNe() checks one entry and takes the references it
 * implies; put_page_from_lNe() drops them. pgt_validate() applies the
 * former to every entry of a frame, undoing the entries already taken on
 * failure (check everything, then change anything: the frame's contents
 * are only adjusted after every entry passed). Every present entry gets
 * US=1 in hardware, because the guest kernel runs at CPL 3 too; kernel
 * and user are separated by the two roots, not by the US bit.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <arch/x86/page.h>
#include <domain/domain.h>
#include <mm/pgtable.h>

int l1e_get(uint64_t e, struct domain *d)
{
	uint64_t mfn = PTE_MFN(e);
	int rc;

	if (!(e & _PAGE_PRESENT))
		return 0;
	if (e & ~L1_ALLOWED & PTE_FLAGS_MASK) {
		gdprintk("bad L1 flags in %016lx\n", e);
		return -XEN_EINVAL;
	}
	rc = get_page(mfn, d);
	if (rc) {
		gdprintk("L1 entry %016lx maps a frame it does not own\n", e);
		return rc;
	}
	if (e & _PAGE_RW) {
		rc = get_page_type(mfn, PGT_WRITABLE, d);
		if (rc) {
			gdprintk("L1 entry %016lx: frame is a table, cannot be "
				 "writable\n",
				 e);
			put_page(mfn);
		}
	}
	return rc;
}

void l1e_put(uint64_t e)
{
	if (!(e & _PAGE_PRESENT))
		return;
	if (e & _PAGE_RW)
		put_page_type(PTE_MFN(e));
	put_page(PTE_MFN(e));
}

/* Levels 2..4: the entry must point at a valid table one level down. */
static int lne_get(uint64_t e, unsigned int level, struct domain *d)
{
	int rc;

	if (!(e & _PAGE_PRESENT))
		return 0;
	if (e & ~LN_ALLOWED & PTE_FLAGS_MASK) {
		gdprintk("bad L%u flags in %016lx\n", level, e);
		return -XEN_EINVAL;
	}
	rc = get_page_and_type(PTE_MFN(e), PGT_L1 + level - 2, d);
	if (rc)
		gdprintk("L%u entry %016lx: target is not a valid L%u\n", level,
			 e, level - 1);
	return rc;
}

static void lne_put(uint64_t e, unsigned int level)
{
	if (e & _PAGE_PRESENT)
		put_page_and_type(PTE_MFN(e));
}

/* Remembers which L2 entry holds an L1 when it is the only L2 entry
 * holding it. */
static void note_parent(uint64_t e, unsigned int level, uint64_t table,
			unsigned int idx)
{
	struct page_info *pg;

	if (level != 2 || !(e & _PAGE_PRESENT))
		return;
	pg = mfn_to_page(PTE_MFN(e));
	/* A pin holds the type too but makes nothing reachable. */
	if (pg && pg->type_count - !!(pg->flags & PGF_PINNED) == 1)
		pg->parent = table << 9 | idx;
}

static int entry_get(uint64_t e, unsigned int level, struct domain *d,
		     uint64_t table, unsigned int idx)
{
	int rc = level == 1 ? l1e_get(e, d) : lne_get(e, level, d);

	if (rc == 0)
		note_parent(e, level, table, idx);
	return rc;
}

static void entry_put(uint64_t e, unsigned int level)
{
	if (level == 1)
		l1e_put(e);
	else
		lne_put(e, level);
}

static int guest_slot(unsigned int level, unsigned int i)
{
	return level != 4 || i < HV_L4_FIRST || i > HV_L4_LAST;
}

/* The hardware form of a validated guest entry. */
static uint64_t adjust(uint64_t e)
{
	return (e & _PAGE_PRESENT) ? (e | _PAGE_USER) : e;
}

int pgt_validate(uint64_t mfn, enum pgt_type type, struct domain *d)
{
	uint64_t *t = mfn_to_virt(mfn);
	unsigned int level = type - PGT_L1 + 1, i;
	int rc = 0;

	if (type == PGT_SEG_DESC)
		return 0; /* descriptors are checked by set_gdt */
	for (i = 0; i < PT_ENTRIES; i++) {
		if (!guest_slot(level, i))
			continue;
		rc = entry_get(t[i], level, d, mfn, i);
		if (rc)
			break;
	}
	if (rc) {
		while (i-- > 0)
			if (guest_slot(level, i))
				entry_put(t[i], level);
		return rc;
	}
	for (i = 0; i < PT_ENTRIES; i++)
		t[i] = guest_slot(level, i) ? adjust(t[i])
					    : arch_hv_l4_entry(i);
	d->counters.page_validations++;
	return 0;
}

void pgt_devalidate(uint64_t mfn, enum pgt_type type)
{
	uint64_t *t = mfn_to_virt(mfn);
	unsigned int level = type - PGT_L1 + 1, i;

	if (type == PGT_SEG_DESC)
		return;
	for (i = 0; i < PT_ENTRIES; i++)
		if (guest_slot(level, i))
			entry_put(t[i], level);
}

int pgt_mod_entry(uint64_t mfn, unsigned int level, unsigned int idx,
		  uint64_t new, int preserve_ad, struct domain *d)
{
	const uint64_t ad = _PAGE_ACCESSED | _PAGE_DIRTY;
	uint64_t *t = mfn_to_virt(mfn);
	uint64_t old = t[idx];
	int rc;

	if (!guest_slot(level, idx))
		return -XEN_EINVAL; /* the hypervisor's slots */
	/* Same target and permissions (A/D aside): no references move. */
	if ((new &_PAGE_PRESENT) && ((old ^ adjust(new)) & ~ad) == 0) {
		t[idx] = adjust(preserve_ad ? new | (old & ad) : new);
		return 0;
	}
	rc = entry_get(new, level, d, mfn, idx);
	if (rc)
		return rc;
	if (preserve_ad)
		new |= old &ad;
	/* One CPU, entered with interrupts off: an aligned 8-byte store is
	 * atomic with respect to the hardware's A/D updates of this entry. */
	t[idx] = adjust(new);
	entry_put(old, level);
	return 0;
}

static int table_ok(uint64_t mfn, enum pgt_type type)
{
	struct page_info *pg = mfn_to_page(mfn);

	return pg && pg->type == type && pg->type_count &&
	       (pg->flags & PGF_VALIDATED);
}

int pgt_walk_to_l1(uint64_t root, uint64_t va, uint64_t *l1_mfn,
		   unsigned int *idx)
{
	static const unsigned int shift[] = { 0, L1_SHIFT, L2_SHIFT, L3_SHIFT,
					      L4_SHIFT };
	uint64_t mfn = root, e;
	unsigned int level;

	for (level = 4; level > 1; level--) {
		if (!table_ok(mfn, PGT_L1 + level - 1))
			return -XEN_EINVAL;
		e = ((uint64_t *)mfn_to_virt(mfn))[pt_index(va, shift[level])];
		if (!(e & _PAGE_PRESENT))
			return -XEN_EINVAL;
		mfn = PTE_MFN(e);
	}
	if (!table_ok(mfn, PGT_L1))
		return -XEN_EINVAL;
	*l1_mfn = mfn;
	*idx = pt_index(va, L1_SHIFT);
	return 0;
}

/* Diagnosis of a refused promotion (debug log only): which validated L1
 * tables still map mfn writable, and which L2 entries use those tables. */
void pgt_debug_writable_mappings(uint64_t mfn)
{
	uint64_t l1, l2;
	unsigned int i, j;

	for (l1 = 0; l1 < frame_table_size; l1++) {
		const uint64_t *t;

		if (frame_table[l1].type != PGT_L1 ||
		    !frame_table[l1].type_count)
			continue;
		t = mfn_to_virt(l1);
		for (i = 0; i < PT_ENTRIES; i++) {
			if ((t[i] & (_PAGE_PRESENT | _PAGE_RW)) !=
				(_PAGE_PRESENT | _PAGE_RW) ||
			    PTE_MFN(t[i]) != mfn)
				continue;
			pr_debug("  mapped RW by L1 %lx[%u] (L1 refs %u, flags "
				 "%x)\n",
				 l1, i, frame_table[l1].type_count,
				 frame_table[l1].flags);
			for (l2 = 0; l2 < frame_table_size; l2++) {
				const uint64_t *u = mfn_to_virt(l2);

				if (frame_table[l2].type != PGT_L2 ||
				    !frame_table[l2].type_count)
					continue;
				for (j = 0; j < PT_ENTRIES; j++)
					if ((u[j] & _PAGE_PRESENT) &&
					    PTE_MFN(u[j]) == l1)
						pr_debug("    via L2 %lx[%u]\n",
							 l2, j);
			}
		}
	}
}

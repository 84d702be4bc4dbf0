/*
 * Frame table bookkeeping; the rules are in include/mm/frame_table.h.
 * Single CPU, hypervisor entered with interrupts off: no locking.
 */
#include <stddef.h>
#include <lib/errno.h>
#include <lib/panic.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <domain/domain.h>
#include <mm/frame_table.h>
#include <mm/frames.h>

struct page_info *frame_table;
uint64_t frame_table_size;

struct page_info *mfn_to_page(uint64_t mfn)
{
	return mfn < frame_table_size ? &frame_table[mfn] : NULL;
}

void frame_assign(uint64_t mfn, uint16_t owner, uint8_t flags)
{
	struct page_info *pg = mfn_to_page(mfn);

	BUG_ON(!pg || pg->count || pg->type_count);
	pg->owner = owner;
	pg->type = PGT_NONE;
	pg->flags = flags;
}

int get_page(uint64_t mfn, const struct domain *d)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!pg)
		return -XEN_EINVAL;
	if (pg->owner != d->domid)
		return -XEN_EPERM;
	if (pg->count == UINT32_MAX)
		return -XEN_EBUSY;
	pg->count++;
	return 0;
}

void put_page(uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	BUG_ON(!pg || pg->count == 0);
	pg->count--;
}

static int is_table_type(enum pgt_type t)
{
	return t != PGT_NONE && t != PGT_WRITABLE;
}

/* First type reference: (re)type the frame, validating tables. The type
 * is set before validation so that a table reachable from itself (a
 * "linear" page table) meets a conflicting type and fails. */
static int take_first_type(struct page_info *pg, uint64_t mfn,
			   enum pgt_type type, struct domain *d)
{
	enum pgt_type prev = (enum pgt_type)pg->type;
	int rc;

	pg->type = (uint8_t)type;
	pg->type_count = 1;
	pg->flags &= (uint8_t)~PGF_VALIDATED;
	if (!is_table_type(type))
		return 0;
	if (pg->flags & PGF_NO_TABLE) {
		rc = -XEN_EINVAL;
		goto fail;
	}
	rc = pgt_validate(mfn, type, d);
	if (rc)
		goto fail;
	pg->flags |= PGF_VALIDATED;
	if (prev == PGT_WRITABLE)
		arch_flush_tlb_local(); /* no stale writable translation */
	return 0;
fail:
	pg->type = PGT_NONE;
	pg->type_count = 0;
	return rc;
}

int get_page_type(uint64_t mfn, enum pgt_type type, struct domain *d)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!pg)
		return -XEN_EINVAL;
	if (pg->type_count == 0)
		return take_first_type(pg, mfn, type, d);
	if (pg->type != type) {
		gdprintk("mfn %lx: wanted type %u, is type %u with %u refs\n",
			 mfn, type, pg->type, pg->type_count);
		if (pg->type == PGT_WRITABLE && log_enabled(LOG_DEBUG))
			pgt_debug_writable_mappings(mfn);
		return -XEN_EINVAL; /* in use as something else */
	}
	if (is_table_type(type) && !(pg->flags & PGF_VALIDATED))
		return -XEN_EINVAL; /* being validated: a cycle */
	if (pg->type_count == UINT32_MAX)
		return -XEN_EBUSY;
	pg->type_count++;
	return 0;
}

void put_page_type(uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);
	enum pgt_type type;

	BUG_ON(!pg || pg->type_count == 0);
	if (--pg->type_count)
		return;
	type = (enum pgt_type)pg->type;
	if (!is_table_type(type))
		return; /* stays "writable": a promotion must flush the TLB */
	if (pg->flags & PGF_VALIDATED) {
		/* Keep the type while devalidating so a cycle cannot re-enter. */
		pg->flags &= (uint8_t)~PGF_VALIDATED;
		pgt_devalidate(mfn, type);
	}
	pg->type = PGT_NONE;
}

int get_page_and_type(uint64_t mfn, enum pgt_type type, struct domain *d)
{
	int rc = get_page(mfn, d);

	if (rc)
		return rc;
	rc = get_page_type(mfn, type, d);
	if (rc)
		put_page(mfn);
	return rc;
}

void put_page_and_type(uint64_t mfn)
{
	put_page_type(mfn);
	put_page(mfn);
}

void frame_table_init(uint64_t nr_frames)
{
	uint64_t bytes = nr_frames * sizeof(struct page_info);
	uint64_t pfn = alloc_frames((bytes + 4095) / 4096, 1);

	BUG_ON(pfn == INVALID_PFN);
	frame_table = mfn_to_virt(pfn);
	frame_table_size = nr_frames;
	memset(frame_table, 0, bytes);
	for (pfn = 0; pfn < nr_frames; pfn++)
		frame_table[pfn].owner = OWNER_NONE;
}

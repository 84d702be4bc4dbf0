/*
 * The frame table: one record per machine frame, the state behind the
 * paper's "validated direct paging" (SOSP'03 section 3.3.3).
 *
 * Each frame has an owner, a general reference count and a type with its
 * own count. The rules (after Xen's _get_page_type, xen/arch/x86/mm.c):
 *
 *  - A frame's type can change only while its type count is 0.
 *  - Taking a page-table type (L1..L4) or the segment-descriptor type on a
 *    frame validates its whole contents: every present entry must itself
 *    be valid, and validation takes a reference (and a type reference)
 *    on every frame the entries point to. Failure undoes what was taken.
 *  - Dropping the last type reference of such a frame devalidates it:
 *    the references its entries held are dropped again (recursively).
 *  - A mapping with RW set takes the "writable" type on its target.
 *
 * Hence the invariant the guest can never break: a frame in use as a page
 * table or descriptor table (type count > 0) has no writable mapping, and
 * a frame with a writable mapping cannot become one. Page tables can only
 * be changed through the hypervisor, which validates every new entry.
 *
 * Stale TLB entries: dropping the last writable mapping does not flush;
 * instead, a frame that was writable is flushed from the TLB when it is
 * promoted to a page-table type (single CPU: a local flush suffices).
 */
#ifndef HV_MM_FRAME_TABLE_H
#define HV_MM_FRAME_TABLE_H

#include <stdint.h>

enum pgt_type {
	PGT_NONE,
	PGT_L1, /* levels 1..4 in order: PGT_L1 + level - 1 */
	PGT_L2,
	PGT_L3,
	PGT_L4,
	PGT_SEG_DESC, /* GDT/LDT frame */
	PGT_WRITABLE,
};

#define OWNER_NONE 0xffff /* free or hypervisor-private */

#define PGF_PINNED    0x01 /* pinned by MMUEXT_PIN_Ln_TABLE */
#define PGF_VALIDATED 0x02 /* page-table/descriptor contents checked */
#define PGF_NO_TABLE \
	0x04 /* hypervisor page shared with the guest:
				   mappable, never a table */

struct page_info {
	uint16_t owner;	     /* domid, or OWNER_NONE */
	uint8_t type;	     /* enum pgt_type */
	uint8_t flags;	     /* PGF_* */
	uint32_t type_count; /* references holding the type */
	uint32_t count;	     /* general references */
	/* paging=shadow (mm/shadow.c). A guest frame: the levels (bit
	 * level - 1) at which it has a shadow. A shadow frame: its record
	 * in the shadow cache. */
	uint8_t sh_levels;
	uint16_t sh_rec;
	/* L1 frames: the L2 entry that last took the type while it was the
	 * only holder, as (L2 mfn << 9 | index). A hint for wpt=unhook,
	 * always checked against the L2 before use. */
	uint64_t parent;
};

_Static_assert(sizeof(struct page_info) == 24, "page_info: one per frame");

struct domain;

extern struct page_info *frame_table;
extern uint64_t frame_table_size; /* frames covered */

void frame_table_init(uint64_t nr_frames);
struct page_info *mfn_to_page(uint64_t mfn); /* NULL if out of range */
void frame_assign(uint64_t mfn, uint16_t owner, uint8_t flags);

/* General reference: the frame must belong to d. 0 or -EPERM/-EINVAL. */
int get_page(uint64_t mfn, const struct domain *d);
void put_page(uint64_t mfn);

/* Type reference (validating on first use). 0 or negative errno. */
int get_page_type(uint64_t mfn, enum pgt_type type, struct domain *d);
void put_page_type(uint64_t mfn);
int get_page_and_type(uint64_t mfn, enum pgt_type type, struct domain *d);
void put_page_and_type(uint64_t mfn);

/* Provided by mm/pgtable.c: validate/devalidate a frame's contents. */
int pgt_validate(uint64_t mfn, enum pgt_type type, struct domain *d);
void pgt_devalidate(uint64_t mfn, enum pgt_type type);
void pgt_debug_writable_mappings(uint64_t mfn);

/* Provided by the architecture: the frame's contents (direct map) and
 * the flush that makes a promotion safe. */
void *mfn_to_virt(uint64_t mfn);
void arch_flush_tlb_local(void);

#endif

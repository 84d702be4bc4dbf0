/*
 * Guest page-table validation and checked updates (PV-BOOT.md 3.2-3.4).
 * See include/mm/frame_table.h for the type rules these implement.
 */
#ifndef HV_MM_PGTABLE_H
#define HV_MM_PGTABLE_H

#include <stdint.h>
#include <mm/frame_table.h>

struct domain;

/* Flags a 64-bit PV guest may set: P RW US A D AVAIL(9-11,52-62) NX, and
 * G in L1 entries. PWT/PCD/PAT (cache control) and PS (superpages) are
 * refused: the guest has no I/O privileges and no superpage support. */
#define PTE_FLAGS_MASK 0xfff0000000000fffull
#define PTE_MFN(e)     (((e)&0x000ffffffffff000ull) >> 12)
#define L1_ALLOWED     0xfff0000000000f67ull /* incl. G (bit 8) */
#define LN_ALLOWED     0xfff0000000000e67ull /* no G, no PS */

/* PML4 slots the hypervisor owns in every guest root (256..271). */
#define HV_L4_FIRST 256
#define HV_L4_LAST  271

/* Checked update of entry idx of the table frame mfn (which has type
 * PGT_L1 + level - 1 and is in use) to new. preserve_ad keeps the old
 * entry's accessed/dirty bits (MMU_PT_UPDATE_PRESERVE_AD). */
int pgt_mod_entry(uint64_t mfn, unsigned int level, unsigned int idx,
		  uint64_t new, int preserve_ad, struct domain *d);

/* One L1 entry's references: taken (0 or error, nothing taken) and
 * dropped. Used where entries change outside pgt_mod_entry (wpt=unhook). */
int l1e_get(uint64_t e, struct domain *d);
void l1e_put(uint64_t e);
/* The hardware form of a validated guest entry (US set if present). */
static inline uint64_t pgt_adjust(uint64_t e)
{
	return (e & 1) ? (e | 4) : e;
}

/* Finds the L1 frame and index mapping va under the L4 frame root.
 * Returns 0, or -EINVAL if a level is missing or not a validated table. */
int pgt_walk_to_l1(uint64_t root, uint64_t va, uint64_t *l1_mfn,
		   unsigned int *idx);

/* Provided by the architecture: the hypervisor's entries for the L4
 * slots it owns, copied into every guest root. */
uint64_t arch_hv_l4_entry(unsigned int slot);

#endif

/*
 * Shadow paging's two pure rules (mm/shadow_entry.c, host-tested): may
 * the guest's own tables perform an access, and what may a shadow entry
 * grant for a guest entry. The theory of operation is in mm/shadow.c.
 */
#ifndef HV_MM_SHADOW_ENTRY_H
#define HV_MM_SHADOW_ENTRY_H

#include <stdint.h>

/* Page-fault error code bits (Intel SDM vol. 3A, 4.7). */
#define PFEC_PRESENT (1u << 0)
#define PFEC_WRITE   (1u << 1)
#define PFEC_USER_   (1u << 2)
#define PFEC_INSN    (1u << 4)

/* What PVX knows about the frame a guest L1 entry maps. */
#define SH_FRAME_OWNED 1 /* the domain's (its memory or a shared page) */
#define SH_FRAME_TABLE 2 /* a guest page table with a shadow: read-only */

/* 1 if the walk through the guest entries e[0..3] (one per level, in
 * any order) allows the access described by the error code ec: a write needs RW at
 * every level, an instruction fetch no NX at any level. US is not
 * checked: 64-bit PV guests separate kernel and user by their two roots,
 * and every level is user-accessible in hardware. */
int sh_walk_permits(const uint64_t e[4], uint64_t ec);

/* The shadow L1 entry for guest entry g mapping a frame with the
 * SH_FRAME_* facts 'frame': not present (0) unless g is present and
 * accessed, its flags are ones a PV guest may use, and the frame is the
 * domain's; writable only if g is writable and dirty (the first write
 * faults and sets D in g, as the hardware would) and the frame is not a
 * shadowed page table. Never global; US always (PV). */
uint64_t sh_l1e(uint64_t g, unsigned int frame);

/* The shadow entry at levels 2-4 for guest entry g, pointing at the
 * shadow of g's target: g's RW and NX, present, user, accessed. */
uint64_t sh_lne(uint64_t g, uint64_t child_smfn);

#endif

/* Writable page tables, "unhook" semantics (wpt=unhook); see
 * mm/ptwr_unhook.c for the theory of operation. */
#ifndef HV_MM_PTWR_UNHOOK_H
#define HV_MM_PTWR_UNHOOK_H

#include <stdint.h>

struct vcpu;

/* Write fault at va on the L1 l1_mfn, mapped read-only by entry map_idx
 * of the L1 map_l1: if no loaded root reaches l1_mfn, let the guest
 * write it directly until the next rehook. 1 if done (the guest retries
 * the write), 0 if not eligible (the caller emulates the write). */
int ptwr_unhook(struct vcpu *v, uint64_t l1_mfn, uint64_t map_l1,
		unsigned int map_idx, uint64_t va);
/* Revalidates the writable L1 and write-protects it again, if there is
 * one; called at every hypercall. Returns 1 if there was one. */
int ptwr_rehook(struct vcpu *v);

#endif

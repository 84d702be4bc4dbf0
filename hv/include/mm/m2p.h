/*
 * The machine-to-physical table (PV-BOOT.md 3.7): m2p[mfn] = pfn for
 * guest frames, INVALID_M2P_ENTRY for others. Mapped read-only for every
 * guest at MACH2PHYS_VIRT_START (PML4 slot 256).
 */
#ifndef HV_MM_M2P_H
#define HV_MM_M2P_H

#include <stdint.h>

#define INVALID_M2P_ENTRY (~0ull)

void m2p_init(uint64_t nr_frames);
void m2p_set(uint64_t mfn, uint64_t pfn);
uint64_t m2p_get(uint64_t mfn);
uint64_t m2p_max_mfn(void);

#endif

/*
 * The machine-frame allocator of the running hypervisor (a global
 * struct frame_alloc set up from the boot memory map, see mm/frames.c).
 */
#ifndef HV_MM_FRAMES_H
#define HV_MM_FRAMES_H

#include <stdint.h>

struct boot_info;

#define INVALID_PFN (~0ull)

void frames_init(const struct boot_info *bi);
/* n contiguous frames aligned to align frames; INVALID_PFN when none. */
uint64_t alloc_frames(uint64_t n, uint64_t align);
void free_frames(uint64_t pfn, uint64_t n);
uint64_t frames_free_count(void);
uint64_t frames_total_count(void);
/* Allocation patterns checked against the reserved ranges; 0 if good. */
int frames_selftest(const struct boot_info *bi);

#endif

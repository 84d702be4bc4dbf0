/*
 * Searching the boot memory map for free physical ranges (pure logic).
 */
#ifndef HV_MM_MEMMAP_H
#define HV_MM_MEMMAP_H

#include <stdint.h>
#include <boot/bootinfo.h>

struct phys_range {
	uint64_t start, end; /* bytes, end exclusive */
};

#define MEMMAP_NONE (~0ull)

/* Lowest page-aligned address a such that [a, a + size) lies inside one
 * available region, below limit, and overlaps none of resv. */
uint64_t memmap_find(const struct mem_region *mem, unsigned int nr_mem,
		     const struct phys_range *resv, unsigned int nr_resv,
		     uint64_t size, uint64_t limit);
/* End of the highest available region (bytes). */
uint64_t memmap_top(const struct mem_region *mem, unsigned int nr_mem);

#endif

/*
 * Memory-map search used before any allocator exists (to place the frame
 * bitmap). Quadratic in the number of ranges, which are a handful.
 */
#include <lib/compiler.h>
#include <mm/memmap.h>

#define PG 4096ull

static const struct phys_range *overlap(const struct phys_range *resv,
					unsigned int nr, uint64_t a, uint64_t b)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (resv[i].start < b && a < resv[i].end)
			return &resv[i];
	return NULL;
}

uint64_t memmap_find(const struct mem_region *mem, unsigned int nr_mem,
		     const struct phys_range *resv, unsigned int nr_resv,
		     uint64_t size, uint64_t limit)
{
	unsigned int i;

	for (i = 0; i < nr_mem; i++) {
		uint64_t a = ALIGN_UP(mem[i].base, PG);
		uint64_t end = ALIGN_DOWN(mem[i].base + mem[i].len, PG);
		const struct phys_range *r;

		if (mem[i].type != MEM_AVAILABLE)
			continue;
		end = MIN(end, limit);
		while (a < end && size <= end - a) {
			r = overlap(resv, nr_resv, a, a + size);
			if (!r)
				return a;
			a = ALIGN_UP(r->end, PG);
		}
	}
	return MEMMAP_NONE;
}

uint64_t memmap_top(const struct mem_region *mem, unsigned int nr_mem)
{
	uint64_t top = 0;
	unsigned int i;

	for (i = 0; i < nr_mem; i++)
		if (mem[i].type == MEM_AVAILABLE)
			top = MAX(top, mem[i].base + mem[i].len);
	return top;
}

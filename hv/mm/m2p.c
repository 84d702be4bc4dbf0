/*
 * The M2P table; see include/mm/m2p.h. The hypervisor writes it through
 * the direct map; guests read it through the read-only mapping that
 * arch_map_m2p() installs in PML4 slot 256 of the hypervisor's tables
 * (copied into every guest root).
 */
#include <lib/panic.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <mm/frames.h>
#include <mm/m2p.h>

static uint64_t *m2p;
static uint64_t m2p_entries;

void m2p_init(uint64_t nr_frames)
{
	uint64_t pages = (nr_frames * 8 + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t pfn = alloc_frames(pages, 1);

	BUG_ON(pfn == INVALID_PFN);
	m2p = arch_phys_to_virt(pfn * PAGE_SIZE);
	m2p_entries = pages * PAGE_SIZE / 8;
	memset(m2p, 0xff, pages * PAGE_SIZE);
	arch_map_m2p(pfn * PAGE_SIZE, pages * PAGE_SIZE);
}

void m2p_set(uint64_t mfn, uint64_t pfn)
{
	BUG_ON(mfn >= m2p_entries);
	m2p[mfn] = pfn;
}

uint64_t m2p_get(uint64_t mfn)
{
	return mfn < m2p_entries ? m2p[mfn] : INVALID_M2P_ENTRY;
}

uint64_t m2p_max_mfn(void)
{
	return m2p_entries - 1;
}

/*
 * The hypervisor's own page tables (the "idle" tables; guests will copy
 * PML4 slots 256..271 from here). boot.S left a 4 GiB direct map and an
 * identity map; arch_paging_init() extends the direct map over all RAM
 * with 2 MiB pages and removes the identity map, after which a stray
 * access to a low address faults instead of silently hitting memory.
 * MMIO gets its own uncached 4 KiB mappings in the ioremap area.
 */
#include <stdint.h>
#include <lib/compiler.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/cpu.h>
#include <arch/x86/layout.h>
#include <arch/x86/page.h>
#include <mm/frames.h>
#include <mm/frame_table.h>
#include <mm/pgtable.h>
#include <public/xen_abi.h>
#include <public/pvx.h>

extern pte_t boot_pml4[PT_ENTRIES];

static uint64_t ioremap_next = IOREMAP_VIRT_START;

void *arch_phys_to_virt(uint64_t phys)
{
	return (void *)(DIRECTMAP_VIRT_START + phys);
}

static uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	if (v >= DIRECTMAP_VIRT_START)
		return v - DIRECTMAP_VIRT_START;
	return v - HV_VIRT_OFFSET;
}

/* Returns the table the entry points to, allocating a zeroed one if the
 * entry is empty. Fails only when memory is exhausted during boot, which
 * is fatal. */
static pte_t *next_table(pte_t *entry)
{
	uint64_t pfn;
	pte_t *t;

	if (*entry & _PAGE_PRESENT)
		return arch_phys_to_virt(*entry & PTE_ADDR_MASK);
	pfn = alloc_frames(1, 1);
	if (pfn == INVALID_PFN) {
		pr_err("out of memory for hypervisor page tables\n");
		arch_exit(PVX_EXIT_NOMEM);
	}
	t = arch_phys_to_virt(pfn << PAGE_SHIFT);
	memset(t, 0, PAGE_SIZE);
	/* US on intermediate entries is harmless: the leaf decides, and
	 * only the M2P's leaves allow user access. */
	*entry = (pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER;
	return t;
}

static void map_2m(uint64_t va, uint64_t pa, uint64_t flags)
{
	pte_t *l3 = next_table(&boot_pml4[pt_index(va, L4_SHIFT)]);
	pte_t *l2 = next_table(&l3[pt_index(va, L3_SHIFT)]);

	l2[pt_index(va, L2_SHIFT)] = pa | flags | _PAGE_PSE;
}

static void map_4k(uint64_t va, uint64_t pa, uint64_t flags)
{
	pte_t *l3 = next_table(&boot_pml4[pt_index(va, L4_SHIFT)]);
	pte_t *l2 = next_table(&l3[pt_index(va, L3_SHIFT)]);
	pte_t *l1 = next_table(&l2[pt_index(va, L2_SHIFT)]);

	l1[pt_index(va, L1_SHIFT)] = pa | flags;
	invlpg(va);
}

void *arch_ioremap(uint64_t phys, uint64_t len)
{
	uint64_t base = ALIGN_DOWN(phys, PAGE_SIZE);
	uint64_t end = ALIGN_UP(phys + len, PAGE_SIZE);
	uint64_t va = ioremap_next, pa;

	if (va + (end - base) > IOREMAP_VIRT_END) {
		pr_err("ioremap area exhausted\n");
		arch_exit(PVX_EXIT_NOMEM);
	}
	for (pa = base; pa < end; pa += PAGE_SIZE, ioremap_next += PAGE_SIZE)
		map_4k(ioremap_next, pa,
		       _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT |
			   _PAGE_NX);
	return (void *)(va + (phys - base));
}

void arch_paging_init(uint64_t max_phys)
{
	uint64_t pa, end = ALIGN_UP(max_phys, LARGE_PAGE_SIZE);

	if (end > DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START)
		end = DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START;
	for (pa = BOOT_DIRECTMAP_SIZE; pa < end; pa += LARGE_PAGE_SIZE)
		map_2m(DIRECTMAP_VIRT_START + pa, pa,
		       _PAGE_PRESENT | _PAGE_RW | _PAGE_NX);
	boot_pml4[0] = 0;
	write_cr3(virt_to_phys(boot_pml4));
	pr_info("paging: direct map 0-%lu MiB at %p, identity map removed\n",
		end > BOOT_DIRECTMAP_SIZE ? end >> 20
					  : BOOT_DIRECTMAP_SIZE >> 20,
		(void *)DIRECTMAP_VIRT_START);
}

void *mfn_to_virt(uint64_t mfn)
{
	return arch_phys_to_virt(mfn << PAGE_SHIFT);
}

void arch_flush_tlb_local(void)
{
	write_cr3(read_cr3());
}

void arch_invlpg(uint64_t va)
{
	invlpg(va);
}

void arch_load_idle_tables(void)
{
	write_cr3(virt_to_phys(boot_pml4));
}

/* The M2P, read-only and user-accessible (guests read it at CPL 3), at
 * MACH2PHYS_VIRT_START; the intermediate tables allow user access too. */
void arch_map_m2p(uint64_t phys, uint64_t len)
{
	uint64_t off;

	for (off = 0; off < len; off += PAGE_SIZE)
		map_4k(MACH2PHYS_VIRT_START + off, phys + off,
		       _PAGE_PRESENT | _PAGE_USER | _PAGE_NX);
	boot_pml4[pt_index(MACH2PHYS_VIRT_START, L4_SHIFT)] |= _PAGE_USER;
}

/* Guest roots carry the hypervisor's slots 256..271 as they are here;
 * the slots must all exist before the first guest table is validated. */
uint64_t arch_hv_l4_entry(unsigned int slot)
{
	return boot_pml4[slot];
}

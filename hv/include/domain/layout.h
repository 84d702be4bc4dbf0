/*
 * The start-of-day memory layout of a PV guest (PV-BOOT.md 1.5, the
 * order of Xen's domU toolstack): kernel image, start_info, xenstore and
 * console pages, the initial page tables, a boot stack and padding, all
 * mapped 1:1 at virt_base + pfn * 4 KiB below v_end; then the initrd and
 * the P2M array (with its own page tables at the INIT_P2M address),
 * unmapped; then free memory. Pure arithmetic, host-tested.
 */
#ifndef HV_DOMAIN_LAYOUT_H
#define HV_DOMAIN_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <domain/elf.h>

struct pv_layout {
	uint64_t nr_pages;
	uint64_t virt_base;
	uint64_t start_info_pfn, store_pfn, console_pfn;
	uint64_t pt_pfn, nr_pt; /* L4, L3s, L2s, L1s in that order */
	uint64_t nr_l3, nr_l2, nr_l1;
	uint64_t stack_pfn;
	uint64_t v_end; /* VA, end of the initial mapping */
	uint64_t initrd_pfn, initrd_len;
	uint64_t p2m_pfn, p2m_pages;	/* the pfn -> mfn array */
	uint64_t p2m_va;		/* start_info.mfn_list */
	uint64_t p2m_pt_pfn, p2m_nr_pt; /* tables of the INIT_P2M mapping */
	uint64_t p2m_nr_l2, p2m_nr_l1;
	uint64_t free_pfn; /* first pfn not used at start of day */
};

#define LAYOUT_STACK_AND_PAD (1 + 128) /* boot stack + 512 KiB */
#define LAYOUT_MAX_VA	     0xffffffffc0000000ull

int pv_layout_compute(const struct pv_kernel *k, uint64_t nr_pages,
		      uint64_t initrd_len, struct pv_layout *l, char *err,
		      size_t errlen);

/* Tables needed to map [va, va_end) with 4 KiB pages, one L4 not
 * counted: number of L3, L2, L1 tables. */
void pv_layout_count_tables(uint64_t va, uint64_t va_end, uint64_t *l3,
			    uint64_t *l2, uint64_t *l1);

#endif

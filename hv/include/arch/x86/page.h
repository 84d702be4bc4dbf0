/*
 * x86-64 page-table entry bits (Intel SDM vol. 3A, 4.5, tables 4-14 to
 * 4-20) and index helpers for 4-level paging.
 */
#ifndef HV_ARCH_X86_PAGE_H
#define HV_ARCH_X86_PAGE_H

#include <stdint.h>

#define _PAGE_PRESENT  (1ull << 0)
#define _PAGE_RW       (1ull << 1)
#define _PAGE_USER     (1ull << 2)
#define _PAGE_PWT      (1ull << 3)
#define _PAGE_PCD      (1ull << 4)
#define _PAGE_ACCESSED (1ull << 5)
#define _PAGE_DIRTY    (1ull << 6)
#define _PAGE_PSE      (1ull << 7) /* L2/L3: large page */
#define _PAGE_GLOBAL   (1ull << 8)
#define _PAGE_NX       (1ull << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000ull

#define L1_SHIFT	    12
#define L2_SHIFT	    21
#define L3_SHIFT	    30
#define L4_SHIFT	    39
#define PT_ENTRIES	    512
#define pt_index(va, shift) (((va) >> (shift)) & (PT_ENTRIES - 1))

typedef uint64_t pte_t;

#endif

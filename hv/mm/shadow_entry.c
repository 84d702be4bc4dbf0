/*
 * The two pure rules of shadow paging (include/mm/shadow_entry.h); the
 * mechanism around them and why they make shadows safe is in
 * mm/shadow.c.
 */
#include <arch/x86/page.h>
#include <mm/pgtable.h>
#include <mm/shadow_entry.h>

int sh_walk_permits(const uint64_t e[4], uint64_t ec)
{
	uint64_t all = e[0] & e[1] & e[2] & e[3];
	uint64_t any = e[0] | e[1] | e[2] | e[3];

	if (!(all & _PAGE_PRESENT))
		return 0;
	if ((ec & PFEC_WRITE) && !(all & _PAGE_RW))
		return 0;
	if ((ec & PFEC_INSN) && (any & _PAGE_NX))
		return 0;
	return 1;
}

uint64_t sh_l1e(uint64_t g, unsigned int frame)
{
	const uint64_t need = _PAGE_PRESENT | _PAGE_ACCESSED;
	uint64_t s;

	if ((g & need) != need || (g & ~L1_ALLOWED & PTE_FLAGS_MASK))
		return 0;
	if (!(frame & SH_FRAME_OWNED))
		return 0;
	s = (g & (PTE_ADDR_MASK | _PAGE_NX)) | need | _PAGE_USER;
	if ((g & (_PAGE_RW | _PAGE_DIRTY)) == (_PAGE_RW | _PAGE_DIRTY) &&
	    !(frame & SH_FRAME_TABLE))
		s |= _PAGE_RW | _PAGE_DIRTY;
	return s;
}

uint64_t sh_lne(uint64_t g, uint64_t child_smfn)
{
	return (child_smfn << 12) | (g & (_PAGE_RW | _PAGE_NX)) |
	       _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
}

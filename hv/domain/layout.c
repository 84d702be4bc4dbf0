/*
 * Start-of-day layout arithmetic; see include/domain/layout.h.
 */
#include <lib/compiler.h>
#include <lib/vsnprintf.h>
#include <domain/layout.h>

#define PG	4096ull
#define FOUR_MB (4ull << 20)

static uint64_t span(uint64_t va, uint64_t va_end, unsigned int shift)
{
	return ((va_end - 1) >> shift) - (va >> shift) + 1;
}

void pv_layout_count_tables(uint64_t va, uint64_t va_end, uint64_t *l3,
			    uint64_t *l2, uint64_t *l1)
{
	*l3 = span(va, va_end, 39);
	*l2 = span(va, va_end, 30);
	*l1 = span(va, va_end, 21);
}

/* Xen's rule: grow the mapping in 4 MiB steps until it holds everything
 * placed so far plus its own page tables, a boot stack and >= 512 KiB. */
static void place_tables(struct pv_layout *l, uint64_t next_pfn)
{
	uint64_t cur_end = l->virt_base + next_pfn * PG, pages = 0, end;

	for (;;) {
		end = ALIGN_UP(cur_end + pages * PG, FOUR_MB);
		pv_layout_count_tables(l->virt_base, end, &l->nr_l3, &l->nr_l2,
				       &l->nr_l1);
		l->nr_pt = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
		pages = l->nr_pt + LAYOUT_STACK_AND_PAD;
		if (cur_end + pages * PG <= end)
			break;
	}
	l->pt_pfn = next_pfn;
	l->stack_pfn = next_pfn + l->nr_pt;
	l->v_end = end;
}

static void place_p2m(struct pv_layout *l, uint64_t p2m_va, uint64_t pfn)
{
	uint64_t l3;

	l->p2m_pfn = pfn;
	l->p2m_pages = (l->nr_pages * 8 + PG - 1) / PG;
	l->p2m_va = p2m_va;
	pv_layout_count_tables(p2m_va, p2m_va + l->p2m_pages * PG, &l3,
			       &l->p2m_nr_l2, &l->p2m_nr_l1);
	l->p2m_pt_pfn = pfn + l->p2m_pages;
	l->p2m_nr_pt = l3 + l->p2m_nr_l2 + l->p2m_nr_l1;
}

static int fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "domain layout: %s", why);
	return -1;
}

int pv_layout_compute(const struct pv_kernel *k, uint64_t nr_pages,
		      uint64_t initrd_len, struct pv_layout *l, char *err,
		      size_t errlen)
{
	uint64_t pfn;

	*l = (struct pv_layout){ .nr_pages = nr_pages,
				 .virt_base = k->virt_base,
				 .initrd_len = initrd_len };
	if (!k->init_p2m)
		return fail(err, errlen,
			    "kernel has no XEN_ELFNOTE_INIT_P2M (not "
			    "supported)");
	if (k->init_p2m & (PG - 1) || k->init_p2m >= k->virt_base)
		return fail(err, errlen, "INIT_P2M address unusable");
	pfn = (ALIGN_UP(pv_kernel_vend(k), PG) - l->virt_base) / PG;
	l->start_info_pfn = pfn++;
	l->store_pfn = pfn++;
	l->console_pfn = pfn++;
	place_tables(l, pfn);
	if (l->v_end > LAYOUT_MAX_VA || l->v_end < l->virt_base)
		return fail(err, errlen,
			    "kernel and boot data exceed the 1 GiB initial "
			    "mapping");
	pfn = (l->v_end - l->virt_base) / PG;
	l->initrd_pfn = pfn;
	pfn += (initrd_len + PG - 1) / PG;
	place_p2m(l, k->init_p2m, pfn);
	l->free_pfn = l->p2m_pt_pfn + l->p2m_nr_pt;
	if (l->free_pfn > nr_pages)
		return fail(err, errlen,
			    "not enough memory for kernel, initrd and P2M: "
			    "raise mem=");
	return 0;
}

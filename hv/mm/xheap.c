/*
 * The hypervisor's heap instance: struct heap over the frame allocator,
 * reached through the direct map.
 */
#include <lib/panic.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <mm/frames.h>
#include <mm/heap.h>

static struct heap xheap;

static void *xheap_get_pages(uint64_t n)
{
	uint64_t pfn = alloc_frames(n, 1);

	return pfn == INVALID_PFN ? NULL : arch_phys_to_virt(pfn * PAGE_SIZE);
}

static void xheap_put_pages(void *p, uint64_t n)
{
	free_frames(((uint64_t)p - DIRECTMAP_VIRT_START) / PAGE_SIZE, n);
}

void xheap_init(void)
{
	heap_init(&xheap, xheap_get_pages, xheap_put_pages);
}

void *xmalloc(size_t size)
{
	return heap_alloc(&xheap, size);
}

void *xzalloc(size_t size)
{
	void *p = heap_alloc(&xheap, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void xfree(void *p)
{
	if (heap_free(&xheap, p))
		panic("xfree(%p): not a heap block", p);
}

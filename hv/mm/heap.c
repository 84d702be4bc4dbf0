/*
 * Heap allocator. Every block starts with a 16-byte header recording its
 * class (or, for large blocks, its page count) and a magic word, so
 * xfree needs no size and catches frees of foreign pointers. Small
 * classes keep LIFO free lists of blocks carved from single pages; pages
 * are never returned for small classes (the hypervisor's small objects
 * are long-lived: domains, vCPUs, event channels).
 */
#include <lib/string.h>
#include <mm/heap.h>

#define HEAP_PAGE   4096u
#define HDR_SIZE    16u
#define MAGIC_SMALL 0x48504153u /* "SAPH" */
#define MAGIC_LARGE 0x4850414cu
#define MAGIC_FREE  0x48504146u

struct block_hdr {
	uint32_t magic;
	uint32_t class_or_pages;
	uint64_t size; /* requested bytes */
};
_Static_assert(sizeof(struct block_hdr) == HDR_SIZE, "header size");

void heap_init(struct heap *h, void *(*get_pages)(uint64_t),
	       void (*put_pages)(void *, uint64_t))
{
	memset(h, 0, sizeof(*h));
	h->get_pages = get_pages;
	h->put_pages = put_pages;
}

static unsigned int size_class(size_t total)
{
	unsigned int c = 0;

	while ((1u << (c + HEAP_MIN_SHIFT)) < total)
		c++;
	return c;
}

static int refill(struct heap *h, unsigned int c)
{
	size_t bsize = 1u << (c + HEAP_MIN_SHIFT), off;
	char *page = h->get_pages(1);

	if (!page)
		return -1;
	h->pages++;
	for (off = 0; off + bsize <= HEAP_PAGE; off += bsize) {
		*(void **)(page + off + HDR_SIZE) = h->free_list[c];
		((struct block_hdr *)(page + off))->magic = MAGIC_FREE;
		h->free_list[c] = page + off + HDR_SIZE;
	}
	return 0;
}

static void *alloc_large(struct heap *h, size_t size)
{
	uint64_t pages = (size + HDR_SIZE + HEAP_PAGE - 1) / HEAP_PAGE;
	struct block_hdr *b = h->get_pages(pages);

	if (!b)
		return NULL;
	h->pages += pages;
	b->magic = MAGIC_LARGE;
	b->class_or_pages = (uint32_t)pages;
	b->size = size;
	return b + 1;
}

void *heap_alloc(struct heap *h, size_t size)
{
	unsigned int c;
	struct block_hdr *b;
	void *p;

	if (size == 0 || size > (1ull << 32))
		return NULL;
	if (size + HDR_SIZE > (1u << HEAP_MAX_SHIFT))
		p = alloc_large(h, size);
	else {
		c = size_class(size + HDR_SIZE);
		if (!h->free_list[c] && refill(h, c))
			return NULL;
		p = h->free_list[c];
		h->free_list[c] = *(void **)p;
		b = (struct block_hdr *)p - 1;
		b->magic = MAGIC_SMALL;
		b->class_or_pages = c;
		b->size = size;
	}
	if (p)
		h->live_bytes += size;
	return p;
}

int heap_free(struct heap *h, void *p)
{
	struct block_hdr *b;

	if (!p)
		return 0;
	b = (struct block_hdr *)p - 1;
	if (b->magic == MAGIC_LARGE) {
		h->live_bytes -= b->size;
		h->pages -= b->class_or_pages;
		b->magic = MAGIC_FREE;
		h->put_pages(b, b->class_or_pages);
		return 0;
	}
	if (b->magic != MAGIC_SMALL || b->class_or_pages >= HEAP_CLASSES)
		return -1;
	h->live_bytes -= b->size;
	b->magic = MAGIC_FREE;
	*(void **)p = h->free_list[b->class_or_pages];
	h->free_list[b->class_or_pages] = p;
	return 0;
}

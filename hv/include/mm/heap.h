/*
 * The hypervisor heap: xmalloc/xfree for small objects (power-of-two
 * classes of 16..2048 bytes carved from whole pages) and whole pages for
 * larger ones. The page source is a callback so the logic is host-tested.
 */
#ifndef HV_MM_HEAP_H
#define HV_MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_MIN_SHIFT 4
#define HEAP_MAX_SHIFT 11
#define HEAP_CLASSES   (HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1)

struct heap {
	/* n contiguous uninitialised 4 KiB pages, or NULL. */
	void *(*get_pages)(uint64_t n);
	void (*put_pages)(void *p, uint64_t n);
	void *free_list[HEAP_CLASSES];
	uint64_t live_bytes; /* requested bytes currently allocated */
	uint64_t pages;	     /* pages obtained from get_pages */
};

void heap_init(struct heap *h, void *(*get_pages)(uint64_t),
	       void (*put_pages)(void *, uint64_t));
void *heap_alloc(struct heap *h, size_t size);
/* Returns -1 if p was not allocated by heap_alloc (bad magic). */
int heap_free(struct heap *h, void *p);

/* The hypervisor's heap, over the frame allocator. */
void xheap_init(void);
void *xmalloc(size_t size);
void *xzalloc(size_t size);
void xfree(void *p);

#endif

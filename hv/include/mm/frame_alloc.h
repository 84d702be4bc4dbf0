/*
 * A bitmap allocator of machine frames (4 KiB). One bit per frame up to
 * the highest frame of RAM; a set bit means "not free" (in use, reserved,
 * or not RAM at all). Everything starts not free; the boot code frees the
 * available regions and then re-reserves what is already in use.
 *
 * Invariant: nr_free == number of clear bits below nr_frames.
 * Pure logic (no hardware): tested on the host.
 */
#ifndef HV_MM_FRAME_ALLOC_H
#define HV_MM_FRAME_ALLOC_H

#include <stdint.h>

struct frame_alloc {
	uint64_t *bitmap; /* nr_frames bits, rounded up to 64 */
	uint64_t nr_frames;
	uint64_t nr_free;
	uint64_t hint; /* search starts here: first maybe-free frame */
};

#define FRAME_ALLOC_NONE (~0ull)

/* Bytes of bitmap needed for nr_frames. */
uint64_t frame_alloc_bitmap_bytes(uint64_t nr_frames);
void frame_alloc_init(struct frame_alloc *fa, uint64_t *bitmap,
		      uint64_t nr_frames);
/* Mark [pfn, pfn + n) free / not free; ranges past nr_frames are
 * clipped. Returns how many frames changed state. */
uint64_t frame_alloc_release(struct frame_alloc *fa, uint64_t pfn, uint64_t n);
uint64_t frame_alloc_reserve(struct frame_alloc *fa, uint64_t pfn, uint64_t n);
/* n contiguous free frames whose first pfn is a multiple of align (a
 * power of two); FRAME_ALLOC_NONE if there is no such run. */
uint64_t frame_alloc_get(struct frame_alloc *fa, uint64_t n, uint64_t align);
int frame_alloc_is_free(const struct frame_alloc *fa, uint64_t pfn);

#endif

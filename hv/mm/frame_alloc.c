/*
 * Bitmap frame allocator; see include/mm/frame_alloc.h for the rules.
 * First fit from a hint that only moves past frames known to be in use,
 * so single-frame allocation is amortized O(1) during boot and the search
 * for an aligned run is linear in the bitmap at worst.
 */
#include <lib/string.h>
#include <mm/frame_alloc.h>

static int test_bit(const uint64_t *map, uint64_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static void set_bit(uint64_t *map, uint64_t i)
{
	map[i / 64] |= 1ull << (i % 64);
}

static void clear_bit(uint64_t *map, uint64_t i)
{
	map[i / 64] &= ~(1ull << (i % 64));
}

uint64_t frame_alloc_bitmap_bytes(uint64_t nr_frames)
{
	return (nr_frames + 63) / 64 * 8;
}

void frame_alloc_init(struct frame_alloc *fa, uint64_t *bitmap,
		      uint64_t nr_frames)
{
	fa->bitmap = bitmap;
	fa->nr_frames = nr_frames;
	fa->nr_free = 0;
	fa->hint = 0;
	memset(bitmap, 0xff, frame_alloc_bitmap_bytes(nr_frames));
}

static uint64_t clip(const struct frame_alloc *fa, uint64_t pfn, uint64_t n)
{
	if (pfn >= fa->nr_frames)
		return 0;
	return n > fa->nr_frames - pfn ? fa->nr_frames - pfn : n;
}

uint64_t frame_alloc_release(struct frame_alloc *fa, uint64_t pfn, uint64_t n)
{
	uint64_t i, changed = 0;

	n = clip(fa, pfn, n);
	for (i = pfn; i < pfn + n; i++) {
		if (test_bit(fa->bitmap, i)) {
			clear_bit(fa->bitmap, i);
			changed++;
		}
	}
	fa->nr_free += changed;
	if (changed && pfn < fa->hint)
		fa->hint = pfn;
	return changed;
}

uint64_t frame_alloc_reserve(struct frame_alloc *fa, uint64_t pfn, uint64_t n)
{
	uint64_t i, changed = 0;

	n = clip(fa, pfn, n);
	for (i = pfn; i < pfn + n; i++) {
		if (!test_bit(fa->bitmap, i)) {
			set_bit(fa->bitmap, i);
			changed++;
		}
	}
	fa->nr_free -= changed;
	return changed;
}

int frame_alloc_is_free(const struct frame_alloc *fa, uint64_t pfn)
{
	return pfn < fa->nr_frames && !test_bit(fa->bitmap, pfn);
}

/* Advances the hint over whole words of in-use frames. */
static void advance_hint(struct frame_alloc *fa)
{
	while (fa->hint < fa->nr_frames && fa->bitmap[fa->hint / 64] == ~0ull)
		fa->hint = (fa->hint / 64 + 1) * 64;
	while (fa->hint < fa->nr_frames && test_bit(fa->bitmap, fa->hint))
		fa->hint++;
}

uint64_t frame_alloc_get(struct frame_alloc *fa, uint64_t n, uint64_t align)
{
	uint64_t start, i;

	if (n == 0 || align == 0 || (align & (align - 1)) || n > fa->nr_free)
		return FRAME_ALLOC_NONE;
	advance_hint(fa);
	start = (fa->hint + align - 1) & ~(align - 1);
	while (start < fa->nr_frames && n <= fa->nr_frames - start) {
		for (i = 0; i < n && !test_bit(fa->bitmap, start + i); i++)
			;
		if (i == n) {
			frame_alloc_reserve(fa, start, n);
			return start;
		}
		/* Skip past the in-use frame, to the next aligned start. */
		start = (start + i + 1 + align - 1) & ~(align - 1);
	}
	return FRAME_ALLOC_NONE;
}

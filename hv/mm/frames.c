/*
 * The hypervisor's frame allocator instance, set up from the boot memory
 * map. Reserved before anything is handed out: the first 1 MiB (BIOS
 * data, real-mode structures), the hypervisor image, every boot module,
 * the multiboot2 information and the bitmap itself.
 */
#include <lib/compiler.h>
#include <lib/printk.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <boot/bootinfo.h>
#include <mm/frame_alloc.h>
#include <mm/frames.h>
#include <mm/memmap.h>
#include <public/pvx.h>

#define LOW_MEMORY_END 0x100000ull
#define MAX_RESERVED   (BOOT_MAX_MODULES + 4)

extern char _start[], _end[];

static struct frame_alloc fa;
static uint64_t total_frames;
static struct phys_range reserved[MAX_RESERVED];
static unsigned int nr_reserved;

static void reserve(uint64_t start, uint64_t end)
{
	reserved[nr_reserved++] =
	    (struct phys_range){ ALIGN_DOWN(start, PAGE_SIZE),
				 ALIGN_UP(end, PAGE_SIZE) };
}

static void collect_reserved(const struct boot_info *bi)
{
	unsigned int i;

	nr_reserved = 0;
	reserve(0, LOW_MEMORY_END);
	reserve((uint64_t)_start - HV_VIRT_OFFSET,
		(uint64_t)_end - HV_VIRT_OFFSET);
	reserve(bi->mbi_phys, bi->mbi_phys + bi->mbi_size);
	for (i = 0; i < bi->nr_mods; i++)
		reserve(bi->mods[i].start, bi->mods[i].end);
}

void frames_init(const struct boot_info *bi)
{
	uint64_t top = memmap_top(bi->mem, bi->nr_mem);
	uint64_t nr = top / PAGE_SIZE, bytes, at, freed = 0;
	unsigned int i;

	collect_reserved(bi);
	bytes = frame_alloc_bitmap_bytes(nr);
	/* The bitmap must sit inside the boot direct map (below 4 GiB). */
	at = memmap_find(bi->mem, bi->nr_mem, reserved, nr_reserved, bytes,
			 BOOT_DIRECTMAP_SIZE);
	if (at == MEMMAP_NONE) {
		pr_err("no room for a %lu-byte frame bitmap\n", bytes);
		arch_exit(PVX_EXIT_NOMEM);
	}
	reserve(at, at + bytes);
	frame_alloc_init(&fa, arch_phys_to_virt(at), nr);
	for (i = 0; i < bi->nr_mem; i++) {
		const struct mem_region *m = &bi->mem[i];
		uint64_t s = ALIGN_UP(m->base, PAGE_SIZE) / PAGE_SIZE;
		uint64_t e =
		    ALIGN_DOWN(m->base + m->len, PAGE_SIZE) / PAGE_SIZE;

		if (m->type == MEM_AVAILABLE && e > s)
			freed += frame_alloc_release(&fa, s, e - s);
	}
	for (i = 0; i < nr_reserved; i++)
		frame_alloc_reserve(&fa, reserved[i].start / PAGE_SIZE,
				    (reserved[i].end - reserved[i].start) /
					PAGE_SIZE);
	total_frames = freed;
	pr_info("frames: %lu MiB of RAM, %lu frames free, bitmap at 0x%lx\n",
		freed * PAGE_SIZE >> 20, fa.nr_free, at);
}

uint64_t alloc_frames(uint64_t n, uint64_t align)
{
	uint64_t pfn = frame_alloc_get(&fa, n, align);

	return pfn == FRAME_ALLOC_NONE ? INVALID_PFN : pfn;
}

void free_frames(uint64_t pfn, uint64_t n)
{
	frame_alloc_release(&fa, pfn, n);
}

uint64_t frames_free_count(void)
{
	return fa.nr_free;
}

uint64_t frames_total_count(void)
{
	return total_frames;
}

static int in_reserved(uint64_t pfn)
{
	uint64_t pa = pfn * PAGE_SIZE;
	unsigned int i;

	for (i = 0; i < nr_reserved; i++)
		if (pa >= reserved[i].start && pa < reserved[i].end)
			return 1;
	return 0;
}

/* Takes every free frame one at a time, chaining them through their first
 * word (next pfn) with the frame's own pfn in the second, then walks the
 * chain to check that no frame was handed out twice or overwritten. */
static int selftest_exhaust(uint64_t *count)
{
	uint64_t head = INVALID_PFN, pfn, n = 0, *w;

	while ((pfn = alloc_frames(1, 1)) != INVALID_PFN) {
		if (in_reserved(pfn)) {
			pr_err("frames: self-test: reserved frame 0x%lx handed "
			       "out\n",
			       pfn);
			return -1;
		}
		w = arch_phys_to_virt(pfn * PAGE_SIZE);
		w[0] = head;
		w[1] = pfn ^ 0x5a5a5a5a5a5a5a5aull;
		head = pfn;
		n++;
	}
	*count = n;
	while (head != INVALID_PFN) {
		w = arch_phys_to_virt(head * PAGE_SIZE);
		if (w[1] != (head ^ 0x5a5a5a5a5a5a5a5aull)) {
			pr_err("frames: self-test: frame 0x%lx corrupted\n",
			       head);
			return -1;
		}
		pfn = w[0];
		free_frames(head, 1);
		head = pfn;
		n--;
	}
	return n == 0 ? 0 : -1;
}

static int selftest_aligned(void)
{
	uint64_t pfn = alloc_frames(512, 512), i;

	if (pfn == INVALID_PFN || pfn % 512) {
		pr_err("frames: self-test: no aligned 2 MiB run (got 0x%lx)\n",
		       pfn);
		return -1;
	}
	for (i = 0; i < 512; i++)
		if (in_reserved(pfn + i))
			return -1;
	free_frames(pfn, 512);
	return 0;
}

int frames_selftest(const struct boot_info *bi)
{
	uint64_t before = fa.nr_free, taken = 0;
	unsigned int i;

	(void)bi;
	for (i = 0; i < nr_reserved; i++)
		if (frame_alloc_is_free(&fa, reserved[i].start / PAGE_SIZE)) {
			pr_err("frames: self-test: reserved 0x%lx is free\n",
			       reserved[i].start);
			return -1;
		}
	if (selftest_aligned() || selftest_exhaust(&taken))
		return -1;
	if (taken != before || fa.nr_free != before) {
		pr_err("frames: self-test: took %lu of %lu, %lu free after\n",
		       taken, before, fa.nr_free);
		return -1;
	}
	pr_info("frames: self-test passed: %lu frames allocated, verified and "
		"freed; 2 MiB-aligned run ok\n",
		taken);
	return 0;
}

/*
 * Multiboot2 boot information parser (Multiboot2 specification 1.0,
 * section 3.6). The layout is a u32 total_size, a u32 reserved, then
 * tags {u32 type, u32 size, payload}, each starting 8-byte aligned, ending
 * with a tag of type 0 and size 8. Every size is checked before it is
 * used, so a corrupt structure yields an error message, never a wild read.
 */
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <boot/bootinfo.h>

#define TAG_END	    0
#define TAG_CMDLINE 1
#define TAG_LOADER  2
#define TAG_MODULE  3
#define TAG_MMAP    6

struct tag {
	uint32_t type;
	uint32_t size;
};

struct mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
	uint32_t zero;
};

struct parse {
	struct boot_info *bi;
	char *err;
	size_t errlen;
};

static int fail(struct parse *p, const char *what, uint32_t type)
{
	snprintf(p->err, p->errlen, "multiboot2: %s (tag type %u)", what, type);
	return -1;
}

/* Copies a NUL-terminated string that must end inside the tag. */
static int copy_string(struct parse *p, const struct tag *t, size_t hdr,
		       char *dst, size_t dstlen)
{
	const char *s = (const char *)t + hdr;
	size_t len;

	if (t->size <= hdr)
		return fail(p, "string tag too short", t->type);
	len = strnlen(s, t->size - hdr);
	if (len == t->size - hdr)
		return fail(p, "string not terminated inside its tag", t->type);
	if (len >= dstlen)
		return fail(p, "string too long", t->type);
	memcpy(dst, s, len + 1);
	return 0;
}

static int parse_module(struct parse *p, const struct tag *t)
{
	const uint32_t *w = (const uint32_t *)(t + 1);
	struct boot_module *m;

	if (t->size < 17)
		return fail(p, "module tag too short", t->type);
	if (p->bi->nr_mods == BOOT_MAX_MODULES)
		return fail(p, "too many modules", t->type);
	if (w[1] < w[0])
		return fail(p, "module ends before it starts", t->type);
	m = &p->bi->mods[p->bi->nr_mods];
	m->start = w[0];
	m->end = w[1];
	if (copy_string(p, t, 16, m->cmdline, sizeof(m->cmdline)))
		return -1;
	p->bi->nr_mods++;
	return 0;
}

static int parse_mmap(struct parse *p, const struct tag *t)
{
	const uint32_t *w = (const uint32_t *)(t + 1);
	uint32_t esize, off;

	if (t->size < 16)
		return fail(p, "memory map tag too short", t->type);
	esize = w[0];
	if (esize < sizeof(struct mmap_entry) || esize % 8)
		return fail(p, "bad memory map entry size", t->type);
	for (off = 16; off + esize <= t->size; off += esize) {
		const struct mmap_entry *e =
		    (const void *)((const char *)t + off);
		struct mem_region *r;

		if (p->bi->nr_mem == BOOT_MAX_MEM_REGIONS)
			return fail(p, "too many memory regions", t->type);
		if (e->base + e->len < e->base)
			return fail(p, "memory region wraps", t->type);
		r = &p->bi->mem[p->bi->nr_mem++];
		r->base = e->base;
		r->len = e->len;
		r->type = e->type;
	}
	return 0;
}

static int parse_tag(struct parse *p, const struct tag *t)
{
	switch (t->type) {
	case TAG_CMDLINE:
		return copy_string(p, t, 8, p->bi->cmdline,
				   sizeof(p->bi->cmdline));
	case TAG_LOADER:
		return copy_string(p, t, 8, p->bi->loader,
				   sizeof(p->bi->loader));
	case TAG_MODULE:
		return parse_module(p, t);
	case TAG_MMAP:
		return parse_mmap(p, t);
	default:
		return 0; /* tags we do not need are skipped */
	}
}

int mb2_parse(const void *mbi, size_t avail, struct boot_info *bi, char *err,
	      size_t errlen)
{
	struct parse p = { bi, err, errlen };
	const uint8_t *base = mbi;
	uint32_t total, off;

	memset(bi, 0, sizeof(*bi));
	if (avail < 16)
		return fail(&p, "information structure truncated", 0);
	total = *(const uint32_t *)base;
	if (total < 16 || total > avail)
		return fail(&p, "bad total size", 0);
	bi->mbi_size = total;
	for (off = 8; off + 8 <= total; off = (off + 7) & ~7u) {
		const struct tag *t = (const void *)(base + off);

		if (t->size < 8 || t->size > total - off)
			return fail(&p, "tag size out of bounds", t->type);
		if (t->type == TAG_END)
			return t->size == 8 ? 0 : fail(&p, "bad end tag", 0);
		if (parse_tag(&p, t))
			return -1;
		off += t->size;
	}
	return fail(&p, "no end tag", 0);
}

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_AVAILABLE:
		return "available";
	case MEM_ACPI_RECLAIMABLE:
		return "ACPI";
	case MEM_NVS:
		return "ACPI NVS";
	case MEM_BAD:
		return "bad";
	default:
		return "reserved";
	}
}

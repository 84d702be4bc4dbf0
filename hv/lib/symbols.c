/*
 * Address-to-symbol lookup by binary search over the generated table.
 */
#include <lib/symbols.h>
#include <lib/vsnprintf.h>

const char *symtab_lookup(const struct symtab *t, uint64_t addr, uint64_t *off,
			  uint64_t *size)
{
	uint64_t lo = 0, hi = t->count;

	if (!t->count || addr < t->addrs[0] || addr >= t->text_end)
		return NULL;
	/* Invariant: addrs[lo] <= addr, and addrs[hi] > addr if hi < count. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (t->addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*off = addr - t->addrs[lo];
	*size =
	    (lo + 1 < t->count ? t->addrs[lo + 1] : t->text_end) - t->addrs[lo];
	return t->names + t->name_offs[lo];
}

void symbolize(uint64_t addr, char *buf, size_t len)
{
	uint64_t off, size;
	const char *name = symtab_lookup(hv_symtab(), addr, &off, &size);

	if (name)
		snprintf(buf, len, "%s+0x%lx/0x%lx", name, off, size);
	else
		snprintf(buf, len, "0x%016lx", addr);
}

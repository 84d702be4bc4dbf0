/*
 * The shadow cache's records: a fixed array, chained hash buckets and a
 * free list threaded through the same 'next' field. See
 * include/mm/shadow_cache.h.
 */
#include <stddef.h>
#include <mm/shadow_cache.h>

static unsigned int bucket_of(uint64_t gmfn, unsigned int level)
{
	uint64_t k = (gmfn << 2 | (level - 1)) * 0x9e3779b97f4a7c15ull;

	return (unsigned int)(k >> 52) & (SH_BUCKETS - 1);
}

void sh_cache_init(struct sh_cache *c, struct sh_rec *storage, unsigned int n)
{
	unsigned int i;

	c->rec = storage;
	c->size = n;
	c->nr_used = 0;
	for (i = 0; i < SH_BUCKETS; i++)
		c->bucket[i] = SH_NIL;
	for (i = 0; i < n; i++) {
		storage[i].used = 0;
		storage[i].next = (uint16_t)(i + 1 < n ? i + 1 : SH_NIL);
	}
	c->free = n ? 0 : SH_NIL;
}

int sh_cache_find(const struct sh_cache *c, uint64_t gmfn, unsigned int level)
{
	uint16_t i = c->bucket[bucket_of(gmfn, level)];

	for (; i != SH_NIL; i = c->rec[i].next)
		if (c->rec[i].gmfn == gmfn && c->rec[i].level == level)
			return i;
	return -1;
}

int sh_cache_add(struct sh_cache *c, uint64_t gmfn, unsigned int level,
		 uint64_t smfn)
{
	unsigned int b = bucket_of(gmfn, level);
	uint16_t i = c->free;
	struct sh_rec *r;

	if (i == SH_NIL)
		return -1;
	r = &c->rec[i];
	c->free = r->next;
	r->gmfn = gmfn;
	r->smfn = smfn;
	r->level = (uint8_t)level;
	r->nparents = 0;
	r->parent = 0;
	r->used = 1;
	r->next = c->bucket[b];
	c->bucket[b] = i;
	c->nr_used++;
	return i;
}

void sh_cache_del(struct sh_cache *c, unsigned int idx)
{
	struct sh_rec *r = &c->rec[idx];
	uint16_t *p = &c->bucket[bucket_of(r->gmfn, r->level)];

	while (*p != idx)
		p = &c->rec[*p].next;
	*p = r->next;
	r->used = 0;
	r->next = c->free;
	c->free = (uint16_t)idx;
	c->nr_used--;
}

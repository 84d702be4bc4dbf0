/*
 * The shadow cache: one record per shadow page, found by the guest table
 * it shadows and its level. It is also the cache of shadow roots: an L4
 * shadow stays in it, keyed by the guest's L4 frame, until that frame
 * stops being a page table, so switching back to a known address space
 * finds its shadow. Pure logic (mm/shadow_cache.c), host-tested; the
 * mechanism is in mm/shadow.c.
 */
#ifndef HV_MM_SHADOW_CACHE_H
#define HV_MM_SHADOW_CACHE_H

#include <stdint.h>

#define SH_NIL	   0xffffu
#define SH_BUCKETS 4096 /* power of two */

struct sh_rec {
	uint64_t gmfn;	   /* the guest table shadowed ... */
	uint64_t smfn;	   /* ... by this hypervisor frame */
	uint32_t nparents; /* shadow entries (one level up) pointing here */
	uint32_t parent;   /* one of them, as record << 9 | slot: a hint,
			      checked before use */
	uint16_t next;	   /* hash chain, or free list */
	uint8_t level;	   /* 1..4 */
	uint8_t used;
};

struct sh_cache {
	struct sh_rec *rec; /* size records */
	unsigned int size, nr_used;
	uint16_t free;
	uint16_t bucket[SH_BUCKETS];
};

/* storage holds n records, n < SH_NIL. */
void sh_cache_init(struct sh_cache *c, struct sh_rec *storage, unsigned int n);
/* The record for (gmfn, level), or -1. */
int sh_cache_find(const struct sh_cache *c, uint64_t gmfn, unsigned int level);
/* A new record (which must not exist yet), or -1 if the cache is full. */
int sh_cache_add(struct sh_cache *c, uint64_t gmfn, unsigned int level,
		 uint64_t smfn);
void sh_cache_del(struct sh_cache *c, unsigned int idx);

#endif

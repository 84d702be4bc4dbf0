/*
 * Shadow paging's internals, shared by mm/shadow.c (the shadows, their
 * coherence, the paging ops) and mm/shadow_fault.c (hidden faults and
 * emulated stores). The theory of operation is at the top of
 * mm/shadow.c.
 */
#ifndef HV_MM_SHADOW_PRIVATE_H
#define HV_MM_SHADOW_PRIVATE_H

#include <stdint.h>
#include <boot/options.h>
#include <domain/domain.h>
#include <mm/frame_table.h>
#include <mm/shadow_cache.h>

struct cpu_regs;

#define SH_MAX_PAGES  8192		 /* shadow tables alive (32 MiB) */
#define SH_MAX_FRAMES (2 * SH_MAX_PAGES) /* incl. pool and limbo */

struct shadow_domain {
	struct sh_cache cache;
	struct sh_rec rec[SH_MAX_PAGES];
	uint64_t pool[SH_MAX_FRAMES];  /* free shadow frames, TLB-clean */
	uint64_t limbo[SH_MAX_FRAMES]; /* freed since the last CR3 load */
	unsigned int nr_pool, nr_limbo, nr_frames;
	unsigned int max_frames; /* 2 * shadow_pages= */
	int hw_root;		 /* record loaded in CR3, -1: none */
	int flush_pending;	 /* a table lost writable mappings */
	int reload_pending;	 /* the loaded root was freed */
};

/* A walk of the guest's own tables for one address. */
struct gwalk {
	uint64_t table[5]; /* by level: the guest table frame ... */
	uint64_t entry[5]; /* ... and its entry for the address */
	unsigned int idx[5];
};

static inline uint64_t *sh_table(uint64_t mfn)
{
	return mfn_to_virt(mfn);
}

/* A frame that can hold one of the domain's page tables. */
static inline int sh_guest_frame(const struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	return pg && pg->owner == d->domid && !(pg->flags & PGF_NO_TABLE);
}

/* A frame the domain may map (its memory or a page shared with it). */
static inline int sh_mappable(const struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	return pg && pg->owner == d->domid;
}

static inline uint64_t sh_guest_root(const struct vcpu *v)
{
	return v->kernel_mode ? v->guest_table : v->guest_table_user;
}

/* mm/shadow.c */
uint64_t sh_make_l1e(struct domain *d, uint64_t g);
void sh_link_upper(struct shadow_domain *sh, int parent, unsigned int i,
		   int child, uint64_t g);
int sh_get(struct domain *d, uint64_t gmfn, unsigned int level);
void sh_unshadow(struct domain *d, uint64_t gmfn);
void sh_reset(struct domain *d);
void sh_settle(struct vcpu *v);
void sh_write_entry(struct domain *d, uint64_t gmfn, unsigned int idx,
		    uint64_t val);
int sh_check_entry(const struct domain *d, uint64_t val);
unsigned int sh_guest_walk(const struct domain *d, uint64_t root, uint64_t va,
			   struct gwalk *w);

/* mm/shadow_fault.c */
int shadow_guest_fault(struct vcpu *v, struct cpu_regs *r, uint64_t cr2);
int shadow_hv_fault(struct vcpu *v, uint64_t cr2, uint64_t ec);
void shadow_fault_new_root(void); /* a CR3 load happened */

#endif

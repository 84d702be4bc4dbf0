/*
 * Grant tables, version 1: how a guest lets PVX's in-hypervisor backends
 * (block, network) touch pages it chose. The protocol, the revoke race
 * and what is trusted are explained at the top of grant/grant_table.c.
 *
 * One struct grant_table per domain. It is pure logic: every contact
 * with machine memory goes through struct gnttab_ops, so the host unit
 * tests run it over aligned_alloc'd pages and grant/gnttab_domain.c runs
 * it over the frame allocator and the frame table.
 *
 * Return conventions: table management (gnttab_init, gnttab_grow) returns
 * 0 or a negative Xen errno; backend access (gnttab_acquire,
 * gnttab_release) returns a grant status, GNTST_okay (0) or a negative
 * GNTST_* from <xen/grant_table.h>, which a backend turns into an I/O
 * error response.
 */
#ifndef HV_GRANT_GRANT_TABLE_H
#define HV_GRANT_GRANT_TABLE_H

#include <stdint.h>
#include <public/xen_abi.h>
#include <arch/x86/layout.h>

/* Size limits. Linux asks GNTTABOP_query_size for the maximum and grows
 * the table itself (GNTTABOP_setup_table) when it runs out of refs. */
#define GNTTAB_MAX_FRAMES     32 /* per domain; Xen's default is 64 */
#define GNTTAB_INITIAL_FRAMES 1	 /* as Xen: a new table has one frame */
#define GNTTAB_PER_FRAME      (PAGE_SIZE / sizeof(struct grant_entry_v1))
#define GNTTAB_MAX_ENTRIES    (GNTTAB_MAX_FRAMES * GNTTAB_PER_FRAME)
/* Accesses in flight at once (all backends of one domain): blkif's 32
 * requests of 11 segments plus netif's 256 tx slots fit with room. */
#define GNTTAB_MAX_HANDLES 1024
/* Bounded retries of the compare-and-swap against a changing entry. */
#define GNTTAB_CAS_TRIES 4
/* The domid a grant must name for PVX's backends to use it: they act
 * as domain 0, the domain Linux's frontends expect the backend in. */
#define GNTTAB_BACKEND_DOMID 0

/* Read: the backend reads the granted page (a guest's disk write).
 * Write: the backend writes it (a disk read into guest memory). */
enum gnttab_access { GNTTAB_READ, GNTTAB_WRITE };

/*
 * What the table needs from the machine; ctx is passed back unchanged
 * (the hypervisor passes the domain). None may be NULL.
 */
struct gnttab_ops {
	/* One page for a table frame (any contents), its hypervisor
	 * mapping returned and its frame number in *mfn; NULL if none. */
	void *(*alloc_frame)(void *ctx, uint64_t *mfn);
	/* Give back a frame from alloc_frame (never mapped by the guest
	 * when called from a failed gnttab_grow). */
	void (*free_frame)(void *ctx, void *va, uint64_t mfn);
	/* Let the guest map a table frame read-write (owned by it, never
	 * a page table: the frame table's PGF_NO_TABLE). Cannot fail. */
	void (*share_frame)(void *ctx, uint64_t mfn);
	/* Take a reference on a frame the guest granted: 0 if the guest
	 * owns mfn and, for GNTTAB_WRITE, it may be written (not a page
	 * or descriptor table); negative otherwise. The reference keeps
	 * it so until put_frame with the same access. */
	int (*get_frame)(void *ctx, uint64_t mfn, enum gnttab_access access);
	void (*put_frame)(void *ctx, uint64_t mfn, enum gnttab_access access);
};

/* Handles holding one entry's GTF_reading (every access) and
 * GTF_writing (write accesses) bits. */
struct gnttab_pin {
	uint16_t pins;
	uint16_t write_pins;
};

/* One access in flight, named by its index (the grant_handle_t). */
struct gnttab_access_slot {
	uint64_t mfn; /* the frame this access took a reference on */
	grant_ref_t ref;
	uint16_t next_free; /* free list link while !in_use */
	uint8_t access;	    /* enum gnttab_access */
	uint8_t in_use;
};

/* Every field is hypervisor memory the guest cannot reach; only the
 * frames in shared[] are guest-writable. Single CPU, no preemption in
 * the hypervisor: no lock (an SMP version needs one for all of it). */
struct grant_table {
	const struct gnttab_ops *ops;
	void *ctx;
	unsigned int max_frames; /* 0: not initialised, grants disabled */
	unsigned int nr_frames;	 /* only grows */

	/* Table frames: the hypervisor's mapping and the frame number. */
	struct grant_entry_v1 *shared[GNTTAB_MAX_FRAMES];
	uint64_t shared_mfn[GNTTAB_MAX_FRAMES];

	struct gnttab_pin pin[GNTTAB_MAX_ENTRIES];
	struct gnttab_access_slot slot[GNTTAB_MAX_HANDLES];
	uint16_t free_slot; /* head of the free list; GNTTAB_MAX_HANDLES: none */
	unsigned int nr_in_use;
};

/* A table of GNTTAB_INITIAL_FRAMES frames, at most max_frames
 * (1..GNTTAB_MAX_FRAMES). 0, -XEN_EINVAL or -XEN_ENOMEM. */
int gnttab_init(struct grant_table *t, const struct gnttab_ops *ops, void *ctx,
		unsigned int max_frames);
/* Outstanding accesses are released, then the frames freed: only when
 * the guest no longer maps them (domain teardown). */
void gnttab_destroy(struct grant_table *t);

/* Grow to nr_frames (new frames zeroed and shared); smaller is a no-op.
 * 0, -XEN_EINVAL above max_frames, -XEN_ENOMEM (table unchanged). */
int gnttab_grow(struct grant_table *t, unsigned int nr_frames);
unsigned int gnttab_nr_frames(const struct grant_table *t);
unsigned int gnttab_max_frames(const struct grant_table *t);
/* Frame number of table frame i (< gnttab_nr_frames). */
uint64_t gnttab_frame_mfn(const struct grant_table *t, unsigned int i);

/*
 * Backend access to a guest's grant: on GNTST_okay, *mfn is the granted
 * frame, referenced and marked in use (GTF_reading, plus GTF_writing for
 * GNTTAB_WRITE) until gnttab_release(*handle); the guest cannot revoke
 * the grant meanwhile. Errors: GNTST_bad_gntref (reserved, out of range,
 * or the entry grants nothing usable), GNTST_permission_denied (granted
 * to another domain, or read-only for a write), GNTST_bad_page (frame
 * not the guest's, or not writable), GNTST_eagain (the guest kept
 * changing the entry), GNTST_no_space (too many accesses in flight).
 */
int gnttab_acquire(struct grant_table *t, grant_ref_t ref,
		   enum gnttab_access access, uint64_t *mfn,
		   grant_handle_t *handle);
/* GNTST_okay, or GNTST_bad_handle if handle is not in use. */
int gnttab_release(struct grant_table *t, grant_handle_t handle);

#endif

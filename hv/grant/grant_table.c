/*
 * Grant tables, version 1 (<xen/grant_table.h>; Linux's side is
 * drivers/xen/grant-table.c).
 *
 * The table. Each domain has an array of struct grant_entry_v1 (8 bytes:
 * u16 flags, u16 domid, u32 frame; 512 per 4 KiB frame) in frames the
 * hypervisor owns and the guest maps read-write (GNTTABOP_setup_table
 * hands out their MFNs). A grant reference is an index into it; refs
 * 0..7 are reserved for the toolstack (GNTTAB_NR_RESERVED_ENTRIES) and
 * PVX never honours them.
 *
 * Granting. The guest writes domid and frame, then (after a write
 * barrier) flags = GTF_permit_access [| GTF_readonly]. From then on,
 * domain `domid` may read (and unless GTF_readonly, write) the frame.
 * PVX's backends live in the hypervisor and act as domain 0, so only
 * grants to domid 0 are usable. For a PV guest `frame` is an MFN.
 *
 * Using a grant (gnttab_acquire). The backend reads the whole entry in
 * one 64-bit load, checks it (type permit_access, no sub-page, domid 0,
 * not read-only for a write), takes a reference on the frame through
 * ops->get_frame (the guest owns it; for a write it is not a page table),
 * and then sets GTF_reading (and GTF_writing for a write) with a 64-bit
 * compare-and-swap of the whole entry against the value it checked. If
 * the guest changed anything in between, the swap fails, the frame
 * reference is dropped and the check runs again on the new value, at
 * most GNTTAB_CAS_TRIES times (then GNTST_eagain). So the entry that was
 * validated is exactly the entry that got marked, and the frame that was
 * referenced is exactly the frame the backend uses.
 *
 * Revoking. The guest ends a grant with gnttab_end_foreign_access_ref_v1:
 * read flags; if GTF_reading or GTF_writing is set, fail ("still in
 * use": Linux defers freeing the page and retries later); else cmpxchg
 * flags to 0. Both sides use locked compare-and-swap on the same word
 * (theirs 16 bits, ours the whole 8 bytes), so exactly one wins: either
 * the revoke lands first and our swap fails and the retry sees an
 * invalid entry, or our bits land first and the revoke fails.
 *
 * Why the bits stay set for the whole access. Once a revoke succeeds,
 * the guest frees the page and may reuse it for anything. A backend
 * that reads or writes a page after that (a disk DMA completing late,
 * a copy done after the request was answered) corrupts or leaks memory
 * the guest no longer meant to share. So a backend releases a handle
 * only after the access is complete, including asynchronous device DMA;
 * a synchronous copy inside one hypercall on a single vCPU would be safe
 * without the bits, but uses them anyway so the rule has no exceptions.
 * Several accesses may hold one ref at once; per-ref pin counts make the
 * last release clear each bit (GTF_writing when the last write access
 * ends, GTF_reading when the last access ends), with an atomic AND that
 * touches only those bits. The frame reference held with each access
 * additionally keeps the frame the guest's, and writable ones out of
 * page-table use, even if the guest rewrites the entry meanwhile.
 *
 * Trust. The shared frames are guest memory: any entry may change at
 * any moment, so every acquire re-reads and re-validates, and nothing
 * read from them is kept except through the compare-and-swap above. A
 * guest that breaks the protocol (clears our bits with a plain store,
 * rewrites an entry in use) only hurts itself: our frame references and
 * private pin counts are unaffected, and release never restores an old
 * entry. The private state (frame list, sizes, pins, access slots) is
 * hypervisor memory. The ops are trusted (they are the hypervisor), and
 * so are backends to release each handle once; a bad handle is still an
 * error code, never a crash.
 *
 * Ordering: the swap in acquire and the AND in release are sequentially
 * consistent, so the backend's accesses to the frame happen after the
 * guest can see the bits set and before it can see them cleared.
 */
#include <stddef.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <grant/grant_table.h>

/* Guest-visible layout (<xen/grant_table.h>, struct grant_entry_v1). */
_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1 size");
_Static_assert(offsetof(struct grant_entry_v1, flags) == 0, "flags at 0");
_Static_assert(offsetof(struct grant_entry_v1, domid) == 2, "domid at 2");
_Static_assert(offsetof(struct grant_entry_v1, frame) == 4, "frame at 4");
_Static_assert(GNTTAB_PER_FRAME == 512, "512 entries per 4 KiB frame");
_Static_assert(GNTTAB_MAX_HANDLES < UINT16_MAX, "slot links are 16-bit");

/* One entry seen both ways: the fields, and the word that is swapped. */
union gnttab_word {
	struct grant_entry_v1 e;
	uint64_t raw;
};
_Static_assert(sizeof(union gnttab_word) == 8, "entry is one word");

static union gnttab_word *entry(struct grant_table *t, grant_ref_t ref)
{
	struct grant_entry_v1 *frame = t->shared[ref / GNTTAB_PER_FRAME];

	return (union gnttab_word *)&frame[ref % GNTTAB_PER_FRAME];
}

/* ---- set-up and growth ---- */

static void init_slots(struct grant_table *t)
{
	unsigned int i;

	for (i = 0; i < GNTTAB_MAX_HANDLES; i++)
		t->slot[i].next_free = (uint16_t)(i + 1);
	t->free_slot = 0;
}

int gnttab_init(struct grant_table *t, const struct gnttab_ops *ops, void *ctx,
		unsigned int max_frames)
{
	int rc;

	if (max_frames == 0 || max_frames > GNTTAB_MAX_FRAMES)
		return -XEN_EINVAL;
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->ctx = ctx;
	t->max_frames = max_frames;
	init_slots(t);
	rc = gnttab_grow(t, GNTTAB_INITIAL_FRAMES);
	if (rc)
		t->max_frames = 0; /* stays unusable */
	return rc;
}

static void free_frames_from(struct grant_table *t, unsigned int first,
			     unsigned int end)
{
	unsigned int i;

	for (i = first; i < end; i++) {
		t->ops->free_frame(t->ctx, t->shared[i], t->shared_mfn[i]);
		t->shared[i] = NULL;
	}
}

/* Check phase of a grow: all new frames or none. */
static int alloc_new_frames(struct grant_table *t, unsigned int nr_frames)
{
	unsigned int i;

	for (i = t->nr_frames; i < nr_frames; i++) {
		t->shared[i] = t->ops->alloc_frame(t->ctx, &t->shared_mfn[i]);
		if (!t->shared[i]) {
			free_frames_from(t, t->nr_frames, i);
			return -XEN_ENOMEM;
		}
	}
	return 0;
}

int gnttab_grow(struct grant_table *t, unsigned int nr_frames)
{
	unsigned int i;
	int rc;

	if (nr_frames > t->max_frames)
		return -XEN_EINVAL;
	if (nr_frames <= t->nr_frames)
		return 0;
	rc = alloc_new_frames(t, nr_frames);
	if (rc)
		return rc;
	/* Zeroed before the guest can see them: an entry of stale data
	 * could otherwise grant something. */
	for (i = t->nr_frames; i < nr_frames; i++) {
		memset(t->shared[i], 0, PAGE_SIZE);
		t->ops->share_frame(t->ctx, t->shared_mfn[i]);
	}
	t->nr_frames = nr_frames;
	return 0;
}

void gnttab_destroy(struct grant_table *t)
{
	grant_handle_t h;

	for (h = 0; h < GNTTAB_MAX_HANDLES; h++)
		if (t->slot[h].in_use)
			gnttab_release(t, h);
	free_frames_from(t, 0, t->nr_frames);
	t->nr_frames = 0;
	t->max_frames = 0;
}

unsigned int gnttab_nr_frames(const struct grant_table *t)
{
	return t->nr_frames;
}

unsigned int gnttab_max_frames(const struct grant_table *t)
{
	return t->max_frames;
}

uint64_t gnttab_frame_mfn(const struct grant_table *t, unsigned int i)
{
	return i < t->nr_frames ? t->shared_mfn[i] : ~0ull;
}

/* ---- backend access ---- */

static int check_ref(const struct grant_table *t, grant_ref_t ref)
{
	if (ref < GNTTAB_NR_RESERVED_ENTRIES)
		return GNTST_bad_gntref;
	if (ref >= t->nr_frames * GNTTAB_PER_FRAME)
		return GNTST_bad_gntref;
	return GNTST_okay;
}

/* The bits an access of this kind holds (as Xen: reading for all). */
static uint16_t busy_bits(enum gnttab_access access)
{
	return access == GNTTAB_WRITE ? GTF_reading | GTF_writing : GTF_reading;
}

/* The guest-controlled part of the rules, on one snapshot. Sub-page
 * grants (a v2 notion) and cache attributes do not apply: the backend
 * uses whole frames through its own mapping. */
static int check_entry(const struct grant_entry_v1 *e,
		       enum gnttab_access access)
{
	if ((e->flags & (GTF_type_mask | GTF_sub_page)) != GTF_permit_access)
		return GNTST_bad_gntref;
	if (e->domid != GNTTAB_BACKEND_DOMID)
		return GNTST_permission_denied;
	if (access == GNTTAB_WRITE && (e->flags & GTF_readonly))
		return GNTST_permission_denied;
	return GNTST_okay;
}

/* One validate-reference-swap round. GNTST_okay when marked (*seen is
 * unchanged); GNTST_eagain when the entry changed under us (*seen then
 * holds its new value, and the reference taken was dropped again). */
static int try_mark(struct grant_table *t, union gnttab_word *w,
		    union gnttab_word *seen, enum gnttab_access access)
{
	union gnttab_word want = *seen;
	int rc = check_entry(&seen->e, access);

	if (rc)
		return rc;
	if (t->ops->get_frame(t->ctx, want.e.frame, access))
		return GNTST_bad_page;
	want.e.flags |= busy_bits(access);
	if (__atomic_compare_exchange_n(&w->raw, &seen->raw, want.raw, 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return GNTST_okay;
	t->ops->put_frame(t->ctx, want.e.frame, access);
	return GNTST_eagain;
}

static int mark_entry(struct grant_table *t, grant_ref_t ref,
		      enum gnttab_access access, uint64_t *mfn)
{
	union gnttab_word *w = entry(t, ref);
	union gnttab_word seen;
	unsigned int tries;
	int rc = GNTST_eagain;

	seen.raw = __atomic_load_n(&w->raw, __ATOMIC_SEQ_CST);
	for (tries = 0; tries < GNTTAB_CAS_TRIES && rc == GNTST_eagain; tries++)
		rc = try_mark(t, w, &seen, access);
	*mfn = seen.e.frame; /* a successful swap left seen as marked */
	return rc;
}

static grant_handle_t take_slot(struct grant_table *t, grant_ref_t ref,
				enum gnttab_access access, uint64_t mfn)
{
	grant_handle_t h = t->free_slot;
	struct gnttab_access_slot *s = &t->slot[h];

	t->free_slot = s->next_free;
	s->mfn = mfn;
	s->ref = ref;
	s->access = (uint8_t)access;
	s->in_use = 1;
	t->nr_in_use++;
	t->pin[ref].pins++;
	if (access == GNTTAB_WRITE)
		t->pin[ref].write_pins++;
	return h;
}

int gnttab_acquire(struct grant_table *t, grant_ref_t ref,
		   enum gnttab_access access, uint64_t *mfn,
		   grant_handle_t *handle)
{
	uint64_t frame;
	int rc = check_ref(t, ref);

	if (rc)
		return rc;
	if (t->free_slot == GNTTAB_MAX_HANDLES)
		return GNTST_no_space;
	rc = mark_entry(t, ref, access, &frame);
	if (rc)
		return rc;
	*handle = take_slot(t, ref, access, frame);
	*mfn = frame;
	return GNTST_okay;
}

/* Drop one access's pins; clear the bits no access holds any more. */
static void unpin(struct grant_table *t, grant_ref_t ref,
		  enum gnttab_access access)
{
	struct gnttab_pin *p = &t->pin[ref];
	uint16_t clear = 0;

	if (access == GNTTAB_WRITE && --p->write_pins == 0)
		clear |= GTF_writing;
	if (--p->pins == 0)
		clear |= GTF_reading;
	if (clear)
		__atomic_fetch_and(&entry(t, ref)->e.flags, (uint16_t)~clear,
				   __ATOMIC_SEQ_CST);
}

int gnttab_release(struct grant_table *t, grant_handle_t handle)
{
	struct gnttab_access_slot *s;
	enum gnttab_access access;

	if (handle >= GNTTAB_MAX_HANDLES || !t->slot[handle].in_use)
		return GNTST_bad_handle;
	s = &t->slot[handle];
	access = (enum gnttab_access)s->access;
	unpin(t, s->ref, access);
	t->ops->put_frame(t->ctx, s->mfn, access);
	s->in_use = 0;
	s->next_free = t->free_slot;
	t->free_slot = (uint16_t)handle;
	t->nr_in_use--;
	return GNTST_okay;
}

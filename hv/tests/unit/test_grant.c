/* Host tests of grant/grant_table.c: the v1 access rules a backend
 * relies on, the reading/writing bits against the guest's revoke, a
 * guest changing the entry between our read and our swap, and growth.
 * The "machine" is a fake: table frames from aligned_alloc, guest RAM
 * as frame numbers with reference counts. */
#include <stdint.h>
#include <stdlib.h>
#include <lib/errno.h>
#include <grant/grant_table.h>
#include "test.h"

#define TABLE_MFN  1000 /* table frames are 1000, 1001, ... */
#define GUEST_MFN  100	/* the guest owns 100..199 */
#define GUEST_NR   100
#define PT_MFN	   190 /* a guest page table: never writable */
#define TEST_MAX   4   /* frames */
#define MAX_ALLOCS 64

static struct fake {
	void *va[MAX_ALLOCS]; /* by mfn - TABLE_MFN; NULL once freed */
	int shared[MAX_ALLOCS];
	unsigned int nr_alloc; /* frames ever handed out */
	int fail_alloc;	       /* this allocation fails; -1: none */
	int refs[GUEST_NR], wrefs[GUEST_NR];
	void (*hook)(void); /* the guest, between our read and swap */
	int hook_calls;
} m;

static struct grant_table t;

static void *fake_alloc(void *ctx, uint64_t *mfn)
{
	void *p;

	if ((int)m.nr_alloc == m.fail_alloc || m.nr_alloc == MAX_ALLOCS)
		return NULL;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(p, 0xa5, PAGE_SIZE); /* stale data the table must clear */
	*mfn = TABLE_MFN + m.nr_alloc;
	m.va[m.nr_alloc++] = p;
	return p;
}

static void fake_free(void *ctx, void *va, uint64_t mfn)
{
	CHECK(m.va[mfn - TABLE_MFN] == va);
	free(va);
	m.va[mfn - TABLE_MFN] = NULL;
	m.shared[mfn - TABLE_MFN] = 0;
}

static void fake_share(void *ctx, uint64_t mfn)
{
	m.shared[mfn - TABLE_MFN]++;
}

static int fake_get(void *ctx, uint64_t mfn, enum gnttab_access access)
{
	if (m.hook) {
		m.hook_calls++;
		m.hook();
	}
	if (mfn < GUEST_MFN || mfn >= GUEST_MFN + GUEST_NR)
		return -1;
	if (access == GNTTAB_WRITE && mfn == PT_MFN)
		return -1;
	m.refs[mfn - GUEST_MFN]++;
	m.wrefs[mfn - GUEST_MFN] += access == GNTTAB_WRITE;
	return 0;
}

static void fake_put(void *ctx, uint64_t mfn, enum gnttab_access access)
{
	CHECK(m.refs[mfn - GUEST_MFN] > 0);
	m.refs[mfn - GUEST_MFN]--;
	m.wrefs[mfn - GUEST_MFN] -= access == GNTTAB_WRITE;
}

static const struct gnttab_ops fake_ops = {
	.alloc_frame = fake_alloc,
	.free_frame = fake_free,
	.share_frame = fake_share,
	.get_frame = fake_get,
	.put_frame = fake_put,
};

static int live_refs(void)
{
	int i, n = 0;

	for (i = 0; i < GUEST_NR; i++)
		n += m.refs[i] + m.wrefs[i];
	return n;
}

/* ---- the guest's side, as Linux does it (drivers/xen/grant-table.c) */

/* The entry as the guest sees it: through the MFNs setup_table gives. */
static struct grant_entry_v1 *gent(grant_ref_t ref)
{
	uint64_t mfn = gnttab_frame_mfn(&t, ref / GNTTAB_PER_FRAME);

	return (struct grant_entry_v1 *)m.va[mfn - TABLE_MFN] +
	       ref % GNTTAB_PER_FRAME;
}

/* gnttab_update_entry_v1: domid and frame, barrier, then flags. */
static void guest_grant(grant_ref_t ref, uint16_t domid, uint32_t frame,
			uint16_t flags)
{
	struct grant_entry_v1 *e = gent(ref);

	e->domid = domid;
	e->frame = frame;
	__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

/* gnttab_end_foreign_access_ref_v1: 1 if revoked, 0 if still in use. */
static int guest_end_access(grant_ref_t ref)
{
	uint16_t *pflags = &gent(ref)->flags;
	uint16_t flags = __atomic_load_n(pflags, __ATOMIC_SEQ_CST);

	do {
		if (flags & (GTF_reading | GTF_writing))
			return 0;
	} while (!__atomic_compare_exchange_n(
	    pflags, &flags, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return 1;
}

static uint16_t flags_of(grant_ref_t ref)
{
	return __atomic_load_n(&gent(ref)->flags, __ATOMIC_SEQ_CST);
}

static void setup(unsigned int max_frames)
{
	memset(&m, 0, sizeof(m));
	m.fail_alloc = -1;
	CHECK_EQ(gnttab_init(&t, &fake_ops, NULL, max_frames), 0);
}

static void teardown(void)
{
	unsigned int i;

	gnttab_destroy(&t);
	CHECK_EQ(live_refs(), 0);
	for (i = 0; i < m.nr_alloc; i++)
		CHECK(m.va[i] == NULL); /* every frame given back */
}

/* Acquire that must succeed; returns the handle. */
static grant_handle_t get_ok(grant_ref_t ref, enum gnttab_access a,
			     uint64_t want_mfn)
{
	uint64_t mfn = 0;
	grant_handle_t h = ~0u;

	CHECK_EQ(gnttab_acquire(&t, ref, a, &mfn, &h), GNTST_okay);
	CHECK_EQ(mfn, want_mfn);
	return h;
}

/* Acquire that must fail with rc and take nothing; unless a hook plays
 * the guest, the entry is unchanged too. */
static void get_fails(grant_ref_t ref, enum gnttab_access a, int rc)
{
	uint64_t mfn = 0;
	grant_handle_t h = ~0u;
	int in_range = ref < gnttab_nr_frames(&t) * GNTTAB_PER_FRAME;
	uint16_t before = in_range ? flags_of(ref) : 0;
	int refs = live_refs();

	CHECK_EQ(gnttab_acquire(&t, ref, a, &mfn, &h), rc);
	CHECK_EQ(h, ~0u);
	CHECK_EQ(live_refs(), refs);
	if (in_range && !m.hook)
		CHECK_EQ(flags_of(ref), before);
}

/* ---- set-up and growth ---- */

static void test_init_one_zeroed_shared_frame(void)
{
	unsigned int i;
	const uint8_t *p;

	setup(TEST_MAX);
	CHECK_EQ(gnttab_nr_frames(&t), 1);
	CHECK_EQ(gnttab_max_frames(&t), TEST_MAX);
	CHECK_EQ(gnttab_frame_mfn(&t, 0), TABLE_MFN);
	CHECK_EQ(gnttab_frame_mfn(&t, 1), ~0ull);
	CHECK_EQ(m.shared[0], 1);
	p = m.va[0];
	for (i = 0; i < PAGE_SIZE; i++)
		if (p[i])
			break;
	CHECK_EQ(i, PAGE_SIZE);
	teardown();
}

static void test_init_rejects_bad_max(void)
{
	memset(&m, 0, sizeof(m));
	m.fail_alloc = -1;
	CHECK_EQ(gnttab_init(&t, &fake_ops, NULL, 0), -XEN_EINVAL);
	CHECK_EQ(gnttab_init(&t, &fake_ops, NULL, GNTTAB_MAX_FRAMES + 1),
		 -XEN_EINVAL);
	CHECK_EQ(m.nr_alloc, 0);
	CHECK_EQ(gnttab_init(&t, &fake_ops, NULL, GNTTAB_MAX_FRAMES), 0);
	teardown();
}

static void test_init_out_of_memory(void)
{
	memset(&m, 0, sizeof(m));
	m.fail_alloc = 0;
	CHECK_EQ(gnttab_init(&t, &fake_ops, NULL, TEST_MAX), -XEN_ENOMEM);
	CHECK_EQ(gnttab_nr_frames(&t), 0);
	gnttab_destroy(&t);
}

static void test_grow_to_max_and_refuse_beyond(void)
{
	unsigned int i;

	setup(TEST_MAX);
	CHECK_EQ(gnttab_grow(&t, 3), 0);
	CHECK_EQ(gnttab_nr_frames(&t), 3);
	CHECK_EQ(gnttab_grow(&t, TEST_MAX), 0);
	CHECK_EQ(gnttab_nr_frames(&t), TEST_MAX);
	for (i = 0; i < TEST_MAX; i++) { /* frames never move */
		CHECK_EQ(gnttab_frame_mfn(&t, i), TABLE_MFN + i);
		CHECK_EQ(m.shared[i], 1);
	}
	CHECK_EQ(gnttab_grow(&t, TEST_MAX + 1), -XEN_EINVAL);
	CHECK_EQ(gnttab_nr_frames(&t), TEST_MAX);
	CHECK_EQ(m.nr_alloc, TEST_MAX);
	teardown();
}

static void test_grow_smaller_is_noop(void)
{
	setup(TEST_MAX);
	CHECK_EQ(gnttab_grow(&t, 2), 0);
	CHECK_EQ(gnttab_grow(&t, 1), 0);
	CHECK_EQ(gnttab_grow(&t, 0), 0);
	CHECK_EQ(gnttab_nr_frames(&t), 2);
	CHECK_EQ(m.nr_alloc, 2);
	teardown();
}

static void test_grow_failure_changes_nothing(void)
{
	setup(TEST_MAX);
	m.fail_alloc = 2; /* the second of the two new frames */
	CHECK_EQ(gnttab_grow(&t, 3), -XEN_ENOMEM);
	CHECK_EQ(gnttab_nr_frames(&t), 1);
	CHECK(m.va[1] == NULL); /* the first new frame was given back */
	CHECK_EQ(m.shared[1], 0);
	m.fail_alloc = -1;
	CHECK_EQ(gnttab_grow(&t, 2), 0);
	CHECK_EQ(gnttab_frame_mfn(&t, 1), TABLE_MFN + 2);
	teardown();
}

static void test_refs_in_grown_frames(void)
{
	grant_ref_t last = TEST_MAX * GNTTAB_PER_FRAME - 1;

	setup(TEST_MAX);
	get_fails(GNTTAB_PER_FRAME, GNTTAB_READ, GNTST_bad_gntref);
	CHECK_EQ(gnttab_grow(&t, TEST_MAX), 0);
	guest_grant(GNTTAB_PER_FRAME, 0, 101, GTF_permit_access);
	guest_grant(last, 0, 102, GTF_permit_access);
	gnttab_release(&t, get_ok(GNTTAB_PER_FRAME, GNTTAB_WRITE, 101));
	gnttab_release(&t, get_ok(last, GNTTAB_WRITE, 102));
	get_fails(last + 1, GNTTAB_READ, GNTST_bad_gntref);
	teardown();
}

/* ---- what a grant must say ---- */

static void test_read_ok_sets_reading_only(void)
{
	grant_handle_t h;

	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access | GTF_readonly);
	h = get_ok(8, GNTTAB_READ, 150);
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_readonly | GTF_reading);
	CHECK_EQ(m.refs[50], 1);
	CHECK_EQ(m.wrefs[50], 0);
	CHECK_EQ(gnttab_release(&t, h), GNTST_okay);
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_readonly);
	CHECK_EQ(live_refs(), 0);
	teardown();
}

static void test_write_ok_sets_reading_and_writing(void)
{
	grant_handle_t h;

	setup(TEST_MAX);
	guest_grant(9, 0, 151, GTF_permit_access);
	h = get_ok(9, GNTTAB_WRITE, 151);
	CHECK_EQ(flags_of(9), GTF_permit_access | GTF_reading | GTF_writing);
	CHECK_EQ(m.wrefs[51], 1);
	CHECK_EQ(gnttab_release(&t, h), GNTST_okay);
	CHECK_EQ(flags_of(9), GTF_permit_access);
	CHECK_EQ(live_refs(), 0);
	teardown();
}

static void test_entry_and_other_flags_preserved(void)
{
	uint16_t f = GTF_permit_access | GTF_PWT | GTF_PCD;

	setup(TEST_MAX);
	guest_grant(10, 0, 152, f);
	gnttab_release(&t, get_ok(10, GNTTAB_WRITE, 152));
	CHECK_EQ(flags_of(10), f);
	CHECK_EQ(gent(10)->domid, 0);
	CHECK_EQ(gent(10)->frame, 152);
	teardown();
}

static void test_write_on_readonly_refused(void)
{
	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access | GTF_readonly);
	get_fails(8, GNTTAB_WRITE, GNTST_permission_denied);
	teardown();
}

static void test_wrong_domid_refused(void)
{
	setup(TEST_MAX);
	guest_grant(8, 1, 150, GTF_permit_access);
	get_fails(8, GNTTAB_READ, GNTST_permission_denied);
	guest_grant(8, DOMID_SELF, 150, GTF_permit_access);
	get_fails(8, GNTTAB_READ, GNTST_permission_denied);
	teardown();
}

static void test_invalid_types_refused(void)
{
	const uint16_t bad[] = { GTF_invalid,
				 GTF_accept_transfer,
				 GTF_transitive,
				 GTF_readonly,
				 GTF_permit_access | GTF_sub_page,
				 GTF_accept_transfer | GTF_transfer_committed };
	unsigned int i;

	setup(TEST_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		guest_grant(8, 0, 150, bad[i]);
		get_fails(8, GNTTAB_READ, GNTST_bad_gntref);
		get_fails(8, GNTTAB_WRITE, GNTST_bad_gntref);
	}
	teardown();
}

static void test_reserved_refs_refused(void)
{
	grant_ref_t r;

	setup(TEST_MAX);
	for (r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++) {
		guest_grant(r, 0, 150, GTF_permit_access);
		get_fails(r, GNTTAB_READ, GNTST_bad_gntref);
	}
	guest_grant(GNTTAB_NR_RESERVED_ENTRIES, 0, 150, GTF_permit_access);
	gnttab_release(&t,
		       get_ok(GNTTAB_NR_RESERVED_ENTRIES, GNTTAB_READ, 150));
	teardown();
}

static void test_ref_out_of_range_refused(void)
{
	setup(TEST_MAX);
	get_fails(GNTTAB_PER_FRAME, GNTTAB_READ, GNTST_bad_gntref);
	get_fails(TEST_MAX * GNTTAB_PER_FRAME, GNTTAB_READ, GNTST_bad_gntref);
	get_fails(GNTTAB_MAX_ENTRIES, GNTTAB_READ, GNTST_bad_gntref);
	get_fails(0xffffffffu, GNTTAB_WRITE, GNTST_bad_gntref);
	teardown();
}

static void test_frame_not_owned_refused(void)
{
	const uint32_t bad[] = { 0, GUEST_MFN - 1, GUEST_MFN + GUEST_NR,
				 TABLE_MFN, 0xffffffffu };
	unsigned int i;

	setup(TEST_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		guest_grant(8, 0, bad[i], GTF_permit_access);
		get_fails(8, GNTTAB_READ, GNTST_bad_page);
		get_fails(8, GNTTAB_WRITE, GNTST_bad_page);
	}
	teardown();
}

static void test_page_table_never_writable(void)
{
	setup(TEST_MAX);
	guest_grant(8, 0, PT_MFN, GTF_permit_access);
	get_fails(8, GNTTAB_WRITE, GNTST_bad_page);
	gnttab_release(&t, get_ok(8, GNTTAB_READ, PT_MFN));
	teardown();
}

/* ---- the bits and the revoke race ---- */

static void test_revoke_fails_while_held(void)
{
	grant_handle_t h;

	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	h = get_ok(8, GNTTAB_WRITE, 150);
	CHECK_EQ(guest_end_access(8), 0);
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing);
	gnttab_release(&t, h);
	CHECK_EQ(guest_end_access(8), 1);
	CHECK_EQ(flags_of(8), 0);
	teardown();
}

static void test_revoked_grant_refused(void)
{
	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	CHECK_EQ(guest_end_access(8), 1);
	get_fails(8, GNTTAB_READ, GNTST_bad_gntref);
	teardown();
}

static void test_bits_cleared_by_last_release(void)
{
	grant_handle_t h[3];
	int i;

	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	for (i = 0; i < 3; i++)
		h[i] = get_ok(8, GNTTAB_READ, 150);
	CHECK(h[0] != h[1] && h[1] != h[2] && h[0] != h[2]);
	CHECK_EQ(m.refs[50], 3);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(guest_end_access(8), 0);
		CHECK_EQ(gnttab_release(&t, h[i]), GNTST_okay);
	}
	CHECK_EQ(flags_of(8), GTF_permit_access);
	CHECK_EQ(guest_end_access(8), 1);
	teardown();
}

static void test_writing_cleared_before_reading(void)
{
	grant_handle_t r, w;

	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	r = get_ok(8, GNTTAB_READ, 150);
	w = get_ok(8, GNTTAB_WRITE, 150);
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing);
	gnttab_release(&t, w);
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading);
	CHECK_EQ(guest_end_access(8), 0);
	gnttab_release(&t, r);
	CHECK_EQ(flags_of(8), GTF_permit_access);
	teardown();
}

/* Linux makes a grant read-only with a cmpxchg that checks !writing
 * (<xen/grant_table.h>); after that a write must be refused even while
 * a read is in flight, and the read's bit must survive. */
static void test_readonly_downgrade_while_read_held(void)
{
	grant_handle_t r;

	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	r = get_ok(8, GNTTAB_READ, 150);
	__atomic_fetch_or(&gent(8)->flags, GTF_readonly, __ATOMIC_SEQ_CST);
	get_fails(8, GNTTAB_WRITE, GNTST_permission_denied);
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_readonly | GTF_reading);
	gnttab_release(&t, r);
	teardown();
}

/* A broken guest may clear our bits or rewrite the entry while we hold
 * it: that must not confuse the table's own accounting. */
static void test_guest_scribbles_while_held(void)
{
	grant_handle_t a, b;

	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	a = get_ok(8, GNTTAB_WRITE, 150);
	gent(8)->frame = 151; /* plain store, ignoring the protocol */
	b = get_ok(8, GNTTAB_WRITE, 151);
	CHECK_EQ(m.wrefs[50], 1);
	CHECK_EQ(m.wrefs[51], 1);
	__atomic_store_n(&gent(8)->flags, 0, __ATOMIC_SEQ_CST);
	CHECK_EQ(gnttab_release(&t, a), GNTST_okay);
	CHECK_EQ(gnttab_release(&t, b), GNTST_okay);
	CHECK_EQ(flags_of(8), 0); /* nothing put back */
	CHECK_EQ(live_refs(), 0);
	teardown();
}

/* ---- the guest changing the entry between our read and our swap ---- */

static int hook_budget;

static void hook_change_frame(void)
{
	if (hook_budget-- > 0)
		gent(8)->frame = 152;
}

static void test_change_between_read_and_swap_detected(void)
{
	grant_handle_t h;

	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	hook_budget = 1;
	m.hook = hook_change_frame;
	h = get_ok(8, GNTTAB_WRITE, 152); /* the frame actually marked */
	CHECK_EQ(m.hook_calls, 2);
	CHECK_EQ(m.refs[50], 0); /* the first round's reference dropped */
	CHECK_EQ(m.wrefs[52], 1);
	m.hook = NULL;
	gnttab_release(&t, h);
	teardown();
}

static void hook_revoke(void)
{
	CHECK_EQ(guest_end_access(8), 1);
}

static void test_revoke_between_read_and_swap(void)
{
	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	m.hook = hook_revoke;
	get_fails(8, GNTTAB_WRITE, GNTST_bad_gntref);
	CHECK_EQ(m.hook_calls, 1);
	CHECK_EQ(flags_of(8), 0); /* our bits never landed */
	m.hook = NULL;
	teardown();
}

static void hook_make_readonly(void)
{
	__atomic_fetch_or(&gent(8)->flags, GTF_readonly, __ATOMIC_SEQ_CST);
}

static void test_readonly_between_read_and_swap(void)
{
	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	m.hook = hook_make_readonly;
	get_fails(8, GNTTAB_WRITE, GNTST_permission_denied);
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_readonly);
	m.hook = NULL;
	teardown();
}

static void hook_regrant_elsewhere(void)
{
	gent(8)->domid = 3;
}

static void test_domid_change_between_read_and_swap(void)
{
	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	m.hook = hook_regrant_elsewhere;
	get_fails(8, GNTTAB_READ, GNTST_permission_denied);
	m.hook = NULL;
	teardown();
}

static void hook_always_change(void)
{
	gent(8)->frame = gent(8)->frame == 150 ? 151 : 150;
}

static void test_unstable_entry_gives_up(void)
{
	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	m.hook = hook_always_change;
	get_fails(8, GNTTAB_WRITE, GNTST_eagain);
	CHECK_EQ(m.hook_calls, GNTTAB_CAS_TRIES);
	CHECK_EQ(flags_of(8), GTF_permit_access);
	m.hook = NULL;
	teardown();
}

/* ---- handles ---- */

static void test_release_bad_handles(void)
{
	grant_handle_t h;

	setup(TEST_MAX);
	CHECK_EQ(gnttab_release(&t, 0), GNTST_bad_handle);
	CHECK_EQ(gnttab_release(&t, GNTTAB_MAX_HANDLES), GNTST_bad_handle);
	CHECK_EQ(gnttab_release(&t, ~0u), GNTST_bad_handle);
	guest_grant(8, 0, 150, GTF_permit_access);
	h = get_ok(8, GNTTAB_READ, 150);
	CHECK_EQ(gnttab_release(&t, h), GNTST_okay);
	CHECK_EQ(gnttab_release(&t, h), GNTST_bad_handle);
	CHECK_EQ(live_refs(), 0);
	teardown();
}

static void test_handles_run_out_and_recover(void)
{
	static grant_handle_t h[GNTTAB_MAX_HANDLES];
	unsigned int i;

	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	for (i = 0; i < GNTTAB_MAX_HANDLES; i++)
		h[i] = get_ok(8, i % 2 ? GNTTAB_WRITE : GNTTAB_READ, 150);
	CHECK_EQ(m.refs[50], GNTTAB_MAX_HANDLES);
	CHECK_EQ(gnttab_acquire(&t, 8, GNTTAB_READ, &(uint64_t){ 0 },
				&(grant_handle_t){ 0 }),
		 GNTST_no_space);
	CHECK_EQ(m.refs[50], GNTTAB_MAX_HANDLES);
	gnttab_release(&t, h[5]);
	h[5] = get_ok(8, GNTTAB_READ, 150);
	for (i = 0; i < GNTTAB_MAX_HANDLES; i++)
		CHECK_EQ(gnttab_release(&t, h[i]), GNTST_okay);
	CHECK_EQ(flags_of(8), GTF_permit_access);
	CHECK_EQ(live_refs(), 0);
	teardown();
}

static void test_destroy_releases_outstanding(void)
{
	setup(TEST_MAX);
	guest_grant(8, 0, 150, GTF_permit_access);
	guest_grant(9, 0, 151, GTF_permit_access);
	get_ok(8, GNTTAB_READ, 150);
	get_ok(9, GNTTAB_WRITE, 151);
	CHECK_EQ(live_refs(), 3);
	teardown(); /* checks that every reference came back */
	CHECK_EQ(gnttab_max_frames(&t), 0);
}

/* Many refs and accesses in random order against a simple model. */
static void test_random_against_model(void)
{
	static grant_handle_t h[256];
	static grant_ref_t ref_of[256];
	static int held[256], writes[64], all[64];
	int step, i;
	grant_ref_t r;

	setup(TEST_MAX);
	memset(held, 0, sizeof(held));
	memset(writes, 0, sizeof(writes));
	memset(all, 0, sizeof(all));
	for (r = 8; r < 64; r++)
		guest_grant(r, 0, GUEST_MFN + r, GTF_permit_access);
	srand(4242);
	for (step = 0; step < 20000; step++) {
		i = rand() % 256;
		if (held[i]) {
			r = ref_of[i];
			CHECK_EQ(gnttab_release(&t, h[i]), GNTST_okay);
			all[r]--;
			writes[r] -= held[i] == 2;
			held[i] = 0;
		} else {
			r = ref_of[i] = 8 + (grant_ref_t)(rand() % 56);
			held[i] = 1 + rand() % 2;
			h[i] = get_ok(r,
				      held[i] == 2 ? GNTTAB_WRITE : GNTTAB_READ,
				      GUEST_MFN + r);
			all[r]++;
			writes[r] += held[i] == 2;
		}
		CHECK_EQ(!!(flags_of(r) & GTF_reading), all[r] > 0);
		CHECK_EQ(!!(flags_of(r) & GTF_writing), writes[r] > 0);
		CHECK_EQ(m.refs[r], all[r]);
	}
	teardown();
}

int main(void)
{
	RUN(test_init_one_zeroed_shared_frame);
	RUN(test_init_rejects_bad_max);
	RUN(test_init_out_of_memory);
	RUN(test_grow_to_max_and_refuse_beyond);
	RUN(test_grow_smaller_is_noop);
	RUN(test_grow_failure_changes_nothing);
	RUN(test_refs_in_grown_frames);
	RUN(test_read_ok_sets_reading_only);
	RUN(test_write_ok_sets_reading_and_writing);
	RUN(test_entry_and_other_flags_preserved);
	RUN(test_write_on_readonly_refused);
	RUN(test_wrong_domid_refused);
	RUN(test_invalid_types_refused);
	RUN(test_reserved_refs_refused);
	RUN(test_ref_out_of_range_refused);
	RUN(test_frame_not_owned_refused);
	RUN(test_page_table_never_writable);
	RUN(test_revoke_fails_while_held);
	RUN(test_revoked_grant_refused);
	RUN(test_bits_cleared_by_last_release);
	RUN(test_writing_cleared_before_reading);
	RUN(test_readonly_downgrade_while_read_held);
	RUN(test_guest_scribbles_while_held);
	RUN(test_change_between_read_and_swap_detected);
	RUN(test_revoke_between_read_and_swap);
	RUN(test_readonly_between_read_and_swap);
	RUN(test_domid_change_between_read_and_swap);
	RUN(test_unstable_entry_gives_up);
	RUN(test_release_bad_handles);
	RUN(test_handles_run_out_and_recover);
	RUN(test_destroy_releases_outstanding);
	RUN(test_random_against_model);
	return TEST_DONE();
}

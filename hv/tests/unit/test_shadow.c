/* Host tests of shadow paging's pure parts: the guest-walk permission
 * check and the shadow entry derivation (mm/shadow_entry.c), and the
 * shadow cache with its root lookup (mm/shadow_cache.c). */
#include <stdlib.h>
#include <arch/x86/page.h>
#include <mm/shadow_cache.h>
#include <mm/shadow_entry.h>
#include "test.h"

#define P     _PAGE_PRESENT
#define RW    _PAGE_RW
#define A     _PAGE_ACCESSED
#define D     _PAGE_DIRTY
#define NX    _PAGE_NX
#define UP    (P | RW | _PAGE_USER | A | D) /* an upper-level guest entry */
#define OWNED SH_FRAME_OWNED
#define TABLE SH_FRAME_TABLE

static void test_walk_permits_reads_and_writes(void)
{
	uint64_t rw[4] = { UP, UP, UP, P | RW | A | D | 0x5000 };
	uint64_t ro_mid[4] = { UP, UP & ~RW, UP, P | RW | A | D };

	CHECK(sh_walk_permits(rw, 0));
	CHECK(sh_walk_permits(rw, PFEC_WRITE));
	CHECK(sh_walk_permits(ro_mid, 0));
	/* RW clear at any level forbids writes, as the hardware would. */
	CHECK(!sh_walk_permits(ro_mid, PFEC_WRITE | PFEC_PRESENT));
}

static void test_walk_checks_nx_and_presence(void)
{
	uint64_t nx_top[4] = { UP | NX, UP, UP, P | A };
	uint64_t missing[4] = { UP, UP, UP, 0 };

	CHECK(sh_walk_permits(nx_top, 0));
	CHECK(!sh_walk_permits(nx_top, PFEC_INSN));
	CHECK(!sh_walk_permits(missing, 0));
}

static void test_l1e_maps_owned_frames_only(void)
{
	uint64_t g = 0x1234000ull | P | RW | A | D;

	CHECK_EQ(sh_l1e(g, OWNED), 0x1234000ull | P | RW | A | D | _PAGE_USER);
	/* A frame the domain does not own: never mapped. */
	CHECK_EQ(sh_l1e(g, 0), 0);
	CHECK_EQ(sh_l1e(g, TABLE), 0);
	CHECK_EQ(sh_l1e(0x1234000ull, OWNED), 0); /* not present */
}

static void test_l1e_write_protects_tables(void)
{
	uint64_t g = 0x77000ull | P | RW | A | D;
	uint64_t s = sh_l1e(g, OWNED | TABLE);

	CHECK(s & P);
	CHECK(!(s & RW)); /* stores trap and are propagated */
	CHECK_EQ(s & PTE_ADDR_MASK, 0x77000ull);
}

static void test_l1e_tracks_accessed_and_dirty(void)
{
	/* Not accessed: not present, so the first access faults and sets A
	 * in the guest entry; writable but clean: read-only until the first
	 * write sets D. */
	CHECK_EQ(sh_l1e(0x9000ull | P | RW, OWNED), 0);
	CHECK(!(sh_l1e(0x9000ull | P | RW | A, OWNED) & RW));
	CHECK(sh_l1e(0x9000ull | P | RW | A | D, OWNED) & RW);
	/* D without RW grants nothing more. */
	CHECK(!(sh_l1e(0x9000ull | P | A | D, OWNED) & RW));
}

static void test_l1e_refuses_bad_flags_and_drops_global(void)
{
	uint64_t base = 0x9000ull | P | A;

	CHECK_EQ(sh_l1e(base | _PAGE_PCD, OWNED), 0);
	CHECK_EQ(sh_l1e(base | _PAGE_PWT, OWNED), 0);
	CHECK_EQ(sh_l1e(base | _PAGE_PSE, OWNED), 0); /* PAT */
	CHECK(!(sh_l1e(base | _PAGE_GLOBAL, OWNED) & _PAGE_GLOBAL));
	CHECK(sh_l1e(base | NX, OWNED) & NX);
	/* Guest-available bits do not reach the hardware. */
	CHECK_EQ(sh_l1e(base | (1ull << 9) | (1ull << 52), OWNED),
		 base | _PAGE_USER);
}

static void test_lne_points_at_the_child_shadow(void)
{
	uint64_t s = sh_lne(0xabc000ull | P | RW | A | D | NX, 0x42);

	CHECK_EQ(s & PTE_ADDR_MASK, 0x42000ull);
	CHECK_EQ(s & ~PTE_ADDR_MASK, P | RW | _PAGE_USER | A | NX);
	CHECK(!(sh_lne(0xabc000ull | P | A, 0x42) & RW));
}

static struct sh_rec storage[64];

static void test_cache_finds_by_frame_and_level(void)
{
	struct sh_cache c;
	int a, b;

	sh_cache_init(&c, storage, 64);
	CHECK_EQ(sh_cache_find(&c, 100, 4), -1);
	a = sh_cache_add(&c, 100, 4, 7000);
	b = sh_cache_add(&c, 100, 1, 7001);
	CHECK(a >= 0 && b >= 0 && a != b);
	CHECK_EQ(sh_cache_find(&c, 100, 4), a);
	CHECK_EQ(sh_cache_find(&c, 100, 1), b);
	CHECK_EQ(sh_cache_find(&c, 100, 2), -1);
	CHECK_EQ(c.rec[a].smfn, 7000);
	CHECK_EQ(c.nr_used, 2);
}

/* A root switched away from and back to is found again (a hit); once
 * deleted it is gone (a miss), and its record is reused. */
static void test_cache_root_hit_miss_and_reuse(void)
{
	struct sh_cache c;
	int r1, r2, r3;

	sh_cache_init(&c, storage, 64);
	r1 = sh_cache_add(&c, 0x500, 4, 1);
	r2 = sh_cache_add(&c, 0x600, 4, 2);
	CHECK_EQ(sh_cache_find(&c, 0x500, 4), r1);
	CHECK_EQ(sh_cache_find(&c, 0x600, 4), r2);
	sh_cache_del(&c, (unsigned int)r1);
	CHECK_EQ(sh_cache_find(&c, 0x500, 4), -1);
	CHECK_EQ(sh_cache_find(&c, 0x600, 4), r2);
	r3 = sh_cache_add(&c, 0x700, 4, 3);
	CHECK_EQ(r3, r1);
	CHECK_EQ(c.nr_used, 2);
}

static void test_cache_full_and_collisions(void)
{
	struct sh_cache c;
	unsigned int i;

	sh_cache_init(&c, storage, 64);
	/* Frames SH_BUCKETS apart share chains in some buckets. */
	for (i = 0; i < 64; i++)
		CHECK(sh_cache_add(&c, (uint64_t)i * SH_BUCKETS, 1 + i % 4,
				   i) >= 0);
	CHECK_EQ(sh_cache_add(&c, 99999, 1, 1), -1);
	for (i = 0; i < 64; i += 2)
		sh_cache_del(&c, (unsigned int)sh_cache_find(
				     &c, (uint64_t)i * SH_BUCKETS, 1 + i % 4));
	for (i = 0; i < 64; i++)
		CHECK_EQ(sh_cache_find(&c, (uint64_t)i * SH_BUCKETS,
				       1 + i % 4) >= 0,
			 i % 2);
	CHECK_EQ(c.nr_used, 32);
}

int main(void)
{
	RUN(test_walk_permits_reads_and_writes);
	RUN(test_walk_checks_nx_and_presence);
	RUN(test_l1e_maps_owned_frames_only);
	RUN(test_l1e_write_protects_tables);
	RUN(test_l1e_tracks_accessed_and_dirty);
	RUN(test_l1e_refuses_bad_flags_and_drops_global);
	RUN(test_lne_points_at_the_child_shadow);
	RUN(test_cache_finds_by_frame_and_level);
	RUN(test_cache_root_hit_miss_and_reuse);
	RUN(test_cache_full_and_collisions);
	return TEST_DONE();
}

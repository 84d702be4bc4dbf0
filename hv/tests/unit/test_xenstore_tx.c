/*
 * Host tests of xenstore transactions at the store level
 * (io/xenstore/transaction.c over ops.c): commit, abort, reading one's
 * own writes, the conflict rule (EAGAIN), limits and quotas at commit.
 * The wire side (tx_id, watches on commit) is in test_xenstore_wire.c.
 * Every test ends by checking the tree invariants (T1-T3 in store.c).
 */
#include "xenstore_fixture.h"

static int rm_(struct xs_conn *c, struct xs_tx *tx, const char *path)
{
	struct xs_view v = view(c, tx);

	return xs_op_rm(&v, path);
}

static int dir_is(struct xs_conn *c, struct xs_tx *tx, const char *path,
		  const char *list, size_t len)
{
	struct xs_view v = view(c, tx);
	const struct xs_rec *r;

	return !xs_op_get(&v, path, &r) && r->clen == len &&
	       !memcmp(r->children, list, len);
}

/* ---- transactions ---- */

static struct xs_tx *tx_start(struct xs_conn *c)
{
	uint32_t id = 0;

	CHECK_EQ(xs_tx_start(c, &id), 0);
	return xs_tx_find(c, id);
}

static void test_tx_commit_applies(void)
{
	struct xs_tx *tx;
	int rc;

	setup();
	tx = tx_start(g1);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/t/a", "1"), 0);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/t/b", "2"), 0);
	CHECK(!exists("/local/domain/1/t"));
	CHECK_EQ(xs_tx_end(g1, tx, 1), 0);
	CHECK_STR(rd(g1, NULL, "/local/domain/1/t/a", &rc), "1");
	CHECK_STR(rd(g1, NULL, "/local/domain/1/t/b", &rc), "2");
	CHECK(dir_is(g1, NULL, "/local/domain/1/t", "a\0b", 4));
	CHECK_EQ(g1->nr_tx, 0);
	teardown();
}

static void test_tx_abort_discards(void)
{
	struct xs_tx *tx;
	uint64_t gen;

	setup();
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/k", "old"), 0);
	gen = st->gen;
	tx = tx_start(g1);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/k", "new"), 0);
	CHECK_EQ(rm_(g1, tx, "/local/domain/1"), 0);
	CHECK_EQ(xs_tx_end(g1, tx, 0), 0);
	CHECK_STR(rd(g1, NULL, "/local/domain/1/k", &(int){ 0 }), "old");
	CHECK_EQ(st->gen, gen);
	teardown();
}

static void test_tx_reads_own_writes(void)
{
	struct xs_tx *tx;
	int rc;

	setup();
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/k", "old"), 0);
	tx = tx_start(g1);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/k", "new"), 0);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/n/m", "made"), 0);
	CHECK_STR(rd(g1, tx, "/local/domain/1/k", &rc), "new");
	CHECK_STR(rd(g1, NULL, "/local/domain/1/k", &rc), "old");
	CHECK_STR(rd(g1, tx, "/local/domain/1/n/m", &rc), "made");
	CHECK_EQ(rd_rc(g1, NULL, "/local/domain/1/n/m"), -XEN_ENOENT);
	CHECK(dir_is(g1, tx, "/local/domain/1/n", "m", 2));
	CHECK_EQ(rm_(g1, tx, "/local/domain/1/k"), 0);
	CHECK_EQ(rd_rc(g1, tx, "/local/domain/1/k"), -XEN_ENOENT);
	CHECK_EQ(xs_tx_end(g1, tx, 1), 0);
	CHECK_EQ(rd_rc(g1, NULL, "/local/domain/1/k"), -XEN_ENOENT);
	teardown();
}

static void test_tx_conflict_eagain(void)
{
	struct xs_tx *tx;

	setup();
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/a", "1"), 0);
	tx = tx_start(g1);
	CHECK_EQ(rd_rc(g1, tx, "/local/domain/1/a"), 0);
	CHECK_EQ(wr(d0, NULL, "/local/domain/1/a", "changed"), 0);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/b", "2"), 0);
	CHECK_EQ(xs_tx_end(g1, tx, 1), -XEN_EAGAIN);
	CHECK(!exists("/local/domain/1/b"));
	CHECK_EQ(g1->nr_tx, 0); /* ended anyway */
	teardown();
}

static void test_tx_conflict_on_missing_read(void)
{
	struct xs_tx *tx;

	setup();
	tx = tx_start(g1);
	CHECK_EQ(rd_rc(g1, tx, "/local/domain/1/m"), -XEN_ENOENT);
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/m", "now"), 0);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/x", "1"), 0);
	CHECK_EQ(xs_tx_end(g1, tx, 1), -XEN_EAGAIN);
	teardown();
}

/* Another writer adding a sibling changes the parent's child list. */
static void test_tx_sibling_creation_conflicts(void)
{
	struct xs_tx *tx;

	setup();
	tx = tx_start(g1);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/p/a", "1"), 0);
	CHECK_EQ(wr(d0, NULL, "/local/domain/1/p/b", "2"), 0);
	CHECK_EQ(xs_tx_end(g1, tx, 1), -XEN_EAGAIN);
	tx = tx_start(g1);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/p/a", "1"), 0);
	CHECK_EQ(xs_tx_end(g1, tx, 1), 0);
	CHECK(dir_is(g1, NULL, "/local/domain/1/p", "b\0a", 4));
	teardown();
}

/* Unrelated changes elsewhere do not conflict. */
static void test_tx_unrelated_change_commits(void)
{
	struct xs_tx *tx;

	setup();
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/a", "1"), 0);
	tx = tx_start(g1);
	CHECK_EQ(rd_rc(g1, tx, "/local/domain/1/a"), 0);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/a", "2"), 0);
	CHECK_EQ(wr(d0, NULL, "/local/domain/2/other", "x"), 0);
	CHECK_EQ(xs_tx_end(g1, tx, 1), 0);
	CHECK_STR(rd(g1, NULL, "/local/domain/1/a", &(int){ 0 }), "2");
	teardown();
}

static void test_tx_rm_then_recreate(void)
{
	struct xs_tx *tx;

	setup();
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/d/old/x", "1"), 0);
	tx = tx_start(g1);
	CHECK_EQ(rm_(g1, tx, "/local/domain/1/d"), 0);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/d/new", "2"), 0);
	CHECK(dir_is(g1, tx, "/local/domain/1/d", "new", 4));
	CHECK_EQ(rd_rc(g1, tx, "/local/domain/1/d/old/x"), -XEN_ENOENT);
	CHECK_EQ(xs_tx_end(g1, tx, 1), 0);
	CHECK(!exists("/local/domain/1/d/old") && !exists("/local/domain/1/d/"
							  "old/x"));
	CHECK(exists("/local/domain/1/d/new"));
	teardown();
}

static void test_tx_limits(void)
{
	struct xs_quota q = XS_QUOTA_DEFAULT;
	struct xs_tx *a, *b;
	uint32_t id;

	q.transactions = 2;
	q.tx_records = 3;
	setup_quota(&q);
	a = tx_start(g1);
	b = tx_start(g1);
	CHECK(a && b && a->id != b->id);
	CHECK_EQ(xs_tx_start(g1, &id), -XEN_ENOSPC);
	CHECK_EQ(xs_tx_end(g1, a, 0), 0);
	CHECK_EQ(xs_tx_start(g1, &id), 0);
	/* a change of 4 records (parent + 3 new) is over tx_records */
	CHECK_EQ(wr(g1, b, "/local/domain/1/x/y/z", "1"), -XEN_ENOSPC);
	CHECK_EQ(wr(g1, b, "/local/domain/1/x/y", "1"), 0);
	CHECK_EQ(rd_rc(g1, b, "/local/domain/1/q"), -XEN_ENOSPC);
	teardown();
}

static void test_tx_quota_checked_at_commit(void)
{
	struct xs_quota q = XS_QUOTA_DEFAULT;
	struct xs_tx *tx;

	q.nodes = 4;
	setup_quota(&q);
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/sub", ""), 0); /* owns 2 */
	tx = tx_start(g1);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/a", "1"), 0);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/b", "1"), 0);
	CHECK_EQ(wr(g1, tx, "/local/domain/1/c", "1"), -XEN_ENOSPC);
	/* outside, and touching nothing the transaction touched */
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/sub/z", "1"), 0);
	CHECK_EQ(xs_tx_end(g1, tx, 1), -XEN_ENOSPC);
	CHECK(!exists("/local/domain/1/a"));
	teardown();
}

/* An allocation failing inside a transaction leaves it as it was. */
static void test_tx_alloc_failure(void)
{
	struct xs_tx *tx;
	uint32_t id;
	int rc = -XEN_ENOMEM;
	long n;

	setup();
	fail_in = 0;
	CHECK_EQ(xs_tx_start(g1, &id), -XEN_ENOMEM);
	fail_in = -1;
	tx = tx_start(g1);
	for (n = 0; rc == -XEN_ENOMEM && n < 100; n++) {
		fail_in = n;
		rc = wr(g1, tx, "/local/domain/1/a/b/c", "x");
		fail_in = -1;
		if (rc == -XEN_ENOMEM)
			CHECK_EQ(rd_rc(g1, tx, "/local/domain/1/a"),
				 -XEN_ENOENT);
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(xs_tx_end(g1, tx, 1), 0);
	CHECK(exists("/local/domain/1/a/b/c"));
	teardown();
}

int main(void)
{
	RUN(test_tx_commit_applies);
	RUN(test_tx_abort_discards);
	RUN(test_tx_reads_own_writes);
	RUN(test_tx_conflict_eagain);
	RUN(test_tx_conflict_on_missing_read);
	RUN(test_tx_sibling_creation_conflicts);
	RUN(test_tx_unrelated_change_commits);
	RUN(test_tx_rm_then_recreate);
	RUN(test_tx_limits);
	RUN(test_tx_quota_checked_at_commit);
	RUN(test_tx_alloc_failure);
	return TEST_DONE();
}

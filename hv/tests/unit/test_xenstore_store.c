/*
 * Host tests of the xenstore tree (io/xenstore/store.c, ops.c, path.c,
 * perms.c, backend.c): paths, round trips, permissions, quotas,
 * atomicity under allocation failure, domain introduction and backend
 * hooks. Every test ends by checking the tree invariants (T1-T3 in
 * store.c). Transactions: test_xenstore_tx.c.
 */
#include "xenstore_fixture.h"

static int mkdir_(struct xs_conn *c, struct xs_tx *tx, const char *path)
{
	struct xs_view v = view(c, tx);

	return xs_op_mkdir(&v, path);
}

static int rm_(struct xs_conn *c, struct xs_tx *tx, const char *path)
{
	struct xs_view v = view(c, tx);

	return xs_op_rm(&v, path);
}

static int set_perms(struct xs_conn *c, const char *path,
		     const struct xs_perm *p, unsigned int n)
{
	struct xs_view v = view(c, NULL);

	return xs_op_set_perms(&v, path, p, n);
}

static int dir_is(struct xs_conn *c, struct xs_tx *tx, const char *path,
		  const char *list, size_t len)
{
	struct xs_view v = view(c, tx);
	const struct xs_rec *r;

	return !xs_op_get(&v, path, &r) && r->clen == len &&
	       !memcmp(r->children, list, len);
}

/* ---- paths ---- */

static int canon_is(uint16_t domid, const char *in, int special,
		    const char *want)
{
	int rc, ok;
	char *out = xs_path_canonical(st, domid, in, special, &rc);

	ok = want ? out && !strcmp(out, want) : !out && rc == -XEN_EINVAL;
	xs_free(st, out);
	return ok;
}

static void test_path_valid(void)
{
	setup();
	CHECK(canon_is(1, "/", 0, "/"));
	CHECK(
	    canon_is(1, "/local/domain/1/device", 0, "/local/domain/1/device"));
	CHECK(canon_is(7, "device/vbd", 0, "/local/domain/7/device/vbd"));
	CHECK(canon_is(1, "A-z_0@9", 0, "/local/domain/1/A-z_0@9"));
	CHECK(canon_is(1, "@releaseDomain", 1, "@releaseDomain"));
	CHECK_EQ(xs_path_rel_prefix(12), strlen("/local/domain/12/"));
	teardown();
}

static void test_path_invalid(void)
{
	static char longp[3100];

	setup();
	CHECK(canon_is(1, "", 0, NULL));
	CHECK(canon_is(1, "//", 0, NULL));
	CHECK(canon_is(1, "/a//b", 0, NULL));
	CHECK(canon_is(1, "/a/", 0, NULL));
	CHECK(canon_is(1, "a/", 0, NULL));
	CHECK(canon_is(1, "a//b", 0, NULL));
	CHECK(canon_is(1, "/a b", 0, NULL));
	CHECK(canon_is(1, "/a.b", 0, NULL));
	CHECK(canon_is(1, "/a\n", 0, NULL));
	CHECK(canon_is(1, "@releaseDomain", 0, NULL));
	CHECK(canon_is(1, "@", 1, NULL));
	longp[0] = '/';
	memset(longp + 1, 'a', XENSTORE_ABS_PATH_MAX - 1);
	CHECK(canon_is(0, longp, 0, longp)); /* exactly the maximum */
	longp[XENSTORE_ABS_PATH_MAX] = 'a';
	CHECK(canon_is(0, longp, 0, NULL));
	memset(longp, 'b', sizeof(longp) - 1);
	longp[XENSTORE_REL_PATH_MAX] = '\0';
	CHECK(!canon_is(1, longp, 0, NULL)); /* relative maximum is fine */
	longp[XENSTORE_REL_PATH_MAX] = 'b';
	longp[XENSTORE_REL_PATH_MAX + 1] = '\0';
	CHECK(canon_is(1, longp, 0, NULL));
	teardown();
}

static void test_path_parent_and_under(void)
{
	CHECK_EQ(xs_path_parent_len("/", 1), 0);
	CHECK_EQ(xs_path_parent_len("/a", 2), 1);
	CHECK_EQ(xs_path_parent_len("/a/bc", 5), 2);
	CHECK_EQ(xs_path_parent_len("/a/bc/d", 5), 2); /* a prefix */
	CHECK_EQ(xs_path_parent_len("/a/b", 1), 0);
	CHECK(xs_path_is_under("/", 1, "/x/y", 4));
	CHECK(xs_path_is_under("/x", 2, "/x/y", 4));
	CHECK(xs_path_is_under("/x/y", 4, "/x/y", 4));
	CHECK(!xs_path_is_under("/x", 2, "/xy", 3));
	CHECK(!xs_path_is_under("/x/y", 4, "/x", 2));
}

/* ---- permissions ---- */

static void test_perms_parse_format(void)
{
	struct xs_perm p[3];
	char buf[64];

	CHECK_EQ(xs_perms_parse("r5\0b0\0n65535", 13, 3, p), 0);
	CHECK(p[0].domid == 5 && p[0].perm == XS_PERM_READ);
	CHECK(p[1].domid == 0 && p[1].perm == XS_PERM_BOTH);
	CHECK(p[2].domid == 65535 && p[2].perm == XS_PERM_NONE);
	CHECK_EQ(xs_perms_format(p, 3, buf, sizeof(buf)), 13);
	CHECK(!memcmp(buf, "r5\0b0\0n65535", 13));
	CHECK_EQ(xs_perms_format(p, 3, buf, 12), -XEN_E2BIG);
	CHECK_EQ(xs_perms_parse("x1", 3, 1, p), -XEN_EINVAL);
	CHECK_EQ(xs_perms_parse("r", 2, 1, p), -XEN_EINVAL);
	CHECK_EQ(xs_perms_parse("r65536", 7, 1, p), -XEN_EINVAL);
	CHECK_EQ(xs_perms_parse("r1x", 4, 1, p), -XEN_EINVAL);
	CHECK_EQ(xs_perms_parse("r1", 2, 1, p), -XEN_EINVAL);	  /* no NUL */
	CHECK_EQ(xs_perms_parse("r1\0r2", 6, 1, p), -XEN_EINVAL); /* extra */
}

static void test_perm_for(void)
{
	static const struct xs_perm p[] = { { 3, XS_PERM_READ },
					    { 4, XS_PERM_WRITE },
					    { 5, XS_PERM_NONE } };
	unsigned int full = XS_PERM_BOTH | XS_PERM_OWNER;

	CHECK_EQ(xs_perm_for(3, p, 3), full); /* owner */
	CHECK_EQ(xs_perm_for(0, p, 3), full); /* privileged */
	CHECK_EQ(xs_perm_for(4, p, 3), XS_PERM_WRITE);
	CHECK_EQ(xs_perm_for(5, p, 3), XS_PERM_NONE);
	CHECK_EQ(xs_perm_for(9, p, 3), XS_PERM_READ); /* default */
}

/* ---- round trips ---- */

static void test_write_read_roundtrip(void)
{
	int rc;

	setup();
	CHECK_EQ(wr(d0, NULL, "/a/b/c", "hello"), 0);
	CHECK_STR(rd(d0, NULL, "/a/b/c", &rc), "hello");
	CHECK_STR(rd(d0, NULL, "/a/b", &rc), "");
	CHECK(dir_is(d0, NULL, "/a", "b", 2));
	CHECK(dir_is(d0, NULL, "/a/b", "c", 2));
	CHECK_EQ(wr(d0, NULL, "/a/b/c", "again"), 0);
	CHECK_STR(rd(d0, NULL, "/a/b/c", &rc), "again");
	CHECK(dir_is(d0, NULL, "/a/b", "c", 2)); /* not listed twice */
	CHECK_EQ(rd_rc(d0, NULL, "/a/b/d"), -XEN_ENOENT);
	teardown();
}

static void test_binary_and_empty_values(void)
{
	struct xs_view v;
	const struct xs_rec *r;

	setup();
	v = view(d0, NULL);
	CHECK_EQ(xs_op_write(&v, "/bin", "a\0b\0", 4), 0);
	CHECK_EQ(xs_op_get(&v, "/bin", &r), 0);
	CHECK(r->vlen == 4 && !memcmp(r->value, "a\0b\0", 4));
	CHECK_EQ(xs_op_write(&v, "/bin", "", 0), 0);
	CHECK_EQ(xs_op_get(&v, "/bin", &r), 0);
	CHECK_EQ(r->vlen, 0);
	teardown();
}

static void test_mkdir_rm_directory(void)
{
	setup();
	CHECK_EQ(mkdir_(d0, NULL, "/x/y"), 0);
	CHECK_EQ(mkdir_(d0, NULL, "/x/z"), 0);
	CHECK_EQ(mkdir_(d0, NULL, "/x/y"), 0); /* exists: fine */
	CHECK(dir_is(d0, NULL, "/x", "y\0z", 4));
	CHECK_EQ(wr(d0, NULL, "/x/y/deep/er", "1"), 0);
	CHECK_EQ(rm_(d0, NULL, "/x/y"), 0);
	CHECK(!exists("/x/y") && !exists("/x/y/deep") &&
	      !exists("/x/y/deep/er"));
	CHECK(dir_is(d0, NULL, "/x", "z", 2));
	CHECK_EQ(rm_(d0, NULL, "/x/y"), 0);		/* gone, parent there */
	CHECK_EQ(rm_(d0, NULL, "/x/q/r"), -XEN_ENOENT); /* no parent */
	CHECK_EQ(rm_(d0, NULL, "/"), -XEN_EINVAL);
	CHECK(dir_is(d0, NULL, "/x/z", "", 0));
	teardown();
}

/* ---- permissions in the tree ---- */

static void test_create_inherits_and_owns(void)
{
	struct xs_view v;
	const struct xs_rec *r;

	setup();
	v = view(d0, NULL);
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/data/x", "1"), 0);
	CHECK_EQ(xs_op_get(&v, "/local/domain/1/data/x", &r), 0);
	CHECK_EQ(xs_rec_owner(r), 1);
	/* domain 0 creating in the guest's area keeps the guest owner */
	CHECK_EQ(wr(d0, NULL, "/local/domain/1/device/vbd/0/state", "1"), 0);
	CHECK_EQ(xs_op_get(&v, "/local/domain/1/device/vbd/0/state", &r), 0);
	CHECK_EQ(xs_rec_owner(r), 1);
	CHECK_STR(rd(g1, NULL, "/local/domain/1/device/vbd/0/state",
		     &(int){ 0 }),
		  "1");
	teardown();
}

static void test_guest_cannot_read_other_domain(void)
{
	int rc;

	setup();
	CHECK_EQ(wr(g2, NULL, "/local/domain/2/secret", "s"), 0);
	CHECK_EQ(rd_rc(g1, NULL, "/local/domain/2/secret"), -XEN_EACCES);
	/* missing nodes in a tree it cannot read: EACCES, not ENOENT */
	CHECK_EQ(rd_rc(g1, NULL, "/local/domain/2/nothing"), -XEN_EACCES);
	CHECK_EQ(rd_rc(g1, NULL, "/local/domain/1/nothing"), -XEN_ENOENT);
	CHECK_STR(rd(g2, NULL, "/local/domain/2/secret", &rc), "s");
	CHECK_STR(rd(d0, NULL, "/local/domain/2/secret", &rc), "s");
	CHECK_EQ(rd_rc(g1, NULL, "/local"), -XEN_EACCES);
	teardown();
}

static void test_guest_create_needs_write(void)
{
	setup();
	CHECK_EQ(wr(g1, NULL, "/local/domain/2/x", "1"), -XEN_EACCES);
	CHECK_EQ(wr(g1, NULL, "/foo", "1"), -XEN_EACCES);
	CHECK_EQ(mkdir_(g1, NULL, "/local/domain/3"), -XEN_EACCES);
	CHECK_EQ(rm_(g1, NULL, "/local/domain/2"), -XEN_EACCES);
	CHECK(!exists("/foo") && !exists("/local/domain/3"));
	teardown();
}

static void test_dom0_does_everything(void)
{
	static const struct xs_perm p = { 2, XS_PERM_NONE };

	setup();
	CHECK_EQ(wr(g2, NULL, "/local/domain/2/x", "1"), 0);
	CHECK_EQ(wr(d0, NULL, "/local/domain/2/x", "2"), 0);
	CHECK_EQ(set_perms(d0, "/local/domain/2/x", &p, 1), 0);
	CHECK_EQ(rm_(d0, NULL, "/local/domain/2/x"), 0);
	CHECK_EQ(wr(d0, NULL, "/anything", "ok"), 0);
	teardown();
}

static void test_set_perms_rules(void)
{
	struct xs_perm shared[2] = { { 1, XS_PERM_NONE }, { 2, XS_PERM_BOTH } };
	struct xs_perm give = { 2, XS_PERM_NONE };

	setup();
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/s", "v"), 0);
	CHECK_EQ(rd_rc(g2, NULL, "/local/domain/1/s"), -XEN_EACCES);
	CHECK_EQ(set_perms(g1, "/local/domain/1/s", shared, 2), 0);
	CHECK_EQ(rd_rc(g2, NULL, "/local/domain/1/s"), 0);
	CHECK_EQ(wr(g2, NULL, "/local/domain/1/s", "w"), 0);
	/* guest 2 may write but is not the owner */
	CHECK_EQ(set_perms(g2, "/local/domain/1/s", shared, 2), -XEN_EACCES);
	/* the owner may not give the node away; domain 0 may */
	CHECK_EQ(set_perms(g1, "/local/domain/1/s", &give, 1), -XEN_EPERM);
	CHECK_EQ(set_perms(d0, "/local/domain/1/s", &give, 1), 0);
	CHECK_EQ(rd_rc(g1, NULL, "/local/domain/1/s"), -XEN_EACCES);
	shared[0].perm = 9;
	CHECK_EQ(set_perms(d0, "/local/domain/1", shared, 2), -XEN_EINVAL);
	CHECK_EQ(set_perms(d0, "/local/domain/1", shared, 0), -XEN_EINVAL);
	CHECK_EQ(set_perms(g1, "/local/domain/1/none", &give, 1), -XEN_ENOENT);
	teardown();
}

/* ---- quotas ---- */

static void test_quota_nodes(void)
{
	struct xs_quota q = XS_QUOTA_DEFAULT;
	uint32_t before;

	q.nodes = 4; /* /local/domain/1 itself is one */
	setup_quota(&q);
	before = st->nodes.count;
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/a/b/c/d", "x"), -XEN_ENOSPC);
	CHECK_EQ(st->nodes.count, before); /* nothing half-created */
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/a/b/c", "x"), 0);
	CHECK_EQ(g1->nodes, 4);
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/e", "x"), -XEN_ENOSPC);
	CHECK_EQ(rm_(g1, NULL, "/local/domain/1/a/b"), 0);
	CHECK_EQ(g1->nodes, 2);
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/e", "x"), 0);
	/* domain 0 is not limited, even when it creates guest nodes */
	CHECK_EQ(wr(d0, NULL, "/local/domain/1/f/g/h", "x"), 0);
	teardown();
}

static void test_quota_value_size(void)
{
	static char big[4098];
	struct xs_view v;

	setup();
	memset(big, 'v', sizeof(big));
	v = view(g1, NULL);
	CHECK_EQ(xs_op_write(&v, "/local/domain/1/v", big, 2048), 0);
	CHECK_EQ(xs_op_write(&v, "/local/domain/1/v", big, 2049), -XEN_E2BIG);
	v = view(d0, NULL);
	CHECK_EQ(xs_op_write(&v, "/local/domain/1/v", big, 4096), 0);
	CHECK_EQ(xs_op_write(&v, "/local/domain/1/v", big, 4097), -XEN_E2BIG);
	teardown();
}

/* Failing the n-th allocation of a change leaves the store as it was. */
static void test_alloc_failure_is_atomic(void)
{
	uint64_t gen;
	int rc = -XEN_ENOMEM;
	long n;

	setup();
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/keep/k", "1"), 0);
	for (n = 0; rc == -XEN_ENOMEM && n < 100; n++) {
		gen = st->gen;
		fail_in = n;
		rc = wr(g1, NULL, "/local/domain/1/a/b/c/d", "x");
		fail_in = -1;
		if (rc == -XEN_ENOMEM)
			CHECK(!exists("/local/domain/1/a") && st->gen == gen);
	}
	CHECK_EQ(rc, 0);
	for (rc = -XEN_ENOMEM, n = 0; rc == -XEN_ENOMEM && n < 100; n++) {
		fail_in = n;
		rc = rm_(g1, NULL, "/local/domain/1/a");
		fail_in = -1;
		if (rc == -XEN_ENOMEM)
			CHECK(exists("/local/domain/1/a/b/c/d"));
		CHECK(invariants_ok());
	}
	CHECK(rc == 0 && !exists("/local/domain/1/a"));
	teardown();
}

/* ---- domains and the backends' API ---- */

static void test_introduce_creates_area(void)
{
	struct xs_domain_info info = {
		.domid = 3, .name = "guest", .memory_kib = 262144, .vcpus = 2
	};
	struct xs_conn *c;
	char buf[64];
	int rc;

	setup();
	CHECK_EQ(xs_domain_introduce(st, &info, &c), 0);
	CHECK_EQ(xs_domain_introduce(st, &info, &c), -XEN_EEXIST);
	CHECK_STR(rd(c, NULL, "/local/domain/3/name", &rc), "guest");
	CHECK_STR(rd(c, NULL, "/local/domain/3/domid", &rc), "3");
	CHECK_STR(rd(c, NULL, "/local/domain/3/control/shutdown", &rc), "");
	CHECK_STR(rd(c, NULL, "/local/domain/3/memory/target", &rc), "262144");
	CHECK_STR(rd(c, NULL, "/local/domain/3/cpu/1/availability", &rc), "onli"
									  "ne");
	CHECK_EQ(rd_rc(c, NULL, "/local/domain/3/memory/static-max"),
		 -XEN_ENOENT);
	CHECK(!exists("/local/domain/3/device"));
	CHECK_EQ(wr(c, NULL, "/local/domain/3/name", "evil"), -XEN_EACCES);
	CHECK_EQ(wr(c, NULL, "/local/domain/3/control/feature-poweroff", "1"),
		 0);
	CHECK_EQ(rd_rc(g1, NULL, "/local/domain/3/name"), -XEN_EACCES);
	CHECK_EQ(xs_backend_read(st, "/local/domain/3/domid", buf, 64), 1);
	CHECK_EQ(xs_domain_release(st, 3), 0);
	CHECK(!exists("/local/domain/3") && !xs_conn_find(st, 3));
	CHECK_EQ(xs_domain_release(st, 3), -XEN_ENOENT);
	teardown();
}

static void test_introduce_out_of_memory_leaves_nothing(void)
{
	struct xs_domain_info info = { .domid = 4, .vcpus = 1 };
	struct xs_conn *c;
	uint32_t count;
	int rc = -XEN_ENOMEM;
	long n;

	setup();
	count = st->nodes.count;
	for (n = 0; rc == -XEN_ENOMEM && n < 200; n++) {
		fail_in = n;
		rc = xs_domain_introduce(st, &info, &c);
		fail_in = -1;
		if (rc)
			CHECK(st->nodes.count == count && !xs_conn_find(st, 4));
	}
	CHECK_EQ(rc, 0);
	teardown();
}

static void test_backend_api(void)
{
	static const struct xs_perm p[2] = { { 0, XS_PERM_NONE },
					     { 1, XS_PERM_READ } };
	char buf[16];

	setup();
	CHECK_EQ(xs_backend_write(st, "backend/vbd/1/51712/state", "2"), 0);
	CHECK(exists("/local/domain/0/backend/vbd/1/51712/state"));
	CHECK_EQ(xs_backend_read(st,
				 "/local/domain/0/backend/vbd/1/51712/state",
				 buf, sizeof(buf)),
		 1);
	CHECK_STR(buf, "2");
	CHECK_EQ(xs_backend_write(st, "/x", "0123456789abcdef"), 0);
	CHECK_EQ(xs_backend_read(st, "/x", buf, 4), 16);
	CHECK_STR(buf, "012");
	CHECK_EQ(xs_backend_mkdir(st, "/x/c2"), 0);
	CHECK_EQ(xs_backend_mkdir(st, "/x/c1"), 0);
	CHECK_EQ(xs_backend_directory(st, "/x", buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "c2\0c1", 6));
	CHECK_EQ(xs_backend_directory(st, "/x", buf, 2), 6);
	CHECK_EQ(xs_backend_set_perms(st, "backend/vbd/1", p, 2), 0);
	CHECK_EQ(rd_rc(g1, NULL, "/local/domain/0/backend/vbd/1"), 0);
	CHECK_EQ(xs_backend_rm(st, "/x"), 0);
	CHECK_EQ(xs_backend_read(st, "/x", buf, 4), -XEN_ENOENT);
	CHECK_EQ(xs_backend_write(st, "/bad//path", "1"), -XEN_EINVAL);
	teardown();
}

static char hook_path[256];
static int hook_calls, hook_domid;

static void hook(void *arg, uint16_t domid, const char *path)
{
	hook_calls++;
	hook_domid = domid;
	snprintf(hook_path, sizeof(hook_path), "%s", path);
	/* a hook may change the store: the backend's half of the handshake */
	if (arg)
		xs_backend_write(st, "/local/domain/0/backend/state", "4");
}

static void test_backend_hooks(void)
{
	const char *dev = "/local/domain/1/device/vbd/51712";
	int rc;

	setup();
	hook_calls = 0;
	CHECK_EQ(xs_backend_hook(st, dev, hook, &hook_calls), 0);
	CHECK_EQ(xs_backend_write(st, "/local/domain/1/device/vbd/51712/state",
				  "1"),
		 0);
	CHECK_EQ(hook_calls, 0); /* domain 0's own changes */
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/device/vbd/51712/state", "3"),
		 0);
	CHECK_EQ(hook_calls, 0); /* queued until the request settles */
	xs_settle(st, NULL);
	CHECK_EQ(hook_calls, 1);
	CHECK_EQ(hook_domid, 1);
	CHECK_STR(hook_path, "/local/domain/1/device/vbd/51712/state");
	CHECK_STR(rd(d0, NULL, "/local/domain/0/backend/state", &rc), "4");
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/device/vbd/5/state", "3"), 0);
	xs_settle(st, NULL);
	CHECK_EQ(hook_calls, 1); /* another device: not under the prefix */
	CHECK_EQ(rm_(g1, NULL, "/local/domain/1/device"), 0);
	xs_settle(st, NULL);
	CHECK_EQ(hook_calls, 3); /* the device node and its state went */
	xs_backend_unhook(st, dev, hook, &hook_calls);
	CHECK_EQ(wr(g1, NULL, "/local/domain/1/device/vbd/51712/state", "5"),
		 0);
	xs_settle(st, NULL);
	CHECK_EQ(hook_calls, 3);
	teardown();
}

int main(void)
{
	RUN(test_path_valid);
	RUN(test_path_invalid);
	RUN(test_path_parent_and_under);
	RUN(test_perms_parse_format);
	RUN(test_perm_for);
	RUN(test_write_read_roundtrip);
	RUN(test_binary_and_empty_values);
	RUN(test_mkdir_rm_directory);
	RUN(test_create_inherits_and_owns);
	RUN(test_guest_cannot_read_other_domain);
	RUN(test_guest_create_needs_write);
	RUN(test_dom0_does_everything);
	RUN(test_set_perms_rules);
	RUN(test_quota_nodes);
	RUN(test_quota_value_size);
	RUN(test_alloc_failure_is_atomic);
	RUN(test_introduce_creates_area);
	RUN(test_introduce_out_of_memory_leaves_nothing);
	RUN(test_backend_api);
	RUN(test_backend_hooks);
	return TEST_DONE();
}

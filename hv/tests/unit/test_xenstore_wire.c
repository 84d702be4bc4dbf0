/*
 * Host tests of the xenstore request layer (io/xenstore/wire.c) and of
 * watches (watch.c) and transactions as a guest sees them: one message
 * in through xs_conn_request, replies and events out through
 * xs_conn_pop. Malformed messages must be errors, never crashes (ASan,
 * UBSan) or changes to the store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <lib/errno.h>
#include <io/xenstore.h>
#include <io/xenstore/store.h>
#include "test.h"
#include "xs_alloc.h"

static struct xs_store *st;
static struct xs_conn *g1, *g2, *d0;
static uint32_t next_req_id = 100;
static struct xs_msgbuf m; /* the last message popped */

static void setup_quota(const struct xs_quota *q)
{
	struct xs_domain_info i1 = { .domid = 1, .name = "one", .vcpus = 1 };
	struct xs_domain_info i2 = { .domid = 2, .name = "two", .vcpus = 1 };

	st = xs_store_create(&ops, q);
	CHECK(st != NULL);
	CHECK_EQ(xs_domain_introduce(st, &i1, &g1), 0);
	CHECK_EQ(xs_domain_introduce(st, &i2, &g2), 0);
	d0 = xs_conn_find(st, 0);
}

static void setup(void)
{
	setup_quota(NULL);
}

static int drained(struct xs_conn *c)
{
	return !xs_conn_pop(c, &m);
}

static void teardown(void)
{
	CHECK(drained(g1) && drained(g2));
	xs_store_destroy(st);
	CHECK_EQ(live_allocs, 0);
}

/* Sends type/tx with a payload of len bytes (a copy, so ASan sees any
 * read past it). Returns the req_id used. */
static uint32_t send(struct xs_conn *c, uint32_t type, uint32_t tx,
		     const void *body, uint32_t len)
{
	struct xsd_sockmsg hdr = { type, next_req_id++, tx, len };
	void *copy = malloc(len ? len : 1);

	memcpy(copy, body, len);
	CHECK_EQ(xs_conn_request(c, &hdr, copy), 0);
	free(copy);
	return hdr.req_id;
}

/* A request whose payload is a string including its NUL. */
static uint32_t send_str(struct xs_conn *c, uint32_t type, uint32_t tx,
			 const char *s)
{
	return send(c, type, tx, s, (uint32_t)strlen(s) + 1);
}

/* Pops the next message and checks its type and exact payload. */
static int next_is(struct xs_conn *c, uint32_t type, const void *p,
		   uint32_t len)
{
	if (!xs_conn_pop(c, &m)) {
		printf("#   no message, wanted type %u\n", type);
		return 0;
	}
	if (m.hdr.type != type || m.hdr.len != len || memcmp(m.body, p, len)) {
		printf("#   got type %u len %u \"%.*s\"\n", m.hdr.type,
		       m.hdr.len, (int)m.hdr.len, m.body);
		return 0;
	}
	return 1;
}

static int reply_is(struct xs_conn *c, uint32_t type, const char *s)
{
	return next_is(c, type, s, (uint32_t)strlen(s) + 1);
}

static int ok_is_next(struct xs_conn *c, uint32_t type)
{
	return reply_is(c, type, "OK");
}

static int error_is(struct xs_conn *c, const char *name)
{
	return reply_is(c, XS_ERROR, name);
}

/* An XS_WATCH_EVENT with "path\0token\0". */
static int event_is(struct xs_conn *c, const char *path, const char *token)
{
	char buf[256];
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;

	memcpy(buf, path, pl);
	memcpy(buf + pl, token, tl);
	return next_is(c, XS_WATCH_EVENT, buf, (uint32_t)(pl + tl)) &&
	       m.hdr.req_id == 0;
}

static void do_write(struct xs_conn *c, uint32_t tx, const char *path,
		     const char *value)
{
	char buf[512];
	size_t pl = strlen(path) + 1, vl = strlen(value);

	memcpy(buf, path, pl);
	memcpy(buf + pl, value, vl);
	send(c, XS_WRITE, tx, buf, (uint32_t)(pl + vl));
}

static int watch(struct xs_conn *c, const char *path, const char *token)
{
	char buf[256];
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;

	memcpy(buf, path, pl);
	memcpy(buf + pl, token, tl);
	send(c, XS_WATCH, 0, buf, (uint32_t)(pl + tl));
	return ok_is_next(c, XS_WATCH) && event_is(c, path, token);
}

static uint32_t tx_start(struct xs_conn *c)
{
	send(c, XS_TRANSACTION_START, 0, "", 1);
	CHECK(xs_conn_pop(c, &m) && m.hdr.type == XS_TRANSACTION_START);
	return (uint32_t)strtoul(m.body, NULL, 10);
}

/* ---- basic requests ---- */

static void test_read_write_directory(void)
{
	setup();
	do_write(g1, 0, "data/x", "hello");
	CHECK(ok_is_next(g1, XS_WRITE));
	send_str(g1, XS_READ, 0, "data/x");
	CHECK(next_is(g1, XS_READ, "hello", 5)); /* no NUL added */
	do_write(g1, 0, "/local/domain/1/data/y", "");
	CHECK(ok_is_next(g1, XS_WRITE));
	send_str(g1, XS_DIRECTORY, 0, "data");
	CHECK(next_is(g1, XS_DIRECTORY, "x\0y", 4));
	send_str(g1, XS_DIRECTORY, 0, "data/x");
	CHECK(next_is(g1, XS_DIRECTORY, "", 0));
	send_str(g1, XS_MKDIR, 0, "data/d");
	CHECK(ok_is_next(g1, XS_MKDIR));
	send_str(g1, XS_RM, 0, "data");
	CHECK(ok_is_next(g1, XS_RM));
	send_str(g1, XS_READ, 0, "data/x");
	CHECK(error_is(g1, "ENOENT"));
	teardown();
}

static void test_echoes_ids(void)
{
	uint32_t id, tx;

	setup();
	tx = tx_start(g1);
	id = send_str(g1, XS_READ, tx, "name");
	CHECK(next_is(g1, XS_READ, "one", 3));
	CHECK(m.hdr.req_id == id && m.hdr.tx_id == tx);
	id = send_str(g1, XS_READ, tx, "nothing");
	CHECK(error_is(g1, "ENOENT"));
	CHECK(m.hdr.req_id == id && m.hdr.tx_id == tx);
	send_str(g1, XS_TRANSACTION_END, tx, "F");
	CHECK(ok_is_next(g1, XS_TRANSACTION_END));
	teardown();
}

static void test_perms_and_domain_path(void)
{
	setup();
	send_str(g1, XS_GET_PERMS, 0, "name");
	CHECK(next_is(g1, XS_GET_PERMS, "n0\0r1", 6));
	send(g1, XS_SET_PERMS, 0, "data\0n1\0r2", 11);
	CHECK(error_is(g1, "ENOENT"));
	send_str(g1, XS_MKDIR, 0, "data");
	CHECK(ok_is_next(g1, XS_MKDIR));
	send(g1, XS_SET_PERMS, 0, "data\0n1\0r2", 11);
	CHECK(ok_is_next(g1, XS_SET_PERMS));
	send_str(g2, XS_GET_PERMS, 0, "/local/domain/1/data");
	CHECK(next_is(g2, XS_GET_PERMS, "n1\0r2", 6));
	send(g1, XS_SET_PERMS, 0, "data\0q1", 8);
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_SET_PERMS, 0, "data\0n2", 8);
	CHECK(error_is(g1, "EPERM"));
	send_str(g1, XS_SET_PERMS, 0, "data");
	CHECK(error_is(g1, "EINVAL"));
	send_str(g1, XS_GET_DOMAIN_PATH, 0, "5");
	CHECK(reply_is(g1, XS_GET_DOMAIN_PATH, "/local/domain/5"));
	send_str(g1, XS_GET_DOMAIN_PATH, 0, "x5");
	CHECK(error_is(g1, "EINVAL"));
	send_str(g1, XS_GET_DOMAIN_PATH, 0, "70000");
	CHECK(error_is(g1, "EINVAL"));
	send_str(g1, XS_CONTROL, 0, "print");
	CHECK(ok_is_next(g1, XS_CONTROL));
	teardown();
}

/* ---- malformed messages ---- */

static void test_missing_nul(void)
{
	uint64_t gen;

	setup();
	gen = st->gen;
	send(g1, XS_READ, 0, "name", 4);
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_WRITE, 0, "data/x", 6); /* no NUL after the path */
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_MKDIR, 0, "", 0);
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_WATCH, 0, "a\0tok", 5);
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_TRANSACTION_END, 0, "T", 1);
	CHECK(error_is(g1, "EINVAL"));
	CHECK_EQ(st->gen, gen);
	teardown();
}

static void test_oversized_len(void)
{
	struct xsd_sockmsg hdr = { XS_WRITE, 7, 0, XENSTORE_PAYLOAD_MAX + 1 };
	char *small = malloc(8);

	setup();
	memcpy(small, "x\0y", 4);
	/* only 8 bytes behind the header: ASan proves none are read */
	CHECK_EQ(xs_conn_request(g1, &hdr, small), 0);
	CHECK(error_is(g1, "EINVAL"));
	hdr.len = 0xffffffff;
	CHECK_EQ(xs_conn_request(g1, &hdr, small), 0);
	CHECK(error_is(g1, "EINVAL"));
	free(small);
	teardown();
}

static void test_unknown_and_server_types(void)
{
	static const uint32_t types[] = { XS_TYPE_COUNT,  99,	    XS_INVALID,
					  XS_WATCH_EVENT, XS_ERROR, 0xffffffff };
	unsigned int i;

	setup();
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		send_str(g1, types[i], 0, "name");
		CHECK(error_is(g1, "EINVAL"));
	}
	teardown();
}

static void test_wrong_argument_count(void)
{
	setup();
	send(g1, XS_READ, 0, "name\0extra", 11);
	CHECK(error_is(g1, "EINVAL"));
	send_str(g1, XS_WATCH, 0, "name");
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_WATCH, 0, "a\0b\0c", 6);
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_UNWATCH, 0, "a", 2);
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_GET_DOMAIN_PATH, 0,
	     "1\0"
	     "2",
	     4);
	CHECK(error_is(g1, "EINVAL"));
	send(g1, XS_RM, 0, "\0", 1);
	CHECK(error_is(g1, "EINVAL")); /* an empty path */
	teardown();
}

static void test_tool_requests_refused(void)
{
	static const uint32_t tools[] = { XS_INTRODUCE, XS_RELEASE,
					  XS_IS_DOMAIN_INTRODUCED, XS_RESUME,
					  XS_SET_TARGET };
	unsigned int i;

	setup();
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		send_str(g1, tools[i], 0, "1");
		CHECK(error_is(g1, "EACCES"));
	}
	teardown();
}

static void test_bad_paths(void)
{
	setup();
	do_write(g1, 0, "a//b", "1");
	CHECK(error_is(g1, "EINVAL"));
	send_str(g1, XS_READ, 0, "@releaseDomain");
	CHECK(error_is(g1, "EINVAL"));
	send_str(g1, XS_READ, 0, "a.b");
	CHECK(error_is(g1, "EINVAL"));
	send_str(g1, XS_READ, 0, "/local/domain/2/name");
	CHECK(error_is(g1, "EACCES"));
	teardown();
}

/* ---- watches ---- */

static void test_watch_initial_event_after_ok(void)
{
	setup();
	send(g1, XS_WATCH, 0, "device\0tok", 11);
	CHECK(ok_is_next(g1, XS_WATCH));
	CHECK(event_is(g1, "device", "tok")); /* spelled as given */
	CHECK(drained(g1));
	send(g1, XS_WATCH, 0, "device\0tok", 11);
	CHECK(error_is(g1, "EEXIST"));
	teardown();
}

static void test_watch_fires_on_descendant_write(void)
{
	setup();
	CHECK(watch(g1, "device", "t1"));
	CHECK(watch(g1, "/local/domain/1/control", "t2"));
	xs_backend_write(st, "/local/domain/1/device/vbd/51712/state", "1");
	CHECK(event_is(g1, "device/vbd/51712/state", "t1"));
	CHECK(drained(g1));
	xs_backend_write(st, "/local/domain/1/control/shutdown", "poweroff");
	CHECK(event_is(g1, "/local/domain/1/control/shutdown", "t2"));
	xs_backend_write(st, "/local/domain/1/devices", "x"); /* a sibling */
	CHECK(drained(g1));
	teardown();
}

static void test_own_write_event_follows_reply(void)
{
	setup();
	CHECK(watch(g1, "control", "c"));
	do_write(g1, 0, "control/feature-poweroff", "1");
	CHECK(ok_is_next(g1, XS_WRITE));
	CHECK(event_is(g1, "control/feature-poweroff", "c"));
	send_str(g1, XS_MKDIR, 0, "control"); /* exists: no change */
	CHECK(ok_is_next(g1, XS_MKDIR));
	CHECK(drained(g1));
	teardown();
}

static void test_watch_rm_fires_descendants(void)
{
	setup();
	do_write(g1, 0, "a/b/c", "1");
	CHECK(ok_is_next(g1, XS_WRITE));
	CHECK(watch(g1, "a/b/c", "deep"));
	CHECK(watch(g1, "a", "top"));
	CHECK(watch(g1, "a/zz", "none")); /* never existed */
	send_str(g1, XS_RM, 0, "a/b");
	CHECK(ok_is_next(g1, XS_RM));
	CHECK(event_is(g1, "a/b", "top"));
	CHECK(event_is(g1, "a/b/c", "deep"));
	CHECK(drained(g1));
	teardown();
}

static void test_watch_needs_read_permission(void)
{
	setup();
	CHECK(watch(g2, "/local/domain/1", "spy"));
	do_write(g1, 0, "secret", "s");
	CHECK(ok_is_next(g1, XS_WRITE));
	CHECK(drained(g2));
	send(g1, XS_SET_PERMS, 0, "secret\0n1\0r2", 13);
	CHECK(ok_is_next(g1, XS_SET_PERMS));
	CHECK(event_is(g2, "/local/domain/1/secret", "spy"));
	teardown();
}

static void test_unwatch_and_reset(void)
{
	setup();
	CHECK(watch(g1, "control", "a"));
	CHECK(watch(g1, "memory", "b"));
	send(g1, XS_UNWATCH, 0, "control\0a", 10);
	CHECK(ok_is_next(g1, XS_UNWATCH));
	send(g1, XS_UNWATCH, 0, "control\0a", 10);
	CHECK(error_is(g1, "ENOENT"));
	xs_backend_write(st, "/local/domain/1/control/shutdown", "reboot");
	CHECK(drained(g1));
	send(g1, XS_RESET_WATCHES, 0, "", 0);
	CHECK(ok_is_next(g1, XS_RESET_WATCHES));
	xs_backend_write(st, "/local/domain/1/memory/target", "1");
	CHECK(drained(g1));
	teardown();
}

static void test_watch_quota(void)
{
	struct xs_quota q = XS_QUOTA_DEFAULT;

	q.watches = 2;
	setup_quota(&q);
	CHECK(watch(g1, "a", "1"));
	CHECK(watch(g1, "b", "1"));
	send(g1, XS_WATCH, 0,
	     "c\0"
	     "1",
	     4);
	CHECK(error_is(g1, "ENOSPC"));
	teardown();
}

static void test_events_dropped_over_output_quota(void)
{
	struct xs_quota q = XS_QUOTA_DEFAULT;
	int i;

	q.out_bytes = 200;
	setup_quota(&q);
	CHECK(watch(g1, "control", "t"));
	for (i = 0; i < 20; i++)
		xs_backend_write(st, "/local/domain/1/control/shutdown", "x");
	CHECK(xs_conn_events_dropped(g1) > 0);
	send_str(g1, XS_READ, 0, "name"); /* replies are never dropped */
	while (xs_conn_pop(g1, &m) && m.hdr.type == XS_WATCH_EVENT)
		;
	CHECK(m.hdr.type == XS_READ);
	teardown();
}

static void test_special_watches(void)
{
	struct xs_domain_info i3 = { .domid = 3, .vcpus = 1 };
	struct xs_conn *g3;

	setup();
	CHECK(watch(g1, "@releaseDomain", "r"));
	CHECK(watch(d0, "@introduceDomain", "i"));
	CHECK_EQ(xs_domain_introduce(st, &i3, &g3), 0);
	CHECK(event_is(d0, "@introduceDomain", "i"));
	CHECK_EQ(xs_domain_release(st, 3), 0);
	CHECK(drained(g1)); /* special events go to domain 0 only */
	CHECK(drained(d0));
	teardown();
}

/* ---- transactions ---- */

static void test_tx_wire_commit_and_events(void)
{
	uint32_t tx;

	setup();
	CHECK(watch(g1, "device", "w"));
	tx = tx_start(g1);
	CHECK(tx != 0);
	do_write(g1, tx, "device/vif/0/state", "3");
	CHECK(ok_is_next(g1, XS_WRITE));
	CHECK(drained(g1)); /* no event before the commit */
	send_str(g1, XS_READ, tx, "device/vif/0/state");
	CHECK(next_is(g1, XS_READ, "3", 1));
	send_str(g1, XS_READ, 0, "device/vif/0/state");
	CHECK(error_is(g1, "ENOENT"));
	send_str(g1, XS_TRANSACTION_END, tx, "T");
	CHECK(ok_is_next(g1, XS_TRANSACTION_END));
	CHECK(event_is(g1, "device/vif/0/state", "w"));
	send_str(g1, XS_READ, 0, "device/vif/0/state");
	CHECK(next_is(g1, XS_READ, "3", 1));
	teardown();
}

static void test_tx_wire_conflict_and_abort(void)
{
	uint32_t tx;

	setup();
	tx = tx_start(g1);
	send_str(g1, XS_READ, tx, "control/shutdown");
	CHECK(next_is(g1, XS_READ, "", 0));
	xs_backend_write(st, "/local/domain/1/control/shutdown", "poweroff");
	do_write(g1, tx, "control/shutdown", "");
	CHECK(ok_is_next(g1, XS_WRITE));
	send_str(g1, XS_TRANSACTION_END, tx, "T");
	CHECK(error_is(g1, "EAGAIN"));
	send_str(g1, XS_TRANSACTION_END, tx, "T");
	CHECK(error_is(g1, "ENOENT")); /* ended by the failed commit */
	tx = tx_start(g1);
	do_write(g1, tx, "data", "1");
	CHECK(ok_is_next(g1, XS_WRITE));
	send_str(g1, XS_TRANSACTION_END, tx, "F");
	CHECK(ok_is_next(g1, XS_TRANSACTION_END));
	send_str(g1, XS_READ, 0, "data");
	CHECK(error_is(g1, "ENOENT"));
	teardown();
}

static void test_tx_wire_errors(void)
{
	uint32_t tx;

	setup();
	send_str(g1, XS_READ, 42, "name");
	CHECK(error_is(g1, "ENOENT")); /* unknown transaction */
	send_str(g1, XS_TRANSACTION_END, 0, "T");
	CHECK(error_is(g1, "ENOENT"));
	tx = tx_start(g1);
	send(g1, XS_TRANSACTION_START, tx, "", 1);
	CHECK(error_is(g1, "EBUSY"));
	send_str(g1, XS_TRANSACTION_END, tx, "X");
	CHECK(error_is(g1, "EINVAL"));
	send_str(g2, XS_TRANSACTION_END, tx, "T");
	CHECK(error_is(g2, "ENOENT"));	      /* another domain's id */
	send(g1, XS_WATCH, tx, "name\0t", 7); /* watches ignore tx_id */
	CHECK(ok_is_next(g1, XS_WATCH) && event_is(g1, "name", "t"));
	send_str(g1, XS_TRANSACTION_END, tx, "F");
	CHECK(ok_is_next(g1, XS_TRANSACTION_END));
	teardown();
}

static void test_tx_limit_wire(void)
{
	struct xs_quota q = XS_QUOTA_DEFAULT;

	q.transactions = 1;
	setup_quota(&q);
	CHECK(tx_start(g1) != 0);
	send(g1, XS_TRANSACTION_START, 0, "", 1);
	CHECK(error_is(g1, "ENOSPC"));
	send(g1, XS_RESET_WATCHES, 0, "", 0); /* also ends transactions */
	CHECK(ok_is_next(g1, XS_RESET_WATCHES));
	CHECK(tx_start(g1) != 0);
	teardown();
}

static void test_directory_too_big(void)
{
	char path[64];
	int i;

	setup();
	for (i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/big/child-number-%04d", i);
		xs_backend_mkdir(st, path);
	}
	send_str(d0, XS_DIRECTORY, 0, "/big");
	CHECK(error_is(d0, "E2BIG"));
	teardown();
}

int main(void)
{
	RUN(test_read_write_directory);
	RUN(test_echoes_ids);
	RUN(test_perms_and_domain_path);
	RUN(test_missing_nul);
	RUN(test_oversized_len);
	RUN(test_unknown_and_server_types);
	RUN(test_wrong_argument_count);
	RUN(test_tool_requests_refused);
	RUN(test_bad_paths);
	RUN(test_watch_initial_event_after_ok);
	RUN(test_watch_fires_on_descendant_write);
	RUN(test_own_write_event_follows_reply);
	RUN(test_watch_rm_fires_descendants);
	RUN(test_watch_needs_read_permission);
	RUN(test_unwatch_and_reset);
	RUN(test_watch_quota);
	RUN(test_events_dropped_over_output_quota);
	RUN(test_special_watches);
	RUN(test_tx_wire_commit_and_events);
	RUN(test_tx_wire_conflict_and_abort);
	RUN(test_tx_wire_errors);
	RUN(test_tx_limit_wire);
	RUN(test_directory_too_big);
	return TEST_DONE();
}

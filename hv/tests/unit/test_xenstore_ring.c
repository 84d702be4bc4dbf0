/*
 * Host tests of the xenstore ring layer (io/xenstore/ring.c): a guest
 * that behaves like Linux's xenbus_comms.c (requests into req[], replies
 * out of rsp[], free-running indices) against xs_ring_service. The page
 * is an exact-size malloc, so ASan catches any access outside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <lib/errno.h>
#include <io/xenstore.h>
#include "test.h"
#include "xs_alloc.h"

static struct xs_store *st;
static struct xs_conn *g1, *g2;
static struct xenstore_domain_interface *r1, *r2;
static int notified[3];

static void notify(void *arg)
{
	notified[(intptr_t)arg]++;
}

static struct xenstore_domain_interface *ring_new(uint32_t start)
{
	struct xenstore_domain_interface *r = malloc(sizeof(*r));

	memset(r, 0, sizeof(*r));
	r->req_cons = r->req_prod = r->rsp_cons = r->rsp_prod = start;
	return r;
}

static void setup_full(const struct xs_quota *q, uint32_t start)
{
	struct xs_domain_info i1 = {
		.domid = 1, .name = "one", .vcpus = 1, .memory_kib = 1024
	};
	struct xs_domain_info i2 = { .domid = 2, .name = "two", .vcpus = 1 };

	st = xs_store_create(&ops, q);
	CHECK_EQ(xs_domain_introduce(st, &i1, &g1), 0);
	CHECK_EQ(xs_domain_introduce(st, &i2, &g2), 0);
	r1 = ring_new(start);
	r2 = ring_new(start);
	xs_ring_attach(g1, r1, notify, (void *)1);
	xs_ring_attach(g2, r2, notify, (void *)2);
	memset(notified, 0, sizeof(notified));
}

static void setup(void)
{
	setup_full(NULL, 0);
}

static void teardown(void)
{
	xs_store_destroy(st);
	free(r1);
	free(r2);
	CHECK_EQ(live_allocs, 0);
}

/* ---- the guest's side (Linux xb_write/xb_read) ---- */

static uint32_t guest_put(struct xenstore_domain_interface *r, const void *p,
			  uint32_t len)
{
	const char *s = p;
	uint32_t n = 0;

	while (n < len && r->req_prod - r->req_cons < XENSTORE_RING_SIZE) {
		r->req[MASK_XENSTORE_IDX(r->req_prod)] = s[n++];
		r->req_prod++;
	}
	return n;
}

/* What the guest has read from rsp[] and not yet parsed. */
static char stream[1 << 16];
static uint32_t stream_len;

static uint32_t guest_drain(struct xenstore_domain_interface *r, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && r->rsp_cons != r->rsp_prod) {
		stream[stream_len++] = r->rsp[MASK_XENSTORE_IDX(r->rsp_cons)];
		r->rsp_cons++;
		n++;
	}
	return n;
}

/* Takes one complete message off the front of the stream. */
static int guest_msg(struct xs_msgbuf *m)
{
	struct xsd_sockmsg h;
	uint32_t total;

	if (stream_len < sizeof(h))
		return 0;
	memcpy(&h, stream, sizeof(h));
	total = (uint32_t)sizeof(h) + h.len;
	if (stream_len < total)
		return 0;
	memcpy(m, stream, total);
	memmove(stream, stream + total, stream_len - total);
	stream_len -= total;
	return 1;
}

static uint32_t build(char *buf, uint32_t type, uint32_t req_id,
		      const void *body, uint32_t len)
{
	struct xsd_sockmsg h = { type, req_id, 0, len };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	return (uint32_t)sizeof(h) + len;
}

/* A request whose payload is len bytes of body. */
static uint32_t request_n(struct xenstore_domain_interface *r, uint32_t type,
			  uint32_t req_id, const void *body, uint32_t len)
{
	char buf[256];
	uint32_t n = build(buf, type, req_id, body, len);

	return guest_put(r, buf, n);
}

/* A request whose payload is one string with its NUL. */
static uint32_t request(struct xenstore_domain_interface *r, uint32_t type,
			uint32_t req_id, const char *s)
{
	return request_n(r, type, req_id, s, (uint32_t)strlen(s) + 1);
}

static int reply_is(uint32_t type, uint32_t req_id, const void *p, uint32_t len)
{
	static struct xs_msgbuf m;

	if (!guest_msg(&m))
		return 0;
	return m.hdr.type == type && m.hdr.req_id == req_id &&
	       m.hdr.len == len && !memcmp(m.body, p, len);
}

static int reply_str(uint32_t type, uint32_t req_id, const char *s)
{
	return reply_is(type, req_id, s, (uint32_t)strlen(s) + 1);
}

static void reset_stream(void)
{
	stream_len = 0;
}

/* ---- tests ---- */

static void test_ring_roundtrip(void)
{
	setup();
	reset_stream();
	CHECK_EQ(xs_ring_service(g1), 0); /* nothing to do */
	request(r1, XS_READ, 7, "name");
	CHECK_EQ(xs_ring_service(g1), 1);
	CHECK_EQ(r1->req_cons, r1->req_prod);
	guest_drain(r1, 4096);
	CHECK(reply_is(XS_READ, 7, "one", 3));
	CHECK(r1->server_features & XENSTORE_SERVER_FEATURE_ERROR);
	teardown();
}

static void test_ring_split_request(void)
{
	char buf[64];
	uint32_t n = build(buf, XS_READ, 9, "domid", 6);

	setup();
	reset_stream();
	guest_put(r1, buf, 7); /* half a header */
	CHECK_EQ(xs_ring_service(g1), 1);
	CHECK_EQ(r1->req_cons, 7); /* consumed, never left in the ring */
	CHECK_EQ(r1->rsp_prod, 0);
	guest_put(r1, buf + 7, 12); /* rest of header, part of payload */
	xs_ring_service(g1);
	CHECK_EQ(r1->req_cons, 19);
	CHECK_EQ(r1->rsp_prod, 0);
	guest_put(r1, buf + 19, n - 19);
	CHECK_EQ(xs_ring_service(g1), 1);
	guest_drain(r1, 4096);
	CHECK(reply_is(XS_READ, 9, "1", 1));
	teardown();
}

static void test_ring_many_requests_one_pass(void)
{
	uint32_t i;

	setup();
	reset_stream();
	for (i = 0; i < 5; i++)
		request(r1, XS_READ, 20 + i, i % 2 ? "domid" : "name");
	xs_ring_service(g1);
	guest_drain(r1, 4096);
	for (i = 0; i < 5; i++)
		CHECK(i % 2 ? reply_is(XS_READ, 20 + i, "1", 1)
			    : reply_is(XS_READ, 20 + i, "one", 3));
	teardown();
}

/* Indices near 2^32 and messages across the ring's end. */
static void test_ring_wrapping_indices(void)
{
	static char value[901], body[1000];
	uint32_t i, n;

	setup_full(NULL, 0xfffffe00u);
	reset_stream();
	memset(value, 'w', 900);
	memcpy(body, "data\0", 5);
	memcpy(body + 5, value, 900);
	for (i = 0; i < 6; i++) {
		char buf[1100];

		n = build(buf, XS_WRITE, i, body, 905);
		CHECK_EQ(guest_put(r1, buf, n), n);
		xs_ring_service(g1);
		request(r1, XS_READ, 100 + i, "data");
		xs_ring_service(g1);
		while (guest_drain(r1, 4096))
			xs_ring_service(g1);
		CHECK(reply_str(XS_WRITE, i, "OK"));
		CHECK(reply_is(XS_READ, 100 + i, value, 900));
	}
	CHECK(r1->req_prod < 0x10000); /* wrapped */
	teardown();
}

/* Replies bigger than the free space wait in the queue until the guest
 * reads; every pass that writes asks for a notification. */
static void test_ring_full_response_queues(void)
{
	static char value[2001];
	uint32_t i, got = 0;

	setup();
	reset_stream();
	memset(value, 'v', 2000);
	CHECK_EQ(xs_backend_write(st, "/local/domain/1/big", value), 0);
	for (i = 0; i < 3; i++)
		request(r1, XS_READ, 50 + i, "big");
	CHECK_EQ(xs_ring_service(g1), 1);
	CHECK_EQ(r1->rsp_prod - r1->rsp_cons, XENSTORE_RING_SIZE); /* full */
	CHECK_EQ(r1->req_cons, r1->req_prod);
	CHECK_EQ(xs_ring_service(g1), 0); /* still full: nothing moves */
	while (guest_drain(r1, 300)) {
		xs_ring_service(g1); /* the guest's notification */
		CHECK(r1->rsp_prod - r1->rsp_cons <= XENSTORE_RING_SIZE);
	}
	for (i = 0; i < 3; i++)
		got += reply_is(XS_READ, 50 + i, value, 2000);
	CHECK_EQ(got, 3);
	teardown();
}

/* With more than out_bytes waiting, requests stay in the ring. */
static void test_ring_backpressure(void)
{
	struct xs_quota q = XS_QUOTA_DEFAULT;
	static char value[2001];
	uint32_t i, got = 0;
	static struct xs_msgbuf m;

	q.out_bytes = 2048;
	setup_full(&q, 0);
	reset_stream();
	memset(value, 'v', 2000);
	xs_backend_write(st, "/local/domain/1/big", value);
	for (i = 0; i < 40; i++)
		request(r1, XS_READ, i, "big");
	xs_ring_service(g1);
	CHECK(r1->req_cons != r1->req_prod); /* paused */
	for (i = 0; i < 200 && got < 40; i++) {
		guest_drain(r1, 4096);
		xs_ring_service(g1);
		while (guest_msg(&m))
			got += m.hdr.type == XS_READ && m.hdr.len == 2000;
	}
	CHECK_EQ(got, 40);
	CHECK_EQ(r1->req_cons, r1->req_prod);
	teardown();
}

static void test_ring_corrupt_producer_breaks(void)
{
	setup();
	reset_stream();
	request_n(r1, XS_WATCH, 1, "control\0t", 10);
	xs_ring_service(g1);
	guest_drain(r1, 4096);
	reset_stream();
	r1->req_prod = r1->req_cons + 5000; /* more than a ring ahead */
	CHECK_EQ(xs_ring_service(g1), 1);
	CHECK(xs_ring_broken(g1));
	CHECK_EQ(r1->error, XENSTORE_ERROR_RINGIDX);
	CHECK_EQ(r1->req_cons, r1->req_prod - 5000); /* nothing consumed */
	xs_backend_write(st, "/local/domain/1/control/shutdown", "poweroff");
	CHECK_EQ(r1->rsp_prod, r1->rsp_cons); /* watches were dropped */
	CHECK_EQ(xs_ring_service(g1), 0);
	/* the guest asks to start over */
	r1->connection = XENSTORE_RECONNECT;
	CHECK_EQ(xs_ring_service(g1), 1);
	CHECK(r1->connection == XENSTORE_CONNECTED && r1->error == 0);
	CHECK(r1->req_prod == 0 && r1->rsp_prod == 0 && !xs_ring_broken(g1));
	request(r1, XS_READ, 2, "domid");
	xs_ring_service(g1);
	guest_drain(r1, 4096);
	CHECK(reply_is(XS_READ, 2, "1", 1));
	teardown();
}

static void test_ring_corrupt_consumer_breaks(void)
{
	setup();
	r1->rsp_cons = r1->rsp_prod + 2000; /* consumer ahead of producer */
	request(r1, XS_READ, 1, "name");
	CHECK_EQ(xs_ring_service(g1), 1);
	CHECK(xs_ring_broken(g1));
	CHECK_EQ(r1->error, XENSTORE_ERROR_RINGIDX);
	CHECK_EQ(r1->rsp_prod, 0); /* nothing written */
	teardown();
}

static void test_ring_oversized_header_breaks(void)
{
	struct xsd_sockmsg h = { XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };

	setup();
	guest_put(r1, &h, sizeof(h));
	guest_put(r1, "data\0x", 6);
	CHECK_EQ(xs_ring_service(g1), 1);
	CHECK(xs_ring_broken(g1));
	CHECK_EQ(r1->error, XENSTORE_ERROR_PROTO);
	CHECK_EQ(r1->req_cons, sizeof(h)); /* the payload was not read */
	CHECK_EQ(xs_backend_read(st, "/local/domain/1/data", NULL, 0),
		 -XEN_ENOENT);
	teardown();
}

/* Events caused by one guest or a backend reach other rings at once. */
static void test_ring_events_reach_other_guests(void)
{
	static const char event[] = "/local/domain/1/shared\0s";

	setup();
	reset_stream();
	request_n(r2, XS_WATCH, 1, event, sizeof(event));
	xs_ring_service(g2);
	guest_drain(r2, 4096);
	reset_stream();
	request_n(r1, XS_WRITE, 2,
		  "shared\0"
		  "1",
		  8);
	xs_ring_service(g1);
	CHECK_EQ(notified[2], 0); /* guest 2 may not read it yet */
	request_n(r1, XS_SET_PERMS, 3, "shared\0n1\0r2", 13);
	xs_ring_service(g1);
	CHECK_EQ(notified[2], 1); /* told through its callback */
	guest_drain(r2, 4096);
	CHECK(reply_is(XS_WATCH_EVENT, 0, event, sizeof(event)));
	/* and a backend's change reaches the ring without any service call */
	reset_stream();
	xs_backend_write(st, "/local/domain/1/shared", "2");
	CHECK_EQ(notified[2], 2);
	guest_drain(r2, 4096);
	CHECK(reply_is(XS_WATCH_EVENT, 0, event, sizeof(event)));
	teardown();
}

static void hook_connect(void *arg, uint16_t domid, const char *path)
{
	char state[8];

	if (xs_backend_read(st, "/local/domain/1/device/vbd/51712/state", state,
			    sizeof(state)) > 0 &&
	    !strcmp(state, "3"))
		xs_backend_write(
		    st, "/local/domain/0/backend/vbd/1/51712/state", "4");
}

static void make_vbd(void)
{
	static const struct xs_perm be[2] = { { 0, XS_PERM_NONE },
					      { 1, XS_PERM_READ } };
	const char *fe = "/local/domain/1/device/vbd/51712";

	xs_backend_mkdir(st, "/local/domain/0/backend/vbd/1/51712");
	xs_backend_set_perms(st, "/local/domain/0/backend/vbd/1/51712", be, 2);
	xs_backend_write(st, "/local/domain/0/backend/vbd/1/51712/state", "2");
	xs_backend_write(st, "/local/domain/1/device/vbd/51712/backend",
			 "/local/domain/0/backend/vbd/1/51712");
	xs_backend_write(st, "/local/domain/1/device/vbd/51712/state", "1");
	CHECK_EQ(xs_backend_hook(st, fe, hook_connect, NULL), 0);
}

/* PV-BOOT.md 6.4-6.5 as Linux's blkfront drives it, through the ring. */
static void test_ring_frontend_handshake(void)
{
	static const char w[] = "/local/domain/0/backend/vbd/1/51712/state\0be";
	static struct xs_msgbuf m;
	char buf[256];
	uint32_t tx, n;

	setup();
	reset_stream();
	make_vbd();
	request(r1, XS_DIRECTORY, 1, "device/vbd");
	request_n(r1, XS_WATCH, 2, w, sizeof(w));
	request(r1, XS_READ, 3, w); /* the path part */
	request(r1, XS_TRANSACTION_START, 4, "");
	xs_ring_service(g1);
	guest_drain(r1, 4096);
	CHECK(reply_is(XS_DIRECTORY, 1, "51712", 6));
	CHECK(reply_str(XS_WATCH, 2, "OK"));
	CHECK(reply_is(XS_WATCH_EVENT, 0, w, sizeof(w)));
	CHECK(reply_is(XS_READ, 3, "2", 1));
	CHECK(guest_msg(&m) && m.hdr.type == XS_TRANSACTION_START);
	tx = (uint32_t)strtoul(m.body, NULL, 10);
	n = build(buf, XS_WRITE, 5,
		  "device/vbd/51712/state\0"
		  "3",
		  24);
	((struct xsd_sockmsg *)buf)->tx_id = tx;
	guest_put(r1, buf, n);
	n = build(buf, XS_TRANSACTION_END, 6, "T", 2);
	((struct xsd_sockmsg *)buf)->tx_id = tx;
	guest_put(r1, buf, n);
	xs_ring_service(g1);
	guest_drain(r1, 4096);
	CHECK(reply_str(XS_WRITE, 5, "OK"));
	CHECK(reply_str(XS_TRANSACTION_END, 6, "OK"));
	/* the hook ran after the commit and its write fired our watch */
	CHECK(reply_is(XS_WATCH_EVENT, 0, w, sizeof(w)));
	request(r1, XS_READ, 7, w);
	xs_ring_service(g1);
	guest_drain(r1, 4096);
	CHECK(reply_is(XS_READ, 7, "4", 1));
	teardown();
}

/* What Linux asks during boot before any device exists (6.5). */
static void test_ring_linux_boot_requests(void)
{
	char buf[64];
	uint32_t n;

	setup();
	reset_stream();
	request(r1, XS_DIRECTORY, 1, "device");
	n = build(buf, XS_WATCH, 2, "device\0ffff8880", 16);
	guest_put(r1, buf, n);
	n = build(buf, XS_WRITE, 3,
		  "control/feature-poweroff\0"
		  "1",
		  26);
	guest_put(r1, buf, n);
	request(r1, XS_READ, 4, "memory/target");
	request(r1, XS_READ, 5, "cpu/0/availability");
	request(r1, XS_READ, 6, "memory/static-max");
	xs_ring_service(g1);
	guest_drain(r1, 4096);
	CHECK(reply_str(XS_ERROR, 1, "ENOENT"));
	CHECK(reply_str(XS_WATCH, 2, "OK"));
	CHECK(reply_is(XS_WATCH_EVENT, 0, "device\0ffff8880", 16));
	CHECK(reply_str(XS_WRITE, 3, "OK"));
	CHECK(reply_is(XS_READ, 4, "1024", 4));
	CHECK(reply_is(XS_READ, 5, "online", 6));
	CHECK(reply_str(XS_ERROR, 6, "ENOENT"));
	teardown();
}

int main(void)
{
	RUN(test_ring_roundtrip);
	RUN(test_ring_split_request);
	RUN(test_ring_many_requests_one_pass);
	RUN(test_ring_wrapping_indices);
	RUN(test_ring_full_response_queues);
	RUN(test_ring_backpressure);
	RUN(test_ring_corrupt_producer_breaks);
	RUN(test_ring_corrupt_consumer_breaks);
	RUN(test_ring_oversized_header_breaks);
	RUN(test_ring_events_reach_other_guests);
	RUN(test_ring_frontend_handshake);
	RUN(test_ring_linux_boot_requests);
	return TEST_DONE();
}

/*
 * The xenstore ring: serving a guest's struct xenstore_domain_interface
 * (xen/io/xs_wire.h; docs/misc/xenstore-ring.txt; PV-BOOT.md 6.3).
 *
 * Theory of operation (the ring consumer protocol)
 *
 * The page holds two byte rings of XENSTORE_RING_SIZE bytes: req (guest
 * produces, we consume) and rsp (we produce, guest consumes), each with
 * free-running u32 indices; byte i lives at [MASK_XENSTORE_IDX(i)], so
 * every access stays inside the ring whatever the indices say. All four
 * indices are in guest memory and may change under us, so each is read
 * once per pass (__atomic_load_n) and checked: prod - cons > ring size
 * is corruption, and the connection breaks (state dropped, the page's
 * error field set to XENSTORE_ERROR_RINGIDX, the ring ignored until the
 * guest asks to reconnect). A message header announcing more than
 * XENSTORE_PAYLOAD_MAX bytes breaks it with XENSTORE_ERROR_PROTO.
 *
 * Requests: Linux notifies only when it writes into a ring we had
 * emptied (xb_write: "if (prod <= intf->req_cons) notify"), so every
 * pass consumes every byte present, copying a partial message into the
 * connection's reassembly buffer, and never waits in the ring for the
 * rest. Ordering: indices, acquire fence, data; then release fence,
 * req_cons (the guest must not reuse bytes we have not copied).
 *
 * Replies and events: written in queue order into the free space,
 * rsp_cons + size - rsp_prod, never over unconsumed bytes; what does
 * not fit stays queued and is written on a later pass. Ordering: read
 * rsp_cons, acquire fence, data, release fence, rsp_prod. Linux
 * notifies us when it frees space in a ring that was full, which is the
 * only state in which output waits.
 *
 * Back-pressure: while more than quota.out_bytes of output wait, no
 * request is read, so a guest that never reads replies cannot make us
 * queue without bound. The rsp ring is full then, so the guest's next
 * read notifies us and the pass resumes.
 *
 * Notification: a pass that consumed requests or produced output tells
 * its caller to notify the guest (the glue does evtchn_set_pending).
 */
#include <lib/compiler.h>
#include <lib/string.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/store.h>

#define HDR_SIZE  ((uint32_t)sizeof(struct xsd_sockmsg))
#define RING_SIZE ((uint32_t)XENSTORE_RING_SIZE)

static uint32_t load_idx(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void store_idx(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static void ring_break(struct xs_conn *c, uint32_t err)
{
	xs_conn_reset(c);
	c->broken = 1;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store_idx(&c->intf->error, err);
}

void xs_ring_attach(struct xs_conn *c, struct xenstore_domain_interface *intf,
		    xs_notify_fn notify, void *arg)
{
	uint32_t features = XENSTORE_SERVER_FEATURE_RECONNECTION |
			    XENSTORE_SERVER_FEATURE_ERROR;

	c->intf = intf;
	c->notify = notify;
	c->notify_arg = arg;
	c->broken = 0;
	c->in_used = 0;
	store_idx(&intf->server_features,
		  load_idx(&intf->server_features) | features);
}

int xs_ring_broken(const struct xs_conn *c)
{
	return c->broken;
}

/* Copies up to want request bytes into dst and consumes them. Returns
 * the count, or -1 if the indices are corrupt. */
static int ring_take(struct xs_conn *c, char *dst, uint32_t want)
{
	struct xenstore_domain_interface *r = c->intf;
	uint32_t cons = load_idx(&r->req_cons), prod = load_idx(&r->req_prod);
	uint32_t n = 0;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (prod - cons > RING_SIZE)
		return -1;
	while (n < want && cons != prod)
		dst[n++] = r->req[MASK_XENSTORE_IDX(cons++)];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store_idx(&r->req_cons, cons);
	return (int)n;
}

/* Copies n bytes of the head message to the ring at prod. */
static uint32_t put_bytes(struct xs_conn *c, uint32_t prod, uint32_t n)
{
	const char *src = c->out.head->data + c->head_off;
	uint32_t i;

	for (i = 0; i < n; i++)
		c->intf->rsp[MASK_XENSTORE_IDX(prod + i)] = src[i];
	c->head_off += n;
	return prod + n;
}

static void pop_written(struct xs_conn *c)
{
	struct xs_outmsg *m = c->out.head;

	c->head_off = 0;
	c->out.head = m->next;
	if (!c->out.head)
		c->out.tail = NULL;
	c->out.bytes -= m->len;
	xs_free(c->st, m);
}

/* Writes queued output into the free space. Returns bytes written, or -1
 * if the indices are corrupt. */
static int ring_put(struct xs_conn *c)
{
	struct xenstore_domain_interface *r = c->intf;
	uint32_t cons = load_idx(&r->rsp_cons), prod = load_idx(&r->rsp_prod);
	uint32_t space, n, start = prod;
	struct xs_outmsg *m;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (prod - cons > RING_SIZE)
		return -1;
	space = RING_SIZE - (prod - cons);
	while (space && (m = c->out.head)) {
		n = MIN(m->len - c->head_off, space);
		prod = put_bytes(c, prod, n);
		space -= n;
		if (c->head_off == m->len)
			pop_written(c);
	}
	if (prod == start)
		return 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store_idx(&r->rsp_prod, prod);
	return (int)(prod - start);
}

int xs_ring_flush(struct xs_conn *c)
{
	int n;

	if (!c->intf || c->broken)
		return 0;
	n = ring_put(c);
	if (n < 0)
		ring_break(c, XENSTORE_ERROR_RINGIDX);
	return n != 0;
}

/* Bytes still missing from the message being reassembled. */
static uint32_t bytes_wanted(const struct xs_conn *c)
{
	if (c->in_used < HDR_SIZE)
		return HDR_SIZE - c->in_used;
	return HDR_SIZE + c->in.hdr.len - c->in_used;
}

/* Answers the reassembled message once it is complete. */
static void maybe_answer(struct xs_conn *c)
{
	if (c->in_used < HDR_SIZE)
		return;
	if (c->in.hdr.len > XENSTORE_PAYLOAD_MAX) {
		ring_break(c, XENSTORE_ERROR_PROTO);
		return;
	}
	if (c->in_used < HDR_SIZE + c->in.hdr.len)
		return;
	c->in_used = 0;
	if (xs_conn_request(c, &c->in.hdr, c->in.body))
		ring_break(c, XENSTORE_ERROR_COMM); /* reply lost: no memory */
}

/* Consumes request bytes toward the current message. Returns the count;
 * 0 if the ring is empty or the connection broke. */
static int ring_read(struct xs_conn *c)
{
	int got = ring_take(c, (char *)&c->in + c->in_used, bytes_wanted(c));

	if (got < 0) {
		ring_break(c, XENSTORE_ERROR_RINGIDX);
		return 0;
	}
	c->in_used += (uint32_t)got;
	maybe_answer(c);
	return got;
}

/* The guest asked to start over (connection = XENSTORE_RECONNECT). */
static int ring_reconnect(struct xs_conn *c)
{
	struct xenstore_domain_interface *r = c->intf;

	xs_conn_reset(c);
	c->broken = 0;
	store_idx(&r->req_cons, 0);
	store_idx(&r->req_prod, 0);
	store_idx(&r->rsp_cons, 0);
	store_idx(&r->rsp_prod, 0);
	store_idx(&r->error, XENSTORE_ERROR_NONE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store_idx(&r->connection, XENSTORE_CONNECTED);
	return 1;
}

/* Output first (it may free room for more), then input, until neither
 * moves. */
static int ring_pass(struct xs_conn *c)
{
	int notify = 0, moved = 1;

	while (moved && !c->broken) {
		moved = xs_ring_flush(c);
		if (c->out.bytes < c->st->quota.out_bytes)
			moved |= ring_read(c) > 0;
		notify |= moved;
	}
	return notify;
}

/*
 * Passes until quiet: the hooks a pass queued run in xs_settle() and may
 * queue events for this guest, which the next pass writes out.
 */
int xs_ring_service(struct xs_conn *c)
{
	int notify = 0, again = 1;

	if (!c->intf)
		return 0;
	if (load_idx(&c->intf->connection) == XENSTORE_RECONNECT)
		return ring_reconnect(c);
	if (c->broken)
		return 0; /* until the guest asks to reconnect */
	while (again && !c->broken) {
		notify |= ring_pass(c);
		again = c->st->calls_head != NULL;
		xs_settle(c->st, c);
		again |= c->kicked;
		c->kicked = 0;
	}
	return notify || c->broken;
}

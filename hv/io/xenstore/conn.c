/*
 * Xenstore connections and their output queues.
 *
 * Output order: a connection's guest reads messages in the order they
 * were queued. While one of its own requests is answered, events for it
 * (the initial event of XS_WATCH, its own writes firing its own
 * watches) are held back and queued right after the reply, so a watch's
 * "OK" precedes its first event as xenstored does. Events raised for
 * other connections are queued at once and mark them kicked; xs_settle()
 * pushes their output into their rings once the request is done.
 *
 * Bounds: replies are always queued (the ring layer stops reading
 * requests while output is over quota.out_bytes, which bounds them);
 * watch events beyond the bound are dropped and counted, as a guest
 * that never reads its ring must not grow the hypervisor's heap.
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/store.h>
#include <io/xenstore/transaction.h>
#include <io/xenstore/watch.h>

struct xs_conn *xs_conn_find(const struct xs_store *st, uint16_t domid)
{
	struct xs_conn *c;

	for (c = st->conns; c; c = c->next)
		if (c->domid == domid)
			return c;
	return NULL;
}

void xs_conn_account(struct xs_store *st, uint16_t domid, int delta)
{
	struct xs_conn *c = xs_conn_find(st, domid);

	if (c)
		c->nodes += (uint32_t)delta;
}

int xs_conn_create(struct xs_store *st, uint16_t domid, struct xs_conn **out)
{
	struct xs_conn *c, **tail;

	if (xs_conn_find(st, domid))
		return -XEN_EEXIST;
	c = xs_alloc(st, sizeof(*c));
	if (!c)
		return -XEN_ENOMEM;
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->domid = domid;
	c->next_tx_id = 1;
	c->nodes = xs_store_count_owned(st, domid);
	for (tail = &st->conns; *tail; tail = &(*tail)->next)
		;
	*tail = c;
	*out = c;
	return 0;
}

static void outq_free(const struct xs_store *st, struct xs_outq *q)
{
	struct xs_outmsg *m;

	while ((m = q->head)) {
		q->head = m->next;
		xs_free(st, m);
	}
	q->tail = NULL;
	q->bytes = 0;
}

void xs_conn_reset(struct xs_conn *c)
{
	xs_watch_remove_all(c);
	xs_tx_abort_all(c);
	outq_free(c->st, &c->out);
	outq_free(c->st, &c->held);
	c->head_off = 0;
	c->in_used = 0;
	c->kicked = 0;
}

void xs_conn_destroy(struct xs_conn *c)
{
	struct xs_conn **pp;

	xs_conn_reset(c);
	for (pp = &c->st->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	xs_free(c->st, c);
}

static void outq_append(struct xs_outq *q, struct xs_outmsg *m)
{
	m->next = NULL;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += m->len;
}

static struct xs_outmsg *msg_build(const struct xs_store *st,
				   const struct xsd_sockmsg *hdr, const void *a,
				   size_t alen, const void *b, size_t blen)
{
	size_t len = sizeof(*hdr) + alen + blen;
	struct xs_outmsg *m = xs_alloc(st, sizeof(*m) + len);

	if (!m)
		return NULL;
	m->len = (uint32_t)len;
	memcpy(m->data, hdr, sizeof(*hdr));
	memcpy(m->data + sizeof(*hdr), a, alen);
	memcpy(m->data + sizeof(*hdr) + alen, b, blen);
	return m;
}

int xs_conn_queue(struct xs_conn *c, const struct xsd_sockmsg *hdr,
		  const void *a, size_t alen, const void *b, size_t blen)
{
	struct xs_outmsg *m = msg_build(c->st, hdr, a, alen, b, blen);

	if (!m)
		return -XEN_ENOMEM;
	outq_append(&c->out, m);
	return 0;
}

void xs_conn_event(struct xs_conn *c, const char *path, const char *token)
{
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
	struct xsd_sockmsg hdr = { .type = XS_WATCH_EVENT,
				   .len = (uint32_t)(plen + tlen) };
	struct xs_outq *q = c->in_request ? &c->held : &c->out;
	struct xs_outmsg *m = NULL;

	if (plen + tlen <= XENSTORE_PAYLOAD_MAX &&
	    c->out.bytes + c->held.bytes < c->st->quota.out_bytes)
		m = msg_build(c->st, &hdr, path, plen, token, tlen);
	if (!m) {
		c->events_dropped++;
		return;
	}
	outq_append(q, m);
	if (!c->in_request)
		c->kicked = 1;
}

/* Moves the held events behind the reply just queued. */
void xs_conn_release_held(struct xs_conn *c)
{
	if (!c->held.head)
		return;
	if (c->out.tail)
		c->out.tail->next = c->held.head;
	else
		c->out.head = c->held.head;
	c->out.tail = c->held.tail;
	c->out.bytes += c->held.bytes;
	c->held.head = c->held.tail = NULL;
	c->held.bytes = 0;
}

int xs_conn_pop(struct xs_conn *c, struct xs_msgbuf *m)
{
	struct xs_outmsg *o = c->out.head;

	if (!o || c->head_off)
		return 0;
	c->out.head = o->next;
	if (!c->out.head)
		c->out.tail = NULL;
	c->out.bytes -= o->len;
	memcpy(m, o->data, o->len);
	xs_free(c->st, o);
	return 1;
}

uint32_t xs_conn_events_dropped(const struct xs_conn *c)
{
	return c->events_dropped;
}

void xs_settle(struct xs_store *st, struct xs_conn *current)
{
	struct xs_conn *c;

	if (st->settling)
		return;
	st->settling = 1;
	xs_hooks_run(st);
	for (c = st->conns; c; c = c->next) {
		if (c == current || !c->kicked)
			continue;
		c->kicked = 0;
		if (xs_ring_flush(c) && c->notify)
			c->notify(c->notify_arg);
	}
	st->settling = 0;
}

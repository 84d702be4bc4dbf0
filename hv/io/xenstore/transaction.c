/*
 * Xenstore transactions (XS_TRANSACTION_START/END; xenstored's
 * transaction.c has the same rule with more machinery).
 *
 * Theory of operation (the conflict rule)
 *
 * A transaction is a private map from path to record, layered over the
 * store: its NODE and GONE records are its changes (whole records built
 * by ops.c, exactly as outside a transaction), its READ records name
 * nodes whose store version it has looked at. A request inside the
 * transaction sees its own record for a path if it has one, else the
 * store's (store.c, xs_view_get).
 *
 * The first time a transaction touches a path, the record remembers the
 * store's generation of that path (0 if it did not exist). Commit is
 * allowed only if every path the transaction touched still has that
 * generation: then the store, as far as the transaction can tell, is
 * the one it worked on, and installing its records is the same as
 * having run all its requests at the instant of the commit. If any
 * remembered generation differs, someone else changed (created,
 * removed, rewrote, or changed a child list of) a node it depended on:
 * the commit fails with EAGAIN and Linux retries the whole transaction.
 * Written nodes are checked too because a record carries its child
 * list, which must not overwrite a concurrent child's creation.
 *
 * Reads inside a transaction of a path it never changed go to the
 * store's current record, so a transaction that will fail may see newer
 * data than at its start; it cannot commit, so nothing depends on it.
 *
 * Watches fire when the commit installs the changes, never before;
 * a transaction ends (and is freed) whether its commit succeeds or not.
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/transaction.h>

static uint32_t unused_tx_id(const struct xs_conn *c)
{
	uint32_t id = c->next_tx_id;

	while (id == 0 || xs_tx_find(c, id))
		id++;
	return id;
}

int xs_tx_start(struct xs_conn *c, uint32_t *id)
{
	struct xs_tx *tx;

	if (c->domid != XS_PRIV_DOMID && c->nr_tx >= c->st->quota.transactions)
		return -XEN_ENOSPC;
	tx = xs_alloc(c->st, sizeof(*tx));
	if (!tx)
		return -XEN_ENOMEM;
	memset(tx, 0, sizeof(*tx));
	tx->id = unused_tx_id(c);
	tx->unlimited = c->domid == XS_PRIV_DOMID;
	c->next_tx_id = tx->id + 1;
	tx->next = c->txs;
	c->txs = tx;
	c->nr_tx++;
	*id = tx->id;
	return 0;
}

struct xs_tx *xs_tx_find(const struct xs_conn *c, uint32_t id)
{
	struct xs_tx *tx;

	for (tx = c->txs; tx; tx = tx->next)
		if (tx->id == id)
			return tx;
	return NULL;
}

static void tx_free(struct xs_conn *c, struct xs_tx *tx)
{
	struct xs_tx **pp;
	struct xs_rec *r;

	for (pp = &c->txs; *pp; pp = &(*pp)->next) {
		if (*pp == tx) {
			*pp = tx->next;
			c->nr_tx--;
			break;
		}
	}
	while ((r = xs_map_pop(&tx->recs)))
		xs_free(c->st, r);
	xs_free(c->st, tx);
}

static int owned_by(const struct xs_rec *r, uint16_t domid)
{
	return r && r->kind == XS_REC_NODE && xs_rec_owner(r) == domid;
}

long xs_tx_nodes_delta(const struct xs_store *st, const struct xs_tx *tx,
		       uint16_t domid)
{
	const struct xs_rec *r = NULL, *now;
	long delta = 0;

	while ((r = xs_map_next(&tx->recs, r))) {
		if (r->kind == XS_REC_READ)
			continue;
		now = xs_map_find(&st->nodes, r->path, r->plen);
		delta += owned_by(r, domid) - owned_by(now, domid);
	}
	return delta;
}

static int tx_validate(const struct xs_conn *c, const struct xs_tx *tx)
{
	const struct xs_store *st = c->st;
	const struct xs_rec *r = NULL;
	long delta;

	while ((r = xs_map_next(&tx->recs, r)))
		if (xs_store_gen_of(st, r->path, r->plen) != r->gen)
			return -XEN_EAGAIN;
	if (c->domid == XS_PRIV_DOMID)
		return 0;
	delta = xs_tx_nodes_delta(st, tx, c->domid);
	if (delta > 0 && (long)c->nodes + delta > (long)st->quota.nodes)
		return -XEN_ENOSPC;
	return 0;
}

/* Moves the changes into a list for the store; drops the READ records. */
static struct xs_rec *tx_take_changes(struct xs_store *st, struct xs_tx *tx)
{
	struct xs_rec *r, *list = NULL;

	while ((r = xs_map_pop(&tx->recs))) {
		if (r->kind == XS_REC_READ) {
			xs_free(st, r);
			continue;
		}
		r->next = list;
		list = r;
	}
	return list;
}

int xs_tx_end(struct xs_conn *c, struct xs_tx *tx, int commit)
{
	int rc = commit ? tx_validate(c, tx) : 0;

	if (commit && !rc)
		xs_store_commit(c->st, c->domid, tx_take_changes(c->st, tx));
	tx_free(c, tx);
	return rc;
}

void xs_tx_abort_all(struct xs_conn *c)
{
	while (c->txs)
		tx_free(c, c->txs);
}

static int tx_room(const struct xs_store *st, const struct xs_tx *tx,
		   const struct xs_rec *changes)
{
	uint32_t more = 0;

	if (tx->unlimited)
		return 0;
	for (; changes; changes = changes->next)
		more += !xs_map_find(&tx->recs, changes->path, changes->plen);
	return tx->recs.count + more > st->quota.tx_records ? -XEN_ENOSPC : 0;
}

int xs_tx_note(struct xs_store *st, struct xs_tx *tx, const char *path,
	       size_t plen)
{
	struct xs_rec *r;

	if (xs_map_find(&tx->recs, path, plen))
		return 0;
	if (!tx->unlimited && tx->recs.count >= st->quota.tx_records)
		return -XEN_ENOSPC;
	r = xs_rec_marker(st, XS_REC_READ, path, plen, NULL, 0);
	if (!r)
		return -XEN_ENOMEM;
	r->gen = xs_store_gen_of(st, path, plen);
	xs_map_insert(&tx->recs, r);
	return 0;
}

/* A change replaces the transaction's record for its path, keeping the
 * generation first seen and any watches the earlier change must fire. */
static void stage_one(struct xs_store *st, struct xs_tx *tx, struct xs_rec *r)
{
	struct xs_rec *old = xs_map_remove(&tx->recs, r->path, r->plen);

	if (old) {
		r->gen = old->gen;
		r->fire |= old->fire;
		xs_free(st, old);
	} else {
		r->gen = xs_store_gen_of(st, r->path, r->plen);
	}
	xs_map_insert(&tx->recs, r);
}

int xs_tx_stage(struct xs_store *st, struct xs_tx *tx, struct xs_rec *changes)
{
	struct xs_rec *next;
	int rc = tx_room(st, tx, changes);

	if (rc) {
		xs_rec_free_list(st, changes);
		return rc;
	}
	for (; changes; changes = next) {
		next = changes->next;
		stage_one(st, tx, changes);
	}
	return 0;
}

/*
 * Xenstore transactions: a private map of staged records per transaction.
 * The conflict rule is in io/xenstore/transaction.c.
 */
#ifndef HV_IO_XENSTORE_TRANSACTION_H
#define HV_IO_XENSTORE_TRANSACTION_H

#include <stddef.h>
#include <stdint.h>
#include <io/xenstore/store.h>

struct xs_conn;

struct xs_tx {
	struct xs_tx *next; /* the connection's list */
	uint32_t id;
	int unlimited; /* domain 0's: no tx_records bound */
	/* NODE and GONE: the transaction's changes; READ: nodes it depends
	 * on. gen: the store's generation when first touched. */
	struct xs_map recs;
};

int xs_tx_start(struct xs_conn *c, uint32_t *id);
struct xs_tx *xs_tx_find(const struct xs_conn *c, uint32_t id);
/* Commits (commit != 0) or aborts, then frees tx: -XEN_EAGAIN if a node
 * it depends on changed meanwhile, -XEN_ENOSPC over the node quota. */
int xs_tx_end(struct xs_conn *c, struct xs_tx *tx, int commit);
void xs_tx_abort_all(struct xs_conn *c);

int xs_tx_note(struct xs_store *st, struct xs_tx *tx, const char *path,
	       size_t plen);
/* Takes the change list: staged, or freed on error. */
int xs_tx_stage(struct xs_store *st, struct xs_tx *tx, struct xs_rec *changes);
/* Change in the number of nodes domid owns if tx committed now. */
long xs_tx_nodes_delta(const struct xs_store *st, const struct xs_tx *tx,
		       uint16_t domid);

#endif

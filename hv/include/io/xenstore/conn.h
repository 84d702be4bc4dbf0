/*
 * Xenstore connections: one per domain, with its watches, transactions,
 * output queue and (for guests) the ring it is served on. The ring
 * protocol is in io/xenstore/ring.c; the output order rule in conn.c.
 */
#ifndef HV_IO_XENSTORE_CONN_H
#define HV_IO_XENSTORE_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <io/xenstore.h>

struct xs_store;
struct xs_watch;
struct xs_tx;

/* One queued output message: header and payload, as the guest reads it. */
struct xs_outmsg {
	struct xs_outmsg *next;
	uint32_t len; /* bytes in data */
	char data[];
};

struct xs_outq {
	struct xs_outmsg *head, *tail;
	uint32_t bytes; /* queued, not yet in the ring */
};

struct xs_conn {
	struct xs_conn *next; /* the store's list */
	struct xs_store *st;
	uint16_t domid;

	/* Accounting against struct xs_quota. */
	uint32_t nodes; /* nodes domid owns in the store */
	uint32_t nr_watches, nr_tx;

	struct xs_watch *watches;
	struct xs_tx *txs;
	uint32_t next_tx_id;

	/* Output: out is what the guest reads next, in order; head_off
	 * bytes of out.head are already in the ring. Events raised while
	 * this connection's own request is answered wait in held and follow
	 * its reply. */
	struct xs_outq out, held;
	uint32_t head_off;
	int in_request;
	int kicked; /* out grew outside this connection's own service */
	uint32_t events_dropped;

	/* The ring (ring.c); intf NULL for connections without one. */
	struct xenstore_domain_interface *intf;
	xs_notify_fn notify;
	void *notify_arg;
	int broken;
	uint32_t in_used; /* bytes of the current request received */
	struct xs_msgbuf in;
	struct xs_msgbuf reply; /* built by wire.c, then queued */
};

/* Charges delta nodes to domid's connection, if it has one. */
void xs_conn_account(struct xs_store *st, uint16_t domid, int delta);
/* Queues a message built from header and the two payload pieces. */
int xs_conn_queue(struct xs_conn *c, const struct xsd_sockmsg *hdr,
		  const void *a, size_t alen, const void *b, size_t blen);
/* Queues an XS_WATCH_EVENT (or drops it and counts the drop). */
void xs_conn_event(struct xs_conn *c, const char *path, const char *token);
/* Queues the events held during a request behind its reply. */
void xs_conn_release_held(struct xs_conn *c);
/* Drops watches, transactions, queued output and partial input. */
void xs_conn_reset(struct xs_conn *c);
/* Runs pending backend hooks, then flushes the output of every
 * connection except current that got events and notifies its guest. */
void xs_settle(struct xs_store *st, struct xs_conn *current);
/* Writes queued output into the ring; 1 if anything was written. */
int xs_ring_flush(struct xs_conn *c);

#endif

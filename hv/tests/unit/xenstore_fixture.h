/*
 * Shared fixture of the xenstore store-level tests (test_xenstore_store.c,
 * test_xenstore_tx.c): the allocator of xs_alloc.h, a store with two
 * guest connections, views, and the tree invariant check every test ends
 * with. Test-only; each test binary
 * includes it once.
 */
#ifndef HV_TESTS_UNIT_XENSTORE_FIXTURE_H
#define HV_TESTS_UNIT_XENSTORE_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <lib/errno.h>
#include <io/xenstore.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/ops.h>
#include <io/xenstore/store.h>
#include <io/xenstore/transaction.h>
#include "test.h"
#include "xs_alloc.h"

/* ---- helpers ---- */

static struct xs_store *st;
static struct xs_conn *g1, *g2, *d0;

static void setup_quota(const struct xs_quota *q)
{
	st = xs_store_create(&ops, q);
	CHECK(st != NULL);
	d0 = xs_conn_find(st, 0);
	xs_backend_mkdir(st, "/local/domain/1");
	xs_backend_mkdir(st, "/local/domain/2");
	xs_backend_set_perms(st, "/local/domain/1",
			     &(struct xs_perm){ 1, XS_PERM_NONE }, 1);
	xs_backend_set_perms(st, "/local/domain/2",
			     &(struct xs_perm){ 2, XS_PERM_NONE }, 1);
	CHECK_EQ(xs_conn_create(st, 1, &g1), 0);
	CHECK_EQ(xs_conn_create(st, 2, &g2), 0);
}

static void setup(void)
{
	setup_quota(NULL);
}

static int has_child(const struct xs_rec *p, const char *name, size_t nlen)
{
	size_t off, n;

	for (off = 0; off < p->clen; off += n + 1) {
		n = strlen(p->children + off);
		if (n == nlen && !memcmp(p->children + off, name, n))
			return 1;
	}
	return 0;
}

/* Every listed child exists (T2). */
static int children_exist(const struct xs_rec *r)
{
	char path[4200];
	size_t off, n;

	for (off = 0; off < r->clen; off += n + 1) {
		n = strlen(r->children + off);
		snprintf(path, sizeof(path), "%s/%s",
			 r->plen > 1 ? r->path : "", r->children + off);
		if (!xs_map_find(&st->nodes, path, strlen(path)))
			return 0;
	}
	return 1;
}

/* T1-T3: "/" exists, parents list their children exactly, listed
 * children exist, connections' node counts match the store. */
static int invariants_ok(void)
{
	const struct xs_rec *r = NULL, *p;
	struct xs_conn *c;
	size_t ppl, start;

	while ((r = xs_map_next(&st->nodes, r))) {
		ppl = xs_path_parent_len(r->path, r->plen);
		start = ppl > 1 ? ppl + 1 : ppl;
		p = ppl ? xs_map_find(&st->nodes, r->path, ppl) : NULL;
		if (ppl &&
		    (!p || !has_child(p, r->path + start, r->plen - start)))
			return 0;
		if (!children_exist(r))
			return 0;
	}
	for (c = st->conns; c; c = c->next)
		if (c->nodes != xs_store_count_owned(st, c->domid))
			return 0;
	return xs_map_find(&st->nodes, "/", 1) != NULL;
}

static void teardown(void)
{
	CHECK(invariants_ok());
	xs_store_destroy(st);
	CHECK_EQ(live_allocs, 0);
	fail_in = -1;
}

static struct xs_view view(struct xs_conn *c, struct xs_tx *tx)
{
	return (struct xs_view){ st, c, tx };
}

static int wr(struct xs_conn *c, struct xs_tx *tx, const char *path,
	      const char *value)
{
	struct xs_view v = view(c, tx);

	return xs_op_write(&v, path, value, strlen(value));
}

/* Reads path into a static buffer; NULL with *rc on error. */
static const char *rd(struct xs_conn *c, struct xs_tx *tx, const char *path,
		      int *rc)
{
	static char buf[4097];
	struct xs_view v = view(c, tx);
	const struct xs_rec *r;

	*rc = xs_op_get(&v, path, &r);
	if (*rc)
		return NULL;
	memcpy(buf, r->value, r->vlen);
	buf[r->vlen] = '\0';
	return buf;
}

static int rd_rc(struct xs_conn *c, struct xs_tx *tx, const char *path)
{
	int rc;

	rd(c, tx, path, &rc);
	return rc;
}

static int exists(const char *path)
{
	return xs_map_find(&st->nodes, path, strlen(path)) != NULL;
}

#endif

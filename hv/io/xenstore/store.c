/*
 * The xenstore tree: records, the map that holds them, and views.
 *
 * Theory of operation (the tree and its permission rules)
 *
 * The store is a flat map from canonical absolute path to a node record,
 * as in xenstored's database: a record holds the node's permission list,
 * its value (0..quota bytes, arbitrary bytes) and the names of its
 * children. The tree is implied by the paths and the child lists:
 *
 *   T1. "/" always exists and is never removed.
 *   T2. Every other node's parent exists and lists it exactly once as a
 *       child; every listed child exists.
 *   T3. A node's owner (perms[0].domid) is charged one node against its
 *       quota (conn.c keeps the count per connection).
 *
 * Records are immutable. A change builds complete new records (the node,
 * and its parent when the child list changes) and a GONE marker for each
 * removed node, then installs them all at once: building can fail (out
 * of memory, quota) and leaves the store untouched; installing cannot
 * fail. That is STYLE.md's check-then-change rule, and it is what makes
 * transactions cheap: a transaction stages the same change lists in a
 * private map instead of installing them (transaction.c).
 *
 * Every installed record takes the next value of a 64-bit generation
 * counter, so "has this node changed since I looked" is one comparison.
 *
 * Permissions (perms.c) are checked on the node itself, never on its
 * ancestors: reading a node needs read on it, changing it needs write on
 * it, creating one needs write on the nearest existing ancestor. A
 * missing node reports ENOENT only to a domain that could have seen it
 * (that may read or write its nearest existing ancestor); others get
 * EACCES, so guests cannot probe each other's trees (ops.c).
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/transaction.h>
#include <io/xenstore/watch.h>
#include <io/xenstore/store.h>

void *xs_alloc(const struct xs_store *st, size_t bytes)
{
	return st->ops.alloc(bytes);
}

void xs_free(const struct xs_store *st, void *p)
{
	if (p)
		st->ops.free(p);
}

char *xs_strndup(const struct xs_store *st, const char *s, size_t len)
{
	char *d = xs_alloc(st, len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* ---- records ---- */

/* Allocates a record with room for everything; children left unset. */
static struct xs_rec *rec_alloc(const struct xs_store *st, uint8_t kind,
				const char *path, size_t plen,
				const struct xs_perm *perms, unsigned int n,
				const void *value, size_t vlen, size_t clen)
{
	size_t psize = n * sizeof(struct xs_perm);
	struct xs_rec *r =
	    xs_alloc(st, sizeof(*r) + psize + plen + 1 + vlen + clen);

	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->nperms = (uint16_t)n;
	r->plen = (uint32_t)plen;
	r->vlen = (uint32_t)vlen;
	r->clen = (uint32_t)clen;
	r->perms = (struct xs_perm *)(r + 1);
	r->path = (char *)r->perms + psize;
	r->value = r->path + plen + 1;
	r->children = r->value + vlen;
	memcpy(r->perms, perms, psize);
	memcpy(r->path, path, plen);
	r->path[plen] = '\0';
	memcpy(r->value, value, vlen);
	return r;
}

struct xs_rec *xs_rec_node(const struct xs_store *st, const char *path,
			   size_t plen, const struct xs_perm *perms,
			   unsigned int nperms, const void *value, size_t vlen,
			   const char *child, size_t childlen)
{
	size_t clen = childlen ? childlen + 1 : 0;
	struct xs_rec *r = rec_alloc(st, XS_REC_NODE, path, plen, perms, nperms,
				     value, vlen, clen);

	if (r && childlen) {
		memcpy(r->children, child, childlen);
		r->children[childlen] = '\0';
	}
	return r;
}

struct xs_rec *xs_rec_marker(const struct xs_store *st, enum xs_rec_kind kind,
			     const char *path, size_t plen,
			     const struct xs_perm *perms, unsigned int nperms)
{
	return rec_alloc(st, (uint8_t)kind, path, plen, perms, nperms, NULL, 0,
			 0);
}

struct xs_rec *xs_rec_with_value(const struct xs_store *st,
				 const struct xs_rec *r, const void *value,
				 size_t vlen)
{
	struct xs_rec *n = rec_alloc(st, XS_REC_NODE, r->path, r->plen,
				     r->perms, r->nperms, value, vlen, r->clen);

	if (n)
		memcpy(n->children, r->children, r->clen);
	return n;
}

struct xs_rec *xs_rec_with_perms(const struct xs_store *st,
				 const struct xs_rec *r,
				 const struct xs_perm *perms, unsigned int n)
{
	struct xs_rec *x = rec_alloc(st, XS_REC_NODE, r->path, r->plen, perms,
				     n, r->value, r->vlen, r->clen);

	if (x)
		memcpy(x->children, r->children, r->clen);
	return x;
}

struct xs_rec *xs_rec_with_child(const struct xs_store *st,
				 const struct xs_rec *r, const char *name,
				 size_t nlen)
{
	struct xs_rec *n = rec_alloc(st, XS_REC_NODE, r->path, r->plen,
				     r->perms, r->nperms, r->value, r->vlen,
				     r->clen + nlen + 1);

	if (n) {
		memcpy(n->children, r->children, r->clen);
		memcpy(n->children + r->clen, name, nlen);
		n->children[r->clen + nlen] = '\0';
	}
	return n;
}

/* Offset of name in the child list, or clen if absent. */
static size_t child_offset(const struct xs_rec *r, const char *name,
			   size_t nlen)
{
	size_t off = 0, one;

	while (off < r->clen) {
		one = strnlen(r->children + off, r->clen - off);
		if (one == nlen && !memcmp(r->children + off, name, nlen))
			return off;
		off += one + 1;
	}
	return r->clen;
}

struct xs_rec *xs_rec_without_child(const struct xs_store *st,
				    const struct xs_rec *r, const char *name,
				    size_t nlen)
{
	size_t off = child_offset(r, name, nlen);
	size_t cut = off < r->clen ? nlen + 1 : 0;
	struct xs_rec *n = rec_alloc(st, XS_REC_NODE, r->path, r->plen,
				     r->perms, r->nperms, r->value, r->vlen,
				     r->clen - cut);

	if (n) {
		memcpy(n->children, r->children, off);
		memcpy(n->children + off, r->children + off + cut,
		       r->clen - off - cut);
	}
	return n;
}

void xs_rec_free_list(const struct xs_store *st, struct xs_rec *list)
{
	struct xs_rec *next;

	for (; list; list = next) {
		next = list->next;
		xs_free(st, list);
	}
}

uint16_t xs_rec_owner(const struct xs_rec *r)
{
	return r->perms[0].domid;
}

/* ---- the map: chained hash on the path bytes (FNV-1a) ---- */

static unsigned int bucket_of(const char *path, size_t plen)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < plen; i++)
		h = (h ^ (uint8_t)path[i]) * 16777619u;
	return h % XS_MAP_BUCKETS;
}

struct xs_rec *xs_map_find(const struct xs_map *m, const char *path,
			   size_t plen)
{
	struct xs_rec *r = m->bucket[bucket_of(path, plen)];

	for (; r; r = r->hnext)
		if (r->plen == plen && !memcmp(r->path, path, plen))
			return r;
	return NULL;
}

void xs_map_insert(struct xs_map *m, struct xs_rec *r)
{
	unsigned int b = bucket_of(r->path, r->plen);

	r->hnext = m->bucket[b];
	m->bucket[b] = r;
	m->count++;
}

struct xs_rec *xs_map_remove(struct xs_map *m, const char *path, size_t plen)
{
	struct xs_rec **pp = &m->bucket[bucket_of(path, plen)], *r;

	for (; (r = *pp); pp = &r->hnext) {
		if (r->plen == plen && !memcmp(r->path, path, plen)) {
			*pp = r->hnext;
			m->count--;
			return r;
		}
	}
	return NULL;
}

struct xs_rec *xs_map_pop(struct xs_map *m)
{
	struct xs_rec *r = xs_map_next(m, NULL);

	return r ? xs_map_remove(m, r->path, r->plen) : NULL;
}

struct xs_rec *xs_map_next(const struct xs_map *m, const struct xs_rec *prev)
{
	unsigned int b = 0;

	if (prev) {
		if (prev->hnext)
			return prev->hnext;
		b = bucket_of(prev->path, prev->plen) + 1;
	}
	for (; b < XS_MAP_BUCKETS; b++)
		if (m->bucket[b])
			return m->bucket[b];
	return NULL;
}

/* ---- the store ---- */

uint64_t xs_store_gen_of(const struct xs_store *st, const char *path,
			 size_t plen)
{
	const struct xs_rec *r = xs_map_find(&st->nodes, path, plen);

	return r ? r->gen : 0;
}

/* Moves the node count of a path from its old owner to its new one. */
static void account(struct xs_store *st, const struct xs_rec *old,
		    const struct xs_rec *new)
{
	if (old)
		xs_conn_account(st, xs_rec_owner(old), -1);
	if (new)
		xs_conn_account(st, xs_rec_owner(new), 1);
}

/* Takes NODE records; GONE records stay with the caller. */
static void install(struct xs_store *st, struct xs_rec *r)
{
	struct xs_rec *old = xs_map_remove(&st->nodes, r->path, r->plen);
	int node = r->kind == XS_REC_NODE;

	account(st, old, node ? r : NULL);
	if (node) {
		r->gen = ++st->gen;
		xs_map_insert(&st->nodes, r);
	}
	xs_free(st, old);
}

void xs_store_commit(struct xs_store *st, uint16_t caller,
		     struct xs_rec *changes)
{
	struct xs_rec *r, *next;

	for (r = changes; r; r = r->next)
		install(st, r);
	xs_fire_changes(st, caller, changes);
	for (r = changes; r; r = next) {
		next = r->next;
		if (r->kind != XS_REC_NODE)
			xs_free(st, r);
	}
}

uint32_t xs_store_count_owned(const struct xs_store *st, uint16_t domid)
{
	const struct xs_rec *r = NULL;
	uint32_t n = 0;

	while ((r = xs_map_next(&st->nodes, r)))
		n += xs_rec_owner(r) == domid;
	return n;
}

/* ---- views ---- */

const struct xs_rec *xs_view_get(const struct xs_view *v, const char *path,
				 size_t plen)
{
	const struct xs_rec *r;

	if (v->tx) {
		r = xs_map_find(&v->tx->recs, path, plen);
		if (r && r->kind == XS_REC_NODE)
			return r;
		if (r && r->kind == XS_REC_GONE)
			return NULL;
	}
	return xs_map_find(&v->st->nodes, path, plen);
}

int xs_view_note(const struct xs_view *v, const char *path, size_t plen)
{
	return v->tx ? xs_tx_note(v->st, v->tx, path, plen) : 0;
}

int xs_view_apply(const struct xs_view *v, struct xs_rec *changes)
{
	if (v->tx)
		return xs_tx_stage(v->st, v->tx, changes);
	xs_store_commit(v->st, v->c->domid, changes);
	return 0;
}

unsigned int xs_view_perm(const struct xs_view *v, const struct xs_rec *r)
{
	return xs_perm_for(v->c->domid, r->perms, r->nperms);
}

int xs_view_privileged(const struct xs_view *v)
{
	return v->c->domid == XS_PRIV_DOMID;
}

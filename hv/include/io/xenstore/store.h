/*
 * Xenstore internals: node records, the path-keyed map that holds them,
 * the store, and views of it. The rules (what a record is, why changes
 * are whole records) are in the theory block of io/xenstore/store.c.
 */
#ifndef HV_IO_XENSTORE_STORE_H
#define HV_IO_XENSTORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <io/xenstore.h>

struct xs_conn;
struct xs_tx;
struct xs_hook;
struct xs_hook_call;

#define XS_PRIV_DOMID 0 /* the hypervisor's backends */

enum xs_rec_kind {
	XS_REC_NODE, /* a node: path, perms, value, children */
	XS_REC_GONE, /* transaction/change list: the node was removed */
	XS_REC_READ, /* transaction only: the node was read, data in store */
};

/* Which watches a change fires (watch.c has the rule). */
#define XS_FIRE_UP    1u /* watches on the path or any ancestor */
#define XS_FIRE_EXACT 2u /* watches on exactly this path */

/*
 * One allocation: this header, then perms, path (NUL-terminated), value
 * and children (names, each NUL-terminated). Immutable once built, apart
 * from the link fields and gen.
 */
struct xs_rec {
	struct xs_rec *hnext; /* map chain */
	struct xs_rec *next;  /* change list */
	/* In the store: generation of the last change. In a transaction or
	 * change list: the store's generation of this path when the
	 * transaction first touched it (0: the node did not exist). */
	uint64_t gen;
	uint8_t kind; /* enum xs_rec_kind */
	uint8_t fire; /* XS_FIRE_* for changes */
	uint16_t nperms;
	uint32_t plen, vlen, clen; /* bytes; plen excludes the NUL */
	struct xs_perm *perms;
	char *path, *value, *children;
};

#define XS_MAP_BUCKETS 128

struct xs_map {
	struct xs_rec *bucket[XS_MAP_BUCKETS];
	uint32_t count;
};

struct xs_store {
	struct xs_alloc_ops ops;
	struct xs_quota quota;
	struct xs_map nodes;
	uint64_t gen;	       /* last generation handed out */
	struct xs_conn *conns; /* every connection, domain 0 first */
	struct xs_conn *dom0;  /* the backends' privileged connection */
	struct xs_hook *hooks; /* backend prefixes */
	struct xs_hook_call *calls_head, *calls_tail; /* hooks to run */
	uint32_t hook_calls_dropped;
	int settling; /* xs_settle() is running hooks */
};

/* The store as one connection sees it, inside a transaction or not. */
struct xs_view {
	struct xs_store *st;
	struct xs_conn *c;
	struct xs_tx *tx; /* NULL: the store itself */
};

void *xs_alloc(const struct xs_store *st, size_t bytes);
void xs_free(const struct xs_store *st, void *p);
char *xs_strndup(const struct xs_store *st, const char *s, size_t len);

/* ---- records ---- */
struct xs_rec *xs_rec_node(const struct xs_store *st, const char *path,
			   size_t plen, const struct xs_perm *perms,
			   unsigned int nperms, const void *value, size_t vlen,
			   const char *child, size_t childlen);
struct xs_rec *xs_rec_marker(const struct xs_store *st, enum xs_rec_kind kind,
			     const char *path, size_t plen,
			     const struct xs_perm *perms, unsigned int nperms);
struct xs_rec *xs_rec_with_value(const struct xs_store *st,
				 const struct xs_rec *r, const void *value,
				 size_t vlen);
struct xs_rec *xs_rec_with_perms(const struct xs_store *st,
				 const struct xs_rec *r,
				 const struct xs_perm *perms, unsigned int n);
struct xs_rec *xs_rec_with_child(const struct xs_store *st,
				 const struct xs_rec *r, const char *name,
				 size_t nlen);
struct xs_rec *xs_rec_without_child(const struct xs_store *st,
				    const struct xs_rec *r, const char *name,
				    size_t nlen);
void xs_rec_free_list(const struct xs_store *st, struct xs_rec *list);
uint16_t xs_rec_owner(const struct xs_rec *r);

/* ---- the map ---- */
struct xs_rec *xs_map_find(const struct xs_map *m, const char *path,
			   size_t plen);
void xs_map_insert(struct xs_map *m, struct xs_rec *r);
struct xs_rec *xs_map_remove(struct xs_map *m, const char *path, size_t plen);
/* Removes and returns any one record; NULL when empty. */
struct xs_rec *xs_map_pop(struct xs_map *m);
/* Iteration: first with prev NULL. The map must not change meanwhile. */
struct xs_rec *xs_map_next(const struct xs_map *m, const struct xs_rec *prev);

/* ---- the store ---- */
uint64_t xs_store_gen_of(const struct xs_store *st, const char *path,
			 size_t plen);
/* Applies a change list (NODE and GONE records linked by next) to the
 * store, fires watches for it and frees what the store did not keep. */
void xs_store_commit(struct xs_store *st, uint16_t caller,
		     struct xs_rec *changes);
/* Nodes owned by domid (for a new connection's accounting). */
uint32_t xs_store_count_owned(const struct xs_store *st, uint16_t domid);

/* ---- views ---- */
const struct xs_rec *xs_view_get(const struct xs_view *v, const char *path,
				 size_t plen);
/* Records that a transaction's result depends on path (no-op outside). */
int xs_view_note(const struct xs_view *v, const char *path, size_t plen);
/* Applies a change list to the view: the store, or the transaction. */
int xs_view_apply(const struct xs_view *v, struct xs_rec *changes);
unsigned int xs_view_perm(const struct xs_view *v, const struct xs_rec *r);
int xs_view_privileged(const struct xs_view *v);

/* ---- paths (path.c) ---- */
/* Returns the canonical absolute path (allocated) or NULL with *err set.
 * Relative paths are under /local/domain/<domid>/; "@name" only if
 * special is set. */
char *xs_path_canonical(const struct xs_store *st, uint16_t domid,
			const char *in, int special, int *err);
/* Bytes of "/local/domain/<domid>/" (what relative paths hide). */
size_t xs_path_rel_prefix(uint16_t domid);
/* Length of the parent's path; 0 for "/". */
size_t xs_path_parent_len(const char *path, size_t plen);
/* Is path (plen) at or under anc (alen)? */
int xs_path_is_under(const char *anc, size_t alen, const char *path,
		     size_t plen);

/* ---- permissions (perms.c) ---- */
unsigned int xs_perm_for(uint16_t domid, const struct xs_perm *perms,
			 unsigned int n);
/* Parses n NUL-terminated "[nrwb]<domid>" strings. */
int xs_perms_parse(const char *s, size_t len, unsigned int n,
		   struct xs_perm *out);
/* Formats the list as NUL-terminated strings; returns bytes or -E2BIG. */
int xs_perms_format(const struct xs_perm *p, unsigned int n, char *buf,
		    size_t size);

#endif

/*
 * Node operations (xenstored's do_read, do_write, do_mkdir, do_rm,
 * do_get_perms, do_set_perms). Each one checks everything on the view,
 * builds its complete change list, then applies it (store.c explains
 * why that cannot fail half-way). Only the node a request names (and,
 * for rm, every node it removes) fires watches: parents created on the
 * way, or whose child list changed, do not; their watchers see the
 * named path anyway (watch.c).
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/transaction.h>
#include <io/xenstore/ops.h>

/* The nearest existing proper ancestor ("/" always exists). */
static const struct xs_rec *nearest_ancestor(const struct xs_view *v,
					     const char *path, size_t plen)
{
	const struct xs_rec *r = NULL;

	while (!r && (plen = xs_path_parent_len(path, plen)))
		r = xs_view_get(v, path, plen);
	return r;
}

/* The error for a missing node: ENOENT only for a domain that has
 * `need` on the nearest existing ancestor, else EACCES. */
static int missing_errno(const struct xs_view *v, const char *path, size_t plen,
			 unsigned int need)
{
	const struct xs_rec *a = nearest_ancestor(v, path, plen);

	return a && (xs_view_perm(v, a) & need) ? -XEN_ENOENT : -XEN_EACCES;
}

int xs_op_get(const struct xs_view *v, const char *path,
	      const struct xs_rec **out)
{
	size_t plen = strlen(path);
	const struct xs_rec *r = xs_view_get(v, path, plen);
	int rc;

	if (!r) {
		rc = missing_errno(v, path, plen, XS_PERM_READ);
		if (rc == -XEN_ENOENT)
			return xs_view_note(v, path, plen) ?: rc;
		return rc;
	}
	if (!(xs_view_perm(v, r) & XS_PERM_READ))
		return -XEN_EACCES;
	rc = xs_view_note(v, path, plen);
	*out = xs_view_get(v, path, plen);
	return rc;
}

/* Unprivileged domains own what they create; quota counts include what
 * the open transaction would add. */
static int quota_check(const struct xs_view *v, unsigned int more)
{
	long have;

	if (xs_view_privileged(v))
		return 0;
	have = (long)v->c->nodes;
	if (v->tx)
		have += xs_tx_nodes_delta(v->st, v->tx, v->c->domid);
	return have + (long)more > (long)v->st->quota.nodes ? -XEN_ENOSPC : 0;
}

/* Start of the component that follows the prefix of length at. */
static size_t component_start(size_t at)
{
	return at == 1 ? 1 : at + 1;
}

static size_t component_end(const char *path, size_t plen, size_t start)
{
	while (start < plen && path[start] != '/')
		start++;
	return start;
}

static unsigned int missing_levels(const char *path, size_t plen, size_t alen)
{
	unsigned int k = 0;
	size_t end = alen;

	while (end < plen) {
		end = component_end(path, plen, component_start(end));
		k++;
	}
	return k;
}

/* The new nodes below the ancestor, top down, each listing the next. */
static struct xs_rec *build_new_nodes(const struct xs_view *v,
				      const struct xs_rec *anc,
				      const char *path, size_t plen,
				      const void *value, size_t vlen)
{
	struct xs_rec *head = NULL, **tail = &head, *r;
	size_t end = anc->plen, start, next_end;

	while (end < plen) {
		end = component_end(path, plen, component_start(end));
		start = component_start(end);
		next_end = end < plen ? component_end(path, plen, start) : 0;
		r = xs_rec_node(v->st, path, end, anc->perms, anc->nperms,
				end == plen ? value : NULL,
				end == plen ? vlen : 0, path + start,
				next_end ? next_end - start : 0);
		if (!r) {
			xs_rec_free_list(v->st, head);
			return NULL;
		}
		if (!xs_view_privileged(v))
			r->perms[0].domid = v->c->domid;
		*tail = r;
		tail = &r->next;
	}
	return head;
}

/*
 * Creates path and any missing parents (xenstored's construct_node):
 * needs write on the nearest existing ancestor; new nodes inherit its
 * permissions, with the creator as owner if unprivileged.
 */
static int build_create(const struct xs_view *v, const char *path, size_t plen,
			const void *value, size_t vlen, struct xs_rec **out)
{
	const struct xs_rec *anc = nearest_ancestor(v, path, plen);
	size_t start;
	struct xs_rec *top, *nodes;
	int rc;

	if (!anc)
		return -XEN_EAGAIN; /* only in a doomed transaction */
	if (!(xs_view_perm(v, anc) & XS_PERM_WRITE))
		return -XEN_EACCES;
	rc = quota_check(v, missing_levels(path, plen, anc->plen));
	if (rc)
		return rc;
	start = component_start(anc->plen);
	top = xs_rec_with_child(v->st, anc, path + start,
				component_end(path, plen, start) - start);
	nodes = top ? build_new_nodes(v, anc, path, plen, value, vlen) : NULL;
	if (!nodes) {
		xs_free(v->st, top);
		return -XEN_ENOMEM;
	}
	top->next = nodes;
	*out = top;
	return 0;
}

static struct xs_rec *last_of(struct xs_rec *list)
{
	while (list->next)
		list = list->next;
	return list;
}

static int value_check(const struct xs_view *v, size_t vlen)
{
	if (vlen > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	if (!xs_view_privileged(v) && vlen > v->st->quota.value_bytes)
		return -XEN_E2BIG;
	return 0;
}

int xs_op_write(const struct xs_view *v, const char *path, const void *value,
		size_t vlen)
{
	size_t plen = strlen(path);
	const struct xs_rec *r = xs_view_get(v, path, plen);
	struct xs_rec *changes;
	int rc = value_check(v, vlen);

	if (rc)
		return rc;
	if (r) {
		if (!(xs_view_perm(v, r) & XS_PERM_WRITE))
			return -XEN_EACCES;
		changes = xs_rec_with_value(v->st, r, value, vlen);
		if (!changes)
			return -XEN_ENOMEM;
	} else {
		rc = build_create(v, path, plen, value, vlen, &changes);
		if (rc)
			return rc;
	}
	last_of(changes)->fire = XS_FIRE_UP;
	return xs_view_apply(v, changes);
}

int xs_op_mkdir(const struct xs_view *v, const char *path)
{
	size_t plen = strlen(path);
	const struct xs_rec *r = xs_view_get(v, path, plen);
	struct xs_rec *changes;
	int rc;

	if (r) {
		if (!(xs_view_perm(v, r) & XS_PERM_WRITE))
			return -XEN_EACCES;
		return xs_view_note(v, path, plen);
	}
	rc = build_create(v, path, plen, NULL, 0, &changes);
	if (rc)
		return rc;
	last_of(changes)->fire = XS_FIRE_UP;
	return xs_view_apply(v, changes);
}

/* A GONE marker for the child name of parent t (path built in buf). */
static int child_marker(const struct xs_view *v, const struct xs_rec *t,
			const char *name, size_t nlen, char *buf,
			struct xs_rec **out)
{
	size_t clen = t->plen + 1 + nlen;
	const struct xs_rec *c;

	if (clen > XENSTORE_ABS_PATH_MAX)
		return -XEN_EIO; /* the store never holds such a path */
	memcpy(buf, t->path, t->plen);
	buf[t->plen] = '/';
	memcpy(buf + t->plen + 1, name, nlen);
	c = xs_view_get(v, buf, clen);
	if (!c)
		return -XEN_EAGAIN; /* only in a doomed transaction */
	*out =
	    xs_rec_marker(v->st, XS_REC_GONE, buf, clen, c->perms, c->nperms);
	return *out ? 0 : -XEN_ENOMEM;
}

/* Appends GONE markers for every child of t at *tail. */
static int mark_children(const struct xs_view *v, const struct xs_rec *t,
			 struct xs_rec **tail, char *buf)
{
	const struct xs_rec *r = xs_view_get(v, t->path, t->plen);
	size_t off = 0, nlen;
	struct xs_rec *m;
	int rc;

	while (r && off < r->clen) {
		nlen = strnlen(r->children + off, r->clen - off);
		rc = child_marker(v, t, r->children + off, nlen, buf, &m);
		if (rc)
			return rc;
		m->fire = XS_FIRE_EXACT;
		(*tail)->next = m;
		*tail = m;
		off += nlen + 1;
	}
	return 0;
}

/*
 * GONE markers for node r and its whole subtree, breadth first: the list
 * is its own work queue, so depth costs no stack.
 */
static int mark_subtree(const struct xs_view *v, const struct xs_rec *r,
			struct xs_rec **out)
{
	char *buf = xs_alloc(v->st, XENSTORE_ABS_PATH_MAX + 1);
	struct xs_rec *head = NULL, *t, *tail;
	int rc = -XEN_ENOMEM;

	if (buf)
		head = xs_rec_marker(v->st, XS_REC_GONE, r->path, r->plen,
				     r->perms, r->nperms);
	if (head) {
		head->fire = XS_FIRE_UP;
		rc = 0;
	}
	for (t = tail = head; t && !rc; t = t->next)
		rc = mark_children(v, t, &tail, buf);
	xs_free(v->st, buf);
	if (rc)
		xs_rec_free_list(v->st, head);
	else
		*out = head;
	return rc;
}

static int rm_missing(const struct xs_view *v, const char *path, size_t plen)
{
	int rc = missing_errno(v, path, plen, XS_PERM_WRITE);
	size_t parent = xs_path_parent_len(path, plen);

	if (rc == -XEN_ENOENT && parent && xs_view_get(v, path, parent))
		return xs_view_note(v, path, plen); /* gone already: fine */
	return rc;
}

int xs_op_rm(const struct xs_view *v, const char *path)
{
	size_t plen = strlen(path), ppl = xs_path_parent_len(path, plen);
	const struct xs_rec *r = xs_view_get(v, path, plen), *parent;
	struct xs_rec *changes, *gone;
	int rc;

	if (!r)
		return rm_missing(v, path, plen);
	if (!(xs_view_perm(v, r) & XS_PERM_WRITE))
		return -XEN_EACCES;
	if (plen == 1)
		return -XEN_EINVAL; /* "/" stays */
	parent = xs_view_get(v, path, ppl);
	if (!parent)
		return -XEN_EAGAIN; /* only in a doomed transaction */
	changes = xs_rec_without_child(v->st, parent,
				       path + component_start(ppl),
				       plen - component_start(ppl));
	if (!changes)
		return -XEN_ENOMEM;
	rc = mark_subtree(v, r, &gone);
	if (rc) {
		xs_free(v->st, changes);
		return rc;
	}
	changes->next = gone;
	return xs_view_apply(v, changes);
}

static int perms_check(const struct xs_view *v, const struct xs_perm *perms,
		       unsigned int n)
{
	unsigned int i;

	if (n == 0)
		return -XEN_EINVAL;
	for (i = 0; i < n; i++)
		if (perms[i].perm > XS_PERM_BOTH)
			return -XEN_EINVAL;
	if (!xs_view_privileged(v) && n > v->st->quota.perms)
		return -XEN_ENOSPC;
	return 0;
}

int xs_op_set_perms(const struct xs_view *v, const char *path,
		    const struct xs_perm *perms, unsigned int n)
{
	size_t plen = strlen(path);
	const struct xs_rec *r = xs_view_get(v, path, plen);
	struct xs_rec *changes;
	unsigned int need = XS_PERM_WRITE | XS_PERM_OWNER;
	int rc = perms_check(v, perms, n);

	if (rc)
		return rc;
	if (!r)
		return missing_errno(v, path, plen, XS_PERM_WRITE);
	if ((xs_view_perm(v, r) & need) != need)
		return -XEN_EACCES;
	if (!xs_view_privileged(v) && perms[0].domid != xs_rec_owner(r))
		return -XEN_EPERM; /* only domain 0 gives nodes away */
	changes = xs_rec_with_perms(v->st, r, perms, n);
	if (!changes)
		return -XEN_ENOMEM;
	changes->fire = XS_FIRE_UP;
	return xs_view_apply(v, changes);
}

/*
 * Xenstore watches (XS_WATCH/XS_UNWATCH/XS_WATCH_EVENT) and the
 * backends' hooks.
 *
 * Theory of operation (the watch firing rule; xenstored's fire_watches)
 *
 * A watch is (canonical path W, token) on one connection. Every change
 * list that reaches the store (a request outside a transaction, or a
 * commit) fires, for each record marked in it:
 *
 *   XS_FIRE_UP    (the node a write, mkdir, set_perms or rm named):
 *                 every watch whose W is the changed path P or one of
 *                 its ancestors;
 *   XS_FIRE_EXACT (each node an rm removed below the named one):
 *                 every watch whose W is exactly that node, so watches
 *                 on descendants of a removed node fire too.
 *
 * The event carries P as the watcher spelled it: a watch registered
 * with a relative path gets P without "/local/domain/<id>/". An event
 * goes only to a watcher that may read the changed node or its parent
 * (the node's permissions as the change left them; for a removed node,
 * as they were), so watches cannot reveal other domains' trees. Special
 * names ("@releaseDomain") fire only for privileged watchers. Adding a
 * watch queues one event for it at once (clients rely on it to read
 * initial state). Events are queued per connection, after the reply of
 * the request being answered (conn.c).
 *
 * Hooks are the backends' watches: a prefix and a callback, called for
 * every change by a guest at or under the prefix. Calls are queued and
 * run by xs_settle() once the triggering request is complete, so a hook
 * may change the store itself.
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/store.h>
#include <io/xenstore/watch.h>

static int watch_matches(const struct xs_watch *w, const struct xs_rec *r)
{
	if (r->fire & XS_FIRE_UP &&
	    xs_path_is_under(w->path, w->plen, r->path, r->plen))
		return 1;
	return (r->fire & XS_FIRE_EXACT) && w->plen == r->plen &&
	       !memcmp(w->path, r->path, r->plen);
}

/* May the watcher read the changed node or its parent? */
static int may_see(const struct xs_store *st, uint16_t domid,
		   const struct xs_rec *r)
{
	size_t ppl = xs_path_parent_len(r->path, r->plen);
	const struct xs_rec *parent;

	if (xs_perm_for(domid, r->perms, r->nperms) & XS_PERM_READ)
		return 1;
	parent = ppl ? xs_map_find(&st->nodes, r->path, ppl) : NULL;
	return parent && (xs_perm_for(domid, parent->perms, parent->nperms) &
			  XS_PERM_READ);
}

static void fire_one(struct xs_store *st, const struct xs_rec *r)
{
	struct xs_conn *c;
	struct xs_watch *w;

	for (c = st->conns; c; c = c->next) {
		if (!c->watches || !may_see(st, c->domid, r))
			continue;
		for (w = c->watches; w; w = w->next)
			if (watch_matches(w, r))
				xs_conn_event(c, r->path + w->rel_off,
					      w->token);
	}
}

static void queue_hook_call(struct xs_store *st, const struct xs_hook *h,
			    uint16_t caller, const struct xs_rec *r)
{
	struct xs_hook_call *call = xs_alloc(st, sizeof(*call) + r->plen + 1);

	if (!call) {
		st->hook_calls_dropped++;
		return;
	}
	call->next = NULL;
	call->fn = h->fn;
	call->arg = h->arg;
	call->domid = caller;
	memcpy(call->path, r->path, r->plen + 1);
	if (st->calls_tail)
		st->calls_tail->next = call;
	else
		st->calls_head = call;
	st->calls_tail = call;
}

static void hook_one(struct xs_store *st, uint16_t caller,
		     const struct xs_rec *r)
{
	const struct xs_hook *h;

	for (h = st->hooks; h; h = h->next)
		if (xs_path_is_under(h->prefix, h->plen, r->path, r->plen))
			queue_hook_call(st, h, caller, r);
}

void xs_fire_changes(struct xs_store *st, uint16_t caller,
		     const struct xs_rec *changes)
{
	const struct xs_rec *r;

	for (r = changes; r; r = r->next) {
		if (!r->fire)
			continue;
		fire_one(st, r);
		if (caller != XS_PRIV_DOMID)
			hook_one(st, caller, r);
	}
}

void xs_fire_special(struct xs_store *st, const char *name)
{
	size_t len = strlen(name);
	struct xs_conn *c;
	struct xs_watch *w;

	for (c = st->conns; c; c = c->next) {
		if (c->domid != XS_PRIV_DOMID)
			continue;
		for (w = c->watches; w; w = w->next)
			if (w->plen == len && !memcmp(w->path, name, len))
				xs_conn_event(c, w->path, w->token);
	}
}

/* ---- watches ---- */

static struct xs_watch *watch_find(const struct xs_conn *c, const char *path,
				   const char *token)
{
	struct xs_watch *w;

	for (w = c->watches; w; w = w->next)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return w;
	return NULL;
}

static struct xs_watch *watch_new(const struct xs_conn *c, const char *path,
				  const char *token, int relative)
{
	size_t plen = strlen(path), tlen = strlen(token);
	struct xs_watch *w = xs_alloc(c->st, sizeof(*w) + plen + tlen + 2);

	if (!w)
		return NULL;
	w->next = NULL;
	w->plen = (uint32_t)plen;
	w->rel_off = relative ? (uint32_t)xs_path_rel_prefix(c->domid) : 0;
	w->path = (char *)(w + 1);
	w->token = w->path + plen + 1;
	memcpy(w->path, path, plen + 1);
	memcpy(w->token, token, tlen + 1);
	return w;
}

static int watch_check(const struct xs_conn *c, const char *path,
		       const char *token)
{
	if (watch_find(c, path, token))
		return -XEN_EEXIST;
	if (c->domid != XS_PRIV_DOMID && c->nr_watches >= c->st->quota.watches)
		return -XEN_ENOSPC;
	return 0;
}

int xs_watch_add(struct xs_conn *c, const char *path, const char *token)
{
	int relative = path[0] != '/' && path[0] != '@', rc;
	char *canon = xs_path_canonical(c->st, c->domid, path, 1, &rc);
	struct xs_watch *w = NULL;

	if (canon) {
		rc = watch_check(c, canon, token);
		w = rc ? NULL : watch_new(c, canon, token, relative);
		if (!rc && !w)
			rc = -XEN_ENOMEM;
	}
	if (w) {
		w->next = c->watches;
		c->watches = w;
		c->nr_watches++;
		xs_conn_event(c, w->path + w->rel_off, w->token);
	}
	xs_free(c->st, canon);
	return rc;
}

int xs_watch_remove(struct xs_conn *c, const char *path, const char *token)
{
	int rc;
	char *canon = xs_path_canonical(c->st, c->domid, path, 1, &rc);
	struct xs_watch **pp, *w;

	if (!canon)
		return rc;
	rc = -XEN_ENOENT;
	for (pp = &c->watches; (w = *pp); pp = &w->next) {
		if (!strcmp(w->path, canon) && !strcmp(w->token, token)) {
			*pp = w->next;
			c->nr_watches--;
			xs_free(c->st, w);
			rc = 0;
			break;
		}
	}
	xs_free(c->st, canon);
	return rc;
}

void xs_watch_remove_all(struct xs_conn *c)
{
	struct xs_watch *w;

	while ((w = c->watches)) {
		c->watches = w->next;
		xs_free(c->st, w);
	}
	c->nr_watches = 0;
}

/* ---- hooks ---- */

int xs_hook_add(struct xs_store *st, const char *prefix, xs_hook_fn fn,
		void *arg)
{
	int rc;
	char *canon = xs_path_canonical(st, XS_PRIV_DOMID, prefix, 0, &rc);
	size_t plen = canon ? strlen(canon) : 0;
	struct xs_hook *h = canon ? xs_alloc(st, sizeof(*h) + plen + 1) : NULL;

	if (h) {
		h->fn = fn;
		h->arg = arg;
		h->plen = (uint32_t)plen;
		memcpy(h->prefix, canon, plen + 1);
		h->next = st->hooks;
		st->hooks = h;
		rc = 0;
	} else if (canon) {
		rc = -XEN_ENOMEM;
	}
	xs_free(st, canon);
	return rc;
}

void xs_hook_remove(struct xs_store *st, const char *prefix, xs_hook_fn fn,
		    void *arg)
{
	struct xs_hook **pp, *h;

	for (pp = &st->hooks; (h = *pp); pp = &h->next) {
		if (h->fn == fn && h->arg == arg &&
		    !strcmp(h->prefix, prefix)) {
			*pp = h->next;
			xs_free(st, h);
			return;
		}
	}
}

void xs_hooks_run(struct xs_store *st)
{
	struct xs_hook_call *call;

	while ((call = st->calls_head)) {
		st->calls_head = call->next;
		if (!st->calls_head)
			st->calls_tail = NULL;
		call->fn(call->arg, call->domid, call->path);
		xs_free(st, call);
	}
}

void xs_hooks_free(struct xs_store *st)
{
	struct xs_hook *h;
	struct xs_hook_call *call;

	while ((h = st->hooks)) {
		st->hooks = h->next;
		xs_free(st, h);
	}
	while ((call = st->calls_head)) {
		st->calls_head = call->next;
		xs_free(st, call);
	}
	st->calls_tail = NULL;
}

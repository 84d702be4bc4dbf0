/*
 * Xenstore watches and backend hooks. The firing rule is in
 * io/xenstore/watch.c.
 */
#ifndef HV_IO_XENSTORE_WATCH_H
#define HV_IO_XENSTORE_WATCH_H

#include <stdint.h>
#include <io/xenstore.h>

struct xs_store;
struct xs_conn;
struct xs_rec;

/* One allocation: header, path, token. */
struct xs_watch {
	struct xs_watch *next;
	uint32_t plen;	  /* canonical path bytes */
	uint32_t rel_off; /* path bytes hidden from events (relative) */
	char *path;	  /* canonical: absolute or "@special" */
	char *token;
};

struct xs_hook {
	struct xs_hook *next;
	xs_hook_fn fn;
	void *arg;
	uint32_t plen;
	char prefix[];
};

struct xs_hook_call {
	struct xs_hook_call *next;
	xs_hook_fn fn;
	void *arg;
	uint16_t domid;
	char path[];
};

/* Adds a watch and queues its initial event. */
int xs_watch_add(struct xs_conn *c, const char *path, const char *token);
int xs_watch_remove(struct xs_conn *c, const char *path, const char *token);
void xs_watch_remove_all(struct xs_conn *c);

/* Fires the watches and hooks a committed change list triggers. */
void xs_fire_changes(struct xs_store *st, uint16_t caller,
		     const struct xs_rec *changes);
/* "@introduceDomain", "@releaseDomain": privileged watchers only. */
void xs_fire_special(struct xs_store *st, const char *name);

int xs_hook_add(struct xs_store *st, const char *prefix, xs_hook_fn fn,
		void *arg);
void xs_hook_remove(struct xs_store *st, const char *prefix, xs_hook_fn fn,
		    void *arg);
void xs_hooks_run(struct xs_store *st);
void xs_hooks_free(struct xs_store *st);

#endif

/*
 * The in-hypervisor xenstore (PV-BOOT.md 6.3-6.6): what the event-channel
 * glue, the domain builder and the split-device backends call.
 *
 * The server is pure logic: it reaches memory only through the allocator
 * given to xs_store_create() and a guest only through its ring page and a
 * notify callback, so all of it runs as host unit tests. The wire format
 * is Xen's (xen/io/xs_wire.h, through public/xen_abi.h).
 *
 * Identities: every request is made by a connection, one per domain.
 * Domain 0 is the hypervisor itself (its backends): it is privileged and
 * bypasses permissions and quotas. Guests are domains 1 and up.
 *
 * Re-entrancy: the server is single-threaded. Backend hooks run after the
 * request that triggered them has been answered and may call the
 * xs_backend_* functions (not xs_domain_introduce/release, nor
 * xs_ring_service); notify callbacks may only signal the guest
 * (evtchn_set_pending) and must not call back into the store.
 *
 * Errors are negative Xen errno values (XEN_ENOENT, ...; lib/errno.h).
 */
#ifndef HV_IO_XENSTORE_H
#define HV_IO_XENSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <public/xen_abi.h>

struct xs_store;
struct xs_conn;

/* Where the store's memory comes from: xmalloc/xfree in the hypervisor. */
struct xs_alloc_ops {
	void *(*alloc)(size_t bytes);
	void (*free)(void *p);
};

/* Limits for unprivileged domains (xenstored's quota-* options). */
struct xs_quota {
	uint32_t nodes;	       /* nodes one domain may own */
	uint32_t value_bytes;  /* largest value one node may hold */
	uint32_t perms;	       /* entries in one node's permission list */
	uint32_t watches;      /* watches per connection */
	uint32_t transactions; /* open transactions per connection */
	uint32_t tx_records;   /* nodes one transaction may read or change */
	uint32_t out_bytes;    /* queued output before input pauses and
				  watch events are dropped */
};

#define XS_QUOTA_DEFAULT                                                \
	{                                                               \
		.nodes = 1000, .value_bytes = 2048, .perms = 16,        \
		.watches = 128, .transactions = 10, .tx_records = 1024, \
		.out_bytes = 64 * 1024                                  \
	}

/* Permission bits of one entry (xenstored's XS_PERM_*). */
#define XS_PERM_NONE  0u
#define XS_PERM_READ  1u
#define XS_PERM_WRITE 2u
#define XS_PERM_BOTH  3u
#define XS_PERM_OWNER 4u /* only in access checks, never stored */

/*
 * One entry of a node's permission list. Entry 0 names the owner (who
 * always has full access) and the default for every other domain; later
 * entries override the default for one domain each.
 */
struct xs_perm {
	uint16_t domid;
	uint8_t perm; /* XS_PERM_NONE..XS_PERM_BOTH */
};

/* A whole message, header and payload, as it travels on the ring. */
struct xs_msgbuf {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX];
};

/* Called when the guest must be told the ring changed (event channel). */
typedef void (*xs_notify_fn)(void *arg);
/* Called after a guest changed path (a node at or under the hook's
 * prefix was written, created, removed or had its permissions set). */
typedef void (*xs_hook_fn)(void *arg, uint16_t domid, const char *path);

/* ---- the store ---- */

/* quota NULL: XS_QUOTA_DEFAULT. Creates "/", "/local", "/local/domain"
 * and the privileged connection of domain 0. NULL if out of memory. */
struct xs_store *xs_store_create(const struct xs_alloc_ops *ops,
				 const struct xs_quota *quota);
void xs_store_destroy(struct xs_store *st);

/* ---- domains and their connections ---- */

struct xs_domain_info {
	uint16_t domid;		 /* 1.. */
	const char *name;	 /* /local/domain/<id>/name */
	uint64_t memory_kib;	 /* memory/target; 0: not written */
	uint64_t static_max_kib; /* memory/static-max; 0: not written */
	unsigned int vcpus;	 /* cpu/<n>/availability = "online" */
};

/*
 * Creates the guest's area /local/domain/<id> (owned by the guest) with
 * name, domid (read-only for the guest), control/shutdown = "",
 * memory/ and cpu/ nodes, and the guest's connection; fires
 * @introduceDomain. No device nodes: the backends add those. On failure
 * nothing is left behind.
 */
int xs_domain_introduce(struct xs_store *st, const struct xs_domain_info *info,
			struct xs_conn **out);
/* Removes the connection and the area; fires @releaseDomain. Returns
 * the error of removing the area (out of memory leaves it behind). */
int xs_domain_release(struct xs_store *st, uint16_t domid);

/* A connection without a ring (tests; a future socket). -XEN_EEXIST if
 * domid already has one. */
int xs_conn_create(struct xs_store *st, uint16_t domid, struct xs_conn **out);
void xs_conn_destroy(struct xs_conn *c);
struct xs_conn *xs_conn_find(const struct xs_store *st, uint16_t domid);

/* ---- the ring layer (the event-channel glue calls these) ---- */

/*
 * Serves the guest's xenstore page from now on. The page must stay
 * mapped until xs_conn_destroy/xs_domain_release. Advertises the
 * reconnection and error-indicator features in server_features.
 */
void xs_ring_attach(struct xs_conn *c, struct xenstore_domain_interface *intf,
		    xs_notify_fn notify, void *arg);
/*
 * Consumes every request byte in the ring, answers complete requests,
 * writes replies and watch events while there is room. Call it on every
 * event-channel send to the store port and from a periodic tick.
 * Returns 1 if the guest must be notified. Other guests that received
 * watch events are notified through their callbacks.
 */
int xs_ring_service(struct xs_conn *c);
/* Non-zero once the guest broke the ring protocol (the page's error field
 * says why); the connection then ignores the ring until the guest asks
 * to reconnect. */
int xs_ring_broken(const struct xs_conn *c);

/* ---- the request layer (the ring layer's core; also for tests) ---- */

/*
 * Answers one complete request (body holds hdr->len bytes, read only if
 * hdr->len <= XENSTORE_PAYLOAD_MAX). The reply, then any watch events
 * the request caused for this connection, are queued for output.
 * -XEN_ENOMEM if not even the reply could be queued.
 */
int xs_conn_request(struct xs_conn *c, const struct xsd_sockmsg *hdr,
		    const void *body);
/* Takes the next queued output message; 0 if none. For connections
 * without a ring. */
int xs_conn_pop(struct xs_conn *c, struct xs_msgbuf *m);
/* Watch events dropped because output was over quota or out of memory. */
uint32_t xs_conn_events_dropped(const struct xs_conn *c);

/* ---- the backends' API (domain 0, privileged) ---- */

/* Paths are absolute, or relative to /local/domain/0. Missing parents
 * are created, inheriting their parent's permissions. */
int xs_backend_write(struct xs_store *st, const char *path, const char *value);
int xs_backend_mkdir(struct xs_store *st, const char *path);
int xs_backend_rm(struct xs_store *st, const char *path);
int xs_backend_set_perms(struct xs_store *st, const char *path,
			 const struct xs_perm *perms, unsigned int n);
/* Copies the value, NUL-terminated and truncated to size - 1 bytes;
 * returns its full length. */
int xs_backend_read(struct xs_store *st, const char *path, char *buf,
		    size_t size);
/* Child names, each NUL-terminated; returns the bytes the full list needs
 * (nothing is copied if that exceeds size). */
int xs_backend_directory(struct xs_store *st, const char *path, char *buf,
			 size_t size);
/* Calls fn after a guest changes a node at or under prefix (absolute).
 * Changes made by domain 0 itself do not call hooks. */
int xs_backend_hook(struct xs_store *st, const char *prefix, xs_hook_fn fn,
		    void *arg);
void xs_backend_unhook(struct xs_store *st, const char *prefix, xs_hook_fn fn,
		       void *arg);

#endif

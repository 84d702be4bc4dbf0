/*
 * The xenstore request layer: one complete message in, one reply out
 * (xen/io/xs_wire.h; docs/misc/xenstore.txt; PV-BOOT.md 6.3's table).
 *
 * A reply echoes the request's type, req_id and tx_id, or is XS_ERROR
 * with an errno name ("ENOENT\0") from xs_wire.h's xsd_errors list, the
 * names Linux's xenbus understands. Payloads are untrusted: arguments
 * are NUL-terminated strings that must lie inside the payload, their
 * count must be exact, and anything malformed is EINVAL before the store
 * is touched. Requests carrying a tx_id run inside that transaction
 * (unknown id: ENOENT), except XS_WATCH/XS_UNWATCH which ignore it.
 */
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/ops.h>
#include <io/xenstore/transaction.h>
#include <io/xenstore/watch.h>

struct xs_req {
	struct xs_conn *c;
	struct xs_view v;
	const struct xsd_sockmsg *hdr;
	const char *body;
	uint32_t len;
	char *out; /* reply payload, XENSTORE_PAYLOAD_MAX bytes */
	uint32_t out_len;
};

#define MAX_ARGS 2

/* ---- arguments ---- */

/* Counts the NUL-terminated strings in the body, remembering the first
 * max; -1 if the body does not end with a NUL. */
static int split(const struct xs_req *r, const char **argv, int max)
{
	uint32_t off = 0, one;
	int n = 0;

	if (r->len == 0 || r->body[r->len - 1] != '\0')
		return -1;
	while (off < r->len) {
		one = (uint32_t)strnlen(r->body + off, r->len - off);
		if (n < max)
			argv[n] = r->body + off;
		n++;
		off += one + 1;
	}
	return n;
}

static int args_exact(const struct xs_req *r, const char **argv, int n)
{
	return split(r, argv, n) == n ? 0 : -XEN_EINVAL;
}

static int canonical(struct xs_req *r, const char *in, char **out)
{
	int rc;

	*out = xs_path_canonical(r->c->st, r->c->domid, in, 0, &rc);
	return *out ? 0 : rc;
}

/* ---- replies ---- */

static int reply_bytes(struct xs_req *r, const void *p, size_t len)
{
	if (len > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	memcpy(r->out, p, len);
	r->out_len = (uint32_t)len;
	return 0;
}

static int reply_ok(struct xs_req *r)
{
	return reply_bytes(r, "OK", 3);
}

/* ---- handlers ---- */

static int do_control(struct xs_req *r)
{
	return reply_ok(r);
}

/* Shared by read, directory and get_perms: the readable node. */
static int get_node(struct xs_req *r, const struct xs_rec **node)
{
	const char *argv[1];
	char *path;
	int rc = args_exact(r, argv, 1);

	if (!rc)
		rc = canonical(r, argv[0], &path);
	if (rc)
		return rc;
	rc = xs_op_get(&r->v, path, node);
	xs_free(r->c->st, path);
	return rc;
}

static int do_directory(struct xs_req *r)
{
	const struct xs_rec *n;
	int rc = get_node(r, &n);

	return rc ? rc : reply_bytes(r, n->children, n->clen);
}

static int do_read(struct xs_req *r)
{
	const struct xs_rec *n;
	int rc = get_node(r, &n);

	return rc ? rc : reply_bytes(r, n->value, n->vlen);
}

static int do_get_perms(struct xs_req *r)
{
	const struct xs_rec *n;
	int rc = get_node(r, &n);

	if (rc)
		return rc;
	rc = xs_perms_format(n->perms, n->nperms, r->out, XENSTORE_PAYLOAD_MAX);
	if (rc < 0)
		return rc;
	r->out_len = (uint32_t)rc;
	return 0;
}

static int do_watch(struct xs_req *r)
{
	const char *argv[2];
	int rc = args_exact(r, argv, 2);

	if (!rc)
		rc = xs_watch_add(r->c, argv[0], argv[1]);
	return rc ? rc : reply_ok(r);
}

static int do_unwatch(struct xs_req *r)
{
	const char *argv[2];
	int rc = args_exact(r, argv, 2);

	if (!rc)
		rc = xs_watch_remove(r->c, argv[0], argv[1]);
	return rc ? rc : reply_ok(r);
}

static int do_tx_start(struct xs_req *r)
{
	uint32_t id;
	int rc;

	if (r->v.tx)
		return -XEN_EBUSY; /* no nesting */
	rc = xs_tx_start(r->c, &id);
	if (rc)
		return rc;
	r->out_len = (uint32_t)snprintf(r->out, 16, "%u", id) + 1;
	return 0;
}

static int do_tx_end(struct xs_req *r)
{
	const char *argv[1];
	int rc = args_exact(r, argv, 1), commit;

	if (rc)
		return rc;
	commit = !strcmp(argv[0], "T");
	if (!commit && strcmp(argv[0], "F"))
		return -XEN_EINVAL;
	if (!r->v.tx)
		return -XEN_ENOENT;
	rc = xs_tx_end(r->c, r->v.tx, commit);
	r->v.tx = NULL;
	return rc ? rc : reply_ok(r);
}

static int parse_domid(const char *s, uint16_t *out)
{
	uint32_t v = 0;

	if (!*s)
		return -XEN_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -XEN_EINVAL;
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > 0xffff)
			return -XEN_EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

static int do_get_domain_path(struct xs_req *r)
{
	const char *argv[1];
	uint16_t domid;
	int rc = args_exact(r, argv, 1);

	if (!rc)
		rc = parse_domid(argv[0], &domid);
	if (rc)
		return rc;
	r->out_len =
	    (uint32_t)snprintf(r->out, 32, "/local/domain/%u", domid) + 1;
	return 0;
}

/* path\0value: the value is every byte after the first NUL. */
static int do_write(struct xs_req *r)
{
	uint32_t plen = r->len ? (uint32_t)strnlen(r->body, r->len) : 0;
	char *path;
	int rc;

	if (plen == r->len)
		return -XEN_EINVAL;
	rc = canonical(r, r->body, &path);
	if (rc)
		return rc;
	rc = xs_op_write(&r->v, path, r->body + plen + 1, r->len - plen - 1);
	xs_free(r->c->st, path);
	return rc ? rc : reply_ok(r);
}

static int one_path_op(struct xs_req *r,
		       int (*op)(const struct xs_view *, const char *))
{
	const char *argv[1];
	char *path;
	int rc = args_exact(r, argv, 1);

	if (!rc)
		rc = canonical(r, argv[0], &path);
	if (rc)
		return rc;
	rc = op(&r->v, path);
	xs_free(r->c->st, path);
	return rc ? rc : reply_ok(r);
}

static int do_mkdir(struct xs_req *r)
{
	return one_path_op(r, xs_op_mkdir);
}

static int do_rm(struct xs_req *r)
{
	return one_path_op(r, xs_op_rm);
}

/* path\0perm\0perm\0...: at least one permission. */
static int do_set_perms(struct xs_req *r)
{
	const char *argv[1];
	int n = split(r, argv, 1);
	size_t plen = n >= 2 ? strlen(argv[0]) + 1 : 0;
	struct xs_perm *perms;
	char *path = NULL;
	int rc;

	if (n < 2)
		return -XEN_EINVAL;
	perms = xs_alloc(r->c->st, (size_t)(n - 1) * sizeof(*perms));
	if (!perms)
		return -XEN_ENOMEM;
	rc = xs_perms_parse(r->body + plen, r->len - plen, (unsigned int)n - 1,
			    perms);
	if (!rc)
		rc = canonical(r, argv[0], &path);
	if (!rc)
		rc = xs_op_set_perms(&r->v, path, perms, (unsigned int)n - 1);
	xs_free(r->c->st, path);
	xs_free(r->c->st, perms);
	return rc ? rc : reply_ok(r);
}

static int do_reset_watches(struct xs_req *r)
{
	xs_watch_remove_all(r->c);
	xs_tx_abort_all(r->c);
	r->v.tx = NULL;
	return reply_ok(r);
}

/* Toolstack requests: there is no toolstack domain. */
static int do_tools(struct xs_req *r)
{
	return xs_view_privileged(&r->v) ? -XEN_ENOSYS : -XEN_EACCES;
}

static int do_unsupported(struct xs_req *r)
{
	return -XEN_ENOSYS;
}

/* ---- dispatch ---- */

#define F_NOTID 1u /* runs outside any transaction */

static const struct {
	int (*fn)(struct xs_req *r);
	unsigned int flags;
} handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { do_control, 0 },
	[XS_DIRECTORY] = { do_directory, 0 },
	[XS_READ] = { do_read, 0 },
	[XS_GET_PERMS] = { do_get_perms, 0 },
	[XS_WATCH] = { do_watch, F_NOTID },
	[XS_UNWATCH] = { do_unwatch, F_NOTID },
	[XS_TRANSACTION_START] = { do_tx_start, 0 },
	[XS_TRANSACTION_END] = { do_tx_end, 0 },
	[XS_INTRODUCE] = { do_tools, 0 },
	[XS_RELEASE] = { do_tools, 0 },
	[XS_GET_DOMAIN_PATH] = { do_get_domain_path, 0 },
	[XS_WRITE] = { do_write, 0 },
	[XS_MKDIR] = { do_mkdir, 0 },
	[XS_RM] = { do_rm, 0 },
	[XS_SET_PERMS] = { do_set_perms, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { do_tools, 0 },
	[XS_RESUME] = { do_tools, 0 },
	[XS_SET_TARGET] = { do_tools, 0 },
	[XS_RESET_WATCHES] = { do_reset_watches, 0 },
	[XS_DIRECTORY_PART] = { do_unsupported, 0 },
};

static int dispatch(struct xs_req *r)
{
	uint32_t type = r->hdr->type;

	if (type >= XS_TYPE_COUNT || !handlers[type].fn)
		return -XEN_EINVAL; /* unknown, or server-to-guest only */
	if (r->len > XENSTORE_PAYLOAD_MAX)
		return -XEN_EINVAL;
	if (r->hdr->tx_id && !(handlers[type].flags & F_NOTID)) {
		r->v.tx = xs_tx_find(r->c, r->hdr->tx_id);
		if (!r->v.tx)
			return -XEN_ENOENT;
	}
	return handlers[type].fn(r);
}

static const struct {
	int err;
	char name[10];
} error_names[] = {
	{ XEN_EINVAL, "EINVAL" },	{ XEN_EACCES, "EACCES" },
	{ XEN_EEXIST, "EEXIST" },	{ XEN_EISDIR, "EISDIR" },
	{ XEN_ENOENT, "ENOENT" },	{ XEN_ENOMEM, "ENOMEM" },
	{ XEN_ENOSPC, "ENOSPC" },	{ XEN_EIO, "EIO" },
	{ XEN_ENOTEMPTY, "ENOTEMPTY" }, { XEN_ENOSYS, "ENOSYS" },
	{ XEN_EROFS, "EROFS" },		{ XEN_EBUSY, "EBUSY" },
	{ XEN_EAGAIN, "EAGAIN" },	{ XEN_EISCONN, "EISCONN" },
	{ XEN_E2BIG, "E2BIG" },		{ XEN_EPERM, "EPERM" },
};

static const char *error_name(int rc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(error_names); i++)
		if (error_names[i].err == -rc)
			return error_names[i].name;
	return "EINVAL";
}

int xs_conn_request(struct xs_conn *c, const struct xsd_sockmsg *hdr,
		    const void *body)
{
	struct xs_req r = { .c = c,
			    .v = { c->st, c, NULL },
			    .hdr = hdr,
			    .body = body,
			    .len = hdr->len,
			    .out = c->reply.body };
	struct xsd_sockmsg reply = { hdr->type, hdr->req_id, hdr->tx_id, 0 };
	const char *name;
	int rc;

	c->in_request = 1;
	rc = dispatch(&r);
	if (rc) {
		name = error_name(rc);
		reply.type = XS_ERROR;
		r.out_len = (uint32_t)strlen(name) + 1;
		memcpy(r.out, name, r.out_len);
	}
	reply.len = r.out_len;
	rc = xs_conn_queue(c, &reply, r.out, r.out_len, NULL, 0);
	c->in_request = 0;
	xs_conn_release_held(c);
	return rc;
}

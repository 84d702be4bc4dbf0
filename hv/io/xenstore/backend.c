/*
 * The hypervisor's side of xenstore: creating the store, introducing and
 * releasing domains (what the toolstack does with libxl in Xen), and the
 * API the in-hypervisor backends use as domain 0. Every entry point
 * ends with xs_settle(), which runs the hooks its changes queued and
 * pushes watch events into the guests' rings.
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <io/xenstore/conn.h>
#include <io/xenstore/ops.h>
#include <io/xenstore/store.h>
#include <io/xenstore/transaction.h>
#include <io/xenstore/watch.h>

#define SHORT_PATH 64 /* "/local/domain/65535/cpu/4294967295/..." */

static const struct xs_quota default_quota = XS_QUOTA_DEFAULT;

static struct xs_view dom0_view(struct xs_store *st)
{
	return (struct xs_view){ st, st->dom0, NULL };
}

static int make_root(struct xs_store *st)
{
	static const struct xs_perm none = { XS_PRIV_DOMID, XS_PERM_NONE };
	struct xs_rec *root =
	    xs_rec_node(st, "/", 1, &none, 1, NULL, 0, NULL, 0);

	if (!root)
		return -XEN_ENOMEM;
	root->gen = ++st->gen;
	xs_map_insert(&st->nodes, root);
	return 0;
}

struct xs_store *xs_store_create(const struct xs_alloc_ops *ops,
				 const struct xs_quota *quota)
{
	struct xs_store *st = ops->alloc(sizeof(*st));
	struct xs_view v;

	if (!st)
		return NULL;
	memset(st, 0, sizeof(*st));
	st->ops = *ops;
	st->quota = quota ? *quota : default_quota;
	if (make_root(st) || xs_conn_create(st, XS_PRIV_DOMID, &st->dom0)) {
		xs_store_destroy(st);
		return NULL;
	}
	v = dom0_view(st);
	if (xs_op_mkdir(&v, "/local/domain")) {
		xs_store_destroy(st);
		return NULL;
	}
	return st;
}

void xs_store_destroy(struct xs_store *st)
{
	struct xs_rec *r;

	while (st->conns)
		xs_conn_destroy(st->conns);
	while ((r = xs_map_pop(&st->nodes)))
		xs_free(st, r);
	xs_hooks_free(st);
	st->ops.free(st);
}

/* ---- backend API ---- */

enum backend_kind { B_WRITE, B_MKDIR, B_RM, B_SET_PERMS };

struct backend_args {
	const char *value;
	const struct xs_perm *perms;
	unsigned int n;
};

static int backend_change(struct xs_store *st, const char *path,
			  enum backend_kind kind, const struct backend_args *a)
{
	struct xs_view v = dom0_view(st);
	int rc;
	char *p = xs_path_canonical(st, XS_PRIV_DOMID, path, 0, &rc);

	if (!p)
		return rc;
	switch (kind) {
	case B_WRITE:
		rc = xs_op_write(&v, p, a->value, strlen(a->value));
		break;
	case B_MKDIR:
		rc = xs_op_mkdir(&v, p);
		break;
	case B_RM:
		rc = xs_op_rm(&v, p);
		break;
	case B_SET_PERMS:
		rc = xs_op_set_perms(&v, p, a->perms, a->n);
		break;
	}
	xs_free(st, p);
	xs_settle(st, NULL);
	return rc;
}

int xs_backend_write(struct xs_store *st, const char *path, const char *value)
{
	struct backend_args a = { .value = value };

	return backend_change(st, path, B_WRITE, &a);
}

int xs_backend_mkdir(struct xs_store *st, const char *path)
{
	return backend_change(st, path, B_MKDIR, NULL);
}

int xs_backend_rm(struct xs_store *st, const char *path)
{
	return backend_change(st, path, B_RM, NULL);
}

int xs_backend_set_perms(struct xs_store *st, const char *path,
			 const struct xs_perm *perms, unsigned int n)
{
	struct backend_args a = { .perms = perms, .n = n };

	return backend_change(st, path, B_SET_PERMS, &a);
}

static int backend_get(struct xs_store *st, const char *path,
		       const struct xs_rec **out)
{
	struct xs_view v = dom0_view(st);
	int rc;
	char *p = xs_path_canonical(st, XS_PRIV_DOMID, path, 0, &rc);

	if (!p)
		return rc;
	rc = xs_op_get(&v, p, out);
	xs_free(st, p);
	return rc;
}

int xs_backend_read(struct xs_store *st, const char *path, char *buf,
		    size_t size)
{
	const struct xs_rec *r;
	int rc = backend_get(st, path, &r);
	size_t n;

	if (rc)
		return rc;
	if (size) {
		n = r->vlen < size - 1 ? r->vlen : size - 1;
		memcpy(buf, r->value, n);
		buf[n] = '\0';
	}
	return (int)r->vlen;
}

int xs_backend_directory(struct xs_store *st, const char *path, char *buf,
			 size_t size)
{
	const struct xs_rec *r;
	int rc = backend_get(st, path, &r);

	if (rc)
		return rc;
	if (r->clen <= size)
		memcpy(buf, r->children, r->clen);
	return (int)r->clen;
}

int xs_backend_hook(struct xs_store *st, const char *prefix, xs_hook_fn fn,
		    void *arg)
{
	return xs_hook_add(st, prefix, fn, arg);
}

void xs_backend_unhook(struct xs_store *st, const char *prefix, xs_hook_fn fn,
		       void *arg)
{
	xs_hook_remove(st, prefix, fn, arg);
}

/* ---- domains ---- */

/* Domain areas are built inside one domain-0 transaction, so a failure
 * part-way is undone by aborting it, which needs no memory. */

static int area_write(const struct xs_view *v, const char *base,
		      const char *rel, const char *value)
{
	char path[SHORT_PATH];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return xs_op_write(v, path, value, strlen(value));
}

/* name and domid: owned by domain 0, readable by the guest. */
static int write_identity(const struct xs_view *v, const char *base,
			  const struct xs_domain_info *info)
{
	struct xs_perm ro[2] = { { XS_PRIV_DOMID, XS_PERM_NONE },
				 { info->domid, XS_PERM_READ } };
	char path[SHORT_PATH], id[8];
	int rc;

	snprintf(id, sizeof(id), "%u", info->domid);
	rc = area_write(v, base, "name", info->name ? info->name : "guest");
	if (!rc)
		rc = area_write(v, base, "domid", id);
	snprintf(path, sizeof(path), "%s/name", base);
	if (!rc)
		rc = xs_op_set_perms(v, path, ro, 2);
	snprintf(path, sizeof(path), "%s/domid", base);
	if (!rc)
		rc = xs_op_set_perms(v, path, ro, 2);
	return rc;
}

static int write_memory(const struct xs_view *v, const char *base,
			const struct xs_domain_info *info)
{
	char kib[24];
	int rc = 0;

	if (info->memory_kib) {
		snprintf(kib, sizeof(kib), "%lu",
			 (unsigned long)info->memory_kib);
		rc = area_write(v, base, "memory/target", kib);
	}
	if (!rc && info->static_max_kib) {
		snprintf(kib, sizeof(kib), "%lu",
			 (unsigned long)info->static_max_kib);
		rc = area_write(v, base, "memory/static-max", kib);
	}
	return rc;
}

static int write_cpus(const struct xs_view *v, const char *base,
		      const struct xs_domain_info *info)
{
	char rel[40];
	unsigned int i;
	int rc = 0;

	for (i = 0; i < info->vcpus && !rc; i++) {
		snprintf(rel, sizeof(rel), "cpu/%u/availability", i);
		rc = area_write(v, base, rel, "online");
	}
	return rc;
}

/* PV-BOOT.md 6.4, without the device nodes. */
static int write_domain_area(const struct xs_view *v, const char *base,
			     const struct xs_domain_info *info)
{
	struct xs_perm own = { info->domid, XS_PERM_NONE };
	int rc = xs_op_mkdir(v, base);

	if (!rc)
		rc = xs_op_set_perms(v, base, &own, 1);
	if (!rc)
		rc = write_identity(v, base, info);
	if (!rc)
		rc = area_write(v, base, "control/shutdown", "");
	if (!rc)
		rc = write_memory(v, base, info);
	if (!rc)
		rc = write_cpus(v, base, info);
	return rc;
}

static int build_domain_area(struct xs_store *st, const char *base,
			     const struct xs_domain_info *info)
{
	struct xs_view v = dom0_view(st);
	uint32_t id;
	int rc = xs_tx_start(st->dom0, &id);

	if (rc)
		return rc;
	v.tx = xs_tx_find(st->dom0, id);
	rc = write_domain_area(&v, base, info);
	if (rc) {
		xs_tx_end(st->dom0, v.tx, 0);
		return rc;
	}
	return xs_tx_end(st->dom0, v.tx, 1);
}

int xs_domain_introduce(struct xs_store *st, const struct xs_domain_info *info,
			struct xs_conn **out)
{
	char base[SHORT_PATH];
	struct xs_conn *c;
	int rc;

	if (info->domid == XS_PRIV_DOMID || info->domid >= DOMID_FIRST_RESERVED)
		return -XEN_EINVAL;
	snprintf(base, sizeof(base), "/local/domain/%u", info->domid);
	if (xs_map_find(&st->nodes, base, strlen(base)))
		return -XEN_EEXIST;
	rc = xs_conn_create(st, info->domid, &c);
	if (rc)
		return rc;
	rc = build_domain_area(st, base, info);
	if (rc) {
		xs_conn_destroy(c);
		return rc;
	}
	xs_fire_special(st, "@introduceDomain");
	xs_settle(st, NULL);
	*out = c;
	return 0;
}

int xs_domain_release(struct xs_store *st, uint16_t domid)
{
	struct xs_conn *c = xs_conn_find(st, domid);
	char base[SHORT_PATH];
	int rc;

	if (!c || domid == XS_PRIV_DOMID)
		return -XEN_ENOENT;
	xs_conn_destroy(c);
	snprintf(base, sizeof(base), "/local/domain/%u", domid);
	rc = xs_backend_rm(st, base);
	xs_fire_special(st, "@releaseDomain");
	xs_settle(st, NULL);
	return rc;
}

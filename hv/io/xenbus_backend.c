/*
 * The xenstore side of the in-hypervisor backends (io/xenbus_backend.h).
 *
 * Directory layout and handshake, as Linux's xenbus frontends expect
 * them (PV-BOOT.md 6-7): the toolstack (here: the hypervisor at domain
 * build) creates /local/domain/<d>/device/<type>/<id> for the frontend,
 * pointing at /local/domain/0/backend/<type>/<d>/<id>, and the backend's
 * state goes to InitWait. The frontend writes its ring references and
 * event channel into its directory and changes its state; the backend
 * watches that directory (xb_hook) and answers by changing its own.
 *
 * Permissions: nodes take their directory's permissions when created,
 * so each directory gets its permissions before anything is written in
 * it. The frontend's directory is the guest's (it writes there); the
 * backend's is ours, readable by the guest, which reads and watches it.
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <boot/cmdline.h>
#include <io/xenbus_backend.h>
#include <io/xenstore_domain.h>

#include <xen/io/xenbus.h>

static struct xs_store *st(void)
{
	return xenstore();
}

int xb_write(const struct xb_dev *x, const char *dir, const char *node,
	     const char *value)
{
	char path[96];

	(void)x;
	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_backend_write(st(), path, value);
}

int xb_write_uint(const struct xb_dev *x, const char *dir, const char *node,
		  uint64_t v)
{
	char val[24];

	snprintf(val, sizeof(val), "%lu", v);
	return xb_write(x, dir, node, val);
}

int xb_read(const struct xb_dev *x, const char *node, char *buf,
	    unsigned int len)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", x->fe, node);
	return xs_backend_read(st(), path, buf, len) < 0 ? -XEN_ENOENT : 0;
}

int xb_read_uint(const struct xb_dev *x, const char *node, uint64_t *v)
{
	char val[24];

	if (xb_read(x, node, val, sizeof(val)))
		return -XEN_ENOENT;
	return parse_uint(val, v) ? -XEN_EINVAL : 0;
}

void xb_set_state(const struct xb_dev *x, int state)
{
	xb_write_uint(x, x->be, "state", (uint64_t)state);
}

static int make_dir(const char *dir, const struct xs_perm *perms,
		    unsigned int n)
{
	return xs_backend_mkdir(st(), dir) |
	       xs_backend_set_perms(st(), dir, perms, n);
}

int xb_create(struct xb_dev *x, uint16_t domid, const char *type,
	      unsigned int devid)
{
	const struct xs_perm owner[] = { { domid, XS_PERM_NONE } };
	const struct xs_perm ours[] = { { 0, XS_PERM_NONE },
					{ domid, XS_PERM_READ } };
	int rc;

	x->domid = domid;
	snprintf(x->fe, sizeof(x->fe), "/local/domain/%u/device/%s/%u", domid,
		 type, devid);
	snprintf(x->be, sizeof(x->be), "/local/domain/0/backend/%s/%u/%u", type,
		 domid, devid);
	rc = make_dir(x->be, ours, 2) | xb_write(x, x->be, "frontend", x->fe) |
	     xb_write_uint(x, x->be, "frontend-id", domid) |
	     xb_write_uint(x, x->be, "state", XenbusStateInitWait);
	rc |= make_dir(x->fe, owner, 1) | xb_write(x, x->fe, "backend", x->be) |
	      xb_write_uint(x, x->fe, "backend-id", 0) |
	      xb_write_uint(x, x->fe, "state", XenbusStateInitialising);
	return rc ? -XEN_ENOMEM : 0;
}

int xb_hook(const struct xb_dev *x, xs_hook_fn fn, void *arg)
{
	return xs_backend_hook(st(), x->fe, fn, arg);
}

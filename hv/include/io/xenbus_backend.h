/*
 * The xenstore side of a split device whose backend is in the hypervisor
 * (io/xenbus_backend.c): the frontend's and backend's directories, the
 * XenbusState handshake nodes, and reads of what the frontend wrote.
 * Used by the block (io/blkback.c) and network (io/netback.c) backends.
 */
#ifndef HV_IO_XENBUS_BACKEND_H
#define HV_IO_XENBUS_BACKEND_H

#include <stdint.h>
#include <io/xenstore.h>

struct xb_dev {
	uint16_t domid;
	char fe[64]; /* /local/domain/<domid>/device/<type>/<devid> */
	char be[64]; /* /local/domain/0/backend/<type>/<domid>/<devid> */
};

/* Creates both directories: the frontend's owned by the guest (it
 * writes its ring references there) with backend, backend-id and state
 * Initialising; the backend's owned by us and readable by the guest,
 * with frontend, frontend-id and state InitWait. Device nodes are added
 * with xb_write() before the frontend is hooked. 0 or -XEN_ENOMEM. */
int xb_create(struct xb_dev *x, uint16_t domid, const char *type,
	      unsigned int devid);
/* Writes dir/node (dir is x->fe or x->be). 0 or a negative errno. */
int xb_write(const struct xb_dev *x, const char *dir, const char *node,
	     const char *value);
int xb_write_uint(const struct xb_dev *x, const char *dir, const char *node,
		  uint64_t v);
/* Reads an unsigned number the frontend wrote: 0, -XEN_ENOENT, or
 * -XEN_EINVAL if it is not a number. */
int xb_read_uint(const struct xb_dev *x, const char *node, uint64_t *v);
/* Reads a string node of the frontend: 0 or -XEN_ENOENT. */
int xb_read(const struct xb_dev *x, const char *node, char *buf,
	    unsigned int len);
void xb_set_state(const struct xb_dev *x, int state);
/* Calls fn(arg, domid, path) after every guest write under x->fe. */
int xb_hook(const struct xb_dev *x, xs_hook_fn fn, void *arg);

#endif

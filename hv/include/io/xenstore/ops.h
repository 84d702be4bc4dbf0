/*
 * Xenstore node operations on a view: the semantics of read, write,
 * mkdir, rm and the permission requests, shared by the wire layer and the
 * backends' API. Paths are canonical (xs_path_canonical); results are 0
 * or a negative Xen errno.
 */
#ifndef HV_IO_XENSTORE_OPS_H
#define HV_IO_XENSTORE_OPS_H

#include <stddef.h>
#include <io/xenstore/store.h>

/* The node for reading (value, children, perms): needs read access. */
int xs_op_get(const struct xs_view *v, const char *path,
	      const struct xs_rec **out);
int xs_op_write(const struct xs_view *v, const char *path, const void *value,
		size_t vlen);
int xs_op_mkdir(const struct xs_view *v, const char *path);
int xs_op_rm(const struct xs_view *v, const char *path);
int xs_op_set_perms(const struct xs_view *v, const char *path,
		    const struct xs_perm *perms, unsigned int n);

#endif

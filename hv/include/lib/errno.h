/*
 * Error codes. Hypercalls return the Xen ABI's closed set of codes, so the
 * hypervisor uses the same numbers everywhere (from <xen/errno.h>, which
 * defines them as XEN_E* with __XEN_ERRNO_H__ guarding the enum form).
 */
#ifndef HV_LIB_ERRNO_H
#define HV_LIB_ERRNO_H

#define XEN_ERRNO(name, value) XEN_##name = value,
enum {
#include <xen/errno.h>
};
#undef XEN_ERRNO

#endif

/*
 * Xen's shared-ring macros (xen/io/ring.h) with the barriers they need
 * defined for PVX and for the host unit tests: x86 keeps stores in order
 * and loads in order, so the compiler fences are what matters; the full
 * barrier is a real one (a store then a load of another location).
 */
#ifndef HV_IO_RING_H
#define HV_IO_RING_H

#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/io/ring.h>

#endif

/* Glue between domains and the in-hypervisor xenstore (io/xenstore/). */
#ifndef HV_IO_XENSTORE_DOMAIN_H
#define HV_IO_XENSTORE_DOMAIN_H

#include <stdint.h>

struct domain;
struct xs_store;

/* Creates the store (once, at boot). 0 or a negative errno. */
int xenstore_init(void);
/* The machine's store, for the backends' xs_backend_* calls. */
struct xs_store *xenstore(void);
/* Introduces d to the store and attaches its ring page (a guest frame,
 * zeroed here); sets d->store_port. 0 or a negative errno. */
int xenstore_domain_setup(struct domain *d, void *ring_page);
/* Serves d's ring: requests in, replies and watch events out. Called
 * when the guest notifies and before the vCPU blocks. */
void xenstore_service(struct domain *d);

#endif

/*
 * Event channels, 2-level ABI (SOSP'03 3.1; Xen's event_2l.c).
 *
 * Pending and mask bitmaps live in shared_info; the per-vCPU selector
 * and upcall flags in the registered vcpu_info. Order of setting a port
 * pending (the guest scans in the reverse order, so no event is lost):
 *   1. set pending[port]; if it was already set, stop;
 *   2. if mask[port] is set, stop (unmask will re-check);
 *   3. set bit port/64 of evtchn_pending_sel; if it was already set, stop;
 *   4. set evtchn_upcall_pending and wake the vCPU.
 * Port 0 is never valid.
 */
#ifndef HV_EVENT_EVTCHN_H
#define HV_EVENT_EVTCHN_H

#include <stdint.h>

struct domain;
struct vcpu;

void evtchn_init(struct domain *d);
void evtchn_set_pending(struct domain *d, unsigned int port);
/* Raise VIRQ virq on v if the guest bound it. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
/* A port bound to an in-hypervisor backend, e.g. the console. */
unsigned int evtchn_alloc_backend(struct domain *d,
				  void (*fn)(struct domain *, unsigned int));
/* Binds the guest's unbound port (alloc_unbound with remote domain 0)
 * to an in-hypervisor backend. 0, or -EINVAL if it is not such a port. */
int evtchn_bind_backend(struct domain *d, unsigned int port,
			void (*fn)(struct domain *, unsigned int));
/* Notifies the guest through port if it is still bound to backend fn
 * (the guest may have closed it): a backend's evtchn_set_pending. */
void evtchn_backend_notify(struct domain *d, unsigned int port,
			   void (*fn)(struct domain *, unsigned int));
int evtchn_upcall_pending(const struct vcpu *v);
long do_event_channel_op(uint64_t cmd, uint64_t arg);

#endif

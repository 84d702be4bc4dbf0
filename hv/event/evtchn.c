/*
 * 2-level event channels; the delivery order is in include/event/evtchn.h.
 * Single CPU and interrupts off in the hypervisor, but the guest updates
 * the same words concurrently from its own context only when it runs, so
 * plain read-modify-write here is safe; locked operations are used anyway
 * where the guest's own code uses them, to keep the protocol obvious.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <event/evtchn.h>

static int test_and_set(volatile uint64_t *w, unsigned int bit)
{
	uint64_t old = __atomic_fetch_or(w, 1ull << bit, __ATOMIC_SEQ_CST);

	return (old >> bit) & 1;
}

static int test_and_clear(volatile uint64_t *w, unsigned int bit)
{
	uint64_t old = __atomic_fetch_and(w, ~(1ull << bit), __ATOMIC_SEQ_CST);

	return (old >> bit) & 1;
}

static int test(const volatile uint64_t *w, unsigned int bit)
{
	return (*w >> bit) & 1;
}

void evtchn_init(struct domain *d)
{
	memset(d->evtchn, 0, sizeof(d->evtchn));
	memset(d->vcpu0.virq_to_port, 0, sizeof(d->vcpu0.virq_to_port));
}

static void mark_vcpu_pending(struct vcpu *v, unsigned int port)
{
	struct vcpu_info *vi = v->vcpu_info;

	if (test_and_set((volatile uint64_t *)&vi->evtchn_pending_sel,
			 port / 64))
		return;
	vi->evtchn_upcall_pending = 1;
	v->blocked = 0; /* wake: the block loop re-checks */
}

void evtchn_set_pending(struct domain *d, unsigned int port)
{
	struct shared_info *s = d->shared_info;

	if (test_and_set((volatile uint64_t *)&s->evtchn_pending[port / 64],
			 port % 64))
		return;
	if (test((volatile uint64_t *)&s->evtchn_mask[port / 64], port % 64))
		return;
	mark_vcpu_pending(&d->vcpu0, port);
}

void evtchn_backend_notify(struct domain *d, unsigned int port,
			   void (*fn)(struct domain *, unsigned int))
{
	const struct evtchn *c = &d->evtchn[port];

	if (port > 0 && port < NR_EVTCHN &&
	    c->state == EVTCHNSTAT_interdomain && c->backend == fn)
		evtchn_set_pending(d, port);
}

int evtchn_upcall_pending(const struct vcpu *v)
{
	return v->vcpu_info->evtchn_upcall_pending &&
	       !v->vcpu_info->evtchn_upcall_mask;
}

void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
	int port = virq < MAX_VIRQS ? v->virq_to_port[virq] : 0;

	if (port)
		evtchn_set_pending(v->domain, (unsigned int)port);
}

static int alloc_port(struct domain *d)
{
	unsigned int p;

	for (p = 1; p < NR_EVTCHN; p++)
		if (d->evtchn[p].state == EVTCHNSTAT_closed)
			return (int)p;
	return -XEN_ENOSPC;
}

unsigned int evtchn_alloc_backend(struct domain *d,
				  void (*fn)(struct domain *, unsigned int))
{
	int port = alloc_port(d);

	if (port < 0)
		return 0;
	d->evtchn[port].state = EVTCHNSTAT_interdomain;
	d->evtchn[port].remote_dom = 0;
	d->evtchn[port].backend = fn;
	return (unsigned int)port;
}

int evtchn_bind_backend(struct domain *d, unsigned int port,
			void (*fn)(struct domain *, unsigned int))
{
	struct evtchn *c;

	if (port == 0 || port >= NR_EVTCHN)
		return -XEN_EINVAL;
	c = &d->evtchn[port];
	if (c->state != EVTCHNSTAT_unbound || c->remote_dom != 0)
		return -XEN_EINVAL;
	c->state = EVTCHNSTAT_interdomain;
	c->backend = fn;
	c->guest_bound = 1;
	return 0;
}

static long bind_virq(struct domain *d, struct evtchn_bind_virq *a)
{
	struct vcpu *v = &d->vcpu0;
	int port;

	if (a->virq >= MAX_VIRQS || a->vcpu != 0)
		return -XEN_EINVAL;
	if (v->virq_to_port[a->virq])
		return -XEN_EEXIST;
	port = alloc_port(d);
	if (port < 0)
		return port;
	d->evtchn[port].state = EVTCHNSTAT_virq;
	d->evtchn[port].virq = (uint8_t)a->virq;
	v->virq_to_port[a->virq] = port;
	a->port = (evtchn_port_t)port;
	return 0;
}

static long bind_ipi(struct domain *d, struct evtchn_bind_ipi *a)
{
	int port;

	if (a->vcpu != 0)
		return -XEN_ENOENT;
	port = alloc_port(d);
	if (port < 0)
		return port;
	d->evtchn[port].state = EVTCHNSTAT_ipi;
	a->port = (evtchn_port_t)port;
	return 0;
}

static long alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a)
{
	int port;

	if (a->dom != DOMID_SELF && a->dom != d->domid)
		return -XEN_EPERM;
	port = alloc_port(d);
	if (port < 0)
		return port;
	d->evtchn[port].state = EVTCHNSTAT_unbound;
	d->evtchn[port].remote_dom = a->remote_dom;
	a->port = (evtchn_port_t)port;
	return 0;
}

static int valid_port(const struct domain *d, uint32_t port)
{
	return port > 0 && port < NR_EVTCHN &&
	       d->evtchn[port].state != EVTCHNSTAT_closed;
}

static long evtchn_send(struct domain *d, uint32_t port)
{
	struct evtchn *c;

	if (!valid_port(d, port))
		return -XEN_EINVAL;
	c = &d->evtchn[port];
	if (c->state == EVTCHNSTAT_ipi)
		evtchn_set_pending(d, port);
	else if (c->state == EVTCHNSTAT_interdomain && c->backend)
		c->backend(d, port);
	/* Unbound or VIRQ: nothing listens; Xen accepts silently. */
	return 0;
}

static long evtchn_close(struct domain *d, uint32_t port)
{
	struct evtchn *c;

	if (!valid_port(d, port))
		return -XEN_EINVAL;
	c = &d->evtchn[port];
	/* The console's port is ours; a port the guest allocated and a
	 * backend bound (a frontend's) is the guest's to close, as in Xen:
	 * the backend's later notifications to it are then ignored. */
	if (c->backend && !c->guest_bound)
		return -XEN_EINVAL;
	if (c->state == EVTCHNSTAT_virq)
		d->vcpu0.virq_to_port[c->virq] = 0;
	memset(c, 0, sizeof(*c));
	return 0;
}

static long evtchn_unmask(struct domain *d, uint32_t port)
{
	struct shared_info *s = d->shared_info;

	if (port == 0 || port >= NR_EVTCHN)
		return -XEN_EINVAL;
	if (test_and_clear((volatile uint64_t *)&s->evtchn_mask[port / 64],
			   port % 64) &&
	    test((volatile uint64_t *)&s->evtchn_pending[port / 64], port % 64))
		mark_vcpu_pending(&d->vcpu0, port);
	return 0;
}

static long evtchn_status(struct domain *d, struct evtchn_status *a)
{
	struct evtchn *c;

	if (a->dom != DOMID_SELF && a->dom != d->domid)
		return -XEN_EPERM;
	if (a->port >= NR_EVTCHN)
		return -XEN_EINVAL;
	c = &d->evtchn[a->port];
	a->status = c->state;
	a->vcpu = 0;
	if (c->state == EVTCHNSTAT_virq)
		a->u.virq = c->virq;
	else if (c->state == EVTCHNSTAT_unbound ||
		 c->state == EVTCHNSTAT_interdomain)
		a->u.unbound.dom = c->remote_dom;
	return 0;
}

/* Copies the argument in, runs op, copies it back out on success. */
#define EVTCHN_OP(type, fn)                                       \
	do {                                                      \
		type a;                                           \
		long rc;                                          \
		if (copy_from_guest(&a, arg, sizeof(a)))          \
			return -XEN_EFAULT;                       \
		rc = fn(d, &a);                                   \
		if (rc == 0 && copy_to_guest(arg, &a, sizeof(a))) \
			return -XEN_EFAULT;                       \
		return rc;                                        \
	} while (0)

static long port_op(struct domain *d, uint64_t cmd, uint64_t arg)
{
	uint32_t port;

	if (copy_from_guest(&port, arg, sizeof(port)))
		return -XEN_EFAULT;
	switch (cmd) {
	case EVTCHNOP_send:
		return evtchn_send(d, port);
	case EVTCHNOP_close:
		return evtchn_close(d, port);
	default:
		return evtchn_unmask(d, port);
	}
}

long do_event_channel_op(uint64_t cmd, uint64_t arg)
{
	struct domain *d = current_vcpu()->domain;

	switch (cmd) {
	case EVTCHNOP_bind_virq:
		EVTCHN_OP(struct evtchn_bind_virq, bind_virq);
	case EVTCHNOP_bind_ipi:
		EVTCHN_OP(struct evtchn_bind_ipi, bind_ipi);
	case EVTCHNOP_alloc_unbound:
		EVTCHN_OP(struct evtchn_alloc_unbound, alloc_unbound);
	case EVTCHNOP_status:
		EVTCHN_OP(struct evtchn_status, evtchn_status);
	case EVTCHNOP_send:
	case EVTCHNOP_close:
	case EVTCHNOP_unmask:
		return port_op(d, cmd, arg);
	case EVTCHNOP_bind_vcpu:
		return 0; /* one vCPU: every port is already on it */
	default:
		/* init_control (FIFO ABI) included: -ENOSYS selects 2-level. */
		return -XEN_ENOSYS;
	}
}

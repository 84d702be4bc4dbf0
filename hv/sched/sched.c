/*
 * sched_op for a single vCPU on a single CPU (the BVT scheduler of
 * SOSP'03 3.3.1 arrives with multiple domains): yield returns at once,
 * block halts the CPU until an event is pending for the vCPU, shutdown
 * ends the domain. Blocking follows PV-BOOT.md 5.3: clear the upcall
 * mask first (block implies "enable interrupts"), then re-check for
 * pending events after every wake-up, so no wake-up is lost.
 */
#include <lib/errno.h>
#include <arch/hooks.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/hypercall.h>
#include <domain/runstate.h>
#include <event/evtchn.h>
#include <io/console.h>
#include <io/xenstore_domain.h>
#include <io/blkback.h>
#include <time/time.h>

static void block_until(struct vcpu *v, int (*done)(struct vcpu *, void *),
			void *arg)
{
	runstate_update(v, RUNSTATE_blocked);
	while (!done(v, arg)) {
		v->blocked = 1;
		arch_wait_for_interrupt();
	}
	v->blocked = 0;
	runstate_update(v, RUNSTATE_running);
	runstate_publish(v);
}

static int event_pending(struct vcpu *v, void *arg)
{
	(void)arg;
	return v->vcpu_info->evtchn_upcall_pending;
}

struct poll_args {
	evtchn_port_t ports[16];
	unsigned int nr;
	uint64_t deadline;
};

static int poll_done(struct vcpu *v, void *arg)
{
	struct poll_args *p = arg;
	struct shared_info *s = v->domain->shared_info;
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		if (p->ports[i] < NR_EVTCHN &&
		    (s->evtchn_pending[p->ports[i] / 64] >>
		     (p->ports[i] % 64)) &
			1)
			return 1;
	return p->deadline && system_time_ns() >= p->deadline;
}

static long sched_poll(struct vcpu *v, uint64_t arg)
{
	struct sched_poll sp;
	struct poll_args p = { .nr = 0 };

	if (copy_from_guest(&sp, arg, sizeof(sp)))
		return -XEN_EFAULT;
	if (sp.nr_ports > 16)
		return -XEN_EINVAL;
	if (copy_from_guest(p.ports, (uint64_t)(uintptr_t)sp.ports.p,
			    sp.nr_ports * sizeof(evtchn_port_t)))
		return -XEN_EFAULT;
	p.nr = sp.nr_ports;
	p.deadline = sp.timeout;
	if (p.deadline) {
		v->singleshot_deadline = p.deadline;
		vcpu_timers_program(v);
	}
	block_until(v, poll_done, &p);
	return 0;
}

long do_sched_op(uint64_t cmd, uint64_t arg)
{
	struct vcpu *v = current_vcpu();
	struct sched_shutdown sd;

	switch (cmd) {
	case SCHEDOP_yield:
		return 0;
	case SCHEDOP_block:
		v->vcpu_info->evtchn_upcall_mask = 0;
		xenstore_service(v->domain); /* anything the guest waits for */
		blkback_poll(v->domain);     /* disks without an interrupt */
		block_until(v, event_pending, NULL);
		return 0;
	case SCHEDOP_shutdown:
		if (copy_from_guest(&sd, arg, sizeof(sd)))
			return -XEN_EFAULT;
		console_drain(v->domain);
		domain_shutdown(v->domain, sd.reason);
	case SCHEDOP_poll:
		return sched_poll(v, arg);
	case SCHEDOP_shutdown_code:
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

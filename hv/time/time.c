/*
 * System time, the guest's pvclock record and wallclock, and the guest's
 * timers; see include/time/time.h for the time base.
 *
 * Timers: one vCPU, so one hardware one-shot (the LAPIC timer) programmed
 * for the earliest of its single-shot deadline and periodic tick. The
 * interrupt raises VIRQ_TIMER; delivery happens on the exit to the guest.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <arch/hooks.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <event/evtchn.h>
#include <time/time.h>

static uint64_t tsc0;
static uint32_t tsc_mul;
static int8_t tsc_shift;
static uint64_t wallclock_at_zero; /* seconds since the epoch at time 0 */
static struct vcpu *timer_vcpu;

/* Xen's set_time_scale(): ns = (ticks << shift) * mul >> 32. */
static void set_time_scale(uint64_t hz)
{
	uint64_t t = hz;
	int shift = 0;

	while (t > 2000000000ull) {
		t >>= 1;
		shift--;
	}
	while (t <= 1000000000ull) {
		t <<= 1;
		shift++;
	}
	tsc_mul = (uint32_t)((1000000000ull << 32) / t);
	tsc_shift = (int8_t)shift;
}

static uint64_t scale_delta(uint64_t delta)
{
	if (tsc_shift < 0)
		delta >>= -tsc_shift;
	else
		delta <<= tsc_shift;
	return (uint64_t)(((unsigned __int128)delta * tsc_mul) >> 32);
}

uint64_t system_time_ns(void)
{
	return scale_delta(arch_read_tsc() - tsc0);
}

void time_init(void)
{
	tsc0 = arch_read_tsc();
	set_time_scale(arch_tsc_hz());
	wallclock_at_zero = arch_rtc_seconds();
	pr_info("time: pvclock mul %u shift %d; wallclock %lu s since the "
		"epoch\n",
		tsc_mul, tsc_shift, wallclock_at_zero);
}

void time_publish_vcpu(struct vcpu *v)
{
	struct vcpu_time_info *t = &v->vcpu_info->time;

	t->version++; /* odd: update in progress */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t->tsc_timestamp = tsc0;
	t->system_time = 0;
	t->tsc_to_system_mul = tsc_mul;
	t->tsc_shift = tsc_shift;
	t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t->version++;
}

void time_publish_wallclock(struct domain *d)
{
	struct shared_info *s = d->shared_info;

	s->wc_version++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->wc_sec = (uint32_t)wallclock_at_zero;
	s->wc_sec_hi = (uint32_t)(wallclock_at_zero >> 32);
	s->wc_nsec = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->wc_version++;
}

static void timer_interrupt(void)
{
	struct vcpu *v = timer_vcpu;
	uint64_t now = system_time_ns();
	int fire = 0;

	if (!v)
		return;
	v->domain->counters.timer_interrupts++;
	if (v->singleshot_deadline && v->singleshot_deadline <= now) {
		v->singleshot_deadline = 0;
		fire = 1;
	}
	if (v->periodic_period && v->periodic_next <= now) {
		while (v->periodic_next <= now)
			v->periodic_next += v->periodic_period;
		fire = 1;
	}
	if (fire)
		evtchn_send_virq(v, VIRQ_TIMER);
	vcpu_timers_program(v);
}

void vcpu_timers_program(struct vcpu *v)
{
	uint64_t next = v->singleshot_deadline, now = system_time_ns();

	timer_vcpu = v;
	if (v->periodic_period && (!next || v->periodic_next < next))
		next = v->periodic_next;
	if (!next)
		return;
	arch_timer_set(next > now ? next - now : 1, timer_interrupt);
}

static long set_singleshot(struct vcpu *v, uint64_t arg)
{
	struct vcpu_set_singleshot_timer t;

	if (copy_from_guest(&t, arg, sizeof(t)))
		return -XEN_EFAULT;
	if ((t.flags & VCPU_SSHOTTMR_future) &&
	    t.timeout_abs_ns < system_time_ns())
		return -XEN_ETIME;
	v->singleshot_deadline = t.timeout_abs_ns ? t.timeout_abs_ns : 1;
	vcpu_timers_program(v);
	return 0;
}

static long set_periodic(struct vcpu *v, uint64_t arg)
{
	struct vcpu_set_periodic_timer t;

	if (copy_from_guest(&t, arg, sizeof(t)))
		return -XEN_EFAULT;
	if (t.period_ns < 1000000)
		return -XEN_EINVAL; /* Xen's minimum: 1 ms */
	v->periodic_period = t.period_ns;
	v->periodic_next = system_time_ns() + t.period_ns;
	vcpu_timers_program(v);
	return 0;
}

long vcpu_op_timer(struct vcpu *v, int cmd, uint64_t arg)
{
	switch (cmd) {
	case VCPUOP_set_singleshot_timer:
		return set_singleshot(v, arg);
	case VCPUOP_stop_singleshot_timer:
		v->singleshot_deadline = 0;
		return 0;
	case VCPUOP_set_periodic_timer:
		return set_periodic(v, arg);
	case VCPUOP_stop_periodic_timer:
		v->periodic_period = 0;
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

long do_set_timer_op(uint64_t timeout_abs_ns)
{
	struct vcpu *v = current_vcpu();

	v->singleshot_deadline = timeout_abs_ns;
	vcpu_timers_program(v);
	return 0;
}

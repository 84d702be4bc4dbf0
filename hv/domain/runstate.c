/*
 * Runstate accounting (PV-BOOT.md 5.4): time[] holds nanoseconds spent in
 * each state; Linux reads it for steal time. The record is copied to the
 * guest's registered virtual address when it changes; if that address is
 * not mapped at the moment the copy is skipped (the next one catches up).
 */
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/runstate.h>
#include <time/time.h>

void runstate_update(struct vcpu *v, int state)
{
	uint64_t now = system_time_ns();
	struct vcpu_runstate_info *r = &v->runstate;

	if ((unsigned int)r->state < 4)
		r->time[r->state] += now - r->state_entry_time;
	r->state = state;
	r->state_entry_time = now;
}

void runstate_publish(struct vcpu *v)
{
	if (v->runstate_va)
		copy_to_guest(v->runstate_va, &v->runstate,
			      sizeof(v->runstate));
}

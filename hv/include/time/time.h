/*
 * System time and guest timers (SOSP'03 3.3.2; PV-BOOT.md section 5).
 *
 * System time is nanoseconds since the hypervisor started, computed from
 * the TSC by one linear function: now = ((tsc - tsc0) << shift) * mul >> 32.
 * The guest gets exactly that function (tsc_timestamp = tsc0,
 * system_time = 0 in vcpu_time_info), so its clock and ours never
 * disagree and never need re-synchronising.
 */
#ifndef HV_TIME_TIME_H
#define HV_TIME_TIME_H

#include <stdint.h>

struct domain;
struct vcpu;

void time_init(void);
uint64_t system_time_ns(void);
/* Write the time record into the vCPU's registered vcpu_info. */
void time_publish_vcpu(struct vcpu *v);
void time_publish_wallclock(struct domain *d);
/* (Re)program the hardware timer for v's earliest guest deadline. */
void vcpu_timers_program(struct vcpu *v);
long do_set_timer_op(uint64_t timeout_abs_ns);
long vcpu_op_timer(struct vcpu *v, int cmd, uint64_t arg);

#endif

/* The vCPU runstate record (time spent running, blocked, ...). */
#ifndef HV_DOMAIN_RUNSTATE_H
#define HV_DOMAIN_RUNSTATE_H

struct vcpu;

/* Accounts time up to now to the old state and enters state. */
void runstate_update(struct vcpu *v, int state);
/* Copies the record to the guest's registered area, if any. */
void runstate_publish(struct vcpu *v);

#endif

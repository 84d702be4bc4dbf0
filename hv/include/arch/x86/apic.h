/* Local APIC: end of interrupt and the one-shot timer. */
#ifndef HV_ARCH_X86_APIC_H
#define HV_ARCH_X86_APIC_H

#include <stdint.h>

void apic_init(void);
void apic_eoi(void);
void apic_timer_interrupt(void);
/* Counts per second of the timer at the divider apic.c uses. */
uint64_t apic_timer_hz(void);

#endif

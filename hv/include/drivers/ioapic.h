/*
 * The I/O APIC: routes a device's interrupt line (a GSI) to a vector of
 * this CPU's local APIC. See drivers/ioapic.c.
 */
#ifndef HV_DRIVERS_IOAPIC_H
#define HV_DRIVERS_IOAPIC_H

#include <stdint.h>

/* Routes gsi, level-triggered and active low as PCI INTx lines are, to
 * vector on this CPU, unmasked. 0, -XEN_ENODEV if there is no I/O APIC,
 * -XEN_EINVAL if it has no such input. The handler must make the device
 * drop the line before the local APIC EOI, or the interrupt repeats. */
int ioapic_route_pci(unsigned int gsi, uint8_t vector);
/* Masks gsi again. */
void ioapic_mask(unsigned int gsi);

#endif

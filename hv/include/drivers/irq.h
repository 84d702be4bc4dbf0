/*
 * Device interrupts: PCI INTx lines routed through the I/O APIC to one
 * vector, VECTOR_DEVICE, whose handler asks every attached driver to look
 * at its device (drivers/irq.c).
 */
#ifndef HV_DRIVERS_IRQ_H
#define HV_DRIVERS_IRQ_H

struct pci_dev;

typedef void (*irq_handler_fn)(void *arg);

/* Routes pci's INTx line to VECTOR_DEVICE and adds fn(arg) to the
 * handlers run on it. Returns the GSI, or -1 if the device has no routed
 * line (its driver must poll) or no handler slot is left. */
int irq_attach_pci(const struct pci_dev *pci, irq_handler_fn fn, void *arg);
/* The VECTOR_DEVICE handler: runs every handler (each makes its device
 * drop its line), then sends the local APIC EOI. */
void irq_device_interrupt(void);

#endif

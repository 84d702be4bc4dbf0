/*
 * Device interrupts (drivers/irq.h).
 *
 * Every PCI INTx line PVX uses is routed to the same vector. INTx lines
 * are level-triggered and shared by design (on QEMU's pc machine the four
 * PCI links land on GSIs 10 and 11, so two devices often share one), so
 * a handler cannot know which device raised it: each attached handler
 * reads its device's interrupt status, which lowers that device's line,
 * and serves what it finds. A handler that finds nothing does nothing.
 * The EOI comes after all handlers ran, when every line that was up is
 * down; a device that raises its line again after its handler looked
 * gets its interrupt delivered after the EOI (the I/O APIC re-sends a
 * level interrupt whose line is still up).
 *
 * There are few devices (a handful of disks and NICs), so the handlers
 * are a short fixed table. One CPU, and handlers run with interrupts
 * off; attaching happens at boot.
 */
#include <lib/printk.h>
#include <arch/hooks.h>
#include <arch/x86/apic.h>
#include <arch/x86/desc.h>
#include <drivers/ioapic.h>
#include <drivers/irq.h>
#include <drivers/pci.h>

#define MAX_HANDLERS 8

static struct {
	irq_handler_fn fn;
	void *arg;
} handlers[MAX_HANDLERS];
static unsigned int nr_handlers;

int irq_attach_pci(const struct pci_dev *pci, irq_handler_fn fn, void *arg)
{
	if (!pci->irq_pin || pci->irq_line == 0 ||
	    pci->irq_line == PCI_IRQ_NONE)
		return -1;
	if (nr_handlers == MAX_HANDLERS) {
		pr_warn("irq: no handler slot left for %02x:%02x.%u\n",
			pci->bus, pci->slot, pci->fn);
		return -1;
	}
	if (ioapic_route_pci(pci->irq_line, VECTOR_DEVICE))
		return -1;
	handlers[nr_handlers].fn = fn;
	handlers[nr_handlers].arg = arg;
	nr_handlers++;
	return pci->irq_line;
}

void irq_device_interrupt(void)
{
	unsigned int i;

	for (i = 0; i < nr_handlers; i++)
		handlers[i].fn(handlers[i].arg);
	apic_eoi();
}

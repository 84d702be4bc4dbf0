/*
 * The PCI devices found at boot (drivers/pci.c), and the decoding of
 * base address registers (drivers/pci_bar.c, pure logic, host-tested).
 * Reference: PCI Local Bus Specification 3.0, 6.1 (configuration header),
 * 6.2.5 (base addresses); PCI-to-PCI Bridge Architecture 1.2, 3.2.
 */
#ifndef HV_DRIVERS_PCI_H
#define HV_DRIVERS_PCI_H

#include <stdint.h>

/* Configuration header offsets (type 0 unless noted). */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_REVISION	   0x08 /* then prog-if, subclass, class */
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BAR0	   0x10
#define PCI_SECONDARY_BUS  0x19 /* type 1 (bridge) */
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID	   0x2e
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d

#define PCI_COMMAND_IO		 (1u << 0)
#define PCI_COMMAND_MEMORY	 (1u << 1)
#define PCI_COMMAND_MASTER	 (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_HEADER_BRIDGE	 0x01

#define PCI_NR_BARS	   6
#define PCI_BRIDGE_NR_BARS 2
/* Interrupt line value meaning "not connected" (PCI 3.0, 6.2.4). */
#define PCI_IRQ_NONE 0xff

/* One decoded base address register. */
struct pci_bar {
	uint64_t base; /* bus address: I/O port or memory */
	uint64_t size; /* bytes; 0: the BAR is not implemented */
	uint8_t io;    /* 1: I/O space, 0: memory */
	uint8_t mem64; /* 64-bit memory BAR: it takes this slot and the next */
	uint8_t prefetchable;
};

struct pci_dev {
	uint8_t bus, slot, fn;
	uint8_t header_type; /* without the multi-function bit */
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_id;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t irq_line; /* what the firmware routed INTx to; PCI_IRQ_NONE */
	uint8_t irq_pin;  /* 1..4 = INTA..INTD, 0 = none */
	struct pci_bar bar[PCI_NR_BARS];
	const char *driver; /* who claimed it, or NULL */
};

/* Enumerates bus 0 and the buses behind bridges the firmware numbered;
 * prints one line per function. */
void pci_init(void);
/* The index-th device (enumeration order) with this vendor and device
 * ID; 0xffff matches any device ID. NULL past the last. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, unsigned int index);
/* Marks dev as driven by driver and turns on I/O and memory decoding
 * for the BARs it has, bus mastering (DMA), and INTx. Returns -XEN_EBUSY
 * if another driver has it. */
int pci_claim(struct pci_dev *dev, const char *driver);

uint8_t pci_conf_read8(const struct pci_dev *dev, unsigned int off);
uint16_t pci_conf_read16(const struct pci_dev *dev, unsigned int off);
uint32_t pci_conf_read32(const struct pci_dev *dev, unsigned int off);
void pci_conf_write16(const struct pci_dev *dev, unsigned int off, uint16_t v);
void pci_conf_write32(const struct pci_dev *dev, unsigned int off, uint32_t v);

/*
 * BAR decoding from the write-all-ones probe (PCI 3.0, 6.2.5.1): orig is
 * the register as the firmware left it, probe what reads back after
 * writing 0xffffffff; for a 64-bit memory BAR the _hi values are the
 * next register's, otherwise ignored. Fills *bar and returns the number
 * of registers it spans (1, or 2 for a 64-bit BAR).
 */
unsigned int pci_bar_decode(uint32_t orig, uint32_t probe, uint32_t orig_hi,
			    uint32_t probe_hi, struct pci_bar *bar);
/* 1 if the BAR's low register says it is 64-bit memory. */
int pci_bar_is_mem64(uint32_t orig);

#endif

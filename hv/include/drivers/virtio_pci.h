/*
 * Virtio over PCI through the legacy (virtio 0.9.5) register block in I/O
 * BAR 0 of a transitional device (virtio 1.0, 4.1.4.8). See
 * drivers/virtio_pci.c for the device status sequence and why legacy.
 */
#ifndef HV_DRIVERS_VIRTIO_PCI_H
#define HV_DRIVERS_VIRTIO_PCI_H

#include <stdint.h>
#include <drivers/virtio_ring.h>

struct pci_dev;

#define VIRTIO_PCI_VENDOR 0x1af4
/* Transitional device IDs (virtio 1.0, 4.1.2.3): 0x1000 network, 0x1001
 * block, ...; transitional devices have PCI revision 0. */
#define VIRTIO_PCI_DEVICE_NET	0x1000
#define VIRTIO_PCI_DEVICE_BLOCK 0x1001

/* Device status bits (virtio 1.0, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER	  0x02
#define VIRTIO_STATUS_DRIVER_OK	  0x04
#define VIRTIO_STATUS_FAILED	  0x80

/* ISR status bits (virtio 1.0, 4.1.4.5). */
#define VIRTIO_ISR_QUEUE  0x01
#define VIRTIO_ISR_CONFIG 0x02

struct virtio_pci {
	struct pci_dev *pci;
	uint16_t io;	   /* BAR 0: the legacy register block */
	uint32_t features; /* negotiated */
};

/* Claims pci for driver, resets the device and sets ACKNOWLEDGE and
 * DRIVER. -XEN_ENODEV if BAR 0 is not an I/O BAR of the legacy block's
 * size; -XEN_EBUSY if another driver has it. */
int virtio_pci_init(struct virtio_pci *vp, struct pci_dev *pci,
		    const char *driver);
/* Accepts the device's features that are also in wanted; returns them. */
uint32_t virtio_pci_negotiate(struct virtio_pci *vp, uint32_t wanted);
/* Sets up queue index with the size the device dictates: ring memory
 * from the frame allocator, slots from the heap. 0, -XEN_ENODEV if the
 * device has no such queue or one of fewer than min_size entries,
 * -XEN_ENOMEM. The queue stays the device's until a reset. */
int virtio_pci_setup_queue(struct virtio_pci *vp, uint16_t index,
			   unsigned int min_size, struct virtqueue *q);
void virtio_pci_driver_ok(struct virtio_pci *vp);
/* Resets the device: it stops using every queue (and all DMA). */
void virtio_pci_reset(struct virtio_pci *vp);
void virtio_pci_fail(struct virtio_pci *vp);
void virtio_pci_notify(struct virtio_pci *vp, uint16_t index);
/* Reads (and so clears) the ISR status; the INTx line drops. */
uint8_t virtio_pci_isr(struct virtio_pci *vp);
/* Device-specific configuration, offsets from its start. */
uint8_t virtio_pci_config8(struct virtio_pci *vp, unsigned int off);
uint32_t virtio_pci_config32(struct virtio_pci *vp, unsigned int off);
uint64_t virtio_pci_config64(struct virtio_pci *vp, unsigned int off);

#endif

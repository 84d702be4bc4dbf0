/*
 * Virtio over PCI, legacy interface (virtio 1.0, 4.1.4.8; virtio 0.9.5,
 * appendix "PCI Discovery").
 *
 * Why legacy. A transitional device (PCI device ID 0x1000..0x103f,
 * revision 0) offers both interfaces: the legacy register block in I/O
 * BAR 0 and the modern one reached through vendor capabilities in the
 * PCI capability list that point into a memory BAR. QEMU's virtio-blk-pci
 * on a conventional PCI bus is transitional by default. The legacy block
 * needs no capability parsing and no MMIO mapping: every register is a
 * port at a fixed offset, and queue set-up is one write of a page frame
 * number. Its costs are 32 feature bits only (no VIRTIO_F_VERSION_1, so
 * no packed rings; nothing PVX needs), the device dictating each queue's
 * size, and 4 GiB x 4 KiB = 16 TiB as the highest ring address. The
 * modern interface (capabilities, BAR mapping, FEATURES_OK) is future
 * work, needed only for modern-only (PCIe) devices.
 *
 * Registers (offsets into BAR 0, little endian, without MSI-X; with MSI-X
 * enabled two vector registers would push the device config to 0x18,
 * and PVX never enables MSI-X):
 *   0x00 u32 host features (RO)     0x0e u16 queue select
 *   0x04 u32 guest features         0x10 u16 queue notify
 *   0x08 u32 queue address (PFN)    0x12 u8  device status
 *   0x0c u16 queue size (RO)        0x13 u8  ISR status (read clears)
 *   0x14     device-specific configuration
 *
 * Device status sequence (virtio 1.0, 3.1.1 and its legacy note 3.1.2):
 * write 0 (reset; reads back 0 when done), ACKNOWLEDGE (we noticed it),
 * DRIVER (we can drive it), read host features and write the subset we
 * use, set up each queue, then DRIVER_OK: only from then on does the
 * device process queues. A legacy device has no FEATURES_OK step. On a
 * failure we set FAILED and leave it. Reset is also how a driver takes
 * back every buffer: afterwards the device touches none of the rings.
 */
#include <stdint.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/cpu.h>
#include <arch/x86/layout.h>
#include <drivers/pci.h>
#include <drivers/virtio_pci.h>
#include <mm/frames.h>
#include <mm/heap.h>

#define VP_HOST_FEATURES  0x00
#define VP_GUEST_FEATURES 0x04
#define VP_QUEUE_PFN	  0x08
#define VP_QUEUE_SIZE	  0x0c
#define VP_QUEUE_SELECT	  0x0e
#define VP_QUEUE_NOTIFY	  0x10
#define VP_STATUS	  0x12
#define VP_ISR		  0x13
#define VP_CONFIG	  0x14
#define VP_LEGACY_BYTES	  0x20 /* smallest legacy BAR 0 (block: 0x40) */

static void set_status(struct virtio_pci *vp, uint8_t bits)
{
	outb(vp->io + VP_STATUS, inb(vp->io + VP_STATUS) | bits);
}

void virtio_pci_reset(struct virtio_pci *vp)
{
	unsigned int spins = 1000;

	outb(vp->io + VP_STATUS, 0);
	/* QEMU resets synchronously; the read-back is what 3.1.1 asks. */
	while (inb(vp->io + VP_STATUS) != 0 && --spins)
		cpu_relax();
}

int virtio_pci_init(struct virtio_pci *vp, struct pci_dev *pci,
		    const char *driver)
{
	const struct pci_bar *bar0 = &pci->bar[0];
	int err;

	if (!bar0->io || bar0->size < VP_LEGACY_BYTES || bar0->base > 0xffff)
		return -XEN_ENODEV;
	err = pci_claim(pci, driver);
	if (err)
		return err;
	vp->pci = pci;
	vp->io = (uint16_t)bar0->base;
	vp->features = 0;
	virtio_pci_reset(vp);
	set_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(vp, VIRTIO_STATUS_DRIVER);
	return 0;
}

uint32_t virtio_pci_negotiate(struct virtio_pci *vp, uint32_t wanted)
{
	vp->features = inl(vp->io + VP_HOST_FEATURES) & wanted;
	outl(vp->io + VP_GUEST_FEATURES, vp->features);
	return vp->features;
}

/* Zeroed, physically contiguous ring memory; returns its frame number. */
static uint64_t alloc_ring(uint64_t bytes)
{
	uint64_t nr = bytes / PAGE_SIZE, pfn = alloc_frames(nr, 1);

	if (pfn != INVALID_PFN)
		memset(arch_phys_to_virt(pfn << PAGE_SHIFT), 0, bytes);
	return pfn;
}

int virtio_pci_setup_queue(struct virtio_pci *vp, uint16_t index,
			   unsigned int min_size, struct virtqueue *q)
{
	uint16_t size;
	uint64_t bytes, pfn;
	struct virtq_slot *slots;

	outw(vp->io + VP_QUEUE_SELECT, index);
	size = inw(vp->io + VP_QUEUE_SIZE);
	if (size == 0 || size < min_size || inl(vp->io + VP_QUEUE_PFN) != 0)
		return -XEN_ENODEV; /* no such queue, too small, or in use */
	bytes = virtqueue_legacy_bytes(size);
	slots = xmalloc(size * sizeof(*slots));
	pfn = slots ? alloc_ring(bytes) : INVALID_PFN;
	if (pfn == INVALID_PFN || pfn > 0xffffffffu) {
		if (pfn != INVALID_PFN)
			free_frames(pfn, bytes / PAGE_SIZE);
		xfree(slots);
		return -XEN_ENOMEM;
	}
	if (virtqueue_init(q, size, arch_phys_to_virt(pfn << PAGE_SHIFT),
			   slots)) {
		free_frames(pfn, bytes / PAGE_SIZE);
		xfree(slots);
		return -XEN_ENODEV; /* a size that is no power of two */
	}
	outl(vp->io + VP_QUEUE_PFN, (uint32_t)pfn);
	return 0;
}

void virtio_pci_driver_ok(struct virtio_pci *vp)
{
	set_status(vp, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_pci_fail(struct virtio_pci *vp)
{
	set_status(vp, VIRTIO_STATUS_FAILED);
}

void virtio_pci_notify(struct virtio_pci *vp, uint16_t index)
{
	outw(vp->io + VP_QUEUE_NOTIFY, index);
}

uint8_t virtio_pci_isr(struct virtio_pci *vp)
{
	return inb(vp->io + VP_ISR);
}

uint8_t virtio_pci_config8(struct virtio_pci *vp, unsigned int off)
{
	return inb(vp->io + VP_CONFIG + off);
}

uint32_t virtio_pci_config32(struct virtio_pci *vp, unsigned int off)
{
	return inl(vp->io + VP_CONFIG + off);
}

/* Two 32-bit reads. Legacy devices have no configuration generation
 * counter, so a field wider than 32 bits can change between the reads
 * (virtio 1.0, 2.3.4): read until the high half is stable around it. */
uint64_t virtio_pci_config64(struct virtio_pci *vp, unsigned int off)
{
	uint32_t lo, hi;

	do {
		hi = virtio_pci_config32(vp, off + 4);
		lo = virtio_pci_config32(vp, off);
	} while (hi != virtio_pci_config32(vp, off + 4));
	return (uint64_t)hi << 32 | lo;
}

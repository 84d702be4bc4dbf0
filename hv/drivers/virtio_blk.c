/*
 * virtio-blk (virtio 1.0, 5.2) over legacy virtio-pci: the disks PVX
 * owns and exports to guests as virtual block devices (SOSP'03, 2.1.3
 * and Figure 1).
 *
 * A request (5.2.6) is one descriptor chain:
 *   header  {u32 type (0 in, 1 out, 4 flush), u32 reserved, u64 sector}
 *           device-readable, 16 bytes
 *   data    the request's segments, in order: the guest's own machine
 *           frames (the backend checked the grants), device-writable
 *           for a read; none for a flush
 *   status  one byte the device writes: 0 ok, 1 I/O error, 2 unsupported
 * Header and status live in a command slot, one of the 32-byte slots of
 * a frame the driver owns; the slot is the chain's cookie. The status is
 * preset to 0xff so a device that completes without writing it reads as
 * an error.
 *
 * Queue depth is what fits: a request needs nr_segs + 2 descriptors and
 * a command slot; submit() returns -XEN_EBUSY when either is short and
 * the caller retries after a completion. Requests are checked completely
 * (operation, segment count, alignment and length, sector range,
 * read-only) before anything is taken, so a bad request never reaches
 * the device and changes nothing.
 *
 * Completion. The device adds the chain to the used ring, sets ISR bit 0
 * and raises INTx. Whoever drains the used ring (vblk_interrupt() from
 * the device vector, drivers/irq.c, or blkdev->poll()) finds the slot by cookie, maps
 * the status to an errno and calls req->done(). The interrupt handler
 * reads the ISR first, which lowers the level-triggered line, so the
 * local APIC EOI that follows cannot re-deliver it; a completion landing
 * after that read raises the line again and is delivered after the EOI.
 * poll() leaves the ISR alone: a stale interrupt then finds nothing to
 * do, which is harmless.
 *
 * Concurrency. One CPU; the hypervisor runs with interrupts off except
 * while halted idle and while a guest runs, so submit(), poll() and the
 * interrupt handler never interleave. done() may call submit() again:
 * the queue and slot state is consistent before each done() call.
 *
 * A device that breaks the ring protocol (virtio_ring.c refuses the
 * entry) is reset, which ends all its DMA, and every request it held
 * completes with -XEN_EIO; the disk then refuses new requests.
 */
#include <stdint.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/panic.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <drivers/blkdev.h>
#include <drivers/blkdev_selftest.h>
#include <drivers/irq.h>
#include <drivers/pci.h>
#include <drivers/virtio_blk.h>
#include <drivers/virtio_pci.h>
#include <mm/frames.h>
#include <mm/heap.h>

#define SECTOR_SIZE    512u
#define VBLK_MAX_DISKS 4

/* Feature bits (5.2.3; FLUSH was "WCE" in legacy headers). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_FLUSH    9
/* What PVX uses; no indirect descriptors or event index: the chains are
 * short (at most 13 descriptors) and one notification per request is
 * cheap next to the I/O. */
#define VBLK_FEATURES                                               \
	(1u << VIRTIO_BLK_F_SIZE_MAX | 1u << VIRTIO_BLK_F_SEG_MAX | \
	 1u << VIRTIO_BLK_F_RO | 1u << VIRTIO_BLK_F_FLUSH)

/* Device configuration (5.2.4). */
#define VBLK_CFG_CAPACITY 0  /* u64, in 512-byte sectors */
#define VBLK_CFG_SIZE_MAX 8  /* u32, bytes per segment */
#define VBLK_CFG_SEG_MAX  12 /* u32, segments per request */

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_UNSUPP 2
#define VBLK_STATUS_PENDING 0xff

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio 5.2.6");

/* A request's device-visible part. */
struct vblk_cmd {
	struct virtio_blk_req_hdr hdr;
	uint8_t status;
	uint8_t pad[15];
};
_Static_assert(sizeof(struct vblk_cmd) == 32, "command slot layout");

#define VBLK_CMDS (PAGE_SIZE / sizeof(struct vblk_cmd))

struct vblk {
	struct blkdev blk;
	struct virtio_pci vp;
	struct virtqueue q;
	char name[8];
	/* Limits from the device, for request checks. */
	unsigned int max_segs;
	uint32_t size_max;
	int flush; /* VIRTIO_BLK_F_FLUSH negotiated */
	int gsi;   /* routed interrupt line, or -1: poll only */
	int broken;
	/* Command slots: cmd[] in one frame at cmd_maddr; owner[i] is the
	 * request using slot i, NULL when it is on the free stack. */
	struct vblk_cmd *cmd;
	uint64_t cmd_maddr;
	unsigned int nr_cmds, nr_free_cmds;
	uint8_t free_cmd[VBLK_CMDS];
	struct blkdev_req *owner[VBLK_CMDS];
	/* Statistics. */
	uint64_t interrupts, completions;
};

_Static_assert(VBLK_CMDS <= 256, "free_cmd holds slot numbers as uint8_t");

static struct vblk *disks[VBLK_MAX_DISKS];
static unsigned int nr_disks;

/* ---- request checks: nothing is touched until a request passes ---- */

static int check_seg(const struct vblk *vb, const struct blkdev_seg *s)
{
	if (s->len == 0 || s->len % SECTOR_SIZE || s->maddr % SECTOR_SIZE)
		return -XEN_EINVAL;
	if ((s->maddr & (PAGE_SIZE - 1)) + s->len > PAGE_SIZE ||
	    s->len > vb->size_max)
		return -XEN_EINVAL;
	return 0;
}

static int check_rw(const struct vblk *vb, const struct blkdev_req *req)
{
	uint64_t sectors = 0;
	unsigned int i;

	if (req->nr_segs == 0 || req->nr_segs > vb->max_segs)
		return -XEN_EINVAL;
	for (i = 0; i < req->nr_segs; i++) {
		if (check_seg(vb, &req->seg[i]))
			return -XEN_EINVAL;
		sectors += req->seg[i].len / SECTOR_SIZE;
	}
	if (req->sector > vb->blk.nr_sectors ||
	    sectors > vb->blk.nr_sectors - req->sector)
		return -XEN_EINVAL;
	if (req->op == BLKDEV_WRITE && vb->blk.read_only)
		return -XEN_EROFS;
	return 0;
}

static int check_request(const struct vblk *vb, const struct blkdev_req *req)
{
	if (!req->done)
		return -XEN_EINVAL;
	if (vb->broken)
		return -XEN_EIO;
	switch (req->op) {
	case BLKDEV_READ:
	case BLKDEV_WRITE:
		return check_rw(vb, req);
	case BLKDEV_FLUSH:
		return req->nr_segs ? -XEN_EINVAL : 0;
	}
	return -XEN_EINVAL;
}

/* ---- submission ---- */

static uint32_t request_type(enum blkdev_op op)
{
	if (op == BLKDEV_READ)
		return VIRTIO_BLK_T_IN;
	return op == BLKDEV_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_FLUSH;
}

/* Fills slot c for req and describes the chain in buf; returns its
 * length (nr_segs + 2). */
static unsigned int build_chain(struct vblk *vb, unsigned int c,
				const struct blkdev_req *req,
				struct virtq_buf *buf)
{
	uint64_t maddr = vb->cmd_maddr + c * sizeof(struct vblk_cmd);
	unsigned int i, n = 0;

	vb->cmd[c].hdr = (struct virtio_blk_req_hdr){
		.type = request_type(req->op),
		.sector = req->op == BLKDEV_FLUSH ? 0 : req->sector,
	};
	vb->cmd[c].status = VBLK_STATUS_PENDING;
	buf[n++] =
	    (struct virtq_buf){ maddr, sizeof(struct virtio_blk_req_hdr), 0 };
	for (i = 0; i < req->nr_segs; i++)
		buf[n++] = (struct virtq_buf){ req->seg[i].maddr,
					       req->seg[i].len,
					       req->op == BLKDEV_READ };
	buf[n++] = (struct virtq_buf){
		maddr + __builtin_offsetof(struct vblk_cmd, status), 1, 1
	};
	return n;
}

static int vblk_submit(struct blkdev *dev, struct blkdev_req *req)
{
	struct vblk *vb = dev->priv;
	struct virtq_buf buf[BLKDEV_MAX_SEGS + 2];
	unsigned int c, n;
	int err = check_request(vb, req);

	if (err)
		return err;
	if (req->op == BLKDEV_FLUSH && !vb->flush) {
		/* No VIRTIO_BLK_F_FLUSH: no volatile cache to flush (5.2.5),
		 * writes are stable when they complete. */
		req->status = 0;
		req->done(req);
		return 0;
	}
	if (vb->nr_free_cmds == 0 ||
	    virtqueue_nr_free(&vb->q) < req->nr_segs + 2)
		return -XEN_EBUSY;
	c = vb->free_cmd[--vb->nr_free_cmds];
	vb->owner[c] = req;
	n = build_chain(vb, c, req, buf);
	err = virtqueue_add(&vb->q, buf, n, &vb->cmd[c]);
	BUG_ON(err < 0); /* checked above: enough descriptors, n <= size */
	if (virtqueue_publish(&vb->q))
		virtio_pci_notify(&vb->vp, 0);
	return 0;
}

/* ---- completion ---- */

static int status_errno(uint8_t status)
{
	if (status == VIRTIO_BLK_S_OK)
		return 0;
	return status == VIRTIO_BLK_S_UNSUPP ? -XEN_EOPNOTSUPP : -XEN_EIO;
}

/* Frees slot c and completes its request with status. */
static void finish(struct vblk *vb, unsigned int c, int status)
{
	struct blkdev_req *req = vb->owner[c];

	vb->owner[c] = NULL;
	vb->free_cmd[vb->nr_free_cmds++] = (uint8_t)c;
	vb->completions++;
	req->status = status;
	req->done(req);
}

/* The device broke the ring protocol: reset it (no more DMA), then fail
 * everything it held. */
static void vblk_break(struct vblk *vb)
{
	unsigned int c;

	pr_err("virtio-blk %s: bad used ring entry: device reset, disk "
	       "disabled\n",
	       vb->name);
	vb->broken = 1;
	virtio_pci_reset(&vb->vp);
	for (c = 0; c < vb->nr_cmds; c++)
		if (vb->owner[c])
			finish(vb, c, -XEN_EIO);
}

static void vblk_drain(struct vblk *vb)
{
	void *cookie;
	uint32_t len;
	int r;

	if (vb->broken)
		return;
	while ((r = virtqueue_get_used(&vb->q, &cookie, &len)) == 1) {
		unsigned int c =
		    (unsigned int)((struct vblk_cmd *)cookie - vb->cmd);

		finish(vb, c, status_errno(vb->cmd[c].status));
	}
	if (r < 0)
		vblk_break(vb);
}

static void vblk_poll(struct blkdev *dev)
{
	vblk_drain(dev->priv);
}

/* The device vector's handler (drivers/irq.c): reading the ISR lowers
 * this disk's line; drain after it. */
static void vblk_interrupt(void *arg)
{
	struct vblk *vb = arg;

	if (virtio_pci_isr(&vb->vp))
		vb->interrupts++;
	vblk_drain(vb);
}

/* ---- set-up ---- */

/* Reads features and limits; 0 if the device can carry our requests. */
static int read_config(struct vblk *vb)
{
	uint32_t f = virtio_pci_negotiate(&vb->vp, VBLK_FEATURES);
	uint32_t seg_max = BLKDEV_MAX_SEGS;

	vb->blk.nr_sectors = virtio_pci_config64(&vb->vp, VBLK_CFG_CAPACITY);
	vb->blk.read_only = !!(f & 1u << VIRTIO_BLK_F_RO);
	vb->flush = !!(f & 1u << VIRTIO_BLK_F_FLUSH);
	vb->size_max = PAGE_SIZE;
	if (f & 1u << VIRTIO_BLK_F_SIZE_MAX)
		vb->size_max =
		    MIN(virtio_pci_config32(&vb->vp, VBLK_CFG_SIZE_MAX),
			(uint32_t)PAGE_SIZE);
	if (f & 1u << VIRTIO_BLK_F_SEG_MAX)
		seg_max = virtio_pci_config32(&vb->vp, VBLK_CFG_SEG_MAX);
	vb->max_segs = MIN(seg_max, (uint32_t)BLKDEV_MAX_SEGS);
	if (vb->size_max < SECTOR_SIZE || vb->max_segs == 0)
		return -XEN_ENODEV;
	return 0;
}

static int alloc_cmds(struct vblk *vb)
{
	uint64_t pfn = alloc_frames(1, 1);

	if (pfn == INVALID_PFN)
		return -XEN_ENOMEM;
	vb->cmd_maddr = pfn << PAGE_SHIFT;
	vb->cmd = arch_phys_to_virt(vb->cmd_maddr);
	memset(vb->cmd, 0, PAGE_SIZE);
	return 0;
}

/* At most one request per two descriptors (a flush), and the slots of
 * one frame. */
static void init_cmd_stack(struct vblk *vb)
{
	unsigned int c;

	vb->nr_cmds = MIN((unsigned int)VBLK_CMDS, vb->q.size / 2u);
	for (c = 0; c < vb->nr_cmds; c++)
		vb->free_cmd[c] = (uint8_t)(vb->nr_cmds - 1 - c);
	vb->nr_free_cmds = vb->nr_cmds;
}

static void print_disk(const struct vblk *vb)
{
	const struct pci_dev *pci = vb->vp.pci;
	char irq[48] = "poll only";

	if (vb->gsi >= 0)
		snprintf(irq, sizeof(irq), "INTx GSI %d", vb->gsi);
	pr_info("virtio-blk %s: pci %02x:%02x.%u io 0x%x, %lu sectors, "
		"queue %u, %u requests, %u segs, %s%s, %s\n",
		vb->name, pci->bus, pci->slot, pci->fn, vb->vp.io,
		vb->blk.nr_sectors, vb->q.size, vb->nr_cmds, vb->max_segs,
		vb->blk.read_only ? "read-only" : "read-write",
		vb->flush ? ", flush" : "", irq);
}

static int vblk_setup(struct vblk *vb, struct pci_dev *pci)
{
	int err = virtio_pci_init(&vb->vp, pci, "virtio-blk");

	if (err)
		return err;
	err = read_config(vb);
	if (!err)
		err = alloc_cmds(vb);
	if (err)
		goto fail;
	/* A request of one segment needs three descriptors. */
	err = virtio_pci_setup_queue(&vb->vp, 0, 3, &vb->q);
	if (err) {
		free_frames(vb->cmd_maddr >> PAGE_SHIFT, 1);
		goto fail;
	}
	vb->max_segs = MIN(vb->max_segs, vb->q.size - 2u);
	init_cmd_stack(vb);
	vb->gsi = irq_attach_pci(pci, vblk_interrupt, vb);
	virtio_pci_driver_ok(&vb->vp);
	return 0;
fail:
	virtio_pci_fail(&vb->vp);
	return err;
}

static void vblk_probe(struct pci_dev *pci)
{
	struct vblk *vb = xzalloc(sizeof(*vb));
	int err;

	if (!vb || nr_disks == VBLK_MAX_DISKS) {
		pr_warn("virtio-blk: %02x:%02x.%u ignored (%s)\n", pci->bus,
			pci->slot, pci->fn,
			vb ? "too many disks" : "no memory");
		xfree(vb);
		return;
	}
	snprintf(vb->name, sizeof(vb->name), "vd%c", 'a' + nr_disks);
	vb->blk = (struct blkdev){ .name = vb->name,
				   .submit = vblk_submit,
				   .poll = vblk_poll,
				   .priv = vb };
	err = vblk_setup(vb, pci);
	if (err) {
		pr_warn("virtio-blk: %02x:%02x.%u not usable (error %d)\n",
			pci->bus, pci->slot, pci->fn, err);
		xfree(vb);
		return;
	}
	disks[nr_disks++] = vb;
	print_disk(vb);
	if (blkdev_register(&vb->blk))
		pr_warn("virtio-blk %s: no blkdev slot left\n", vb->name);
}

void virtio_blk_init(void)
{
	struct pci_dev *pci;
	unsigned int i;

	for (i = 0;
	     (pci = pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLOCK, i));
	     i++)
		vblk_probe(pci);
}

/* ---- boot self-test ---- */

#define VBLK_IRQ_TIMEOUT_NS (500ull * 1000 * 1000)

static volatile int irq_test_done, irq_test_timeout;

static void irq_test_io_done(struct blkdev_req *req)
{
	(void)req;
	irq_test_done = 1;
}

static void irq_test_timer(void)
{
	irq_test_timeout = 1;
}

/* Halts (interrupts on) until done() runs or the timer fires. Nothing
 * here polls, so done() can only have run from vblk_interrupt().
 * The flag is tested with interrupts off and sti;hlt cannot lose a
 * wake-up (arch_wait_for_interrupt). */
static int wait_for_interrupt_completion(void)
{
	irq_test_timeout = 0;
	arch_timer_set(VBLK_IRQ_TIMEOUT_NS, irq_test_timer);
	while (!irq_test_done && !irq_test_timeout)
		arch_wait_for_interrupt();
	return irq_test_done ? 0 : -1;
}

/* One read of sector 0 into pfn, completed by interrupt: its status,
 * or -XEN_ETIMEDOUT (then the device may still write the frame). */
static int irq_read(struct vblk *vb, uint64_t pfn)
{
	static struct blkdev_req req;
	int err;

	req = (struct blkdev_req){ .op = BLKDEV_READ,
				   .nr_segs = 1,
				   .seg = { { pfn << PAGE_SHIFT, PAGE_SIZE } },
				   .done = irq_test_io_done };
	irq_test_done = 0;
	err = vb->blk.submit(&vb->blk, &req);
	if (err)
		return err;
	return wait_for_interrupt_completion() ? -XEN_ETIMEDOUT : req.status;
}

/* Two reads in sequence. The polled requests before may have left an
 * interrupt pending, which could serve the first; the second is issued
 * only after the first completed inside the handler, past its ISR read,
 * so it needs an interrupt of its own. */
static int vblk_irq_selftest(struct vblk *vb)
{
	uint64_t pfn, t0 = arch_now_ns(), irqs = vb->interrupts;
	int err = 0, i;

	if (vb->gsi < 0) {
		pr_info("virtio-blk %s: interrupt self-test skipped: poll "
			"only\n",
			vb->name);
		return 0;
	}
	pfn = alloc_frames(1, 1);
	if (pfn == INVALID_PFN)
		return -1;
	for (i = 0; i < 2 && !err; i++)
		err = irq_read(vb, pfn);
	if (err != -XEN_ETIMEDOUT)
		free_frames(pfn, 1);
	if (err) {
		pr_err("virtio-blk %s: interrupt self-test: read %d: error "
		       "%d\n",
		       vb->name, i, err);
		return -1;
	}
	pr_info("virtio-blk %s: interrupt self-test passed: 2 reads completed "
		"by interrupt (%lu interrupts), %lu us\n",
		vb->name, vb->interrupts - irqs, (arch_now_ns() - t0) / 1000);
	return 0;
}

int virtio_blk_selftest(void)
{
	if (nr_disks == 0) {
		pr_info("virtio-blk: self-test skipped: no disk\n");
		return 0;
	}
	return blkdev_selftest(&disks[0]->blk) || vblk_irq_selftest(disks[0]);
}

/*
 * The block backend (SOSP'03 3.3.6, Figure 1; PV-BOOT.md 7.1-7.3): the
 * hypervisor serves a domain's virtual block device (VBD: an extent of a
 * machine disk with an access mode) to Linux's unmodified xen-blkfront.
 *
 * Handshake, through the in-hypervisor xenstore: the backend directory
 * starts in InitWait with sectors/info/sector-size; when the frontend
 * writes state Initialised (3), its ring-ref and event-channel are read,
 * the ring page is acquired through the grant table (held writable for
 * as long as the ring is connected), its event channel is bound to us,
 * and the backend goes Connected (4). Closing (5)/Closed (6) undo it.
 *
 * Requests: the ring indices and every request are guest memory, so a
 * request is copied out before it is looked at (no re-reading a field
 * the guest can change), and a producer index more than a ring ahead is
 * refused without reading beyond the ring. Each request is checked whole
 * before any grant is taken (io/blkif_check.c): operation, segment count
 * and bounds, the sectors inside the VBD, write access. Then each segment's grant is
 * acquired (the guest frame is written for a read: the grant must allow
 * it), and the device moves the data straight to or from the guest frames
 * (no bounce copy). A failure at any point gives BLKIF_RSP_ERROR or
 * EOPNOTSUPP and releases what was taken. Completions release the grants,
 * post the response and notify the guest if its rsp_event asks for it.
 * A request the device cannot queue yet (-EBUSY) waits in its slot and
 * is resubmitted on the next completion or kick.
 *
 * Ordering: a cache flush is a reorder barrier (io/blkif_order.c): it
 * reaches the device only after every earlier request completed, and no
 * later request is taken from the ring until it has completed.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <arch/x86/layout.h>
#include <boot/cmdline.h>
#include <domain/config.h>
#include <domain/domain.h>
#include <drivers/blkdev.h>
#include <event/evtchn.h>
#include <grant/gnttab_domain.h>
#include <grant/grant_table.h>
#include <io/blkback.h>
#include <io/blkif_check.h>
#include <io/blkif_order.h>
#include <io/xenbus_backend.h>
#include <mm/frame_table.h>

#include <xen/io/xenbus.h>

#define VDEV		  51712 /* xvda: 202 << 8 */
#define SECTOR		  512u
#define NR_SLOTS	  BLK_RING_SIZE(PAGE_SIZE)
#define BLK_RING_SIZE(sz) __CONST_RING_SIZE(blkif, sz)

struct slot {
	int in_use, waiting; /* waiting: device queue was full */
	uint64_t id;
	uint8_t op;
	unsigned int nr_handles;
	grant_handle_t handles[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct blkdev_req breq;
	struct blkback *bb;
};

struct blkback {
	struct domain *d;
	struct blkdev *dev;
	uint64_t start, nr_sectors; /* the VBD's extent */
	int read_only;
	struct xb_dev xb; /* xenstore directories */
	int connected, broken;
	struct blkif_order order;
	struct slot *held; /* a flush waiting for earlier requests */
	blkif_back_ring_t ring;
	grant_handle_t ring_handle;
	unsigned int port;
	struct slot slots[NR_SLOTS];
};

static struct blkback the_blkback; /* one VBD, one domain (for now) */

static void notified(struct domain *d, unsigned int port);

/* ---- responses and completions ---- */

static void respond(struct blkback *bb, uint64_t id, uint8_t op, int16_t status)
{
	blkif_response_t *r =
	    RING_GET_RESPONSE(&bb->ring, bb->ring.rsp_prod_pvt);
	int notify;

	r->id = id;
	r->operation = op;
	r->status = status;
	bb->ring.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&bb->ring, notify);
	if (notify)
		evtchn_backend_notify(bb->d, bb->port, notified);
	if (status != BLKIF_RSP_OKAY) {
		bb->d->counters.blk_errors++;
		gdprintk("blkback: request %lx (op %u) answered %d\n", id, op,
			 status);
	}
}

static void release_grants(struct blkback *bb, struct slot *s)
{
	struct grant_table *t = domain_grant_table(bb->d);

	while (s->nr_handles)
		gnttab_release(t, s->handles[--s->nr_handles]);
}

static void serve(struct blkback *bb);
static int submit(struct blkback *bb, struct slot *s);

static int is_fence(uint8_t op)
{
	return op == BLKIF_OP_FLUSH_DISKCACHE;
}

/* An admitted request is finished (completed or failed): the held flush
 * may go now. */
static void order_done(struct blkback *bb, uint8_t op)
{
	if (blkif_order_done(&bb->order, is_fence(op)) && bb->held) {
		struct slot *f = bb->held;

		bb->held = NULL;
		submit(bb, f);
	}
}

static void request_done(struct blkdev_req *breq)
{
	struct slot *s = breq->cookie;
	struct blkback *bb = s->bb;

	release_grants(bb, s);
	s->in_use = 0;
	if (bb->connected)
		respond(bb, s->id, s->op,
			breq->status ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
	order_done(bb, s->op);
	serve(bb);
}

/* ---- requests ---- */

static int take_grants(struct blkback *bb, struct slot *s,
		       const blkif_request_t *req)
{
	struct grant_table *t = domain_grant_table(bb->d);
	enum gnttab_access acc = req->operation == BLKIF_OP_READ ? GNTTAB_WRITE
								 : GNTTAB_READ;
	unsigned int i;
	uint64_t mfn;

	for (i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *g = &req->seg[i];

		if (gnttab_acquire(t, g->gref, acc, &mfn,
				   &s->handles[s->nr_handles]) != GNTST_okay)
			return -XEN_EPERM;
		s->nr_handles++;
		s->breq.seg[i] = (struct blkdev_seg){
			(mfn << PAGE_SHIFT) + g->first_sect * SECTOR,
			(g->last_sect - g->first_sect + 1u) * SECTOR
		};
	}
	return 0;
}

static enum blkdev_op blk_op(uint8_t op)
{
	if (op == BLKIF_OP_READ)
		return BLKDEV_READ;
	return op == BLKIF_OP_WRITE ? BLKDEV_WRITE : BLKDEV_FLUSH;
}

/* Submits a prepared slot: 1 if the device took it (or it failed and was
 * answered), 0 if the device is full and it must wait. */
static int submit(struct blkback *bb, struct slot *s)
{
	int rc = bb->dev->submit(bb->dev, &s->breq);

	s->waiting = rc == -XEN_EBUSY;
	if (rc == 0 || s->waiting)
		return !s->waiting;
	release_grants(bb, s);
	s->in_use = 0;
	respond(bb, s->id, s->op, BLKIF_RSP_ERROR);
	order_done(bb, s->op);
	return 1;
}

static void start_request(struct blkback *bb, struct slot *s,
			  const blkif_request_t *req)
{
	int16_t bad = blkif_check_request(req, bb->nr_sectors, bb->read_only);

	*s = (struct slot){
		.in_use = 1, .id = req->id, .op = req->operation, .bb = bb
	};
	bb->d->counters.blk_requests++;
	if (bad == BLKIF_RSP_OKAY && take_grants(bb, s, req)) {
		gdprintk("blkback: request %lx: a segment's grant is "
			 "unusable\n",
			 req->id);
		bad = BLKIF_RSP_ERROR;
	}
	if (bad != BLKIF_RSP_OKAY) {
		release_grants(bb, s);
		s->in_use = 0;
		respond(bb, req->id, req->operation, bad);
		return;
	}
	s->breq.op = blk_op(req->operation);
	/* A flush carries no data: its sector number means nothing. */
	s->breq.sector = req->nr_segments ? bb->start + req->sector_number : 0;
	s->breq.nr_segs = req->nr_segments;
	s->breq.done = request_done;
	s->breq.cookie = s;
	if (blkif_order_admit(&bb->order, is_fence(req->operation)) ==
	    BLKIF_HOLD) {
		bb->held = s;
		return;
	}
	submit(bb, s);
}

static struct slot *free_slot(struct blkback *bb)
{
	unsigned int i;

	for (i = 0; i < NR_SLOTS; i++)
		if (!bb->slots[i].in_use)
			return &bb->slots[i];
	return NULL;
}

static int resubmit_waiting(struct blkback *bb)
{
	unsigned int i;

	for (i = 0; i < NR_SLOTS; i++)
		if (bb->slots[i].in_use && bb->slots[i].waiting &&
		    !submit(bb, &bb->slots[i]))
			return 0;
	return 1;
}

static void serve(struct blkback *bb)
{
	RING_IDX rp;
	int more;

	if (!bb->connected || bb->broken || !resubmit_waiting(bb))
		return;
	do {
		rp = bb->ring.sring->req_prod;
		xen_rmb();
		if (rp - bb->ring.req_cons > RING_SIZE(&bb->ring)) {
			printk("(PVX) d%u: blkback: request producer %u is "
			       "more than a ring ahead of %u: ring ignored\n",
			       bb->d->domid, rp, bb->ring.req_cons);
			bb->broken = 1;
			bb->d->counters.blk_errors++;
			return;
		}
		while (bb->ring.req_cons != rp) {
			struct slot *s = free_slot(bb);
			blkif_request_t req;

			/* No free slot, or a flush is held or running: a
			 * completion will call us again. */
			if (!s || blkif_order_peek(&bb->order) == BLKIF_STALL)
				return;
			RING_COPY_REQUEST(&bb->ring, bb->ring.req_cons, &req);
			bb->ring.req_cons++;
			start_request(bb, s, &req);
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&bb->ring, more);
	} while (more);
}

/* ---- connection ---- */

static void notified(struct domain *d, unsigned int port)
{
	(void)d;
	(void)port;
	serve(&the_blkback);
}

static int connect(struct blkback *bb)
{
	struct grant_table *t = domain_grant_table(bb->d);
	uint64_t ref, port, mfn;

	if (xb_read_uint(&bb->xb, "ring-ref", &ref) ||
	    xb_read_uint(&bb->xb, "event-channel", &port))
		return -XEN_EINVAL;
	if (gnttab_acquire(t, (grant_ref_t)ref, GNTTAB_WRITE, &mfn,
			   &bb->ring_handle) != GNTST_okay)
		return -XEN_EPERM;
	if (evtchn_bind_backend(bb->d, (unsigned int)port, notified)) {
		gnttab_release(t, bb->ring_handle);
		return -XEN_EINVAL;
	}
	bb->port = (unsigned int)port;
	BACK_RING_INIT(&bb->ring, (blkif_sring_t *)mfn_to_virt(mfn), PAGE_SIZE);
	bb->connected = 1;
	bb->broken = 0;
	xb_set_state(&bb->xb, XenbusStateConnected);
	pr_info("d%u: blkback: xvda connected (ring ref %lu, port %lu)\n",
		bb->d->domid, ref, port);
	return 0;
}

/* In-flight requests keep their grants until they complete; only the
 * ring goes now, so their responses are dropped. */
static void disconnect(struct blkback *bb)
{
	if (bb->connected) {
		bb->connected = 0;
		gnttab_release(domain_grant_table(bb->d), bb->ring_handle);
	}
	xb_set_state(&bb->xb, XenbusStateClosed);
}

/* Called after every guest write under the frontend's directory. */
static void frontend_changed(void *arg, uint16_t domid, const char *path)
{
	struct blkback *bb = arg;
	uint64_t state;

	(void)path;
	if (domid != bb->d->domid || xb_read_uint(&bb->xb, "state", &state))
		return;
	if (state == XenbusStateInitialised && !bb->connected) {
		if (connect(bb)) {
			printk("(PVX) d%u: blkback: frontend's "
			       "ring-ref/event-channel unusable\n",
			       bb->d->domid);
			xb_set_state(&bb->xb, XenbusStateClosing);
		}
	} else if (state == XenbusStateClosing || state == XenbusStateClosed) {
		disconnect(bb);
	}
}

/* ---- set-up ---- */

static int write_nodes(struct blkback *bb)
{
	const struct xb_dev *x = &bb->xb;

	return xb_write_uint(x, x->fe, "virtual-device", VDEV) |
	       xb_write(x, x->fe, "device-type", "disk") |
	       xb_write_uint(x, x->be, "sectors", bb->nr_sectors) |
	       xb_write_uint(x, x->be, "info",
			     bb->read_only ? VDISK_READONLY : 0) |
	       xb_write_uint(x, x->be, "sector-size", SECTOR) |
	       xb_write_uint(x, x->be, "feature-flush-cache", 1);
}

static int resolve_extent(struct blkback *bb, const struct vbd_config *vbd)
{
	bb->dev = blkdev_get(vbd->disk);
	if (!bb->dev) {
		printk("(PVX) error: vbd: there is no disk %u\n", vbd->disk);
		return -XEN_ENODEV;
	}
	bb->start = vbd->start;
	bb->nr_sectors = vbd->count ? vbd->count
				    : bb->dev->nr_sectors - vbd->start;
	if (vbd->start > bb->dev->nr_sectors ||
	    bb->nr_sectors > bb->dev->nr_sectors - vbd->start) {
		printk("(PVX) error: vbd: sectors %lu+%lu lie outside %s (%lu "
		       "sectors)\n",
		       vbd->start, bb->nr_sectors, bb->dev->name,
		       bb->dev->nr_sectors);
		return -XEN_EINVAL;
	}
	bb->read_only = !vbd->writable || bb->dev->read_only;
	return 0;
}

int blkback_setup(struct domain *d, const struct vbd_config *vbd)
{
	struct blkback *bb = &the_blkback;
	int rc;

	memset(bb, 0, sizeof(*bb));
	bb->d = d;
	d->blkback = bb;
	rc = resolve_extent(bb, vbd);
	if (rc)
		return rc;
	if (xb_create(&bb->xb, d->domid, "vbd", VDEV) || write_nodes(bb) ||
	    xb_hook(&bb->xb, frontend_changed, bb)) {
		printk("(PVX) error: vbd: xenstore nodes could not be "
		       "written\n");
		return -XEN_ENOMEM;
	}
	pr_info("d%u: vbd xvda = %s sectors %lu+%lu, %s\n", d->domid,
		bb->dev->name, bb->start, bb->nr_sectors,
		bb->read_only ? "read-only" : "read-write");
	return 0;
}

void blkback_poll(struct domain *d)
{
	struct blkback *bb = d->blkback;

	if (!bb)
		return;
	if (bb->dev->poll)
		bb->dev->poll(bb->dev);
	serve(bb);
}

/*
 * The block backend (SOSP'03 3.3.6, Figure 1; PV-BOOT.md 7.1-7.3): the
 * hypervisor serves a domain's virtual block device (VBD: a list of
 * extents of a machine disk with an access mode) to Linux's unmodified
 * xen-blkfront. A request that crosses from one extent into the next
 * becomes one disk request per extent (io/vbd.c), answered when all of
 * them completed.
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
#include <io/vbd.h>
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
	/* The disk requests: one per extent the request touches. */
	struct blkdev_req breq[VBD_MAX_EXTENTS];
	unsigned int nr_pieces, next; /* next: first not yet submitted */
	unsigned int pending;	      /* pieces not yet completed */
	int failed;		      /* a piece failed */
	struct blkdev_seg seg[BLKDEV_MAX_SEGS]; /* the request's, in the VBD */
	struct blkback *bb;
};

struct blkback {
	struct domain *d;
	struct blkdev *dev;
	struct vbd_extent ext[VBD_MAX_EXTENTS]; /* the VBD */
	unsigned int nr_ext;
	uint64_t nr_sectors;
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

/* Every piece of s has completed (or will never be sent): answer. */
static void finish(struct blkback *bb, struct slot *s)
{
	release_grants(bb, s);
	s->in_use = 0;
	if (bb->connected)
		respond(bb, s->id, s->op,
			s->failed ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
	order_done(bb, s->op);
}

static void request_done(struct blkdev_req *breq)
{
	struct slot *s = breq->cookie;
	struct blkback *bb = s->bb;

	if (breq->status)
		s->failed = 1;
	if (--s->pending)
		return;
	finish(bb, s);
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
		s->seg[i] = (struct blkdev_seg){
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

/* Submits the slot's pieces not yet sent: 1 if the device took them (or
 * one failed and the rest will never be sent), 0 if the device is full
 * and the slot waits. A piece may complete inside the device's submit,
 * so once the last piece is handed over the slot may already be
 * answered and reused: it is not touched after that. */
static int submit(struct blkback *bb, struct slot *s)
{
	s->waiting = 0;
	while (s->next < s->nr_pieces) {
		unsigned int i = s->next++;
		int last = s->next == s->nr_pieces;
		int rc = bb->dev->submit(bb->dev, &s->breq[i]);

		if (rc == -XEN_EBUSY) {
			s->next = i; /* piece i is pending: s stays */
			s->waiting = 1;
			return 0;
		}
		if (rc) {
			/* Pieces i.. never complete; s is failed. */
			s->failed = 1;
			s->pending -= s->nr_pieces - i;
			s->next = s->nr_pieces;
			if (s->pending == 0)
				finish(bb, s);
			return 1;
		}
		if (last)
			return 1;
	}
	return 1;
}

/* Builds the slot's disk requests; 0, or -1 if the request does not map
 * onto the VBD's extents (blkif_check_request already bounded it). */
static int build_pieces(struct blkback *bb, struct slot *s,
			const blkif_request_t *req)
{
	struct vbd_piece p[VBD_MAX_EXTENTS];
	int i, n = 1;

	if (req->operation == BLKIF_OP_FLUSH_DISKCACHE) {
		/* A flush carries no data: its sector number means nothing. */
		p[0].sector = 0;
		p[0].nr_segs = 0;
	} else {
		n = vbd_split(bb->ext, bb->nr_ext, req->sector_number, s->seg,
			      req->nr_segments, p, VBD_MAX_EXTENTS);
		if (n <= 0)
			return -1;
	}
	for (i = 0; i < n; i++) {
		struct blkdev_req *b = &s->breq[i];

		*b = (struct blkdev_req){ .op = blk_op(req->operation),
					  .sector = p[i].sector,
					  .nr_segs = p[i].nr_segs,
					  .done = request_done,
					  .cookie = s };
		memcpy(b->seg, p[i].seg, p[i].nr_segs * sizeof(b->seg[0]));
	}
	s->nr_pieces = s->pending = (unsigned int)n;
	s->next = 0;
	return 0;
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
	if (bad == BLKIF_RSP_OKAY && build_pieces(bb, s, req))
		bad = BLKIF_RSP_ERROR;
	if (bad != BLKIF_RSP_OKAY) {
		release_grants(bb, s);
		s->in_use = 0;
		respond(bb, req->id, req->operation, bad);
		return;
	}
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

/* The VBD's extents on its disk, each checked to lie inside it. */
static int resolve_extents(struct blkback *bb, const struct vbd_config *vbd)
{
	uint64_t disk;
	unsigned int i;

	bb->dev = blkdev_get(vbd->disk);
	if (!bb->dev) {
		printk("(PVX) error: vbd: there is no disk %u\n", vbd->disk);
		return -XEN_ENODEV;
	}
	disk = bb->dev->nr_sectors;
	bb->nr_ext = vbd->nr_ext;
	for (i = 0; i < vbd->nr_ext; i++) {
		struct vbd_extent e = vbd->ext[i];

		if (e.count == 0 && e.start <= disk)
			e.count = disk - e.start; /* to the end */
		if (e.count == 0 || e.start > disk ||
		    e.count > disk - e.start) {
			printk("(PVX) error: vbd: extent %u (sectors %lu+%lu) "
			       "does not lie inside %s (%lu sectors)\n",
			       i + 1, e.start, e.count, bb->dev->name, disk);
			return -XEN_EINVAL;
		}
		bb->ext[i] = e;
	}
	bb->nr_sectors = vbd_sectors(bb->ext, bb->nr_ext);
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
	rc = resolve_extents(bb, vbd);
	if (rc)
		return rc;
	if (xb_create(&bb->xb, d->domid, "vbd", VDEV) || write_nodes(bb) ||
	    xb_hook(&bb->xb, frontend_changed, bb)) {
		printk("(PVX) error: vbd: xenstore nodes could not be "
		       "written\n");
		return -XEN_ENOMEM;
	}
	pr_info("d%u: vbd xvda = %s, %u extent%s from sector %lu, %lu "
		"sectors, %s\n",
		d->domid, bb->dev->name, bb->nr_ext, bb->nr_ext > 1 ? "s" : "",
		bb->ext[0].start, bb->nr_sectors,
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

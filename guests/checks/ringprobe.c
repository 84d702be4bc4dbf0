/*
 * ringprobe: a hostile frontend for PVX's block and network backends,
 * run from user space inside a PV guest that did NOT load xen-blkfront
 * or xen-netfront, so device/vbd/51712 and device/vif/0 are free.
 *
 * It does what a frontend does - grants ring pages (/dev/xen/gntalloc),
 * allocates an event channel to domain 0 (/dev/xen/evtchn), writes its
 * xenstore nodes (/dev/xen/xenbus) and waits for the backend to connect -
 * then puts malformed requests on the rings and checks each gets the
 * error response netif.h/blkif.h prescribe, that well-formed requests
 * are still served afterwards, and finally moves a producer index more
 * than a ring ahead (the backend must stop using that ring, not crash).
 * The counters the backend keeps (blk_errors, net_tx_errors, ...) are
 * checked by the harness from the hypervisor's report at shutdown.
 *
 * Prints one line per check and "ringprobe: N passed, M failed"; exits
 * 1 if any check failed, 2 if the set-up itself failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/evtchn.h>
#include <xen/gntalloc.h>

#define PAGE	  4096
#define VBD_DIR	  "device/vbd/51712"
#define VIF_DIR	  "device/vif/0"
#define VIF_MAC	  "\x52\x54\x00\x12\x34\x56"
#define WAIT_MS	  5000

enum { XS_READ = 2, XS_WRITE = 11, XS_ERROR = 16 };

static int xs_fd, ev_fd, ga_fd, passed, failed;

/* ---- xenstore through /dev/xen/xenbus ---- */

struct xs_msg {
	uint32_t type, req_id, tx_id, len;
	char body[4096];
};

static int xs_request(uint32_t type, const char *path, const char *val,
		      char *out, size_t outlen)
{
	struct xs_msg m = { type, 1, 0, 0, { 0 } }, r;
	size_t plen = strlen(path) + 1, vlen = val ? strlen(val) : 0;

	memcpy(m.body, path, plen);
	memcpy(m.body + plen, val ? val : "", vlen);
	m.len = (uint32_t)(plen + vlen);
	if (write(xs_fd, &m, 16 + m.len) != (ssize_t)(16 + m.len))
		return -1;
	if (read(xs_fd, &r, 16) != 16 || r.len >= sizeof(r.body) ||
	    (r.len && read(xs_fd, r.body, r.len) != (ssize_t)r.len))
		return -1;
	r.body[r.len] = '\0';
	if (r.type == XS_ERROR)
		return -1;
	if (out && outlen) {
		size_t n = r.len < outlen - 1 ? r.len : outlen - 1;

		memcpy(out, r.body, n);
		out[n] = '\0';
	}
	return 0;
}

static int xs_write_uint(const char *dir, const char *node, unsigned long v)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	snprintf(val, sizeof(val), "%lu", v);
	return xs_request(XS_WRITE, path, val, NULL, 0);
}

static int xs_read_uint(const char *path, unsigned long *v)
{
	char val[64];

	if (xs_request(XS_READ, path, NULL, val, sizeof(val)))
		return -1;
	*v = strtoul(val, NULL, 10);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until <dir>/backend's state node reads want. */
static int wait_backend_state(const char *dir, unsigned long want)
{
	char be[128], path[160];
	unsigned long st = 0;
	long end = now_ms() + WAIT_MS;

	snprintf(path, sizeof(path), "%s/backend", dir);
	if (xs_request(XS_READ, path, NULL, be, sizeof(be)))
		return -1;
	snprintf(path, sizeof(path), "%s/state", be);
	while (now_ms() < end) {
		if (xs_read_uint(path, &st) == 0 && st == want)
			return 0;
		usleep(20000);
	}
	return -1;
}

/* ---- grants and events ---- */

struct grant {
	uint32_t ref;
	void *page;
};

static int grant_page(int writable, struct grant *g)
{
	struct ioctl_gntalloc_alloc_gref a = { .domid = 0,
					       .flags = writable ? GNTALLOC_FLAG_WRITABLE
								 : 0,
					       .count = 1 };

	if (ioctl(ga_fd, IOCTL_GNTALLOC_ALLOC_GREF, &a))
		return -1;
	g->ref = a.gref_ids[0];
	g->page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ga_fd,
		       (off_t)a.index);
	if (g->page == MAP_FAILED)
		return -1;
	memset(g->page, 0, PAGE);
	return 0;
}

static int alloc_port(void)
{
	struct ioctl_evtchn_bind_unbound_port b = { .remote_domain = 0 };

	return ioctl(ev_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &b);
}

static void notify(int port)
{
	struct ioctl_evtchn_notify n = { .port = (unsigned int)port };

	ioctl(ev_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

/* Consumes pending events (and unmasks their ports again). */
static void drain_events(void)
{
	struct pollfd p = { .fd = ev_fd, .events = POLLIN };
	uint32_t ports[16];
	ssize_t n;

	while (poll(&p, 1, 0) > 0 &&
	       (n = read(ev_fd, ports, sizeof(ports))) > 0)
		if (write(ev_fd, ports, (size_t)n) != n)
			break;
}

/* Waits until *prod != old (a response arrived) or the time runs out. */
static int wait_responses(volatile uint32_t *prod, uint32_t old)
{
	long end = now_ms() + WAIT_MS;

	while (*prod == old && now_ms() < end) {
		struct pollfd p = { .fd = ev_fd, .events = POLLIN };

		poll(&p, 1, 20);
		drain_events();
	}
	return *prod == old ? -1 : 0;
}

static void check(const char *what, int ok, long got)
{
	printf("ringprobe: %-58s %s (got %ld)\n", what, ok ? "ok" : "FAIL", got);
	ok ? passed++ : failed++;
}

static void expect(const char *what, long got, long want)
{
	check(what, got == want, got);
}

/* ---- block ---- */

static blkif_front_ring_t blk;
static int blk_port;

/* Queues req and returns the status of its response, or 999 if none. */
static long blk_do(const blkif_request_t *req)
{
	RING_IDX old = blk.sring->rsp_prod;
	blkif_response_t *rsp;
	int n;

	*RING_GET_REQUEST(&blk, blk.req_prod_pvt) = *req;
	blk.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&blk, n);
	(void)n; /* always notify: the backend may have gone idle */
	notify(blk_port);
	if (wait_responses(&blk.sring->rsp_prod, old))
		return 999;
	xen_rmb();
	rsp = RING_GET_RESPONSE(&blk, blk.rsp_cons);
	blk.rsp_cons++;
	return rsp->id == req->id ? rsp->status : 998;
}

static blkif_request_t blk_read(uint64_t id, uint64_t sector, uint32_t gref)
{
	blkif_request_t r;

	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_READ;
	r.nr_segments = 1;
	r.handle = 51712;
	r.id = id;
	r.sector_number = sector;
	r.seg[0].gref = gref;
	r.seg[0].first_sect = 0;
	r.seg[0].last_sect = 7;
	return r;
}

static int probe_block(void)
{
	struct grant ring, data, ro;
	unsigned long sectors;
	blkif_request_t r;
	char path[128];
	int i;

	if (grant_page(1, &ring) || grant_page(1, &data) || grant_page(0, &ro) ||
	    (blk_port = alloc_port()) < 0) {
		perror("ringprobe: block set-up");
		return -1;
	}
	SHARED_RING_INIT((blkif_sring_t *)ring.page);
	FRONT_RING_INIT(&blk, (blkif_sring_t *)ring.page, PAGE);
	if (xs_write_uint(VBD_DIR, "ring-ref", ring.ref) ||
	    xs_write_uint(VBD_DIR, "event-channel", (unsigned long)blk_port) ||
	    xs_request(XS_WRITE, VBD_DIR "/protocol", "x86_64-abi", NULL, 0) ||
	    xs_write_uint(VBD_DIR, "state", 3) || wait_backend_state(VBD_DIR, 4)) {
		fprintf(stderr, "ringprobe: the block backend did not connect\n");
		return -1;
	}
	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/1/51712/sectors");
	if (xs_read_uint(path, &sectors)) {
		fprintf(stderr, "ringprobe: no sectors node\n");
		return -1;
	}
	r = blk_read(1, 0, data.ref);
	expect("blk: a good read", blk_do(&r), BLKIF_RSP_OKAY);
	r = blk_read(2, sectors, data.ref);
	expect("blk: sector beyond the VBD -> error", blk_do(&r), BLKIF_RSP_ERROR);
	r = blk_read(3, UINT64_MAX - 3, data.ref);
	expect("blk: sector range wrapping around -> error", blk_do(&r), BLKIF_RSP_ERROR);
	r = blk_read(4, 0, 0x7fff0);
	expect("blk: bad grant reference -> error", blk_do(&r), BLKIF_RSP_ERROR);
	r = blk_read(5, 0, ro.ref);
	expect("blk: read into a read-only grant -> error", blk_do(&r), BLKIF_RSP_ERROR);
	r = blk_read(6, 0, data.ref);
	r.nr_segments = BLKIF_MAX_SEGMENTS_PER_REQUEST + 1;
	expect("blk: too many segments -> error", blk_do(&r), BLKIF_RSP_ERROR);
	r = blk_read(7, 0, data.ref);
	r.seg[0].first_sect = 6;
	r.seg[0].last_sect = 2;
	expect("blk: reversed segment -> error", blk_do(&r), BLKIF_RSP_ERROR);
	r = blk_read(8, 0, data.ref);
	r.operation = 99;
	expect("blk: unknown operation -> EOPNOTSUPP", blk_do(&r), BLKIF_RSP_EOPNOTSUPP);
	r = blk_read(9, 8, data.ref);
	expect("blk: a good read after all that", blk_do(&r), BLKIF_RSP_OKAY);
	/* Producer index far ahead: the backend must drop the ring. */
	for (i = 0; i < 2; i++) {
		blk.sring->req_prod = blk.req_prod_pvt + 1000;
		xen_wmb();
		notify(blk_port);
		usleep(200000);
	}
	check("blk: producer index past the ring -> no response",
	      blk.sring->rsp_prod == blk.rsp_cons, blk.sring->rsp_prod - blk.rsp_cons);
	return 0;
}

/* ---- network ---- */

static netif_tx_front_ring_t tx;
static netif_rx_front_ring_t rx;
static int net_port;

/* Queues n tx slots (flags as given) and returns the status of the
 * first response, 999 if none; the others are consumed. */
static long tx_do(const netif_tx_request_t *s, unsigned int n)
{
	RING_IDX old = tx.sring->rsp_prod;
	long status;
	unsigned int i;
	int nt;

	for (i = 0; i < n; i++)
		*RING_GET_REQUEST(&tx, tx.req_prod_pvt + i) = s[i];
	tx.req_prod_pvt += n;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&tx, nt);
	(void)nt;
	notify(net_port);
	if (wait_responses(&tx.sring->rsp_prod, old))
		return 999;
	usleep(20000); /* the rest of the packet's responses */
	xen_rmb();
	status = RING_GET_RESPONSE(&tx, tx.rsp_cons)->status;
	tx.rsp_cons = tx.sring->rsp_prod;
	return status;
}

static netif_tx_request_t tx_slot(uint32_t gref, uint16_t off, uint16_t size,
				  uint16_t flags, uint16_t id)
{
	netif_tx_request_t s = { .gref = gref, .offset = off, .flags = flags,
				 .id = id, .size = size };

	return s;
}

/* A broadcast frame from src (64 bytes) at the start of page. */
static void make_frame(void *page, const char *src)
{
	uint8_t *f = page;

	memset(f, 0, 64);
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88; /* a local experimental ethertype: nobody answers */
	f[13] = 0xb5;
}

static int probe_net(void)
{
	struct grant txr, rxr, data;
	netif_tx_request_t s[XEN_NETIF_NR_SLOTS_MIN + 2];
	unsigned int i;
	long st;

	if (grant_page(1, &txr) || grant_page(1, &rxr) || grant_page(0, &data) ||
	    (net_port = alloc_port()) < 0) {
		perror("ringprobe: network set-up");
		return -1;
	}
	SHARED_RING_INIT((netif_tx_sring_t *)txr.page);
	FRONT_RING_INIT(&tx, (netif_tx_sring_t *)txr.page, PAGE);
	SHARED_RING_INIT((netif_rx_sring_t *)rxr.page);
	FRONT_RING_INIT(&rx, (netif_rx_sring_t *)rxr.page, PAGE);
	if (xs_write_uint(VIF_DIR, "tx-ring-ref", txr.ref) ||
	    xs_write_uint(VIF_DIR, "rx-ring-ref", rxr.ref) ||
	    xs_write_uint(VIF_DIR, "event-channel", (unsigned long)net_port) ||
	    xs_write_uint(VIF_DIR, "request-rx-copy", 1) ||
	    xs_write_uint(VIF_DIR, "feature-rx-notify", 1) ||
	    xs_write_uint(VIF_DIR, "state", 4) || wait_backend_state(VIF_DIR, 4)) {
		fprintf(stderr, "ringprobe: the network backend did not connect\n");
		return -1;
	}
	make_frame(data.page, VIF_MAC);
	s[0] = tx_slot(data.ref, 0, 64, 0, 1);
	st = tx_do(s, 1);
	check("net: a good frame", st == NETIF_RSP_OKAY, st);
	s[0] = tx_slot(data.ref, 0, 20000, 0, 2);
	st = tx_do(s, 1);
	check("net: oversized frame -> error", st == NETIF_RSP_ERROR, st);
	s[0] = tx_slot(data.ref, 0, 10, 0, 3);
	st = tx_do(s, 1);
	check("net: runt frame -> error", st == NETIF_RSP_ERROR, st);
	s[0] = tx_slot(0x7fff0, 0, 64, 0, 4);
	st = tx_do(s, 1);
	check("net: bad grant reference -> error", st == NETIF_RSP_ERROR, st);
	s[0] = tx_slot(data.ref, 4000, 200, 0, 5);
	st = tx_do(s, 1);
	check("net: slot crossing its page -> error", st == NETIF_RSP_ERROR, st);
	for (i = 0; i < XEN_NETIF_NR_SLOTS_MIN + 1; i++)
		s[i] = tx_slot(data.ref, 0, i ? 1 : 100,
			       i < XEN_NETIF_NR_SLOTS_MIN ? NETTXF_more_data : 0,
			       (uint16_t)(10 + i));
	st = tx_do(s, XEN_NETIF_NR_SLOTS_MIN + 1);
	check("net: too many slots -> error", st == NETIF_RSP_ERROR, st);
	make_frame(data.page, "\x02\x00\x00\x00\x00\x99");
	s[0] = tx_slot(data.ref, 0, 64, 0, 40);
	st = tx_do(s, 1);
	check("net: spoofed source MAC -> answered (and dropped)",
	      st == NETIF_RSP_OKAY, st);
	make_frame(data.page, VIF_MAC);
	s[0] = tx_slot(data.ref, 0, 64, 0, 41);
	st = tx_do(s, 1);
	check("net: a good frame after all that", st == NETIF_RSP_OKAY, st);
	for (i = 0; i < 2; i++) {
		tx.sring->req_prod = tx.req_prod_pvt + 1000;
		xen_wmb();
		notify(net_port);
		usleep(200000);
	}
	check("net: producer index past the ring -> no response",
	      tx.sring->rsp_prod == tx.rsp_cons, tx.sring->rsp_prod - tx.rsp_cons);
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	xs_fd = open("/dev/xen/xenbus", O_RDWR);
	ev_fd = open("/dev/xen/evtchn", O_RDWR);
	ga_fd = open("/dev/xen/gntalloc", O_RDWR);
	if (xs_fd < 0 || ev_fd < 0 || ga_fd < 0) {
		perror("ringprobe: /dev/xen/{xenbus,evtchn,gntalloc} "
		       "(modprobe xen-evtchn xen-gntalloc?)");
		return 2;
	}
	if (probe_block() || probe_net())
		return 2;
	printf("ringprobe: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

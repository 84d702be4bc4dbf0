/*
 * The domains' side of the in-hypervisor xenstore (SOSP'03 3.2's control
 * plane, as Xen later split it out): one store for the machine, one
 * connection per domain on the ring page the builder hands the guest
 * (start_info.store_mfn) with an event channel bound to us
 * (start_info.store_evtchn). The ring is served when the guest notifies
 * the channel and, as a safety net, before its vCPU blocks; a reply or
 * watch event raises the channel.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/x86/layout.h>
#include <domain/domain.h>
#include <event/evtchn.h>
#include <io/xenstore.h>
#include <io/xenstore_domain.h>
#include <mm/heap.h>

static struct xs_store *store;

static void *xs_alloc(size_t bytes)
{
	return xmalloc(bytes);
}

static const struct xs_alloc_ops alloc_ops = { xs_alloc, xfree };

int xenstore_init(void)
{
	store = xs_store_create(&alloc_ops, NULL);
	return store ? 0 : -XEN_ENOMEM;
}

struct xs_store *xenstore(void)
{
	return store;
}

static void notify_guest(void *arg)
{
	struct domain *d = arg;

	evtchn_set_pending(d, d->store_port);
}

void xenstore_service(struct domain *d)
{
	if (d->store_conn && xs_ring_service(d->store_conn))
		notify_guest(d);
}

static void store_notified(struct domain *d, unsigned int port)
{
	(void)port;
	xenstore_service(d);
}

int xenstore_domain_setup(struct domain *d, void *ring_page)
{
	struct xs_domain_info info = {
		.domid = d->domid,
		.name = "guest",
		.memory_kib = d->nr_pages * (PAGE_SIZE / 1024),
		.static_max_kib = d->nr_pages * (PAGE_SIZE / 1024),
		.vcpus = 1,
	};
	int rc;

	if (!store)
		return -XEN_ENOSYS;
	memset(ring_page, 0, PAGE_SIZE);
	rc = xs_domain_introduce(store, &info, &d->store_conn);
	if (rc)
		return rc;
	d->store_port = evtchn_alloc_backend(d, store_notified);
	if (!d->store_port)
		return -XEN_ENOSPC;
	xs_ring_attach(d->store_conn, ring_page, notify_guest, d);
	return 0;
}

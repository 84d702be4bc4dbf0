/*
 * Guest console (PV-BOOT.md 6.2): the guest writes into the out[] ring
 * of its console page and notifies our event channel; we copy what lies
 * between out_cons and out_prod to the hypervisor console, each line
 * prefixed with the domain, and advance out_cons. The indices are guest
 * controlled: a producer more than a ring ahead of the consumer is
 * treated as corruption and the ring is resynchronised, not trusted.
 */
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/vsnprintf.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <event/evtchn.h>
#include <io/console.h>

static void emit(struct domain *d, const char *buf, size_t len)
{
	char prefix[12];
	size_t i, start = 0;
	int plen = snprintf(prefix, sizeof(prefix), "(d%u) ", d->domid);

	for (i = 0; i < len; i++) {
		if (d->console_at_line_start) {
			console_write(prefix, (size_t)plen);
			d->console_at_line_start = 0;
		}
		if (buf[i] == '\n') {
			console_write(buf + start, i + 1 - start);
			start = i + 1;
			d->console_at_line_start = 1;
		}
	}
	if (start < len)
		console_write(buf + start, len - start);
}

void console_drain(struct domain *d)
{
	struct xencons_interface *r = d->console_ring;
	uint32_t cons = r->out_cons, prod = r->out_prod;
	char buf[sizeof(r->out)];
	uint32_t n = 0;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (prod - cons > sizeof(r->out)) {
		gdprintk("console ring indices corrupt (prod %u cons %u)\n",
			 prod, cons);
		r->out_cons = prod;
		return;
	}
	while (cons != prod)
		buf[n++] = r->out[MASK_XENCONS_IDX(cons++, r->out)];
	emit(d, buf, n);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->out_cons = cons;
}

static void console_notified(struct domain *d, unsigned int port)
{
	console_drain(d);
	evtchn_set_pending(d, port); /* Linux counts this as tx done */
}

void console_backend_init(struct domain *d, void *ring)
{
	d->console_ring = ring;
	d->console_port = evtchn_alloc_backend(d, console_notified);
}

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer)
{
	struct domain *d = current_vcpu()->domain;
	char buf[256];

	if (cmd == CONSOLEIO_read)
		return 0;
	if (cmd != CONSOLEIO_write)
		return -XEN_ENOSYS;
	while (count) {
		size_t n = MIN(count, sizeof(buf));

		if (copy_from_guest(buf, buffer, n))
			return -XEN_EFAULT;
		emit(d, buf, n);
		count -= n;
		buffer += n;
	}
	return 0;
}

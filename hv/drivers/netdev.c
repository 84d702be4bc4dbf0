/*
 * The machine's network devices and the packet-buffer pool
 * (drivers/netdev.h).
 *
 * The pool is a free list over buffers allocated once at boot, so the
 * packet paths never call the frame allocator. One CPU, interrupts off
 * in the hypervisor: the list needs no lock.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <drivers/netdev.h>
#include <mm/frames.h>
#include <mm/heap.h>

#define MAX_NETDEVS 4

static struct netdev *devs[MAX_NETDEVS];
static unsigned int nr_devs;
static struct netbuf *free_list;
static unsigned int nr_free;

int netbuf_pool_init(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct netbuf *nb = xzalloc(sizeof(*nb));
		uint64_t pfn = alloc_frames(NETBUF_FRAMES, 1);

		if (!nb || pfn == INVALID_PFN) {
			xfree(nb);
			if (pfn != INVALID_PFN)
				free_frames(pfn, NETBUF_FRAMES);
			return -XEN_ENOMEM;
		}
		nb->maddr = pfn << PAGE_SHIFT;
		nb->base = arch_phys_to_virt(nb->maddr);
		netbuf_free(nb);
	}
	return 0;
}

struct netbuf *netbuf_alloc(void)
{
	struct netbuf *nb = free_list;

	if (!nb)
		return NULL;
	free_list = nb->next;
	nr_free--;
	nb->next = NULL;
	nb->len = 0;
	nb->csum_partial = 0;
	nb->csum_valid = 0;
	nb->gso_type = NETBUF_GSO_NONE;
	nb->gso_size = 0;
	return nb;
}

void netbuf_free(struct netbuf *nb)
{
	nb->next = free_list;
	free_list = nb;
	nr_free++;
}

unsigned int netbuf_nr_free(void)
{
	return nr_free;
}

int netdev_register(struct netdev *dev)
{
	if (nr_devs == MAX_NETDEVS)
		return -XEN_ENOSPC;
	devs[nr_devs] = dev;
	pr_info("netdev %u: %s, mac %02x:%02x:%02x:%02x:%02x:%02x, frames up "
		"to %u bytes\n",
		nr_devs, dev->name, dev->mac[0], dev->mac[1], dev->mac[2],
		dev->mac[3], dev->mac[4], dev->mac[5], dev->max_frame);
	nr_devs++;
	return 0;
}

struct netdev *netdev_get(unsigned int index)
{
	return index < nr_devs ? devs[index] : NULL;
}

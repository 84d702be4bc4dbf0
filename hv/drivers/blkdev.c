/*
 * The machine's block devices, in the order they were registered: the
 * virtio-blk disks found on the PCI bus first (drivers/virtio_blk.c, in
 * bus order), then the boot's disk modules (drivers/ramdisk.c). VBD
 * configurations (vbd=DISK:...) name them by index.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <drivers/blkdev.h>

#define MAX_BLKDEVS 8

static struct blkdev *devs[MAX_BLKDEVS];
static unsigned int nr_devs;

int blkdev_register(struct blkdev *dev)
{
	if (nr_devs == MAX_BLKDEVS)
		return -XEN_ENOSPC;
	devs[nr_devs] = dev;
	pr_info("blkdev %u: %s, %lu sectors (%lu MiB)%s\n", nr_devs, dev->name,
		dev->nr_sectors, dev->nr_sectors >> 11,
		dev->read_only ? ", read-only" : "");
	nr_devs++;
	return 0;
}

struct blkdev *blkdev_get(unsigned int index)
{
	return index < nr_devs ? devs[index] : NULL;
}

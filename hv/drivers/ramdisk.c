/*
 * A block device backed by a boot module kept in memory (module2 ...
 * role=disk): the stand-in for a real disk controller, so block backends
 * can be brought up and tested before (or without) a device driver. It
 * completes every request inside submit(): a copy through the direct map.
 * The module's frames stay reserved by the frame allocator for good.
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <arch/hooks.h>
#include <drivers/blkdev.h>
#include <drivers/ramdisk.h>

#define SECTOR 512u

struct ramdisk {
	struct blkdev dev;
	char name[16];
	uint8_t *base; /* direct-map address of the module */
};

static struct ramdisk disks[4];

static void copy_seg(struct ramdisk *rd, const struct blkdev_req *req,
		     uint64_t offset, const struct blkdev_seg *seg)
{
	uint8_t *disk = rd->base + offset;
	uint8_t *mem = arch_phys_to_virt(seg->maddr);

	if (req->op == BLKDEV_READ)
		memcpy(mem, disk, seg->len);
	else
		memcpy(disk, mem, seg->len);
}

static int ramdisk_submit(struct blkdev *dev, struct blkdev_req *req)
{
	struct ramdisk *rd = dev->priv;
	uint64_t sectors = 0, off;
	unsigned int i;

	for (i = 0; i < req->nr_segs; i++) {
		if (req->seg[i].len % SECTOR || req->seg[i].len > 4096)
			return -XEN_EINVAL;
		sectors += req->seg[i].len / SECTOR;
	}
	if (req->nr_segs > BLKDEV_MAX_SEGS || req->sector > dev->nr_sectors ||
	    sectors > dev->nr_sectors - req->sector)
		return -XEN_EINVAL;
	if (req->op == BLKDEV_WRITE && dev->read_only)
		return -XEN_EROFS;
	off = req->sector * SECTOR;
	for (i = 0; i < req->nr_segs && req->op != BLKDEV_FLUSH; i++) {
		copy_seg(rd, req, off, &req->seg[i]);
		off += req->seg[i].len;
	}
	req->status = 0;
	req->done(req);
	return 0;
}

static void ramdisk_poll(struct blkdev *dev)
{
	(void)dev; /* everything completed in submit */
}

int ramdisk_register(uint64_t start, uint64_t end, unsigned int index)
{
	struct ramdisk *rd;

	if (index >= sizeof(disks) / sizeof(disks[0]))
		return -XEN_ENOSPC;
	rd = &disks[index];
	snprintf(rd->name, sizeof(rd->name), "ramdisk%u", index);
	rd->base = arch_phys_to_virt(start);
	rd->dev = (struct blkdev){ rd->name,	   (end - start) / SECTOR, 0,
				   ramdisk_submit, ramdisk_poll,	   rd };
	return blkdev_register(&rd->dev);
}

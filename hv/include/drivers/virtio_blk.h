/*
 * virtio-blk disks on PCI (drivers/virtio_blk.c): each becomes a struct
 * blkdev the block backends use.
 */
#ifndef HV_DRIVERS_VIRTIO_BLK_H
#define HV_DRIVERS_VIRTIO_BLK_H

/* Finds the transitional virtio-blk PCI functions (after pci_init),
 * brings each up, routes its interrupt and registers it as a blkdev. */
void virtio_blk_init(void);
/* Boot self-test on the first disk: pattern written near the end, read
 * back, original restored (completions by poll), then one completion by
 * interrupt if the line is routed. 0 if it passed or there is no disk. */
int virtio_blk_selftest(void);

#endif

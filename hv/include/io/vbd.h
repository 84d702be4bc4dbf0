/*
 * A VBD's sectors on its disk (io/vbd.c): the VBD is its extents one
 * after the other, so a request for consecutive VBD sectors becomes one
 * disk request per extent it touches. Pure logic: tested on the host.
 */
#ifndef HV_IO_VBD_H
#define HV_IO_VBD_H

#include <stdint.h>
#include <domain/config.h>
#include <drivers/blkdev.h>

/* One disk request's worth: sectors of one extent. */
struct vbd_piece {
	uint64_t sector; /* on the disk */
	unsigned int nr_segs;
	struct blkdev_seg seg[BLKDEV_MAX_SEGS];
};

/* The VBD's size in sectors. */
uint64_t vbd_sectors(const struct vbd_extent *ext, unsigned int nr);
/* Maps segments seg[0..nsegs) (whole 512-byte sectors, consecutive in
 * the VBD from `sector`) onto the disk: fills out[] with one piece per
 * extent touched, in order, cutting a segment that straddles two
 * extents in two. Returns the number of pieces, or -1 if the sectors
 * leave the VBD, a segment is not whole sectors, or more than max pieces
 * would be needed. */
int vbd_split(const struct vbd_extent *ext, unsigned int nr, uint64_t sector,
	      const struct blkdev_seg *seg, unsigned int nsegs,
	      struct vbd_piece *out, unsigned int max);

#endif

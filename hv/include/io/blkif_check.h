/* Checks of a blkif request that need nothing but the request and the
 * VBD's geometry (io/blkif_check.c); pure, so host unit tests run them. */
#ifndef HV_IO_BLKIF_CHECK_H
#define HV_IO_BLKIF_CHECK_H

#include <stdint.h>

#include <io/ring.h>
#include <xen/io/blkif.h>

/* BLKIF_RSP_OKAY, or the response a request gets before anything is
 * taken for it: EOPNOTSUPP for an unknown operation; ERROR for a bad
 * segment count (0 for a read/write, over 11), a segment whose sector
 * range is reversed or leaves its page, sectors outside a VBD of
 * vbd_sectors, or a write to a read-only VBD. */
int16_t blkif_check_request(const blkif_request_t *req, uint64_t vbd_sectors,
			    int read_only);

#endif

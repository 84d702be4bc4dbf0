/*
 * The checks blkback applies to a request it copied off the ring, before
 * it takes any grant: everything decidable from the request itself and
 * the VBD's size and mode. The sector arithmetic cannot overflow: each
 * segment covers at most 8 sectors and the extent test subtracts only
 * after comparing.
 */
#include <io/blkif_check.h>

#define SECTOR		512u
#define SECTORS_IN_PAGE (4096u / SECTOR)

/* Sectors the segments cover, or -1 if a segment is malformed. */
static int64_t segment_sectors(const blkif_request_t *req)
{
	int64_t sectors = 0;
	unsigned int i;

	for (i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *g = &req->seg[i];

		if (g->first_sect > g->last_sect ||
		    g->last_sect >= SECTORS_IN_PAGE)
			return -1;
		sectors += g->last_sect - g->first_sect + 1u;
	}
	return sectors;
}

int16_t blkif_check_request(const blkif_request_t *req, uint64_t vbd_sectors,
			    int read_only)
{
	int64_t sectors;
	int rw = req->operation == BLKIF_OP_READ ||
		 req->operation == BLKIF_OP_WRITE;

	if (!rw && req->operation != BLKIF_OP_FLUSH_DISKCACHE &&
	    req->operation != BLKIF_OP_WRITE_BARRIER)
		return BLKIF_RSP_EOPNOTSUPP;
	if (req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST ||
	    (rw && req->nr_segments == 0))
		return BLKIF_RSP_ERROR;
	sectors = segment_sectors(req);
	if (sectors < 0)
		return BLKIF_RSP_ERROR;
	if (sectors && (req->sector_number > vbd_sectors ||
			(uint64_t)sectors > vbd_sectors - req->sector_number))
		return BLKIF_RSP_ERROR; /* outside the VBD's extent */
	if (req->operation != BLKIF_OP_READ && read_only && sectors)
		return BLKIF_RSP_ERROR;
	return BLKIF_RSP_OKAY;
}

/*
 * VBD extents to disk requests (io/vbd.h).
 *
 * SOSP'03 3.3.6: "a VBD comprises a list of extents with associated
 * ownership and access control information", translated by the
 * hypervisor on every request. A blkif request carries at most 11
 * segments of at most 8 sectors, consecutive in the VBD; where they
 * cross from one extent into the next the request becomes one disk
 * request per extent. A piece never holds more segments than the
 * request it came from (each piece overlaps a run of the request's
 * segments), so a piece always fits a struct blkdev_req.
 */
#include <io/vbd.h>

#define SECTOR 512u

uint64_t vbd_sectors(const struct vbd_extent *ext, unsigned int nr)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		n += ext[i].count;
	return n;
}

/* The extent holding VBD sector s, with *base its first VBD sector;
 * nr if s lies beyond the VBD. */
static unsigned int find_extent(const struct vbd_extent *ext, unsigned int nr,
				uint64_t s, uint64_t *base)
{
	unsigned int i;

	*base = 0;
	for (i = 0; i < nr; i++) {
		if (s - *base < ext[i].count)
			return i;
		*base += ext[i].count;
	}
	return nr;
}

int vbd_split(const struct vbd_extent *ext, unsigned int nr, uint64_t sector,
	      const struct blkdev_seg *seg, unsigned int nsegs,
	      struct vbd_piece *out, unsigned int max)
{
	unsigned int i, cur = nr, n = 0;
	uint64_t vs = sector;

	for (i = 0; i < nsegs; i++) {
		uint64_t left, done = 0;

		if (seg[i].len == 0 || seg[i].len % SECTOR)
			return -1;
		left = seg[i].len / SECTOR;
		while (left) {
			uint64_t base, take;
			unsigned int e = find_extent(ext, nr, vs, &base);
			struct vbd_piece *p;

			if (e == nr)
				return -1;
			take = ext[e].count - (vs - base);
			if (take > left)
				take = left;
			if (e != cur) {
				if (n == max)
					return -1;
				p = &out[n++];
				p->sector = ext[e].start + (vs - base);
				p->nr_segs = 0;
				cur = e;
			}
			p = &out[n - 1];
			if (p->nr_segs == BLKDEV_MAX_SEGS)
				return -1;
			p->seg[p->nr_segs++] =
			    (struct blkdev_seg){ seg[i].maddr + done * SECTOR,
						 (uint32_t)(take * SECTOR) };
			vs += take;
			done += take;
			left -= take;
		}
	}
	return (int)n;
}

/*
 * The machine side of a domain's grant table (struct gnttab_ops in
 * include/grant/grant_table.h): table frames come from the frame
 * allocator and are shared like shared_info, and a granted frame is
 * held with the frame table's references (include/mm/frame_table.h):
 * a general reference keeps it the guest's, and for a write the
 * "writable" type keeps it out of page-table use while the backend
 * writes it, so a grant can never bypass page-table validation.
 */
#include <lib/errno.h>
#include <domain/domain.h>
#include <grant/grant_table.h>
#include <grant/gnttab_domain.h>
#include <mm/frame_table.h>
#include <mm/frames.h>
#include <mm/m2p.h>

static void *gnttab_alloc_frame(void *ctx, uint64_t *mfn)
{
	uint64_t m = alloc_frames(1, 1);

	if (m == INVALID_PFN)
		return NULL;
	*mfn = m;
	return mfn_to_virt(m);
}

static void gnttab_free_frame(void *ctx, void *va, uint64_t mfn)
{
	frame_assign(mfn, OWNER_NONE, 0);
	free_frames(mfn, 1);
}

/* As shared_info: the guest's for mapping, never a table, not in its
 * P2M (no M2P entry). */
static void gnttab_share_frame(void *ctx, uint64_t mfn)
{
	const struct domain *d = ctx;

	frame_assign(mfn, d->domid, PGF_NO_TABLE);
	m2p_set(mfn, INVALID_M2P_ENTRY);
}

/* Only the guest's own RAM: not hypervisor pages shared with it
 * (shared_info, the grant table itself), whatever their owner field. */
static int gnttab_get_frame(void *ctx, uint64_t mfn, enum gnttab_access access)
{
	struct domain *d = ctx;
	const struct page_info *pg = mfn_to_page(mfn);

	if (!pg || pg->owner != d->domid || (pg->flags & PGF_NO_TABLE))
		return -XEN_EPERM;
	if (access == GNTTAB_WRITE)
		return get_page_and_type(mfn, PGT_WRITABLE, d);
	return get_page(mfn, d);
}

static void gnttab_put_frame(void *ctx, uint64_t mfn, enum gnttab_access access)
{
	if (access == GNTTAB_WRITE)
		put_page_and_type(mfn);
	else
		put_page(mfn);
}

static const struct gnttab_ops gnttab_domain_ops = {
	.alloc_frame = gnttab_alloc_frame,
	.free_frame = gnttab_free_frame,
	.share_frame = gnttab_share_frame,
	.get_frame = gnttab_get_frame,
	.put_frame = gnttab_put_frame,
};

int gnttab_domain_init(struct domain *d)
{
	return gnttab_init(domain_grant_table(d), &gnttab_domain_ops, d,
			   GNTTAB_MAX_FRAMES);
}

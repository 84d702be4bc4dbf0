/*
 * grant_table_op for a PV guest: the guest's side of grant tables
 * (<xen/grant_table.h>; what Linux calls is PV-BOOT.md Phase E, E5-E7).
 * PVX is a v1-only host without backend domains, so a guest only sets
 * up and sizes its own table; the backends use it from inside the
 * hypervisor (gnttab_acquire). Mapping, copying and transferring grants
 * are for backend domains: -ENOSYS, as are the v2 status frames.
 *
 * Results follow Xen's do_grant_table_op: a negative errno when the
 * argument itself cannot be used (bad pointer, count), otherwise 0 with
 * the verdict in the op's status field.
 */
#include <stddef.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/hypercall.h>
#include <grant/grant_table.h>
#include <grant/gnttab_domain.h>

/* Guest-visible argument layouts (<xen/grant_table.h>). */
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table");
_Static_assert(offsetof(struct gnttab_setup_table, status) == 8, "status");
_Static_assert(offsetof(struct gnttab_setup_table, frame_list) == 16, "list");
_Static_assert(sizeof(xen_pfn_t) == 8, "frame_list entries are 64-bit");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "query_size");
_Static_assert(sizeof(struct gnttab_set_version) == 4, "set_version");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "get_version");
_Static_assert(offsetof(struct gnttab_get_version, version) == 4, "version");

/* Xen keeps continuation state above the command's low 12 bits. */
#define GNTTABOP_CMD_MASK 0xfffu

/* Only the caller itself: PVX has no privileged domain. */
static int is_self(const struct domain *d, domid_t dom)
{
	return dom == DOMID_SELF || dom == d->domid;
}

/* Writes frames 0..n-1; GNTST_bad_virt_addr if the list faults. */
static int16_t put_frame_list(const struct grant_table *t, uint64_t list,
			      uint32_t n)
{
	uint32_t i;
	xen_pfn_t mfn;

	for (i = 0; i < n; i++) {
		mfn = gnttab_frame_mfn(t, i);
		if (copy_to_guest(list + i * sizeof(mfn), &mfn, sizeof(mfn)))
			return GNTST_bad_virt_addr;
	}
	return GNTST_okay;
}

static int16_t setup_table(struct domain *d, struct grant_table *t,
			   const struct gnttab_setup_table *op, uint64_t list)
{
	int rc;

	if (!is_self(d, op->dom))
		return GNTST_bad_domain;
	rc = gnttab_grow(t, op->nr_frames);
	if (rc) {
		gdprintk("grant table: growing to %u frames (max %u): %d\n",
			 op->nr_frames, gnttab_max_frames(t), rc);
		return GNTST_general_error;
	}
	return put_frame_list(t, list, op->nr_frames);
}

/* Grows the table to nr_frames and lists its frames; only the status
 * field is written back. */
static long gnttab_setup_table_op(struct domain *d, struct grant_table *t,
				  uint64_t uop, uint64_t count)
{
	struct gnttab_setup_table op;
	uint64_t list;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	list = (uint64_t)(uintptr_t)op.frame_list.p;
	if (!guest_range_ok(list, (size_t)op.nr_frames * sizeof(xen_pfn_t)))
		return -XEN_EFAULT;
	op.status = setup_table(d, t, &op, list);
	if (copy_to_guest(uop + offsetof(struct gnttab_setup_table, status),
			  &op.status, sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

static long gnttab_query_size_op(struct domain *d, struct grant_table *t,
				 uint64_t uop, uint64_t count)
{
	struct gnttab_query_size op;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (is_self(d, op.dom)) {
		op.nr_frames = gnttab_nr_frames(t);
		op.max_nr_frames = gnttab_max_frames(t);
		op.status = GNTST_okay;
	} else {
		op.status = GNTST_bad_domain;
	}
	return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* Version 1 is the only one: asking for it succeeds, 2 is -ENOSYS (Xen
 * built or booted with gnttab=max-ver:1), anything else -EINVAL. The
 * version in force is written back in every case. */
static long gnttab_set_version_op(uint64_t uop)
{
	struct gnttab_set_version op;
	long rc;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (op.version == 1)
		rc = 0;
	else if (op.version == 2)
		rc = -XEN_ENOSYS;
	else
		rc = -XEN_EINVAL;
	op.version = 1;
	return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : rc;
}

static long gnttab_get_version_op(struct domain *d, uint64_t uop)
{
	struct gnttab_get_version op;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (!is_self(d, op.dom))
		return -XEN_ESRCH;
	op.version = 1;
	if (copy_to_guest(uop + offsetof(struct gnttab_get_version, version),
			  &op.version, sizeof(op.version)))
		return -XEN_EFAULT;
	return 0;
}

long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count)
{
	struct domain *d = current_vcpu()->domain;
	struct grant_table *t = domain_grant_table(d);

	if (!t || gnttab_max_frames(t) == 0)
		return -XEN_ENOSYS; /* no table: Linux runs without grants */
	if (count > INT32_MAX || cmd > GNTTABOP_CMD_MASK)
		return -XEN_EINVAL; /* no continuations here */
	switch (cmd) {
	case GNTTABOP_setup_table:
		return gnttab_setup_table_op(d, t, uop, count);
	case GNTTABOP_query_size:
		return gnttab_query_size_op(d, t, uop, count);
	case GNTTABOP_set_version:
		return gnttab_set_version_op(uop);
	case GNTTABOP_get_version:
		return gnttab_get_version_op(d, uop);
	default:
		return -XEN_ENOSYS;
	}
}

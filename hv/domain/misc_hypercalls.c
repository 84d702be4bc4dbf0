/*
 * Small hypercalls: xen_version, vm_assist, physdev_op, callback_op
 * (grant_table_op is in grant/gnttab_op.c).
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/x86/layout.h>
#include <boot/options.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/hypercall.h>

#define PVX_XEN_MAJOR 4
#define PVX_XEN_MINOR 17

/* Features a 64-bit PV guest sees (PV-BOOT.md 4, B1): Linux panics
 * without mmu_pt_update_preserve_ad and gnttab_map_avail_bits. Never
 * writable_page_tables (0), auto_translated_physmap (2) or dom0 (11). */
#define PVX_FEATURES                                 \
	((1u << XENFEAT_mmu_pt_update_preserve_ad) | \
	 (1u << XENFEAT_highmem_assist) |            \
	 (1u << XENFEAT_gnttab_map_avail_bits))

static long copy_string_out(uint64_t arg, const char *s, size_t size)
{
	char buf[1024];

	memset(buf, 0, size);
	strlcpy(buf, s, size);
	return copy_to_guest(arg, buf, size) ? -XEN_EFAULT : 0;
}

static long get_features(uint64_t arg)
{
	struct xen_feature_info fi;

	if (copy_from_guest(&fi, arg, sizeof(fi)))
		return -XEN_EFAULT;
	fi.submap = fi.submap_idx == 0 ? PVX_FEATURES : 0;
	/* Stores into page tables are always emulated (Linux relies on it
	 * for atomic PTE updates); saying so invites every PTE write. */
	if (fi.submap_idx == 0 && hv_opts.wpt != WPT_OFF)
		fi.submap |= 1u << XENFEAT_writable_page_tables;
	return copy_to_guest(arg, &fi, sizeof(fi)) ? -XEN_EFAULT : 0;
}

long do_xen_version(uint64_t cmd, uint64_t arg)
{
	xen_platform_parameters_t pp = { .virt_start = HYPERVISOR_VIRT_START };
	xen_domain_handle_t handle = { 0 };

	switch (cmd) {
	case XENVER_version:
		return (PVX_XEN_MAJOR << 16) | PVX_XEN_MINOR;
	case XENVER_extraversion:
		return copy_string_out(arg, "-pvx", sizeof(xen_extraversion_t));
	case XENVER_capabilities:
		return copy_string_out(arg, "xen-3.0-x86_64",
				       sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return copy_string_out(arg, "pvx",
				       sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters:
		return copy_to_guest(arg, &pp, sizeof(pp)) ? -XEN_EFAULT : 0;
	case XENVER_get_features:
		return get_features(arg);
	case XENVER_pagesize:
		return PAGE_SIZE;
	case XENVER_guest_handle:
		return copy_to_guest(arg, handle, sizeof(handle)) ? -XEN_EFAULT
								  : 0;
	default:
		return -XEN_ENOSYS;
	}
}

long do_vm_assist(uint64_t cmd, uint64_t type)
{
	struct domain *d = current_vcpu()->domain;

	if (type > VMASST_TYPE_runstate_update_flag || type == 1)
		return -XEN_EINVAL;
	if (cmd == VMASST_CMD_enable)
		d->vm_assist |= 1ull << type;
	else if (cmd == VMASST_CMD_disable)
		d->vm_assist &= ~(1ull << type);
	else
		return -XEN_ENOSYS;
	return 0;
}

long do_physdev_op(uint64_t cmd, uint64_t arg)
{
	struct physdev_set_iopl iopl;

	if (cmd != PHYSDEVOP_set_iopl)
		return -XEN_ENOSYS;
	if (copy_from_guest(&iopl, arg, sizeof(iopl)))
		return -XEN_EFAULT;
	if (iopl.iopl > 3)
		return -XEN_EINVAL;
	current_vcpu()->iopl = iopl.iopl;
	return 0;
}

static long register_callback(struct vcpu *v, const struct callback_register *c)
{
	if (!guest_range_ok(c->address, 1))
		return -XEN_EINVAL;
	switch (c->type) {
	case CALLBACKTYPE_event:
		v->event_callback = c->address;
		return 0;
	case CALLBACKTYPE_failsafe:
		v->failsafe_callback = c->address;
		return 0;
	case CALLBACKTYPE_syscall:
		v->syscall_callback = c->address;
		v->syscall_masks_events = !!(c->flags & CALLBACKF_mask_events);
		return 0;
	default:
		/* syscall32/sysenter: 32-bit user space is not supported;
		 * Linux then clears the features. NMI: not delivered. */
		return -XEN_EINVAL;
	}
}

long do_callback_op(uint64_t cmd, uint64_t arg)
{
	struct callback_register c;

	if (cmd != CALLBACKOP_register)
		return -XEN_ENOSYS;
	if (copy_from_guest(&c, arg, sizeof(c)))
		return -XEN_EFAULT;
	return register_callback(current_vcpu(), &c);
}

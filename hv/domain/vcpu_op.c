/*
 * vcpu_op (PV-BOOT.md 2, 5.3-5.4): vCPU presence, vcpu_info placement,
 * the runstate area, and timers (time/time.c). One vCPU: every other id
 * is absent (Linux asks for all of them at boot).
 */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/x86/layout.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/hypercall.h>
#include <domain/runstate.h>
#include <mm/frame_table.h>
#include <time/time.h>

/* Moves vcpu_info into a guest page: copy what it held, then flag
 * everything pending so no event raised meanwhile is lost (Xen 4.17
 * map_vcpu_info). The frame keeps a writable-type reference for good. */
static long register_vcpu_info(struct vcpu *v, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	struct vcpu_info *new;
	int rc;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -XEN_EFAULT;
	if (v->vcpu_info_mfn)
		return -XEN_EINVAL;
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info) || r.offset & 7)
		return -XEN_EINVAL;
	rc = get_page_and_type(r.mfn, PGT_WRITABLE, v->domain);
	if (rc)
		return rc;
	new = (struct vcpu_info *)((char *)mfn_to_virt(r.mfn) + r.offset);
	memcpy(new, v->vcpu_info, sizeof(*new));
	v->vcpu_info = new;
	v->vcpu_info_mfn = r.mfn;
	new->evtchn_pending_sel = ~0ul;
	new->evtchn_upcall_pending = 1;
	time_publish_vcpu(v);
	return 0;
}

static long runstate_area(struct vcpu *v, uint64_t arg)
{
	struct vcpu_register_runstate_memory_area a;

	if (copy_from_guest(&a, arg, sizeof(a)))
		return -XEN_EFAULT;
	if (a.addr.v && !guest_range_ok((uint64_t)(uintptr_t)a.addr.v,
					sizeof(struct vcpu_runstate_info)))
		return -XEN_EINVAL;
	v->runstate_va = (uint64_t)(uintptr_t)a.addr.v;
	runstate_publish(v);
	return 0;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg)
{
	struct vcpu *v = current_vcpu();

	if (vcpuid != 0)
		return -XEN_ENOENT;
	switch (cmd) {
	case VCPUOP_is_up:
		return 1;
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, arg);
	case VCPUOP_register_runstate_memory_area:
		return runstate_area(v, arg);
	case VCPUOP_get_runstate_info:
		runstate_update(v, v->runstate.state);
		return copy_to_guest(arg, &v->runstate, sizeof(v->runstate))
			   ? -XEN_EFAULT
			   : 0;
	case VCPUOP_set_singleshot_timer:
	case VCPUOP_stop_singleshot_timer:
	case VCPUOP_set_periodic_timer:
	case VCPUOP_stop_periodic_timer:
		return vcpu_op_timer(v, (int)cmd, arg);
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * The one place the hypervisor includes the Xen public headers (Debian
 * libxen-dev). The layouts a 64-bit PV guest relies on are asserted here
 * so a header change that would break the ABI fails the build.
 * Sizes: PV-BOOT.md appendix B (from the 4.17 headers).
 */
#ifndef HV_PUBLIC_XEN_ABI_H
#define HV_PUBLIC_XEN_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/physdev.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

_Static_assert(sizeof(struct start_info) == 1168, "start_info");
_Static_assert(sizeof(struct shared_info) == 3136, "shared_info");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 2048, "shared_"
								     "info."
								     "evtchn_"
								     "pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 2560, "shared_info."
								  "evtchn_"
								  "mask");
_Static_assert(offsetof(struct shared_info, wc_version) == 3072, "shared_info."
								 "wc_version");
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info");
_Static_assert(offsetof(struct vcpu_info, arch.cr2) == 16, "vcpu_info.cr2");
_Static_assert(offsetof(struct vcpu_info, time) == 32, "vcpu_info.time");
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info");
_Static_assert(sizeof(struct mmu_update) == 16, "mmu_update");
_Static_assert(sizeof(struct mmuext_op) == 24, "mmuext_op");
_Static_assert(sizeof(struct multicall_entry) == 64, "multicall_entry");
_Static_assert(sizeof(struct trap_info) == 16, "trap_info");
_Static_assert(sizeof(struct xencons_interface) == 3088, "console ring");
_Static_assert(sizeof(struct xenstore_domain_interface) == 2076, "xenstore "
								 "ring");

/* The hypervisor hole is where layout.h puts everything we map. */
_Static_assert(HYPERVISOR_VIRT_START == 0xFFFF800000000000ull, "hole start");
_Static_assert(HYPERVISOR_VIRT_END == 0xFFFF880000000000ull, "hole end");

#endif

/*
 * Compiles the Xen ABI layout assertions (include/public/xen_abi.h) and
 * checks that PVX's layout agrees with the ABI's reserved hole, so the
 * build fails if either side moves.
 */
#include <arch/x86/layout.h>
#include <public/xen_abi.h>

_Static_assert(HV_HOLE_START == HYPERVISOR_VIRT_START, "hole start");
_Static_assert(HV_HOLE_END == HYPERVISOR_VIRT_END, "hole end");
_Static_assert(HV_VIRT_START >= HV_HOLE_START &&
		   HV_VIRT_START + HV_IMAGE_MAX <= HV_HOLE_END,
	       "image inside the hole");
_Static_assert(DIRECTMAP_VIRT_END <= HV_HOLE_END, "direct map in the hole");

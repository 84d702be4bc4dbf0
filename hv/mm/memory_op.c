/*
 * memory_op sub-operations a PV domU uses (PV-BOOT.md 3.8). The
 * reservation-changing ones (balloon) are not supported yet.
 */
#include <lib/errno.h>
#include <arch/x86/layout.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <mm/m2p.h>
#include <mm/mmu.h>

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

static long machphys_mapping(uint64_t arg)
{
	struct xen_machphys_mapping m = {
		.v_start = MACH2PHYS_VIRT_START,
		.v_end = MACH2PHYS_VIRT_START + (m2p_max_mfn() + 1) * 8,
		.max_mfn = m2p_max_mfn(),
	};

	return copy_to_guest(arg, &m, sizeof(m)) ? -XEN_EFAULT : 0;
}

/* One RAM entry covering the domain, as libxl gives a domU. */
static long memory_map(const struct domain *d, uint64_t arg)
{
	struct xen_memory_map map;
	struct e820_entry e = { 0, d->nr_pages * PAGE_SIZE, 1 };

	if (copy_from_guest(&map, arg, sizeof(map)))
		return -XEN_EFAULT;
	if (map.nr_entries < 1)
		return -XEN_EINVAL;
	if (copy_to_guest((uint64_t)(uintptr_t)map.buffer.p, &e, sizeof(e)))
		return -XEN_EFAULT;
	map.nr_entries = 1;
	return copy_to_guest(arg, &map, sizeof(map)) ? -XEN_EFAULT : 0;
}

long do_memory_op(uint64_t cmd, uint64_t arg)
{
	struct domain *d = current_vcpu()->domain;

	switch (cmd) {
	case XENMEM_machphys_mapping:
		return machphys_mapping(arg);
	case XENMEM_memory_map:
		return memory_map(d, arg);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return (long)d->nr_pages;
	case XENMEM_maximum_ram_page:
		return (long)m2p_max_mfn();
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * Guest memory access; see include/domain/guest_access.h. The fault
 * safety is the architecture's (arch_copy_fault_safe: a copy loop whose
 * faults the page-fault handler turns into an early return).
 */
#include <arch/x86/layout.h>
#include <domain/guest_access.h>

size_t arch_copy_fault_safe(void *dst, const void *src, size_t len);

static int canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

int guest_range_ok(uint64_t va, size_t len)
{
	uint64_t end = va + len;

	if (len == 0)
		return 1;
	if (end < va || !canonical(va) || !canonical(end - 1))
		return 0;
	/* Both halves of the address space are guest; the hole is ours. */
	if (va < HV_HOLE_END && end > HV_HOLE_START)
		return 0;
	return (va >> 47) == ((end - 1) >> 47);
}

int copy_from_guest(void *dst, uint64_t guest_va, size_t len)
{
	if (!guest_range_ok(guest_va, len))
		return -1;
	return arch_copy_fault_safe(dst, (const void *)guest_va, len) ? -1 : 0;
}

int copy_to_guest(uint64_t guest_va, const void *src, size_t len)
{
	if (!guest_range_ok(guest_va, len))
		return -1;
	return arch_copy_fault_safe((void *)guest_va, src, len) ? -1 : 0;
}

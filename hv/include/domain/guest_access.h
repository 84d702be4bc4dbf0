/*
 * Access to guest memory by guest virtual address, in the page tables
 * currently loaded (the guest's, while it is in a hypercall or trap).
 * Every access survives a fault (it returns -1 instead) and refuses
 * ranges in the hypervisor's hole or non-canonical ranges, so a guest
 * pointer can never make the hypervisor read or write its own memory.
 */
#ifndef HV_DOMAIN_GUEST_ACCESS_H
#define HV_DOMAIN_GUEST_ACCESS_H

#include <stddef.h>
#include <stdint.h>

/* 0 on success, -1 if any byte could not be accessed. */
int copy_from_guest(void *dst, uint64_t guest_va, size_t len);
int copy_to_guest(uint64_t guest_va, const void *src, size_t len);
int guest_range_ok(uint64_t va, size_t len);

#endif

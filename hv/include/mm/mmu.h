/* The MMU hypercalls of a PV guest (PV-BOOT.md 3.3-3.5, 3.8). */
#ifndef HV_MM_MMU_H
#define HV_MM_MMU_H

#include <stdint.h>

long do_mmu_update(uint64_t reqs, uint64_t count, uint64_t pdone,
		   uint64_t foreigndom);
long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);
long do_mmuext_op(uint64_t ops, uint64_t count, uint64_t pdone,
		  uint64_t foreigndom);
long do_memory_op(uint64_t cmd, uint64_t arg);

/* Load CR3 for the vCPU's current mode (kernel or user root). */
struct vcpu;
void pv_load_cr3(struct vcpu *v);

#endif

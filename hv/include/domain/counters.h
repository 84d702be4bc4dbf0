/*
 * Per-domain event counters (ARCHITECTURE.md, "Counters"): what the
 * harness records beside every timing so overheads can be explained by
 * event counts. Printed at domain shutdown.
 */
#ifndef HV_DOMAIN_COUNTERS_H
#define HV_DOMAIN_COUNTERS_H

#include <stdint.h>

#define NR_HYPERCALLS 64

struct domain_counters {
	uint64_t hypercalls[NR_HYPERCALLS]; /* by number */
	uint64_t traps[32];		    /* guest exceptions by vector */
	uint64_t bounces;		    /* exception/event frames built */
	uint64_t mmu_update_entries;
	uint64_t mmuext_ops;
	uint64_t multicall_entries;
	uint64_t ptwr_emulations;    /* writable page-table faults */
	uint64_t priv_op_emulations; /* #GP emulated (MSR, CR, I/O) */
	uint64_t cpuid_emulations;
	uint64_t cr3_loads;
	uint64_t tlb_flushes;
	uint64_t events_delivered; /* upcalls */
	uint64_t page_validations; /* page-table frames promoted */
	uint64_t timer_interrupts;
};

struct domain;
void counters_print(const struct domain *d);

#endif

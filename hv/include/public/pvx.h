/*
 * PVX additions to the Xen guest ABI, and the contract with the harness.
 *
 * Exit status: when the hypervisor stops, it writes one of these codes to
 * QEMU's isa-debug-exit device (I/O port 0xf4); QEMU then exits with
 * (code << 1) | 1, and harness/pvxlib/qemu.py maps it back. Keep the two
 * lists in sync (the harness unit tests parse this header to check).
 */
#ifndef HV_PUBLIC_PVX_H
#define HV_PUBLIC_PVX_H

#define PVX_DEBUG_EXIT_PORT 0xf4

#define PVX_EXIT_OK	      0 /* all domains powered off, or nothing to run */
#define PVX_EXIT_PANIC	      1 /* hypervisor panic (internal error) */
#define PVX_EXIT_HV_FAULT     2 /* unexpected exception in the hypervisor */
#define PVX_EXIT_CONFIG	      3 /* bad command line, module line or boot info */
#define PVX_EXIT_GUEST_CRASH  4 /* a domain crashed */
#define PVX_EXIT_GUEST_REBOOT 5 /* a domain asked for a reboot */
#define PVX_EXIT_SELFTEST     6 /* a boot-time self-test failed */
#define PVX_EXIT_NOMEM	      7 /* out of memory while building */

#ifndef __ASSEMBLY__
#include <stdint.h>

/*
 * pvx_op: PVX's own hypercall (number 56: above Xen's architecture
 * range 48-55, unused by Xen). Any domain may read and reset its own
 * event counters, so a benchmark can be bracketed by them:
 *
 *   pvx_op(PVXOP_counters_reset, 0)
 *   pvx_op(PVXOP_counters_read, &struct pvx_counters)   -> 0 or -EFAULT
 *
 * Histograms are by log2 of the batch size: bucket b counts calls of
 * 2^b .. 2^(b+1)-1 entries; the last bucket also holds larger ones.
 */
#define __HYPERVISOR_pvx_op  56
#define PVXOP_counters_read  0
#define PVXOP_counters_reset 1

#define PVX_COUNTERS_VERSION 2
#define PVX_NR_HYPERCALLS    64
#define PVX_HIST_BUCKETS     13 /* 1, 2-3, ... 2048-4095, >= 4096 */

struct pvx_counters {
	uint32_t version; /* PVX_COUNTERS_VERSION */
	uint32_t size;	  /* sizeof(struct pvx_counters) */
	uint64_t hypercalls[PVX_NR_HYPERCALLS]; /* by number */
	uint64_t traps[32];			/* guest exceptions by vector */
	uint64_t bounces;	   /* exception/event frames written */
	uint64_t events_delivered; /* event upcalls */
	uint64_t timer_interrupts;
	uint64_t cr3_loads;
	uint64_t tlb_flushes;
	uint64_t mmu_update_entries;
	uint64_t mmuext_ops;
	uint64_t multicall_entries;
	uint64_t page_validations;    /* frames promoted to a table type */
	uint64_t ptwr_emulations;     /* emulated writes to page tables */
	uint64_t ptwr_unhooks;	      /* wpt=unhook: L1s let be written */
	uint64_t ptwr_rehook_entries; /* entries revalidated at rehook */
	uint64_t priv_op_emulations;  /* #GP emulated (MSR, CR, I/O, cli) */
	uint64_t cpuid_emulations;
	uint64_t blk_requests; /* block requests from the frontend */
	uint64_t blk_errors;   /* ... answered with an error, + rings broken */
	uint64_t mmu_update_batches[PVX_HIST_BUCKETS]; /* calls by entries */
	uint64_t multicall_batches[PVX_HIST_BUCKETS];  /* calls by entries */
	/* The network backend (io/netback.c), for the domain's VIF. */
	uint64_t net_tx_packets; /* frames the guest sent, accepted */
	uint64_t net_tx_bytes;
	uint64_t net_tx_errors;	 /* malformed transmit requests, bad grants */
	uint64_t net_tx_dropped; /* dropped for want of a buffer or the wire */
	uint64_t net_rx_packets; /* frames copied into the guest's buffers */
	uint64_t net_rx_bytes;
	uint64_t net_rx_dropped;  /* no guest buffer in time, or too large */
	uint64_t net_vfr_dropped; /* dropped by a VFR rule or as spoofed */
	/* Shadow paging (paging=shadow, mm/shadow.c); since version 2. */
	uint64_t shadow_faults;	       /* hidden faults: filled, not bounced */
	uint64_t shadow_pages_created; /* shadow tables built ... */
	uint64_t shadow_pages_freed;   /* ... and dropped */
	uint64_t shadow_root_hits;     /* guest CR3 switch: shadow cached */
	uint64_t shadow_root_misses;   /* ... not cached: built on load */
	uint64_t shadow_resets;	       /* every shadow dropped (pool full) */
};
_Static_assert(sizeof(struct pvx_counters) ==
		   8 + 8 * (64 + 32 + 16 + 26 + 8 + 6),
	       "pvx_counters layout");
#endif

#endif

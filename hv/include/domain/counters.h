/*
 * Per-domain event counters (ARCHITECTURE.md, "Counters"): what the
 * harness records beside every timing so overheads can be explained by
 * event counts. The layout is the guest ABI's (struct pvx_counters in
 * <public/pvx.h>): pvx_op reads it out as it is.
 */
#ifndef HV_DOMAIN_COUNTERS_H
#define HV_DOMAIN_COUNTERS_H

#include <stdint.h>
#include <public/pvx.h>

#define NR_HYPERCALLS PVX_NR_HYPERCALLS

struct domain;

/* Adds one call of n entries to a log2 histogram. */
void counters_hist_add(uint64_t hist[PVX_HIST_BUCKETS], uint64_t n);
void counters_reset(struct pvx_counters *c);
/* Human-readable lines and one JSON line, at domain shutdown. */
void counters_print(const struct domain *d);
long do_pvx_op(uint64_t cmd, uint64_t arg);

#endif

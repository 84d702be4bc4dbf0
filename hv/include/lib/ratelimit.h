/*
 * A burst-per-interval limit for messages a guest can cause
 * (lib/ratelimit.c): the hypervisor's console must not be a channel a
 * guest can flood. Pure logic: tested on the host.
 */
#ifndef HV_LIB_RATELIMIT_H
#define HV_LIB_RATELIMIT_H

#include <stdint.h>

struct ratelimit {
	uint64_t window_start; /* ns */
	unsigned int used;     /* messages let through in this window */
	uint64_t suppressed;   /* refused since the last one let through */
};

/* May one more message go out at now_ns (at most burst per interval_ns)?
 * On 1, *suppressed is how many were refused before it (to report), and
 * the count restarts. */
int ratelimit_allow(struct ratelimit *r, uint64_t now_ns, unsigned int burst,
		    uint64_t interval_ns, uint64_t *suppressed);

#endif

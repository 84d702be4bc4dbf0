/*
 * Message rate limiting (lib/ratelimit.h): a fixed window. The first
 * message of a new window starts it; within a window, burst messages
 * pass and the rest are only counted, and the count goes out with the
 * next message that passes, so nothing is silently lost.
 */
#include <lib/ratelimit.h>

int ratelimit_allow(struct ratelimit *r, uint64_t now_ns, unsigned int burst,
		    uint64_t interval_ns, uint64_t *suppressed)
{
	if (r->used == 0 || now_ns - r->window_start >= interval_ns) {
		r->window_start = now_ns;
		r->used = 0;
	}
	if (r->used >= burst) {
		r->suppressed++;
		return 0;
	}
	r->used++;
	*suppressed = r->suppressed;
	r->suppressed = 0;
	return 1;
}

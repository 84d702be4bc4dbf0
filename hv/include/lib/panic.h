/* Hypervisor bugs end the run; guest mistakes never come here. */
#ifndef HV_LIB_PANIC_H
#define HV_LIB_PANIC_H

#include <lib/compiler.h>

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define BUG_ON(cond)                                                  \
	do {                                                          \
		if (unlikely(cond))                                   \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, \
			      __LINE__);                              \
	} while (0)

#endif

/* Compiler helpers shared by every file; no types, no hardware. */
#ifndef HV_LIB_COMPILER_H
#define HV_LIB_COMPILER_H

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define likely(x)      __builtin_expect(!!(x), 1)
#define unlikely(x)    __builtin_expect(!!(x), 0)
#define __noreturn     __attribute__((noreturn))
#define __packed       __attribute__((packed))
#define __aligned(n)   __attribute__((aligned(n)))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __section(s)   __attribute__((section(s)))
#define __used	       __attribute__((used))

#define ALIGN_UP(x, a)	 (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#endif

/*
 * printf-style formatting without floating point. Supported: %d %i %u %x
 * %X %o %c %s %p %%, flags '-' '0' '+' ' ', field width and precision
 * (also '*'), length modifiers hh h l ll z t. Unknown conversions are
 * printed literally so a bad format string is visible, not fatal.
 */
#ifndef HV_LIB_VSNPRINTF_H
#define HV_LIB_VSNPRINTF_H

#include <stdarg.h>
#include <stddef.h>
#include <lib/compiler.h>

/* Returns the length the full output would have (like C99). */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif

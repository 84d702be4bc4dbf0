/*
 * Hypervisor log. Every line goes to the registered console sinks (the
 * UART) with a level filter set by the loglvl= option. Guest-triggerable
 * messages must use the rate-limited gdprintk() (later) or pr_debug().
 */
#ifndef HV_LIB_PRINTK_H
#define HV_LIB_PRINTK_H

#include <stdarg.h>
#include <stddef.h>
#include <lib/compiler.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct console_sink {
	void (*write)(const char *s, size_t len);
	struct console_sink *next;
};

void console_register(struct console_sink *sink);
void console_write(const char *s, size_t len);

void log_set_level(enum log_level level);
int log_enabled(enum log_level level);
int vprintk_level(enum log_level level, const char *fmt, va_list ap);
int printk(const char *fmt, ...) __printf(1, 2);
int printk_level(enum log_level level, const char *fmt, ...) __printf(2, 3);

#define pr_err(...)   printk_level(LOG_ERR, "(PVX) error: " __VA_ARGS__)
#define pr_warn(...)  printk_level(LOG_WARN, "(PVX) warning: " __VA_ARGS__)
#define pr_info(...)  printk_level(LOG_INFO, "(PVX) " __VA_ARGS__)
#define pr_debug(...) printk_level(LOG_DEBUG, "(PVX) " __VA_ARGS__)

#endif

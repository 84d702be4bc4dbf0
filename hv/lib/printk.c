/*
 * printk: format into a line buffer, then hand it to every console sink.
 * Single CPU and called with interrupts in any state, so there is no lock;
 * an interrupt handler that prints in the middle of a line interleaves at
 * line granularity only because each call writes its buffer in one go.
 */
#include <lib/printk.h>
#include <lib/vsnprintf.h>

static struct console_sink *sinks;
static enum log_level log_level = LOG_INFO;

void console_register(struct console_sink *sink)
{
	sink->next = sinks;
	sinks = sink;
}

void console_write(const char *s, size_t len)
{
	struct console_sink *k;

	for (k = sinks; k; k = k->next)
		k->write(s, len);
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

int log_enabled(enum log_level level)
{
	return level <= log_level;
}

int vprintk_level(enum log_level level, const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	if (level > log_level)
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int printk_level(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk_level(level, fmt, ap);
	va_end(ap);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk_level(LOG_ERR, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * panic(): print the reason and a backtrace, then stop with
 * PVX_EXIT_PANIC. A panic inside a panic stops at once.
 */
#include <stdarg.h>
#include <lib/panic.h>
#include <lib/printk.h>
#include <lib/vsnprintf.h>
#include <arch/hooks.h>
#include <public/pvx.h>

__noreturn void panic(const char *fmt, ...)
{
	static int panicking;
	char msg[256];
	va_list ap;

	if (panicking++)
		arch_exit(PVX_EXIT_PANIC);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("(PVX) *** PANIC: %s\n", msg);
	arch_backtrace((uint64_t)panic, (uint64_t)__builtin_frame_address(0));
	printk("(PVX) stopping: exit status %d (panic)\n", PVX_EXIT_PANIC);
	arch_exit(PVX_EXIT_PANIC);
}

/*
 * Ending the run. QEMU's isa-debug-exit device (-device isa-debug-exit,
 * iobase=0xf4,iosize=0x04) turns a write of v into QEMU exiting with
 * status (v << 1) | 1. Without the device the write is ignored and the
 * CPU halts with interrupts off, which the harness sees as a timeout.
 */
#include <arch/hooks.h>
#include <arch/x86/cpu.h>
#include <public/pvx.h>

__noreturn void arch_exit(int status)
{
	local_irq_disable();
	outl(PVX_DEBUG_EXIT_PORT, (uint32_t)status);
	for (;;)
		__asm__ volatile("hlt");
}

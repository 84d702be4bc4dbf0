/*
 * Time base: the TSC, calibrated once against PIT channel 2 (the PC
 * speaker gate lets software poll its terminal count, port 0x61 bit 5).
 * Under QEMU TCG the PIT follows the host's clock, so the calibration
 * is as good as the 50 ms window is long.
 * Reference: Intel 8254 data sheet (mode 0), and Linux's
 * pit_calibrate_tsc() for the gate dance.
 */
#include <stdint.h>
#include <lib/printk.h>
#include <arch/hooks.h>
#include <arch/x86/apic.h>
#include <arch/x86/cpu.h>
#include <arch/x86/time.h>

#define PIT_HZ	     1193182u
#define PIT_CH2	     0x42
#define PIT_CMD	     0x43
#define PORT_61	     0x61
#define CALIBRATE_MS 50

static uint64_t tsc_hz;
static uint64_t tsc_at_boot;

static uint64_t pit_calibrate_tsc(void)
{
	uint32_t latch = PIT_HZ * CALIBRATE_MS / 1000;
	uint64_t t0, t1;

	/* Gate high, speaker off; channel 2, lobyte/hibyte, mode 0. */
	outb(PORT_61, (inb(PORT_61) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	while (!(inb(PORT_61) & 0x20))
		;
	t1 = rdtsc();
	return (t1 - t0) * 1000 / CALIBRATE_MS;
}

uint64_t tsc_khz(void)
{
	return tsc_hz / 1000;
}

uint64_t arch_now_ns(void)
{
	uint64_t d = rdtsc() - tsc_at_boot;

	/* Split to avoid overflow of d * 1e9 for long uptimes. */
	return d / tsc_hz * 1000000000ull + d % tsc_hz * 1000000000ull / tsc_hz;
}

void arch_time_init(void)
{
	tsc_at_boot = rdtsc();
	tsc_hz = pit_calibrate_tsc();
	pr_info("TSC: %lu.%03lu MHz (calibrated against the PIT over %u ms)\n",
		tsc_hz / 1000000, tsc_hz / 1000 % 1000, CALIBRATE_MS);
	apic_init();
}

void arch_wait_for_interrupt(void)
{
	safe_halt();
}

uint64_t arch_read_tsc(void)
{
	return rdtsc();
}

uint64_t arch_tsc_hz(void)
{
	return tsc_hz;
}

/*
 * Local APIC in xAPIC (MMIO) mode, and its timer in one-shot mode.
 * Reference: Intel SDM vol. 3A, 11.4 (APIC base), 11.5.4 (APIC timer),
 * 11.9 (spurious interrupt vector register).
 */
#include <stdint.h>
#include <lib/printk.h>
#include <arch/hooks.h>
#include <arch/x86/apic.h>
#include <arch/x86/cpu.h>
#include <arch/x86/desc.h>
#include <arch/x86/time.h>

#define APIC_ID		 0x020
#define APIC_VERSION	 0x030
#define APIC_TPR	 0x080
#define APIC_EOI	 0x0b0
#define APIC_SVR	 0x0f0
#define APIC_LVT_TIMER	 0x320
#define APIC_TIMER_ICR	 0x380
#define APIC_TIMER_CCR	 0x390
#define APIC_TIMER_DCR	 0x3e0
#define SVR_ENABLE	 (1u << 8)
#define LVT_MASKED	 (1u << 16)
#define DCR_DIV_16	 0x3
#define APIC_BASE_ENABLE (1u << 11)

static volatile uint32_t *apic;
static uint64_t timer_hz;
static void (*timer_handler)(void);

static uint32_t apic_read(unsigned int reg)
{
	return apic[reg / 4];
}

static void apic_write(unsigned int reg, uint32_t v)
{
	apic[reg / 4] = v;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* Count the timer against the calibrated TSC for about 10 ms. */
static void apic_timer_calibrate(void)
{
	uint64_t t0, ns;
	uint32_t left;

	apic_write(APIC_TIMER_DCR, DCR_DIV_16);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_LAPIC_TIMER);
	apic_write(APIC_TIMER_ICR, 0xffffffff);
	t0 = arch_now_ns();
	while (arch_now_ns() - t0 < 10 * 1000 * 1000)
		cpu_relax();
	left = apic_read(APIC_TIMER_CCR);
	ns = arch_now_ns() - t0;
	apic_write(APIC_TIMER_ICR, 0);
	timer_hz = (uint64_t)(0xffffffffu - left) * 1000000000ull / ns;
}

void apic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	apic = arch_ioremap(base & ~0xfffull, 4096);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
	apic_timer_calibrate();
	pr_info("LAPIC: id %u version 0x%x, timer %lu kHz (divide by 16)\n",
		apic_read(APIC_ID) >> 24, apic_read(APIC_VERSION) & 0xff,
		timer_hz / 1000);
}

uint64_t apic_timer_hz(void)
{
	return timer_hz;
}

void arch_timer_set(uint64_t ns, void (*handler)(void))
{
	uint64_t count = ns * timer_hz / 1000000000ull;

	if (count == 0)
		count = 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu;
	timer_handler = handler;
	apic_write(APIC_LVT_TIMER, VECTOR_LAPIC_TIMER); /* one-shot */
	apic_write(APIC_TIMER_ICR, (uint32_t)count);
}

void apic_timer_interrupt(void)
{
	void (*h)(void) = timer_handler;

	timer_handler = NULL;
	apic_eoi();
	if (h)
		h();
}

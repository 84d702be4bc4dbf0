/*
 * Boot-time self-tests: invariants that need the real machine (the frame
 * allocator over the real memory map, the heap over real frames, the
 * LAPIC timer interrupt path). Pure logic is tested on the host instead.
 */
#include <lib/compiler.h>
#include <lib/panic.h>
#include <lib/printk.h>
#include <arch/hooks.h>
#include <boot/options.h>
#include <boot/selftest.h>
#include <drivers/virtio_blk.h>
#include <mm/frames.h>
#include <mm/heap.h>

static int heap_selftest(void)
{
	static const size_t sizes[] = { 1,    16,   17,	  100,	1000,
					2032, 2033, 5000, 70000 };
	void *p[ARRAY_SIZE(sizes)];
	uint64_t before = frames_free_count();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = xmalloc(sizes[i]);
		if (!p[i] || ((uint64_t)p[i] & 15)) {
			pr_err("heap: self-test: xmalloc(%zu) = %p\n", sizes[i],
			       p[i]);
			return -1;
		}
		((volatile char *)p[i])[sizes[i] - 1] = (char)i;
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		xfree(p[i]);
	pr_info("heap: self-test passed (%u sizes, %lu frames kept for small "
		"classes)\n",
		(unsigned int)ARRAY_SIZE(sizes), before - frames_free_count());
	return 0;
}

static volatile int timer_fired;

static void timer_selftest_handler(void)
{
	timer_fired = 1;
}

/* Arms a 20 ms one-shot and halts until it fires; the elapsed TSC time
 * must not be shorter than asked (QEMU may deliver it later, not early). */
static int timer_selftest(void)
{
	const uint64_t want = 20 * 1000 * 1000;
	uint64_t t0 = arch_now_ns(), dt;

	timer_fired = 0;
	arch_timer_set(want, timer_selftest_handler);
	while (!timer_fired && arch_now_ns() - t0 < 10 * want)
		arch_wait_for_interrupt();
	dt = arch_now_ns() - t0;
	if (!timer_fired || dt < want - want / 50) {
		pr_err("timer: self-test: %s after %lu us (asked %lu us)\n",
		       timer_fired ? "fired early" : "did not fire", dt / 1000,
		       want / 1000);
		return -1;
	}
	pr_info("timer: self-test passed: 20000 us one-shot fired after %lu "
		"us\n",
		dt / 1000);
	return 0;
}

int selftests_run(const struct boot_info *bi)
{
	return frames_selftest(bi) || heap_selftest() || timer_selftest() ||
	       virtio_blk_selftest();
}

/* Each crash is its own non-inlined function so the report names it. */
static __attribute__((noinline)) void crashtest_page_fault(void)
{
	*(volatile uint64_t *)0xdead000 = 0x1;
}

static __attribute__((noinline)) void crashtest_invalid_opcode(void)
{
	__builtin_trap();
}

static __attribute__((noinline)) void crashtest_divide_error(void)
{
	volatile unsigned int zero = 0, one = 1;

	one /= zero;
}

void crashtest_run(void)
{
	if (hv_opts.crashtest != CRASH_NONE)
		pr_info("crashtest: faulting on purpose\n");
	switch (hv_opts.crashtest) {
	case CRASH_PAGE_FAULT:
		crashtest_page_fault();
		break;
	case CRASH_INVALID_OPCODE:
		crashtest_invalid_opcode();
		break;
	case CRASH_DIVIDE_ERROR:
		crashtest_divide_error();
		break;
	case CRASH_PANIC:
		panic("crashtest=panic");
	}
}

/*
 * Frame-pointer backtrace (the hypervisor is built with
 * -fno-omit-frame-pointer): each frame is [saved rbp][return address].
 * The walk stops at a zero rbp (boot.S clears it before start_pvx), on a
 * misaligned or non-canonical-hole pointer, or after a bounded depth.
 */
#include <stdint.h>
#include <lib/printk.h>
#include <lib/symbols.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>

#define BACKTRACE_MAX_DEPTH 32

static void walk_frames(uint64_t rbp);

static int frame_pointer_ok(uint64_t rbp)
{
	return rbp && (rbp & 7) == 0 && rbp >= HV_HOLE_START &&
	       rbp + 16 <= HV_HOLE_END;
}

static void print_frame(uint64_t addr)
{
	char sym[96];

	symbolize(addr, sym, sizeof(sym));
	printk("(PVX)   [<%016lx>] %s\n", addr, sym);
}

/*
 * A trap at a function's first instruction (a call through a bad pointer,
 * or a fault before the prologue ran) has the return address on top of
 * the stack rather than in a frame; print it so the caller is not lost.
 */
void arch_backtrace_trap(uint64_t rip, uint64_t rsp, uint64_t rbp)
{
	uint64_t off, size;
	const char *name = symtab_lookup(hv_symtab(), rip, &off, &size);

	printk("(PVX) Backtrace:\n");
	print_frame(rip);
	if ((!name || off == 0) && frame_pointer_ok(rsp))
		print_frame(*(const uint64_t *)rsp);
	walk_frames(rbp);
}

void arch_backtrace(uint64_t rip, uint64_t rbp)
{
	printk("(PVX) Backtrace:\n");
	print_frame(rip);
	walk_frames(rbp);
}

static void walk_frames(uint64_t rbp)
{
	int depth;

	for (depth = 0; depth < BACKTRACE_MAX_DEPTH && frame_pointer_ok(rbp);
	     depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1];

		if (!ret)
			break;
		print_frame(ret);
		if (frame[0] <= rbp) /* stacks grow down: callers are higher */
			break;
		rbp = frame[0];
	}
}

extern const uint64_t hv_syms_count;
extern const uint64_t hv_syms_addrs[];
extern const uint32_t hv_syms_offs[];
extern const char hv_syms_names[];
extern char _etext[];

const struct symtab *hv_symtab(void)
{
	static struct symtab t;

	t.addrs = hv_syms_addrs;
	t.name_offs = hv_syms_offs;
	t.names = hv_syms_names;
	t.count = hv_syms_count;
	t.text_end = (uint64_t)_etext;
	return &t;
}

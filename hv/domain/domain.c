/*
 * Domain lifetime: creation, shared_info, crash and shutdown. With one
 * guest, the end of the domain is the end of the run: its reason becomes
 * the hypervisor's exit status (poweroff 0, reboot 5, crash 4).
 */
#include <stdarg.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <arch/hooks.h>
#include <arch/x86/layout.h>
#include <domain/domain.h>
#include <io/netback.h>
#include <grant/gnttab_domain.h>
#include <mm/frame_table.h>
#include <mm/frames.h>
#include <mm/m2p.h>
#include <public/pvx.h>
#include <time/time.h>

static struct domain dom1;
static struct vcpu *current;

struct vcpu *current_vcpu(void)
{
	return current;
}

struct domain *domain_create(uint16_t domid)
{
	struct domain *d = &dom1;

	memset(d, 0, sizeof(*d));
	d->domid = domid;
	d->vcpu0.domain = d;
	d->console_at_line_start = 1;
	counters_reset(&d->counters);
	current = &d->vcpu0;
	return d;
}

struct grant_table *domain_grant_table(struct domain *d)
{
	return &d->grant_table;
}

/* shared_info is a hypervisor page shared with the guest: owned by it
 * for mapping purposes, never a table, not in its P2M (M2P invalid). */
int shared_info_init(struct domain *d)
{
	uint64_t mfn = alloc_frames(1, 1);
	unsigned int i;

	if (mfn == INVALID_PFN)
		return -XEN_ENOMEM;
	d->shared_info = mfn_to_virt(mfn);
	d->shared_info_mfn = mfn;
	memset(d->shared_info, 0, PAGE_SIZE);
	frame_assign(mfn, d->domid, PGF_NO_TABLE);
	m2p_set(mfn, INVALID_M2P_ENTRY);
	for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
	d->vcpu0.vcpu_info = &d->shared_info->vcpu_info[0];
	time_publish_vcpu(&d->vcpu0);
	time_publish_wallclock(d);
	return 0;
}

static void print_guest_state(const struct vcpu *v)
{
	const struct cpu_regs *r = guest_regs();

	printk("(PVX) d%u vcpu%u %s mode: RIP %04lx:%016lx RSP %04lx:%016lx "
	       "RFLAGS %08lx\n",
	       v->domain->domid, v->id, v->kernel_mode ? "kernel" : "user",
	       r->cs, r->rip, r->ss, r->rsp, r->rflags);
	printk("(PVX)   RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", r->rax,
	       r->rbx, r->rcx, r->rdx);
	printk("(PVX)   RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", r->rsi,
	       r->rdi, r->rbp, r->r8);
	printk("(PVX)   R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", r->r9,
	       r->r10, r->r11, r->r12);
	printk("(PVX)   R13 %016lx R14 %016lx R15 %016lx CR2 %016lx\n", r->r13,
	       r->r14, r->r15, v->cr2);
	printk("(PVX)   CR3 (kernel) mfn %lx, (user) mfn %lx\n", v->guest_table,
	       v->guest_table_user);
}

/* At the domain's end: the warnings the limit held back since the last
 * one printed. */
static void report_suppressed_warnings(struct domain *d)
{
	if (d->warn_limit.suppressed)
		pr_warn("d%u: %lu more warnings caused by the guest were not "
			"printed\n",
			d->domid, d->warn_limit.suppressed);
}

int guest_warn_allowed(struct domain *d)
{
	uint64_t suppressed;

	if (!ratelimit_allow(&d->warn_limit, arch_now_ns(), GUEST_WARN_BURST,
			     1000000000ull, &suppressed))
		return 0;
	if (suppressed)
		pr_warn("d%u: %lu more warnings caused by the guest were not "
			"printed\n",
			d->domid, suppressed);
	return 1;
}

__attribute__((noreturn)) void domain_crash(struct domain *d, const char *fmt,
					    ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("(PVX) *** domain %u crashed: %s\n", d->domid, msg);
	print_guest_state(&d->vcpu0);
	d->state = DOM_CRASHED;
	counters_print(d);
	report_suppressed_warnings(d);
	netback_print_stats();
	printk("(PVX) last domain gone: exit status %d (guest crash)\n",
	       PVX_EXIT_GUEST_CRASH);
	arch_exit(PVX_EXIT_GUEST_CRASH);
}

__attribute__((noreturn)) void domain_shutdown(struct domain *d,
					       unsigned int reason)
{
	static const char *const names[] = { "poweroff", "reboot",
					     "suspend",	 "crash",
					     "watchdog", "soft_reset" };
	int status = PVX_EXIT_OK;

	d->state = DOM_SHUTDOWN;
	d->shutdown_reason = reason;
	printk("(PVX) domain %u shut down: %s\n", d->domid,
	       reason < 6 ? names[reason] : "unknown reason");
	if (reason == SHUTDOWN_crash) {
		print_guest_state(&d->vcpu0);
		status = PVX_EXIT_GUEST_CRASH;
	} else if (reason == SHUTDOWN_reboot)
		status = PVX_EXIT_GUEST_REBOOT;
	counters_print(d);
	report_suppressed_warnings(d);
	netback_print_stats();
	printk("(PVX) last domain gone: exit status %d\n", status);
	arch_exit(status);
}

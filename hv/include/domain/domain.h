/*
 * Domains and virtual CPUs.
 *
 * One vCPU per domain so far. While a vCPU runs, its guest register frame
 * lives at the top of the hypervisor stack (guest_regs()): every entry
 * from guest mode (trap, interrupt, SYSCALL) saves the guest's registers
 * there and every return to the guest restores them from there, so the
 * hypercall and trap handlers edit the guest's state in place.
 */
#ifndef HV_DOMAIN_DOMAIN_H
#define HV_DOMAIN_DOMAIN_H

#include <stdint.h>
#include <public/xen_abi.h>
#include <arch/x86/regs.h>
#include <domain/counters.h>
#include <grant/grant_table.h>
#include <lib/ratelimit.h>

#define MAX_VIRQS 24
#define NR_EVTCHN 1024 /* 2-level ABI allows 4096; we need few */
#define NR_TRAPS  256

struct trap_bounce_target {
	uint64_t address; /* 0: no handler */
	uint8_t flags; /* trap_info.flags: DPL (bits 0-1), mask events (bit 2) */
};

struct vcpu {
	struct domain *domain;
	unsigned int id;

	/* Mode and address spaces (PV-BOOT.md 2.1). */
	int kernel_mode;	       /* guest kernel (1) or user (0) */
	uint64_t guest_table;	       /* kernel root L4 MFN, 0: none */
	uint64_t guest_table_user;     /* user root L4 MFN, 0: none */
	uint64_t kernel_ss, kernel_sp; /* stack_switch */
	uint64_t gs_base_kernel, gs_base_user, fs_base;

	/* Exception and event entry points. */
	struct trap_bounce_target traps[NR_TRAPS];
	uint64_t event_callback, failsafe_callback, syscall_callback;
	int syscall_masks_events;

	/* Virtual control state. */
	uint64_t cr2;	   /* last guest page fault address */
	uint64_t cr4;	   /* guest-visible CR4 */
	int fpu_ts;	   /* virtual CR0.TS */
	unsigned int iopl; /* virtual IOPL (physdev_op set_iopl) */
	uint64_t debugreg[8];

	/* Descriptor tables: guest GDT frames (set_gdt). */
	uint64_t gdt_mfns[FIRST_RESERVED_GDT_PAGE];
	unsigned int gdt_nr_frames, gdt_ents;
	uint64_t ldt_base;
	unsigned int ldt_ents;

	/* vcpu_info: in shared_info until register_vcpu_info moves it. */
	struct vcpu_info *vcpu_info;
	uint64_t vcpu_info_mfn; /* 0 while it is in shared_info */
	uint64_t runstate_va;	/* guest VA of vcpu_runstate_info, 0: none */
	struct vcpu_runstate_info runstate;

	/* Timers (ns of system time; 0: not armed). */
	uint64_t singleshot_deadline;
	uint64_t periodic_period, periodic_next;
	int virq_to_port[MAX_VIRQS];

	int blocked; /* in SCHEDOP_block */
};

enum domain_state { DOM_RUNNING, DOM_SHUTDOWN, DOM_CRASHED };

struct xs_conn;
struct blkback;
struct paging_ops;
struct shadow_domain;
struct vif;

struct evtchn {
	uint8_t state; /* EVTCHNSTAT_* (<xen/event_channel.h>) */
	uint8_t virq;
	uint16_t notify_vcpu;
	uint16_t remote_dom; /* unbound/interdomain peer */
	uint8_t guest_bound; /* the guest allocated it: it may close it */
	void (*backend)(struct domain *d, unsigned int port); /* ours, if any */
};

struct domain {
	uint16_t domid;
	struct vcpu vcpu0;

	/* How its page tables reach the hardware (include/mm/paging.h);
	 * shadow state only under paging=shadow (mm/shadow.c). */
	const struct paging_ops *paging;
	struct shadow_domain *shadow;

	/* Memory: guest frames are machine-contiguous, pfn p at first_mfn + p. */
	uint64_t nr_pages;
	uint64_t first_mfn;
	struct shared_info *shared_info;
	uint64_t shared_info_mfn;
	uint64_t vm_assist; /* VMASST_TYPE_* bits enabled */

	struct evtchn evtchn[NR_EVTCHN];
	unsigned int console_port;
	unsigned int store_port;    /* xenstore ring's event channel */
	struct xs_conn *store_conn; /* its connection (io/xenstore/) */
	struct blkback *blkback;    /* its VBD's backend, if any */
	struct vif *vif;	    /* its network interface, if any */
	struct xencons_interface *console_ring;
	int console_at_line_start;

	struct grant_table grant_table; /* max_frames 0 until set up */

	enum domain_state state;
	unsigned int shutdown_reason; /* SHUTDOWN_* */
	struct pvx_counters counters;
	struct ratelimit warn_limit; /* gwarn() */
};

#define guest_regs() arch_guest_regs()
struct cpu_regs *arch_guest_regs(void);
struct vcpu *current_vcpu(void);

struct domain *domain_create(uint16_t domid);
/* The guest broke a rule it cannot recover from: report and stop it. */
__attribute__((noreturn)) void domain_crash(struct domain *d, const char *fmt,
					    ...)
    __attribute__((format(printf, 2, 3)));
__attribute__((noreturn)) void domain_shutdown(struct domain *d,
					       unsigned int reason);
int shared_info_init(struct domain *d);

/* Warnings a guest can cause: at most GUEST_WARN_BURST a second per
 * domain, the rest counted and reported with the next one that passes
 * (lib/ratelimit.c), so the console cannot be flooded. */
#define GUEST_WARN_BURST 10
int guest_warn_allowed(struct domain *d);
#define gwarn(d, fmt, ...)                           \
	do {                                         \
		if (guest_warn_allowed(d))           \
			pr_warn(fmt, ##__VA_ARGS__); \
	} while (0)

/* Guest-triggerable diagnostics: debug level, never fatal. */
#define gdprintk(...) pr_debug("d1: " __VA_ARGS__)

#endif

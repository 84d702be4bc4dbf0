/*
 * The hypervisor's command-line options (the multiboot2 command line).
 * Each option is documented in boot/options.c's table and in hv/README.md.
 */
#ifndef HV_BOOT_OPTIONS_H
#define HV_BOOT_OPTIONS_H

#include <stdint.h>

enum crashtest {
	CRASH_NONE,
	CRASH_PAGE_FAULT,
	CRASH_INVALID_OPCODE,
	CRASH_DIVIDE_ERROR,
	CRASH_PANIC
};

/* Writable page tables: off, emulate each trapped store, or unhook the
 * table and revalidate it later (both advertised to guests as
 * XENFEAT_writable_page_tables). */
enum wpt_mode { WPT_OFF, WPT_EMULATE, WPT_UNHOOK };

/* shadow_pages=: the most shadow tables a domain may have (mm/shadow.c). */
#define SHADOW_PAGES_MAX 8192

/* paging=: in enum paging_mode order (include/mm/paging.h): direct,
 * shadow. */
struct hv_options {
	unsigned int loglvl;	/* enum log_level */
	int selftest;		/* run boot-time self-tests */
	unsigned int crashtest; /* enum crashtest: deliberate fault (tests) */
	unsigned int wpt;	/* enum wpt_mode */
	unsigned int paging;	/* enum paging_mode */
	uint64_t shadow_pages;	/* paging=shadow: pool size, in pages */
	char vfr[512];		/* VFR rules (io/vfr.h), parsed by netback */
};

extern struct hv_options hv_opts;

/* Parses the command line into hv_opts; a malformed option stops the
 * boot with PVX_EXIT_CONFIG and a message naming it. */
void options_init(const char *cmdline);

#endif

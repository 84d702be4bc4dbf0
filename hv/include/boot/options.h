/*
 * The hypervisor's command-line options (the multiboot2 command line).
 * Each option is documented in boot/options.c's table and in hv/README.md.
 */
#ifndef HV_BOOT_OPTIONS_H
#define HV_BOOT_OPTIONS_H

enum crashtest {
	CRASH_NONE,
	CRASH_PAGE_FAULT,
	CRASH_INVALID_OPCODE,
	CRASH_DIVIDE_ERROR,
	CRASH_PANIC
};

struct hv_options {
	unsigned int loglvl;	/* enum log_level */
	int selftest;		/* run boot-time self-tests */
	unsigned int crashtest; /* enum crashtest: deliberate fault (tests) */
};

extern struct hv_options hv_opts;

/* Parses the command line into hv_opts; a malformed option stops the
 * boot with PVX_EXIT_CONFIG and a message naming it. */
void options_init(const char *cmdline);

#endif

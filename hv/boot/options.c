/*
 * Hypervisor command-line options. The table is the documentation: name,
 * type, allowed values. Unknown options warn (so a command line meant for
 * a newer PVX still boots); malformed ones stop the boot.
 */
#include <lib/compiler.h>
#include <lib/printk.h>
#include <arch/hooks.h>
#include <boot/cmdline.h>
#include <boot/options.h>
#include <public/pvx.h>

struct hv_options hv_opts = { .loglvl = LOG_INFO,
			      .shadow_pages = SHADOW_PAGES_MAX };

static const char *const loglvl_names[] = { "error", "warn", "info", "debug",
					    NULL };
static const char *const crashtest_names[] = { "none",		 "pagefault",
					       "invalid-opcode", "divide-error",
					       "panic",		 NULL };

static const char *const wpt_names[] = { "off", "emulate", "unhook", NULL };
static const char *const paging_names[] = { "direct", "shadow", NULL };

static const struct opt hv_opt_table[] = {
	{ "paging", OPT_CHOICE, &hv_opts.paging, .choices = paging_names,
	  .help = "guest memory virtualization: direct (validated guest "
		  "tables), shadow (PVX-built shadow tables)" },
	{ "shadow_pages", OPT_UINT, &hv_opts.shadow_pages, .min = 32,
	  .max = SHADOW_PAGES_MAX,
	  .help = "paging=shadow: shadow tables per domain before all are "
		  "dropped and rebuilt" },
	{ "wpt", OPT_CHOICE, &hv_opts.wpt, .choices = wpt_names,
	  .help = "writable page tables for guests: off, emulate, unhook" },
	{ "vfr", OPT_STRING, hv_opts.vfr, .buflen = sizeof(hv_opts.vfr),
	  .help = "virtual firewall-router rules: RULE;RULE... (io/vfr.h)" },
	{ "loglvl", OPT_CHOICE, &hv_opts.loglvl, .choices = loglvl_names,
	  .help = "log verbosity" },
	{ "selftest", OPT_FLAG, &hv_opts.selftest,
	  .help = "run boot-time self-tests (frame allocator, heap, timer)" },
	{ "crashtest", OPT_CHOICE, &hv_opts.crashtest,
	  .choices = crashtest_names,
	  .help = "test only: fault on purpose after boot" },
};

static void warn_unknown(void *ctx, const char *name)
{
	(void)ctx;
	pr_warn("unknown option '%s' ignored\n", name);
}

void options_init(const char *cmdline)
{
	char err[200];

	if (cmdline_parse(cmdline, hv_opt_table, ARRAY_SIZE(hv_opt_table),
			  warn_unknown, NULL, err, sizeof(err))) {
		pr_err("command line: %s\n", err);
		pr_err("stopping: exit status %d (configuration error)\n",
		       PVX_EXIT_CONFIG);
		arch_exit(PVX_EXIT_CONFIG);
	}
	log_set_level((enum log_level)hv_opts.loglvl);
}

/* Boot-time self-tests and deliberate crashes, chosen by options. */
#ifndef HV_BOOT_SELFTEST_H
#define HV_BOOT_SELFTEST_H

struct boot_info;

/* Returns 0 if every self-test passed. */
int selftests_run(const struct boot_info *bi);
/* Faults as hv_opts.crashtest asks; returns if it is CRASH_NONE. */
void crashtest_run(void);

#endif

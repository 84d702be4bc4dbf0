/*
 * Domain configuration from the boot modules. Each module2 line names
 * its domain and role:
 *
 *   module2 /boot/vmlinux   dom=1 mem=512M cmdline="console=hvc0 ..."
 *   module2 /boot/rootfs.gz dom=1 role=ramdisk
 *
 * role defaults to kernel; mem (default 256M) and cmdline belong on the
 * kernel module. Every domain needs exactly one kernel and at most one
 * ramdisk. Pure logic: tested on the host.
 */
#ifndef HV_DOMAIN_CONFIG_H
#define HV_DOMAIN_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <boot/bootinfo.h>

#define MAX_BOOT_DOMAINS   8
#define DOMID_MAX_BOOT	   0x7fef /* below DOMID_FIRST_RESERVED */
#define GUEST_CMDLINE_MAX  1024	  /* MAX_GUEST_CMDLINE in xen.h */
#define DOMAIN_MEM_DEFAULT (256ull << 20)
#define DOMAIN_MEM_MIN	   (16ull << 20)
#define NO_MODULE	   (-1)

struct domain_config {
	uint16_t domid;
	uint64_t mem_bytes;
	char cmdline[GUEST_CMDLINE_MAX];
	int kernel_mod; /* index into boot_info.mods, or NO_MODULE */
	int ramdisk_mod;
};

struct boot_domains {
	struct domain_config dom[MAX_BOOT_DOMAINS];
	unsigned int nr;
};

typedef void (*config_warn_fn)(void *ctx, unsigned int mod, const char *name);

/* Returns 0, or -1 with err naming the module and the problem. */
int domain_config_parse(const struct boot_info *bi, struct boot_domains *out,
			config_warn_fn warn, void *ctx, char *err,
			size_t errlen);

#endif

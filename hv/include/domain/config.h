/*
 * Domain configuration from the boot modules. Each module2 line names
 * its domain and role:
 *
 *   module2 /boot/vmlinux   dom=1 mem=512M cmdline="console=hvc0 ..."
 *   module2 /boot/rootfs.gz dom=1 role=ramdisk
 *
 * role defaults to kernel; mem (default 256M), cmdline, vbd and vif belong
 * on the kernel module. Every domain needs exactly one kernel and at most one
 * ramdisk. A module with role=disk (and no dom=) is a disk of the machine
 * that VBDs refer to:
 *
 *   module2 /boot/disk.img role=disk
 *
 * Pure logic: tested on the host.
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

/*
 * A virtual block device (SOSP'03 3.3.6): a list of extents of one of
 * the machine's disks with an access mode, given to a domain as xvda,
 * whose sectors are the extents' sectors one after the other.
 *   vbd=DISK:START:COUNT[+START:COUNT...]:MODE
 *   DISK the disk's index (disk modules and devices in order), each
 *   extent's first sector START and its COUNT sectors (COUNT 0: to the end
 *   of the disk, for a VBD of one extent only), MODE r or w.
 */
#define VBD_MAX_EXTENTS 8

struct vbd_extent {
	uint64_t start, count; /* 512-byte sectors */
};

struct vbd_config {
	unsigned int disk;
	struct vbd_extent ext[VBD_MAX_EXTENTS];
	unsigned int nr_ext;
	int writable;
};

/*
 * A virtual network interface (SOSP'03 3.3.5), given to a domain as
 * eth0 and connected to the VFR:
 *   vif=MAC   the interface's MAC address, e.g. 52:54:00:12:34:56
 */
struct vif_config {
	uint8_t mac[6];
};

struct domain_config {
	uint16_t domid;
	uint64_t mem_bytes;
	char cmdline[GUEST_CMDLINE_MAX];
	int kernel_mod; /* index into boot_info.mods, or NO_MODULE */
	int ramdisk_mod;
	int has_vbd;
	struct vbd_config vbd;
	int has_vif;
	struct vif_config vif;
};

#define MAX_BOOT_DISKS 4

struct boot_domains {
	struct domain_config dom[MAX_BOOT_DOMAINS];
	unsigned int nr;
	int disk_mod[MAX_BOOT_DISKS]; /* modules given role=disk, in order */
	unsigned int nr_disks;
};

typedef void (*config_warn_fn)(void *ctx, unsigned int mod, const char *name);

/* Parses a vbd= value; 0 or -1 with a reason in err. */
int vbd_parse(const char *spec, struct vbd_config *out, char *err,
	      size_t errlen);

/* Parses a vif= value; 0 or -1 with a reason in err. */
int vif_parse(const char *spec, struct vif_config *out, char *err,
	      size_t errlen);

/* Returns 0, or -1 with err naming the module and the problem. */
int domain_config_parse(const struct boot_info *bi, struct boot_domains *out,
			config_warn_fn warn, void *ctx, char *err,
			size_t errlen);

#endif

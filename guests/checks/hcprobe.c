/*
 * hcprobe: hostile-guest probes of PVX's hypercall checks, from a PV
 * guest's user space through Linux's privcmd driver (the kernel issues
 * the hypercall with our arguments, as a buggy or malicious guest kernel
 * could). Every probe passes a bad argument and must get the stated
 * error code; none may take down the hypervisor. Prints one line per
 * probe and "hcprobe: N passed, M failed"; exits 1 if any failed.
 *
 * The last probes use the page-type rules on frames of our own: a page
 * found through /proc/self/pagemap and the read-only M2P is pinned as a
 * page table only once it is no longer mapped writable, and then cannot
 * be mapped writable anywhere (SOSP'03 3.3.3). With the argument
 * "shadow" (PVX's paging=shadow) those rules do not apply, since guest
 * tables are ordinary memory there; the probes check instead that pins
 * are bookkeeping, that updates land in the guest's copy, and that no
 * update may name a frame the guest does not own.
 *
 * Needs root and /dev/xen/privcmd (modprobe xen-privcmd unrestricted=1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>

#define HV_HOLE		0xffff830000000000ull	/* the hypervisor's direct map */
#define NONCANONICAL	0x8000000000000000ull
#define LOW_MFN		0x10ull			/* hypervisor-owned frame */

/* Hypercall and sub-op numbers (<xen/xen.h> and friends). */
enum { MMU_UPDATE = 1, CONSOLE_IO = 18, UPDATE_VA_MAPPING = 14, MULTICALL = 13,
       SET_TRAP_TABLE = 0, GRANT_TABLE_OP = 20, VCPU_OP = 24, MMUEXT_OP = 26,
       SCHED_OP = 29, EVENT_CHANNEL_OP = 32, SET_SEGMENT_BASE = 25 };

static int fd, passed, failed;
static char page[4096] __attribute__((aligned(4096)));

static long hypercall(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
		      uint64_t a3)
{
	privcmd_hypercall_t h = { op, { a0, a1, a2, a3, 0 } };
	long rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);

	return rc < 0 ? -errno : rc;
}

static void expect(const char *what, long rc, long want)
{
	int ok = rc == want;

	printf("hcprobe: %-58s rc=%-4ld expected=%-4ld %s\n", what, rc, want,
	       ok ? "ok" : "FAIL");
	ok ? passed++ : failed++;
}

static void probe_pointers(void)
{
	expect("console_io write from an unmapped buffer",
	       hypercall(CONSOLE_IO, 0, 16, 0x10, 0), -EFAULT);
	expect("console_io write from the hypervisor's memory",
	       hypercall(CONSOLE_IO, 0, 16, HV_HOLE, 0), -EFAULT);
	expect("mmu_update with an unmapped request list",
	       hypercall(MMU_UPDATE, 0x10, 1, 0, 0x7ff0), -EFAULT);
	expect("multicall with an unmapped list",
	       hypercall(MULTICALL, 0x10, 1, 0, 0), -EFAULT);
	expect("mmuext_op with an unmapped op list",
	       hypercall(MMUEXT_OP, 0x10, 1, 0, 0x7ff0), -EFAULT);
}

static void probe_memory(void)
{
	uint64_t req[2] = { LOW_MFN << 12, 0 };
	uint64_t ext[3] = { 3 /* PIN_L4_TABLE */, LOW_MFN, 0 };

	page[0] = 1;	/* make sure our page is mapped */
	expect("mmu_update of an entry in a frame the guest does not own",
	       hypercall(MMU_UPDATE, (uint64_t)req, 1, 0, 0x7ff0), -EPERM);
	expect("update_va_mapping of a hypervisor address",
	       hypercall(UPDATE_VA_MAPPING, HV_HOLE, 0, 0, 0), -EINVAL);
	expect("update_va_mapping mapping a foreign frame writable",
	       hypercall(UPDATE_VA_MAPPING, (uint64_t)page,
			 (LOW_MFN << 12) | 0x67, 0, 0), -EPERM);
	expect("mmuext_op pin of a frame the guest does not own",
	       hypercall(MMUEXT_OP, (uint64_t)ext, 1, 0, 0x7ff0), -EINVAL);
	expect("mmu_update for a foreign domain",
	       hypercall(MMU_UPDATE, (uint64_t)req, 1, 0, 5), -EPERM);
}

/* ---- the page-type rules, with frames of our own ---- */

#define M2P_BASE 0xffff800000000000ull	/* MACH2PHYS_VIRT_START, read-only */

static uint64_t pfn_of(void *va)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, ((uint64_t)va / 4096) * 8) != 8)
		entry = 0;
	close(fd);
	return (entry >> 63) ? entry & ((1ull << 55) - 1) : 0;
}

/* The machine frame behind pfn: the M2P maps mfn -> pfn, so search it. */
static uint64_t mfn_of(uint64_t pfn)
{
	struct { uint64_t v_start, v_end, max_mfn; } map;
	const volatile uint64_t *m2p = (const uint64_t *)M2P_BASE;

	if (!pfn || hypercall(12 /* memory_op */, 12 /* machphys_mapping */,
			      (uint64_t)&map, 0, 0))
		return 0;
	for (uint64_t mfn = 0; mfn <= map.max_mfn; mfn++)
		if (m2p[mfn] == pfn)
			return mfn;
	return 0;
}

/* Linux's direct map of all guest memory (not randomised under PV) and
 * its entries' flags (PAGE_KERNEL: P RW A D NX; read-only: P A NX). */
#define DIRECT_MAP	0xffff888000000000ull
#define PTE_KERNEL_RW	0x8000000000000063ull
#define PTE_KERNEL_RO	0x8000000000000021ull

static long mmuext(uint64_t cmd, uint64_t mfn)
{
	uint64_t op[3] = { cmd, mfn, 0 };

	return hypercall(MMUEXT_OP, (uint64_t)op, 1, 0, 0x7ff0);
}

static void probe_tables(void)
{
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	uint64_t pfn, mfn, alias;

	memset(p, 0, 2 * 4096);		/* an all-empty L1 table */
	pfn = pfn_of(p);
	mfn = mfn_of(pfn);
	if (!mfn) {
		expect("find own frames through pagemap and the M2P", -1, 0);
		return;
	}
	alias = DIRECT_MAP + pfn * 4096;
	expect("pin as a page table a frame our process maps writable",
	       mmuext(0 /* PIN_L1_TABLE */, mfn), -EINVAL);
	mprotect(p, 4096, PROT_READ);
	expect("... still refused: the kernel's direct map maps it writable",
	       mmuext(0, mfn), -EINVAL);
	expect("write-protect the direct-map alias too",
	       hypercall(UPDATE_VA_MAPPING, alias, (mfn << 12) | PTE_KERNEL_RO,
			 2 /* INVLPG */, 0), 0);
	expect("now the frame can be pinned as an L1 table", mmuext(0, mfn), 0);
	expect("a live page table cannot get a second, writable mapping",
	       hypercall(UPDATE_VA_MAPPING, (uint64_t)(p + 4096),
			 (mfn << 12) | 0x67, 2, 0), -EINVAL);
	expect("nor can its alias be made writable again",
	       hypercall(UPDATE_VA_MAPPING, alias, (mfn << 12) | PTE_KERNEL_RW,
			 2, 0), -EINVAL);
	expect("unpin it", mmuext(4 /* UNPIN_TABLE */, mfn), 0);
	expect("then the alias is writable again",
	       hypercall(UPDATE_VA_MAPPING, alias, (mfn << 12) | PTE_KERNEL_RW,
			 2, 0), 0);
	mprotect(p, 4096, PROT_READ | PROT_WRITE);
	munmap(p, 2 * 4096);
}

/* paging=shadow: the guest's tables are its own memory; only ownership
 * and the entry flags are checked, and the hardware walks shadows. */
static void probe_tables_shadow(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	volatile uint64_t *entries = (volatile uint64_t *)p;
	uint64_t pfn, mfn, req[2];

	memset(p, 0, 4096);
	pfn = pfn_of(p);
	mfn = mfn_of(pfn);
	if (!mfn) {
		expect("find own frames through pagemap and the M2P", -1, 0);
		return;
	}
	expect("pin is bookkeeping: a frame mapped writable can be pinned",
	       mmuext(0 /* PIN_L1_TABLE */, mfn), 0);
	expect("... but not twice", mmuext(0, mfn), -EINVAL);
	req[0] = (mfn << 12) + 8;
	req[1] = (LOW_MFN << 12) | 0x67;
	expect("an entry mapping a frame the guest does not own",
	       hypercall(MMU_UPDATE, (uint64_t)req, 1, 0, 0x7ff0), -EPERM);
	req[1] = (mfn << 12) | 0x67 | 0x10 /* PCD */;
	expect("an entry with cache-control flags",
	       hypercall(MMU_UPDATE, (uint64_t)req, 1, 0, 0x7ff0), -EINVAL);
	req[1] = (mfn << 12) | 0x25;
	expect("an entry mapping our own frame: applied to our copy",
	       hypercall(MMU_UPDATE, (uint64_t)req, 1, 0, 0x7ff0), 0);
	expect("... and visible there", entries[1] == req[1] ? 0 : -1, 0);
	expect("... while the refused ones left no trace",
	       entries[0] == 0 && entries[2] == 0 ? 0 : -1, 0);
	expect("unpin it", mmuext(4 /* UNPIN_TABLE */, mfn), 0);
	expect("unpin again", mmuext(4, mfn), -EINVAL);
	expect("update_va_mapping mapping a foreign frame read-only",
	       hypercall(UPDATE_VA_MAPPING, (uint64_t)(p + 0),
			 (LOW_MFN << 12) | 0x25, 2, 0), -EPERM);
	munmap(p, 4096);
}

static void probe_misc(void)
{
	uint64_t trap[2] = { 14 /* vector */, NONCANONICAL };
	uint32_t bad_port = 4000;

	expect("unknown hypercall 60", hypercall(60, 0, 0, 0, 0), -ENOSYS);
	expect("set_trap_table with a non-canonical handler",
	       hypercall(SET_TRAP_TABLE, (uint64_t)trap, 0, 0, 0), -EINVAL);
	expect("event_channel_op send on a port never allocated",
	       hypercall(EVENT_CHANNEL_OP, 4 /* send */, (uint64_t)&bad_port, 0, 0),
	       -EINVAL);
	expect("vcpu_op on a vCPU that does not exist",
	       hypercall(VCPU_OP, 3 /* is_up */, 5, 0, 0), -ENOENT);
	expect("sched_op shutdown with an unmapped argument",
	       hypercall(SCHED_OP, 2, 0x10, 0, 0), -EFAULT);
	expect("set_segment_base with a non-canonical base",
	       hypercall(SET_SEGMENT_BASE, 0, NONCANONICAL, 0, 0), -EINVAL);
}

int main(int argc, char **argv)
{
	int shadow = argc > 1 && !strcmp(argv[1], "shadow");

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0) {
		perror("hcprobe: /dev/xen/privcmd (modprobe xen-privcmd?)");
		return 2;
	}
	probe_pointers();
	probe_memory();
	probe_misc();
	if (shadow)
		probe_tables_shadow();
	else
		probe_tables();
	printf("hcprobe: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}

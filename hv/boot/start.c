/*
 * start_pvx(): the hypervisor's table of contents. boot.S enters here in
 * 64-bit mode on the boot stack with the multiboot2 information's
 * physical address; each line brings up one layer that the next needs.
 */
#include <lib/compiler.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/pv.h>
#include <boot/bootinfo.h>
#include <boot/cmdline.h>
#include <boot/options.h>
#include <boot/selftest.h>
#include <domain/build.h>
#include <domain/config.h>
#include <domain/domain.h>
#include <drivers/uart16550.h>
#include <mm/frames.h>
#include <mm/heap.h>
#include <mm/frame_table.h>
#include <mm/m2p.h>
#include <mm/memmap.h>
#include <time/time.h>
#include <io/xenstore_domain.h>
#include <drivers/ramdisk.h>
#include <drivers/pci.h>
#include <drivers/virtio_blk.h>
#include <drivers/virtio_net.h>
#include <io/netback.h>
#include <arch/x86/layout.h>
#include <public/pvx.h>

#define MBI_MAX_SIZE (1u << 20)

static struct boot_info boot_info;
static struct boot_domains boot_domains;

static __noreturn void config_error(const char *what, const char *err)
{
	pr_err("%s: %s\n", what, err);
	pr_err("stopping: exit status %d (configuration error)\n",
	       PVX_EXIT_CONFIG);
	arch_exit(PVX_EXIT_CONFIG);
}

static void boot_info_init(uint64_t mbi_phys, struct boot_info *bi)
{
	const uint32_t *mbi = arch_phys_to_virt(mbi_phys);
	char err[160];

	if (mb2_parse(mbi, MIN(mbi[0], MBI_MAX_SIZE), bi, err, sizeof(err)))
		config_error("boot information", err);
	bi->mbi_phys = mbi_phys;
}

static void print_boot_info(const struct boot_info *bi)
{
	unsigned int i;

	pr_info("PVX hypervisor, booted by %s\n",
		bi->loader[0] ? bi->loader : "an unnamed loader");
	pr_info("command line: \"%s\"\n", bi->cmdline);
	pr_info("memory map (%u regions):\n", bi->nr_mem);
	for (i = 0; i < bi->nr_mem; i++)
		pr_info("  %016lx-%016lx %s\n", bi->mem[i].base,
			bi->mem[i].base + bi->mem[i].len,
			mem_type_name(bi->mem[i].type));
	pr_info("modules (%u):\n", bi->nr_mods);
	for (i = 0; i < bi->nr_mods; i++)
		pr_info("  %u: %08lx-%08lx %6lu KiB \"%s\"\n", i,
			bi->mods[i].start, bi->mods[i].end,
			(bi->mods[i].end - bi->mods[i].start) >> 10,
			bi->mods[i].cmdline);
}

static void warn_module_word(void *ctx, unsigned int mod, const char *name)
{
	(void)ctx;
	pr_warn("module %u: unknown key '%s' ignored\n", mod, name);
}

static void domains_from_modules(const struct boot_info *bi,
				 struct boot_domains *doms)
{
	char err[200], mem[24];
	unsigned int i;

	if (domain_config_parse(bi, doms, warn_module_word, NULL, err,
				sizeof(err)))
		config_error("module lines", err);
	for (i = 0; i < doms->nr; i++) {
		const struct domain_config *d = &doms->dom[i];

		format_size(d->mem_bytes, mem, sizeof(mem));
		pr_info("domain %u: kernel module %d, ramdisk %s%d, mem %s, "
			"cmdline \"%s\"\n",
			d->domid, d->kernel_mod,
			d->ramdisk_mod == NO_MODULE ? "none" : "module ",
			d->ramdisk_mod == NO_MODULE ? 0 : d->ramdisk_mod, mem,
			d->cmdline);
	}
}

/* The boot's disk modules become block devices after the PCI disks. */
static void register_disks(const struct boot_info *bi,
			   const struct boot_domains *doms)
{
	unsigned int i;

	for (i = 0; i < doms->nr_disks; i++) {
		const struct boot_module *m = &bi->mods[doms->disk_mod[i]];

		if (ramdisk_register(m->start, m->end, i))
			config_error("disks", "too many block devices");
	}
}

static __noreturn void start_domains(const struct boot_info *bi,
				     const struct boot_domains *doms)
{
	struct domain *d;

	if (doms->nr > 1) {
		pr_err("%u domains configured; this build runs one\n",
		       doms->nr);
		arch_exit(PVX_EXIT_CONFIG);
	}
	d = pv_build_domain(bi, &doms->dom[0]);
	if (!d)
		config_error("domain builder", "the domain could not be built");
	pr_info("d%u: starting\n", d->domid);
	pv_start_vcpu(&d->vcpu0);
}

void start_pvx(uint64_t mbi_phys);
void start_pvx(uint64_t mbi_phys)
{
	struct boot_info *bi = &boot_info;

	uart_init(COM1_PORT, 115200); /* console: everything after prints */
	arch_desc_init();	      /* GDT, TSS, IDT: faults get reported */
	boot_info_init(mbi_phys, bi); /* copy the multiboot2 information */
	options_init(bi->cmdline);    /* our own command line */
	print_boot_info(bi);
	frames_init(bi); /* frame allocator over free RAM */
	arch_paging_init(memmap_top(bi->mem, bi->nr_mem)); /* full direct map */
	xheap_init();	      /* small-object heap */
	arch_time_init();     /* TSC, LAPIC timer */
	pci_init();	      /* enumerate PCI */
	virtio_blk_init();    /* virtio-blk disks -> blkdevs */
	virtio_net_init();    /* virtio-net NICs -> netdevs */
	if (netback_init()) { /* the VFR's rules, the NIC */
		pr_err("stopping: exit status %d (configuration error)\n",
		       PVX_EXIT_CONFIG);
		arch_exit(PVX_EXIT_CONFIG);
	}
	domains_from_modules(bi, &boot_domains); /* module lines -> domains */
	if (hv_opts.selftest && selftests_run(bi)) {
		pr_err("stopping: exit status %d (self-test failed)\n",
		       PVX_EXIT_SELFTEST);
		arch_exit(PVX_EXIT_SELFTEST);
	}
	crashtest_run();
	if (boot_domains.nr == 0) {
		pr_info("no domains configured: exit status %d\n", PVX_EXIT_OK);
		arch_exit(PVX_EXIT_OK);
	}
	frame_table_init(memmap_top(bi->mem, bi->nr_mem) / PAGE_SIZE);
	m2p_init(memmap_top(bi->mem, bi->nr_mem) / PAGE_SIZE); /* RO M2P */
	time_init();	     /* system time, wallclock */
	if (xenstore_init()) /* the machine's xenstore */
		config_error("xenstore", "out of memory");
	register_disks(bi, &boot_domains); /* disk modules: block devices */
	arch_pv_init();			   /* SYSCALL, PAT, guest FPU */
	start_domains(bi, &boot_domains);  /* build, run: never returns */
}

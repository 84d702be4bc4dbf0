/* Host tests of domain/config.c: module lines to domain configurations. */
#include <stdarg.h>
#include <stdint.h>
#include <domain/config.h>
#include "test.h"

static struct boot_info bi;
static struct boot_domains doms;
static char err[200];
static int warnings;

static void warn(void *ctx, unsigned int mod, const char *name)
{
	(void)ctx;
	(void)mod;
	(void)name;
	warnings++;
}

static int parse(int n, ...)
{
	va_list ap;
	int i;

	memset(&bi, 0, sizeof(bi));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		snprintf(bi.mods[i].cmdline, sizeof(bi.mods[i].cmdline), "%s",
			 va_arg(ap, const char *));
	va_end(ap);
	bi.nr_mods = (unsigned int)n;
	warnings = 0;
	err[0] = '\0';
	return domain_config_parse(&bi, &doms, warn, NULL, err, sizeof(err));
}

static void test_kernel_and_ramdisk(void)
{
	CHECK_EQ(parse(2, "dom=1 mem=512M \"cmdline=console=hvc0 quiet\"",
		       "dom=1 role=ramdisk"),
		 0);
	CHECK_EQ(doms.nr, 1);
	CHECK_EQ(doms.dom[0].domid, 1);
	CHECK_EQ(doms.dom[0].mem_bytes, 512ull << 20);
	CHECK_STR(doms.dom[0].cmdline, "console=hvc0 quiet");
	CHECK_EQ(doms.dom[0].kernel_mod, 0);
	CHECK_EQ(doms.dom[0].ramdisk_mod, 1);
}

static void test_defaults_and_path_word(void)
{
	CHECK_EQ(parse(2, "/boot/vmlinux dom=1", "dom=2 cmdline=\"x\" bogus"),
		 0);
	CHECK_EQ(doms.nr, 2);
	CHECK_EQ(doms.dom[0].mem_bytes, DOMAIN_MEM_DEFAULT);
	CHECK_EQ(doms.dom[0].ramdisk_mod, NO_MODULE);
	CHECK_STR(doms.dom[1].cmdline, "x");
	CHECK_EQ(warnings, 1);
}

static void test_errors(void)
{
	CHECK_EQ(parse(1, "mem=512M"), -1);
	CHECK(strstr(err, "module 0: missing dom=") != NULL);
	CHECK_EQ(parse(1, "dom=1 mem=12Q"), -1);
	CHECK(strstr(err, "mem=12Q") != NULL);
	CHECK_EQ(parse(1, "dom=1 mem=1M"), -1);
	CHECK(strstr(err, "out of range") != NULL);
	CHECK_EQ(parse(1, "dom=1 role=initrd"), -1);
	CHECK(strstr(err, "kernel|ramdisk") != NULL);
	CHECK_EQ(parse(1, "dom=1 role=ramdisk"), -1);
	CHECK(strstr(err, "no kernel module") != NULL);
	CHECK_EQ(parse(2, "dom=1", "dom=1"), -1);
	CHECK(strstr(err, "already has a kernel") != NULL);
	CHECK_EQ(parse(2, "dom=1", "dom=1 role=ramdisk mem=1G"), -1);
	CHECK(strstr(err, "belong on the kernel") != NULL);
	CHECK_EQ(parse(1, "dom=70000"), -1);
	CHECK_EQ(parse(1, "dom=1 cmdline=\"open"), -1);
	CHECK(strstr(err, "closing quote") != NULL);
}

static void test_disks_and_vbd(void)
{
	CHECK_EQ(parse(3, "role=disk", "dom=1 vbd=0:2048:0:w", "role=disk"), 0);
	CHECK_EQ(doms.nr_disks, 2);
	CHECK_EQ(doms.disk_mod[0], 0);
	CHECK_EQ(doms.disk_mod[1], 2);
	CHECK_EQ(doms.nr, 1);
	CHECK_EQ(doms.dom[0].has_vbd, 1);
	CHECK_EQ(doms.dom[0].vbd.disk, 0);
	CHECK_EQ(doms.dom[0].vbd.nr_ext, 1);
	CHECK_EQ(doms.dom[0].vbd.ext[0].start, 2048);
	CHECK_EQ(doms.dom[0].vbd.ext[0].count, 0);
	CHECK_EQ(doms.dom[0].vbd.writable, 1);
	CHECK_EQ(parse(1, "dom=1 vbd=1:0:100:r"), 0);
	CHECK_EQ(doms.dom[0].vbd.writable, 0);
	CHECK_EQ(doms.dom[0].vbd.ext[0].count, 100);
}

static void test_vbd_extent_list(void)
{
	const struct vbd_config *v = &doms.dom[0].vbd;

	CHECK_EQ(parse(1, "dom=1 vbd=0:100:50+1000:8+20:4:w"), 0);
	CHECK_EQ(v->nr_ext, 3);
	CHECK_EQ(v->ext[0].start, 100);
	CHECK_EQ(v->ext[0].count, 50);
	CHECK_EQ(v->ext[1].start, 1000);
	CHECK_EQ(v->ext[1].count, 8);
	CHECK_EQ(v->ext[2].start, 20);
	CHECK_EQ(v->ext[2].count, 4);
	CHECK_EQ(v->writable, 1);
	/* "to the end" only for a VBD of one extent */
	CHECK_EQ(parse(1, "dom=1 vbd=0:100:0+200:8:w"), -1);
	CHECK(strstr(err, "COUNT 0, to the end, only alone") != NULL);
	CHECK_EQ(parse(1, "dom=1 vbd=0:1:1+2:2+3:3+4:4+5:5+6:6+7:7+8:8:r"), 0);
	CHECK_EQ(v->nr_ext, 8);
	CHECK_EQ(parse(1, "dom=1 vbd=0:1:1+2:2+3:3+4:4+5:5+6:6+7:7+8:8+9:9:r"),
		 -1);
	CHECK_EQ(parse(1, "dom=1 vbd=0:1:1+:w"), -1);
	CHECK_EQ(parse(1, "dom=1 vbd=0:1:1+2:w"), -1);
	CHECK_EQ(parse(1, "dom=1 vbd=0:1:1+2:2"), -1);
}

static void test_disk_and_vbd_errors(void)
{
	CHECK_EQ(parse(1, "role=disk dom=1"), -1);
	CHECK(strstr(err, "a disk belongs to the machine") != NULL);
	CHECK_EQ(parse(1, "dom=1 vbd=0:0:0:x"), -1);
	CHECK(strstr(err, "vbd=0:0:0:x: expected "
			  "DISK:START:COUNT[+START:COUNT...]:r|w") != NULL);
	CHECK_EQ(parse(1, "dom=1 vbd=9:0:0:w"), -1);
	CHECK_EQ(parse(1, "dom=1 vbd=0:1:18446744073709551615:w"), -1);
	CHECK_EQ(parse(2, "dom=1", "dom=1 role=ramdisk vbd=0:0:0:w"), -1);
	CHECK(strstr(err, "belong on the kernel") != NULL);
}

static void test_vif(void)
{
	CHECK_EQ(parse(1, "dom=1 vif=52:54:00:aB:cd:EF"), 0);
	CHECK_EQ(doms.dom[0].has_vif, 1);
	CHECK_EQ(doms.dom[0].vif.mac[0], 0x52);
	CHECK_EQ(doms.dom[0].vif.mac[3], 0xab);
	CHECK_EQ(doms.dom[0].vif.mac[5], 0xef);
	CHECK_EQ(parse(1, "dom=1"), 0);
	CHECK_EQ(doms.dom[0].has_vif, 0);
}

static void test_vif_errors(void)
{
	static const char *const bad[] = {
		"dom=1 vif=52:54:00:12:34",    "dom=1 vif=52:54:00:12:34:56:",
		"dom=1 vif=52-54-00-12-34-56", "dom=1 vif=5:54:00:12:34:56",
		"dom=1 vif=52:54:00:12:34:5g", "dom=1 vif=ff:ff:ff:ff:ff:ff",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(parse(1, bad[i]), -1);
		CHECK(strstr(err, "expected a unicast MAC address") != NULL);
	}
	CHECK_EQ(parse(1, "dom=1 vif="), -1);
	CHECK(strstr(err, "vif: missing value") != NULL);
	CHECK_EQ(parse(2, "dom=1", "dom=1 role=ramdisk vif=52:54:00:12:34:56"),
		 -1);
	CHECK(strstr(err, "vif= belong on the kernel") != NULL);
}

int main(void)
{
	RUN(test_kernel_and_ramdisk);
	RUN(test_defaults_and_path_word);
	RUN(test_errors);
	RUN(test_disks_and_vbd);
	RUN(test_disk_and_vbd_errors);
	RUN(test_vbd_extent_list);
	RUN(test_vif);
	RUN(test_vif_errors);
	return TEST_DONE();
}

/*
 * pvxstat: reads or resets this domain's PVX event counters (pvx_op,
 * hv/include/public/pvx.h) through Linux's privcmd driver, so a
 * benchmark inside the guest can be bracketed by them:
 *
 *   pvxstat reset; <benchmark>; pvxstat read     -> one JSON object
 *
 * Needs /dev/xen/privcmd: modprobe xen-privcmd unrestricted=1.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>
#include "../../hv/include/public/pvx.h"

static const char *const scalar_names[] = {
	"bounces", "events_delivered", "timer_interrupts", "cr3_loads",
	"tlb_flushes", "mmu_update_entries", "mmuext_ops", "multicall_entries",
	"page_validations", "ptwr_emulations", "ptwr_unhooks",
	"ptwr_rehook_entries", "priv_op_emulations",
	"cpuid_emulations", "blk_requests", "blk_errors",
};
/* After the network backend's (counters version 2). */
static const char *const shadow_names[] = {
	"shadow_faults", "shadow_pages_created", "shadow_pages_freed",
	"shadow_root_hits", "shadow_root_misses", "shadow_resets",
};

/* The network backend's, after the histograms (struct pvx_counters). */
static const char *const net_names[] = {
	"net_tx_packets", "net_tx_bytes", "net_tx_errors", "net_tx_dropped",
	"net_rx_packets", "net_rx_bytes", "net_rx_dropped", "net_vfr_dropped",
};

static long pvx_op(int fd, unsigned long cmd, void *arg)
{
	privcmd_hypercall_t h = { __HYPERVISOR_pvx_op,
				  { cmd, (unsigned long)arg, 0, 0, 0 } };
	long rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);

	return rc < 0 ? -errno : rc;
}

static void print_array(const char *name, const uint64_t *a, int n, int sparse)
{
	int first = 1;

	printf("\"%s\":%c", name, sparse ? '{' : '[');
	for (int i = 0; i < n; i++) {
		if (sparse && !a[i])
			continue;
		if (sparse)
			printf("%s\"%d\":%llu", first ? "" : ",", i, (unsigned long long)a[i]);
		else
			printf("%s%llu", first ? "" : ",", (unsigned long long)a[i]);
		first = 0;
	}
	printf("%c", sparse ? '}' : ']');
}

static void print_json(const struct pvx_counters *c)
{
	const uint64_t *scalars = &c->bounces;

	printf("{\"pvx_counters\":%u,", c->version);
	for (unsigned i = 0; i < sizeof(scalar_names) / sizeof(scalar_names[0]); i++)
		printf("\"%s\":%llu,", scalar_names[i], (unsigned long long)scalars[i]);
	for (unsigned i = 0; i < sizeof(net_names) / sizeof(net_names[0]); i++)
		printf("\"%s\":%llu,", net_names[i], (unsigned long long)(&c->net_tx_packets)[i]);
	for (unsigned i = 0; i < sizeof(shadow_names) / sizeof(shadow_names[0]); i++)
		printf("\"%s\":%llu,", shadow_names[i],
		       (unsigned long long)(&c->shadow_faults)[i]);
	print_array("hypercalls", c->hypercalls, PVX_NR_HYPERCALLS, 1);
	putchar(',');
	print_array("traps", c->traps, 32, 1);
	putchar(',');
	print_array("mmu_update_batches_log2", c->mmu_update_batches, PVX_HIST_BUCKETS, 0);
	putchar(',');
	print_array("multicall_batches_log2", c->multicall_batches, PVX_HIST_BUCKETS, 0);
	printf("}\n");
}

int main(int argc, char **argv)
{
	struct pvx_counters c;
	int fd = open("/dev/xen/privcmd", O_RDWR);
	long rc;

	if (argc != 2 || (strcmp(argv[1], "read") && strcmp(argv[1], "reset"))) {
		fprintf(stderr, "usage: pvxstat read|reset\n");
		return 2;
	}
	if (fd < 0) {
		perror("pvxstat: /dev/xen/privcmd (modprobe xen-privcmd unrestricted=1?)");
		return 2;
	}
	if (!strcmp(argv[1], "reset"))
		rc = pvx_op(fd, PVXOP_counters_reset, NULL);
	else
		rc = pvx_op(fd, PVXOP_counters_read, &c);
	if (rc) {
		fprintf(stderr, "pvxstat: pvx_op failed: %s\n", strerror((int)-rc));
		return 1;
	}
	if (!strcmp(argv[1], "read")) {
		if (c.version != PVX_COUNTERS_VERSION || c.size != sizeof(c)) {
			fprintf(stderr, "pvxstat: counters version %u size %u, expected %u %zu\n",
				c.version, c.size, PVX_COUNTERS_VERSION, sizeof(c));
			return 1;
		}
		print_json(&c);
	}
	return 0;
}

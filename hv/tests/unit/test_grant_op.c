/* Host tests of grant/gnttab_op.c, the grant_table_op hypercall, over
 * grant/grant_table.c: what Linux's __gnttab_init sees (set_version,
 * query_size, setup_table) and what a bad argument gets. The
 * hypervisor services it uses are stubs here: one domain, and a guest
 * address space that is a window onto a host buffer (anything outside
 * it faults). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <domain/domain.h>
#include <domain/hypercall.h>
#include <grant/grant_table.h>
#include <grant/gnttab_domain.h>
#include "test.h"

#define GUEST_VA   0x400000ull /* the window's guest address */
#define GUEST_SIZE 4096
#define TABLE_MFN  5000

static uint8_t guest_mem[GUEST_SIZE];
static struct domain *dom;
static struct grant_table *table;
static void *frames[GNTTAB_MAX_FRAMES];
static unsigned int nr_alloc;
static uint64_t ro_va; /* a guest address that is read-only; 0: none */

/* ---- stubs of the hypervisor services gnttab_op.c calls ---- */

struct vcpu *current_vcpu(void)
{
	return &dom->vcpu0;
}

struct grant_table *domain_grant_table(struct domain *d)
{
	CHECK(d == dom);
	return table;
}

int guest_range_ok(uint64_t va, size_t len)
{
	return va >= GUEST_VA && len <= GUEST_SIZE &&
	       va - GUEST_VA <= GUEST_SIZE - len;
}

int copy_from_guest(void *dst, uint64_t va, size_t len)
{
	if (!guest_range_ok(va, len))
		return -1;
	memcpy(dst, guest_mem + (va - GUEST_VA), len);
	return 0;
}

int copy_to_guest(uint64_t va, const void *src, size_t len)
{
	if (!guest_range_ok(va, len) ||
	    (ro_va && ro_va >= va && ro_va - va < len))
		return -1;
	memcpy(guest_mem + (va - GUEST_VA), src, len);
	return 0;
}

int printk_level(enum log_level level, const char *fmt, ...)
{
	return 0;
}

/* ---- a machine for the table ---- */

static void *fake_alloc(void *ctx, uint64_t *mfn)
{
	if (nr_alloc == GNTTAB_MAX_FRAMES)
		return NULL;
	*mfn = TABLE_MFN + nr_alloc;
	return frames[nr_alloc++] = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
}

static void fake_free(void *ctx, void *va, uint64_t mfn)
{
	free(va);
}

static void fake_share(void *ctx, uint64_t mfn)
{
}

static int fake_get(void *ctx, uint64_t mfn, enum gnttab_access access)
{
	return 0;
}

static void fake_put(void *ctx, uint64_t mfn, enum gnttab_access access)
{
}

static const struct gnttab_ops fake_ops = {
	.alloc_frame = fake_alloc,
	.free_frame = fake_free,
	.share_frame = fake_share,
	.get_frame = fake_get,
	.put_frame = fake_put,
};

static void setup(unsigned int max_frames)
{
	dom = calloc(1, sizeof(*dom));
	dom->domid = 1;
	dom->vcpu0.domain = dom;
	table = calloc(1, sizeof(*table));
	nr_alloc = 0;
	ro_va = 0;
	memset(guest_mem, 0xee, sizeof(guest_mem));
	CHECK_EQ(gnttab_init(table, &fake_ops, dom, max_frames), 0);
}

static void teardown(void)
{
	gnttab_destroy(table);
	free(table);
	free(dom);
}

/* The guest's argument lives at the start of the window. */
#define ARG	GUEST_VA
#define ARG_PTR ((void *)guest_mem)
#define LIST_VA (GUEST_VA + 1024)

static long op(unsigned int cmd, const void *arg, size_t size, uint64_t count)
{
	memcpy(ARG_PTR, arg, size);
	return do_grant_table_op(cmd, ARG, count);
}

static struct gnttab_setup_table setup_arg(domid_t dom_, uint32_t nr)
{
	struct gnttab_setup_table s = { .dom = dom_,
					.nr_frames = nr,
					.status = 77 };

	set_xen_guest_handle(s.frame_list, (xen_pfn_t *)(uintptr_t)LIST_VA);
	return s;
}

static const struct gnttab_setup_table *setup_out(void)
{
	return ARG_PTR;
}

static xen_pfn_t listed(unsigned int i)
{
	return ((const xen_pfn_t *)(guest_mem + (LIST_VA - GUEST_VA)))[i];
}

/* ---- set_version / get_version ---- */

static void test_set_version_1_accepted(void)
{
	struct gnttab_set_version v = { .version = 1 };

	setup(4);
	CHECK_EQ(op(GNTTABOP_set_version, &v, sizeof(v), 1), 0);
	CHECK_EQ(((struct gnttab_set_version *)ARG_PTR)->version, 1);
	teardown();
}

static void test_set_version_2_is_enosys(void)
{
	struct gnttab_set_version v = { .version = 2 };

	setup(4);
	CHECK_EQ(op(GNTTABOP_set_version, &v, sizeof(v), 1), -XEN_ENOSYS);
	CHECK_EQ(((struct gnttab_set_version *)ARG_PTR)->version, 1);
	teardown();
}

static void test_set_version_other_is_einval(void)
{
	const uint32_t bad[] = { 0, 3, 0xffffffffu };
	unsigned int i;

	setup(4);
	for (i = 0; i < 3; i++) {
		struct gnttab_set_version v = { .version = bad[i] };

		CHECK_EQ(op(GNTTABOP_set_version, &v, sizeof(v), 1),
			 -XEN_EINVAL);
		CHECK_EQ(((struct gnttab_set_version *)ARG_PTR)->version, 1);
	}
	teardown();
}

static void test_get_version(void)
{
	struct gnttab_get_version g = { .dom = DOMID_SELF, .pad = 0x5555 };
	const struct gnttab_get_version *out = ARG_PTR;

	setup(4);
	CHECK_EQ(op(GNTTABOP_get_version, &g, sizeof(g), 1), 0);
	CHECK_EQ(out->version, 1);
	CHECK_EQ(out->pad, 0x5555); /* only version is written */
	g.dom = 7;
	CHECK_EQ(op(GNTTABOP_get_version, &g, sizeof(g), 1), -XEN_ESRCH);
	teardown();
}

/* ---- query_size ---- */

static void test_query_size_self(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF, .status = 77 };
	const struct gnttab_query_size *out = ARG_PTR;

	setup(4);
	CHECK_EQ(op(GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	CHECK_EQ(out->status, GNTST_okay);
	CHECK_EQ(out->nr_frames, 1);
	CHECK_EQ(out->max_nr_frames, 4);
	q.dom = 1; /* its own id works too */
	CHECK_EQ(op(GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	CHECK_EQ(out->status, GNTST_okay);
	teardown();
}

static void test_query_size_other_domain(void)
{
	struct gnttab_query_size q = { .dom = 0 };
	const struct gnttab_query_size *out = ARG_PTR;

	setup(4);
	CHECK_EQ(op(GNTTABOP_query_size, &q, sizeof(q), 1), 0);
	CHECK_EQ((int16_t)out->status, GNTST_bad_domain);
	teardown();
}

static void test_query_size_bad_args(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	setup(4);
	CHECK_EQ(op(GNTTABOP_query_size, &q, sizeof(q), 2), -XEN_EINVAL);
	CHECK_EQ(op(GNTTABOP_query_size, &q, sizeof(q), 0), -XEN_EINVAL);
	CHECK_EQ(do_grant_table_op(GNTTABOP_query_size, 0, 1), -XEN_EFAULT);
	CHECK_EQ(do_grant_table_op(GNTTABOP_query_size,
				   GUEST_VA + GUEST_SIZE - 8, 1),
		 -XEN_EFAULT);
	teardown();
}

/* ---- setup_table ---- */

static void test_setup_table_first_frame(void)
{
	struct gnttab_setup_table s = setup_arg(DOMID_SELF, 1);

	setup(4);
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	CHECK_EQ(setup_out()->status, GNTST_okay);
	CHECK_EQ(listed(0), TABLE_MFN);
	CHECK_EQ(listed(1), 0xeeeeeeeeeeeeeeeeull); /* only nr_frames */
	CHECK_EQ(gnttab_nr_frames(table), 1);
	teardown();
}

static void test_setup_table_grows(void)
{
	struct gnttab_setup_table s = setup_arg(DOMID_SELF, 3);
	unsigned int i;

	setup(4);
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	CHECK_EQ(setup_out()->status, GNTST_okay);
	CHECK_EQ(gnttab_nr_frames(table), 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ(listed(i), TABLE_MFN + i);
	/* Only status is written back: the rest of the argument stays. */
	CHECK_EQ(setup_out()->nr_frames, 3);
	CHECK(setup_out()->frame_list.p == s.frame_list.p);
	teardown();
}

static void test_setup_table_beyond_max(void)
{
	struct gnttab_setup_table s = setup_arg(DOMID_SELF, 5);

	setup(4);
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	CHECK_EQ((int16_t)setup_out()->status, GNTST_general_error);
	CHECK_EQ(gnttab_nr_frames(table), 1);
	CHECK_EQ(listed(0), 0xeeeeeeeeeeeeeeeeull);
	teardown();
}

static void test_setup_table_other_domain(void)
{
	struct gnttab_setup_table s = setup_arg(0, 1);

	setup(4);
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	CHECK_EQ((int16_t)setup_out()->status, GNTST_bad_domain);
	teardown();
}

static void test_setup_table_bad_list(void)
{
	struct gnttab_setup_table s = setup_arg(DOMID_SELF, 2);

	setup(4);
	/* The list runs off the end of guest memory: nothing happens. */
	set_xen_guest_handle(
	    s.frame_list, (xen_pfn_t *)(uintptr_t)(GUEST_VA + GUEST_SIZE - 8));
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 1), -XEN_EFAULT);
	CHECK_EQ(gnttab_nr_frames(table), 1);
	set_xen_guest_handle(s.frame_list, NULL);
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 1), -XEN_EFAULT);
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 2), -XEN_EINVAL);
	teardown();
}

/* The list is in range but part of it cannot be written: Xen's answer
 * is GNTST_bad_virt_addr in status, after the frames before it. */
static void test_setup_table_list_faults(void)
{
	struct gnttab_setup_table s = setup_arg(DOMID_SELF, 3);

	setup(4);
	ro_va = LIST_VA + 8;
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
	CHECK_EQ((int16_t)setup_out()->status, GNTST_bad_virt_addr);
	CHECK_EQ(listed(0), TABLE_MFN);
	teardown();
}

/* The status field itself cannot be written back. */
static void test_setup_table_status_faults(void)
{
	struct gnttab_setup_table s = setup_arg(DOMID_SELF, 1);

	setup(4);
	ro_va = ARG + offsetof(struct gnttab_setup_table, status);
	CHECK_EQ(op(GNTTABOP_setup_table, &s, sizeof(s), 1), -XEN_EFAULT);
	teardown();
}

/* ---- the rest ---- */

static void test_other_ops_enosys(void)
{
	const unsigned int cmds[] = { GNTTABOP_map_grant_ref,
				      GNTTABOP_unmap_grant_ref,
				      GNTTABOP_dump_table,
				      GNTTABOP_transfer,
				      GNTTABOP_copy,
				      GNTTABOP_unmap_and_replace,
				      GNTTABOP_get_status_frames,
				      GNTTABOP_swap_grant_ref,
				      GNTTABOP_cache_flush,
				      13,
				      0xfff };
	unsigned int i;

	setup(4);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		CHECK_EQ(do_grant_table_op(cmds[i], ARG, 1), -XEN_ENOSYS);
	teardown();
}

static void test_bad_cmd_and_count(void)
{
	setup(4);
	CHECK_EQ(do_grant_table_op(GNTTABOP_query_size | 0x1000, ARG, 1),
		 -XEN_EINVAL);
	CHECK_EQ(do_grant_table_op(1ull << 32, ARG, 1), -XEN_EINVAL);
	CHECK_EQ(do_grant_table_op(GNTTABOP_query_size, ARG, 0x80000000ull),
		 -XEN_EINVAL);
	teardown();
}

static void test_no_table_is_enosys(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	setup(4);
	gnttab_destroy(table); /* max_frames 0: never set up */
	CHECK_EQ(op(GNTTABOP_query_size, &q, sizeof(q), 1), -XEN_ENOSYS);
	free(table);
	table = NULL;
	CHECK_EQ(op(GNTTABOP_query_size, &q, sizeof(q), 1), -XEN_ENOSYS);
	free(dom);
}

int main(void)
{
	RUN(test_set_version_1_accepted);
	RUN(test_set_version_2_is_enosys);
	RUN(test_set_version_other_is_einval);
	RUN(test_get_version);
	RUN(test_query_size_self);
	RUN(test_query_size_other_domain);
	RUN(test_query_size_bad_args);
	RUN(test_setup_table_first_frame);
	RUN(test_setup_table_grows);
	RUN(test_setup_table_beyond_max);
	RUN(test_setup_table_other_domain);
	RUN(test_setup_table_bad_list);
	RUN(test_setup_table_list_faults);
	RUN(test_setup_table_status_faults);
	RUN(test_other_ops_enosys);
	RUN(test_bad_cmd_and_count);
	RUN(test_no_table_is_enosys);
	return TEST_DONE();
}

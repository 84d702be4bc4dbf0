/*
 * The PV domain builder (PV-BOOT.md section 1; Xen's xg_dom_x86.c and
 * dom0_build.c): load the kernel ELF by physical address, lay out the
 * start-of-day pages (domain/layout.c), build the initial page tables and
 * the P2M, fill start_info and shared_info, then push the page tables
 * through the same validation every guest table gets and pin them, so
 * the guest starts in a state the type rules already vouch for.
 */
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/panic.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/page.h>
#include <arch/x86/layout.h>
#include <boot/bootinfo.h>
#include <boot/options.h>
#include <domain/build.h>
#include <domain/config.h>
#include <domain/domain.h>
#include <grant/gnttab_domain.h>
#include <domain/elf.h>
#include <domain/layout.h>
#include <event/evtchn.h>
#include <io/console.h>
#include <io/xenstore_domain.h>
#include <io/blkback.h>
#include <io/netback.h>
#include <mm/frame_table.h>
#include <mm/frames.h>
#include <mm/m2p.h>
#include <mm/paging.h>
#include <mm/pgtable.h>
#include <time/time.h>

#define PT_FLAGS                                                  \
	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | \
	 _PAGE_DIRTY)					  /* 0x67 */
#define L1_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED) /* 0x23 */
#define L1_RO (_PAGE_PRESENT | _PAGE_ACCESSED)		  /* 0x21 */

struct builder {
	struct domain *d;
	struct pv_kernel k;
	struct pv_layout l;
	const void *kernel_image, *initrd;
};

static uint64_t pfn_to_mfn(const struct builder *b, uint64_t pfn)
{
	return b->d->first_mfn + pfn;
}

static void *pfn_to_virt(const struct builder *b, uint64_t pfn)
{
	return mfn_to_virt(pfn_to_mfn(b, pfn));
}

static uint64_t pfn_va(const struct builder *b, uint64_t pfn)
{
	return b->l.virt_base + pfn * PAGE_SIZE;
}

static int alloc_guest_memory(struct builder *b)
{
	struct domain *d = b->d;
	uint64_t pfn, first = alloc_frames(d->nr_pages, 1);

	if (first == INVALID_PFN)
		return -XEN_ENOMEM;
	d->first_mfn = first;
	/* Frames may hold old data (ours, or a previous boot's): clear. */
	memset(mfn_to_virt(first), 0, d->nr_pages * PAGE_SIZE);
	for (pfn = 0; pfn < d->nr_pages; pfn++) {
		frame_assign(first + pfn, d->domid, 0);
		m2p_set(first + pfn, pfn);
	}
	return 0;
}

static void load_kernel(struct builder *b)
{
	const struct pv_kernel *k = &b->k;
	unsigned int i;

	for (i = 0; i < k->nr_load; i++) {
		const struct elf_load *s = &k->load[i];
		uint64_t pa = s->paddr - k->paddr_offset;

		/* The guest range is contiguous, so one copy per segment. */
		memcpy((char *)pfn_to_virt(b, pa / PAGE_SIZE) + pa % PAGE_SIZE,
		       (const char *)b->kernel_image + s->offset, s->filesz);
	}
}

/* Hypercall page for kernels that ask for one (XEN_ELFNOTE_HYPERCALL_PAGE):
 * slot i is "push %rcx; push %r11; mov $i,%eax; syscall; pop %r11;
 * pop %rcx; ret", slot 23 (iret) has no return (PV-BOOT.md 1.9). */
static void fill_hypercall_page(struct builder *b)
{
	uint64_t va = b->k.hypercall_page,
		 pfn = (va - b->l.virt_base) / PAGE_SIZE;
	uint8_t *p = pfn_to_virt(b, pfn);
	unsigned int i;

	memset(p, 0xcc, PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE / 32; i++, p += 32) {
		const uint8_t normal[] = { 0x51, 0x41, 0x53, 0xb8, (uint8_t)i,
					   0,	 0,    0,    0x0f, 0x05,
					   0x41, 0x5b, 0x59, 0xc3 };
		const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23,
					 0,    0,    0,	   0x0f, 0x05 };

		if (i == __HYPERVISOR_iret)
			memcpy(p, iret, sizeof(iret));
		else
			memcpy(p, normal, sizeof(normal));
	}
}

/* Maps [va, va + n pages) to pfns from first_pfn with the given L1 flags,
 * using the table frames that start at *next_pt (allocated in order). */
struct mapper {
	struct builder *b;
	uint64_t *l4;
	uint64_t next_pt; /* next unused table pfn */
};

static uint64_t *table_for(struct mapper *m, uint64_t *parent, unsigned int idx)
{
	uint64_t pfn;

	if (!(parent[idx] & _PAGE_PRESENT)) {
		pfn = m->next_pt++;
		parent[idx] = (pfn_to_mfn(m->b, pfn) << PAGE_SHIFT) | PT_FLAGS;
	}
	return mfn_to_virt(PTE_MFN(parent[idx]));
}

static void map_pages(struct mapper *m, uint64_t va, uint64_t first_pfn,
		      uint64_t n, uint64_t (*flags)(struct builder *, uint64_t))
{
	uint64_t i;

	for (i = 0; i < n; i++, va += PAGE_SIZE) {
		uint64_t *l3 = table_for(m, m->l4, pt_index(va, L4_SHIFT));
		uint64_t *l2 = table_for(m, l3, pt_index(va, L3_SHIFT));
		uint64_t *l1 = table_for(m, l2, pt_index(va, L2_SHIFT));

		l1[pt_index(va, L1_SHIFT)] =
		    (pfn_to_mfn(m->b, first_pfn + i) << PAGE_SHIFT) |
		    flags(m->b, first_pfn + i);
	}
}

/* Page-table frames are mapped read-only, everything else read-write. */
static uint64_t initial_flags(struct builder *b, uint64_t pfn)
{
	const struct pv_layout *l = &b->l;

	return (pfn >= l->pt_pfn && pfn < l->pt_pfn + l->nr_pt) ? L1_RO : L1_RW;
}

static uint64_t rw_flags(struct builder *b, uint64_t pfn)
{
	(void)b;
	(void)pfn;
	return L1_RW;
}

static void build_page_tables(struct builder *b)
{
	const struct pv_layout *l = &b->l;
	struct mapper m = { b, pfn_to_virt(b, l->pt_pfn), l->pt_pfn + 1 };
	uint64_t n = (l->v_end - l->virt_base) / PAGE_SIZE;

	/* Tables are taken in order L3, L2, L1 as the walk first needs them;
	 * with one L3 and one L2 this is the toolstack order L4 L3 L2 L1s. */
	map_pages(&m, l->virt_base, 0, n, initial_flags);
	BUG_ON(m.next_pt != l->pt_pfn + l->nr_pt);
	m.next_pt = l->p2m_pt_pfn;
	map_pages(&m, l->p2m_va, l->p2m_pfn, l->p2m_pages, rw_flags);
	BUG_ON(m.next_pt != l->p2m_pt_pfn + l->p2m_nr_pt);
}

static void fill_p2m(struct builder *b)
{
	uint64_t *p2m = pfn_to_virt(b, b->l.p2m_pfn), pfn;
	uint64_t slots = b->l.p2m_pages * (PAGE_SIZE / 8);

	for (pfn = 0; pfn < slots; pfn++)
		p2m[pfn] = pfn < b->d->nr_pages ? pfn_to_mfn(b, pfn) : ~0ull;
}

static void fill_start_info(struct builder *b, const char *cmdline)
{
	const struct pv_layout *l = &b->l;
	struct start_info *si = pfn_to_virt(b, l->start_info_pfn);

	strlcpy(si->magic, "xen-3.0-x86_64", sizeof(si->magic));
	si->nr_pages = b->d->nr_pages;
	si->shared_info = b->d->shared_info_mfn << PAGE_SHIFT;
	si->store_mfn = pfn_to_mfn(b, l->store_pfn);
	si->store_evtchn = b->d->store_port;
	si->console.domU.mfn = pfn_to_mfn(b, l->console_pfn);
	si->console.domU.evtchn = b->d->console_port;
	si->pt_base = pfn_va(b, l->pt_pfn);
	si->nr_pt_frames = l->nr_pt;
	si->mfn_list = l->p2m_va;
	si->first_p2m_pfn = l->p2m_pfn;
	si->nr_p2m_frames = l->p2m_pages + l->p2m_nr_pt;
	if (l->initrd_len) {
		si->flags |= SIF_MOD_START_PFN;
		si->mod_start = l->initrd_pfn;
		si->mod_len = l->initrd_len;
	}
	strlcpy((char *)si->cmd_line, cmdline, sizeof(si->cmd_line));
}

static void init_vcpu_regs(struct builder *b)
{
	struct cpu_regs *r = guest_regs();
	struct vcpu *v = &b->d->vcpu0;

	memset(r, 0, sizeof(*r));
	r->rip = b->k.entry;
	r->rsp = pfn_va(b, b->l.stack_pfn + 1);
	r->rsi = pfn_va(b, b->l.start_info_pfn);
	r->rflags = 0x202;
	r->cs = FLAT_KERNEL_CS;
	r->ss = FLAT_KERNEL_SS;
	v->kernel_mode = 1;
	v->kernel_ss = FLAT_KERNEL_SS;
	v->kernel_sp = r->rsp;
}

/* Pinning, exactly as MMUEXT_PIN_L4_TABLE would do it (under direct
 * paging: validation), then the root the vCPU starts on. */
static int pin_initial_tables(struct builder *b)
{
	uint64_t l4 = pfn_to_mfn(b, b->l.pt_pfn);
	int rc = b->d->paging->pin(b->d, l4, PGT_L4);

	if (rc)
		return rc;
	return b->d->paging->set_root(&b->d->vcpu0, 0, l4);
}

static int builder_fail(const char *why, int rc)
{
	pr_err("domain builder: %s (%d)\n", why, rc);
	return rc;
}

static int build(struct builder *b, const struct domain_config *cfg)
{
	int rc;

	if ((rc = alloc_guest_memory(b)))
		return builder_fail("out of memory for the guest", rc);
	if ((rc = paging_domain_init(b->d, (enum paging_mode)hv_opts.paging)))
		return builder_fail("the paging mode could not be set up", rc);
	load_kernel(b);
	if (b->k.hypercall_page)
		fill_hypercall_page(b);
	if (b->initrd)
		memcpy(pfn_to_virt(b, b->l.initrd_pfn), b->initrd,
		       b->l.initrd_len);
	build_page_tables(b);
	fill_p2m(b);
	if ((rc = shared_info_init(b->d)))
		return builder_fail("no frame for shared_info", rc);
	evtchn_init(b->d);
	if ((rc = gnttab_domain_init(b->d)))
		return builder_fail("no frame for the grant table", rc);
	console_backend_init(b->d, pfn_to_virt(b, b->l.console_pfn));
	if ((rc = xenstore_domain_setup(b->d, pfn_to_virt(b, b->l.store_pfn))))
		return builder_fail("xenstore connection failed", rc);
	if (cfg->has_vbd && (rc = blkback_setup(b->d, &cfg->vbd)))
		return builder_fail("the domain's vbd could not be set up", rc);
	if (cfg->has_vif && (rc = netback_setup(b->d, &cfg->vif)))
		return builder_fail("the domain's vif could not be set up", rc);
	fill_start_info(b, cfg->cmdline);
	init_vcpu_regs(b);
	if ((rc = pin_initial_tables(b)))
		return builder_fail("initial page tables failed validation",
				    rc);
	return 0;
}

static void print_layout(const struct builder *b)
{
	const struct pv_layout *l = &b->l;

	pr_info("d%u: kernel %s, entry %016lx, %lu MiB at mfn %lx\n",
		b->d->domid, b->k.guest_os, b->k.entry,
		b->d->nr_pages >> (20 - PAGE_SHIFT), b->d->first_mfn);
	pr_info("d%u: start_info pfn %lx, page tables pfn %lx+%lu, v_end "
		"%016lx\n",
		b->d->domid, l->start_info_pfn, l->pt_pfn, l->nr_pt, l->v_end);
	pr_info("d%u: initrd pfn %lx (%lu KiB), p2m pfn %lx+%lu at %016lx\n",
		b->d->domid, l->initrd_pfn, l->initrd_len >> 10, l->p2m_pfn,
		l->p2m_pages + l->p2m_nr_pt, l->p2m_va);
}

struct domain *pv_build_domain(const struct boot_info *bi,
			       const struct domain_config *cfg)
{
	static struct builder b;
	const struct boot_module *km = &bi->mods[cfg->kernel_mod];
	const struct boot_module *rm =
	    cfg->ramdisk_mod == NO_MODULE ? NULL : &bi->mods[cfg->ramdisk_mod];
	char err[160];

	memset(&b, 0, sizeof(b));
	b.kernel_image = arch_phys_to_virt(km->start);
	if (elf_parse_pv_kernel(b.kernel_image, km->end - km->start, &b.k, err,
				sizeof(err))) {
		pr_err("domain %u: %s\n", cfg->domid, err);
		return NULL;
	}
	if (pv_layout_compute(&b.k, cfg->mem_bytes / PAGE_SIZE,
			      rm ? rm->end - rm->start : 0, &b.l, err,
			      sizeof(err))) {
		pr_err("domain %u: %s\n", cfg->domid, err);
		return NULL;
	}
	b.initrd = rm ? arch_phys_to_virt(rm->start) : NULL;
	b.d = domain_create(cfg->domid);
	b.d->nr_pages = cfg->mem_bytes / PAGE_SIZE;
	if (build(&b, cfg))
		return NULL;
	print_layout(&b);
	return b.d;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ptattack: a hostile PV guest kernel, as a module for Debian's stock
 * kernel. It attacks the page-type rules of PVX (SOSP'03 3.3.3) the way
 * only kernel code can: with plain stores into its own live page-table
 * pages, the path that writable page tables (wpt=emulate, wpt=unhook)
 * open, besides the hypercall paths. Every attempt must be refused; the
 * hypervisor must keep running.
 *
 * Reading /proc/ptattack runs the attempts that a correct hypervisor
 * refuses without ending the domain, and returns one line each:
 *
 *   ptattack: <attempt>: refused (store rc -14, entry unchanged)
 *   ptattack: <attempt>: NOT REFUSED (hypercall rc 0, entry changed)
 *   ptattack: <N> refused, <M> not refused
 *
 * The target is the L1 entry that maps a vmalloc'd page: a live table of
 * the kernel's address space. "Refused" means, for a store, that it
 * faulted (the hypervisor found the new entry invalid and reflected the
 * page fault, which the store's exception-table entry catches) and the
 * entry kept its value; for a hypercall, an error code and the entry
 * unchanged. An attempt that went through is undone at once.
 *
 * Writing "private-foreign" or "private-ptwritable" to /proc/ptattack
 * builds a page-table pair no address space uses (an L1 held by one
 * entry of a pinned L2) and stores a bad entry into the L1: a frame the
 * domain does not own, or a writable mapping of the L2. With wpt=off or
 * emulate the store faults and the write returns -EPERM. With
 * wpt=unhook the hypervisor lets the store happen (the table is
 * unreachable, so unhooked: mm/ptwr_unhook.c) and must refuse the entry
 * when it rehooks the table at the next hypercall, by crashing the
 * domain: the write then never returns.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>
#include <xen/interface/version.h>
#include <xen/interface/xen.h>
#include <xen/xen.h>

#define FLAGS_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define HV_MFN	 0x10ul /* low memory: the hypervisor's, never a guest's */

/* ---- stores with an exception-table fixup (the guest kernel's view of a
 * refused store is a page fault at the store) ---- */

static int store_mov(pteval_t *p, pteval_t v)
{
	__put_kernel_nofault(p, &v, pteval_t, fault);
	return 0;
fault:
	return -EFAULT;
}

/* The low half only (the frame number's low bits and the flags): the
 * hypervisor must merge it into the whole entry before checking it. */
static int store_mov32(pteval_t *p, pteval_t v)
{
	u32 lo = (u32)v;

	__put_kernel_nofault((u32 *)p, &lo, u32, fault);
	return 0;
fault:
	return -EFAULT;
}

static int store_xchg(pteval_t *p, pteval_t v)
{
	/* clang-format would split the asm operand "%l[fault]" */
	/* clang-format off */
	asm_goto_output("1: xchgq %[v], %[mem]\n"
			_ASM_EXTABLE_UA(1b, %l[fault])
			: [v] "+r"(v), [mem] "+m"(*p)
			:
			: "memory"
			: fault);
	/* clang-format on */
	return 0;
fault:
	return -EFAULT;
}

static int store_cmpxchg(pteval_t *p, pteval_t v)
{
	pteval_t old = READ_ONCE(*p);

	/* clang-format off */
	asm_goto_output("1: lock cmpxchgq %[v], %[mem]\n"
			_ASM_EXTABLE_UA(1b, %l[fault])
			: "+a"(old), [mem] "+m"(*p)
			: [v] "r"(v)
			: "memory", "cc"
			: fault);
	/* clang-format on */
	return 0;
fault:
	return -EFAULT;
}

/* ---- the live target: the L1 entry mapping one vmalloc'd page ---- */

struct target {
	void *va;    /* the page */
	pte_t *ptep; /* its L1 entry (the L1 page is mapped read-only) */
	u64 old;     /* the entry's machine form */
	unsigned long l1_mfn, root_mfn;
};

static int target_get(struct target *t)
{
	unsigned int level;

	t->va = vmalloc(PAGE_SIZE);
	if (!t->va)
		return -ENOMEM;
	memset(t->va, 0x5a, PAGE_SIZE);
	t->ptep = lookup_address((unsigned long)t->va, &level);
	if (!t->ptep || level != PG_LEVEL_4K) {
		vfree(t->va);
		return -EINVAL;
	}
	t->old = READ_ONCE(t->ptep->pte);
	t->l1_mfn = virt_to_mfn(t->ptep);
	t->root_mfn = virt_to_mfn(current->active_mm->pgd);
	return 0;
}

/* Puts the entry back if an attempt changed it; returns 1 if it had. */
static int target_restore(struct target *t)
{
	if (READ_ONCE(t->ptep->pte) == t->old)
		return 0;
	if (HYPERVISOR_update_va_mapping((unsigned long)t->va, __pte_ma(t->old),
					 UVMF_INVLPG))
		pr_err("ptattack: could not restore the entry of %px\n", t->va);
	return 1;
}

/* ---- the attempts ---- */

struct tally {
	struct seq_file *m;
	unsigned int refused, accepted;
};

/* how: "store" (rc -EFAULT: it faulted) or "hypercall" (its error). */
static void verdict(struct tally *y, struct target *t, const char *what,
		    long rc, const char *how)
{
	int changed = target_restore(t);
	int refused = rc < 0 && !changed;

	seq_printf(y->m, "ptattack: %s: %s (%s rc %ld, entry %s)\n", what,
		   refused ? "refused" : "NOT REFUSED", how, rc,
		   changed ? "changed" : "unchanged");
	if (refused)
		y->refused++;
	else
		y->accepted++;
}

static void try_stores(struct tally *y, struct target *t, const char *name,
		       u64 val)
{
	static const struct {
		const char *form;
		int (*store)(pteval_t *p, pteval_t v);
	} forms[] = { { "mov", store_mov },
		      { "32-bit mov of the low half", store_mov32 },
		      { "xchg", store_xchg },
		      { "lock cmpxchg", store_cmpxchg } };
	char what[128];
	int i;

	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		snprintf(what, sizeof(what), "%s store into a live L1: %s",
			 forms[i].form, name);
		verdict(y, t, what, forms[i].store(&t->ptep->pte, val),
			"store");
	}
}

static void try_hypercalls(struct tally *y, struct target *t, const char *name,
			   u64 val)
{
	struct mmu_update u[3];
	struct multicall_entry mc;
	char what[128];
	int done = -1;
	long rc;

	u[0].ptr = virt_to_machine(t->ptep).maddr | MMU_NORMAL_PT_UPDATE;
	u[0].val = val;
	snprintf(what, sizeof(what), "mmu_update: %s", name);
	verdict(y, t, what, HYPERVISOR_mmu_update(u, 1, NULL, DOMID_SELF),
		"hypercall");

	snprintf(what, sizeof(what), "update_va_mapping: %s", name);
	verdict(y, t, what,
		HYPERVISOR_update_va_mapping((unsigned long)t->va,
					     __pte_ma(val), UVMF_INVLPG),
		"hypercall");

	/* A batch: a harmless update, the bad one, a harmless one. */
	u[1] = u[0];
	u[0].val = u[2].val = t->old;
	u[2].ptr = u[1].ptr;
	rc = HYPERVISOR_mmu_update(u, 3, &done, DOMID_SELF);
	snprintf(what, sizeof(what),
		 "batched mmu_update (bad entry 2 of 3, %d done): %s", done,
		 name);
	verdict(y, t, what, done == 1 ? rc : 0, "hypercall");

	/* Linux's own batching: mmu_update inside a multicall. */
	u[0] = u[1];
	mc.op = __HYPERVISOR_mmu_update;
	mc.args[0] = (unsigned long)u;
	mc.args[1] = 1;
	mc.args[2] = 0;
	mc.args[3] = DOMID_SELF;
	mc.result = 0;
	rc = HYPERVISOR_multicall(&mc, 1);
	snprintf(what, sizeof(what), "multicall of mmu_update: %s", name);
	verdict(y, t, what, rc ? rc : (long)mc.result, "hypercall");
}

static int ptattack_show(struct seq_file *m, void *v)
{
	struct tally y = { m, 0, 0 };
	struct target t;
	struct {
		const char *name;
		u64 val;
	} bad[4];
	int i;

	if (target_get(&t)) {
		seq_puts(m, "ptattack: FAIL: no vmalloc'd page with a 4 KiB "
			    "entry\n");
		return 0;
	}
	bad[0].name = "map a hypervisor frame";
	bad[0].val = HV_MFN << PAGE_SHIFT | FLAGS_RW | _PAGE_NX;
	bad[1].name = "map a frame beyond machine memory";
	bad[1].val = (u64)machine_to_phys_nr << PAGE_SHIFT | FLAGS_RW |
		     _PAGE_NX;
	bad[2].name = "map this L1 table writable";
	bad[2].val = (u64)t.l1_mfn << PAGE_SHIFT | FLAGS_RW | _PAGE_NX;
	bad[3].name = "map the L4 root writable";
	bad[3].val = (u64)t.root_mfn << PAGE_SHIFT | FLAGS_RW | _PAGE_NX;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		try_stores(&y, &t, bad[i].name, bad[i].val);
		try_hypercalls(&y, &t, bad[i].name, bad[i].val);
	}
	if (memchr_inv(t.va, 0x5a, PAGE_SIZE))
		seq_puts(m, "ptattack: FAIL: the target page lost its "
			    "contents\n");
	vfree(t.va);
	seq_printf(m, "ptattack: %u refused, %u not refused\n", y.refused,
		   y.accepted);
	return 0;
}

/* ---- a page-table pair no address space uses ---- */

static int set_ro(void *va, int ro)
{
	pgprot_t prot = ro ? PAGE_KERNEL_RO : PAGE_KERNEL;

	return HYPERVISOR_update_va_mapping(
	    (unsigned long)va, mfn_pte(virt_to_mfn(va), prot), UVMF_INVLPG);
}

static int mmuext(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static int private_attack(int ptwritable)
{
	pteval_t *l1 = (pteval_t *)get_zeroed_page(GFP_KERNEL);
	pteval_t *l2 = (pteval_t *)get_zeroed_page(GFP_KERNEL);
	pteval_t bad;
	int rc = -ENOMEM;

	if (!l1 || !l2)
		goto out_free;
	l2[0] = (pteval_t)virt_to_mfn(l1) << PAGE_SHIFT | _KERNPG_TABLE;
	rc = set_ro(l1, 1) ?: set_ro(l2, 1);
	if (rc)
		goto out_rw;
	rc = mmuext(MMUEXT_PIN_L2_TABLE, virt_to_mfn(l2));
	if (rc) {
		pr_err("ptattack: could not pin the private L2: %d\n", rc);
		goto out_rw;
	}
	bad = ptwritable ? (pteval_t)virt_to_mfn(l2) << PAGE_SHIFT | FLAGS_RW
			 : HV_MFN << PAGE_SHIFT | FLAGS_RW;
	pr_info("ptattack: storing %016lx into the unused L1 %lx\n", bad,
		virt_to_mfn(l1));
	/* wpt=unhook: the store lands, and the next hypercall (xen_version,
	 * right after it) must end the domain. Otherwise it faults. */
	rc = store_mov(&l1[7], bad);
	HYPERVISOR_xen_version(XENVER_version, NULL);
	pr_info("ptattack: store %s; entry now %016lx\n",
		rc ? "faulted" : "went through", READ_ONCE(l1[7]));
	if (!rc) {
		WRITE_ONCE(l1[7], 0);
		rc = 1;
	} else {
		rc = -EPERM;
	}
	if (mmuext(MMUEXT_UNPIN_TABLE, virt_to_mfn(l2)))
		pr_err("ptattack: could not unpin the private L2\n");
out_rw:
	if (set_ro(l1, 0) || set_ro(l2, 0)) {
		pr_err("ptattack: pages stay read-only; leaking them\n");
		return rc;
	}
out_free:
	free_page((unsigned long)l1);
	free_page((unsigned long)l2);
	return rc;
}

static ssize_t ptattack_write(struct file *f, const char __user *buf,
			      size_t len, loff_t *off)
{
	char cmd[32];
	int rc;

	if (len >= sizeof(cmd) || copy_from_user(cmd, buf, len))
		return -EINVAL;
	cmd[len] = 0;
	strim(cmd);
	if (!strcmp(cmd, "private-foreign"))
		rc = private_attack(0);
	else if (!strcmp(cmd, "private-ptwritable"))
		rc = private_attack(1);
	else
		return -EINVAL;
	if (rc == 1) {
		pr_err("ptattack: %s: NOT REFUSED: the hypervisor let the "
		       "entry stand\n",
		       cmd);
		return -EIO;
	}
	return rc ? rc : len;
}

static int ptattack_open(struct inode *inode, struct file *f)
{
	return single_open(f, ptattack_show, NULL);
}

static const struct proc_ops ptattack_ops = {
	.proc_open = ptattack_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = ptattack_write,
};

static int __init ptattack_init(void)
{
	if (!xen_pv_domain()) {
		pr_err("ptattack: not a Xen PV guest\n");
		return -ENODEV;
	}
	return proc_create("ptattack", 0600, NULL, &ptattack_ops) ? 0 : -ENOMEM;
}

static void __exit ptattack_exit(void)
{
	remove_proc_entry("ptattack", NULL);
}

module_init(ptattack_init);
module_exit(ptattack_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PVX hostile-guest test: bad page-table entries by plain "
		   "store and hypercall");

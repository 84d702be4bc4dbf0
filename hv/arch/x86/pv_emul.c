/*
 * Emulation of what a PV kernel executes natively but may not: the
 * privileged instructions that #GP in ring 3 (PV-BOOT.md 2.11) and the
 * forced-emulation CPUID (2.12). The instruction bytes come from guest
 * memory through the fault-safe accessor; anything not understood is
 * left to the caller to bounce as the original exception.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/string.h>
#include <arch/hooks.h>
#include <arch/x86/cpu.h>
#include <arch/x86/pv.h>
#include <arch/x86/regs.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/hypercall.h>
#include <mm/m2p.h>
#include <mm/mmu.h>
#include <time/time.h>

#define MSR_FS_BASE	   0xc0000100
#define MSR_GS_BASE	   0xc0000101
#define MSR_SHADOW_GS_BASE 0xc0000102
#define MSR_PAT		   0x00000277
#define MSR_MISC_ENABLE	   0x000001a0
#define MSR_TSC		   0x00000010
#define XEN_PAT		   0x0000050100070406ull /* WB WT UC- UC WC WP UC UC */
#define CR4_GUEST_BITS	   0x0000060full /* VME PVI TSD DE, OSFXSR OSXMMEXCPT */
#define CR4_PAE		   0x20

static uint64_t *gpr(struct cpu_regs *r, unsigned int n)
{
	uint64_t *map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx,
			      &r->rsp, &r->rbp, &r->rsi, &r->rdi,
			      &r->r8,  &r->r9,	&r->r10, &r->r11,
			      &r->r12, &r->r13, &r->r14, &r->r15 };

	return map[n & 15];
}

static int read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_SHADOW_GS_BASE:
	case MSR_EFER:
		*val = rdmsr(msr);
		return 0;
	case MSR_APIC_BASE:
		*val = 0xfee00000 | (1u << 11) | (1u << 8);
		return 0;
	case MSR_PAT:
		*val = XEN_PAT;
		return 0;
	case MSR_MISC_ENABLE:
		*val = (1u << 11) | (1u << 12); /* BTS, PEBS unavailable */
		return 0;
	case MSR_TSC:
		*val = rdtsc();
		return 0;
	default:
		gdprintk("rdmsr %x: #GP\n", msr);
		return -1;
	}
}

static int write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_FS_BASE:
		return do_set_segment_base(SEGBASE_FS, val) ? -1 : 0;
	case MSR_GS_BASE:
		return do_set_segment_base(v->kernel_mode ? SEGBASE_GS_KERNEL
							  : SEGBASE_GS_USER,
					   val)
			   ? -1
			   : 0;
	case MSR_SHADOW_GS_BASE:
		return do_set_segment_base(v->kernel_mode ? SEGBASE_GS_USER
							  : SEGBASE_GS_KERNEL,
					   val)
			   ? -1
			   : 0;
	case MSR_PAT:
	case MSR_MISC_ENABLE:
	case MSR_EFER:
		return 0; /* accepted and ignored, as Xen does */
	default:
		gdprintk("wrmsr %x <- %lx: #GP\n", msr, val);
		return -1;
	}
}

static int read_cr(struct vcpu *v, unsigned int cr, uint64_t *val)
{
	switch (cr) {
	case 0:
		*val = (read_cr0() & ~8ull) | (v->fpu_ts ? 8 : 0);
		return 0;
	case 2:
		*val = v->cr2;
		return 0;
	case 3:
		*val = (v->kernel_mode ? v->guest_table : v->guest_table_user)
		       << 12;
		return 0;
	case 4:
		*val = v->cr4;
		return 0;
	default:
		return -1;
	}
}

static int write_cr(struct vcpu *v, unsigned int cr, uint64_t val)
{
	switch (cr) {
	case 0:
		if ((val ^ read_cr0()) & ~8ull)
			return -1; /* only TS may change */
		return do_fpu_taskswitch(val & 8) ? -1 : 0;
	case 4:
		/* Bits the guest may think it controls; the hardware CR4 stays
		 * ours (PGE, PSE, PCID, SMEP... are hidden from it). */
		v->cr4 = (val & CR4_GUEST_BITS) | CR4_PAE;
		return 0;
	default:
		return -1;
	}
}

struct insn {
	uint8_t b[16];
	unsigned int len; /* bytes consumed so far */
	unsigned int rex;
	int opsize16;
};

/* Port I/O: a kernel with virtual IOPL >= 1 (PHYSDEVOP_set_iopl) probes
 * ports; without devices of its own it reads all-ones, writes vanish. */
static int emulate_io(struct vcpu *v, struct cpu_regs *r, struct insn *in)
{
	uint8_t op = in->b[in->len];
	unsigned int size = (op & 1) ? (in->opsize16 ? 2 : 4) : 1;

	if (v->iopl < 1)
		return 0;
	in->len += (op == 0xe4 || op == 0xe5 || op == 0xe6 || op == 0xe7) ? 2
									  : 1;
	if (op == 0xe4 || op == 0xe5 || op == 0xec || op == 0xed) {
		uint64_t ones = size == 4 ? 0xffffffffull
					  : (1ull << (size * 8)) - 1;

		r->rax = size == 4 ? ones : (r->rax & ~ones) | ones;
	}
	return 1;
}

static int emulate_0f(struct vcpu *v, struct cpu_regs *r, struct insn *in)
{
	uint8_t op = in->b[in->len + 1], modrm = in->b[in->len + 2];
	unsigned int reg = ((modrm >> 3) & 7) | ((in->rex & 4) ? 8 : 0);
	unsigned int rm = (modrm & 7) | ((in->rex & 1) ? 8 : 0);
	uint64_t val;

	in->len += 2;
	switch (op) {
	case 0x30: /* wrmsr */
		return write_msr(v, (uint32_t)r->rcx,
				 (r->rdx << 32) | (uint32_t)r->rax) == 0;
	case 0x32: /* rdmsr */
		if (read_msr(v, (uint32_t)r->rcx, &val))
			return 0;
		r->rax = (uint32_t)val;
		r->rdx = val >> 32;
		return 1;
	case 0x06: /* clts */
		return do_fpu_taskswitch(0) == 0;
	case 0x08: /* invd */
	case 0x09: /* wbinvd */
		return 1;
	case 0x20: /* mov %crN, reg */
	case 0x22: /* mov reg, %crN */
		if ((modrm >> 6) != 3)
			return 0;
		in->len++;
		if (op == 0x22)
			return write_cr(v, reg, *gpr(r, rm)) == 0;
		if (read_cr(v, reg, &val))
			return 0;
		*gpr(r, rm) = val;
		return 1;
	default:
		return 0;
	}
}

int pv_emulate_priv_op(struct vcpu *v, struct cpu_regs *r)
{
	struct insn in = { .len = 0 };
	uint8_t op;
	int ok = 0;

	if (copy_from_guest(in.b, r->rip, 15))
		return 0;
	for (;; in.len++) {
		op = in.b[in.len];
		if (op == 0x66)
			in.opsize16 = 1;
		else if ((op & 0xf0) == 0x40)
			in.rex = op & 0xf;
		else
			break;
		if (in.len == 4)
			return 0;
	}
	if (op == 0xfa || op == 0xfb) {
		/* cli/sti: the guest's interrupt flag is its event mask. Linux
		 * runs cli before alternatives are applied (e.g. in
		 * this_cpu_cmpxchg16b_emu); Xen emulates both the same way. */
		v->vcpu_info->evtchn_upcall_mask = op == 0xfa;
		in.len++;
		ok = 1;
	} else if (op == 0x0f)
		ok = emulate_0f(v, r, &in);
	else if (op == 0xe4 || op == 0xe5 || op == 0xec || op == 0xed ||
		 op == 0xe6 || op == 0xe7 || op == 0xee || op == 0xef)
		ok = emulate_io(v, r, &in);
	if (!ok)
		return 0;
	r->rip += in.len;
	v->domain->counters.priv_op_emulations++;
	return 1;
}

/* ---- CPUID policy (PV-BOOT.md 2.12) ---- */

#define XEN_CPUID_BASE 0x40000000u

static void xen_leaves(uint32_t leaf, uint32_t sub, uint32_t res[4])
{
	memset(res, 0, 16);
	switch (leaf - XEN_CPUID_BASE) {
	case 0:
		res[0] = XEN_CPUID_BASE + 5;
		res[1] = 0x566e6558; /* "XenVMMXenVMM" */
		res[2] = 0x65584d4d;
		res[3] = 0x4d4d566e;
		break;
	case 1:
		res[0] = (4 << 16) | 17;
		break;
	case 2:
		res[0] = 1;		 /* hypercall pages */
		res[1] = XEN_CPUID_BASE; /* (MSR; unused by PV) */
		res[2] = 1;		 /* MMU_PT_UPDATE_PRESERVE_AD */
		break;
	case 3:
		if (sub == 0)
			res[2] = (uint32_t)(arch_tsc_hz() / 1000);
		break;
	case 5:
		res[1] = 64 - (uint32_t)__builtin_clzll(m2p_max_mfn()) + 12;
		break;
	}
	(void)sub;
}

/* Features a PV guest must not see: what the PV MMU or the hypervisor
 * cannot honour (PSE, PGE, PCID, PDPE1GB, LA57, X2APIC...) and what would
 * need state we do not save (XSAVE/AVX). */
static void mask_leaf(uint32_t leaf, uint32_t res[4])
{
	switch (leaf) {
	case 1:
		res[2] &= ~((1u << 3) | (1u << 5) | (1u << 6) | (1u << 7) |
			    (1u << 8) | (1u << 15) | (1u << 17) | (1u << 18) |
			    (1u << 21) | (1u << 24) | (1u << 26) | (1u << 27) |
			    (1u << 28));
		res[2] |= 1u << 31; /* hypervisor present */
		/* VME DE PSE MCE APIC MTRR PGE MCA PSE36 DS ACPI TM PBE */
		res[3] &= ~((1u << 1) | (1u << 2) | (1u << 3) | (1u << 7) |
			    (1u << 9) | (1u << 12) | (1u << 13) | (1u << 14) |
			    (1u << 17) | (1u << 21) | (1u << 22) | (1u << 29) |
			    (1u << 31));
		break;
	case 7:
		res[0] = 0;
		res[1] &= (1u << 3) | (1u << 8) | (1u << 9) | (1u << 18) |
			  (1u << 19) | (1u << 29);
		res[2] = res[3] = 0;
		break;
	case 5:
	case 6:
	case 0xb:
	case 0xd:
	case 0x1f:
		res[0] = res[1] = res[2] = res[3] = 0;
		break;
	case 0x80000001:
		res[2] &= ~(1u << 2);		      /* SVM */
		res[3] &= ~((1u << 26) | (1u << 27)); /* 1G pages, RDTSCP */
		break;
	}
}

int pv_emulate_cpuid(struct vcpu *v, struct cpu_regs *r)
{
	static const uint8_t sig[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
	uint8_t b[sizeof(sig)];
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx, res[4];

	if (copy_from_guest(b, r->rip, sizeof(b)) ||
	    memcmp(b, sig, sizeof(sig)))
		return 0;
	if (leaf >= XEN_CPUID_BASE && leaf < XEN_CPUID_BASE + 0x10000) {
		if (leaf < XEN_CPUID_BASE + 0x100)
			xen_leaves(leaf, sub, res);
		else
			memset(res, 0, sizeof(res));
	} else {
		cpuid(leaf, sub, &res[0], &res[1], &res[2], &res[3]);
		mask_leaf(leaf, res);
	}
	r->rax = res[0];
	r->rbx = res[1];
	r->rcx = res[2];
	r->rdx = res[3];
	r->rip += sizeof(sig);
	v->domain->counters.cpuid_emulations++;
	return 1;
}

/*
 * Host tests of arch/x86/ptwr_emulate.c: every instruction form Linux uses
 * on PTEs, hand-encoded (the assembly is in the comment next to the bytes,
 * checked with GNU as), the addressing modes, the error paths, and a
 * differential run of each form against the host CPU itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <arch/x86/regs.h>
#include <arch/x86/ptwr_emulate.h>
#include "test.h"

/* A kernel-image L1 page (like level1_fixmap_pgt) within rip-relative reach. */
#define CODE_VA	    0xffffffff81000000ul
#define PTE_VA	    0xffffffff82a00000ul
#define NR_PTES	    4
#define PTE0	    0x8000000012345067ul /* NX, frame 0x12345, D A U RW P */
#define PTE_RW	    0x2ul
#define PTE_A	    0x20ul
#define FLAGS_INIT  0x202ul
#define CF	    (1ul << 0)
#define PF	    (1ul << 2)
#define AF	    (1ul << 4)
#define ZF	    (1ul << 6)
#define SF	    (1ul << 7)
#define OF	    (1ul << 11)
#define FLAGS_ARITH (CF | PF | AF | ZF | SF | OF)

/* The guest as the emulator sees it through struct ptwr_ops. */
struct guest {
	uint8_t code[32]; /* at CODE_VA; nothing else is mapped */
	size_t code_len;
	uint64_t pte[NR_PTES]; /* at PTE_VA */
	int lose_races; /* cmpxchg_pte calls that find A set "by hardware" */
	int reject;	/* cmpxchg_pte refuses every new value */
	int read_fault;
	int reads, cmpxchgs;
};

static struct guest g;
static struct cpu_regs regs;
static char why[256];

static int fake_fetch(void *ctx, uint64_t va, void *buf, unsigned int len)
{
	struct guest *gs = ctx;
	uint64_t off = va - CODE_VA;

	if (va < CODE_VA || off > gs->code_len || len > gs->code_len - off)
		return -1;
	memcpy(buf, gs->code + off, len);
	return 0;
}

static uint64_t *pte_slot(struct guest *gs, uint64_t va)
{
	CHECK_EQ(va & 7, 0);
	if (va < PTE_VA || va >= PTE_VA + 8 * NR_PTES) {
		CHECK(!"PTE address outside the test page");
		return NULL;
	}
	return &gs->pte[(va - PTE_VA) / 8];
}

static int fake_read_pte(void *ctx, uint64_t va, uint64_t *val)
{
	struct guest *gs = ctx;
	uint64_t *p = pte_slot(gs, va);

	gs->reads++;
	if (!p || gs->read_fault)
		return -1;
	*val = *p;
	return 0;
}

/* Models a CPU setting the Accessed bit between the read and the write. */
static int fake_cmpxchg_pte(void *ctx, uint64_t va, uint64_t old,
			    uint64_t new_val)
{
	struct guest *gs = ctx;
	uint64_t *p = pte_slot(gs, va);

	gs->cmpxchgs++;
	if (!p)
		return -1;
	if (gs->lose_races > 0) {
		gs->lose_races--;
		*p ^= PTE_A;
	}
	if (*p != old)
		return PTWR_RETRY;
	if (gs->reject)
		return -22;
	*p = new_val;
	return 0;
}

static const struct ptwr_ops ops = {
	.fetch = fake_fetch,
	.read_pte = fake_read_pte,
	.cmpxchg_pte = fake_cmpxchg_pte,
};

static void setup(void)
{
	memset(&g, 0, sizeof(g));
	g.pte[0] = PTE0;
	g.pte[1] = 0x0000000023456067ul;
	g.pte[2] = 0x0000000034567067ul;
	g.pte[3] = 0;
	memset(&regs, 0, sizeof(regs));
	regs.rax = 0x1111111111111111ul;
	regs.rcx = 0x2222222222222222ul;
	regs.rdx = 0x3333333333333333ul;
	regs.rbx = 0x4444444444444444ul;
	regs.rsi = 0x5555555555555555ul;
	regs.rdi = PTE_VA;
	regs.rbp = 0x6666666666666666ul;
	regs.rsp = 0xffffc90000008000ul;
	regs.r8 = 0x8888888888888888ul;
	regs.r10 = 0xaaaaaaaaaaaaaaaaul;
	regs.rflags = FLAGS_INIT;
	regs.rip = CODE_VA;
	regs.cs = 0xe033;
	why[0] = '\0';
}

static int emulate(const uint8_t *code, size_t len, uint64_t cr2)
{
	memcpy(g.code, code, len);
	g.code_len = len;
	return ptwr_emulate(&regs, cr2, &ops, &g, why, sizeof(why));
}

/* EMULATE(cr2, instruction bytes...) */
#define EMULATE(cr2, ...)                             \
	({                                            \
		const uint8_t _c[] = { __VA_ARGS__ }; \
		emulate(_c, sizeof(_c), (cr2));       \
	})

#define CHECK_REG(f)                                                \
	do {                                                        \
		if (regs.f != want->f) {                            \
			printf("#   %s: 0x%llx, want 0x%llx\n", #f, \
			       (unsigned long long)regs.f,          \
			       (unsigned long long)want->f);        \
			test_failed = 1;                            \
		}                                                   \
	} while (0)

/* Field by field, so a failure names the register. */
static void check_regs(const struct cpu_regs *want)
{
	CHECK_REG(rax);
	CHECK_REG(rcx);
	CHECK_REG(rdx);
	CHECK_REG(rbx);
	CHECK_REG(rsp);
	CHECK_REG(rbp);
	CHECK_REG(rsi);
	CHECK_REG(rdi);
	CHECK_REG(r8);
	CHECK_REG(r9);
	CHECK_REG(r10);
	CHECK_REG(r11);
	CHECK_REG(r12);
	CHECK_REG(r13);
	CHECK_REG(r14);
	CHECK_REG(r15);
	CHECK_REG(rip);
	CHECK_REG(rflags);
	CHECK_REG(cs);
	CHECK_REG(ss);
	CHECK_REG(vector);
	CHECK_REG(error_code);
}

static int why_ends_with(const char *tail)
{
	size_t n = strlen(why), m = strlen(tail);

	return n >= m && !strcmp(why + n - m, tail);
}

/* ---- MOV ---- */

static void test_mov_reg64(void)
{
	struct cpu_regs want;

	setup();
	regs.rax = 0x80000000abcde063ul;
	want = regs;
	want.rip += 3;
	/* mov %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x89, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], 0x80000000abcde063ul);
	CHECK_EQ(g.cmpxchgs, 1);
	check_regs(&want);
	CHECK_STR(why, "");
}

/* native_local_ptep_get_and_clear, pte_clear. */
static void test_mov_imm_zero(void)
{
	setup();
	/* movq $0x0,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0xc7, 0x07, 0, 0, 0, 0), PTWR_OK);
	CHECK_EQ(g.pte[0], 0);
	CHECK_EQ(regs.rip, CODE_VA + 7);
	CHECK_EQ(regs.rflags, FLAGS_INIT);
}

static void test_mov_imm32_sign_extends(void)
{
	setup();
	/* movq $0xffffffff80000000,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0xc7, 0x07, 0x00, 0x00, 0x00, 0x80),
		 PTWR_OK);
	CHECK_EQ(g.pte[0], 0xffffffff80000000ul);
}

/* A 32-bit write of the upper half only: ea = pte + 4, cr2 likewise. */
static void test_mov_upper_half(void)
{
	setup();
	/* movl $0x0,0x4(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA + 4, 0xc7, 0x47, 0x04, 0x00, 0x00, 0x00, 0x00),
		 PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & 0xffffffff);
	CHECK_EQ(regs.rip, CODE_VA + 7);
}

static void test_mov_byte_reg(void)
{
	setup();
	regs.rax = 0x1234;
	/* mov %al,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x88, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], (PTE0 & ~0xfful) | 0x34);
}

static void test_mov_16bit_with_66(void)
{
	setup();
	regs.rax = 0xabcd;
	/* mov %ax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x66, 0x89, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], (PTE0 & ~0xfffful) | 0xabcd);
	CHECK_EQ(regs.rip, CODE_VA + 3);
}

static void test_mov_imm16_at_offset_2(void)
{
	setup();
	/* movw $0x1234,0x2(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x66, 0xc7, 0x47, 0x02, 0x34, 0x12), PTWR_OK);
	CHECK_EQ(g.pte[0], (PTE0 & ~0xffff0000ul) | 0x12340000ul);
	CHECK_EQ(regs.rip, CODE_VA + 6);
}

static void test_mov_imm8(void)
{
	setup();
	/* movb $0x65,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xc6, 0x07, 0x65), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 - 2);
}

/* SDM 2.2.1: a REX prefix followed by a legacy prefix is ignored. */
static void test_rex_before_66_is_ignored(void)
{
	setup();
	regs.rax = 0xffffffffffffabcdul;
	/* rex.W data16 mov %ax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x66, 0x89, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], (PTE0 & ~0xfffful) | 0xabcd);
}

static void test_rex_w_on_byte_op(void)
{
	setup();
	regs.rax = 0xffffffffffffff00ul;
	/* rex.W mov %al,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x88, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~0xfful);
}

/* ---- XCHG ---- */

/* native_ptep_get_and_clear. */
static void test_xchg_reg64(void)
{
	struct cpu_regs want;

	setup();
	regs.rax = 0;
	want = regs;
	want.rax = PTE0;
	want.rip += 3;
	/* xchg %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x87, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], 0);
	check_regs(&want);
}

static void test_xchg_reg32_zero_extends(void)
{
	setup();
	regs.rdx = 0xffffffff00000000ul;
	/* xchg %edx,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x87, 0x17), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~0xfffffffful);
	CHECK_EQ(regs.rdx, PTE0 & 0xffffffff);
}

/* Without REX, byte register 4 is AH and 7 is BH. */
static void test_xchg_ah_bh_without_rex(void)
{
	setup();
	regs.rax = 0x1111111111112233ul;
	/* xchg %ah,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x86, 0x27), PTWR_OK);
	CHECK_EQ(g.pte[0], (PTE0 & ~0xfful) | 0x22);
	CHECK_EQ(regs.rax, 0x1111111111116733ul);
	regs.rip = CODE_VA;
	regs.rbx = 0x4444444444445566ul;
	/* xchg %bh,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x86, 0x3f), PTWR_OK);
	CHECK_EQ(g.pte[0], (PTE0 & ~0xfful) | 0x55);
	CHECK_EQ(regs.rbx, 0x4444444444442266ul);
}

/* With any REX prefix, byte register 4 is SPL. */
static void test_xchg_spl_with_rex(void)
{
	setup();
	regs.rsp = 0xffffc900000080aaul;
	/* xchg %spl,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x40, 0x86, 0x27), PTWR_OK);
	CHECK_EQ(g.pte[0], (PTE0 & ~0xfful) | 0xaa);
	CHECK_EQ(regs.rsp, 0xffffc90000008067ul);
	CHECK_EQ(regs.rax, 0x1111111111111111ul);
}

/* ---- BTS/BTR/BTC ---- */

/* ptep_test_and_clear_young with a constant bit. */
static void test_lock_btr_imm(void)
{
	struct cpu_regs want;

	setup();
	want = regs;
	want.rip += 6;
	want.rflags |= CF;
	/* lock btrq $0x5,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_A);
	check_regs(&want);
}

static void test_lock_btr_reg(void)
{
	setup();
	regs.rax = 5;
	/* lock btr %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xb3, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_A);
	CHECK_EQ(regs.rflags, FLAGS_INIT | CF);
	CHECK_EQ(regs.rip, CODE_VA + 5);
}

/* The bit is already clear: nothing to install, CF cleared, rip moves. */
static void test_btr_clear_bit_writes_nothing(void)
{
	setup();
	g.pte[0] = PTE0 & ~PTE_A;
	regs.rflags |= CF;
	/* lock btrq $0x5,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05), PTWR_OK);
	CHECK_EQ(g.cmpxchgs, 0);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_A);
	CHECK_EQ(regs.rflags, FLAGS_INIT);
	CHECK_EQ(regs.rip, CODE_VA + 6);
}

/* A register offset of 68 addresses bit 4 of the next quadword. */
static void test_bts_reg_offset_selects_next_pte(void)
{
	setup();
	regs.rax = 64 + 4;
	/* lock bts %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA + 8, 0xf0, 0x48, 0x0f, 0xab, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[1], 0x0000000023456077ul);
	CHECK_EQ(g.pte[0], PTE0);
	CHECK_EQ(regs.rflags, FLAGS_INIT);
	setup();
	regs.rax = 64 + 4;
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xab, 0x07),
		 PTWR_MISALIGNED);
}

/* Negative offsets address below ea: -1 is bit 63 of the quadword before. */
static void test_btc_reg_negative_offset(void)
{
	setup();
	regs.rdi = PTE_VA + 8;
	regs.rax = (uint64_t)-1;
	/* lock btc %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xbb, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~(1ul << 63));
	CHECK_EQ(regs.rflags, FLAGS_INIT | CF);
}

/* 32-bit operand: EAX = 33 selects bit 1 of the dword at ea + 4. */
static void test_bts_reg32_offset(void)
{
	setup();
	regs.rax = 0xffffffff00000021ul;
	/* lock bts %eax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA + 4, 0xf0, 0x0f, 0xab, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 | 1ul << 33);
	CHECK_EQ(regs.rax, 0xffffffff00000021ul);
}

/* An immediate offset is taken modulo the operand size: 0x13 % 16 = 3. */
static void test_bts_imm_modulo_width(void)
{
	setup();
	/* btsw $0x13,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x66, 0x0f, 0xba, 0x2f, 0x13), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 | 0x8);
	CHECK_EQ(regs.rip, CODE_VA + 5);
}

static void test_btc_imm(void)
{
	setup();
	/* lock btcq $0x3f,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xba, 0x3f, 0x3f), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~(1ul << 63));
	CHECK_EQ(regs.rflags, FLAGS_INIT | CF);
}

/* ---- group 1 and ALU r/m, r ---- */

/* ptep_set_wrprotect: clear_bit(_PAGE_BIT_RW) as a locked byte AND. */
static void test_lock_andb_clears_rw(void)
{
	setup();
	regs.rflags |= CF | OF | ZF | SF;
	/* lock andb $0xfd,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x80, 0x27, 0xfd), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_RW);
	/* 0x65 has four bits set: PF; CF, OF, ZF, SF clear. */
	CHECK_EQ(regs.rflags, FLAGS_INIT | PF);
	CHECK_EQ(regs.rip, CODE_VA + 4);
}

static void test_and_flags_zero_and_sign(void)
{
	setup();
	/* lock andb $0x0,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x80, 0x27, 0x00), PTWR_OK);
	CHECK_EQ(regs.rflags, FLAGS_INIT | ZF | PF);
	setup();
	g.pte[0] = 0x80;
	/* lock andb $0x80,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x80, 0x27, 0x80), PTWR_OK);
	CHECK_EQ(regs.rflags, FLAGS_INIT | SF);
	CHECK_EQ(g.cmpxchgs, 0);
}

static void test_lock_or_imm8_sign_extended(void)
{
	setup();
	g.pte[0] = PTE0 & ~PTE_RW;
	/* lock orq $0x2,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x83, 0x0f, 0x02), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0);
	/* SF from bit 63 of the 64-bit result. */
	CHECK_EQ(regs.rflags, FLAGS_INIT | SF);
}

static void test_lock_or_imm32_upper_half(void)
{
	setup();
	g.pte[0] = PTE0 & ~(1ul << 63);
	/* lock orl $0x80000000,0x4(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA + 4, 0xf0, 0x81, 0x4f, 0x04, 0x00, 0x00, 0x00,
			 0x80),
		 PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0);
	CHECK_EQ(regs.rip, CODE_VA + 8);
}

static void test_and_imm8_sign_extended(void)
{
	setup();
	/* lock andq $0xfffffffffffffffd,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x83, 0x27, 0xfd), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_RW);
	setup();
	/* lock andw $0xfff0,(%rdi) (66 before f0) */
	CHECK_EQ(EMULATE(PTE_VA, 0x66, 0xf0, 0x83, 0x27, 0xf0), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~0xful);
}

static void test_add_carry_and_overflow(void)
{
	setup();
	g.pte[0] = ~0ul;
	regs.rax = 1;
	/* add %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x01, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], 0);
	CHECK_EQ(regs.rflags, FLAGS_INIT | CF | ZF | PF | AF);
	setup();
	g.pte[0] = 0x7f;
	/* addb $0x1,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x80, 0x07, 0x01), PTWR_OK);
	CHECK_EQ(g.pte[0], 0x80);
	CHECK_EQ(regs.rflags, FLAGS_INIT | OF | SF | AF);
}

static void test_sub_borrow(void)
{
	setup();
	g.pte[0] = 0;
	regs.rax = 1;
	/* sub %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x29, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], ~0ul);
	CHECK_EQ(regs.rflags, FLAGS_INIT | CF | SF | PF | AF);
	setup();
	/* lock subq $0x1,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x83, 0x2f, 0x01), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 - 1);
}

static void test_or_xor_and_reg(void)
{
	setup();
	regs.rax = 0x100;
	/* or %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x09, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 | 0x100);
	regs.rip = CODE_VA;
	/* xor %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x31, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0);
	regs.rip = CODE_VA;
	regs.rax = ~PTE_RW;
	/* and %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x21, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_RW);
}

/* ---- CMPXCHG ---- */

static void test_cmpxchg_success(void)
{
	struct cpu_regs want;

	setup();
	regs.rax = PTE0;
	regs.rdx = PTE0 & ~PTE_RW;
	regs.rflags |= CF | SF;
	want = regs;
	want.rip += 5;
	want.rflags = FLAGS_INIT | ZF | PF;
	/* lock cmpxchg %rdx,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xb1, 0x17), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_RW);
	check_regs(&want);
}

static void test_cmpxchg_failure(void)
{
	struct cpu_regs want;

	setup();
	regs.rax = PTE0 & ~PTE_A; /* 0x...47 - 0x...67: borrow */
	regs.rdx = 0;
	want = regs;
	want.rip += 5;
	want.rax = PTE0;
	want.rflags = FLAGS_INIT | CF | SF; /* 0x...e0: odd parity */
	/* lock cmpxchg %rdx,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xb1, 0x17), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0);
	CHECK_EQ(g.cmpxchgs, 0);
	check_regs(&want);
}

/* SDM: EAX is written (zero-extending RAX) only on mismatch. */
static void test_cmpxchg32_rax_upper_half(void)
{
	setup();
	regs.rax = 0xdead000000000000ul | (PTE0 & 0xffffffff);
	regs.rdx = 0x99999999ul;
	/* lock cmpxchg %edx,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x0f, 0xb1, 0x17), PTWR_OK);
	CHECK_EQ(g.pte[0], (PTE0 & ~0xfffffffful) | 0x99999999ul);
	CHECK_EQ(regs.rax, 0xdead000000000000ul | (PTE0 & 0xffffffff));
	CHECK(regs.rflags & ZF);
	regs.rip = CODE_VA;
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x0f, 0xb1, 0x17), PTWR_OK);
	CHECK_EQ(regs.rax, 0x99999999ul);
	CHECK(!(regs.rflags & ZF));
}

static void test_cmpxchg_byte(void)
{
	setup();
	regs.rax = 0x67;
	regs.rdx = 0x65;
	/* lock cmpxchg %dl,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x0f, 0xb0, 0x17), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_RW);
	CHECK_EQ(regs.rflags, FLAGS_INIT | ZF | PF);
}

static void test_cmpxchg8b(void)
{
	setup();
	regs.rax = 0xffffffff00000000ul | (PTE0 & 0xffffffff);
	regs.rdx = PTE0 >> 32;
	regs.rbx = 0x12345065;
	regs.rcx = 0x80000000;
	/* lock cmpxchg8b (%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x0f, 0xc7, 0x0f), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_RW);
	CHECK_EQ(regs.rflags, FLAGS_INIT | ZF);
	CHECK_EQ(regs.rax, 0xffffffff00000000ul | (PTE0 & 0xffffffff));
	regs.rip = CODE_VA;
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x0f, 0xc7, 0x0f), PTWR_OK);
	CHECK_EQ(regs.rflags, FLAGS_INIT);
	CHECK_EQ(regs.rax, 0x12345065);
	CHECK_EQ(regs.rdx, 0x80000000);
}

static void test_cmpxchg16b_unhandled(void)
{
	setup();
	/* lock cmpxchg16b (%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xc7, 0x0f), PTWR_UNHANDLED);
}

/* ---- addressing ---- */

static void test_rip_relative(void)
{
	uint32_t disp = (uint32_t)(PTE_VA + 8 - (CODE_VA + 7));

	setup();
	regs.rax = 0;
	/* mov %rax,disp(%rip): disp counts from the next instruction */
	CHECK_EQ(EMULATE(PTE_VA + 8, 0x48, 0x89, 0x05, disp & 0xff,
			 disp >> 8 & 0xff, disp >> 16 & 0xff, disp >> 24),
		 PTWR_OK);
	CHECK_EQ(g.pte[1], 0);
}

/* The immediate follows the displacement and counts in the length. */
static void test_rip_relative_with_imm(void)
{
	uint32_t disp = (uint32_t)(PTE_VA + 16 - (CODE_VA + 11));

	setup();
	/* movq $0x7,disp(%rip) */
	CHECK_EQ(EMULATE(PTE_VA + 16, 0x48, 0xc7, 0x05, disp & 0xff,
			 disp >> 8 & 0xff, disp >> 16 & 0xff, disp >> 24, 0x07,
			 0x00, 0x00, 0x00),
		 PTWR_OK);
	CHECK_EQ(g.pte[2], 7);
	CHECK_EQ(regs.rip, CODE_VA + 11);
}

/* mod 00 rm 101 is rip-relative even with REX.B (SDM vol. 2A, 2.2.1.6). */
static void test_rip_relative_ignores_rex_b(void)
{
	uint32_t disp = (uint32_t)(PTE_VA - (CODE_VA + 7));

	setup();
	regs.r13 = 0;
	/* rex.WB mov %rax,disp(%rip) */
	CHECK_EQ(EMULATE(PTE_VA, 0x49, 0x89, 0x05, disp & 0xff,
			 disp >> 8 & 0xff, disp >> 16 & 0xff, disp >> 24),
		 PTWR_OK);
	CHECK_EQ(g.pte[0], regs.rax);
}

static void test_sib_index_disp8(void)
{
	setup();
	regs.rcx = 1;
	regs.rax = 0;
	/* mov %rax,0x8(%rdi,%rcx,8) */
	CHECK_EQ(EMULATE(PTE_VA + 16, 0x48, 0x89, 0x44, 0xcf, 0x08), PTWR_OK);
	CHECK_EQ(g.pte[2], 0);
	CHECK_EQ(regs.rip, CODE_VA + 5);
}

static void test_sib_no_base_disp32(void)
{
	setup();
	regs.rcx = (PTE_VA + 24 - 0x1000) / 8;
	/* mov %rax,0x1000(,%rcx,8) */
	CHECK_EQ(EMULATE(PTE_VA + 24, 0x48, 0x89, 0x04, 0xcd, 0x00, 0x10, 0x00,
			 0x00),
		 PTWR_OK);
	CHECK_EQ(g.pte[3], regs.rax);
	CHECK_EQ(regs.rip, CODE_VA + 8);
}

static void test_rex_b_bases(void)
{
	setup();
	regs.r9 = PTE_VA;
	regs.rax = 1;
	/* mov %rax,(%r9) */
	CHECK_EQ(EMULATE(PTE_VA, 0x49, 0x89, 0x01), PTWR_OK);
	CHECK_EQ(g.pte[0], 1);
	regs.r12 = PTE_VA + 8;
	regs.rax = 2;
	regs.rip = CODE_VA;
	/* mov %rax,(%r12): needs a SIB byte */
	CHECK_EQ(EMULATE(PTE_VA + 8, 0x49, 0x89, 0x04, 0x24), PTWR_OK);
	CHECK_EQ(g.pte[1], 2);
	regs.r13 = PTE_VA + 16;
	regs.rax = 3;
	regs.rip = CODE_VA;
	/* mov %rax,0x0(%r13): mod 00 would mean rip-relative */
	CHECK_EQ(EMULATE(PTE_VA + 16, 0x49, 0x89, 0x45, 0x00), PTWR_OK);
	CHECK_EQ(g.pte[2], 3);
	CHECK_EQ(regs.rip, CODE_VA + 4);
}

static void test_rex_x_index_r12(void)
{
	setup();
	regs.r12 = 3;
	regs.rax = 4;
	/* mov %rax,(%rdi,%r12,8): index 4 with REX.X is r12, not "none" */
	CHECK_EQ(EMULATE(PTE_VA + 24, 0x4a, 0x89, 0x04, 0xe7), PTWR_OK);
	CHECK_EQ(g.pte[3], 4);
}

static void test_rex_r_source(void)
{
	setup();
	/* mov %r10,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x4c, 0x89, 0x17), PTWR_OK);
	CHECK_EQ(g.pte[0], 0xaaaaaaaaaaaaaaaaul);
}

static void test_rsp_base_negative_disp(void)
{
	setup();
	regs.rsp = PTE_VA + 8;
	/* lock btcq $0x3,-0x8(%rsp) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xba, 0x7c, 0x24, 0xf8,
			 0x03),
		 PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 | 0x8ul);
	CHECK_EQ(regs.rip, CODE_VA + 8);
}

static void test_ignored_segment_override(void)
{
	setup();
	/* ds mov %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x3e, 0x48, 0x89, 0x07), PTWR_OK);
	CHECK_EQ(g.pte[0], regs.rax);
	CHECK_EQ(regs.rip, CODE_VA + 4);
}

/* ---- refusals: nothing changes ---- */

static void test_misaligned(void)
{
	struct cpu_regs want;

	setup();
	want = regs;
	/* mov %rax,0x1(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x89, 0x47, 0x01), PTWR_MISALIGNED);
	/* mov %eax,0x2(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x89, 0x47, 0x02), PTWR_MISALIGNED);
	CHECK_STR(why, "4-byte write to 0xffffffff82a00002");
	CHECK_EQ(g.reads + g.cmpxchgs, 0);
	CHECK_EQ(g.pte[0], PTE0);
	check_regs(&want);
}

static void test_other_pte_than_cr2(void)
{
	struct cpu_regs want;

	setup();
	want = regs;
	/* mov %rax,0x8(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x89, 0x47, 0x08), PTWR_MISALIGNED);
	CHECK_STR(why, "writes 0xffffffff82a00008, not the PTE at "
		       "0xffffffff82a00000 that faulted");
	check_regs(&want);
}

static void test_unsupported_opcode_logs_bytes(void)
{
	struct cpu_regs want;

	setup();
	want = regs;
	/* lock xadd %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xc1, 0x07), PTWR_UNHANDLED);
	CHECK_STR(why, "unsupported opcode at rip 0xffffffff81000000, bytes: "
		       "f0 48 0f c1 07");
	CHECK_EQ(g.pte[0], PTE0);
	check_regs(&want);
}

static void test_not_a_write_unhandled(void)
{
	setup();
	/* cmpq $0x0,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x83, 0x3f, 0x00), PTWR_UNHANDLED);
	/* adcq $0x0,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x83, 0x17, 0x00), PTWR_UNHANDLED);
	/* btq $0x5,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x0f, 0xba, 0x27, 0x05), PTWR_UNHANDLED);
	CHECK_EQ(g.reads, 0);
}

static void test_register_operand_unhandled(void)
{
	setup();
	/* mov %rax,%rdi */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x89, 0xc7), PTWR_UNHANDLED);
	CHECK(why_ends_with("bytes: 48 89 c7"));
	CHECK_EQ(regs.rdi, PTE_VA);
}

static void test_fs_gs_and_odd_prefixes_unhandled(void)
{
	setup();
	/* mov %rax,%fs:(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x64, 0x48, 0x89, 0x07), PTWR_UNHANDLED);
	CHECK(!strncmp(why, "FS/GS segment override", 22));
	/* mov %rax,%gs:(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x65, 0x48, 0x89, 0x07), PTWR_UNHANDLED);
	/* mov %rax,(%edi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x67, 0x48, 0x89, 0x07), PTWR_UNHANDLED);
	/* xrelease mov %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf3, 0x48, 0x89, 0x07), PTWR_UNHANDLED);
	CHECK_EQ(g.reads, 0);
}

/* The CPU would #UD first; the bytes may have changed since the fault. */
static void test_lock_mov_unhandled(void)
{
	setup();
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x89, 0x07), PTWR_UNHANDLED);
}

static void test_longer_than_15_bytes(void)
{
	setup();
	/* 14 CS prefixes, then mov %rax,(%rdi): 17 bytes */
	CHECK_EQ(EMULATE(PTE_VA, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
			 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x48, 0x89, 0x07),
		 PTWR_UNHANDLED);
	CHECK(!strncmp(why, "instruction longer than 15 bytes", 32));
	setup();
	/* 12 CS prefixes, then mov %rax,(%rdi): exactly 15 */
	CHECK_EQ(EMULATE(PTE_VA, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
			 0x2e, 0x2e, 0x2e, 0x2e, 0x48, 0x89, 0x07),
		 PTWR_OK);
	CHECK_EQ(regs.rip, CODE_VA + 15);
}

static void test_fetch_fault(void)
{
	struct cpu_regs want;

	setup();
	regs.rip = CODE_VA - 0x1000;
	want = regs;
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x89, 0x07), PTWR_FAULT);
	CHECK_STR(why, "cannot fetch instruction at 0xffffffff80fff000");
	check_regs(&want);
	setup();
	/* movq $imm32,(%rdi) cut short in its immediate */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0xc7, 0x07, 0x00, 0x00), PTWR_FAULT);
	CHECK_EQ(regs.rip, CODE_VA);
}

static void test_read_pte_fault(void)
{
	setup();
	g.read_fault = 1;
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x89, 0x07), PTWR_FAULT);
	CHECK_EQ(regs.rip, CODE_VA);
	CHECK_EQ(g.cmpxchgs, 0);
}

static void test_rejected_changes_nothing(void)
{
	struct cpu_regs want;

	setup();
	g.reject = 1;
	regs.rax = 0x0000000099999067ul;
	want = regs;
	/* xchg %rax,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x87, 0x07), PTWR_REJECTED);
	CHECK_EQ(g.pte[0], PTE0);
	CHECK_STR(why, "PTE at 0xffffffff82a00000: 0x8000000012345067 -> "
		       "0x99999067 rejected");
	check_regs(&want);
}

/* ---- races ---- */

/* The Accessed bit set between read and write survives the byte AND. */
static void test_retry_keeps_concurrent_accessed_bit(void)
{
	setup();
	g.pte[0] = PTE0 & ~PTE_A;
	g.lose_races = 1;
	/* lock andb $0xfd,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x80, 0x27, 0xfd), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0 & ~PTE_RW);
	CHECK_EQ(g.reads, 2);
	CHECK_EQ(g.cmpxchgs, 2);
	CHECK_EQ(regs.rip, CODE_VA + 4);
}

/* Recomputed from the new value: a cmpxchg that now mismatches. */
static void test_retry_recomputes_cmpxchg(void)
{
	setup();
	regs.rax = PTE0 & ~PTE_A;
	g.pte[0] = PTE0 & ~PTE_A;
	regs.rdx = 0;
	g.lose_races = 1;
	/* lock cmpxchg %rdx,(%rdi) */
	CHECK_EQ(EMULATE(PTE_VA, 0xf0, 0x48, 0x0f, 0xb1, 0x17), PTWR_OK);
	CHECK_EQ(g.pte[0], PTE0);
	CHECK_EQ(regs.rax, PTE0);
	CHECK(!(regs.rflags & ZF));
}

static void test_endless_races_give_up(void)
{
	struct cpu_regs want;

	setup();
	g.lose_races = 1000;
	want = regs;
	CHECK_EQ(EMULATE(PTE_VA, 0x48, 0x87, 0x07), PTWR_RETRY);
	CHECK_EQ(g.cmpxchgs, 8);
	check_regs(&want);
}

static void test_why_null_or_short(void)
{
	setup();
	CHECK_EQ(ptwr_emulate(&regs, PTE_VA, &ops, &g, NULL, 0), PTWR_FAULT);
	memcpy(g.code, "\xf0\x48\x0f\xc1\x07", 5);
	g.code_len = 5;
	CHECK_EQ(ptwr_emulate(&regs, PTE_VA, &ops, &g, NULL, 0),
		 PTWR_UNHANDLED);
	memset(why, 'x', sizeof(why));
	CHECK_EQ(ptwr_emulate(&regs, PTE_VA, &ops, &g, why, 8), PTWR_UNHANDLED);
	CHECK_STR(why, "unsuppo");
	CHECK_EQ(why[8], 'x');
}

/* ---- against the host CPU ---- */

/*
 * hw_run() loads rax, rcx, rdx, rbx, rsi, rdi and rflags from a hw_state,
 * calls code (one instruction and a ret) and stores them back.
 */
struct hw_state {
	uint64_t rax, rcx, rdx, rbx, rsi, rdi, rflags;
};

void hw_run(struct hw_state *s, const void *code);

__asm__(".text\n"
	".globl hw_run\n"
	".type hw_run, @function\n"
	"hw_run:\n"
	"	push %rbx\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rdi, %r15\n"
	"	mov %rsi, %r14\n"
	"	pushq 48(%r15)\n"
	"	popfq\n"
	"	mov 0(%r15), %rax\n"
	"	mov 8(%r15), %rcx\n"
	"	mov 16(%r15), %rdx\n"
	"	mov 24(%r15), %rbx\n"
	"	mov 32(%r15), %rsi\n"
	"	mov 40(%r15), %rdi\n"
	"	call *%r14\n"
	"	pushfq\n"
	"	popq 48(%r15)\n"
	"	mov %rax, 0(%r15)\n"
	"	mov %rcx, 8(%r15)\n"
	"	mov %rdx, 16(%r15)\n"
	"	mov %rbx, 24(%r15)\n"
	"	mov %rsi, 32(%r15)\n"
	"	mov %rdi, 40(%r15)\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %rbx\n"
	"	ret\n"
	".size hw_run, . - hw_run\n");

/* One instruction on (%rdi) + 0..7; flags compared only where defined. */
struct hw_vector {
	uint8_t len;
	uint8_t bytes[9];
	uint64_t flags;	   /* defined (or unchanged) flags after it */
	uint64_t rax_mask; /* bit-offset registers stay inside the PTE */
};

#define LOGIC (CF | PF | ZF | SF | OF) /* AF undefined */

static const struct hw_vector hw_vectors[] = {
	{ 3, { 0x48, 0x89, 0x07 }, FLAGS_ARITH, ~0ul }, /* mov %rax,(%rdi) */
	{ 2, { 0x88, 0x3f }, FLAGS_ARITH, ~0ul },	/* mov %bh,(%rdi) */
	{ 3, { 0x66, 0x89, 0x17 }, FLAGS_ARITH, ~0ul }, /* mov %dx,(%rdi) */
	{ 3, { 0x89, 0x77, 0x04 }, FLAGS_ARITH, ~0ul }, /* mov %esi,0x4(%rdi) */
	{ 3, { 0x48, 0x87, 0x07 }, FLAGS_ARITH, ~0ul }, /* xchg %rax,(%rdi) */
	{ 2, { 0x87, 0x0f }, FLAGS_ARITH, ~0ul },	/* xchg %ecx,(%rdi) */
	{ 2, { 0x86, 0x27 }, FLAGS_ARITH, ~0ul },	/* xchg %ah,(%rdi) */
	{ 3, { 0x40, 0x86, 0x37 }, FLAGS_ARITH, ~0ul }, /* xchg %sil,(%rdi) */
	{ 4,
	  { 0x66, 0x87, 0x5f, 0x06 },
	  FLAGS_ARITH,
	  ~0ul }, /* xchg %bx,6(%rdi) */
	/* lock cmpxchg %rdx,(%rdi); %edx; %dh; %dx,0x2(%rdi) */
	{ 5, { 0xf0, 0x48, 0x0f, 0xb1, 0x17 }, FLAGS_ARITH, ~0ul },
	{ 4, { 0xf0, 0x0f, 0xb1, 0x17 }, FLAGS_ARITH, ~0ul },
	{ 4, { 0xf0, 0x0f, 0xb0, 0x37 }, FLAGS_ARITH, ~0ul },
	{ 6, { 0x66, 0xf0, 0x0f, 0xb1, 0x57, 0x02 }, FLAGS_ARITH, ~0ul },
	{ 4, { 0xf0, 0x0f, 0xc7, 0x0f }, FLAGS_ARITH, ~0ul }, /* cmpxchg8b */
	/* lock andb $0xfd; orq $0x2; orl $0x80000000,0x4; andw $0xfff0 */
	{ 4, { 0xf0, 0x80, 0x27, 0xfd }, LOGIC, ~0ul },
	{ 5, { 0xf0, 0x48, 0x83, 0x0f, 0x02 }, LOGIC, ~0ul },
	{ 8, { 0xf0, 0x81, 0x4f, 0x04, 0x00, 0x00, 0x00, 0x80 }, LOGIC, ~0ul },
	{ 5, { 0x66, 0xf0, 0x83, 0x27, 0xf0 }, LOGIC, ~0ul },
	/* and %rax; or %rax; xor %rax; and %ah; xor %ax; xorb $0x81 */
	{ 3, { 0x48, 0x21, 0x07 }, LOGIC, ~0ul },
	{ 3, { 0x48, 0x09, 0x07 }, LOGIC, ~0ul },
	{ 3, { 0x48, 0x31, 0x07 }, LOGIC, ~0ul },
	{ 2, { 0x20, 0x27 }, LOGIC, ~0ul },
	{ 3, { 0x66, 0x31, 0x07 }, LOGIC, ~0ul },
	{ 3, { 0x80, 0x37, 0x81 }, LOGIC, ~0ul },
	/* add %rax; sub %rax; add %al; sub %dh; add %ax; add %eax,0x4 */
	{ 3, { 0x48, 0x01, 0x07 }, FLAGS_ARITH, ~0ul },
	{ 3, { 0x48, 0x29, 0x07 }, FLAGS_ARITH, ~0ul },
	{ 2, { 0x00, 0x07 }, FLAGS_ARITH, ~0ul },
	{ 2, { 0x28, 0x37 }, FLAGS_ARITH, ~0ul },
	{ 3, { 0x66, 0x01, 0x07 }, FLAGS_ARITH, ~0ul },
	{ 3, { 0x01, 0x47, 0x04 }, FLAGS_ARITH, ~0ul },
	/* lock subq $0x1; lock addq $0x1; addb $0x80; subl $0x80000001 */
	{ 5, { 0xf0, 0x48, 0x83, 0x2f, 0x01 }, FLAGS_ARITH, ~0ul },
	{ 5, { 0xf0, 0x48, 0x83, 0x07, 0x01 }, FLAGS_ARITH, ~0ul },
	{ 3, { 0x80, 0x07, 0x80 }, FLAGS_ARITH, ~0ul },
	{ 6, { 0x81, 0x2f, 0x01, 0x00, 0x00, 0x80 }, FLAGS_ARITH, ~0ul },
	/* lock btrq $5; btr/bts/btc %rax; bts %eax; btsw $0x13; btc %ax */
	{ 6, { 0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05 }, CF, ~0ul },
	{ 5, { 0xf0, 0x48, 0x0f, 0xb3, 0x07 }, CF, 63 },
	{ 5, { 0xf0, 0x48, 0x0f, 0xab, 0x07 }, CF, 63 },
	{ 5, { 0xf0, 0x48, 0x0f, 0xbb, 0x07 }, CF, 63 },
	{ 4, { 0xf0, 0x0f, 0xab, 0x07 }, CF, 63 },
	{ 5, { 0x66, 0x0f, 0xba, 0x2f, 0x13 }, CF, ~0ul },
	{ 4, { 0x66, 0x0f, 0xbb, 0x07 }, CF, 63 },
};

static uint64_t rng = 0x9e3779b97f4a7c15ul;

/* xorshift64, biased toward the edge values arithmetic flags care about. */
static uint64_t random_value(void)
{
	static const uint64_t edges[] = { 0,	  1,	      0x7f,
					  0x80,	  0xff,	      0x7fff,
					  0x8000, 0x7fffffff, 0x80000000,
					  ~0ul,	  1ul << 63,  (1ul << 63) - 1 };

	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	if (rng % 4 == 0)
		return edges[(rng >> 8) % (sizeof(edges) / sizeof(edges[0]))];
	return rng;
}

/* Runs v on the host CPU and in the emulator from the same state. */
static void compare_with_hw(uint8_t *page, const struct hw_vector *v)
{
	static uint64_t mem;
	struct hw_state hw;
	uint64_t pte = random_value();

	hw.rax = random_value() & v->rax_mask;
	hw.rcx = random_value();
	hw.rdx = random_value();
	hw.rbx = random_value();
	hw.rsi = random_value();
	if (rng & 0x100) { /* half the cmpxchgs succeed */
		hw.rax = pte & v->rax_mask;
		hw.rdx = rng & 0x200 ? pte >> 32 : hw.rdx;
	}
	hw.rflags = FLAGS_INIT | (random_value() & FLAGS_ARITH);
	setup();
	g.pte[0] = mem = pte;
	regs.rax = hw.rax;
	regs.rcx = hw.rcx;
	regs.rdx = hw.rdx;
	regs.rbx = hw.rbx;
	regs.rsi = hw.rsi;
	regs.rflags = hw.rflags;
	hw.rdi = (uint64_t)&mem;
	CHECK_EQ(emulate(v->bytes, v->len, PTE_VA), PTWR_OK);
	CHECK(!mprotect(page, 4096, PROT_READ | PROT_WRITE));
	memcpy(page, v->bytes, v->len);
	page[v->len] = 0xc3; /* ret */
	CHECK(!mprotect(page, 4096, PROT_READ | PROT_EXEC));
	hw_run(&hw, page);
	CHECK_EQ(g.pte[0], mem);
	CHECK_EQ(regs.rax, hw.rax);
	CHECK_EQ(regs.rcx, hw.rcx);
	CHECK_EQ(regs.rdx, hw.rdx);
	CHECK_EQ(regs.rbx, hw.rbx);
	CHECK_EQ(regs.rsi, hw.rsi);
	CHECK_EQ(regs.rflags & v->flags, hw.rflags & v->flags);
	CHECK_EQ(regs.rip, CODE_VA + v->len);
}

static void test_matches_host_cpu(void)
{
	uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;
	int n;

	CHECK(page != MAP_FAILED);
	if (page == MAP_FAILED)
		return;
	for (i = 0; i < sizeof(hw_vectors) / sizeof(hw_vectors[0]); i++) {
		for (n = 0; n < 300 && !test_failed; n++)
			compare_with_hw(page, &hw_vectors[i]);
		if (test_failed)
			printf("#   vector %zu, run %d\n", i, n);
	}
	munmap(page, 4096);
}

static void run_instruction_forms(void)
{
	RUN(test_mov_reg64);
	RUN(test_mov_imm_zero);
	RUN(test_mov_imm32_sign_extends);
	RUN(test_mov_upper_half);
	RUN(test_mov_byte_reg);
	RUN(test_mov_16bit_with_66);
	RUN(test_mov_imm16_at_offset_2);
	RUN(test_mov_imm8);
	RUN(test_rex_before_66_is_ignored);
	RUN(test_rex_w_on_byte_op);
	RUN(test_xchg_reg64);
	RUN(test_xchg_reg32_zero_extends);
	RUN(test_xchg_ah_bh_without_rex);
	RUN(test_xchg_spl_with_rex);
	RUN(test_lock_btr_imm);
	RUN(test_lock_btr_reg);
	RUN(test_btr_clear_bit_writes_nothing);
	RUN(test_bts_reg_offset_selects_next_pte);
	RUN(test_btc_reg_negative_offset);
	RUN(test_bts_reg32_offset);
	RUN(test_bts_imm_modulo_width);
	RUN(test_btc_imm);
	RUN(test_lock_andb_clears_rw);
	RUN(test_and_flags_zero_and_sign);
	RUN(test_lock_or_imm8_sign_extended);
	RUN(test_lock_or_imm32_upper_half);
	RUN(test_and_imm8_sign_extended);
	RUN(test_add_carry_and_overflow);
	RUN(test_sub_borrow);
	RUN(test_or_xor_and_reg);
	RUN(test_cmpxchg_success);
	RUN(test_cmpxchg_failure);
	RUN(test_cmpxchg32_rax_upper_half);
	RUN(test_cmpxchg_byte);
	RUN(test_cmpxchg8b);
	RUN(test_cmpxchg16b_unhandled);
}

static void run_addressing(void)
{
	RUN(test_rip_relative);
	RUN(test_rip_relative_with_imm);
	RUN(test_rip_relative_ignores_rex_b);
	RUN(test_sib_index_disp8);
	RUN(test_sib_no_base_disp32);
	RUN(test_rex_b_bases);
	RUN(test_rex_x_index_r12);
	RUN(test_rex_r_source);
	RUN(test_rsp_base_negative_disp);
	RUN(test_ignored_segment_override);
}

static void run_refusals_and_races(void)
{
	RUN(test_misaligned);
	RUN(test_other_pte_than_cr2);
	RUN(test_unsupported_opcode_logs_bytes);
	RUN(test_not_a_write_unhandled);
	RUN(test_register_operand_unhandled);
	RUN(test_fs_gs_and_odd_prefixes_unhandled);
	RUN(test_lock_mov_unhandled);
	RUN(test_longer_than_15_bytes);
	RUN(test_fetch_fault);
	RUN(test_read_pte_fault);
	RUN(test_rejected_changes_nothing);
	RUN(test_retry_keeps_concurrent_accessed_bit);
	RUN(test_retry_recomputes_cmpxchg);
	RUN(test_endless_races_give_up);
	RUN(test_why_null_or_short);
}

int main(void)
{
	run_instruction_forms();
	run_addressing();
	run_refusals_and_races();
	RUN(test_matches_host_cpu);
	return TEST_DONE();
}

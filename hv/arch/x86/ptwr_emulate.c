/*
 * Writable page tables: emulation of one guest-kernel write to a PTE.
 *
 * A PV guest's L1 page-table pages are mapped read-only in its own address
 * space, so a store to an entry faults. Linux still writes entries
 * directly (PV-BOOT.md 3.6): plain stores (native_set_pte, and
 * xen_set_pte_init during init_mem_mapping), xchg
 * (native_ptep_get_and_clear), lock cmpxchg, lock btr $5
 * (ptep_test_and_clear_young) and a locked byte and (clear_bit of
 * _PAGE_RW). The page-fault handler checks that the fault is a kernel-mode
 * write into a validated L1 page and calls ptwr_emulate(), which:
 *
 *  1. decodes the instruction at rip (prefixes, opcode, ModRM, SIB,
 *     displacement, immediate; SDM vol. 2A, chapter 2). Only the forms in
 *     forms[] below are accepted, anything else is PTWR_UNHANDLED and the
 *     caller bounces the fault with the bytes logged;
 *  2. computes the linear address ea and width w of the memory operand and
 *     requires [ea, ea + w) to be naturally aligned inside the 8-byte PTE
 *     that holds cr2: the hypervisor validates whole entries, one at a time;
 *  3. reads that PTE, computes the instruction's result on its w bytes at
 *     offset ea & 7 and merges them back, so every write is widened to the
 *     whole 64-bit entry;
 *  4. hands old and new entry to cmpxchg_pte, which validates the new one
 *     (L1 rules, references) and installs it only if the entry still holds
 *     old;
 *  5. only then updates the guest registers, RFLAGS and rip.
 *
 * Why so few forms: the bytes are guest-controlled (another vCPU may even
 * rewrite them after the fault), and a general emulator (Xen's x86_emulate)
 * is a large attack surface. The decoder accepts just what Linux uses on
 * PTEs plus their obvious siblings, in 64-bit mode with 64-bit addressing:
 * the address-size prefix, FS/GS (non-zero bases), REP/XACQUIRE/XRELEASE,
 * register operands and non-writing instructions (CMP, BT) are refused.
 *
 * Atomicity: hardware page walkers may set the Accessed and Dirty bits of
 * a live entry at any moment, and other vCPUs may write it too. The new
 * value is always installed by a compare-and-exchange against exactly the
 * value it was computed from; if the entry changed in between, cmpxchg_pte
 * fails, and we re-read and recompute. So no concurrent A/D update is ever
 * lost and the emulated locked instructions stay atomic (a plain MOV is
 * no worse than the native store, which would overwrite the bits anyway).
 * A result equal to the old value needs no write: the read is the
 * linearization point, as for a failing native cmpxchg. After
 * PTWR_MAX_TRIES lost races we give up with nothing changed.
 *
 * Check everything, then change anything: registers and flags are
 * computed on a copy and committed only after the entry was installed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/compiler.h>
#include <lib/vsnprintf.h>
#include <arch/x86/regs.h>
#include <arch/x86/ptwr_emulate.h>

#define INSN_MAX_LEN   15 /* SDM vol. 2A, 2.3.11 */
#define PTWR_MAX_TRIES 8

/* Arithmetic flags in RFLAGS, SDM vol. 1, 3.4.3.1. */
#define FLAG_CF	    (1ul << 0)
#define FLAG_PF	    (1ul << 2)
#define FLAG_AF	    (1ul << 4)
#define FLAG_ZF	    (1ul << 6)
#define FLAG_SF	    (1ul << 7)
#define FLAG_OF	    (1ul << 11)
#define FLAGS_ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)
/* AND, OR, XOR: CF and OF cleared, AF undefined (left alone). */
#define FLAGS_LOGIC (FLAG_CF | FLAG_PF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* REX prefix bits, SDM vol. 2A, 2.2.1.2. */
#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

enum ptwr_op {
	OP_MOV,
	OP_XCHG,
	OP_CMPXCHG,
	OP_CMPXCHG8B,
	OP_ADD,
	OP_OR,
	OP_AND,
	OP_SUB,
	OP_XOR,
	OP_BTS,
	OP_BTR,
	OP_BTC,
};

enum ptwr_src {
	SRC_REG,  /* ModRM.reg names the source register */
	SRC_IMM8, /* imm8, sign-extended to the operand size */
	SRC_IMMZ, /* imm16 for 16-bit operands, else imm32 sign-extended */
	SRC_NONE, /* implicit operands (cmpxchg8b) */
};

#define TWO_BYTE 0x0f00 /* opcode 0x0f xx is stored as 0x0fxx */

struct insn_form {
	uint16_t opcode;
	int8_t ext;  /* ModRM.reg opcode extension ("/digit"), -1 for "/r" */
	uint8_t op;  /* enum ptwr_op */
	uint8_t src; /* enum ptwr_src */
	uint8_t byte_op; /* 8-bit operands, whatever the prefixes */
};

/* Every accepted form, SDM vol. 2 instruction pages and Appendix A. */
static const struct insn_form forms[] = {
	{ 0x00, -1, OP_ADD, SRC_REG, 1 }, /* add r/m8, r8 */
	{ 0x01, -1, OP_ADD, SRC_REG, 0 }, /* add r/m, r */
	{ 0x08, -1, OP_OR, SRC_REG, 1 },
	{ 0x09, -1, OP_OR, SRC_REG, 0 },
	{ 0x20, -1, OP_AND, SRC_REG, 1 },
	{ 0x21, -1, OP_AND, SRC_REG, 0 },
	{ 0x28, -1, OP_SUB, SRC_REG, 1 },
	{ 0x29, -1, OP_SUB, SRC_REG, 0 },
	{ 0x30, -1, OP_XOR, SRC_REG, 1 },
	{ 0x31, -1, OP_XOR, SRC_REG, 0 },
	/* Group 1 (ADC /2, SBB /3 and CMP /7 are not PTE writes). */
	{ 0x80, 0, OP_ADD, SRC_IMM8, 1 }, /* add r/m8, imm8 */
	{ 0x80, 1, OP_OR, SRC_IMM8, 1 },
	{ 0x80, 4, OP_AND, SRC_IMM8, 1 },
	{ 0x80, 5, OP_SUB, SRC_IMM8, 1 },
	{ 0x80, 6, OP_XOR, SRC_IMM8, 1 },
	{ 0x81, 0, OP_ADD, SRC_IMMZ, 0 }, /* add r/m, imm16/32 */
	{ 0x81, 1, OP_OR, SRC_IMMZ, 0 },
	{ 0x81, 4, OP_AND, SRC_IMMZ, 0 },
	{ 0x81, 5, OP_SUB, SRC_IMMZ, 0 },
	{ 0x81, 6, OP_XOR, SRC_IMMZ, 0 },
	{ 0x83, 0, OP_ADD, SRC_IMM8, 0 }, /* add r/m, imm8 */
	{ 0x83, 1, OP_OR, SRC_IMM8, 0 },
	{ 0x83, 4, OP_AND, SRC_IMM8, 0 },
	{ 0x83, 5, OP_SUB, SRC_IMM8, 0 },
	{ 0x83, 6, OP_XOR, SRC_IMM8, 0 },
	{ 0x86, -1, OP_XCHG, SRC_REG, 1 }, /* xchg r/m8, r8 */
	{ 0x87, -1, OP_XCHG, SRC_REG, 0 },
	{ 0x88, -1, OP_MOV, SRC_REG, 1 }, /* mov r/m8, r8 */
	{ 0x89, -1, OP_MOV, SRC_REG, 0 },
	{ 0xc6, 0, OP_MOV, SRC_IMM8, 1 }, /* mov r/m8, imm8 */
	{ 0xc7, 0, OP_MOV, SRC_IMMZ, 0 },
	{ 0x0fab, -1, OP_BTS, SRC_REG, 0 }, /* bts r/m, r */
	{ 0x0fb3, -1, OP_BTR, SRC_REG, 0 },
	{ 0x0fbb, -1, OP_BTC, SRC_REG, 0 },
	{ 0x0fba, 5, OP_BTS, SRC_IMM8, 0 }, /* bts r/m, imm8 */
	{ 0x0fba, 6, OP_BTR, SRC_IMM8, 0 },
	{ 0x0fba, 7, OP_BTC, SRC_IMM8, 0 },
	{ 0x0fb0, -1, OP_CMPXCHG, SRC_REG, 1 }, /* cmpxchg r/m8, r8 */
	{ 0x0fb1, -1, OP_CMPXCHG, SRC_REG, 0 },
	{ 0x0fc7, 1, OP_CMPXCHG8B, SRC_NONE, 0 }, /* cmpxchg8b m64 */
};

/* One decoded instruction; filled in instruction-byte order. */
struct insn {
	uint64_t rip; /* address of the first byte */
	uint8_t bytes[INSN_MAX_LEN];
	unsigned int len; /* bytes consumed so far */
	bool lock, opsize16, has_rex;
	uint8_t rex; /* W R X B, valid if has_rex */
	uint16_t opcode;
	uint8_t modrm;
	unsigned int reg; /* ModRM.reg extended by REX.R */
	const struct insn_form *form;
	unsigned int width; /* memory operand, bytes: 1, 2, 4 or 8 */
	uint64_t ea;	    /* linear address of the memory operand */
	bool rip_relative;  /* ea still lacks the next instruction's address */
	uint64_t src;	    /* source operand, truncated to width */
	unsigned int bit;   /* BT*: bit number within the operand */
};

struct emu {
	struct cpu_regs *regs; /* untouched until the commit */
	const struct ptwr_ops *ops;
	void *ctx;
	char *why;
	size_t whylen;
	struct insn insn;
};

/* ---- registers ---- */

/* x86 register numbers (SDM vol. 2A, table 2-2, 2-4) onto the frame. */
static const uint8_t gpr_offset[16] = {
	offsetof(struct cpu_regs, rax), offsetof(struct cpu_regs, rcx),
	offsetof(struct cpu_regs, rdx), offsetof(struct cpu_regs, rbx),
	offsetof(struct cpu_regs, rsp), offsetof(struct cpu_regs, rbp),
	offsetof(struct cpu_regs, rsi), offsetof(struct cpu_regs, rdi),
	offsetof(struct cpu_regs, r8),	offsetof(struct cpu_regs, r9),
	offsetof(struct cpu_regs, r10), offsetof(struct cpu_regs, r11),
	offsetof(struct cpu_regs, r12), offsetof(struct cpu_regs, r13),
	offsetof(struct cpu_regs, r14), offsetof(struct cpu_regs, r15),
};

static uint64_t *gpr(struct cpu_regs *regs, unsigned int n)
{
	return (uint64_t *)((char *)regs + gpr_offset[n]);
}

static uint64_t width_mask(unsigned int width)
{
	return width == 8 ? ~0ull : (1ull << (8 * width)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned int width)
{
	uint64_t sign = 1ull << (8 * width - 1);

	v &= width_mask(width);
	return (v ^ sign) - sign;
}

/* Without REX, byte registers 4-7 are AH, CH, DH, BH (SDM vol. 1, 3.4.1.1). */
static bool is_high_byte(const struct insn *d, unsigned int n)
{
	return d->width == 1 && !d->has_rex && n >= 4 && n < 8;
}

static uint64_t read_reg(const struct insn *d, struct cpu_regs *regs,
			 unsigned int n)
{
	if (is_high_byte(d, n))
		return *gpr(regs, n - 4) >> 8 & 0xff;
	return *gpr(regs, n) & width_mask(d->width);
}

/* 32-bit writes zero-extend, 8/16-bit writes merge (SDM vol. 1, 3.4.1.1). */
static void write_reg(const struct insn *d, struct cpu_regs *regs,
		      unsigned int n, uint64_t v)
{
	uint64_t mask = width_mask(d->width);
	unsigned int shift = 0;
	uint64_t *r;

	if (is_high_byte(d, n)) {
		n -= 4;
		shift = 8;
	}
	r = gpr(regs, n);
	if (d->width == 4)
		*r = v & mask;
	else
		*r = (*r & ~(mask << shift)) | (v & mask) << shift;
}

/* ---- reporting ---- */

static int fail(struct emu *e, int rc, const char *fmt, ...) __printf(3, 4);

static int fail(struct emu *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (e->why && e->whylen) {
		va_start(ap, fmt);
		vsnprintf(e->why, e->whylen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Logs what stopped the decoder and the bytes at rip, as many as readable. */
static int unhandled(struct emu *e, const char *what)
{
	struct insn *d = &e->insn;
	size_t n;
	unsigned int i;

	while (d->len < INSN_MAX_LEN &&
	       !e->ops->fetch(e->ctx, d->rip + d->len, &d->bytes[d->len], 1))
		d->len++;
	if (!e->why || !e->whylen)
		return PTWR_UNHANDLED;
	n = (size_t)snprintf(e->why, e->whylen, "%s at rip 0x%lx, bytes:", what,
			     d->rip);
	for (i = 0; i < d->len && n < e->whylen; i++)
		n += (size_t)snprintf(e->why + n, e->whylen - n, " %02x",
				      d->bytes[i]);
	return PTWR_UNHANDLED;
}

/* ---- decoding ---- */

/* Fetches n more little-endian bytes; a guest fetch fault is PTWR_FAULT. */
static int fetch(struct emu *e, unsigned int n, uint64_t *val)
{
	struct insn *d = &e->insn;
	uint64_t v = 0;
	unsigned int i;

	*val = 0;
	if (d->len + n > INSN_MAX_LEN)
		return unhandled(e, "instruction longer than 15 bytes");
	if (e->ops->fetch(e->ctx, d->rip + d->len, &d->bytes[d->len], n))
		return fail(e, PTWR_FAULT, "cannot fetch instruction at 0x%lx",
			    d->rip + d->len);
	for (i = n; i-- > 0;)
		v = v << 8 | d->bytes[d->len + i];
	d->len += n;
	*val = v;
	return 0;
}

static int fetch_byte(struct emu *e, uint8_t *b)
{
	uint64_t v;
	int rc = fetch(e, 1, &v);

	*b = (uint8_t)v;
	return rc;
}

static int fetch_signed(struct emu *e, unsigned int n, uint64_t *val)
{
	int rc = fetch(e, n, val);

	*val = sign_extend(*val, n);
	return rc;
}

/* Lock, REP, segment, operand- and address-size (SDM vol. 2A, 2.1.1). */
static const uint8_t legacy_prefixes[] = { 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e,
					   0x26, 0x64, 0x65, 0x66, 0x67 };

static bool is_legacy_prefix(uint8_t b)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(legacy_prefixes); i++)
		if (legacy_prefixes[i] == b)
			return true;
	return false;
}

/* Records one legacy prefix (SDM vol. 2A, 2.1.1). */
static int take_prefix(struct emu *e, uint8_t b)
{
	struct insn *d = &e->insn;

	/* A REX prefix not directly before the opcode is ignored (2.2.1). */
	d->has_rex = false;
	d->rex = 0;
	switch (b) {
	case 0xf0:
		d->lock = true;
		return 0;
	case 0x66:
		d->opsize16 = true;
		return 0;
	case 0x26: /* ES, CS, SS, DS: base 0 in 64-bit mode (vol. 1, 3.4.2.1) */
	case 0x2e:
	case 0x36:
	case 0x3e:
		return 0;
	case 0x64:
	case 0x65:
		return unhandled(e, "FS/GS segment override");
	}
	return unhandled(e, "address-size, REP or HLE prefix");
}

/* Prefixes, then the one- or two-byte opcode. */
static int decode_opcode(struct emu *e)
{
	struct insn *d = &e->insn;
	uint8_t b;
	int rc;

	for (;;) {
		rc = fetch_byte(e, &b);
		if (rc)
			return rc;
		if ((b & 0xf0) == 0x40) {
			d->has_rex = true;
			d->rex = b & 0xf;
		} else if (is_legacy_prefix(b)) {
			rc = take_prefix(e, b);
			if (rc)
				return rc;
		} else {
			break;
		}
	}
	d->opcode = b;
	if (b != 0x0f)
		return 0;
	rc = fetch_byte(e, &b);
	d->opcode = TWO_BYTE | b;
	return rc;
}

static int decode_form(struct emu *e)
{
	struct insn *d = &e->insn;
	int ext = d->modrm >> 3 & 7;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		if (forms[i].opcode == d->opcode &&
		    (forms[i].ext < 0 || forms[i].ext == ext)) {
			d->form = &forms[i];
			return 0;
		}
	}
	return unhandled(e, "unsupported opcode");
}

/* Operand size: SDM vol. 1, 3.6.1 (table 3-4). */
static int decode_width(struct emu *e)
{
	struct insn *d = &e->insn;

	if (d->form->op == OP_CMPXCHG8B && (d->rex & REX_W))
		return unhandled(e, "cmpxchg16b");
	if (d->form->byte_op)
		d->width = 1;
	else if (d->form->op == OP_CMPXCHG8B || (d->rex & REX_W))
		d->width = 8;
	else if (d->opsize16)
		d->width = 2;
	else
		d->width = 4;
	return 0;
}

/* SIB byte, SDM vol. 2A, 2.1.5 table 2-3 and 2.2.1.2. */
static int decode_sib(struct emu *e, unsigned int mod, uint64_t *ea)
{
	struct insn *d = &e->insn;
	unsigned int index, base;
	uint64_t disp;
	uint8_t sib;
	int rc;

	rc = fetch_byte(e, &sib);
	if (rc)
		return rc;
	index = (sib >> 3 & 7) | (d->rex & REX_X ? 8 : 0);
	base = sib & 7;
	*ea = index == 4 ? 0 : *gpr(e->regs, index) << (sib >> 6);
	if (mod == 0 && base == 5) {
		/* No base, disp32 (even with REX.B: r13 needs mod 1). */
		rc = fetch_signed(e, 4, &disp);
		*ea += disp;
		return rc;
	}
	*ea += *gpr(e->regs, base | (d->rex & REX_B ? 8 : 0));
	return 0;
}

/* ModRM memory operand, SDM vol. 2A, 2.1.5 table 2-2 and 2.2.1.6 (RIP). */
static int decode_address(struct emu *e)
{
	struct insn *d = &e->insn;
	unsigned int mod = d->modrm >> 6, rm = d->modrm & 7;
	uint64_t ea = 0, disp = 0;
	int rc = 0;

	if (mod == 3)
		return unhandled(e, "register operand");
	if (rm == 4) {
		rc = decode_sib(e, mod, &ea);
	} else if (mod == 0 && rm == 5) {
		d->rip_relative = true;
		rc = fetch_signed(e, 4, &disp);
	} else {
		ea = *gpr(e->regs, rm | (d->rex & REX_B ? 8 : 0));
	}
	if (!rc && mod == 1)
		rc = fetch_signed(e, 1, &disp);
	else if (!rc && mod == 2)
		rc = fetch_signed(e, 4, &disp);
	d->ea = ea + disp;
	return rc;
}

/* The source operand: a register or an immediate (after the displacement). */
static int decode_source(struct emu *e)
{
	struct insn *d = &e->insn;
	uint64_t imm = 0;
	int rc = 0;

	switch (d->form->src) {
	case SRC_REG:
		imm = read_reg(d, e->regs, d->reg);
		break;
	case SRC_IMM8:
		rc = fetch_signed(e, 1, &imm);
		break;
	case SRC_IMMZ:
		rc = fetch_signed(e, d->width == 2 ? 2 : 4, &imm);
		break;
	}
	d->src = imm & width_mask(d->width);
	return rc;
}

/* floor(a / 2^shift) for signed a, without shifting a negative value. */
static int64_t floor_shift(int64_t a, unsigned int shift)
{
	return a < 0 ? ~(~a >> shift) : a >> shift;
}

static bool is_bit_op(unsigned int op)
{
	return op == OP_BTS || op == OP_BTR || op == OP_BTC;
}

/*
 * BTS/BTR/BTC: an immediate bit offset is taken modulo the operand size; a
 * register offset is signed and selects the operand-sized unit at
 * ea + width * floor(offset / bits) (SDM vol. 2A, BT, "bit base").
 */
static void decode_bit(struct insn *d)
{
	uint64_t bits = 8 * d->width;
	int64_t off = (int64_t)sign_extend(d->src, d->width);
	unsigned int shift = d->width == 2 ? 4 : d->width == 4 ? 5 : 6;

	d->bit = (unsigned int)(d->src & (bits - 1));
	if (d->form->src == SRC_REG)
		d->ea += (uint64_t)floor_shift(off, shift) * d->width;
}

static int decode(struct emu *e)
{
	struct insn *d = &e->insn;
	int rc;

	d->rip = e->regs->rip;
	rc = decode_opcode(e);
	if (!rc)
		rc = fetch_byte(e, &d->modrm);
	if (!rc)
		rc = decode_form(e);
	if (rc)
		return rc;
	d->reg = (d->modrm >> 3 & 7) | (d->rex & REX_R ? 8 : 0);
	if (d->lock && d->form->op == OP_MOV)
		return unhandled(e, "lock prefix on mov");
	rc = decode_width(e);
	if (!rc)
		rc = decode_address(e);
	if (!rc)
		rc = decode_source(e);
	if (rc)
		return rc;
	if (d->rip_relative)
		d->ea += d->rip + d->len;
	if (is_bit_op(d->form->op))
		decode_bit(d);
	return 0;
}

/* ---- execution on the w-byte destination ---- */

static void set_flags(struct cpu_regs *regs, uint64_t which, uint64_t val)
{
	regs->rflags = (regs->rflags & ~which) | (val & which);
}

/* ZF, SF and PF (even parity of the low byte) of a result. */
static uint64_t szp_flags(uint64_t res, unsigned int width)
{
	uint64_t f = 0, p = res & 0xff;

	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= FLAG_PF;
	if (!res)
		f |= FLAG_ZF;
	if (res >> (8 * width - 1) & 1)
		f |= FLAG_SF;
	return f;
}

static uint64_t add_flags(uint64_t a, uint64_t b, uint64_t res,
			  unsigned int width)
{
	uint64_t f = szp_flags(res, width);

	if (res < a)
		f |= FLAG_CF;
	if ((a ^ b ^ res) & 0x10)
		f |= FLAG_AF;
	if (((a ^ res) & (b ^ res)) >> (8 * width - 1) & 1)
		f |= FLAG_OF;
	return f;
}

static uint64_t sub_flags(uint64_t a, uint64_t b, uint64_t res,
			  unsigned int width)
{
	uint64_t f = szp_flags(res, width);

	if (a < b)
		f |= FLAG_CF;
	if ((a ^ b ^ res) & 0x10)
		f |= FLAG_AF;
	if (((a ^ b) & (a ^ res)) >> (8 * width - 1) & 1)
		f |= FLAG_OF;
	return f;
}

/* ADD, SUB, AND, OR, XOR (SDM vol. 2A/2B and vol. 1, appendix A). */
static uint64_t alu(const struct insn *d, uint64_t dst, struct cpu_regs *regs)
{
	uint64_t mask = width_mask(d->width), res;

	switch (d->form->op) {
	case OP_ADD:
		res = (dst + d->src) & mask;
		set_flags(regs, FLAGS_ARITH,
			  add_flags(dst, d->src, res, d->width));
		return res;
	case OP_SUB:
		res = (dst - d->src) & mask;
		set_flags(regs, FLAGS_ARITH,
			  sub_flags(dst, d->src, res, d->width));
		return res;
	case OP_AND:
		res = dst & d->src;
		break;
	case OP_OR:
		res = dst | d->src;
		break;
	default:
		res = dst ^ d->src;
		break;
	}
	set_flags(regs, FLAGS_LOGIC, szp_flags(res, d->width));
	return res;
}

/*
 * CMPXCHG: flags of CMP accumulator, dest; the accumulator is written only
 * on mismatch, so a 32-bit success leaves RAX[63:32] alone (SDM vol. 2A).
 */
static uint64_t cmpxchg(const struct insn *d, uint64_t dst,
			struct cpu_regs *regs)
{
	uint64_t acc = regs->rax & width_mask(d->width);
	uint64_t res = (acc - dst) & width_mask(d->width);

	set_flags(regs, FLAGS_ARITH, sub_flags(acc, dst, res, d->width));
	if (acc == dst)
		return d->src;
	write_reg(d, regs, 0, dst);
	return dst;
}

/* CMPXCHG8B: EDX:EAX against m64, ECX:EBX stored; only ZF changes. */
static uint64_t cmpxchg8b(uint64_t dst, struct cpu_regs *regs)
{
	uint64_t expect = (regs->rdx & 0xffffffff) << 32 | (uint32_t)regs->rax;

	if (dst == expect) {
		set_flags(regs, FLAG_ZF, FLAG_ZF);
		return (regs->rcx & 0xffffffff) << 32 | (uint32_t)regs->rbx;
	}
	set_flags(regs, FLAG_ZF, 0);
	regs->rax = (uint32_t)dst;
	regs->rdx = dst >> 32;
	return dst;
}

/* BTS/BTR/BTC: CF is the old bit; OF, SF, AF, PF undefined (left alone). */
static uint64_t bit_op(const struct insn *d, uint64_t dst,
		       struct cpu_regs *regs)
{
	uint64_t m = 1ull << d->bit;

	set_flags(regs, FLAG_CF, dst & m ? FLAG_CF : 0);
	if (d->form->op == OP_BTS)
		return dst | m;
	if (d->form->op == OP_BTR)
		return dst & ~m;
	return dst ^ m;
}

/* Returns the new destination value; updates registers and flags in regs. */
static uint64_t execute(const struct insn *d, uint64_t dst,
			struct cpu_regs *regs)
{
	switch (d->form->op) {
	case OP_MOV:
		return d->src;
	case OP_XCHG:
		write_reg(d, regs, d->reg, dst);
		return d->src;
	case OP_CMPXCHG:
		return cmpxchg(d, dst, regs);
	case OP_CMPXCHG8B:
		return cmpxchg8b(dst, regs);
	case OP_BTS:
	case OP_BTR:
	case OP_BTC:
		return bit_op(d, dst, regs);
	}
	return alu(d, dst, regs);
}

/* ---- the PTE ---- */

static int check_target(struct emu *e, uint64_t cr2)
{
	const struct insn *d = &e->insn;

	if ((d->ea & ~(uint64_t)7) != (cr2 & ~(uint64_t)7))
		return fail(e, PTWR_MISALIGNED,
			    "writes 0x%lx, not the PTE at 0x%lx that faulted",
			    d->ea, cr2 & ~(uint64_t)7);
	if (d->ea & (d->width - 1))
		return fail(e, PTWR_MISALIGNED, "%u-byte write to 0x%lx",
			    d->width, d->ea);
	return 0;
}

/* Read, compute, compare-and-exchange; commit only what was installed. */
static int update_pte(struct emu *e)
{
	const struct insn *d = &e->insn;
	uint64_t pte_va = d->ea & ~(uint64_t)7, old, new_pte, res;
	unsigned int shift = 8 * (d->ea & 7), tries;
	uint64_t mask = width_mask(d->width) << shift;
	struct cpu_regs regs;
	int rc;

	for (tries = 0; tries < PTWR_MAX_TRIES; tries++) {
		if (e->ops->read_pte(e->ctx, pte_va, &old))
			return fail(e, PTWR_FAULT, "cannot read PTE at 0x%lx",
				    pte_va);
		regs = *e->regs;
		res = execute(d, (old & mask) >> shift, &regs);
		new_pte = (old & ~mask) | (res << shift & mask);
		rc = 0;
		if (new_pte != old)
			rc = e->ops->cmpxchg_pte(e->ctx, pte_va, old, new_pte);
		if (rc == PTWR_RETRY)
			continue;
		if (rc)
			return fail(e, PTWR_REJECTED,
				    "PTE at 0x%lx: 0x%lx -> 0x%lx rejected",
				    pte_va, old, new_pte);
		regs.rip = d->rip + d->len;
		*e->regs = regs;
		return PTWR_OK;
	}
	return fail(e, PTWR_RETRY, "PTE at 0x%lx changed %u times", pte_va,
		    tries);
}

int ptwr_emulate(struct cpu_regs *regs, uint64_t cr2,
		 const struct ptwr_ops *ops, void *ctx, char *why,
		 size_t whylen)
{
	struct emu e = {
		.regs = regs,
		.ops = ops,
		.ctx = ctx,
		.why = why,
		.whylen = whylen,
	};
	int rc;

	if (why && whylen)
		why[0] = '\0';
	rc = decode(&e);
	if (!rc)
		rc = check_target(&e, cr2);
	if (!rc)
		rc = update_pte(&e);
	return rc;
}

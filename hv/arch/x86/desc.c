/*
 * GDT, TSS and IDT of the (single) physical CPU. See desc.h for why the
 * hypervisor's descriptors sit at 0xe000 in a 16-page GDT.
 * Reference: Intel SDM vol. 3A, 3.4.5 (segment descriptors), 7.7 (64-bit
 * TSS), 6.14.1 (64-bit IDT gate descriptors).
 */
#include <stdint.h>
#include <lib/compiler.h>
#include <lib/string.h>
#include <arch/x86/desc.h>
#include <arch/x86/layout.h>
#include <arch/x86/cpu.h>
#include <arch/hooks.h>

struct tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t ist[8]; /* ist[0] is reserved */
	uint64_t rsvd1;
	uint16_t rsvd2;
	uint16_t iomap_base;
} __packed;
_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t rsvd;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

static uint64_t gdt[GDT_ENTRIES] __aligned(4096);
static struct idt_gate idt[256] __aligned(16);
static struct tss64 tss __aligned(16);
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __aligned(16);

extern char trap_stubs[];
void arch_load_gdt(const struct desc_ptr *gdtr);

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */

static void set_gate(unsigned int vec, unsigned int ist)
{
	uint64_t addr = (uint64_t)(trap_stubs + 16 * vec);

	idt[vec] = (struct idt_gate){
		.off_lo = (uint16_t)addr,
		.sel = HV_CS64,
		.ist = (uint8_t)ist,
		.type_attr = GATE_INTERRUPT,
		.off_mid = (uint16_t)(addr >> 16),
		.off_hi = (uint32_t)(addr >> 32),
	};
}

static void gdt_set_tss(unsigned int sel, uint64_t base, uint32_t limit)
{
	unsigned int i = sel >> 3;

	/* Available 64-bit TSS (type 9), present, DPL 0: a 16-byte entry. */
	gdt[i] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | ((uint64_t)(limit >> 16) << 48) |
		 ((base >> 24) & 0xff) << 56;
	gdt[i + 1] = base >> 32;
}

static void gdt_init(void)
{
	uint64_t *r = &gdt[FIRST_RESERVED_GDT_ENTRY];

	r[0] = 0;		   /* 0xe000 null */
	r[1] = 0x00af9b000000ffff; /* 0xe008 ring 0 64-bit code */
	r[2] = 0x00cf93000000ffff; /* 0xe010 ring 0 data */
	r[3] = 0;		   /* 0xe018 reserved */
	r[4] = 0x00cffb000000ffff; /* 0xe020 ring 3 32-bit code */
	r[5] = 0x00cff3000000ffff; /* 0xe028 ring 3 data */
	r[6] = 0x00affb000000ffff; /* 0xe030 ring 3 64-bit code */
	r[7] = 0x00cf9b000000ffff; /* 0xe038 ring 0 32-bit code */
	gdt_set_tss(HV_TSS_SEL, (uint64_t)&tss, sizeof(tss) - 1);
}

static void tss_init(void)
{
	unsigned int i;

	memset(&tss, 0, sizeof(tss));
	for (i = 0; i < IST_COUNT; i++)
		tss.ist[i + 1] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */
}

static void idt_init(void)
{
	unsigned int v;

	for (v = 0; v < 256; v++)
		set_gate(v, 0);
	set_gate(2, IST_NMI);
	set_gate(8, IST_DF);
	set_gate(18, IST_MCE);
	idt[3].type_attr |= 3 << 5; /* guest int3 arrives as #BP */
	idt[4].type_attr |= 3 << 5; /* guest into arrives as #OF */
}

/* Remap the legacy 8259 PICs away from the exception vectors and mask
 * every line: PVX uses the LAPIC (and later IOAPIC/MSI) only. */
static void pic_disable(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, VECTOR_PIC_BASE);
	outb(0xa1, VECTOR_PIC_BASE + 8);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void arch_desc_init(void)
{
	struct desc_ptr gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };

	tss_init();
	gdt_init();
	idt_init();
	arch_load_gdt(&gdtr);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	__asm__ volatile("ltr %w0" : : "r"(HV_TSS_SEL));
	pic_disable();
}

void arch_set_kernel_stack(uint64_t rsp0)
{
	tss.rsp[0] = rsp0;
}

/* Guest descriptors occupy entries below FIRST_RESERVED_GDT_ENTRY of the
 * one GDT (arch/x86/pv_gdt.c keeps them equal to the guest's frames). */
void arch_gdt_write_guest(unsigned int idx, unsigned long long desc)
{
	if (idx < FIRST_RESERVED_GDT_ENTRY)
		gdt[idx] = desc;
}

/*
 * Multiboot2 entry: GRUB2 leaves us in 32-bit protected mode, paging off,
 * EAX = 0x36d76289, EBX = physical address of the boot information.
 *
 * This file does the least that C cannot: build boot page tables, enter
 * long mode and jump to the hypervisor's link address. Until that jump,
 * code runs at its load (physical) address, so every symbol is referenced
 * as (sym - HV_VIRT_OFFSET).
 *
 * Boot page tables (all 2 MiB pages, see layout.h):
 *   PML4[0]    -> boot_pdpt_low : identity 0..4 GiB   (dropped by paging_init)
 *   PML4[262]  -> boot_pdpt_low : direct map 0..4 GiB (same PDs)
 *   PML4[261]  -> boot_pdpt_hv  -> boot_pd_hv : the image at HV_VIRT_START
 *
 * Reference: Intel SDM vol. 3A, 9.8.5 "Initializing IA-32e Mode";
 * Multiboot2 specification, 3.1 "OS image format".
 */
#include <arch/x86/layout.h>

#define MB2_MAGIC		0xe85250d6
#define MB2_ARCH_I386		0
#define MB2_BOOTLOADER_MAGIC	0x36d76289
#define PA(sym)			((sym) - HV_VIRT_OFFSET)

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080
#define CR0_PE		0x00000001
#define CR0_WP		0x00010000
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100
#define EFER_NXE	0x00000800

/* Exit codes written to QEMU's isa-debug-exit before the C code runs. */
#define EARLY_EXIT_PORT		0xf4
#define EARLY_EXIT_BADMAGIC	0x7d
#define EARLY_EXIT_NOLM		0x7e

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Entry address tag: GRUB jumps here (physical) for an ELF image. */
	.balign 8
	.word	3, 0
	.long	12
	.long	PA(start32)
	/* End tag. */
	.balign 8
	.word	0, 0
	.long	8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl	start32
start32:
	cli
	cld
	cmpl	$MB2_BOOTLOADER_MAGIC, %eax
	jne	1f
	movl	$PA(boot_stack_top), %esp
	movl	%ebx, %edi			/* keep the MBI pointer for C */

	/* Long mode supported? CPUID 0x80000001 EDX bit 29. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	2f
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	2f

	/* Identity and direct map of 0..4 GiB: four PDs of 2 MiB pages. */
	movl	$PA(boot_pd_low), %ebx
	xorl	%ecx, %ecx
3:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P | PTE_W | PTE_PS), %eax
	movl	%eax, (%ebx, %ecx, 8)
	movl	%ecx, %eax
	shrl	$11, %eax			/* bits 32+ of (ecx << 21) */
	movl	%eax, 4(%ebx, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jne	3b

	/* The image: HV_IMAGE_MAX bytes from HV_PHYS_START. */
	movl	$PA(boot_pd_hv), %ebx
	xorl	%ecx, %ecx
4:	movl	%ecx, %eax
	shll	$21, %eax
	addl	$(HV_PHYS_START | PTE_P | PTE_W | PTE_PS), %eax
	movl	%eax, (%ebx, %ecx, 8)
	incl	%ecx
	cmpl	$(HV_IMAGE_MAX >> 21), %ecx
	jne	4b

	movl	$PA(boot_pml4), %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE | CR0_WP), %eax
	movl	%eax, %cr0

	lgdt	PA(boot_gdt_desc)
	ljmp	$0x08, $PA(start64_low)

1:	movb	$EARLY_EXIT_BADMAGIC, %al
	jmp	5f
2:	movb	$EARLY_EXIT_NOLM, %al
5:	outb	%al, $EARLY_EXIT_PORT
6:	hlt
	jmp	6b

	.code64
start64_low:
	movabsq	$start64_high, %rax
	jmp	*%rax

	.text
start64_high:
	xorl	%eax, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	boot_stack_top(%rip), %rsp
	xorl	%ebp, %ebp			/* terminates backtraces */
	/* %rdi = MBI physical address (zero-extended by the 32-bit mov). */
	call	start_pvx
	ud2

	.section .data.boot, "aw"
	.balign	8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff		/* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	PA(boot_gdt)

	.balign	4096
	.globl	boot_pml4
boot_pml4:
	.quad	PA(boot_pdpt_low) + (PTE_P | PTE_W)
	.fill	260, 8, 0
	.quad	PA(boot_pdpt_hv) + (PTE_P | PTE_W)	/* slot 261 */
	.quad	PA(boot_pdpt_low) + (PTE_P | PTE_W)	/* slot 262 */
	.fill	249, 8, 0
boot_pdpt_low:
	.quad	PA(boot_pd_low) + 0x0000 + (PTE_P | PTE_W)
	.quad	PA(boot_pd_low) + 0x1000 + (PTE_P | PTE_W)
	.quad	PA(boot_pd_low) + 0x2000 + (PTE_P | PTE_W)
	.quad	PA(boot_pd_low) + 0x3000 + (PTE_P | PTE_W)
	.fill	508, 8, 0
boot_pdpt_hv:
	.fill	(HV_VIRT_START >> 30) & 511, 8, 0
	.quad	PA(boot_pd_hv) + (PTE_P | PTE_W)
	.fill	511 - ((HV_VIRT_START >> 30) & 511), 8, 0

	.section .bss.boot, "aw", @nobits
	.balign	4096
boot_pd_low:
	.skip	4 * 4096
boot_pd_hv:
	.skip	4096
	.balign	16
	.globl	boot_stack, boot_stack_top
boot_stack:
	.skip	HV_STACK_SIZE
boot_stack_top:

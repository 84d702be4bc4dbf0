/*
 * Trap and interrupt entry. Every vector has a 16-byte stub in trap_stubs
 * (vector N at trap_stubs + 16 * N) that makes the frame uniform (pushes a
 * zero error code where the CPU does not) and pushes the vector number.
 * trap_common saves the general registers as a struct cpu_regs and calls
 * do_trap(regs). Only hypervisor-mode traps exist so far; the return to a
 * guest (and its different frame handling) arrives with PV guests.
 */
#include <arch/x86/desc.h>

	.text
	.balign	16
	.globl	trap_stubs
trap_stubs:
vec = 0
	.rept	256
	.balign	16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	trap_common
vec = vec + 1
	.endr

trap_common:
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	do_trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	addq	$16, %rsp			/* vector and error code */
	iretq

/* Load the GDT, reload CS with a far return and the data segments. */
	.globl	arch_load_gdt
arch_load_gdt:					/* %rdi = &gdtr */
	lgdt	(%rdi)
	pushq	$HV_CS64
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
1:	xorl	%eax, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	ret

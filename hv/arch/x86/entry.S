/*
 * Trap and interrupt entry. Every vector has a 16-byte stub in trap_stubs
 * (vector N at trap_stubs + 16 * N) that makes the frame uniform (pushes a
 * zero error code where the CPU does not) and pushes the vector number.
 * trap_common saves the general registers as a struct cpu_regs and calls
 * do_trap(regs). Only hypervisor-mode traps exist so far; the return to a
 * guest (and its different frame handling) arrives with PV guests.
 */
#include <arch/x86/desc.h>
#include <arch/x86/regs.h>

#define FLAT_RING3_CS32		0xe023
#define FLAT_RING3_SS32		0xe02b
#define FLAT_RING3_CS64		0xe033
#define FLAT_RING3_SS64		0xe02b

	.macro SAVE_GPRS
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
	.endm

	.macro RESTORE_GPRS
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
	.endm

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
	SAVE_GPRS
	movq	%rsp, %rdi
	call	do_trap
	.globl	restore_all
restore_all:
	RESTORE_GPRS
	addq	$16, %rsp			/* vector and error code */
	.globl	iret_to_guest
iret_to_guest:
	iretq

/*
 * SYSCALL from the guest (LSTAR). Guest kernel: a hypercall; guest user:
 * a system call to bounce to the guest kernel. SYSCALL switches no stack,
 * so RSP is still the guest's: park it, take the top of our stack (empty
 * whenever the guest runs), and build the same frame a trap from ring 3
 * would have built, so one return path serves both. SFMASK cleared IF.
 */
	.globl	syscall_entry
syscall_entry:
	movq	%rsp, syscall_guest_rsp(%rip)
	leaq	boot_stack_top(%rip), %rsp
	pushq	$FLAT_RING3_SS64
	pushq	syscall_guest_rsp(%rip)
	pushq	%r11				/* guest RFLAGS */
	pushq	$FLAT_RING3_CS64
	pushq	%rcx				/* guest RIP */
	pushq	$0
	pushq	$VECTOR_SYSCALL
	SAVE_GPRS
	movq	%rsp, %rdi
	call	pv_syscall_entry
	jmp	restore_all

/* 32-bit SYSCALL (CSTAR): 32-bit user space is not supported. */
	.globl	syscall32_entry
syscall32_entry:
	movq	%rsp, syscall_guest_rsp(%rip)
	leaq	boot_stack_top(%rip), %rsp
	pushq	$FLAT_RING3_SS32
	pushq	syscall_guest_rsp(%rip)
	pushq	%r11
	pushq	$FLAT_RING3_CS32
	pushq	%rcx
	pushq	$0
	pushq	$VECTOR_SYSCALL32
	SAVE_GPRS
	movq	%rsp, %rdi
	call	pv_syscall_entry
	jmp	restore_all

/* First entry into the guest: its frame is already at the stack top. */
	.globl	arch_enter_guest
arch_enter_guest:
	leaq	boot_stack_top - CPU_REGS_SIZE(%rip), %rsp
	jmp	restore_all

/*
 * size_t arch_copy_fault_safe(void *dst, const void *src, size_t len):
 * returns the number of bytes not copied (0 on success). A fault inside
 * the rep movsb resumes at copy_done with RCX = bytes left (exception
 * table below; SDM vol. 2B: REP updates RCX per iteration).
 */
	.globl	arch_copy_fault_safe
arch_copy_fault_safe:
	movq	%rdx, %rcx
copy_insn:
	rep movsb
copy_done:
	movq	%rcx, %rax
	ret

/* int arch_load_user_gs_sel(unsigned int sel): loads the guest user GS
 * selector (swapgs around it); on a fault loads the null selector and
 * returns -1. */
	.globl	arch_load_user_gs_sel
arch_load_user_gs_sel:
	xorl	%eax, %eax
	swapgs
gs_load:
	movl	%edi, %gs
gs_done:
	swapgs
	ret
gs_fault:
	xorl	%edx, %edx
	movl	%edx, %gs
	movl	$-1, %eax
	jmp	gs_done

	.section .ex_table, "a"
	.balign	8
	.quad	copy_insn, copy_done
	.quad	gs_load, gs_fault
	.previous

	.bss
	.balign	8
syscall_guest_rsp:
	.quad	0
	.text

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

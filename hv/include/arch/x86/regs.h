/*
 * The register frame entry.S builds on every trap and interrupt. Field
 * order is the push order reversed; entry.S and this struct must agree
 * (checked by the _Static_assert below against the assembly constant).
 */
#ifndef HV_ARCH_X86_REGS_H
#define HV_ARCH_X86_REGS_H

#define CPU_REGS_SIZE 176

#ifndef __ASSEMBLY__
#include <stdint.h>

struct cpu_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint64_t vector;
	uint64_t error_code; /* 0 for vectors without one */
	/* Pushed by the CPU (SDM vol. 3A, 6.14.2 "64-Bit Mode Stack Frame"). */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct cpu_regs) == CPU_REGS_SIZE, "entry.S frame");
#endif

#endif

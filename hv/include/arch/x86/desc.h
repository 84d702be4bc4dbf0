/*
 * Segment selectors and descriptor tables.
 *
 * The hypervisor's own descriptors live where Xen puts them: in the 15th
 * page of a 16-page GDT (entries from 0xe000 up), so that a PV guest can
 * own GDT pages 0..13 through set_gdt and still use the flat selectors the
 * ABI fixes (FLAT_RING3_CS64 = 0xe033 etc. in <xen/arch-x86/xen-x86_64.h>).
 * The order makes SYSCALL/SYSRET work: STAR selects kernel CS = 0xe008 and
 * SS = 0xe010; SYSRET to 64-bit user loads CS = 0xe023 + 16, SS = 0xe023 + 8
 * (SDM vol. 2B, SYSRET).
 */
#ifndef HV_ARCH_X86_DESC_H
#define HV_ARCH_X86_DESC_H

#define GDT_ENTRIES		 8192
#define FIRST_RESERVED_GDT_PAGE	 14
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_PAGE * 512)

#define HV_CS64	   0xe008
#define HV_DS32	   0xe010
#define HV_CS32	   0xe038
#define HV_TSS_SEL 0xe040
#define HV_LDT_SEL 0xe050

/* Interrupt vectors the hypervisor owns. Exceptions are 0..31; the legacy
 * PIC is remapped to 0x20..0x2f and masked. */
#define VECTOR_PIC_BASE	   0x20
#define VECTOR_DEVICE	   0x40 /* PCI INTx lines (drivers/irq.c) */
#define VECTOR_LAPIC_TIMER 0xf0
#define VECTOR_SPURIOUS	   0xff
/* Pseudo-vectors in the frame of a SYSCALL entry (not IDT vectors). */
#define VECTOR_SYSCALL	 0x100
#define VECTOR_SYSCALL32 0x101

/* IST slots in the TSS for exceptions that must not use a possibly
 * broken stack. */
#define IST_NMI	  1
#define IST_DF	  2
#define IST_MCE	  3
#define IST_COUNT 3

#ifndef __ASSEMBLY__
/* Writes guest descriptor idx (< FIRST_RESERVED_GDT_ENTRY) of the GDT. */
void arch_gdt_write_guest(unsigned int idx, unsigned long long desc);
#endif

#endif

/*
 * The I/O APIC (Intel 82093AA I/O APIC data sheet, 3.2; SDM vol. 3A,
 * 11.6 for the local APIC side).
 *
 * Two registers at its MMIO base: IOREGSEL (offset 0x00) selects an
 * indirect register, IOWIN (0x10) reads or writes it. Register 0x01 is
 * the version (bits 23..16: index of the last redirection entry); the
 * 64-bit redirection entry of input n is registers 0x10 + 2n (low) and
 * 0x11 + 2n (high). Low word: vector 7..0, delivery mode 10..8 (000
 * fixed), destination mode 11 (0 physical), polarity 13 (1 active low),
 * trigger 15 (1 level), mask 16; high word: destination APIC ID 31..24.
 *
 * Level-triggered protocol. The I/O APIC sends the vector and sets the
 * entry's Remote IRR; it sends nothing more for that input until the
 * local APIC's EOI (broadcast to the I/O APICs for level vectors) clears
 * Remote IRR. If the line is still asserted then, it sends again. So a
 * handler must make its device deassert the line (virtio: read the ISR)
 * before the EOI.
 *
 * Simplifications, true of QEMU's pc and q35 machines: one I/O APIC at
 * the architectural default 0xfec00000, and GSI n is the firmware's
 * interrupt line n. There is no ACPI MADT parsing, so no interrupt
 * source overrides; QEMU's only concern ISA IRQ 0 (input 2) and IRQ 9
 * (the ACPI SCI), while SeaBIOS puts PCI INTx on IRQs 10 and 11.
 * Entries are written high word first, then the low word that unmasks,
 * so the entry is never live with a stale destination.
 */
#include <stdint.h>
#include <lib/errno.h>
#include <arch/hooks.h>
#include <arch/x86/cpu.h>
#include <drivers/ioapic.h>

#define IOAPIC_BASE	 0xfec00000ull
#define IOAPIC_REGSEL	 0x00
#define IOAPIC_WIN	 0x10
#define IOAPIC_VERSION	 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define RTE_LOW_ACTIVE	 (1u << 13)
#define RTE_LEVEL	 (1u << 15)
#define RTE_MASKED	 (1u << 16)
#define RTE_DEST_SHIFT	 24

static volatile uint32_t *ioapic;
static unsigned int nr_inputs;

static uint32_t ioapic_read(unsigned int reg)
{
	ioapic[IOAPIC_REGSEL / 4] = reg;
	return ioapic[IOAPIC_WIN / 4];
}

static void ioapic_write(unsigned int reg, uint32_t v)
{
	ioapic[IOAPIC_REGSEL / 4] = reg;
	ioapic[IOAPIC_WIN / 4] = v;
}

/* Maps the I/O APIC on first use; 0 if one answers there. */
static int ioapic_map(void)
{
	uint32_t version;

	if (ioapic)
		return nr_inputs ? 0 : -XEN_ENODEV;
	ioapic = arch_ioremap(IOAPIC_BASE, 0x20);
	version = ioapic_read(IOAPIC_VERSION);
	if (version == 0xffffffffu)
		return -XEN_ENODEV;
	nr_inputs = ((version >> 16) & 0xff) + 1;
	return 0;
}

/* The initial APIC ID of this CPU (CPUID leaf 1, EBX 31..24). */
static uint8_t this_apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return (uint8_t)(b >> 24);
}

int ioapic_route_pci(unsigned int gsi, uint8_t vector)
{
	int err = ioapic_map();

	if (err)
		return err;
	if (gsi >= nr_inputs)
		return -XEN_EINVAL;
	ioapic_write(IOAPIC_REDTBL(gsi) + 1, (uint32_t)this_apic_id()
						 << RTE_DEST_SHIFT);
	ioapic_write(IOAPIC_REDTBL(gsi), vector | RTE_LEVEL | RTE_LOW_ACTIVE);
	return 0;
}

void ioapic_mask(unsigned int gsi)
{
	if (ioapic_map() || gsi >= nr_inputs)
		return;
	ioapic_write(IOAPIC_REDTBL(gsi), RTE_MASKED);
}

/*
 * PCI enumeration through configuration mechanism #1 (PCI Local Bus
 * Specification 3.0, 3.2.2.3.2): write the function's address to port
 * 0xcf8 (bit 31 enable, bus 23..16, device 15..11, function 10..8,
 * register 7..2), then read or write the dword at 0xcfc; narrower
 * accesses use 0xcfc + (offset & 3).
 *
 * pci_init() walks bus 0, every function of multi-function devices, and
 * the secondary bus of each PCI-to-PCI bridge the firmware has numbered
 * (SeaBIOS has; buses are only followed upwards, so a misconfigured
 * bridge cannot make the walk loop). It records identity, class,
 * interrupt routing and BARs. Sizing a BAR overwrites it for a moment,
 * so decoding is turned off around it, except on bridges (the host and
 * ISA bridges keep decoding the console's ports, as Linux's
 * mmio_always_on does for host bridges). Nothing else is changed until a
 * driver claims a device (pci_claim), which turns on decoding and bus
 * mastering for it alone.
 *
 * Configuration accesses are two port operations that must not be split
 * by another access; the hypervisor makes them with interrupts off on
 * its one CPU and no interrupt handler touches configuration space.
 */
#include <stdint.h>
#include <lib/errno.h>
#include <lib/printk.h>
#include <lib/vsnprintf.h>
#include <arch/x86/cpu.h>
#include <drivers/pci.h>

#define PCI_CONF_ADDR	 0xcf8
#define PCI_CONF_DATA	 0xcfc
#define PCI_MAX_DEVS	 64
#define PCI_SLOTS	 32
#define PCI_FNS		 8
#define PCI_CLASS_BRIDGE 0x06

static struct pci_dev devs[PCI_MAX_DEVS];
static unsigned int nr_devs;

static void conf_select(const struct pci_dev *d, unsigned int off)
{
	outl(PCI_CONF_ADDR, 0x80000000u | (uint32_t)d->bus << 16 |
				(uint32_t)d->slot << 11 | (uint32_t)d->fn << 8 |
				(off & 0xfc));
}

uint32_t pci_conf_read32(const struct pci_dev *d, unsigned int off)
{
	conf_select(d, off);
	return inl(PCI_CONF_DATA);
}

uint16_t pci_conf_read16(const struct pci_dev *d, unsigned int off)
{
	conf_select(d, off);
	return inw(PCI_CONF_DATA + (off & 2));
}

uint8_t pci_conf_read8(const struct pci_dev *d, unsigned int off)
{
	conf_select(d, off);
	return inb(PCI_CONF_DATA + (off & 3));
}

void pci_conf_write32(const struct pci_dev *d, unsigned int off, uint32_t v)
{
	conf_select(d, off);
	outl(PCI_CONF_DATA, v);
}

void pci_conf_write16(const struct pci_dev *d, unsigned int off, uint16_t v)
{
	conf_select(d, off);
	outw(PCI_CONF_DATA + (off & 2), v);
}

/* Writes all ones to BAR register reg and returns what reads back,
 * restoring the original value. */
static uint32_t bar_probe(const struct pci_dev *d, unsigned int reg)
{
	unsigned int off = PCI_BAR0 + 4 * reg;
	uint32_t orig = pci_conf_read32(d, off), probe;

	pci_conf_write32(d, off, 0xffffffffu);
	probe = pci_conf_read32(d, off);
	pci_conf_write32(d, off, orig);
	return probe;
}

static void size_bars(struct pci_dev *d, unsigned int nr_bars)
{
	unsigned int i = 0;

	while (i < nr_bars) {
		uint32_t orig = pci_conf_read32(d, PCI_BAR0 + 4 * i);
		uint32_t probe = bar_probe(d, i), orig_hi = 0, probe_hi = 0;

		if (pci_bar_is_mem64(orig) && i + 1 < nr_bars) {
			orig_hi = pci_conf_read32(d, PCI_BAR0 + 4 * (i + 1));
			probe_hi = bar_probe(d, i + 1);
		}
		i += pci_bar_decode(orig, probe, orig_hi, probe_hi, &d->bar[i]);
	}
}

/* Type 0 headers have six BARs, bridges two, CardBus bridges none we
 * use. */
static unsigned int nr_bars(const struct pci_dev *d)
{
	if (d->header_type == 0)
		return PCI_NR_BARS;
	if (d->header_type == PCI_HEADER_BRIDGE)
		return PCI_BRIDGE_NR_BARS;
	return 0;
}

static void read_bars(struct pci_dev *d)
{
	uint16_t cmd = pci_conf_read16(d, PCI_COMMAND);
	int quiet = d->class_code != PCI_CLASS_BRIDGE;

	if (quiet)
		pci_conf_write16(d, PCI_COMMAND,
				 cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	size_bars(d, nr_bars(d));
	if (quiet)
		pci_conf_write16(d, PCI_COMMAND, cmd);
}

static void read_identity(struct pci_dev *d)
{
	uint32_t class_rev = pci_conf_read32(d, PCI_REVISION);

	d->vendor = pci_conf_read16(d, PCI_VENDOR_ID);
	d->device = pci_conf_read16(d, PCI_DEVICE_ID);
	d->revision = class_rev & 0xff;
	d->prog_if = (class_rev >> 8) & 0xff;
	d->subclass = (class_rev >> 16) & 0xff;
	d->class_code = class_rev >> 24;
	d->header_type = pci_conf_read8(d, PCI_HEADER_TYPE) & 0x7f;
	if (d->header_type == 0) {
		d->subsys_vendor = pci_conf_read16(d, PCI_SUBSYS_VENDOR);
		d->subsys_id = pci_conf_read16(d, PCI_SUBSYS_ID);
	}
	d->irq_line = pci_conf_read8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_conf_read8(d, PCI_INTERRUPT_PIN);
}

/* "io 0xc000/64" or "mem 0xfebf1000/4096" (+ "64", "pf") per BAR. */
static int format_bars(const struct pci_dev *d, char *buf, size_t len)
{
	int n = 0;
	unsigned int i;

	for (i = 0; i < PCI_NR_BARS && n < (int)len; i++) {
		const struct pci_bar *b = &d->bar[i];

		if (!b->size)
			continue;
		n += snprintf(buf + n, len - (size_t)n, " %s%s%s 0x%lx/%lu",
			      b->io ? "io" : "mem", b->mem64 ? "64" : "",
			      b->prefetchable ? "-pf" : "", b->base, b->size);
	}
	return n;
}

static void print_dev(const struct pci_dev *d)
{
	char bars[160] = "";
	char irq[24] = "";

	format_bars(d, bars, sizeof(bars));
	if (d->irq_pin)
		snprintf(irq, sizeof(irq), " irq %u INT%c",
			 (unsigned int)d->irq_line, 'A' + d->irq_pin - 1);
	pr_info("pci %02x:%02x.%u %04x:%04x class %02x.%02x.%02x%s%s%s\n",
		d->bus, d->slot, d->fn, d->vendor, d->device, d->class_code,
		d->subclass, d->prog_if,
		d->header_type == PCI_HEADER_BRIDGE ? " bridge" : "", bars,
		irq);
}

static void scan_bus(uint8_t bus);

static void add_function(uint8_t bus, uint8_t slot, uint8_t fn)
{
	struct pci_dev *d;
	uint8_t secondary;

	if (nr_devs == PCI_MAX_DEVS) {
		pr_warn("pci: more than %u functions, %02x:%02x.%u ignored\n",
			PCI_MAX_DEVS, bus, slot, fn);
		return;
	}
	d = &devs[nr_devs++];
	*d = (struct pci_dev){ .bus = bus, .slot = slot, .fn = fn };
	read_identity(d);
	read_bars(d);
	print_dev(d);
	if (d->header_type != PCI_HEADER_BRIDGE)
		return;
	secondary = pci_conf_read8(d, PCI_SECONDARY_BUS);
	if (secondary > bus)
		scan_bus(secondary);
}

static int function_present(uint8_t bus, uint8_t slot, uint8_t fn)
{
	struct pci_dev probe = { .bus = bus, .slot = slot, .fn = fn };

	return pci_conf_read16(&probe, PCI_VENDOR_ID) != 0xffff;
}

static void scan_slot(uint8_t bus, uint8_t slot)
{
	struct pci_dev f0 = { .bus = bus, .slot = slot };
	unsigned int fn, nr_fns;

	if (!function_present(bus, slot, 0))
		return;
	nr_fns = pci_conf_read8(&f0, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNCTION
		     ? PCI_FNS
		     : 1;
	for (fn = 0; fn < nr_fns; fn++)
		if (function_present(bus, slot, (uint8_t)fn))
			add_function(bus, slot, (uint8_t)fn);
}

static void scan_bus(uint8_t bus)
{
	unsigned int slot;

	for (slot = 0; slot < PCI_SLOTS; slot++)
		scan_slot(bus, (uint8_t)slot);
}

void pci_init(void)
{
	scan_bus(0);
	pr_info("pci: %u functions\n", nr_devs);
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device, unsigned int index)
{
	unsigned int i;

	for (i = 0; i < nr_devs; i++) {
		if (devs[i].vendor != vendor ||
		    (device != 0xffff && devs[i].device != device))
			continue;
		if (index-- == 0)
			return &devs[i];
	}
	return NULL;
}

static uint16_t decode_bits(const struct pci_dev *d)
{
	uint16_t bits = 0;
	unsigned int i;

	for (i = 0; i < PCI_NR_BARS; i++)
		if (d->bar[i].size)
			bits |= d->bar[i].io ? PCI_COMMAND_IO
					     : PCI_COMMAND_MEMORY;
	return bits;
}

int pci_claim(struct pci_dev *d, const char *driver)
{
	uint16_t cmd;

	if (d->driver)
		return -XEN_EBUSY;
	d->driver = driver;
	cmd = pci_conf_read16(d, PCI_COMMAND);
	cmd |= decode_bits(d) | PCI_COMMAND_MASTER;
	cmd &= (uint16_t)~PCI_COMMAND_INTX_DISABLE;
	pci_conf_write16(d, PCI_COMMAND, cmd);
	return 0;
}

/*
 * Base address registers (PCI Local Bus Specification 3.0, 6.2.5.1).
 *
 * Bit 0 tells I/O (1) from memory (0). An I/O BAR's address is bits
 * 31..2. A memory BAR has its type in bits 2..1 (00: 32-bit, 10: 64-bit,
 * the next register holding bits 63..32; 01 was "below 1 MiB" and is
 * treated as 32-bit), bit 3 prefetchable, the address in bits 31..4.
 *
 * Sizing: software writes all ones and reads back; the device returns
 * zeros in the address bits below its size (which is a power of two) and
 * ones above, so the size is the lowest address bit that reads back set.
 * An I/O BAR may read zeros in bits 31..16 (16-bit decoders), which the
 * lowest-set-bit rule handles. A BAR that reads back 0 is not there.
 */
#include <stdint.h>
#include <drivers/pci.h>

#define BAR_IO		 0x1u
#define BAR_IO_MASK	 0xfffffffcu
#define BAR_MEM_MASK	 0xfffffff0u
#define BAR_MEM_TYPE	 0x6u
#define BAR_MEM_TYPE_64	 0x4u
#define BAR_MEM_PREFETCH 0x8u

static uint64_t lowest_set_bit(uint64_t x)
{
	return x & (~x + 1);
}

int pci_bar_is_mem64(uint32_t orig)
{
	return !(orig & BAR_IO) && (orig & BAR_MEM_TYPE) == BAR_MEM_TYPE_64;
}

unsigned int pci_bar_decode(uint32_t orig, uint32_t probe, uint32_t orig_hi,
			    uint32_t probe_hi, struct pci_bar *bar)
{
	uint64_t mask;

	*bar = (struct pci_bar){ 0 };
	if (orig & BAR_IO) {
		bar->io = 1;
		bar->base = orig & BAR_IO_MASK;
		bar->size = lowest_set_bit(probe & BAR_IO_MASK);
		return 1;
	}
	bar->prefetchable = !!(orig & BAR_MEM_PREFETCH);
	bar->base = orig & BAR_MEM_MASK;
	mask = probe & BAR_MEM_MASK;
	if (pci_bar_is_mem64(orig)) {
		bar->mem64 = 1;
		bar->base |= (uint64_t)orig_hi << 32;
		mask |= (uint64_t)probe_hi << 32;
	}
	bar->size = lowest_set_bit(mask);
	return bar->mem64 ? 2 : 1;
}

/* Host tests of drivers/pci_bar.c: decoding base address registers from
 * the firmware's value and the all-ones probe (PCI 3.0, 6.2.5.1), with
 * the values QEMU's devices give (virtio-blk-pci's I/O and MSI-X BARs,
 * a 64-bit prefetchable BAR) and the corner cases. */
#include <stdint.h>
#include <drivers/pci.h>
#include "test.h"

static struct pci_bar bar;

static void test_io_bar(void)
{
	/* virtio-blk-pci legacy block: 64 ports at 0xc000. */
	CHECK_EQ(pci_bar_decode(0xc001, 0xffffffc1, 0, 0, &bar), 1);
	CHECK_EQ(bar.io, 1);
	CHECK_EQ(bar.base, 0xc000);
	CHECK_EQ(bar.size, 64);
	CHECK_EQ(bar.mem64, 0);
}

static void test_io_bar_16bit_decoder(void)
{
	/* Bits 31..16 read back as zero: the size is still 0x40. */
	CHECK_EQ(pci_bar_decode(0xc041, 0x0000ffc1, 0, 0, &bar), 1);
	CHECK_EQ(bar.base, 0xc040);
	CHECK_EQ(bar.size, 64);
}

static void test_io_bar_address_bit2_is_not_a_type(void)
{
	/* In an I/O BAR bit 2 is an address bit, not "64-bit". */
	CHECK_EQ(pci_bar_is_mem64(0xc005), 0);
	CHECK_EQ(pci_bar_decode(0xc005, 0xfffffffd, 0x1234, 0, &bar), 1);
	CHECK_EQ(bar.base, 0xc004);
	CHECK_EQ(bar.size, 4);
}

static void test_mem32_bar(void)
{
	CHECK_EQ(pci_bar_decode(0xfebf1000, 0xfffff000, 0, 0, &bar), 1);
	CHECK_EQ(bar.io, 0);
	CHECK_EQ(bar.prefetchable, 0);
	CHECK_EQ(bar.base, 0xfebf1000);
	CHECK_EQ(bar.size, 4096);
}

static void test_mem64_prefetchable_bar(void)
{
	CHECK_EQ(pci_bar_is_mem64(0xfe00000c), 1);
	CHECK_EQ(pci_bar_decode(0xfe00000c, 0xffffc00c, 0, 0xffffffff, &bar),
		 2);
	CHECK_EQ(bar.mem64, 1);
	CHECK_EQ(bar.prefetchable, 1);
	CHECK_EQ(bar.base, 0xfe000000);
	CHECK_EQ(bar.size, 16384);
}

static void test_mem64_bar_above_4g_of_8g(void)
{
	/* Size bits only in the high register: 8 GiB at 32 GiB. */
	CHECK_EQ(pci_bar_decode(0x0000000c, 0x0000000c, 0x8, 0xfffffffe, &bar),
		 2);
	CHECK_EQ(bar.base, 0x800000000ull);
	CHECK_EQ(bar.size, 0x200000000ull);
}

static void test_absent_bar(void)
{
	CHECK_EQ(pci_bar_decode(0, 0, 0, 0, &bar), 1);
	CHECK_EQ(bar.size, 0);
	CHECK_EQ(bar.io, 0);
}

static void test_below_1m_type_is_32bit(void)
{
	/* Type 01 (legacy "below 1 MiB"): one register. */
	CHECK_EQ(pci_bar_is_mem64(0x000a0002), 0);
	CHECK_EQ(pci_bar_decode(0x000a0002, 0xfffe0002, 0, 0, &bar), 1);
	CHECK_EQ(bar.base, 0xa0000);
	CHECK_EQ(bar.size, 0x20000);
}

int main(void)
{
	RUN(test_io_bar);
	RUN(test_io_bar_16bit_decoder);
	RUN(test_io_bar_address_bit2_is_not_a_type);
	RUN(test_mem32_bar);
	RUN(test_mem64_prefetchable_bar);
	RUN(test_mem64_bar_above_4g_of_8g);
	RUN(test_absent_bar);
	RUN(test_below_1m_type_is_32bit);
	return TEST_DONE();
}

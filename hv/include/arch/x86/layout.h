/*
 * Virtual and physical memory layout of the hypervisor.
 *
 * PVX follows the Xen x86-64 layout: everything the hypervisor maps lives in
 * PML4 slots 256..271 (0xffff800000000000..0xffff87ffffffffff), the hole
 * that x86-64 PV guests leave free (see __HYPERVISOR_VIRT_START/END in
 * <xen/arch-x86/xen-x86_64.h>). Guests own every other slot, including
 * slot 511 where Linux puts its kernel image, so the hypervisor cannot use
 * -mcmodel=kernel; it is compiled position-independent (-fpie, hidden
 * visibility), which gives RIP-relative addressing at any link address.
 *
 *   0xffff800000000000  slot 256   read-only M2P table (guest-visible, later)
 *   0xffff82c000000000  slot 261   ioremap area (uncached MMIO, 4 KiB pages)
 *   0xffff82d080000000  slot 261   hypervisor image (linked here)
 *   0xffff830000000000  slot 262+  direct map of machine memory, 2 MiB pages
 *
 * This header is included by assembly too, so it holds only constants.
 */
#ifndef HV_ARCH_X86_LAYOUT_H
#define HV_ARCH_X86_LAYOUT_H

#define PAGE_SHIFT	 12
#define PAGE_SIZE	 (1 << PAGE_SHIFT)
#define LARGE_PAGE_SHIFT 21
#define LARGE_PAGE_SIZE	 (1 << LARGE_PAGE_SHIFT)

/* The image is loaded at 2 MiB physical and mapped with 2 MiB pages. */
#define HV_PHYS_START  0x200000
#define HV_VIRT_START  0xffff82d080000000
#define HV_VIRT_OFFSET (HV_VIRT_START - HV_PHYS_START)
#define HV_IMAGE_MAX   (16 << 20)

#define HV_HOLE_START	     0xffff800000000000
#define HV_HOLE_END	     0xffff880000000000
#define IOREMAP_VIRT_START   0xffff82c000000000
#define IOREMAP_VIRT_END     0xffff82c040000000
#define DIRECTMAP_VIRT_START 0xffff830000000000
#define DIRECTMAP_VIRT_END   0xffff880000000000

/* boot.S maps the first 4 GiB both identity (during the switch) and in the
 * direct map; paging_init() extends the direct map to all of RAM. */
#define BOOT_DIRECTMAP_SIZE 0x100000000

/* Per-CPU stacks: the boot/hypervisor stack and IST stacks (bytes). */
#define HV_STACK_SIZE  (16 * 1024)
#define IST_STACK_SIZE (4 * 1024)

#endif

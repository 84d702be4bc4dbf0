/*
 * Loading a PV kernel: ELF64 program headers and the Xen ELF notes
 * (<xen/elfnote.h>; PV-BOOT.md 1.2-1.3). Pure logic, host-tested; the
 * image is untrusted input (a bad module must give an error, not a
 * wild read).
 */
#ifndef HV_DOMAIN_ELF_H
#define HV_DOMAIN_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_LOADS 8

struct elf_load {
	uint64_t paddr, offset, filesz, memsz;
};

struct pv_kernel {
	struct elf_load load[ELF_MAX_LOADS];
	unsigned int nr_load;
	uint64_t pstart, pend;	 /* min/max of p_paddr(+memsz) */
	uint64_t virt_base;	 /* XEN_ELFNOTE_VIRT_BASE, or 0 */
	uint64_t paddr_offset;	 /* XEN_ELFNOTE_PADDR_OFFSET */
	uint64_t entry;		 /* XEN_ELFNOTE_ENTRY, else e_entry */
	uint64_t hypercall_page; /* VA, 0 if no note */
	uint64_t init_p2m;	 /* XEN_ELFNOTE_INIT_P2M VA, 0 if none */
	int mod_start_pfn;	 /* XEN_ELFNOTE_MOD_START_PFN */
	int has_xen_notes;
	char guest_os[16], loader[16];
};

/* Returns 0, or -1 with a reason in err. */
int elf_parse_pv_kernel(const void *image, size_t size, struct pv_kernel *k,
			char *err, size_t errlen);

/* Virtual start and end of the kernel (virt_base + pstart - paddr_offset). */
static inline uint64_t pv_kernel_vstart(const struct pv_kernel *k)
{
	return k->virt_base + k->pstart - k->paddr_offset;
}

static inline uint64_t pv_kernel_vend(const struct pv_kernel *k)
{
	return k->virt_base + k->pend - k->paddr_offset;
}

#endif

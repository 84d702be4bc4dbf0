/*
 * ELF64 parsing for the PV domain builder. Only what a PV kernel needs:
 * PT_LOAD segments (loaded by physical address: Linux's per-CPU segment
 * has p_vaddr 0) and the "Xen" notes in PT_NOTE segments. Every offset
 * and size read from the file is checked against the file's size.
 */
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <domain/elf.h>

#define EI_NIDENT   16
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EM_X86_64   62
#define PT_LOAD	    1
#define PT_NOTE	    4

/* <xen/elfnote.h> */
#define XEN_ELFNOTE_ENTRY	   1
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE	   3
#define XEN_ELFNOTE_PADDR_OFFSET   4
#define XEN_ELFNOTE_GUEST_OS	   6
#define XEN_ELFNOTE_LOADER	   8
#define XEN_ELFNOTE_INIT_P2M	   15
#define XEN_ELFNOTE_MOD_START_PFN  16

struct elf64_ehdr {
	uint8_t ident[EI_NIDENT];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct note_hdr {
	uint32_t namesz, descsz, type;
};

struct parse {
	const uint8_t *img;
	size_t size;
	struct pv_kernel *k;
	char *err;
	size_t errlen;
};

static int fail(struct parse *p, const char *why)
{
	snprintf(p->err, p->errlen, "kernel ELF: %s", why);
	return -1;
}

static int in_file(const struct parse *p, uint64_t off, uint64_t len)
{
	return off <= p->size && len <= p->size - off;
}

static uint64_t note_u64(const uint8_t *desc, uint32_t len)
{
	uint64_t v = 0;

	memcpy(&v, desc, len < 8 ? len : 8);
	return v;
}

static void note_string(char *dst, size_t dstlen, const uint8_t *desc,
			uint32_t len)
{
	size_t n = len < dstlen - 1 ? len : dstlen - 1;

	memcpy(dst, desc, n);
	dst[n] = '\0';
}

static void apply_note(struct pv_kernel *k, uint32_t type, const uint8_t *desc,
		       uint32_t len)
{
	k->has_xen_notes = 1;
	switch (type) {
	case XEN_ELFNOTE_ENTRY:
		k->entry = note_u64(desc, len);
		break;
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		k->hypercall_page = note_u64(desc, len);
		break;
	case XEN_ELFNOTE_VIRT_BASE:
		k->virt_base = note_u64(desc, len);
		break;
	case XEN_ELFNOTE_PADDR_OFFSET:
		k->paddr_offset = note_u64(desc, len);
		break;
	case XEN_ELFNOTE_INIT_P2M:
		k->init_p2m = note_u64(desc, len);
		break;
	case XEN_ELFNOTE_MOD_START_PFN:
		k->mod_start_pfn = note_u64(desc, len) != 0;
		break;
	case XEN_ELFNOTE_GUEST_OS:
		note_string(k->guest_os, sizeof(k->guest_os), desc, len);
		break;
	case XEN_ELFNOTE_LOADER:
		note_string(k->loader, sizeof(k->loader), desc, len);
		break;
	}
}

static int parse_notes(struct parse *p, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;

	while (off + sizeof(struct note_hdr) <= end) {
		struct note_hdr n;
		uint64_t name_off = off + sizeof(n), desc_off;

		memcpy(&n, p->img + off, sizeof(n));
		desc_off = name_off + ((n.namesz + 3ull) & ~3ull);
		off = desc_off + ((n.descsz + 3ull) & ~3ull);
		if (off > end)
			return fail(p, "note runs past its segment");
		if (n.namesz == 4 && !memcmp(p->img + name_off, "Xen", 4))
			apply_note(p->k, n.type, p->img + desc_off, n.descsz);
	}
	return 0;
}

static int parse_phdr(struct parse *p, const struct elf64_phdr *ph)
{
	struct pv_kernel *k = p->k;
	struct elf_load *l;

	if (ph->type == PT_NOTE && ph->offset) {
		if (!in_file(p, ph->offset, ph->filesz))
			return fail(p, "note segment outside the file");
		return parse_notes(p, ph->offset, ph->filesz);
	}
	if (ph->type != PT_LOAD || ph->memsz == 0)
		return 0;
	if (!in_file(p, ph->offset, ph->filesz) || ph->filesz > ph->memsz)
		return fail(p, "load segment outside the file");
	if (ph->paddr + ph->memsz < ph->paddr)
		return fail(p, "load segment wraps");
	if (k->nr_load == ELF_MAX_LOADS)
		return fail(p, "too many load segments");
	l = &k->load[k->nr_load++];
	*l = (struct elf_load){ ph->paddr, ph->offset, ph->filesz, ph->memsz };
	if (k->nr_load == 1 || ph->paddr < k->pstart)
		k->pstart = ph->paddr;
	if (ph->paddr + ph->memsz > k->pend)
		k->pend = ph->paddr + ph->memsz;
	return 0;
}

static int check_header(struct parse *p, const struct elf64_ehdr *eh)
{
	if (p->size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4))
		return fail(p, "not an ELF file");
	if (eh->ident[4] != ELFCLASS64 || eh->ident[5] != ELFDATA2LSB ||
	    eh->machine != EM_X86_64)
		return fail(p, "not a little-endian x86-64 ELF64 file");
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 ||
	    !in_file(p, eh->phoff, (uint64_t)eh->phnum * eh->phentsize))
		return fail(p, "bad program header table");
	return 0;
}

static int check_result(struct parse *p)
{
	struct pv_kernel *k = p->k;

	if (k->nr_load == 0)
		return fail(p, "no loadable segment");
	if (!k->has_xen_notes)
		return fail(p, "no Xen ELF notes: not a PV kernel "
			       "(CONFIG_XEN_PV)");
	if (k->virt_base > pv_kernel_vstart(k) || k->paddr_offset > k->pstart)
		return fail(p, "VIRT_BASE/PADDR_OFFSET inconsistent with the "
			       "segments");
	if (k->entry < pv_kernel_vstart(k) || k->entry >= pv_kernel_vend(k))
		return fail(p, "entry point outside the kernel image");
	return 0;
}

int elf_parse_pv_kernel(const void *image, size_t size, struct pv_kernel *k,
			char *err, size_t errlen)
{
	struct parse p = { image, size, k, err, errlen };
	struct elf64_ehdr eh;
	unsigned int i;

	memset(k, 0, sizeof(*k));
	if (size >= sizeof(eh))
		memcpy(&eh, image, sizeof(eh));
	if (check_header(&p, &eh))
		return -1;
	k->entry = eh.entry;
	for (i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, p.img + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (parse_phdr(&p, &ph))
			return -1;
	}
	return check_result(&p);
}

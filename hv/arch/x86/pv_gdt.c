/*
 * The guest's GDT (PV-BOOT.md 2.2). set_gdt hands us frames the guest
 * can no longer write (they take the segment-descriptor type, which no
 * writable mapping can coexist with); every descriptor is checked and
 * copied into the hypervisor's GDT below entry 0xe000/8. Later changes
 * come only through update_descriptor, which updates both copies, so the
 * copy the CPU uses always equals the checked guest frames.
 *
 * Descriptor check (Xen check_descriptor): not present, or code/data
 * (DPL raised to 3: the guest kernel runs in ring 3), or the zero upper
 * half of a 16-byte descriptor. System descriptors (TSS, LDT, gates)
 * are refused: they would reach ring 0.
 */
#include <lib/errno.h>
#include <lib/printk.h>
#include <arch/x86/desc.h>
#include <arch/x86/layout.h>
#include <domain/domain.h>
#include <domain/guest_access.h>
#include <domain/hypercall.h>
#include <mm/frame_table.h>

#define DESC_P		 (1ull << 47)
#define DESC_S		 (1ull << 44)
#define DESC_DPL3	 (3ull << 45)
#define DESC_TYPE(d)	 (((d) >> 40) & 0xf)
#define ENTRIES_PER_PAGE 512

static int check_descriptor(uint64_t *d)
{
	if (!(*d & DESC_P))
		return 0;
	if (*d & DESC_S) {
		*d |= DESC_DPL3;
		return 0;
	}
	return DESC_TYPE(*d) == 0 ? 0 : -XEN_EINVAL;
}

static int check_frames(const uint64_t *mfns, unsigned int entries)
{
	unsigned int i;

	for (i = 0; i < entries; i++) {
		uint64_t d = ((uint64_t *)mfn_to_virt(
		    mfns[i / ENTRIES_PER_PAGE]))[i % ENTRIES_PER_PAGE];

		if (check_descriptor(&d)) {
			gdprintk("set_gdt: entry %u (%016lx) refused\n", i, d);
			return -XEN_EINVAL;
		}
	}
	return 0;
}

static void install(struct vcpu *v, const uint64_t *mfns, unsigned int nr,
		    unsigned int entries)
{
	unsigned int i;

	for (i = 0; i < v->gdt_nr_frames; i++)
		put_page_and_type(v->gdt_mfns[i]);
	for (i = 0; i < nr; i++)
		v->gdt_mfns[i] = mfns[i];
	for (i = 0; i < entries || i < v->gdt_ents; i++) {
		uint64_t d = 0;

		if (i < entries) {
			d = ((uint64_t *)mfn_to_virt(
			    mfns[i / ENTRIES_PER_PAGE]))[i % ENTRIES_PER_PAGE];
			check_descriptor(&d);
		}
		arch_gdt_write_guest(i, d);
	}
	v->gdt_nr_frames = nr;
	v->gdt_ents = entries;
}

long do_set_gdt(uint64_t frame_list, uint64_t entries)
{
	struct vcpu *v = current_vcpu();
	unsigned int nr = (unsigned int)((entries + ENTRIES_PER_PAGE - 1) /
					 ENTRIES_PER_PAGE),
		     i;
	uint64_t mfns[14];
	int rc = 0;

	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	if (copy_from_guest(mfns, frame_list, nr * sizeof(mfns[0])))
		return -XEN_EFAULT;
	for (i = 0; i < nr && !rc; i++)
		rc = get_page_and_type(mfns[i], PGT_SEG_DESC, v->domain);
	if (rc) {
		i--; /* the frame that failed holds nothing */
		goto undo;
	}
	rc = check_frames(mfns, (unsigned int)entries);
	if (rc)
		goto undo;
	install(v, mfns, nr, (unsigned int)entries);
	return 0;
undo:
	while (i-- > 0)
		put_page_and_type(mfns[i]);
	return rc;
}

long do_update_descriptor(uint64_t maddr, uint64_t desc)
{
	struct vcpu *v = current_vcpu();
	uint64_t mfn = maddr >> PAGE_SHIFT, checked = desc;
	unsigned int off = (maddr & (PAGE_SIZE - 1)) / 8, i;
	struct page_info *pg = mfn_to_page(mfn);
	int rc;

	if ((maddr & 7) || !pg || pg->owner != v->domain->domid ||
	    check_descriptor(&checked))
		return -XEN_EINVAL;
	if (pg->type_count && pg->type == PGT_SEG_DESC) {
		((uint64_t *)mfn_to_virt(mfn))[off] = desc;
		for (i = 0; i < v->gdt_nr_frames; i++)
			if (v->gdt_mfns[i] == mfn &&
			    i * ENTRIES_PER_PAGE + off < v->gdt_ents)
				arch_gdt_write_guest(i * ENTRIES_PER_PAGE + off,
						     checked);
		return 0;
	}
	rc = get_page_type(mfn, PGT_WRITABLE, v->domain);
	if (rc)
		return rc;
	((uint64_t *)mfn_to_virt(mfn))[off] = desc;
	put_page_type(mfn);
	return 0;
}

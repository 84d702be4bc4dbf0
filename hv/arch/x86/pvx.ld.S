/*
 * Link map of pvx.elf: linked at HV_VIRT_START, loaded by GRUB at
 * HV_PHYS_START (the program headers' p_paddr). The symbol table used for
 * backtraces (.rodata.syms) is the last loaded section so that inserting
 * it on the second link pass moves no function.
 */
#include <arch/x86/layout.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(start32)

PHDRS
{
	image PT_LOAD FLAGS(7);
}

SECTIONS
{
	. = HV_VIRT_START;
	_start = .;

	.text : AT(ADDR(.text) - HV_VIRT_OFFSET) {
		KEEP(*(.multiboot2))
		*(.text.boot)
		_stext = .;
		*(.text .text.*)
		_etext = .;
	} :image

	.rodata : AT(ADDR(.rodata) - HV_VIRT_OFFSET) {
		*(.rodata .rodata.*)
		. = ALIGN(8);
		__ex_table_start = .;
		KEEP(*(.ex_table))
		__ex_table_end = .;
	} :image

	.data : AT(ADDR(.data) - HV_VIRT_OFFSET) {
		*(.data.boot)
		*(.data .data.*)
	} :image

	.syms : AT(ADDR(.syms) - HV_VIRT_OFFSET) {
		*(.syms)
	} :image

	.bss : AT(ADDR(.bss) - HV_VIRT_OFFSET) {
		_sbss = .;
		*(.bss.boot)
		*(.bss .bss.* COMMON)
		. = ALIGN(4096);
		_ebss = .;
	} :image

	_end = .;

	/DISCARD/ : {
		*(.note.GNU-stack) *(.comment) *(.eh_frame) *(.note.gnu.*)
	}
}

ASSERT(_end - _start <= HV_IMAGE_MAX, "pvx.elf is larger than HV_IMAGE_MAX")

/*
 * Symbolization of hypervisor addresses for backtraces. The table is
 * generated from the first link of pvx.elf (tools/gensyms.py) and linked
 * into the second; it holds the text symbols sorted by address.
 */
#ifndef HV_LIB_SYMBOLS_H
#define HV_LIB_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct symtab {
	const uint64_t *addrs;	   /* sorted ascending */
	const uint32_t *name_offs; /* into names */
	const char *names;
	uint64_t count;
	uint64_t text_end; /* addresses past this are not code */
};

/* Finds the symbol containing addr; returns its name or NULL, and sets
 * *off to addr - start and *size to the distance to the next symbol. */
const char *symtab_lookup(const struct symtab *t, uint64_t addr, uint64_t *off,
			  uint64_t *size);
/* The hypervisor's own table. */
const struct symtab *hv_symtab(void);
/* "name+0xoff/0xsize" or "0x..." into buf. */
void symbolize(uint64_t addr, char *buf, size_t len);

#endif

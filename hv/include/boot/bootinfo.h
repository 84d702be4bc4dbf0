/*
 * What the boot loader told us, copied out of the multiboot2 information
 * so that nothing later depends on the loader's memory.
 */
#ifndef HV_BOOT_BOOTINFO_H
#define HV_BOOT_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_MEM_REGIONS 128
#define BOOT_MAX_MODULES     16
#define BOOT_CMDLINE_MAX     1024
#define BOOT_MODLINE_MAX     2048 /* a guest cmdline= plus the keys */
#define BOOT_LOADER_NAME_MAX 64

/* Multiboot2 memory types (spec 3.6.8). */
#define MEM_AVAILABLE	     1
#define MEM_ACPI_RECLAIMABLE 3
#define MEM_NVS		     4
#define MEM_BAD		     5

struct mem_region {
	uint64_t base; /* bytes */
	uint64_t len;  /* bytes */
	uint32_t type; /* MEM_* */
};

struct boot_module {
	uint64_t start, end; /* physical, end exclusive */
	char cmdline[BOOT_MODLINE_MAX];
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[BOOT_LOADER_NAME_MAX];
	struct mem_region mem[BOOT_MAX_MEM_REGIONS];
	unsigned int nr_mem;
	struct boot_module mods[BOOT_MAX_MODULES];
	unsigned int nr_mods;
	uint64_t mbi_phys, mbi_size; /* the MBI itself, to reserve */
};

/*
 * Parses a multiboot2 information structure of at most avail bytes.
 * Returns 0, or -1 with a message in err: the structure is checked as
 * untrusted input (sizes, alignment, terminators, end tag).
 */
int mb2_parse(const void *mbi, size_t avail, struct boot_info *bi, char *err,
	      size_t errlen);

const char *mem_type_name(uint32_t type);

#endif

/* A disk held in memory: a boot module given role=disk. */
#ifndef HV_DRIVERS_RAMDISK_H
#define HV_DRIVERS_RAMDISK_H

#include <stdint.h>

/* Registers the module [start, end) (physical) as a block device. */
int ramdisk_register(uint64_t start, uint64_t end, unsigned int index);

#endif

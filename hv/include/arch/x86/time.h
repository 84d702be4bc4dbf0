/* TSC calibration against the PIT. */
#ifndef HV_ARCH_X86_TIME_H
#define HV_ARCH_X86_TIME_H

#include <stdint.h>

uint64_t tsc_khz(void);

#endif

/* The domain console: ring backend and console_io. */
#ifndef HV_IO_CONSOLE_H
#define HV_IO_CONSOLE_H

#include <stdint.h>

struct domain;

/* Binds the console event channel and remembers the ring page. */
void console_backend_init(struct domain *d, void *ring);
/* Copies pending output to the hypervisor console. */
void console_drain(struct domain *d);
long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer);

#endif

/* The 16550 serial port used as the hypervisor console (COM1). */
#ifndef HV_DRIVERS_UART16550_H
#define HV_DRIVERS_UART16550_H

#include <stdint.h>

#define COM1_PORT 0x3f8

void uart_init(uint16_t port, uint32_t baud);

#endif

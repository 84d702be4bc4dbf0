/*
 * Polled 16550 UART output. Transmit waits for the holding register to
 * empty (LSR bit 5); newlines become CR LF so logs read well on a terminal.
 * Reference: National Semiconductor PC16550D data sheet, register map.
 */
#include <lib/printk.h>
#include <arch/x86/cpu.h>
#include <drivers/uart16550.h>

#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define LCR_8N1	 0x03

static uint16_t uart_port;

static void uart_putc(char c)
{
	unsigned int spins = 100000;

	while (!(inb(uart_port + UART_LSR) & LSR_THRE) && --spins)
		cpu_relax();
	outb(uart_port + UART_THR, (uint8_t)c);
}

static void uart_write(const char *s, size_t len)
{
	for (; len; len--, s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}

static struct console_sink uart_sink = { .write = uart_write };

void uart_init(uint16_t port, uint32_t baud)
{
	uint16_t div = (uint16_t)(115200 / baud);

	uart_port = port;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, div & 0xff);
	outb(port + UART_DLM, div >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
	console_register(&uart_sink);
}

/*
 * The CMOS real-time clock, read once at boot for the guests' wallclock.
 * Reference: Motorola MC146818 data sheet (registers 0x00-0x0b); the
 * update-in-progress bit (register A bit 7) must be clear while reading,
 * and the values are BCD unless register B bit 2 says binary.
 */
#include <stdint.h>
#include <arch/hooks.h>
#include <arch/x86/cpu.h>

#define RTC_INDEX 0x70
#define RTC_DATA  0x71

static unsigned int rtc_read(unsigned int reg)
{
	outb(RTC_INDEX, (uint8_t)reg);
	return inb(RTC_DATA);
}

static unsigned int from_bcd(unsigned int v, int binary)
{
	return binary ? v : (v & 15) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static uint64_t days_since_epoch(unsigned int y, unsigned int m, unsigned int d)
{
	static const unsigned int before[] = { 0,   31,	 59,  90,  120, 151,
					       181, 212, 243, 273, 304, 334 };
	uint64_t days = (y - 1970) * 365ull + d - 1 + before[m - 1];
	unsigned int yy = m > 2 ? y : y - 1;

	/* Leap days from 1970 up to and including yy. */
	days += (yy / 4 - 1969 / 4) - (yy / 100 - 1969 / 100) +
		(yy / 400 - 1969 / 400);
	return days;
}

uint64_t arch_rtc_seconds(void)
{
	unsigned int s, min, h, d, mon, y, binary;

	while (rtc_read(0x0a) & 0x80)
		cpu_relax();
	binary = rtc_read(0x0b) & 4;
	s = from_bcd(rtc_read(0x00), binary);
	min = from_bcd(rtc_read(0x02), binary);
	h = from_bcd(rtc_read(0x04), binary);
	d = from_bcd(rtc_read(0x07), binary);
	mon = from_bcd(rtc_read(0x08), binary);
	y = 2000 + from_bcd(rtc_read(0x09), binary);
	if (mon < 1 || mon > 12 || d < 1 || d > 31)
		return 0;
	return days_since_epoch(y, mon, d) * 86400 + h * 3600 + min * 60 + s;
}

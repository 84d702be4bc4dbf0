/*
 * A small C99-compatible vsnprintf. Output is produced one character at a
 * time through struct out, which counts every character (so the return
 * value is the untruncated length) but stores only what fits.
 */
#include <stdint.h>
#include <lib/string.h>
#include <lib/vsnprintf.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	int left, zero, plus, space;
	int width;
	int prec; /* -1: none */
	int base;
	int upper;
	int is_signed;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	size_t len;
	int fill;

	if (!s)
		s = "(null)";
	len = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	fill = sp->width > (int)len ? sp->width - (int)len : 0;
	if (!sp->left)
		pad(o, ' ', fill);
	while (len--)
		put(o, *s++);
	if (sp->left)
		pad(o, ' ', fill);
}

static void put_num(struct out *o, const struct spec *sp, uint64_t v, int neg)
{
	const char *digits = sp->upper ? "0123456789ABCDEF"
				       : "0123456789abcdef";
	char tmp[24];
	int n = 0, zeros, fill;
	char sign = 0;

	if (neg)
		sign = '-';
	else if (sp->is_signed && sp->plus)
		sign = '+';
	else if (sp->is_signed && sp->space)
		sign = ' ';
	while (v) {
		tmp[n++] = digits[v % (unsigned)sp->base];
		v /= (unsigned)sp->base;
	}
	if (n == 0 && sp->prec != 0)
		tmp[n++] = '0';
	zeros = sp->prec > n ? sp->prec - n : 0;
	fill = sp->width - n - zeros - (sign ? 1 : 0);
	if (fill < 0)
		fill = 0;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += fill;
		fill = 0;
	}
	if (!sp->left)
		pad(o, ' ', fill);
	if (sign)
		put(o, sign);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', fill);
}

static const char *parse_flags(const char *f, struct spec *sp)
{
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->zero = 1;
		else if (*f == '+')
			sp->plus = 1;
		else if (*f == ' ')
			sp->space = 1;
		else
			return f;
	}
}

static const char *parse_int(const char *f, int *val, va_list *ap)
{
	if (*f == '*') {
		*val = va_arg(*ap, int);
		return f + 1;
	}
	*val = 0;
	while (*f >= '0' && *f <= '9')
		*val = *val * 10 + (*f++ - '0');
	return f;
}

/* Length modifier: returns the number of 'l'-equivalents (0, 1, 2) or -1/-2
 * for h/hh. */
static const char *parse_length(const char *f, int *len)
{
	*len = 0;
	if (f[0] == 'h' && f[1] == 'h')
		return *len = -2, f + 2;
	if (f[0] == 'h')
		return *len = -1, f + 1;
	if (f[0] == 'l' && f[1] == 'l')
		return *len = 2, f + 2;
	if (f[0] == 'l' || f[0] == 'z' || f[0] == 't')
		return *len = 1, f + 1;
	return f;
}

static uint64_t arg_unsigned(int len, va_list *ap)
{
	if (len >= 1)
		return va_arg(*ap, unsigned long);
	if (len == -1)
		return (unsigned short)va_arg(*ap, unsigned int);
	if (len == -2)
		return (unsigned char)va_arg(*ap, unsigned int);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(int len, va_list *ap)
{
	if (len >= 1)
		return va_arg(*ap, long);
	if (len == -1)
		return (short)va_arg(*ap, int);
	if (len == -2)
		return (signed char)va_arg(*ap, int);
	return va_arg(*ap, int);
}

static void convert(struct out *o, struct spec *sp, char c, int len,
		    va_list *ap)
{
	int64_t s;

	switch (c) {
	case 'd':
	case 'i':
		sp->is_signed = 1;
		sp->base = 10;
		s = arg_signed(len, ap);
		put_num(o, sp, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0);
		return;
	case 'u':
		sp->base = 10;
		break;
	case 'X':
		sp->upper = 1;
		/* fall through */
	case 'x':
		sp->base = 16;
		break;
	case 'o':
		sp->base = 8;
		break;
	case 'p':
		put(o, '0');
		put(o, 'x');
		sp->base = 16;
		put_num(o, sp, (uintptr_t)va_arg(*ap, void *), 0);
		return;
	case 'c':
		put(o, (char)va_arg(*ap, int));
		return;
	case 's':
		put_str(o, sp, va_arg(*ap, const char *));
		return;
	case '%':
		put(o, '%');
		return;
	default:
		put(o, '%');
		if (c)
			put(o, c);
		return;
	}
	put_num(o, sp, arg_unsigned(len, ap), 0);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		struct spec sp = { .prec = -1 };
		int len;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_flags(fmt + 1, &sp);
		fmt = parse_int(fmt, &sp.width, &ap);
		if (sp.width < 0) {
			sp.left = 1;
			sp.width = -sp.width;
		}
		if (*fmt == '.')
			fmt = parse_int(fmt + 1, &sp.prec, &ap);
		fmt = parse_length(fmt, &len);
		convert(&o, &sp, *fmt, len, &ap);
		if (*fmt)
			fmt++;
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

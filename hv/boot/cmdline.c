/*
 * Word splitting and typed option parsing for boot command lines.
 * Pure logic: tested on the host (tests/unit/test_cmdline.c).
 */
#include <lib/string.h>
#include <lib/vsnprintf.h>
#include <boot/cmdline.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies one value (quoted or bare) from *cursor into dst. */
static int read_value(const char **cursor, char *dst, size_t dstlen)
{
	const char *s = *cursor;
	size_t n = 0;
	int quoted = *s == '"';

	if (quoted)
		s++;
	for (; *s && (quoted ? *s != '"' : !is_space(*s)); s++) {
		if (n + 1 >= dstlen)
			return -1;
		dst[n++] = *s;
	}
	if (quoted && *s++ != '"')
		return -2;
	dst[n] = '\0';
	*cursor = s;
	return 0;
}

static int name_error(char *err, size_t errlen)
{
	snprintf(err, errlen, "option name too long");
	return -1;
}

/*
 * GRUB re-quotes a module argument that contains spaces as a whole, so
 * cmdline="a b" arrives as "cmdline=a b": a word may be quoted entirely.
 */
static int read_quoted_word(const char **cursor, struct cmdline_word *w,
			    char *err, size_t errlen)
{
	char buf[CMDLINE_NAME_MAX + CMDLINE_VALUE_MAX];
	const char *eq;
	int rc = read_value(cursor, buf, sizeof(buf));

	if (rc) {
		snprintf(err, errlen, "%s",
			 rc == -1 ? "quoted word too long"
				  : "missing closing quote");
		return -1;
	}
	eq = strchr(buf, '=');
	w->has_value = eq != NULL;
	if (!eq)
		eq = buf + strlen(buf);
	if ((size_t)(eq - buf) >= sizeof(w->name))
		return name_error(err, errlen);
	memcpy(w->name, buf, (size_t)(eq - buf));
	w->name[eq - buf] = '\0';
	if (w->has_value &&
	    strlcpy(w->value, eq + 1, sizeof(w->value)) >= sizeof(w->value)) {
		snprintf(err, errlen, "%s: value too long", w->name);
		return -1;
	}
	return 1;
}

int cmdline_next(const char **cursor, struct cmdline_word *w, char *err,
		 size_t errlen)
{
	const char *s = *cursor;
	size_t n = 0;
	int rc;

	while (is_space(*s))
		s++;
	w->value[0] = '\0';
	if (!*s)
		return 0;
	if (*s == '"') {
		rc = read_quoted_word(&s, w, err, errlen);
		*cursor = s;
		return rc;
	}
	for (; *s && *s != '=' && !is_space(*s); s++) {
		if (n + 1 >= sizeof(w->name))
			return name_error(err, errlen);
		w->name[n++] = *s;
	}
	w->name[n] = '\0';
	w->has_value = *s == '=';
	if (w->has_value) {
		s++;
		rc = read_value(&s, w->value, sizeof(w->value));
		if (rc) {
			snprintf(err, errlen, "%s: %s", w->name,
				 rc == -1 ? "value too long"
					  : "missing closing quote");
			return -1;
		}
	}
	*cursor = s;
	return 1;
}

int parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1; /* overflow */
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t len = strlen(s);
	unsigned int shift = 0;
	uint64_t v;

	if (len == 0 || len >= sizeof(num))
		return -1;
	switch (s[len - 1]) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	}
	memcpy(num, s, len);
	num[shift ? len - 1 : len] = '\0';
	if (parse_uint(num, &v) || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

void format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i = -1;

	while (i < 3 && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%lu", (unsigned long)bytes);
	else
		snprintf(buf, len, "%lu%c", (unsigned long)bytes, units[i]);
}

static int parse_flag(const char *s, int *out)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(s, yes[i]))
			return *out = 1, 0;
		if (!strcmp(s, no[i]))
			return *out = 0, 0;
	}
	return -1;
}

static int apply_choice(const struct opt *o, const char *v, char *err,
			size_t errlen)
{
	char list[128] = "";
	size_t used = 0;
	unsigned int i;

	for (i = 0; o->choices[i]; i++)
		if (!strcmp(v, o->choices[i]))
			return *(unsigned int *)o->var = i, 1;
	for (i = 0; o->choices[i] && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? "|" : "", o->choices[i]);
	snprintf(err, errlen, "%s=%s: expected one of %s", o->name, v, list);
	return -1;
}

static int apply_number(const struct opt *o, const char *v, char *err,
			size_t errlen)
{
	uint64_t n;
	int bad = o->kind == OPT_SIZE ? parse_size(v, &n) : parse_uint(v, &n);

	if (bad) {
		snprintf(err, errlen, "%s=%s: not a valid %s", o->name, v,
			 o->kind == OPT_SIZE ? "size (e.g. 512M)" : "number");
		return -1;
	}
	if (n < o->min || (o->max && n > o->max)) {
		snprintf(err, errlen, "%s=%s: out of range [%lu, %lu]", o->name,
			 v, (unsigned long)o->min, (unsigned long)o->max);
		return -1;
	}
	*(uint64_t *)o->var = n;
	return 1;
}

static int apply(const struct opt *o, const struct cmdline_word *w, char *err,
		 size_t errlen)
{
	if (o->kind == OPT_FLAG) {
		if (!w->has_value)
			return *(int *)o->var = 1, 1;
		if (parse_flag(w->value, o->var) == 0)
			return 1;
		snprintf(err, errlen, "%s=%s: expected yes or no", o->name,
			 w->value);
		return -1;
	}
	if (!w->has_value || !w->value[0]) {
		snprintf(err, errlen, "%s: missing value", o->name);
		return -1;
	}
	switch (o->kind) {
	case OPT_CHOICE:
		return apply_choice(o, w->value, err, errlen);
	case OPT_STRING:
		if (strlen(w->value) >= o->buflen) {
			snprintf(err, errlen, "%s: value longer than %zu bytes",
				 o->name, o->buflen - 1);
			return -1;
		}
		strlcpy(o->var, w->value, o->buflen);
		return 1;
	default:
		return apply_number(o, w->value, err, errlen);
	}
}

int cmdline_apply(const struct cmdline_word *w, const struct opt *opts,
		  size_t nr, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(opts[i].name, w->name))
			return apply(&opts[i], w, err, errlen);
	return 0;
}

int cmdline_parse(const char *line, const struct opt *opts, size_t nr,
		  cmdline_warn_fn warn, void *ctx, char *err, size_t errlen)
{
	struct cmdline_word w;
	int rc;

	while ((rc = cmdline_next(&line, &w, err, errlen)) > 0) {
		rc = cmdline_apply(&w, opts, nr, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0 && warn)
			warn(ctx, w.name);
	}
	return rc;
}

/*
 * Command-line parsing, shared by the hypervisor's own command line and
 * the module lines. A line is a sequence of words separated by spaces;
 * a word is NAME, NAME=VALUE or NAME="VALUE WITH SPACES".
 *
 * Policy: an unknown option is a warning, a malformed value is an error
 * that names the option. Options are applied left to right, so on error
 * the options before the bad one have been applied; callers treat any
 * error as fatal for the boot, so no half-configured state is used.
 */
#ifndef HV_BOOT_CMDLINE_H
#define HV_BOOT_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#define CMDLINE_NAME_MAX  64
#define CMDLINE_VALUE_MAX 1100 /* a 1024-byte guest cmdline fits */

enum opt_kind {
	OPT_FLAG,   /* int: NAME, NAME=1|0|yes|no|on|off|true|false */
	OPT_UINT,   /* uint64_t within [min, max] */
	OPT_SIZE,   /* uint64_t bytes, suffix K, M, G or T (binary) */
	OPT_STRING, /* char[buflen] */
	OPT_CHOICE, /* unsigned int: index into choices (NULL-ended) */
};

struct opt {
	const char *name;
	enum opt_kind kind;
	void *var;
	const char *const *choices; /* OPT_CHOICE */
	size_t buflen;		    /* OPT_STRING */
	uint64_t min, max;	    /* OPT_UINT, OPT_SIZE; max 0: none */
	const char *help;
};

struct cmdline_word {
	char name[CMDLINE_NAME_MAX];
	char value[CMDLINE_VALUE_MAX];
	int has_value;
};

/* Called for every word that names no option. */
typedef void (*cmdline_warn_fn)(void *ctx, const char *name);

/* Reads the next word at *cursor. Returns 1 with w filled, 0 at the end
 * of the line, -1 with a message in err for a malformed word. */
int cmdline_next(const char **cursor, struct cmdline_word *w, char *err,
		 size_t errlen);

/* Applies one word to the option table: 1 if applied, 0 if no option has
 * that name, -1 with a message naming the option if the value is bad. */
int cmdline_apply(const struct cmdline_word *w, const struct opt *opts,
		  size_t nr, char *err, size_t errlen);

/* Parses a whole line. Returns 0 or -1 (first error, in err). */
int cmdline_parse(const char *line, const struct opt *opts, size_t nr,
		  cmdline_warn_fn warn, void *ctx, char *err, size_t errlen);

int parse_uint(const char *s, uint64_t *out);
int parse_size(const char *s, uint64_t *out);
/* "512M"-style rendering of a byte count, exact when possible. */
void format_size(uint64_t bytes, char *buf, size_t len);

#endif

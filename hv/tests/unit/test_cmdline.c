/* Host tests of boot/cmdline.c: word splitting, typed options, errors. */
#include <stdint.h>
#include <boot/cmdline.h>
#include "test.h"

static uint64_t num, size;
static int flag;
static unsigned int choice;
static char str[16];
static const char *const colours[] = { "red", "green", NULL };
static const struct opt table[] = {
	{ "num", OPT_UINT, &num, .min = 1, .max = 100 },
	{ "size", OPT_SIZE, &size },
	{ "flag", OPT_FLAG, &flag },
	{ "colour", OPT_CHOICE, &choice, .choices = colours },
	{ "str", OPT_STRING, str, .buflen = sizeof(str) },
};
static char warned[64];
static char err[200];

static void warn(void *ctx, const char *name)
{
	(void)ctx;
	snprintf(warned, sizeof(warned), "%s", name);
}

static int parse(const char *line)
{
	warned[0] = err[0] = '\0';
	return cmdline_parse(line, table, 5, warn, NULL, err, sizeof(err));
}

static void test_all_kinds(void)
{
	CHECK_EQ(parse("  num=42 size=512M flag colour=green str=\"a b\" "), 0);
	CHECK_EQ(num, 42);
	CHECK_EQ(size, 512ull << 20);
	CHECK_EQ(flag, 1);
	CHECK_EQ(choice, 1);
	CHECK_STR(str, "a b");
	CHECK_EQ(parse("flag=off num=0x10"), 0);
	CHECK_EQ(flag, 0);
	CHECK_EQ(num, 16);
}

static void test_unknown_warns(void)
{
	CHECK_EQ(parse("bogus=1 num=5"), 0);
	CHECK_STR(warned, "bogus");
	CHECK_EQ(num, 5);
}

static void test_malformed_names_option(void)
{
	CHECK_EQ(parse("num=12x"), -1);
	CHECK(strstr(err, "num=12x") != NULL);
	CHECK_EQ(parse("num=1000"), -1);
	CHECK(strstr(err, "out of range") != NULL);
	CHECK_EQ(parse("size=12Q"), -1);
	CHECK(strstr(err, "size=12Q") != NULL);
	CHECK_EQ(parse("colour=blue"), -1);
	CHECK(strstr(err, "red|green") != NULL);
	CHECK_EQ(parse("flag=maybe"), -1);
	CHECK_EQ(parse("num="), -1);
	CHECK(strstr(err, "num: missing value") != NULL);
	CHECK_EQ(parse("str=\"unterminated"), -1);
	CHECK(strstr(err, "closing quote") != NULL);
	CHECK_EQ(parse("str=waytoolongforthebuffer"), -1);
	CHECK(strstr(err, "longer than 15") != NULL);
}

static void test_overflow(void)
{
	uint64_t v;

	CHECK_EQ(parse_uint("18446744073709551615", &v), 0);
	CHECK_EQ(v, UINT64_MAX);
	CHECK_EQ(parse_uint("18446744073709551616", &v), -1);
	CHECK_EQ(parse_size("17179869184G", &v), -1);
	CHECK_EQ(parse_size("16G", &v), 0);
	CHECK_EQ(v, 16ull << 30);
	CHECK_EQ(parse_uint("", &v), -1);
	CHECK_EQ(parse_uint("0x", &v), -1);
}

static void test_grub_quoted_word(void)
{
	/* GRUB turns cmdline="a b" into "cmdline=a b". */
	CHECK_EQ(parse("\"str=x y\" num=3"), 0);
	CHECK_STR(str, "x y");
	CHECK_EQ(num, 3);
}

static void test_format_size(void)
{
	char b[24];

	format_size(512ull << 20, b, sizeof(b));
	CHECK_STR(b, "512M");
	format_size(3ull << 30, b, sizeof(b));
	CHECK_STR(b, "3G");
	format_size(1000, b, sizeof(b));
	CHECK_STR(b, "1000");
}

int main(void)
{
	RUN(test_all_kinds);
	RUN(test_unknown_warns);
	RUN(test_malformed_names_option);
	RUN(test_overflow);
	RUN(test_grub_quoted_word);
	RUN(test_format_size);
	return TEST_DONE();
}

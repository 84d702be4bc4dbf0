/*
 * Minimal host unit-test framework (TAP-like). Each test function runs
 * under RUN(); CHECK* failures print file, line and both values and mark
 * the test failed. main() ends with TEST_DONE(), which prints one summary
 * line and returns non-zero if anything failed.
 */
#ifndef HV_TESTS_UNIT_TEST_H
#define HV_TESTS_UNIT_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failed, tests_run, tests_failed;

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, \
			       __LINE__, #cond);                          \
			test_failed = 1;                                  \
		}                                                         \
	} while (0)

#define CHECK_EQ(a, b)                                                  \
	do {                                                            \
		unsigned long long _a = (unsigned long long)(a);        \
		unsigned long long _b = (unsigned long long)(b);        \
		if (_a != _b) {                                         \
			printf("#   %s:%d: %s == %s failed: 0x%llx != " \
			       "0x%llx\n",                              \
			       __FILE__, __LINE__, #a, #b, _a, _b);     \
			test_failed = 1;                                \
		}                                                       \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *_a = (a), *_b = (b);                               \
		if (!_a || !_b || strcmp(_a, _b)) {                            \
			printf("#   %s:%d: %s == %s failed: \"%s\" != "        \
			       "\"%s\"\n",                                     \
			       __FILE__, __LINE__, #a, #b, _a ? _a : "(null)", \
			       _b ? _b : "(null)");                            \
			test_failed = 1;                                       \
		}                                                              \
	} while (0)

#define RUN(fn)                                                       \
	do {                                                          \
		test_failed = 0;                                      \
		fn();                                                 \
		tests_run++;                                          \
		tests_failed += test_failed;                          \
		printf("%s %d - %s\n", test_failed ? "not ok" : "ok", \
		       tests_run, #fn);                               \
	} while (0)

#define TEST_DONE()                                       \
	(printf("# %s: %d passed, %d failed\n", __FILE__, \
		tests_run - tests_failed, tests_failed),  \
	 tests_failed != 0)

#endif

/* test_width.c: tests for code point and string display widths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "width.h"

/* The widths below are those of glibc's C.UTF-8 table. */
static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

struct cp_case {
	uint32_t cp;
	int raw;
	int cols;
};

static const struct cp_case cp_cases[] = {
    {'a', 1, 1},
    {' ', 1, 1},
    {'~', 1, 1},
    {0x00, 0, 0},      /* NUL: wcwidth says 0 */
    {0x1B, -1, 1},     /* ESC */
    {0x1F, -1, 1},     /* last C0 */
    {0x7F, -1, 1},     /* DEL */
    {0x80, -1, 1},     /* first C1 */
    {0x9F, -1, 1},     /* last C1 */
    {0xA0, 1, 1},      /* first after C1 */
    {0xE9, 1, 1},      /* e acute, precomposed */
    {0x0301, 0, 0},    /* combining acute */
    {0x200D, 0, 0},    /* ZWJ */
    {0xFE0F, 0, 0},    /* VS16 */
    {0x2028, -1, 1},   /* line separator */
    {0x0378, -1, 1},   /* unassigned */
    {0xFFFE, -1, 1},   /* noncharacter */
    {0xFFFD, 1, 1},    /* replacement character */
    {0x2400, 1, 1},    /* control picture for NUL */
    {0x241B, 1, 1},    /* control picture for ESC */
    {0x4E00, 2, 2},    /* CJK */
    {0x3000, 2, 2},    /* ideographic space */
    {0xFF01, 2, 2},    /* fullwidth exclamation */
    {0x1F600, 2, 2},   /* emoji */
    {0x30000, 2, 2},   /* plane 3 ideograph */
    {0xE000, 1, 1},    /* private use */
    {0x10FFFF, -1, 1}, /* last code point, a noncharacter */
    {0x110000, -1, 1}, /* first beyond Unicode */
    {0xFFFFFFFF, -1, 1},
};

static void
test_cp_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cp_cases) / sizeof(cp_cases[0]); i++) {
		if (width_raw(cp_cases[i].cp) != cp_cases[i].raw ||
		    width_cp(cp_cases[i].cp) != cp_cases[i].cols)
			fail_msg("U+%04X: raw %d cols %d, want %d %d",
			    (unsigned)cp_cases[i].cp, width_raw(cp_cases[i].cp),
			    width_cp(cp_cases[i].cp), cp_cases[i].raw,
			    cp_cases[i].cols);
	}
}

/* width_cp never leaves 0..2, whatever wcwidth() says. */
static void
test_cp_range(void **state)
{
	uint32_t cp;
	int w;

	(void)state;
	for (cp = 0; cp <= 0x110000; cp++) {
		w = width_cp(cp);
		if (w < 0 || w > 2)
			fail_msg("U+%04X: %d", (unsigned)cp, w);
		if (width_raw(cp) >= 0 && width_raw(cp) != w)
			fail_msg("U+%04X: raw %d cols %d", (unsigned)cp,
			    width_raw(cp), w);
	}
}

struct str_case {
	const char *s;
	size_t cols;
};

static const struct str_case str_cases[] = {
    {"", 0},
    {"a", 1},
    {"hello world", 11},
    {"caf\xC3\xA9", 4},              /* precomposed */
    {"cafe\xCC\x81", 4},             /* e + U+0301 */
    {"\xE4\xB8\xAD\xE6\x96\x87", 4}, /* two CJK */
    {"a\xE4\xB8\xAD"
     "b",
        4},
    {"\xF0\x9F\x98\x80", 2},                             /* U+1F600 */
    {"\xE2\x9D\xA4\xEF\xB8\x8F", 1},                     /* U+2764 U+FE0F */
    {"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9", 4}, /* ZWJ pair */
    {"\xE2\x90\x9B", 1},                                 /* U+241B */
    {"\xFF", 1},      /* invalid byte: one column */
    {"a\xE4\xB8", 3}, /* truncated: a byte each */
    {"\xC3", 1},
};

static void
test_str_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
		if (width_str(str_cases[i].s, strlen(str_cases[i].s)) !=
		    str_cases[i].cols)
			fail_msg("case %zu: %zu, want %zu", i,
			    width_str(str_cases[i].s, strlen(str_cases[i].s)),
			    str_cases[i].cols);
	}
}

/* Only len bytes are read: the rest of the buffer must not count. */
static void
test_str_len(void **state)
{
	const char *s = "\xE4\xB8\xAD\xE6\x96\x87xyz";

	(void)state;
	assert_int_equal(width_str(s, 0), 0);
	assert_int_equal(width_str(s, 3), 2);
	assert_int_equal(width_str(s, 6), 4);
	assert_int_equal(width_str(s, 7), 5);
	/* A sequence cut by len counts one column per byte left. */
	assert_int_equal(width_str(s, 5), 4);
}

/* The longest prefix within a number of columns, in whole code points. */
static void
test_cut(void **state)
{
	/* "a", U+4E2D (3 bytes, 2 columns), "b", an invalid byte, "c". */
	static const char s[] = "a\xE4\xB8\xAD"
	                        "b\xFF"
	                        "c";
	int used;

	(void)state;
	assert_int_equal(width_cut(s, 7, 0, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(width_cut(s, 7, 1, &used), 1);
	assert_int_equal(used, 1);
	/* The wide character does not fit in 2 columns after "a". */
	assert_int_equal(width_cut(s, 7, 2, &used), 1);
	assert_int_equal(used, 1);
	assert_int_equal(width_cut(s, 7, 3, &used), 4);
	assert_int_equal(used, 3);
	assert_int_equal(width_cut(s, 7, 5, &used), 6);
	assert_int_equal(used, 5);
	assert_int_equal(width_cut(s, 7, 99, &used), 7);
	assert_int_equal(used, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cp_table),
	    cmocka_unit_test(test_cp_range),
	    cmocka_unit_test(test_str_table),
	    cmocka_unit_test(test_str_len),
	    cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests_name("width", tests, setup_locale, NULL);
}

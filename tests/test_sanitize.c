/* test_sanitize.c: tests for making untrusted text safe to draw. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "sanitize.h"
#include "utf8.h"
#include "width.h"

#define FFFD "\xEF\xBF\xBD"

static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

/* Inputs hold NULs, so both sides carry explicit lengths. */
struct golden {
	const char *in;
	size_t in_len;
	const char *out;
	size_t out_len;
};

#define G(in, out)                                                             \
	{                                                                      \
		in, sizeof(in) - 1, out, sizeof(out) - 1                       \
	}

static const struct golden golden[] = {
    G("", ""),
    G("hello, world", "hello, world"),
    /* A title-setting escape: nothing of it may reach the terminal. */
    G("\x1b]2;pwned\x07", "\xE2\x90\x9B]2;pwned\xE2\x90\x87"),
    G("\r", "\xE2\x90\x8D"),
    G("\b", "\xE2\x90\x88"),
    G("\t", "\xE2\x90\x89"),
    G("\n", "\xE2\x90\x8A"),
    G("\0", "\xE2\x90\x80"),
    G("\x1f", "\xE2\x90\x9F"),
    G("\x7f", "\xE2\x90\xA1"),
    G("a\x1b[2Jb", "a\xE2\x90\x9B[2Jb"),
    /* C1 controls: NEL, CSI, the first and the last. */
    G("\xC2\x85", FFFD),
    G("\xC2\x9B"
      "31m",
        FFFD "31m"),
    G("\xC2\x80", FFFD),
    G("\xC2\x9F", FFFD),
    G("\xC2\xA0", "\xC2\xA0"),
    /* Invalid UTF-8, one U+FFFD per byte, valid text resynced after. */
    G("abc\xE2\x82", "abc" FFFD FFFD),
    G("abc\xF0\x9F\x98", "abc" FFFD FFFD FFFD),
    G("\xC3", FFFD),
    G("\xE2\x82x", FFFD FFFD "x"),
    G("\xFF", FFFD),
    G("\x80z", FFFD "z"),
    G("\xC0\xAF", FFFD FFFD),
    G("\xED\xA0\x80", FFFD FFFD FFFD),
    G("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD),
    G("\xC3\xC3\xA9", FFFD "\xC3\xA9"),
    /* Bidi controls, marks and separators. */
    G("a\xE2\x80\xAE"
      "b",
        "a" FFFD "b"),
    G("\xE2\x80\xAA", FFFD),
    G("\xE2\x81\xA6", FFFD),
    G("\xE2\x81\xA9", FFFD),
    G("\xE2\x80\x8E", FFFD),
    G("\xE2\x80\x8F", FFFD),
    G("\xD8\x9C", FFFD),
    G("\xE2\x80\xA8", FFFD),
    G("\xE2\x80\xA9", FFFD),
    /* Invisible format characters, unassigned and noncharacters. */
    G("a\xE2\x80\x8B"
      "b",
        "a" FFFD "b"),
    G("\xEF\xBB\xBFhi", FFFD "hi"),
    G("\xCD\xB8", FFFD),
    G("\xEF\xBF\xBE", FFFD),
    G("\xF4\x8F\xBF\xBF", FFFD),
    /* Kept: marks, joiners, selectors, wide characters. */
    G("e\xCC\x81", "e\xCC\x81"),
    G("\xE4\xB8\xAD\xE6\x96\x87", "\xE4\xB8\xAD\xE6\x96\x87"),
    G("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB",
        "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB"),
    G("\xE2\x9D\xA4\xEF\xB8\x8F", "\xE2\x9D\xA4\xEF\xB8\x8F"),
    G("\xD9\x85\xE2\x80\x8C\xD9\x85", "\xD9\x85\xE2\x80\x8C\xD9\x85"),
    G("\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xBF",
        "\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xBF"),
    G(FFFD, FFFD),
    G("\xE2\x90\x9B", "\xE2\x90\x9B"),
    /* A zero-width code point first gets a space to sit on. */
    G("\xCC\x81"
      "a",
        " \xCC\x81"
        "a"),
    G("\xCC\x81\xCC\x81", " \xCC\x81\xCC\x81"),
    G("\xE2\x80\x8D", " \xE2\x80\x8D"),
    G("\xEF\xB8\x8F", " \xEF\xB8\x8F"),
    G("\xF3\xA0\x84\x80", " \xF3\xA0\x84\x80"),
    /* ... but not when something printable comes before it. */
    G("\x01\xCC\x81", "\xE2\x90\x81\xCC\x81"),
    G("\xFF\xCC\x81", FFFD "\xCC\x81"),
    G("\xE2\x80\x8B\xCC\x81", FFFD "\xCC\x81"),
    G(" \xCC\x81", " \xCC\x81"),
};

static void
test_golden(void **state)
{
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		n = sanitize(golden[i].in, golden[i].in_len, out, sizeof(out));
		if (n != golden[i].out_len ||
		    memcmp(out, golden[i].out, n) != 0)
			fail_msg("case %zu: got %zu bytes, want %zu", i, n,
			    golden[i].out_len);
	}
}

struct cp_case {
	uint32_t in, out;
};

static const struct cp_case cp_cases[] = {
    {0x00, 0x2400},
    {0x07, 0x2407},
    {0x1B, 0x241B},
    {0x1F, 0x241F},
    {0x20, 0x20},
    {0x7E, 0x7E},
    {0x7F, 0x2421},
    {0x80, 0xFFFD},
    {0x9F, 0xFFFD},
    {0xA0, 0xA0},
    {0x061B, 0x061B},
    {0x061C, 0xFFFD},
    {0x200A, 0x200A},
    {0x200B, 0xFFFD},
    {0x200C, 0x200C},
    {0x200D, 0x200D},
    {0x200E, 0xFFFD},
    {0x200F, 0xFFFD},
    {0x2010, 0x2010},
    {0x2027, 0x2027},
    {0x2028, 0xFFFD},
    {0x2029, 0xFFFD},
    {0x202A, 0xFFFD},
    {0x202E, 0xFFFD},
    {0x202F, 0x202F},
    {0x205F, 0x205F},
    {0x2060, 0xFFFD},
    {0x2065, 0xFFFD},
    {0x2066, 0xFFFD},
    {0x2069, 0xFFFD},
    {0x206F, 0xFFFD},
    {0x2070, 0x2070},
    {0xFE00, 0xFE00},
    {0xFE0F, 0xFE0F},
    {0xFEFF, 0xFFFD},
    {0xFFFD, 0xFFFD},
    {0xFFFE, 0xFFFD},
    {0xD800, 0xFFFD},
    {0xE0001, 0xFFFD},
    {0xE0020, 0xE0020},
    {0xE007F, 0xE007F},
    {0xE0100, 0xE0100},
    {0x1F600, 0x1F600},
    {0x10FFFF, 0xFFFD},
    {0x110000, 0xFFFD},
};

static void
test_cp(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cp_cases) / sizeof(cp_cases[0]); i++) {
		if (sanitize_cp(cp_cases[i].in) != cp_cases[i].out)
			fail_msg("U+%04X: got U+%04X, want U+%04X",
			    (unsigned)cp_cases[i].in,
			    (unsigned)sanitize_cp(cp_cases[i].in),
			    (unsigned)cp_cases[i].out);
	}
}

/* Whatever sanitize_cp() lets through is printable for ncursesw. */
static void
test_cp_all_printable(void **state)
{
	uint32_t cp, r;

	(void)state;
	for (cp = 0; cp <= 0x10FFFF; cp++) {
		r = sanitize_cp(cp);
		if (width_raw(r) < 0 || r < 0x20 || (r >= 0x7F && r <= 0x9F))
			fail_msg("U+%04X -> U+%04X", (unsigned)cp, (unsigned)r);
	}
}

struct trunc_case {
	const char *in;
	size_t out_size;
	size_t want;
};

/* "a" then U+4E2D (3 bytes), and a lone mark that needs a space (3). */
static const struct trunc_case trunc_cases[] = {
    {"a\xE4\xB8\xAD", 0, 0},
    {"a\xE4\xB8\xAD", 1, 1},
    {"a\xE4\xB8\xAD", 2, 1},
    {"a\xE4\xB8\xAD", 3, 1},
    {"a\xE4\xB8\xAD", 4, 4},
    {"a\xE4\xB8\xAD", 5, 4},
    {"\x1b", 2, 0},
    {"\x1b", 3, 3},
    {"\xCC\x81", 1, 0},
    {"\xCC\x81", 2, 0},
    {"\xCC\x81", 3, 3},
    /* It stops at the first code point that does not fit. */
    {"\xE4\xB8\xAD"
     "a",
        2, 0},
};

static void
test_truncate(void **state)
{
	char out[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(trunc_cases) / sizeof(trunc_cases[0]); i++) {
		memset(out, '#', sizeof(out));
		n = sanitize(trunc_cases[i].in, strlen(trunc_cases[i].in), out,
		    trunc_cases[i].out_size);
		if (n != trunc_cases[i].want)
			fail_msg("case %zu: %zu bytes, want %zu", i, n,
			    trunc_cases[i].want);
		/* Not one byte past out_size. */
		if (out[trunc_cases[i].out_size] != '#')
			fail_msg("case %zu: wrote past out_size", i);
		assert_true(utf8_valid(out, n));
	}
}

/* The documented worst case is reached, and never exceeded. */
static void
test_growth(void **state)
{
	char in[64], out[SANITIZE_OUT_MAX(sizeof(in)) + 1];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)i;
	n = sanitize(in, 32, out, sizeof(out));
	assert_int_equal(n, SANITIZE_OUT_MAX(32));
	memset(in, 0xFF, sizeof(in));
	n = sanitize(in, sizeof(in), out, sizeof(out));
	assert_int_equal(n, SANITIZE_OUT_MAX(sizeof(in)));
	/* The leading-mark space: 2 bytes in, 3 out. */
	n = sanitize("\xCC\x80", 2, out, sizeof(out));
	assert_int_equal(n, 3);
}

static void
test_name(void **state)
{
	char out[SANITIZE_NAME_OUT_MAX(8)];
	size_t n;

	(void)state;
	n = sanitize_name("bob", 3, out, sizeof(out));
	assert_int_equal(n, 3);
	assert_string_equal(out, "bob");
	n = sanitize_name("a\x1b"
	                  "b",
	    3, out, sizeof(out));
	assert_int_equal(n, 5);
	assert_string_equal(out,
	    "a\xE2\x90\x9B"
	    "b");
	n = sanitize_name("\x1b\x1b", 2, out, sizeof(out));
	assert_int_equal(n, 6);
	assert_string_equal(out, "\xE2\x90\x9B\xE2\x90\x9B");
	n = sanitize_name("", 0, out, sizeof(out));
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	/* The NUL takes one of out_size: N-1, N, N+1 around "abc". */
	n = sanitize_name("abc", 3, out, 3);
	assert_int_equal(n, 2);
	assert_string_equal(out, "ab");
	n = sanitize_name("abc", 4, out, 4);
	assert_int_equal(n, 3);
	assert_string_equal(out, "abc");
	n = sanitize_name("abc", 3, out, 5);
	assert_int_equal(n, 3);
	assert_string_equal(out, "abc");
	n = sanitize_name("\x1b", 1, out, 3);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	n = sanitize_name("abc", 3, out, 1);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	/* out_size 0: nothing may be written, not even the NUL. */
	out[0] = '#';
	n = sanitize_name("abc", 3, out, 0);
	assert_int_equal(n, 0);
	assert_int_equal(out[0], '#');
}

/* Names lose what draws as nothing, so no name can pass for another. */
static void
test_name_strips_invisible(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"al\xE2\x80\x8Dice", "alice"}, /* ZWJ */
	    {"al\xE2\x80\x8Cice", "alice"}, /* ZWNJ */
	    {"al\xE2\x80\x8Bice", "alice"}, /* zero-width space */
	    {"\xEF\xBB\xBF"
	     "alice",
	        "alice"},                       /* BOM */
	    {"alice\xEF\xB8\x8F", "alice"},     /* VS16 */
	    {"alice\xF3\xA0\x84\x80", "alice"}, /* VS17 */
	    {"ali\xC2\xAD"
	     "ce",
	        "alice"},                   /* soft hyphen */
	    {"alice\xE2\x80\xAE", "alice"}, /* RLO */
	    {"\xE2\x81\xA6"
	     "alice\xE2\x81\xA9",
	        "alice"},                       /* isolates */
	    {"alice\xE2\x80\x8F", "alice"},     /* RLM */
	    {"alice\xF3\xA0\x81\x81", "alice"}, /* tag A */
	    {"\xE3\x85\xA4"
	     "alice",
	        "alice"}, /* Hangul filler */
	    {"alic\xCD\x8F"
	     "e",
	        "alice"}, /* CGJ */
	    {"\xCC\x81"
	     "alice",
	        "alice"}, /* a mark first */
	    {"ali\xCC\x81"
	     "ce",
	        "alice"},         /* a mark inside */
	    {"\xE2\x80\x8D", ""}, /* only a ZWJ */
	    /* Visible characters stay; controls still show as pictures. */
	    {"\xE6\x97\xA5\xE6\x9C\xAC", "\xE6\x97\xA5\xE6\x9C\xAC"},
	    {"a\x1b"
	     "b",
	        "a\xE2\x90\x9B"
	        "b"},
	};
	char out[SANITIZE_NAME_OUT_MAX(32)], text[SANITIZE_OUT_MAX(32)];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = sanitize_name(
		    cases[i].in, strlen(cases[i].in), out, sizeof(out));
		assert_int_equal(n, strlen(cases[i].want));
		assert_string_equal(out, cases[i].want);
	}
	/* Message text keeps ZWJ: emoji sequences and Indic text need it. */
	n = sanitize("a\xE2\x80\x8D"
	             "b",
	    5, text, sizeof(text));
	assert_int_equal(n, 5);
	/* A stripped code point takes no room: the limit counts output. */
	n = sanitize_name("ab\xE2\x80\x8D"
	                  "c",
	    6, out, 4);
	assert_string_equal(out, "abc");
}

/* A small xorshift generator; a fixed seed keeps failures repeatable. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random bytes, weighted toward controls and pieces of sequences. */
static size_t
random_input(uint32_t *seed, char *buf, size_t size)
{
	static const char *const pieces[] = {
	    "\x1b",
	    "\x07",
	    "\r",
	    "\n",
	    "\x7f",
	    "\xC2\x85",
	    "\xC2\x9B",
	    "\xE2\x80\xAE",
	    "\xE2\x81\xA6",
	    "\xE2\x80\x8E",
	    "\xD8\x9C",
	    "\xE2\x80\xA8",
	    "\xCC\x81",
	    "\xE2\x80\x8D",
	    "\xEF\xB8\x8F",
	    "\xE4\xB8\xAD",
	    "\xF0\x9F\x98\x80",
	    "\xE2",
	    "\xF0\x9F",
	    "\x80",
	    "\xED\xA0\x80",
	    "\xEF\xBB\xBF",
	    "a",
	    " ",
	};
	size_t n = rnd(seed) % size, i = 0, k;
	const char *p;

	while (i < n) {
		if (rnd(seed) % 2) {
			buf[i++] = (char)(rnd(seed) & 0xFF);
			continue;
		}
		p = pieces[rnd(seed) % (sizeof(pieces) / sizeof(pieces[0]))];
		k = strlen(p);
		if (k > n - i)
			k = n - i;
		memcpy(buf + i, p, k);
		i += k;
	}
	return n;
}

/* Checks every promise the header makes about an output. */
static void
check_safe(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t cp;
	int k;

	assert_true(utf8_valid(s, n));
	while (i < n) {
		k = utf8_decode(s + i, n - i, &cp);
		assert_true(k > 0);
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			fail_msg("control U+%04X at %zu", (unsigned)cp, i);
		if ((cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
		    cp == 0x200F || cp == 0x061C || cp == 0x2028 ||
		    cp == 0x2029)
			fail_msg(
			    "bidi or separator U+%04X at %zu", (unsigned)cp, i);
		if (width_raw(cp) < 0)
			fail_msg(
			    "non-printable U+%04X at %zu", (unsigned)cp, i);
		if (i == 0 && width_raw(cp) == 0)
			fail_msg("zero-width U+%04X first", (unsigned)cp);
		i += (size_t)k;
	}
}

static void
test_random(void **state)
{
	char in[256], out[SANITIZE_OUT_MAX(sizeof(in))];
	char again[SANITIZE_OUT_MAX(sizeof(out))];
	uint32_t seed = 0x9E3779B9u;
	size_t len, n, m, small;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = random_input(&seed, in, sizeof(in));
		n = sanitize(in, len, out, sizeof(out));
		assert_true(n <= SANITIZE_OUT_MAX(len));
		check_safe(out, n);
		/* Safe text goes through unchanged. */
		m = sanitize(out, n, again, sizeof(again));
		assert_int_equal(m, n);
		assert_memory_equal(out, again, n);
		/* A short buffer gives a prefix of the full output. */
		small = n == 0 ? 0 : rnd(&seed) % n;
		m = sanitize(in, len, again, small);
		assert_true(m <= small && small - m < 5);
		assert_memory_equal(out, again, m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_cp),
	    cmocka_unit_test(test_cp_all_printable),
	    cmocka_unit_test(test_truncate),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_name),
	    cmocka_unit_test(test_name_strips_invisible),
	    cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name(
	    "sanitize", tests, setup_locale, NULL);
}

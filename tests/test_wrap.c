/* test_wrap.c: tests for word wrapping at display width. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "utf8.h"
#include "width.h"
#include "wrap.h"

/* Rows in the longest golden case. */
#define ROWS_MAX 12

#define CJK1    "\xE4\xB8\xAD"     /* U+4E2D, 2 columns */
#define CJK2    "\xE6\x96\x87"     /* U+6587 */
#define CJK3    "\xE5\xAD\x97"     /* U+5B57 */
#define GRIN    "\xF0\x9F\x98\x80" /* U+1F600, 2 columns */
#define MAN     "\xF0\x9F\x91\xA8" /* U+1F468 */
#define PC      "\xF0\x9F\x92\xBB" /* U+1F4BB */
#define ZWJ     "\xE2\x80\x8D"
#define VS16    "\xEF\xB8\x8F"
#define HEART   "\xE2\x9D\xA4" /* U+2764, 1 column */
#define ACUTE   "\xCC\x81"     /* U+0301, combining */
#define E_ACUTE "e" ACUTE

static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

/*
 * Checks the promises of wrap.h for one layout and returns the row count;
 * rows, if not NULL, gets up to ROWS_MAX rows as drawn (NUL-terminated,
 * each at most 255 bytes).
 */
static size_t
check_layout(const char *s, size_t len, int first, int rest, char rows[][256])
{
	size_t pos = 0, end, next, n = 0, i;
	int width, cols, k;
	uint32_t cp;

	do {
		width = n == 0 ? first : rest;
		if (width < 1)
			width = 1;
		cols =
		    wrap_next(s, len, pos, n == 0 ? first : rest, &end, &next);
		/* Progress, and the byte ranges nest as documented. */
		if (len > 0)
			assert_true(next > pos);
		assert_true(pos <= end && end <= next && next <= len);
		/* Only break spaces are dropped between rows. */
		for (i = end; i < next; i++)
			assert_int_equal(s[i], ' ');
		assert_int_equal((size_t)cols, width_str(s + pos, end - pos));
		/* Only a lone wide character may overflow a 1-column row. */
		if (cols > width) {
			k = utf8_decode(s + pos, end - pos, &cp);
			assert_true(width == 1 && k > 0 && width_cp(cp) == 2);
			assert_int_equal(
			    width_str(s + pos + k, end - pos - k), 0);
		}
		if (next < len && utf8_decode(s + next, len - next, &cp) > 0) {
			/* A zero-width code point never starts a later row, */
			assert_int_not_equal(width_cp(cp), 0);
			/* nor a break space, */
			if (cp == ' ' && next + 1 < len &&
			    utf8_decode(s + next + 1, len - next - 1, &cp) > 0)
				assert_int_equal(width_cp(cp), 0);
			/* and a word is cut only where it has to be. */
			if (end == next &&
			    utf8_decode(s + next, len - next, &cp) > 0)
				assert_true(cols + width_cp(cp) > width);
		}
		if (rows != NULL && n < ROWS_MAX) {
			assert_true(end - pos < 256);
			memcpy(rows[n], s + pos, end - pos);
			rows[n][end - pos] = '\0';
		}
		pos = next;
		n++;
		/* Each row takes a byte at least: more would be a loop. */
		assert_true(n <= len + 1);
	} while (pos < len);
	assert_int_equal(wrap_rows(s, len, first, rest), n);
	return n;
}

struct golden {
	const char *text;
	int first, rest;
	const char *rows[ROWS_MAX + 1];
};

static const struct golden golden[] = {
    /* Plain text at spaces; exactly the width, one less, one more. */
    {"hello world", 5, 5, {"hello", "world"}},
    {"hello world", 11, 11, {"hello world"}},
    {"hello world", 10, 10, {"hello", "world"}},
    {"hello world", 12, 12, {"hello world"}},
    {"abcde", 5, 5, {"abcde"}},
    {"abcde", 4, 4, {"abcd", "e"}},
    {"abcde", 6, 6, {"abcde"}},
    {"one two three four", 9, 9, {"one two", "three", "four"}},
    {"one two three four", 7, 7, {"one two", "three", "four"}},
    /* Several spaces: the whole run goes at a break. */
    {"a   b", 2, 2, {"a", "b"}},
    {"a   b", 3, 3, {"a", "b"}},
    {"a   b", 4, 4, {"a", "b"}},
    {"a   b", 5, 5, {"a   b"}},
    {"ab      cd", 4, 4, {"ab", "cd"}},
    /* Leading spaces are kept and are no break; trailing ones fit. */
    {"   abcdefgh", 5, 5, {"   ab", "cdefg", "h"}},
    {"abc   ", 10, 10, {"abc   "}},
    {"abcde   ", 5, 5, {"abcde"}},
    {"       ", 3, 3, {""}},
    {"  ", 3, 3, {"  "}},
    /* A word longer than the row is cut. */
    {"abcdefghij", 3, 3, {"abc", "def", "ghi", "j"}},
    {"hi abcdefghij", 4, 4, {"hi", "abcd", "efgh", "ij"}},
    /* CJK, two columns each, at odd and even widths. */
    {CJK1 CJK2 CJK3 CJK1 CJK2, 5, 5, {CJK1 CJK2, CJK3 CJK1, CJK2}},
    {CJK1 CJK2 CJK3, 3, 3, {CJK1, CJK2, CJK3}},
    {CJK1 CJK2 CJK3, 4, 4, {CJK1 CJK2, CJK3}},
    {"a" CJK1 "b", 2, 2, {"a", CJK1, "b"}},
    {"ab" CJK1, 3, 3, {"ab", CJK1}},
    {CJK1 " " CJK2, 3, 3, {CJK1, CJK2}},
    /* Emoji, with and without joiners and selectors. */
    {"hi " GRIN GRIN, 4, 4, {"hi", GRIN GRIN}},
    {"hi " GRIN GRIN, 3, 3, {"hi", GRIN, GRIN}},
    {MAN ZWJ PC, 4, 4, {MAN ZWJ PC}},
    {MAN ZWJ PC, 3, 3, {MAN ZWJ, PC}},
    {HEART VS16 HEART VS16, 1, 1, {HEART VS16, HEART VS16}},
    /* Combining marks stay on their base. */
    {E_ACUTE E_ACUTE E_ACUTE, 1, 1, {E_ACUTE, E_ACUTE, E_ACUTE}},
    {E_ACUTE E_ACUTE E_ACUTE, 2, 2, {E_ACUTE E_ACUTE, E_ACUTE}},
    {"caf" E_ACUTE " ole", 4, 4, {"caf" E_ACUTE, "ole"}},
    {"a " ACUTE "b", 2, 2, {"a " ACUTE, "b"}},
    {ACUTE "abc", 2, 2, {ACUTE "ab", "c"}},
    {ACUTE, 1, 1, {ACUTE}},
    /* Width 1 and 2 with wide characters. */
    {"a" CJK1, 1, 1, {"a", CJK1}},
    {CJK1 "a", 1, 1, {CJK1, "a"}},
    {CJK1 CJK2, 1, 1, {CJK1, CJK2}},
    {CJK1 " " CJK2, 1, 1, {CJK1, CJK2}},
    {CJK1 "  a", 1, 1, {CJK1, "a"}},
    {CJK1 ACUTE "a", 1, 1, {CJK1 ACUTE, "a"}},
    {"a" CJK1 "b", 1, 1, {"a", CJK1, "b"}},
    {CJK1 CJK2, 2, 2, {CJK1, CJK2}},
    {"ab", 1, 1, {"a", "b"}},
    {"a b", 1, 1, {"a", "b"}},
    /* Widths below 1 count as 1. */
    {"ab", 0, 0, {"a", "b"}},
    {"ab", -5, -1, {"a", "b"}},
    /* Empty text is one empty row. */
    {"", 10, 10, {""}},
    {"", 1, 1, {""}},
    /* A hanging indent: 20 columns after the prefix, 10 below it. */
    {"The quick brown fox jumps over the lazy dog", 20, 10,
        {"The quick brown fox", "jumps over", "the lazy", "dog"}},
    {"abcdefghijklmnopqrstuvwxyz", 20, 10, {"abcdefghijklmnopqrst", "uvwxyz"}},
    {"short", 20, 10, {"short"}},
    {"aaaa bbbbbbbbbbbbbbbbbbbbbbbbb", 3, 10,
        {"aaa", "a", "bbbbbbbbbb", "bbbbbbbbbb", "bbbbb"}},
};

static void
test_golden(void **state)
{
	char rows[ROWS_MAX][256];
	size_t i, n, k, want;

	(void)state;
	for (i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		n = check_layout(golden[i].text, strlen(golden[i].text),
		    golden[i].first, golden[i].rest, rows);
		for (want = 0; golden[i].rows[want] != NULL; want++)
			;
		if (n != want)
			fail_msg("case %zu: %zu rows, want %zu", i, n, want);
		for (k = 0; k < n; k++) {
			if (strcmp(rows[k], golden[i].rows[k]) != 0)
				fail_msg("case %zu row %zu: \"%s\", want "
				         "\"%s\"",
				    i, k, rows[k], golden[i].rows[k]);
		}
	}
}

/* Columns returned, and what happens at and after the end of the text. */
static void
test_next_edges(void **state)
{
	const char *s = "ab " CJK1;
	size_t len = strlen(s), end, next;

	(void)state;
	assert_int_equal(wrap_next(s, len, 0, 10, &end, &next), 5);
	assert_int_equal(end, len);
	assert_int_equal(next, len);
	assert_int_equal(wrap_next(s, len, 0, 4, &end, &next), 2);
	assert_int_equal(end, 2);
	assert_int_equal(next, 3);
	assert_int_equal(wrap_next(s, len, 3, 1, &end, &next), 2);
	assert_int_equal(end, len);
	assert_int_equal(next, len);
	assert_int_equal(wrap_next(s, len, len, 4, &end, &next), 0);
	assert_int_equal(end, len);
	assert_int_equal(next, len);
	end = next = 0;
	assert_int_equal(wrap_next(s, len, len + 7, 4, &end, &next), 0);
	assert_int_equal(end, len);
	assert_int_equal(next, len);
	assert_int_equal(wrap_next("", 0, 0, 4, &end, &next), 0);
	assert_int_equal(end, 0);
	assert_int_equal(next, 0);
}

static void
test_rows(void **state)
{
	const char *s = "one two three four";

	(void)state;
	assert_int_equal(wrap_rows("", 0, 5, 5), 1);
	assert_int_equal(wrap_rows(s, strlen(s), 100, 1), 1);
	assert_int_equal(wrap_rows(s, strlen(s), 18, 1), 1);
	assert_int_equal(wrap_rows(s, strlen(s), 17, 100), 2);
	assert_int_equal(wrap_rows(s, strlen(s), 9, 9), 3);
	assert_int_equal(wrap_rows(s, strlen(s), 1, 1), 15);
	assert_int_equal(wrap_rows(s, strlen(s), 1, 100), 2);
}

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Code points of every kind the layout treats differently. */
static const uint32_t kinds[] = {
    'a',
    'z',
    '0',
    ' ',
    ' ',
    ' ',
    0x4E2D,
    0x3000,
    0xFF01,
    0x0301,
    0x0308,
    0x200D,
    0xFE0F,
    0x1F600,
    0x1F468,
    0x1F4BB,
    0x2764,
    0xE9,
    0xFFFD,
};

static void
test_random(void **state)
{
	char s[512];
	uint32_t seed = 12345, cp;
	size_t len, count;
	int round, first, rest;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = 0;
		count = rnd(&seed) % 60;
		while (count-- > 0) {
			cp = kinds[rnd(&seed) %
			    (sizeof(kinds) / sizeof(kinds[0]))];
			len += (size_t)utf8_encode(cp, s + len);
		}
		first = (int)(rnd(&seed) % 40) + 1;
		rest = (int)(rnd(&seed) % 40) + 1;
		check_layout(s, len, first, rest, NULL);
	}
}

/* Any bytes at all, valid or not, still end in finitely many rows. */
static void
test_random_bytes(void **state)
{
	char s[128];
	uint32_t seed = 777;
	size_t len, i, pos, end, next, rows;
	int round, width;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = rnd(&seed) % sizeof(s);
		for (i = 0; i < len; i++)
			s[i] = (char)rnd(&seed);
		width = (int)(rnd(&seed) % 6) - 1;
		pos = 0;
		rows = 0;
		do {
			wrap_next(s, len, pos, width, &end, &next);
			assert_true(pos <= end && end <= next && next <= len);
			if (len > 0)
				assert_true(next > pos);
			pos = next;
			rows++;
		} while (pos < len);
		assert_int_equal(wrap_rows(s, len, width, width), rows);
	}
}

/*
 * A word that fits a row of its own is never cut: it goes whole to the
 * next row (a URL can then be copied from the screen in one piece).
 * Words of ASCII, wide and combining text, URLs among them, between runs
 * of spaces, at every width up to the longest word and past it.
 */
static void
test_words_whole(void **state)
{
	static const char *const words[] = {"a", "to", "the", "chat",
	    "https://example.org/a/b?c=d", "www.example.com/x",
	    "(https://en.wikipedia.org/wiki/Foo_(bar)).", CJK1 CJK2 CJK3,
	    E_ACUTE "t" E_ACUTE, GRIN "!", "supercalifragilistic",
	    "https://example.org/" CJK1 CJK2 "/x"};
	char s[512];
	uint32_t seed = 4242;
	size_t len, pos, end, next, ws[64], we[64], nw, k, n;
	int round, width, wcols;

	(void)state;
	for (round = 0; round < 4000; round++) {
		len = 0;
		nw = 0;
		while (nw < 64) {
			k = rnd(&seed) % (sizeof(words) / sizeof(words[0]));
			n = strlen(words[k]);
			if (len + n + 3 >= sizeof(s))
				break;
			ws[nw] = len;
			memcpy(s + len, words[k], n);
			len += n;
			we[nw++] = len;
			for (k = rnd(&seed) % 3 + 1; k > 0; k--)
				s[len++] = ' ';
		}
		width = (int)(rnd(&seed) % 40) + 1;
		pos = 0;
		k = 0;
		do {
			wrap_next(s, len, pos, width, &end, &next);
			/* Every word that starts on this row. */
			for (; k < nw && ws[k] < next; k++) {
				wcols =
				    (int)width_str(s + ws[k], we[k] - ws[k]);
				if (wcols > width)
					continue;
				if (we[k] > end)
					fail_msg("round %d width %d: \"%.*s\" "
					         "cut",
					    round, width, (int)(we[k] - ws[k]),
					    s + ws[k]);
			}
			pos = next;
		} while (pos < len);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_next_edges),
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_words_whole),
	};

	return cmocka_run_group_tests_name("wrap", tests, setup_locale, NULL);
}

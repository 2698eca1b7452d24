/* test_utf8.c: strict UTF-8 decoding, validation and encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* A string literal and its length, which may count embedded NULs. */
#define L(s) s, sizeof(s) - 1

static const struct {
	const char *s;
	size_t len;
	int n;
	uint32_t cp;
} decode_cases[] = {
    /* Valid, at each boundary of each length. */
    {L("A"), 1, 0x41},
    {L("\0"), 1, 0},
    {L("\x7f"), 1, 0x7F},
    {L("\xc2\x80"), 2, 0x80},
    {L("\xdf\xbf"), 2, 0x7FF},
    {L("\xe0\xa0\x80"), 3, 0x800},
    {L("\xed\x9f\xbf"), 3, 0xD7FF},
    {L("\xee\x80\x80"), 3, 0xE000},
    {L("\xef\xbf\xbf"), 3, 0xFFFF},
    {L("\xf0\x90\x80\x80"), 4, 0x10000},
    {L("\xf4\x8f\xbf\xbf"), 4, 0x10FFFF},
    {L("\xe6\x97\xa5"), 3, 0x65E5},
    {L("\xf0\x9f\x98\x80"), 4, 0x1F600},
    /* Only the first code point is decoded. */
    {L("ab"), 1, 0x61},
    {L("\xc3\xa9x"), 2, 0xE9},
    /* Overlong forms of 2, 3 and 4 bytes. */
    {L("\xc0\x80"), -1, 0},
    {L("\xc0\xaf"), -1, 0},
    {L("\xc1\xbf"), -1, 0},
    {L("\xe0\x80\x80"), -1, 0},
    {L("\xe0\x80\xaf"), -1, 0},
    {L("\xe0\x9f\xbf"), -1, 0},
    {L("\xf0\x80\x80\x80"), -1, 0},
    {L("\xf0\x80\x80\xaf"), -1, 0},
    {L("\xf0\x8f\xbf\xbf"), -1, 0},
    /* UTF-16 surrogates. */
    {L("\xed\xa0\x80"), -1, 0},
    {L("\xed\xaf\xbf"), -1, 0},
    {L("\xed\xb0\x80"), -1, 0},
    {L("\xed\xbf\xbf"), -1, 0},
    /* Above U+10FFFF, and bytes that never start a sequence. */
    {L("\xf4\x90\x80\x80"), -1, 0},
    {L("\xf4\xbf\xbf\xbf"), -1, 0},
    {L("\xf5\x80\x80\x80"), -1, 0},
    {L("\xf7\xbf\xbf\xbf"), -1, 0},
    {L("\xf8\x88\x80\x80\x80"), -1, 0},
    {L("\xfc\x84\x80\x80\x80\x80"), -1, 0},
    {L("\xfe"), -1, 0},
    {L("\xff"), -1, 0},
    /* Stray continuation bytes. */
    {L("\x80"), -1, 0},
    {L("\xbf"), -1, 0},
    {L("\x80\x80"), -1, 0},
    /* Truncated by the end of the buffer. */
    {L("\xc2"), -1, 0},
    {L("\xe2\x82"), -1, 0},
    {L("\xe2"), -1, 0},
    {L("\xf0\x9f\x98"), -1, 0},
    {L("\xf0\x9f"), -1, 0},
    /* Truncated by a byte that is not a continuation. */
    {L("\xc2\x41"), -1, 0},
    {L("\xe2\x28\xa1"), -1, 0},
    {L("\xe2\x82\x28"), -1, 0},
    {L("\xf0\x9f\x41\x80"), -1, 0},
    {L("\xf0\x9f\x98\x41"), -1, 0},
    {L("\xc2\xc2\x80"), -1, 0},
};

static void
test_decode_table(void **state)
{
	size_t i;
	uint32_t cp;
	int n;

	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		cp = 0xDEADBEEF;
		n = utf8_decode(decode_cases[i].s, decode_cases[i].len, &cp);
		if (n != decode_cases[i].n)
			fail_msg("case %zu: got %d, want %d", i, n,
			    decode_cases[i].n);
		if (n > 0)
			assert_int_equal(cp, decode_cases[i].cp);
	}
}

/* The length limit is respected even when valid bytes follow in memory. */
static void
test_decode_respects_len(void **state)
{
	uint32_t cp;

	assert_int_equal(utf8_decode("\xe6\x97\xa5", 2, &cp), -1);
	assert_int_equal(utf8_decode("\xf0\x9f\x98\x80", 3, &cp), -1);
	assert_int_equal(utf8_decode("\xc3\xa9", 1, &cp), -1);
}

/* Every code point encodes to the shortest form and decodes back. */
static void
test_encode_decode_every_code_point(void **state)
{
	char buf[4];
	uint32_t c, cp;
	int n, want;

	for (c = 0; c <= 0x10FFFF; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		want = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		n = utf8_encode(c, buf);
		if (n != want)
			fail_msg("U+%04X encoded in %d bytes", (unsigned)c, n);
		assert_int_equal(utf8_decode(buf, (size_t)n, &cp), n);
		assert_int_equal(cp, c);
		assert_true(utf8_valid(buf, (size_t)n));
	}
}

static void
test_encode_out_of_contract(void **state)
{
	char buf[4];

	assert_int_equal(utf8_encode(0xD800, buf), 3);
	assert_memory_equal(buf, "\xef\xbf\xbd", 3);
	assert_int_equal(utf8_encode(0x110000, buf), 3);
	assert_memory_equal(buf, "\xef\xbf\xbd", 3);
	assert_int_equal(utf8_encode(0xE9, buf), 2);
	assert_memory_equal(buf, "\xc3\xa9", 2);
}

/*
 * Exhaustive over two and three bytes: the decoder accepts a sequence
 * exactly when it is the encoding of the code point it yields.
 */
static void
test_decode_exhaustive_short(void **state)
{
	unsigned char s[3];
	char enc[4];
	unsigned a, b, c;
	uint32_t cp;
	long accepted2 = 0, accepted3 = 0;
	int n;

	for (a = 0xC0; a <= 0xDF; a++) {
		for (b = 0; b <= 0xFF; b++) {
			s[0] = (unsigned char)a;
			s[1] = (unsigned char)b;
			n = utf8_decode((const char *)s, 2, &cp);
			if (n < 0)
				continue;
			assert_int_equal(n, 2);
			assert_int_equal(utf8_encode(cp, enc), 2);
			assert_memory_equal(enc, s, 2);
			accepted2++;
		}
	}
	for (a = 0xE0; a <= 0xEF; a++) {
		for (b = 0; b <= 0xFF; b++) {
			for (c = 0; c <= 0xFF; c++) {
				s[0] = (unsigned char)a;
				s[1] = (unsigned char)b;
				s[2] = (unsigned char)c;
				n = utf8_decode((const char *)s, 3, &cp);
				if (n < 0)
					continue;
				assert_int_equal(n, 3);
				assert_int_equal(utf8_encode(cp, enc), 3);
				assert_memory_equal(enc, s, 3);
				accepted3++;
			}
		}
	}
	/* U+0080-U+07FF, and U+0800-U+FFFF less the 2048 surrogates. */
	assert_int_equal(accepted2, 0x800 - 0x80);
	assert_int_equal(accepted3, 0x10000 - 0x800 - 0x800);
}

static const struct {
	const char *s;
	size_t len;
	int valid;
} valid_cases[] = {
    {L(""), 1},
    {L("hello, world"), 1},
    {L("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), 1},
    {L("smile \xf0\x9f\x98\x80 ok"), 1},
    {L("caf\xc3\xa9 na\xc3\xafve"), 1},
    {L("with\0nul"), 1},
    {L("0123456789abcdef0123456789abcdef\xc3\xa9"), 1},
    {L("0123456789abcdef\xff"), 0},
    {L("abc\xe6\x97"), 0},
    {L("abcdefghijklmnop\xe6\x97"), 0},
    {L("\xc0\xaf"), 0},
    {L("ok\xed\xa0\x80"), 0},
    {L("ok\xf4\x90\x80\x80"), 0},
    {L("\x80"), 0},
    {L("\xfe\xff"), 0},
    {L("\xe6\x97\xa5\xa5"), 0},
};

static void
test_valid_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		if (!!utf8_valid(valid_cases[i].s, valid_cases[i].len) !=
		    valid_cases[i].valid)
			fail_msg("case %zu: want %d", i, valid_cases[i].valid);
	}
}

/* One bad byte at every offset of an ASCII run, past the fast path's words. */
static void
test_valid_bad_byte_at_every_offset(void **state)
{
	char buf[41];
	size_t i;

	memset(buf, 'a', sizeof(buf));
	assert_true(utf8_valid(buf, sizeof(buf)));
	for (i = 0; i < sizeof(buf); i++) {
		memset(buf, 'a', sizeof(buf));
		buf[i] = (char)0x80;
		if (utf8_valid(buf, sizeof(buf)))
			fail_msg("stray 0x80 at %zu accepted", i);
		buf[i] = (char)0xc3;
		if (i + 1 < sizeof(buf)) {
			buf[i + 1] = (char)0xa9;
			assert_true(utf8_valid(buf, sizeof(buf)));
		} else {
			assert_false(utf8_valid(buf, sizeof(buf)));
		}
	}
}

/*
 * The ASCII fast path must not read past len: heap buffers of exactly len
 * bytes let AddressSanitizer catch any over-read.
 */
static void
test_valid_stops_at_len(void **state)
{
	char *buf;
	size_t len;

	for (len = 0; len <= 24; len++) {
		buf = malloc(len > 0 ? len : 1);
		assert_non_null(buf);
		memset(buf, 'a', len);
		assert_true(utf8_valid(buf, len));
		if (len > 0) {
			buf[len - 1] = (char)0xff;
			assert_false(utf8_valid(buf, len));
			buf[len - 1] = (char)0xc3;
			assert_false(utf8_valid(buf, len));
		}
		free(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_table),
	    cmocka_unit_test(test_decode_respects_len),
	    cmocka_unit_test(test_encode_decode_every_code_point),
	    cmocka_unit_test(test_encode_out_of_contract),
	    cmocka_unit_test(test_decode_exhaustive_short),
	    cmocka_unit_test(test_valid_table),
	    cmocka_unit_test(test_valid_bad_byte_at_every_offset),
	    cmocka_unit_test(test_valid_stops_at_len),
	};

	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}

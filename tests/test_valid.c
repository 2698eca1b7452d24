/* test_valid.c: rules for names, channel names, text, tokens and lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "valid.h"

/* A string literal and its length, which may count embedded NULs. */
#define L(s) s, sizeof(s) - 1

struct vcase {
	const char *s;
	size_t len;
	enum proto_code want;
};

static void
run_cases(const char *what, enum proto_code (*fn)(const char *, size_t),
    const struct vcase *c, size_t n)
{
	enum proto_code got;
	size_t i;

	for (i = 0; i < n; i++) {
		got = fn(c[i].s, c[i].len);
		if (got != c[i].want)
			fail_msg("%s case %zu (\"%.*s\"): got %s, want %s",
			    what, i, (int)c[i].len, c[i].s,
			    proto_code_name(got), proto_code_name(c[i].want));
	}
}

#define RUN(fn, cases)                                                         \
	run_cases(#fn, fn, cases, sizeof(cases) / sizeof(cases[0]))

static const struct {
	uint32_t cp;
	int forbidden;
} forbidden_cases[] = {
    {0x00, 1},
    {0x09, 1},
    {0x0A, 1},
    {0x0D, 1},
    {0x1B, 1},
    {0x1F, 1},
    {0x20, 0},
    {0x7E, 0},
    {0x7F, 1},
    {0x80, 1},
    {0x85, 1},
    {0x9B, 1},
    {0x9F, 1},
    {0xA0, 0},
    {0xE9, 0},
    {0x200F, 0},
    {0x2027, 0},
    {0x2028, 1},
    {0x2029, 1},
    {0x202A, 1},
    {0x202B, 1},
    {0x202C, 1},
    {0x202D, 1},
    {0x202E, 1},
    {0x202F, 0},
    {0x2065, 0},
    {0x2066, 1},
    {0x2067, 1},
    {0x2068, 1},
    {0x2069, 1},
    {0x206A, 0},
    {0x65E5, 0},
    {0xFEFF, 0},
    {0x1F600, 0},
    {0x10FFFF, 0},
};

static void
test_forbidden(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(forbidden_cases) / sizeof(forbidden_cases[0]);
	     i++) {
		if (!!valid_forbidden(forbidden_cases[i].cp) !=
		    forbidden_cases[i].forbidden)
			fail_msg("U+%04X: want forbidden=%d",
			    (unsigned)forbidden_cases[i].cp,
			    forbidden_cases[i].forbidden);
	}
}

static const struct vcase line_cases[] = {
    {L(""), PROTO_E_NONE},
    {L("send_msg$u$c$hello"), PROTO_E_NONE},
    {L("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), PROTO_E_NONE},
    {L("\xf0\x9f\x98\x80\xf0\x9f\x91\x8d"), PROTO_E_NONE},
    {L("\xc2\xa0 nbsp and \xe2\x80\x8f rlm"), PROTO_E_NONE},
    /* ASCII controls: a bare CR is not the framer's to strip here. */
    {L("a\rb"), PROTO_E_BAD_CHAR},
    {L("a\r"), PROTO_E_BAD_CHAR},
    {L("a\nb"), PROTO_E_BAD_CHAR},
    {L("a\0b"), PROTO_E_BAD_CHAR},
    {L("\0"), PROTO_E_BAD_CHAR},
    {L("tab\there"), PROTO_E_BAD_CHAR},
    {L("\x1b[31mred"), PROTO_E_BAD_CHAR},
    {L("del\x7f"), PROTO_E_BAD_CHAR},
    /* C1 controls, bidi controls and separators. */
    {L("nel\xc2\x85"), PROTO_E_BAD_CHAR},
    {L("csi\xc2\x9b"
       "31m"),
        PROTO_E_BAD_CHAR},
    {L("\xc2\x80"), PROTO_E_BAD_CHAR},
    {L("rlo\xe2\x80\xae"
       "cba"),
        PROTO_E_BAD_CHAR},
    {L("lre\xe2\x80\xaa"), PROTO_E_BAD_CHAR},
    {L("lri\xe2\x81\xa6x"), PROTO_E_BAD_CHAR},
    {L("pdi\xe2\x81\xa9"), PROTO_E_BAD_CHAR},
    {L("ls\xe2\x80\xa8"), PROTO_E_BAD_CHAR},
    {L("ps\xe2\x80\xa9"), PROTO_E_BAD_CHAR},
    /* Every kind of bad UTF-8. */
    {L("\xc0\xaf"), PROTO_E_BAD_UTF8},
    {L("\xc1\x81"), PROTO_E_BAD_UTF8},
    {L("\xe0\x80\xaf"), PROTO_E_BAD_UTF8},
    {L("\xf0\x80\x80\xaf"), PROTO_E_BAD_UTF8},
    {L("\xed\xa0\x80"), PROTO_E_BAD_UTF8},
    {L("\xed\xbf\xbf"), PROTO_E_BAD_UTF8},
    {L("\xf4\x90\x80\x80"), PROTO_E_BAD_UTF8},
    {L("\xf5\x80\x80\x80"), PROTO_E_BAD_UTF8},
    {L("abc\xe2\x82"), PROTO_E_BAD_UTF8},
    {L("abc\xf0\x9f\x98"), PROTO_E_BAD_UTF8},
    {L("\x80"), PROTO_E_BAD_UTF8},
    {L("a\xbf"
       "b"),
        PROTO_E_BAD_UTF8},
    {L("\xfe"), PROTO_E_BAD_UTF8},
    {L("\xff"), PROTO_E_BAD_UTF8},
    /* The first problem from the left wins. */
    {L("\x01\xff"), PROTO_E_BAD_CHAR},
    {L("\xff\x01"), PROTO_E_BAD_UTF8},
    {L("\xe2\x80\xae\xff"), PROTO_E_BAD_CHAR},
    {L("\xc0\xaf\xe2\x80\xae"), PROTO_E_BAD_UTF8},
    /* An encoded NUL or CR is still bad UTF-8 (overlong), not a char. */
    {L("\xc0\x80"), PROTO_E_BAD_UTF8},
    {L("\xc0\x8d"), PROTO_E_BAD_UTF8},
};

static void
test_line(void **state)
{
	RUN(valid_line, line_cases);
}

static const struct vcase name_cases[] = {
    {L("a"), PROTO_E_NONE},
    {L("Z"), PROTO_E_NONE},
    {L("7"), PROTO_E_NONE},
    {L("_"), PROTO_E_NONE},
    {L("alice"), PROTO_E_NONE},
    {L("_bob"), PROTO_E_NONE},
    {L("9lives"), PROTO_E_NONE},
    {L("a.b-c_d"), PROTO_E_NONE},
    {L("a-"), PROTO_E_NONE},
    {L("abcdefghijklmnopqrstuvwxyz01234"), PROTO_E_NONE},
    {L("abcdefghijklmnopqrstuvwxyz012345"), PROTO_E_NONE},
    {L("abcdefghijklmnopqrstuvwxyz0123456"), PROTO_E_BAD_NAME},
    {L(""), PROTO_E_BAD_NAME},
    {L(".x"), PROTO_E_BAD_NAME},
    {L("-x"), PROTO_E_BAD_NAME},
    {L("#x"), PROTO_E_BAD_NAME},
    {L("a#b"), PROTO_E_BAD_NAME},
    {L("a b"), PROTO_E_BAD_NAME},
    {L("a$b"), PROTO_E_BAD_NAME},
    {L("a:b"), PROTO_E_BAD_NAME},
    {L("a\0"), PROTO_E_BAD_NAME},
    {L("caf\xc3\xa9"), PROTO_E_BAD_NAME},
    {L("\xc3\xa9"), PROTO_E_BAD_NAME},
};

static void
test_name(void **state)
{
	RUN(valid_name, name_cases);
}

static const struct vcase channel_cases[] = {
    {L("general"), PROTO_E_NONE},
    {L("#general"), PROTO_E_NONE},
    {L("#"), PROTO_E_NONE},
    {L("a#b#"), PROTO_E_NONE},
    {L("_x.y-z"), PROTO_E_NONE},
    {L("#bcdefghijklmnopqrstuvwxyz01234"), PROTO_E_NONE},
    {L("#bcdefghijklmnopqrstuvwxyz012345"), PROTO_E_NONE},
    {L("#bcdefghijklmnopqrstuvwxyz0123456"), PROTO_E_BAD_CHANNEL_NAME},
    {L(""), PROTO_E_BAD_CHANNEL_NAME},
    {L(".x"), PROTO_E_BAD_CHANNEL_NAME},
    {L("-x"), PROTO_E_BAD_CHANNEL_NAME},
    {L("a b"), PROTO_E_BAD_CHANNEL_NAME},
    {L("a$b"), PROTO_E_BAD_CHANNEL_NAME},
    {L("!x"), PROTO_E_BAD_CHANNEL_NAME},
    {L("\xe6\x97\xa5"), PROTO_E_BAD_CHANNEL_NAME},
};

static void
test_channel_name(void **state)
{
	RUN(valid_channel_name, channel_cases);
}

static void
test_text(void **state)
{
	static char buf[PROTO_TEXT_MAX + 2];
	static const struct vcase cases[] = {
	    {L("x"), PROTO_E_NONE},
	    {L("price is $5 $$joined: x"), PROTO_E_NONE},
	    {L("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), PROTO_E_NONE},
	    {L("\xf0\x9f\x98\x80"), PROTO_E_NONE},
	    {L(" "), PROTO_E_NONE},
	    {L(""), PROTO_E_BAD_TEXT},
	    {L("a\x1b"), PROTO_E_BAD_CHAR},
	    {L("\xe2\x80\xae"), PROTO_E_BAD_CHAR},
	    {L("\xff"), PROTO_E_BAD_UTF8},
	};
	size_t i;

	RUN(valid_text, cases);

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(valid_text(buf, PROTO_TEXT_MAX - 1), PROTO_E_NONE);
	assert_int_equal(valid_text(buf, PROTO_TEXT_MAX), PROTO_E_NONE);
	assert_int_equal(
	    valid_text(buf, PROTO_TEXT_MAX + 1), PROTO_E_TEXT_TOO_LONG);

	/* The limit counts bytes, not characters: 1024 three-byte CJK. */
	for (i = 0; i + 3 <= sizeof(buf); i += 3)
		memcpy(buf + i, "\xe6\x97\xa5", 3);
	assert_int_equal(valid_text(buf, PROTO_TEXT_MAX), PROTO_E_NONE);
	assert_int_equal(
	    valid_text(buf, PROTO_TEXT_MAX + 1), PROTO_E_TEXT_TOO_LONG);
	/* Cut inside the last character. */
	assert_int_equal(valid_text(buf, PROTO_TEXT_MAX - 1), PROTO_E_BAD_UTF8);

	/* Length is ruled on before content. */
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(
	    valid_text(buf, PROTO_TEXT_MAX + 1), PROTO_E_TEXT_TOO_LONG);
	assert_int_equal(valid_text(buf, PROTO_TEXT_MAX), PROTO_E_BAD_UTF8);
}

static void
test_token(void **state)
{
	static char buf[PROTO_TOKEN_MAX + 2];
	static const struct vcase cases[] = {
	    {L("abc"), PROTO_E_NONE},
	    {L("1700000000123"), PROTO_E_NONE},
	    {L("!"), PROTO_E_NONE},
	    {L("~"), PROTO_E_NONE},
	    {L("a$b"), PROTO_E_NONE},
	    {L(""), PROTO_E_BAD_TOKEN},
	    {L("a b"), PROTO_E_BAD_TOKEN},
	    {L(" "), PROTO_E_BAD_TOKEN},
	    {L("\x7f"), PROTO_E_BAD_TOKEN},
	    {L("a\0"), PROTO_E_BAD_TOKEN},
	    {L("\xc3\xa9"), PROTO_E_BAD_TOKEN},
	};

	RUN(valid_token, cases);
	memset(buf, 't', sizeof(buf));
	assert_int_equal(valid_token(buf, PROTO_TOKEN_MAX - 1), PROTO_E_NONE);
	assert_int_equal(valid_token(buf, PROTO_TOKEN_MAX), PROTO_E_NONE);
	assert_int_equal(
	    valid_token(buf, PROTO_TOKEN_MAX + 1), PROTO_E_BAD_TOKEN);
}

/* Names built at the limit, for N-1, N and N+1 bytes. */
static void
test_name_limits(void **state)
{
	char buf[PROTO_NAME_MAX + 2];

	memset(buf, 'n', sizeof(buf));
	assert_int_equal(valid_name(buf, PROTO_NAME_MAX - 1), PROTO_E_NONE);
	assert_int_equal(valid_name(buf, PROTO_NAME_MAX), PROTO_E_NONE);
	assert_int_equal(valid_name(buf, PROTO_NAME_MAX + 1), PROTO_E_BAD_NAME);
	assert_int_equal(
	    valid_channel_name(buf, PROTO_NAME_MAX - 1), PROTO_E_NONE);
	assert_int_equal(valid_channel_name(buf, PROTO_NAME_MAX), PROTO_E_NONE);
	assert_int_equal(valid_channel_name(buf, PROTO_NAME_MAX + 1),
	    PROTO_E_BAD_CHANNEL_NAME);
}

static void
test_name_equal(void **state)
{
	static const struct {
		const char *a, *b;
		int eq;
	} cases[] = {
	    {"alice", "alice", 1},
	    {"Alice", "aLICE", 1},
	    {"a_b.c-9", "A_B.C-9", 1},
	    {"", "", 1},
	    {"alice", "alic", 0},
	    {"alic", "alice", 0},
	    {"a-b", "a_b", 0},
	    /* Folding must be ASCII letters only, not a blind bit flip. */
	    {"[", "{", 0},
	    {"@", "`", 0},
	    {"^", "~", 0},
	    {"\xc3\xa9", "\xc3\x89", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!!valid_name_equal(cases[i].a, strlen(cases[i].a),
		        cases[i].b, strlen(cases[i].b)) != cases[i].eq)
			fail_msg("\"%s\" vs \"%s\": want %d", cases[i].a,
			    cases[i].b, cases[i].eq);
	}
	/* Only len bytes are compared. */
	assert_true(valid_name_equal("bob!", 3, "BOB?", 3));
}

/* The skeleton table of the protocol page, and pairs that must differ. */
static void
test_skeleton(void **state)
{
	static const struct {
		const char *name;
		const char *skel;
	} cases[] = {
	    {"alice", "allce"},
	    {"aIice", "allce"},
	    {"a1ice", "allce"},
	    {"ALICE", "allce"},
	    {"bob", "bob"},
	    {"b0b", "bob"},
	    {"BOB", "bob"},
	    {"ma1l", "mall"},
	    {"mall", "mall"},
	    {"maIl", "mall"},
	    {"mail", "mall"},
	    {"rnail", "mall"},
	    {"RNail", "mall"},
	    {"vvill", "wlll"},
	    {"VVill", "wlll"},
	    {"ru5t", "rust"},
	    {"#Ru5t", "#rust"},
	    /* Pairs are taken left to right, each byte once. */
	    {"rnn", "mn"},
	    {"rrn", "rm"},
	    {"vvv", "wv"},
	    {"r_n", "r_n"},
	    {"v.v", "v.v"},
	    /* Letters and digits outside the table stay. */
	    {"x_y.z-2", "x_y.z-2"},
	    {"Q9", "q9"},
	    {"", ""},
	};
	static const char *const differ[][2] = {
	    {"bob", "bop"},
	    {"alice", "alise"},
	    {"a-b", "a_b"},
	    {"a.b", "a-b"},
	    {"m", "n"},
	    {"rn", "r"},
	    {"2", "z"},
	};
	char out[64], out2[64];
	size_t i, n, n2;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 0, sizeof(out));
		n = valid_skeleton(cases[i].name, strlen(cases[i].name), out);
		if (n != strlen(cases[i].skel) ||
		    memcmp(out, cases[i].skel, n) != 0)
			fail_msg("skeleton of %s: %.*s, want %s", cases[i].name,
			    (int)n, out, cases[i].skel);
		/* A skeleton is its own skeleton. */
		n2 = valid_skeleton(out, n, out2);
		assert_int_equal(n2, n);
		assert_memory_equal(out2, out, n);
	}
	for (i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
		n = valid_skeleton(differ[i][0], strlen(differ[i][0]), out);
		n2 = valid_skeleton(differ[i][1], strlen(differ[i][1]), out2);
		if (n == n2 && memcmp(out, out2, n) == 0)
			fail_msg(
			    "%s and %s look alike", differ[i][0], differ[i][1]);
	}
	/* Only len bytes are read and written. */
	memset(out, '!', sizeof(out));
	assert_int_equal(valid_skeleton("rnX", 1, out), 1);
	assert_int_equal(out[0], 'r');
	assert_int_equal(out[1], '!');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forbidden),
	    cmocka_unit_test(test_line),
	    cmocka_unit_test(test_name),
	    cmocka_unit_test(test_channel_name),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_token),
	    cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_name_equal),
	    cmocka_unit_test(test_skeleton),
	};

	return cmocka_run_group_tests_name("valid", tests, NULL, NULL);
}

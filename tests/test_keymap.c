/* test_keymap.c: tests for the key input state machine. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "utf8.h"

/* Actions one test step may collect. */
#define REC_MAX 64

/* What a sequence of calls produced; paste text is copied out. */
struct rec {
	size_t n;
	struct keymap_action act[REC_MAX];
	char *paste;
	size_t paste_len;
	int truncated;
};

static int
setup(void **state)
{
	*state = keymap_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	keymap_free(*state);
	return 0;
}

static void
rec_add(struct rec *r, const struct keymap_action *out, size_t n)
{
	size_t i;

	assert_true(n <= KEYMAP_OUT_MAX);
	for (i = 0; i < n; i++) {
		assert_true(r->n < REC_MAX);
		r->act[r->n++] = out[i];
		if (out[i].act == KEYMAP_PASTE_END) {
			/* The text is borrowed only until the next call. */
			assert_non_null(out[i].text);
			assert_int_equal(out[i].text[out[i].len], '\0');
			free(r->paste);
			r->paste = malloc(out[i].len + 1);
			assert_non_null(r->paste);
			memcpy(r->paste, out[i].text, out[i].len + 1);
			r->paste_len = out[i].len;
			r->truncated = out[i].truncated;
		}
	}
}

static void
rec_reset(struct rec *r)
{
	free(r->paste);
	memset(r, 0, sizeof(*r));
}

static void
feed_char(struct keymap *km, struct rec *r, uint32_t c)
{
	struct keymap_action out[KEYMAP_OUT_MAX];

	rec_add(r, out, keymap_feed(km, KEYMAP_IN_CHAR, c, out));
}

static void
feed_key(struct keymap *km, struct rec *r, int code)
{
	struct keymap_action out[KEYMAP_OUT_MAX];

	rec_add(r, out, keymap_feed(km, KEYMAP_IN_KEY, (uint32_t)code, out));
}

/* Feeds the code points of the UTF-8 string s[0..len) as characters. */
static void
feed_mem(struct keymap *km, struct rec *r, const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;
	int k;

	while (i < len) {
		k = utf8_decode(s + i, len - i, &cp);
		assert_true(k > 0);
		feed_char(km, r, cp);
		i += (size_t)k;
	}
}

static void
feed_str(struct keymap *km, struct rec *r, const char *s)
{
	feed_mem(km, r, s, strlen(s));
}

static void
rec_flush(struct keymap *km, struct rec *r)
{
	struct keymap_action out[KEYMAP_OUT_MAX];

	rec_add(r, out, keymap_flush(km, out));
}

static void
rec_timeout(struct keymap *km, struct rec *r)
{
	struct keymap_action out[KEYMAP_OUT_MAX];

	rec_add(r, out, keymap_timeout(km, out));
}

/* Checks that r holds exactly the actions want[0..n). */
static void
expect_acts(const struct rec *r, const enum keymap_act *want, size_t n)
{
	size_t i;

	if (r->n != n)
		fail_msg("%zu actions, want %zu", r->n, n);
	for (i = 0; i < n; i++)
		if (r->act[i].act != want[i])
			fail_msg("action %zu: %d, want %d", i,
			    (int)r->act[i].act, (int)want[i]);
}

static void
expect_one(const struct rec *r, enum keymap_act act)
{
	expect_acts(r, &act, 1);
}

static void
expect_none(const struct rec *r)
{
	expect_acts(r, NULL, 0);
}

struct char_case {
	uint32_t c;
	int act; /* -1: none */
};

static void
test_ctrl_keys(void **state)
{
	static const struct char_case cases[] = {
	    {0x01, KEYMAP_HOME},
	    {0x02, KEYMAP_LEFT},
	    {0x03, KEYMAP_QUIT_REQUEST},
	    {0x04, KEYMAP_DELETE},
	    {0x05, KEYMAP_END},
	    {0x06, KEYMAP_RIGHT},
	    {0x08, KEYMAP_BACKSPACE},
	    {0x09, KEYMAP_COMPLETE},
	    {0x0A, KEYMAP_SUBMIT},
	    {0x0B, KEYMAP_KILL_TO_END},
	    {0x0C, KEYMAP_REDRAW},
	    {0x0D, KEYMAP_SUBMIT},
	    {0x0E, KEYMAP_CHANNEL_NEXT},
	    {0x10, KEYMAP_CHANNEL_PREV},
	    {0x12, KEYMAP_SEARCH_BACK},
	    {0x13, KEYMAP_SEARCH_FWD},
	    {0x14, KEYMAP_TRANSPOSE},
	    {0x15, KEYMAP_KILL_TO_START},
	    {0x17, KEYMAP_KILL_RUBOUT},
	    {0x19, KEYMAP_YANK},
	    {0x7F, KEYMAP_BACKSPACE},
	    {0x00, -1},
	    {0x07, -1},
	    {0x11, -1},
	    {0x1A, -1},
	    {0x1F, -1},
	    {0x80, -1},
	    {0x85, -1},
	    {0x9B, -1},
	    {0x9F, -1},
	    {0xD800, -1},
	    {0x110000, -1},
	};
	struct keymap *km = *state;
	struct rec r = {0};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rec_reset(&r);
		feed_char(km, &r, cases[i].c);
		if (cases[i].act < 0)
			expect_none(&r);
		else
			expect_one(&r, (enum keymap_act)cases[i].act);
		assert_false(keymap_waiting(km));
	}
	rec_reset(&r);
}

static void
test_printable(void **state)
{
	static const uint32_t cps[] = {
	    ' ', 'a', '~', 0xA0, 0xE9, 0x0301, 0x4E2D, 0x1F600, 0x10FFFF};
	struct keymap *km = *state;
	struct rec r = {0};
	size_t i;

	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		rec_reset(&r);
		feed_char(km, &r, cps[i]);
		expect_one(&r, KEYMAP_INSERT);
		assert_int_equal(r.act[0].cp, cps[i]);
	}
	rec_reset(&r);
}

struct key_case {
	int code;
	int act; /* -1: none */
};

static void
test_key_codes(void **state)
{
	static const struct key_case cases[] = {
	    {KEY_LEFT, KEYMAP_LEFT},
	    {KEY_RIGHT, KEYMAP_RIGHT},
	    {KEY_UP, KEYMAP_HISTORY_PREV},
	    {KEY_DOWN, KEYMAP_HISTORY_NEXT},
	    {KEY_HOME, KEYMAP_HOME},
	    {KEY_END, KEYMAP_END},
	    {KEY_BACKSPACE, KEYMAP_BACKSPACE},
	    {KEY_DC, KEYMAP_DELETE},
	    {KEY_ENTER, KEYMAP_SUBMIT},
	    {KEY_PPAGE, KEYMAP_PAGE_UP},
	    {KEY_NPAGE, KEYMAP_PAGE_DOWN},
	    {KEY_RESIZE, KEYMAP_RESIZE},
	    {KEY_F(1), -1},
	    {KEY_IC, -1},
	    {KEY_MOUSE, -1},
	};
	struct keymap *km = *state;
	struct rec r = {0};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rec_reset(&r);
		feed_key(km, &r, cases[i].code);
		if (cases[i].act < 0)
			expect_none(&r);
		else
			expect_one(&r, (enum keymap_act)cases[i].act);
	}
	rec_reset(&r);
}

static void
test_alt_chars(void **state)
{
	static const struct char_case cases[] = {
	    {'b', KEYMAP_WORD_LEFT},
	    {'B', KEYMAP_WORD_LEFT},
	    {'f', KEYMAP_WORD_RIGHT},
	    {'F', KEYMAP_WORD_RIGHT},
	    {'d', KEYMAP_KILL_WORD_FORWARD},
	    {'D', KEYMAP_KILL_WORD_FORWARD},
	    {'a', KEYMAP_CHANNEL_ACTIVITY},
	    {'A', KEYMAP_CHANNEL_ACTIVITY},
	    {'l', KEYMAP_BARE},
	    {'L', KEYMAP_BARE},
	    {0x7F, KEYMAP_KILL_WORD_BACK},
	    {0x08, KEYMAP_KILL_WORD_BACK},
	    /* Unbound Alt keys type nothing. */
	    {'z', -1},
	    {'x', -1},
	    {' ', -1},
	    {0x4E2D, -1},
	};
	struct keymap *km = *state;
	struct rec r = {0};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rec_reset(&r);
		feed_char(km, &r, 0x1B);
		expect_none(&r);
		assert_true(keymap_waiting(km));
		feed_char(km, &r, cases[i].c);
		if (cases[i].act < 0)
			expect_none(&r);
		else
			expect_one(&r, (enum keymap_act)cases[i].act);
		/* Nothing is left pending for the flush. */
		rec_flush(km, &r);
		assert_int_equal(r.n, cases[i].act < 0 ? 0 : 1);
		assert_false(keymap_waiting(km));
	}
	rec_reset(&r);
}

static void
test_alt_digits(void **state)
{
	struct keymap *km = *state;
	struct rec r = {0};
	uint32_t c;

	for (c = '0'; c <= '9'; c++) {
		rec_reset(&r);
		feed_char(km, &r, 0x1B);
		feed_char(km, &r, c);
		expect_one(&r, KEYMAP_CHANNEL_GOTO);
		assert_int_equal(r.act[0].channel, c == '0' ? 9 : (int)c - '1');
	}
	rec_reset(&r);
}

/* Alt-Q to Alt-P, the row below the digits, show windows 11 to 20. */
static void
test_alt_row2(void **state)
{
	static const char row[] = "qwertyuiop";
	struct keymap *km = *state;
	struct rec r = {0};
	size_t i;

	for (i = 0; row[i] != '\0'; i++) {
		rec_reset(&r);
		feed_char(km, &r, 0x1B);
		feed_char(km, &r, (uint32_t)row[i]);
		expect_one(&r, KEYMAP_CHANNEL_GOTO);
		assert_int_equal(r.act[0].channel, 10 + (int)i);
	}
	rec_reset(&r);
}

static void
test_alt_keys(void **state)
{
	static const struct key_case cases[] = {
	    {KEY_RIGHT, KEYMAP_CHANNEL_NEXT},
	    {KEY_LEFT, KEYMAP_CHANNEL_PREV},
	    {KEY_HOME, KEYMAP_SCROLL_TOP},
	    {KEY_END, KEYMAP_SCROLL_BOTTOM},
	    {KEY_BACKSPACE, KEYMAP_KILL_WORD_BACK},
	};
	struct keymap *km = *state;
	struct rec r = {0};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rec_reset(&r);
		feed_char(km, &r, 0x1B);
		feed_key(km, &r, cases[i].code);
		expect_one(&r, (enum keymap_act)cases[i].act);
		assert_false(keymap_waiting(km));
	}
	rec_reset(&r);
}

static void
test_esc_then_other(void **state)
{
	static const enum keymap_act resize[] = {KEYMAP_CANCEL, KEYMAP_RESIZE};
	static const enum keymap_act up[] = {
	    KEYMAP_CANCEL, KEYMAP_HISTORY_PREV};
	static const enum keymap_act home[] = {KEYMAP_CANCEL, KEYMAP_HOME};
	static const enum keymap_act enter[] = {KEYMAP_CANCEL, KEYMAP_SUBMIT};
	struct keymap *km = *state;
	struct rec r = {0};

	/* A resize right after Escape must not be lost. */
	feed_char(km, &r, 0x1B);
	feed_key(km, &r, KEY_RESIZE);
	expect_acts(&r, resize, 2);
	rec_reset(&r);
	feed_char(km, &r, 0x1B);
	feed_key(km, &r, KEY_UP);
	expect_acts(&r, up, 2);
	rec_reset(&r);
	feed_char(km, &r, 0x1B);
	feed_char(km, &r, 0x01);
	expect_acts(&r, home, 2);
	rec_reset(&r);
	feed_char(km, &r, 0x1B);
	feed_char(km, &r, '\r');
	expect_acts(&r, enter, 2);
	rec_reset(&r);
}

static void
test_escape_alone(void **state)
{
	static const enum keymap_act two[] = {KEYMAP_CANCEL, KEYMAP_CANCEL};
	static const enum keymap_act then_alt[] = {
	    KEYMAP_CANCEL, KEYMAP_WORD_LEFT};
	struct keymap *km = *state;
	struct rec r = {0};

	/* Flush with nothing pending does nothing. */
	rec_flush(km, &r);
	rec_timeout(km, &r);
	expect_none(&r);
	assert_false(keymap_waiting(km));

	feed_char(km, &r, 0x1B);
	expect_none(&r);
	rec_flush(km, &r);
	expect_one(&r, KEYMAP_CANCEL);
	rec_flush(km, &r);
	expect_one(&r, KEYMAP_CANCEL);
	assert_false(keymap_waiting(km));
	rec_reset(&r);

	/* ESC ESC: the first is Escape, the second waits for the flush. */
	feed_char(km, &r, 0x1B);
	feed_char(km, &r, 0x1B);
	expect_one(&r, KEYMAP_CANCEL);
	rec_flush(km, &r);
	expect_acts(&r, two, 2);
	rec_reset(&r);

	/* ESC ESC b: Escape, then Alt-B. */
	feed_str(km, &r,
	    "\x1B\x1B"
	    "b");
	expect_acts(&r, then_alt, 2);
	rec_reset(&r);

	/* A caller that only uses the timer still gets its Escape. */
	feed_char(km, &r, 0x1B);
	rec_timeout(km, &r);
	expect_one(&r, KEYMAP_CANCEL);
	assert_false(keymap_waiting(km));
	rec_reset(&r);
}

static void
test_bind(void **state)
{
	static const enum keymap_act acts[] = {KEYMAP_SCROLL_TOP,
	    KEYMAP_SCROLL_BOTTOM, KEYMAP_CHANNEL_NEXT, KEYMAP_CHANNEL_PREV};
	struct keymap *km = *state;
	struct rec r = {0};
	int i;

	/* What key_defined() returns for an unknown or conflicting key. */
	assert_int_equal(keymap_bind(km, 0, KEYMAP_SCROLL_TOP), -1);
	assert_int_equal(keymap_bind(km, -1, KEYMAP_SCROLL_TOP), -1);
	/* Actions that need a value cannot be bound. */
	assert_int_equal(keymap_bind(km, 600, KEYMAP_INSERT), -1);
	assert_int_equal(keymap_bind(km, 600, KEYMAP_CHANNEL_GOTO), -1);
	assert_int_equal(keymap_bind(km, 600, KEYMAP_PASTE_END), -1);
	feed_key(km, &r, 600);
	expect_none(&r);

	/* kHOM3, kEND3, kRIT3, kLFT3 as ncurses might number them. */
	for (i = 0; i < 4; i++)
		assert_int_equal(keymap_bind(km, 600 + i, acts[i]), 0);
	for (i = 0; i < 4; i++) {
		rec_reset(&r);
		feed_key(km, &r, 600 + i);
		expect_one(&r, acts[i]);
	}
	/* Rebinding replaces; a binding overrides a fixed code. */
	assert_int_equal(keymap_bind(km, 600, KEYMAP_REDRAW), 0);
	assert_int_equal(keymap_bind(km, KEY_F(5), KEYMAP_REDRAW), 0);
	rec_reset(&r);
	feed_key(km, &r, 600);
	feed_key(km, &r, KEY_F(5));
	assert_int_equal(r.n, 2);
	assert_int_equal(r.act[0].act, KEYMAP_REDRAW);
	assert_int_equal(r.act[1].act, KEYMAP_REDRAW);

	/* The table holds N; N+1 is refused but rebinding still works. */
	for (i = 5; i < KEYMAP_BIND_MAX; i++)
		assert_int_equal(keymap_bind(km, 700 + i, KEYMAP_REDRAW), 0);
	assert_int_equal(keymap_bind(km, 800, KEYMAP_REDRAW), -1);
	assert_int_equal(keymap_bind(km, 601, KEYMAP_PAGE_UP), 0);
	rec_reset(&r);
	feed_key(km, &r, 601);
	feed_key(km, &r, 700 + KEYMAP_BIND_MAX - 1);
	feed_key(km, &r, 800);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.act[0].act, KEYMAP_PAGE_UP);
	assert_int_equal(r.act[1].act, KEYMAP_REDRAW);
	rec_reset(&r);
}

struct seq_case {
	const char *seq;
	int act; /* -1: none */
};

static void
test_sequences(void **state)
{
	static const struct seq_case cases[] = {
	    {"\x1B[A", KEYMAP_HISTORY_PREV},
	    {"\x1B[B", KEYMAP_HISTORY_NEXT},
	    {"\x1B[C", KEYMAP_RIGHT},
	    {"\x1B[D", KEYMAP_LEFT},
	    {"\x1B[H", KEYMAP_HOME},
	    {"\x1B[F", KEYMAP_END},
	    {"\x1B[1;2C", KEYMAP_RIGHT},
	    {"\x1B[1;3C", KEYMAP_CHANNEL_NEXT},
	    {"\x1B[1;3D", KEYMAP_CHANNEL_PREV},
	    {"\x1B[1;3H", KEYMAP_SCROLL_TOP},
	    {"\x1B[1;3F", KEYMAP_SCROLL_BOTTOM},
	    {"\x1B[1;5C", KEYMAP_WORD_RIGHT},
	    {"\x1B[1;5D", KEYMAP_WORD_LEFT},
	    {"\x1B[1~", KEYMAP_HOME},
	    {"\x1B[7~", KEYMAP_HOME},
	    {"\x1B[4~", KEYMAP_END},
	    {"\x1B[8~", KEYMAP_END},
	    {"\x1B[3~", KEYMAP_DELETE},
	    {"\x1B[5~", KEYMAP_PAGE_UP},
	    {"\x1B[6~", KEYMAP_PAGE_DOWN},
	    {"\x1BOA", KEYMAP_HISTORY_PREV},
	    {"\x1BOC", KEYMAP_RIGHT},
	    {"\x1BOH", KEYMAP_HOME},
	    {"\x1BOF", KEYMAP_END},
	    /* Unknown or unwanted: swallowed whole. */
	    {"\x1B[1;3A", -1},
	    {"\x1B[1;6C", -1},
	    {"\x1B[24~", -1},
	    {"\x1B[2~", -1},
	    {"\x1B[3;5~", -1},
	    {"\x1B[201~", -1},
	    {"\x1B[?1;2c", -1},
	    {"\x1B[<0;10;20M", -1},
	    {"\x1B[1 q", -1},
	    {"\x1B[Z", -1},
	    {"\x1B[9999999999~", -1},
	    {"\x1B[99999999999999999999~", -1},
	    {"\x1B[1;2;3;4;5;6;7;8;9;10;11;12;13C", -1},
	    {"\x1BOP", -1},
	};
	struct keymap *km = *state;
	struct rec r = {0};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rec_reset(&r);
		feed_str(km, &r, cases[i].seq);
		/* No parameter or final byte may come out as typing. */
		feed_char(km, &r, 'x');
		if (r.n != (cases[i].act < 0 ? 1u : 2u) ||
		    (cases[i].act >= 0 && (int)r.act[0].act != cases[i].act) ||
		    r.act[r.n - 1].act != KEYMAP_INSERT ||
		    r.act[r.n - 1].cp != 'x')
			fail_msg("case %zu: %zu actions, first %d", i, r.n,
			    (int)r.act[0].act);
		assert_false(keymap_waiting(km));
	}
	rec_reset(&r);
}

static void
test_sequence_broken(void **state)
{
	static const enum keymap_act ctrl_a[] = {KEYMAP_HOME, KEYMAP_INSERT};
	struct keymap *km = *state;
	struct rec r = {0};

	/* A control character cuts the sequence short and counts. */
	feed_str(km, &r, "\x1B[12\x01x");
	expect_acts(&r, ctrl_a, 2);
	rec_reset(&r);
	feed_str(km, &r, "\x1B[1");
	feed_key(km, &r, KEY_LEFT);
	expect_one(&r, KEYMAP_LEFT);
	rec_reset(&r);
	feed_str(km, &r, "\x1BO");
	feed_key(km, &r, KEY_RESIZE);
	expect_one(&r, KEYMAP_RESIZE);
	rec_reset(&r);
	/* A new ESC starts afresh. */
	feed_str(km, &r,
	    "\x1B[1\x1B"
	    "b");
	expect_one(&r, KEYMAP_WORD_LEFT);
	rec_reset(&r);

	/* Waiting mid-sequence; a flush keeps it, the timeout drops it. */
	feed_str(km, &r, "\x1B[1;");
	assert_true(keymap_waiting(km));
	rec_flush(km, &r);
	assert_true(keymap_waiting(km));
	feed_str(km, &r, "3C");
	expect_one(&r, KEYMAP_CHANNEL_NEXT);
	rec_reset(&r);
	feed_str(km, &r, "\x1B[1;");
	rec_timeout(km, &r);
	expect_none(&r);
	assert_false(keymap_waiting(km));
	feed_char(km, &r, 'x');
	expect_one(&r, KEYMAP_INSERT);
	rec_reset(&r);
}

#define PASTE_BEGIN "\x1B[200~"
#define PASTE_END   "\x1B[201~"

static void
test_paste_multiline(void **state)
{
	static const enum keymap_act acts[] = {
	    KEYMAP_PASTE_BEGIN, KEYMAP_PASTE_END, KEYMAP_INSERT};
	struct keymap *km = *state;
	struct rec r = {0};

	feed_str(km, &r, PASTE_BEGIN);
	expect_one(&r, KEYMAP_PASTE_BEGIN);
	assert_true(keymap_waiting(km));
	/* Line ends of every kind; keys inside are text, not actions. */
	feed_str(km, &r,
	    "line one\r\nline two\rthree\n\n\xE4\xB8\xAD\t\x03"
	    "end");
	expect_one(&r, KEYMAP_PASTE_BEGIN);
	feed_str(km, &r, PASTE_END "x");
	expect_acts(&r, acts, 3);
	assert_string_equal(r.paste,
	    "line one\nline two\nthree\n\n\xE4\xB8\xAD\t\x03"
	    "end");
	assert_int_equal(r.paste_len, strlen(r.paste));
	assert_false(r.truncated);
	assert_false(keymap_waiting(km));
	rec_reset(&r);

	/* An empty paste; a CR at the end. */
	feed_str(km, &r, PASTE_BEGIN PASTE_END);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.paste, "");
	rec_reset(&r);
	feed_str(km, &r, PASTE_BEGIN "a\r" PASTE_END);
	assert_string_equal(r.paste, "a\n");
	rec_reset(&r);
	/* A CR ending one paste does not eat an LF starting the next. */
	feed_str(km, &r, PASTE_BEGIN "\n" PASTE_END);
	assert_string_equal(r.paste, "\n");
	rec_reset(&r);
}

static void
test_paste_split(void **state)
{
	static const char body[] = "ab\r\n\xC3\xA9" PASTE_END;
	struct keymap *km = *state;
	struct rec r = {0};
	size_t cut, i;

	/* The rest of a paste split at every byte, a flush in between. */
	for (cut = 0; cut < sizeof(body) - 1; cut++) {
		/* Never inside a UTF-8 sequence: split code points. */
		if (cut > 0 && ((unsigned char)body[cut] & 0xC0) == 0x80)
			continue;
		rec_reset(&r);
		feed_str(km, &r, PASTE_BEGIN);
		feed_mem(km, &r, body, cut);
		for (i = 0; i < 3; i++)
			rec_flush(km, &r);
		assert_int_equal(r.n, 1);
		assert_true(keymap_waiting(km));
		feed_mem(km, &r, body + cut, sizeof(body) - 1 - cut);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.act[1].act, KEYMAP_PASTE_END);
		assert_string_equal(r.paste, "ab\n\xC3\xA9");
		assert_false(keymap_waiting(km));
	}
	rec_reset(&r);
}

static void
test_paste_lost_end(void **state)
{
	static const enum keymap_act acts[] = {
	    KEYMAP_PASTE_BEGIN, KEYMAP_PASTE_END, KEYMAP_SUBMIT};
	struct keymap *km = *state;
	struct rec r = {0};

	feed_str(km, &r, PASTE_BEGIN "abc");
	assert_true(keymap_waiting(km));
	rec_timeout(km, &r);
	assert_false(keymap_waiting(km));
	/* The keyboard works again: Enter submits. */
	feed_char(km, &r, '\r');
	expect_acts(&r, acts, 3);
	assert_string_equal(r.paste, "abc");
	rec_reset(&r);

	/* A marker cut short is dropped with the paste's end. */
	feed_str(km, &r, PASTE_BEGIN "abc\x1B[20");
	rec_timeout(km, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.paste, "abc");
	assert_false(keymap_waiting(km));
	rec_reset(&r);
}

static void
test_paste_esc_inside(void **state)
{
	static const char body[] = "a\x1B[31mb\x1Bxc\x1B[201xd\x1B[20~e\x1B\x1B"
	                           "f\x1B";
	struct keymap *km = *state;
	struct rec r = {0};

	feed_str(km, &r, PASTE_BEGIN);
	feed_str(km, &r, body);
	expect_one(&r, KEYMAP_PASTE_BEGIN);
	feed_str(km, &r, PASTE_END);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.paste, body);
	rec_reset(&r);

	/* A paste-begin inside a paste is text too. */
	feed_str(km, &r, PASTE_BEGIN "x" PASTE_BEGIN "y" PASTE_END);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.paste, "x" PASTE_BEGIN "y");
	rec_reset(&r);
}

static void
test_paste_keys_inside(void **state)
{
	static const enum keymap_act acts[] = {
	    KEYMAP_PASTE_BEGIN, KEYMAP_RESIZE, KEYMAP_PASTE_END};
	struct keymap *km = *state;
	struct rec r = {0};

	feed_str(km, &r, PASTE_BEGIN "a");
	feed_key(km, &r, KEY_UP);
	feed_key(km, &r, KEY_RESIZE);
	feed_key(km, &r, KEY_ENTER);
	feed_str(km, &r, "\x1B[");
	feed_key(km, &r, KEY_LEFT);
	feed_str(km, &r, "b" PASTE_END);
	expect_acts(&r, acts, 3);
	/* Keys are dropped, Enter is a line end, the held "ESC [" is text. */
	assert_string_equal(r.paste, "a\n\x1B[b");
	rec_reset(&r);
}

/* Pastes n 'a' then tail, and checks length and truncation. */
static void
paste_sized(struct keymap *km, size_t n, const char *tail, size_t want_len,
    int want_truncated)
{
	struct rec r = {0};
	size_t i;

	feed_str(km, &r, PASTE_BEGIN);
	for (i = 0; i < n; i++)
		feed_char(km, &r, 'a');
	feed_str(km, &r, tail);
	feed_str(km, &r, PASTE_END "z");
	assert_int_equal(r.n, 3);
	assert_int_equal(r.act[1].act, KEYMAP_PASTE_END);
	assert_int_equal(r.paste_len, want_len);
	assert_int_equal(strlen(r.paste), want_len);
	assert_int_equal(r.truncated, want_truncated);
	/* Only the end of the paste comes out; then typing again. */
	assert_int_equal(r.act[2].act, KEYMAP_INSERT);
	assert_int_equal(r.act[2].cp, 'z');
	rec_reset(&r);
}

static void
test_paste_limit(void **state)
{
	struct keymap *km = *state;

	paste_sized(km, KEYMAP_PASTE_MAX - 1, "", KEYMAP_PASTE_MAX - 1, 0);
	paste_sized(km, KEYMAP_PASTE_MAX, "", KEYMAP_PASTE_MAX, 0);
	paste_sized(km, KEYMAP_PASTE_MAX + 1, "", KEYMAP_PASTE_MAX, 1);
	paste_sized(km, KEYMAP_PASTE_MAX + 1000, "\r\n", KEYMAP_PASTE_MAX, 1);
	/* A code point that would straddle the limit is left out whole, */
	paste_sized(
	    km, KEYMAP_PASTE_MAX - 1, "\xC3\xA9", KEYMAP_PASTE_MAX - 1, 1);
	/* and nothing after it goes in, even if it would fit. */
	paste_sized(km, KEYMAP_PASTE_MAX - 1,
	    "\xC3\xA9"
	    "b",
	    KEYMAP_PASTE_MAX - 1, 1);
	paste_sized(km, KEYMAP_PASTE_MAX - 2, "\xC3\xA9", KEYMAP_PASTE_MAX, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ctrl_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_printable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alt_chars, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alt_digits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alt_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alt_row2, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_esc_then_other, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_escape_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sequences, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sequence_broken, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_multiline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_paste_split, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_lost_end, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_esc_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_keys_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_paste_limit, setup, teardown),
	};

	return cmocka_run_group_tests_name("keymap", tests, NULL, NULL);
}

/* test_editor.c: tests for the input line editor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "editor.h"
#include "width.h"

/* Two-column code points: U+4E2D U+6587 (CJK), U+1F600 (emoji). */
#define ZH    "\xE4\xB8\xAD"
#define WEN   "\xE6\x96\x87"
#define SMILE "\xF0\x9F\x98\x80"

static int
setup(void **state)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return -1;
	*state = editor_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	editor_free(*state);
	return 0;
}

/* Replaces the line with s and puts the cursor at code point index at. */
static void
set_line(struct editor *ed, const char *s, size_t at)
{
	editor_clear(ed);
	assert_int_equal(editor_insert_utf8(ed, s, strlen(s)), EDITOR_OK);
	editor_home(ed);
	while (at-- > 0)
		editor_right(ed);
}

/* Checks the line's text and cursor. */
static void
expect(struct editor *ed, const char *s, size_t cursor)
{
	char buf[EDITOR_UTF8_MAX];

	editor_text_utf8(ed, buf, sizeof(buf));
	assert_string_equal(buf, s);
	assert_int_equal(editor_cursor(ed), cursor);
}

static void
test_new_free(void **state)
{
	struct editor *ed = *state;

	editor_free(NULL);
	expect(ed, "", 0);
	assert_int_equal(editor_len(ed), 0);
	assert_int_equal(editor_history_count(ed), 0);
}

static void
test_insert(void **state)
{
	struct editor *ed = *state;

	assert_int_equal(editor_insert(ed, 'b'), EDITOR_OK);
	editor_home(ed);
	assert_int_equal(editor_insert(ed, 'a'), EDITOR_OK);
	editor_end(ed);
	assert_int_equal(editor_insert(ed, 0x4E2D), EDITOR_OK);
	expect(ed, "ab" ZH, 3);
	assert_int_equal(editor_len(ed), 3);
	assert_int_equal(editor_text(ed)[2], 0x4E2D);
}

static void
test_insert_refused(void **state)
{
	static const uint32_t bad[] = {0x00, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x7F,
	    0x80, 0x9F, 0x202A, 0x202E, 0x2066, 0x2069, 0x2028, 0x2029, 0xD800,
	    0xDFFF, 0x110000, 0xFFFFFFFF};
	static const uint32_t good[] = {
	    0x20, 0x7E, 0xA0, 0x0301, 0x2027, 0x202F, 0xFFFD, 0x10FFFF};
	struct editor *ed = *state;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (editor_insert(ed, bad[i]) != EDITOR_E_CHAR)
			fail_msg("U+%04X accepted", (unsigned)bad[i]);
	assert_int_equal(editor_len(ed), 0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (editor_insert(ed, good[i]) != EDITOR_OK)
			fail_msg("U+%04X refused", (unsigned)good[i]);
	assert_int_equal(editor_len(ed), sizeof(good) / sizeof(good[0]));
}

static void
test_insert_utf8(void **state)
{
	static const char paste[] = "a\tb\nc\r\x1B[1m\xC2\x85"
	                            "d\xFF\xE2\x80\xAE"
	                            "e" ZH "\xE4\xB8";
	struct editor *ed = *state;

	set_line(ed, "xy", 1);
	/* Controls, C1 NEL, invalid bytes and U+202E are dropped. */
	assert_int_equal(
	    editor_insert_utf8(ed, paste, sizeof(paste) - 1), EDITOR_OK);
	expect(ed, "xabc[1mde" ZH "y", 10);
	assert_int_equal(editor_insert_utf8(ed, "", 0), EDITOR_OK);
	expect(ed, "xabc[1mde" ZH "y", 10);
}

/* Fills the line with n copies of 'a'. */
static void
fill(struct editor *ed, size_t n)
{
	size_t i;

	editor_clear(ed);
	for (i = 0; i < n; i++)
		assert_int_equal(editor_insert(ed, 'a'), EDITOR_OK);
}

static void
test_capacity(void **state)
{
	struct editor *ed = *state;

	fill(ed, EDITOR_MAX - 1);
	assert_int_equal(editor_insert(ed, 'b'), EDITOR_OK); /* N */
	assert_int_equal(editor_len(ed), EDITOR_MAX);
	assert_int_equal(editor_insert(ed, 'c'), EDITOR_E_FULL); /* N+1 */
	assert_int_equal(editor_len(ed), EDITOR_MAX);
	assert_int_equal(editor_text(ed)[EDITOR_MAX - 1], 'b');
	assert_int_equal(editor_cursor(ed), EDITOR_MAX);
	/* A refused code point is refused as such even when full. */
	assert_int_equal(editor_insert(ed, 0x07), EDITOR_E_CHAR);
	assert_int_equal(editor_insert_utf8(ed, "d", 1), EDITOR_E_FULL);
	assert_int_equal(editor_len(ed), EDITOR_MAX);
	/* Dropped code points do not count against the space left. */
	assert_int_equal(editor_insert_utf8(ed, "\n\x01", 2), EDITOR_OK);
}

static void
test_capacity_utf8(void **state)
{
	struct editor *ed = *state;

	/* Room for two of three: nothing goes in, nothing is cut. */
	fill(ed, EDITOR_MAX - 2);
	editor_home(ed);
	assert_int_equal(editor_insert_utf8(ed, "x" ZH "z", 5), EDITOR_E_FULL);
	assert_int_equal(editor_len(ed), EDITOR_MAX - 2);
	assert_int_equal(editor_cursor(ed), 0);
	assert_int_equal(editor_text(ed)[0], 'a');
	/* Exactly the room left. */
	fill(ed, EDITOR_MAX - 3);
	assert_int_equal(editor_insert_utf8(ed, "x" ZH "z", 5), EDITOR_OK);
	assert_int_equal(editor_len(ed), EDITOR_MAX);
}

static void
test_motion_edges(void **state)
{
	struct editor *ed = *state;

	/* Empty line: nothing moves anywhere. */
	editor_left(ed);
	editor_right(ed);
	editor_home(ed);
	editor_end(ed);
	editor_word_left(ed);
	editor_word_right(ed);
	expect(ed, "", 0);

	set_line(ed, "ab", 0);
	editor_left(ed);
	expect(ed, "ab", 0);
	editor_right(ed);
	expect(ed, "ab", 1);
	editor_end(ed);
	expect(ed, "ab", 2);
	editor_right(ed);
	expect(ed, "ab", 2);
	editor_home(ed);
	expect(ed, "ab", 0);
}

struct word_case {
	size_t from;
	size_t left;
	size_t right;
};

static void
test_word_motion(void **state)
{
	/* "  foo-bar  " ZH WEN " 42." : indices of code points. */
	static const char line[] = "  foo-bar  " ZH WEN " 42.";
	static const struct word_case cases[] = {
	    {0, 0, 5},
	    {1, 0, 5},
	    {2, 0, 5},
	    {3, 2, 5},
	    {5, 2, 9},
	    {6, 2, 9},
	    {9, 6, 13},
	    {11, 6, 13},
	    {13, 11, 16},
	    {15, 14, 16},
	    {16, 14, 17},
	    {17, 14, 17},
	};
	struct editor *ed = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_line(ed, line, cases[i].from);
		editor_word_left(ed);
		if (editor_cursor(ed) != cases[i].left)
			fail_msg("from %zu: left to %zu, want %zu",
			    cases[i].from, editor_cursor(ed), cases[i].left);
		set_line(ed, line, cases[i].from);
		editor_word_right(ed);
		if (editor_cursor(ed) != cases[i].right)
			fail_msg("from %zu: right to %zu, want %zu",
			    cases[i].from, editor_cursor(ed), cases[i].right);
	}
}

static void
test_delete_backspace(void **state)
{
	struct editor *ed = *state;

	editor_delete(ed);
	editor_backspace(ed);
	expect(ed, "", 0);

	set_line(ed, "a" ZH "c", 0);
	editor_backspace(ed);
	expect(ed, "a" ZH "c", 0);
	editor_delete(ed);
	expect(ed, ZH "c", 0);
	editor_end(ed);
	editor_delete(ed);
	expect(ed, ZH "c", 2);
	editor_backspace(ed);
	expect(ed, ZH, 1);
	editor_backspace(ed);
	expect(ed, "", 0);
	set_line(ed, "abc", 1);
	editor_delete(ed);
	expect(ed, "ac", 1);
}

struct kill_case {
	const char *line;
	size_t at;
	void (*op)(struct editor *);
	const char *after;
	size_t cursor;
	const char *killed;
};

static const struct kill_case kill_cases[] = {
    /* Ctrl-W: whitespace-delimited, trailing spaces go too. */
    {"foo bar-baz  ", 13, editor_kill_rubout, "foo ", 4, "bar-baz  "},
    {"foo bar", 5, editor_kill_rubout, "foo ar", 4, "b"},
    {"foo", 0, editor_kill_rubout, "foo", 0, ""},
    {"  ", 2, editor_kill_rubout, "", 0, "  "},
    /* Alt-Backspace: letters and digits. */
    {"foo bar-baz", 11, editor_kill_word_back, "foo bar-", 8, "baz"},
    {"foo bar-", 8, editor_kill_word_back, "foo ", 4, "bar-"},
    {"", 0, editor_kill_word_back, "", 0, ""},
    /* Alt-D. */
    {"foo bar-baz", 3, editor_kill_word_forward, "foo-baz", 3, " bar"},
    {"foo bar", 1, editor_kill_word_forward, "f bar", 1, "oo"},
    {"foo", 3, editor_kill_word_forward, "foo", 3, ""},
    /* Ctrl-K, Ctrl-U. */
    {"a" ZH "c", 1, editor_kill_to_end, "a", 1, ZH "c"},
    {"abc", 3, editor_kill_to_end, "abc", 3, ""},
    {"a" ZH "c", 2, editor_kill_to_start, "c", 0, "a" ZH},
    {"abc", 0, editor_kill_to_start, "abc", 0, ""},
};

static void
test_kills(void **state)
{
	struct editor *ed = *state;
	const struct kill_case *c;
	char buf[EDITOR_UTF8_MAX];
	size_t i;

	for (i = 0; i < sizeof(kill_cases) / sizeof(kill_cases[0]); i++) {
		c = &kill_cases[i];
		/* Start each case with a known kill buffer. */
		set_line(ed, "#", 1);
		editor_kill_to_start(ed);
		set_line(ed, c->line, c->at);
		c->op(ed);
		editor_text_utf8(ed, buf, sizeof(buf));
		if (strcmp(buf, c->after) != 0 ||
		    editor_cursor(ed) != c->cursor)
			fail_msg("case %zu: \"%s\" at %zu", i, buf,
			    editor_cursor(ed));
		/* What was killed comes back with a yank at the start. */
		editor_clear(ed);
		assert_int_equal(editor_yank(ed), EDITOR_OK);
		editor_text_utf8(ed, buf, sizeof(buf));
		if (strcmp(buf, *c->killed ? c->killed : "#") != 0)
			fail_msg("case %zu: killed \"%s\"", i, buf);
	}
}

static void
test_kill_append(void **state)
{
	struct editor *ed = *state;

	/* Backward kills in a row go in front of each other. */
	set_line(ed, "one two three", 13);
	editor_kill_rubout(ed);
	editor_kill_rubout(ed);
	expect(ed, "one ", 4);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	expect(ed, "one two three", 13);

	/* Forward kills in a row go behind. */
	set_line(ed, "one two three", 3);
	editor_kill_word_forward(ed);
	editor_kill_word_forward(ed);
	expect(ed, "one", 3);
	editor_home(ed);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	expect(ed, " two threeone", 10);

	/* Both directions around the cursor. */
	set_line(ed, "abcdef", 3);
	editor_kill_to_end(ed);
	editor_kill_to_start(ed);
	expect(ed, "", 0);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	expect(ed, "abcdef", 6);

	/* A motion in between starts a new kill. */
	set_line(ed, "one two three", 13);
	editor_kill_rubout(ed);
	editor_left(ed);
	editor_right(ed);
	editor_kill_rubout(ed);
	expect(ed, "one ", 4);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	expect(ed, "one two ", 8);
	/* So does a yank: the next kill replaces the buffer. */
	editor_kill_rubout(ed);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	expect(ed, "one two ", 8);
	/* An empty kill does not empty the buffer. */
	editor_kill_to_end(ed);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	expect(ed, "one two two ", 12);
}

static void
test_yank_full(void **state)
{
	struct editor *ed = *state;

	set_line(ed, "xyz", 3);
	editor_kill_to_start(ed);
	/* Room for exactly the three: N. */
	fill(ed, EDITOR_MAX - 3);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	assert_int_equal(editor_len(ed), EDITOR_MAX);
	/* Room for two of three: nothing goes in. */
	fill(ed, EDITOR_MAX - 2);
	assert_int_equal(editor_yank(ed), EDITOR_E_FULL);
	assert_int_equal(editor_len(ed), EDITOR_MAX - 2);
	/* Killing and yanking a whole full line gives it back. */
	fill(ed, EDITOR_MAX);
	editor_kill_to_start(ed);
	assert_int_equal(editor_len(ed), 0);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	assert_int_equal(editor_len(ed), EDITOR_MAX);
}

struct transpose_case {
	const char *line;
	size_t at;
	const char *after;
	size_t cursor;
};

static void
test_transpose(void **state)
{
	static const struct transpose_case cases[] = {
	    {"", 0, "", 0},
	    {"a", 0, "a", 0},
	    {"a", 1, "a", 1},
	    {"ab", 0, "ab", 0},
	    {"ab", 1, "ba", 2},
	    {"ab", 2, "ba", 2},
	    {"abc", 1, "bac", 2},
	    {"abc", 2, "acb", 3},
	    {"abc", 3, "acb", 3},
	    {"a" ZH, 2, ZH "a", 2},
	};
	struct editor *ed = *state;
	char buf[EDITOR_UTF8_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_line(ed, cases[i].line, cases[i].at);
		editor_transpose(ed);
		editor_text_utf8(ed, buf, sizeof(buf));
		if (strcmp(buf, cases[i].after) != 0 ||
		    editor_cursor(ed) != cases[i].cursor)
			fail_msg("case %zu: \"%s\" at %zu", i, buf,
			    editor_cursor(ed));
	}
	/* Repeated at the end it keeps swapping the same two. */
	set_line(ed, "abc", 3);
	editor_transpose(ed);
	editor_transpose(ed);
	expect(ed, "abc", 3);
}

static void
test_clear(void **state)
{
	struct editor *ed = *state;

	set_line(ed, "abc", 1);
	editor_kill_to_end(ed);
	editor_clear(ed);
	expect(ed, "", 0);
	assert_int_equal(editor_yank(ed), EDITOR_OK);
	expect(ed, "bc", 2);
}

static void
test_replace(void **state)
{
	struct editor *ed = *state;

	set_line(ed, "hi al there", 5);
	assert_int_equal(editor_replace_utf8(ed, 3, 5, "alice", 5), EDITOR_OK);
	expect(ed, "hi alice there", 8);
	/* Clamped range; refused code points dropped. */
	assert_int_equal(editor_replace_utf8(ed, 20, 30, "!\n", 2), EDITOR_OK);
	expect(ed, "hi alice there!", 15);
	assert_int_equal(editor_replace_utf8(ed, 0, 0, "", 0), EDITOR_OK);
	expect(ed, "hi alice there!", 0);
	/* N fits, N+1 does not and changes nothing. */
	fill(ed, EDITOR_MAX - 2);
	assert_int_equal(editor_replace_utf8(ed, 0, 1, "xyz", 3), EDITOR_OK);
	assert_int_equal(editor_len(ed), EDITOR_MAX);
	assert_int_equal(editor_replace_utf8(ed, 0, 1, "xy", 2), EDITOR_E_FULL);
	assert_int_equal(editor_text(ed)[1], 'y');
	assert_int_equal(editor_cursor(ed), 3);
}

static void
test_text_utf8(void **state)
{
	struct editor *ed = *state;
	char buf[16];

	set_line(ed, "a" ZH SMILE, 0);
	assert_int_equal(editor_text_utf8(ed, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "a" ZH SMILE);
	/* A short buffer gets whole code points only. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(editor_text_utf8(ed, buf, 1), 0);
	assert_string_equal(buf, "");
	assert_int_equal(editor_text_utf8(ed, buf, 4), 1);
	assert_string_equal(buf, "a");
	assert_int_equal(editor_text_utf8(ed, buf, 5), 4);
	assert_string_equal(buf, "a" ZH);
	assert_int_equal(editor_text_utf8(ed, buf, 8), 4);
	assert_int_equal(editor_text_utf8(ed, buf, 9), 8);
}

static void
test_utf8_len_limit(void **state)
{
	/* Bytes 1, 2, 3, 4: cumulative 1, 3, 6, 10. */
	static const size_t limit_index[] = {
	    0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4};
	struct editor *ed = *state;
	size_t i;

	assert_int_equal(editor_utf8_len(ed), 0);
	assert_int_equal(editor_limit_index(ed, 0, 0), 0);
	set_line(ed, "a\xC3\xA9" ZH SMILE, 0);
	assert_int_equal(editor_utf8_len(ed), 10);
	for (i = 0; i < sizeof(limit_index) / sizeof(limit_index[0]); i++)
		if (editor_limit_index(ed, 0, i) != limit_index[i])
			fail_msg("limit %zu: %zu, want %zu", i,
			    editor_limit_index(ed, 0, i), limit_index[i]);
	/* Counted from a later code point: "/me " is not sent as text. */
	set_line(ed, "/me " ZH ZH "a", 0);
	assert_int_equal(editor_limit_index(ed, 4, 6), 6);
	assert_int_equal(editor_limit_index(ed, 4, 5), 5);
	assert_int_equal(editor_limit_index(ed, 4, 7), 7);
	assert_int_equal(editor_limit_index(ed, 7, 0), 7);
	fill(ed, EDITOR_MAX);
	assert_int_equal(editor_utf8_len(ed), EDITOR_MAX);
}

/* Types s and submits it; returns the submitted bytes. */
static size_t
submit(struct editor *ed, const char *s, char *buf, size_t size)
{
	editor_clear(ed);
	assert_int_equal(editor_insert_utf8(ed, s, strlen(s)), EDITOR_OK);
	return editor_submit(ed, buf, size);
}

static void
test_history(void **state)
{
	struct editor *ed = *state;
	char buf[EDITOR_UTF8_MAX];

	assert_int_equal(editor_history_prev(ed), 0);
	assert_int_equal(editor_history_next(ed), 0);
	assert_int_equal(submit(ed, "one", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "one");
	expect(ed, "", 0);
	assert_int_equal(submit(ed, "", buf, sizeof(buf)), 0);
	assert_int_equal(submit(ed, "two", buf, sizeof(buf)), 3);
	assert_int_equal(submit(ed, "two", buf, sizeof(buf)), 3);
	assert_int_equal(submit(ed, "three", buf, sizeof(buf)), 5);
	assert_int_equal(submit(ed, "two", buf, sizeof(buf)), 3);
	/* Empty and repeated lines were not added. */
	assert_int_equal(editor_history_count(ed), 4);

	/* Up saves the line being typed; Down gets it back. */
	set_line(ed, "draft", 2);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "two", 3);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "three", 5);
	/* An edited entry keeps its edit when left and found again, until
	 * Enter; the history itself does not change. */
	editor_insert(ed, '!');
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "two", 3);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "one", 3);
	assert_int_equal(editor_history_prev(ed), 0);
	expect(ed, "one", 3);
	assert_int_equal(editor_history_next(ed), 1);
	assert_int_equal(editor_history_next(ed), 1);
	expect(ed, "three!", 6);
	assert_int_equal(editor_history_next(ed), 1);
	expect(ed, "two", 3);
	assert_int_equal(editor_history_next(ed), 1);
	expect(ed, "draft", 5);
	assert_int_equal(editor_history_next(ed), 0);
	expect(ed, "draft", 5);

	/* Going up again saves the line as it is now. */
	editor_insert(ed, 'y');
	assert_int_equal(editor_history_prev(ed), 1);
	assert_int_equal(editor_history_next(ed), 1);
	expect(ed, "drafty", 6);

	/* Submitting a recalled entry adds it as the newest; the edit made
	 * to another one is dropped, and that one is as it was. */
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "two", 3);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "three!", 6);
	editor_backspace(ed);
	assert_int_equal(editor_submit(ed, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "three");
	/* The line being typed went into the history too, one older. */
	assert_int_equal(editor_history_count(ed), 6);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "three", 5);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "drafty", 6);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "two", 3);
	assert_int_equal(editor_history_next(ed), 1);
	assert_int_equal(editor_history_next(ed), 1);
	assert_int_equal(editor_history_next(ed), 1);
	/* And leaves the editor on a fresh empty line. */
	assert_int_equal(editor_history_next(ed), 0);
	expect(ed, "", 0);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "three", 5);
	assert_int_equal(editor_history_next(ed), 1);
	expect(ed, "", 0);
}

/*
 * Sending a recalled entry never loses the line that was being typed:
 * it is in the history, one older than what was sent.  An empty one is
 * not added, and neither is one sent from the line being typed itself.
 */
static void
test_history_keeps_the_draft(void **state)
{
	struct editor *ed = *state;
	char buf[64];

	set_line(ed, "old message", 11);
	(void)editor_submit(ed, buf, sizeof(buf));
	set_line(ed, "half-written draft", 18);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "old message", 11);
	(void)editor_submit(ed, buf, sizeof(buf));
	assert_string_equal(buf, "old message");
	assert_int_equal(editor_history_count(ed), 3);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "old message", 11);
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "half-written draft", 18);
	/* Recalled from an empty line: nothing more is added. */
	assert_int_equal(editor_history_next(ed), 1);
	assert_int_equal(editor_history_next(ed), 1);
	expect(ed, "", 0);
	assert_int_equal(editor_history_prev(ed), 1);
	(void)editor_submit(ed, buf, sizeof(buf));
	assert_int_equal(editor_history_count(ed), 3);
}

/*
 * A pasted line much longer than the server's line goes in whole (it
 * was cut at 4096 code points); one that does not fit changes nothing.
 */
static void
test_long_paste_goes_in_whole(void **state)
{
	struct editor *ed = *state;
	static char big[10000 + 1], out[EDITOR_UTF8_MAX];
	size_t i;

	for (i = 0; i < 10000; i++)
		big[i] = (char)('0' + i % 10);
	editor_clear(ed);
	editor_insert(ed, '<');
	assert_int_equal(editor_insert_utf8(ed, big, 10000), EDITOR_OK);
	assert_int_equal(editor_len(ed), 10001);
	assert_int_equal(editor_text_utf8(ed, out, sizeof(out)), 10001);
	assert_memory_equal(out + 1, big, 10000);
	/* The limit is far above a message: 16 times the protocol line. */
	assert_true(EDITOR_MAX >= 16 * 4096);
	/* Room for 9999 more: a paste of 10,000 is refused, the line kept. */
	fill(ed, EDITOR_MAX - 9999);
	editor_home(ed);
	assert_int_equal(editor_insert_utf8(ed, big, 10000), EDITOR_E_FULL);
	assert_int_equal(editor_len(ed), EDITOR_MAX - 9999);
	assert_int_equal(editor_cursor(ed), 0);
	assert_int_equal(editor_text(ed)[0], 'a');
	assert_int_equal(editor_insert_utf8(ed, big, 9999), EDITOR_OK);
	assert_int_equal(editor_len(ed), EDITOR_MAX);
}

static void
test_history_ring(void **state)
{
	struct editor *ed = *state;
	char buf[EDITOR_UTF8_MAX], want[16];
	size_t i, n;

	for (i = 0; i < EDITOR_HISTORY_MAX + 5; i++) {
		snprintf(want, sizeof(want), "line %zu", i);
		submit(ed, want, buf, sizeof(buf));
		n = i + 1 < EDITOR_HISTORY_MAX ? i + 1 : EDITOR_HISTORY_MAX;
		assert_int_equal(editor_history_count(ed), n);
	}
	/* The oldest five were dropped; the newest is first up. */
	for (i = 0; i < EDITOR_HISTORY_MAX; i++) {
		assert_int_equal(editor_history_prev(ed), 1);
		snprintf(
		    want, sizeof(want), "line %zu", EDITOR_HISTORY_MAX + 4 - i);
		editor_text_utf8(ed, buf, sizeof(buf));
		assert_string_equal(buf, want);
	}
	assert_int_equal(editor_history_prev(ed), 0);
	expect(ed, "line 5", 6);
}

static void
test_submit_short_buffer(void **state)
{
	struct editor *ed = *state;
	char buf[3];

	/* The caller's short buffer does not shorten the history entry. */
	assert_int_equal(submit(ed, "abcdef", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(editor_history_prev(ed), 1);
	expect(ed, "abcdef", 6);
}

/* Columns of the code points [from, to) of the line. */
static size_t
cols(struct editor *ed, size_t from, size_t to)
{
	size_t n = 0;

	while (from < to)
		n += (size_t)width_cp(editor_text(ed)[from++]);
	return n;
}

/*
 * Checks what every view must satisfy: the cursor and the code point under
 * it visible, [first, end) exactly what fits, the cursor column right.
 */
static void
check_view(struct editor *ed, int width, const struct editor_view *v)
{
	size_t cur = editor_cursor(ed), len = editor_len(ed), cell = 1;

	if (cur < len && width_cp(editor_text(ed)[cur]) == 2 && width >= 2)
		cell = 2;
	if (v->first > cur || v->end < cur || v->end > len)
		fail_msg("width %d cursor %zu: view [%zu, %zu)", width, cur,
		    v->first, v->end);
	if ((size_t)v->cursor_col != cols(ed, v->first, cur))
		fail_msg("width %d cursor %zu: column %d", width, cur,
		    v->cursor_col);
	if ((size_t)v->cursor_col + cell > (size_t)width)
		fail_msg("width %d cursor %zu: column %d hidden", width, cur,
		    v->cursor_col);
	if (cols(ed, v->first, v->end) > (size_t)width)
		fail_msg(
		    "width %d: [%zu, %zu) too wide", width, v->first, v->end);
	if (v->end < len && cols(ed, v->first, v->end + 1) <= (size_t)width)
		fail_msg("width %d: [%zu, %zu) leaves out one that fits", width,
		    v->first, v->end);
}

/*
 * Walks the cursor right across the line and back, checking every view,
 * and that the view scrolls only when the cursor would leave it.
 */
static void
walk_view(struct editor *ed, int width)
{
	struct editor_view v, prev;
	size_t i, len = editor_len(ed), cell;
	int dir;

	editor_home(ed);
	editor_view(ed, width, &prev);
	check_view(ed, width, &prev);
	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < len; i++) {
			if (dir == 0)
				editor_right(ed);
			else
				editor_left(ed);
			editor_view(ed, width, &v);
			check_view(ed, width, &v);
			cell = 1;
			if (editor_cursor(ed) < len &&
			    width_cp(editor_text(ed)[editor_cursor(ed)]) == 2 &&
			    width >= 2)
				cell = 2;
			/* Still inside the old view: no scrolling. */
			if (editor_cursor(ed) >= prev.first &&
			    cols(ed, prev.first, editor_cursor(ed)) + cell <=
			        (size_t)width &&
			    v.first != prev.first)
				fail_msg("width %d cursor %zu: scrolled %zu to "
				         "%zu",
				    width, editor_cursor(ed), prev.first,
				    v.first);
			prev = v;
		}
	}
}

static void
test_view_widths(void **state)
{
	static const char *lines[] = {
	    ("ab" ZH "c" WEN WEN "de" ZH ZH "f" SMILE "g"),
	    (ZH WEN ZH WEN ZH WEN ZH),
	    "abcdefghijklmnop",
	    ("a" ZH),
	};
	struct editor *ed = *state;
	size_t l;
	int width;

	for (l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
		for (width = 1; width <= 10; width++) {
			set_line(ed, lines[l], 0);
			walk_view(ed, width);
		}
	}
}

static void
test_view_examples(void **state)
{
	struct editor *ed = *state;
	struct editor_view v;

	/* Everything fits, with the cursor cell at the end. */
	set_line(ed, "a" ZH "b", 3);
	editor_view(ed, 5, &v);
	assert_int_equal(v.first, 0);
	assert_int_equal(v.end, 3);
	assert_int_equal(v.cursor_col, 4);
	/* One column less: the view starts after 'a'. */
	editor_view(ed, 4, &v);
	assert_int_equal(v.first, 1);
	assert_int_equal(v.end, 3);
	assert_int_equal(v.cursor_col, 3);
	/* Three columns: never half of the CJK character. */
	editor_view(ed, 3, &v);
	assert_int_equal(v.first, 2);
	assert_int_equal(v.cursor_col, 1);
	/* Back home scrolls to the start; the wide one is cut whole. */
	editor_home(ed);
	editor_view(ed, 2, &v);
	assert_int_equal(v.first, 0);
	assert_int_equal(v.end, 1);
	assert_int_equal(v.cursor_col, 0);
	/* On the wide one at width 2: it is shown whole. */
	editor_right(ed);
	editor_view(ed, 2, &v);
	assert_int_equal(v.first, 1);
	assert_int_equal(v.end, 2);
	assert_int_equal(v.cursor_col, 0);
	/* At width 1 it cannot be: the cursor shows on an empty field. */
	editor_view(ed, 1, &v);
	assert_int_equal(v.first, 1);
	assert_int_equal(v.end, 1);
	assert_int_equal(v.cursor_col, 0);
	/* A width below 1 is taken as 1. */
	editor_view(ed, 0, &v);
	assert_int_equal(v.cursor_col, 0);
	/* Empty line. */
	editor_clear(ed);
	editor_view(ed, 1, &v);
	assert_int_equal(v.first, 0);
	assert_int_equal(v.end, 0);
	assert_int_equal(v.cursor_col, 0);
}

static void
test_view_fill(void **state)
{
	struct editor *ed = *state;
	struct editor_view v;

	/* Typing past the edge scrolls; erasing from the end scrolls back. */
	set_line(ed, "abcdefghij", 10);
	editor_view(ed, 5, &v);
	assert_int_equal(v.first, 6);
	assert_int_equal(v.cursor_col, 4);
	editor_backspace(ed);
	editor_backspace(ed);
	editor_view(ed, 5, &v);
	assert_int_equal(v.first, 4);
	assert_int_equal(v.cursor_col, 4);
	/* Killing the line's end brings the whole rest back. */
	editor_home(ed);
	editor_right(ed);
	editor_right(ed);
	editor_view(ed, 5, &v);
	assert_int_equal(v.first, 2);
	editor_kill_to_end(ed);
	editor_view(ed, 5, &v);
	assert_int_equal(v.first, 0);
	assert_int_equal(v.cursor_col, 2);
}

static void
test_view_combining(void **state)
{
	struct editor *ed = *state;
	struct editor_view v;

	/* "abe" U+0301 "f": the mark never starts the view alone. */
	set_line(ed,
	    "abe\xCC\x81"
	    "fgh",
	    7);
	editor_view(ed, 4, &v);
	assert_int_equal(v.first, 4);
	assert_int_equal(v.cursor_col, 3);
	editor_view(ed, 5, &v);
	assert_int_equal(v.first, 2);
	assert_int_equal(v.cursor_col, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_new_free, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_insert, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_insert_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_insert_utf8, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_capacity, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_capacity_utf8, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_motion_edges, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_word_motion, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_delete_backspace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kills, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kill_append, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_yank_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transpose, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_text_utf8, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_utf8_len_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_history_keeps_the_draft, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_long_paste_goes_in_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_submit_short_buffer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_view_widths, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_view_examples, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_view_fill, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_view_combining, setup, teardown),
	};

	return cmocka_run_group_tests_name("editor", tests, NULL, NULL);
}

/* test_layout.c: rows of scrollback lines and scrolling by rows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <locale.h>
#include <limits.h>
#include <string.h>

#include "layout.h"
#include "model.h"
#include "width.h"

static struct model *
model_with_lines(size_t n, const char *text)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *w = model_win_at(m, 0);
	size_t i;

	assert_non_null(m);
	for (i = 0; i < n; i++)
		assert_int_equal(model_add(m, w, 0, MODEL_LINE_MSG, 0, "bob", 3,
		                     text, strlen(text)),
		    0);
	return m;
}

static void
test_line_parts(void **state)
{
	struct model_line l = {0};
	struct layout_line ll;
	char body[LAYOUT_BODY_MAX];

	(void)state;
	l.kind = MODEL_LINE_MSG;
	l.sender = "bob";
	l.sender_len = 3;
	l.text = "hi";
	l.text_len = 2;
	layout_line(&l, 80, body, &ll);
	assert_true(ll.show_time);
	/* "HH:MM " then the name right-aligned in 12 columns, a space, the
	 * text. */
	assert_int_equal(ll.name_col, 6 + 12 - 3);
	assert_int_equal(ll.text_col, 6 + 12 + 1);
	assert_int_equal(ll.indent, ll.text_col);
	assert_memory_equal(ll.body, "hi", 2);

	/* A long name pushes the text right. */
	l.sender = "a_rather_long_name";
	l.sender_len = strlen(l.sender);
	layout_line(&l, 80, body, &ll);
	assert_int_equal(ll.name_col, 6);
	assert_int_equal(ll.text_col, 6 + (int)l.sender_len + 1);
	assert_false(ll.mark_cut);

	/* Past the middle of the pane it is cut, with a '+' after it. */
	l.sender = "a_name_of_thirty_two_characters_";
	l.sender_len = strlen(l.sender);
	layout_line(&l, 62, body, &ll);
	assert_true(ll.mark_cut);
	assert_int_equal(ll.mark_len, 23);
	assert_int_equal(ll.name_col, 6);
	assert_int_equal(ll.text_col, 31);
	layout_line(&l, 100, body, &ll);
	assert_false(ll.mark_cut);
	assert_int_equal(ll.mark_len, 32);
	/* Below LAYOUT_WIDE the name column is 8 and names are cut to it. */
	layout_line(&l, 45, body, &ll);
	assert_true(ll.mark_cut);
	assert_int_equal(ll.mark_len, 7);
	assert_int_equal(ll.name_col, 6);
	assert_int_equal(ll.text_col, 15);

	/* Narrow: no time, the name right-aligned in its column of 8. */
	l.sender = "bob";
	l.sender_len = 3;
	layout_line(&l, LAYOUT_NARROW - 1, body, &ll);
	assert_false(ll.show_time);
	assert_int_equal(ll.name_col, 5);
	assert_int_equal(ll.text_col, 9);

	/* An action's body is "sender text" and its mark is "*". */
	l.kind = MODEL_LINE_ACT;
	layout_line(&l, 80, body, &ll);
	assert_int_equal(ll.mark_len, 1);
	assert_memory_equal(ll.mark, "*", 1);
	assert_int_equal(ll.body_len, 6);
	assert_memory_equal(ll.body, "bob hi", 6);
}

static void
test_indent_keeps_half_the_pane(void **state)
{
	struct model_line l = {0};
	struct layout_line ll;
	char body[LAYOUT_BODY_MAX];

	(void)state;
	l.kind = MODEL_LINE_MSG;
	l.sender = "a_name_of_exactly_thirty_two_byt";
	l.sender_len = 32;
	l.text = "x";
	l.text_len = 1;
	layout_line(&l, 64, body, &ll);
	assert_int_equal(ll.text_col, 32);
	assert_int_equal(ll.indent, 32);
}

/* Where the text of a line from sender starts in a pane of width. */
static int
text_col(const char *sender, enum model_line_kind kind, int width)
{
	struct model_line l = {0};
	struct layout_line ll;
	char body[LAYOUT_BODY_MAX];

	l.kind = kind;
	l.sender = sender;
	l.sender_len = strlen(sender);
	l.text = "hi";
	l.text_len = 2;
	layout_line(&l, width, body, &ll);
	assert_true(ll.text_col < width || width < 4);
	return ll.text_col;
}

/*
 * The screen at 40, 60 and 80 columns: the window list and the name
 * column make room for the text (at 60 columns it had 21 of them).
 */
static void
test_screen_widths(void **state)
{
	static const struct {
		int cols, list, pane, text;
	} cases[] = {
	    {100, 20, 80, 80 - 19},
	    {80, 20, 60, 60 - 19},
	    {79, 14, 65, 65 - 19},
	    {60, 14, 46, 46 - 15},
	    {59, 0, 59, 59 - 15},
	    {40, 0, 40, 40 - 15},
	    {39, 0, 39, 39 - 9},
	    {20, 0, 20, 20 - 6},
	};
	struct layout_screen scr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		layout_screen(cases[i].cols, &scr);
		assert_int_equal(scr.list_cols, cases[i].list);
		assert_int_equal(scr.pane_left, cases[i].list);
		assert_int_equal(scr.pane_width, cases[i].pane);
		assert_int_equal(scr.pane_width -
		        text_col("bob", MODEL_LINE_MSG, scr.pane_width),
		    cases[i].text);
	}
	/* At 60 columns the text has at least half the terminal. */
	layout_screen(60, &scr);
	assert_true(scr.pane_width -
	        text_col("a_long_name_here", MODEL_LINE_MSG, scr.pane_width) >=
	    30);
	layout_screen(1, &scr);
	assert_int_equal(scr.pane_width, 1);
}

/*
 * Below LAYOUT_WIDE, and below LAYOUT_NARROW without the time, every
 * line's text starts in the same column whoever sent it and whatever it
 * is, and a name never runs into the text.
 */
static void
test_narrow_text_aligns(void **state)
{
	static const char *const senders[] = {
	    "a",
	    "bob",
	    "carol_",
	    "a_rather_long_name",
	    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE5\x90\x8D",
	};
	static const enum model_line_kind kinds[] = {
	    MODEL_LINE_ACT,
	    MODEL_LINE_EVENT,
	    MODEL_LINE_INFO,
	    MODEL_LINE_ERROR,
	};
	struct model_line l = {0};
	struct layout_line ll;
	char body[LAYOUT_BODY_MAX];
	size_t i;
	int width, col;

	(void)state;
	for (width = 8; width < LAYOUT_WIDE; width++) {
		col = text_col("bob", MODEL_LINE_MSG, width);
		for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
			assert_int_equal(
			    text_col(senders[i], MODEL_LINE_MSG, width), col);
			l.kind = MODEL_LINE_MSG;
			l.sender = senders[i];
			l.sender_len = strlen(senders[i]);
			l.text = "hi";
			l.text_len = 2;
			layout_line(&l, width, body, &ll);
			assert_true(ll.name_col >= (ll.show_time ? 6 : 0));
			assert_true(ll.name_col +
			        (int)width_str(ll.mark, ll.mark_len) +
			        ll.mark_cut <
			    ll.text_col);
		}
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			assert_int_equal(text_col("bob", kinds[i], width), col);
		/* The text keeps at least half the pane. */
		assert_true(width - col >= width / 2);
	}
}

static void
test_rows(void **state)
{
	static const struct {
		int width;
		const char *text;
		int rows;
	} cases[] = {
	    {80, "short", 1},
	    /* 80 - 19 = 61 columns of text per row. */
	    {80,
	        "aaaaaaaaaa aaaaaaaaaa aaaaaaaaaa aaaaaaaaaa aaaaaaaaaa "
	        "aaaaaa",
	        1},
	    {80,
	        "aaaaaaaaaa aaaaaaaaaa aaaaaaaaaa aaaaaaaaaa aaaaaaaaaa "
	        "aaaaaaaaaa aaaaaaaaaa",
	        2},
	    /* Narrow: "bob " then 6 columns; the indent is 4. */
	    {10, "aaaaaa bbbbbb cccccc", 3},
	    {1, "abc", 3},
	};
	struct model_line l = {0};
	size_t i;

	(void)state;
	l.kind = MODEL_LINE_MSG;
	l.sender = "bob";
	l.sender_len = 3;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		l.text = cases[i].text;
		l.text_len = strlen(cases[i].text);
		assert_int_equal(
		    layout_rows(&l, cases[i].width), cases[i].rows);
	}
}

static void
test_marker_adds_a_row(void **state)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *status = model_win_at(m, 0), *w;

	(void)state;
	w = model_open(m, MODEL_WIN_CHANNEL, "id", 2, "rust", 4);
	assert_non_null(w);
	model_add(m, w, 0, MODEL_LINE_MSG, 0, "bob", 3, "one", 3);
	/* Seen, then left: the next line is the first unread. */
	model_select(m, 1);
	model_select(m, 0);
	model_add(m, w, 0, MODEL_LINE_MSG, 0, "bob", 3, "two", 3);
	assert_int_equal(model_win_marker(w), 1);
	assert_int_equal(layout_index_rows(w, 0, 80), 1);
	assert_int_equal(layout_index_rows(w, 1, 80), 2);
	(void)status;
	model_free(m);
}

static void
test_scroll_up_down_follow(void **state)
{
	struct model *m = model_with_lines(50, "line");
	struct model_win *w = model_win_at(m, 0);
	uint64_t end = model_lines_end(w);

	(void)state;
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	layout_scroll(w, 80, 10, -9);
	assert_int_equal(model_win_anchor(w), end - 10);
	assert_int_equal(model_win_below(w), 9);
	layout_scroll(w, 80, 10, 4);
	assert_int_equal(model_win_anchor(w), end - 6);
	/* Reaching the newest line follows again. */
	layout_scroll(w, 80, 10, 100);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	assert_int_equal(model_win_below(w), 0);
	/* Down while following does nothing. */
	layout_scroll(w, 80, 10, 5);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	model_free(m);
}

static void
test_scroll_stops_at_the_top(void **state)
{
	struct model *m = model_with_lines(30, "line");
	struct model_win *w = model_win_at(m, 0);
	uint64_t begin = model_lines_begin(w);

	(void)state;
	layout_scroll(w, 80, 10, -1000);
	/* The oldest line is at the top: the bottom shows line begin + 9. */
	assert_int_equal(model_win_anchor(w), begin + 9);
	assert_int_equal(model_win_skip(w), 0);
	layout_scroll_top(w, 80, 10);
	assert_int_equal(model_win_anchor(w), begin + 9);
	layout_scroll_bottom(w);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	model_free(m);
}

static void
test_scroll_within_a_tall_line(void **state)
{
	char text[2000];
	struct model *m;
	struct model_win *w;
	int rows;

	(void)state;
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	m = model_with_lines(3, text);
	w = model_win_at(m, 0);
	rows = layout_index_rows(w, model_lines_end(w) - 1, 30);
	assert_true(rows > 10);
	/* One row up inside the newest line hides its last row. */
	layout_scroll(w, 30, 5, -1);
	assert_int_equal(model_win_anchor(w), model_lines_end(w) - 1);
	assert_int_equal(model_win_skip(w), 1);
	layout_scroll(w, 30, 5, -(long)rows);
	assert_int_equal(model_win_anchor(w), model_lines_end(w) - 2);
	assert_int_equal(model_win_skip(w), 1);
	model_free(m);
}

static void
test_short_window_top_is_follow(void **state)
{
	struct model *m = model_with_lines(3, "line");
	struct model_win *w = model_win_at(m, 0);

	(void)state;
	/* Everything fits: there is nothing to scroll to. */
	layout_scroll_top(w, 80, 10);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	layout_scroll(w, 80, 10, -5);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	model_free(m);
}

/*
 * Scrolled to the oldest lines while new ones push old ones out of the
 * scrollback: the view still fills the pane from the top, instead of
 * shrinking to the one line left at its bottom.
 */
static void
test_view_stays_full_as_lines_drop(void **state)
{
	struct model *m = model_with_lines(MODEL_SCROLLBACK_MIN, "old");
	struct model_win *w = model_win_at(m, 0);
	uint64_t begin;
	int i;

	(void)state;
	layout_scroll_top(w, 80, 10);
	assert_int_equal(model_win_anchor(w), model_lines_begin(w) + 9);
	for (i = 0; i < 60; i++)
		assert_int_equal(
		    model_add(m, w, 0, MODEL_LINE_MSG, 0, "bob", 3, "new", 3),
		    0);
	begin = model_lines_begin(w);
	assert_int_equal(begin, 60);
	/* The model alone leaves the anchor at the oldest line... */
	assert_int_equal(model_win_anchor(w), begin);
	/* ...and the view is filled again from the top. */
	layout_fill_view(w, 80, 10);
	assert_int_equal(model_win_anchor(w), begin + 9);
	assert_int_equal(model_win_skip(w), 0);
	/* A full view is left alone. */
	layout_scroll(w, 80, 10, -5);
	begin = model_win_anchor(w);
	layout_fill_view(w, 80, 10);
	assert_int_equal(model_win_anchor(w), begin);
	/* Following the newest line is left alone too. */
	layout_scroll_bottom(w);
	layout_fill_view(w, 80, 10);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	model_free(m);
}

static void
test_position_survives_resize(void **state)
{
	struct model *m =
	    model_with_lines(60, "some words that wrap when narrow");
	struct model_win *w = model_win_at(m, 0);
	uint64_t anchor;

	(void)state;
	layout_scroll(w, 100, 20, -30);
	anchor = model_win_anchor(w);
	/* The anchor is a line: a narrower pane keeps the same line at the
	 * bottom. */
	assert_true(layout_index_rows(w, anchor, 30) > 1);
	assert_int_equal(model_win_anchor(w), anchor);
	model_free(m);
}

static void
expect_list(size_t n, size_t cur, int height, size_t prev, size_t first,
    size_t count, size_t above, size_t below)
{
	struct layout_list l;

	layout_list(n, cur, height, prev, &l);
	if (l.first != first || l.count != count || l.above != above ||
	    l.below != below)
		fail_msg("n %zu cur %zu h %d prev %zu: first %zu count %zu "
		         "above %zu below %zu, want %zu %zu %zu %zu",
		    n, cur, height, prev, l.first, l.count, l.above, l.below,
		    first, count, above, below);
}

/* More windows than rows: the current one stays in sight, the rest are
 * counted, and the list moves as little as it can. */
static void
test_window_list_scrolls(void **state)
{
	size_t cur, prev = 0, n = 30;
	struct layout_list l;
	int h;

	(void)state;
	/* All fit. */
	expect_list(5, 4, 5, 0, 0, 5, 0, 0);
	expect_list(0, 0, 5, 0, 0, 0, 0, 0);
	/* At the top: 4 windows and "26 below". */
	expect_list(30, 0, 5, 0, 0, 4, 0, 26);
	expect_list(30, 3, 5, 0, 0, 4, 0, 26);
	/* One further: "1 above", 3 windows, "26 below". */
	expect_list(30, 4, 5, 0, 2, 3, 2, 25);
	/* Back up within the view: it stays. */
	expect_list(30, 3, 5, 2, 2, 3, 2, 25);
	/* Up past it: the current one is first. */
	expect_list(30, 1, 5, 2, 1, 3, 1, 26);
	/* The last one: no row below. */
	expect_list(30, 29, 5, 0, 26, 4, 26, 0);
	/* Windows closed while the list was far down: no empty rows. */
	expect_list(8, 7, 5, 20, 4, 4, 4, 0);
	/* Too few rows for the counts: the current window alone. */
	expect_list(30, 7, 2, 0, 7, 1, 7, 22);
	expect_list(30, 7, 0, 0, 7, 0, 7, 23);
	/* Walking through every window at every height keeps it shown. */
	for (h = 3; h <= 12; h++)
		for (cur = 0; cur < n; cur++) {
			layout_list(n, cur, h, prev, &l);
			assert_true(l.first <= cur && cur < l.first + l.count);
			assert_int_equal(
			    l.count + (l.above > 0) + (l.below > 0), (size_t)h);
			prev = l.first;
		}
}

/* With the window list hidden, the status line names the busy windows. */
static void
test_activity(void **state)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *a, *b, *c;
	char buf[64];

	(void)state;
	model_set_self(m, "me", 2);
	a = model_open(m, MODEL_WIN_CHANNEL, "1", 1, "a", 1);
	b = model_open(m, MODEL_WIN_CHANNEL, "2", 1, "b", 1);
	c = model_open(m, MODEL_WIN_CHANNEL, "3", 1, "c", 1);
	assert_non_null(c);
	strcpy(buf, "x");
	layout_activity(m, buf, sizeof(buf));
	assert_string_equal(buf, "x");
	model_add(m, a, 0, MODEL_LINE_MSG, 0, "bob", 3, "hi", 2);
	model_add(m, b, 0, MODEL_LINE_MSG, 0, "bob", 3, "hi me", 5);
	layout_activity(m, buf, sizeof(buf));
	assert_string_equal(buf, "x | act 2,3!");
	/* The current window is not listed. */
	model_select(m, 1);
	strcpy(buf, "x");
	layout_activity(m, buf, sizeof(buf));
	assert_string_equal(buf, "x | act 3!");
	/* Seen once shown; what does not fit is left out whole. */
	model_select(m, 0);
	model_add(m, c, 0, MODEL_LINE_MSG, 0, "bob", 3, "hi", 2);
	strcpy(buf, "x");
	layout_activity(m, buf, 11);
	assert_string_equal(buf, "x | act 3!");
	strcpy(buf, "x");
	layout_activity(m, buf, 10);
	assert_string_equal(buf, "x");
	model_free(m);
}

/* 2026-12-03 00:00 UTC, in ms. */
#define DEC3 ((uint64_t)20790 * 86400 * 1000)

/*
 * Rows above a line: the paging row above the oldest, a day row, the
 * unread marker, in that order, each one row more for the line.
 */
static void
test_heads(void **state)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *w, *st;
	struct layout_head h[LAYOUT_HEADS_MAX];
	uint64_t b;
	int plain;

	(void)state;
	assert_non_null(m);
	st = model_win_at(m, 0);
	w = model_open(m, MODEL_WIN_CHANNEL, "c", 1, "#c", 2);
	model_set_clock(m, DEC3 + 1000, 0);
	model_add(m, w, DEC3 - 1000, MODEL_LINE_MSG, 0, "a", 1, "old", 3);
	model_select(m, 1);
	model_select(m, 0);
	model_add(m, w, DEC3, MODEL_LINE_MSG, 0, "a", 1, "new", 3);
	b = model_lines_begin(w);
	model_add(m, st, DEC3, MODEL_LINE_MSG, 0, "a", 1, "new", 3);
	plain = layout_index_rows(st, model_lines_begin(st), 80);
	assert_int_equal(layout_heads(st, model_lines_begin(st), h), 0);

	assert_int_equal(layout_heads(w, b, h), 1);
	assert_int_equal(h[0].kind, LAYOUT_HEAD_DAY);
	assert_string_equal(h[0].text, "Wed 2 Dec 2026");
	assert_int_equal(layout_index_rows(w, b, 80), plain + 1);
	model_win_set_page(w, MODEL_PAGE_BEGIN);
	assert_int_equal(layout_heads(w, b, h), 2);
	assert_int_equal(h[0].kind, LAYOUT_HEAD_PAGE);
	assert_string_equal(h[0].text, "beginning of history");
	assert_int_equal(h[1].kind, LAYOUT_HEAD_DAY);
	assert_int_equal(layout_index_rows(w, b, 80), plain + 2);
	model_win_set_page(w, MODEL_PAGE_FULL);
	assert_int_equal(layout_heads(w, b, h), 2);
	assert_string_equal(h[0].text, "scrollback full: no older lines");
	/* The next line: a new day and the first unread. */
	assert_int_equal(layout_heads(w, b + 1, h), 2);
	assert_int_equal(h[0].kind, LAYOUT_HEAD_DAY);
	assert_string_equal(h[0].text, "Thu 3 Dec 2026");
	assert_int_equal(h[1].kind, LAYOUT_HEAD_NEW);
	assert_string_equal(h[1].text, "new");
	assert_int_equal(layout_index_rows(w, b + 1, 80), plain + 2);
	model_free(m);
}

/* The top is shown when the oldest line's first row, heads and all, is. */
static void
test_shows_top(void **state)
{
	struct model *m = model_with_lines(10, "x");
	struct model_win *w = model_win_at(m, 0);

	(void)state;
	/* Ten one-row lines in ten rows: all shown; in five, not. */
	assert_true(layout_shows_top(w, 80, 10));
	assert_false(layout_shows_top(w, 80, 5));
	layout_scroll_top(w, 80, 5);
	assert_true(layout_shows_top(w, 80, 5));
	/* A paging row above the oldest line needs one row more. */
	model_win_set_page(w, MODEL_PAGE_LOADING);
	assert_false(layout_shows_top(w, 80, 5));
	layout_scroll(w, 80, 5, -1);
	assert_true(layout_shows_top(w, 80, 5));
	model_free(m);
}

/* The terminal title and whether it may be set. */
static void
test_title(void **state)
{
	char buf[LAYOUT_TITLE_MAX];

	(void)state;
	assert_int_equal(layout_title(0, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "txt-chat");
	layout_title(3, buf, sizeof(buf));
	assert_string_equal(buf, "(3) txt-chat");
	layout_title(99999, buf, sizeof(buf));
	assert_string_equal(buf, "(99999) txt-chat");
	layout_title(100000, buf, sizeof(buf));
	assert_string_equal(buf, "(99999+) txt-chat");
	layout_title(ULONG_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "(99999+) txt-chat");
	/* Cut, still terminated. */
	assert_int_equal(layout_title(3, buf, 5), 4);
	assert_string_equal(buf, "(3) ");
	assert_true(layout_title_ok("xterm-256color", 0));
	assert_true(layout_title_ok("tmux-256color", 0));
	assert_true(layout_title_ok("screen", 0));
	assert_true(layout_title_ok("vt100", 1));
	assert_false(layout_title_ok("vt100", 0));
	assert_false(layout_title_ok("linux", 0));
	assert_false(layout_title_ok("dumb", 0));
	assert_false(layout_title_ok(NULL, 0));
}

/* ASCII stand-ins keep the columns of what they stand for. */
static void
test_ascii(void **state)
{
	char out[2];

	(void)state;
	assert_int_equal(layout_ascii('a', 1, out), 1);
	assert_int_equal(out[0], 'a');
	assert_int_equal(layout_ascii(0x2026, 1, out), 1);
	assert_int_equal(out[0], '.');
	assert_int_equal(layout_ascii(0x2502, 1, out), 1);
	assert_int_equal(out[0], '|');
	assert_int_equal(layout_ascii(0x2500, 1, out), 1);
	assert_int_equal(out[0], '-');
	assert_int_equal(layout_ascii(0xE9, 1, out), 1);
	assert_int_equal(out[0], '?');
	/* A wide character takes two, a combining one none. */
	assert_int_equal(layout_ascii(0x4E2D, 2, out), 2);
	assert_memory_equal(out, "??", 2);
	assert_int_equal(layout_ascii(0x301, 0, out), 0);
	assert_int_equal(layout_ascii(0x1F600, 3, out), 2);
}

/* Name lists in columns to the width. */
static void
test_names_rows(void **state)
{
	static const char list[] = " ann  bo carolyn d ";
	char row[LAYOUT_NAMES_ROW_MAX];
	size_t pos = 0, w;

	(void)state;
	w = layout_names_width(list, strlen(list));
	assert_int_equal(w, 7);
	/* 20 columns: two columns of 9. */
	assert_int_equal(
	    layout_names_row(list, strlen(list), &pos, 20, w, row), 11);
	assert_string_equal(row, "ann      bo");
	layout_names_row(list, strlen(list), &pos, 20, w, row);
	assert_string_equal(row, "carolyn  d");
	assert_int_equal(
	    layout_names_row(list, strlen(list), &pos, 20, w, row), 0);
	assert_string_equal(row, "");
	/* Narrower than a column: one name a row, never none. */
	pos = 0;
	layout_names_row(list, strlen(list), &pos, 3, w, row);
	assert_string_equal(row, "ann");
	layout_names_row(list, strlen(list), &pos, 3, w, row);
	assert_string_equal(row, "bo");
	/* Very wide: the row is cut at its limit, terminated. */
	pos = 0;
	layout_names_row(list, strlen(list), &pos, 100000, 600, row);
	assert_int_equal(strlen(row), LAYOUT_NAMES_ROW_MAX - 1);
	assert_int_equal(layout_names_width("", 0), 0);
}

/* A timestamp_format's width moves the name and text columns with it. */
static void
test_time_cols(void **state)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *w = model_win_at(m, 0);
	struct model_line l;
	struct layout_line ll, dflt;
	char body[LAYOUT_BODY_MAX];

	(void)state;
	assert_int_equal(
	    model_add(m, w, 0, MODEL_LINE_MSG, 0, "bob", 3, "hi", 2), 0);
	assert_int_equal(model_line(w, model_lines_begin(w), &l), 0);
	assert_int_equal(l.time_cols, 5);
	layout_line(&l, 80, body, &dflt);
	assert_int_equal(dflt.time_cols, 5);
	/* "%Y-%m-%d %H:%M:%S": 19 columns, 14 more than "HH:MM". */
	model_set_time_format(m, "%Y-%m-%d %H:%M:%S", 19);
	assert_int_equal(model_time_cols(m), 19);
	assert_int_equal(model_line(w, model_lines_begin(w), &l), 0);
	assert_int_equal(l.time_cols, 19);
	layout_line(&l, 80, body, &ll);
	assert_true(ll.show_time);
	assert_int_equal(ll.time_cols, 19);
	assert_int_equal(ll.name_col, dflt.name_col + 14);
	assert_int_equal(ll.text_col, dflt.text_col + 14);
	/* A pane that would leave the text less than a 5-column time does at
	 * LAYOUT_NARROW drops the time. */
	layout_line(&l, LAYOUT_NARROW + 13, body, &ll);
	assert_false(ll.show_time);
	assert_int_equal(ll.time_cols, 0);
	layout_line(&l, LAYOUT_NARROW + 14, body, &ll);
	assert_true(ll.show_time);
	assert_int_equal(ll.text_col, 19 + 1 + LAYOUT_NAME_COLS_SMALL + 1);
	/* A narrower one ("%H", 2 columns) gives the text 3 columns more. */
	model_set_time_format(m, "%H", 2);
	assert_int_equal(model_line(w, model_lines_begin(w), &l), 0);
	layout_line(&l, 80, body, &ll);
	assert_int_equal(ll.text_col, dflt.text_col - 3);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_rows),
	    cmocka_unit_test(test_ascii),
	    cmocka_unit_test(test_title),
	    cmocka_unit_test(test_line_parts),
	    cmocka_unit_test(test_indent_keeps_half_the_pane),
	    cmocka_unit_test(test_screen_widths),
	    cmocka_unit_test(test_narrow_text_aligns),
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_marker_adds_a_row),
	    cmocka_unit_test(test_scroll_up_down_follow),
	    cmocka_unit_test(test_scroll_stops_at_the_top),
	    cmocka_unit_test(test_scroll_within_a_tall_line),
	    cmocka_unit_test(test_short_window_top_is_follow),
	    cmocka_unit_test(test_position_survives_resize),
	    cmocka_unit_test(test_view_stays_full_as_lines_drop),
	    cmocka_unit_test(test_window_list_scrolls),
	    cmocka_unit_test(test_activity),
	    cmocka_unit_test(test_heads),
	    cmocka_unit_test(test_shows_top),
	    cmocka_unit_test(test_time_cols),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}

/* test_layout.c: rows of scrollback lines and scrolling by rows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <locale.h>
#include <string.h>

#include "layout.h"
#include "model.h"

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
	layout_line(&l, 45, body, &ll);
	assert_true(ll.mark_cut);
	assert_int_equal(ll.mark_len, 14);
	assert_int_equal(ll.text_col, 22);

	/* Narrow: no time, the name column is just the name. */
	l.sender = "bob";
	l.sender_len = 3;
	layout_line(&l, LAYOUT_NARROW - 1, body, &ll);
	assert_false(ll.show_time);
	assert_int_equal(ll.name_col, 0);
	assert_int_equal(ll.text_col, 4);

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
	layout_line(&l, 50, body, &ll);
	assert_int_equal(ll.indent, 25);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_parts),
	    cmocka_unit_test(test_indent_keeps_half_the_pane),
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
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}

/* test_search.c: tests for search in the scrollback. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "search.h"

static void
test_find(void **state)
{
	static const struct {
		const char *s, *q;
		size_t from, want; /* (size_t)-1: strlen(s) */
	} cases[] = {
	    {"hello world", "world", 0, 6},
	    {"Hello World", "wORLD", 0, 6},
	    {"hello", "HELLO", 0, 0},
	    {"abcabc", "abc", 1, 3},
	    {"abcabc", "abc", 4, (size_t)-1},
	    {"short", "longer than it", 0, (size_t)-1},
	    {"anything", "", 0, (size_t)-1},
	    {"", "x", 0, (size_t)-1},
	    {"aaab", "aab", 0, 1},
	    /* Non-ASCII bytes match exactly. */
	    {"caf\xc3\xa9 au lait", "\xc3\xa9", 0, 3},
	    {"CAF\xc3\x89", "caf\xc3\xa9", 0, (size_t)-1},
	    {"tail", "il", 0, 2},
	};
	size_t i, want;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		want = cases[i].want == (size_t)-1 ? strlen(cases[i].s)
		                                   : cases[i].want;
		assert_int_equal(
		    search_find(cases[i].s, strlen(cases[i].s), cases[i].q,
		        strlen(cases[i].q), cases[i].from),
		    want);
	}
}

/* A window with lines 0..n-1 of texts. */
static struct model_win *
window(struct model *m, const char *const *texts, size_t n)
{
	struct model_win *w = model_open(m, MODEL_WIN_CHANNEL, "c", 1, "c", 1);
	size_t i;

	assert_non_null(w);
	for (i = 0; i < n; i++)
		assert_int_equal(model_add(m, w, 1000 + i, MODEL_LINE_MSG, 0,
		                     "bob", 3, texts[i], strlen(texts[i])),
		    0);
	return w;
}

static const char *const texts[] = {
    "the Rust book", /* 0 */
    "hello",         /* 1 */
    "rust is fast",  /* 2 */
    "nothing here",  /* 3 */
    "I like RUST",   /* 4 */
    "goodbye",       /* 5 */
};

static void
test_older_newer(void **state)
{
	struct model *m = model_new(0);
	struct model_win *w = window(m, texts, 6);
	struct search s;
	char buf[SEARCH_STATUS_MAX];
	uint64_t nth, total;

	(void)state;
	search_begin(&s, w);
	assert_true(s.active);
	assert_int_equal(search_match(&s, w), UINT64_MAX);
	search_status(&s, w, buf, sizeof(buf));
	assert_string_equal(buf, "search: ");
	/* Incremental: each key searches again from the newest line. */
	assert_int_equal(search_set(&s, w, "r", 1), 0);
	assert_int_equal(search_match(&s, w), 4);
	assert_int_equal(search_set(&s, w, "ru", 2), 0);
	assert_int_equal(search_match(&s, w), 4);
	assert_int_equal(search_set(&s, w, "rust", 4), 0);
	assert_int_equal(search_match(&s, w), 4);
	search_count(&s, w, &nth, &total);
	assert_int_equal(nth, 3);
	assert_int_equal(total, 3);
	search_status(&s, w, buf, sizeof(buf));
	assert_string_equal(buf, "search: rust (3/3)");
	/* Older, older, then nothing older: it stays. */
	assert_int_equal(search_older(&s, w), 1);
	assert_int_equal(search_match(&s, w), 2);
	assert_int_equal(search_older(&s, w), 1);
	assert_int_equal(search_match(&s, w), 0);
	assert_int_equal(search_older(&s, w), 0);
	assert_int_equal(search_match(&s, w), 0);
	search_status(&s, w, buf, sizeof(buf));
	assert_string_equal(buf, "search: rust (1/3, no older)");
	/* Newer, back to the newest, then no newer. */
	assert_int_equal(search_newer(&s, w), 1);
	assert_int_equal(search_match(&s, w), 2);
	assert_int_equal(search_newer(&s, w), 1);
	assert_int_equal(search_newer(&s, w), 0);
	assert_int_equal(search_match(&s, w), 4);
	search_status(&s, w, buf, sizeof(buf));
	assert_string_equal(buf, "search: rust (3/3, no newer)");
	/* A longer query stays on the match while it still matches. */
	assert_int_equal(search_older(&s, w), 1);
	assert_int_equal(search_set(&s, w, "rust ", 5), 0);
	assert_int_equal(search_match(&s, w), 2);
	/* Not found: the match shown stays, the status says so. */
	assert_int_equal(search_set(&s, w, "rust x", 6), 0);
	assert_int_equal(s.edge, SEARCH_NONE);
	search_status(&s, w, buf, sizeof(buf));
	assert_string_equal(buf, "search: rust x not found");
	/* Deleting back finds again. */
	assert_int_equal(search_set(&s, w, "rust", 4), 0);
	assert_int_equal(search_match(&s, w), 2);
	model_free(m);
}

static void
test_start_at_view(void **state)
{
	struct model *m = model_new(0);
	struct model_win *w = window(m, texts, 6);
	struct search s;

	(void)state;
	/* Scrolled up to line 3: the search starts there, not at the end. */
	model_win_scroll(w, 3, 0);
	search_begin(&s, w);
	assert_int_equal(search_set(&s, w, "rust", 4), 0);
	assert_int_equal(search_match(&s, w), 2);
	/* Only below the view: found there all the same. */
	assert_int_equal(search_set(&s, w, "goodbye", 7), 0);
	assert_int_equal(search_match(&s, w), 5);
	/* Escape puts the view back. */
	model_win_scroll(w, 5, 0);
	search_cancel(&s, w);
	assert_false(s.active);
	assert_int_equal(model_win_anchor(w), 3);
	model_free(m);
}

static void
test_limits_and_edges(void **state)
{
	struct model *m = model_new(0);
	struct model_win *w = window(m, texts, 6);
	struct model_win *empty;
	struct search s;
	char q[SEARCH_QUERY_MAX + 1], buf[SEARCH_STATUS_MAX];

	(void)state;
	search_begin(&s, w);
	memset(q, 'a', sizeof(q));
	assert_int_equal(search_set(&s, w, q, SEARCH_QUERY_MAX + 1), -1);
	assert_int_equal(s.len, 0);
	assert_int_equal(search_set(&s, w, q, SEARCH_QUERY_MAX), 0);
	assert_int_equal(s.edge, SEARCH_NONE);
	/* Nothing to move with an empty query or no match. */
	assert_int_equal(search_set(&s, w, "", 0), 0);
	assert_int_equal(search_older(&s, w), 0);
	assert_int_equal(search_newer(&s, w), 0);
	/* A match that left the scrollback is no match. */
	assert_int_equal(search_set(&s, w, "hello", 5), 0);
	assert_int_equal(search_match(&s, w), 1);
	model_clear(w);
	assert_int_equal(search_match(&s, w), UINT64_MAX);
	search_status(&s, w, buf, sizeof(buf));
	assert_string_equal(buf, "search: hello not found");
	/* An empty window. */
	empty = model_open(m, MODEL_WIN_DM, "x", 1, "x", 1);
	search_begin(&s, empty);
	assert_int_equal(search_set(&s, empty, "x", 1), 0);
	assert_int_equal(s.edge, SEARCH_NONE);
	assert_int_equal(search_older(&s, empty), 0);
	/* The status is cut to its buffer. */
	search_set(&s, w, "hello", 5);
	assert_int_equal(search_status(&s, w, buf, 10), 9);
	assert_string_equal(buf, "search: h");
	model_free(m);
}

static void
test_action_sender(void **state)
{
	struct model *m = model_new(0);
	struct model_win *w = model_open(m, MODEL_WIN_CHANNEL, "c", 1, "c", 1);
	struct search s;

	(void)state;
	assert_int_equal(
	    model_add(m, w, 1, MODEL_LINE_ACT, 0, "carol", 5, "waves", 5), 0);
	assert_int_equal(
	    model_add(m, w, 2, MODEL_LINE_MSG, 0, "carol", 5, "hi", 2), 0);
	search_begin(&s, w);
	/* An action shows its sender in the text; a message does not. */
	assert_int_equal(search_set(&s, w, "CAROL", 5), 0);
	assert_int_equal(search_match(&s, w), 0);
	assert_int_equal(search_older(&s, w), 0);
	assert_int_equal(search_newer(&s, w), 0);
	model_free(m);
}

/* A wrapped line taller than the view: the match's row is shown. */
static void
test_skip(void **state)
{
	(void)state;
	assert_int_equal(search_skip(3, 0, 10), 0);   /* fits */
	assert_int_equal(search_skip(30, 29, 10), 0); /* last row */
	assert_int_equal(search_skip(30, 20, 10), 0); /* in the last 10 */
	assert_int_equal(search_skip(30, 19, 10), 10);
	assert_int_equal(search_skip(30, 0, 10), 29);
	assert_int_equal(search_skip(30, 5, 0), 0);
	assert_int_equal(search_skip(30, 40, 10), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_older_newer),
	    cmocka_unit_test(test_start_at_view),
	    cmocka_unit_test(test_limits_and_edges),
	    cmocka_unit_test(test_action_sender),
	    cmocka_unit_test(test_skip),
	};

	return cmocka_run_group_tests_name("search", tests, NULL, NULL);
}

/* test_model.c: tests for the client's windows, scrollback, members and unread
 * state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "model.h"

static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

/* Adds a message line with text s; asserts it was stored. */
static void
add_msg(struct model *m, struct model_win *w, const char *sender, const char *s,
    unsigned flags)
{
	assert_int_equal(model_add(m, w, 1, MODEL_LINE_MSG, flags, sender,
	                     strlen(sender), s, strlen(s)),
	    0);
}

static void
add_num(struct model *m, struct model_win *w, unsigned long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", n);
	add_msg(m, w, "bob", buf, 0);
}

/* Asserts that line index of w has text s. */
static void
assert_line_text(const struct model_win *w, uint64_t index, const char *s)
{
	struct model_line l;

	assert_int_equal(model_line(w, index, &l), 0);
	assert_int_equal(l.text_len, strlen(s));
	assert_memory_equal(l.text, s, l.text_len);
	assert_int_equal(l.text[l.text_len], '\0');
}

static struct model_win *
open_chan(struct model *m, const char *id, const char *name)
{
	struct model_win *w = model_open(
	    m, MODEL_WIN_CHANNEL, id, strlen(id), name, strlen(name));

	assert_non_null(w);
	return w;
}

static void
test_new_free(void **state)
{
	struct model *m = model_new(0);
	struct model_win *s;

	(void)state;
	assert_non_null(m);
	assert_int_equal(model_win_count(m), 1);
	assert_int_equal(model_current(m), 0);
	s = model_win_at(m, 0);
	assert_non_null(s);
	assert_int_equal(model_win_kind(s), MODEL_WIN_STATUS);
	assert_string_equal(model_win_name(s), "status");
	assert_null(model_win_at(m, 1));
	assert_int_equal(model_lines_begin(s), 0);
	assert_int_equal(model_lines_end(s), 0);
	assert_int_equal(model_win_marker(s), UINT64_MAX);
	assert_int_equal(model_win_anchor(s), UINT64_MAX);
	assert_string_equal(model_self(m), "");
	model_free(m);
	model_free(NULL);
}

/* The scrollback is clamped to [MIN, MAX]; the ring keeps exactly that. */
static void
test_ring_limits(void **state)
{
	static const struct {
		size_t asked, kept;
	} cases[] = {
	    {0, MODEL_SCROLLBACK_MIN},
	    {MODEL_SCROLLBACK_MIN - 1, MODEL_SCROLLBACK_MIN},
	    {MODEL_SCROLLBACK_MIN, MODEL_SCROLLBACK_MIN},
	    {MODEL_SCROLLBACK_MIN + 1, MODEL_SCROLLBACK_MIN + 1},
	    {1000, 1000},
	};
	size_t i, k, n;
	struct model *m;
	struct model_win *w;
	char buf[32];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = model_new(cases[i].asked);
		w = model_win_at(m, 0);
		n = cases[i].kept;
		/* N-1, N and N+1 lines. */
		for (k = 0; k < n - 1; k++)
			add_num(m, w, k);
		assert_int_equal(model_lines_begin(w), 0);
		assert_int_equal(model_lines_end(w), n - 1);
		add_num(m, w, n - 1);
		assert_int_equal(model_lines_begin(w), 0);
		assert_int_equal(model_lines_end(w), n);
		add_num(m, w, n);
		assert_int_equal(model_lines_begin(w), 1);
		assert_int_equal(model_lines_end(w), n + 1);
		assert_line_text(w, 1, "1");
		snprintf(buf, sizeof(buf), "%zu", n);
		assert_line_text(w, n, buf);
		model_free(m);
	}
}

static void
test_ring_eviction(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w = model_win_at(m, 0);
	struct model_line l;
	unsigned long i;
	char buf[32];

	(void)state;
	for (i = 0; i < 1000; i++)
		add_num(m, w, i);
	assert_int_equal(model_lines_begin(w), 900);
	assert_int_equal(model_lines_end(w), 1000);
	assert_int_equal(model_line(w, 899, &l), -1);
	assert_int_equal(model_line(w, 1000, &l), -1);
	assert_int_equal(model_line(w, UINT64_MAX, &l), -1);
	for (i = 900; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "%lu", i);
		assert_line_text(w, i, buf);
	}
	/* /clear empties the ring; indexes keep growing. */
	model_clear(w);
	assert_int_equal(model_lines_begin(w), 1000);
	assert_int_equal(model_lines_end(w), 1000);
	assert_int_equal(model_line(w, 999, &l), -1);
	add_num(m, w, 1000);
	assert_int_equal(model_lines_begin(w), 1000);
	assert_int_equal(model_lines_end(w), 1001);
	assert_line_text(w, 1000, "1000");
	model_free(m);
}

static void
test_line_fields(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w = model_win_at(m, 0);
	struct model_line l;

	(void)state;
	assert_int_equal(model_add(m, w, 1234, MODEL_LINE_ACT, MODEL_FLAG_SELF,
	                     "carol", 5, "waves", 5),
	    0);
	assert_int_equal(model_line(w, 0, &l), 0);
	assert_int_equal(l.time_ms, 1234);
	assert_int_equal(l.kind, MODEL_LINE_ACT);
	assert_int_equal(l.flags, MODEL_FLAG_SELF);
	assert_string_equal(l.sender, "carol");
	assert_int_equal(l.sender_len, 5);
	assert_string_equal(l.text, "waves");
	/* A NULL sender or text is empty. */
	assert_int_equal(
	    model_add(m, w, 1, MODEL_LINE_INFO, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(model_line(w, 1, &l), 0);
	assert_int_equal(l.sender_len, 0);
	assert_int_equal(l.text_len, 0);
	assert_string_equal(l.sender, "");
	assert_string_equal(l.text, "");
	model_free(m);
}

struct sanitize_case {
	const char *in;
	size_t len;
	const char *out;
	const char *name; /* as a sender, if not out */
};

/* Network text is made safe on the way in. */
static void
test_add_sanitises(void **state)
{
	static const struct sanitize_case cases[] = {
	    {"plain", 5, "plain", NULL},
	    {"a\x1b[31mb", 7, "a\xE2\x90\x9B[31mb", NULL},
	    {"bad\xFFutf8", 8, "bad\xEF\xBF\xBDutf8", NULL},
	    {"nul\0byte", 8,
	        "nul\xE2\x90\x80"
	        "byte",
	        NULL},
	    /* A name loses what draws as nothing (see sanitize_name). */
	    {"\xE2\x80\xAErtl", 6, "\xEF\xBF\xBDrtl", "rtl"},
	    {"tab\there", 8, "tab\xE2\x90\x89here", NULL},
	};
	struct model *m = model_new(100);
	struct model_win *w = model_win_at(m, 0);
	struct model_line l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    model_add(m, w, 1, MODEL_LINE_MSG, 0, cases[i].in,
		        cases[i].len, cases[i].in, cases[i].len),
		    0);
		assert_int_equal(model_line(w, i, &l), 0);
		assert_string_equal(l.text, cases[i].out);
		assert_string_equal(l.sender,
		    cases[i].name != NULL ? cases[i].name : cases[i].out);
	}
	model_free(m);
}

/* What a line of sender s and text t costs: header, both, two NULs. */
static size_t
line_cost(const char *s, const char *t)
{
	return 24 + strlen(s) + 1 + strlen(t) + 1;
}

/* The byte count is exact, and follows drops, clears and closes. */
static void
test_bytes_counted_exactly(void **state)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *st = model_win_at(m, 0), *w;
	size_t i, want;

	(void)state;
	assert_int_equal(model_bytes(m), 0);
	w = model_open(m, MODEL_WIN_CHANNEL, "id", 2, "rust", 4);
	assert_int_equal(
	    model_add(m, w, 1, MODEL_LINE_MSG, 0, "bob", 3, "hello", 5), 0);
	assert_int_equal(model_bytes(m), line_cost("bob", "hello"));
	assert_int_equal(model_win_bytes(w), line_cost("bob", "hello"));
	/* Sanitised bytes count: ESC becomes three. */
	assert_int_equal(
	    model_add(m, st, 1, MODEL_LINE_INFO, 0, NULL, 0, "a\x1b", 2), 0);
	want = line_cost("bob", "hello") + line_cost("", "a\xE2\x90\x9B");
	assert_int_equal(model_bytes(m), want);
	/* The lines limit drops the oldest: the count follows. */
	for (i = 0; i < MODEL_SCROLLBACK_MIN; i++)
		assert_int_equal(
		    model_add(m, w, 1, MODEL_LINE_MSG, 0, "bob", 3, "hi", 2),
		    0);
	assert_int_equal(
	    model_win_bytes(w), MODEL_SCROLLBACK_MIN * line_cost("bob", "hi"));
	assert_int_equal(model_bytes(m),
	    model_win_bytes(w) + line_cost("", "a\xE2\x90\x9B"));
	model_clear(w);
	assert_int_equal(model_win_bytes(w), 0);
	assert_int_equal(model_bytes(m), line_cost("", "a\xE2\x90\x9B"));
	assert_int_equal(
	    model_add(m, w, 1, MODEL_LINE_MSG, 0, "bob", 3, "hello", 5), 0);
	model_close(m, w);
	assert_int_equal(model_bytes(m), line_cost("", "a\xE2\x90\x9B"));
	model_free(m);
}

/*
 * All windows together keep at most the byte limit: the windows holding
 * the most lose their oldest lines first, and every window keeps its
 * newest line.  (200 windows of 4000 lines of 3 KB reached 2.37 GB.)
 */
static void
test_bytes_capped(void **state)
{
	struct model *m = model_new(4000);
	struct model_win *quiet, *busy[20];
	static char text[3000];
	struct model_line l;
	size_t i, k, limit = MODEL_SCROLLBACK_BYTES_MIN, quiet_bytes;

	(void)state;
	memset(text, 'x', sizeof(text));
	model_set_scrollback_bytes(m, 1);
	model_set_scrollback_bytes(m, limit);
	quiet = model_open(m, MODEL_WIN_CHANNEL, "q", 1, "quiet", 5);
	for (i = 0; i < 10; i++)
		assert_int_equal(model_add(m, quiet, i, MODEL_LINE_MSG, 0,
		                     "bob", 3, "short", 5),
		    0);
	quiet_bytes = model_win_bytes(quiet);
	for (k = 0; k < 20; k++) {
		char key[8];

		snprintf(key, sizeof(key), "b%zu", k);
		busy[k] = model_open(
		    m, MODEL_WIN_CHANNEL, key, strlen(key), key, strlen(key));
		assert_non_null(busy[k]);
	}
	for (i = 0; i < 200; i++) {
		for (k = 0; k < 20; k++) {
			text[0] = (char)('a' + i % 26);
			assert_int_equal(
			    model_add(m, busy[k], i, MODEL_LINE_MSG, 0, "carol",
			        5, text, sizeof(text)),
			    0);
			assert_true(model_bytes(m) <= limit);
		}
	}
	/* The quiet window lost nothing; the busy ones share the rest. */
	assert_int_equal(model_win_bytes(quiet), quiet_bytes);
	assert_int_equal(model_lines_end(quiet) - model_lines_begin(quiet), 10);
	for (k = 0; k < 20; k++) {
		uint64_t n =
		    model_lines_end(busy[k]) - model_lines_begin(busy[k]);

		assert_true(n >= 10 && n <= 20);
		/* The newest line is the last one added. */
		assert_int_equal(
		    model_line(busy[k], model_lines_end(busy[k]) - 1, &l), 0);
		assert_int_equal(l.text[0], 'a' + 199 % 26);
	}
	/* A lower limit takes effect at once, and a window keeps one line. */
	for (i = 0; i < 400; i++)
		assert_int_equal(model_add(m, quiet, i, MODEL_LINE_MSG, 0,
		                     "bob", 3, text, sizeof(text)),
		    0);
	assert_true(model_bytes(m) <= limit);
	model_set_scrollback_bytes(m, 0);
	assert_true(model_bytes(m) <= MODEL_SCROLLBACK_BYTES_MIN);
	model_free(m);
}

/* One line bigger than all the others together still stays, alone. */
static void
test_bytes_keep_one_line(void **state)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *w = model_win_at(m, 0);
	static char text[MODEL_TEXT_MAX];
	size_t i;

	(void)state;
	memset(text, 'y', sizeof(text));
	model_set_scrollback_bytes(m, MODEL_SCROLLBACK_BYTES_MIN);
	for (i = 0; i < 200; i++)
		assert_int_equal(model_add(m, w, i, MODEL_LINE_MSG, 0, "bob", 3,
		                     text, sizeof(text)),
		    0);
	assert_true(model_bytes(m) <= MODEL_SCROLLBACK_BYTES_MIN);
	assert_true(model_lines_end(w) - model_lines_begin(w) >= 1);
	assert_int_equal(model_lines_end(w), 200);
	model_free(m);
}

/* Text and names are cut to their limits, on a code point boundary. */
static void
test_add_cuts(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w = model_win_at(m, 0);
	size_t big = MODEL_TEXT_MAX + 100;
	char *text = malloc(big);
	char name[MODEL_NAME_MAX + 10];
	struct model_line l;

	(void)state;
	assert_non_null(text);
	memset(text, 'a', big);
	memset(name, 'n', sizeof(name));
	/* N-1, N, N+1 bytes of text. */
	assert_int_equal(model_add(m, w, 1, MODEL_LINE_MSG, 0, name,
	                     MODEL_NAME_MAX - 1, text, MODEL_TEXT_MAX - 1),
	    0);
	assert_int_equal(model_line(w, 0, &l), 0);
	assert_int_equal(l.text_len, MODEL_TEXT_MAX - 1);
	assert_int_equal(l.sender_len, MODEL_NAME_MAX - 1);
	assert_int_equal(model_add(m, w, 1, MODEL_LINE_MSG, 0, name,
	                     MODEL_NAME_MAX, text, MODEL_TEXT_MAX),
	    0);
	assert_int_equal(model_line(w, 1, &l), 0);
	assert_int_equal(l.text_len, MODEL_TEXT_MAX);
	assert_int_equal(l.sender_len, MODEL_NAME_MAX);
	assert_int_equal(model_add(m, w, 1, MODEL_LINE_MSG, 0, name,
	                     MODEL_NAME_MAX + 1, text, MODEL_TEXT_MAX + 1),
	    0);
	assert_int_equal(model_line(w, 2, &l), 0);
	assert_int_equal(l.text_len, MODEL_TEXT_MAX);
	assert_int_equal(l.sender_len, MODEL_NAME_MAX);
	/* A two-byte code point straddling the limit is left out whole. */
	memcpy(text + MODEL_TEXT_MAX - 1, "\xC3\xA9", 2);
	memcpy(name + MODEL_NAME_MAX - 1, "\xC3\xA9", 2);
	assert_int_equal(model_add(m, w, 1, MODEL_LINE_MSG, 0, name,
	                     MODEL_NAME_MAX + 1, text, MODEL_TEXT_MAX + 1),
	    0);
	assert_int_equal(model_line(w, 3, &l), 0);
	assert_int_equal(l.text_len, MODEL_TEXT_MAX - 1);
	assert_int_equal(l.sender_len, MODEL_NAME_MAX - 1);
	/* Input that triples on sanitising is cut the same way. */
	memset(text, 0x01, big);
	assert_int_equal(
	    model_add(m, w, 1, MODEL_LINE_MSG, 0, "x", 1, text, big), 0);
	assert_int_equal(model_line(w, 4, &l), 0);
	assert_int_equal(l.text_len, MODEL_TEXT_MAX);
	assert_memory_equal(l.text, "\xE2\x90\x81", 3);
	free(text);
	model_free(m);
}

struct mention_case {
	const char *self;
	const char *text;
	int mention;
};

static const struct mention_case mention_cases[] = {
    {"alice", "hi alice", 1},
    {"alice", "ALICE: hi", 1},
    {"alice", "AlIcE", 1},
    {"alice", "thanks, alice.", 1},
    {"alice", "alice...", 1},
    {"alice", "@alice!", 1},
    {"alice", "(alice)", 1},
    {"alice", "alice's turn", 1},
    {"alice", "malice and alicebob", 0},
    {"alice", "alice_b", 0},
    {"alice", "alice.b", 0},
    {"alice", "bob-alice", 0},
    {"alice", "alic", 0},
    {"alice", "", 0},
    {"alice", "xalice yalice alice", 1},
    {"alice", "caf\xC3\xA9 alice", 1},
    {"a.b.", "hi a.b.", 1},
    {"a.b.", "hi a.b", 0},
    {"", "alice", 0},
};

static void
test_mention_rules(void **state)
{
	struct model *m;
	struct model_win *w;
	struct model_line l;
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(mention_cases) / sizeof(mention_cases[0]); i++) {
		m = model_new(100);
		model_set_self(
		    m, mention_cases[i].self, strlen(mention_cases[i].self));
		w = open_chan(m, "id1", "#a");
		add_msg(m, w, "bob", mention_cases[i].text, 0);
		assert_int_equal(model_line(w, 0, &l), 0);
		got = (l.flags & MODEL_FLAG_MENTION) != 0;
		if (got != mention_cases[i].mention)
			fail_msg("self \"%s\" text \"%s\": mention %d",
			    mention_cases[i].self, mention_cases[i].text, got);
		assert_int_equal(model_win_mentioned(w), got);
		model_free(m);
	}
}

/* Who and what can mention: only MSG and ACT lines from others. */
static void
test_mention_kinds(void **state)
{
	static const struct {
		enum model_line_kind kind;
		unsigned flags;
		unsigned want_flags;
		int marks;
		unsigned unread;
	} cases[] = {
	    {MODEL_LINE_MSG, 0, MODEL_FLAG_MENTION, 1, 1},
	    {MODEL_LINE_ACT, 0, MODEL_FLAG_MENTION, 1, 1},
	    {MODEL_LINE_MSG, MODEL_FLAG_SELF, MODEL_FLAG_SELF, 0, 0},
	    {MODEL_LINE_MSG, MODEL_FLAG_HISTORY,
	        MODEL_FLAG_HISTORY | MODEL_FLAG_MENTION, 0, 0},
	    {MODEL_LINE_EVENT, 0, 0, 0, 0},
	    {MODEL_LINE_INFO, 0, 0, 0, 0},
	    {MODEL_LINE_ERROR, 0, 0, 0, 0},
	};
	struct model *m;
	struct model_win *w;
	struct model_line l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = model_new(100);
		model_set_self(m, "alice", 5);
		w = open_chan(m, "id1", "#a");
		assert_int_equal(model_add(m, w, 1, cases[i].kind,
		                     cases[i].flags, "bob", 3, "alice: hi", 9),
		    0);
		assert_int_equal(model_line(w, 0, &l), 0);
		assert_int_equal(l.flags, cases[i].want_flags);
		assert_int_equal(model_win_mentioned(w), cases[i].marks);
		assert_int_equal(model_win_unread(w), cases[i].unread);
		model_free(m);
	}
}

/* A caller may mark a line as a mention (direct messages). */
static void
test_mention_forced(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w = model_open(m, MODEL_WIN_DM, "bob", 3, "bob", 3);
	struct model_line l;

	(void)state;
	assert_non_null(w);
	add_msg(m, w, "bob", "no name here", MODEL_FLAG_MENTION);
	assert_int_equal(model_line(w, 0, &l), 0);
	assert_true(l.flags & MODEL_FLAG_MENTION);
	assert_int_equal(model_win_mentioned(w), 1);
	assert_int_equal(model_win_unread(w), 1);
	model_free(m);
}

static void
test_unread(void **state)
{
	struct model *m = model_new(100);
	struct model_win *a = open_chan(m, "id1", "#a");
	struct model_win *b = open_chan(m, "id2", "#b");

	(void)state;
	/* The status window is current: lines elsewhere are unread. */
	add_msg(m, a, "bob", "one", 0);
	add_msg(m, a, "bob", "two", 0);
	assert_int_equal(model_win_unread(a), 2);
	assert_int_equal(model_win_unread(b), 0);
	assert_int_equal(model_win_mentioned(a), 0);
	model_info(m, a, 1, MODEL_LINE_EVENT, "bob joined");
	assert_int_equal(model_win_unread(a), 2);
	model_select(m, 1);
	assert_int_equal(model_current(m), 1);
	assert_int_equal(model_win_unread(a), 0);
	/* Lines in the current window are never unread. */
	add_msg(m, a, "bob", "three", 0);
	assert_int_equal(model_win_unread(a), 0);
	/* Selecting an out-of-range window changes nothing. */
	model_select(m, 3);
	assert_int_equal(model_current(m), 1);
	model_free(m);
}

static void
test_marker(void **state)
{
	struct model *m = model_new(100);
	struct model_win *a = open_chan(m, "id1", "#a");
	int i;

	(void)state;
	model_select(m, 1);
	add_msg(m, a, "bob", "seen", 0);
	model_select(m, 0);
	/* Nothing new yet: no marker. */
	assert_int_equal(model_win_marker(a), UINT64_MAX);
	/* The first line after what was seen. */
	add_msg(m, a, "bob", "new", 0);
	assert_int_equal(model_win_marker(a), 1);
	add_msg(m, a, "bob", "newer", 0);
	assert_int_equal(model_win_marker(a), 1);
	/* Coming back keeps the marker; leaving again moves it. */
	model_select(m, 1);
	assert_int_equal(model_win_marker(a), 1);
	model_select(m, 0);
	assert_int_equal(model_win_marker(a), UINT64_MAX);
	add_msg(m, a, "bob", "x", 0);
	assert_int_equal(model_win_marker(a), 3);
	/* A marker that fell out of the scrollback is at its oldest line. */
	for (i = 0; i < 200; i++)
		add_msg(m, a, "bob", "flood", 0);
	assert_int_equal(model_lines_begin(a), 104);
	assert_int_equal(model_win_marker(a), 104);
	model_clear(a);
	assert_int_equal(model_win_marker(a), UINT64_MAX);
	/* Reselecting the current window does not move its marker. */
	model_select(m, 1);
	add_msg(m, a, "bob", "y", 0);
	model_select(m, 1);
	assert_int_equal(model_win_marker(a), UINT64_MAX);
	/* Away and back with nothing new: lines read as they arrive get
	 * no marker above them. */
	model_select(m, 0);
	model_select(m, 1);
	add_msg(m, a, "bob", "watched", 0);
	assert_int_equal(model_win_marker(a), UINT64_MAX);
	model_free(m);
}

static size_t
mention_at(const char *name, const char *t, size_t from)
{
	return model_find_mention(name, strlen(name), t, strlen(t), from);
}

/* Where the UI highlights a name: the same words that flag a mention. */
static void
test_find_mention(void **state)
{
	(void)state;
	assert_int_equal(mention_at("alice", "thanks, alice.", 0), 8);
	assert_int_equal(mention_at("alice", "Thanks, ALICE...", 0), 8);
	assert_int_equal(mention_at("alice", "alice: hi", 0), 0);
	assert_int_equal(mention_at("alice", "malice alices alice.bob", 0), 23);
	assert_int_equal(mention_at("alice", "", 0), 0);
	assert_int_equal(mention_at("", "alice", 0), 5);
	/* A name that ends in a dot keeps it. */
	assert_int_equal(mention_at("bob.", "hi bob. and bob", 0), 3);
	assert_int_equal(mention_at("bob.", "hi bob", 0), 6);
	/* From the end of one mention to the next; a start inside a word
	 * does not make its tail a word. */
	assert_int_equal(mention_at("al", "al, al.", 2), 4);
	assert_int_equal(mention_at("al", "xal al", 1), 4);
	assert_int_equal(mention_at("al", "al", 2), 2);
}

static void
test_windows_find_open(void **state)
{
	struct model *m = model_new(100);
	struct model_win *c, *p, *d;

	(void)state;
	c = open_chan(m, "AbC", "#Rust");
	p = model_open(m, MODEL_WIN_PERSONAL, "1.2.3.4:5", 9, "~bob", 4);
	d = model_open(m, MODEL_WIN_DM, "Bob", 3, "Bob", 3);
	assert_non_null(p);
	assert_non_null(d);
	assert_int_equal(model_win_count(m), 4);
	assert_int_equal(model_win_index(m, d), 3);
	/* Opening again finds the same window. */
	assert_ptr_equal(open_chan(m, "AbC", "other"), c);
	assert_int_equal(model_win_count(m), 4);
	/* Channel ids are case-sensitive, DM keys are not. */
	assert_ptr_equal(model_find(m, MODEL_WIN_CHANNEL, "AbC", 3), c);
	assert_null(model_find(m, MODEL_WIN_CHANNEL, "abc", 3));
	assert_null(model_find(m, MODEL_WIN_CHANNEL, "Ab", 2));
	assert_null(model_find(m, MODEL_WIN_PERSONAL, "AbC", 3));
	assert_ptr_equal(model_find(m, MODEL_WIN_DM, "bOB", 3), d);
	assert_ptr_equal(model_find(m, MODEL_WIN_PERSONAL, "1.2.3.4:5", 9), p);
	/* By name, case-insensitive, channels only. */
	assert_ptr_equal(model_find_name(m, "#rust", 5), c);
	assert_ptr_equal(model_find_name(m, "~BOB", 4), p);
	assert_null(model_find_name(m, "bob", 3));
	assert_null(model_find_name(m, "#rus", 4));
	assert_string_equal(model_win_name(c), "#Rust");
	assert_string_equal(model_win_key(c), "AbC");
	assert_int_equal(model_win_kind(d), MODEL_WIN_DM);
	assert_int_equal(model_win_index(m, NULL), (size_t)-1);
	model_free(m);
}

static void
test_windows_limit(void **state)
{
	struct model *m = model_new(100);
	char key[16];
	size_t i;

	(void)state;
	for (i = 1; i < MODEL_WINDOWS_MAX; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_non_null(open_chan(m, key, key));
	}
	assert_int_equal(model_win_count(m), MODEL_WINDOWS_MAX);
	assert_null(model_open(m, MODEL_WIN_CHANNEL, "more", 4, "more", 4));
	/* An open window is still found when the list is full. */
	assert_non_null(model_open(m, MODEL_WIN_CHANNEL, "k5", 2, "k5", 2));
	model_close(m, model_win_at(m, 1));
	assert_non_null(model_open(m, MODEL_WIN_CHANNEL, "more", 4, "more", 4));
	model_free(m);
}

static void
test_windows_close(void **state)
{
	struct model *m = model_new(100);
	struct model_win *a = open_chan(m, "a", "a");
	struct model_win *b = open_chan(m, "b", "b");
	struct model_win *c = open_chan(m, "c", "c");
	struct model_win *d = open_chan(m, "d", "d");

	(void)state;
	/* Closing the current window shows the one after it. */
	model_select(m, 2);
	add_msg(m, c, "x", "unread", 0);
	assert_int_equal(model_win_unread(c), 1);
	model_close(m, b);
	assert_int_equal(model_win_count(m), 4);
	assert_int_equal(model_current(m), 2);
	assert_ptr_equal(model_win_at(m, 2), c);
	assert_int_equal(model_win_unread(c), 0);
	/* The last one closed shows the one before. */
	model_select(m, 3);
	model_close(m, d);
	assert_int_equal(model_current(m), 2);
	assert_ptr_equal(model_win_at(m, 2), c);
	/* Closing one before the current keeps the current shown. */
	model_close(m, a);
	assert_int_equal(model_current(m), 1);
	assert_ptr_equal(model_win_at(m, 1), c);
	/* The status window and unknown windows are never closed. */
	model_close(m, model_win_at(m, 0));
	model_close(m, NULL);
	assert_int_equal(model_win_count(m), 2);
	model_close(m, c);
	assert_int_equal(model_current(m), 0);
	assert_int_equal(model_win_count(m), 1);
	model_free(m);
}

static void
test_windows_rekey_state(void **state)
{
	struct model *m = model_new(100);
	struct model_win *c = open_chan(m, "old", "#x");

	(void)state;
	model_win_rekey(m, c, "new", 3, "#y", 2);
	assert_null(model_find(m, MODEL_WIN_CHANNEL, "old", 3));
	assert_ptr_equal(model_find(m, MODEL_WIN_CHANNEL, "new", 3), c);
	assert_string_equal(model_win_name(c), "#y");
	/* Keys and names from the network are made safe too. */
	model_win_rekey(m, c, "k\x1b", 2, "n\x07", 2);
	assert_string_equal(model_win_key(c), "k\xE2\x90\x9B");
	assert_string_equal(model_win_name(c), "n\xE2\x90\x87");
	assert_ptr_equal(model_find(m, MODEL_WIN_CHANNEL, "k\x1b", 2), c);
	assert_int_equal(model_win_joined(c), 0);
	model_win_set_joined(c, 5);
	assert_int_equal(model_win_joined(c), 1);
	assert_int_equal(model_win_rejoin(c), 0);
	model_win_set_rejoin(c, 1);
	assert_int_equal(model_win_rejoin(c), 1);
	assert_int_equal(model_win_seq(c), 0);
	model_win_set_seq(c, UINT64_MAX - 1);
	assert_int_equal(model_win_seq(c), UINT64_MAX - 1);
	model_set_self(m, "carol\x01", 6);
	assert_string_equal(model_self(m), "carol\xE2\x90\x81");
	model_free(m);
}

/* Asserts the members of w, in order. */
static void
assert_members(const struct model_win *w, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(model_member_count(w), n);
	for (i = 0; i < n; i++)
		assert_string_equal(model_member(w, i), want[i]);
	assert_null(model_member(w, n));
	/* Backwards too, through the cursor. */
	for (i = n; i > 0; i--)
		assert_string_equal(model_member(w, i - 1), want[i - 1]);
}

static void
test_members(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w = open_chan(m, "a", "a");
	static const char *const order1[] = {"alice", "bob", "carol"};
	static const char *const order2[] = {"carol", "alice", "bob"};
	static const char *const order3[] = {"bob", "carol", "alice"};
	static const char *const order4[] = {"bob", "Caroline", "alice"};
	static const char *const order5[] = {"bob", "alice"};

	(void)state;
	assert_int_equal(model_member_add(w, "alice", 5), 0);
	assert_int_equal(model_member_add(w, "bob", 3), 0);
	assert_int_equal(model_member_add(w, "carol", 5), 0);
	/* No duplicates, whatever the case. */
	assert_int_equal(model_member_add(w, "BOB", 3), 0);
	assert_int_equal(model_member_add(w, "", 0), -1);
	assert_members(w, order1, 3);
	assert_true(model_member_has(w, "CAROL", 5));
	assert_false(model_member_has(w, "dave", 4));
	/* Speakers come first, most recent first. */
	assert_int_equal(model_member_spoke(w, "Carol", 5), 1);
	assert_members(w, order2, 3);
	assert_int_equal(model_member_spoke(w, "dave", 4), 0);
	assert_int_equal(model_member_spoke(w, "bob", 3), 1);
	assert_int_equal(model_member_spoke(w, "bob", 3), 1);
	assert_members(w, order3, 3);
	/* A rename keeps the place. */
	assert_int_equal(model_member_rename(w, "carol", 5, "Caroline", 8), 1);
	assert_members(w, order4, 3);
	assert_false(model_member_has(w, "carol", 5));
	assert_int_equal(model_member_rename(w, "zed", 3, "x", 1), 0);
	/* Renaming onto a listed name drops the old entry. */
	assert_int_equal(model_member_rename(w, "caroline", 8, "ALICE", 5), 1);
	assert_members(w, order5, 2);
	/* A change of case only. */
	assert_int_equal(model_member_rename(w, "bob", 3, "Bob", 3), 1);
	assert_string_equal(model_member(w, 0), "Bob");
	assert_int_equal(model_member_remove(w, "ALICE", 5), 1);
	assert_int_equal(model_member_remove(w, "alice", 5), 0);
	assert_int_equal(model_member_count(w), 1);
	model_members_clear(w);
	assert_int_equal(model_member_count(w), 0);
	assert_null(model_member(w, 0));
	assert_int_equal(model_member_add(w, "again", 5), 0);
	assert_int_equal(model_member_count(w), 1);
	model_free(m);
}

/* The member cap at N-1, N, N+1, and index access all over the list. */
static void
test_members_cap(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w = open_chan(m, "a", "a");
	char name[32];
	size_t i, k;

	(void)state;
	for (i = 0; i < MODEL_MEMBERS_MAX - 1; i++) {
		snprintf(name, sizeof(name), "u%zu", i);
		assert_int_equal(model_member_add(w, name, strlen(name)), 0);
	}
	assert_int_equal(model_member_add(w, "last", 4), 0);
	assert_int_equal(model_member_count(w), MODEL_MEMBERS_MAX);
	assert_int_equal(model_member_add(w, "over", 4), -1);
	assert_int_equal(model_member_add(w, "LAST", 4), 0);
	assert_int_equal(model_member_count(w), MODEL_MEMBERS_MAX);
	assert_string_equal(model_member(w, MODEL_MEMBERS_MAX - 1), "last");
	assert_int_equal(model_member_spoke(w, "u77", 3), 1);
	assert_string_equal(model_member(w, 0), "u77");
	/*
	 * The order is now u77, u0 .. u76, u78 .. u19998, last; jumps in both
	 * directions give the right names.
	 */
	for (k = 0; k < 60; k++) {
		i = (k * 7919) % MODEL_MEMBERS_MAX;
		if (i == 0)
			snprintf(name, sizeof(name), "u77");
		else if (i <= 77)
			snprintf(name, sizeof(name), "u%zu", i - 1);
		else if (i < MODEL_MEMBERS_MAX - 1)
			snprintf(name, sizeof(name), "u%zu", i);
		else
			snprintf(name, sizeof(name), "last");
		assert_string_equal(model_member(w, i), name);
	}
	assert_int_equal(model_member_remove(w, "u5", 2), 1);
	assert_int_equal(model_member_add(w, "over", 4), 0);
	model_free(m);
}

static void
test_scroll(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w = open_chan(m, "a", "a");
	int i;

	(void)state;
	/* Nothing to scroll in an empty window. */
	model_win_scroll(w, 0, 1);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	for (i = 0; i < 50; i++)
		add_msg(m, w, "bob", "x", 0);
	assert_int_equal(model_win_below(w), 0);
	model_win_scroll(w, 20, 2);
	assert_int_equal(model_win_anchor(w), 20);
	assert_int_equal(model_win_skip(w), 2);
	assert_int_equal(model_win_below(w), 29);
	model_win_scroll(w, 49, 0);
	assert_int_equal(model_win_below(w), 0);
	/* Past the newest line: follow. */
	model_win_scroll(w, 50, 3);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	assert_int_equal(model_win_skip(w), 0);
	model_win_scroll(w, 10, 1);
	model_win_scroll(w, UINT64_MAX, 1);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	/* An anchor that falls out of the scrollback moves to the oldest. */
	model_win_scroll(w, 10, 4);
	for (i = 0; i < 60; i++)
		add_msg(m, w, "bob", "y", 0);
	assert_int_equal(model_lines_begin(w), 10);
	assert_int_equal(model_win_anchor(w), 10);
	assert_int_equal(model_win_skip(w), 4);
	add_msg(m, w, "bob", "z", 0);
	assert_int_equal(model_win_anchor(w), 11);
	assert_int_equal(model_win_skip(w), 0);
	assert_int_equal(model_win_below(w), 99);
	model_win_scroll(w, 3, 2);
	assert_int_equal(model_win_anchor(w), 11);
	assert_int_equal(model_win_skip(w), 0);
	/* /clear follows again. */
	model_clear(w);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	assert_int_equal(model_win_below(w), 0);
	model_free(m);
}

static void
test_next_activity(void **state)
{
	struct model *m = model_new(100);
	struct model_win *a = open_chan(m, "a", "a");
	struct model_win *b = open_chan(m, "b", "b");
	struct model_win *c = open_chan(m, "c", "c");

	(void)state;
	model_set_self(m, "me", 2);
	assert_int_equal(model_next_activity(m), 0);
	add_msg(m, a, "x", "plain", 0);
	add_msg(m, c, "x", "plain", 0);
	assert_int_equal(model_next_activity(m), 1);
	model_select(m, 1);
	assert_int_equal(model_next_activity(m), 3);
	/* A mention goes first, searching forward circularly. */
	model_select(m, 2);
	add_msg(m, a, "x", "hey me", 0);
	assert_int_equal(model_next_activity(m), 1);
	model_select(m, 1);
	assert_int_equal(model_next_activity(m), 3);
	add_msg(m, b, "x", "me", 0);
	assert_int_equal(model_next_activity(m), 2);
	model_select(m, 2);
	model_select(m, 3);
	/* Nothing left: stay. */
	assert_int_equal(model_next_activity(m), 3);
	model_free(m);
}

static void
test_info(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w = model_win_at(m, 0);
	char *big = malloc(MODEL_TEXT_MAX + 10);
	struct model_line l;

	(void)state;
	assert_non_null(big);
	assert_int_equal(
	    model_info(m, w, 7, MODEL_LINE_ERROR, "%s %d", "code", 42), 0);
	assert_int_equal(model_line(w, 0, &l), 0);
	assert_int_equal(l.kind, MODEL_LINE_ERROR);
	assert_int_equal(l.time_ms, 7);
	assert_string_equal(l.text, "code 42");
	assert_int_equal(l.sender_len, 0);
	/* Arguments are sanitised like any network text. */
	model_info(m, w, 7, MODEL_LINE_INFO, "[%s]", "a\x1b");
	assert_line_text(w, 1, "[a\xE2\x90\x9B]");
	/* Cut at the limit, never inside a code point. */
	memset(big, 'a', MODEL_TEXT_MAX - 1);
	memcpy(big + MODEL_TEXT_MAX - 1, "\xC3\xA9", 3);
	model_info(m, w, 7, MODEL_LINE_INFO, "%s", big);
	assert_int_equal(model_line(w, 2, &l), 0);
	assert_int_equal(l.text_len, MODEL_TEXT_MAX - 1);
	assert_int_equal(l.text[l.text_len - 1], 'a');
	free(big);
	model_free(m);
}

/* 2026-12-03 00:00 UTC, in ms: day 20790. */
#define DEC3 ((uint64_t)20790 * 86400 * 1000)
#define HOUR ((uint64_t)3600 * 1000)

static void
test_day_text(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(model_day_text(0, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "Thu 1 Jan 1970");
	model_day_text(20790, buf, sizeof(buf));
	assert_string_equal(buf, "Thu 3 Dec 2026");
	model_day_text(-1, buf, sizeof(buf));
	assert_string_equal(buf, "Wed 31 Dec 1969");
	/* 2000 is a leap year, 2100 is not. */
	model_day_text(11016, buf, sizeof(buf));
	assert_string_equal(buf, "Tue 29 Feb 2000");
	model_day_text(47541, buf, sizeof(buf));
	assert_string_equal(buf, "Mon 1 Mar 2100");
	/* Cut to the buffer. */
	assert_int_equal(model_day_text(20790, buf, 4), 3);
	assert_string_equal(buf, "Thu");
	assert_true(model_day(DEC3, 0) == 20790);
	assert_true(model_day(DEC3 - 1, 0) == 20789);
	/* East of UTC the day starts earlier, west later. */
	assert_true(model_day(DEC3 - HOUR, 3600) == 20790);
	assert_true(model_day(DEC3 + HOUR, -7200) == 20789);
}

/*
 * A day row goes above a line whose local day is not its predecessor's,
 * and above the oldest line kept when it is not today's.
 */
static void
test_day_changes(void **state)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *w = model_win_at(m, 0);
	int64_t day = 0;
	uint64_t b;

	(void)state;
	assert_non_null(m);
	model_add(m, w, DEC3 - 14 * HOUR, MODEL_LINE_MSG, 0, "a", 1, "x", 1);
	model_add(m, w, DEC3 - 1, MODEL_LINE_MSG, 0, "a", 1, "y", 1);
	model_add(m, w, DEC3 + HOUR, MODEL_LINE_MSG, 0, "a", 1, "z", 1);
	model_add(m, w, DEC3 + 2 * HOUR, MODEL_LINE_MSG, 0, "a", 1, "z", 1);
	b = model_lines_begin(w);
	/* No clock yet: only changes between lines. */
	assert_false(model_day_changes(w, b, &day));
	assert_false(model_day_changes(w, b + 1, &day));
	assert_true(model_day_changes(w, b + 2, &day));
	assert_true(day == 20790);
	assert_false(model_day_changes(w, b + 3, &day));
	assert_false(model_day_changes(w, b + 4, &day));
	/* Today is Dec 3: the oldest line, of Dec 2, says its day. */
	model_set_clock(m, DEC3 + 5 * HOUR, 0);
	assert_true(model_day_changes(w, b, &day));
	assert_true(day == 20789);
	/* Two hours east, the line at 23:59:59 UTC is on Dec 3 too. */
	model_set_clock(m, DEC3 + 5 * HOUR, 7200);
	assert_true(model_day_changes(w, b, &day));
	assert_true(model_day_changes(w, b + 1, &day));
	assert_true(day == 20790);
	assert_false(model_day_changes(w, b + 2, &day));
	/* A window whose oldest line is today's has no row above it. */
	model_set_clock(m, DEC3 - 13 * HOUR, 0);
	assert_false(model_day_changes(w, b, &day));
	model_free(m);
}

/*
 * Older lines go above: the lines after move one index up with the view
 * and the unread marker; a full window takes none; the bytes count.
 */
static void
test_insert(void **state)
{
	struct model *m = model_new(MODEL_SCROLLBACK_MIN);
	struct model_win *w, *st;
	struct model_line l;
	uint64_t b, i;
	size_t bytes;

	(void)state;
	assert_non_null(m);
	st = model_win_at(m, 0);
	w = model_open(m, MODEL_WIN_CHANNEL, "c", 1, "#c", 2);
	assert_non_null(w);
	assert_int_equal(
	    model_add_seq(m, w, 5, MODEL_LINE_MSG, 0, 10, "a", 1, "ten", 3), 0);
	assert_int_equal(
	    model_add_seq(m, w, 6, MODEL_LINE_MSG, 0, 11, "a", 1, "eleven", 6),
	    0);
	/* Left with both seen, then one more: the marker is on "twelve". */
	model_select(m, 1);
	model_select(m, 0);
	assert_int_equal(
	    model_add_seq(m, w, 7, MODEL_LINE_MSG, 0, 12, "a", 1, "twelve", 6),
	    0);
	b = model_lines_begin(w);
	assert_true(model_win_marker(w) == b + 2);
	model_win_scroll(w, b + 1, 0);
	assert_int_equal(model_win_unread(w), 1);
	bytes = model_bytes(m);
	assert_int_equal(
	    model_insert(m, w, b, 1, MODEL_LINE_MSG, 0, 8, "a", 1, "eight", 5),
	    0);
	assert_int_equal(model_insert(m, w, b + 1, 2, MODEL_LINE_ACT, 0, 9, "a",
	                     1, "nine", 4),
	    0);
	assert_int_equal(model_bytes(m), bytes + 24 + 2 + 6 + 24 + 2 + 5);
	assert_true(model_lines_begin(w) == b);
	assert_true(model_lines_end(w) == b + 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(model_line(w, b + i, &l), 0);
		assert_true(l.seq == 8 + i);
		assert_int_equal(l.flags & MODEL_FLAG_HISTORY, 0);
	}
	assert_true(model_win_anchor(w) == b + 3);
	assert_true(model_win_marker(w) == b + 4);
	assert_int_equal(model_win_unread(w), 1);
	assert_true(model_win_oldest_seq(w) == 8);
	/* Past the end is an append; before the beginning, the beginning. */
	assert_int_equal(model_insert(m, w, b + 99, 9, MODEL_LINE_MSG, 0, 13,
	                     "a", 1, "thirteen", 8),
	    0);
	assert_int_equal(model_line(w, b + 5, &l), 0);
	assert_true(l.seq == 13);
	assert_int_equal(
	    model_insert(m, w, 0, 0, MODEL_LINE_MSG, 0, 7, "a", 1, "seven", 5),
	    0);
	assert_int_equal(model_line(w, model_lines_begin(w), &l), 0);
	assert_true(l.seq == 7);
	/* A full window takes no older line. */
	for (i = 0;
	     model_lines_end(st) - model_lines_begin(st) < MODEL_SCROLLBACK_MIN;
	     i++)
		add_num(m, st, (unsigned long)i);
	assert_int_equal(model_insert(m, st, model_lines_begin(st), 0,
	                     MODEL_LINE_MSG, 0, 1, "a", 1, "old", 3),
	    1);
	assert_int_equal(model_line(st, model_lines_begin(st), &l), 0);
	assert_string_equal(l.text, "0");
	model_free(m);
}

/* Members in each window of the keyed-table test. */
#define KEY_MEMBERS 200

/*
 * Members added before the key is set are found after it (the tables are
 * rehashed), and so are those added after it, in a window opened before
 * and one opened after.
 */
static void
test_key_rehashes(void **state)
{
	const struct hmap_key key = {0x243f6a8885a308d3u, 0x13198a2e03707344u};
	struct model *m = model_new(100);
	struct model_win *a, *b;
	char name[16];
	int i, len;

	(void)state;
	assert_non_null(m);
	a = model_open(m, MODEL_WIN_CHANNEL, "id-a", 4, "#a", 2);
	assert_non_null(a);
	for (i = 0; i < KEY_MEMBERS; i++) {
		len = snprintf(name, sizeof(name), "User%d", i);
		assert_int_equal(model_member_add(a, name, (size_t)len), 0);
	}
	model_set_hash_key(m, &key);
	b = model_open(m, MODEL_WIN_CHANNEL, "id-b", 4, "#b", 2);
	assert_non_null(b);
	for (i = 0; i < KEY_MEMBERS; i++) {
		len = snprintf(name, sizeof(name), "user%d", i);
		assert_true(model_member_has(a, name, (size_t)len));
		assert_false(model_member_has(b, name, (size_t)len));
		assert_int_equal(model_member_add(b, name, (size_t)len), 0);
	}
	for (i = 0; i < KEY_MEMBERS; i++) {
		len = snprintf(name, sizeof(name), "USER%d", i);
		assert_true(model_member_has(b, name, (size_t)len));
		assert_true(model_member_remove(a, name, (size_t)len));
		assert_false(model_member_has(a, name, (size_t)len));
	}
	assert_int_equal(model_member_count(a), 0);
	assert_int_equal(model_member_count(b), KEY_MEMBERS);
	model_free(m);
}

/* Mentions by highlight words; the alerts the bell rings for; unread total. */
static void
test_highlights_alerts(void **state)
{
	static const char many[] = "a b c d e f g h i j k l m n o p q";
	char longw[MODEL_HIGHLIGHT_LEN + 2];
	struct model *m = model_new(100);
	struct model_win *c, *d;
	struct model_line l;

	(void)state;
	assert_non_null(m);
	model_set_self(m, "carol", 5);
	c = open_chan(m, "C", "#rust");
	d = model_open(m, MODEL_WIN_DM, "bob", 3, "bob", 3);
	assert_non_null(d);
	assert_int_equal(model_set_highlights(m, " rust  Release ", 15), 0);
	assert_true(model_is_mention(m, "a new release!", 14));
	assert_true(model_is_mention(m, "hi Carol", 8));
	assert_false(model_is_mention(m, "rusty", 5));
	/* Too many words, or one too long: nothing changes. */
	assert_int_equal(model_set_highlights(m, many, strlen(many)), -1);
	memset(longw, 'x', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	assert_int_equal(model_set_highlights(m, longw, strlen(longw)), -1);
	assert_true(model_is_mention(m, "rust", 4));
	assert_int_equal(model_take_alerts(m), 0);

	/* A highlight word marks the line and alerts once. */
	assert_int_equal(model_add(m, c, 1, MODEL_LINE_MSG, 0, "bob", 3,
	                     "rust 2.0 is out", 15),
	    0);
	assert_int_equal(model_line(c, model_lines_end(c) - 1, &l), 0);
	assert_int_equal(l.flags, MODEL_FLAG_MENTION);
	assert_int_equal(model_win_mentioned(c), 1);
	assert_int_equal(model_take_alerts(m), 1);
	assert_int_equal(model_take_alerts(m), 0);
	/* Plain lines, one's own, history and notices do not. */
	model_add(m, c, 2, MODEL_LINE_MSG, 0, "bob", 3, "hello", 5);
	model_add(
	    m, c, 3, MODEL_LINE_MSG, MODEL_FLAG_SELF, "carol", 5, "rust", 4);
	model_add(
	    m, c, 4, MODEL_LINE_MSG, MODEL_FLAG_HISTORY, "bob", 3, "carol", 5);
	model_info(m, c, 5, MODEL_LINE_INFO, "carol rust");
	assert_int_equal(model_take_alerts(m), 0);
	/* Every message in a conversation does, even shown. */
	model_select(m, model_win_index(m, d));
	model_add(m, d, 6, MODEL_LINE_MSG, 0, "bob", 3, "psst", 4);
	model_add(m, d, 7, MODEL_LINE_ACT, 0, "bob", 3, "waves", 5);
	assert_int_equal(model_take_alerts(m), 2);
	/* Unread: two in #rust (not shown); none in the shown DM. */
	assert_int_equal(model_unread_total(m), 2);
	model_select(m, 0);
	model_add(m, d, 8, MODEL_LINE_MSG, 0, "bob", 3, "more", 4);
	assert_int_equal(model_unread_total(m), 3);
	model_select(m, model_win_index(m, c));
	assert_int_equal(model_unread_total(m), 1);
	/* No words: only the name. */
	assert_int_equal(model_set_highlights(m, "", 0), 0);
	assert_false(model_is_mention(m, "rust", 4));
	model_free(m);
}

struct added_seen {
	unsigned calls;
	const struct model_win *w;
	char text[32];
	uint64_t seq;
};

static void
added_cb(void *ctx, const struct model_win *w, const struct model_line *l)
{
	struct added_seen *seen = ctx;

	seen->calls++;
	seen->w = w;
	seen->seq = l->seq;
	snprintf(
	    seen->text, sizeof(seen->text), "%.*s", (int)l->text_len, l->text);
}

/* The chat log's hook: every line appended, as stored; not inserts. */
static void
test_added_cb(void **state)
{
	struct model *m = model_new(0);
	struct model_win *w;
	struct added_seen seen;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	model_set_added_cb(m, added_cb, &seen);
	w = model_open(m, MODEL_WIN_CHANNEL, "c1", 2, "#c", 2);
	assert_int_equal(
	    model_add_seq(m, w, 1, MODEL_LINE_MSG, 0, 7, "a", 1, "x\x1by", 3),
	    0);
	assert_int_equal(seen.calls, 1);
	assert_ptr_equal(seen.w, w);
	assert_int_equal(seen.seq, 7);
	/* Sanitised, as stored. */
	assert_null(strchr(seen.text, '\x1b'));
	assert_int_equal(model_info(m, w, 2, MODEL_LINE_INFO, "n %d", 1), 0);
	assert_int_equal(seen.calls, 2);
	assert_string_equal(seen.text, "n 1");
	assert_int_equal(
	    model_insert(m, w, model_lines_begin(w), 0, MODEL_LINE_MSG,
	        MODEL_FLAG_HISTORY, 3, "a", 1, "old", 3),
	    0);
	assert_int_equal(seen.calls, 2);
	model_set_added_cb(m, NULL, NULL);
	assert_int_equal(
	    model_add(m, w, 3, MODEL_LINE_MSG, 0, "a", 1, "z", 1), 0);
	assert_int_equal(seen.calls, 2);
	model_free(m);
}

/* A hidden line goes to the chat log only: not kept, not unread, no alert. */
static void
test_hidden_lines(void **state)
{
	struct model *m = model_new(0);
	struct model_win *w, *dm;
	struct added_seen seen;
	char t[16];

	(void)state;
	memset(&seen, 0, sizeof(seen));
	model_set_self(m, "carol", 5);
	model_set_added_cb(m, added_cb, &seen);
	w = model_open(m, MODEL_WIN_CHANNEL, "c1", 2, "#c", 2);
	dm = model_open(m, MODEL_WIN_DM, "bob", 3, "bob", 3);
	assert_int_equal(model_add(m, w, 5, MODEL_LINE_EVENT, MODEL_FLAG_HIDDEN,
	                     "", 0, "bob joined", 10),
	    0);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.text, "bob joined");
	assert_int_equal(model_lines_end(w), model_lines_begin(w));
	assert_int_equal(model_add(m, dm, 5, MODEL_LINE_MSG, MODEL_FLAG_HIDDEN,
	                     "bob", 3, "carol!", 6),
	    0);
	assert_int_equal(seen.calls, 2);
	assert_int_equal(model_lines_end(dm), model_lines_begin(dm));
	assert_int_equal(model_win_unread(dm), 0);
	assert_false(model_win_mentioned(dm));
	assert_int_equal(model_take_alerts(m), 0);
	/* A window's filter and the time column are kept for the client. */
	assert_int_equal(model_win_filter(w), 0);
	model_win_set_filter(w, 3);
	assert_int_equal(model_win_filter(w), 3);
	model_set_clock(m, 0, 3600);
	assert_int_equal(model_time_text(m, 60000, t, sizeof(t)), 5);
	assert_string_equal(t, "01:01");
	model_set_time_format(m, "[%H.%M.%S]", 10);
	model_time_text(m, 61000, t, sizeof(t));
	assert_string_equal(t, "[01.01.01]");
	model_free(m);
}

/*
 * The count of what the state file keeps moves when a window opens,
 * closes or is rekeyed and when its join filter changes; lines, reads,
 * selections and members leave it.
 */
static void
test_state_gen(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w;
	uint64_t g;

	(void)state;
	assert_non_null(m);
	g = model_state_gen(m);
	w = model_open(m, MODEL_WIN_CHANNEL, "R", 1, "#rust", 5);
	assert_non_null(w);
	assert_true(model_state_gen(m) > g);
	g = model_state_gen(m);
	/* Open already: found, nothing new. */
	assert_ptr_equal(
	    model_open(m, MODEL_WIN_CHANNEL, "R", 1, "#rust", 5), w);
	assert_int_equal(
	    model_add(m, w, 1000, MODEL_LINE_MSG, 0, "bob", 3, "hi", 2), 0);
	model_select(m, 1);
	model_select(m, 0);
	model_win_set_joined(w, 1);
	model_win_set_seq(w, 7);
	(void)model_member_add(w, "bob", 3);
	model_win_set_filter(w, model_win_filter(w));
	assert_int_equal(model_state_gen(m), g);
	model_win_set_filter(w, model_win_filter(w) + 1);
	assert_true(model_state_gen(m) > g);
	g = model_state_gen(m);
	model_win_rekey(m, w, "S", 1, "#rust", 5);
	assert_true(model_state_gen(m) > g);
	g = model_state_gen(m);
	/* The status window cannot close: no move. */
	model_close(m, model_win_at(m, 0));
	assert_int_equal(model_state_gen(m), g);
	model_close(m, w);
	assert_true(model_state_gen(m) > g);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_highlights_alerts),
	    cmocka_unit_test(test_key_rehashes),
	    cmocka_unit_test(test_new_free),
	    cmocka_unit_test(test_ring_limits),
	    cmocka_unit_test(test_ring_eviction),
	    cmocka_unit_test(test_line_fields),
	    cmocka_unit_test(test_add_sanitises),
	    cmocka_unit_test(test_add_cuts),
	    cmocka_unit_test(test_bytes_counted_exactly),
	    cmocka_unit_test(test_bytes_capped),
	    cmocka_unit_test(test_bytes_keep_one_line),
	    cmocka_unit_test(test_mention_rules),
	    cmocka_unit_test(test_mention_kinds),
	    cmocka_unit_test(test_mention_forced),
	    cmocka_unit_test(test_unread),
	    cmocka_unit_test(test_marker),
	    cmocka_unit_test(test_find_mention),
	    cmocka_unit_test(test_windows_find_open),
	    cmocka_unit_test(test_windows_limit),
	    cmocka_unit_test(test_windows_close),
	    cmocka_unit_test(test_windows_rekey_state),
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_members_cap),
	    cmocka_unit_test(test_scroll),
	    cmocka_unit_test(test_next_activity),
	    cmocka_unit_test(test_info),
	    cmocka_unit_test(test_day_text),
	    cmocka_unit_test(test_day_changes),
	    cmocka_unit_test(test_insert),
	    cmocka_unit_test(test_added_cb),
	    cmocka_unit_test(test_hidden_lines),
	    cmocka_unit_test(test_state_gen),
	};

	return cmocka_run_group_tests_name("model", tests, setup_locale, NULL);
}

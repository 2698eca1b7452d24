/* test_complete.c: tests for tab completion, applied through the editor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "complete.h"
#include "editor.h"
#include "slash.h"

struct fixture {
	struct editor *ed;
	struct complete c;
	struct complete_sources src;
};

static const char *const nicks[] = {
    "alice", "Albert", "bob", "dev_bob", "zed", "zack"};
static const char *const channels[] = {
    "#general", "#games", "#dev", "dev", "Dev", "bobs"};

static int
setup(void **state)
{
	static struct fixture f;
	const char *const *names;

	memset(&f, 0, sizeof(f));
	f.ed = editor_new();
	if (f.ed == NULL)
		return -1;
	f.src.nicks = nicks;
	f.src.n_nicks = sizeof(nicks) / sizeof(nicks[0]);
	f.src.channels = channels;
	f.src.n_channels = sizeof(channels) / sizeof(channels[0]);
	names = slash_names(&f.src.n_commands);
	f.src.commands = names;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	editor_free(f->ed);
	return 0;
}

/* Replaces the line with s, the cursor at code point index at. */
static void
type(struct fixture *f, const char *s, size_t at)
{
	editor_clear(f->ed);
	assert_int_equal(editor_insert_utf8(f->ed, s, strlen(s)), EDITOR_OK);
	editor_home(f->ed);
	while (at-- > 0)
		editor_right(f->ed);
	complete_reset(&f->c);
}

/* Presses Tab: completes and applies the edit; returns complete_next(). */
static int
tab(struct fixture *f)
{
	struct complete_edit e;
	int r;

	r = complete_next(&f->c, editor_text(f->ed), editor_len(f->ed),
	    editor_cursor(f->ed), &f->src, &e);
	if (r) {
		assert_int_equal(e.len, strlen(e.text));
		assert_int_equal(
		    editor_replace_utf8(f->ed, e.start, e.end, e.text, e.len),
		    EDITOR_OK);
	}
	return r;
}

/* Checks the line and that the cursor is at code point index cursor. */
static void
expect(struct fixture *f, const char *s, size_t cursor)
{
	char buf[EDITOR_UTF8_MAX];

	editor_text_utf8(f->ed, buf, sizeof(buf));
	assert_string_equal(buf, s);
	assert_int_equal(editor_cursor(f->ed), cursor);
}

/* Types line, presses Tab once per entry of want and checks each line. */
static void
cycle(struct fixture *f, const char *line, const char *const *want, size_t n)
{
	size_t i;

	type(f, line, strlen(line));
	for (i = 0; i < n; i++) {
		if (!tab(f))
			fail_msg("\"%s\": Tab %zu found nothing", line, i);
		expect(f, want[i], strlen(want[i]));
	}
}

static void
test_nick_line_start(void **state)
{
	static const char *const want[] = {"alice: ", "Albert: ", "alice: "};
	static const char *const z[] = {"zed: ", "zack: ", "zed: "};

	cycle(*state, "al", want, 3);
	/* Case-insensitive; most recent speaker first. */
	cycle(*state, "AL", want, 2);
	cycle(*state, "z", z, 3);
}

static void
test_nick_mid_line(void **state)
{
	static const char *const want[] = {
	    "hi alice ", "hi Albert ", "hi alice "};
	/* Nicks first, then channels. */
	static const char *const bo[] = {"ok bob ", "ok bobs ", "ok bob "};
	static const char *const de[] = {"x dev_bob ", "x dev ", "x dev_bob "};

	cycle(*state, "hi al", want, 3);
	cycle(*state, "ok bo", bo, 3);
	/* "Dev" is the channel "dev" again: offered once. */
	cycle(*state, "x de", de, 3);
}

static void
test_channels(void **state)
{
	static const char *const hash[] = {
	    "see #general ", "see #games ", "see #general "};
	static const char *const join[] = {"/join #general ", "/join #games ",
	    "/join #dev ", "/join dev ", "/join bobs ", "/join #general "};
	static const char *const who[] = {"/WHO dev ", "/WHO dev "};
	static const char *const leave[] = {"/leave  bobs "};

	cycle(*state, "see #g", hash, 3);
	/* After /join, an empty word lists every channel, nicks never. */
	cycle(*state, "/join ", join, 6);
	cycle(*state, "/WHO d", who, 2);
	cycle(*state, "/leave  b", leave, 1);
}

static void
test_commands(void **state)
{
	static const char *const jo[] = {"/join ", "/join "};
	static const char *const n[] = {"/names ", "/nick ", "/names "};
	static const char *const help[] = {"/help join ", "/help join "};
	static const char *const msg[] = {"/msg alice ", "/msg Albert "};
	struct fixture *f = *state;
	const char *const *names;
	char want[32];
	size_t i, count;

	cycle(f, "/jo", jo, 2);
	cycle(f, "/J", jo, 1);
	cycle(f, "/n", n, 3);
	cycle(f, "/help jo", help, 2);
	/* After /msg only nicks, and no ": " since it is not at the start. */
	cycle(f, "/msg a", msg, 2);

	/* A lone "/" cycles through every command in order. */
	names = slash_names(&count);
	type(f, "/", 1);
	for (i = 0; i < count + 1; i++) {
		assert_true(tab(f));
		strcpy(want, "/");
		strcat(want, names[i % count]);
		strcat(want, " ");
		expect(f, want, strlen(want));
	}

	/* Not at the start of the line: not a command. */
	type(f, "hi /jo", 6);
	assert_false(tab(f));
	expect(f, "hi /jo", 6);
	type(f, "/xyz", 4);
	assert_false(tab(f));
	expect(f, "/xyz", 4);
}

static void
test_no_match(void **state)
{
	struct fixture *f = *state;

	type(f, "", 0);
	assert_false(tab(f));
	/* An empty word in plain text is not completed. */
	type(f, "hi ", 3);
	assert_false(tab(f));
	expect(f, "hi ", 3);
	type(f, "hi qq", 5);
	assert_false(tab(f));
	expect(f, "hi qq", 5);
	/* The second argument of /join is plain text again. */
	type(f, "/join #dev ", 11);
	assert_false(tab(f));
	/* ASCII folding only. */
	type(f, "\xC3\x89", 1);
	assert_false(tab(f));
}

static void
test_mid_word(void **state)
{
	static const char *const want = "alice: ice";
	struct fixture *f = *state;

	/* Only the part before the cursor is replaced. */
	type(f, "alice", 2);
	assert_true(tab(f));
	expect(f, want, 7);
	assert_true(tab(f));
	expect(f, "Albert: ice", 8);
}

static void
test_reset(void **state)
{
	struct fixture *f = *state;

	type(f, "al", 2);
	assert_true(tab(f));
	expect(f, "alice: ", 7);
	/* Another edit: the caller resets, the next Tab starts afresh. */
	editor_backspace(f->ed);
	editor_backspace(f->ed);
	complete_reset(&f->c);
	assert_true(tab(f));
	expect(f, "alice: ", 7);
	assert_true(tab(f));
	expect(f, "alice: ", 7);

	/* A caller that forgot to reset: the moved cursor restarts it. */
	type(f, "x al", 4);
	assert_true(tab(f));
	expect(f, "x alice ", 8);
	editor_left(f->ed);
	assert_true(tab(f));
	expect(f, "x alice  ", 8);
}

static void
test_sources_empty(void **state)
{
	static const char *const odd[] = {NULL, "", "ab"};
	struct fixture *f = *state;
	struct complete_edit e;
	struct complete_sources none;
	uint32_t line[] = {'a'};

	memset(&none, 0, sizeof(none));
	complete_reset(&f->c);
	assert_false(complete_next(&f->c, line, 1, 1, &none, &e));
	assert_false(complete_next(&f->c, line, 0, 0, &none, &e));
	/* A cursor beyond the line. */
	assert_false(complete_next(&f->c, line, 1, 2, &f->src, &e));
	/* A NULL or empty candidate is skipped. */
	none.nicks = odd;
	none.n_nicks = 3;
	assert_true(complete_next(&f->c, line, 1, 1, &none, &e));
	assert_string_equal(e.text, "ab: ");
	assert_int_equal(e.start, 0);
	assert_int_equal(e.end, 1);
}

/* Fills s with n copies of 'a'. */
static void
as(char *s, size_t n)
{
	memset(s, 'a', n);
	s[n] = '\0';
}

static void
test_limits(void **state)
{
	struct fixture *f = *state;
	char word[COMPLETE_WORD_MAX + 2], big[COMPLETE_TEXT_MAX + 1];
	char fits[COMPLETE_TEXT_MAX], line[COMPLETE_TEXT_MAX + 8];
	const char *cands[2];
	struct complete_sources src;

	memset(&src, 0, sizeof(src));
	src.nicks = cands;
	src.n_nicks = 2;
	/* At the start of a line a nick takes 2 more bytes and a NUL. */
	as(big, COMPLETE_TEXT_MAX - 2);
	as(fits, COMPLETE_TEXT_MAX - 3);
	cands[0] = big;
	cands[1] = fits;
	f->src = src;
	type(f, "a", 1);
	assert_true(tab(f));
	strcpy(line, fits);
	strcat(line, ": ");
	expect(f, line, COMPLETE_TEXT_MAX - 1);
	assert_true(tab(f));
	expect(f, line, COMPLETE_TEXT_MAX - 1);

	/* A word of COMPLETE_WORD_MAX bytes completes; one more does not. */
	as(word, COMPLETE_WORD_MAX);
	type(f, word, COMPLETE_WORD_MAX);
	assert_true(tab(f));
	as(word, COMPLETE_WORD_MAX + 1);
	type(f, word, COMPLETE_WORD_MAX + 1);
	assert_false(tab(f));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_nick_line_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_nick_mid_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_match, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mid_word, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sources_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	};

	return cmocka_run_group_tests_name("complete", tests, NULL, NULL);
}

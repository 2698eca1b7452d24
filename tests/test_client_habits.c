/* test_client_habits.c: the client's filters (/ignore, /filter) and the
 * windows it restores from its state, driven through a fake I/O shell. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fakeshell.h"
#include "filter.h"
#include "model.h"
#include "proto.h"
#include "state.h"

#define UID    "127.0.0.1:40000"
#define RUST   "V1StGXR8_Z5jdHi6B-myT"
#define GO     "Go1StGXR8_Z5jdHi6B-my"
#define MIN_MS 60000ULL

/* The shell, and what the chat log was handed. */
struct env {
	struct fakeshell_env s;
	unsigned logged;
	char last_logged[64];
};

static void
log_cb(void *ctx, const struct model_win *w, const struct model_line *l)
{
	struct env *e = ctx;

	(void)w;
	e->logged++;
	snprintf(e->last_logged, sizeof(e->last_logged), "%s", l->text);
}

static void
feed(struct env *e, const char *line, uint64_t now)
{
	client_line(e->s.c, line, strlen(line), now);
}

static enum client_input_result
type(struct env *e, const char *line)
{
	return client_input(e->s.c, line, strlen(line), 1000);
}

static int
has_text(const struct model_win *w, const char *s)
{
	return fakeshell_has_line(w, -1, s);
}

static const char *
last_text(const struct model_win *w)
{
	struct model_line l;

	assert_true(model_lines_end(w) > model_lines_begin(w));
	assert_int_equal(model_line(w, model_lines_end(w) - 1, &l), 0);
	return l.text;
}

static void
env_start(struct env *e)
{
	memset(e, 0, sizeof(*e));
	fakeshell_start(&e->s, "carol", 1000);
	model_set_added_cb(e->s.m, log_cb, e);
}

static void
env_register(struct env *e)
{
	client_connecting(e->s.c, "localhost:7000", 1000);
	client_connected(e->s.c, 1000);
	feed(e, "hello$1$3072$32$txt-chatd/0.1.0", 1000);
	feed(e, "registered$" UID "$carol", 1000);
	feed(e, "joined$" UID "$personal$1$~carol", 1000);
	feed(e, "history_end$" UID "$0", 1000);
	assert_int_equal(client_state(e->s.c), CLIENT_ONLINE);
}

/* The join sequence of channel id (name) with members carol and bob. */
static void
joined(struct env *e, const char *id, const char *name, uint64_t now)
{
	char line[128];

	snprintf(line, sizeof(line), "joined$%s$channel$2$%s", id, name);
	feed(e, line, now);
	snprintf(line, sizeof(line), "names$%s$carol bob", id);
	feed(e, line, now);
	snprintf(line, sizeof(line), "names_end$%s$2", id);
	feed(e, line, now);
	snprintf(line, sizeof(line), "history_end$%s$0", id);
	feed(e, line, now);
}

static struct model_win *
rust(struct env *e)
{
	struct model_win *w =
	    model_find(e->s.m, MODEL_WIN_CHANNEL, RUST, strlen(RUST));

	assert_non_null(w);
	return w;
}

static void
test_ignore(void **state)
{
	struct env e;
	struct model_win *w, *st;
	uint64_t end;
	unsigned logged;

	(void)state;
	env_start(&e);
	env_register(&e);
	st = model_win_at(e.s.m, 0);
	assert_int_equal(type(&e, "/ignore"), CLIENT_INPUT_DONE);
	assert_non_null(strstr(last_text(st), "nobody is ignored"));
	assert_int_equal(type(&e, "/ignore carol"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/ignore b$d"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/ignore bob"), CLIENT_INPUT_DONE);
	assert_non_null(strstr(last_text(st), "ignoring bob"));
	assert_int_equal(type(&e, "/ignore BOB"), CLIENT_INPUT_DONE);
	assert_non_null(strstr(last_text(st), "ignored already"));
	type(&e, "/join #rust");
	joined(&e, RUST, "#rust", 2000);
	w = rust(&e);
	model_select(e.s.m, 0);
	end = model_lines_end(w);
	logged = e.logged;
	/* A message, an action, a join, a part, a quit, a rename of bob or
	 * a look-alike: none shown, none logged, none unread. */
	feed(&e, "msg$" RUST "$1$3000$B0b$buy carol my stuff", 3000);
	feed(&e, "act$" RUST "$2$3000$bob$spams", 3000);
	feed(&e, "part$" RUST "$3000$bob", 3000);
	feed(&e, "join$" RUST "$3000$bob", 3000);
	feed(&e, "nick$3000$bob$bob2", 3000);
	feed(&e, "nick$3000$bob2$bob", 3000);
	feed(&e, "quit$3000$bob$bye", 3000);
	assert_int_equal(model_lines_end(w), end + 1);
	/* Only bob2's rename back shows: bob2 is not ignored. */
	assert_string_equal(last_text(w), "bob2 is now known as bob");
	assert_int_equal(e.logged, logged + 1);
	assert_int_equal(model_win_unread(w), 0);
	assert_int_equal(model_take_alerts(e.s.m), 0);
	/* The seq went on: the same line again is not news. */
	assert_int_equal(model_win_seq(w), 2);
	/* Direct messages from bob open no window. */
	feed(&e, "dm$3000$bob$carol$psst", 3000);
	assert_null(model_find(e.s.m, MODEL_WIN_DM, "bob", 3));
	/* Others are untouched. */
	feed(&e, "msg$" RUST "$3$3000$dave$hi", 3000);
	assert_string_equal(last_text(w), "hi");
	assert_int_equal(model_win_unread(w), 1);
	assert_int_equal(type(&e, "/ignore"), CLIENT_INPUT_DONE);
	assert_string_equal(last_text(st), "ignored (1): bob");
	assert_int_equal(type(&e, "/unignore b0b"), CLIENT_INPUT_DONE);
	assert_int_equal(type(&e, "/unignore bob"), CLIENT_INPUT_KEEP);
	feed(&e, "msg$" RUST "$4$3000$bob$back", 3000);
	assert_string_equal(last_text(w), "back");
	fakeshell_end(&e.s);
}

static void
test_filter_joins(void **state)
{
	struct env e;
	struct model_win *w;
	uint64_t end, t = 100 * MIN_MS;
	unsigned logged;

	(void)state;
	env_start(&e);
	env_register(&e);
	type(&e, "/join #rust");
	joined(&e, RUST, "#rust", 2000);
	w = rust(&e);
	/* The status window has nothing to filter. */
	model_select(e.s.m, 0);
	assert_int_equal(type(&e, "/filter joins all"), CLIENT_INPUT_KEEP);
	model_select(e.s.m, model_win_index(e.s.m, w));
	assert_int_equal(type(&e, "/filter"), CLIENT_INPUT_DONE);
	assert_non_null(strstr(last_text(w), "off, the default"));
	assert_int_equal(type(&e, "/filter parts smart"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/filter joins some"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/filter joins smart"), CLIENT_INPUT_DONE);
	assert_non_null(strstr(last_text(w), "smart"));
	assert_int_equal(model_win_filter(w), FILTER_JOINS_SMART);
	model_select(e.s.m, 0);
	/* bob speaks; dave never does. */
	feed(&e, "msg$" RUST "$1$6000000$bob$hello", t);
	end = model_lines_end(w);
	logged = e.logged;
	feed(&e, "join$" RUST "$6000000$dave", t);
	feed(&e, "part$" RUST "$6060000$dave", t + MIN_MS);
	/* Hidden: not kept, not unread, but in the chat log. */
	assert_int_equal(model_lines_end(w), end);
	assert_int_equal(e.logged, logged + 2);
	assert_string_equal(e.last_logged, "dave left");
	assert_int_equal(model_win_unread(w), 1);
	/* bob spoke a minute ago: his part shows. */
	feed(&e, "part$" RUST "$6060000$bob", t + MIN_MS);
	assert_string_equal(last_text(w), "bob left");
	/* Ten minutes later he is silent again: his join is hidden. */
	end = model_lines_end(w);
	feed(&e, "join$" RUST "$6600000$bob", t + 10 * MIN_MS);
	feed(&e, "quit$6600000$bob$gone", t + 10 * MIN_MS);
	assert_int_equal(model_lines_end(w), end);
	/* all hides everyone's; off shows them again. */
	model_select(e.s.m, model_win_index(e.s.m, w));
	type(&e, "/filter joins all");
	feed(&e, "msg$" RUST "$2$6600000$erin$hi", t + 10 * MIN_MS);
	end = model_lines_end(w);
	feed(&e, "part$" RUST "$6600000$erin", t + 10 * MIN_MS);
	assert_int_equal(model_lines_end(w), end);
	type(&e, "/filter joins off");
	feed(&e, "join$" RUST "$6600000$frank", t + 10 * MIN_MS);
	assert_string_equal(last_text(w), "frank joined");
	/* The default follows the config's join_filter. */
	type(&e, "/filter joins default");
	assert_int_equal(model_win_filter(w), FILTER_JOINS_DEFAULT);
	client_set_join_filter(e.s.c, FILTER_JOINS_ALL, 10);
	end = model_lines_end(w);
	feed(&e, "part$" RUST "$6600000$frank", t + 10 * MIN_MS);
	assert_int_equal(model_lines_end(w), end);
	/* In a conversation, a direct message counts as speaking. */
	type(&e, "/query gina");
	w = model_find(e.s.m, MODEL_WIN_DM, "gina", 4);
	assert_non_null(w);
	type(&e, "/filter joins smart");
	feed(&e, "dm$6600000$gina$carol$hi", t + 10 * MIN_MS);
	feed(&e, "quit$6660000$gina$bye", t + 11 * MIN_MS);
	assert_string_equal(last_text(w), "gina quit (bye)");
	fakeshell_end(&e.s);
}

static void
test_state_restore(void **state)
{
	static struct state st;
	struct env e;
	struct model_win *w;
	struct model_line l;

	(void)state;
	env_start(&e);
	env_register(&e);
	type(&e, "/join #rust");
	joined(&e, RUST, "#rust", 2000);
	type(&e, "/query dave");
	type(&e, "/join #go");
	joined(&e, GO, "#go", 2000);
	model_select(e.s.m, model_win_index(e.s.m, rust(&e)));
	type(&e, "/filter joins all");
	type(&e, "/ignore mallory");
	/* Someone else's personal channel is not kept: its id dies with
	 * its owner's connection. */
	feed(&e, "dm$1500$bob$carol$hi", 2000);
	type(&e, "/join 127.0.0.1:50000");
	feed(&e, "joined$127.0.0.1:50000$personal$2$~bob", 2000);
	feed(&e, "history_end$127.0.0.1:50000$0", 2000);
	assert_int_equal(model_win_count(e.s.m), 7);
	client_state_get(e.s.c, &st);
	/* This user's own personal channel keeps its place, by no name. */
	assert_int_equal(st.nwins, 5);
	assert_int_equal(st.wins[0].kind, MODEL_WIN_PERSONAL);
	assert_string_equal(st.wins[0].name, "");
	assert_string_equal(st.wins[1].name, "#rust");
	assert_int_equal(st.wins[1].filter, FILTER_JOINS_ALL);
	assert_int_equal(st.wins[2].kind, MODEL_WIN_DM);
	assert_string_equal(st.wins[2].name, "dave");
	assert_string_equal(st.wins[3].name, "#go");
	assert_string_equal(st.wins[4].name, "bob");
	assert_int_equal(st.nignores, 1);
	assert_string_equal(st.ignores[0], "mallory");
	fakeshell_end(&e.s);

	/* The next run: the windows come back in order before connecting. */
	env_start(&e);
	client_state_restore(e.s.c, &st, 1000);
	assert_int_equal(model_win_count(e.s.m), 6);
	assert_string_equal(model_win_name(model_win_at(e.s.m, 1)), "~carol");
	assert_string_equal(model_win_name(model_win_at(e.s.m, 2)), "#rust");
	assert_string_equal(model_win_name(model_win_at(e.s.m, 3)), "dave");
	assert_string_equal(model_win_name(model_win_at(e.s.m, 4)), "#go");
	assert_int_equal(
	    model_win_filter(model_win_at(e.s.m, 2)), FILTER_JOINS_ALL);
	assert_true(filter_is_ignored(client_filter(e.s.c), "mallory", 7));
	/* Registered, the channels are joined in order. */
	env_register(&e);
	assert_int_equal(e.s.f.nsent, 4);
	assert_string_equal(e.s.f.sent[2], "join$" UID "$#rust");
	assert_string_equal(e.s.f.sent[3], "join$" UID "$#go");
	fakeshell_clear(&e.s.f);
	/* #rust is there, with history: a join like a new one, whose
	 * history is not news. */
	feed(&e, "joined$" RUST "$channel$2$#rust", 2000);
	feed(&e, "names$" RUST "$carol bob", 2000);
	feed(&e, "names_end$" RUST "$2", 2000);
	feed(&e, "msg$" RUST "$7$1500$bob$carol, old news", 2000);
	feed(&e, "history_end$" RUST "$1", 2000);
	w = model_win_at(e.s.m, 2);
	assert_ptr_equal(rust(&e), w);
	assert_int_equal(model_win_joined(w), 1);
	assert_int_equal(model_win_unread(w), 0);
	assert_int_equal(model_take_alerts(e.s.m), 0);
	assert_true(has_text(w, "you joined #rust"));
	assert_int_equal(model_line(w, model_lines_end(w) - 2, &l), 0);
	assert_true(l.flags & MODEL_FLAG_HISTORY);
	/* #go is gone from the server: said, and made again as /join does. */
	feed(&e, "error$no_such_channel$join$no such channel: #go", 2000);
	assert_int_equal(e.s.f.nsent, 1);
	assert_string_equal(e.s.f.sent[0], "create_chan$" UID "$#go");
	assert_true(has_text(model_win_at(e.s.m, 4), "no longer exists"));
	/* The window order is unchanged by the joins: the personal channel
	 * took its old place, under its new id. */
	assert_int_equal(model_win_count(e.s.m), 6);
	assert_string_equal(model_win_name(model_win_at(e.s.m, 1)), "~carol");
	assert_string_equal(model_win_key(model_win_at(e.s.m, 1)), UID);
	assert_string_equal(model_win_name(model_win_at(e.s.m, 4)), "#go");
	fakeshell_end(&e.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ignore),
	    cmocka_unit_test(test_filter_joins),
	    cmocka_unit_test(test_state_restore),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_client.c: tests for the client's rules, driven through a fake I/O shell.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fakeshell.h"
#include "layout.h"
#include "model.h"
#include "proto.h"

#define UID    "127.0.0.1:40000"
#define UID2   "127.0.0.1:40001"
#define RUST   "V1StGXR8_Z5jdHi6B-myT"
#define RUST2  "Xx1StGXR8_Z5jdHi6B-my"
#define BOBUID "127.0.0.1:50000"

static void
feed(struct fakeshell_env *e, const char *line, uint64_t now)
{
	client_line(e->c, line, strlen(line), now);
}

static enum client_input_result
type(struct fakeshell_env *e, const char *line)
{
	return client_input(e->c, line, strlen(line), 1000);
}

/* The text of the last line of w. */
static const char *
last_text(const struct model_win *w)
{
	struct model_line l;

	assert_true(model_lines_end(w) > model_lines_begin(w));
	assert_int_equal(model_line(w, model_lines_end(w) - 1, &l), 0);
	return l.text;
}

/* The last line of w. */
static struct model_line
last_line(const struct model_win *w)
{
	struct model_line l;

	assert_true(model_lines_end(w) > model_lines_begin(w));
	assert_int_equal(model_line(w, model_lines_end(w) - 1, &l), 0);
	return l;
}

static size_t
line_count(const struct model_win *w)
{
	return (size_t)(model_lines_end(w) - model_lines_begin(w));
}

static struct model_win *
status(struct fakeshell_env *e)
{
	return model_win_at(e->m, 0);
}

static struct model_win *
current(struct fakeshell_env *e)
{
	return model_win_at(e->m, model_current(e->m));
}

static struct model_win *
chan(struct fakeshell_env *e, const char *id)
{
	struct model_win *w =
	    model_find(e->m, MODEL_WIN_CHANNEL, id, strlen(id));

	assert_non_null(w);
	return w;
}

/* Connects and registers as carol under uid; the personal window opens. */
static void
env_register(struct fakeshell_env *e, const char *uid)
{
	char line[256];

	client_connecting(e->c, "localhost:7000", 1000);
	client_connected(e->c, 1000);
	feed(e, PROTO_WELCOME, 1000);
	feed(e, "", 1000);
	feed(e, "hello$1$3072$32$txt-chatd/0.1.0", 1000);
	snprintf(line, sizeof(line), "registered$%s$carol", uid);
	feed(e, line, 1000);
	snprintf(line, sizeof(line), "joined$%s$personal$1$~carol", uid);
	feed(e, line, 1000);
	snprintf(line, sizeof(line), "names$%s$carol", uid);
	feed(e, line, 1000);
	snprintf(line, sizeof(line), "names_end$%s$1", uid);
	feed(e, line, 1000);
	snprintf(line, sizeof(line), "history_end$%s$0", uid);
	feed(e, line, 1000);
	assert_int_equal(client_state(e->c), CLIENT_ONLINE);
	fakeshell_clear(&e->f);
}

static void
env_online(struct fakeshell_env *e)
{
	fakeshell_start(e, "carol", 1000);
	env_register(e, UID);
}

/* The join sequence of #rust with members carol, alice, bob and n history
 * lines. */
static void
join_rust(struct fakeshell_env *e, const char *id, uint64_t n)
{
	char line[256];
	uint64_t i;

	snprintf(line, sizeof(line), "joined$%s$channel$3$#rust", id);
	feed(e, line, 2000);
	snprintf(line, sizeof(line), "names$%s$carol alice", id);
	feed(e, line, 2000);
	snprintf(line, sizeof(line), "names$%s$bob", id);
	feed(e, line, 2000);
	snprintf(line, sizeof(line), "names_end$%s$3", id);
	feed(e, line, 2000);
	for (i = 1; i <= n; i++) {
		snprintf(line, sizeof(line),
		    "msg$%s$%" PRIu64 "$1500$alice$old %" PRIu64, id, i, i);
		feed(e, line, 2000);
	}
	snprintf(line, sizeof(line), "history_end$%s$%" PRIu64, id, n);
	feed(e, line, 2000);
}

static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

static void
test_connect_register(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	assert_string_equal(client_name(e.c), "carol");
	assert_int_equal(client_lag(e.c), -1);
	assert_int_equal(client_text_max(e.c), PROTO_TEXT_MAX);
	client_connecting(e.c, "localhost:7000", 1000);
	assert_int_equal(client_state(e.c), CLIENT_CONNECTING);
	fakeshell_assert_line(status(&e), MODEL_LINE_INFO, "localhost:7000");
	client_connected(e.c, 1000);
	assert_int_equal(client_state(e.c), CLIENT_HELLO);
	fakeshell_expect(&e.f, "hello$1");
	/* The welcome and anything else before the reply are skipped. */
	feed(&e, PROTO_WELCOME, 1000);
	feed(&e, "", 1000);
	feed(&e, "msg$x$1$1$a$b", 1000);
	feed(&e, "ping$1", 1000);
	fakeshell_expect_none(&e.f);
	assert_int_equal(client_state(e.c), CLIENT_HELLO);
	feed(&e, "hello$1$2000$32$txt-chatd/0.1.0", 1000);
	assert_int_equal(client_state(e.c), CLIENT_REGISTERING);
	assert_int_equal(client_text_max(e.c), 2000);
	fakeshell_expect(&e.f, "reg$carol");
	feed(&e, "registered$" UID "$carol", 1000);
	assert_int_equal(client_state(e.c), CLIENT_ONLINE);
	assert_string_equal(model_self(e.m), "carol");
	fakeshell_expect_none(&e.f);
	/* The personal channel's join sequence opens its window, unshown. */
	feed(&e, "joined$" UID "$personal$1$~carol", 1000);
	feed(&e, "names$" UID "$carol", 1000);
	feed(&e, "names_end$" UID "$1", 1000);
	feed(&e, "history_end$" UID "$0", 1000);
	assert_int_equal(model_win_count(e.m), 2);
	assert_int_equal(model_current(e.m), 0);
	w = model_win_at(e.m, 1);
	assert_int_equal(model_win_kind(w), MODEL_WIN_PERSONAL);
	assert_string_equal(model_win_name(w), "~carol");
	assert_string_equal(model_win_key(w), UID);
	assert_int_equal(model_win_joined(w), 1);
	assert_int_equal(model_member_count(w), 1);
	assert_int_equal(line_count(w), 0);
	/* Silent names: nothing printed anywhere. */
	assert_false(fakeshell_has_line(status(&e), MODEL_LINE_INFO, "carol:"));
	/* A second registered means nothing. */
	feed(&e, "registered$" UID2 "$mallory", 1000);
	assert_string_equal(client_name(e.c), "carol");
	fakeshell_end(&e);
}

/* The text limit of hello is taken when this side can send it. */
static void
test_hello_text_max(void **state)
{
	static const struct {
		const char *line;
		size_t want;
	} cases[] = {
	    {"hello$1$1$32$x", 1},
	    {"hello$1$3071$32$x", 3071},
	    {"hello$1$3072$32$x", 3072},
	    {"hello$1$3073$32$x", 3072},
	    {"hello$1$0$32$x", 3072},
	};
	struct fakeshell_env e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fakeshell_start(&e, "carol", 1000);
		client_connected(e.c, 1);
		feed(&e, cases[i].line, 1);
		assert_int_equal(client_text_max(e.c), cases[i].want);
		fakeshell_end(&e);
	}
}

static void
test_name_taken(void **state)
{
	struct fakeshell_env e;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	client_connected(e.c, 1000);
	feed(&e, "hello$1$3072$32$x", 1000);
	fakeshell_clear(&e.f);
	feed(&e, "error$name_taken$reg$name is already in use: carol", 1000);
	assert_int_equal(client_state(e.c), CLIENT_REGISTERING);
	fakeshell_assert_line(status(&e), MODEL_LINE_ERROR,
	    "the name carol is taken; pick another with /nick NAME");
	/* A name that is not valid is refused here. */
	assert_int_equal(type(&e, "/nick car$ol"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/nick -x"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	assert_int_equal(type(&e, "/nick carol2"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "reg$carol2");
	assert_string_equal(client_name(e.c), "carol2");
	feed(&e, "error$bad_name$reg$names are ...", 1000);
	fakeshell_assert_line(status(&e), MODEL_LINE_ERROR,
	    "the name carol2 is not valid; pick another with /nick NAME");
	/* Messages wait for registration, and say what it needs. */
	assert_int_equal(type(&e, "/join #a"), CLIENT_INPUT_KEEP);
	assert_string_equal(last_text(status(&e)),
	    "not registered: pick a name with /nick NAME; not sent");
	assert_int_equal(type(&e, "/nick carol3"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "reg$carol3");
	assert_int_equal(type(&e, "/join #a"), CLIENT_INPUT_KEEP);
	assert_string_equal(
	    last_text(status(&e)), "not registered yet: not sent");
	feed(&e, "registered$" UID "$carol3", 1000);
	assert_int_equal(client_state(e.c), CLIENT_ONLINE);
	assert_string_equal(model_self(e.m), "carol3");
	fakeshell_end(&e);
}

/* A configured name that is not valid is never sent. */
static void
test_bad_config_name(void **state)
{
	struct fakeshell_env e;

	(void)state;
	fakeshell_start(&e, "bad name", 1000);
	client_connected(e.c, 1000);
	fakeshell_clear(&e.f);
	feed(&e, "hello$1$3072$32$x", 1000);
	fakeshell_expect_none(&e.f);
	assert_int_equal(client_state(e.c), CLIENT_REGISTERING);
	fakeshell_assert_line(
	    status(&e), MODEL_LINE_ERROR, "pick another with /nick NAME");
	/* Offline, /nick changes the name to register with. */
	client_disconnected(e.c, "eof", 2000, 7000);
	assert_int_equal(type(&e, "/nick dave"), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	assert_string_equal(client_name(e.c), "dave");
	client_connected(e.c, 8000);
	feed(&e, "hello$1$3072$32$x", 8000);
	fakeshell_expect(&e.f, "hello$1", "reg$dave");
	fakeshell_end(&e);
}

static void
test_join_history_switch(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;
	struct model_line l;

	(void)state;
	env_online(&e);
	/* No name or id is that long: said so, nothing sent. */
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e,
	                     "/join "
	                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	    CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	assert_string_equal(last_text(current(&e)),
	    "no channel name or id is longer than 64 bytes");
	assert_int_equal(type(&e, "/join #Rust"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "join$" UID "$#Rust");
	join_rust(&e, RUST, 2);
	w = chan(&e, RUST);
	/* The window asked for is shown once joined. */
	assert_ptr_equal(current(&e), w);
	assert_string_equal(model_win_name(w), "#rust");
	assert_int_equal(model_win_joined(w), 1);
	assert_int_equal(model_member_count(w), 3);
	/* Two lines of history, then where live lines begin. */
	assert_int_equal(line_count(w), 3);
	assert_int_equal(last_line(w).kind, MODEL_LINE_EVENT);
	assert_string_equal(last_text(w), "you joined #rust (3 members)");
	assert_int_equal(model_line(w, 0, &l), 0);
	assert_int_equal(l.flags, MODEL_FLAG_HISTORY);
	assert_int_equal(l.time_ms, 1500);
	assert_string_equal(l.sender, "alice");
	assert_string_equal(l.text, "old 1");
	assert_int_equal(model_win_seq(w), 2);
	/* A history speaker moves up the member list. */
	assert_string_equal(model_member(w, 0), "alice");
	/* Live lines after history_end. */
	model_select(e.m, 0);
	feed(&e, "msg$" RUST "$3$3000$bob$hello carol", 3000);
	l = last_line(w);
	assert_int_equal(l.kind, MODEL_LINE_MSG);
	assert_int_equal(l.flags, MODEL_FLAG_MENTION);
	assert_int_equal(l.time_ms, 3000);
	assert_int_equal(model_win_unread(w), 1);
	assert_int_equal(model_win_mentioned(w), 1);
	assert_string_equal(model_member(w, 0), "bob");
	feed(&e, "act$" RUST "$4$3001$Carol$waves", 3001);
	l = last_line(w);
	assert_int_equal(l.kind, MODEL_LINE_ACT);
	assert_int_equal(l.flags, MODEL_FLAG_SELF);
	assert_int_equal(model_win_unread(w), 1);
	/* A line seen already is skipped. */
	feed(&e, "msg$" RUST "$4$3002$bob$dup", 3002);
	feed(&e, "msg$" RUST "$2$3002$bob$dup", 3002);
	assert_false(fakeshell_has_line(w, MODEL_LINE_MSG, "dup"));
	assert_int_equal(model_win_seq(w), 4);
	/* /create switches too, once the join sequence comes. */
	assert_int_equal(type(&e, "/create dev"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "create_chan$" UID "$dev");
	feed(&e, "created$D$dev", 3100);
	feed(&e, "joined$D$channel$1$dev", 3100);
	feed(&e, "names$D$carol", 3100);
	feed(&e, "names_end$D$1", 3100);
	feed(&e, "history_end$D$0", 3100);
	assert_string_equal(model_win_name(current(&e)), "dev");
	/* A join that fails forgets the switch (an id is not created). */
	assert_int_equal(
	    type(&e, "/join Nn1StGXR8_Z5jdHi6B-my"), CLIENT_INPUT_DONE);
	fakeshell_clear(&e.f);
	feed(&e,
	    "error$no_such_channel$join$no such channel: "
	    "Nn1StGXR8_Z5jdHi6B-my",
	    3200);
	fakeshell_expect_none(&e.f);
	assert_string_equal(last_text(current(&e)),
	    "no such channel: Nn1StGXR8_Z5jdHi6B-my; /create makes one");
	assert_int_equal(last_line(current(&e)).kind, MODEL_LINE_ERROR);
	feed(&e, "joined$N$channel$1$nowhere", 3300);
	feed(&e, "history_end$N$0", 3300);
	assert_string_equal(model_win_name(current(&e)), "dev");
	fakeshell_end(&e);
}

static void
test_reconnect_same_ids(void **state)
{
	struct fakeshell_env e;
	struct model_win *w, *own;
	struct model_line l;
	size_t n;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 3);
	w = chan(&e, RUST);
	own = model_win_at(e.m, 1);
	fakeshell_clear(&e.f);
	n = model_win_count(e.m);
	client_disconnected(e.c, "connection reset", 5000, 10000);
	assert_int_equal(client_state(e.c), CLIENT_OFFLINE);
	fakeshell_assert_line(status(&e), MODEL_LINE_INFO,
	    "disconnected: connection reset; reconnecting in 5 s");
	fakeshell_assert_line(
	    w, MODEL_LINE_INFO, "disconnected: connection reset");
	assert_int_equal(model_win_joined(w), 0);
	assert_int_equal(model_win_rejoin(w), 1);
	assert_int_equal(model_win_rejoin(own), 0);
	assert_int_equal(model_member_count(w), 0);
	assert_int_equal(client_member_count(e.c), 0);
	assert_int_equal(client_next_tick(e.c), UINT64_MAX);
	/* Offline, typed text is kept. */
	assert_int_equal(type(&e, "are you there?"), CLIENT_INPUT_KEEP);
	assert_string_equal(last_text(w), "not connected: not sent");
	fakeshell_expect_none(&e.f);
	/* Same server: the same ids come back. */
	client_connected(e.c, 11000);
	feed(&e, "hello$1$3072$32$x", 11000);
	feed(&e, "registered$" UID2 "$carol", 11000);
	fakeshell_expect(&e.f, "hello$1", "reg$carol", "join$" UID2 "$#rust");
	feed(&e, "joined$" UID2 "$personal$1$~carol", 11000);
	feed(&e, "history_end$" UID2 "$0", 11000);
	/* The personal window is re-keyed, not opened again. */
	assert_int_equal(model_win_count(e.m), n);
	assert_string_equal(model_win_key(own), UID2);
	assert_int_equal(model_win_joined(own), 1);
	model_select(e.m, 0);
	join_rust(&e, RUST, 4);
	/* Only the line not seen yet is added; the view stays. */
	assert_int_equal(model_current(e.m), 0);
	assert_int_equal(model_win_count(e.m), n);
	assert_string_equal(last_text(w), "you rejoined #rust (3 members)");
	/* 3 lines of history, the join, 2 notices, the new line and the
	 * rejoin. */
	assert_int_equal(line_count(w), 8);
	assert_int_equal(model_win_seq(w), 4);
	assert_int_equal(model_win_joined(w), 1);
	assert_int_equal(model_win_rejoin(w), 0);
	assert_int_equal(model_member_count(w), 3);
	/* The line missed while away counts as unread, unlike history
	 * shown on a first join. */
	assert_int_equal(model_win_unread(w), 1);
	assert_int_equal(model_line(w, model_lines_end(w) - 2, &l), 0);
	assert_string_equal(l.text, "old 4");
	assert_int_equal(l.flags & MODEL_FLAG_HISTORY, 0);
	/* And a mention missed while away is a mention. */
	client_disconnected(e.c, "eof", 12000, 13000);
	client_connected(e.c, 13000);
	feed(&e, "hello$1$3072$32$x", 13000);
	feed(&e, "registered$" UID2 "$carol", 13000);
	feed(&e, "joined$" RUST "$channel$3$#rust", 13000);
	feed(&e, "msg$" RUST "$4$1500$alice$old 4", 13000);
	feed(&e, "msg$" RUST "$5$12500$alice$carol, are you there?", 13000);
	feed(&e, "history_end$" RUST "$2", 13000);
	assert_int_equal(model_line(w, model_lines_end(w) - 2, &l), 0);
	assert_string_equal(l.text, "carol, are you there?");
	assert_int_equal(model_win_unread(w), 2);
	assert_int_equal(model_win_mentioned(w), 1);
	fakeshell_end(&e);
}

static void
test_reconnect_new_ids(void **state)
{
	struct fakeshell_env e;
	struct model_win *w, *bob;
	size_t n;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 3);
	w = chan(&e, RUST);
	type(&e, "/join " BOBUID);
	feed(&e, "joined$" BOBUID "$personal$2$~bob", 2000);
	feed(&e, "history_end$" BOBUID "$0", 2000);
	bob = model_find(e.m, MODEL_WIN_PERSONAL, BOBUID, strlen(BOBUID));
	assert_non_null(bob);
	model_select(e.m, model_win_index(e.m, w));
	/* A DM window is not rejoined. */
	feed(&e, "dm$1$dave$carol$hi", 2000);
	fakeshell_clear(&e.f);
	n = model_win_count(e.m);
	client_disconnected(e.c, "eof", 5000, 5000);
	fakeshell_assert_line(
	    status(&e), MODEL_LINE_INFO, "reconnecting in 0 s");
	client_connected(e.c, 6000);
	feed(&e, "hello$1$3072$32$x", 6000);
	feed(&e, "registered$" UID2 "$carol", 6000);
	/* Named channels by name, personal ones by id. */
	fakeshell_expect(&e.f, "hello$1", "reg$carol", "join$" UID2 "$#rust",
	    "join$" UID2 "$" BOBUID);
	feed(&e, "joined$" UID2 "$personal$1$~carol", 6000);
	feed(&e, "history_end$" UID2 "$0", 6000);
	/* The server restarted: #rust has a new id and new history. */
	join_rust(&e, RUST2, 2);
	assert_int_equal(model_win_count(e.m), n);
	assert_ptr_equal(chan(&e, RUST2), w);
	assert_null(model_find(e.m, MODEL_WIN_CHANNEL, RUST, strlen(RUST)));
	assert_int_equal(model_win_seq(w), 2);
	/* 3 lines of history, the join, the notice, the new history and
	 * the rejoin. */
	assert_int_equal(line_count(w), 3 + 1 + 1 + 2 + 1);
	assert_string_equal(last_text(w), "you rejoined #rust (3 members)");
	feed(&e, "msg$" RUST2 "$3$7000$bob$new", 7000);
	assert_string_equal(last_text(w), "new");
	/* bob's channel is gone: an error, and the window stays. */
	feed(&e, "error$no_such_channel$join$no such channel: " BOBUID, 6000);
	fakeshell_assert_line(current(&e), MODEL_LINE_ERROR, "~bob is gone");
	fakeshell_assert_line(
	    bob, MODEL_LINE_ERROR, "/leave closes the window");
	assert_int_equal(model_win_joined(bob), 0);
	/* It is not joined: /leave just closes it. */
	model_select(e.m, model_win_index(e.m, bob));
	assert_int_equal(type(&e, "/leave"), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	assert_int_equal(model_win_count(e.m), n - 1);
	fakeshell_end(&e);
}

/* After a server restart a rejoined channel is gone: the client makes it again.
 */
static void
test_reconnect_channel_gone(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 1);
	w = chan(&e, RUST);
	fakeshell_clear(&e.f);
	client_disconnected(e.c, "eof", 5000, 5000);
	client_connected(e.c, 6000);
	feed(&e, "hello$1$3072$32$x", 6000);
	feed(&e, "registered$" UID2 "$carol", 6000);
	fakeshell_expect(&e.f, "hello$1", "reg$carol", "join$" UID2 "$#rust");
	fakeshell_clear(&e.f);
	feed(&e, "joined$" UID2 "$personal$1$~carol", 6000);
	feed(&e, "history_end$" UID2 "$0", 6000);
	feed(&e, "error$no_such_channel$join$no such channel: #rust", 6000);
	fakeshell_expect(&e.f, "create_chan$" UID2 "$#rust");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "making it again");
	fakeshell_clear(&e.f);
	/* Someone else made it first: join theirs. */
	feed(
	    &e, "error$channel_exists$create_chan$channel exists: #rust", 6000);
	fakeshell_expect(&e.f, "join$" UID2 "$#rust");
	fakeshell_clear(&e.f);
	join_rust(&e, RUST2, 0);
	assert_ptr_equal(chan(&e, RUST2), w);
	assert_int_equal(model_win_joined(w), 1);
	/* A user's own /join of a missing id is only an error. */
	type(&e, "/join Nn1StGXR8_Z5jdHi6B-my");
	fakeshell_clear(&e.f);
	feed(&e,
	    "error$no_such_channel$join$no such channel: "
	    "Nn1StGXR8_Z5jdHi6B-my",
	    7000);
	fakeshell_expect_none(&e.f);
	fakeshell_assert_line(current(&e), MODEL_LINE_ERROR, "no such channel");
	fakeshell_end(&e);
}

/* A disconnect before the rejoin was confirmed rejoins again next time. */
static void
test_reconnect_twice(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	client_disconnected(e.c, "eof", 5000, 6000);
	client_connected(e.c, 6000);
	feed(&e, "hello$1$3072$32$x", 6000);
	feed(&e, "registered$" UID2 "$carol", 6000);
	fakeshell_clear(&e.f);
	client_disconnected(e.c, "eof", 6500, 7000);
	client_connected(e.c, 7000);
	feed(&e, "hello$1$3072$32$x", 7000);
	feed(&e, "registered$" UID "$carol", 7000);
	fakeshell_expect(&e.f, "hello$1", "reg$carol", "join$" UID "$#rust");
	fakeshell_end(&e);
}

/* Messages sent and not yet back are counted, for a quit to wait on. */
static void
test_unechoed(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	assert_int_equal(client_unechoed(e.c), 0);
	type(&e, "one");
	type(&e, "/me two");
	type(&e, "/msg bob three");
	type(&e, "/names");
	assert_int_equal(client_unechoed(e.c), 3);
	feed(&e, "msg$" RUST "$1$3000$carol$one", 3000);
	feed(&e, "msg$" RUST "$2$3000$bob$not mine", 3000);
	assert_int_equal(client_unechoed(e.c), 2);
	feed(&e, "act$" RUST "$3$3000$carol$two", 3000);
	feed(&e, "dm$3000$carol$bob$three", 3000);
	assert_int_equal(client_unechoed(e.c), 0);
	/* A refusal counts as an answer; the count never goes below 0. */
	type(&e, "four");
	feed(&e, "error$not_member$send_msg$not a member", 3000);
	feed(&e, "error$not_member$send_msg$not a member", 3000);
	assert_int_equal(client_unechoed(e.c), 0);
	/* Lost with the connection. */
	type(&e, "five");
	client_disconnected(e.c, "eof", 4000, 5000);
	assert_int_equal(client_unechoed(e.c), 0);
	fakeshell_end(&e);
}

/*
 * A /nick while reg is on its way does not send a second reg: the name is
 * asked for with nick once registered, or with reg if the first is
 * refused.
 */
static void
test_nick_while_registering(void **state)
{
	struct fakeshell_env e;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	client_connected(e.c, 1000);
	feed(&e, "hello$1$3072$32$x", 1000);
	fakeshell_expect(&e.f, "hello$1", "reg$carol");
	assert_int_equal(type(&e, "/nick caz"), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	assert_string_equal(
	    last_text(status(&e)), "you will be caz once registered");
	feed(&e, "registered$" UID "$carol", 1000);
	fakeshell_expect(&e.f, "nick$" UID "$caz");
	/* Refused: the new name is asked for instead. */
	client_disconnected(e.c, "eof", 2000, 3000);
	client_connected(e.c, 3000);
	feed(&e, "hello$1$3072$32$x", 3000);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/nick dee"), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	feed(&e, "error$name_taken$reg$taken", 3000);
	fakeshell_expect(&e.f, "reg$dee");
	assert_string_equal(client_name(e.c), "dee");
	feed(&e, "registered$" UID2 "$dee", 3000);
	assert_int_equal(client_state(e.c), CLIENT_ONLINE);
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);
}

/*
 * The name is taken after a reconnect, most likely by the connection just
 * lost, which the server has not found dead yet: the client says so once,
 * where the user reads, and asks again every CLIENT_REG_RETRY_MS until the
 * name is free, rejoining then; /nick picks another instead.
 */
static void
test_reconnect_name_taken(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;
	size_t n;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = current(&e);
	client_disconnected(e.c, "eof", 5000, 6000);
	client_connected(e.c, 6000);
	feed(&e, "hello$1$3072$32$x", 6000);
	fakeshell_clear(&e.f);
	feed(&e, "error$name_taken$reg$taken", 6000);
	assert_int_equal(client_state(e.c), CLIENT_REGISTERING);
	assert_string_equal(last_text(w),
	    "the name carol is still taken, likely by the connection just "
	    "lost; asking again every 5 s (or pick another with /nick NAME)");
	fakeshell_assert_line(status(&e), MODEL_LINE_INFO, "still taken");
	assert_int_equal(client_next_tick(e.c), 6000 + CLIENT_REG_RETRY_MS);
	client_tick(e.c, 6000 + CLIENT_REG_RETRY_MS - 1);
	fakeshell_expect_none(&e.f);
	client_tick(e.c, 6000 + CLIENT_REG_RETRY_MS);
	fakeshell_expect(&e.f, "reg$carol");
	/* Taken again: asked again, but not said again. */
	n = line_count(w);
	feed(&e, "error$name_taken$reg$taken", 11000);
	assert_int_equal(line_count(w), n);
	assert_int_equal(client_next_tick(e.c), 11000 + CLIENT_REG_RETRY_MS);
	client_tick(e.c, 11000 + CLIENT_REG_RETRY_MS);
	fakeshell_expect(&e.f, "reg$carol");
	/* Free at last: registered, and the channels come back. */
	feed(&e, "registered$" UID2 "$carol", 16000);
	assert_int_equal(client_state(e.c), CLIENT_ONLINE);
	fakeshell_expect(&e.f, "join$" UID2 "$#rust");
	assert_true(client_next_tick(e.c) > 16000 + CLIENT_REG_RETRY_MS);
	/* Lost again: /nick while waiting stops the asking. */
	client_disconnected(e.c, "eof", 17000, 18000);
	client_connected(e.c, 18000);
	feed(&e, "hello$1$3072$32$x", 18000);
	feed(&e, "error$name_taken$reg$taken", 18000);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/nick carol2"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "reg$carol2");
	client_tick(e.c, 18000 + CLIENT_REG_RETRY_MS);
	fakeshell_expect_none(&e.f);
	feed(&e, "error$name_taken$reg$taken", 19000);
	assert_int_equal(client_next_tick(e.c), 19000 + CLIENT_REG_RETRY_MS);
	fakeshell_clear(&e.f);
	/* Text typed meanwhile is kept. */
	assert_int_equal(type(&e, "hello"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);
}

static void
test_join_part_quit_nick(void **state)
{
	struct fakeshell_env e;
	struct model_win *w, *dev, *dm, *own;
	size_t n;

	(void)state;
	env_online(&e);
	own = model_win_at(e.m, 1);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	type(&e, "/join dev");
	fakeshell_clear(&e.f);
	feed(&e, "joined$D$channel$2$dev", 2000);
	feed(&e, "names$D$carol bob", 2000);
	feed(&e, "names_end$D$2", 2000);
	feed(&e, "history_end$D$0", 2000);
	dev = chan(&e, "D");
	feed(&e, "dm$1$alice$carol$psst", 2000);
	dm = model_find(e.m, MODEL_WIN_DM, "alice", 5);
	assert_non_null(dm);

	feed(&e, "join$" RUST "$4000$dave", 4000);
	assert_string_equal(last_text(w), "dave joined");
	assert_int_equal(last_line(w).kind, MODEL_LINE_EVENT);
	assert_int_equal(last_line(w).time_ms, 4000);
	assert_true(model_member_has(w, "dave", 4));
	feed(&e, "part$" RUST "$4001$dave", 4001);
	assert_string_equal(last_text(w), "dave left");
	assert_false(model_member_has(w, "dave", 4));
	/* Events never count as unread. */
	assert_int_equal(model_win_unread(w), 0);
	/* Events for channels without a window are dropped. */
	feed(&e, "join$nochan$4000$dave", 4000);
	assert_ptr_equal(model_find(e.m, MODEL_WIN_CHANNEL, "nochan", 6), NULL);

	/* A quit shows wherever the quitter was. */
	feed(&e, "quit$4002$bob$gone fishing", 4002);
	assert_string_equal(last_text(w), "bob quit (gone fishing)");
	assert_string_equal(last_text(dev), "bob quit (gone fishing)");
	assert_false(model_member_has(w, "bob", 3));
	assert_false(model_member_has(dev, "bob", 3));
	assert_int_equal(line_count(own), 0);
	feed(&e, "quit$4003$alice$", 4003);
	assert_string_equal(last_text(w), "alice quit");
	assert_string_equal(last_text(dm), "alice quit");
	assert_false(fakeshell_has_line(dev, MODEL_LINE_EVENT, "alice"));

	/* A rename, in every window where the old name is. */
	feed(&e, "joined$" RUST "$channel$3$#rust", 5000);
	feed(&e, "names$" RUST "$carol alice bob", 5000);
	feed(&e, "names_end$" RUST "$3", 5000);
	feed(&e, "history_end$" RUST "$0", 5000);
	feed(&e, "nick$5001$Alice$alicia", 5001);
	assert_string_equal(last_text(w), "Alice is now known as alicia");
	assert_true(model_member_has(w, "alicia", 6));
	assert_false(model_member_has(w, "alice", 5));
	assert_false(fakeshell_has_line(dev, MODEL_LINE_EVENT, "alicia"));
	/* The conversation follows the new name. */
	assert_string_equal(model_win_key(dm), "alicia");
	assert_string_equal(model_win_name(dm), "alicia");
	assert_string_equal(last_text(dm), "Alice is now known as alicia");
	feed(&e, "dm$5002$alicia$carol$again", 5002);
	assert_string_equal(last_text(dm), "again");

	/* This user's own rename, read in one of its channels: said once
	 * there, in the user's terms, and once in the status window. */
	model_select(e.m, model_win_index(e.m, w));
	n = line_count(w);
	type(&e, "/nick caz");
	fakeshell_expect(&e.f, "nick$" UID "$caz");
	feed(&e, "nick$5003$carol$caz", 5003);
	assert_string_equal(client_name(e.c), "caz");
	assert_string_equal(model_self(e.m), "caz");
	assert_string_equal(model_win_name(own), "~caz");
	fakeshell_assert_line(
	    status(&e), MODEL_LINE_INFO, "you are now known as caz");
	assert_int_equal(line_count(w), n + 1);
	assert_int_equal(last_line(w).kind, MODEL_LINE_EVENT);
	assert_string_equal(last_text(w), "you are now known as caz");
	/* Read in a conversation, which holds no member list, it is said
	 * there too. */
	model_select(e.m, model_win_index(e.m, dm));
	n = line_count(dm);
	type(&e, "/nick carol");
	fakeshell_clear(&e.f);
	feed(&e, "nick$5003$caz$carol", 5003);
	assert_int_equal(line_count(dm), n + 1);
	assert_string_equal(last_text(dm), "you are now known as carol");
	assert_string_equal(last_text(w), "you are now known as carol");
	type(&e, "/nick caz");
	fakeshell_clear(&e.f);
	feed(&e, "nick$5003$carol$caz", 5003);
	feed(&e, "msg$" RUST "$1$5004$caz$me now", 5004);
	assert_int_equal(last_line(w).flags, MODEL_FLAG_SELF);
	feed(&e, "msg$" RUST "$2$5004$bob$hi caz", 5004);
	assert_int_equal(last_line(w).flags, MODEL_FLAG_MENTION);
	fakeshell_end(&e);
}

static void
test_dm(void **state)
{
	struct fakeshell_env e;
	struct model_win *dm;
	struct model_line l;

	(void)state;
	env_online(&e);
	feed(&e, "dm$4000$bob$carol$hi there", 4000);
	dm = model_find(e.m, MODEL_WIN_DM, "bob", 3);
	assert_non_null(dm);
	/* Opened, not shown; a direct message is a mention. */
	assert_int_equal(model_current(e.m), 0);
	assert_string_equal(model_win_name(dm), "bob");
	l = last_line(dm);
	assert_int_equal(l.kind, MODEL_LINE_MSG);
	assert_int_equal(l.flags, MODEL_FLAG_MENTION);
	assert_string_equal(l.sender, "bob");
	assert_int_equal(model_win_unread(dm), 1);
	assert_int_equal(model_win_mentioned(dm), 1);
	assert_int_equal(model_next_activity(e.m), model_win_index(e.m, dm));
	/* Our copy goes to the window of the other party. */
	feed(&e, "dm$4001$carol$BOB$hello", 4001);
	l = last_line(dm);
	assert_int_equal(l.flags, MODEL_FLAG_SELF);
	assert_string_equal(l.sender, "carol");
	assert_int_equal(model_win_unread(dm), 1);
	feed(&e, "dm_act$4002$Bob$carol$waves", 4002);
	assert_int_equal(last_line(dm).kind, MODEL_LINE_ACT);
	assert_int_equal(model_win_count(e.m), 3);
	/* Typing in it. */
	model_select(e.m, model_win_index(e.m, dm));
	assert_int_equal(type(&e, "how are you"), CLIENT_INPUT_DONE);
	assert_int_equal(type(&e, "/me smiles"), CLIENT_INPUT_DONE);
	fakeshell_expect(
	    &e.f, "dm$" UID "$bob$how are you", "dm_act$" UID "$bob$smiles");
	/* /leave closes it here; the server has nothing to leave. */
	assert_int_equal(type(&e, "/leave"), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	assert_int_equal(model_win_count(e.m), 2);
	fakeshell_end(&e);
}

static void
test_left_closed(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/leave"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "leave$" UID "$" RUST);
	assert_int_equal(model_win_count(e.m), 3);
	feed(&e, "left$" RUST, 3000);
	assert_int_equal(model_win_count(e.m), 2);
	assert_int_equal(model_current(e.m), 1);
	fakeshell_assert_line(status(&e), MODEL_LINE_INFO, "you left #rust");
	/* Not in the window shown once #rust closed: it is unrelated. */
	assert_false(
	    fakeshell_has_line(current(&e), MODEL_LINE_INFO, "you left"));
	/* A channel closed under us stays, not joined. */
	type(&e, "/join " BOBUID);
	fakeshell_clear(&e.f);
	feed(&e, "joined$" BOBUID "$personal$2$~bob", 3000);
	feed(&e, "names$" BOBUID "$bob carol", 3000);
	feed(&e, "names_end$" BOBUID "$2", 3000);
	feed(&e, "history_end$" BOBUID "$0", 3000);
	w = model_find(e.m, MODEL_WIN_PERSONAL, BOBUID, strlen(BOBUID));
	assert_non_null(w);
	feed(&e, "closed$" BOBUID "$bob quit", 3001);
	assert_int_equal(model_win_joined(w), 0);
	assert_int_equal(model_member_count(w), 0);
	fakeshell_assert_line(w, MODEL_LINE_INFO, "closed: bob quit");
	model_select(e.m, model_win_index(e.m, w));
	assert_int_equal(type(&e, "still here?"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	fakeshell_assert_line(w, MODEL_LINE_ERROR, "you are not in ~bob");
	/* Not reconnected to later. */
	client_disconnected(e.c, "eof", 4000, 5000);
	assert_int_equal(model_win_rejoin(w), 0);
	/* left for a channel without a window changes nothing. */
	client_connected(e.c, 5000);
	feed(&e, "hello$1$3072$32$x", 5000);
	feed(&e, "registered$" UID "$carol", 5000);
	feed(&e, "left$nochan", 5000);
	assert_int_equal(model_win_count(e.m), 3);
	fakeshell_end(&e);
}

static void
test_list_names(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/list"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "list$" UID);
	feed(&e, "list$" RUST "$channel$3$#rust", 3000);
	feed(&e, "list$D$channel$1$dev", 3000);
	feed(&e, "list_end$2", 3000);
	fakeshell_assert_line(w, MODEL_LINE_INFO, "#rust  3 members  " RUST);
	fakeshell_assert_line(w, MODEL_LINE_INFO, "dev  1 member  D");
	assert_string_equal(last_text(w), "2 channels");
	/* /names asks and prints the reply, which replaces the members but
	 * keeps the recent speakers first. */
	feed(&e, "msg$" RUST "$1$3000$bob$hi", 3000);
	assert_string_equal(model_member(w, 0), "bob");
	assert_int_equal(type(&e, "/names"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "names$" UID "$" RUST);
	feed(&e, "names$" RUST "$carol dave", 3000);
	feed(&e, "names$" RUST "$bob", 3000);
	feed(&e, "names_end$" RUST "$3", 3000);
	fakeshell_assert_line(w, MODEL_LINE_INFO, "#rust: carol dave");
	assert_string_equal(last_text(w), "#rust: 3 members");
	assert_int_equal(model_member_count(w), 3);
	assert_string_equal(model_member(w, 0), "bob");
	assert_true(model_member_has(w, "dave", 4));
	assert_false(model_member_has(w, "alice", 5));
	assert_int_equal(client_member_count(e.c), 3);
	feed(&e, "names$" RUST "$carol dave", 3000);
	feed(&e, "names_end$" RUST "$2", 3000);
	assert_int_equal(model_member_count(w), 2);
	assert_false(model_member_has(w, "bob", 3));
	/* Of another channel, by name. */
	assert_int_equal(type(&e, "/who #other"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "names$" UID "$#other");
	feed(&e, "names$O$zed", 3000);
	feed(&e, "names_end$O$1", 3000);
	fakeshell_assert_line(w, MODEL_LINE_INFO, "O: zed");
	assert_string_equal(last_text(w), "O: 1 member");
	/* Unasked replies are silent; failed asks are forgotten. */
	assert_int_equal(type(&e, "/names #gone"), CLIENT_INPUT_DONE);
	fakeshell_clear(&e.f);
	feed(&e, "error$no_such_channel$names$no such channel: #gone", 3000);
	feed(&e, "names$" RUST "$carol", 3000);
	feed(&e, "names_end$" RUST "$1", 3000);
	assert_string_equal(last_text(w), "no such channel: #gone");
	assert_int_equal(model_member_count(w), 1);
	/* Not in a window without a channel. */
	model_select(e.m, 0);
	assert_int_equal(type(&e, "/names"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);
}

static void
test_ping_pong_error(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_online(&e);
	feed(&e, "ping$abc", 2000);
	fakeshell_expect(&e.f, "pong$abc");
	/* A token that cannot be echoed is not. */
	feed(&e, "ping$a b", 2000);
	feed(&e, "ping$", 2000);
	fakeshell_expect_none(&e.f);
	/* An unexpected pong measures nothing. */
	feed(&e, "pong$123", 2000);
	assert_int_equal(client_lag(e.c), -1);
	/* Errors go to the window shown; closing ones to status too. */
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	feed(&e, "error$not_member$send_msg$you are not in it", 3000);
	assert_string_equal(
	    last_text(current(&e)), "you are not in it; /join it first");
	assert_false(
	    fakeshell_has_line(status(&e), MODEL_LINE_ERROR, "not in it"));
	feed(&e, "error$shutdown$*$server is stopping", 3000);
	assert_string_equal(last_text(current(&e)), "server is stopping");
	assert_string_equal(last_text(status(&e)), "server is stopping");
	/* No text: the code's own. */
	feed(&e, "error$channel_full$join$", 3000);
	assert_string_equal(last_text(current(&e)), "channel is full");
	fakeshell_end(&e);
}

static void
test_keepalive(void **state)
{
	struct fakeshell_env e;
	uint64_t t0 = 1000, t;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	assert_int_equal(client_next_tick(e.c), UINT64_MAX);
	client_tick(e.c, 1000000);
	fakeshell_expect_none(&e.f);
	env_register(&e, UID);
	/* Idle: a ping after CLIENT_PING_IDLE_MS of silence. */
	assert_int_equal(client_next_tick(e.c), t0 + CLIENT_PING_IDLE_MS);
	client_tick(e.c, t0 + CLIENT_PING_IDLE_MS - 1);
	fakeshell_expect_none(&e.f);
	/* Any line is life. */
	feed(&e, "ping$x", t0 + 100);
	fakeshell_clear(&e.f);
	t0 += 100;
	assert_int_equal(client_next_tick(e.c), t0 + CLIENT_PING_IDLE_MS);
	client_tick(e.c, t0 + CLIENT_PING_IDLE_MS - 1);
	fakeshell_expect_none(&e.f);
	t = t0 + CLIENT_PING_IDLE_MS;
	client_tick(e.c, t);
	assert_int_equal(e.f.nsent, 1);
	assert_string_equal(e.f.sent[0], "ping$31100");
	fakeshell_clear(&e.f);
	assert_int_equal(client_next_tick(e.c), t + CLIENT_PING_TIMEOUT_MS);
	/* One ping at a time. */
	client_tick(e.c, t + 10);
	fakeshell_expect_none(&e.f);
	/* Another token is not ours. */
	feed(&e, "pong$31101", t + 40);
	assert_int_equal(client_lag(e.c), -1);
	feed(&e, "pong$31100", t + 50);
	assert_int_equal(client_lag(e.c), 50);
	assert_int_equal(client_next_tick(e.c), t + 50 + CLIENT_PING_IDLE_MS);
	/* Unanswered: dropped at the deadline, not before. */
	t = t + 50 + CLIENT_PING_IDLE_MS;
	client_tick(e.c, t);
	fakeshell_clear(&e.f);
	client_tick(e.c, t + CLIENT_PING_TIMEOUT_MS - 1);
	assert_int_equal(e.f.drops, 0);
	/* A line meanwhile moves the deadline. */
	feed(&e, "list_end$0", t + 1000);
	assert_int_equal(
	    client_next_tick(e.c), t + 1000 + CLIENT_PING_TIMEOUT_MS);
	client_tick(e.c, t + CLIENT_PING_TIMEOUT_MS);
	assert_int_equal(e.f.drops, 0);
	client_tick(e.c, t + 1000 + CLIENT_PING_TIMEOUT_MS);
	assert_int_equal(e.f.drops, 1);
	assert_string_equal(e.f.why, "server not responding");
	fakeshell_expect_none(&e.f);
	/* Nothing more until the shell reconnects. */
	assert_int_equal(client_next_tick(e.c), UINT64_MAX);
	client_tick(e.c, t + 10 * CLIENT_PING_TIMEOUT_MS);
	assert_int_equal(e.f.drops, 1);
	fakeshell_expect_none(&e.f);
	client_disconnected(e.c, "server not responding", t + 1000, t + 6000);
	assert_int_equal(client_next_tick(e.c), UINT64_MAX);
	client_connected(e.c, 200000);
	feed(&e, "hello$1$3072$32$txt-chatd/0.1.0", 200000);
	fakeshell_clear(&e.f);
	assert_int_equal(client_next_tick(e.c), 200000 + CLIENT_PING_IDLE_MS);
	/* A late line after the deadline passed still drops at once. */
	client_tick(e.c, 200000 + CLIENT_PING_IDLE_MS + 5);
	fakeshell_expect(&e.f, "ping$230005");
	client_tick(e.c, 230005 + CLIENT_PING_TIMEOUT_MS + 1);
	assert_int_equal(e.f.drops, 2);
	fakeshell_end(&e);
}

static void
test_input_messages(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;
	char *text;
	size_t max;

	(void)state;
	env_online(&e);
	/* Not in the status window. */
	assert_int_equal(type(&e, "hello"), CLIENT_INPUT_KEEP);
	fakeshell_assert_line(status(&e), MODEL_LINE_INFO, "status window");
	assert_int_equal(type(&e, "/me waves"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "price is $5"), CLIENT_INPUT_DONE);
	assert_int_equal(type(&e, "//join x"), CLIENT_INPUT_DONE);
	assert_int_equal(type(&e, "/me waves"), CLIENT_INPUT_DONE);
	assert_int_equal(type(&e, ""), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "send_msg$" UID "$" RUST "$price is $5",
	    "send_msg$" UID "$" RUST "$/join x",
	    "send_act$" UID "$" RUST "$waves");
	/* The server echoes; nothing is shown before (but the join). */
	assert_int_equal(line_count(w), 1);
	/* Control characters and bad UTF-8 are refused, with the reason. */
	assert_int_equal(type(&e, "a\tb"), CLIENT_INPUT_KEEP);
	fakeshell_assert_line(w, MODEL_LINE_ERROR, "U+0009");
	assert_int_equal(type(&e,
	                     "a\xE2\x80\xAE"
	                     "b"),
	    CLIENT_INPUT_KEEP);
	fakeshell_assert_line(w, MODEL_LINE_ERROR, "U+202E");
	assert_int_equal(type(&e, "bad \xFF"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "two\nlines"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	/* The text limit at N and N+1. */
	max = client_text_max(e.c);
	text = malloc(max + 2);
	assert_non_null(text);
	memset(text, 'x', max + 1);
	text[max] = '\0';
	assert_int_equal(type(&e, text), CLIENT_INPUT_DONE);
	assert_int_equal(e.f.nsent, 1);
	assert_int_equal(
	    strlen(e.f.sent[0]), strlen("send_msg$" UID "$" RUST "$") + max);
	fakeshell_clear(&e.f);
	text[max] = 'x';
	text[max + 1] = '\0';
	assert_int_equal(type(&e, text), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	assert_string_equal(last_text(w),
	    "not sent: the text is 3073 bytes; the server takes at most 3072");
	free(text);
	fakeshell_end(&e);
}

/* A server with a lower text limit: N and N+1 at its limit. */
static void
test_input_text_max_low(void **state)
{
	struct fakeshell_env e;
	char text[102];

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	client_connected(e.c, 1);
	feed(&e, "hello$1$100$32$x", 1);
	feed(&e, "registered$" UID "$carol", 1);
	join_rust(&e, RUST, 0);
	model_select(e.m, model_win_index(e.m, chan(&e, RUST)));
	fakeshell_clear(&e.f);
	memset(text, 'y', 100);
	text[100] = '\0';
	assert_int_equal(type(&e, text), CLIENT_INPUT_DONE);
	fakeshell_clear(&e.f);
	text[100] = 'y';
	text[101] = '\0';
	assert_int_equal(type(&e, text), CLIENT_INPUT_KEEP);
	assert_string_equal(last_text(current(&e)),
	    "not sent: the text is 101 bytes; the server takes at most 100");
	/* /msg and /me follow the same limit. */
	assert_int_equal(type(&e,
	                     "/me yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	                     "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	                     "yyyyyyyyyyyyyyyy"),
	    CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);
}

static void
test_input_offline(void **state)
{
	static const char *const needs_server[] = {"/join #a", "/create a",
	    "/list", "/names #a", "/msg bob hi", "/leave #elsewhere"};
	struct fakeshell_env e;
	struct model_win *w;
	size_t i, n;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	client_disconnected(e.c, "eof", 3000, 8000);
	fakeshell_clear(&e.f);
	for (i = 0; i < sizeof(needs_server) / sizeof(needs_server[0]); i++) {
		n = line_count(w);
		assert_int_equal(type(&e, needs_server[i]), CLIENT_INPUT_KEEP);
		assert_int_equal(line_count(w), n + 1);
		assert_string_equal(last_text(w), "not connected: not sent");
		assert_int_equal(last_line(w).kind, MODEL_LINE_ERROR);
	}
	assert_int_equal(type(&e, "hello"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/me waves"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	/* What needs no server works. */
	assert_int_equal(type(&e, "/help"), CLIENT_INPUT_DONE);
	assert_int_equal(type(&e, "/clear"), CLIENT_INPUT_DONE);
	assert_int_equal(line_count(w), 0);
	/* /quit offline just quits. */
	assert_int_equal(client_quitting(e.c), 0);
	assert_int_equal(type(&e, "/quit bye"), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	assert_int_equal(client_quitting(e.c), 1);
	fakeshell_end(&e);
}

static void
test_slash_commands(void **state)
{
	struct fakeshell_env e;
	struct model_win *w, *dm;
	size_t n;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	fakeshell_clear(&e.f);
	/* Parse errors: slash's explanation, text kept. */
	assert_int_equal(type(&e, "/bogus x"), CLIENT_INPUT_KEEP);
	assert_string_equal(
	    last_text(w), "unknown command /bogus; /help lists them");
	assert_int_equal(type(&e, "/join"), CLIENT_INPUT_KEEP);
	assert_string_equal(last_text(w), "/join needs a channel name or id");
	assert_int_equal(type(&e, "/"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	/* /join and /create. */
	assert_int_equal(type(&e, "/join " RUST2), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "join$" UID "$" RUST2);
	assert_int_equal(type(&e, "/create bad!name"), CLIENT_INPUT_KEEP);
	fakeshell_assert_line(w, MODEL_LINE_ERROR, "not a valid channel name");
	assert_int_equal(type(&e, "/create #ok"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "create_chan$" UID "$#ok");
	/* A '$' in a channel would make a key field: refused here. */
	assert_int_equal(type(&e, "/join a$b"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	/* /nick. */
	assert_int_equal(type(&e, "/nick caz"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "nick$" UID "$caz");
	assert_string_equal(client_name(e.c), "carol");
	assert_int_equal(type(&e, "/nick ca$z"), CLIENT_INPUT_KEEP);
	fakeshell_assert_line(w, MODEL_LINE_ERROR, "is not a valid name");
	/* /msg opens the conversation, once the server has it, without going
	 * there; under the name as the server spells it. */
	assert_int_equal(type(&e, "/msg BOB hi $there"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "dm$" UID "$BOB$hi $there");
	assert_null(model_find(e.m, MODEL_WIN_DM, "bob", 3));
	/* Said where it was typed. */
	assert_string_equal(last_text(w), "to BOB: hi $there");
	feed(&e, "dm$3000$carol$bob$hi $there", 3000);
	dm = model_find(e.m, MODEL_WIN_DM, "bob", 3);
	assert_non_null(dm);
	assert_string_equal(model_win_name(dm), "bob");
	assert_string_equal(last_text(dm), "hi $there");
	assert_ptr_equal(current(&e), w);
	/* In the conversation itself, the echo is enough. */
	model_select(e.m, model_win_index(e.m, dm));
	assert_int_equal(type(&e, "/msg bob again"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "dm$" UID "$bob$again");
	assert_string_equal(last_text(dm), "hi $there");
	model_select(e.m, model_win_index(e.m, w));
	/* No such user: an error, and no window. */
	n = model_win_count(e.m);
	assert_int_equal(type(&e, "/msg nobody hi"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "dm$" UID "$nobody$hi");
	feed(&e, "error$no_such_user$dm$no such user: nobody", 3000);
	assert_int_equal(model_win_count(e.m), n);
	assert_string_equal(last_text(w), "no such user: nobody (not online)");
	assert_int_equal(type(&e, "/msg bo$b hi"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/msg bob a\x01"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	/* /leave by name and by id of a window, and of none. */
	assert_int_equal(type(&e, "/leave #RUST"), CLIENT_INPUT_DONE);
	assert_int_equal(type(&e, "/leave " RUST), CLIENT_INPUT_DONE);
	assert_int_equal(type(&e, "/leave #elsewhere"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "leave$" UID "$" RUST, "leave$" UID "$" RUST,
	    "leave$" UID "$#elsewhere");
	n = model_win_count(e.m);
	model_select(e.m, 0);
	assert_int_equal(type(&e, "/leave"), CLIENT_INPUT_KEEP);
	assert_int_equal(model_win_count(e.m), n);
	model_select(e.m, model_win_index(e.m, w));
	/* /clear. */
	assert_true(line_count(w) > 0);
	assert_int_equal(type(&e, "/clear"), CLIENT_INPUT_DONE);
	assert_int_equal(line_count(w), 0);
	/* /help: every command, then the keys. */
	assert_int_equal(type(&e, "/help"), CLIENT_INPUT_DONE);
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/join <name|id>");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/create <name>");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/leave [channel]");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/list");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/names [channel]");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/who");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/nick <name>");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/msg <name> <text>");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/me <action>");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/clear");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/help [command|more]");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "/quit [reason]");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Alt-1");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Alt-0");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Ctrl-N");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Alt-Left");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Alt-A");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "PgUp");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Alt-Home");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Ctrl-L");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Tab");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Up, Down");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Ctrl-W");
	n = line_count(w);
	assert_int_equal(type(&e, "/help join"), CLIENT_INPUT_DONE);
	assert_int_equal(line_count(w), n + 1);
	assert_string_equal(last_text(w),
	    "/join <name|id> [key]  join a channel by name or id "
	    "(its key if it has one)");
	assert_int_equal(type(&e, "/help nope"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	/* /quit: the reason goes, then the program ends. */
	assert_int_equal(type(&e, "/quit"), CLIENT_INPUT_DONE);
	assert_int_equal(client_quitting(e.c), 1);
	assert_int_equal(type(&e, "/quit see you $soon"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "quit", "quit$see you $soon");
	fakeshell_end(&e);
}

static void
test_quit_reason_limit(void **state)
{
	struct fakeshell_env e;
	char line[PROTO_REASON_MAX + 16];

	(void)state;
	env_online(&e);
	strcpy(line, "/quit ");
	memset(line + 6, 'r', PROTO_REASON_MAX);
	line[6 + PROTO_REASON_MAX] = '\0';
	assert_int_equal(type(&e, line), CLIENT_INPUT_DONE);
	assert_int_equal(e.f.nsent, 1);
	assert_int_equal(strlen(e.f.sent[0]), 5 + PROTO_REASON_MAX);
	fakeshell_clear(&e.f);
	line[6 + PROTO_REASON_MAX] = 'r';
	line[7 + PROTO_REASON_MAX] = '\0';
	assert_int_equal(type(&e, line), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	assert_string_equal(last_text(status(&e)),
	    "the reason is 257 bytes; the server takes at most 256");
	assert_int_equal(type(&e, "/quit a\x1b"), CLIENT_INPUT_KEEP);
	assert_int_equal(client_quitting(e.c), 1);
	fakeshell_end(&e);
}

static void
test_hostile_lines(void **state)
{
	static const char *const malformed[] = {"msg", "msg$" RUST,
	    "msg$" RUST "$x$1$a$b", "joined$X$weird$1$n", "hello$1",
	    "names_end$" RUST "$-1",
	    "msg$" RUST "$99999999999999999999999$1$a$b"};
	struct fakeshell_env e;
	struct model_win *w, *s;
	char *big;
	size_t i, n;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	s = status(&e);
	fakeshell_clear(&e.f);
	feed(&e, "bogus$1$2", 3000);
	assert_string_equal(last_text(s), "server sent an unknown line: bogus");
	feed(&e, "\x1b[2J$x", 3000);
	assert_string_equal(
	    last_text(s), "server sent an unknown line: \xE2\x90\x9B[2J");
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		n = line_count(s);
		feed(&e, malformed[i], 3000);
		assert_int_equal(line_count(s), n + 1);
		assert_non_null(strstr(last_text(s), "server sent a"));
	}
	/* Empty lines are nothing. */
	n = line_count(s);
	feed(&e, "", 3000);
	assert_int_equal(line_count(s), n);
	/* Bad bytes in names and text are made safe. */
	feed(&e, "msg$" RUST "$1$3000$ev\xFFil\x1b$text\x07\xC0\xAF", 3000);
	assert_string_equal(
	    last_line(w).sender, "ev\xEF\xBF\xBDil\xE2\x90\x9B");
	assert_string_equal(
	    last_text(w), "text\xE2\x90\x87\xEF\xBF\xBD\xEF\xBF\xBD");
	feed(&e, "join$" RUST "$1$\x1b]0;pwned\x07", 3000);
	assert_string_equal(
	    last_text(w), "\xE2\x90\x9B]0;pwned\xE2\x90\x87 joined");
	/* A message for a channel without a window opens none. */
	n = model_win_count(e.m);
	feed(&e, "msg$Q$1$3000$zed$surprise", 3000);
	assert_int_equal(model_win_count(e.m), n);
	assert_ptr_equal(current(&e), w);
	/* A 100 KB line the shell passes anyway is cut, not trusted. */
	big = malloc(100 * 1024 + 1);
	assert_non_null(big);
	memset(big, 'z', 100 * 1024);
	memcpy(big, "msg$" RUST "$2$3000$bob$",
	    strlen("msg$" RUST "$2$3000$bob$"));
	client_line(e.c, big, 100 * 1024, 3000);
	assert_int_equal(last_line(w).text_len, MODEL_TEXT_MAX);
	memcpy(big, "nick$1$", 7);
	client_line(e.c, big, 100 * 1024, 3000);
	free(big);
	client_line_too_long(e.c, 3000);
	fakeshell_assert_line(s, MODEL_LINE_INFO, "longer than 4096 bytes");
	/* A '$' in a name that would split a command is never sent. */
	feed(&e, "dm$1$bob$carol$hi", 3000);
	feed(&e, "nick$1$bob$b$x", 3000);
	model_select(
	    e.m, model_win_index(e.m, model_find(e.m, MODEL_WIN_DM, "b$x", 3)));
	assert_int_equal(type(&e, "hello"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	assert_string_equal(last_text(current(&e)),
	    "not sent: a name or channel may not hold '$' or be empty");
	model_select(e.m, model_win_index(e.m, w));
	/* Names lines with odd spacing. */
	feed(&e, "names$" RUST "$   ", 3000);
	feed(&e, "names$" RUST "$ a  b ", 3000);
	feed(&e, "names_end$" RUST "$2", 3000);
	assert_int_equal(model_member_count(w), 2);
	/* Lines while offline are ignored. */
	client_disconnected(e.c, "eof", 3000, 4000);
	n = line_count(s);
	feed(&e, "bogus", 3000);
	feed(&e, "msg$" RUST "$9$1$a$offline line", 3000);
	assert_int_equal(line_count(s), n);
	assert_false(fakeshell_has_line(w, MODEL_LINE_MSG, "offline line"));
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);
}

/* 100,000 messages into one window: the ring holds its bound. */
static void
test_ingest_100k(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;
	struct model_line l;
	char line[256];
	uint64_t i;
	int n;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	env_register(&e, UID);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	model_select(e.m, 0);
	w = chan(&e, RUST);
	for (i = 1; i <= 100000; i++) {
		n = snprintf(line, sizeof(line),
		    "msg$" RUST "$%" PRIu64 "$%" PRIu64 "$%s$message %" PRIu64,
		    i, 5000 + i, i % 3 ? "alice" : "bob", i);
		client_line(e.c, line, (size_t)n, 5000 + i);
	}
	assert_int_equal(model_lines_end(w) - model_lines_begin(w), 1000);
	/* The join notice, then 100,000 messages. */
	assert_int_equal(model_lines_end(w), 100001);
	assert_string_equal(last_text(w), "message 100000");
	assert_int_equal(model_line(w, 99001, &l), 0);
	assert_string_equal(l.text, "message 99001");
	assert_string_equal(l.sender, "alice");
	assert_int_equal(l.time_ms, 5000 + 99001);
	assert_int_equal(model_line(w, 99000, &l), -1);
	assert_int_equal(model_win_seq(w), 100000);
	assert_int_equal(model_win_unread(w), 100000);
	/* The last speakers first: 100000 is alice's, 99999 bob's. */
	assert_string_equal(model_member(w, 0), "alice");
	assert_string_equal(model_member(w, 1), "bob");
	assert_int_equal(model_member_count(w), 3);
	fakeshell_end(&e);
}

/*
 * Quitting is the client's answer, not a call back into the shell: the
 * shell asks client_quitting() once it is out of its key loop.
 */
static void
test_quit_is_a_request(void **state)
{
	struct fakeshell_env e;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	/* Offline: nothing to tell, the request stands. */
	client_quit(e.c, "terminated", 1000);
	fakeshell_expect_none(&e.f);
	assert_int_equal(client_quitting(e.c), 1);
	fakeshell_end(&e);

	env_online(&e);
	assert_int_equal(client_quitting(e.c), 0);
	client_quit(e.c, "terminated", 1000);
	fakeshell_expect(&e.f, "quit$terminated");
	assert_int_equal(client_quitting(e.c), 1);
	/* Asked twice (a signal after Ctrl-C), the server is told once. */
	client_quit(e.c, NULL, 1000);
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);

	env_online(&e);
	client_quit(e.c, NULL, 1000);
	fakeshell_expect(&e.f, "quit");
	fakeshell_end(&e);
}

/* Something else on the port: what it said is shown, and it is left. */
static void
test_wrong_server_answer(void **state)
{
	struct fakeshell_env e;
	struct model_line l;
	char line[200];

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	client_connecting(e.c, "localhost:22", 1000);
	client_connected(e.c, 1000);
	fakeshell_clear(&e.f);
	/* A txt-chatd's welcome is not a stranger's answer. */
	feed(&e, PROTO_WELCOME, 1000);
	assert_int_equal(e.f.drops, 0);
	feed(&e, "SSH-2.0-OpenSSH_9.2p1 Debian", 1000);
	assert_int_equal(e.f.drops, 1);
	assert_string_equal(e.f.why, "not a txt-chatd server");
	assert_string_equal(last_text(status(&e)),
	    "localhost:22 is not a txt-chatd server: it answered "
	    "\"SSH-2.0-OpenSSH_9.2p1 Debian\" (txt-chat -s HOST:PORT picks "
	    "another)");
	assert_int_equal(client_next_tick(e.c), UINT64_MAX);
	client_disconnected(e.c, "not a txt-chatd server", 1000, 2000);

	/* A long answer is cut; an escape in it is shown, not obeyed. */
	client_connecting(e.c, "localhost:80", 3000);
	client_connected(e.c, 3000);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "HTTP/1.1 400 \x1b[2J", 17);
	feed(&e, line, 3000);
	assert_int_equal(e.f.drops, 2);
	l = last_line(status(&e));
	assert_int_equal(l.kind, MODEL_LINE_ERROR);
	assert_null(strchr(l.text, '\x1b'));
	assert_non_null(strstr(l.text, "HTTP/1.1 400"));
	assert_non_null(strstr(l.text, "xxx...\""));
	/* Uncut, the 199 bytes alone would pass 200. */
	assert_true(strlen(l.text) < 200);
	fakeshell_end(&e);
}

/* Nothing answers hello: said after CLIENT_HELLO_TIMEOUT_MS, and left. */
static void
test_hello_timeout(void **state)
{
	struct fakeshell_env e;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	client_connecting(e.c, "localhost:7000", 1000);
	client_connected(e.c, 1000);
	fakeshell_clear(&e.f);
	assert_int_equal(client_next_tick(e.c), 1000 + CLIENT_HELLO_TIMEOUT_MS);
	client_tick(e.c, 1000 + CLIENT_HELLO_TIMEOUT_MS - 1);
	assert_int_equal(e.f.drops, 0);
	client_tick(e.c, 1000 + CLIENT_HELLO_TIMEOUT_MS);
	assert_int_equal(e.f.drops, 1);
	assert_string_equal(e.f.why, "no answer to hello");
	fakeshell_assert_line(status(&e), MODEL_LINE_ERROR,
	    "no answer from localhost:7000 after 5 s");
	fakeshell_expect_none(&e.f);
	client_disconnected(e.c, "no answer to hello", 7000, 8000);
	/* Answered in time: no hello deadline, keepalive only. */
	client_connecting(e.c, "localhost:7000", 9000);
	client_connected(e.c, 9000);
	feed(&e, "hello$1$3072$32$txt-chatd/0.1.0", 9100);
	assert_int_equal(client_next_tick(e.c), 9100 + CLIENT_PING_IDLE_MS);
	client_tick(e.c, 9000 + CLIENT_HELLO_TIMEOUT_MS);
	assert_int_equal(e.f.drops, 1);
	fakeshell_end(&e);
}

/*
 * The reconnect back-off counts connections that did not register, TCP
 * connects included: only a registration starts it again.
 */
static void
test_failures_count_until_registered(void **state)
{
	struct fakeshell_env e;
	unsigned i;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	assert_int_equal(client_failures(e.c), 0);
	/* Refused. */
	client_connecting(e.c, "localhost:7000", 1000);
	client_disconnected(e.c, "connection refused", 1000, 2000);
	assert_int_equal(client_failures(e.c), 1);
	/* Accepted and closed: a failure too. */
	client_connecting(e.c, "localhost:7000", 2000);
	client_connected(e.c, 2000);
	client_disconnected(e.c, "server closed the connection", 2000, 4000);
	assert_int_equal(client_failures(e.c), 2);
	/* Hello answered, but no registration. */
	client_connecting(e.c, "localhost:7000", 4000);
	client_connected(e.c, 4000);
	feed(&e, "hello$1$3072$32$txt-chatd/0.1.0", 4000);
	client_disconnected(e.c, "server closed the connection", 4000, 8000);
	assert_int_equal(client_failures(e.c), 3);
	/* Registered: back to the start, and losing it is no failure. */
	env_register(&e, UID);
	assert_int_equal(client_failures(e.c), 0);
	client_disconnected(e.c, "server closed the connection", 9000, 10000);
	assert_int_equal(client_failures(e.c), 0);
	/* Counted up to the limit. */
	for (i = 0; i < 2 * CLIENT_FAILURES_MAX; i++) {
		client_connecting(e.c, "localhost:7000", 10000);
		client_disconnected(e.c, "connection refused", 10000, 11000);
	}
	assert_int_equal(client_failures(e.c), CLIENT_FAILURES_MAX);
	fakeshell_end(&e);
}

/*
 * A hostile server cannot open windows or rename this user: joined,
 * created, a DM between two others and a nick of this user are taken only
 * when this client asked for them.
 */
static void
test_hostile_unasked(void **state)
{
	struct fakeshell_env e;
	struct model_win *w, *own;
	size_t n, i;

	(void)state;
	env_online(&e);
	own = model_win_at(e.m, 1);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	fakeshell_clear(&e.f);
	n = model_win_count(e.m);
	/* A join sequence nobody asked for, history and all. */
	feed(&e, "joined$EVIL$channel$1$#evil", 3000);
	feed(&e, "names$EVIL$mallory", 3000);
	feed(&e, "names_end$EVIL$1", 3000);
	feed(&e, "msg$EVIL$1$3000$mallory$carol, look here", 3000);
	feed(&e, "history_end$EVIL$1", 3000);
	feed(&e, "created$EVIL2$#made", 3000);
	feed(&e, "joined$EVIL2$channel$1$#made", 3000);
	feed(&e, "joined$" BOBUID "$personal$1$~bob", 3000);
	assert_int_equal(model_win_count(e.m), n);
	assert_ptr_equal(current(&e), w);
	/* A DM between two others: no window, no mention. */
	feed(&e, "dm$3001$alice$bob$carol is odd", 3001);
	feed(&e, "dm_act$3001$alice$bob$winks", 3001);
	assert_int_equal(model_win_count(e.m), n);
	for (i = 0; i < model_win_count(e.m); i++)
		assert_int_equal(model_win_mentioned(model_win_at(e.m, i)), 0);
	/* This user renamed without asking. */
	feed(&e, "nick$3002$carol$mallory", 3002);
	assert_string_equal(client_name(e.c), "carol");
	assert_string_equal(model_self(e.m), "carol");
	assert_string_equal(model_win_name(own), "~carol");
	assert_true(model_member_has(w, "carol", 5));
	/* Asked for dave: another name is still refused, dave is taken. */
	type(&e, "/nick dave");
	fakeshell_expect(&e.f, "nick$" UID "$dave");
	feed(&e, "nick$3003$carol$mallory", 3003);
	assert_string_equal(client_name(e.c), "carol");
	feed(&e, "nick$3003$carol$dave", 3003);
	assert_string_equal(client_name(e.c), "dave");
	/* Once. */
	feed(&e, "nick$3004$dave$eve", 3004);
	assert_string_equal(client_name(e.c), "dave");
	/* A nick refused forgets what was asked. */
	type(&e, "/nick frank");
	fakeshell_clear(&e.f);
	feed(&e, "error$name_taken$nick$name taken", 3005);
	feed(&e, "nick$3005$dave$frank", 3005);
	assert_string_equal(client_name(e.c), "dave");
	/* What was asked for still works. */
	type(&e, "/join #go");
	fakeshell_clear(&e.f);
	feed(&e, "joined$G$channel$1$#go", 3006);
	feed(&e, "history_end$G$0", 3006);
	assert_int_equal(model_win_count(e.m), n + 1);
	assert_non_null(chan(&e, "G"));
	fakeshell_end(&e);
}

/* /leave's answer is told where it was typed; ~name windows are no dead
 * end: their id is shown, and /join ~name joins by it. */
static void
test_leave_and_personal(void **state)
{
	struct fakeshell_env e;
	struct model_win *go, *bob;
	size_t n;

	(void)state;
	env_online(&e);
	fakeshell_assert_line(status(&e), MODEL_LINE_INFO,
	    "your channel ~carol has the id " UID
	    ": others join it with /join " UID);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	type(&e, "/join #go");
	feed(&e, "joined$G$channel$1$#go", 2000);
	feed(&e, "history_end$G$0", 2000);
	go = chan(&e, "G");
	assert_ptr_equal(current(&e), go);
	fakeshell_clear(&e.f);
	/* /leave of another window, typed in #go: told in #go. */
	assert_int_equal(type(&e, "/leave #rust"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "leave$" UID "$" RUST);
	feed(&e, "left$" RUST, 3000);
	assert_string_equal(last_text(go), "you left #rust");
	assert_string_equal(last_text(status(&e)), "you left #rust");

	/* ~bob without a window: how to join it, nothing sent. */
	assert_int_equal(type(&e, "/join ~bob"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);
	fakeshell_assert_line(go, MODEL_LINE_ERROR,
	    "~bob is a personal channel: join it by its id");
	/* By id: the window shows the id. */
	type(&e, "/join " BOBUID);
	fakeshell_clear(&e.f);
	feed(&e, "joined$" BOBUID "$personal$2$~bob", 3000);
	feed(&e, "names$" BOBUID "$bob carol", 3000);
	feed(&e, "names_end$" BOBUID "$2", 3000);
	feed(&e, "history_end$" BOBUID "$0", 3000);
	bob = model_find(e.m, MODEL_WIN_PERSONAL, BOBUID, strlen(BOBUID));
	assert_non_null(bob);
	assert_string_equal(
	    last_text(bob), "you joined ~bob, id " BOBUID " (2 members)");
	/* Closed, then /join ~bob asks for its id. */
	feed(&e, "closed$" BOBUID "$bob quit", 3001);
	model_select(e.m, model_win_index(e.m, go));
	n = model_win_count(e.m);
	assert_int_equal(type(&e, "/join ~bob"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "join$" UID "$" BOBUID);
	/* Back (bob came back on the same address): the same window. */
	feed(&e, "joined$" BOBUID "$personal$1$~bob", 3002);
	feed(&e, "history_end$" BOBUID "$0", 3002);
	assert_int_equal(model_win_count(e.m), n);
	assert_int_equal(model_win_joined(bob), 1);
	assert_ptr_equal(current(&e), bob);
	/* Gone for good: said so, not "/create makes one". */
	feed(&e, "closed$" BOBUID "$bob quit", 3003);
	assert_int_equal(type(&e, "/join ~bob"), CLIENT_INPUT_DONE);
	fakeshell_clear(&e.f);
	feed(&e, "error$no_such_channel$join$no such channel", 3004);
	fakeshell_assert_line(bob, MODEL_LINE_ERROR, "~bob is gone");
	assert_false(fakeshell_has_line(bob, MODEL_LINE_ERROR, "/create"));
	fakeshell_end(&e);
}

/* Feeds msg lines of channel id with seqs from..to, sent by alice. */
static void
feed_msgs(struct fakeshell_env *e, const char *id, uint64_t from, uint64_t to)
{
	char line[256];
	uint64_t i;

	for (i = from; i <= to; i++) {
		snprintf(line, sizeof(line),
		    "msg$%s$%" PRIu64 "$%" PRIu64 "$alice$line %" PRIu64, id, i,
		    1000 + i, i);
		feed(e, line, 3000);
	}
}

/* The seqs of w's lines that have one, in order, are from..to exactly. */
static void
assert_seqs(const struct model_win *w, uint64_t from, uint64_t to)
{
	struct model_line l;
	uint64_t i, want = from;
	char text[64];

	for (i = model_lines_begin(w); i < model_lines_end(w); i++) {
		assert_int_equal(model_line(w, i, &l), 0);
		if (l.seq == 0)
			continue;
		if (l.seq != want)
			fail_msg("line %" PRIu64 ": seq %" PRIu64
			         ", want %" PRIu64,
			    i, l.seq, want);
		snprintf(text, sizeof(text), "line %" PRIu64, want);
		assert_string_equal(l.text, text);
		want++;
	}
	assert_true(want == to + 1);
}

/*
 * Scrolling up at the oldest line asks for the lines before it, shows
 * "loading" meanwhile, puts the answer above in order without the lines
 * it has, keeps the view on what it showed, and stops at the beginning.
 */
static void
test_page_older(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;
	struct layout_head heads[LAYOUT_HEADS_MAX];
	uint64_t anchor;
	size_t n;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	fakeshell_clear(&e.f);
	feed(&e, "joined$" RUST "$channel$1$#rust", 2000);
	feed(&e, "names$" RUST "$carol", 2000);
	feed(&e, "names_end$" RUST "$1", 2000);
	feed_msgs(&e, RUST, 51, 60);
	feed(&e, "history_end$" RUST "$10", 2000);
	w = chan(&e, RUST);
	assert_int_equal(model_win_oldest_seq(w), 51);
	/* The view is scrolled back to a line; it must stay on it. */
	model_win_scroll(w, model_lines_begin(w) + 2, 0);
	anchor = model_win_anchor(w);
	n = line_count(w);

	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect(&e.f, "history$" UID "$" RUST "$before$51$100");
	assert_int_equal(model_win_page(w), MODEL_PAGE_LOADING);
	assert_int_equal(layout_heads(w, model_lines_begin(w), heads), 1);
	assert_int_equal(heads[0].kind, LAYOUT_HEAD_PAGE);
	assert_string_equal(heads[0].text, "loading older lines\xe2\x80\xa6");
	/* One request at a time. */
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect_none(&e.f);

	/* 48 to 50 are new; 51 and 52 are had and dropped; a live line in
	 * another channel between pages is not part of it. */
	feed(&e, "history_page$" RUST "$before$5", 3000);
	feed_msgs(&e, RUST, 48, 52);
	feed(&e, "history_page_end$" RUST "$5$more", 3000);
	assert_int_equal(model_win_page(w), MODEL_PAGE_NONE);
	assert_int_equal(line_count(w), n + 3);
	assert_seqs(w, 48, 60);
	assert_true(model_win_anchor(w) == anchor + 3);
	/* History from before never counts as unread. */
	assert_int_equal(model_win_unread(w), 0);
	assert_int_equal(model_win_seq(w), 60);

	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect(&e.f, "history$" UID "$" RUST "$before$48$100");
	feed(&e, "history_page$" RUST "$before$0", 3000);
	feed(&e, "history_page_end$" RUST "$0$end", 3000);
	assert_int_equal(model_win_page(w), MODEL_PAGE_BEGIN);
	assert_int_equal(layout_heads(w, model_lines_begin(w), heads), 1);
	assert_string_equal(heads[0].text, "beginning of history");
	/* Nothing older: no more requests. */
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect_none(&e.f);
	/* Live lines still go at the end. */
	feed_msgs(&e, RUST, 61, 61);
	assert_seqs(w, 48, 61);

	/* After /clear, scrolling up fetches what was cleared. */
	type(&e, "/clear");
	assert_int_equal(model_win_page(w), MODEL_PAGE_NONE);
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect(&e.f, "history$" UID "$" RUST "$before$62$100");
	feed(&e, "history_page$" RUST "$before$3", 3000);
	feed_msgs(&e, RUST, 59, 61);
	feed(&e, "history_page_end$" RUST "$3$more", 3000);
	assert_seqs(w, 59, 61);
	fakeshell_end(&e);
}

/* A channel seen from its first line, or never seen to speak, has no past. */
static void
test_page_nothing_to_ask(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 3);
	w = chan(&e, RUST);
	fakeshell_clear(&e.f);
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect_none(&e.f);
	assert_int_equal(model_win_page(w), MODEL_PAGE_BEGIN);
	type(&e, "/join #go");
	fakeshell_clear(&e.f);
	feed(&e, "joined$" RUST2 "$channel$1$#go", 3000);
	feed(&e, "names_end$" RUST2 "$0", 3000);
	feed(&e, "history_end$" RUST2 "$0", 3000);
	w = chan(&e, RUST2);
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect_none(&e.f);
	assert_int_equal(model_win_page(w), MODEL_PAGE_BEGIN);
	/* The status window is no channel. */
	client_scrolled_top(e.c, status(&e), 3000);
	fakeshell_expect_none(&e.f);
	assert_int_equal(model_win_page(status(&e)), MODEL_PAGE_NONE);
	fakeshell_end(&e);
}

/* A page that finds the window full stops there and says so. */
static void
test_page_full(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	fakeshell_start(&e, "carol", MODEL_SCROLLBACK_MIN);
	env_register(&e, UID);
	type(&e, "/join #rust");
	fakeshell_clear(&e.f);
	feed(&e, "joined$" RUST "$channel$1$#rust", 2000);
	feed(&e, "names_end$" RUST "$0", 2000);
	feed_msgs(&e, RUST, 501, 500 + MODEL_SCROLLBACK_MIN);
	feed(&e, "history_end$" RUST "$100", 2000);
	w = chan(&e, RUST);
	assert_int_equal(line_count(w), MODEL_SCROLLBACK_MIN);
	client_scrolled_top(e.c, w, 3000);
	fakeshell_clear(&e.f);
	feed(&e, "history_page$" RUST "$before$2", 3000);
	feed_msgs(&e, RUST, 500, 501);
	feed(&e, "history_page_end$" RUST "$2$more", 3000);
	assert_int_equal(model_win_page(w), MODEL_PAGE_FULL);
	/* The join notice took the place of the oldest line. */
	assert_seqs(w, 502, 500 + MODEL_SCROLLBACK_MIN);
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);
}

/* Reconnects and rejoins #rust under UID2, the server replaying from..to. */
static void
rejoin_rust(struct fakeshell_env *e, uint64_t from, uint64_t to, uint64_t now)
{
	char line[64];

	client_disconnected(e->c, "eof", now, now + 1);
	client_connected(e->c, now + 1);
	feed(e, "hello$1$3072$32$x", now + 1);
	feed(e, "registered$" UID2 "$carol", now + 1);
	feed(e, "joined$" UID2 "$personal$1$~carol", now + 1);
	feed(e, "history_end$" UID2 "$0", now + 1);
	fakeshell_clear(&e->f);
	feed(e, "joined$" RUST "$channel$2$#rust", now + 1);
	feed(e, "names$" RUST "$carol alice", now + 1);
	feed(e, "names_end$" RUST "$2", now + 1);
	feed_msgs(e, RUST, from, to);
	snprintf(line, sizeof(line), "history_end$" RUST "$%" PRIu64,
	    to >= from ? to - from + 1 : 0);
	feed(e, line, now + 1);
}

/*
 * After a reconnect the client asks for every line after the last it
 * has, page after page until the server says there is no more; the
 * rejoin's history, which skipped some, and live lines meanwhile wait
 * for the pages, so the window ends up with each line once, in order.
 */
static void
test_page_reconnect_catchup(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	fakeshell_clear(&e.f);
	feed(&e, "joined$" RUST "$channel$1$#rust", 2000);
	feed(&e, "names_end$" RUST "$0", 2000);
	feed_msgs(&e, RUST, 1, 60);
	feed(&e, "history_end$" RUST "$60", 2000);
	w = chan(&e, RUST);
	model_select(e.m, 0);

	/* 440 lines were said while away; the join replays the last 100. */
	rejoin_rust(&e, 401, 500, 5000);
	fakeshell_expect(&e.f, "history$" UID2 "$" RUST "$after$60$200");
	assert_int_equal(model_win_seq(w), 60);
	assert_seqs(w, 1, 60);
	/* A live line waits for the pages. */
	feed_msgs(&e, RUST, 501, 501);
	assert_seqs(w, 1, 60);
	feed(&e, "history_page$" RUST "$after$200", 6000);
	feed_msgs(&e, RUST, 61, 260);
	feed(&e, "history_page_end$" RUST "$200$more", 6000);
	fakeshell_expect(&e.f, "history$" UID2 "$" RUST "$after$260$200");
	feed(&e, "history_page$" RUST "$after$200", 6000);
	feed_msgs(&e, RUST, 261, 460);
	feed(&e, "history_page_end$" RUST "$200$more", 6000);
	fakeshell_expect(&e.f, "history$" UID2 "$" RUST "$after$460$200");
	feed(&e, "history_page$" RUST "$after$41", 6000);
	feed_msgs(&e, RUST, 461, 501);
	feed(&e, "history_page_end$" RUST "$41$end", 6000);
	fakeshell_expect_none(&e.f);
	assert_int_equal(model_win_catchup(w), 0);
	assert_seqs(w, 1, 501);
	/* Missed while away: unread. */
	assert_int_equal(model_win_unread(w), 441);
	feed_msgs(&e, RUST, 502, 502);
	assert_seqs(w, 1, 502);

	/* A replay that goes on from the last line seen asks for nothing. */
	rejoin_rust(&e, 450, 510, 7000);
	fakeshell_expect_none(&e.f);
	assert_int_equal(model_win_catchup(w), 0);
	assert_seqs(w, 1, 510);

	/* Lines the server no longer keeps are said to be missed. */
	rejoin_rust(&e, 600, 610, 8000);
	fakeshell_expect(&e.f, "history$" UID2 "$" RUST "$after$510$200");
	feed(&e, "history_page$" RUST "$after$11", 9000);
	feed_msgs(&e, RUST, 600, 610);
	feed(&e, "history_page_end$" RUST "$11$end", 9000);
	fakeshell_assert_line(w, MODEL_LINE_EVENT,
	    "89 lines from while you were away are no longer kept by the "
	    "server");
	assert_int_equal(model_win_seq(w), 610);

	/* A disconnect mid-catch-up leaves nothing waiting. */
	rejoin_rust(&e, 700, 710, 10000);
	fakeshell_expect(&e.f, "history$" UID2 "$" RUST "$after$610$200");
	assert_int_equal(model_win_catchup(w), 3);
	client_disconnected(e.c, "eof", 11000, 12000);
	assert_int_equal(model_win_catchup(w), 0);
	fakeshell_end(&e);
}

/*
 * A server that advertises a smaller page maximum in hello gets catch-up
 * requests of that many lines; one that advertises none, 200.
 */
static void
test_page_max_advertised(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	feed(&e, "joined$" RUST "$channel$1$#rust", 2000);
	feed(&e, "names_end$" RUST "$0", 2000);
	feed_msgs(&e, RUST, 1, 60);
	feed(&e, "history_end$" RUST "$60", 2000);
	client_disconnected(e.c, "eof", 5000, 5001);
	client_connected(e.c, 5001);
	feed(&e, "hello$1$3072$32$x$50", 5001);
	feed(&e, "registered$" UID2 "$carol", 5001);
	feed(&e, "joined$" UID2 "$personal$1$~carol", 5001);
	feed(&e, "history_end$" UID2 "$0", 5001);
	fakeshell_clear(&e.f);
	feed(&e, "joined$" RUST "$channel$2$#rust", 5001);
	feed(&e, "names_end$" RUST "$1", 5001);
	feed_msgs(&e, RUST, 401, 500);
	feed(&e, "history_end$" RUST "$100", 5001);
	fakeshell_expect(&e.f, "history$" UID2 "$" RUST "$after$60$50");
	fakeshell_end(&e);
}

/*
 * A page nobody asked for is not one, and a page takes no more lines than
 * it announced: the rest are live, whatever the server says after.
 */
static void
test_page_unasked(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;
	struct model_line l;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	fakeshell_clear(&e.f);
	feed(&e, "joined$" RUST "$channel$1$#rust", 2000);
	feed(&e, "names_end$" RUST "$0", 2000);
	feed_msgs(&e, RUST, 51, 52);
	feed(&e, "history_page$" RUST "$before$2", 3000);
	feed_msgs(&e, RUST, 53, 54);
	feed(&e, "history_page_end$" RUST "$2$end", 3000);
	w = chan(&e, RUST);
	assert_seqs(w, 51, 54);
	assert_int_equal(model_win_page(w), MODEL_PAGE_NONE);
	feed(&e, "history_page$" RUST "$after$9", 3000);
	feed_msgs(&e, RUST, 55, 55);
	assert_seqs(w, 51, 55);

	/* Asked for, it announces one line and never ends. */
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect(&e.f, "history$" UID "$" RUST "$before$51$100");
	feed(&e, "history_page$" RUST "$before$1", 3000);
	feed_msgs(&e, RUST, 50, 50);
	feed_msgs(&e, RUST, 56, 57);
	assert_seqs(w, 50, 57);
	assert_int_equal(model_line(w, model_lines_end(w) - 1, &l), 0);
	assert_true(l.seq == 57);
	fakeshell_end(&e);
}

/*
 * A server that does not know history requests (an older txt-chatd): the
 * window stops loading and live lines flow again; it is not asked again
 * on this connection, and a refusal such as not_member ends loading too.
 */
static void
test_page_refused(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	fakeshell_clear(&e.f);
	feed(&e, "joined$" RUST "$channel$1$#rust", 2000);
	feed(&e, "names_end$" RUST "$0", 2000);
	feed_msgs(&e, RUST, 51, 60);
	feed(&e, "history_end$" RUST "$10", 2000);
	w = chan(&e, RUST);
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect(&e.f, "history$" UID "$" RUST "$before$51$100");
	feed(&e, "error$not_member$history$not a member of that channel", 3000);
	assert_int_equal(model_win_page(w), MODEL_PAGE_NONE);
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect(&e.f, "history$" UID "$" RUST "$before$51$100");
	feed(&e, "error$unknown_command$*$unknown command", 3000);
	assert_int_equal(model_win_page(w), MODEL_PAGE_NONE);
	client_scrolled_top(e.c, w, 3000);
	fakeshell_expect_none(&e.f);

	/* Catching up against such a server: live lines are not held. */
	rejoin_rust(&e, 81, 90, 5000);
	fakeshell_expect(&e.f, "history$" UID2 "$" RUST "$after$60$200");
	feed(&e, "error$unknown_command$*$unknown command", 6000);
	assert_int_equal(model_win_catchup(w), 0);
	fakeshell_assert_line(w, MODEL_LINE_EVENT,
	    "the lines said while you were away could not be fetched");
	feed_msgs(&e, RUST, 91, 91);
	assert_int_equal(model_win_seq(w), 91);
	/* And on this connection no catch-up is tried again. */
	client_disconnected(e.c, "eof", 7000, 7001);
	fakeshell_end(&e);
}

/* /join of a channel that does not exist makes it, as IRC's JOIN does. */
static void
test_join_creates(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_online(&e);
	assert_int_equal(type(&e, "/join #rust"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "join$" UID "$#rust");
	feed(&e, "error$no_such_channel$join$no such channel: #rust", 2000);
	fakeshell_expect(&e.f, "create_chan$" UID "$#rust");
	fakeshell_assert_line(current(&e), MODEL_LINE_INFO,
	    "#rust does not exist yet; creating it");
	assert_false(fakeshell_has_line(
	    current(&e), MODEL_LINE_ERROR, "no such channel"));
	feed(&e, "created$" RUST "$#rust", 2000);
	join_rust(&e, RUST, 0);
	/* The window asked for is shown. */
	assert_ptr_equal(current(&e), chan(&e, RUST));

	/* Someone else makes it in between: theirs is joined and shown. */
	model_select(e.m, 0);
	assert_int_equal(type(&e, "/j dev"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "join$" UID "$dev");
	feed(&e, "error$no_such_channel$join$no such channel: dev", 3000);
	fakeshell_expect(&e.f, "create_chan$" UID "$dev");
	feed(&e, "error$channel_exists$create_chan$channel exists: dev", 3000);
	fakeshell_expect(&e.f, "join$" UID "$dev");
	assert_false(
	    fakeshell_has_line(current(&e), MODEL_LINE_ERROR, "exists"));
	feed(&e, "joined$D$channel$2$dev", 3100);
	feed(&e, "names$D$carol bob", 3100);
	feed(&e, "names_end$D$2", 3100);
	feed(&e, "history_end$D$0", 3100);
	assert_string_equal(model_win_name(current(&e)), "dev");

	/* A third failure (it vanished again) is only an error. */
	assert_int_equal(type(&e, "/join gone"), CLIENT_INPUT_DONE);
	fakeshell_clear(&e.f);
	feed(&e, "error$no_such_channel$join$no such channel: gone", 4000);
	fakeshell_expect(&e.f, "create_chan$" UID "$gone");
	feed(&e, "error$channel_exists$create_chan$channel exists: gone", 4000);
	fakeshell_expect(&e.f, "join$" UID "$gone");
	feed(&e, "error$no_such_channel$join$no such channel: gone", 4000);
	fakeshell_expect_none(&e.f);
	fakeshell_assert_line(
	    current(&e), MODEL_LINE_ERROR, "no such channel: gone");
	fakeshell_end(&e);
}

/* /query opens the conversation's window; /window N shows window N. */
static void
test_query_window(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	env_online(&e);
	assert_int_equal(type(&e, "/query bob"), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	w = model_find(e.m, MODEL_WIN_DM, "bob", 3);
	assert_non_null(w);
	assert_ptr_equal(current(&e), w);
	/* Again, in another case: the same window, with a first message. */
	model_select(e.m, 0);
	assert_int_equal(type(&e, "/query Bob hi there"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "dm$" UID "$Bob$hi there");
	assert_ptr_equal(current(&e), w);
	assert_int_equal(model_win_count(e.m), 3);
	assert_int_equal(type(&e, "/query carol"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/query b@d"), CLIENT_INPUT_KEEP);
	fakeshell_expect_none(&e.f);

	assert_int_equal(type(&e, "/window 1"), CLIENT_INPUT_DONE);
	assert_int_equal(model_current(e.m), 0);
	assert_int_equal(type(&e, "/window 3"), CLIENT_INPUT_DONE);
	assert_int_equal(model_current(e.m), 2);
	assert_int_equal(type(&e, "/window 4"), CLIENT_INPUT_KEEP);
	assert_int_equal(model_current(e.m), 2);
	assert_string_equal(
	    last_text(current(&e)), "no window 4: the list has 1 to 3");
	assert_int_equal(type(&e, "/window x"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/window 0"), CLIENT_INPUT_KEEP);
	assert_int_equal(model_current(e.m), 2);
	fakeshell_end(&e);
}

/* /help a page at a time on a small pane; /names in columns of its width. */
static void
test_help_pages_names_columns(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;
	size_t before, n, total = 0;

	(void)state;
	env_online(&e);
	w = status(&e);
	/* Unknown size: everything at once. */
	before = line_count(w);
	assert_int_equal(type(&e, "/help"), CLIENT_INPUT_DONE);
	total = line_count(w) - before;
	assert_true(total > 20);
	assert_false(
	    fakeshell_has_line(w, MODEL_LINE_INFO, "/help more shows"));
	/* Ten rows, wide: eight lines and the line saying there is more. */
	client_set_view(e.c, 10, 200);
	model_clear(w);
	assert_int_equal(type(&e, "/help"), CLIENT_INPUT_DONE);
	assert_int_equal(line_count(w), 9);
	fakeshell_assert_line(
	    w, MODEL_LINE_INFO, "-- /help more: lines 1 to 8 of");
	n = 8;
	while (n < total) {
		model_clear(w);
		assert_int_equal(type(&e, "/help more"), CLIENT_INPUT_DONE);
		assert_true(line_count(w) <= 9);
		n += line_count(w) == 9 ? 8 : line_count(w);
	}
	assert_int_equal(n, total);
	assert_false(fakeshell_has_line(w, MODEL_LINE_INFO, "/help more:"));
	fakeshell_assert_line(w, MODEL_LINE_INFO, "Ctrl-C twice");
	/* Narrow: lines wrap, so fewer fit, but at least one. */
	client_set_view(e.c, 10, 20);
	model_clear(w);
	assert_int_equal(type(&e, "/help"), CLIENT_INPUT_DONE);
	assert_true(line_count(w) >= 2 && line_count(w) <= 5);
	fakeshell_assert_line(w, MODEL_LINE_INFO, "-- /help more: lines 1 to");
	while (fakeshell_has_line(w, MODEL_LINE_INFO, "/help more:")) {
		model_clear(w);
		assert_int_equal(type(&e, "/help more"), CLIENT_INPUT_DONE);
	}
	model_clear(w);
	assert_int_equal(type(&e, "/help more"), CLIENT_INPUT_DONE);
	assert_string_equal(
	    last_text(w), "no more help to show: /help starts again");
	/* One command is one line, whatever the pane. */
	assert_int_equal(type(&e, "/help window"), CLIENT_INPUT_DONE);
	assert_string_equal(last_text(w),
	    "/window <number>  show the window of that number in the list");

	/* /names on a pane 22 columns wide: names of up to 5 bytes in
	 * columns of 7, three to a row. */
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	model_select(e.m, model_win_index(e.m, w));
	client_set_view(e.c, 10, 22);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/names"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "names$" UID "$" RUST);
	model_clear(w);
	feed(&e, "names$" RUST "$carol alice bob dave eve", 3000);
	feed(&e, "names$" RUST "$zed", 3000);
	feed(&e, "names_end$" RUST "$6", 3000);
	assert_int_equal(line_count(w), 5);
	fakeshell_assert_line(w, MODEL_LINE_INFO, "#rust:");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "carol  alice  bob");
	fakeshell_assert_line(w, MODEL_LINE_INFO, "dave   eve");
	assert_string_equal(last_text(w), "#rust: 6 members");
	fakeshell_end(&e);
}

/*
 * An error about a channel names it as the server does, by id (a line
 * refused while a node's Redis is down, say): the client says the
 * channel's name instead, with its hint; an id it has no window for
 * stays as it is.
 */
static void
test_error_names_channel(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;

	(void)state;
	env_online(&e);
	type(&e, "/join #rust");
	join_rust(&e, RUST, 0);
	w = chan(&e, RUST);
	model_select(e.m, model_win_index(e.m, w));
	feed(&e,
	    "error$storage_unavailable$send_msg$storage is unavailable: "
	    "not sent; try again: " RUST,
	    3000);
	assert_string_equal(
	    last_text(w), "storage is unavailable: not sent; try again: #rust");
	feed(&e, "error$not_member$send_msg$not a member: " RUST, 3000);
	assert_string_equal(
	    last_text(w), "not a member: #rust; /join it first");
	feed(&e, "error$not_member$send_msg$not a member: " RUST2, 3000);
	assert_string_equal(
	    last_text(w), "not a member: " RUST2 "; /join it first");
	fakeshell_end(&e);
}

/*
 * A node whose Redis is down refuses to register a name for now
 * (storage_unavailable): the client asks again every few seconds, as
 * for a name still taken, rather than wait at "registering" for good.
 */
static void
test_reg_storage_unavailable(void **state)
{
	struct fakeshell_env e;

	(void)state;
	fakeshell_start(&e, "carol", 1000);
	client_connected(e.c, 1000);
	feed(&e, "hello$1$3072$32$x", 1000);
	fakeshell_clear(&e.f);
	feed(&e,
	    "error$storage_unavailable$reg$storage is unavailable: not sent; "
	    "try again: carol",
	    1000);
	assert_int_equal(client_state(e.c), CLIENT_REGISTERING);
	fakeshell_assert_line(status(&e), MODEL_LINE_INFO,
	    "the server cannot register names just now (its storage is "
	    "unavailable); asking again every 5 s");
	assert_int_equal(client_next_tick(e.c), 1000 + CLIENT_REG_RETRY_MS);
	client_tick(e.c, 1000 + CLIENT_REG_RETRY_MS);
	fakeshell_expect(&e.f, "reg$carol");
	feed(&e, "registered$" UID "$carol", 7000);
	assert_int_equal(client_state(e.c), CLIENT_ONLINE);
	fakeshell_end(&e);
}

/*
 * Several nodes: a DM echoed (Redis took it) whose recipient's node went
 * before delivering it gets a later error that says so, without the
 * "not online" guess.
 */
static void
test_dm_not_delivered(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_online(&e);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/msg bob hi"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "dm$" UID "$bob$hi");
	feed(&e, "dm$3000$carol$bob$hi", 3000);
	feed(&e, "error$no_such_user$dm$no such user: bob (not delivered)",
	    5000);
	assert_string_equal(
	    last_text(current(&e)), "no such user: bob (not delivered)");
	fakeshell_end(&e);
}

/*
 * /join of a channel already joined, by name or id, only shows its
 * window: nothing is sent and no second "you joined" is printed.
 */
static void
test_join_joined_shows(void **state)
{
	struct fakeshell_env e;
	struct model_win *w;
	size_t n;

	(void)state;
	env_online(&e);
	assert_int_equal(type(&e, "/join #rust"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "join$" UID "$#rust");
	join_rust(&e, RUST, 2);
	w = chan(&e, RUST);
	n = line_count(w);
	model_select(e.m, 0);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/join #RUST"), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	assert_ptr_equal(current(&e), w);
	assert_int_equal(line_count(w), n);
	model_select(e.m, 0);
	assert_int_equal(type(&e, "/join " RUST), CLIENT_INPUT_DONE);
	fakeshell_expect_none(&e.f);
	assert_ptr_equal(current(&e), w);
	/* With a key it is sent: the user asked for something new. */
	assert_int_equal(type(&e, "/join #rust k3y"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "join$" UID "$#rust$k3y");
	fakeshell_end(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_help_pages_names_columns),
	    cmocka_unit_test(test_connect_register),
	    cmocka_unit_test(test_hello_text_max),
	    cmocka_unit_test(test_name_taken),
	    cmocka_unit_test(test_bad_config_name),
	    cmocka_unit_test(test_join_history_switch),
	    cmocka_unit_test(test_join_joined_shows),
	    cmocka_unit_test(test_reconnect_same_ids),
	    cmocka_unit_test(test_reconnect_new_ids),
	    cmocka_unit_test(test_reconnect_channel_gone),
	    cmocka_unit_test(test_reconnect_twice),
	    cmocka_unit_test(test_unechoed),
	    cmocka_unit_test(test_nick_while_registering),
	    cmocka_unit_test(test_reconnect_name_taken),
	    cmocka_unit_test(test_join_part_quit_nick),
	    cmocka_unit_test(test_dm),
	    cmocka_unit_test(test_left_closed),
	    cmocka_unit_test(test_list_names),
	    cmocka_unit_test(test_ping_pong_error),
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_input_messages),
	    cmocka_unit_test(test_input_text_max_low),
	    cmocka_unit_test(test_input_offline),
	    cmocka_unit_test(test_slash_commands),
	    cmocka_unit_test(test_quit_reason_limit),
	    cmocka_unit_test(test_hostile_lines),
	    cmocka_unit_test(test_ingest_100k),
	    cmocka_unit_test(test_quit_is_a_request),
	    cmocka_unit_test(test_wrong_server_answer),
	    cmocka_unit_test(test_hello_timeout),
	    cmocka_unit_test(test_failures_count_until_registered),
	    cmocka_unit_test(test_hostile_unasked),
	    cmocka_unit_test(test_leave_and_personal),
	    cmocka_unit_test(test_page_older),
	    cmocka_unit_test(test_page_nothing_to_ask),
	    cmocka_unit_test(test_page_full),
	    cmocka_unit_test(test_page_reconnect_catchup),
	    cmocka_unit_test(test_page_max_advertised),
	    cmocka_unit_test(test_page_unasked),
	    cmocka_unit_test(test_page_refused),
	    cmocka_unit_test(test_join_creates),
	    cmocka_unit_test(test_query_window),
	    cmocka_unit_test(test_error_names_channel),
	    cmocka_unit_test(test_reg_storage_unavailable),
	    cmocka_unit_test(test_dm_not_delivered),
	};

	return cmocka_run_group_tests_name("client", tests, setup_locale, NULL);
}

/* test_client_account.c: tests for the client's account rules
 * (client_account.c), driven through a fake I/O shell. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fakeshell.h"
#include "model.h"
#include "proto.h"

#define UID  "127.0.0.1:40000"
#define UID2 "127.0.0.1:40001"
#define RUST "V1StGXR8_Z5jdHi6B-myT"
#define PW   "hunter22-$ecret"
/* 2026-12-01 10:00 UTC, two days before the clock the tests use. */
#define OLD_MS 1764583200000ULL
#define NOW_MS 1764756000000ULL

static void
feed(struct fakeshell_env *e, const char *line, uint64_t now)
{
	client_line(e->c, line, strlen(line), now);
}

static enum client_input_result
type(struct fakeshell_env *e, const char *line)
{
	return client_input(e->c, line, strlen(line), NOW_MS);
}

static void
secret(struct fakeshell_env *e, const char *pw)
{
	client_secret(e->c, pw, strlen(pw), NOW_MS);
}

static void
env_start(struct fakeshell_env *e)
{
	fakeshell_start(e, "alice", 1000);
	model_set_clock(e->m, NOW_MS, 0);
}

/* Connects to server; the hello is answered. */
static void
env_connect(struct fakeshell_env *e, const char *server)
{
	client_connecting(e->c, server, NOW_MS);
	client_connected(e->c, NOW_MS);
	fakeshell_expect(&e->f, "hello$1");
	feed(e, PROTO_WELCOME, NOW_MS);
	feed(e, "hello$1$3072$32$txt-chatd/0.1.0", NOW_MS);
}

/* Whether any line of any window holds s. */
static int
model_holds(struct fakeshell_env *e, const char *s)
{
	struct model_line l;
	size_t i;
	uint64_t k;

	for (i = 0; i < model_win_count(e->m); i++) {
		const struct model_win *w = model_win_at(e->m, i);

		for (k = model_lines_begin(w); k < model_lines_end(w); k++) {
			assert_int_equal(model_line(w, k, &l), 0);
			if (strstr(l.text, s) != NULL)
				return 1;
		}
	}
	return 0;
}

static void
assert_has_line(const struct model_win *w, const char *s)
{
	fakeshell_assert_line(w, -1, s);
}

/*
 * The server's login sequence for alice: her personal channel, #rust
 * with lines 1 to 5 (bob wrote 4 and 5, 5 naming alice), an offline DM
 * from bob of two days ago, the marker of #rust at 3.
 */
static void
login_sequence(struct fakeshell_env *e)
{
	feed(e, "account$alice$logged_in", NOW_MS);
	feed(e, "registered$" UID "$alice", NOW_MS);
	feed(e, "joined$" UID "$personal$1$~alice", NOW_MS);
	feed(e, "names$" UID "$alice", NOW_MS);
	feed(e, "names_end$" UID "$1", NOW_MS);
	feed(e, "history_end$" UID "$0", NOW_MS);
	feed(e, "joined$" RUST "$channel$2$#rust", NOW_MS);
	feed(e, "names$" RUST "$alice bob", NOW_MS);
	feed(e, "names_end$" RUST "$2", NOW_MS);
	feed(e, "msg$" RUST "$1$1764580000000$bob$one", NOW_MS);
	feed(e, "msg$" RUST "$2$1764580000001$alice$two", NOW_MS);
	feed(e, "msg$" RUST "$3$1764580000002$bob$three", NOW_MS);
	feed(e, "msg$" RUST "$4$1764580000003$bob$four", NOW_MS);
	feed(e, "msg$" RUST "$5$1764580000004$bob$five, alice", NOW_MS);
	feed(e, "history_end$" RUST "$5", NOW_MS);
	feed(e, "dm$1764583200000$bob$alice$are you there?", NOW_MS);
	feed(e, "marker$" RUST "$3", NOW_MS);
	feed(e, "login_end$1$1$1", NOW_MS);
}

static struct model_win *
rust(struct fakeshell_env *e)
{
	struct model_win *w = model_find(e->m, MODEL_WIN_CHANNEL, RUST, 21);

	assert_non_null(w);
	return w;
}

/* account + pass_cmd: login instead of reg, on every connection. */
static void
test_auto_login_and_reconnect(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	assert_int_equal(client_set_account(e.c, "alice", PW, strlen(PW)), 0);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	login_sequence(&e);
	assert_int_equal(client_state(e.c), CLIENT_ONLINE);
	assert_string_equal(client_account(e.c), "alice");
	/* The server joined #rust: the client asks for nothing. */
	fakeshell_expect_none(&e.f);
	assert_has_line(model_win_at(e.m, 0), "1 channel rejoined, 1 message");
	/* Reconnect: the same login, and #rust is not joined by hand. */
	client_disconnected(e.c, "gone", NOW_MS, NOW_MS + 1000);
	assert_null(client_account(e.c));
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	login_sequence(&e);
	fakeshell_expect_none(&e.f);
	/* The password is nowhere to be seen. */
	assert_false(model_holds(&e, "hunter22"));
	fakeshell_end(&e);
}

/* Markers restore unread counts and the "new" row; offline DMs. */
static void
test_login_restores_unread(void **state)
{
	struct fakeshell_env e;
	struct model_win *w, *dm;
	struct model_line l;
	int64_t day;

	(void)state;
	env_start(&e);
	assert_int_equal(client_set_account(e.c, "alice", PW, strlen(PW)), 0);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_clear(&e.f);
	login_sequence(&e);
	w = rust(&e);
	/* 4 and 5 are unread (2 is alice's own), 5 names her. */
	assert_int_equal(model_win_unread(w), 2);
	assert_true(model_win_mentioned(w));
	assert_int_not_equal(model_win_marker(w), UINT64_MAX);
	assert_int_equal(model_line(w, model_win_marker(w), &l), 0);
	assert_int_equal(l.seq, 4);
	/* The offline DM, with its own time, under its notice. */
	dm = model_find(e.m, MODEL_WIN_DM, "bob", 3);
	assert_non_null(dm);
	assert_int_equal(model_line(dm, model_lines_begin(dm), &l), 0);
	assert_non_null(strstr(l.text, "while you were away"));
	assert_int_equal(l.time_ms, OLD_MS);
	/* Two days ago: a day row goes above it. */
	assert_int_equal(model_day_changes(dm, model_lines_begin(dm), &day), 1);
	assert_int_equal(model_line(dm, model_lines_begin(dm) + 1, &l), 0);
	assert_string_equal(l.text, "are you there?");
	assert_int_equal(l.time_ms, OLD_MS);
	assert_int_equal(model_win_unread(dm), 1);
	/* A live DM later is not "while you were away". */
	feed(&e, "dm$1764756000001$bob$alice$back?", NOW_MS);
	assert_int_equal(model_line(dm, model_lines_end(dm) - 2, &l), 0);
	assert_string_equal(l.text, "are you there?");
	/* Another device read #rust up to 5. */
	feed(&e, "marker$" RUST "$5", NOW_MS);
	assert_int_equal(model_win_unread(w), 0);
	assert_false(model_win_mentioned(w));
	assert_int_equal(model_win_marker(w), UINT64_MAX);
	fakeshell_end(&e);
}

/* mark_read when the newest line is seen: at most once a second. */
static void
test_mark_read_batched(void **state)
{
	struct fakeshell_env e;
	size_t i;

	(void)state;
	env_start(&e);
	assert_int_equal(client_set_account(e.c, "alice", PW, strlen(PW)), 0);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_clear(&e.f);
	login_sequence(&e);
	/* Not shown yet: nothing. */
	client_seen(e.c, NOW_MS);
	fakeshell_expect_none(&e.f);
	for (i = 0; i < model_win_count(e.m); i++)
		if (model_win_at(e.m, i) == rust(&e))
			model_select(e.m, i);
	client_seen(e.c, NOW_MS);
	fakeshell_expect(&e.f, "mark_read$" UID "$" RUST "$5");
	feed(&e, "marker$" RUST "$5", NOW_MS + 10);
	client_seen(e.c, NOW_MS + 20);
	fakeshell_expect_none(&e.f);
	/* Two lines within the second: one mark_read, for the newer. */
	feed(&e, "msg$" RUST "$6$1764756000100$bob$six", NOW_MS + 100);
	client_seen(e.c, NOW_MS + 100);
	feed(&e, "msg$" RUST "$7$1764756000200$bob$seven", NOW_MS + 200);
	client_seen(e.c, NOW_MS + 200);
	fakeshell_expect_none(&e.f);
	assert_true(client_next_tick(e.c) <= NOW_MS + 1000);
	client_tick(e.c, NOW_MS + 1000);
	fakeshell_expect(&e.f, "mark_read$" UID "$" RUST "$7");
	/* Scrolled up: the newest line is not seen. */
	feed(&e, "msg$" RUST "$8$1764756000300$bob$eight", NOW_MS + 3000);
	model_win_scroll(rust(&e), model_lines_begin(rust(&e)), 0);
	client_seen(e.c, NOW_MS + 3000);
	client_tick(e.c, NOW_MS + 5000);
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);
}

/* A guest never sends mark_read. */
static void
test_guest_no_mark_read(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "reg$alice");
	feed(&e, "registered$" UID "$alice", NOW_MS);
	feed(&e, "joined$" UID "$personal$1$~alice", NOW_MS);
	feed(&e, "history_end$" UID "$0", NOW_MS);
	assert_int_equal(type(&e, "/join #rust"), CLIENT_INPUT_DONE);
	fakeshell_clear(&e.f);
	feed(&e, "joined$" RUST "$channel$1$#rust", NOW_MS);
	feed(&e, "msg$" RUST "$1$1764756000000$bob$hi", NOW_MS);
	feed(&e, "history_end$" RUST "$1", NOW_MS);
	client_seen(e.c, NOW_MS);
	client_tick(e.c, NOW_MS + 5000);
	fakeshell_expect_none(&e.f);
	/* A joined line nobody asked for still opens nothing. */
	feed(&e, "joined$Zz1StGXR8_Z5jdHi6B-my$channel$1$#other", NOW_MS);
	assert_null(model_find_name(e.m, "#other", 6));
	fakeshell_end(&e);
}

/* /login typed: the password is asked for unseen, and kept. */
static void
test_login_typed(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "reg$alice");
	feed(&e,
	    "error$name_reserved$reg$alice is a registered account; log "
	    "in to use it",
	    NOW_MS);
	assert_has_line(model_win_at(e.m, 0), "/login alice if it is yours");
	/* A password on the command line: refused by the parser. */
	assert_int_equal(type(&e, "/login alice " PW "x"), CLIENT_INPUT_KEEP);
	assert_null(client_secret_prompt(e.c));
	assert_int_equal(type(&e, "/login"), CLIENT_INPUT_DONE);
	assert_non_null(client_secret_prompt(e.c));
	assert_non_null(strstr(client_secret_prompt(e.c), "alice"));
	/* Too short: the question stays. */
	secret(&e, "short");
	assert_non_null(client_secret_prompt(e.c));
	fakeshell_expect_none(&e.f);
	secret(&e, PW);
	assert_null(client_secret_prompt(e.c));
	fakeshell_expect(&e.f, "login$alice$" PW);
	feed(&e, "error$bad_login$login$wrong name or password", NOW_MS);
	assert_has_line(model_win_at(e.m, 0), "wrong account name or password");
	/* A wrong password is not kept: the next connection asks. */
	client_disconnected(e.c, "gone", NOW_MS, NOW_MS + 1000);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect_none(&e.f);
	assert_non_null(client_secret_prompt(e.c));
	/* Escape: a guest instead. */
	client_secret_cancel(e.c, NOW_MS);
	fakeshell_expect(&e.f, "reg$alice");
	assert_false(model_holds(&e, "hunter22"));
	fakeshell_end(&e);
}

/* /login typed while online as a guest: a new connection logs in. */
static void
test_login_when_online(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	env_connect(&e, "127.0.0.1:9090");
	feed(&e, "registered$" UID "$alice", NOW_MS);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/login"), CLIENT_INPUT_DONE);
	secret(&e, PW);
	assert_int_equal(e.f.drops, 1);
	client_disconnected(e.c, "logging in", NOW_MS, NOW_MS + 1000);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	fakeshell_end(&e);
}

/* /register: typed twice; the two must agree. */
static void
test_register(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	env_connect(&e, "127.0.0.1:9090");
	feed(&e, "registered$" UID "$alice", NOW_MS);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/register bob"), CLIENT_INPUT_KEEP);
	assert_int_equal(type(&e, "/register"), CLIENT_INPUT_DONE);
	secret(&e, PW);
	assert_non_null(strstr(client_secret_prompt(e.c), "again"));
	secret(&e, PW "x");
	assert_null(client_secret_prompt(e.c));
	fakeshell_expect_none(&e.f);
	assert_has_line(model_win_at(e.m, 0), "the two passwords differ");
	assert_int_equal(type(&e, "/register"), CLIENT_INPUT_DONE);
	secret(&e, PW);
	secret(&e, PW);
	fakeshell_expect(&e.f, "register$alice$" PW);
	feed(&e, "account$alice$registered", NOW_MS);
	assert_string_equal(client_account(e.c), "alice");
	/* From now on it logs in. */
	client_disconnected(e.c, "gone", NOW_MS, NOW_MS + 1000);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	/* /passwd: the new one is kept once the server says so. */
	login_sequence(&e);
	fakeshell_clear(&e.f);
	assert_int_equal(type(&e, "/passwd"), CLIENT_INPUT_DONE);
	secret(&e, "n3w-password");
	secret(&e, "n3w-password");
	fakeshell_expect(&e.f, "passwd$" UID "$n3w-password");
	feed(&e, "account$alice$password_changed", NOW_MS);
	client_disconnected(e.c, "gone", NOW_MS, NOW_MS + 1000);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$n3w-password");
	fakeshell_end(&e);
}

/* The errors of ACCOUNTS.md read as sentences that say what to do. */
static void
test_errors(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	assert_int_equal(client_set_account(e.c, "alice", PW, strlen(PW)), 0);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	feed(&e, "error$tls_required$login$use TLS", NOW_MS);
	assert_has_line(model_win_at(e.m, 0), "tls://");
	client_disconnected(e.c, "gone", NOW_MS, NOW_MS + 1000);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	/* Busy: logged in again a little later, by itself. */
	feed(&e, "error$busy$login$try again", NOW_MS);
	assert_has_line(model_win_at(e.m, 0), "busy checking passwords");
	fakeshell_expect_none(&e.f);
	client_tick(e.c, NOW_MS + 5000);
	fakeshell_expect(&e.f, "login$alice$" PW);
	feed(&e, "error$login_limited$login$retry in 60 s", NOW_MS);
	assert_has_line(
	    model_win_at(e.m, 0), "too many failed logins: retry in 60 s");
	/* Refused: /nick is a guest's registration, not another login. */
	assert_int_equal(type(&e, "/nick guest1"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "reg$guest1");
	/* No accounts on this server: a guest, under the name given. */
	client_disconnected(e.c, "gone", NOW_MS, NOW_MS + 1000);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	feed(&e, "error$accounts_off$login$no database", NOW_MS);
	assert_has_line(model_win_at(e.m, 0), "keeps no accounts");
	fakeshell_expect(&e.f, "reg$guest1");
	fakeshell_end(&e);
}

/* A password goes to another machine only over TLS. */
static void
test_plaintext_refused(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	assert_int_equal(client_set_account(e.c, "alice", PW, strlen(PW)), 0);
	env_connect(&e, "chat.example.org:9090");
	fakeshell_expect_none(&e.f);
	assert_has_line(model_win_at(e.m, 0), "only over TLS");
	client_disconnected(e.c, "gone", NOW_MS, NOW_MS + 1000);
	env_connect(&e, "tls://chat.example.org:9443");
	fakeshell_expect(&e.f, "login$alice$" PW);
	fakeshell_end(&e);
}

/* client_set_account checks what it keeps. */
static void
test_set_account(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	assert_int_equal(client_set_account(e.c, "al ice", PW, strlen(PW)), -1);
	assert_int_equal(client_set_account(e.c, "alice", "short", 5), -1);
	assert_int_equal(client_set_account(e.c, "alice", NULL, 0), 0);
	/* No password: asked for on connecting. */
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect_none(&e.f);
	assert_non_null(client_secret_prompt(e.c));
	secret(&e, PW);
	fakeshell_expect(&e.f, "login$alice$" PW);
	fakeshell_end(&e);
}

/* /register before reg (the name was taken): the account, logged in. */
static void
test_register_before_reg(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "reg$alice");
	feed(&e, "error$name_taken$reg$alice is taken", NOW_MS);
	assert_int_equal(type(&e, "/register alice2"), CLIENT_INPUT_DONE);
	secret(&e, PW);
	secret(&e, PW);
	fakeshell_expect(&e.f, "register$alice2$" PW);
	feed(&e, "account$alice2$logged_in", NOW_MS);
	feed(&e, "registered$" UID "$alice2", NOW_MS);
	feed(&e, "joined$" UID "$personal$1$~alice2", NOW_MS);
	feed(&e, "history_end$" UID "$0", NOW_MS);
	feed(&e, "login_end$0$0$0", NOW_MS);
	assert_int_equal(client_state(e.c), CLIENT_ONLINE);
	assert_string_equal(client_account(e.c), "alice2");
	assert_string_equal(client_name(e.c), "alice2");
	/* A password change the server refuses keeps the old one. */
	assert_int_equal(type(&e, "/passwd"), CLIENT_INPUT_DONE);
	secret(&e, "another-pw");
	secret(&e, "another-pw");
	fakeshell_expect(&e.f, "passwd$" UID "$another-pw");
	feed(&e, "error$busy$passwd$try again", NOW_MS);
	assert_has_line(model_win_at(e.m, 0), "the password was not changed");
	client_disconnected(e.c, "gone", NOW_MS, NOW_MS + 1000);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice2$" PW);
	/* An account's name does not change. */
	feed(&e, "account$alice2$logged_in", NOW_MS);
	feed(&e, "registered$" UID "$alice2", NOW_MS);
	feed(&e, "login_end$0$0$0", NOW_MS);
	assert_int_equal(type(&e, "/nick bob"), CLIENT_INPUT_DONE);
	fakeshell_expect(&e.f, "nick$" UID "$bob");
	feed(&e, "error$account_name$nick$the account fixes the name", NOW_MS);
	assert_has_line(model_win_at(e.m, 0), "your name is your account's");
	fakeshell_end(&e);
}

/* A server older than accounts: a guest, said so. */
static void
test_old_server(void **state)
{
	struct fakeshell_env e;

	(void)state;
	env_start(&e);
	assert_int_equal(client_set_account(e.c, "alice", PW, strlen(PW)), 0);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	feed(&e, "error$unknown_command$*$unknown command", NOW_MS);
	assert_has_line(model_win_at(e.m, 0), "does not know accounts");
	fakeshell_expect(&e.f, "reg$alice");
	feed(&e, "registered$" UID "$alice", NOW_MS);
	assert_int_equal(client_state(e.c), CLIENT_ONLINE);
	assert_null(client_account(e.c));
	fakeshell_end(&e);
}

/*
 * A second device of an account online elsewhere: its personal channel's
 * id is the account's uid, not this connection's, and the window is still
 * its own; when the first device goes, the channel comes back under this
 * connection's uid, in the same window.
 */
static void
test_second_device(void **state)
{
	struct fakeshell_env e;
	struct model_win *own;
	size_t n;

	(void)state;
	env_start(&e);
	assert_int_equal(client_set_account(e.c, "alice", PW, strlen(PW)), 0);
	env_connect(&e, "127.0.0.1:9090");
	fakeshell_expect(&e.f, "login$alice$" PW);
	feed(&e, "account$alice$logged_in", NOW_MS);
	feed(&e, "registered$" UID2 "$alice", NOW_MS);
	feed(&e, "joined$" UID "$personal$2$~alice", NOW_MS);
	feed(&e, "names$" UID "$alice bob", NOW_MS);
	feed(&e, "names_end$" UID "$2", NOW_MS);
	feed(&e, "history_end$" UID "$0", NOW_MS);
	feed(&e, "login_end$0$0$0", NOW_MS);
	n = model_win_count(e.m);
	own = model_find(e.m, MODEL_WIN_PERSONAL, UID, strlen(UID));
	assert_non_null(own);
	assert_has_line(model_win_at(e.m, 0),
	    "your channel ~alice has the id " UID ": others join it with "
	    "/join " UID);
	assert_false(model_holds(&e, "has the id " UID2));
	/* The first device goes: closed, then the same channel anew. */
	feed(&e, "closed$" UID "$its owner's connection closed", NOW_MS);
	feed(&e, "joined$" UID2 "$personal$1$~alice", NOW_MS);
	feed(&e, "names$" UID2 "$alice", NOW_MS);
	feed(&e, "names_end$" UID2 "$1", NOW_MS);
	feed(&e, "history_end$" UID2 "$0", NOW_MS);
	assert_int_equal(model_win_count(e.m), n);
	assert_ptr_equal(
	    model_find(e.m, MODEL_WIN_PERSONAL, UID2, strlen(UID2)), own);
	assert_true(model_win_joined(own));
	assert_has_line(model_win_at(e.m, 0), "has the id " UID2);
	fakeshell_expect_none(&e.f);
	fakeshell_end(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_auto_login_and_reconnect),
	    cmocka_unit_test(test_login_restores_unread),
	    cmocka_unit_test(test_mark_read_batched),
	    cmocka_unit_test(test_guest_no_mark_read),
	    cmocka_unit_test(test_login_typed),
	    cmocka_unit_test(test_login_when_online),
	    cmocka_unit_test(test_register),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_plaintext_refused),
	    cmocka_unit_test(test_set_account),
	    cmocka_unit_test(test_register_before_reg),
	    cmocka_unit_test(test_old_server),
	    cmocka_unit_test(test_second_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

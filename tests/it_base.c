/* it_base.c: txt-chatd in base mode, as clients of the reference design see it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testcli.h"
#include "testsrv.h"

/* Bytes of a channel id the reference client keeps, counting the NUL. */
#define REF_CHAN_MAX 128

/*
 * The reference client of the blog post, re-implemented: it reads the
 * welcome line, sends reg, takes the NEXT line as its current channel (the
 * empty line after the welcome), prints every line it receives as
 * ">> <line>" and switches its current channel on any "$$joined: <id>".
 * A typed "$join <id>" sends join; any other non-empty typed line is sent
 * with send_msg to the current channel, unless it has none.  Its uid is
 * its own local address.
 */
struct refcli {
	struct testcli *cli;
	char cur[REF_CHAN_MAX];
	struct testcli_lines printed;
};

/* What the reference client does with one received line. */
static void
ref_receive(struct refcli *r, const char *line)
{
	char out[TESTCLI_LINE_MAX + 8];
	const char *sep = strstr(line, ": ");

	snprintf(out, sizeof(out), ">> %s", line);
	testcli_lines_add(&r->printed, out);
	/* parse_join_resp: split at ": ", the first part must be $$joined. */
	if (strncmp(line, "$$", 2) == 0 && sep != NULL &&
	    (size_t)(sep - line) == strlen("$$joined") &&
	    strncmp(line, "$$joined", 8) == 0) {
		const char *id = sep + 2;
		const char *end = strstr(id, ": ");
		size_t n = end != NULL ? (size_t)(end - id) : strlen(id);

		if (n >= sizeof(r->cur))
			n = sizeof(r->cur) - 1;
		memcpy(r->cur, id, n);
		r->cur[n] = '\0';
	}
}

static void
ref_start(struct refcli *r, struct testsrv *srv, const char *name)
{
	const char *line;

	memset(r, 0, sizeof(*r));
	r->cli = testcli_open(srv);
	testcli_set_label(r->cli, name);
	testcli_expect(r->cli, "------Welcome to Txt Chat------");
	testcli_sendf(r->cli, "reg$%s", name);
	line = testcli_read(r->cli);
	if (line == NULL)
		fail_msg("%s: no line after reg", name);
	snprintf(r->cur, sizeof(r->cur), "%s", line);
}

/* The harness's own sync: every line before the pong goes to the client. */
static void
ref_pump(struct refcli *r)
{
	struct testcli_lines l = {NULL, 0, 0};
	size_t i;

	testcli_sync(r->cli, &l);
	for (i = 0; i < l.n; i++)
		ref_receive(r, l.line[i]);
	testcli_lines_free(&l);
}

static void
ref_type(struct refcli *r, const char *typed)
{
	if (typed[0] == '\0')
		return;
	if (strncmp(typed, "$join ", 6) == 0) {
		testcli_sendf(
		    r->cli, "join$%s$%s", testcli_local(r->cli), typed + 6);
		return;
	}
	/* encode_send_msg fails without a current channel. */
	if (r->cur[0] == '\0')
		return;
	testcli_sendf(
	    r->cli, "send_msg$%s$%s$%s", testcli_local(r->cli), r->cur, typed);
}

static void
ref_free(struct refcli *r)
{
	testcli_free(r->cli);
	testcli_lines_free(&r->printed);
}

static struct testsrv *
start(void **state)
{
	struct testsrv *srv = testsrv_start(NULL);

	assert_non_null(srv);
	*state = srv;
	return srv;
}

static void
stop(struct testsrv *srv)
{
	assert_int_equal(testsrv_stop(srv), 0);
}

/* The raw capture in SEED-WIRE.md, with our "<sender>: <text>" form. */
static void
test_reference_transcript(void **state)
{
	struct testsrv *srv = start(state);
	struct testcli *alice = testcli_open(srv), *bob;
	char auid[TESTCLI_UID_MAX], buid[TESTCLI_UID_MAX];

	testcli_expect(alice, "------Welcome to Txt Chat------");
	testcli_expect(alice, "");
	testcli_sendf(alice, "reg$alice");
	/* The uid is the peer address as the server sees it. */
	testcli_expect(alice, testcli_local(alice));
	snprintf(auid, sizeof(auid), "%s", testcli_local(alice));

	bob = testcli_open(srv);
	testcli_expect(bob, "------Welcome to Txt Chat------");
	testcli_expect(bob, "");
	testcli_sendf(bob, "reg$bob");
	testcli_expect(bob, testcli_local(bob));
	snprintf(buid, sizeof(buid), "%s", testcli_local(bob));

	testcli_sendf(bob, "join$%s$%s", buid, auid);
	testcli_expectf(bob, "$$joined: %s", auid);
	testcli_expectf(alice, "$$joined: %s", auid);
	testcli_sendf(alice, "send_msg$%s$%s$hello bob", auid, auid);
	testcli_expect(alice, "alice: hello bob");
	testcli_expect(bob, "alice: hello bob");
	testcli_expect_quiet(alice);
	testcli_expect_quiet(bob);
	testcli_free(alice);
	testcli_free(bob);
	stop(srv);
}

/* The blog post's two-client session, through the reference client. */
static void
test_reference_client_conversation(void **state)
{
	struct testsrv *srv = start(state);
	struct refcli a, b;
	char join[TESTCLI_UID_MAX + 8], auid[TESTCLI_UID_MAX],
	    buid[TESTCLI_UID_MAX];
	char l_auid[TESTCLI_UID_MAX + 8], l_buid[TESTCLI_UID_MAX + 8];
	char l_joined[TESTCLI_UID_MAX + 24];

	ref_start(&a, srv, "alice");
	ref_start(&b, srv, "Bob");
	/* The empty line after the welcome became the current channel. */
	assert_string_equal(a.cur, "");
	assert_string_equal(b.cur, "");
	snprintf(auid, sizeof(auid), "%s", testcli_local(a.cli));
	snprintf(buid, sizeof(buid), "%s", testcli_local(b.cli));
	ref_pump(&a);
	ref_pump(&b);

	/* Typed before joining anything: nothing to send it to. */
	ref_type(&a, "Hello");
	ref_type(&a, "Alice");
	snprintf(join, sizeof(join), "$join %s", buid);
	ref_type(&a, join);
	ref_pump(&a);
	ref_pump(&b);
	assert_string_equal(a.cur, buid);
	assert_string_equal(b.cur, buid);

	ref_type(&a, "ni hao");
	ref_pump(&a);
	ref_type(&a, "hello friend");
	ref_pump(&a);
	ref_pump(&b);
	ref_type(&b, "how do you do");
	ref_pump(&b);
	ref_pump(&a);
	ref_type(&a, "so far so good");
	ref_pump(&a);
	ref_pump(&b);
	ref_type(&b, "nice!");
	ref_pump(&b);
	ref_pump(&a);

	snprintf(l_auid, sizeof(l_auid), ">> %s", auid);
	snprintf(l_buid, sizeof(l_buid), ">> %s", buid);
	snprintf(l_joined, sizeof(l_joined), ">> $$joined: %s", buid);
	{
		const char *want_a[] = {l_auid, l_joined, ">> alice: ni hao",
		    ">> alice: hello friend", ">> Bob: how do you do",
		    ">> alice: so far so good", ">> Bob: nice!"};
		const char *want_b[] = {l_buid, l_joined, ">> alice: ni hao",
		    ">> alice: hello friend", ">> Bob: how do you do",
		    ">> alice: so far so good", ">> Bob: nice!"};

		testcli_lines_expect(&a.printed, want_a,
		    sizeof(want_a) / sizeof(want_a[0]), "alice's screen");
		testcli_lines_expect(&b.printed, want_b,
		    sizeof(want_b) / sizeof(want_b[0]), "Bob's screen");
	}
	ref_free(&a);
	ref_free(&b);
	stop(srv);
}

/* Text holding '$' arrives byte for byte and switches nobody's channel. */
static void
test_dollar_preserved(void **state)
{
	static const char *const texts[] = {"price is $5", "$", "$$", "a$b$c",
	    "ends in $", "$$$joined: x", "send_msg$1$2$3"};
	struct testsrv *srv = start(state);
	struct refcli a;
	struct testcli *bob;
	char cur[REF_CHAN_MAX];
	const char *auid;
	size_t i;

	ref_start(&a, srv, "alice");
	ref_pump(&a);
	auid = testcli_local(a.cli);
	bob = testcli_base_user(srv, "bob");
	testcli_sendf(bob, "join$%s$%s", testcli_uid(bob), auid);
	testcli_expectf(bob, "$$joined: %s", auid);
	ref_pump(&a);
	snprintf(cur, sizeof(cur), "%s", a.cur);
	assert_string_equal(cur, auid);

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		testcli_sendf(
		    bob, "send_msg$%s$%s$%s", testcli_uid(bob), auid, texts[i]);
		testcli_expectf(bob, "bob: %s", texts[i]);
		ref_pump(&a);
		assert_int_equal(a.printed.n, 3 + i);
		assert_true(strncmp(a.printed.line[a.printed.n - 1],
		                ">> bob: ", 8) == 0);
		assert_string_equal(
		    a.printed.line[a.printed.n - 1] + 8, texts[i]);
	}
	/* "bob: $$joined: x" is no join line: alice's channel stays. */
	testcli_sendf(bob, "send_msg$%s$%s$$$joined: %s", testcli_uid(bob),
	    auid, testcli_uid(bob));
	testcli_expectf(bob, "bob: $$joined: %s", testcli_uid(bob));
	ref_pump(&a);
	assert_string_equal(a.cur, cur);
	ref_free(&a);
	testcli_free(bob);
	stop(srv);
}

/* A uid that is not the connection's own is refused; nobody hears a thing. */
static void
test_impersonation_refused(void **state)
{
	struct testsrv *srv = start(state);
	struct testcli *alice = testcli_base_user(srv, "alice");
	struct testcli *bob = testcli_base_user(srv, "bob");
	struct testcli *carol = testcli_base_user(srv, "carol");
	const char *au = testcli_uid(alice), *bu = testcli_uid(bob);

	testcli_sendf(bob, "join$%s$%s", bu, au);
	testcli_expectf(bob, "$$joined: %s", au);
	testcli_expectf(alice, "$$joined: %s", au);

	/* bob posts to alice's channel as alice. */
	testcli_sendf(bob, "send_msg$%s$%s$I am alice", au, au);
	testcli_expectf(
	    bob, "$$error: bad_uid: uid is not this connection's: %s", au);
	/* bob subscribes carol to alice's channel. */
	testcli_sendf(bob, "join$%s$%s", testcli_uid(carol), au);
	testcli_expectf(bob,
	    "$$error: bad_uid: uid is not this connection's: %s",
	    testcli_uid(carol));
	/* bob makes alice leave, and creates a channel as alice. */
	testcli_sendf(bob, "leave$%s$%s", au, au);
	testcli_expect_prefix(bob, "$$error: bad_uid: ");
	testcli_sendf(bob, "create_chan$%s$fake", au);
	testcli_expect_prefix(bob, "$$error: bad_uid: ");
	/* A uid of nobody at all. */
	testcli_sendf(bob, "send_msg$127.0.0.1:1$%s$hi", au);
	testcli_expect_prefix(bob, "$$error: bad_uid: ");
	testcli_expect_quiet(bob);
	testcli_expect_quiet(alice);
	testcli_expect_quiet(carol);

	/* alice is still in her channel and carol in none of alice's. */
	testcli_sendf(alice, "send_msg$%s$%s$still here", au, au);
	testcli_expect(alice, "alice: still here");
	testcli_expect(bob, "alice: still here");
	testcli_expect_quiet(carol);
	/* No channel "fake" was made. */
	testcli_sendf(bob, "join$%s$fake", bu);
	testcli_expect_prefix(bob, "$$error: no_such_channel: ");
	testcli_free(alice);
	testcli_free(bob);
	testcli_free(carol);
	stop(srv);
}

/* Before reg only reg, ping and the like are accepted. */
static void
test_commands_before_reg(void **state)
{
	struct testsrv *srv = start(state);
	struct testcli *c = testcli_open(srv);
	const char *me;

	testcli_expect_welcome(c);
	me = testcli_local(c);
	testcli_sendf(c, "join$%s$%s", me, me);
	testcli_expect_prefix(c, "$$error: not_registered: ");
	testcli_sendf(c, "send_msg$%s$%s$hi", me, me);
	testcli_expect_prefix(c, "$$error: not_registered: ");
	testcli_sendf(c, "create_chan$%s$room", me);
	testcli_expect_prefix(c, "$$error: not_registered: ");
	testcli_sendf(c, "leave$%s$%s", me, me);
	testcli_expect_prefix(c, "$$error: not_registered: ");
	testcli_sendf(c, "ping$early");
	testcli_expect(c, "$$pong: early");
	testcli_sendf(c, "reg$dave");
	testcli_expect(c, me);
	testcli_sendf(c, "send_msg$%s$%s$now it works", me, me);
	testcli_expect(c, "dave: now it works");
	testcli_free(c);
	stop(srv);
}

/* More than five errors before registering closes the connection. */
static void
test_errors_before_reg_close(void **state)
{
	struct testsrv *srv = start(state);
	struct testcli *c = testcli_open(srv);
	int i;

	testcli_expect_welcome(c);
	for (i = 0; i < 5; i++) {
		testcli_sendf(c, "bogus%d", i);
		testcli_expect_prefix(c, "$$error: unknown_command: ");
	}
	testcli_sendf(c, "bogus5");
	testcli_expect_last(c, "$$error: too_many_errors: too many errors");
	testcli_free(c);
	stop(srv);
}

static void
test_second_reg_refused(void **state)
{
	struct testsrv *srv = start(state);
	struct testcli *c = testcli_base_user(srv, "erin");

	testcli_sendf(c, "reg$erin");
	testcli_expect_prefix(c, "$$error: already_registered: ");
	testcli_sendf(c, "reg$frank");
	testcli_expect_prefix(c, "$$error: already_registered: ");
	testcli_sendf(
	    c, "send_msg$%s$%s$still erin", testcli_uid(c), testcli_uid(c));
	testcli_expect(c, "erin: still erin");
	testcli_free(c);
	stop(srv);
}

/*
 * A name is taken in any case while its holder is connected and free again
 * once the holder leaves, by close or by reset.
 */
static void
test_name_taken_then_free(void **state)
{
	struct testsrv *srv = start(state);
	struct testcli *holder = testcli_base_user(srv, "Alice");
	struct testcli *other = testcli_open(srv);
	struct testcli *third;

	testcli_expect_welcome(other);
	testcli_sendf(other, "reg$alice");
	testcli_expect_prefix(other, "$$error: name_taken: ");
	testcli_sendf(other, "reg$ALICE");
	testcli_expect_prefix(other, "$$error: name_taken: ");
	testcli_sendf(other, "reg$Alice");
	testcli_expect_prefix(other, "$$error: name_taken: ");

	/*
	 * The server reads the holder's FIN before the ping sent after it,
	 * so the pong means the name has been freed.
	 */
	testcli_free(holder);
	testcli_expect_quiet(other);
	testcli_sendf(other, "reg$aLiCe");
	testcli_expect(other, testcli_local(other));

	third = testcli_open(srv);
	testcli_expect_welcome(third);
	testcli_sendf(third, "reg$ALICE");
	testcli_expect_prefix(third, "$$error: name_taken: ");
	testcli_reset(other);
	testcli_expect_quiet(third);
	testcli_sendf(third, "reg$ALICE");
	testcli_expect(third, testcli_local(third));
	testcli_free(third);
	stop(srv);
}

/* leave has no reply in base mode; the channel stops reaching the leaver. */
static void
test_leave_no_reply(void **state)
{
	struct testsrv *srv = start(state);
	struct testcli *alice = testcli_base_user(srv, "alice");
	struct testcli *bob = testcli_base_user(srv, "bob");
	const char *au = testcli_uid(alice), *bu = testcli_uid(bob);

	testcli_sendf(bob, "join$%s$%s", bu, au);
	testcli_expectf(bob, "$$joined: %s", au);
	testcli_expectf(alice, "$$joined: %s", au);
	testcli_sendf(bob, "leave$%s$%s", bu, au);
	testcli_expect_quiet(bob);
	/* Base-mode members are not told of a leave either. */
	testcli_expect_quiet(alice);
	testcli_sendf(alice, "send_msg$%s$%s$anyone?", au, au);
	testcli_expect(alice, "alice: anyone?");
	testcli_expect_quiet(bob);
	testcli_sendf(bob, "send_msg$%s$%s$let me in", bu, au);
	testcli_expect_prefix(bob, "$$error: not_member: ");
	testcli_sendf(bob, "leave$%s$%s", bu, au);
	testcli_expect_prefix(bob, "$$error: not_member: ");
	testcli_expect_quiet(alice);
	testcli_free(alice);
	testcli_free(bob);
	stop(srv);
}

/* One bad command: the reply must start with reply. */
struct bad_case {
	const char *cmd; /* '@' stands for the client's uid */
	const char *reply;
};

static void
check_bad(struct testcli *c, const struct bad_case *bc)
{
	char line[256];
	const char *got, *p;
	size_t n = 0;

	for (p = bc->cmd; *p != '\0' && n + TESTCLI_UID_MAX < sizeof(line);
	     p++) {
		if (*p == '@')
			n += (size_t)snprintf(
			    line + n, sizeof(line) - n, "%s", testcli_uid(c));
		else
			line[n++] = *p;
	}
	line[n] = '\0';
	testcli_sendf(c, "%s", line);
	got = testcli_read(c);
	if (got == NULL || strncmp(got, bc->reply, strlen(bc->reply)) != 0)
		fail_msg("'%s': expected '%s...', got '%s'", line, bc->reply,
		    got != NULL ? got : "nothing");
}

/* Bad commands get an error line each, and the connection goes on. */
static void
test_bad_commands(void **state)
{
	static const struct bad_case cases[] = {
	    {"frobnicate", "$$error: unknown_command: "},
	    {"frobnicate$@$x", "$$error: unknown_command: "},
	    {"SEND_MSG$@$@$hi", "$$error: unknown_command: "},
	    {"send_msg", "$$error: bad_args: "},
	    {"send_msg$@", "$$error: bad_args: "},
	    {"send_msg$@$@", "$$error: bad_args: "},
	    {"send_msg$@$@$", "$$error: bad_text: "},
	    {"send_msg$$@$hi", "$$error: bad_args: "},
	    {"join$@", "$$error: bad_args: "},
	    {"join$@$", "$$error: bad_args: "},
	    {"join$@$nowhere", "$$error: no_such_channel: "},
	    {"create_chan$@", "$$error: bad_args: "},
	    {"create_chan$@$bad name", "$$error: bad_channel_name: "},
	    {"list$@", "$$error: ext_only: "},
	    {"nick$@$other", "$$error: ext_only: "},
	    {"ping$", "$$error: bad_args: "},
	    {"ping$a b", "$$error: bad_token: "},
	    {"reg$", "$$error: bad_args: "},
	};
	/* The limit is 20 errors a minute: two clients share the cases. */
	const size_t half = sizeof(cases) / sizeof(cases[0]) / 2;
	struct testsrv *srv = start(state);
	struct testcli *c = testcli_base_user(srv, "gina");
	size_t i;

	for (i = 0; i < half; i++)
		check_bad(c, &cases[i]);
	testcli_expect_quiet(c);
	testcli_free(c);
	c = testcli_base_user(srv, "hank");
	for (i = half; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad(c, &cases[i]);
	/* Empty lines are ignored; the connection still works. */
	testcli_sendf(c, "%s", "");
	testcli_sendf(c, "send_msg$%s$%s$fine", testcli_uid(c), testcli_uid(c));
	testcli_expect(c, "hank: fine");
	testcli_expect_quiet(c);
	testcli_free(c);
	stop(srv);
}

/* create_chan replies with a 21-character id; others join by id or name. */
static void
test_create_chan(void **state)
{
	struct testsrv *srv = start(state);
	struct testcli *alice = testcli_base_user(srv, "alice");
	struct testcli *bob = testcli_base_user(srv, "bob");
	char id[64];
	const char *line;
	size_t i;

	testcli_sendf(alice, "create_chan$%s$Rust", testcli_uid(alice));
	line = testcli_read(alice);
	assert_non_null(line);
	assert_int_equal(strlen(line), 21);
	for (i = 0; i < 21; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
		                       "nopqrstuvwxyz0123456789_-",
		    line[i]));
	snprintf(id, sizeof(id), "%s", line);
	testcli_sendf(bob, "join$%s$rust", testcli_uid(bob));
	testcli_expectf(bob, "$$joined: %s", id);
	testcli_expectf(alice, "$$joined: %s", id);
	testcli_sendf(alice, "send_msg$%s$%s$by id", testcli_uid(alice), id);
	testcli_expect(alice, "alice: by id");
	testcli_expect(bob, "alice: by id");
	testcli_sendf(bob, "send_msg$%s$RUST$by name", testcli_uid(bob));
	testcli_expect(alice, "bob: by name");
	testcli_expect(bob, "bob: by name");
	testcli_sendf(bob, "create_chan$%s$rust", testcli_uid(bob));
	testcli_expect_prefix(bob, "$$error: channel_exists: ");
	testcli_expect_quiet(alice);
	testcli_free(alice);
	testcli_free(bob);
	stop(srv);
}

/*
 * Starts the server with its standard error on a pipe, reads up to the
 * "listening on" line and at once sends sig, as a script may: returns the
 * exit status, or -1.
 */
static int
signal_when_ready(int sig)
{
	const char *path = getenv("TXT_CHATD");
	char buf[512];
	size_t got = 0;
	int fds[2], st;
	ssize_t n;
	pid_t pid;

	assert_non_null(path);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execl(path, path, "-l", "127.0.0.1:0", "--db",
		    ":memory:", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (got < sizeof(buf) - 1 && memchr(buf, '\n', got) == NULL) {
		n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	(void)kill(pid, sig);
	close(fds[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (strncmp(buf, "listening on ", 13) != 0)
		fail_msg("first line: '%s'", buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * A script may stop the server the moment it reads "listening on": it
 * must exit 0 every time (before 2026-11-26 the signal could land before
 * the handlers were set, and the server died of it).
 */
static void
test_stop_right_after_ready(void **state)
{
	int i, status;

	(void)state;
	for (i = 0; i < 20; i++) {
		status = signal_when_ready(i % 2 ? SIGINT : SIGTERM);
		if (status != 0)
			fail_msg("run %d: exit status %d", i, status);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(
	        test_reference_transcript, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_reference_client_conversation, testsrv_teardown),
	    cmocka_unit_test_teardown(test_dollar_preserved, testsrv_teardown),
	    cmocka_unit_test(test_stop_right_after_ready),
	    cmocka_unit_test_teardown(
	        test_impersonation_refused, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_commands_before_reg, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_errors_before_reg_close, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_second_reg_refused, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_name_taken_then_free, testsrv_teardown),
	    cmocka_unit_test_teardown(test_leave_no_reply, testsrv_teardown),
	    cmocka_unit_test_teardown(test_bad_commands, testsrv_teardown),
	    cmocka_unit_test_teardown(test_create_chan, testsrv_teardown),
	};

	return cmocka_run_group_tests_name("it_base", tests, NULL, NULL);
}

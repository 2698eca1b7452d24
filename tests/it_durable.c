/* it_durable.c: txt-chatd --db: what a client was sent survives a kill -9. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testcli.h"
#include "testsrv.h"

/* kill -9 rounds in make test; TXT_DURABLE_ROUNDS asks for more. */
#define ROUNDS_DEFAULT 6
#define ROUNDS_MAX     1000
/* Clients sending at once, and messages each sends in one round at most. */
#define CLIENTS   3
#define SENDS_MAX 2000
/* Seqs the test can follow: rounds beyond it stop sending. */
#define SEQ_MAX 400000
/* Bytes of a message text the test keeps. */
#define TEXT_MAX 48
/* Lines replayed on join (--history): older ones are checked in the file. */
#define HISTORY     100000
#define HISTORY_ARG "100000"
/* How long after the load starts the kill comes: 20 to 20 + this, in ms. */
#define KILL_SPREAD_MS 300

struct durable {
	struct testsrv *srv;
	char dir[64];
	char db[128];
	char id[64];
	/* Every echo any client got, by seq (NULL: none seen). */
	char **text;
	unsigned long top; /* the highest seq echoed */
};

static int
setup(void **state)
{
	struct durable *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	snprintf(d->dir, sizeof(d->dir), "/tmp/it_durable.XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->db, sizeof(d->db), "%s/chat.db", d->dir);
	d->text = calloc(SEQ_MAX + 1, sizeof(*d->text));
	assert_non_null(d->text);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct durable *d = *state;
	char cmd[160];
	size_t i;

	testsrv_free(d->srv);
	for (i = 0; i <= SEQ_MAX; i++)
		free(d->text[i]);
	free(d->text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", d->dir);
	free(d);
	return 0;
}

/* Starts the server on d->db (under wrapper if not NULL). */
static struct testsrv *
start_db(struct durable *d, const char *const *wrapper)
{
	const char *const args[] = {"--db", d->db, "--flood-rate", "0",
	    "--history", HISTORY_ARG, "--history-bytes", "256m", "--sendq",
	    "64m", "--max-per-addr", "0", NULL};
	struct testsrv *srv = testsrv_start_wrapped(wrapper, args);

	assert_non_null(srv);
	d->srv = srv;
	return srv;
}

/* The database is sound (PRAGMA integrity_check says ok). */
static void
expect_integrity(const struct durable *d)
{
	sqlite3 *db;
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_open(d->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/*
 * Notes an echo: "msg$<id>$<seq>$..." of our channel.  The same seq must
 * always carry the same text.
 */
static void
note_echo(struct durable *d, const char *line)
{
	unsigned long seq;
	char sender[64];
	const char *text;

	if (testcli_parse_msg(line, &seq, sender, sizeof(sender), &text) < 0)
		return;
	if (strncmp(line + 4, d->id, strlen(d->id)) != 0)
		return;
	assert_true(seq >= 1 && seq <= SEQ_MAX);
	if (d->text[seq] != NULL) {
		if (strcmp(d->text[seq], text) != 0)
			fail_msg("seq %lu was '%s', now '%s'", seq,
			    d->text[seq], text);
		return;
	}
	d->text[seq] = strdup(text);
	assert_non_null(d->text[seq]);
	if (seq > d->top)
		d->top = seq;
}

/*
 * The file itself, with the server stopped: the channel's lines are seqs
 * 1..n, every echo seen so far among them with its text.  Returns n.
 */
static unsigned long
check_file(const struct durable *d)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	unsigned long want = 1, i;

	assert_int_equal(sqlite3_open(d->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                     "SELECT seq, text FROM messages WHERE channel = "
	                     "?1 ORDER BY seq",
	                     -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(s, 1, d->id, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		unsigned long seq = (unsigned long)sqlite3_column_int64(s, 0);
		const char *text = (const char *)sqlite3_column_text(s, 1);

		if (seq != want)
			fail_msg("file: seq %lu where %lu was due", seq, want);
		if (seq <= SEQ_MAX && d->text[seq] != NULL &&
		    strcmp(d->text[seq], text) != 0)
			fail_msg(
			    "file: seq %lu is '%.40s', was echoed as '%.40s'",
			    seq, text, d->text[seq]);
		want++;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	for (i = want; i <= d->top; i++)
		if (d->text[i] != NULL)
			fail_msg("seq %lu (%.40s) was echoed but is not stored",
			    i, d->text[i]);
	return want - 1;
}

/*
 * Joins the channel from c and checks the replay: the latest seqs up to n
 * in order, no gap, no repeat, from 1 unless HISTORY lines came, every
 * echo seen so far present with its text.  Returns n.
 */
static unsigned long
join_and_check(struct durable *d, struct testcli *c, const char *name)
{
	unsigned long want = 0, seq, i, lines = 0;
	char sender[64], end[96];
	const char *line, *text;

	testcli_sendf(c, "join$%s$%s", testcli_uid(c), name);
	snprintf(end, sizeof(end), "history_end$%s$", d->id);
	for (;;) {
		line = testcli_read(c);
		assert_non_null(line);
		if (strncmp(line, end, strlen(end)) == 0)
			break;
		if (testcli_parse_msg(
		        line, &seq, sender, sizeof(sender), &text) < 0)
			continue;
		/* The first may be past 1 only when the replay is full. */
		if (want == 0)
			want = seq;
		if (seq != want)
			fail_msg(
			    "replay: seq %lu where %lu was due", seq, want);
		if (seq <= SEQ_MAX && d->text[seq] != NULL &&
		    strcmp(d->text[seq], text) != 0)
			fail_msg("replay: seq %lu is '%s', was echoed as '%s'",
			    seq, text, d->text[seq]);
		want++;
		lines++;
	}
	if (want == 0)
		want = 1;
	assert_true(lines == HISTORY || want - lines == 1);
	/* Everything any client was sent is there. */
	for (i = want; i <= d->top; i++)
		if (d->text[i] != NULL)
			fail_msg("seq %lu (%.40s) was echoed but is not stored",
			    i, d->text[i]);
	assert_int_equal(strtoul(line + strlen(end), NULL, 10), lines);
	return want - 1;
}

/* Joins ext client c by name and reads up to the end of the replay. */
static struct testcli *
ext_member(struct durable *d, const char *name, unsigned long *stored)
{
	struct testcli *c = testcli_ext_user(d->srv, name);

	*stored = join_and_check(d, c, "load");
	return c;
}

static int
rounds(void)
{
	const char *e = getenv("TXT_DURABLE_ROUNDS");
	int n = e != NULL ? atoi(e) : ROUNDS_DEFAULT;

	return n < 1 ? 1 : n > ROUNDS_MAX ? ROUNDS_MAX : n;
}

/* Reads what is there (wait_ms 0) or until EOF, noting every echo. */
static void
drain(struct durable *d, struct testcli *c, int wait_ms, unsigned long *first)
{
	const char *line;

	while ((line = testcli_read_within(c, wait_ms)) != NULL) {
		unsigned long seq;
		char sender[64];
		const char *text;

		note_echo(d, line);
		if (*first == 0 &&
		    testcli_parse_msg(
		        line, &seq, sender, sizeof(sender), &text) == 0)
			*first = seq;
	}
}

static void
test_kill9_under_load(void **state)
{
	struct durable *d = *state;
	struct testcli *c[CLIENTS];
	const char *line;
	int r, k, n = rounds();
	unsigned long stored = 0, prev = 0;

	srand((unsigned)getpid());
	start_db(d, NULL);
	c[0] = testcli_ext_user(d->srv, "maker");
	testcli_sendf(c[0], "create_chan$%s$load", testcli_uid(c[0]));
	line = testcli_expect_prefix(c[0], "created$");
	snprintf(d->id, sizeof(d->id), "%.21s", line + 8);
	testcli_free(c[0]);

	for (r = 0; r < n; r++) {
		long long t0, kill_at;
		int sent[CLIENTS] = {0};
		unsigned long first[CLIENTS] = {0};
		char name[32];

		if (r > 0)
			start_db(d, NULL);
		for (k = 0; k < CLIENTS; k++) {
			snprintf(name, sizeof(name), "c%dx%d", r, k);
			c[k] = ext_member(d, name, &stored);
		}
		/* Nothing stored is lost, nothing new appeared. */
		assert_true(stored >= prev);
		prev = stored;
		t0 = testsrv_now_ms();
		kill_at = t0 + 20 + rand() % KILL_SPREAD_MS;
		while (testsrv_now_ms() < kill_at) {
			for (k = 0; k < CLIENTS; k++) {
				if (sent[k] < SENDS_MAX &&
				    stored +
				            (unsigned long)(CLIENTS *
				                SENDS_MAX) *
				                (unsigned long)(n - r) <
				        SEQ_MAX)
					testcli_sendf(c[k],
					    "send_msg$%s$load$r%dc%dn%d",
					    testcli_uid(c[k]), r, k, sent[k]++);
				drain(d, c[k], 0, &first[k]);
			}
		}
		assert_int_equal(testsrv_kill(d->srv, SIGKILL), 0);
		assert_int_equal(
		    testsrv_wait(d->srv, TESTSRV_STOP_MS), 128 + 9);
		/* What reached the sockets before the kill counts too. */
		for (k = 0; k < CLIENTS; k++) {
			drain(d, c[k], 2000, &first[k]);
			/* seq goes on from the last stored one. */
			if (first[k] != 0)
				assert_int_equal(first[k], stored + 1);
			testcli_free(c[k]);
		}
		testsrv_free(d->srv);
		d->srv = NULL;
		expect_integrity(d);
		assert_true(check_file(d) >= d->top);
	}
	/* The last round's echoes are all there after a last restart. */
	start_db(d, NULL);
	c[0] = ext_member(d, "last", &stored);
	assert_true(stored >= d->top);
	assert_true(d->top > 0);
	print_message("# %d kill -9 rounds, %lu messages stored\n", n, stored);
	testcli_free(c[0]);
	assert_int_equal(testsrv_stop(d->srv), 0);
}

/* A restarted server serves the same channel, id and seq to every mode. */
static void
test_restart_same_id(void **state)
{
	struct durable *d = *state;
	struct testcli *alice, *bob, *carol;
	char id[64];
	const char *line;
	unsigned long stored, seq;
	char sender[64];
	const char *text;

	start_db(d, NULL);
	alice = testcli_base_user(d->srv, "alice");
	testcli_sendf(alice, "create_chan$%s$load", testcli_uid(alice));
	line = testcli_read(alice);
	assert_non_null(line);
	assert_int_equal(strlen(line), 21);
	snprintf(id, sizeof(id), "%s", line);
	snprintf(d->id, sizeof(d->id), "%s", id);
	testcli_sendf(alice, "send_msg$%s$load$before", testcli_uid(alice));
	testcli_expect(alice, "alice: before");
	testcli_free(alice);
	assert_int_equal(testsrv_stop(d->srv), 0);
	testsrv_free(d->srv);

	/* Nobody is in it any more; it is still there, with its id. */
	start_db(d, NULL);
	bob = testcli_base_user(d->srv, "bob");
	testcli_sendf(bob, "join$%s$load", testcli_uid(bob));
	testcli_expectf(bob, "$$joined: %s", id);
	carol = testcli_ext_user(d->srv, "carol");
	d->text[1] = strdup("before");
	d->top = 1;
	stored = join_and_check(d, carol, id);
	assert_int_equal(stored, 1);
	testcli_sendf(carol, "send_msg$%s$%s$after", testcli_uid(carol), id);
	line = testcli_expect_prefix(carol, "msg$");
	assert_int_equal(
	    testcli_parse_msg(line, &seq, sender, sizeof(sender), &text), 0);
	assert_int_equal(seq, 2);
	assert_string_equal(text, "after");
	testcli_expectf(bob, "$$joined: %s", id);
	testcli_expect(bob, "carol: after");
	testcli_free(bob);
	testcli_free(carol);
	assert_int_equal(testsrv_stop(d->srv), 0);
	expect_integrity(d);
}

/*
 * A commit that cannot be written (the file size limit, via prlimit)
 * makes the server exit 1 with the reason in its log, before it sends
 * anything of that turn: every echo a client got is stored.
 */
static void
test_commit_failure_exits(void **state)
{
	struct durable *d = *state;
	const char *const wrapper[] = {"prlimit", "--fsize=393216", NULL};
	char text[3001];
	struct testcli *c;
	const char *line;
	unsigned long stored, first = 0;
	char *log;
	int i;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	start_db(d, wrapper);
	c = testcli_ext_user(d->srv, "filler");
	testcli_sendf(c, "create_chan$%s$load", testcli_uid(c));
	line = testcli_expect_prefix(c, "created$");
	snprintf(d->id, sizeof(d->id), "%.21s", line + 8);
	testcli_sync(c, NULL);
	/* About 130 such lines fill the limit; the server stops reading. */
	for (i = 0; i < 1000; i++) {
		char buf[3100];
		int len = snprintf(buf, sizeof(buf), "send_msg$%s$load$%d%s\n",
		    testcli_uid(c), i, text);

		if (testcli_send(c, buf, (size_t)len) < 0)
			break;
		drain(d, c, 0, &first);
		if (testcli_status(c) == TESTCLI_EOF ||
		    testcli_status(c) == TESTCLI_ERROR)
			break;
	}
	drain(d, c, 3000, &first);
	assert_int_equal(testsrv_wait(d->srv, TESTSRV_STOP_MS), 1);
	log = testsrv_log(d->srv);
	assert_non_null(log);
	if (strstr(log, "storage failed") == NULL)
		fail_msg("no storage error in the log:\n%s", log);
	free(log);
	testcli_free(c);
	testsrv_free(d->srv);
	d->srv = NULL;
	expect_integrity(d);
	assert_true(d->top > 0);

	/* Restarted without the limit: everything echoed is there. */
	start_db(d, NULL);
	c = testcli_ext_user(d->srv, "reader");
	stored = join_and_check(d, c, "load");
	assert_true(stored >= d->top);
	testcli_free(c);
	assert_int_equal(testsrv_stop(d->srv), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_restart_same_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_kill9_under_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_commit_failure_exits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

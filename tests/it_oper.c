/* it_oper.c: txt-chatd: topics, away, kick, join keys and the ban file. */
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

/* Bytes of a channel id, a path or a long field a test keeps. */
#define ID_MAX    80
#define PATH_MAX_ 160
#define BIG_MAX   1024
/* How long a log line may take to show up after a signal, in ms. */
#define LOG_WAIT_MS 10000

struct oper {
	struct testsrv *srv;
	char dir[64];
	char db[PATH_MAX_];
	char bans[PATH_MAX_];
};

static int
setup(void **state)
{
	struct oper *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	snprintf(o->dir, sizeof(o->dir), "/tmp/it_oper.XXXXXX");
	assert_non_null(mkdtemp(o->dir));
	snprintf(o->db, sizeof(o->db), "%s/chat.db", o->dir);
	snprintf(o->bans, sizeof(o->bans), "%s/bans", o->dir);
	*state = o;
	return 0;
}

static int
teardown(void **state)
{
	struct oper *o = *state;
	char cmd[200];

	testsrv_free(o->srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", o->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", o->dir);
	free(o);
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Whether line is prefix, a number (a time), then exactly rest. */
static int
timed(const char *line, const char *prefix, const char *rest)
{
	size_t n = strlen(prefix), d;

	if (strncmp(line, prefix, n) != 0)
		return 0;
	d = strspn(line + n, "0123456789");
	return d > 0 && strcmp(line + n + d, rest) == 0;
}

static void
expect_timed(struct testcli *c, const char *prefix, const char *rest)
{
	const char *line = testcli_read(c);

	if (line == NULL || !timed(line, prefix, rest))
		fail_msg("%s: want \"%s<time>%s\", got \"%s\"",
		    testcli_label(c), prefix, rest, line ? line : "(none)");
}

/* The lines c gets up to a sync; the caller frees them. */
static void
take(struct testcli *c, struct testcli_lines *l)
{
	memset(l, 0, sizeof(*l));
	testcli_sync(c, l);
}

/* create_chan of name by c; the channel's id into id[ID_MAX]. */
static void
create(struct testcli *c, const char *name, char *id)
{
	const char *line;

	testcli_sendf(c, "create_chan$%s$%s", testcli_uid(c), name);
	line = testcli_expect_prefix(c, "created$");
	snprintf(id, ID_MAX, "%s", line + 8);
	*strchr(id, '$') = '\0';
	testcli_sync(c, NULL); /* skips the join sequence */
}

/* The lines of c's join of chan (with key if not NULL), to a sync. */
static void
join(struct testcli *c, const char *chan, const char *key,
    struct testcli_lines *l)
{
	if (key != NULL)
		testcli_sendf(c, "join$%s$%s$%s", testcli_uid(c), chan, key);
	else
		testcli_sendf(c, "join$%s$%s", testcli_uid(c), chan);
	take(c, l);
}

static struct testsrv *
start(struct oper *o, const char *const *more)
{
	const char *args[16] = {"--db", o->db, "--flood-rate", "0", NULL};
	size_t n = 4;

	while (more != NULL && *more != NULL && n < 15)
		args[n++] = *more++;
	args[n] = NULL;
	o->srv = testsrv_start(args);
	assert_non_null(o->srv);
	return o->srv;
}

/*
 * A topic: set by any member, told to all, sent to joiners after joined
 * and before names; cleared by an empty one; kept in the database with
 * the join key across a restart.  A base-mode joiner sees nothing new.
 */
static void
test_topic_and_key_persist(void **state)
{
	struct oper *o = *state;
	struct testcli *alice, *bob, *dave, *carol;
	struct testcli_lines l;
	char id[ID_MAX], want[2 * BIG_MAX], big[BIG_MAX];

	start(o, NULL);
	alice = testcli_ext_user(o->srv, "alice");
	create(alice, "#room", id);
	testcli_sendf(
	    alice, "topic$%s$#room$hello $ world", testcli_uid(alice));
	snprintf(want, sizeof(want), "topic$%s$", id);
	expect_timed(alice, want, "$alice$hello $ world");

	bob = testcli_ext_user(o->srv, "bob");
	join(bob, "#room", NULL, &l);
	assert_true(l.n >= 4);
	snprintf(want, sizeof(want), "joined$%s$channel$2$#room", id);
	assert_string_equal(l.line[0], want);
	snprintf(want, sizeof(want), "topic$%s$", id);
	assert_true(timed(l.line[1], want, "$alice$hello $ world"));
	snprintf(want, sizeof(want), "names$%s$", id);
	assert_memory_equal(l.line[2], want, strlen(want));
	testcli_lines_free(&l);
	testcli_sync(alice, NULL);

	/* Base mode: the join line only, then a message, as before. */
	dave = testcli_base_user(o->srv, "dave");
	join(dave, "#room", NULL, &l);
	snprintf(want, sizeof(want), "$$joined: %s", id);
	testcli_lines_expect(&l, (const char *const[]){want}, 1, "dave");
	testcli_lines_free(&l);
	testcli_sync(alice, NULL);
	testcli_sync(bob, NULL);

	/* The limit: 512 bytes go, 513 do not. */
	memset(big, 'x', 513);
	big[513] = '\0';
	testcli_sendf(bob, "topic$%s$#room$%s", testcli_uid(bob), big);
	testcli_expect_prefix(bob, "error$text_too_long$topic$");
	big[512] = '\0';
	testcli_sendf(bob, "topic$%s$#room$%s", testcli_uid(bob), big);
	snprintf(want, sizeof(want), "topic$%s$", id);
	testcli_expect_prefix(bob, want);
	testcli_expect_prefix(alice, want);
	/* Cleared, then set again; the base-mode member hears none of it. */
	testcli_sendf(bob, "topic$%s$#room", testcli_uid(bob));
	expect_timed(bob, want, "$bob$");
	expect_timed(alice, want, "$bob$");
	testcli_sendf(bob, "topic$%s$#room$second topic", testcli_uid(bob));
	expect_timed(bob, want, "$bob$second topic");
	testcli_expect_quiet(dave);
	/* Only members set it. */
	carol = testcli_ext_user(o->srv, "carol");
	testcli_sendf(carol, "topic$%s$#room$mine", testcli_uid(carol));
	testcli_expect_prefix(carol, "error$not_member$topic$");
	testcli_sync(alice, NULL);
	testcli_sendf(alice, "chan_key$%s$#room$s3cret", testcli_uid(alice));
	snprintf(want, sizeof(want), "chan_key$%s$s3cret", id);
	testcli_expect(alice, want);

	/* A restart keeps both. */
	testcli_free(alice);
	testcli_free(bob);
	testcli_free(carol);
	testcli_free(dave);
	assert_int_equal(testsrv_stop(o->srv), 0);
	testsrv_free(o->srv);
	o->srv = NULL;
	start(o, NULL);
	carol = testcli_ext_user(o->srv, "carol");
	join(carol, "#room", NULL, &l);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.line[0], "error$bad_key$join$", 19);
	testcli_lines_free(&l);
	join(carol, "#room", "s3cret", &l);
	assert_true(l.n >= 4);
	snprintf(want, sizeof(want), "joined$%s$channel$1$#room", id);
	assert_string_equal(l.line[0], want);
	snprintf(want, sizeof(want), "topic$%s$", id);
	assert_true(timed(l.line[1], want, "$bob$second topic"));
	testcli_lines_free(&l);
	/* The creator's powers went with the name into the database. */
	alice = testcli_ext_user(o->srv, "alice");
	join(alice, "#room", NULL, &l);
	testcli_lines_free(&l);
	testcli_sync(carol, NULL);
	testcli_sendf(alice, "kick$%s$#room$carol$bye", testcli_uid(alice));
	snprintf(want, sizeof(want), "kick$%s$", id);
	expect_timed(carol, want, "$alice$carol$bye");
	testcli_free(alice);
	testcli_free(carol);
}

/* A database of schema version 2, as servers before topics left it. */
static const char schema_v2[] =
    "CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "creator TEXT NOT NULL, created INTEGER NOT NULL, "
    "next_seq INTEGER NOT NULL, active INTEGER NOT NULL);"
    "CREATE TABLE messages (channel TEXT NOT NULL, seq INTEGER NOT NULL, "
    "time INTEGER NOT NULL, sender TEXT NOT NULL, "
    "kind TEXT NOT NULL CHECK (kind IN ('msg', 'act')), "
    "text TEXT NOT NULL);"
    "CREATE UNIQUE INDEX messages_seq ON messages (channel, seq);"
    "CREATE TABLE dropped (channel TEXT PRIMARY KEY);"
    "INSERT INTO channels VALUES ('AAAAAAAAAAAAAAAAAAAAA', '#old', "
    "'alice', 1, 3, 1);"
    "INSERT INTO messages VALUES ('AAAAAAAAAAAAAAAAAAAAA', 1, 1, 'alice', "
    "'msg', 'first'), ('AAAAAAAAAAAAAAAAAAAAA', 2, 2, 'bob', 'msg', "
    "'second');"
    "PRAGMA user_version = 2;";

/*
 * A file from before topics gets its columns at the first open, and
 * every later open leaves them be: its channel takes a topic and a key,
 * keeps them, and keeps its messages.
 */
static void
test_old_database(void **state)
{
	struct oper *o = *state;
	struct testcli *alice;
	struct testcli_lines l;
	sqlite3 *db;
	int round;

	assert_int_equal(sqlite3_open(o->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, schema_v2, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	for (round = 0; round < 3; round++) {
		start(o, NULL);
		alice = testcli_ext_user(o->srv, "alice");
		join(alice, "#old", round > 0 ? "k3y" : NULL, &l);
		assert_true(l.n >= 5);
		assert_string_equal(
		    l.line[0], "joined$AAAAAAAAAAAAAAAAAAAAA$channel$1$#old");
		if (round > 0)
			assert_true(timed(l.line[1],
			    "topic$AAAAAAAAAAAAAAAAAAAAA$", "$alice$kept"));
		assert_string_equal(
		    l.line[l.n - 1], "history_end$AAAAAAAAAAAAAAAAAAAAA$2");
		testcli_lines_free(&l);
		if (round == 0) {
			testcli_sendf(
			    alice, "topic$%s$#old$kept", testcli_uid(alice));
			testcli_sendf(
			    alice, "chan_key$%s$#old$k3y", testcli_uid(alice));
			testcli_sync(alice, NULL);
		}
		testcli_free(alice);
		assert_int_equal(testsrv_stop(o->srv), 0);
		testsrv_free(o->srv);
		o->srv = NULL;
	}
	assert_int_equal(sqlite3_open(o->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                     "SELECT topic, topic_by, topic_time, chan_key "
	                     "FROM channels",
	                     NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
}

/* An away user's auto-reply: once per sender and away period. */
static void
test_away_once(void **state)
{
	struct oper *o = *state;
	struct testcli *alice, *bob;
	struct testcli_lines l;
	char big[BIG_MAX];

	start(o, NULL);
	alice = testcli_ext_user(o->srv, "alice");
	bob = testcli_ext_user(o->srv, "bob");
	testcli_sendf(alice, "away$%s$at lunch", testcli_uid(alice));
	testcli_expect(alice, "away$alice$at lunch");

	testcli_sendf(bob, "dm$%s$alice$hi", testcli_uid(bob));
	take(bob, &l);
	assert_int_equal(l.n, 2);
	assert_true(timed(l.line[0], "dm$", "$bob$alice$hi"));
	assert_string_equal(l.line[1], "away$alice$at lunch");
	testcli_lines_free(&l);
	/* Not twice, in the same period. */
	testcli_sendf(bob, "dm_act$%s$alice$waves", testcli_uid(bob));
	testcli_sendf(bob, "dm$%s$Alice$again", testcli_uid(bob));
	take(bob, &l);
	assert_int_equal(l.n, 2);
	testcli_lines_free(&l);
	take(alice, &l);
	assert_int_equal(l.n, 3);
	testcli_lines_free(&l);
	/* Back: no reply; away again: a new period, one reply. */
	testcli_sendf(alice, "away$%s", testcli_uid(alice));
	testcli_expect(alice, "away$alice$");
	testcli_sendf(bob, "dm$%s$alice$there?", testcli_uid(bob));
	take(bob, &l);
	assert_int_equal(l.n, 1);
	testcli_lines_free(&l);
	testcli_sync(alice, NULL);
	testcli_sendf(alice, "away$%s$gone", testcli_uid(alice));
	testcli_expect(alice, "away$alice$gone");
	testcli_sendf(bob, "dm$%s$alice$now?", testcli_uid(bob));
	take(bob, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.line[1], "away$alice$gone");
	testcli_lines_free(&l);
	testcli_sync(alice, NULL);
	/* Two away users writing to each other: one reply each, no loop. */
	testcli_sendf(bob, "away$%s$busy", testcli_uid(bob));
	testcli_expect(bob, "away$bob$busy");
	testcli_sendf(alice, "dm$%s$bob$hey", testcli_uid(alice));
	take(alice, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.line[1], "away$bob$busy");
	testcli_lines_free(&l);
	take(bob, &l);
	assert_int_equal(l.n, 1);
	testcli_lines_free(&l);
	/* The limit: 256 bytes. */
	memset(big, 'x', 257);
	big[257] = '\0';
	testcli_sendf(alice, "away$%s$%s", testcli_uid(alice), big);
	testcli_expect_prefix(alice, "error$text_too_long$away$");
	big[256] = '\0';
	testcli_sendf(alice, "away$%s$%s", testcli_uid(alice), big);
	testcli_expect_prefix(alice, "away$alice$xxx");
	testcli_free(alice);
	testcli_free(bob);
}

/* Senders an away user remembers: the server's CHAT_AWAY_TOLD_MAX. */
#define AWAY_TOLD_MAX 32

/*
 * The away user remembers the last 32 senders: the 33rd pushes the first
 * out, which is told again; the 32 others are not.
 */
static void
test_away_remembers_32(void **state)
{
	struct oper *o = *state;
	struct testcli *alice, *s[AWAY_TOLD_MAX + 1];
	struct testcli_lines l;
	char name[16];
	size_t i;

	start(o, NULL);
	alice = testcli_ext_user(o->srv, "alice");
	testcli_sendf(alice, "away$%s$out", testcli_uid(alice));
	testcli_expect(alice, "away$alice$out");
	for (i = 0; i <= AWAY_TOLD_MAX; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		s[i] = testcli_ext_user(o->srv, name);
		testcli_sendf(s[i], "dm$%s$alice$hi", testcli_uid(s[i]));
		take(s[i], &l);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.line[1], "away$alice$out");
		testcli_lines_free(&l);
	}
	/* s1 to s32 are remembered; s0 was pushed out by s32. */
	for (i = 1; i <= AWAY_TOLD_MAX; i++) {
		testcli_sendf(s[i], "dm$%s$alice$again", testcli_uid(s[i]));
		take(s[i], &l);
		assert_int_equal(l.n, 1);
		testcli_lines_free(&l);
	}
	testcli_sendf(s[0], "dm$%s$alice$again", testcli_uid(s[0]));
	take(s[0], &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.line[1], "away$alice$out");
	testcli_lines_free(&l);
	for (i = 0; i <= AWAY_TOLD_MAX; i++)
		testcli_free(s[i]);
	testcli_free(alice);
}

/* Only the creator kicks; everyone in the channel hears it. */
static void
test_kick(void **state)
{
	struct oper *o = *state;
	struct testcli *alice, *bob, *carol;
	struct testcli_lines l;
	char id[ID_MAX], want[BIG_MAX], big[BIG_MAX];

	start(o, NULL);
	alice = testcli_ext_user(o->srv, "alice");
	bob = testcli_ext_user(o->srv, "bob");
	carol = testcli_ext_user(o->srv, "carol");
	create(alice, "#room", id);
	join(bob, "#room", NULL, &l);
	testcli_lines_free(&l);
	join(carol, "#room", NULL, &l);
	testcli_lines_free(&l);
	testcli_sync(alice, NULL);
	testcli_sync(bob, NULL);

	testcli_sendf(bob, "kick$%s$#room$carol$no", testcli_uid(bob));
	testcli_expect_prefix(bob, "error$not_creator$kick$");
	testcli_sendf(alice, "kick$%s$#room$dave", testcli_uid(alice));
	testcli_expect_prefix(alice, "error$no_such_user$kick$");
	testcli_sendf(alice, "kick$%s$#nope$bob", testcli_uid(alice));
	testcli_expect_prefix(alice, "error$no_such_channel$kick$");
	/* The reason: at most 256 bytes. */
	memset(big, 'r', 257);
	big[257] = '\0';
	testcli_sendf(alice, "kick$%s$#room$bob$%s", testcli_uid(alice), big);
	testcli_expect_prefix(alice, "error$text_too_long$kick$");
	testcli_expect_quiet(carol);

	testcli_sendf(
	    alice, "kick$%s$#room$bob$spam $ links", testcli_uid(alice));
	snprintf(want, sizeof(want), "kick$%s$", id);
	expect_timed(alice, want, "$alice$bob$spam $ links");
	expect_timed(carol, want, "$alice$bob$spam $ links");
	expect_timed(bob, want, "$alice$bob$spam $ links");
	snprintf(want, sizeof(want), "left$%s", id);
	testcli_expect(bob, want);
	testcli_expect_quiet(bob);
	testcli_sendf(bob, "send_msg$%s$#room$hi", testcli_uid(bob));
	testcli_expect_prefix(bob, "error$not_member$send_msg$");
	/* Kicked is not banned: back in with a join. */
	join(bob, "#room", NULL, &l);
	snprintf(want, sizeof(want), "joined$%s$channel$3$#room", id);
	assert_string_equal(l.line[0], want);
	testcli_lines_free(&l);
	/* Not a member: not_member. */
	testcli_sendf(alice, "leave$%s$#room", testcli_uid(alice));
	testcli_sync(alice, NULL);
	testcli_sendf(alice, "kick$%s$#room$bob", testcli_uid(alice));
	testcli_expect_prefix(alice, "error$not_member$kick$");
	testcli_free(alice);
	testcli_free(bob);
	testcli_free(carol);
}

/* A keyed channel takes only joins with the key; the creator sets it. */
static void
test_key(void **state)
{
	struct oper *o = *state;
	struct testcli *alice, *bob, *dave;
	struct testcli_lines l;
	char id[ID_MAX], want[2 * BIG_MAX], big[BIG_MAX];

	start(o, NULL);
	alice = testcli_ext_user(o->srv, "alice");
	bob = testcli_ext_user(o->srv, "bob");
	dave = testcli_base_user(o->srv, "dave");
	create(alice, "#vault", id);
	testcli_sendf(alice, "chan_key$%s$#vault$s3cret", testcli_uid(alice));
	snprintf(want, sizeof(want), "chan_key$%s$s3cret", id);
	testcli_expect(alice, want);

	join(bob, "#vault", NULL, &l);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.line[0], "error$bad_key$join$", 19);
	testcli_lines_free(&l);
	join(bob, "#vault", "wrong", &l);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.line[0], "error$bad_key$join$", 19);
	testcli_lines_free(&l);
	join(bob, "#vault", "s3cre", &l);
	assert_int_equal(l.n, 1);
	testcli_lines_free(&l);
	join(bob, "#vault", "s3cret", &l);
	snprintf(want, sizeof(want), "joined$%s$channel$2$#vault", id);
	assert_string_equal(l.line[0], want);
	testcli_lines_free(&l);
	testcli_sendf(bob, "chan_key$%s$#vault$mine", testcli_uid(bob));
	testcli_expect_prefix(bob, "error$not_creator$chan_key$");
	testcli_sync(alice, NULL);

	/* Base mode has no keys: a keyed channel is closed to it. */
	join(dave, "#vault", NULL, &l);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.line[0], "$$error: bad_key: ", 18);
	testcli_lines_free(&l);
	join(dave, "#vault", "s3cret", &l);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.line[0], "$$error: no_such_channel: ", 26);
	testcli_lines_free(&l);

	/* The limit: 64 bytes of ! to ~. */
	memset(big, 'k', 65);
	big[65] = '\0';
	testcli_sendf(alice, "chan_key$%s$#vault$%s", testcli_uid(alice), big);
	testcli_expect_prefix(alice, "error$bad_key$chan_key$");
	testcli_sendf(alice, "chan_key$%s$#vault$a b", testcli_uid(alice));
	testcli_expect_prefix(alice, "error$bad_key$chan_key$");
	big[64] = '\0';
	testcli_sendf(alice, "chan_key$%s$#vault$%s", testcli_uid(alice), big);
	snprintf(want, sizeof(want), "chan_key$%s$%s", id, big);
	testcli_expect(alice, want);
	/* Removed: anyone joins. */
	testcli_sendf(alice, "chan_key$%s$#vault", testcli_uid(alice));
	snprintf(want, sizeof(want), "chan_key$%s$", id);
	testcli_expect(alice, want);
	join(dave, "#vault", NULL, &l);
	snprintf(want, sizeof(want), "$$joined: %s", id);
	testcli_lines_expect(&l, (const char *const[]){want}, 1, "dave");
	testcli_lines_free(&l);
	testcli_free(alice);
	testcli_free(bob);
	testcli_free(dave);
}

/* --ban-file: an address at accept, a name at reg and nick. */
static void
test_ban_file(void **state)
{
	struct oper *o = *state;
	const char *const args[] = {"--ban-file", o->bans, NULL};
	struct testcli *c;

	write_file(o->bans, "# test bans\n127.0.0.2\nmallory  # a name\n");
	start(o, args);
	c = testcli_connect(o->srv, "127.0.0.2");
	assert_non_null(c);
	testcli_expect_last(c, "$$error: banned: banned from this server");
	testcli_free(c);

	c = testcli_open(o->srv);
	testcli_expect_welcome(c);
	testcli_sendf(c, "reg$mallory");
	testcli_expect_last(c, "$$error: banned: this name is banned");
	testcli_free(c);

	/* A look-alike of the name is the name. */
	c = testcli_open(o->srv);
	testcli_ext_hello(c);
	testcli_sendf(c, "reg$Ma1lory");
	testcli_expect_last(c, "error$banned$*$this name is banned");
	testcli_free(c);

	c = testcli_ext_user(o->srv, "alice");
	testcli_sendf(c, "nick$%s$mallory", testcli_uid(c));
	testcli_expect_last(c, "error$banned$*$this name is banned");
	testcli_free(c);

	/* Others are not touched. */
	c = testcli_ext_user(o->srv, "bob");
	testcli_expect_quiet(c);
	testcli_free(c);

	/* A bad file does not start a server. */
	write_file(o->bans, "192.0.2.300\n");
	assert_null(testsrv_startl("--ban-file", o->bans, NULL));
}

/* Waits until the server's log holds what. */
static void
wait_log(struct oper *o, const char *what)
{
	long long end = testsrv_now_ms() + LOG_WAIT_MS;

	for (;;) {
		char *log = testsrv_log(o->srv);
		int found = log != NULL && strstr(log, what) != NULL;

		free(log);
		if (found)
			return;
		if (testsrv_now_ms() > end)
			fail_msg("the log never said \"%s\"", what);
		testsrv_sleep_ms(20);
	}
}

/* SIGHUP reads the file again and closes who it now bans. */
static void
test_sighup(void **state)
{
	struct oper *o = *state;
	const char *const args[] = {"--ban-file", o->bans, NULL};
	struct testcli *alice, *bob, *carol, *c;
	struct testcli_lines l;
	char id[ID_MAX];
	size_t i, quits = 0;

	write_file(o->bans, "");
	start(o, args);
	alice = testcli_connect(o->srv, "127.0.0.3");
	assert_non_null(alice);
	testcli_ext_hello(alice);
	testcli_ext_reg(alice, "alice");
	bob = testcli_ext_user(o->srv, "bob");
	carol = testcli_ext_user(o->srv, "carol");
	create(carol, "#room", id);
	join(alice, "#room", NULL, &l);
	testcli_lines_free(&l);
	join(bob, "#room", NULL, &l);
	testcli_lines_free(&l);
	testcli_sync(carol, NULL);

	write_file(o->bans, "127.0.0.2/31\nbob\n");
	assert_int_equal(testsrv_kill(o->srv, SIGHUP), 0);
	testcli_expect_last(alice, "error$banned$*$banned from this server");
	testcli_expect_last(bob, "error$banned$*$this name is banned");
	wait_log(o, "2 bans read");
	/* Carol stays, and hears both go. */
	take(carol, &l);
	for (i = 0; i < l.n; i++)
		quits += strncmp(l.line[i], "quit$", 5) == 0;
	assert_int_equal(quits, 2);
	testcli_lines_free(&l);
	c = testcli_connect(o->srv, "127.0.0.2");
	assert_non_null(c);
	testcli_expect_last(c, "$$error: banned: banned from this server");
	testcli_free(c);

	/* A file that does not parse keeps the bans there were. */
	write_file(o->bans, "not/a/network\n");
	assert_int_equal(testsrv_kill(o->srv, SIGHUP), 0);
	wait_log(o, "keeping the old bans");
	c = testcli_connect(o->srv, "127.0.0.2");
	assert_non_null(c);
	testcli_expect_last(c, "$$error: banned: banned from this server");
	testcli_free(c);
	testcli_expect_quiet(carol);
	testcli_free(alice);
	testcli_free(bob);
	testcli_free(carol);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_topic_and_key_persist, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_old_database, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_away_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_away_remembers_32, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kick, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ban_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sighup, setup, teardown),
	};

	return cmocka_run_group_tests_name("oper", tests, NULL, NULL);
}

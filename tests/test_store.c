/* test_store.c: the SQLite store: schema, migration, seq, retention. */
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
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chat.h"
#include "store.h"

/* A channel id as the chat makes them (21 characters). */
#define CHAN "AAAAAAAAAAAAAAAAAAAAA"
/* Lines store_latest may report in one test. */
#define LINES_MAX 64

struct fixture {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/chat.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static struct store *
open_ok(const char *path)
{
	char err[256];
	struct store *st =
	    store_open(path, STORE_SYNC_NORMAL, err, sizeof(err));

	if (st == NULL)
		fail_msg("store_open: %s", err);
	return st;
}

/* What a completion saw. */
struct done {
	int calls, status;
	uint64_t seq;
};

static void
done_cb(void *ctx, int status, const struct store_event *ev)
{
	struct done *d = ctx;

	d->calls++;
	d->status = status;
	d->seq = ev->seq;
}

static int
add_channel(struct store *st, const char *id, const char *name, uint64_t t)
{
	struct store_event ev;
	struct done d = {0, -2, 0};

	memset(&ev, 0, sizeof(ev));
	ev.kind = STORE_CHANNEL;
	ev.chan = id;
	ev.chan_len = strlen(id);
	ev.name = name;
	ev.name_len = strlen(name);
	ev.sender = "alice";
	ev.sender_len = 5;
	ev.time = t;
	(void)store_append(st, &ev, done_cb, &d);
	/* SQLite completes before store_append returns. */
	assert_int_equal(d.calls, 1);
	return d.status;
}

static int
add_msg(struct store *st, const char *id, uint64_t seq, uint64_t t,
    const char *text)
{
	struct store_event ev;
	struct done d = {0, -2, 0};

	memset(&ev, 0, sizeof(ev));
	ev.kind = seq % 5 == 0 ? STORE_ACT : STORE_MSG;
	ev.chan = id;
	ev.chan_len = strlen(id);
	ev.sender = "bob";
	ev.sender_len = 3;
	ev.text = text;
	ev.text_len = strlen(text);
	ev.time = t;
	ev.seq = seq;
	(void)store_append(st, &ev, done_cb, &d);
	assert_int_equal(d.calls, 1);
	if (d.status == 0)
		assert_int_equal(d.seq, seq);
	return d.status;
}

/* What store_load_channels reported. */
struct chans {
	int n;
	char id[8][32], name[8][32];
	uint64_t next_seq[8], active[8], created[8];
};

static void
each_chan(void *ctx, const struct store_channel *ch)
{
	struct chans *c = ctx;

	assert_true(c->n < 8);
	snprintf(c->id[c->n], 32, "%.*s", (int)ch->id_len, ch->id);
	snprintf(c->name[c->n], 32, "%.*s", (int)ch->name_len, ch->name);
	c->next_seq[c->n] = ch->next_seq;
	c->active[c->n] = ch->active;
	c->created[c->n] = ch->created;
	c->n++;
}

static void
load(struct store *st, struct chans *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(store_load_channels(st, each_chan, c), 0);
}

/* What store_latest reported. */
struct lines {
	int n;
	uint64_t seq[LINES_MAX];
	enum store_kind kind[LINES_MAX];
	char text[LINES_MAX][32];
};

static void
each_line(void *ctx, const struct store_line *l)
{
	struct lines *ls = ctx;

	assert_true(ls->n < LINES_MAX);
	ls->seq[ls->n] = l->seq;
	ls->kind[ls->n] = l->kind;
	snprintf(ls->text[ls->n], 32, "%.*s", (int)l->text_len, l->text);
	ls->n++;
}

static int
latest(struct store *st, const char *id, size_t max, struct lines *ls)
{
	memset(ls, 0, sizeof(*ls));
	return store_latest(st, id, strlen(id), max, each_line, ls);
}

/* What store_page reported, with what its size callback was asked. */
struct page {
	struct lines ls;
	size_t line_bytes; /* what every line counts toward max_bytes */
	int sized;
	int more;
};

static size_t
page_size(void *ctx, const struct store_line *l)
{
	struct page *p = ctx;

	(void)l;
	p->sized++;
	return p->line_bytes;
}

static void
page_each(void *ctx, const struct store_line *l)
{
	struct page *p = ctx;

	each_line(&p->ls, l);
}

/* A page of limit lines at 10 bytes each (max_bytes 48 KiB). */
static int
page_of(struct store *st, const char *id, enum cmd_dir dir, uint64_t seq,
    size_t limit, size_t max_bytes, size_t line_bytes, struct page *p)
{
	int n;

	memset(p, 0, sizeof(*p));
	p->line_bytes = line_bytes;
	p->more = -1;
	n = store_page(st, id, strlen(id), dir, seq, limit, max_bytes,
	    page_size, page_each, p, &p->more);
	if (n >= 0)
		assert_int_equal(n, p->ls.n);
	return n;
}

#define PAGE(st, dir, seq, limit, p)                                           \
	page_of(st, CHAN, dir, seq, limit, 48 * 1024, 10, p)

/* Lines seq from..from+n-1 in order, each "m<seq>". */
static void
expect_page(const struct page *p, uint64_t from, int n, int more)
{
	int i;
	char want[32];

	assert_int_equal(p->ls.n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(p->ls.seq[i], from + (uint64_t)i);
		snprintf(want, sizeof(want), "m%llu",
		    (unsigned long long)(from + (uint64_t)i));
		assert_string_equal(p->ls.text[i], want);
	}
	assert_int_equal(p->more, more);
}

/* Stores lines 1..n of CHAN, "m<seq>", and a few of another channel. */
static void
fill_chan(struct store *st, uint64_t n)
{
	char text[32];
	uint64_t i;

	assert_int_equal(add_channel(st, CHAN, "rust", 1000), 0);
	assert_int_equal(add_channel(st, "OTHER", "go", 1000), 0);
	assert_int_equal(add_channel(st, "EMPTY", "c", 1000), 0);
	for (i = 1; i <= n; i++) {
		snprintf(text, sizeof(text), "m%llu", (unsigned long long)i);
		assert_int_equal(add_msg(st, CHAN, i, 1000 + i, text), 0);
		if (i <= 5)
			assert_int_equal(add_msg(st, "OTHER", i, 1000, "o"), 0);
	}
	assert_int_equal(store_commit(st), 0);
}

/*
 * Paging reads any stored line, not only the latest: before, after and
 * latest a seq, with more or end at both ends, as history_page() does.
 */
static void
test_page_directions(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct page p;
	uint64_t before, after;
	int walked;

	fill_chan(st, 300);
	assert_int_equal(PAGE(st, CMD_DIR_LATEST, 0, 50, &p), 50);
	expect_page(&p, 251, 50, 1);
	assert_int_equal(p.ls.kind[0], STORE_MSG);
	assert_int_equal(p.ls.kind[4], STORE_ACT); /* seq 255 */
	assert_int_equal(PAGE(st, CMD_DIR_BEFORE, 251, 50, &p), 50);
	expect_page(&p, 201, 50, 1);
	/* The oldest end: what is left, and end; an exact fit says end. */
	assert_int_equal(PAGE(st, CMD_DIR_BEFORE, 31, 50, &p), 30);
	expect_page(&p, 1, 30, 0);
	assert_int_equal(PAGE(st, CMD_DIR_BEFORE, 11, 10, &p), 10);
	expect_page(&p, 1, 10, 0);
	assert_int_equal(PAGE(st, CMD_DIR_BEFORE, 12, 10, &p), 10);
	expect_page(&p, 2, 10, 1);
	assert_int_equal(PAGE(st, CMD_DIR_BEFORE, 1, 10, &p), 0);
	expect_page(&p, 1, 0, 0);
	assert_int_equal(PAGE(st, CMD_DIR_BEFORE, 0, 10, &p), 0);
	expect_page(&p, 1, 0, 0);
	/* The newest end, likewise. */
	assert_int_equal(PAGE(st, CMD_DIR_AFTER, 0, 20, &p), 20);
	expect_page(&p, 1, 20, 1);
	assert_int_equal(PAGE(st, CMD_DIR_AFTER, 290, 10, &p), 10);
	expect_page(&p, 291, 10, 0);
	assert_int_equal(PAGE(st, CMD_DIR_AFTER, 289, 10, &p), 10);
	expect_page(&p, 290, 10, 1);
	assert_int_equal(PAGE(st, CMD_DIR_AFTER, 280, 50, &p), 20);
	expect_page(&p, 281, 20, 0);
	assert_int_equal(PAGE(st, CMD_DIR_AFTER, 300, 10, &p), 0);
	expect_page(&p, 1, 0, 0);
	assert_int_equal(PAGE(st, CMD_DIR_AFTER, UINT64_MAX, 10, &p), 0);
	expect_page(&p, 1, 0, 0);
	assert_int_equal(PAGE(st, CMD_DIR_BEFORE, UINT64_MAX, 3, &p), 3);
	expect_page(&p, 298, 3, 1);
	/* latest ignores seq. */
	assert_int_equal(PAGE(st, CMD_DIR_LATEST, 5, 64, &p), 64);
	expect_page(&p, 237, 64, 1);
	/* A channel with no lines, and one that is not there: empty, end. */
	assert_int_equal(
	    page_of(st, "EMPTY", CMD_DIR_LATEST, 0, 10, 100, 10, &p), 0);
	assert_int_equal(p.more, 0);
	assert_int_equal(
	    page_of(st, "NONE", CMD_DIR_AFTER, 0, 10, 100, 10, &p), 0);
	assert_int_equal(p.more, 0);
	/* Every seq once, back to 1 and forward to the newest. */
	before = 301;
	walked = 0;
	do {
		assert_true(PAGE(st, CMD_DIR_BEFORE, before, 64, &p) > 0);
		expect_page(&p, p.ls.seq[0], p.ls.n, p.more);
		assert_int_equal(p.ls.seq[p.ls.n - 1], before - 1);
		before = p.ls.seq[0];
		walked += p.ls.n;
	} while (p.more);
	assert_int_equal(before, 1);
	assert_int_equal(walked, 300);
	after = 0;
	walked = 0;
	do {
		assert_true(PAGE(st, CMD_DIR_AFTER, after, 64, &p) > 0);
		assert_int_equal(p.ls.seq[0], after + 1);
		expect_page(&p, after + 1, p.ls.n, p.more);
		after = p.ls.seq[p.ls.n - 1];
		walked += p.ls.n;
	} while (p.more);
	assert_int_equal(after, 300);
	assert_int_equal(walked, 300);
	store_close(st);
}

/* The byte cap keeps the lines nearest seq, always one, and says more. */
static void
test_page_byte_cap(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct page p;

	fill_chan(st, 300);
	assert_int_equal(
	    page_of(st, CHAN, CMD_DIR_LATEST, 0, 50, 4500, 1000, &p), 4);
	expect_page(&p, 297, 4, 1);
	/* Exactly full: the next line is over. */
	assert_int_equal(
	    page_of(st, CHAN, CMD_DIR_BEFORE, 101, 50, 4000, 1000, &p), 4);
	expect_page(&p, 97, 4, 1);
	assert_int_equal(
	    page_of(st, CHAN, CMD_DIR_AFTER, 0, 50, 4000, 1000, &p), 4);
	expect_page(&p, 1, 4, 1);
	/* Cut at the very end: end, since nothing lies beyond. */
	assert_int_equal(
	    page_of(st, CHAN, CMD_DIR_AFTER, 296, 50, 4000, 1000, &p), 4);
	expect_page(&p, 297, 4, 0);
	assert_int_equal(
	    page_of(st, CHAN, CMD_DIR_BEFORE, 5, 50, 4000, 1000, &p), 4);
	expect_page(&p, 1, 4, 0);
	/* A line over the cap alone still goes, one a page. */
	assert_int_equal(
	    page_of(st, CHAN, CMD_DIR_BEFORE, 101, 50, 500, 1000, &p), 1);
	expect_page(&p, 100, 1, 1);
	assert_int_equal(
	    page_of(st, CHAN, CMD_DIR_AFTER, 299, 50, 500, 1000, &p), 1);
	expect_page(&p, 300, 1, 0);
	/* Lines are sized nearest first and no further than needed. */
	assert_true(p.sized <= 2);
	store_close(st);
}

/*
 * After a restart every stored line can still be paged, and lines of the
 * turn not yet committed are read too (the chat answers within a turn).
 */
static void
test_page_after_restart(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct page p;

	fill_chan(st, 100);
	store_close(st);
	st = open_ok(f->path);
	assert_int_equal(PAGE(st, CMD_DIR_BEFORE, 30, 64, &p), 29);
	expect_page(&p, 1, 29, 0);
	assert_int_equal(add_msg(st, CHAN, 101, 5000, "m101"), 0);
	assert_int_equal(PAGE(st, CMD_DIR_AFTER, 95, 64, &p), 6);
	expect_page(&p, 96, 6, 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
}

/* One integer from a query on a connection of our own. */
static long long
query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void
exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static void
test_new_schema(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct chans c;

	load(st, &c);
	assert_int_equal(c.n, 0);
	store_close(st);
	assert_int_equal(
	    query_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(query_int(f->path,
	                     "SELECT count(*) FROM sqlite_master WHERE name IN "
	                     "('channels', 'messages', 'dropped', "
	                     "'messages_seq')"),
	    4);
	/* WAL, so a reader (a backup) never blocks the server. */
	assert_int_equal(query_int(f->path,
	                     "SELECT journal_mode = 'wal' FROM "
	                     "pragma_journal_mode"),
	    1);
}

/* A second server on the same file is refused at start. */
static void
test_second_open_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	char err[256];

	assert_null(store_open(f->path, STORE_SYNC_NORMAL, err, sizeof(err)));
	assert_non_null(strstr(err, "in use"));
	store_close(st);
	st = open_ok(f->path);
	store_close(st);
}

static void
test_seq_continuity(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct chans c;
	struct lines ls;
	uint64_t i;

	assert_int_equal(add_channel(st, CHAN, "rust", 1000), 0);
	for (i = 1; i <= 5; i++)
		assert_int_equal(add_msg(st, CHAN, i, 1000 + i, "hello"), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	st = open_ok(f->path);
	load(st, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.id[0], CHAN);
	assert_string_equal(c.name[0], "rust");
	assert_int_equal(c.next_seq[0], 6);
	assert_int_equal(c.created[0], 1000);
	assert_int_equal(c.active[0], 1005);
	/* A seq is never stored twice. */
	assert_int_equal(add_msg(st, CHAN, 5, 2000, "again"), -1);
	assert_int_equal(store_commit(st), -1);
	assert_int_equal(add_msg(st, CHAN, 6, 2000, "six"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(latest(st, CHAN, 3, &ls), 3);
	assert_int_equal(ls.seq[0], 4);
	assert_int_equal(ls.seq[1], 5);
	assert_int_equal(ls.seq[2], 6);
	assert_int_equal(ls.kind[1], STORE_ACT);
	assert_string_equal(ls.text[2], "six");
	/* Old lines pruned: the seq still goes on from the channel row. */
	assert_int_equal(store_prune(st, 3000), 6);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	st = open_ok(f->path);
	load(st, &c);
	assert_int_equal(c.next_seq[0], 7);
	assert_int_equal(latest(st, CHAN, 10, &ls), 0);
	store_close(st);
}

static void
test_failed_turn_rolled_back(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct lines ls;

	assert_int_equal(add_channel(st, CHAN, "rust", 1000), 0);
	assert_int_equal(store_commit(st), 0);
	/* One good append, then one that fails: the whole turn goes. */
	assert_int_equal(add_msg(st, CHAN, 1, 1001, "kept?"), 0);
	assert_int_equal(add_msg(st, CHAN, 1, 1001, "same seq"), -1);
	assert_int_equal(add_msg(st, CHAN, 2, 1002, "after"), -1);
	assert_int_equal(store_commit(st), -1);
	assert_true(strlen(store_error(st)) > 0);
	/* A message for no channel fails the turn too, at the latest at its
	 * commit (the channel row is updated once per turn). */
	(void)add_msg(st, "no-such-channel", 1, 1001, "x");
	assert_int_equal(store_commit(st), -1);
	assert_non_null(strstr(store_error(st), "no channel"));
	store_close(st);
	st = open_ok(f->path);
	assert_int_equal(latest(st, CHAN, 10, &ls), 0);
	store_close(st);
}

static void
test_migrate_v1(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	struct chans c;
	struct lines ls;

	/* The version 1 schema, as the first storing server wrote it. */
	exec_sql(f->path,
	    "PRAGMA journal_mode = WAL;"
	    "CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
	    "creator TEXT NOT NULL, created INTEGER NOT NULL, "
	    "next_seq INTEGER NOT NULL);"
	    "CREATE TABLE messages (channel TEXT NOT NULL, seq INTEGER NOT "
	    "NULL, time INTEGER NOT NULL, sender TEXT NOT NULL, "
	    "kind TEXT NOT NULL CHECK (kind IN ('msg', 'act')), "
	    "text TEXT NOT NULL);"
	    "CREATE UNIQUE INDEX messages_seq ON messages (channel, seq);"
	    "INSERT INTO channels VALUES ('" CHAN "', 'rust', 'alice', 100, 3);"
	    "INSERT INTO channels VALUES ('BBBBBBBBBBBBBBBBBBBBB', 'c', "
	    "'bob', 200, 1);"
	    "INSERT INTO messages VALUES ('" CHAN "', 1, 150, 'bob', 'msg', "
	    "'one');"
	    "INSERT INTO messages VALUES ('" CHAN "', 2, 170, 'bob', 'act', "
	    "'two');"
	    "PRAGMA user_version = 1;");
	st = open_ok(f->path);
	load(st, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.next_seq[0], 3);
	assert_int_equal(c.active[0], 170); /* its last message */
	assert_int_equal(c.active[1], 200); /* its creation */
	assert_int_equal(latest(st, CHAN, 10, &ls), 2);
	assert_string_equal(ls.text[0], "one");
	assert_int_equal(ls.kind[1], STORE_ACT);
	assert_int_equal(add_msg(st, CHAN, 3, 300, "three"), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	assert_int_equal(
	    query_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	/* A newer file than this server knows is refused, not damaged. */
	exec_sql(f->path, "PRAGMA user_version = 99");
	{
		char err[256];

		assert_null(
		    store_open(f->path, STORE_SYNC_NORMAL, err, sizeof(err)));
		assert_non_null(strstr(err, "99"));
	}
}

static void
test_retention_batches(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct lines ls;
	uint64_t i;

	assert_int_equal(add_channel(st, CHAN, "rust", 10), 0);
	for (i = 1; i <= 1200; i++)
		assert_int_equal(add_msg(st, CHAN, i, 1000, "old"), 0);
	for (i = 1201; i <= 1210; i++)
		assert_int_equal(add_msg(st, CHAN, i, 9000, "new"), 0);
	assert_int_equal(store_commit(st), 0);
	/* Never more than a batch per call. */
	assert_int_equal(store_prune(st, 5000), STORE_PRUNE_BATCH);
	assert_int_equal(store_prune(st, 5000), STORE_PRUNE_BATCH);
	assert_int_equal(store_prune(st, 5000), 1200 - 2 * STORE_PRUNE_BATCH);
	assert_int_equal(store_prune(st, 5000), 0);
	assert_int_equal(store_prune(st, 0), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(latest(st, CHAN, 64, &ls), 10);
	assert_int_equal(ls.seq[0], 1201);

	/* A dropped channel's lines go in batches too, then it is done. */
	{
		struct store_event ev;
		struct done d = {0, -2, 0};
		struct chans c;

		for (i = 1211; i <= 1211 + STORE_PRUNE_BATCH; i++)
			assert_int_equal(add_msg(st, CHAN, i, 9000, "x"), 0);
		memset(&ev, 0, sizeof(ev));
		ev.kind = STORE_DROP;
		ev.chan = CHAN;
		ev.chan_len = strlen(CHAN);
		assert_int_equal(store_append(st, &ev, done_cb, &d), 0);
		assert_int_equal(store_commit(st), 0);
		load(st, &c);
		assert_int_equal(c.n, 0);
		assert_int_equal(store_prune(st, 0), STORE_PRUNE_BATCH);
		assert_int_equal(store_prune(st, 0), 11);
		assert_int_equal(store_prune(st, 0), 0);
		assert_int_equal(store_commit(st), 0);
	}
	store_close(st);
	assert_int_equal(
	    query_int(f->path, "SELECT count(*) FROM messages"), 0);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM dropped"), 0);
}

/*
 * --history-keep: a channel over the cap loses its oldest lines, a batch
 * per call; a channel under it keeps all; the seq goes on after.
 */
static void
test_retention_keep(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct lines ls;
	const char *other = "BBBBBBBBBBBBBBBBBBBBB";
	uint64_t i;

	assert_int_equal(add_channel(st, CHAN, "rust", 10), 0);
	assert_int_equal(add_channel(st, other, "go", 10), 0);
	for (i = 1; i <= 1200; i++)
		assert_int_equal(add_msg(st, CHAN, i, 1000, "x"), 0);
	for (i = 1; i <= 50; i++)
		assert_int_equal(add_msg(st, other, i, 1000, "y"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_prune_keep(st, 0), 0);
	assert_int_equal(store_prune_keep(st, 100), STORE_PRUNE_BATCH);
	assert_int_equal(store_prune_keep(st, 100), STORE_PRUNE_BATCH);
	assert_int_equal(
	    store_prune_keep(st, 100), 1100 - 2 * STORE_PRUNE_BATCH);
	assert_int_equal(store_prune_keep(st, 100), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(latest(st, CHAN, LINES_MAX, &ls), LINES_MAX);
	assert_int_equal(ls.seq[LINES_MAX - 1], 1200);
	assert_int_equal(add_msg(st, CHAN, 1201, 2000, "z"), 0);
	assert_int_equal(store_commit(st), 0);
	/* One past the cap again: exactly one line goes. */
	assert_int_equal(store_prune_keep(st, 100), 1);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	assert_int_equal(query_int(f->path,
	                     "SELECT count(*) FROM messages WHERE channel = "
	                     "'" CHAN "'"),
	    100);
	assert_int_equal(query_int(f->path,
	                     "SELECT min(seq) FROM messages WHERE channel = "
	                     "'" CHAN "'"),
	    1102);
	assert_int_equal(query_int(f->path,
	                     "SELECT count(*) FROM messages WHERE channel = "
	                     "'BBBBBBBBBBBBBBBBBBBBB'"),
	    50);
}

/*
 * A commit that cannot be written (the file size limit) fails: that turn
 * is not stored, the earlier ones are, and the file stays sound.  In a
 * child, since the limit would stop this test's log too.
 */
static void
test_commit_failure(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	struct lines ls;
	pid_t pid;
	int status;
	long long stored;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {256 * 1024, 256 * 1024};
		char err[256], text[2048];
		uint64_t seq = 0;
		int turn;

		signal(SIGXFSZ, SIG_IGN);
		memset(text, 'x', sizeof(text) - 1);
		text[sizeof(text) - 1] = '\0';
		st = store_open(f->path, STORE_SYNC_NORMAL, err, sizeof(err));
		if (st == NULL || add_channel(st, CHAN, "rust", 1) != 0 ||
		    store_commit(st) != 0 || setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(2);
		/* Turns of 10 lines until one cannot be committed. */
		for (turn = 0; turn < 1000; turn++) {
			int k;

			for (k = 0; k < 10; k++)
				if (add_msg(st, CHAN, ++seq, 5, text) != 0)
					break;
			if (store_commit(st) != 0)
				_exit(turn > 0 ? 10 : 3);
		}
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 10);
	/* Whole turns only, and in order without gaps. */
	st = open_ok(f->path);
	stored = query_int(f->path, "SELECT count(*) FROM messages");
	assert_true(stored > 0);
	assert_int_equal(stored % 10, 0);
	assert_int_equal(
	    query_int(f->path, "SELECT max(seq) FROM messages"), stored);
	assert_int_equal(latest(st, CHAN, 1, &ls), 1);
	assert_int_equal(ls.seq[0], (uint64_t)stored);
	store_close(st);
	assert_int_equal(query_int(f->path,
	                     "SELECT integrity_check = 'ok' FROM "
	                     "pragma_integrity_check"),
	    1);
}

/* The chat over a store: a sink that keeps the last line sent. */
struct sink_rec {
	char last[4096];
	char all[16384]; /* everything sent, cut at its size */
	size_t nall;
	unsigned seed;
};

static int
rec_send(void *ctx, int conn, const char *data, size_t len)
{
	struct sink_rec *r = ctx;

	(void)conn;
	if (r->nall + len < sizeof(r->all)) {
		memcpy(r->all + r->nall, data, len);
		r->nall += len;
		r->all[r->nall] = '\0';
	}
	if (len >= sizeof(r->last))
		len = sizeof(r->last) - 1;
	memcpy(r->last, data, len);
	r->last[len] = '\0';
	return 0;
}

static void
rec_close(void *ctx, int conn, int drop, const char *final, size_t len)
{
	(void)ctx;
	(void)conn;
	(void)drop;
	(void) final;
	(void)len;
}

static void
rec_random(void *ctx, void *buf, size_t len)
{
	struct sink_rec *r = ctx;
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] =
		    (unsigned char)(r->seed = r->seed * 1103515245 + 12345) >>
		    3;
}

static struct chat *
chat_on(struct store *st, struct sink_rec *r, unsigned expire_days,
    unsigned history)
{
	struct chat_config cfg;
	struct chat_sink sink;
	struct chat *c;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_channels = 10;
	cfg.max_joins = 10;
	cfg.max_members = 10;
	cfg.history = history;
	cfg.history_bytes = 1 << 20;
	cfg.software = "test";
	cfg.store = st;
	cfg.channel_expire_days = expire_days;
	sink.ctx = r;
	sink.send = rec_send;
	sink.close = rec_close;
	sink.random = rec_random;
	c = chat_new(&cfg, &sink);
	assert_non_null(c);
	return c;
}

static void
line(struct chat *c, const char *text, uint64_t now)
{
	chat_line(c, 0, text, strlen(text), now);
}

/*
 * With a store, a named channel outlives its last member and a restart,
 * and --channel-expire removes it (and its lines) once empty that long.
 * Personal channels are never stored.
 */
static void
test_chat_keeps_and_expires(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct sink_rec r = {"", "", 0, 1};
	struct chat *c = chat_on(st, &r, 2, 10);
	const uint64_t t0 = 1700000000000ULL, day = 86400000ULL;
	char id[32];

	assert_int_equal(chat_connect(c, 0, "1.2.3.4:5", 9), 0);
	line(c, "reg$alice", t0);
	line(c, "create_chan$1.2.3.4:5$rust", t0);
	snprintf(id, sizeof(id), "%.21s", r.last);
	line(c, "send_msg$1.2.3.4:5$rust$hi", t0);
	assert_string_equal(r.last, "alice: hi\n");
	line(c, "send_msg$1.2.3.4:5$~alice$to myself", t0);
	line(c, "leave$1.2.3.4:5$rust", t0 + day);
	assert_int_equal(chat_channel_count(c), 1);
	assert_int_equal(chat_check(c), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(
	    query_int(f->path, "SELECT count(*) FROM messages"), 1);
	chat_disconnect(c, 0, "gone", t0 + day);
	chat_free(c);

	/* Restarted: the channel is back, empty, and expires 2 days later. */
	c = chat_on(st, &r, 2, 10);
	assert_int_equal(chat_channel_count(c), 1);
	assert_int_equal(chat_check(c), 0);
	assert_int_equal(chat_maintain(c, t0 + 2 * day), 0);
	assert_int_equal(chat_channel_count(c), 1);
	assert_int_equal(chat_connect(c, 0, "1.2.3.4:6", 9), 0);
	line(c, "reg$bob", t0 + 2 * day);
	line(c, "join$1.2.3.4:6$rust", t0 + 2 * day);
	snprintf(r.last, sizeof(r.last), "-");
	line(c, "send_msg$1.2.3.4:6$rust$again", t0 + 2 * day);
	assert_string_equal(r.last, "bob: again\n");
	line(c, "leave$1.2.3.4:6$rust", t0 + 2 * day);
	/* Its idle time started at the last part. */
	(void)chat_maintain(c, t0 + 4 * day - 1);
	assert_int_equal(chat_channel_count(c), 1);
	(void)chat_maintain(c, t0 + 4 * day);
	assert_int_equal(chat_channel_count(c), 0);
	assert_int_equal(chat_check(c), 0);
	/* Its lines go in the next batches. */
	while (chat_maintain(c, t0 + 4 * day) != 0)
		continue;
	assert_int_equal(store_commit(st), 0);
	chat_disconnect(c, 0, "gone", t0 + 4 * day);
	chat_free(c);
	store_close(st);
	assert_int_equal(
	    query_int(f->path, "SELECT count(*) FROM channels"), 0);
	assert_int_equal(
	    query_int(f->path, "SELECT count(*) FROM messages"), 0);
}

/*
 * After a restart a joiner gets the latest --history lines, read from the
 * store into the cache on that first join; older ones stay on disk only.
 */
/* --history-keep through the chat: chat_maintain runs store_prune_keep. */
static void
test_chat_history_keep(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct sink_rec r = {"", "", 0, 1};
	struct chat_config cfg;
	struct chat_sink sink;
	struct chat *c;
	const uint64_t t0 = 1700000000000ULL;
	char text[64];
	int i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_channels = 10;
	cfg.max_joins = 10;
	cfg.max_members = 10;
	cfg.history = 10;
	cfg.history_bytes = 1 << 20;
	cfg.software = "test";
	cfg.store = st;
	cfg.history_keep = 3;
	sink.ctx = &r;
	sink.send = rec_send;
	sink.close = rec_close;
	sink.random = rec_random;
	c = chat_new(&cfg, &sink);
	assert_non_null(c);
	assert_int_equal(chat_connect(c, 0, "1.2.3.4:5", 9), 0);
	line(c, "reg$alice", t0);
	line(c, "create_chan$1.2.3.4:5$rust", t0);
	for (i = 1; i <= 10; i++) {
		snprintf(text, sizeof(text), "send_msg$1.2.3.4:5$rust$m%d", i);
		line(c, text, t0);
	}
	assert_int_equal(store_commit(st), 0);
	while (chat_maintain(c, t0) != 0)
		continue;
	assert_int_equal(store_commit(st), 0);
	chat_disconnect(c, 0, "gone", t0);
	chat_free(c);
	store_close(st);
	assert_int_equal(
	    query_int(f->path, "SELECT count(*) FROM messages"), 3);
	assert_int_equal(
	    query_int(f->path, "SELECT min(seq) FROM messages"), 8);
}

/*
 * alice creates #rust and says m1..m10 at t0 + 1..10, all committed; the
 * chat is made again over st (a restart, 3 lines cached), and bob
 * registers in extended mode.  The channel's id goes to id.
 */
static struct chat *
ten_lines_then_bob(
    struct store *st, struct sink_rec *r, uint64_t t0, char *id, size_t id_size)
{
	struct chat *c;
	int i;

	assert_non_null(r);
	r->seed = 7;
	c = chat_on(st, r, 0, 3);
	assert_int_equal(chat_connect(c, 0, "1.2.3.4:5", 9), 0);
	line(c, "reg$alice", t0);
	line(c, "create_chan$1.2.3.4:5$rust", t0);
	snprintf(id, id_size, "%.21s", r->last);
	for (i = 1; i <= 10; i++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "send_msg$1.2.3.4:5$rust$m%d", i);
		line(c, cmd, t0 + (uint64_t)i);
	}
	assert_int_equal(store_commit(st), 0);
	chat_disconnect(c, 0, "gone", t0);
	chat_free(c);

	c = chat_on(st, r, 0, 3);
	assert_int_equal(chat_connect(c, 0, "1.2.3.4:6", 9), 0);
	line(c, "hello$1", t0);
	line(c, "reg$bob", t0);
	return c;
}

static void
test_join_replays_latest_from_store(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct sink_rec *r = calloc(1, sizeof(*r));
	const uint64_t t0 = 1700000000000ULL;
	struct chat *c;
	char id[32], want[128];
	int i;

	c = ten_lines_then_bob(st, r, t0, id, sizeof(id));
	r->nall = 0;
	r->all[0] = '\0';
	line(c, "join$1.2.3.4:6$rust", t0 + 100);
	for (i = 8; i <= 10; i++) {
		snprintf(want, sizeof(want), "msg$%s$%d$%llu$alice$m%d\n", id,
		    i, (unsigned long long)(t0 + (uint64_t)i), i);
		if (strstr(r->all, want) == NULL)
			fail_msg("no '%s' in:\n%s", want, r->all);
	}
	assert_null(strstr(r->all, "$m7\n"));
	snprintf(want, sizeof(want), "history_end$%s$3\n", id);
	assert_non_null(strstr(r->all, want));
	/* The next line goes on from the stored seq, after the cached ones. */
	line(c, "send_msg$1.2.3.4:6$rust$m11", t0 + 200);
	snprintf(want, sizeof(want), "msg$%s$11$", id);
	assert_memory_equal(r->last, want, strlen(want));
	assert_int_equal(store_commit(st), 0);
	chat_disconnect(c, 0, "gone", t0);
	chat_free(c);
	store_close(st);
	free(r);
}

/*
 * A member pages past the 3 cached lines into the store, each line as the
 * cache sends it on join; a page of the cached ones reads the same.
 */
static void
test_chat_pages_from_store(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct sink_rec *r = calloc(1, sizeof(*r));
	const uint64_t t0 = 1700000000000ULL;
	struct chat *c;
	char id[32], want[128], joined[sizeof(r->all)];
	int i;

	c = ten_lines_then_bob(st, r, t0, id, sizeof(id));
	line(c, "history$1.2.3.4:6$rust$latest$0$5", t0 + 100);
	assert_non_null(strstr(r->last, "not_member"));
	r->nall = 0;
	r->all[0] = '\0';
	line(c, "join$1.2.3.4:6$rust", t0 + 100);
	snprintf(joined, sizeof(joined), "%s", r->all);
	r->nall = 0;
	r->all[0] = '\0';
	line(c, "history$1.2.3.4:6$rust$before$9$100", t0 + 200);
	snprintf(want, sizeof(want), "history_page$%s$before$8\n", id);
	assert_memory_equal(r->all, want, strlen(want));
	for (i = 1; i <= 8; i++) {
		snprintf(want, sizeof(want), "msg$%s$%d$%llu$alice$m%d\n", id,
		    i, (unsigned long long)(t0 + (uint64_t)i), i);
		if (strstr(r->all, want) == NULL)
			fail_msg("no '%s' in:\n%s", want, r->all);
		/* The cached line, as the join sent it, is the same. */
		if (i >= 8 && strstr(joined, want) == NULL)
			fail_msg("no '%s' in the join:\n%s", want, joined);
	}
	snprintf(want, sizeof(want), "history_page_end$%s$8$end\n", id);
	assert_non_null(strstr(r->all, want));
	chat_disconnect(c, 0, "gone", t0);
	chat_free(c);
	store_close(st);
	free(r);
}

/* What the account read callbacks saw. */
struct seen {
	int n;
	char item[8][64];
	uint64_t num[8];
};

static void
each_member(void *ctx, const char *chan, size_t len)
{
	struct seen *v = ctx;

	assert_true(v->n < 8);
	snprintf(v->item[v->n++], 64, "%.*s", (int)len, chan);
}

static void
each_dm(void *ctx, const struct store_dm *dm)
{
	struct seen *v = ctx;

	assert_true(v->n < 8);
	snprintf(v->item[v->n], 64, "%s %.*s>%.*s %.*s", dm->act ? "act" : "dm",
	    (int)dm->sender_len, dm->sender, (int)dm->recipient_len,
	    dm->recipient, (int)dm->text_len, dm->text);
	v->num[v->n++] = dm->time;
}

static void
each_marker(void *ctx, const char *chan, size_t len, uint64_t seq)
{
	struct seen *v = ctx;

	assert_true(v->n < 8);
	snprintf(v->item[v->n], 64, "%.*s", (int)len, chan);
	v->num[v->n++] = seq;
}

static struct store_dm
dm_of(const char *from, const char *to, const char *text, uint64_t t)
{
	struct store_dm dm;

	memset(&dm, 0, sizeof(dm));
	dm.time = t;
	dm.sender = from;
	dm.sender_len = strlen(from);
	dm.recipient = to;
	dm.recipient_len = strlen(to);
	dm.text = text;
	dm.text_len = strlen(text);
	return dm;
}

/* Accounts, memberships, offline messages and markers, across a reopen. */
static void
test_accounts(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct store_account a;
	struct store_dm dm;
	struct seen v;
	uint64_t now = 0;

	assert_int_equal(store_account_get(st, "alice", 5, &a), 0);
	assert_int_equal(
	    store_account_add(st, "alice", 5, "Alice", 5, "$argon2id$x", 10),
	    0);
	/* The same skeleton again: exists, the first stays. */
	assert_int_equal(
	    store_account_add(st, "alice", 5, "ALICE", 5, "$argon2id$y", 11),
	    1);
	assert_int_equal(store_account_get(st, "alice", 5, &a), 1);
	assert_string_equal(a.name, "Alice");
	assert_string_equal(a.hash, "$argon2id$x");
	assert_int_equal(
	    store_account_set_hash(st, "alice", 5, "$argon2id$z"), 0);
	assert_int_equal(store_account_set_hash(st, "nobody", 6, "h"), -1);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_member_set(st, "alice", 5, "C2", 2, 1), 0);
	assert_int_equal(store_member_set(st, "alice", 5, "C1", 2, 1), 0);
	assert_int_equal(store_member_set(st, "alice", 5, "C3", 2, 1), 0);
	assert_int_equal(store_member_set(st, "alice", 5, "C2", 2, 1), 0);
	assert_int_equal(store_member_set(st, "alice", 5, "C3", 2, 0), 0);
	assert_int_equal(store_member_set(st, "bob", 3, "C9", 2, 1), 0);

	dm = dm_of("bob", "Alice", "one $", 100);
	assert_int_equal(store_dm_add(st, "alice", 5, &dm), 0);
	dm = dm_of("carol", "Alice", "two", 90);
	dm.act = 1;
	assert_int_equal(store_dm_add(st, "alice", 5, &dm), 0);
	assert_int_equal(store_dm_count(st, "alice", 5), 2);
	assert_int_equal(store_dm_count(st, "bob", 3), 0);

	assert_int_equal(
	    store_marker_set(st, "alice", 5, "C1", 2, 40, &now), 0);
	assert_true(now == 40);
	/* Markers only move forward. */
	assert_int_equal(
	    store_marker_set(st, "alice", 5, "C1", 2, 30, &now), 0);
	assert_true(now == 40);
	assert_int_equal(store_marker_set(st, "alice", 5, "C2", 2, 7, &now), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	st = open_ok(f->path);
	assert_int_equal(store_account_get(st, "alice", 5, &a), 1);
	assert_string_equal(a.hash, "$argon2id$z");
	assert_true(a.created == 10);
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_members(st, "alice", 5, each_member, &v), 2);
	/* In the order joined, not by id. */
	assert_string_equal(v.item[0], "C2");
	assert_string_equal(v.item[1], "C1");
	memset(&v, 0, sizeof(v));
	/* In the order stored (not by time), each once. */
	assert_int_equal(store_dm_take(st, "alice", 5, each_dm, &v), 2);
	assert_string_equal(v.item[0], "dm bob>Alice one $");
	assert_string_equal(v.item[1], "act carol>Alice two");
	assert_true(v.num[0] == 100 && v.num[1] == 90);
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_dm_take(st, "alice", 5, each_dm, &v), 0);
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_markers(st, "alice", 5, each_marker, &v), 2);
	assert_string_equal(v.item[0], "C1");
	assert_true(v.num[0] == 40);
	assert_true(v.num[1] == 7);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	/* The taken messages stay taken. */
	assert_int_equal(
	    query_int(f->path, "SELECT count(*) FROM offline_dms"), 0);
}

/* A failed turn takes its account writes with it. */
static void
test_accounts_rolled_back(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct store_account a;

	assert_int_equal(store_account_add(st, "bob", 3, "bob", 3, "h", 1), 0);
	/* A message for no channel fails the turn. */
	(void)add_msg(st, CHAN, 1, 5, "x");
	assert_int_equal(store_commit(st), -1);
	assert_int_equal(store_account_get(st, "bob", 3, &a), 0);
	store_close(st);
}

/* A version 2 file gains the account tables and keeps its channels. */
static void
test_migrate_v2(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	struct store_account a;
	struct chans c;

	exec_sql(f->path,
	    "PRAGMA journal_mode = WAL;"
	    "CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
	    "creator TEXT NOT NULL, created INTEGER NOT NULL, "
	    "next_seq INTEGER NOT NULL, active INTEGER NOT NULL);"
	    "CREATE TABLE messages (channel TEXT NOT NULL, seq INTEGER NOT "
	    "NULL, time INTEGER NOT NULL, sender TEXT NOT NULL, "
	    "kind TEXT NOT NULL CHECK (kind IN ('msg', 'act')), "
	    "text TEXT NOT NULL);"
	    "CREATE UNIQUE INDEX messages_seq ON messages (channel, seq);"
	    "CREATE TABLE dropped (channel TEXT PRIMARY KEY);"
	    "INSERT INTO channels VALUES ('" CHAN "', 'rust', 'alice', 100, 2, "
	    "150);"
	    "INSERT INTO messages VALUES ('" CHAN "', 1, 150, 'bob', 'msg', "
	    "'one');"
	    "PRAGMA user_version = 2;");
	st = open_ok(f->path);
	load(st, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.next_seq[0], 2);
	assert_int_equal(add_msg(st, CHAN, 2, 300, "two"), 0);
	assert_int_equal(store_account_add(st, "bob", 3, "Bob", 3, "h", 1), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	assert_int_equal(query_int(f->path, "PRAGMA user_version"), 3);
	st = open_ok(f->path);
	assert_int_equal(store_account_get(st, "bob", 3, &a), 1);
	store_close(st);
}

/* The hashing service as the chat sees it: requests recorded, answered
 * by the test. */
struct fake_hash {
	int calls, conn, verify, refuse;
	uint64_t ticket;
	char password[300], hash[200];
};

static int
fake_hash(void *ctx, int conn, uint64_t ticket, int verify,
    const char *password, size_t len, const char *hash)
{
	struct fake_hash *h = ctx;

	if (h->refuse)
		return -1;
	h->calls++;
	h->conn = conn;
	h->ticket = ticket;
	h->verify = verify;
	snprintf(h->password, sizeof(h->password), "%.*s", (int)len, password);
	snprintf(h->hash, sizeof(h->hash), "%s", hash != NULL ? hash : "-");
	return 0;
}

/*
 * The chat's side of accounts over the seams: passwords only from a
 * secure connection, the hash asked for and awaited, stale results
 * dropped, a full queue answered busy.
 */
static void
test_chat_account_seams(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->path);
	struct sink_rec r = {"", "", 0, 1};
	struct chat *c = chat_on(st, &r, 0, 10);
	struct fake_hash h;
	const uint64_t t0 = 1700000000000ULL;
	uint64_t old;

	memset(&h, 0, sizeof(h));
	assert_int_equal(chat_connect(c, 0, "1.2.3.4:5", 9), 0);
	line(c, "hello$1", t0);
	/* No hashing service: no accounts. */
	line(c, "register$alice$password1", t0);
	assert_non_null(strstr(r.last, "error$accounts_off$register$"));
	chat_set_pwhash(c, fake_hash, &h);
	line(c, "register$alice$password1", t0);
	assert_non_null(strstr(r.last, "error$tls_required$register$"));
	assert_int_equal(h.calls, 0);
	chat_set_secure(c, 0);
	line(c, "register$alice$password1", t0);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.verify, 0);
	assert_string_equal(h.password, "password1");
	assert_true(chat_waiting(c, 0));
	/* Another ticket's result, or another connection's: nothing. */
	r.nall = 0;
	chat_pwhash_done(c, 0, h.ticket + 1, 1, "$fake$hash", t0);
	chat_pwhash_done(c, 3, h.ticket, 1, "$fake$hash", t0);
	assert_int_equal(r.nall, 0);
	chat_pwhash_done(c, 0, h.ticket, 1, "$fake$hash", t0);
	assert_false(chat_waiting(c, 0));
	assert_non_null(strstr(r.all, "account$alice$logged_in\n"));
	assert_non_null(strstr(r.all, "\nlogin_end$0$0$0\n"));
	assert_int_equal(store_commit(st), 0);

	/* A login verifies against the stored hash; a miss is bad_login. */
	assert_int_equal(chat_connect(c, 1, "1.2.3.4:6", 9), 0);
	chat_set_secure(c, 1);
	chat_line(c, 1, "hello$1", 7, t0);
	chat_line(c, 1, "login$alice$password2", 21, t0);
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.verify, 1);
	assert_string_equal(h.hash, "$fake$hash");
	chat_pwhash_done(c, 1, h.ticket, 0, NULL, t0);
	assert_non_null(strstr(r.last, "error$bad_login$login$"));
	/* An unknown name is verified too, against the dummy. */
	chat_line(c, 1, "login$nobody$password2", 22, t0);
	assert_int_equal(h.calls, 3);
	assert_string_equal(h.hash, "-");
	/* The connection goes before its result: the result is dropped. */
	old = h.ticket;
	chat_disconnect(c, 1, "gone", t0);
	r.nall = 0;
	chat_pwhash_done(c, 1, old, 1, NULL, t0);
	assert_int_equal(r.nall, 0);
	/* A full queue: busy, and the connection does not wait. */
	h.refuse = 1;
	assert_int_equal(chat_connect(c, 1, "1.2.3.4:7", 9), 0);
	chat_set_secure(c, 1);
	chat_line(c, 1, "hello$1", 7, t0);
	chat_line(c, 1, "login$alice$password1", 21, t0);
	assert_non_null(strstr(r.last, "error$busy$login$"));
	assert_false(chat_waiting(c, 1));
	assert_int_equal(chat_check(c), 0);
	chat_free(c);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_new_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_second_open_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_seq_continuity, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_failed_turn_rolled_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_retention_batches, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_retention_keep, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_commit_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_chat_keeps_and_expires, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_chat_history_keep, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_join_replays_latest_from_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_page_directions, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_page_byte_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_page_after_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_chat_pages_from_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_accounts_rolled_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_v2, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_chat_account_seams, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

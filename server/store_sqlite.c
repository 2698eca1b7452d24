/* store_sqlite.c: the store in one SQLite file, WAL, one transaction a turn. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "store.h"

/* Bytes of the last error text kept. */
#define STORE_ERR_MAX 256
/*
 * Channels whose next seq a turn updates at its commit, once each, rather
 * than once per message; more in one turn flushes early.  Ids longer than
 * STORE_BUMP_ID_MAX are updated at once.
 */
#define STORE_BUMPS_MAX   64
#define STORE_BUMP_ID_MAX 32
/*
 * Checkpoints (copying the write-ahead log into the database, with its
 * fsync) run in a thread of their own on a second connection, so that no
 * commit of the loop pays for one: the thread is woken once the log holds
 * STORE_CKPT_PAGES pages.  Under a load that never lets it catch up the log
 * would only grow; past STORE_CKPT_HARD pages the loop checkpoints itself.
 */
#define STORE_CKPT_PAGES 1000
#define STORE_CKPT_HARD  (16 * STORE_CKPT_PAGES)
/* Bytes of the lock file's path, counting the terminator. */
#define STORE_PATH_MAX 4200
/* How long a statement waits for another process's lock (a backup), in ms. */
#define STORE_BUSY_MS 100

/* The cached statements, prepared once at open. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_ADD_CHANNEL,
	ST_DROP_CHANNEL,
	ST_ADD_DROPPED,
	ST_ADD_MESSAGE,
	ST_BUMP_SEQ,
	ST_IDLE,
	ST_LOAD_CHANNELS,
	ST_LATEST,
	ST_PAGE_DOWN,
	ST_PAGE_UP,
	ST_PRUNE_OLD,
	ST_NEXT_DROPPED,
	ST_PRUNE_DROPPED,
	ST_DONE_DROPPED,
	ST_OVER_KEEP,
	ST_PRUNE_KEEP,
	ST_ACCOUNT_GET,
	ST_ACCOUNT_ADD,
	ST_ACCOUNT_HASH,
	ST_MEMBER_ADD,
	ST_MEMBER_DEL,
	ST_MEMBERS,
	ST_DM_COUNT,
	ST_DM_ADD,
	ST_DM_LIST,
	ST_DM_DEL,
	ST_MARKER_SET,
	ST_MARKER_GET,
	ST_MARKERS,
	ST_SET_TOPIC,
	ST_SET_KEY,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_ADD_CHANNEL] = "INSERT INTO channels (id, name, creator, created, "
                       "next_seq, active) VALUES (?1, ?2, ?3, ?4, 1, ?4)",
    [ST_DROP_CHANNEL] = "DELETE FROM channels WHERE id = ?1",
    [ST_ADD_DROPPED] = "INSERT OR IGNORE INTO dropped (channel) VALUES (?1)",
    [ST_ADD_MESSAGE] = "INSERT INTO messages (channel, seq, time, sender, "
                       "kind, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_BUMP_SEQ] = "UPDATE channels SET next_seq = ?2 + 1, "
                    "active = max(active, ?3) WHERE id = ?1",
    [ST_IDLE] = "UPDATE channels SET active = ?2 WHERE id = ?1",
    [ST_LOAD_CHANNELS] = "SELECT id, name, creator, created, active, "
                         "next_seq, topic, topic_by, topic_time, chan_key "
                         "FROM channels ORDER BY rowid",
    [ST_LATEST] = "SELECT seq, time, sender, kind, text FROM messages "
                  "WHERE channel = ?1 ORDER BY seq DESC LIMIT ?2",
    /* Both walk the (channel, seq) index from seq outwards. */
    [ST_PAGE_DOWN] = "SELECT seq, time, sender, kind, text FROM messages "
                     "WHERE channel = ?1 AND seq <= ?2 "
                     "ORDER BY seq DESC LIMIT ?3",
    [ST_PAGE_UP] = "SELECT seq, time, sender, kind, text FROM messages "
                   "WHERE channel = ?1 AND seq > ?2 "
                   "ORDER BY seq ASC LIMIT ?3",
    /* The oldest rows by insertion, not a scan for old ones: bounded. */
    [ST_PRUNE_OLD] = "DELETE FROM messages WHERE rowid IN (SELECT rowid "
                     "FROM messages ORDER BY rowid LIMIT ?2) AND time < ?1",
    [ST_NEXT_DROPPED] = "SELECT channel FROM dropped LIMIT 1",
    [ST_PRUNE_DROPPED] = "DELETE FROM messages WHERE rowid IN (SELECT rowid "
                         "FROM messages WHERE channel = ?1 LIMIT ?2)",
    [ST_DONE_DROPPED] = "DELETE FROM dropped WHERE channel = ?1",
    /* One index probe per channel: is its oldest line below the cap? */
    [ST_OVER_KEEP] = "SELECT id, next_seq FROM channels WHERE EXISTS "
                     "(SELECT 1 FROM messages WHERE channel = channels.id "
                     "AND seq < channels.next_seq - ?1) LIMIT 1",
    [ST_PRUNE_KEEP] = "DELETE FROM messages WHERE rowid IN (SELECT rowid "
                      "FROM messages WHERE channel = ?1 AND seq < ?2 "
                      "ORDER BY seq LIMIT ?3)",
    [ST_ACCOUNT_GET] = "SELECT name, hash, created FROM accounts "
                       "WHERE skel = ?1",
    [ST_ACCOUNT_ADD] = "INSERT OR IGNORE INTO accounts (skel, name, hash, "
                       "created) VALUES (?1, ?2, ?3, ?4)",
    [ST_ACCOUNT_HASH] = "UPDATE accounts SET hash = ?2 WHERE skel = ?1",
    [ST_MEMBER_ADD] = "INSERT OR IGNORE INTO memberships (account, channel) "
                      "VALUES (?1, ?2)",
    [ST_MEMBER_DEL] = "DELETE FROM memberships WHERE account = ?1 AND "
                      "channel = ?2",
    [ST_MEMBERS] = "SELECT channel FROM memberships WHERE account = ?1 "
                   "ORDER BY rowid",
    [ST_DM_COUNT] = "SELECT count(*) FROM offline_dms WHERE account = ?1",
    [ST_DM_ADD] = "INSERT INTO offline_dms (account, time, sender, "
                  "recipient, kind, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_DM_LIST] = "SELECT time, sender, recipient, kind, text FROM "
                   "offline_dms WHERE account = ?1 ORDER BY id",
    [ST_DM_DEL] = "DELETE FROM offline_dms WHERE account = ?1",
    [ST_MARKER_SET] = "INSERT INTO markers (account, channel, seq) VALUES "
                      "(?1, ?2, ?3) ON CONFLICT (account, channel) DO "
                      "UPDATE SET seq = max(seq, excluded.seq)",
    [ST_MARKER_GET] = "SELECT seq FROM markers WHERE account = ?1 AND "
                      "channel = ?2",
    [ST_MARKERS] = "SELECT channel, seq FROM markers WHERE account = ?1 "
                   "ORDER BY rowid",
    [ST_SET_TOPIC] = "UPDATE channels SET topic = ?2, topic_by = ?3, "
                     "topic_time = ?4 WHERE id = ?1",
    [ST_SET_KEY] = "UPDATE channels SET chan_key = ?2 WHERE id = ?1",
};

/* Version 1: channels without their last activity, no dropped list. */
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
    "PRAGMA user_version = 2;";

/*
 * Version 3: accounts, keyed by the skeleton of the name; memberships,
 * offline direct messages and read markers per account.
 */
static const char migrate_v2_v3[] =
    "CREATE TABLE accounts (skel TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "hash TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE memberships (account TEXT NOT NULL, "
    "channel TEXT NOT NULL, PRIMARY KEY (account, channel));"
    "CREATE TABLE offline_dms (id INTEGER PRIMARY KEY, "
    "account TEXT NOT NULL, time INTEGER NOT NULL, sender TEXT NOT NULL, "
    "recipient TEXT NOT NULL, "
    "kind TEXT NOT NULL CHECK (kind IN ('dm', 'act')), "
    "text TEXT NOT NULL);"
    "CREATE INDEX offline_dms_account ON offline_dms (account, id);"
    "CREATE TABLE markers (account TEXT NOT NULL, channel TEXT NOT NULL, "
    "seq INTEGER NOT NULL, PRIMARY KEY (account, channel));"
    "PRAGMA user_version = 3;";

static const char migrate_v1_v2[] =
    "ALTER TABLE channels ADD COLUMN active INTEGER NOT NULL DEFAULT 0;"
    "UPDATE channels SET active = max(created, coalesce((SELECT max(time) "
    "FROM messages WHERE channel = channels.id), 0));"
    "CREATE TABLE dropped (channel TEXT PRIMARY KEY);"
    "PRAGMA user_version = 2;";

/*
 * The channel topic and join key columns.  Added by a step of their own,
 * run at every open and doing nothing once the columns are there, rather
 * than by a schema version: other features bump the version, and the
 * columns are the same whichever version a file reached first.
 */
static const char add_topic_key[] =
    "ALTER TABLE channels ADD COLUMN topic TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE channels ADD COLUMN topic_by TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE channels ADD COLUMN topic_time INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE channels ADD COLUMN chan_key TEXT NOT NULL DEFAULT '';";

/* A channel's last seq and time in this turn, not yet in its row. */
struct bump {
	char id[STORE_BUMP_ID_MAX];
	size_t len;
	uint64_t seq, time;
};

struct store {
	sqlite3 *db;
	int lock_fd; /* <path>.lock, held with flock while open */
	struct bump bumps[STORE_BUMPS_MAX];
	size_t nbumps;
	sqlite3_stmt *stmt[ST_COUNT];
	int in_txn; /* BEGIN was run this turn */
	int failed; /* a step of this turn failed: the commit must not happen */
	uint64_t max_commit_us;
	int wal_pages; /* pages in the log after the last commit */
	/* The checkpoint thread and what it shares with the loop. */
	sqlite3 *ckpt_db;
	pthread_t ckpt_thread;
	pthread_mutex_t ckpt_lock;
	pthread_cond_t ckpt_cond;
	int ckpt_started, ckpt_wanted, ckpt_stop;
	char err[STORE_ERR_MAX];
};

static void
set_err(struct store *st, const char *what)
{
	snprintf(st->err, sizeof(st->err), "%s: %s", what,
	    st->db != NULL ? sqlite3_errmsg(st->db) : "no database");
}

/* Runs a cached statement that returns no rows; 0 or -1. */
static int
run(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		set_err(st, stmt_sql[id]);
		return -1;
	}
	return 0;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *p, size_t len)
{
	sqlite3_bind_text(s, i, p != NULL ? p : "", (int)len, SQLITE_STATIC);
}

static int
exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(st->err, sizeof(st->err), "%s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
user_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Whether the channels table has the topic column: 1, 0, or -1. */
static int
has_topic_column(struct store *st)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	if (sqlite3_prepare_v2(st->db,
	        "SELECT 1 FROM pragma_table_info('channels') "
	        "WHERE name = 'topic'",
	        -1, &s, NULL) != SQLITE_OK) {
		set_err(st, "reading the schema");
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		found = 1;
	else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(s);
	if (found < 0)
		set_err(st, "reading the schema");
	return found;
}

/* Brings the schema to STORE_SCHEMA_VERSION in one transaction. */
static int
migrate(struct store *st)
{
	int v;

	if (exec(st, "BEGIN IMMEDIATE") < 0)
		return -1;
	v = user_version(st);
	/* Each step brings the file one version on. */
	if (v == 0) {
		if (exec(st, schema_v2) < 0)
			goto fail;
		v = 2;
	}
	if (v == 1) {
		if (exec(st, migrate_v1_v2) < 0)
			goto fail;
		v = 2;
	}
	if (v == 2) {
		if (exec(st, migrate_v2_v3) < 0)
			goto fail;
		v = 3;
	}
	if (v < 0 || v > STORE_SCHEMA_VERSION) {
		snprintf(st->err, sizeof(st->err),
		    "schema version %d is not one this server knows (%d)", v,
		    STORE_SCHEMA_VERSION);
		goto fail;
	}
	switch (has_topic_column(st)) {
	case 0:
		if (exec(st, add_topic_key) < 0)
			goto fail;
		break;
	case 1:
		break;
	default:
		goto fail;
	}
	return exec(st, "COMMIT");
fail:
	(void)exec(st, "ROLLBACK");
	return -1;
}

/* Called by SQLite after each commit with the pages in the log. */
static int
wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
	struct store *st = ctx;

	(void)db;
	(void)name;
	st->wal_pages = pages;
	return SQLITE_OK;
}

static void *
ckpt_main(void *arg)
{
	struct store *st = arg;

	pthread_mutex_lock(&st->ckpt_lock);
	for (;;) {
		while (!st->ckpt_wanted && !st->ckpt_stop)
			pthread_cond_wait(&st->ckpt_cond, &st->ckpt_lock);
		if (st->ckpt_stop)
			break;
		st->ckpt_wanted = 0;
		pthread_mutex_unlock(&st->ckpt_lock);
		/* PASSIVE: never waits for, nor blocks, the loop's writes. */
		(void)sqlite3_wal_checkpoint_v2(
		    st->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&st->ckpt_lock);
	}
	pthread_mutex_unlock(&st->ckpt_lock);
	return NULL;
}

/* Opens the checkpointer's connection and starts it; 0 or -1. */
static int
ckpt_start(struct store *st, const char *path, enum store_sync sync)
{
	if (sqlite3_open_v2(path, &st->ckpt_db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
	        NULL) != SQLITE_OK ||
	    sqlite3_exec(st->ckpt_db,
	        sync == STORE_SYNC_FULL ? "PRAGMA synchronous = FULL"
	                                : "PRAGMA synchronous = NORMAL",
	        NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(st->err, sizeof(st->err), "checkpointer: %s",
		    sqlite3_errmsg(st->ckpt_db));
		return -1;
	}
	sqlite3_wal_autocheckpoint(st->ckpt_db, 0);
	if (pthread_mutex_init(&st->ckpt_lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&st->ckpt_cond, NULL) != 0) {
		pthread_mutex_destroy(&st->ckpt_lock);
		return -1;
	}
	if (pthread_create(&st->ckpt_thread, NULL, ckpt_main, st) != 0) {
		pthread_cond_destroy(&st->ckpt_cond);
		pthread_mutex_destroy(&st->ckpt_lock);
		snprintf(st->err, sizeof(st->err), "no checkpoint thread");
		return -1;
	}
	st->ckpt_started = 1;
	return 0;
}

static void
ckpt_stop(struct store *st)
{
	if (st->ckpt_started) {
		pthread_mutex_lock(&st->ckpt_lock);
		st->ckpt_stop = 1;
		pthread_cond_signal(&st->ckpt_cond);
		pthread_mutex_unlock(&st->ckpt_lock);
		pthread_join(st->ckpt_thread, NULL);
		pthread_cond_destroy(&st->ckpt_cond);
		pthread_mutex_destroy(&st->ckpt_lock);
		st->ckpt_started = 0;
	}
	sqlite3_close(st->ckpt_db);
	st->ckpt_db = NULL;
}

/* After a commit: wakes the checkpointer, or checkpoints if it lags. */
static void
ckpt_after_commit(struct store *st)
{
	if (!st->ckpt_started || st->wal_pages < STORE_CKPT_PAGES)
		return;
	if (st->wal_pages >= STORE_CKPT_HARD) {
		(void)sqlite3_wal_checkpoint_v2(
		    st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		st->wal_pages = 0;
		return;
	}
	pthread_mutex_lock(&st->ckpt_lock);
	st->ckpt_wanted = 1;
	pthread_cond_signal(&st->ckpt_cond);
	pthread_mutex_unlock(&st->ckpt_lock);
}

/*
 * Two servers on one file would both write and each fail the other's
 * commits: the second is refused at start instead.  The lock is a file of
 * its own, since closing any descriptor of the database would drop
 * SQLite's own POSIX locks.
 */
static int
take_lock(struct store *st, const char *path)
{
	char lock[STORE_PATH_MAX];
	int n = snprintf(lock, sizeof(lock), "%s.lock", path);

	if (n < 0 || (size_t)n >= sizeof(lock)) {
		snprintf(st->err, sizeof(st->err), "path too long");
		return -1;
	}
	st->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0) {
		snprintf(st->err, sizeof(st->err), "%.200s: %s", lock,
		    strerror(errno));
		return -1;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(st->err, sizeof(st->err),
		    "in use by another server (%.200s is locked)", lock);
		return -1;
	}
	return 0;
}

struct store *
store_open(const char *path, enum store_sync sync, char *err, size_t err_size)
{
	struct store *st = calloc(1, sizeof(*st));
	int i;

	if (st == NULL) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	st->lock_fd = -1;
	if (take_lock(st, path) < 0)
		goto fail;
	if (sqlite3_open_v2(path, &st->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	            SQLITE_OPEN_NOMUTEX,
	        NULL) != SQLITE_OK) {
		set_err(st, "open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (exec(st, "PRAGMA journal_mode = WAL") < 0 ||
	    exec(st,
	        sync == STORE_SYNC_FULL ? "PRAGMA synchronous = FULL"
	                                : "PRAGMA synchronous = NORMAL") < 0 ||
	    migrate(st) < 0 || ckpt_start(st, path, sync) < 0)
		goto fail;
	/* The loop's commits never checkpoint: the thread does. */
	sqlite3_wal_hook(st->db, wal_hook, st);
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
		        SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
		        NULL) != SQLITE_OK) {
			set_err(st, stmt_sql[i]);
			goto fail;
		}
	}
	return st;
fail:
	snprintf(err, err_size, "%s: %s", path, st->err);
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	if (st->stmt[ST_COMMIT] != NULL)
		(void)store_commit(st);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	ckpt_stop(st);
	sqlite3_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st);
}

const char *
store_error(const struct store *st)
{
	return st->err;
}

uint64_t
store_max_commit_us(const struct store *st)
{
	return st->max_commit_us;
}

/* Opens the turn's transaction at its first write. */
static int
begin(struct store *st)
{
	if (st->failed)
		return -1;
	if (st->in_txn)
		return 0;
	if (run(st, ST_BEGIN) < 0) {
		st->failed = 1;
		return -1;
	}
	st->in_txn = 1;
	return 0;
}

static int
append_channel(struct store *st, const struct store_event *ev)
{
	sqlite3_stmt *s = st->stmt[ST_ADD_CHANNEL];

	bind_text(s, 1, ev->chan, ev->chan_len);
	bind_text(s, 2, ev->name, ev->name_len);
	bind_text(s, 3, ev->sender, ev->sender_len);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)ev->time);
	return run(st, ST_ADD_CHANNEL);
}

static void unbump(struct store *st, const char *id, size_t len);

static int
append_drop(struct store *st, const struct store_event *ev)
{
	unbump(st, ev->chan, ev->chan_len);
	bind_text(st->stmt[ST_DROP_CHANNEL], 1, ev->chan, ev->chan_len);
	if (run(st, ST_DROP_CHANNEL) < 0)
		return -1;
	/* Its messages go later, in batches (store_prune). */
	bind_text(st->stmt[ST_ADD_DROPPED], 1, ev->chan, ev->chan_len);
	return run(st, ST_ADD_DROPPED);
}

/* Writes one channel's next seq and last activity; 0 or -1. */
static int
write_bump(
    struct store *st, const char *id, size_t len, uint64_t seq, uint64_t time)
{
	sqlite3_stmt *s = st->stmt[ST_BUMP_SEQ];

	bind_text(s, 1, id, len);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)seq);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)time);
	if (run(st, ST_BUMP_SEQ) < 0)
		return -1;
	if (sqlite3_changes(st->db) != 1) {
		snprintf(st->err, sizeof(st->err), "message for no channel");
		return -1;
	}
	return 0;
}

/* Writes every pending bump; 0 or -1.  The list is empty after. */
static int
flush_bumps(struct store *st)
{
	size_t i, n = st->nbumps;

	st->nbumps = 0;
	for (i = 0; i < n; i++) {
		struct bump *b = &st->bumps[i];

		if (write_bump(st, b->id, b->len, b->seq, b->time) < 0)
			return -1;
	}
	return 0;
}

/* Notes a channel's new last seq, to be written at the commit. */
static int
bump(struct store *st, const char *id, size_t len, uint64_t seq, uint64_t time)
{
	struct bump *b;
	size_t i;

	if (len > STORE_BUMP_ID_MAX)
		return write_bump(st, id, len, seq, time);
	for (i = 0; i < st->nbumps; i++) {
		b = &st->bumps[i];
		if (b->len == len && memcmp(b->id, id, len) == 0) {
			b->seq = seq;
			b->time = time;
			return 0;
		}
	}
	if (st->nbumps == STORE_BUMPS_MAX && flush_bumps(st) < 0)
		return -1;
	b = &st->bumps[st->nbumps++];
	memcpy(b->id, id, len);
	b->len = len;
	b->seq = seq;
	b->time = time;
	return 0;
}

/* Forgets a pending bump of a channel that goes. */
static void
unbump(struct store *st, const char *id, size_t len)
{
	size_t i;

	for (i = 0; i < st->nbumps; i++) {
		if (st->bumps[i].len == len &&
		    memcmp(st->bumps[i].id, id, len) == 0) {
			st->bumps[i] = st->bumps[--st->nbumps];
			return;
		}
	}
}

static int
append_message(struct store *st, const struct store_event *ev)
{
	sqlite3_stmt *s = st->stmt[ST_ADD_MESSAGE];

	bind_text(s, 1, ev->chan, ev->chan_len);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)ev->seq);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)ev->time);
	bind_text(s, 4, ev->sender, ev->sender_len);
	sqlite3_bind_text(
	    s, 5, ev->kind == STORE_ACT ? "act" : "msg", 3, SQLITE_STATIC);
	bind_text(s, 6, ev->text, ev->text_len);
	if (run(st, ST_ADD_MESSAGE) < 0)
		return -1;
	return bump(st, ev->chan, ev->chan_len, ev->seq, ev->time);
}

static int
append_topic(struct store *st, const struct store_event *ev)
{
	sqlite3_stmt *s = st->stmt[ST_SET_TOPIC];

	bind_text(s, 1, ev->chan, ev->chan_len);
	bind_text(s, 2, ev->text, ev->text_len);
	bind_text(s, 3, ev->sender, ev->sender_len);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)ev->time);
	return run(st, ST_SET_TOPIC);
}

int
store_append(
    struct store *st, struct store_event *ev, store_done_fn done, void *ctx)
{
	int rc = -1;

	if (begin(st) == 0) {
		switch (ev->kind) {
		case STORE_CHANNEL:
			rc = append_channel(st, ev);
			break;
		case STORE_DROP:
			rc = append_drop(st, ev);
			break;
		case STORE_IDLE:
			bind_text(st->stmt[ST_IDLE], 1, ev->chan, ev->chan_len);
			sqlite3_bind_int64(
			    st->stmt[ST_IDLE], 2, (sqlite3_int64)ev->time);
			rc = run(st, ST_IDLE);
			break;
		case STORE_MSG:
		case STORE_ACT:
			rc = append_message(st, ev);
			break;
		case STORE_TOPIC:
			rc = append_topic(st, ev);
			break;
		case STORE_KEY:
			bind_text(
			    st->stmt[ST_SET_KEY], 1, ev->chan, ev->chan_len);
			bind_text(
			    st->stmt[ST_SET_KEY], 2, ev->text, ev->text_len);
			rc = run(st, ST_SET_KEY);
			break;
		default: /* the nodes' kinds are never stored here */
			break;
		}
	}
	/* A half-made turn is never committed: the server stops first. */
	if (rc < 0)
		st->failed = 1;
	done(ctx, rc, ev);
	return rc;
}

int
store_commit(struct store *st)
{
	uint64_t t0, dt;

	/* After this call the next turn starts afresh, whatever happened. */
	if (!st->in_txn) {
		int failed = st->failed;

		st->failed = 0;
		return failed ? -1 : 0;
	}
	st->in_txn = 0;
	if (!st->failed && flush_bumps(st) < 0)
		st->failed = 1;
	st->nbumps = 0;
	if (st->failed) {
		char keep[STORE_ERR_MAX];

		memcpy(keep, st->err, sizeof(keep));
		(void)run(st, ST_ROLLBACK);
		memcpy(st->err, keep, sizeof(keep));
		st->failed = 0;
		return -1;
	}
	t0 = clock_us();
	if (run(st, ST_COMMIT) < 0) {
		/* A failed COMMIT may leave the transaction open. */
		if (!sqlite3_get_autocommit(st->db)) {
			char keep[STORE_ERR_MAX];

			memcpy(keep, st->err, sizeof(keep));
			(void)run(st, ST_ROLLBACK);
			memcpy(st->err, keep, sizeof(keep));
		}
		return -1;
	}
	dt = clock_us() - t0;
	if (dt > st->max_commit_us)
		st->max_commit_us = dt;
	ckpt_after_commit(st);
	return 0;
}

static const char *
col_text(sqlite3_stmt *s, int i, size_t *len)
{
	const char *p = (const char *)sqlite3_column_text(s, i);

	*len = (size_t)sqlite3_column_bytes(s, i);
	return p != NULL ? p : "";
}

int
store_load_channels(struct store *st,
    void (*each)(void *ctx, const struct store_channel *ch), void *ctx)
{
	sqlite3_stmt *s = st->stmt[ST_LOAD_CHANNELS];
	struct store_channel ch;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ch.id = col_text(s, 0, &ch.id_len);
		ch.name = col_text(s, 1, &ch.name_len);
		ch.creator = col_text(s, 2, &ch.creator_len);
		ch.created = (uint64_t)sqlite3_column_int64(s, 3);
		ch.active = (uint64_t)sqlite3_column_int64(s, 4);
		ch.next_seq = (uint64_t)sqlite3_column_int64(s, 5);
		ch.topic = col_text(s, 6, &ch.topic_len);
		ch.topic_by = col_text(s, 7, &ch.topic_by_len);
		ch.topic_time = (uint64_t)sqlite3_column_int64(s, 8);
		ch.key = col_text(s, 9, &ch.key_len);
		each(ctx, &ch);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		set_err(st, "loading channels");
		return -1;
	}
	return 0;
}

/* Copies the current row of a history statement into l; 0 or -1. */
static int
copy_line(sqlite3_stmt *s, struct store_line *l)
{
	size_t sl, tl, kl;
	const char *sp = col_text(s, 2, &sl), *tp = col_text(s, 4, &tl);
	const char *kind = col_text(s, 3, &kl);
	char *copy = malloc(sl + tl + 1);

	if (copy == NULL)
		return -1;
	memcpy(copy, sp, sl);
	memcpy(copy + sl, tp, tl);
	l->seq = (uint64_t)sqlite3_column_int64(s, 0);
	l->time = (uint64_t)sqlite3_column_int64(s, 1);
	l->kind =
	    kl == 3 && memcmp(kind, "act", 3) == 0 ? STORE_ACT : STORE_MSG;
	l->sender = copy;
	l->sender_len = sl;
	l->text = copy + sl;
	l->text_len = tl;
	return 0;
}

int
store_latest(struct store *st, const char *id, size_t id_len, size_t max,
    void (*each)(void *ctx, const struct store_line *line), void *ctx)
{
	sqlite3_stmt *s = st->stmt[ST_LATEST];
	struct store_line *lines;
	size_t n = 0, i;
	int rc = SQLITE_DONE, ok;

	if (max == 0)
		return 0;
	lines = calloc(max, sizeof(*lines));
	if (lines == NULL) {
		snprintf(st->err, sizeof(st->err), "out of memory");
		return -1;
	}
	bind_text(s, 1, id, id_len);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	/* Newest first; the texts are copied so they outlive the step. */
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (copy_line(s, &lines[n]) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	for (i = n; i-- > 0;) {
		if (ok)
			each(ctx, &lines[i]);
		free((char *)lines[i].sender);
	}
	free(lines);
	if (!ok) {
		set_err(st, "reading history");
		return -1;
	}
	return (int)n;
}

/* Stored seqs are SQLite integers: at most INT64_MAX. */
#define STORE_SEQ_TOP ((uint64_t)INT64_MAX)

int
store_page(struct store *st, const char *id, size_t id_len, enum cmd_dir dir,
    uint64_t seq, size_t limit, size_t max_bytes, store_size_fn size,
    void (*each)(void *ctx, const struct store_line *line), void *ctx,
    int *more)
{
	int up = dir == CMD_DIR_AFTER;
	sqlite3_stmt *s = st->stmt[up ? ST_PAGE_UP : ST_PAGE_DOWN];
	struct store_line *lines = NULL;
	size_t n = 0, i, bytes = 0, len;
	uint64_t bound;
	int rc = SQLITE_DONE, ok;

	*more = 0;
	/* The first seq out of range: after it (up) or at most it (down). */
	if (dir == CMD_DIR_AFTER)
		bound = seq;
	else if (dir == CMD_DIR_BEFORE)
		bound = seq == 0 ? 0 : seq - 1;
	else
		bound = STORE_SEQ_TOP;
	if ((up && bound >= STORE_SEQ_TOP) ||
	    (dir == CMD_DIR_BEFORE && seq == 0))
		return 0;
	if (bound > STORE_SEQ_TOP)
		bound = STORE_SEQ_TOP;
	if (limit > 0) {
		lines = calloc(limit, sizeof(*lines));
		if (lines == NULL) {
			snprintf(st->err, sizeof(st->err), "out of memory");
			return -1;
		}
	}
	bind_text(s, 1, id, id_len);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)bound);
	/* One row past the page tells whether there are more. */
	sqlite3_bind_int64(s, 3,
	    limit < (size_t)INT64_MAX ? (sqlite3_int64)limit + 1 : INT64_MAX);
	/* Nearest seq first, as history_page() counts them. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_line *l;

		if (n == limit) {
			*more = 1;
			break;
		}
		l = &lines[n];
		if (copy_line(s, l) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		len = size(ctx, l);
		if (n > 0 && (bytes >= max_bytes || len > max_bytes - bytes)) {
			free((char *)l->sender);
			*more = 1;
			break;
		}
		bytes += len;
		n++;
	}
	ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	for (i = 0; i < n; i++) {
		struct store_line *l = &lines[up ? i : n - 1 - i];

		if (ok)
			each(ctx, l);
		free((char *)l->sender);
	}
	free(lines);
	if (!ok) {
		*more = 0;
		set_err(st, "reading a history page");
		return -1;
	}
	return (int)n;
}

int
store_prune(struct store *st, uint64_t before_ms)
{
	sqlite3_stmt *s = st->stmt[ST_NEXT_DROPPED];
	char chan[64];
	size_t len = 0;
	int rc, deleted;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *p = col_text(s, 0, &len);

		if (len >= sizeof(chan))
			len = sizeof(chan) - 1;
		memcpy(chan, p, len);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		set_err(st, "pruning");
		return -1;
	}
	if (rc == SQLITE_ROW) {
		if (begin(st) < 0)
			return -1;
		bind_text(st->stmt[ST_PRUNE_DROPPED], 1, chan, len);
		sqlite3_bind_int(
		    st->stmt[ST_PRUNE_DROPPED], 2, STORE_PRUNE_BATCH);
		if (run(st, ST_PRUNE_DROPPED) < 0)
			goto fail;
		deleted = sqlite3_changes(st->db);
		if (deleted < STORE_PRUNE_BATCH) {
			bind_text(st->stmt[ST_DONE_DROPPED], 1, chan, len);
			if (run(st, ST_DONE_DROPPED) < 0)
				goto fail;
		}
		/* A dropped channel's rows count as work even when none. */
		return deleted > 0 ? deleted : 1;
	}
	if (before_ms == 0)
		return 0;
	if (begin(st) < 0)
		return -1;
	sqlite3_bind_int64(st->stmt[ST_PRUNE_OLD], 1, (sqlite3_int64)before_ms);
	sqlite3_bind_int(st->stmt[ST_PRUNE_OLD], 2, STORE_PRUNE_BATCH);
	if (run(st, ST_PRUNE_OLD) < 0)
		goto fail;
	return sqlite3_changes(st->db);
fail:
	st->failed = 1;
	return -1;
}

int
store_prune_keep(struct store *st, uint64_t keep)
{
	sqlite3_stmt *s = st->stmt[ST_OVER_KEEP];
	char chan[64];
	size_t len = 0;
	sqlite3_int64 next = 0;
	int rc;

	if (keep == 0)
		return 0;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)keep);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *p = col_text(s, 0, &len);

		if (len >= sizeof(chan))
			len = sizeof(chan) - 1;
		memcpy(chan, p, len);
		next = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		set_err(st, "pruning");
		return -1;
	}
	if (rc == SQLITE_DONE)
		return 0;
	if (begin(st) < 0)
		return -1;
	bind_text(st->stmt[ST_PRUNE_KEEP], 1, chan, len);
	sqlite3_bind_int64(
	    st->stmt[ST_PRUNE_KEEP], 2, next - (sqlite3_int64)keep);
	sqlite3_bind_int(st->stmt[ST_PRUNE_KEEP], 3, STORE_PRUNE_BATCH);
	if (run(st, ST_PRUNE_KEEP) < 0) {
		st->failed = 1;
		return -1;
	}
	return sqlite3_changes(st->db);
}

/* Account functions: small statements on the (skel, ...) primary keys. */

/* Runs a write statement inside the turn's transaction; 0 or -1. */
static int
run_write(struct store *st, enum stmt_id id)
{
	if (begin(st) < 0) {
		sqlite3_reset(st->stmt[id]);
		sqlite3_clear_bindings(st->stmt[id]);
		return -1;
	}
	if (run(st, id) < 0) {
		st->failed = 1;
		return -1;
	}
	return 0;
}

/* Ends a read statement; 0 if it ended well (rc), else -1 with err. */
static int
end_read(struct store *st, enum stmt_id id, int rc, const char *what)
{
	sqlite3_reset(st->stmt[id]);
	sqlite3_clear_bindings(st->stmt[id]);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		set_err(st, what);
		return -1;
	}
	return 0;
}

int
store_account_get(struct store *st, const char *skel, size_t skel_len,
    struct store_account *out)
{
	sqlite3_stmt *s = st->stmt[ST_ACCOUNT_GET];
	const char *p;
	size_t len;
	int rc, found = 0;

	bind_text(s, 1, skel, skel_len);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		found = 1;
		memset(out, 0, sizeof(*out));
		p = col_text(s, 0, &len);
		if (len > PROTO_NAME_MAX)
			len = PROTO_NAME_MAX;
		memcpy(out->name, p, len);
		out->name_len = len;
		p = col_text(s, 1, &len);
		/* A hash too long for any verify is kept out: none matches. */
		if (len < sizeof(out->hash))
			memcpy(out->hash, p, len);
		out->created = (uint64_t)sqlite3_column_int64(s, 2);
	}
	if (end_read(st, ST_ACCOUNT_GET, rc, "reading an account") < 0)
		return -1;
	return found;
}

int
store_account_add(struct store *st, const char *skel, size_t skel_len,
    const char *name, size_t name_len, const char *hash, uint64_t created)
{
	sqlite3_stmt *s = st->stmt[ST_ACCOUNT_ADD];

	bind_text(s, 1, skel, skel_len);
	bind_text(s, 2, name, name_len);
	bind_text(s, 3, hash, strlen(hash));
	sqlite3_bind_int64(s, 4, (sqlite3_int64)created);
	if (run_write(st, ST_ACCOUNT_ADD) < 0)
		return -1;
	return sqlite3_changes(st->db) == 1 ? 0 : 1;
}

int
store_account_set_hash(
    struct store *st, const char *skel, size_t skel_len, const char *hash)
{
	sqlite3_stmt *s = st->stmt[ST_ACCOUNT_HASH];

	bind_text(s, 1, skel, skel_len);
	bind_text(s, 2, hash, strlen(hash));
	if (run_write(st, ST_ACCOUNT_HASH) < 0)
		return -1;
	return sqlite3_changes(st->db) == 1 ? 0 : -1;
}

int
store_member_set(struct store *st, const char *skel, size_t skel_len,
    const char *chan, size_t chan_len, int member)
{
	enum stmt_id id = member ? ST_MEMBER_ADD : ST_MEMBER_DEL;

	bind_text(st->stmt[id], 1, skel, skel_len);
	bind_text(st->stmt[id], 2, chan, chan_len);
	return run_write(st, id);
}

/* Bytes of a stored channel id store_members reports; longer ones are cut. */
#define STORE_CHAN_ID_MAX 64

int
store_members(struct store *st, const char *skel, size_t skel_len,
    void (*each)(void *ctx, const char *chan, size_t chan_len), void *ctx)
{
	sqlite3_stmt *s = st->stmt[ST_MEMBERS];
	char(*ids)[STORE_CHAN_ID_MAX] = NULL, (*grown)[STORE_CHAN_ID_MAX];
	size_t *lens = NULL, *lgrown, n = 0, cap = 0, i, len;
	const char *p;
	int rc;

	/* Copied out first: each may add or remove memberships. */
	bind_text(s, 1, skel, skel_len);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			grown = realloc(ids, cap * sizeof(*ids));
			if (grown == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			ids = grown;
			lgrown = realloc(lens, cap * sizeof(*lens));
			if (lgrown == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			lens = lgrown;
		}
		p = col_text(s, 0, &len);
		if (len > STORE_CHAN_ID_MAX)
			len = STORE_CHAN_ID_MAX;
		memcpy(ids[n], p, len);
		lens[n++] = len;
	}
	if (end_read(st, ST_MEMBERS, rc, "reading memberships") < 0) {
		free(ids);
		free(lens);
		return -1;
	}
	for (i = 0; i < n; i++)
		each(ctx, ids[i], lens[i]);
	free(ids);
	free(lens);
	return (int)n;
}

int
store_dm_count(struct store *st, const char *skel, size_t skel_len)
{
	sqlite3_stmt *s = st->stmt[ST_DM_COUNT];
	int rc, n = 0;

	bind_text(s, 1, skel, skel_len);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	if (end_read(st, ST_DM_COUNT, rc, "counting messages") < 0)
		return -1;
	return n;
}

int
store_dm_add(struct store *st, const char *skel, size_t skel_len,
    const struct store_dm *dm)
{
	sqlite3_stmt *s = st->stmt[ST_DM_ADD];

	bind_text(s, 1, skel, skel_len);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)dm->time);
	bind_text(s, 3, dm->sender, dm->sender_len);
	bind_text(s, 4, dm->recipient, dm->recipient_len);
	sqlite3_bind_text(s, 5, dm->act ? "act" : "dm", -1, SQLITE_STATIC);
	bind_text(s, 6, dm->text, dm->text_len);
	return run_write(st, ST_DM_ADD);
}

int
store_dm_take(struct store *st, const char *skel, size_t skel_len,
    void (*each)(void *ctx, const struct store_dm *dm), void *ctx)
{
	sqlite3_stmt *s = st->stmt[ST_DM_LIST];
	struct store_dm dm;
	const char *kind;
	size_t kl;
	int rc, n = 0;

	bind_text(s, 1, skel, skel_len);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&dm, 0, sizeof(dm));
		dm.time = (uint64_t)sqlite3_column_int64(s, 0);
		dm.sender = col_text(s, 1, &dm.sender_len);
		dm.recipient = col_text(s, 2, &dm.recipient_len);
		kind = col_text(s, 3, &kl);
		dm.act = kl == 3 && memcmp(kind, "act", 3) == 0;
		dm.text = col_text(s, 4, &dm.text_len);
		each(ctx, &dm);
		n++;
	}
	if (end_read(st, ST_DM_LIST, rc, "reading messages") < 0)
		return -1;
	if (n == 0)
		return 0;
	/* Delivered once: gone in the same turn that sends them. */
	bind_text(st->stmt[ST_DM_DEL], 1, skel, skel_len);
	if (run_write(st, ST_DM_DEL) < 0)
		return -1;
	return n;
}

int
store_marker_set(struct store *st, const char *skel, size_t skel_len,
    const char *chan, size_t chan_len, uint64_t seq, uint64_t *now)
{
	sqlite3_stmt *s = st->stmt[ST_MARKER_SET];
	int rc;

	/* Stored seqs are SQLite integers. */
	if (seq > STORE_SEQ_TOP)
		seq = STORE_SEQ_TOP;
	bind_text(s, 1, skel, skel_len);
	bind_text(s, 2, chan, chan_len);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)seq);
	if (run_write(st, ST_MARKER_SET) < 0)
		return -1;
	s = st->stmt[ST_MARKER_GET];
	bind_text(s, 1, skel, skel_len);
	bind_text(s, 2, chan, chan_len);
	rc = sqlite3_step(s);
	*now = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : seq;
	return end_read(st, ST_MARKER_GET, rc, "reading a marker");
}

int
store_markers(struct store *st, const char *skel, size_t skel_len,
    void (*each)(void *ctx, const char *chan, size_t chan_len, uint64_t seq),
    void *ctx)
{
	sqlite3_stmt *s = st->stmt[ST_MARKERS];
	const char *p;
	size_t len;
	int rc, n = 0;

	bind_text(s, 1, skel, skel_len);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		p = col_text(s, 0, &len);
		each(ctx, p, len, (uint64_t)sqlite3_column_int64(s, 1));
		n++;
	}
	if (end_read(st, ST_MARKERS, rc, "reading markers") < 0)
		return -1;
	return n;
}

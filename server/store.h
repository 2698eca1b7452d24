/* store.h: the durable log of named channels and their messages. */
#ifndef SERVER_STORE_H
#define SERVER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

/*
 * The store is a log: the chat rules validate a command, append its event
 * and apply it (send the echo, change the registry) only once the append
 * completes, with the sequence number the store gave it.  A backend that
 * completes at once (SQLite) calls done before store_append returns; one
 * that completes later (a network log) calls it from its own loop turn,
 * with the event copied.  A second backend is a new store_<name>.c that
 * fills the same functions.
 *
 * Appends made in one loop turn form one transaction, made durable by
 * store_commit, which the server calls before the turn's first socket
 * write: nothing a client is sent refers to an event that is not stored.
 */

/* Schema version in PRAGMA user_version; store_open migrates older files. */
#define STORE_SCHEMA_VERSION 3
/* Rows the retention pruner deletes per call (one loop turn). */
#define STORE_PRUNE_BATCH 500

enum store_kind {
	STORE_CHANNEL = 1, /* a named channel is created */
	STORE_DROP,        /* a named channel is removed (expired) */
	STORE_MSG,         /* a channel message */
	STORE_ACT,         /* a channel action (/me) */
	STORE_IDLE,        /* a named channel lost its last member at time */
	STORE_TOPIC,       /* a channel's topic: text set by sender at time */
	STORE_KEY,         /* a channel's join key: text (empty: none) */
	/*
	 * Several nodes only (never stored in SQLite): what the users of a
	 * node do, for the others to mirror.  uid is the user's; sender its
	 * name (a nick: the old one, text the new).
	 */
	STORE_JOIN,   /* uid joined chan; chan == uid: the user came */
	STORE_PART,   /* uid left chan */
	STORE_QUIT,   /* uid went; text is the reason */
	STORE_NICK,   /* uid is now called text */
	STORE_DM,     /* to uid (named name) from chan (sender's uid) */
	STORE_DM_ACT, /* the same as an action */
	STORE_GONE,   /* node text is gone, and every user it held */
	STORE_AWAY,   /* uid (name sender) is away (text) for chan's DM */
	/* uid (name sender) got the DM of tag (seq out) from node text */
	STORE_DM_ACK,
};

enum store_sync {
	STORE_SYNC_NORMAL =
	    0,           /* WAL, synced at checkpoints: survives kill -9 */
	STORE_SYNC_FULL, /* WAL synced at every commit: power loss too */
};

/* Strings are not NUL-terminated; the store copies what it keeps. */
struct store_event {
	enum store_kind kind;
	const char *chan; /* channel id */
	size_t chan_len;
	const char *name; /* STORE_CHANNEL: the channel's name */
	size_t name_len;
	const char *sender; /* creator, sender, who set the topic */
	size_t sender_len;
	const char *text; /* STORE_MSG, STORE_ACT, STORE_TOPIC, STORE_KEY */
	size_t text_len;
	uint64_t time; /* ms since the epoch */
	/*
	 * STORE_MSG, STORE_ACT: the seq the chat expects (its channel's last
	 * plus one).  The completion carries the seq the store gave, which
	 * the chat takes.
	 */
	uint64_t seq;
	const char *uid; /* STORE_JOIN to STORE_DM_ACT: the user */
	size_t uid_len;
};

/*
 * An append completed: status 0 and ev->seq set, or -1 if the event could
 * not be stored (then it must not be applied).  ev is valid only during the
 * call.
 */
typedef void (*store_done_fn)(
    void *ctx, int status, const struct store_event *ev);

/* A stored channel, as store_load_channels reports it. */
struct store_channel {
	const char *id, *name, *creator;
	size_t id_len, name_len, creator_len;
	uint64_t created;  /* ms since the epoch */
	uint64_t active;   /* last message, or creation, in ms */
	uint64_t next_seq; /* the seq the next message gets */
	/* The topic (empty: none), who set it and when; the join key. */
	const char *topic, *topic_by, *key;
	size_t topic_len, topic_by_len, key_len;
	uint64_t topic_time;
};

/* A stored message line, as store_latest reports it. */
struct store_line {
	enum store_kind kind; /* STORE_MSG or STORE_ACT */
	uint64_t seq, time;
	const char *sender, *text;
	size_t sender_len, text_len;
};

struct store;

/*
 * Opens (creating) the database at path and migrates it to
 * STORE_SCHEMA_VERSION.  NULL with err filled on failure.
 */
struct store *store_open(
    const char *path, enum store_sync sync, char *err, size_t err_size);
/* Commits what is pending, then closes (NULL does nothing). */
void store_close(struct store *st);

/* Appends ev; see store_done_fn.  Returns 0, or -1 (done was called so). */
int store_append(
    struct store *st, struct store_event *ev, store_done_fn done, void *ctx);

/*
 * Makes the turn's appends durable (COMMIT).  Returns 0 (also when nothing
 * was pending), or -1 with the reason in store_error: the turn's events
 * are rolled back and nothing that refers to them may be sent.
 */
int store_commit(struct store *st);

/* Why the last call failed. */
const char *store_error(const struct store *st);

/* Calls each for every stored channel, oldest first.  0, or -1 on error. */
int store_load_channels(struct store *st,
    void (*each)(void *ctx, const struct store_channel *ch), void *ctx);

/*
 * Calls each for the latest max lines of channel id, oldest first.
 * Returns the lines reported, or -1 on error.
 */
int store_latest(struct store *st, const char *id, size_t id_len, size_t max,
    void (*each)(void *ctx, const struct store_line *line), void *ctx);

/* What a line counts toward a page's max_bytes: its length as sent. */
typedef size_t (*store_size_fn)(void *ctx, const struct store_line *line);

/*
 * A page of channel id's stored lines, as history_page() cuts one from a
 * ring: the limit lines before, after or latest seq (before and after
 * exclude seq itself; latest ignores it), those nearest seq (the newest
 * for latest), at most max_bytes of them by size but always one if any.
 * Calls each for them oldest first; *more says whether stored lines lie
 * beyond them in the request's direction.  Reads through an index and
 * keeps nothing after it returns.  Returns the lines reported, or -1 on
 * error (then each was not called).
 */
int store_page(struct store *st, const char *id, size_t id_len,
    enum cmd_dir dir, uint64_t seq, size_t limit, size_t max_bytes,
    store_size_fn size, void (*each)(void *ctx, const struct store_line *line),
    void *ctx, int *more);

/*
 * Retention: deletes at most STORE_PRUNE_BATCH of the oldest messages
 * older than before_ms (0: none), or of channels dropped earlier.  Part
 * of the turn's transaction.  Returns the rows deleted (0: nothing left
 * to do), or -1 on error.
 */
int store_prune(struct store *st, uint64_t before_ms);
/*
 * Retention by count: deletes at most STORE_PRUNE_BATCH of the oldest
 * lines of one channel that keeps more than its latest keep lines (0:
 * none).  Part of the turn's transaction.  Returns the rows deleted (0:
 * no channel is over), or -1 on error.
 */
int store_prune_keep(struct store *st, uint64_t keep);

/* The longest store_commit so far, in microseconds. */
uint64_t store_max_commit_us(const struct store *st);

/*
 * Accounts (schema 3).  An account is keyed by the skeleton of its name
 * (valid_skeleton), so that no two accounts look alike; it keeps the
 * name's spelling, its password hash, its channel memberships (named
 * channels, by id, in the order joined), the direct messages left for it
 * while it had no connection, and a read marker per channel.  Writes are
 * part of the turn's transaction, as appends are; a failed write fails
 * the turn's commit.  Reads see the turn's writes.  Strings passed in are
 * not NUL-terminated; those reported are valid during the callback only.
 */

/* Bytes of a stored password hash, counting the terminator. */
#define STORE_HASH_MAX 128

/* An account as store_account_get reports it (copied out). */
struct store_account {
	char name[PROTO_NAME_MAX + 1];
	size_t name_len;
	char hash[STORE_HASH_MAX]; /* NUL-terminated; "" if too long */
	uint64_t created;          /* ms since the epoch */
};

/* A direct message kept for an account with no connection. */
struct store_dm {
	int act; /* dm_act rather than dm */
	uint64_t time;
	const char *sender, *recipient, *text;
	size_t sender_len, recipient_len, text_len;
};

/* 1 and *out filled if the account exists, 0 if not, -1 on error. */
int store_account_get(struct store *st, const char *skel, size_t skel_len,
    struct store_account *out);
/* 0, 1 if an account with that skeleton exists, -1 on error. */
int store_account_add(struct store *st, const char *skel, size_t skel_len,
    const char *name, size_t name_len, const char *hash, uint64_t created);
/* Replaces the hash; 0, or -1 on error or if there is no such account. */
int store_account_set_hash(
    struct store *st, const char *skel, size_t skel_len, const char *hash);

/* Adds (member) or removes (!member) a membership; 0 or -1. */
int store_member_set(struct store *st, const char *skel, size_t skel_len,
    const char *chan, size_t chan_len, int member);
/*
 * Calls each for every stored membership, in the order joined; each may
 * change memberships.  Returns the count reported, or -1 on error.
 */
int store_members(struct store *st, const char *skel, size_t skel_len,
    void (*each)(void *ctx, const char *chan, size_t chan_len), void *ctx);

/* Direct messages waiting for an account, or -1 on error. */
int store_dm_count(struct store *st, const char *skel, size_t skel_len);
/* Keeps one for the account; 0 or -1. */
int store_dm_add(struct store *st, const char *skel, size_t skel_len,
    const struct store_dm *dm);
/*
 * Calls each for every waiting message, oldest first (each must not use
 * the store), then deletes them.  Returns the count, or -1 on error.
 */
int store_dm_take(struct store *st, const char *skel, size_t skel_len,
    void (*each)(void *ctx, const struct store_dm *dm), void *ctx);

/*
 * Moves the account's marker in channel chan forward to seq (a lower seq
 * leaves it) and sets *now to the marker after; 0 or -1.
 */
int store_marker_set(struct store *st, const char *skel, size_t skel_len,
    const char *chan, size_t chan_len, uint64_t seq, uint64_t *now);
/* Calls each for every marker of the account; the count, or -1. */
int store_markers(struct store *st, const char *skel, size_t skel_len,
    void (*each)(void *ctx, const char *chan, size_t chan_len, uint64_t seq),
    void *ctx);

#endif

/* redis_log.h: the chat's event log in Redis Streams, shared by nodes. */
#ifndef SERVER_REDIS_LOG_H
#define SERVER_REDIS_LOG_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "redis_link.h"
#include "store.h"

/*
 * Several servers (nodes) share one order of events through Redis.  An
 * append is one script call (EVALSHA) that, atomically, takes the
 * channel's next seq (INCR), adds the line to the channel's stream under
 * the id "<seq>-0" (history, paged by seq) and adds the event to one
 * stream of all events.  Every node reads that stream back (XREAD BLOCK
 * on a connection of its own) and delivers what it reads, its own events
 * too, so every node sees every event in the same order.
 *
 * Keys, under a prefix (REDIS_LOG_PREFIX_DEFAULT): "<p>seq:<chan>" the
 * channel's last seq, "<p>log:<chan>" its lines, "<p>events" every event.
 * The streams are trimmed (MAXLEN ~) to REDIS_LOG_CHAN_KEEP lines per
 * channel and REDIS_LOG_EVENTS_KEEP events.  User names: "<p>users"
 * (skeleton -> node) and each node's lease "<p>node:<name>".  Users: the
 * events of what they do (redis_log_publish) and the snapshot of who is
 * where ("<p>uids", "<p>uch:<uid>", "<p>nu:<node>", "<p>nodes"), which
 * every node checks for gone nodes with each renewal of its lease.
 */
struct redis_log;

#define REDIS_LOG_PREFIX_DEFAULT "txt:"
/* Bytes of a key prefix and of a node name, no terminator. */
#define REDIS_LOG_PREFIX_MAX 32
#define REDIS_LOG_NODE_MAX   16
/* Lines a channel's stream keeps, about (MAXLEN ~). */
#define REDIS_LOG_CHAN_KEEP 100000
/* Events the shared stream keeps, about: a node that falls this far
 * behind (or is down that long) cannot catch up from it. */
#define REDIS_LOG_EVENTS_KEEP 1000000
/* How long one XREAD waits for new events before it is asked again. */
#define REDIS_LOG_BLOCK_MS 1000
/* Events one XREAD returns at most. */
#define REDIS_LOG_READ_COUNT 1000
/*
 * How long a node's liveness key ("<p>node:<name>") lives unless the
 * node sets it again (every third of it): the user names a node holds
 * can be claimed by others this long after it stopped.
 */
#define REDIS_LOG_NODE_TTL_MS 10000
/* Bytes of a stream id ("<ms>-<n>"), terminator included. */
#define REDIS_LOG_ID_SIZE 48

/*
 * An event read back; the strings are not NUL-terminated and live only
 * during the callback.  A STORE_CHANNEL event (a channel created) has its
 * id in chan, its name in text, its creator in sender, no seq (except
 * from redis_log_load_channels: the channel's last seq), and in tag what
 * the creating node gave redis_log_create.
 */
struct redis_log_event {
	enum store_kind kind;
	const char *chan, *sender, *text, *node;
	size_t chan_len, sender_len, text_len, node_len;
	const char *uid; /* users' events (STORE_JOIN...): the user */
	size_t uid_len;
	uint64_t seq, time, tag;
	const char *id; /* the shared stream's id, NUL-terminated */
};

/* An append completed: status 0 with the seq given, or -1 with err. */
typedef void (*redis_log_append_cb)(
    void *ctx, int status, uint64_t seq, const char *err);
/* An event was read back from the shared stream, in the stream's order. */
typedef void (*redis_log_event_cb)(void *ctx, const struct redis_log_event *ev);
/* The log can take appends (up 1) or cannot (up 0, why says so). */
typedef void (*redis_log_state_cb)(void *ctx, int up, const char *why);

struct redis_log_opts {
	const char *prefix;   /* NULL: REDIS_LOG_PREFIX_DEFAULT */
	const char *node;     /* this node's name, stored with its events */
	uint64_t timeout_ms;  /* of an append; 0: REDIS_LINK_TIMEOUT_MS */
	uint64_t block_ms;    /* of a read; 0: REDIS_LOG_BLOCK_MS */
	uint64_t chan_keep;   /* 0: REDIS_LOG_CHAN_KEEP */
	uint64_t events_keep; /* 0: REDIS_LOG_EVENTS_KEEP */
	uint64_t node_ttl_ms; /* 0: REDIS_LOG_NODE_TTL_MS */
	redis_log_event_cb on_event;
	redis_log_state_cb on_state; /* may be NULL */
	void *ctx;                   /* of both */
};

/*
 * A log on the Redis at host:port, not yet connected (redis_log_tick
 * connects).  Reading starts after the newest event there is when the
 * reading connection first comes up, unless redis_log_read_from said
 * where.  NULL on ENOMEM or bad options (prefix or node too long).
 */
struct redis_log *redis_log_new(
    const char *host, int port, const struct redis_log_opts *opts);
/* Frees it; appends still waiting fail with "closed". NULL does nothing. */
void redis_log_free(struct redis_log *lg);

/* Reads the events after stream id from (such as "0-0": all of them). */
void redis_log_read_from(struct redis_log *lg, const char *from);

/*
 * Appends a STORE_MSG or STORE_ACT event (its chan, sender, text, time;
 * its seq is ignored: the log gives it).  Returns 0 and calls cb later,
 * or -1 at once (the log is down or full) without calling it.
 */
int redis_log_append(struct redis_log *lg, uint64_t now,
    const struct store_event *ev, redis_log_append_cb cb, void *ctx);

/*
 * Creates a named channel (a STORE_CHANNEL event: its chan, name, sender
 * as the creator, time) unless a channel whose name has the skeleton skel
 * was created first, by any node: the first create of a skeleton in the
 * log wins.  Channels are kept in the hash "<p>chans" (id ->
 * "name\ncreator\ntime", never trimmed) and skeletons in "<p>names".  The
 * event read back carries tag.  Returns 0 and calls cb later (status 0:
 * created, 1: the name was taken, -1: failed with err), or -1 at once
 * (down or full) without calling it.
 */
int redis_log_create(struct redis_log *lg, uint64_t now,
    const struct store_event *ev, const char *skel, size_t skel_len,
    uint64_t tag, redis_log_append_cb cb, void *ctx);

/*
 * At start, before serving: calls each for every channel Redis keeps (a
 * STORE_CHANNEL event with the channel's last seq), then for every topic
 * and key kept (redis_log_change), on a blocking
 * connection of its own bounded by the append timeout, and makes reading
 * start at the newest event that was there before (a channel created
 * meanwhile is read back as well).  Returns 0, or -1 with err filled.
 */
int redis_log_load_channels(struct redis_log *lg, redis_log_event_cb each,
    void *ctx, char *err, size_t err_size);

/*
 * Claims a user name for this node by its skeleton, in the hash
 * "<p>users" (skeleton -> node): it is free, already this node's, or its
 * holder's liveness key has expired.  Returns 0 and calls cb later
 * (status 0: claimed, 1: held by a live node, -1: failed with err), or
 * -1 at once (down or full) without calling it.  A granted claim is
 * handed on once reading has passed the newest event at the time of the
 * claim (so the quit or nick of the user who gave the name up has been
 * delivered), or after the append timeout if reading is stuck.
 */
int redis_log_claim(struct redis_log *lg, uint64_t now, const char *skel,
    size_t skel_len, redis_log_append_cb cb, void *ctx);
/*
 * Releases a user name this node holds (one another node holds now is
 * left alone).  No reply; 0, or -1 if it could not be sent (the name
 * stays this node's until the node stops).
 */
int redis_log_release(
    struct redis_log *lg, uint64_t now, const char *skel, size_t skel_len);

/*
 * Sets a channel's topic (a STORE_TOPIC event: its chan, sender as who
 * set it, text, time) or join key (STORE_KEY: chan, text), and sends it
 * to every node as the event kind 't' or 'y', read back with tag.  Kept
 * in the hashes "<p>topics" (id -> "by\ntime\ntext") and "<p>keys" (id
 * -> key), which redis_log_load_channels reports after the channels, as
 * such events; an empty text removes the entry.  Returns 0 and calls cb
 * later (status 0: done, -1: failed with err), or -1 at once (down or
 * full) without calling it.
 */
int redis_log_change(struct redis_log *lg, uint64_t now,
    const struct store_event *ev, uint64_t tag, redis_log_append_cb cb,
    void *ctx);

/*
 * Users' events kept while Redis does not take them, at most: past it,
 * newer ones are dropped (and the other nodes miss them).
 */
#define REDIS_LOG_BACKLOG_MAX 4096

/*
 * What a user of this node did (STORE_JOIN, STORE_PART, STORE_QUIT,
 * STORE_NICK, STORE_DM, STORE_DM_ACT, STORE_AWAY; see store.h), for
 * every node, kept in the snapshot redis_log_load_users reads.  With a
 * cb: returns 0 and calls it later (status 0 taken, -1 failed), or -1 at
 * once (down, full, another kind) without calling it.  Without one (the
 * event need not be answered), the event is copied and kept, in order,
 * until Redis takes it (sent again if lost on the way), up to
 * REDIS_LOG_BACKLOG_MAX events; returns 0, or -1 for another kind or
 * without memory.
 */
int redis_log_publish(struct redis_log *lg, uint64_t now,
    const struct store_event *ev, redis_log_append_cb cb, void *ctx);

/*
 * The node is stopping: its users go from every node at once (one "g"
 * event for it, as for a node whose lease ran out) and its lease is
 * given up, so its names are free; the lease is not renewed again.
 * Best effort: if Redis is down, the lease runs out instead.
 */
void redis_log_leave(struct redis_log *lg, uint64_t now);

/* Users' events kept for Redis now; *dropped (if not NULL) those lost. */
size_t redis_log_backlog(const struct redis_log *lg, uint64_t *dropped);

/*
 * At start, after redis_log_load_channels: announces this node's name as
 * gone if users are still listed under it (it stopped without saying so
 * and starts again under that name), then calls each with a STORE_JOIN
 * for every user of the other nodes (chan = uid: the user and its
 * personal channel), then one for each channel it is in.  Events read
 * back later may repeat what was loaded.  Returns 0, or -1 with err.
 */
int redis_log_load_users(struct redis_log *lg, redis_log_event_cb each,
    void *ctx, char *err, size_t err_size);

/* Stream ids compared as numbers: <0, 0 or >0. */
int redis_log_id_cmp(const char *a, const char *b);

/* Whether appends are taken now. */
int redis_log_up(const struct redis_log *lg);

/*
 * The descriptors to poll (at most 2) in pfds[0..return), their events
 * set; revents of the same entries go to redis_log_io afterwards.
 */
size_t redis_log_pollfds(const struct redis_log *lg, struct pollfd *pfds);
void redis_log_io(
    struct redis_log *lg, const struct pollfd *pfds, size_t n, uint64_t now);
/* Writes the turn's appends at once; call once per loop turn. */
void redis_log_flush(struct redis_log *lg);
/* Timeouts, reconnects and the next read; call every turn. */
void redis_log_tick(struct redis_log *lg, uint64_t now);
/* When redis_log_tick must run next, or UINT64_MAX. */
uint64_t redis_log_deadline(const struct redis_log *lg);

/* The id of the last event read ("" before the first). */
const char *redis_log_last_id(const struct redis_log *lg);

/* Lines one redis_log_page asks for at most: a page and one to say more. */
#define REDIS_LOG_PAGE_MAX (CMD_HISTORY_PAGE_MAX + 1)

/*
 * A page read: status 0 with the lines, nearest the asked seq first (for
 * before and latest the newest first, for after the oldest first), their
 * strings valid only during the call; or -1 with err and no lines.
 */
typedef void (*redis_log_page_cb)(void *ctx, int status,
    const struct store_line *lines, size_t n, const char *err);

/*
 * Reads at most count (at most REDIS_LOG_PAGE_MAX) lines of channel chan
 * from its stream "<p>log:<chan>", as store_page cuts them: those before
 * or after seq (seq itself excluded) or the latest (seq ignored), nearest
 * seq first.  One XRANGE or XREVRANGE on the command link.  Returns 0 and
 * calls cb later, or -1 at once (down, full, or a bad argument) without
 * calling it.
 */
int redis_log_page(struct redis_log *lg, uint64_t now, const char *chan,
    size_t chan_len, enum cmd_dir dir, uint64_t seq, size_t count,
    redis_log_page_cb cb, void *ctx);

/*
 * Retention of a channel's stream: deletes its oldest lines, at most
 * batch of them, while they are older than before_ms (0: none) or more
 * than keep (0: none) lines are kept; one script call, exact (XTRIM
 * MINID after the last line to go).  cb gets status 0 and the lines
 * deleted in its seq argument, or -1 with err.  Returns 0 and calls cb
 * later, or -1 at once without calling it.
 */
int redis_log_trim(struct redis_log *lg, uint64_t now, const char *chan,
    size_t chan_len, uint64_t before_ms, uint64_t keep, size_t batch,
    redis_log_append_cb cb, void *ctx);

/*
 * A channel as a node knows it, for redis_log_restore; the strings are
 * not NUL-terminated (topic_len 0: no topic, key_len 0: no key).
 */
struct redis_log_chan {
	const char *id, *name, *skel, *creator;
	size_t id_len, name_len, skel_len, creator_len;
	uint64_t created, seq;
	const char *topic, *topic_by, *key;
	size_t topic_len, topic_by_len, key_len;
	uint64_t topic_time;
};

/*
 * The command link came up again and Redis may have come back empty (no
 * persistence): it puts back what the node knows of one channel, only
 * where Redis has nothing (HSETNX), in one idempotent script call on the
 * command link, queued before any append made after it: the skeleton ->
 * id in "<p>names", the record in "<p>chans", the topic and key, and
 * "<p>seq:<id>" raised to the node's seq.  If another id holds the
 * skeleton (a channel made meanwhile on the empty Redis), taken (if not
 * NULL) is called with the channel's name and that id, NUL-terminated.
 * Returns 0, or -1 (down, full, too long) and nothing is sent.
 */
typedef void (*redis_log_taken_cb)(
    void *ctx, const char *name, const char *id, const char *other);
int redis_log_restore(struct redis_log *lg, const struct redis_log_chan *ch,
    redis_log_taken_cb taken, void *ctx);

/*
 * With redis_log_restore: claims again the name (skeleton skel) of a user
 * of this node, as redis_log_claim does but without waiting; if a live
 * node holds it now (claimed there while Redis was empty), held (if not
 * NULL) is called with name, NUL-terminated.  Returns 0, or -1 (down,
 * full, too long) and nothing is sent.
 */
typedef void (*redis_log_held_cb)(void *ctx, const char *name);
int redis_log_reclaim(struct redis_log *lg, const char *name, size_t name_len,
    const char *skel, size_t skel_len, redis_log_held_cb held, void *ctx);

#endif

/* chat.h: the chat rules: what each command does and who hears of it. */
#ifndef SERVER_CHAT_H
#define SERVER_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

/*
 * The rules never touch a socket.  They talk to connections through this
 * sink, so that tests can drive them with a fake that records what would
 * be sent.  Connections are small non-negative ids chosen by the caller.
 */
struct chat_sink {
	void *ctx;
	/*
	 * Queues len bytes (whole lines) for conn.  Returns 0, or -1 if conn
	 * cannot take them (its output limit was passed): the caller must
	 * then close it with chat_close(..., PROTO_E_SENDQ_EXCEEDED) after the
	 * current chat call returns.  Never calls back into the chat.
	 */
	int (*send)(void *ctx, int conn, const char *data, size_t len);
	/*
	 * Ends conn: drop_queued says whether bytes still queued may be
	 * discarded; the final line (already encoded for the connection's
	 * mode) is sent last, then the connection is closed.  The chat has
	 * forgotten conn by the time this returns.
	 */
	void (*close)(void *ctx, int conn, int drop_queued, const char *final,
	    size_t len);
	/* Fills buf with len random bytes (for channel ids). */
	void (*random)(void *ctx, void *buf, size_t len);
};

/*
 * Bytes of history the whole server keeps by default (--history-bytes):
 * 32 MiB, where 4096 channels of 100 lines of 3 KB would take 1.2 GB.
 */
#define CHAT_HISTORY_BYTES_DEFAULT ((size_t)32 * 1024 * 1024)

struct chat_config {
	unsigned max_channels; /* named channels on the server */
	unsigned max_joins;   /* channels a user may be in, personal included */
	unsigned max_members; /* members of one channel */
	unsigned history;     /* message lines kept per channel; 0 keeps none */
	size_t history_bytes; /* bytes of history in all channels; 0: none */
	unsigned errors_max;  /* errors a minute before a client is closed */
	const char *software; /* announced in the hello reply */
	/*
	 * The durable log (not owned), or NULL to keep everything in memory
	 * as before: then a named channel goes with its last member.  With a
	 * store, named channels and their messages are appended to it before
	 * they are applied, channels are loaded at chat_new and stay when
	 * empty, and history is read back into the cache on first join.
	 */
	struct store *store;
	unsigned channel_expire_days; /* empty channels kept; 0: forever */
	unsigned history_days;        /* stored lines kept; 0: forever */
	unsigned history_keep;        /* stored lines per channel; 0: all */
	/*
	 * Take passwords over plaintext connections too (tests, a loopback
	 * or a tunnel the operator trusts); else only over TLS.
	 */
	int allow_plaintext_login;
};

/* Direct messages kept for one account while it has no connection. */
#define CHAT_DM_QUEUE_MAX 1000
/*
 * Several nodes: direct messages a node sent to users of other nodes and
 * keeps until their nodes say they delivered them; past it, dm_queue_full.
 */
#define CHAT_DM_UNACKED_MAX 256
/* Of those, the most one user may have waiting; past it, dm_queue_full. */
#define CHAT_DM_UNACKED_PER_USER 32
/*
 * One not said delivered this long after it was sent is lost: its sender
 * gets the error a gone node gives.  Three leases (REDIS_LOG_NODE_TTL_MS):
 * a dead node is found gone within one, so that error comes first; this
 * one is for a node that lives but never says so (its ack lost while
 * Redis was down, or its reading stuck while its lease is renewed).
 */
#define CHAT_DM_ACK_TIMEOUT_MS 30000

/*
 * Hands a password to the hashing service (pwhash.h), which must not
 * call back into the chat: verify is 0 to make a new hash, 1 to check
 * against hash (NULL: the dummy hash).  Returns 0, or -1 if its queue is
 * full.  The result comes back through chat_pwhash_done.
 */
typedef int (*chat_pwhash_fn)(void *ctx, int conn, uint64_t ticket, int verify,
    const char *password, size_t len, const char *hash);

enum chat_mode {
	CHAT_MODE_NONE = 0, /* not connected */
	CHAT_MODE_NEW,      /* connected, no line received yet */
	CHAT_MODE_BASE,     /* the reference protocol */
	CHAT_MODE_EXT,      /* extended protocol after hello */
};

struct chat;
struct ban_list;

/*
 * A new chat with no connection; the sink is copied.  With a store, its
 * channels are loaded.  NULL on ENOMEM or if the store cannot be read.
 */
struct chat *chat_new(
    const struct chat_config *cfg, const struct chat_sink *sink);
/*
 * Retention, called from a timer (about once a second): removes at most a
 * few channels empty for channel_expire_days and deletes one batch of
 * stored lines older than history_days and one of the lines past
 * history_keep in a channel.  Returns non-zero if there may be
 * more to do (call again soon).  Without a store, only with the log of
 * several nodes: its streams are trimmed (see chat_cluster.trim).
 */
int chat_maintain(struct chat *c, uint64_t now_ms);

/* Frees everything; connections are forgotten without notice. */
void chat_free(struct chat *c);

/*
 * A new connection whose uid (its peer address, "ip:port" or "[v6]:port")
 * is copied.  Sends the welcome lines.  Returns 0, or -1 on ENOMEM or if
 * the uid does not fit PROTO_ID_MAX.
 */
int chat_connect(struct chat *c, int conn, const char *uid, size_t uid_len);

/*
 * One line from conn (without its LF/CRLF).  now_ms is the wall clock in
 * milliseconds since the epoch, used for message times.  Empty lines are
 * ignored.
 */
void chat_line(
    struct chat *c, int conn, const char *line, size_t len, uint64_t now_ms);

/* The framer found a line longer than PROTO_LINE_MAX: it is refused. */
void chat_line_too_long(struct chat *c, int conn, uint64_t now_ms);

/*
 * Closes conn for the server's own reason: sends the final error line
 * (text NULL for the default text) through sink.close, then tells the
 * others as for chat_disconnect.
 */
void chat_close(struct chat *c, int conn, enum proto_code code,
    const char *text, uint64_t now_ms);

/*
 * The server is closing every connection (it is shutting down): from now
 * on a user who goes is not announced to the others, who each get their
 * own closing line instead of a quit for everyone closed before them.
 */
void chat_stop(struct chat *c);

/*
 * conn is already gone (the peer closed or reset it): the user leaves every
 * channel and the others are told with reason.  Does nothing for a conn the
 * chat does not know.
 */
void chat_disconnect(
    struct chat *c, int conn, const char *reason, uint64_t now_ms);

/* Sends a keepalive "ping$<token>" to an extended-mode conn. */
void chat_keepalive(struct chat *c, int conn, const char *token);

/*
 * Accounts need a store and a hashing service: without this call every
 * account verb is answered accounts_off.
 */
void chat_set_pwhash(struct chat *c, chat_pwhash_fn fn, void *ctx);

/* conn crosses TLS: it may send passwords. */
void chat_set_secure(struct chat *c, int conn);

/*
 * A hash asked for conn finished: ok says whether it was made (or the
 * password matched), hash is the new hash (NUL-terminated) when one was
 * made.  A result for a connection that went, or for an older ticket,
 * is dropped.
 */
void chat_pwhash_done(struct chat *c, int conn, uint64_t ticket, int ok,
    const char *hash, uint64_t now_ms);

/*
 * Non-zero while conn waits for a hash: its next lines must wait too
 * (the server stops taking them), so they keep their order.
 */
int chat_waiting(const struct chat *c, int conn);

/* The mode of conn. */
enum chat_mode chat_mode(const struct chat *c, int conn);

/* Non-zero if conn has registered a name. */
int chat_registered(const struct chat *c, int conn);

/* Users registered and named channels, for logs and tests. */
size_t chat_user_count(const struct chat *c);
size_t chat_channel_count(const struct chat *c);

/*
 * The operator's ban list (not owned; NULL: none), consulted from now on
 * at reg and nick: a banned name closes the connection with "banned".
 */
void chat_set_bans(struct chat *c, const struct ban_list *bans);

/*
 * Whether a user name is banned.  Every path that gives a connection a
 * name asks this, and only this.
 */
int chat_name_banned(const struct chat *c, const char *name, size_t len);

/*
 * Closes every connection whose user name the ban list now bans (after a
 * reload), with "banned".  Returns how many.
 */
size_t chat_enforce_bans(struct chat *c, uint64_t now_ms);

/*
 * Several nodes as one chat (--redis): named channels and their messages
 * go through a log every node reads back in one order.  The chat appends
 * and applies only what is read back (chat_cluster_event), so the echo of
 * a message is its delivery, on every node alike.
 */

/*
 * An append finished: status 0 taken, 1 refused because a channel of that
 * name was created first (creates only), -1 failed (err says why).
 */
typedef void (*chat_cluster_done_fn)(
    void *ctx, int status, uint64_t seq, const char *err);

/*
 * Stored lines read: status 0 and lines (valid during the call), or -1
 * with err.
 */
typedef void (*chat_cluster_page_fn)(void *ctx, int status,
    const struct store_line *lines, size_t n, const char *err);

struct chat_cluster {
	void *ctx;
	/* Whether the log takes appends now. */
	int (*up)(void *ctx);
	/*
	 * Appends a STORE_MSG, STORE_ACT, STORE_CHANNEL, STORE_TOPIC or
	 * STORE_KEY event (for a channel, skel is its name's skeleton, else
	 * NULL or ignored) that is read back with tag.  Returns 0 and calls
	 * done exactly once later, or -1 at once without calling it.
	 */
	int (*append)(void *ctx, const struct store_event *ev, const char *skel,
	    size_t skel_len, uint64_t tag, chat_cluster_done_fn done,
	    void *done_ctx);
	/*
	 * Claims a user name (its skeleton) for this node across all nodes:
	 * done gets status 0 claimed, 1 held elsewhere, -1 failed.  Returns
	 * 0 and calls done exactly once later, or -1 at once.  The asking
	 * connection waits (chat_waiting) until then.
	 */
	int (*claim)(void *ctx, const char *skel, size_t skel_len,
	    chat_cluster_done_fn done, void *done_ctx);
	/* Gives up a name no user of this node has any more. */
	void (*release)(void *ctx, const char *skel, size_t skel_len);
	/* conn waited for a claim and takes lines again (NULL: nothing). */
	void (*resumed)(void *ctx, int conn);
	/*
	 * Reads at most count (at most CMD_HISTORY_PAGE_MAX + 1) stored
	 * lines of a named channel before or after seq, or the latest, as
	 * store_page cuts them; done gets them nearest seq first, or status
	 * -1.  Returns 0 and calls done exactly once later, or -1 at once.
	 * The asking connection waits (chat_waiting) until then.  NULL:
	 * history is what this node keeps in RAM.
	 */
	int (*page)(void *ctx, const char *chan, size_t chan_len,
	    enum cmd_dir dir, uint64_t seq, size_t count,
	    chat_cluster_page_fn done, void *done_ctx);
	/*
	 * Retention: deletes at most batch of a named channel's oldest
	 * stored lines, older than before_ms (0: none) or past the latest
	 * keep (0: all); done gets the lines deleted as its seq.  Returns 0
	 * and calls done exactly once later, or -1 at once.  NULL: none.
	 */
	int (*trim)(void *ctx, const char *chan, size_t chan_len,
	    uint64_t before_ms, uint64_t keep, size_t batch,
	    chat_cluster_done_fn done, void *done_ctx);
	/*
	 * Tells every node what a user of this node did: a STORE_JOIN,
	 * STORE_PART, STORE_QUIT, STORE_NICK, STORE_DM, STORE_DM_ACT or
	 * STORE_AWAY event (store.h), read back like an append.  done as for
	 * append, or NULL when no answer is wanted.  Returns 0, or -1 at once
	 * without calling done.
	 */
	int (*publish)(void *ctx, const struct store_event *ev,
	    chat_cluster_done_fn done, void *done_ctx);
};

/*
 * Switches the chat to the log (before any connection; the chat must have
 * no store).  Named channels then stay when their last local member goes:
 * other nodes may have members.  The hooks are copied.
 */
void chat_set_cluster(struct chat *c, const struct chat_cluster *cl);

/*
 * An event read back from the log (or a channel loaded at start, with its
 * last seq): a channel message or action is delivered to this node's
 * members of the channel; a created channel is added (a known id is
 * left alone), and if own (this node appended it) the connection that
 * asked with tag joins it and is told.  A topic (or one loaded at start)
 * is kept and told to the members, once; a join key is kept, and if own
 * the connection that set it with tag is told.
 *
 * The users of other nodes are mirrored as users without a connection
 * (registry_add_remote): a STORE_JOIN with chan equal to uid brings one
 * in with its personal channel, the other users' events change it and
 * tell this node's members as for a local user, and STORE_GONE takes
 * every user whose uid begins with "<node>/".  A node's own users' events
 * (own) were applied when they happened and are skipped, except a kick
 * from another node (a STORE_PART of this node's user).  A direct message
 * is delivered to its recipient if it is here (who, if away, has the
 * sender's node told so with a STORE_AWAY) and echoed to its sender if
 * the sender is here.  A direct message carries its sender node's tag
 * (tag here, seq when published) and that node's name (name): the
 * recipient's node publishes a STORE_DM_ACK of it once delivered; one
 * this node sent that its recipient's node went with (STORE_GONE), or
 * whose recipient quit first, gets its sender an error instead.  Events
 * that repeat what is known (a late
 * node's snapshot, then the same events read back) change nothing.
 */
void chat_cluster_event(struct chat *c, const struct store_event *ev, int own,
    uint64_t tag, uint64_t now_ms);
/*
 * Several nodes, called every loop turn (it looks at most once a second):
 * a direct message this node sent, read back and not said delivered
 * CHAT_DM_ACK_TIMEOUT_MS after it was sent (now_ms: wall clock, as for
 * chat_line), gets its sender the error of one whose node went.
 */
void chat_cluster_tick(struct chat *c, uint64_t now_ms);

/*
 * The other nodes dropped this node's users (its lease lapsed while it
 * lived, cut off from Redis): every user of this node and each channel
 * it is in are published again, so that they come back there.
 */
void chat_cluster_republish(struct chat *c, uint64_t now_ms);

/*
 * The log is closing: appends still waiting are only forgotten from now
 * on, nobody is told.  Call before freeing the log, before chat_free.
 */
void chat_cluster_stop(struct chat *c);

/* Checks the registry's invariants (for tests and fuzzing): 0 when sound. */
int chat_check(const struct chat *c);

/*
 * What this node knows of a named channel, for a Redis that lost it
 * (chat_cluster_each_channel); the strings are not NUL-terminated and
 * live only during the call.
 */
struct chat_channel_info {
	const char *id, *name, *skel, *creator;
	size_t id_len, name_len, skel_len, creator_len;
	uint64_t created;             /* as the log gave it */
	uint64_t seq;                 /* the last seq this node has seen */
	const char *topic, *topic_by; /* topic_len 0: none */
	size_t topic_len, topic_by_len;
	uint64_t topic_time;
	const char *key; /* key_len 0: none */
	size_t key_len;
};
typedef void (*chat_channel_fn)(void *ctx, const struct chat_channel_info *ci);

/* Calls fn for each named channel this node knows (at most
 * --max-channels). */
void chat_cluster_each_channel(struct chat *c, chat_channel_fn fn, void *ctx);

/* Calls fn with the name of each user of this node and the name's
 * skeleton (what its claim across nodes is by), not NUL-terminated. */
typedef void (*chat_user_fn)(void *ctx, const char *name, size_t name_len,
    const char *skel, size_t skel_len);
void chat_cluster_each_user(struct chat *c, chat_user_fn fn, void *ctx);

#endif

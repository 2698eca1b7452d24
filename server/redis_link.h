/* redis_link.h: one hiredis connection, driven by the server's poll loop. */
#ifndef SERVER_REDIS_LINK_H
#define SERVER_REDIS_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

/*
 * The link owns one asynchronous hiredis context and hands the server a
 * descriptor to poll; it runs no thread and no event library of its own.
 * Commands queued in one loop turn leave in one write (pipelined), either
 * when the loop calls redis_link_flush or when poll says the socket is
 * writable.  hiredis 0.14 has no timeouts, so the link keeps its own:
 * a reply that does not come within the command timeout, or a connect
 * that does not finish within the connect timeout, drops the connection,
 * fails every command still waiting, and schedules a reconnect with
 * exponential back-off.  Times are milliseconds on the caller's clock.
 */
struct redis_link;

enum redis_link_state {
	REDIS_LINK_DOWN,       /* no connection; a reconnect is scheduled */
	REDIS_LINK_CONNECTING, /* a connect is in flight */
	REDIS_LINK_UP,         /* commands are accepted */
};

/* Defaults of struct redis_link_opts, in milliseconds and commands. */
#define REDIS_LINK_TIMEOUT_MS     2000
#define REDIS_LINK_CONNECT_MS     2000
#define REDIS_LINK_BACKOFF_MIN_MS 100
#define REDIS_LINK_BACKOFF_MAX_MS 5000
#define REDIS_LINK_PENDING_MAX    65536

/* Zero fields take the defaults above. */
struct redis_link_opts {
	uint64_t timeout_ms;     /* the oldest command's reply, at most */
	uint64_t connect_ms;     /* a connect, at most */
	uint64_t backoff_min_ms; /* the first reconnect delay */
	uint64_t backoff_max_ms; /* the delay doubles up to this */
	size_t pending_max;      /* commands waiting for replies, at most */
};

/*
 * A command completed.  reply is hiredis's (a REDIS_REPLY_ERROR is a
 * reply), valid only during the call; or NULL when the command failed
 * without one, with err saying why ("timeout", "connection lost: ...").
 * The callback may queue new commands; it must not free the link.
 */
typedef void (*redis_link_reply_cb)(
    void *ctx, const redisReply *reply, const char *err);

/*
 * The link went up or down; why is NULL going up, else a short reason.
 * Called from redis_link_io and redis_link_tick, never from
 * redis_link_free.
 */
typedef void (*redis_link_state_cb)(
    void *ctx, enum redis_link_state state, const char *why);

/*
 * A link to host:port (host as getaddrinfo takes it), down until the first
 * redis_link_tick connects it.  opts may be NULL.  state_cb may be NULL.
 * Returns NULL on ENOMEM or a host or port that does not fit.
 */
struct redis_link *redis_link_new(const char *host, int port,
    const struct redis_link_opts *opts, redis_link_state_cb state_cb,
    void *ctx);

/*
 * Closes the connection and frees the link.  Commands still waiting get
 * their callback with a NULL reply and err "closed" first.  NULL does
 * nothing.
 */
void redis_link_free(struct redis_link *l);

/*
 * Queues a command of argc arguments (bytes, not strings).  Returns 0, or
 * -1 without calling cb if the link is not up or pending_max commands are
 * waiting.  cb is called exactly once for a queued command; a NULL cb
 * ignores the reply.
 */
int redis_link_command(struct redis_link *l, uint64_t now,
    redis_link_reply_cb cb, void *ctx, int argc, const char **argv,
    const size_t *lens);

/*
 * The descriptor to poll and the events to ask for in *events, or -1 if
 * there is none (the link is down).
 */
int redis_link_fd(const struct redis_link *l, short *events);

/* poll said revents about the descriptor: reads replies, writes commands. */
void redis_link_io(struct redis_link *l, short revents, uint64_t now);

/*
 * Writes what is queued now rather than at the next poll: call it once
 * per loop turn, after the turn's commands, to save a poll round.
 */
void redis_link_flush(struct redis_link *l);

/* Runs timeouts and (re)connects that are due. */
void redis_link_tick(struct redis_link *l, uint64_t now);

/* When redis_link_tick has something to do next, or UINT64_MAX. */
uint64_t redis_link_deadline(const struct redis_link *l);

enum redis_link_state redis_link_state(const struct redis_link *l);

/* Commands queued and not yet answered. */
size_t redis_link_pending(const struct redis_link *l);

/* Connections made so far (for tests and logs). */
uint64_t redis_link_connects(const struct redis_link *l);

#endif

/* redis_link.c: one hiredis connection, driven by the server's poll loop. */
#include "redis_link.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>

/* Longest host name kept, with its terminator. */
#define REDIS_LINK_HOST_MAX 256
/* Longest reason kept for a state change, with its terminator. */
#define REDIS_LINK_WHY_MAX 160
/* Waiting commands the ring holds before it first grows. */
#define REDIS_LINK_RING_MIN 64

/* A command waiting for its reply; replies come back in command order. */
struct waiting {
	redis_link_reply_cb cb;
	void *ctx;
	uint64_t deadline;
};

struct redis_link {
	char host[REDIS_LINK_HOST_MAX];
	int port;
	struct redis_link_opts o;
	redis_link_state_cb state_cb;
	void *ctx;

	redisAsyncContext *ac; /* NULL while down */
	enum redis_link_state state;
	int want_read, want_write;
	/*
	 * Set while the context is being torn down, when hiredis fails the
	 * waiting commands one by one: their callbacks must not queue more.
	 */
	int closing;
	const char *fail_why; /* err for the commands failed by a teardown */
	char why[REDIS_LINK_WHY_MAX];

	uint64_t connect_deadline; /* CONNECTING: give up at this time */
	uint64_t retry_at;         /* DOWN: connect at this time */
	uint64_t backoff;          /* the next delay after a failure */
	uint64_t connects;
	/*
	 * hiredis's callbacks do not carry our clock: the time of the call
	 * from the loop that is running, set on every entry.
	 */
	uint64_t now;

	/* The ring of waiting commands, oldest at head. */
	struct waiting *ring;
	size_t cap, head, count;
};

static uint64_t
or_default(uint64_t v, uint64_t def)
{
	return v != 0 ? v : def;
}

struct redis_link *
redis_link_new(const char *host, int port, const struct redis_link_opts *opts,
    redis_link_state_cb state_cb, void *ctx)
{
	struct redis_link *l;
	struct redis_link_opts none = {0};

	if (strlen(host) >= REDIS_LINK_HOST_MAX || port <= 0 || port > 65535)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	if (opts == NULL)
		opts = &none;
	memcpy(l->host, host, strlen(host) + 1);
	l->port = port;
	l->o.timeout_ms = or_default(opts->timeout_ms, REDIS_LINK_TIMEOUT_MS);
	l->o.connect_ms = or_default(opts->connect_ms, REDIS_LINK_CONNECT_MS);
	l->o.backoff_min_ms =
	    or_default(opts->backoff_min_ms, REDIS_LINK_BACKOFF_MIN_MS);
	l->o.backoff_max_ms =
	    or_default(opts->backoff_max_ms, REDIS_LINK_BACKOFF_MAX_MS);
	if (l->o.backoff_max_ms < l->o.backoff_min_ms)
		l->o.backoff_max_ms = l->o.backoff_min_ms;
	l->o.pending_max =
	    opts->pending_max != 0 ? opts->pending_max : REDIS_LINK_PENDING_MAX;
	l->state_cb = state_cb;
	l->ctx = ctx;
	l->state = REDIS_LINK_DOWN;
	l->retry_at = 0; /* the first tick connects */
	l->backoff = l->o.backoff_min_ms;
	return l;
}

/* The event hooks hiredis calls: they only record what to poll for. */
static void
ev_add_read(void *p)
{
	((struct redis_link *)p)->want_read = 1;
}

static void
ev_del_read(void *p)
{
	((struct redis_link *)p)->want_read = 0;
}

static void
ev_add_write(void *p)
{
	((struct redis_link *)p)->want_write = 1;
}

static void
ev_del_write(void *p)
{
	((struct redis_link *)p)->want_write = 0;
}

static void
ev_cleanup(void *p)
{
	struct redis_link *l = p;

	l->want_read = l->want_write = 0;
}

static void
set_state(struct redis_link *l, enum redis_link_state st, const char *why)
{
	int changed = l->state != st;

	l->state = st;
	if (changed && l->state_cb != NULL && st != REDIS_LINK_CONNECTING)
		l->state_cb(l->ctx, st, why);
}

/* The connection is gone (hiredis freed it or we did): retry later. */
static void
went_down(struct redis_link *l, uint64_t now, const char *why)
{
	l->ac = NULL;
	l->closing = 0;
	l->want_read = l->want_write = 0;
	l->retry_at = now + l->backoff;
	l->backoff *= 2;
	if (l->backoff > l->o.backoff_max_ms)
		l->backoff = l->o.backoff_max_ms;
	snprintf(l->why, sizeof(l->why), "%s", why);
	set_state(l, REDIS_LINK_DOWN, l->why);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_link *l = ac->data;

	if (status != REDIS_OK) {
		char why[REDIS_LINK_WHY_MAX];

		snprintf(why, sizeof(why), "connect failed: %s",
		    ac->errstr[0] != '\0' ? ac->errstr : "refused");
		/* hiredis frees the context once this returns. */
		went_down(l, l->now, why);
		return;
	}
	l->backoff = l->o.backoff_min_ms;
	l->connects++;
	set_state(l, REDIS_LINK_UP, NULL);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_link *l = ac->data;
	char why[REDIS_LINK_WHY_MAX];

	if (l->ac == NULL)
		return; /* a teardown of ours already said so */
	snprintf(why, sizeof(why), "connection lost: %s",
	    status == REDIS_OK || ac->errstr[0] == '\0' ? "closed"
	                                                : ac->errstr);
	went_down(l, l->now, why);
}

/* Every command's hiredis callback: hands the reply to the oldest waiter. */
static void
on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redis_link *l = privdata;
	struct waiting w;

	(void)ac;
	if (l->count == 0)
		return;
	w = l->ring[l->head];
	l->head = (l->head + 1) % l->cap;
	l->count--;
	if (reply == NULL) {
		/* A teardown fails the waiters one by one, oldest first. */
		l->closing = 1;
		if (w.cb != NULL)
			w.cb(w.ctx, NULL,
			    l->fail_why != NULL ? l->fail_why
			                        : "connection lost");
		return;
	}
	if (w.cb != NULL)
		w.cb(w.ctx, reply, NULL);
}

/* Drops the connection from our side, failing every waiter with why. */
static void
tear_down(struct redis_link *l, uint64_t now, const char *why)
{
	redisAsyncContext *ac = l->ac;

	if (ac == NULL)
		return;
	l->closing = 1;
	l->fail_why = why;
	/* on_disconnect must not report it a second time. */
	l->ac = NULL;
	redisAsyncFree(ac);
	l->fail_why = NULL;
	went_down(l, now, why);
}

static void
start_connect(struct redis_link *l, uint64_t now)
{
	redisAsyncContext *ac;
	char why[REDIS_LINK_WHY_MAX];

	ac = redisAsyncConnect(l->host, l->port);
	if (ac == NULL || ac->err != 0) {
		snprintf(why, sizeof(why), "connect failed: %s",
		    ac != NULL ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		l->state = REDIS_LINK_CONNECTING; /* so that DOWN is news */
		went_down(l, now, why);
		return;
	}
	ac->data = l;
	ac->ev.data = l;
	ac->ev.addRead = ev_add_read;
	ac->ev.delRead = ev_del_read;
	ac->ev.addWrite = ev_add_write;
	ac->ev.delWrite = ev_del_write;
	ac->ev.cleanup = ev_cleanup;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	l->ac = ac;
	/* A non-blocking connect completes when the socket is writable. */
	l->want_write = 1;
	l->want_read = 0;
	l->connect_deadline = now + l->o.connect_ms;
	l->state = REDIS_LINK_CONNECTING;
}

void
redis_link_free(struct redis_link *l)
{
	if (l == NULL)
		return;
	if (l->ac != NULL) {
		redisAsyncContext *ac = l->ac;

		l->closing = 1;
		l->fail_why = "closed";
		l->ac = NULL;
		l->state_cb = NULL;
		redisAsyncFree(ac);
	}
	free(l->ring);
	free(l);
}

/* Room for one more waiter: grows the ring by doubling, up to the limit. */
static int
ring_reserve(struct redis_link *l)
{
	struct waiting *n;
	size_t cap, i;

	if (l->count >= l->o.pending_max)
		return -1;
	if (l->count < l->cap)
		return 0;
	cap = l->cap == 0 ? REDIS_LINK_RING_MIN : l->cap * 2;
	n = malloc(cap * sizeof(*n));
	if (n == NULL)
		return -1;
	for (i = 0; i < l->count; i++)
		n[i] = l->ring[(l->head + i) % l->cap];
	free(l->ring);
	l->ring = n;
	l->cap = cap;
	l->head = 0;
	return 0;
}

int
redis_link_command(struct redis_link *l, uint64_t now, redis_link_reply_cb cb,
    void *ctx, int argc, const char **argv, const size_t *lens)
{
	struct waiting *w;

	if (l->state != REDIS_LINK_UP || l->ac == NULL || l->closing ||
	    ring_reserve(l) < 0)
		return -1;
	if (redisAsyncCommandArgv(l->ac, on_reply, l, argc, argv, lens) !=
	    REDIS_OK)
		return -1;
	w = &l->ring[(l->head + l->count) % l->cap];
	w->cb = cb;
	w->ctx = ctx;
	w->deadline = now + l->o.timeout_ms;
	l->count++;
	return 0;
}

int
redis_link_fd(const struct redis_link *l, short *events)
{
	if (l->ac == NULL)
		return -1;
	*events = (short)((l->want_read ? POLLIN : 0) |
	    (l->want_write ? POLLOUT : 0));
	return l->ac->c.fd;
}

void
redis_link_io(struct redis_link *l, short revents, uint64_t now)
{
	l->now = now;
	/* Each call may free the context (an error, or the peer closing). */
	if (l->ac != NULL && (revents & POLLOUT))
		redisAsyncHandleWrite(l->ac);
	if (l->ac != NULL && (revents & (POLLIN | POLLHUP | POLLERR)))
		redisAsyncHandleRead(l->ac);
}

void
redis_link_flush(struct redis_link *l)
{
	if (l->ac != NULL && l->state == REDIS_LINK_UP && l->want_write)
		redisAsyncHandleWrite(l->ac);
}

void
redis_link_tick(struct redis_link *l, uint64_t now)
{
	l->now = now;
	switch (l->state) {
	case REDIS_LINK_DOWN:
		if (now >= l->retry_at)
			start_connect(l, now);
		break;
	case REDIS_LINK_CONNECTING:
		if (now >= l->connect_deadline)
			tear_down(l, now, "connect timed out");
		break;
	case REDIS_LINK_UP:
		if (l->count > 0 && now >= l->ring[l->head].deadline)
			tear_down(l, now, "timeout");
		break;
	}
}

uint64_t
redis_link_deadline(const struct redis_link *l)
{
	switch (l->state) {
	case REDIS_LINK_DOWN:
		return l->retry_at;
	case REDIS_LINK_CONNECTING:
		return l->connect_deadline;
	case REDIS_LINK_UP:
		return l->count > 0 ? l->ring[l->head].deadline : UINT64_MAX;
	}
	return UINT64_MAX;
}

enum redis_link_state
redis_link_state(const struct redis_link *l)
{
	return l->state;
}

size_t
redis_link_pending(const struct redis_link *l)
{
	return l->count;
}

uint64_t
redis_link_connects(const struct redis_link *l)
{
	return l->connects;
}

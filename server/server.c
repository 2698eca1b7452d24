/* server.c: the poll() loop that owns every socket and buffer. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ban.h"
#include "clock.h"
#include "deadline.h"
#include "event.h"
#include "hmap.h"
#include "line.h"
#include "addr.h"
#include "net.h"
#include "outq.h"
#include "pool.h"
#include "pwhash.h"
#include "ratelimit.h"
#include "redis_log.h"
#include "server.h"
#include "store.h"
#include "transport.h"
#include "transport_tls.h"

/* AddressSanitizer brings its own allocator, which malloc_trim misses. */
#if defined(__SANITIZE_ADDRESS__)
#define SERVER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SERVER_ASAN 1
#endif
#endif
#ifdef SERVER_ASAN
/* From <sanitizer/allocator_interface.h>, which gcc does not ship. */
void __sanitizer_purge_allocator(void);
#endif

/* Pending connections the kernel may hold for us. */
#define SERVER_BACKLOG 511
/* Connections accepted per loop turn, so a storm cannot starve clients. */
#define SERVER_ACCEPT_BUDGET 64
/* How long a closing connection may take to flush its last lines. */
#define SERVER_LINGER_MS 2000
/* How long shutdown waits for every client to get its closing line. */
#define SERVER_SHUTDOWN_MS 3000
/* Pause of the listener when no descriptor is left even for refusing. */
#define SERVER_ACCEPT_PAUSE_MS 100
/* Chunks handed to one writev. */
#define SERVER_IOV_MAX 64
/* Bytes of one output chunk (a pool block). */
#define SERVER_CHUNK_SIZE 4096
/* Free blocks each pool keeps for reuse. */
#define SERVER_POOL_KEEP 4096
/*
 * Memory freed after a load stays with the C library unless it is given
 * back (glibc keeps freed chunks for reuse; only the top of the heap goes
 * back by itself).  Once buffers worth SERVER_TRIM_MIN bytes went back to
 * the pools, SERVER_TRIM_CLOSES connections closed (each frees its user)
 * or as many channels went away (each frees its history), the loop trims
 * when it is about to sleep, at most once per SERVER_TRIM_MS: the cost of
 * a trim (a walk over the free chunks) stays out of busy turns and is
 * paid at most once a second.
 */
#define SERVER_TRIM_MIN    (4 * 1024 * 1024)
#define SERVER_TRIM_CLOSES 64
#define SERVER_TRIM_MS     1000
/*
 * Retention runs from a timer: every SERVER_MAINT_MS, or every
 * SERVER_MAINT_BUSY_MS while a batch left more to delete, so that a large
 * backlog is worked off in small transactions between turns.
 */
#define SERVER_MAINT_MS      60000
#define SERVER_MAINT_BUSY_MS 50
/* Descriptors kept free for the listener, the signal pipe and the spare. */
#define SERVER_FD_RESERVE 16
/*
 * A connection silent this long, with nothing queued either way, is
 * parked: it leaves the poll set for an epoll set that poll() watches as
 * one descriptor, so thousands of idle clients cost the loop nothing.
 * Only its own silence counts: lines to it are written straight from the
 * flush and it stays parked unless one does not fit the socket, so the
 * many who only read a busy channel cost no poll slot either.
 */
#define SERVER_PARK_MS 1000
/* Parked connections woken per epoll_wait call, and calls per turn. */
#define SERVER_WAKE_BATCH  256
#define SERVER_WAKE_ROUNDS 16
/*
 * Poll slots before the first connection: listener, signal pipe, parked
 * set, TLS listener (-1 without --tls-listen), the hashing threads'
 * results (-1 without a database), the two Redis connections of --redis
 * (-1 without, or while down), the handshake set (-1 without
 * --tls-listen).
 */
#define SLOT_LISTEN     0
#define SLOT_SIGNAL     1
#define SLOT_PARKED     2
#define SLOT_TLS_LISTEN 3
#define SLOT_PWHASH     4
#define SLOT_REDIS      5 /* and SLOT_REDIS + 1 */
#define SLOT_HANDSHAKE  7
#define SLOT_FIRST      8
/* Hash results handed to the chat per read of their pipe. */
#define SERVER_HASH_BATCH 64

/* Time a TLS client has from accept to a finished handshake. */
#define SERVER_HANDSHAKE_MS 10000
/*
 * TLS handshake steps taken per loop turn, over all connections, and the
 * time they may take: the step that answers a ClientHello costs 0.3 ms of
 * CPU or more (OpenSSL 3.0, X25519, ECDSA P-256), so 64 of them held the
 * talking clients up 20 ms a turn in a storm.  Once a turn's steps have
 * taken 1 ms, the rest wait for the next turn.
 */
#define SERVER_HANDSHAKE_BUDGET 64
#define SERVER_HANDSHAKE_US     1000
/*
 * Handshakes under way wait in an epoll set of their own, not in the poll
 * set: in a storm, every poll(2) call walked hundreds of them, for the
 * few the budget then let step, and a turn cost what was pending, not
 * what was ready.  SERVER_HANDSHAKE_BATCH is how many ready ones one
 * epoll_wait(2) call takes.
 */
#define SERVER_HANDSHAKE_BATCH 16

#define VERSION_STRING "txt-chatd/0.1.0"

enum conn_state {
	CONN_FREE = 0,
	CONN_HANDSHAKE, /* TLS not set up yet; the chat does not know it */
	CONN_OPEN,      /* talking */
	CONN_CLOSING,   /* flushing its last lines */
	CONN_LINGER,    /* flushed and shut for writing; waiting for the peer */
};

/* Connections from one IP address. */
struct addr_count {
	struct hmap_node node;
	unsigned count;
	char ip[NET_ADDR_MAX];
};

/* Where the loop watches a connection. */
enum conn_place {
	CONN_POLLED = 0, /* in the poll set */
	CONN_PARKED,     /* in the epoll set, not the poll set */
	CONN_UNPARKABLE, /* epoll refused it; polled till it talks */
	CONN_SHAKING,    /* in the handshake set, not the poll set */
};

/* What else holds for a connection, as bits of its flags. */
enum conn_flag {
	CONN_THROTTLED = 1 << 0,  /* flood limit reached: not read */
	CONN_BACKLOGGED = 1 << 1, /* own output too big: not read */
	CONN_READY = 1 << 2,      /* input left over for next turn */
	CONN_DIRTY = 1 << 3,      /* in the flush list */
	CONN_OVERFLOW = 1 << 4,   /* output limit passed: closed this turn */
	CONN_PING_OUT = 1 << 5,   /* keepalive ping unanswered */
	CONN_PEER_EOF = 1 << 6,   /* the peer will send no more */
	CONN_MID_LINE = 1 << 7,   /* the last write ended inside a line */
	CONN_REGISTERED = 1 << 8, /* deadlines set for a registered user */
	CONN_HASHING = 1 << 9,    /* waits for a password hash: not read */
	CONN_TLS = 1 << 10,       /* came in on the TLS port */
	CONN_SHAKE_OUT = 1 << 11, /* the handshake set waits to write */
};

struct conn {
	enum conn_state state;
	enum conn_place place;
	unsigned flags;      /* enum conn_flag bits */
	struct transport tr; /* its socket and how bytes cross it */
	int pidx;            /* its entry in the poll set, or -1 if not in */
	struct line_reader in;
	struct outq out;
	struct ratelimit flood;
	struct addr_count *addr;
	uint64_t accepted;
	uint64_t last_rx; /* last byte read: keepalive and parking */
	uint64_t ping_sent;
	uint64_t close_at;
};

struct server {
	const struct server_config *cfg;
	struct chat *chat;
	struct store *store;    /* NULL with --db :memory: */
	struct pwhash *pwhash;  /* the hashing threads; NULL without a store */
	struct redis_log *rlog; /* --redis: the log nodes share; else NULL */
	int redis_up;           /* as last logged: 1 up, 0 down, -1 not yet */
	char node[REDIS_LOG_NODE_MAX + 1]; /* this node's name (--node) */
	uint64_t maint_at;                 /* next retention run */
	struct pool *in_pool;
	struct pool *out_pool;
	struct deadlines *deadlines;
	struct hmap addrs;
	struct hmap_key addr_key; /* keys addrs: addresses cannot collide */
	/*
	 * The poll set: the fixed entries, then one per connection that is not
	 * parked, dense (swap-removed), so a poll call and the pass over its
	 * results cost only what is active.  pfd_slot names each entry's slot.
	 */
	struct pollfd *pfds;
	int *pfd_slot;
	size_t npfd;
	int *work; /* slots to serve this turn, and what poll said */
	short *work_ev;
	struct conn *conns;
	size_t cap;    /* slots allocated */
	size_t high;   /* slots in use are below this */
	size_t nconns; /* connections not free */
	int *free_slots;
	size_t nfree;
	int *dirty;
	size_t ndirty;
	int *overflowed;
	size_t noverflowed;
	int spare_fd; /* given up to refuse a client when out of fds */
	char listen_name[NET_ADDR_MAX]; /* the address bound, for the log */
	char tls_name[NET_ADDR_MAX];    /* the TLS address bound */
	struct ssl_ctx_st *tls;         /* new TLS connections start here */
	struct ban_list *bans;          /* --ban-file's, or NULL */
	int epfd;                       /* the parked connections */
	int hsfd;                       /* handshakes under way, or -1 */
	uint64_t now;                   /* monotonic ms, once per turn */
	uint64_t wall;                  /* epoch ms, once per turn */
	uint64_t listen_resume;
	uint64_t shutdown_at;
	uint64_t trim_last;                /* when memory was last given back */
	size_t trim_peak;                  /* most pool bytes out since then */
	size_t trim_closes;                /* connections closed since then */
	size_t trim_channels;              /* most channels since then */
	unsigned char renew_in, renew_out; /* pools kept blocks at a trim */
	int any_ready;
	int stopping;
};

/* The signal handler's only way out: a flag and a byte in a pipe. */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t reload_signal;
static int signal_pipe_write = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	char b = 0;

	if (sig == SIGHUP)
		reload_signal = 1;
	else
		stop_signal = sig;
	if (signal_pipe_write >= 0)
		(void)write(signal_pipe_write, &b, 1);
	errno = saved;
}

static void log_line(const struct server *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
log_line(const struct server *s, int level, const char *fmt, ...)
{
	char stamp[32];
	struct tm tm;
	time_t t;
	va_list ap;

	if (level > s->cfg->verbose)
		return;
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s txt-chatd: ", stamp);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void
server_defaults(struct server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen = "0.0.0.0:9090";
	cfg->max_clients = 10000;
	cfg->max_per_addr = 64;
	cfg->sendq_max = 1024 * 1024;
	cfg->flood_rate = 10;
	cfg->flood_burst = 20;
	cfg->read_budget = 64;
	cfg->reg_timeout = 30;
	cfg->ping_interval = 60;
	cfg->ping_timeout = 60;
	cfg->chat.max_channels = 4096;
	cfg->chat.max_joins = 100;
	cfg->chat.max_members = 10000;
	cfg->chat.history = 100;
	cfg->chat.history_bytes = CHAT_HISTORY_BYTES_DEFAULT;
	cfg->chat.errors_max = 20;
	cfg->chat.software = VERSION_STRING;
}

/* Poll interest and bookkeeping. */

/* Sets or clears flag f of c. */
static void
conn_mark(struct conn *c, unsigned f, int on)
{
	if (on)
		c->flags |= f;
	else
		c->flags &= ~f;
}

/* Puts slot i's descriptor in the poll set. */
static void
pfd_add(struct server *s, int i)
{
	struct conn *c = &s->conns[i];
	size_t k = SLOT_FIRST + s->npfd++;

	s->pfds[k].fd = c->tr.fd;
	s->pfds[k].events = 0;
	s->pfds[k].revents = 0;
	s->pfd_slot[k - SLOT_FIRST] = i;
	c->pidx = (int)k;
}

/* Takes slot i's descriptor out of the poll set; the last entry fills the gap.
 */
static void
pfd_remove(struct server *s, int i)
{
	struct conn *c = &s->conns[i];
	size_t k = (size_t)c->pidx, last = SLOT_FIRST + --s->npfd;

	if (k != last) {
		int moved = s->pfd_slot[last - SLOT_FIRST];

		s->pfds[k] = s->pfds[last];
		s->pfd_slot[k - SLOT_FIRST] = moved;
		s->conns[moved].pidx = (int)k;
	}
	c->pidx = -1;
}

static void
park(struct server *s, int i)
{
	struct conn *c = &s->conns[i];
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.u32 = (uint32_t)i;
	/*
	 * Without the epoll set (ENOSPC past max_user_watches, ENOMEM) the
	 * connection stays in the poll set; its park time, now past, must not
	 * wake the loop again and again.
	 */
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, c->tr.fd, &ev) < 0) {
		c->place = CONN_UNPARKABLE;
		return;
	}
	c->place = CONN_PARKED;
	pfd_remove(s, i);
}

static void
unpark(struct server *s, int i)
{
	struct conn *c = &s->conns[i];

	(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->tr.fd, NULL);
	c->place = CONN_POLLED;
	pfd_add(s, i);
}

/*
 * Bytes the transport took off the socket and holds for the next read:
 * poll(2) and epoll(7) cannot see them (TLS keeps decrypted records), so
 * a connection holding any is read again without waiting for the socket.
 */
static size_t
transport_held(const struct conn *c)
{
	return c->tr.ops->pending(&c->tr);
}

/* Whether the next turn has input for it without asking poll(2). */
static int
input_waiting(struct conn *c)
{
	return line_reader_has_line(&c->in) || transport_held(c) > 0;
}

/*
 * Silent, with nothing buffered or pending, in the server or inside the
 * transport, and the transport waiting for nothing but input: it can wait
 * in the epoll set, which watches for input only.
 */
static int
parkable(const struct conn *c)
{
	return c->state == CONN_OPEN && c->place == CONN_POLLED &&
	    !(c->flags &
	        (CONN_THROTTLED | CONN_BACKLOGGED | CONN_READY | CONN_DIRTY |
	            CONN_HASHING)) &&
	    outq_bytes(&c->out) == 0 && line_reader_pending(&c->in) == 0 &&
	    c->tr.want == 0 && transport_held(c) == 0;
}

static void
update_events(struct server *s, int i)
{
	struct conn *c = &s->conns[i];
	short ev = 0;

	/* A handshake's events are the handshake set's (see shake_watch). */
	if (c->place == CONN_SHAKING)
		return;
	if (c->state == CONN_OPEN) {
		if (!(c->flags &
		        (CONN_THROTTLED | CONN_BACKLOGGED | CONN_READY |
		            CONN_HASHING)))
			ev |= POLLIN;
	} else if (!(c->flags & CONN_PEER_EOF)) {
		/* Read and drop, to see the peer's close. */
		ev |= POLLIN;
	}
	/*
	 * Not while a TLS write waits for input (want is POLLIN only then):
	 * the socket stays writable, and POLLOUT would wake every turn.
	 */
	if (outq_bytes(&c->out) > 0 && c->tr.want != POLLIN)
		ev |= POLLOUT;
	/* What TLS waits for beyond that (0 for plain TCP). */
	ev |= c->tr.want;
	/*
	 * Anything but waiting to read needs the poll set, and so does input
	 * the transport holds, which the epoll set would never report.
	 */
	if (c->place == CONN_PARKED &&
	    (c->state != CONN_OPEN || ev != POLLIN || transport_held(c) > 0))
		unpark(s, i);
	if (c->place != CONN_PARKED)
		s->pfds[c->pidx].events = ev;
}

/*
 * Lists connection i for this turn's flush.  The list holds each
 * connection once, except that a close during the flush can queue lines
 * for connections already flushed, which then come again; should that
 * fill the list, POLLOUT sends the rest next turn.
 */
static void
mark_dirty(struct server *s, int i)
{
	if (s->conns[i].flags & CONN_DIRTY)
		return;
	if (s->ndirty == s->cap) {
		update_events(s, i);
		return;
	}
	s->conns[i].flags |= CONN_DIRTY;
	s->dirty[s->ndirty++] = i;
}

static uint64_t
round_second(uint64_t ms)
{
	return (ms + 999) / 1000 * 1000;
}

static uint64_t
timer_deadline(const struct server *s, const struct conn *c, int i)
{
	const struct server_config *cfg = s->cfg;
	uint64_t t = UINT64_MAX;

	if (c->flags & CONN_THROTTLED)
		t = ratelimit_ready_ms(
		    &c->flood, s->now, cfg->flood_rate, cfg->flood_burst);
	if (!chat_registered(s->chat, i))
		return min_u64(t, c->accepted + cfg->reg_timeout * 1000ULL);
	if (chat_mode(s->chat, i) != CHAT_MODE_EXT)
		return t;
	/*
	 * Keepalive deadlines are rounded up to a whole second so that idle
	 * clients share wake-ups instead of each bringing its own.
	 */
	if ((c->flags & CONN_PING_OUT) && c->last_rx < c->ping_sent)
		return min_u64(t,
		    round_second(c->ping_sent + cfg->ping_timeout * 1000ULL));
	return min_u64(
	    t, round_second(c->last_rx + cfg->ping_interval * 1000ULL));
}

static uint64_t
conn_next_deadline(const struct server *s, const struct conn *c, int i)
{
	uint64_t t;

	if (c->state != CONN_OPEN)
		return c->close_at;
	t = timer_deadline(s, c, i);
	if (parkable(c))
		t = min_u64(t, round_second(c->last_rx + SERVER_PARK_MS));
	return t;
}

static void
schedule(struct server *s, int i)
{
	uint64_t t = conn_next_deadline(s, &s->conns[i], i);

	/* A deadline already due runs next turn: the deadline loop never spins.
	 */
	if (t <= s->now)
		t = s->now + 1;
	if (t == UINT64_MAX)
		deadlines_cancel(s->deadlines, i);
	else if (deadlines_set(s->deadlines, i, t) < 0)
		log_line(s, 0, "out of memory for a deadline");
}

/* The output sink the chat rules talk to. */

static int
sink_send(void *ctx, int i, const char *data, size_t len)
{
	struct server *s = ctx;
	struct conn *c = &s->conns[i];

	if (c->state != CONN_OPEN || (c->flags & CONN_OVERFLOW))
		return -1;
	if (outq_append(&c->out, s->out_pool, data, len, s->cfg->sendq_max) !=
	    OUTQ_OK) {
		c->flags |= CONN_OVERFLOW;
		s->overflowed[s->noverflowed++] = i;
		return -1;
	}
	mark_dirty(s, i);
	return 0;
}

static void
release_input(struct server *s, struct conn *c)
{
	pool_put(s->in_pool, line_reader_release(&c->in));
}

/*
 * The code of a closing line ("$$error: <code>: ..." or
 * "error$<code>$..."), or PROTO_E_NONE: the sink is told the line, and
 * the log wants the reason.
 */
static enum proto_code
final_code(const char *line, size_t len)
{
	static const char base[] = "$$error: ", ext[] = "error$";
	const char *name, *end;
	char stop;

	if (len >= sizeof(base) - 1 &&
	    memcmp(line, base, sizeof(base) - 1) == 0) {
		name = line + sizeof(base) - 1;
		stop = ':';
	} else if (len >= sizeof(ext) - 1 &&
	    memcmp(line, ext, sizeof(ext) - 1) == 0) {
		name = line + sizeof(ext) - 1;
		stop = '$';
	} else {
		return PROTO_E_NONE;
	}
	end = memchr(name, stop, len - (size_t)(name - line));
	if (end == NULL)
		return PROTO_E_NONE;
	return proto_code_parse(name, (size_t)(end - name));
}

/*
 * Says why the server closes connection i: at the default level for
 * abuse (too many errors, a full output queue), with -v for every other
 * reason, and with -vv at shutdown, which is logged once for all.
 */
static void
log_close(const struct server *s, int i, enum proto_code code)
{
	int level = 1;

	if (code == PROTO_E_TOO_MANY_ERRORS || code == PROTO_E_SENDQ_EXCEEDED)
		level = 0;
	else if (code == PROTO_E_SHUTDOWN)
		level = 2;
	if (code == PROTO_E_SENDQ_EXCEEDED)
		log_line(s, level,
		    "slot %d: closing: %s: output queue passed %zu bytes", i,
		    proto_code_name(code), s->cfg->sendq_max);
	else
		log_line(s, level, "slot %d: closing: %s", i,
		    code != PROTO_E_NONE ? proto_code_name(code) : "unknown");
}

/*
 * Bytes of c's queue that must go out before a last line: up to the end of
 * the line the peer has a part of, and of the line where what the
 * transport holds ends.  All of the queue if no line end is in sight.
 */
static size_t
keep_on_close(struct conn *c)
{
	struct iovec iov[SERVER_IOV_MAX];
	size_t held = c->tr.ops->unsent(&c->tr), off = 0;
	int n, k;

	if (held == 0)
		return (c->flags & CONN_MID_LINE) ? outq_line_end(&c->out) : 0;
	n = outq_iov(&c->out, iov, SERVER_IOV_MAX);
	for (k = 0; k < n; k++) {
		const char *p = iov[k].iov_base;
		size_t from = held > off ? held - off - 1 : 0;
		const char *lf;

		if (from < iov[k].iov_len &&
		    (lf = memchr(p + from, '\n', iov[k].iov_len - from)) !=
		        NULL)
			return off + (size_t)(lf - p) + 1;
		off += iov[k].iov_len;
	}
	return outq_bytes(&c->out);
}

static void
sink_close(void *ctx, int i, int drop_queued, const char *final, size_t len)
{
	struct server *s = ctx;
	struct conn *c = &s->conns[i];

	if (c->state != CONN_OPEN)
		return;
	log_close(s, i, final_code(final, len));
	c->state = CONN_CLOSING;
	c->flags &= ~(unsigned)CONN_READY;
	release_input(s, c);
	/*
	 * Drop what waits, but finish a line the peer already has a part of,
	 * or that the transport holds a part of (a TLS record).
	 */
	if (drop_queued)
		outq_truncate(&c->out, s->out_pool, keep_on_close(c));
	/* The last line may pass the limit: it is the reason. */
	(void)outq_append(&c->out, s->out_pool, final, len, SIZE_MAX);
	c->close_at = s->now + SERVER_LINGER_MS;
	if (deadlines_set(s->deadlines, i, c->close_at) < 0)
		log_line(s, 0, "out of memory for a deadline");
	mark_dirty(s, i);
	update_events(s, i);
}

/* The chat's way to the hashing threads. */
static int
sink_pwhash(void *ctx, int conn, uint64_t ticket, int verify,
    const char *password, size_t len, const char *hash)
{
	struct server *s = ctx;

	return pwhash_submit(s->pwhash, verify ? PWHASH_VERIFY : PWHASH_MAKE,
	    conn, ticket, password, len, hash);
}

static void
sink_random(void *ctx, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(p + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* getrandom cannot fail once the pool is ready. */
			abort();
		}
		got += (size_t)n;
	}
	(void)ctx;
}

/* Slots. */

/* Several nodes (--redis): the chat's hooks and the log's callbacks. */

static int
cluster_up(void *ctx)
{
	struct server *s = ctx;

	return redis_log_up(s->rlog);
}

static int
cluster_append(void *ctx, const struct store_event *ev, const char *skel,
    size_t skel_len, uint64_t tag, chat_cluster_done_fn done, void *done_ctx)
{
	struct server *s = ctx;

	if (ev->kind == STORE_CHANNEL)
		return redis_log_create(
		    s->rlog, s->now, ev, skel, skel_len, tag, done, done_ctx);
	if (ev->kind == STORE_TOPIC || ev->kind == STORE_KEY)
		return redis_log_change(
		    s->rlog, s->now, ev, tag, done, done_ctx);
	return redis_log_append(s->rlog, s->now, ev, done, done_ctx);
}

static int
cluster_claim(void *ctx, const char *skel, size_t skel_len,
    chat_cluster_done_fn done, void *done_ctx)
{
	struct server *s = ctx;

	return redis_log_claim(s->rlog, s->now, skel, skel_len, done, done_ctx);
}

static void
cluster_release(void *ctx, const char *skel, size_t skel_len)
{
	struct server *s = ctx;

	(void)redis_log_release(s->rlog, s->now, skel, skel_len);
}

static int
cluster_page(void *ctx, const char *chan, size_t chan_len, enum cmd_dir dir,
    uint64_t seq, size_t count, chat_cluster_page_fn done, void *done_ctx)
{
	struct server *s = ctx;

	return redis_log_page(
	    s->rlog, s->now, chan, chan_len, dir, seq, count, done, done_ctx);
}

static int
cluster_trim(void *ctx, const char *chan, size_t chan_len, uint64_t before_ms,
    uint64_t keep, size_t batch, chat_cluster_done_fn done, void *done_ctx)
{
	struct server *s = ctx;

	return redis_log_trim(s->rlog, s->now, chan, chan_len, before_ms, keep,
	    batch, done, done_ctx);
}

static int
cluster_publish(void *ctx, const struct store_event *ev,
    chat_cluster_done_fn done, void *done_ctx)
{
	struct server *s = ctx;

	return redis_log_publish(s->rlog, s->now, ev, done, done_ctx);
}

static void resume_conn(struct server *s, int i);

static void
cluster_resumed(void *ctx, int conn)
{
	resume_conn(ctx, conn);
}

/* An event read back (or a channel loaded at start) goes to the chat. */
static void
cluster_event(void *ctx, const struct redis_log_event *rev)
{
	struct server *s = ctx;
	struct store_event ev;
	size_t nlen = strlen(s->node);

	memset(&ev, 0, sizeof(ev));
	ev.kind = rev->kind;
	ev.chan = rev->chan;
	ev.chan_len = rev->chan_len;
	ev.sender = rev->sender;
	ev.sender_len = rev->sender_len;
	ev.seq = rev->seq;
	ev.time = rev->time;
	if (rev->kind == STORE_CHANNEL) {
		ev.name = rev->text;
		ev.name_len = rev->text_len;
	}
	/* A direct message names its sender's node, told of the delivery. */
	if (rev->kind == STORE_DM || rev->kind == STORE_DM_ACT) {
		ev.name = rev->node;
		ev.name_len = rev->node_len;
	}
	ev.text = rev->text;
	ev.text_len = rev->text_len;
	ev.uid = rev->uid;
	ev.uid_len = rev->uid_len;
	/* Another node reaped this one (its lease lapsed while it lived):
	 * its users are announced again.  (Its own reap at start is its
	 * own event.) */
	if (rev->kind == STORE_GONE && rev->text_len == nlen &&
	    memcmp(rev->text, s->node, nlen) == 0 &&
	    !(rev->node_len == nlen && memcmp(rev->node, s->node, nlen) == 0)) {
		log_line(s, 0,
		    "node %s: its lease lapsed: other nodes dropped its "
		    "users; announcing them again",
		    s->node);
		chat_cluster_republish(s->chat, s->wall);
	}
	chat_cluster_event(s->chat, &ev,
	    rev->node_len == nlen && memcmp(rev->node, s->node, nlen) == 0,
	    rev->tag, s->wall);
}

/* Another channel took a restored channel's name on an empty Redis. */
static void
cluster_taken(void *ctx, const char *name, const char *id, const char *other)
{
	struct server *s = ctx;

	log_line(s, 0,
	    "node %s: channel %s (%s): its name was taken by %s while redis "
	    "was empty: other nodes find that one by the name",
	    s->node, name, id, other);
}

/* One channel this node knows, put back in Redis. */
static void
cluster_restore_one(void *ctx, const struct chat_channel_info *ci)
{
	struct server *s = ctx;
	struct redis_log_chan ch;

	memset(&ch, 0, sizeof(ch));
	ch.id = ci->id;
	ch.id_len = ci->id_len;
	ch.name = ci->name;
	ch.name_len = ci->name_len;
	ch.skel = ci->skel;
	ch.skel_len = ci->skel_len;
	ch.creator = ci->creator;
	ch.creator_len = ci->creator_len;
	ch.created = ci->created;
	ch.seq = ci->seq;
	ch.topic = ci->topic;
	ch.topic_len = ci->topic_len;
	ch.topic_by = ci->topic_by;
	ch.topic_by_len = ci->topic_by_len;
	ch.topic_time = ci->topic_time;
	ch.key = ci->key;
	ch.key_len = ci->key_len;
	if (redis_log_restore(s->rlog, &ch, cluster_taken, s) < 0)
		log_line(s, 0, "node %s: channel %.*s not put back in redis",
		    s->node, (int)ci->name_len, ci->name);
}

/*
 * Redis is back after being down: it may have come back empty (no
 * persistence), so the node puts back its channels (pipelined, before
 * any new append) and announces its users again.
 */
/* A user's name another node took while Redis was empty. */
static void
cluster_held(void *ctx, const char *name)
{
	struct server *s = ctx;

	log_line(s, 0,
	    "node %s: user %s: the name was claimed on another node while "
	    "redis was empty",
	    s->node, name);
}

/* One user's name of this node, claimed again. */
static void
cluster_reclaim_one(void *ctx, const char *name, size_t name_len,
    const char *skel, size_t skel_len)
{
	struct server *s = ctx;

	(void)redis_log_reclaim(
	    s->rlog, name, name_len, skel, skel_len, cluster_held, s);
}

static void
cluster_restore(struct server *s)
{
	chat_cluster_each_channel(s->chat, cluster_restore_one, s);
	chat_cluster_each_user(s->chat, cluster_reclaim_one, s);
	chat_cluster_republish(s->chat, s->wall);
}

/* Redis went up or down: said once per change, not per reconnect try. */
static void
cluster_state(void *ctx, int up, const char *why)
{
	struct server *s = ctx;

	if (s->redis_up == up)
		return;
	if (up && s->redis_up == 0)
		cluster_restore(s);
	s->redis_up = up;
	if (up)
		log_line(
		    s, 0, "redis %s: up: messages are taken", s->cfg->redis);
	else
		log_line(s, 0,
		    "redis %s: down (%s): messages are refused with "
		    "storage_unavailable",
		    s->cfg->redis, why != NULL ? why : "no connection");
}

/* The default node name: host name and process id, cut to fit. */
static void
default_node(char out[REDIS_LOG_NODE_MAX + 1])
{
	char host[256];
	char pid[24];
	size_t i, hl, pl;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "node");
	host[sizeof(host) - 1] = '\0';
	/* Only the characters --node takes. */
	for (i = 0; host[i] != '\0'; i++)
		if (!((host[i] >= 'a' && host[i] <= 'z') ||
		        (host[i] >= 'A' && host[i] <= 'Z') ||
		        (host[i] >= '0' && host[i] <= '9') || host[i] == '.' ||
		        host[i] == '_' || host[i] == '-'))
			host[i] = '_';
	pl = (size_t)snprintf(pid, sizeof(pid), "-%ld", (long)getpid());
	hl = strlen(host);
	if (hl + pl > REDIS_LOG_NODE_MAX)
		hl = REDIS_LOG_NODE_MAX - pl;
	memcpy(out, host, hl);
	memcpy(out + hl, pid, pl + 1);
}

/* Connects the chat to the shared log and loads its channels. */
static int
setup_cluster(struct server *s, const struct server_config *cfg)
{
	char host[ADDR_HOST_MAX + 1], port[ADDR_PORT_MAX + 1], err[512];
	const char *ttl;
	struct redis_log_opts o;
	struct chat_cluster cl;

	if (addr_split(cfg->redis, 0, 6379, host, port) < 0) {
		fprintf(stderr, "txt-chatd: --redis: '%s' is not host:port\n",
		    cfg->redis);
		return -1;
	}
	if (cfg->node != NULL)
		snprintf(s->node, sizeof(s->node), "%s", cfg->node);
	else
		default_node(s->node);
	memset(&o, 0, sizeof(o));
	o.node = s->node;
	o.on_event = cluster_event;
	o.on_state = cluster_state;
	o.ctx = s;
	/* Tests: a short lease, so a killed node's names go soon. */
	ttl = getenv("TXT_CHATD_NODE_TTL_MS");
	if (ttl != NULL)
		o.node_ttl_ms = strtoull(ttl, NULL, 10);
	/* A larger --history-keep is kept; a smaller one is trimmed to. */
	if (cfg->chat.history_keep > REDIS_LOG_CHAN_KEEP)
		o.chan_keep = cfg->chat.history_keep;
	s->redis_up = -1;
	s->rlog = redis_log_new(host, atoi(port), &o);
	if (s->rlog == NULL) {
		fprintf(stderr, "txt-chatd: out of memory\n");
		return -1;
	}
	memset(&cl, 0, sizeof(cl));
	cl.ctx = s;
	cl.up = cluster_up;
	cl.append = cluster_append;
	cl.claim = cluster_claim;
	cl.release = cluster_release;
	cl.resumed = cluster_resumed;
	cl.page = cluster_page;
	cl.trim = cluster_trim;
	cl.publish = cluster_publish;
	chat_set_cluster(s->chat, &cl);
	if (redis_log_load_channels(
	        s->rlog, cluster_event, s, err, sizeof(err)) < 0 ||
	    redis_log_load_users(s->rlog, cluster_event, s, err, sizeof(err)) <
	        0) {
		fprintf(stderr, "txt-chatd: %s\n", err);
		return -1;
	}
	log_line(s, 0, "node %s: %zu channels loaded from redis %s", s->node,
	    chat_channel_count(s->chat), cfg->redis);
	log_line(s, 0, "node %s: %zu users of other nodes loaded", s->node,
	    chat_user_count(s->chat));
	return 0;
}

/* The Redis descriptors as this turn wants them polled. */
static void
cluster_pollfds(struct server *s)
{
	struct pollfd p[2];
	size_t n, k;

	if (s->rlog == NULL)
		return;
	n = redis_log_pollfds(s->rlog, p);
	for (k = 0; k < 2; k++) {
		s->pfds[SLOT_REDIS + k].fd = k < n ? p[k].fd : -1;
		s->pfds[SLOT_REDIS + k].events = k < n ? p[k].events : 0;
		s->pfds[SLOT_REDIS + k].revents = 0;
	}
}

static int
grow(struct server *s)
{
	size_t cap = s->cap ? s->cap * 2 : 256, k;
	struct pollfd *pfds;
	struct conn *conns;
	int *fr, *dirty, *over, *slot, *work;
	short *work_ev;

	pfds = realloc(s->pfds, (SLOT_FIRST + cap) * sizeof(*pfds));
	if (pfds == NULL)
		return -1;
	s->pfds = pfds;
	slot = realloc(s->pfd_slot, cap * sizeof(*slot));
	if (slot == NULL)
		return -1;
	s->pfd_slot = slot;
	work = realloc(s->work, cap * sizeof(*work));
	if (work == NULL)
		return -1;
	s->work = work;
	work_ev = realloc(s->work_ev, cap * sizeof(*work_ev));
	if (work_ev == NULL)
		return -1;
	s->work_ev = work_ev;
	conns = realloc(s->conns, cap * sizeof(*conns));
	if (conns == NULL)
		return -1;
	s->conns = conns;
	fr = realloc(s->free_slots, cap * sizeof(*fr));
	if (fr == NULL)
		return -1;
	s->free_slots = fr;
	dirty = realloc(s->dirty, cap * sizeof(*dirty));
	if (dirty == NULL)
		return -1;
	s->dirty = dirty;
	over = realloc(s->overflowed, cap * sizeof(*over));
	if (over == NULL)
		return -1;
	s->overflowed = over;
	memset(conns + s->cap, 0, (cap - s->cap) * sizeof(*conns));
	/* Lowest slots on top of the stack, to keep slot numbers small. */
	for (k = cap; k > s->cap; k--)
		s->free_slots[s->nfree++] = (int)(k - 1);
	s->cap = cap;
	return 0;
}

static void
close_conn(struct server *s, int i)
{
	struct conn *c = &s->conns[i];

	if (c->place == CONN_POLLED || c->place == CONN_UNPARKABLE)
		pfd_remove(s, i);
	/* Closing takes it out of the epoll sets too. */
	c->tr.ops->close(&c->tr);
	outq_clear(&c->out, s->out_pool);
	release_input(s, c);
	deadlines_cancel(s->deadlines, i);
	if (c->addr != NULL && --c->addr->count == 0) {
		hmap_remove(&s->addrs, &c->addr->node);
		free(c->addr);
	}
	s->trim_closes++;
	/* dirty and overflow lists skip free slots, so a flag can stay. */
	memset(c, 0, sizeof(*c));
	c->pidx = -1;
	s->free_slots[s->nfree++] = i;
	s->nconns--;
	while (s->high > 0 && s->conns[s->high - 1].state == CONN_FREE)
		s->high--;
}

/* The peer is gone or broken while it was talking. */
static void
lost_conn(struct server *s, int i, const char *why)
{
	struct conn *c = &s->conns[i];

	if (c->state == CONN_OPEN) {
		log_line(s, 1, "slot %d: %s", i, why);
		chat_disconnect(s->chat, i, why, s->wall);
	}
	close_conn(s, i);
}

/*
 * Closes every connection pushed over its output limit since the last
 * call, once per loop turn, after the turn's input and deadlines and
 * before its commit and flush.  Until then such a connection takes no
 * more lines (sink_send refuses them, take_lines stops) and its own input
 * waits; closing can push others over, who are closed in the same call.
 */
static void
handle_overflows(struct server *s)
{
	while (s->noverflowed > 0) {
		int i = s->overflowed[--s->noverflowed];
		struct conn *c = &s->conns[i];

		if (c->state != CONN_OPEN || !(c->flags & CONN_OVERFLOW))
			continue;
		chat_close(s->chat, i, PROTO_E_SENDQ_EXCEEDED, NULL, s->wall);
	}
}

/* Accepting. */

static struct addr_count *
addr_find(struct server *s, const char *ip)
{
	size_t len = strlen(ip);
	uint32_t h = hmap_hash(&s->addr_key, ip, len);
	struct hmap_node *n;

	for (n = hmap_first(&s->addrs, h); n != NULL; n = hmap_next(n)) {
		struct addr_count *a = HMAP_ENTRY(n, struct addr_count, node);

		if (strcmp(a->ip, ip) == 0)
			return a;
	}
	return NULL;
}

/*
 * How a listener's connections cross their socket: 0, or -1 if out of
 * memory (fd then stays the caller's).
 */
typedef int (*conn_setup_fn)(struct server *s, struct transport *t, int fd);

static int
setup_plain(struct server *s, struct transport *t, int fd)
{
	(void)s;
	transport_plain_init(t, fd);
	return 0;
}

static int
setup_tls(struct server *s, struct transport *t, int fd)
{
	return transport_tls_init(t, fd, s->tls);
}

/*
 * Sends a refusal straight away (best effort: the socket is new and empty) and
 * closes.  On the TLS port nothing can be said before a handshake, and a
 * refused client gets none: it is only closed.
 */
static void
refuse(struct server *s, int fd, enum proto_code code, const char *addr,
    conn_setup_fn setup_fn)
{
	char buf[256];
	struct event ev;
	size_t len;
	ssize_t n = 0;

	if (setup_fn != setup_plain) {
		log_line(
		    s, 1, "refused %s (TLS): %s", addr, proto_code_name(code));
		close(fd);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_ERROR;
	ev.code = code;
	ev.verb.p = "*";
	ev.verb.len = 1;
	ev.text.p = proto_code_text(code);
	ev.text.len = strlen(ev.text.p);
	len = event_encode_base(buf, sizeof(buf), &ev);
	/* A signal must not cost the client its reason. */
	while (len > 0 && (n = write(fd, buf, len)) < 0 && errno == EINTR)
		continue;
	if (n < 0)
		log_line(s, 2, "refusing %s: %s", addr, strerror(errno));
	log_line(s, 1, "refused %s: %s", addr, proto_code_name(code));
	close(fd);
}

/* Slot i, set up and talking, joins the chat. */
static void
start_conn(struct server *s, int i, const char *addr)
{
	char uid[REDIS_LOG_NODE_MAX + 1 + NET_ADDR_MAX];

	/* Several nodes: "node/address", so that no two nodes' uids meet
	 * (an address never holds a '/'). */
	if (s->rlog != NULL)
		snprintf(uid, sizeof(uid), "%s/%s", s->node, addr);
	else
		snprintf(uid, sizeof(uid), "%s", addr);
	if (chat_connect(s->chat, i, uid, strlen(uid)) < 0) {
		log_line(s, 0, "out of memory accepting %s", addr);
		close_conn(s, i);
		return;
	}
	if (s->conns[i].flags & CONN_TLS)
		chat_set_secure(s->chat, i);
	log_line(s, 1, "slot %d: connected from %s", i, addr);
	update_events(s, i);
	schedule(s, i);
}

/*
 * Slot i's handshake waits in the handshake set for what its transport
 * wants: to read (the peer's next flight), or to write (its own, which
 * the socket did not take).  The set is level-triggered: a connection the
 * budget leaves unserved is reported again.  Returns 0, or -1 if the set
 * refused it (ENOMEM, ENOSPC past max_user_watches).
 */
static int
shake_watch(struct server *s, int i)
{
	struct conn *c = &s->conns[i];
	struct epoll_event ev;
	int out = (c->tr.want & POLLOUT) != 0, op;

	if (c->place == CONN_SHAKING && out == !!(c->flags & CONN_SHAKE_OUT))
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = out ? EPOLLOUT : EPOLLIN;
	ev.data.u32 = (uint32_t)i;
	op = c->place == CONN_SHAKING ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(s->hsfd, op, c->tr.fd, &ev) < 0)
		return -1;
	c->place = CONN_SHAKING;
	conn_mark(c, CONN_SHAKE_OUT, out);
	return 0;
}

/*
 * One step of slot i's TLS handshake.  A client that fails it is closed
 * without a word: there is no channel to say one on.  Once done it
 * leaves the handshake set for the poll set, as a plain connection
 * starts.
 */
static void
handshake_conn(struct server *s, int i)
{
	struct conn *c = &s->conns[i];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[NET_ADDR_MAX], ip[NET_ADDR_MAX];
	int r = c->tr.ops->handshake(&c->tr);

	if (r < 0) {
		log_line(s, 1, "slot %d: TLS handshake failed", i);
		close_conn(s, i);
		return;
	}
	if (r == 0) {
		if (shake_watch(s, i) < 0) {
			log_line(s, 0, "slot %d: handshake set: %s", i,
			    strerror(errno));
			close_conn(s, i);
		}
		return;
	}
	(void)epoll_ctl(s->hsfd, EPOLL_CTL_DEL, c->tr.fd, NULL);
	c->place = CONN_POLLED;
	pfd_add(s, i);
	c->state = CONN_OPEN;
	c->accepted = c->last_rx = s->now;
	c->close_at = 0;
	if (getpeername(c->tr.fd, (struct sockaddr *)&ss, &len) < 0 ||
	    net_format(
	        (struct sockaddr *)&ss, addr, sizeof(addr), ip, sizeof(ip)) < 0)
		snprintf(addr, sizeof(addr), "?");
	start_conn(s, i, addr);
	/* What came behind the client's Finished may be read ahead with it. */
	if (c->state == CONN_OPEN && transport_held(c) > 0) {
		c->flags |= CONN_READY;
		s->any_ready = 1;
	}
}

static void
add_conn(struct server *s, int fd, const char *addr, const char *ip,
    conn_setup_fn setup_fn)
{
	struct addr_count *a = addr_find(s, ip);
	struct conn *c;
	int i;

	if (ban_addr_match(s->bans, ip)) {
		refuse(s, fd, PROTO_E_BANNED, addr, setup_fn);
		return;
	}
	if (s->nconns >= s->cfg->max_clients) {
		refuse(s, fd, PROTO_E_SERVER_FULL, addr, setup_fn);
		return;
	}
	if (s->cfg->max_per_addr > 0 && a != NULL &&
	    a->count >= s->cfg->max_per_addr) {
		refuse(s, fd, PROTO_E_ADDRESS_LIMIT, addr, setup_fn);
		return;
	}
	if ((s->nfree == 0 && grow(s) < 0) ||
	    (a == NULL && (a = calloc(1, sizeof(*a))) == NULL)) {
		log_line(s, 0, "out of memory accepting %s", addr);
		close(fd);
		return;
	}
	if (a->count == 0) {
		snprintf(a->ip, sizeof(a->ip), "%s", ip);
		if (hmap_insert(&s->addrs, &a->node,
		        hmap_hash(&s->addr_key, a->ip, strlen(a->ip))) < 0) {
			free(a);
			close(fd);
			return;
		}
	}
	i = s->free_slots[s->nfree - 1];
	c = &s->conns[i];
	memset(c, 0, sizeof(*c));
	c->pidx = -1;
	if (setup_fn(s, &c->tr, fd) < 0) {
		log_line(s, 0, "out of memory accepting %s", addr);
		if (a->count == 0) {
			hmap_remove(&s->addrs, &a->node);
			free(a);
		}
		close(fd);
		return;
	}
	/* A handshake waits for the client's hello in the handshake set. */
	if (c->tr.ops->handshake != NULL && shake_watch(s, i) < 0) {
		log_line(s, 0, "handshake set: %s: closing %s", strerror(errno),
		    addr);
		c->tr.ops->close(&c->tr);
		memset(c, 0, sizeof(*c));
		c->pidx = -1;
		if (a->count == 0) {
			hmap_remove(&s->addrs, &a->node);
			free(a);
		}
		return;
	}
	a->count++;
	s->nfree--;
	c->state = CONN_OPEN;
	c->addr = a;
	c->accepted = c->last_rx = s->now;
	/* What the chat learns at start_conn: passwords may cross it. */
	if (setup_fn == setup_tls)
		c->flags |= CONN_TLS;
	s->nconns++;
	if ((size_t)i >= s->high)
		s->high = (size_t)i + 1;
	if (c->tr.ops->handshake == NULL) {
		pfd_add(s, i);
		start_conn(s, i, addr);
		return;
	}
	/* Until the handshake is done only its deadline counts. */
	c->state = CONN_HANDSHAKE;
	c->close_at = s->now + SERVER_HANDSHAKE_MS;
	if (deadlines_set(s->deadlines, i, c->close_at) < 0)
		log_line(s, 0, "out of memory for a deadline");
	log_line(s, 2, "slot %d: TLS from %s", i, addr);
}

static void
accept_clients(struct server *s, int slot, conn_setup_fn setup_fn)
{
	int k;

	for (k = 0; k < SERVER_ACCEPT_BUDGET; k++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char addr[NET_ADDR_MAX], ip[NET_ADDR_MAX];
		int fd = net_accept(s->pfds[slot].fd, &ss, &len);

		if (fd < 0) {
			/* The connection's own trouble: accept(2) says to
			 * take the next one, as for EAGAIN. */
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO || errno == ENETDOWN ||
			    errno == ENOPROTOOPT || errno == EHOSTDOWN ||
			    errno == EHOSTUNREACH || errno == EOPNOTSUPP ||
			    errno == ENETUNREACH)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE) {
				/* Free the spare to take the client off the
				 * queue and refuse it. */
				if (s->spare_fd >= 0) {
					int empty;

					close(s->spare_fd);
					s->spare_fd = -1;
					fd = net_accept(
					    s->pfds[slot].fd, NULL, NULL);
					/*
					 * accept(2) fails with EMFILE before
					 * it looks at the queue: an empty one
					 * is no reason to pause.
					 */
					empty = fd < 0 &&
					    (errno == EAGAIN ||
					        errno == EWOULDBLOCK);
					if (fd >= 0)
						refuse(s, fd,
						    PROTO_E_SERVER_FULL,
						    "a client", setup_fn);
					s->spare_fd = open(
					    "/dev/null", O_RDONLY | O_CLOEXEC);
					if (fd >= 0)
						continue;
					if (empty)
						return;
				}
				log_line(s, 0, "accept: %s; pausing",
				    strerror(errno));
			} else {
				log_line(s, 0, "accept: %s", strerror(errno));
			}
			/* Out of descriptors and no spare: wait, don't spin. */
			s->pfds[slot].events = 0;
			s->listen_resume = s->now + SERVER_ACCEPT_PAUSE_MS;
			return;
		}
		if (net_format((struct sockaddr *)&ss, addr, sizeof(addr), ip,
		        sizeof(ip)) < 0) {
			close(fd);
			continue;
		}
		add_conn(s, fd, addr, ip, setup_fn);
	}
}

/* Reading. */

/* Takes up to the read budget of complete lines and hands them to the chat. */
static void
take_lines(struct server *s, int i)
{
	const struct server_config *cfg = s->cfg;
	struct conn *c = &s->conns[i];
	unsigned budget = cfg->read_budget;

	while (c->state == CONN_OPEN &&
	    !(c->flags & (CONN_BACKLOGGED | CONN_OVERFLOW))) {
		const char *line;
		size_t len;
		enum line_status st;

		/* A line waits for its hash; the next ones wait for it. */
		if (chat_waiting(s->chat, i)) {
			c->flags |= CONN_HASHING;
			break;
		}
		if (line_reader_has_line(&c->in)) {
			if (budget == 0)
				break;
			if (cfg->flood_rate > 0 &&
			    !ratelimit_take(&c->flood, s->now, cfg->flood_rate,
			        cfg->flood_burst)) {
				c->flags |= CONN_THROTTLED;
				schedule(s, i);
				break;
			}
			budget--;
		}
		st = line_reader_next(&c->in, &line, &len);
		if (st == LINE_NONE)
			break;
		/* A client whose lines wait for flood control is not silent:
		 * its pong may be behind them. */
		c->last_rx = s->now;
		if (st == LINE_TOO_LONG)
			chat_line_too_long(s->chat, i, s->wall);
		else
			chat_line(s->chat, i, line, len, s->wall);
		if (c->state == CONN_OPEN &&
		    outq_bytes(&c->out) > cfg->sendq_max / 2)
			c->flags |= CONN_BACKLOGGED;
	}
	if (c->state != CONN_OPEN || (c->flags & CONN_OVERFLOW))
		return;
	conn_mark(c, CONN_HASHING, chat_waiting(s->chat, i));
	/*
	 * Deadlines move later lazily, but registering changes which timer
	 * runs at all: the registration deadline gives way to keepalive (or,
	 * in base mode, to none), so an idle server is not woken for it.
	 * Anything that must come sooner is moved here too.
	 */
	if (!(c->flags & CONN_REGISTERED) && chat_registered(s->chat, i)) {
		c->flags |= CONN_REGISTERED;
		schedule(s, i);
	} else if (conn_next_deadline(s, c, i) <
	    deadlines_when(s->deadlines, i)) {
		schedule(s, i);
	}
	conn_mark(c, CONN_READY,
	    !(c->flags & (CONN_THROTTLED | CONN_BACKLOGGED | CONN_HASHING)) &&
	        input_waiting(c));
	if (c->flags & CONN_READY)
		s->any_ready = 1;
	/* Idle connections hold no input buffer; detach keeps a discard going.
	 */
	if (line_reader_pending(&c->in) == 0)
		pool_put(s->in_pool, line_reader_detach(&c->in));
	update_events(s, i);
}

/* Bytes no text line holds: controls other than CR and LF, and DEL. */
static int
has_binary(const char *p, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		unsigned char b = (unsigned char)p[k];

		if ((b < 0x20 && b != '\r' && b != '\n') || b == 0x7F)
			return 1;
	}
	return 0;
}

/* How many of the n bytes at p come before the first LF (all if none). */
static size_t
first_line_len(const char *p, size_t n)
{
	const char *lf = memchr(p, '\n', n);

	return lf != NULL ? (size_t)(lf - p) : n;
}

static void
read_conn(struct server *s, int i)
{
	struct conn *c = &s->conns[i];
	char *space, scratch[512];
	size_t avail;
	ssize_t n;

	if (c->state != CONN_OPEN) {
		/* Closing: read only to see the peer's close; no buffer. */
		release_input(s, c);
		space = scratch;
		avail = sizeof(scratch);
	} else {
		if (c->in.buf == NULL) {
			char *buf = pool_get(s->in_pool);

			/* Left unread it would wake the loop at once, again
			 * and again: the client goes, told why. */
			if (buf == NULL) {
				log_line(
				    s, 0, "out of memory reading slot %d", i);
				chat_close(s->chat, i, PROTO_E_SERVER_FULL,
				    "the server is out of memory", s->wall);
				return;
			}
			line_reader_attach(&c->in, buf, PROTO_LINE_MAX);
		}
		space = line_reader_space(&c->in, &avail);
	}
	n = c->tr.ops->read(&c->tr, space, avail);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			lost_conn(s, i, strerror(errno));
		return;
	}
	if (n == 0) {
		c->flags |= CONN_PEER_EOF;
		if (c->state == CONN_OPEN) {
			log_line(s, 1, "slot %d: closed by peer", i);
			chat_disconnect(
			    s->chat, i, "connection closed", s->wall);
			c->state = CONN_CLOSING;
			c->close_at = s->now + SERVER_LINGER_MS;
			(void)deadlines_set(s->deadlines, i, c->close_at);
		}
		release_input(s, c);
		if (outq_bytes(&c->out) == 0)
			close_conn(s, i);
		else
			update_events(s, i);
		return;
	}
	/* Closing: what the peer still sends is dropped (into scratch). */
	if (c->state != CONN_OPEN)
		return;
	/* Binary bytes before a name: not a chat client; no need to wait for a
	 * LF.  Only what comes before the first LF counts: lines sent along
	 * with a reg are checked one by one once it is handled. */
	if (!chat_registered(s->chat, i) &&
	    has_binary(space, first_line_len(space, (size_t)n))) {
		chat_close(s->chat, i, PROTO_E_NOT_CHAT, NULL, s->wall);
		return;
	}
	line_reader_commit(&c->in, (size_t)n);
	c->last_rx = s->now;
	if (c->place == CONN_UNPARKABLE)
		c->place = CONN_POLLED;
}

/* Writing. */

static void
flushed(struct server *s, int i)
{
	struct conn *c = &s->conns[i];

	if (c->state == CONN_CLOSING) {
		if (c->flags & CONN_PEER_EOF) {
			close_conn(s, i);
			return;
		}
		/* Our FIN goes after the last line; then wait for the peer's.
		 */
		c->tr.ops->shutdown(&c->tr);
		c->state = CONN_LINGER;
	}
	update_events(s, i);
	/* Nothing left to send: it may park once silent long enough. */
	if (c->state == CONN_OPEN &&
	    conn_next_deadline(s, c, i) < deadlines_when(s->deadlines, i))
		schedule(s, i);
}

/* The byte at offset n - 1 of what iov points at (n > 0, within it). */
static char
last_byte(const struct iovec *iov, size_t n)
{
	while (n > iov->iov_len) {
		n -= iov->iov_len;
		iov++;
	}
	return ((const char *)iov->iov_base)[n - 1];
}

static void
flush_conn(struct server *s, int i)
{
	struct conn *c = &s->conns[i];
	struct iovec iov[SERVER_IOV_MAX];
	int n = outq_iov(&c->out, iov, SERVER_IOV_MAX);
	ssize_t w;

	if (n == 0) {
		flushed(s, i);
		return;
	}
	w = c->tr.ops->writev(&c->tr, iov, n);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			update_events(s, i);
			return;
		}
		lost_conn(s, i, strerror(errno));
		return;
	}
	if (w > 0)
		conn_mark(c, CONN_MID_LINE, last_byte(iov, (size_t)w) != '\n');
	outq_consume(&c->out, s->out_pool, (size_t)w);
	if ((c->flags & CONN_BACKLOGGED) &&
	    outq_bytes(&c->out) <= s->cfg->sendq_max / 8) {
		c->flags &= ~(unsigned)CONN_BACKLOGGED;
		if (input_waiting(c)) {
			c->flags |= CONN_READY;
			s->any_ready = 1;
		}
	}
	if (outq_bytes(&c->out) == 0)
		flushed(s, i);
	else
		update_events(s, i);
}

/* One write per dirty connection per turn, right after the turn's work. */
static void
flush_dirty(struct server *s)
{
	size_t k;

	/* Closing a connection can queue lines for others: the list may grow.
	 */
	for (k = 0; k < s->ndirty; k++) {
		int i = s->dirty[k];
		struct conn *c = &s->conns[i];

		if (!(c->flags & CONN_DIRTY))
			continue;
		c->flags &= ~(unsigned)CONN_DIRTY;
		if (c->state != CONN_FREE)
			flush_conn(s, i);
	}
	s->ndirty = 0;
}

/* Deadlines. */

static void
conn_deadline(struct server *s, int i)
{
	const struct server_config *cfg = s->cfg;
	struct conn *c = &s->conns[i];
	char token[PROTO_NUM_MAX + 1];

	if (c->state == CONN_FREE)
		return;
	if (c->state != CONN_OPEN) {
		if (s->now >= c->close_at) {
			log_line(s, c->state == CONN_HANDSHAKE ? 1 : 2,
			    "slot %d: %s", i,
			    c->state == CONN_HANDSHAKE
			        ? "TLS handshake deadline passed"
			        : "linger over");
			close_conn(s, i);
		} else {
			schedule(s, i);
		}
		return;
	}
	if ((c->flags & CONN_THROTTLED) &&
	    ratelimit_ready_ms(&c->flood, s->now, cfg->flood_rate,
	        cfg->flood_burst) <= s->now) {
		c->flags &= ~(unsigned)CONN_THROTTLED;
		conn_mark(c, CONN_READY, input_waiting(c));
		/* Deadlines run after the connections are served: the lines
		 * let through wait for the next turn, which must not sleep. */
		if (c->flags & CONN_READY)
			s->any_ready = 1;
		update_events(s, i);
	}
	if (!chat_registered(s->chat, i)) {
		if (s->now >= c->accepted + cfg->reg_timeout * 1000ULL) {
			chat_close(s->chat, i, PROTO_E_REGISTRATION_TIMEOUT,
			    NULL, s->wall);
			return;
		}
	} else if (chat_mode(s->chat, i) == CHAT_MODE_EXT) {
		if ((c->flags & CONN_PING_OUT) && c->last_rx >= c->ping_sent)
			c->flags &= ~(unsigned)CONN_PING_OUT;
		if ((c->flags & CONN_PING_OUT) &&
		    s->now >= c->ping_sent + cfg->ping_timeout * 1000ULL) {
			chat_close(
			    s->chat, i, PROTO_E_PING_TIMEOUT, NULL, s->wall);
			return;
		}
		if (!(c->flags & CONN_PING_OUT) &&
		    s->now >= c->last_rx + cfg->ping_interval * 1000ULL) {
			snprintf(token, sizeof(token), "%llu",
			    (unsigned long long)s->wall);
			chat_keepalive(s->chat, i, token);
			c->flags |= CONN_PING_OUT;
			c->ping_sent = s->now;
		}
	}
	if (c->state == CONN_OPEN && parkable(c) &&
	    s->now >= c->last_rx + SERVER_PARK_MS)
		park(s, i);
	if (c->state == CONN_OPEN)
		schedule(s, i);
}

static void
run_deadlines(struct server *s)
{
	int i;

	while (deadlines_pop(s->deadlines, s->now, &i))
		conn_deadline(s, i);
	if (s->listen_resume != 0 && s->now >= s->listen_resume) {
		s->listen_resume = 0;
		/* The spare could not be had back when it was last used. */
		if (s->spare_fd < 0)
			s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (!s->stopping) {
			s->pfds[SLOT_LISTEN].events = POLLIN;
			s->pfds[SLOT_TLS_LISTEN].events = POLLIN;
		}
	}
}

/*
 * Connection i waited for the chat (a hash, a name claimed across nodes)
 * and may take its next lines again.
 */
static void
resume_conn(struct server *s, int i)
{
	struct conn *c;

	if (i < 0 || (size_t)i >= s->high)
		return;
	c = &s->conns[i];
	if (c->state != CONN_OPEN || chat_waiting(s->chat, i))
		return;
	c->flags &= ~(unsigned)CONN_HASHING;
	if (!(c->flags & CONN_REGISTERED) && chat_registered(s->chat, i)) {
		c->flags |= CONN_REGISTERED;
		schedule(s, i);
	}
	if (!(c->flags & (CONN_THROTTLED | CONN_BACKLOGGED)) &&
	    input_waiting(c)) {
		c->flags |= CONN_READY;
		s->any_ready = 1;
	}
	update_events(s, i);
}

/*
 * Hashes are done: the chat applies them (a login, an account), and each
 * connection that waited takes its next lines again.
 */
static void
collect_hashes(struct server *s)
{
	struct pwhash_result res[SERVER_HASH_BATCH];
	size_t n, k;

	n = pwhash_collect(s->pwhash, res, SERVER_HASH_BATCH);
	for (k = 0; k < n; k++) {
		chat_pwhash_done(s->chat, res[k].conn, res[k].ticket, res[k].ok,
		    res[k].hash, s->wall);
		resume_conn(s, res[k].conn);
	}
	/* Nothing secret, but nothing kept either. */
	memset(res, 0, n * sizeof(res[0]));
}

/* The epoll set says some parked connections have input: back to poll. */
static void
wake_parked(struct server *s)
{
	struct epoll_event evs[SERVER_WAKE_BATCH];
	int n, k, round;

	for (round = 0; round < SERVER_WAKE_ROUNDS; round++) {
		n = epoll_wait(s->epfd, evs, SERVER_WAKE_BATCH, 0);
		for (k = 0; k < n; k++) {
			int i = (int)evs[k].data.u32;

			if ((size_t)i >= s->high ||
			    s->conns[i].place != CONN_PARKED)
				continue;
			unpark(s, i);
			/* Read it in this very turn, as poll would have. */
			s->pfds[s->conns[i].pidx].revents = POLLIN;
		}
		if (n < SERVER_WAKE_BATCH)
			break;
	}
}

/* Bytes of the blocks the pools have handed out. */
static size_t
pool_bytes(const struct server *s)
{
	return pool_outstanding(s->in_pool) * pool_block_size(s->in_pool) +
	    pool_outstanding(s->out_pool) * pool_block_size(s->out_pool);
}

/* Whether enough was freed since the last trim to give memory back. */
static int
trim_wanted(const struct server *s)
{
	return pool_bytes(s) + SERVER_TRIM_MIN <= s->trim_peak ||
	    s->trim_closes >= SERVER_TRIM_CLOSES ||
	    chat_channel_count(s->chat) + SERVER_TRIM_CLOSES <=
	    s->trim_channels ||
	    (s->renew_in && pool_outstanding(s->in_pool) == 0) ||
	    (s->renew_out && pool_outstanding(s->out_pool) == 0);
}

/*
 * A pool with no block out is replaced by an empty one, so that the free
 * blocks it kept (up to SERVER_POOL_KEEP) are freed.  Returns 0 then, or
 * 1 if the pool had to stay (a block is out, or no memory for a new one):
 * the next trim comes once its last block is back.
 */
static unsigned char
renew_pool(struct pool **p)
{
	struct pool *fresh;

	if (pool_outstanding(*p) > 0)
		return 1;
	fresh = pool_new(pool_block_size(*p), SERVER_POOL_KEEP);
	if (fresh == NULL)
		return 1;
	pool_free(*p);
	*p = fresh;
	return 0;
}

/* Gives memory freed after a load back to the system, when it is due. */
static void
maybe_trim(struct server *s)
{
	size_t now_bytes = pool_bytes(s),
	       channels = chat_channel_count(s->chat);

	if (now_bytes > s->trim_peak)
		s->trim_peak = now_bytes;
	if (channels > s->trim_channels)
		s->trim_channels = channels;
	if (s->any_ready || !trim_wanted(s) ||
	    s->now < s->trim_last + SERVER_TRIM_MS)
		return;
	s->renew_in = renew_pool(&s->in_pool);
	s->renew_out = renew_pool(&s->out_pool);
#ifdef SERVER_ASAN
	__sanitizer_purge_allocator();
#else
	(void)malloc_trim(0);
#endif
	s->trim_last = s->now;
	s->trim_peak = now_bytes;
	s->trim_closes = 0;
	s->trim_channels = channels;
	log_line(s, 2, "gave freed memory back in %llu ms (%zu bytes in use)",
	    (unsigned long long)(clock_ms(CLOCK_MONOTONIC) - s->now),
	    now_bytes);
}

static int
poll_timeout(const struct server *s)
{
	uint64_t next = UINT64_MAX, t;

	/* Overflows found after this turn's close (in its flush) wait for none.
	 */
	if (s->any_ready || s->noverflowed > 0)
		return 0;
	if (deadlines_next(s->deadlines, &t))
		next = t;
	if (s->listen_resume != 0)
		next = min_u64(next, s->listen_resume);
	if (s->shutdown_at != 0)
		next = min_u64(next, s->shutdown_at);
	if (s->store != NULL || s->rlog != NULL)
		next = min_u64(next, s->maint_at);
	if (s->rlog != NULL)
		next = min_u64(next, redis_log_deadline(s->rlog));
	/* A trim held back by SERVER_TRIM_MS comes on an idle loop too. */
	if (trim_wanted(s))
		next = min_u64(next, s->trim_last + SERVER_TRIM_MS);
	if (next == UINT64_MAX)
		return -1;
	if (next <= s->now)
		return 0;
	/* Round up so that the deadline has passed when poll returns. */
	return next - s->now > INT32_MAX ? INT32_MAX : (int)(next - s->now);
}

/* Shutdown. */

static void
begin_shutdown(struct server *s)
{
	size_t i;

	log_line(s, 0, "signal %d: closing %zu connections", (int)stop_signal,
	    s->nconns);
	s->stopping = 1;
	close(s->pfds[SLOT_LISTEN].fd);
	s->pfds[SLOT_LISTEN].fd = -1;
	if (s->pfds[SLOT_TLS_LISTEN].fd >= 0)
		close(s->pfds[SLOT_TLS_LISTEN].fd);
	s->pfds[SLOT_TLS_LISTEN].fd = -1;
	s->shutdown_at = s->now + SERVER_SHUTDOWN_MS;
	chat_stop(s->chat);
	/* Its users go from the other nodes now, not when the lease ends. */
	if (s->rlog != NULL)
		redis_log_leave(s->rlog, s->now);
	for (i = 0; i < s->high; i++) {
		if (s->conns[i].state == CONN_OPEN)
			chat_close(
			    s->chat, (int)i, PROTO_E_SHUTDOWN, NULL, s->wall);
		else if (s->conns[i].state == CONN_HANDSHAKE)
			close_conn(s, (int)i);
		s->noverflowed = 0;
	}
}

/* Logs the fingerprint of the certificate new TLS connections get. */
static void
log_fingerprint(const struct server *s, const char *what)
{
	char fp[TRANSPORT_TLS_FP_MAX];

	if (transport_tls_fingerprint(s->tls, fp, sizeof(fp)) < 0)
		snprintf(fp, sizeof(fp), "unknown");
	log_line(
	    s, 0, "%s %s: sha256 Fingerprint=%s", what, s->cfg->tls_cert, fp);
}

/*
 * The ban file again: a file that cannot be read keeps the old list.
 * Connections the new list bans, by address or by name, are closed.
 */
static void
reload_bans(struct server *s)
{
	struct ban_list *b;
	char err[BAN_ERR_MAX];
	size_t i, n = 0;

	b = ban_load(s->cfg->ban_file, err, sizeof(err));
	if (b == NULL) {
		log_line(s, 0,
		    "signal %d: reloading failed, keeping the old bans: %s",
		    SIGHUP, err);
		return;
	}
	ban_free(s->bans);
	s->bans = b;
	chat_set_bans(s->chat, b);
	for (i = 0; i < s->high; i++) {
		struct conn *c = &s->conns[i];

		if (c->state != CONN_OPEN && c->state != CONN_HANDSHAKE)
			continue;
		if (c->addr == NULL || !ban_addr_match(b, c->addr->ip))
			continue;
		if (c->state == CONN_OPEN)
			chat_close(
			    s->chat, (int)i, PROTO_E_BANNED, NULL, s->wall);
		else
			close_conn(s, (int)i);
		n++;
	}
	n += chat_enforce_bans(s->chat, s->wall);
	log_line(s, 0, "signal %d: %zu bans read from %s; %zu closed", SIGHUP,
	    ban_count(b), s->cfg->ban_file, n);
}

/*
 * SIGHUP: what the server read from files at start-up is read again here,
 * between turns, with every connection kept: the ban file (see
 * reload_bans), the TLS certificate and key, into a new context for new
 * connections (those set up keep the old one till they close).  A failed
 * reload keeps the old context.
 */
static void
reload(struct server *s)
{
	struct ssl_ctx_st *ctx;
	char err[512];

	if (s->cfg->ban_file != NULL)
		reload_bans(s);
	if (s->tls == NULL) {
		if (s->cfg->ban_file == NULL)
			log_line(s, 0,
			    "signal %d: reloading: nothing to reload", SIGHUP);
		return;
	}
	ctx = transport_tls_new(
	    s->cfg->tls_cert, s->cfg->tls_key, err, sizeof(err));
	if (ctx == NULL) {
		log_line(s, 0,
		    "signal %d: reloading failed, keeping the old certificate: "
		    "%s",
		    SIGHUP, err);
		return;
	}
	transport_tls_free(s->tls);
	s->tls = ctx;
	log_fingerprint(s, "reloaded certificate");
}

static void
drain_signal_pipe(struct server *s)
{
	char buf[64];

	while (read(s->pfds[SLOT_SIGNAL].fd, buf, sizeof(buf)) > 0)
		continue;
}

/* One pass over the connections poll reported or that have lines left. */
static void
serve_conns(struct server *s)
{
	size_t k, n = 0;

	/*
	 * First note who needs serving: serving changes the poll set (closes
	 * swap entries around, wakes append them).
	 */
	for (k = SLOT_FIRST; k < SLOT_FIRST + s->npfd; k++) {
		int i = s->pfd_slot[k - SLOT_FIRST];

		if (s->pfds[k].revents == 0 &&
		    !(s->conns[i].flags & CONN_READY))
			continue;
		s->work[n] = i;
		s->work_ev[n++] = s->pfds[k].revents;
		s->pfds[k].revents = 0;
	}
	s->any_ready = 0;
	for (k = 0; k < n; k++) {
		int i = s->work[k];
		struct conn *c = &s->conns[i];
		short re = s->work_ev[k];

		if (c->state == CONN_FREE)
			continue;
		if (re & POLLNVAL) {
			lost_conn(s, i, "invalid descriptor");
			continue;
		}
		if ((re & POLLOUT) && outq_bytes(&c->out) > 0 &&
		    !(c->flags & CONN_DIRTY)) {
			flush_conn(s, i);
			if (c->state == CONN_FREE)
				continue;
		}
		/*
		 * Input the transport holds is read as if poll had said so,
		 * and so is a read that waited for what the transport wanted.
		 */
		if ((re & (POLLIN | POLLHUP | POLLERR | c->tr.want)) ||
		    ((c->flags & CONN_READY) && transport_held(c) > 0)) {
			read_conn(s, i);
			if (c->state == CONN_FREE)
				continue;
		}
		c->flags &= ~(unsigned)CONN_READY;
		if (c->state == CONN_OPEN)
			take_lines(s, i);
	}
}

/*
 * Steps the handshakes the handshake set says can move, within the
 * turn's budget.  Those left over stay ready in the set, which is
 * level-triggered and hands them out first next time (epoll(7) queues a
 * reported one behind the rest), so poll(2) returns at once for them.
 */
static void
serve_handshakes(struct server *s)
{
	struct epoll_event evs[SERVER_HANDSHAKE_BATCH];
	unsigned steps = SERVER_HANDSHAKE_BUDGET;
	uint64_t start = clock_us();
	int n, k;

	for (;;) {
		n = epoll_wait(s->hsfd, evs, SERVER_HANDSHAKE_BATCH, 0);
		for (k = 0; k < n; k++) {
			int i = (int)evs[k].data.u32;

			if ((size_t)i >= s->high ||
			    s->conns[i].state != CONN_HANDSHAKE ||
			    s->conns[i].place != CONN_SHAKING)
				continue;
			if (steps == 0 ||
			    (steps < SERVER_HANDSHAKE_BUDGET &&
			        clock_us() - start >= SERVER_HANDSHAKE_US)) {
				log_line(s, 2,
				    "TLS handshake budget (%d steps or %d us) "
				    "spent: the rest wait a turn",
				    SERVER_HANDSHAKE_BUDGET,
				    SERVER_HANDSHAKE_US);
				return;
			}
			steps--;
			handshake_conn(s, i);
		}
		if (n < SERVER_HANDSHAKE_BATCH)
			return;
	}
}

/* The TLS context and port.  Returns 0, or -1 after saying why. */
static int
setup_tls_listener(struct server *s, const struct server_config *cfg)
{
	char err[512];
	int fd;

	s->tls =
	    transport_tls_new(cfg->tls_cert, cfg->tls_key, err, sizeof(err));
	if (s->tls == NULL) {
		fprintf(stderr, "txt-chatd: %s\n", err);
		return -1;
	}
	fd = net_listen(cfg->tls_listen, SERVER_BACKLOG, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "txt-chatd: %s\n", err);
		return -1;
	}
	s->pfds[SLOT_TLS_LISTEN].fd = fd;
	s->pfds[SLOT_TLS_LISTEN].events = POLLIN;
	s->hsfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->hsfd < 0) {
		fprintf(stderr, "txt-chatd: epoll: %s\n", strerror(errno));
		return -1;
	}
	s->pfds[SLOT_HANDSHAKE].fd = s->hsfd;
	s->pfds[SLOT_HANDSHAKE].events = POLLIN;
	if (net_local_name(fd, s->tls_name, sizeof(s->tls_name)) < 0)
		snprintf(
		    s->tls_name, sizeof(s->tls_name), "%s", cfg->tls_listen);
	log_fingerprint(s, "certificate");
	return 0;
}

static int
setup(struct server *s, const struct server_config *cfg)
{
	struct chat_sink sink;
	struct chat_config chat_cfg = cfg->chat;
	struct rlimit rl;
	char err[256];
	int pipefd[2], fd, k;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->spare_fd = -1;
	s->epfd = -1;
	s->hsfd = -1;
	/* Take every descriptor the hard limit allows; clients need them. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)cfg->max_clients + SERVER_FD_RESERVE)
		log_line(s, 0,
		    "only %llu descriptors: clients past that are refused",
		    (unsigned long long)rl.rlim_cur);
	sink.ctx = s;
	sink.send = sink_send;
	sink.close = sink_close;
	sink.random = sink_random;
	sink_random(s, &s->addr_key, sizeof(s->addr_key));
	if (cfg->db != NULL && strcmp(cfg->db, ":memory:") != 0) {
		s->store = store_open(cfg->db,
		    cfg->sync_full ? STORE_SYNC_FULL : STORE_SYNC_NORMAL, err,
		    sizeof(err));
		if (s->store == NULL) {
			fprintf(stderr, "txt-chatd: %s\n", err);
			return -1;
		}
	}
	chat_cfg.store = s->store;
	s->chat = chat_new(&chat_cfg, &sink);
	if (s->chat == NULL && s->store != NULL) {
		fprintf(stderr, "txt-chatd: %s: cannot load: %s\n", cfg->db,
		    store_error(s->store));
		return -1;
	}
	/* Accounts live in the store: without one there are none. */
	if (s->store != NULL && s->chat != NULL) {
		s->pwhash =
		    pwhash_new(cfg->hash_threads > 0 ? cfg->hash_threads
		                                     : pwhash_default_threads(),
		        PWHASH_QUEUE_MAX, err, sizeof(err));
		if (s->pwhash == NULL) {
			fprintf(stderr, "txt-chatd: %s\n", err);
			return -1;
		}
		chat_set_pwhash(s->chat, sink_pwhash, s);
	}
	if (cfg->ban_file != NULL) {
		char berr[BAN_ERR_MAX];

		s->bans = ban_load(cfg->ban_file, berr, sizeof(berr));
		if (s->bans == NULL) {
			fprintf(stderr, "txt-chatd: %s\n", berr);
			return -1;
		}
		if (s->chat != NULL)
			chat_set_bans(s->chat, s->bans);
	}
	s->in_pool = pool_new(PROTO_LINE_MAX, SERVER_POOL_KEEP);
	s->out_pool = pool_new(SERVER_CHUNK_SIZE, SERVER_POOL_KEEP);
	s->deadlines = deadlines_new();
	s->pfds = calloc(SLOT_FIRST, sizeof(*s->pfds));
	if (s->chat == NULL || s->in_pool == NULL || s->out_pool == NULL ||
	    s->deadlines == NULL || s->pfds == NULL || grow(s) < 0) {
		fprintf(stderr, "txt-chatd: out of memory\n");
		return -1;
	}
	for (k = 0; k < SLOT_FIRST; k++)
		s->pfds[k].fd = -1;
	fd = net_listen(cfg->listen, SERVER_BACKLOG, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "txt-chatd: %s\n", err);
		return -1;
	}
	s->pfds[SLOT_LISTEN].fd = fd;
	s->pfds[SLOT_LISTEN].events = POLLIN;
	if (pipe(pipefd) < 0) {
		fprintf(stderr, "txt-chatd: pipe: %s\n", strerror(errno));
		return -1;
	}
	for (k = 0; k < 2; k++) {
		(void)fcntl(
		    pipefd[k], F_SETFL, fcntl(pipefd[k], F_GETFL) | O_NONBLOCK);
		(void)fcntl(pipefd[k], F_SETFD, FD_CLOEXEC);
	}
	s->pfds[SLOT_SIGNAL].fd = pipefd[0];
	s->pfds[SLOT_SIGNAL].events = POLLIN;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		fprintf(stderr, "txt-chatd: epoll: %s\n", strerror(errno));
		return -1;
	}
	s->pfds[SLOT_PARKED].fd = s->epfd;
	s->pfds[SLOT_PARKED].events = POLLIN;
	if (s->pwhash != NULL) {
		s->pfds[SLOT_PWHASH].fd = pwhash_fd(s->pwhash);
		s->pfds[SLOT_PWHASH].events = POLLIN;
	}
	if (cfg->redis != NULL && setup_cluster(s, cfg) < 0)
		return -1;
	signal_pipe_write = pipefd[1];
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (net_local_name(fd, s->listen_name, sizeof(s->listen_name)) < 0)
		snprintf(
		    s->listen_name, sizeof(s->listen_name), "%s", cfg->listen);
	return cfg->tls_listen != NULL ? setup_tls_listener(s, cfg) : 0;
}

static void
teardown(struct server *s)
{
	size_t i;

	for (i = 0; i < s->high; i++)
		if (s->conns[i].state != CONN_FREE)
			close_conn(s, (int)i);
	/* Every address node went with its last connection. */
	hmap_clear(&s->addrs);
	if (s->pfds != NULL) {
		/* The hashing pipe is pwhash_free's to close, the Redis
		 * sockets the log's. */
		for (i = 0; i < SLOT_FIRST; i++)
			if (s->pfds[i].fd >= 0 && i != SLOT_PWHASH &&
			    i != SLOT_REDIS && i != SLOT_REDIS + 1)
				close(s->pfds[i].fd);
	}
	/* Appends still waiting fail quietly: nobody is left to tell. */
	if (s->chat != NULL && s->rlog != NULL)
		chat_cluster_stop(s->chat);
	redis_log_free(s->rlog);
	/* Threads stop before the chat that reads their results goes. */
	pwhash_free(s->pwhash);
	if (signal_pipe_write >= 0)
		close(signal_pipe_write);
	signal_pipe_write = -1;
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	transport_tls_free(s->tls);
	chat_free(s->chat);
	ban_free(s->bans);
	if (s->store != NULL)
		log_line(s, 1, "longest commit: %llu us",
		    (unsigned long long)store_max_commit_us(s->store));
	store_close(s->store);
	deadlines_free(s->deadlines);
	pool_free(s->in_pool);
	pool_free(s->out_pool);
	free(s->pfds);
	free(s->conns);
	free(s->free_slots);
	free(s->dirty);
	free(s->overflowed);
	free(s->pfd_slot);
	free(s->work);
	free(s->work_ev);
}

int
server_run(const struct server_config *cfg)
{
	struct sigaction sa;
	struct server s;
	int status = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* A database past the file size limit is a write error, not a kill. */
	sigaction(SIGXFSZ, &sa, NULL);
	if (setup(&s, cfg) < 0) {
		teardown(&s);
		return 1;
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Said once a signal would be handled: a script may send one as soon
	 * as it reads this. */
	if (s.tls != NULL)
		fprintf(stderr, "listening for TLS on %s\n", s.tls_name);
	fprintf(stderr, "listening on %s\n", s.listen_name);
	for (;;) {
		int n;

		cluster_pollfds(&s);
		n = poll(s.pfds, SLOT_FIRST + s.npfd, poll_timeout(&s));

		if (n < 0 && errno != EINTR) {
			log_line(&s, 0, "poll: %s", strerror(errno));
			status = 1;
			break;
		}
		s.now = clock_ms(CLOCK_MONOTONIC);
		s.wall = clock_ms(CLOCK_REALTIME);
		if (n > 0 && s.pfds[SLOT_SIGNAL].revents)
			drain_signal_pipe(&s);
		if (reload_signal) {
			reload_signal = 0;
			reload(&s);
		}
		if (stop_signal && !s.stopping)
			begin_shutdown(&s);
		if (s.stopping && (s.nconns == 0 || s.now >= s.shutdown_at))
			break;
		if (n > 0 && s.pfds[SLOT_PARKED].revents)
			wake_parked(&s);
		s.pfds[SLOT_PARKED].revents = 0;
		if (n > 0 && !s.stopping && s.pfds[SLOT_LISTEN].revents)
			accept_clients(&s, SLOT_LISTEN, setup_plain);
		if (n > 0 && !s.stopping && s.pfds[SLOT_TLS_LISTEN].revents)
			accept_clients(&s, SLOT_TLS_LISTEN, setup_tls);
		if (n > 0 && s.pfds[SLOT_PWHASH].revents)
			collect_hashes(&s);
		s.pfds[SLOT_LISTEN].revents = 0;
		s.pfds[SLOT_TLS_LISTEN].revents = 0;
		s.pfds[SLOT_SIGNAL].revents = 0;
		s.pfds[SLOT_PWHASH].revents = 0;
		/* Events read back are delivered before the turn's lines. */
		if (s.rlog != NULL) {
			if (n > 0)
				redis_log_io(
				    s.rlog, &s.pfds[SLOT_REDIS], 2, s.now);
			redis_log_tick(s.rlog, s.now);
			/* The lease's renewals (a third of it) wake the loop.
			 */
			chat_cluster_tick(s.chat, s.wall);
		}
		serve_conns(&s);
		/* Talkers first: a storm of handshakes waits behind them. */
		if (n > 0 && s.pfds[SLOT_HANDSHAKE].revents)
			serve_handshakes(&s);
		s.pfds[SLOT_HANDSHAKE].revents = 0;
		/*
		 * Deadlines are judged only after the input poll saw is read:
		 * after a stall (SIGSTOP, swap) longer than a timeout, a pong
		 * or reg already in the socket must count.  After EINTR poll
		 * saw nothing, so they wait one turn (poll then returns at
		 * once, with what is readable).
		 */
		if (n >= 0)
			run_deadlines(&s);
		handle_overflows(&s);
		if ((s.store != NULL || s.rlog != NULL) && s.now >= s.maint_at)
			s.maint_at = s.now +
			    (chat_maintain(s.chat, s.wall)
			            ? SERVER_MAINT_BUSY_MS
			            : SERVER_MAINT_MS);
		/*
		 * The turn's events are committed before its first write: no
		 * echo or delivery leaves for a message that is not stored.
		 * If the commit fails, nothing of this turn is sent: the
		 * server exits (see txt-chatd(8)) and a supervisor restarts
		 * it on what was committed.
		 */
		if (s.store != NULL && store_commit(s.store) < 0) {
			log_line(&s, 0,
			    "storage failed: %s: exiting without sending this "
			    "turn's replies",
			    store_error(s.store));
			status = 1;
			break;
		}
		/* The turn's appends leave in one write. */
		if (s.rlog != NULL)
			redis_log_flush(s.rlog);
		flush_dirty(&s);
		if (s.stopping && s.nconns == 0)
			break;
		maybe_trim(&s);
	}
	log_line(&s, 0, "exiting");
	teardown(&s);
	return status;
}

/* link.c: the client's TCP connection: resolve, connect, lines in, coalesced
 * writes out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line.h"
#include "link.h"
#include "proto.h"
#include "tls.h"

/*
 * uv_timer_stop(), uv_prepare_stop() and uv_read_stop() are documented to
 * return 0 always, so their results are not checked below.
 */

/* A write buffer bigger than this is freed after its write, not kept. */
#define LINK_BUF_KEEP (64 * 1024)
/* First size of a write buffer, in bytes. */
#define LINK_BUF_FIRST 4096
/* Lines handed to the owner before reading pauses for a loop turn. */
#define LINK_TURN_LINES 256
/* Bytes read (and dropped) at a time while a let-go connection drains. */
#define LINK_DRAIN_MAX 1024
/* Seconds of silence before the kernel starts keepalive probes. */
#define LINK_KEEPALIVE_S 60
/* Bytes of ciphertext read from the socket at a time (one TLS record). */
#define LINK_CIPHER_MAX (16 * 1024 + 512)

enum link_state {
	LINK_IDLE,       /* nothing under way */
	LINK_RESOLVING,  /* l->gai is out */
	LINK_CONNECTING, /* l->conn is connecting, l->timer runs */
	LINK_HANDSHAKE,  /* l->conn is up, TLS is being negotiated */
	LINK_CONNECTED,  /* l->conn is up and reading */
};

/*
 * One connect attempt, then the connection.  It holds its own handles,
 * requests and output so that after link_close() it can finish on its own
 * while the link goes on (conn->link is NULL from then on, and none of
 * its callbacks touches the link again).
 */
struct link_conn {
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	uv_shutdown_t shutdown;
	uv_timer_t linger; /* bounds a graceful close */
	struct link *link; /* the owner, or NULL once let go */
	int handles;       /* open handles: the memory goes at 0 */
	int has_linger;    /* linger is initialised */
	int closing;       /* uv_close() called */
	int writing;       /* the write request is in flight */
	int shut;          /* the shutdown request was made */
	char *pend;        /* bytes waiting for the next write */
	size_t pend_len, pend_cap;
	char *wbuf; /* bytes owned by the write in flight */
	size_t wlen, wcap;
	char drain[LINK_DRAIN_MAX];
	struct tls *tls; /* TLS over tcp, or NULL for plain text */
	char *cipher;    /* LINK_CIPHER_MAX bytes read for tls */
};

struct link {
	uv_loop_t *loop;
	struct link_cb cb;
	enum link_state state;
	uv_timer_t timer;         /* the connect timeout */
	uv_prepare_t flush;       /* armed while output waits to be written */
	uv_getaddrinfo_t *gai;    /* the current lookup, or NULL */
	struct addrinfo *ai_list; /* the addresses being tried */
	struct addrinfo *ai_next; /* the next one to try */
	struct link_conn *conn;   /* the current attempt or connection */
	int last_err;             /* why the last address failed */
	int use_tls;              /* the address had tls:// */
	char host[ADDR_HOST_MAX + 1];
	char hostport[LINK_HOSTPORT_MAX + 1];
	uint64_t connect_ms, close_ms;
	/*
	 * Handles open and lookups out, stale ones included: the memory goes
	 * when the last one comes back after link_free().
	 */
	int refs;
	/*
	 * Lines handed out since the last pause.  A burst of lines pauses
	 * reading every LINK_TURN_LINES for one loop turn (resume, an idle
	 * handle, goes on), so keys and redraws never wait behind a burst.
	 */
	unsigned turn_lines;
	uv_idle_t resume;
	struct line_reader reader;
	char rbuf[PROTO_LINE_MAX];
};

static void conn_close(struct link_conn *c);
static void link_try_next(struct link *l);
static void link_timeout_cb(uv_timer_t *t);

/* The owner's text for a libuv error; lookups that find nothing read alike. */
static const char *
link_why(int err)
{
	if (err == UV_EAI_NONAME || err == UV_EAI_NODATA)
		return "no such host";
	return uv_strerror(err);
}

static void
conn_close_cb(uv_handle_t *h)
{
	struct link_conn *c = h->data;

	if (--c->handles > 0)
		return;
	free(c->pend);
	free(c->wbuf);
	tls_free(c->tls);
	free(c->cipher);
	free(c);
}

/* Closes the handles; requests come back cancelled before the memory goes. */
static void
conn_close(struct link_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	c->link = NULL;
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
	if (c->has_linger)
		uv_close((uv_handle_t *)&c->linger, conn_close_cb);
}

/* A new connection attempt of l, or NULL with *err set. */
static struct link_conn *
conn_new(struct link *l, int *err)
{
	struct link_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		*err = UV_ENOMEM;
		return NULL;
	}
	if ((*err = uv_tcp_init(l->loop, &c->tcp)) < 0) {
		free(c);
		return NULL;
	}
	c->handles = 1;
	c->link = l;
	c->tcp.data = c;
	c->connect.data = c;
	c->write.data = c;
	c->shutdown.data = c;
	c->linger.data = c;
	return c;
}

static void conn_write_cb(uv_write_t *req, int status);

/*
 * Hands every waiting byte to one write, unless a write is in flight (its
 * callback comes back here).  The two buffers swap, so none is copied.
 * Returns 0 or a libuv error.
 */
static int
conn_flush(struct link_conn *c)
{
	char *p = c->wbuf;
	size_t cap = c->wcap;
	uv_buf_t buf;
	int r;

	if (c->writing || c->pend_len == 0)
		return 0;
	c->wbuf = c->pend;
	c->wcap = c->pend_cap;
	c->wlen = c->pend_len;
	c->pend = p;
	c->pend_cap = cap;
	c->pend_len = 0;
	buf = uv_buf_init(c->wbuf, (unsigned)c->wlen);
	if ((r = uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1,
	         conn_write_cb)) < 0) {
		c->wlen = 0;
		return r;
	}
	c->writing = 1;
	return 0;
}

static void
conn_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct link_conn *c = req->data;

	if (status < 0)
		conn_close(c);
}

/*
 * The graceful close of a let-go connection, one step per event: write
 * what waits, then shut the sending side down; the read callback closes
 * on the server's EOF and the linger timer if that takes too long.
 */
static void
conn_drain_step(struct link_conn *c, int status)
{
	if (c->closing)
		return;
	if (status < 0 || conn_flush(c) < 0) {
		conn_close(c);
		return;
	}
	if (c->writing || c->shut)
		return;
	if (uv_shutdown(
	        &c->shutdown, (uv_stream_t *)&c->tcp, conn_shutdown_cb) < 0) {
		conn_close(c);
		return;
	}
	c->shut = 1;
}

static void
conn_linger_cb(uv_timer_t *t)
{
	conn_close(t->data);
}

/* Lets c go with a graceful close bounded by ms; the link is untouched. */
static void
conn_linger(struct link_conn *c, uint64_t ms)
{
	c->link = NULL;
	if (uv_timer_init(c->tcp.loop, &c->linger) < 0) {
		conn_close(c);
		return;
	}
	c->handles++;
	c->has_linger = 1;
	if (uv_timer_start(&c->linger, conn_linger_cb, ms, 0) < 0) {
		conn_close(c);
		return;
	}
	conn_drain_step(c, 0);
}

/* Drops everything under way; the link is idle and callback-free after. */
static void
link_reset(struct link *l)
{
	if (l->gai != NULL) {
		/*
		 * A lookup already running cannot be cancelled; its callback
		 * comes later either way and finds itself stale.
		 */
		(void)uv_cancel((uv_req_t *)l->gai);
		l->gai = NULL;
	}
	if (l->ai_list != NULL) {
		uv_freeaddrinfo(l->ai_list);
		l->ai_list = NULL;
		l->ai_next = NULL;
	}
	if (l->conn != NULL) {
		conn_close(l->conn);
		l->conn = NULL;
	}
	(void)uv_timer_stop(&l->timer);
	(void)uv_prepare_stop(&l->flush);
	(void)uv_idle_stop(&l->resume);
	l->turn_lines = 0;
	l->state = LINK_IDLE;
	(void)line_reader_release(&l->reader);
	line_reader_attach(&l->reader, l->rbuf, sizeof(l->rbuf));
}

/* The connection or the attempt failed: the owner hears why. */
static void
link_fail(struct link *l, const char *why)
{
	link_reset(l);
	if (l->cb.closed != NULL)
		l->cb.closed(l->cb.ctx, why);
}

static void
link_unref(struct link *l)
{
	if (--l->refs == 0)
		free(l);
}

static void
link_handle_close_cb(uv_handle_t *h)
{
	link_unref(h->data);
}

static void
link_flush_cb(uv_prepare_t *p)
{
	struct link *l = p->data;
	int r;

	(void)uv_prepare_stop(p);
	if ((l->state == LINK_CONNECTED || l->state == LINK_HANDSHAKE) &&
	    (r = conn_flush(l->conn)) < 0)
		link_fail(l, uv_strerror(r));
}

static void
conn_write_cb(uv_write_t *req, int status)
{
	struct link_conn *c = req->data;
	struct link *l = c->link;

	c->writing = 0;
	c->wlen = 0;
	if (c->wcap > LINK_BUF_KEEP) {
		free(c->wbuf);
		c->wbuf = NULL;
		c->wcap = 0;
	}
	if (c->closing)
		return;
	if (l == NULL) {
		conn_drain_step(c, status);
		return;
	}
	if (status < 0) {
		link_fail(l, uv_strerror(status));
		return;
	}
	/* What came while this write was out goes in the next turn's write. */
	if (c->pend_len > 0 &&
	    (status = uv_prepare_start(&l->flush, link_flush_cb)) < 0)
		link_fail(l, uv_strerror(status));
}

static void
link_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct link_conn *c = h->data;
	size_t avail = sizeof(c->drain);
	char *p = c->drain;

	(void)suggested;
	if (c->link != NULL && c->tls != NULL) {
		p = c->cipher;
		avail = LINK_CIPHER_MAX;
	} else if (c->link != NULL) {
		p = line_reader_space(&c->link->reader, &avail);
	}
	*buf = uv_buf_init(p, (unsigned)avail);
}

/*
 * Hands buffered lines to the owner until none is complete or the turn's
 * share is used up; returns 1 in the second case.  A callback that
 * closed, freed or reconnected the link ends it (returning 0).
 */
static int
link_deliver(struct link *l, struct link_conn *c)
{
	enum line_status st;
	const char *line;
	size_t len;

	while (l->conn == c) {
		if (l->turn_lines >= LINK_TURN_LINES)
			return line_reader_has_line(&l->reader);
		st = line_reader_next(&l->reader, &line, &len);
		if (st == LINE_NONE)
			break;
		l->turn_lines++;
		if (st == LINE_OK) {
			if (l->cb.line != NULL)
				l->cb.line(l->cb.ctx, line, len);
		} else if (l->cb.line_too_long != NULL) {
			l->cb.line_too_long(l->cb.ctx);
		}
	}
	return 0;
}

static void link_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);
static int link_tls_out(struct link *l, struct link_conn *c);
static void link_resume_cb(uv_idle_t *h);

/*
 * Plaintext from TLS into the line reader and lines to the owner, until
 * TLS has no more or the turn's share is used up (returns 1 then).  A
 * failure or a callback that closed the link ends it (returning 0).
 */
static int
link_tls_pull(struct link *l, struct link_conn *c)
{
	size_t avail;
	ssize_t n;
	char *p;
	int r;

	for (;;) {
		if (link_deliver(l, c))
			return 1;
		if (l->conn != c)
			return 0;
		p = line_reader_space(&l->reader, &avail);
		if (avail == 0)
			return 0;
		n = tls_read(c->tls, p, avail);
		if (n == TLS_AGAIN)
			break;
		if (n == TLS_EOF) {
			link_fail(l, "server closed the connection");
			return 0;
		}
		if (n < 0) {
			link_fail(l, tls_strerror(c->tls));
			return 0;
		}
		line_reader_commit(&l->reader, (size_t)n);
	}
	/* Reading can make TLS answer (a key update, an alert). */
	if ((r = link_tls_out(l, c)) < 0)
		link_fail(l, uv_strerror(r));
	return 0;
}

/*
 * The handshake is done: the owner (or, without a verify callback, the
 * system CAs) decides.  Returns 0 to go on, -1 after link_fail().
 */
static int
link_tls_verify(struct link *l, struct link_conn *c)
{
	char fp[TLS_FP_MAX];
	const char *why;
	int ca = tls_ca_verified(c->tls);

	if (tls_fingerprint(c->tls, fp, sizeof(fp)) < 0) {
		link_fail(l, "server sent no certificate");
		return -1;
	}
	if (l->cb.verify != NULL)
		why = l->cb.verify(l->cb.ctx, l->hostport, fp, ca);
	else
		why = ca ? NULL : "server certificate not trusted";
	if (l->conn != c)
		return -1;
	if (why != NULL) {
		link_fail(l, why);
		return -1;
	}
	return 0;
}

/* Ciphertext came: the handshake moves on, or plaintext goes out as lines. */
static void
link_tls_read(struct link *l, struct link_conn *c, const char *data, size_t n)
{
	int r, e;

	if (tls_feed(c->tls, data, n) < 0) {
		link_fail(l, tls_strerror(c->tls));
		return;
	}
	if (l->state == LINK_HANDSHAKE) {
		r = tls_handshake(c->tls);
		if (r < 0) {
			link_fail(l, tls_strerror(c->tls));
			return;
		}
		if ((e = link_tls_out(l, c)) < 0) {
			link_fail(l, uv_strerror(e));
			return;
		}
		if (r != 1)
			return;
		(void)uv_timer_stop(&l->timer);
		if (link_tls_verify(l, c) < 0)
			return;
		l->state = LINK_CONNECTED;
		if (l->cb.connected != NULL)
			l->cb.connected(l->cb.ctx);
		if (l->conn != c || l->state != LINK_CONNECTED)
			return;
	}
	if (link_tls_pull(l, c)) {
		(void)uv_read_stop((uv_stream_t *)&c->tcp);
		if ((e = uv_idle_start(&l->resume, link_resume_cb)) < 0)
			link_fail(l, uv_strerror(e));
	}
}

/* The next loop turn after a pause: more lines, then reading again. */
static void
link_resume_cb(uv_idle_t *h)
{
	struct link *l = h->data;
	struct link_conn *c = l->conn;
	int r;

	l->turn_lines = 0;
	if (l->state != LINK_CONNECTED || c == NULL) {
		(void)uv_idle_stop(h);
		return;
	}
	if ((c->tls != NULL ? link_tls_pull(l, c) : link_deliver(l, c)) ||
	    l->conn != c)
		return;
	(void)uv_idle_stop(h);
	if ((r = uv_read_start(
	         (uv_stream_t *)&c->tcp, link_alloc_cb, link_read_cb)) < 0)
		link_fail(l, uv_strerror(r));
}

static void
link_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct link_conn *c = s->data;
	struct link *l = c->link;
	int r;

	(void)buf;
	if (l == NULL) {
		/* Let go: the server's last bytes are dropped up to its EOF. */
		if (n < 0)
			conn_close(c);
		return;
	}
	if (n == 0)
		return;
	if (n < 0) {
		link_fail(l,
		    n == UV_EOF ? "server closed the connection"
		                : uv_strerror((int)n));
		return;
	}
	if (c->tls != NULL) {
		link_tls_read(l, c, buf->base, (size_t)n);
		return;
	}
	line_reader_commit(&l->reader, (size_t)n);
	if (link_deliver(l, c)) {
		(void)uv_read_stop(s);
		if ((r = uv_idle_start(&l->resume, link_resume_cb)) < 0)
			link_fail(l, uv_strerror(r));
	}
}

/* TCP is up: TLS starts, its handshake bounded by the connect timeout. */
static void
link_tls_start(struct link *l, struct link_conn *c)
{
	char err[128];
	int r;

	l->state = LINK_HANDSHAKE;
	if ((c->cipher = malloc(LINK_CIPHER_MAX)) == NULL ||
	    (c->tls = tls_new(l->host, err, sizeof(err))) == NULL) {
		link_fail(l, "TLS setup failed");
		return;
	}
	if (tls_handshake(c->tls) < 0) {
		link_fail(l, tls_strerror(c->tls));
		return;
	}
	if ((r = link_tls_out(l, c)) < 0 ||
	    (r = uv_timer_start(&l->timer, link_timeout_cb, l->connect_ms, 0)) <
	        0)
		link_fail(l, uv_strerror(r));
}

static void
link_connected_cb(uv_connect_t *req, int status)
{
	struct link_conn *c = req->data;
	struct link *l = c->link;
	int r;

	if (l == NULL)
		return; /* let go: the close cancelled it */
	(void)uv_timer_stop(&l->timer);
	if (status < 0) {
		l->last_err = status;
		l->conn = NULL;
		conn_close(c);
		link_try_next(l);
		return;
	}
	uv_freeaddrinfo(l->ai_list);
	l->ai_list = NULL;
	l->ai_next = NULL;
	if ((r = uv_tcp_nodelay(&c->tcp, 1)) < 0 ||
	    (r = uv_tcp_keepalive(&c->tcp, 1, LINK_KEEPALIVE_S)) < 0 ||
	    (r = uv_read_start(
	         (uv_stream_t *)&c->tcp, link_alloc_cb, link_read_cb)) < 0) {
		link_fail(l, uv_strerror(r));
		return;
	}
	if (l->use_tls) {
		link_tls_start(l, c);
		return;
	}
	l->state = LINK_CONNECTED;
	if (l->cb.connected != NULL)
		l->cb.connected(l->cb.ctx);
}

static void
link_timeout_cb(uv_timer_t *t)
{
	struct link *l = t->data;

	if (l->state == LINK_HANDSHAKE) {
		link_fail(l, "TLS handshake timed out");
		return;
	}
	if (l->state != LINK_CONNECTING)
		return;
	conn_close(l->conn);
	l->conn = NULL;
	l->last_err = UV_ETIMEDOUT;
	link_try_next(l);
}

/* Starts connecting to the next address, or fails with the last error. */
static void
link_try_next(struct link *l)
{
	struct addrinfo *ai;
	struct link_conn *c;
	int r;

	while ((ai = l->ai_next) != NULL) {
		l->ai_next = ai->ai_next;
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if ((c = conn_new(l, &r)) == NULL) {
			l->last_err = r;
			continue;
		}
		if ((r = uv_tcp_connect(&c->connect, &c->tcp, ai->ai_addr,
		         link_connected_cb)) < 0 ||
		    (r = uv_timer_start(
		         &l->timer, link_timeout_cb, l->connect_ms, 0)) < 0) {
			l->last_err = r;
			conn_close(c);
			continue;
		}
		l->conn = c;
		l->state = LINK_CONNECTING;
		return;
	}
	link_fail(l, link_why(l->last_err));
}

static void
link_resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct link *l = req->data;
	int stale = l->gai != req;

	free(req);
	if (stale) {
		uv_freeaddrinfo(res);
		link_unref(l);
		return;
	}
	/* Not stale, so not freed: the handles still hold references. */
	link_unref(l);
	l->gai = NULL;
	if (status < 0) {
		link_fail(l, link_why(status));
		return;
	}
	l->ai_list = res;
	l->ai_next = res;
	l->last_err = UV_EAI_NODATA;
	link_try_next(l);
}

struct link *
link_new(uv_loop_t *loop, const struct link_cb *cb)
{
	struct link *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->loop = loop;
	l->cb = *cb;
	l->state = LINK_IDLE;
	l->connect_ms = LINK_CONNECT_TIMEOUT_MS;
	l->close_ms = LINK_CLOSE_TIMEOUT_MS;
	line_reader_attach(&l->reader, l->rbuf, sizeof(l->rbuf));
	if (uv_timer_init(loop, &l->timer) < 0) {
		free(l);
		return NULL;
	}
	l->timer.data = l;
	l->refs = 1;
	if (uv_prepare_init(loop, &l->flush) < 0) {
		/* The memory goes in the timer's close callback. */
		uv_close((uv_handle_t *)&l->timer, link_handle_close_cb);
		return NULL;
	}
	l->flush.data = l;
	l->refs = 2;
	if (uv_idle_init(loop, &l->resume) < 0) {
		uv_close((uv_handle_t *)&l->timer, link_handle_close_cb);
		uv_close((uv_handle_t *)&l->flush, link_handle_close_cb);
		return NULL;
	}
	l->resume.data = l;
	l->refs = 3;
	return l;
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	link_reset(l);
	uv_close((uv_handle_t *)&l->timer, link_handle_close_cb);
	uv_close((uv_handle_t *)&l->flush, link_handle_close_cb);
	uv_close((uv_handle_t *)&l->resume, link_handle_close_cb);
}

int
link_connect(struct link *l, const char *hostport)
{
	char host[ADDR_HOST_MAX + 1], port[ADDR_PORT_MAX + 1];
	struct addrinfo hints;
	uv_getaddrinfo_t *req;
	int r;

	if (l->state != LINK_IDLE)
		return UV_EBUSY;
	l->use_tls =
	    strncmp(hostport, LINK_TLS_SCHEME, LINK_TLS_SCHEME_LEN) == 0;
	if (l->use_tls)
		hostport += LINK_TLS_SCHEME_LEN;
	if (addr_split(hostport, 0, 0, host, port) < 0 ||
	    strlen(hostport) > LINK_HOSTPORT_MAX)
		return UV_EINVAL;
	memcpy(l->host, host, sizeof(l->host));
	snprintf(l->hostport, sizeof(l->hostport), "%s", hostport);
	if ((req = malloc(sizeof(*req))) == NULL)
		return UV_ENOMEM;
	req->data = l;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = uv_getaddrinfo(
	         l->loop, req, link_resolved_cb, host, port, &hints)) < 0) {
		free(req);
		return r;
	}
	l->gai = req;
	l->refs++;
	l->state = LINK_RESOLVING;
	return 0;
}

/*
 * Queues len bytes (copied) on c for the next write; bounded, the queue
 * stays within LINK_SENDQ_MAX (TLS bounds the plaintext instead, as its
 * records add a little).  Returns 0 or a libuv error.
 */
static int
conn_queue(struct link *l, struct link_conn *c, const char *data, size_t len,
    int bounded)
{
	size_t need, cap;
	char *p;
	int r;

	if (len == 0)
		return 0;
	if (bounded && len > LINK_SENDQ_MAX - c->pend_len - c->wlen)
		return UV_ENOBUFS;
	need = c->pend_len + len;
	if (need > c->pend_cap) {
		cap = c->pend_cap > 0 ? c->pend_cap : LINK_BUF_FIRST;
		while (cap < need)
			cap *= 2;
		if (cap > LINK_SENDQ_MAX && need <= LINK_SENDQ_MAX)
			cap = LINK_SENDQ_MAX;
		if ((p = realloc(c->pend, cap)) == NULL)
			return UV_ENOMEM;
		c->pend = p;
		c->pend_cap = cap;
	}
	/* With a write out, its callback arms the flush instead. */
	if (!c->writing && (r = uv_prepare_start(&l->flush, link_flush_cb)) < 0)
		return r;
	memcpy(c->pend + c->pend_len, data, len);
	c->pend_len += len;
	return 0;
}

/* Moves the ciphertext TLS holds into c's queue; 0 or a libuv error. */
static int
link_tls_out(struct link *l, struct link_conn *c)
{
	char buf[4096];
	size_t n;
	int r;

	while ((n = tls_take(c->tls, buf, sizeof(buf))) > 0)
		if ((r = conn_queue(l, c, buf, n, 0)) < 0)
			return r;
	return 0;
}

int
link_send(struct link *l, const char *data, size_t len)
{
	struct link_conn *c = l->conn;
	int r;

	if (l->state != LINK_CONNECTED)
		return UV_ENOTCONN;
	if (c->tls == NULL)
		return conn_queue(l, c, data, len, 1);
	if (len == 0)
		return 0;
	if (len > LINK_SENDQ_MAX - c->pend_len - c->wlen)
		return UV_ENOBUFS;
	if (tls_write(c->tls, data, len) < 0)
		return UV_EPROTO;
	/* The plaintext is taken: a failure here leaves a broken stream. */
	if ((r = link_tls_out(l, c)) < 0)
		return r;
	return 0;
}

size_t
link_sendq(const struct link *l)
{
	if (l->state != LINK_CONNECTED)
		return 0;
	return l->conn->pend_len + l->conn->wlen;
}

void
link_close(struct link *l)
{
	struct link_conn *c = NULL;

	if (l->state == LINK_CONNECTED) {
		c = l->conn;
		l->conn = NULL;
	}
	link_reset(l);
	if (c != NULL)
		conn_linger(c, l->close_ms);
}

int
link_is_connected(const struct link *l)
{
	return l->state == LINK_CONNECTED;
}

void
link_set_timeouts(struct link *l, uint64_t connect_ms, uint64_t close_ms)
{
	if (connect_ms > 0)
		l->connect_ms = connect_ms;
	if (close_ms > 0)
		l->close_ms = close_ms;
}

uint64_t
link_backoff_ms(unsigned attempt, uint32_t random)
{
	uint64_t d = LINK_BACKOFF_FIRST_MS;
	unsigned i;

	for (i = 0; i < attempt && d < LINK_BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > LINK_BACKOFF_MAX_MS)
		d = LINK_BACKOFF_MAX_MS;
	return d - (d / 4) * random / ((uint64_t)UINT32_MAX + 1);
}

/* test_link.c: the client's connection against a server in the same libuv loop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "link.h"
#include "proto.h"

/* Every test ends within this many ms, or fails. */
#define GUARD_MS 10000
/* Lines and events a test records. */
#define LINES_MAX  64
#define EVENTS_MAX 64
/* Bytes the test server takes in: more than the kernel buffers hold. */
#define RX_MAX (24 * LINK_SENDQ_MAX)

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fx {
	uv_loop_t loop;
	uv_tcp_t server;
	int port;
	uv_tcp_t *peer; /* the last accepted connection, or NULL */
	int accepted;
	int peer_eof; /* EOF or an error on the last peer */
	int close_on_eof;
	char *rx;
	size_t rx_len;
	uv_timer_t guard;
	int timed_out;
	uv_timer_t pause;
	int paused;
	uv_check_t check;
	unsigned turn; /* loop turns so far */
	struct link *link;
	int plain_fd[2]; /* for the connect timeout test, or -1 */
	/* What the link reported. */
	int connected, closed, too_long;
	char why[128];
	char events[EVENTS_MAX +
	    1]; /* C connected, L line, T too long, X closed */
	char *lines[LINES_MAX];
	size_t lens[LINES_MAX];
	unsigned turns[LINES_MAX];
	/* Counting mode for bursts: lines must be "0", "1", ... in order. */
	int count_only;
	int order_bad;
	unsigned long counted;
	unsigned count_turn, in_turn, most_in_turn;
	size_t nlines;
	/* What the owner does from inside its callbacks. */
	size_t free_at, close_at; /* on line number n (1-based), 0 never */
	int reconnect;            /* link_connect again from close_at/closed */
	int echo;                 /* send each line back */
	char hostport[64];
};

/* Runs the loop until expr holds; the guard turns a hang into a failure. */
#define RUN_UNTIL(f, expr)                                                     \
	do {                                                                   \
		while (!(expr) && !(f)->timed_out)                             \
			uv_run(&(f)->loop, UV_RUN_ONCE);                       \
		assert_false((f)->timed_out);                                  \
	} while (0)

static void
event(struct fx *f, char ch)
{
	size_t n = strlen(f->events);

	assert_true(n < EVENTS_MAX);
	f->events[n] = ch;
}

static void
on_connected(void *ctx)
{
	struct fx *f = ctx;

	f->connected++;
	event(f, 'C');
}

static void
on_line(void *ctx, const char *line, size_t len)
{
	struct fx *f = ctx;
	char *copy;

	if (f->count_only) {
		char want[32];

		snprintf(want, sizeof(want), "%lu", f->counted);
		if (len != strlen(want) || memcmp(line, want, len) != 0)
			f->order_bad = 1;
		f->counted++;
		if (f->turn != f->count_turn) {
			f->count_turn = f->turn;
			f->in_turn = 0;
		}
		if (++f->in_turn > f->most_in_turn)
			f->most_in_turn = f->in_turn;
		return;
	}
	assert_true(f->nlines < LINES_MAX);
	assert_non_null(copy = malloc(len + 1));
	memcpy(copy, line, len);
	copy[len] = '\0';
	f->lines[f->nlines] = copy;
	f->lens[f->nlines] = len;
	f->turns[f->nlines] = f->turn;
	f->nlines++;
	event(f, 'L');
	if (f->echo) {
		assert_int_equal(link_send(f->link, line, len), 0);
		assert_int_equal(link_send(f->link, "\n", 1), 0);
	}
	if (f->nlines == f->free_at) {
		link_free(f->link);
		f->link = NULL;
	}
	if (f->nlines == f->close_at) {
		link_close(f->link);
		if (f->reconnect)
			assert_int_equal(link_connect(f->link, f->hostport), 0);
	}
}

static void
on_too_long(void *ctx)
{
	struct fx *f = ctx;

	f->too_long++;
	event(f, 'T');
}

static void
on_closed(void *ctx, const char *why)
{
	struct fx *f = ctx;

	f->closed++;
	snprintf(f->why, sizeof(f->why), "%s", why);
	event(f, 'X');
	assert_false(link_is_connected(f->link));
	if (f->reconnect) {
		f->reconnect = 0;
		assert_int_equal(link_connect(f->link, f->hostport), 0);
	}
}

static void
free_handle_cb(uv_handle_t *h)
{
	free(h);
}

static void
peer_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct fx *f = h->data;

	(void)suggested;
	assert_true(f->rx_len < RX_MAX);
	*buf = uv_buf_init(f->rx + f->rx_len, (unsigned)(RX_MAX - f->rx_len));
}

static void
peer_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct fx *f = s->data;

	(void)buf;
	if (n > 0)
		f->rx_len += (size_t)n;
	if (n >= 0 || (uv_tcp_t *)s != f->peer)
		return;
	f->peer_eof = 1;
	if (f->close_on_eof) {
		uv_close((uv_handle_t *)f->peer, free_handle_cb);
		f->peer = NULL;
	}
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct fx *f = server->data;
	uv_tcp_t *t;

	assert_int_equal(status, 0);
	if (f->peer != NULL) {
		uv_close((uv_handle_t *)f->peer, free_handle_cb);
		f->peer = NULL;
	}
	assert_non_null(t = malloc(sizeof(*t)));
	assert_int_equal(uv_tcp_init(&f->loop, t), 0);
	t->data = f;
	assert_int_equal(uv_accept(server, (uv_stream_t *)t), 0);
	assert_int_equal(
	    uv_read_start((uv_stream_t *)t, peer_alloc_cb, peer_read_cb), 0);
	f->peer = t;
	f->peer_eof = 0;
	f->accepted++;
}

struct srv_write {
	uv_write_t req;
	char data[];
};

static void
srv_write_cb(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

/* The server sends len bytes on the last accepted connection. */
static void
srv_write(struct fx *f, const char *data, size_t len)
{
	struct srv_write *w;
	uv_buf_t buf;

	assert_non_null(f->peer);
	assert_non_null(w = malloc(sizeof(*w) + len));
	memcpy(w->data, data, len);
	buf = uv_buf_init(w->data, (unsigned)len);
	assert_int_equal(
	    uv_write(&w->req, (uv_stream_t *)f->peer, &buf, 1, srv_write_cb),
	    0);
}

static void
srv_puts(struct fx *f, const char *s)
{
	srv_write(f, s, strlen(s));
}

static void
guard_cb(uv_timer_t *t)
{
	struct fx *f = t->data;

	f->timed_out = 1;
	uv_stop(&f->loop);
}

static void
pause_cb(uv_timer_t *t)
{
	struct fx *f = t->data;

	f->paused = 1;
}

static void
check_cb(uv_check_t *c)
{
	struct fx *f = c->data;

	f->turn++;
}

/* Lets the loop run for ms. */
static void
run_for(struct fx *f, uint64_t ms)
{
	f->paused = 0;
	assert_int_equal(uv_timer_start(&f->pause, pause_cb, ms, 0), 0);
	RUN_UNTIL(f, f->paused);
}

static const struct link_cb fx_cb = {
    NULL,
    on_connected,
    on_line,
    on_too_long,
    on_closed,
    NULL,
};

static int
setup(void **state)
{
	struct fx *f;
	struct sockaddr_in sin;
	struct sockaddr_storage ss;
	struct link_cb cb = fx_cb;
	int len = sizeof(ss);

	assert_non_null(f = calloc(1, sizeof(*f)));
	assert_non_null(f->rx = malloc(RX_MAX));
	f->plain_fd[0] = f->plain_fd[1] = -1;
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(uv_tcp_init(&f->loop, &f->server), 0);
	f->server.data = f;
	assert_int_equal(uv_ip4_addr("127.0.0.1", 0, &sin), 0);
	assert_int_equal(
	    uv_tcp_bind(&f->server, (const struct sockaddr *)&sin, 0), 0);
	assert_int_equal(
	    uv_listen((uv_stream_t *)&f->server, 16, on_connection), 0);
	assert_int_equal(
	    uv_tcp_getsockname(&f->server, (struct sockaddr *)&ss, &len), 0);
	f->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	snprintf(f->hostport, sizeof(f->hostport), "127.0.0.1:%d", f->port);
	assert_int_equal(uv_timer_init(&f->loop, &f->guard), 0);
	f->guard.data = f;
	assert_int_equal(uv_timer_start(&f->guard, guard_cb, GUARD_MS, 0), 0);
	assert_int_equal(uv_timer_init(&f->loop, &f->pause), 0);
	f->pause.data = f;
	assert_int_equal(uv_check_init(&f->loop, &f->check), 0);
	f->check.data = f;
	assert_int_equal(uv_check_start(&f->check, check_cb), 0);
	uv_unref((uv_handle_t *)&f->check);
	cb.ctx = f;
	assert_non_null(f->link = link_new(&f->loop, &cb));
	*state = f;
	return 0;
}

/*
 * Frees the link, closes the test's handles and runs the loop until every
 * close callback has come: uv_loop_close() fails if any handle is left.
 */
static int
teardown(void **state)
{
	struct fx *f = *state;
	size_t i;
	int i_fd;

	link_free(f->link);
	if (f->peer != NULL)
		uv_close((uv_handle_t *)f->peer, free_handle_cb);
	uv_close((uv_handle_t *)&f->server, NULL);
	uv_close((uv_handle_t *)&f->pause, NULL);
	uv_close((uv_handle_t *)&f->check, NULL);
	f->timed_out = 0;
	assert_int_equal(uv_timer_start(&f->guard, guard_cb, GUARD_MS, 0), 0);
	uv_unref((uv_handle_t *)&f->guard);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_false(f->timed_out);
	uv_close((uv_handle_t *)&f->guard, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	for (i_fd = 0; i_fd < 2; i_fd++)
		if (f->plain_fd[i_fd] >= 0)
			close(f->plain_fd[i_fd]);
	for (i = 0; i < f->nlines; i++)
		free(f->lines[i]);
	free(f->rx);
	free(f);
	return 0;
}

struct walk {
	struct fx *f;
	int count;
};

static void
walk_cb(uv_handle_t *h, void *arg)
{
	struct walk *w = arg;

	if (h->type == UV_TCP && !uv_is_closing(h) &&
	    h != (uv_handle_t *)&w->f->server && h != (uv_handle_t *)w->f->peer)
		w->count++;
}

/* TCP handles open in the loop that are not the test server's. */
static int
link_sockets(struct fx *f)
{
	struct walk w = {f, 0};

	uv_walk(&f->loop, walk_cb, &w);
	return w.count;
}

/* Connects the link to the test server and waits for both ends. */
static void
connect_fx(struct fx *f)
{
	assert_int_equal(link_connect(f->link, f->hostport), 0);
	assert_false(link_is_connected(f->link));
	RUN_UNTIL(f, f->connected == 1 && f->accepted == 1);
	assert_true(link_is_connected(f->link));
}

static void
test_connect_ok(void **state)
{
	struct fx *f = *state;

	connect_fx(f);
	assert_int_equal(f->closed, 0);
	assert_string_equal(f->events, "C");
	/* Connecting twice is refused without a callback. */
	assert_int_equal(link_connect(f->link, f->hostport), UV_EBUSY);
}

static void
test_connect_busy_while_resolving(void **state)
{
	struct fx *f = *state;

	assert_int_equal(link_connect(f->link, f->hostport), 0);
	assert_int_equal(link_connect(f->link, f->hostport), UV_EBUSY);
	assert_int_equal(link_send(f->link, "x\n", 2), UV_ENOTCONN);
	RUN_UNTIL(f, f->connected == 1);
}

static void
test_connect_bad_hostport(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {"", "127.0.0.1",
	    "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", ":9090", "::1:9090",
	    "[::1]9090", "a b:1"};
	size_t i;

	for (i = 0; i < N(bad); i++)
		assert_int_equal(link_connect(f->link, bad[i]), UV_EINVAL);
	run_for(f, 20);
	assert_string_equal(f->events, "");
}

static void
test_lines_split_across_writes(void **state)
{
	struct fx *f = *state;
	static const char *const chunks[] = {
	    "hel", "lo\nwor", "ld\r", "\nla", "st", "\n"};
	size_t i;

	connect_fx(f);
	for (i = 0; i < N(chunks); i++) {
		srv_puts(f, chunks[i]);
		run_for(f, 15);
	}
	RUN_UNTIL(f, f->nlines == 3);
	assert_string_equal(f->lines[0], "hello");
	assert_string_equal(f->lines[1], "world");
	assert_string_equal(f->lines[2], "last");
	/* Each line came in a read of its own. */
	assert_true(f->turns[0] < f->turns[1] && f->turns[1] < f->turns[2]);
}

static void
test_five_lines_one_write(void **state)
{
	struct fx *f = *state;
	static const char *const want[] = {"a", "bb", "ccc", "dddd", "eeeee"};
	size_t i;

	connect_fx(f);
	srv_puts(f, "a\nbb\nccc\ndddd\neeeee\n");
	RUN_UNTIL(f, f->nlines == 5);
	for (i = 0; i < N(want); i++) {
		assert_string_equal(f->lines[i], want[i]);
		/* All in one read callback, so one redraw would show them. */
		assert_int_equal(f->turns[i], f->turns[0]);
	}
	run_for(f, 20);
	assert_int_equal(f->nlines, 5);
}

/* A burst is handed out in shares, so a loop turn never runs for long. */
static void
test_burst_yields_between_turns(void **state)
{
	struct fx *f = *state;
	enum { LINES = 5000 };
	char *buf = malloc(LINES * 8);
	size_t len = 0;
	unsigned long i;

	assert_non_null(buf);
	connect_fx(f);
	f->count_only = 1;
	for (i = 0; i < LINES; i++)
		len += (size_t)sprintf(buf + len, "%lu\n", i);
	srv_write(f, buf, len);
	free(buf);
	RUN_UNTIL(f, f->counted == LINES);
	assert_false(f->order_bad);
	/* At most one share (256 lines) per loop turn. */
	assert_true(f->most_in_turn <= 256);
	assert_true(f->most_in_turn > 0);
}

static void
test_crlf(void **state)
{
	struct fx *f = *state;

	connect_fx(f);
	srv_puts(f, "one\r\ntwo\r\n\r\n\n3\r\r\n");
	RUN_UNTIL(f, f->nlines == 5);
	assert_string_equal(f->lines[0], "one");
	assert_string_equal(f->lines[1], "two");
	assert_int_equal(f->lens[2], 0);
	assert_int_equal(f->lens[3], 0);
	/* Only the CR right before the LF goes. */
	assert_string_equal(f->lines[4], "3\r");
}

/* Lines at the limit: PROTO_LINE_MAX bytes with the LF fit, one more does not.
 */
static void
test_line_limits(void **state)
{
	struct fx *f = *state;
	size_t big = 3 * PROTO_LINE_MAX;
	char *buf;

	assert_non_null(buf = malloc(big + 1));
	connect_fx(f);
	memset(buf, 'x', big);
	buf[PROTO_LINE_MAX - 1] = '\n';
	srv_write(f, buf, PROTO_LINE_MAX);
	buf[PROTO_LINE_MAX - 2] = '\r';
	srv_write(f, buf, PROTO_LINE_MAX);
	buf[PROTO_LINE_MAX - 2] = 'x';
	buf[PROTO_LINE_MAX - 1] = 'x';
	buf[PROTO_LINE_MAX] = '\n';
	srv_write(f, buf, PROTO_LINE_MAX + 1);
	srv_puts(f, "next\n");
	buf[PROTO_LINE_MAX] = 'x';
	buf[big] = '\n';
	srv_write(f, buf, big + 1);
	srv_puts(f, "ok\n");
	RUN_UNTIL(f, f->nlines == 4);
	assert_string_equal(f->events, "CLLTLTL");
	assert_int_equal(f->lens[0], PROTO_LINE_MAX - 1);
	assert_int_equal(f->lens[1], PROTO_LINE_MAX - 2);
	assert_string_equal(f->lines[2], "next");
	assert_string_equal(f->lines[3], "ok");
	assert_int_equal(f->too_long, 2);
	assert_true(link_is_connected(f->link));
	free(buf);
}

static void
test_server_closes(void **state)
{
	struct fx *f = *state;

	connect_fx(f);
	srv_puts(f, "bye\n");
	uv_close((uv_handle_t *)f->peer, free_handle_cb);
	f->peer = NULL;
	RUN_UNTIL(f, f->closed == 1);
	assert_string_equal(f->events, "CLX");
	assert_string_equal(f->why, "server closed the connection");
	assert_false(link_is_connected(f->link));
	assert_int_equal(link_send(f->link, "x\n", 2), UV_ENOTCONN);
	assert_int_equal(link_sendq(f->link), 0);
}

/* A port nobody listens on: bound, read back and closed. */
static int
unused_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, port;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
test_connect_refused(void **state)
{
	struct fx *f = *state;

	snprintf(
	    f->hostport, sizeof(f->hostport), "127.0.0.1:%d", unused_port());
	assert_int_equal(link_connect(f->link, f->hostport), 0);
	RUN_UNTIL(f, f->closed == 1);
	assert_string_equal(f->events, "X");
	assert_string_equal(f->why, uv_strerror(UV_ECONNREFUSED));
	/* Idle again: a new connect may start. */
	snprintf(f->hostport, sizeof(f->hostport), "127.0.0.1:%d", f->port);
	connect_fx(f);
}

static void
test_unknown_host(void **state)
{
	struct fx *f = *state;

	assert_int_equal(link_connect(f->link, "no-such-host.invalid:9090"), 0);
	RUN_UNTIL(f, f->closed == 1);
	assert_string_equal(f->events, "X");
	/* Name service may also be missing or slow on a test machine. */
	assert_true(f->why[0] != '\0');
	assert_false(link_is_connected(f->link));
}

/* The connect timeout: a listener whose backlog is full drops our SYN. */
static void
test_connect_timeout(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	uint64_t start;

	assert_true((f->plain_fd[0] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(
	    bind(f->plain_fd[0], (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f->plain_fd[0], 0), 0);
	assert_int_equal(
	    getsockname(f->plain_fd[0], (struct sockaddr *)&sin, &len), 0);
	assert_true((f->plain_fd[1] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(
	    connect(f->plain_fd[1], (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(f->hostport, sizeof(f->hostport), "127.0.0.1:%d",
	    ntohs(sin.sin_port));
	link_set_timeouts(f->link, 300, 0);
	uv_update_time(&f->loop);
	start = uv_now(&f->loop);
	assert_int_equal(link_connect(f->link, f->hostport), 0);
	RUN_UNTIL(f, f->closed == 1);
	assert_true(uv_now(&f->loop) - start >= 300);
	assert_string_equal(f->events, "X");
	assert_string_equal(f->why, uv_strerror(UV_ETIMEDOUT));
}

/* Freed while its connect hangs: nothing is called, nothing leaks. */
static void
test_free_while_connecting(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_true((f->plain_fd[0] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(
	    bind(f->plain_fd[0], (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f->plain_fd[0], 0), 0);
	assert_int_equal(
	    getsockname(f->plain_fd[0], (struct sockaddr *)&sin, &len), 0);
	assert_true((f->plain_fd[1] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(
	    connect(f->plain_fd[1], (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(f->hostport, sizeof(f->hostport), "127.0.0.1:%d",
	    ntohs(sin.sin_port));
	assert_int_equal(link_connect(f->link, f->hostport), 0);
	run_for(f, 100);
	link_free(f->link);
	f->link = NULL;
	run_for(f, 20);
	assert_string_equal(f->events, "");
}

static void
test_free_while_resolving(void **state)
{
	struct fx *f = *state;

	assert_int_equal(link_connect(f->link, f->hostport), 0);
	link_free(f->link);
	f->link = NULL;
	run_for(f, 20);
	assert_string_equal(f->events, "");
	assert_int_equal(f->accepted, 0);
}

/* Builds "line 00000\n" ... into buf; returns the length. */
static size_t
numbered_lines(char *buf, size_t from, size_t count)
{
	size_t i, len = 0;

	for (i = from; i < from + count; i++)
		len += (size_t)sprintf(buf + len, "line %05zu\n", i);
	return len;
}

static void
test_send_many_in_order(void **state)
{
	struct fx *f = *state;
	size_t per = 2000, rounds = 5, i, r, len, total = 0;
	char *want, line[32];

	assert_non_null(want = malloc(rounds * per * 16));
	connect_fx(f);
	for (r = 0; r < rounds; r++) {
		len = numbered_lines(want + total, r * per, per);
		for (i = 0; i < per; i++) {
			memcpy(line, want + total + i * 11, 11);
			assert_int_equal(link_send(f->link, line, 11), 0);
		}
		total += len;
		/* Nothing goes out before the loop turns: one write per turn.
		 */
		if (r == 0)
			assert_int_equal(link_sendq(f->link), len);
		uv_run(&f->loop, UV_RUN_NOWAIT);
	}
	RUN_UNTIL(f, f->rx_len >= total);
	assert_int_equal(f->rx_len, total);
	assert_memory_equal(f->rx, want, total);
	RUN_UNTIL(f, link_sendq(f->link) == 0);
	free(want);
}

#define CHUNK (LINK_SENDQ_MAX / 4)

/*
 * Bytes queued while a write is out go in the next write: the server
 * stops reading until the kernel buffers are full and a write stays out.
 */
static void
test_send_while_writing(void **state)
{
	struct fx *f = *state;
	size_t chunks = 0, len, i;
	char *chunk, lines[100 * 16];

	assert_non_null(chunk = malloc(CHUNK));
	connect_fx(f);
	assert_int_equal(uv_read_stop((uv_stream_t *)f->peer), 0);
	do {
		assert_true(chunks < RX_MAX / CHUNK - 1);
		memset(chunk, 'a' + (int)chunks, CHUNK);
		assert_int_equal(link_send(f->link, chunk, CHUNK), 0);
		chunks++;
		run_for(f, 20);
	} while (link_sendq(f->link) == 0);
	len = numbered_lines(lines, 0, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(link_send(f->link, lines + i * 11, 11), 0);
	assert_int_equal(
	    uv_read_start((uv_stream_t *)f->peer, peer_alloc_cb, peer_read_cb),
	    0);
	RUN_UNTIL(f, f->rx_len >= chunks * CHUNK + len);
	assert_int_equal(f->rx_len, chunks * CHUNK + len);
	for (i = 0; i < chunks; i++) {
		memset(chunk, 'a' + (int)i, CHUNK);
		assert_memory_equal(f->rx + i * CHUNK, chunk, CHUNK);
	}
	assert_memory_equal(f->rx + chunks * CHUNK, lines, len);
	RUN_UNTIL(f, link_sendq(f->link) == 0);
	free(chunk);
}

static void
test_send_empty_and_not_connected(void **state)
{
	struct fx *f = *state;

	assert_int_equal(link_send(f->link, "x", 1), UV_ENOTCONN);
	assert_int_equal(link_sendq(f->link), 0);
	connect_fx(f);
	assert_int_equal(link_send(f->link, "", 0), 0);
	assert_int_equal(link_sendq(f->link), 0);
}

/* The queue limit at N-1, N, N+1: a refused send queues nothing. */
static void
test_sendq_limit(void **state)
{
	struct fx *f = *state;
	char *buf;
	size_t i;

	assert_non_null(buf = malloc(LINK_SENDQ_MAX + 1));
	for (i = 0; i <= LINK_SENDQ_MAX; i++)
		buf[i] = (char)('a' + i % 26);
	connect_fx(f);
	assert_int_equal(
	    link_send(f->link, buf, LINK_SENDQ_MAX + 1), UV_ENOBUFS);
	assert_int_equal(link_sendq(f->link), 0);
	assert_int_equal(link_send(f->link, buf, LINK_SENDQ_MAX - 1), 0);
	assert_int_equal(link_sendq(f->link), LINK_SENDQ_MAX - 1);
	assert_int_equal(
	    link_send(f->link, buf + LINK_SENDQ_MAX - 1, 2), UV_ENOBUFS);
	assert_int_equal(link_sendq(f->link), LINK_SENDQ_MAX - 1);
	assert_int_equal(link_send(f->link, buf + LINK_SENDQ_MAX - 1, 1), 0);
	assert_int_equal(link_sendq(f->link), LINK_SENDQ_MAX);
	assert_int_equal(link_send(f->link, "z", 1), UV_ENOBUFS);
	RUN_UNTIL(f, f->rx_len >= LINK_SENDQ_MAX);
	assert_int_equal(f->rx_len, LINK_SENDQ_MAX);
	assert_memory_equal(f->rx, buf, LINK_SENDQ_MAX);
	RUN_UNTIL(f, link_sendq(f->link) == 0);
	/* The queue has room again. */
	assert_int_equal(link_send(f->link, "z", 1), 0);
	RUN_UNTIL(f, f->rx_len == LINK_SENDQ_MAX + 1);
	free(buf);
}

/* Freed with a full queue: the connection is cut, nothing leaks. */
static void
test_free_with_pending_writes(void **state)
{
	struct fx *f = *state;
	char *buf;

	assert_non_null(buf = calloc(1, LINK_SENDQ_MAX / 2));
	connect_fx(f);
	assert_int_equal(link_send(f->link, buf, LINK_SENDQ_MAX / 2), 0);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_int_equal(link_send(f->link, buf, LINK_SENDQ_MAX / 2), 0);
	link_free(f->link);
	f->link = NULL;
	RUN_UNTIL(f, f->peer_eof);
	assert_true(f->rx_len < LINK_SENDQ_MAX);
	assert_string_equal(f->events, "C");
	free(buf);
}

/* link_close sends everything, then EOF; no callback comes. */
static void
test_close_graceful(void **state)
{
	struct fx *f = *state;
	size_t count = 20000, len;
	char *want;

	assert_non_null(want = malloc(count * 16));
	f->close_on_eof = 1;
	connect_fx(f);
	len = numbered_lines(want, 0, count);
	assert_int_equal(link_send(f->link, want, len / 2), 0);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_int_equal(link_send(f->link, want + len / 2, len - len / 2), 0);
	link_close(f->link);
	assert_false(link_is_connected(f->link));
	assert_int_equal(link_sendq(f->link), 0);
	assert_int_equal(link_send(f->link, "x", 1), UV_ENOTCONN);
	RUN_UNTIL(f, f->peer_eof);
	assert_int_equal(f->rx_len, len);
	assert_memory_equal(f->rx, want, len);
	/* The server closed on EOF, and so the lingering socket goes. */
	RUN_UNTIL(f, link_sockets(f) == 0);
	assert_string_equal(f->events, "C");
	free(want);
}

/* A server that never closes: the close timeout ends the linger. */
static void
test_close_timeout(void **state)
{
	struct fx *f = *state;

	link_set_timeouts(f->link, 0, 100);
	connect_fx(f);
	assert_int_equal(link_send(f->link, "quit\n", 5), 0);
	link_close(f->link);
	RUN_UNTIL(f, f->rx_len == 5 && f->peer_eof);
	srv_puts(f, "farewell\n");
	run_for(f, 20);
	assert_int_equal(link_sockets(f), 1);
	RUN_UNTIL(f, link_sockets(f) == 0);
	assert_string_equal(f->events, "C");
	assert_int_equal(f->nlines, 0);
}

static void
test_close_then_reconnect(void **state)
{
	struct fx *f = *state;

	connect_fx(f);
	link_close(f->link);
	assert_int_equal(link_connect(f->link, f->hostport), 0);
	RUN_UNTIL(f, f->connected == 2 && f->accepted == 2);
	srv_puts(f, "again\n");
	RUN_UNTIL(f, f->nlines == 1);
	assert_string_equal(f->events, "CCL");
}

static void
test_free_in_line_callback(void **state)
{
	struct fx *f = *state;

	f->free_at = 2;
	connect_fx(f);
	srv_puts(f, "1\n2\n3\n4\n5\n");
	RUN_UNTIL(f, f->link == NULL);
	run_for(f, 30);
	assert_int_equal(f->nlines, 2);
	assert_string_equal(f->events, "CLL");
}

static void
test_close_and_reconnect_in_line_callback(void **state)
{
	struct fx *f = *state;

	f->close_at = 2;
	f->reconnect = 1;
	connect_fx(f);
	srv_puts(f, "1\n2\n3\n4\n5\n");
	RUN_UNTIL(f, f->connected == 2 && f->accepted == 2);
	assert_string_equal(f->events, "CLLC");
	srv_puts(f, "new\n");
	RUN_UNTIL(f, f->nlines == 3);
	assert_string_equal(f->lines[2], "new");
}

static void
test_send_in_line_callback(void **state)
{
	struct fx *f = *state;

	f->echo = 1;
	connect_fx(f);
	srv_puts(f, "ping 1\nping 2\nping 3\n");
	RUN_UNTIL(f, f->rx_len == 21);
	assert_memory_equal(f->rx, "ping 1\nping 2\nping 3\n", 21);
}

static void
test_reconnect_from_closed_callback(void **state)
{
	struct fx *f = *state;

	connect_fx(f);
	f->reconnect = 1;
	uv_close((uv_handle_t *)f->peer, free_handle_cb);
	f->peer = NULL;
	RUN_UNTIL(f, f->connected == 2 && f->accepted == 2);
	assert_string_equal(f->events, "CXC");
	assert_true(link_is_connected(f->link));
}

static void
test_free_null(void **state)
{
	(void)state;
	link_free(NULL);
}

struct backoff_case {
	unsigned attempt;
	uint32_t random;
	uint64_t want;
};

static void
test_backoff(void **state)
{
	static const struct backoff_case cases[] = {
	    {0, 0, 1000},
	    {1, 0, 2000},
	    {2, 0, 4000},
	    {3, 0, 8000},
	    {4, 0, 16000},
	    {5, 0, 30000},
	    {6, 0, 30000},
	    {UINT_MAX, 0, 30000},
	    {0, UINT32_MAX, 751},
	    {0, UINT32_C(1) << 31, 875},
	    {1, UINT32_C(1) << 31, 1750},
	    {5, UINT32_MAX, 22501},
	    {UINT_MAX, UINT32_MAX, 22501},
	};
	uint64_t d, got;
	unsigned a;
	uint32_t r;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		assert_int_equal(
		    link_backoff_ms(cases[i].attempt, cases[i].random),
		    cases[i].want);
	/* Always within the quarter below the unjittered delay. */
	for (a = 0; a < 12; a++) {
		d = link_backoff_ms(a, 0);
		for (r = 0; r < UINT32_MAX - 99999999u; r += 99999999u) {
			got = link_backoff_ms(a, r);
			assert_true(got <= d && got > d - d / 4);
		}
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_connect_ok),
	    T(test_connect_busy_while_resolving),
	    T(test_connect_bad_hostport),
	    T(test_lines_split_across_writes),
	    T(test_five_lines_one_write),
	    T(test_burst_yields_between_turns),
	    T(test_crlf),
	    T(test_line_limits),
	    T(test_server_closes),
	    T(test_connect_refused),
	    T(test_unknown_host),
	    T(test_connect_timeout),
	    T(test_free_while_connecting),
	    T(test_free_while_resolving),
	    T(test_send_many_in_order),
	    T(test_send_while_writing),
	    T(test_send_empty_and_not_connected),
	    T(test_sendq_limit),
	    T(test_free_with_pending_writes),
	    T(test_close_graceful),
	    T(test_close_timeout),
	    T(test_close_then_reconnect),
	    T(test_free_in_line_callback),
	    T(test_close_and_reconnect_in_line_callback),
	    T(test_send_in_line_callback),
	    T(test_reconnect_from_closed_callback),
	    cmocka_unit_test(test_free_null),
	    cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}

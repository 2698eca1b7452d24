/* testcli.c: a raw line client for driving txt-chatd in integration tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testcli.h"

/* Receive buffer: room for a whole line and what follows it. */
#define TESTCLI_BUF_SIZE (4 * TESTCLI_LINE_MAX)
/* Bytes of a line quoted in a failure message. */
#define TESTCLI_QUOTE_MAX 200
/* Bytes of a label, counting the terminator. */
#define TESTCLI_LABEL_MAX (TESTCLI_UID_MAX + 16)
/* Lines a hello may be preceded by before the helper gives up. */
#define TESTCLI_HELLO_SKIP_MAX 16

static const char welcome[] = "------Welcome to Txt Chat------";

struct testcli {
	struct testsrv_owned owned; /* first: the server frees through it */
	int fd;
	int timeout_ms;
	int eof;
	int err;
	enum testcli_status status;
	unsigned sync_seq;
	size_t start, len; /* unread bytes are buf[start, len) */
	char label[TESTCLI_LABEL_MAX];
	char uid[TESTCLI_UID_MAX];
	char local[TESTCLI_UID_MAX];
	char want_uid[TESTCLI_UID_MAX]; /* the server's prefix, local */
	char buf[TESTCLI_BUF_SIZE + 1];
};

static void
owned_free(struct testsrv_owned *o)
{
	testcli_free((struct testcli *)(void *)o);
}

/* Milliseconds left until deadline, never negative. */
static int
left_ms(long long deadline)
{
	long long d = deadline - testsrv_now_ms();

	return d <= 0 ? 0 : d > INT32_MAX ? INT32_MAX : (int)d;
}

/* Waits for events on fd until deadline. Returns >0 ready, 0 timeout. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p;
	int n;

	do {
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		n = poll(&p, 1, left_ms(deadline));
	} while (n < 0 && errno == EINTR);
	return n;
}

static int
format_addr(const struct sockaddr_in *sin, char *out, size_t size)
{
	char ip[INET_ADDRSTRLEN];

	if (inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)) == NULL)
		return -1;
	snprintf(out, size, "%s:%u", ip, (unsigned)ntohs(sin->sin_port));
	return 0;
}

struct testcli *
testcli_connect(struct testsrv *srv, const char *bind_ip)
{
	return testcli_connect_port(srv, bind_ip, 0);
}

struct testcli *
testcli_connect_port(struct testsrv *srv, const char *bind_ip, int port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct testcli *c = calloc(1, sizeof(*c));
	int one = 1, soerr = 0;
	socklen_t elen = sizeof(soerr);

	if (c == NULL)
		return NULL;
	c->timeout_ms = TESTCLI_TIMEOUT_MS;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fprintf(stderr, "# socket: %s\n", strerror(errno));
		free(c);
		return NULL;
	}
	c->owned.free_cb = owned_free;
	testsrv_adopt(srv, &c->owned);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (bind_ip != NULL || port != 0) {
		if (bind_ip == NULL)
			bind_ip = "127.0.0.1";
		sin.sin_port = htons((uint16_t)port);
		/* Else a port just closed stays taken for a while. */
		(void)setsockopt(
		    c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (inet_pton(AF_INET, bind_ip, &sin.sin_addr) != 1 ||
		    bind(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			fprintf(stderr, "# bind %s: %s\n", bind_ip,
			    strerror(errno));
			goto fail;
		}
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)testsrv_port(srv));
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		if (errno != EINPROGRESS) {
			fprintf(stderr, "# connect: %s\n", strerror(errno));
			goto fail;
		}
		if (wait_fd(c->fd, POLLOUT, testsrv_now_ms() + c->timeout_ms) <=
		    0) {
			fprintf(stderr, "# connect: timed out\n");
			goto fail;
		}
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) <
		        0 ||
		    soerr != 0) {
			fprintf(stderr, "# connect: %s\n", strerror(soerr));
			goto fail;
		}
	}
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (getsockname(c->fd, (struct sockaddr *)&sin, &len) < 0 ||
	    format_addr(&sin, c->local, sizeof(c->local)) < 0) {
		fprintf(stderr, "# getsockname: %s\n", strerror(errno));
		goto fail;
	}
	snprintf(c->label, sizeof(c->label), "client %s", c->local);
	snprintf(c->want_uid, sizeof(c->want_uid), "%.17s%.62s",
	    testsrv_uid_prefix(srv), c->local);
	return c;
fail:
	testcli_free(c);
	return NULL;
}

struct testcli *
testcli_open(struct testsrv *srv)
{
	struct testcli *c = testcli_connect(srv, NULL);

	if (c == NULL)
		fail_msg(
		    "could not connect to 127.0.0.1:%d", testsrv_port(srv));
	return c;
}

void
testcli_free(struct testcli *c)
{
	if (c == NULL)
		return;
	testsrv_disown(&c->owned);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

void
testcli_reset(struct testcli *c)
{
	struct linger lg;

	if (c == NULL)
		return;
	lg.l_onoff = 1;
	lg.l_linger = 0;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	testcli_free(c);
}

int
testcli_shutdown_write(struct testcli *c)
{
	return shutdown(c->fd, SHUT_WR);
}

int
testcli_fd(const struct testcli *c)
{
	return c->fd;
}

void
testcli_set_timeout(struct testcli *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

void
testcli_set_label(struct testcli *c, const char *label)
{
	snprintf(c->label, sizeof(c->label), "%s", label);
}

const char *
testcli_label(const struct testcli *c)
{
	return c->label;
}

const char *
testcli_uid(const struct testcli *c)
{
	return c->uid[0] != '\0' ? c->uid : c->local;
}

const char *
testcli_local(const struct testcli *c)
{
	return c->local;
}

int
testcli_send(struct testcli *c, const void *data, size_t len)
{
	const char *p = data;
	long long deadline = testsrv_now_ms() + c->timeout_ms;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (wait_fd(c->fd, POLLOUT, deadline) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

void
testcli_sendf(struct testcli *c, const char *fmt, ...)
{
	va_list ap;
	char *buf;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fail_msg("%s: bad format %s", c->label, fmt);
	buf = malloc((size_t)n + 2);
	if (buf == NULL)
		fail_msg("%s: out of memory", c->label);
	va_start(ap, fmt);
	vsnprintf(buf, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf[n] = '\n';
	if (testcli_send(c, buf, (size_t)n + 1) < 0) {
		int e = errno;

		free(buf);
		fail_msg("%s: send: %s", c->label, strerror(e));
	}
	free(buf);
}

const char *
testcli_read_within(struct testcli *c, int timeout_ms)
{
	long long deadline = testsrv_now_ms() + timeout_ms;

	for (;;) {
		char *eol = memchr(c->buf + c->start, '\n', c->len - c->start);
		ssize_t n;

		if (eol != NULL) {
			char *line = c->buf + c->start;

			*eol = '\0';
			c->start = (size_t)(eol - c->buf) + 1;
			c->status = TESTCLI_OK;
			return line;
		}
		if (c->len - c->start >= TESTCLI_LINE_MAX) {
			c->status = TESTCLI_TOO_LONG;
			return NULL;
		}
		if (c->start > 0) {
			memmove(c->buf, c->buf + c->start, c->len - c->start);
			c->len -= c->start;
			c->start = 0;
		}
		if (c->eof) {
			c->status = TESTCLI_EOF;
			return NULL;
		}
		n = recv(c->fd, c->buf + c->len, TESTCLI_BUF_SIZE - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->err = errno;
			c->status = TESTCLI_ERROR;
			return NULL;
		}
		if (left_ms(deadline) == 0 ||
		    wait_fd(c->fd, POLLIN, deadline) <= 0) {
			c->status = TESTCLI_TIMEOUT;
			return NULL;
		}
	}
}

const char *
testcli_read(struct testcli *c)
{
	return testcli_read_within(c, c->timeout_ms);
}

enum testcli_status
testcli_status(const struct testcli *c)
{
	return c->status;
}

size_t
testcli_pending(const struct testcli *c)
{
	return c->len - c->start;
}

/* A line or the reason there was none, quoted for a failure message. */
static const char *
describe(const struct testcli *c, const char *line, char *buf, size_t size)
{
	if (line != NULL) {
		size_t len = strlen(line);

		snprintf(buf, size, "'%.*s'%s (%zu bytes)",
		    (int)(len > TESTCLI_QUOTE_MAX ? TESTCLI_QUOTE_MAX : len),
		    line, len > TESTCLI_QUOTE_MAX ? "..." : "", len);
		return buf;
	}
	switch (c->status) {
	case TESTCLI_OK:
		return "a line";
	case TESTCLI_TIMEOUT:
		snprintf(buf, size, "nothing within %d ms", c->timeout_ms);
		return buf;
	case TESTCLI_EOF:
		return "EOF";
	case TESTCLI_ERROR:
		snprintf(buf, size, "error: %s", strerror(c->err));
		return buf;
	case TESTCLI_TOO_LONG:
		return "a line longer than TESTCLI_LINE_MAX";
	}
	return "?";
}

void
testcli_expect(struct testcli *c, const char *want)
{
	const char *got = testcli_read(c);
	char buf[TESTCLI_QUOTE_MAX + 64];

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: expected '%s', got %s", c->label, want,
		    describe(c, got, buf, sizeof(buf)));
}

void
testcli_expectf(struct testcli *c, const char *fmt, ...)
{
	char want[2 * TESTCLI_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	testcli_expect(c, want);
}

const char *
testcli_expect_prefix(struct testcli *c, const char *prefix)
{
	const char *got = testcli_read(c);
	char buf[TESTCLI_QUOTE_MAX + 64];

	if (got == NULL || strncmp(got, prefix, strlen(prefix)) != 0)
		fail_msg("%s: expected a line starting '%s', got %s", c->label,
		    prefix, describe(c, got, buf, sizeof(buf)));
	return got;
}

int
testcli_read_to_eof(struct testcli *c, struct testcli_lines *out)
{
	long long deadline = testsrv_now_ms() + c->timeout_ms;

	for (;;) {
		const char *line = testcli_read_within(c, left_ms(deadline));

		if (line == NULL) {
			if (c->status == TESTCLI_EOF)
				return 0;
			/* A reset once all was read ends the stream too. */
			if (c->status == TESTCLI_ERROR &&
			    c->err == ECONNRESET && c->len == c->start)
				return 0;
			return (int)c->status;
		}
		if (out != NULL)
			testcli_lines_add(out, line);
	}
}

size_t
testcli_expect_last(struct testcli *c, const char *last)
{
	struct testcli_lines l = {NULL, 0, 0};
	char buf[TESTCLI_QUOTE_MAX + 64];
	int st = testcli_read_to_eof(c, &l);
	size_t n = l.n;

	if (st != 0) {
		testcli_lines_free(&l);
		fail_msg("%s: expected '%s' then EOF, got %s after %zu lines",
		    c->label, last, describe(c, NULL, buf, sizeof(buf)), n);
	}
	if (n == 0 || strcmp(l.line[n - 1], last) != 0) {
		describe(
		    c, n > 0 ? l.line[n - 1] : "(no line)", buf, sizeof(buf));
		testcli_lines_free(&l);
		fail_msg("%s: expected '%s' as the last line, got %s", c->label,
		    last, buf);
	}
	testcli_lines_free(&l);
	return n - 1;
}

void
testcli_sync(struct testcli *c, struct testcli_lines *out)
{
	char token[32], ext[48], base[48];
	char buf[TESTCLI_QUOTE_MAX + 64];

	snprintf(token, sizeof(token), "sync%u", ++c->sync_seq);
	snprintf(ext, sizeof(ext), "pong$%s", token);
	snprintf(base, sizeof(base), "$$pong: %s", token);
	testcli_sendf(c, "ping$%s", token);
	for (;;) {
		const char *line = testcli_read(c);

		if (line == NULL)
			fail_msg("%s: no pong for %s: %s", c->label, token,
			    describe(c, NULL, buf, sizeof(buf)));
		if (strcmp(line, ext) == 0 || strcmp(line, base) == 0)
			return;
		if (out != NULL)
			testcli_lines_add(out, line);
	}
}

void
testcli_expect_quiet(struct testcli *c)
{
	struct testcli_lines l = {NULL, 0, 0};
	char buf[TESTCLI_QUOTE_MAX + 64];

	testcli_sync(c, &l);
	if (l.n > 0) {
		describe(c, l.line[0], buf, sizeof(buf));
		testcli_lines_free(&l);
		fail_msg("%s: expected nothing, got %s", c->label, buf);
	}
}

void
testcli_expect_welcome(struct testcli *c)
{
	testcli_expect(c, welcome);
	testcli_expect(c, "");
}

const char *
testcli_base_reg(struct testcli *c, const char *name)
{
	testcli_expect_welcome(c);
	testcli_sendf(c, "reg$%s", name);
	testcli_expect(c, c->want_uid);
	snprintf(c->uid, sizeof(c->uid), "%s", c->want_uid);
	testcli_set_label(c, name);
	return c->uid;
}

struct testcli *
testcli_base_user(struct testsrv *srv, const char *name)
{
	struct testcli *c = testcli_open(srv);

	testcli_base_reg(c, name);
	return c;
}

void
testcli_ext_hello(struct testcli *c)
{
	static const char want[] = "hello$1$3072$32$";
	char buf[TESTCLI_QUOTE_MAX + 64];
	const char *line = NULL;
	int i;

	testcli_sendf(c, "hello$1");
	for (i = 0; i < TESTCLI_HELLO_SKIP_MAX; i++) {
		line = testcli_read(c);
		if (line == NULL || strncmp(line, "hello$", 6) == 0)
			break;
	}
	if (line == NULL || strncmp(line, want, sizeof(want) - 1) != 0 ||
	    line[sizeof(want) - 1] == '\0')
		fail_msg("%s: expected '%s<software>', got %s", c->label, want,
		    describe(c, line, buf, sizeof(buf)));
}

const char *
testcli_ext_reg(struct testcli *c, const char *name)
{
	testcli_sendf(c, "reg$%s", name);
	testcli_expectf(c, "registered$%s$%s", c->want_uid, name);
	snprintf(c->uid, sizeof(c->uid), "%s", c->want_uid);
	testcli_set_label(c, name);
	testcli_expectf(c, "joined$%s$personal$1$~%s", c->uid, name);
	testcli_expectf(c, "names$%s$%s", c->uid, name);
	testcli_expectf(c, "names_end$%s$1", c->uid);
	testcli_expectf(c, "history_end$%s$0", c->uid);
	return c->uid;
}

struct testcli *
testcli_ext_user(struct testsrv *srv, const char *name)
{
	struct testcli *c = testcli_open(srv);

	testcli_ext_hello(c);
	testcli_ext_reg(c, name);
	return c;
}

void
testcli_lines_add(struct testcli_lines *l, const char *line)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **p = realloc(l->line, cap * sizeof(*p));

		if (p == NULL)
			fail_msg("out of memory for lines");
		l->line = p;
		l->cap = cap;
	}
	copy = strdup(line);
	if (copy == NULL)
		fail_msg("out of memory for a line");
	l->line[l->n++] = copy;
}

void
testcli_lines_free(struct testcli_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->line[i]);
	free(l->line);
	l->line = NULL;
	l->n = l->cap = 0;
}

void
testcli_lines_expect(const struct testcli_lines *l, const char *const *want,
    size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n && i < l->n; i++)
		if (strcmp(l->line[i], want[i]) != 0)
			fail_msg("%s: line %zu: expected '%s', got '%s'", what,
			    i, want[i], l->line[i]);
	if (l->n != n)
		fail_msg("%s: expected %zu lines, got %zu%s%s%s", what, n, l->n,
		    l->n > n ? " (first extra: '" : "",
		    l->n > n ? l->line[n] : "", l->n > n ? "')" : "");
}

int
testcli_parse_msg(const char *line, unsigned long *seq, char *sender,
    size_t ssize, const char **text)
{
	const char *p = line, *f[5];
	int k;

	/* Set even on failure: callers fail through a longjmp the compiler
	 * cannot see, and must not read garbage on the way. */
	*seq = 0;
	*text = "";
	if (ssize > 0)
		sender[0] = '\0';
	if (strncmp(line, "msg$", 4) != 0)
		return -1;
	for (k = 0; k < 5; k++) {
		p = strchr(p, '$');
		if (p == NULL)
			return -1;
		f[k] = ++p;
	}
	*seq = strtoul(f[1], NULL, 10);
	snprintf(sender, ssize, "%.*s", (int)(f[4] - f[3] - 1), f[3]);
	*text = f[4];
	return 0;
}

void
testcli_expect_seqs(const unsigned long *seqs, size_t n, unsigned long from)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (seqs[i] != from + i)
			fail_msg("line %zu: seq %lu, want %lu", i, seqs[i],
			    from + (unsigned long)i);
}

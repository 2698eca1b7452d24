/* baseline.c: the raw fan-out floor: a minimal line server that copies each
 * send_msg to every member with no checks, so txt-chatd's figures can be put
 * next to what the machine and the load generator can do. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bytes of one input line, counting its LF, as the protocol's. */
#define BASE_LINE_MAX 4096
/* Bytes queued for one connection before it is dropped; the load generator
 * keeps its window far below this. */
#define BASE_OUT_MAX (64 * 1024 * 1024)
/* First size of an output buffer; it doubles up to BASE_OUT_MAX. */
#define BASE_OUT_FIRST (64 * 1024)
/* Connections at once. */
#define BASE_CONNS_MAX 30000
/* Events taken from one epoll_wait, and connections accepted per turn. */
#define BASE_EVENTS_MAX 1024
#define BASE_ACCEPT_MAX 64
/* Bytes of a name or a uid, counting the terminator. */
#define BASE_NAME_MAX 64
/* The one channel's id: 21 characters, like the server's. */
#define BASE_CHAN_ID "BaselineChannel000001"

struct bconn {
	int fd;
	int member;    /* joined the channel */
	int dirty;     /* in the flush list */
	int armed_out; /* EPOLLOUT requested */
	char rx[BASE_LINE_MAX];
	size_t rx_len;
	char *out;
	size_t out_off, out_len, out_cap;
	char name[BASE_NAME_MAX];
	char uid[BASE_NAME_MAX];
};

struct base {
	int ep, lfd;
	struct bconn **conns; /* by descriptor */
	int *members;         /* descriptors of the channel's members */
	size_t nmembers;
	int *dirty;
	size_t ndirty;
	uint64_t seq;
	uint64_t wall_ms; /* once per turn */
	char chan_name[BASE_NAME_MAX];
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = sig;
}

static void
die(const char *what)
{
	fprintf(stderr, "baseline: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
arm(struct base *b, int fd)
{
	struct bconn *c = b->conns[fd];
	struct epoll_event ev;
	int want = c->out_len > c->out_off;

	if (want == c->armed_out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (epoll_ctl(b->ep, EPOLL_CTL_MOD, fd, &ev) < 0)
		die("epoll_ctl");
	c->armed_out = want;
}

static void
drop(struct base *b, int fd)
{
	struct bconn *c = b->conns[fd];
	size_t k;

	if (c->member) {
		for (k = 0; k < b->nmembers; k++)
			if (b->members[k] == fd) {
				b->members[k] = b->members[--b->nmembers];
				break;
			}
	}
	/* A dirty entry is skipped once the slot is empty. */
	(void)epoll_ctl(b->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(c->out);
	free(c);
	b->conns[fd] = NULL;
}

/* Queues bytes; -1 if the connection is past its limit (it is dropped). */
static int
put(struct base *b, int fd, const char *p, size_t n)
{
	struct bconn *c = b->conns[fd];

	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_cap - c->out_len < n) {
		size_t live = c->out_len - c->out_off, cap = c->out_cap;
		char *q;

		memmove(c->out, c->out + c->out_off, live);
		c->out_off = 0;
		c->out_len = live;
		while (cap - live < n && cap < BASE_OUT_MAX)
			cap = cap ? cap * 2 : BASE_OUT_FIRST;
		if (cap - live < n)
			return -1;
		if (cap != c->out_cap) {
			q = realloc(c->out, cap);
			if (q == NULL)
				return -1;
			c->out = q;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	if (!c->dirty) {
		c->dirty = 1;
		b->dirty[b->ndirty++] = fd;
	}
	return 0;
}

static void putf(struct base *b, int fd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
putf(struct base *b, int fd, const char *fmt, ...)
{
	char buf[BASE_LINE_MAX * 2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(buf))
		(void)put(b, fd, buf, (size_t)n);
}

/* The n-th '$'-separated field of a line (the last one takes the rest). */
static const char *
nth(const char *line, const char *end, int n, size_t *len)
{
	const char *p = line, *e;

	while (n-- > 0) {
		p = memchr(p, '$', (size_t)(end - p));
		if (p == NULL)
			return NULL;
		p++;
	}
	e = memchr(p, '$', (size_t)(end - p));
	*len = (size_t)((e == NULL ? end : e) - p);
	return p;
}

static void
join_seq(struct base *b, int fd)
{
	struct bconn *c = b->conns[fd];

	if (!c->member) {
		c->member = 1;
		b->members[b->nmembers++] = fd;
	}
	putf(b, fd,
	    "joined$%s$channel$%zu$%s\nnames$%s$%s\nnames_end$%s$1\n"
	    "history_end$%s$0\n",
	    BASE_CHAN_ID, b->nmembers, b->chan_name, BASE_CHAN_ID, c->name,
	    BASE_CHAN_ID, BASE_CHAN_ID);
}

/* The only work of a chat server kept: one line copied to every member. */
static void
fan_out(struct base *b, int fd, const char *text, size_t tlen)
{
	char line[BASE_LINE_MAX + 256];
	int h;
	size_t k, n;

	h = snprintf(line, sizeof(line), "msg$%s$%llu$%llu$%s$", BASE_CHAN_ID,
	    (unsigned long long)++b->seq, (unsigned long long)b->wall_ms,
	    b->conns[fd]->name);
	if (h < 0 || (size_t)h + tlen + 1 > sizeof(line))
		return;
	memcpy(line + h, text, tlen);
	n = (size_t)h + tlen;
	line[n++] = '\n';
	for (k = 0; k < b->nmembers;) {
		int m = b->members[k];

		if (put(b, m, line, n) < 0) {
			fprintf(stderr, "baseline: dropping a slow member\n");
			drop(b, m);
			continue;
		}
		k++;
	}
}

static int
is(const char *line, size_t len, const char *cmd)
{
	size_t n = strlen(cmd);

	return len >= n && memcmp(line, cmd, n) == 0;
}

/* Handles one line; returns -1 if the connection was closed. */
static int
do_line(struct base *b, int fd, const char *line, size_t len)
{
	struct bconn *c = b->conns[fd];
	const char *end = line + len, *f;
	size_t flen;

	if (is(line, len, "send_msg$")) {
		f = nth(line, end, 3, &flen);
		if (f != NULL)
			fan_out(b, fd, f, (size_t)(end - f));
	} else if (is(line, len, "ping$")) {
		putf(b, fd, "pong$%.*s\n", (int)(len - 5), line + 5);
	} else if (is(line, len, "hello$")) {
		putf(b, fd, "hello$1$3072$32$baseline/1\n");
	} else if (is(line, len, "reg$")) {
		f = nth(line, end, 1, &flen);
		if (f != NULL && flen < sizeof(c->name)) {
			memcpy(c->name, f, flen);
			c->name[flen] = '\0';
		}
		putf(b, fd, "registered$%s$%s\nhistory_end$%s$0\n", c->uid,
		    c->name, c->uid);
	} else if (is(line, len, "create_chan$")) {
		f = nth(line, end, 2, &flen);
		if (f != NULL && flen < sizeof(b->chan_name)) {
			memcpy(b->chan_name, f, flen);
			b->chan_name[flen] = '\0';
		}
		/* A new run: its messages count from 1 again. */
		b->seq = 0;
		putf(b, fd, "created$%s$%s\n", BASE_CHAN_ID, b->chan_name);
		join_seq(b, fd);
	} else if (is(line, len, "join$")) {
		join_seq(b, fd);
	} else if (is(line, len, "quit")) {
		drop(b, fd);
		return -1;
	}
	return 0;
}

static void
do_read(struct base *b, int fd)
{
	struct bconn *c = b->conns[fd];
	ssize_t n = read(fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len);
	char *p, *end, *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(b, fd);
		return;
	}
	c->rx_len += (size_t)n;
	p = c->rx;
	end = c->rx + c->rx_len;
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (do_line(b, fd, p, (size_t)(nl - p)) < 0)
			return;
		p = nl + 1;
	}
	c->rx_len = (size_t)(end - p);
	if (c->rx_len == sizeof(c->rx)) {
		drop(b, fd);
		return;
	}
	memmove(c->rx, p, c->rx_len);
}

static void
do_write(struct base *b, int fd)
{
	struct bconn *c = b->conns[fd];
	ssize_t n;

	if (c->out_len > c->out_off) {
		n = send(fd, c->out + c->out_off, c->out_len - c->out_off,
		    MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			drop(b, fd);
			return;
		}
		if (n > 0)
			c->out_off += (size_t)n;
	}
	arm(b, fd);
}

static void
do_accept(struct base *b)
{
	int k;

	for (k = 0; k < BASE_ACCEPT_MAX; k++) {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);
		struct epoll_event ev;
		struct bconn *c;
		int one = 1;
		int fd = accept(b->lfd, (struct sockaddr *)&sa, &len);
		char ip[INET_ADDRSTRLEN];

		if (fd < 0)
			return;
		if (fd >= BASE_CONNS_MAX ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		(void)setsockopt(
		    fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		c->fd = fd;
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
		snprintf(c->uid, sizeof(c->uid), "%s:%u", ip,
		    (unsigned)ntohs(sa.sin_port));
		b->conns[fd] = c;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll_ctl");
		putf(b, fd, "------Welcome to Txt Chat------\n\n");
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[BASE_EVENTS_MAX];
	struct sockaddr_in sa;
	struct sigaction act;
	struct rlimit rl;
	struct timespec ts;
	socklen_t len = sizeof(sa);
	struct base b;
	int port = argc > 1 ? atoi(argv[1]) : 0, one = 1;

	if (argc > 2 || port < 0 || port > 65535) {
		fprintf(stderr, "usage: baseline [port]\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	act.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &act, NULL);
	b.conns = calloc(BASE_CONNS_MAX, sizeof(*b.conns));
	b.members = calloc(BASE_CONNS_MAX, sizeof(*b.members));
	b.dirty = calloc(BASE_CONNS_MAX, sizeof(*b.dirty));
	if (b.conns == NULL || b.members == NULL || b.dirty == NULL)
		die("calloc");
	b.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b.lfd < 0)
		die("socket");
	(void)setsockopt(b.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(b.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(b.lfd, 4096) < 0 ||
	    getsockname(b.lfd, (struct sockaddr *)&sa, &len) < 0)
		die("listen");
	b.ep = epoll_create1(EPOLL_CLOEXEC);
	if (b.ep < 0)
		die("epoll_create1");
	memset(&evs[0], 0, sizeof(evs[0]));
	evs[0].events = EPOLLIN;
	evs[0].data.fd = b.lfd;
	if (epoll_ctl(b.ep, EPOLL_CTL_ADD, b.lfd, &evs[0]) < 0)
		die("epoll_ctl");
	fprintf(stderr, "listening on 127.0.0.1:%u\n",
	    (unsigned)ntohs(sa.sin_port));
	while (!stop) {
		int n = epoll_wait(b.ep, evs, BASE_EVENTS_MAX, -1), k;
		size_t d;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		b.wall_ms =
		    (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		for (k = 0; k < n; k++) {
			int fd = evs[k].data.fd;

			if (fd == b.lfd) {
				do_accept(&b);
				continue;
			}
			if (b.conns[fd] == NULL)
				continue;
			if ((evs[k].events & EPOLLOUT) && !b.conns[fd]->dirty)
				do_write(&b, fd);
			if (b.conns[fd] != NULL &&
			    (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				do_read(&b, fd);
		}
		/* One write per connection per turn, as txt-chatd does. */
		for (d = 0; d < b.ndirty; d++) {
			int fd = b.dirty[d];

			if (b.conns[fd] == NULL)
				continue;
			b.conns[fd]->dirty = 0;
			do_write(&b, fd);
		}
		b.ndirty = 0;
	}
	return 0;
}

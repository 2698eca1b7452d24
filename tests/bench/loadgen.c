/* loadgen.c: drives txt-chatd (or the baseline) over loopback with many
 * extended-mode connections, in plain text or TLS, and prints one
 * key=value result line. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* A protocol line, counting its LF. */
#define LG_LINE_MAX 4096
/*
 * Joins tried again when a node of several has not yet read the
 * channel's creation from the shared log.
 */
#define LG_JOIN_TRIES 200
/*
 * Receive buffers, no terminator: an active member reads big batches, an
 * idle connection only has to hold one whole line.  A line that does not
 * fit is a protocol error and closes the connection.
 */
#define LG_RX_ACTIVE (32 * 1024)
#define LG_RX_IDLE   (2 * LG_LINE_MAX)
/* Send buffers; whoever finds no room waits for the next turn. */
#define LG_TX_ACTIVE (16 * 1024)
#define LG_TX_IDLE   512
#define LG_TX_SOAK   (16 * 1024)
/* Connections in one run. */
#define LG_CONNS_MAX 30000
/* Other nodes --other-port names at most. */
#define LG_OTHER_PORTS_MAX 8
/* Connections not yet registered, so the listen queue never overflows. */
#define LG_CONNECTING_MAX 256
/* Events taken from one epoll_wait. */
#define LG_EVENTS_MAX 1024
/* Reads of one connection per event. */
#define LG_READS_PER_EVENT 4
/* Messages in one run; the bookkeeping arrays are this long at most. */
#define LG_TOTAL_MAX (16u * 1024 * 1024)
/* Text bytes of one message, as the protocol allows. */
#define LG_TEXT_MAX 3072
/* Messages one sender adds per loop turn, so that every sender moves. */
#define LG_SEND_BUDGET 16
/* Messages sent in one turn of a paced run at most (catching up). */
#define LG_PACED_BURST_MAX 4096
/* A hold starts this long after the awaited join, when its echoes are over. */
#define LG_SETTLE_MS 1000
/* A run ends when deliveries stop for this long: lost ones never come. */
#define LG_STALL_MS 3000
/* Bytes of a uid, a name or a channel id, counting the terminator. */
#define LG_ID_MAX 80
/* Latency histogram: exact below 128 ns, then 64 steps per power of 2. */
#define HIST_SUB     64
#define HIST_BUCKETS (128 + 58 * HIST_SUB)
/* Soak: channel names the clients pick from (at most 32, a bit each). */
#define SOAK_CHANNELS 16
/* Soak: source addresses 127.0.0.2 and up, to stay under the per-address
 * limit of a server with default options. */
#define SOAK_ADDRS 32
/* Soak: pause between a probe client's pings, in ms. */
#define SOAK_PROBE_MS 200
/* Soak: lines of history the server keeps per channel (its default),
 * filled by the keepers with the longest lines during warm-up. */
#define SOAK_FILL 100
/* Soak: different close reasons counted. */
#define SOAK_REASONS_MAX 32
/* Soak: how long the server may take to close everything at the end. */
#define SOAK_SETTLE_MS 10000

#define NS_PER_MS 1000000ULL
#define NS_PER_S  1000000000ULL

enum lg_mode { MODE_BURST, MODE_PACED, MODE_HOLD, MODE_SOAK, MODE_STORM };

/* Soak roles come last: ROLE_SOAK and above are soak clients. */
enum lg_role {
	ROLE_MEMBER,
	ROLE_IDLE,
	ROLE_STORM, /* a handshake, the greeting, a close, again */
	ROLE_SOAK,
	ROLE_PROBE,
	ROLE_KEEPER
};

enum lg_state {
	ST_FREE = 0,
	ST_REGISTERING, /* hello and reg sent */
	ST_REGISTERED,  /* waiting for the channel to exist */
	ST_JOINING,     /* join or create_chan sent */
	ST_JOINED,
	ST_SYNCING, /* ping sent */
	ST_READY,   /* synchronised (soak: online) */
	ST_SILENT,  /* soak: connected and never registering */
};

enum lg_phase {
	PH_IDLE_CONNECT,
	PH_MEMBERS,
	PH_SYNC,
	PH_WAIT_JOIN,
	PH_RUN,
	PH_DRAIN,
	PH_DONE,
};

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

/* What /proc says about the server. */
struct procstat {
	int ok;
	uint64_t cpu_us;   /* utime + stime, in clock-tick steps */
	uint64_t sched_ns; /* schedstat: time on a CPU, exact */
	uint64_t vcsw, nvcsw;
	long rss_kib, hwm_kib;
	int fds;
};

struct conn {
	int fd;
	unsigned char role;
	unsigned char state;
	unsigned char armed_out;  /* EPOLLOUT requested */
	unsigned char dirty;      /* in the flush list */
	unsigned char base;       /* soak: base mode */
	unsigned char stalled;    /* soak: not reading */
	unsigned char reading;    /* EPOLLIN requested */
	unsigned char filled;     /* soak keeper: history filled once;
	                           * storm: greeted */
	unsigned char tcp_wait;   /* TLS: the TCP connect is not done yet */
	unsigned char join_tries; /* joins answered no_such_channel */
	unsigned char tls_out; /* TLS: a call waits for the socket writable */
	unsigned char tls_in;  /* TLS: a write waits for input first */
	int id;                /* member index, or soak client index */
	SSL *ssl;              /* NULL: plain text */
	uint64_t t_open;       /* storm: when the connect started */
	char *rx;
	size_t rx_len, rx_cap;
	char *tx;
	size_t tx_off, tx_len, tx_cap;
	uint64_t msgs;        /* msg lines taken while measuring */
	uint32_t sent;        /* messages sent as a sender */
	uint32_t gen;         /* soak: connections made so far */
	uint32_t joined_mask; /* soak: pool channels joined */
	uint64_t next_ns;     /* soak: next action, or reconnect */
	uint64_t stall_until; /* soak */
	char last_err[32];    /* soak: the last error code received */
	char uid[LG_ID_MAX];
	char name[LG_ID_MAX];
};

struct reason {
	char code[32];
	uint64_t count;
};

struct lg {
	/* Options. */
	enum lg_mode mode;
	int port;
	/*
	 * --other-port, repeatable: the connections go round-robin to port
	 * and these other nodes of the same chat, so that lines cross
	 * between nodes.
	 */
	int other_port[LG_OTHER_PORTS_MAX];
	unsigned nother;
	/* --other-pid, repeatable: their CPU over the run is reported too. */
	pid_t other_pid[LG_OTHER_PORTS_MAX];
	unsigned nother_pid;
	uint64_t other_cpu0[LG_OTHER_PORTS_MAX], other_cpu1[LG_OTHER_PORTS_MAX];
	/*
	 * --redis-port: the calls of EVALSHA and XREAD Redis counted over
	 * the run (not the setup's name claims), -1 if it did not say.
	 */
	int redis_port;
	long long redis_calls0, redis_calls1;
	pid_t pid;
	unsigned members, senders, idle;
	uint32_t msgs;
	unsigned window, size;
	double rate, duration;
	const char *channel, *prefix, *wait_join, *marker;
	unsigned timeout_s;
	unsigned clients, probes, sample_ms;
	uint64_t seed;
	SSL_CTX *tls; /* --tls: every connection speaks TLS */

	int ep;
	struct conn *conns;
	unsigned nconns;
	int *dirty;
	unsigned ndirty;
	uint64_t now;
	uint64_t deadline;
	enum lg_phase phase;

	/* Setting up. */
	unsigned idle_started, idle_registered;
	unsigned members_started, registered, joined, synced, connecting;
	char chan_id[LG_ID_MAX];
	int chan_created;
	int join_seen;
	uint64_t t_joined;
	uint64_t t_setup;
	long rss_before_idle, rss_after_idle;
	uint64_t t_idle;
	/* Milliseconds the idle crowd stays quiet before the members come. */
	unsigned idle_settle_ms;
	uint64_t t_idle_done;

	/* The run. */
	uint64_t total; /* messages to send, marker included */
	uint64_t sent_total, completed, delivered, expected;
	uint64_t *owner; /* per channel seq: sender << 32 | sender seq, + 1 */
	uint32_t *cnt;   /* per channel seq: members that got it */
	uint32_t *snext; /* per sender: next sender seq seen */
	unsigned rr;
	int marker_sent;
	uint64_t t_start, t_last_send, t_last_rx, t_progress;
	struct hist lat;
	uint64_t errors, order_errors, bad_lines, disconnects, stray;
	char first_error[160];
	struct procstat ps0, ps1;

	/* Soak. */
	uint64_t rng;
	struct hist probe_lat, probe_all;
	uint64_t actions, closes, refused, errors_rx, pings;
	unsigned filled; /* keepers that filled their channel's history */
	struct reason reasons[SOAK_REASONS_MAX];
	unsigned nreasons;

	/* Storm. */
	uint64_t handshakes, hs_failed, hs_started;
	struct hist hs_lat;
};

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen -p port [-P pid] [-m burst|paced|hold|soak|storm]\n"
	    "\t[--tls] [-n members] [-s senders] [-M msgs] [-w window]\n"
	    "\t[-z size]\n"
	    "\t[-r rate] [-d seconds] [-i idle] [-I settle-ms] [-c channel]\n"
	    "\t[-x prefix]\n"
	    "\t[-j wait-join-name] [-k marker] [-t timeout]\n"
	    "\t[--clients n] [--probes n] [--sample ms] [--seed n]\n"
	    "\t[--other-port port]... [--other-pid pid]...\n"
	    "\t[--redis-port port]\n");
	exit(2);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Histogram. */

static size_t
hist_index(uint64_t v)
{
	int e;

	if (v < 128)
		return (size_t)v;
	e = 63 - __builtin_clzll(v);
	return 128 + (size_t)(e - 7) * HIST_SUB +
	    (size_t)((v >> (e - 6)) - HIST_SUB);
}

/* The middle of bucket i. */
static uint64_t
hist_value(size_t i)
{
	size_t k;
	int shift;
	uint64_t m;

	if (i < 128)
		return i;
	k = i - 128;
	shift = (int)(k / HIST_SUB) + 1;
	m = (uint64_t)(k % HIST_SUB) + HIST_SUB;
	return (m << shift) + ((1ULL << shift) >> 1);
}

static void
hist_add(struct hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

static uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t want, seen = 0;
	size_t i;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(q * (double)h->count);
	if (want < 1)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t v = hist_value(i);

			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

static void
hist_merge(struct hist *to, const struct hist *from)
{
	size_t i;

	for (i = 0; i < HIST_BUCKETS; i++)
		to->b[i] += from->b[i];
	to->count += from->count;
	if (from->max > to->max)
		to->max = from->max;
}

/* /proc. */

static ssize_t
proc_read(pid_t pid, const char *what, char *buf, size_t cap)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

static int
proc_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0, k;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	for (k = 0; k < 2 * LG_CONNS_MAX && (d = readdir(dir)) != NULL; k++)
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static long
status_field(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	if (p == NULL)
		return -1;
	return strtol(p + strlen(key), NULL, 10);
}

static void
proc_sample(pid_t pid, struct procstat *p, int fds)
{
	char buf[4096];
	const char *s;
	unsigned long long ut = 0, st = 0;
	long tck = sysconf(_SC_CLK_TCK);
	int k;

	memset(p, 0, sizeof(*p));
	p->rss_kib = p->hwm_kib = -1;
	p->fds = -1;
	if (pid <= 0 || proc_read(pid, "stat", buf, sizeof(buf)) < 0)
		return;
	s = strrchr(buf, ')');
	if (s == NULL)
		return;
	/* After ")": state is field 3; utime and stime are 14 and 15. */
	for (k = 0; k < 12 && s != NULL; k++)
		s = strchr(s + 1, ' ');
	if (s == NULL || sscanf(s, " %llu %llu", &ut, &st) != 2)
		return;
	p->cpu_us = (ut + st) * 1000000ULL / (unsigned long long)tck;
	if (proc_read(pid, "schedstat", buf, sizeof(buf)) > 0)
		p->sched_ns = strtoull(buf, NULL, 10);
	if (proc_read(pid, "status", buf, sizeof(buf)) > 0) {
		p->rss_kib = status_field(buf, "VmRSS:");
		p->hwm_kib = status_field(buf, "VmHWM:");
		p->vcsw =
		    (uint64_t)status_field(buf, "\nvoluntary_ctxt_switches:");
		p->nvcsw =
		    (uint64_t)status_field(buf, "nonvoluntary_ctxt_switches:");
	}
	if (fds)
		p->fds = proc_fd_count(pid);
	p->ok = 1;
}

/* Random numbers for the soak (xorshift64*: reproducible from --seed). */

static uint32_t
rnd(struct lg *g, uint32_t n)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return n == 0
	    ? 0
	    : (uint32_t)(((g->rng * 2685821657736338717ULL) >> 32) % n);
}

/* Connections. */

static void
conn_events(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];
	struct epoll_event ev;
	/* A TLS write that waits for input would only spin on EPOLLOUT. */
	int want_out =
	    (c->tx_len > c->tx_off && !c->tls_in) || c->tls_out || c->tcp_wait;
	int want_in = !c->stalled;

	if (want_out == c->armed_out && want_in == c->reading)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = (want_in ? EPOLLIN : 0) | (want_out ? EPOLLOUT : 0);
	ev.data.u32 = (uint32_t)i;
	if (epoll_ctl(g->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	c->armed_out = (unsigned char)want_out;
	c->reading = (unsigned char)want_in;
}

static void on_closed(struct lg *g, int i, const char *why);

static void
conn_close(struct lg *g, int i, const char *why)
{
	struct conn *c = &g->conns[i];
	enum lg_state was = c->state;

	if (c->state == ST_FREE)
		return;
	(void)epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
	/* No close-notify: the server takes a bare close as one. */
	SSL_free(c->ssl);
	c->ssl = NULL;
	ERR_clear_error();
	close(c->fd);
	c->fd = -1;
	c->state = ST_FREE;
	c->rx_len = c->tx_off = c->tx_len = 0;
	c->armed_out = c->reading = c->stalled = 0;
	c->tcp_wait = c->tls_out = c->tls_in = 0;
	if (was == ST_REGISTERING && g->connecting > 0)
		g->connecting--;
	on_closed(g, i, why);
}

static int
conn_open(struct lg *g, int i, const char *bind_ip)
{
	struct conn *c = &g->conns[i];
	struct sockaddr_in sa;
	struct epoll_event ev;
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s (raise the open-file limit?)", strerror(errno));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (bind_ip != NULL) {
		if (inet_pton(AF_INET, bind_ip, &sa.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("bind %s: %s", bind_ip, strerror(errno));
	}
	sa.sin_port =
	    htons((uint16_t)(g->nother > 0 && (unsigned)i % (g->nother + 1) > 0
	            ? g->other_port[(unsigned)i % (g->nother + 1) - 1]
	            : g->port));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->tcp_wait = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ECONNREFUSED) {
			close(fd);
			return -1;
		}
		if (errno != EINPROGRESS)
			die("connect: %s", strerror(errno));
		/* TLS starts once connected: OpenSSL takes ENOTCONN as fatal.
		 */
		c->tcp_wait = g->tls != NULL;
	}
	/* The uid is the address the server sees: our own. */
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		die("getsockname: %s", strerror(errno));
	snprintf(c->uid, sizeof(c->uid), "127.0.0.%u:%u",
	    (unsigned)(ntohl(sa.sin_addr.s_addr) & 0xff),
	    (unsigned)ntohs(sa.sin_port));
	c->fd = fd;
	c->rx_len = c->tx_off = c->tx_len = 0;
	c->stalled = 0;
	c->tls_out = c->tls_in = 0;
	if (g->tls != NULL) {
		c->ssl = SSL_new(g->tls);
		if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1)
			die("TLS: out of memory");
		SSL_set_connect_state(c->ssl);
		/* Buffers freed and taken again at every read would cost the
		 * busy members more than they save. */
		if (c->role == ROLE_MEMBER)
			SSL_clear_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
	}
	c->reading = 1;
	c->armed_out = 1;
	c->msgs = 0;
	c->last_err[0] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.u32 = (uint32_t)i;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	return 0;
}

static void
mark_dirty(struct lg *g, int i)
{
	if (g->conns[i].dirty)
		return;
	g->conns[i].dirty = 1;
	g->dirty[g->ndirty++] = i;
}

/* Room for n more bytes, moving what is queued to the front if needed. */
static char *
tx_room(struct conn *c, size_t n)
{
	if (c->tx_off == c->tx_len)
		c->tx_off = c->tx_len = 0;
	if (c->tx_cap - c->tx_len < n && c->tx_off > 0) {
		memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
		c->tx_len -= c->tx_off;
		c->tx_off = 0;
	}
	if (c->tx_cap - c->tx_len < n)
		return NULL;
	return c->tx + c->tx_len;
}

/* Queues bytes; -1 (nothing queued) if the buffer has no room. */
static int
tx_put(struct lg *g, int i, const void *p, size_t n)
{
	struct conn *c = &g->conns[i];
	char *dst = tx_room(c, n);

	if (dst == NULL)
		return -1;
	memcpy(dst, p, n);
	c->tx_len += n;
	mark_dirty(g, i);
	return 0;
}

static int tx_putf(struct lg *g, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
tx_putf(struct lg *g, int i, const char *fmt, ...)
{
	char buf[LG_LINE_MAX + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return tx_put(g, i, buf, (size_t)n);
}

/*
 * TLS: what a call that did not finish waits for.  Returns 0, or -1 after
 * closing the connection.
 */
static int
tls_later(struct lg *g, int i, const char *what)
{
	struct conn *c = &g->conns[i];

	switch (SSL_get_error(c->ssl, 0)) {
	case SSL_ERROR_WANT_READ:
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->tls_out = 1;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		conn_close(g, i, "closed by the server");
		return -1;
	default:
		ERR_clear_error();
		conn_close(g, i, what);
		return -1;
	}
}

/*
 * TLS: writes all that is queued, a record at a time (partial writes are
 * on); a retry offers the same bytes, perhaps moved, and perhaps more.
 */
static void
tls_flush(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];
	size_t n;

	if (c->tcp_wait) {
		conn_events(g, i);
		return;
	}
	while (c->tx_len > c->tx_off) {
		if (SSL_write_ex(c->ssl, c->tx + c->tx_off,
		        c->tx_len - c->tx_off, &n) != 1) {
			c->tls_in =
			    SSL_get_error(c->ssl, 0) == SSL_ERROR_WANT_READ;
			if (tls_later(g, i, "TLS write failed") < 0)
				return;
			break;
		}
		c->tx_off += n;
		c->tls_in = c->tls_out = 0;
	}
	conn_events(g, i);
}

/* One write per connection per turn, carrying all that is queued. */
static void
conn_flush(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];
	ssize_t n;

	if (c->state == ST_FREE)
		return;
	if (c->ssl != NULL) {
		tls_flush(g, i);
		return;
	}
	if (c->tx_len > c->tx_off) {
		n = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off,
		    MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ENOTCONN) {
				conn_close(g, i, strerror(errno));
				return;
			}
		} else {
			c->tx_off += (size_t)n;
		}
	}
	conn_events(g, i);
}

static void
flush_dirty(struct lg *g)
{
	unsigned k;

	for (k = 0; k < g->ndirty; k++) {
		int i = g->dirty[k];

		g->conns[i].dirty = 0;
		conn_flush(g, i);
	}
	g->ndirty = 0;
}

/* Lines. */

static int
starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

/* Copies field k (0-based, '$'-separated; the last takes the rest). */
static int
field(const char *line, size_t len, int k, char *out, size_t cap)
{
	const char *p = line, *end = line + len, *e;
	size_t n;

	while (k-- > 0) {
		p = memchr(p, '$', (size_t)(end - p));
		if (p == NULL)
			return -1;
		p++;
	}
	e = memchr(p, '$', (size_t)(end - p));
	if (e == NULL)
		e = end;
	n = (size_t)(e - p);
	if (n >= cap)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static const char *
parse_u64(const char *p, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9')
		x = x * 10 + (uint64_t)(*p++ - '0');
	*v = x;
	return p == s ? NULL : p;
}

static void
note_error(struct lg *g, int i, const char *line, size_t len)
{
	g->errors++;
	if (g->first_error[0] == '\0')
		snprintf(g->first_error, sizeof(g->first_error),
		    "conn %d (%s) phase %d: %.*s", i, g->conns[i].name,
		    (int)g->phase, (int)(len > 100 ? 100 : len), line);
}

/* msg$<chan>$<seq>$<time>$<sender>$T<ns> S<sender> Q<seq> ... */
static void
on_msg(struct lg *g, struct conn *c, const char *line, size_t len)
{
	const char *p = line + 4, *end = line + len;
	uint64_t cseq, ts, s, q, key;

	if (g->phase != PH_RUN && g->phase != PH_DRAIN) {
		g->stray++;
		return;
	}
	p = memchr(p, '$', (size_t)(end - p));
	if (p == NULL || (p = parse_u64(p + 1, end, &cseq)) == NULL ||
	    *p != '$' || (p = parse_u64(p + 1, end, &ts)) == NULL ||
	    *p != '$' ||
	    (p = memchr(p + 1, '$', (size_t)(end - p - 1))) == NULL ||
	    end - p < 2 || p[1] != 'T' ||
	    (p = parse_u64(p + 2, end, &ts)) == NULL || end - p < 2 ||
	    p[1] != 'S' || (p = parse_u64(p + 2, end, &s)) == NULL ||
	    end - p < 2 || p[1] != 'Q' ||
	    (p = parse_u64(p + 2, end, &q)) == NULL || s >= g->senders) {
		g->bad_lines++;
		return;
	}
	hist_add(&g->lat, g->now > ts ? g->now - ts : 0);
	c->msgs++;
	g->delivered++;
	g->t_last_rx = g->t_progress = g->now;
	/* Every member sees the channel's messages 1, 2, 3... */
	if (cseq != c->msgs || cseq == 0 || cseq > g->total) {
		g->order_errors++;
		return;
	}
	/* ...and all of them the same message under the same number. */
	key = (s << 32 | q) + 1;
	if (g->owner[cseq - 1] == 0) {
		g->owner[cseq - 1] = key;
		/* Each sender's messages in the order it sent them. */
		if (q != g->snext[s])
			g->order_errors++;
		g->snext[s] = (uint32_t)q + 1;
	} else if (g->owner[cseq - 1] != key) {
		g->order_errors++;
	}
	if (++g->cnt[cseq - 1] == g->members)
		g->completed++;
}

static void
join_channel(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];

	c->state = ST_JOINING;
	if (tx_putf(g, i, "join$%s$%s\n", c->uid, g->chan_id) < 0)
		die("no room to join");
}

static void
on_registered(struct lg *g, int i, const char *line, size_t len)
{
	struct conn *c = &g->conns[i];

	if (c->state != ST_REGISTERING)
		return;
	g->connecting--;
	if (field(line, len, 1, c->uid, sizeof(c->uid)) < 0)
		die("bad registered line");
	if (c->role == ROLE_IDLE) {
		c->state = ST_READY;
		g->idle_registered++;
		return;
	}
	c->state = ST_REGISTERED;
	g->registered++;
	if (c->id == 0) {
		c->state = ST_JOINING;
		if (tx_putf(g, i, "create_chan$%s$%s\n", c->uid, g->channel) <
		    0)
			die("no room to create");
		return;
	}
	if (g->chan_created)
		join_channel(g, i);
}

static void
on_created(struct lg *g, const char *line, size_t len)
{
	unsigned k;

	if (field(line, len, 1, g->chan_id, sizeof(g->chan_id)) < 0)
		die("bad created line");
	g->chan_created = 1;
	for (k = 0; k < g->members; k++) {
		int i = (int)(g->idle + k);

		if (g->conns[i].state == ST_REGISTERED)
			join_channel(g, i);
	}
}

static void
member_line(struct lg *g, int i, const char *line, size_t len)
{
	struct conn *c = &g->conns[i];
	char id[LG_ID_MAX];

	if (starts(line, len, "msg$")) {
		on_msg(g, c, line, len);
	} else if (starts(line, len, "ping$")) {
		if (tx_putf(g, i, "pong$%.*s\n", (int)(len - 5), line + 5) < 0)
			die("no room for a pong");
	} else if (starts(line, len, "pong$")) {
		if (c->state == ST_SYNCING) {
			c->state = ST_READY;
			g->synced++;
		}
	} else if (starts(line, len, "registered$")) {
		on_registered(g, i, line, len);
	} else if (starts(line, len, "created$")) {
		on_created(g, line, len);
	} else if (starts(line, len, "history_end$")) {
		if (c->state == ST_JOINING &&
		    field(line, len, 1, id, sizeof(id)) == 0 &&
		    strcmp(id, g->chan_id) == 0) {
			c->state = ST_JOINED;
			g->joined++;
		}
	} else if (starts(line, len, "join$")) {
		if (g->wait_join != NULL && c->id == 0 &&
		    field(line, len, 3, id, sizeof(id)) == 0 &&
		    strcasecmp(id, g->wait_join) == 0)
			g->join_seen = 1;
	} else if (starts(line, len, "error$no_such_channel$join$") &&
	    c->state == ST_JOINING && c->join_tries < LG_JOIN_TRIES) {
		/* Another node of the chat may learn of the channel later. */
		c->join_tries++;
		join_channel(g, i);
	} else if (starts(line, len, "error$")) {
		note_error(g, i, line, len);
		if (g->phase < PH_RUN)
			die("error while setting up: %s", g->first_error);
	}
}

/* Soak: what the client learns from the server. */

static void
soak_reason(struct lg *g, const char *code)
{
	unsigned k;

	for (k = 0; k < g->nreasons; k++)
		if (strcmp(g->reasons[k].code, code) == 0)
			break;
	if (k == g->nreasons) {
		if (k == SOAK_REASONS_MAX)
			k--;
		else
			g->nreasons++;
		snprintf(
		    g->reasons[k].code, sizeof(g->reasons[k].code), "%s", code);
	}
	g->reasons[k].count++;
}

static int
pool_index(const char *name)
{
	int k;

	if (strncmp(name, "soak", 4) != 0)
		return -1;
	k = atoi(name + 4);
	return k >= 0 && k < SOAK_CHANNELS ? k : -1;
}

static void
soak_line(struct lg *g, int i, const char *line, size_t len)
{
	struct conn *c = &g->conns[i];
	char f[LG_ID_MAX];
	const char *tok = NULL;
	int k;

	if (starts(line, len, "pong$P"))
		tok = line + 6;
	else if (starts(line, len, "$$pong: P"))
		tok = line + 9;
	if (tok != NULL) {
		uint64_t t;

		if (parse_u64(tok, line + len, &t) != NULL &&
		    c->role == ROLE_PROBE)
			hist_add(&g->probe_lat, g->now - t);
		return;
	}
	if (starts(line, len, "ping$")) {
		(void)tx_putf(g, i, "pong$%.*s\n", (int)(len - 5), line + 5);
	} else if (starts(line, len, "error$")) {
		g->errors_rx++;
		if (field(line, len, 1, c->last_err, sizeof(c->last_err)) < 0)
			snprintf(c->last_err, sizeof(c->last_err), "?");
	} else if (starts(line, len, "$$error: ")) {
		const char *p = line + 9, *e = memchr(p, ':', len - 9);
		size_t n = e == NULL ? 0 : (size_t)(e - p);

		g->errors_rx++;
		if (n >= sizeof(c->last_err))
			n = sizeof(c->last_err) - 1;
		memcpy(c->last_err, p, n);
		c->last_err[n] = '\0';
	} else if (c->state == ST_REGISTERING &&
	    (starts(line, len, "registered$") ||
	        (c->base && len == strlen(c->uid) &&
	            memcmp(line, c->uid, len) == 0))) {
		c->state = ST_READY;
		g->connecting--;
		c->next_ns = g->now + (uint64_t)(50 + rnd(g, 500)) * NS_PER_MS;
		/* Made or joined, whichever the channel needs: one error. */
		if (c->role == ROLE_KEEPER)
			(void)tx_putf(g, i,
			    "create_chan$%s$soak%d\njoin$%s$soak%d\n", c->uid,
			    c->id, c->uid, c->id);
	} else if (starts(line, len, "joined$") &&
	    field(line, len, 4, f, sizeof(f)) == 0 &&
	    (k = pool_index(f)) >= 0) {
		c->joined_mask |= 1u << k;
	}
}

/* Storm: the greeting came, so the server's side of the handshake is done. */
static void
storm_line(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];

	g->handshakes++;
	hist_add(&g->hs_lat, g->now - c->t_open);
	c->filled = 1; /* done: its close is no failure */
	conn_close(g, i, "done");
}

static void
take_lines(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];
	char *p = c->rx, *end = c->rx + c->rx_len, *nl;

	while (c->state != ST_FREE &&
	    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t len = (size_t)(nl - p);

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (c->role >= ROLE_SOAK)
			soak_line(g, i, p, len);
		else if (c->role == ROLE_STORM)
			storm_line(g, i);
		else
			member_line(g, i, p, len);
		p = nl + 1;
	}
	if (c->state == ST_FREE)
		return;
	c->rx_len = (size_t)(end - p);
	if (c->rx_len > 0 && p != c->rx)
		memmove(c->rx, p, c->rx_len);
}

/*
 * TLS: reads as conn_read does, and on while OpenSSL holds bytes (of a
 * record, or read ahead), which epoll cannot see.  A write waiting for
 * input tries again.
 */
static void
tls_read(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];
	int k;

	for (k = 0; c->state != ST_FREE; k++) {
		size_t room = c->rx_cap - c->rx_len, n;

		if (k >= LG_READS_PER_EVENT && !SSL_has_pending(c->ssl))
			break;
		if (room == 0) {
			conn_close(g, i, "line longer than the receive buffer");
			return;
		}
		if (SSL_read_ex(c->ssl, c->rx + c->rx_len, room, &n) != 1) {
			if (tls_later(g, i, "TLS read failed") < 0)
				return;
			break;
		}
		g->now = now_ns();
		c->rx_len += n;
		take_lines(g, i);
	}
	if (c->state == ST_FREE)
		return;
	if (c->tls_in && c->tx_len > c->tx_off) {
		c->tls_in = 0;
		mark_dirty(g, i);
	}
	conn_events(g, i);
}

/* TLS: events on a connection, the TCP connect's end included. */
static void
tls_event(struct lg *g, int i, uint32_t ev)
{
	struct conn *c = &g->conns[i];
	int read_too = 0;

	if (c->tcp_wait) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			conn_close(g, i, strerror(err));
			return;
		}
		c->tcp_wait = 0;
		/* The handshake starts from a read if nothing is to be sent. */
		read_too = 1;
		mark_dirty(g, i);
	}
	if (ev & EPOLLOUT) {
		/* Whichever call waited for it, a read is harmless. */
		read_too |= c->tls_out;
		c->tls_out = 0;
		if (c->tx_len > c->tx_off)
			mark_dirty(g, i);
	}
	if (read_too || (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		tls_read(g, i);
	else
		conn_events(g, i);
}

static void
conn_read(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];
	int k;

	if (c->ssl != NULL) {
		tls_read(g, i);
		return;
	}
	for (k = 0; k < LG_READS_PER_EVENT && c->state != ST_FREE; k++) {
		size_t room = c->rx_cap - c->rx_len;
		ssize_t n;

		if (room == 0) {
			conn_close(g, i, "line longer than the receive buffer");
			return;
		}
		n = read(c->fd, c->rx + c->rx_len, room);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				conn_close(g, i, strerror(errno));
			return;
		}
		if (n == 0) {
			conn_close(g, i, "closed by the server");
			return;
		}
		g->now = now_ns();
		c->rx_len += (size_t)n;
		take_lines(g, i);
		if ((size_t)n < room)
			return;
	}
}

/* Sending. */

/* Sends the next message of sender s; -1 if its buffer is full. */
static int
send_one(struct lg *g, unsigned s, const char *marker)
{
	int i = (int)(g->idle + s);
	struct conn *c = &g->conns[i];
	char head[LG_ID_MAX * 2 + 96], *dst;
	int hn;
	size_t pad, need, text_head;

	g->now = now_ns();
	hn = snprintf(head, sizeof(head), "send_msg$%s$%s$T%llu S%u Q%u ",
	    c->uid, g->chan_id, (unsigned long long)g->now, s, c->sent);
	if (hn < 0 || (size_t)hn >= sizeof(head))
		die("message header too long");
	/* The text is what follows "send_msg$uid$chan$". */
	text_head = (size_t)hn - strlen("send_msg$$$") - strlen(c->uid) -
	    strlen(g->chan_id);
	if (marker != NULL)
		pad = strlen(marker);
	else
		pad = g->size > text_head ? g->size - text_head : 0;
	need = (size_t)hn + pad + 1;
	dst = tx_room(c, need);
	if (dst == NULL)
		return -1;
	memcpy(dst, head, (size_t)hn);
	if (marker != NULL)
		memcpy(dst + hn, marker, pad);
	else
		memset(dst + hn, 'x', pad);
	dst[need - 1] = '\n';
	c->tx_len += need;
	mark_dirty(g, i);
	c->sent++;
	g->sent_total++;
	return 0;
}

static void
burst_send(struct lg *g)
{
	uint64_t body = g->total - (g->marker != NULL);
	uint64_t room;
	unsigned k, b;

	if (g->sent_total - g->completed >= g->window)
		return;
	room = g->window - (g->sent_total - g->completed);
	for (k = 0; k < g->senders && room > 0 && g->sent_total < body; k++) {
		unsigned s = g->rr;

		g->rr = (g->rr + 1) % g->senders;
		for (b = 0; b < LG_SEND_BUDGET && room > 0 &&
		     g->conns[g->idle + s].sent < g->msgs;
		     b++) {
			if (send_one(g, s, NULL) < 0)
				break;
			room--;
		}
	}
	/* The marker goes once every other message has reached every member,
	 * so that it is the last message in the channel's order too. */
	if (g->marker != NULL && g->sent_total == body &&
	    g->completed == body && !g->marker_sent &&
	    send_one(g, 0, g->marker) == 0)
		g->marker_sent = 1;
}

static void
paced_send(struct lg *g)
{
	unsigned k;

	for (k = 0; k < LG_PACED_BURST_MAX && g->sent_total < g->total; k++) {
		uint64_t due = g->t_start +
		    (uint64_t)((double)g->sent_total * 1e9 / g->rate);

		if (due > now_ns())
			break;
		if (send_one(g, (unsigned)(g->sent_total % g->senders), NULL) <
		    0)
			break;
	}
}

/* Phases. */

static void
start_conn(struct lg *g, int i, enum lg_role role, int id)
{
	struct conn *c = &g->conns[i];

	c->role = (unsigned char)role;
	c->id = id;
	snprintf(c->name, sizeof(c->name), "%s%c%d", g->prefix,
	    role == ROLE_IDLE ? 'i' : 'm', id);
	if (conn_open(g, i, NULL) < 0)
		die("connection refused: is the server running on port %d?",
		    g->port);
	c->state = ST_REGISTERING;
	g->connecting++;
	if (tx_putf(g, i, "hello$1\nreg$%s\n", c->name) < 0)
		die("no room for hello");
}

/* Bytes of INFO commandstats's reply read at most. */
#define LG_REDIS_INFO_MAX 65536

/*
 * The calls of EVALSHA and XREAD the Redis on port has counted (the
 * round trips of the nodes' message path), or -1.  Blocking, a second at
 * most: it runs only before and after the measured run.
 */
static long long
redis_calls(int port)
{
	static char buf[LG_REDIS_INFO_MAX];
	static const char *const names[2] = {
	    "cmdstat_evalsha:calls=", "cmdstat_xread:calls="};
	struct sockaddr_in sa;
	struct timeval tv = {1, 0};
	size_t got = 0;
	long long calls = 0;
	const char *p;
	ssize_t n;
	int fd, k;

	if (port == 0)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, "INFO commandstats\r\n", 19) != 19) {
		close(fd);
		return -1;
	}
	/* A bulk string: "$<len>\r\n" and len bytes; read until it ends. */
	while (got + 1 < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		p = strchr(buf, '\n');
		if (buf[0] == '$' && p != NULL &&
		    got >= (size_t)(p + 1 - buf) + strtoul(buf + 1, NULL, 10))
			break;
	}
	close(fd);
	buf[got] = '\0';
	for (k = 0; k < 2; k++) {
		p = strstr(buf, names[k]);
		if (p != NULL)
			calls += strtoll(p + strlen(names[k]), NULL, 10);
	}
	return got > 0 && buf[0] == '$' ? calls : -1;
}

/* The CPU of the other nodes (--other-pid) into cpu[]. */
static void
other_cpu(const struct lg *g, uint64_t *cpu)
{
	struct procstat ps;
	unsigned k;

	for (k = 0; k < g->nother_pid; k++) {
		proc_sample(g->other_pid[k], &ps, 0);
		cpu[k] = ps.cpu_us;
	}
}

static void
start_run(struct lg *g)
{
	g->now = now_ns();
	g->redis_calls0 = redis_calls(g->redis_port);
	proc_sample(g->pid, &g->ps0, 0);
	other_cpu(g, g->other_cpu0);
	g->t_start = g->t_progress = g->t_last_rx = g->now;
	g->phase = PH_RUN;
	printf("running t_start_ns=%llu\n", (unsigned long long)g->t_start);
	fflush(stdout);
}

static void
advance(struct lg *g)
{
	unsigned k;

	switch (g->phase) {
	case PH_IDLE_CONNECT:
		while (g->idle_started < g->idle &&
		    g->connecting < LG_CONNECTING_MAX) {
			start_conn(g, (int)g->idle_started, ROLE_IDLE,
			    (int)g->idle_started);
			g->idle_started++;
		}
		if (g->idle_registered < g->idle)
			break;
		if (g->idle > 0 && g->t_idle_done == 0) {
			struct procstat ps;

			proc_sample(g->pid, &ps, 0);
			g->rss_after_idle = ps.rss_kib;
			g->t_idle = now_ns() - g->t_setup;
			g->t_idle_done = g->now;
		}
		/* Idle clients are idle for a while on a real server too. */
		if (g->idle > 0 &&
		    g->now < g->t_idle_done + g->idle_settle_ms * NS_PER_MS)
			break;
		g->phase = PH_MEMBERS;
		/* FALLTHROUGH */
	case PH_MEMBERS:
		while (g->members_started < g->members &&
		    g->connecting < LG_CONNECTING_MAX) {
			start_conn(g, (int)(g->idle + g->members_started),
			    ROLE_MEMBER, (int)g->members_started);
			g->members_started++;
		}
		if (g->joined < g->members)
			break;
		/* Everything before the pong has reached the member. */
		for (k = 0; k < g->members; k++) {
			int i = (int)(g->idle + k);

			g->conns[i].state = ST_SYNCING;
			if (tx_putf(g, i, "ping$sync%u\n", k) < 0)
				die("no room for a ping");
		}
		g->phase = PH_SYNC;
		break;
	case PH_SYNC:
		if (g->synced < g->members)
			break;
		printf("ready channel=%s id=%s setup_ms=%.0f\n", g->channel,
		    g->chan_id, (double)(now_ns() - g->t_setup) / 1e6);
		fflush(stdout);
		g->phase = PH_WAIT_JOIN;
		/* FALLTHROUGH */
	case PH_WAIT_JOIN:
		if (g->wait_join != NULL && !g->join_seen)
			break;
		if (g->mode == MODE_HOLD && g->join_seen) {
			if (g->t_joined == 0)
				g->t_joined = g->now;
			if (g->now < g->t_joined + LG_SETTLE_MS * NS_PER_MS)
				break;
		}
		start_run(g);
		/* FALLTHROUGH */
	case PH_RUN:
		if (g->mode == MODE_HOLD) {
			if (g->now >=
			    g->t_start + (uint64_t)(g->duration * 1e9))
				g->phase = PH_DONE;
			break;
		}
		if (g->mode == MODE_BURST)
			burst_send(g);
		else
			paced_send(g);
		if (g->sent_total == g->total)
			g->phase = PH_DRAIN;
		else if (g->delivered < g->sent_total * g->members &&
		    g->now - g->t_progress > LG_STALL_MS * NS_PER_MS)
			g->phase = PH_DONE; /* lost messages hold the window */
		break;
	case PH_DRAIN:
		if (g->delivered >= g->expected ||
		    g->now - g->t_progress > LG_STALL_MS * NS_PER_MS)
			g->phase = PH_DONE;
		break;
	case PH_DONE:
		break;
	}
}

static int
wait_ms(const struct lg *g)
{
	uint64_t next;

	switch (g->phase) {
	case PH_RUN:
		if (g->mode == MODE_BURST) {
			uint64_t body = g->total - (g->marker != NULL);
			int can = g->sent_total < body
			    ? g->sent_total - g->completed < g->window
			    : g->completed == body;

			/* Nothing to send: sleep until deliveries come. */
			return can ? 0 : 20;
		}
		if (g->mode == MODE_HOLD) {
			next = g->t_start + (uint64_t)(g->duration * 1e9);
			return next <= g->now
			    ? 0
			    : (int)((next - g->now) / NS_PER_MS + 1);
		}
		next = g->t_start +
		    (uint64_t)((double)g->sent_total * 1e9 / g->rate);
		if (next <= g->now)
			return 0;
		return (int)((next - g->now + NS_PER_MS - 1) / NS_PER_MS);
	case PH_DRAIN:
		return 100;
	default:
		return 10;
	}
}

static void
on_closed(struct lg *g, int i, const char *why)
{
	struct conn *c = &g->conns[i];

	if (c->role == ROLE_STORM) {
		if (!c->filled) {
			g->hs_failed++;
			if (g->first_error[0] == '\0')
				snprintf(g->first_error, sizeof(g->first_error),
				    "storm conn %d: %s", i, why);
		}
		return;
	}
	if (c->role >= ROLE_SOAK) {
		g->closes++;
		soak_reason(g, c->last_err[0] != '\0' ? c->last_err : "eof");
		c->next_ns = g->now + (uint64_t)(10 + rnd(g, 490)) * NS_PER_MS;
		c->joined_mask = 0;
		return;
	}
	g->disconnects++;
	if (g->first_error[0] == '\0')
		snprintf(g->first_error, sizeof(g->first_error),
		    "conn %d (%s) phase %d: %s", i, c->name, (int)g->phase,
		    why);
	if (g->phase < PH_RUN)
		die("lost a connection while setting up: %s", g->first_error);
}

static void
handle_events(struct lg *g, int timeout)
{
	struct epoll_event evs[LG_EVENTS_MAX];
	int n, k;

	n = epoll_wait(g->ep, evs, LG_EVENTS_MAX, timeout);
	if (n < 0) {
		if (errno == EINTR)
			return;
		die("epoll_wait: %s", strerror(errno));
	}
	g->now = now_ns();
	for (k = 0; k < n; k++) {
		int i = (int)evs[k].data.u32;
		struct conn *c = &g->conns[i];

		if (c->state == ST_FREE)
			continue;
		if (c->ssl != NULL) {
			tls_event(g, i, evs[k].events);
			continue;
		}
		if ((evs[k].events & EPOLLOUT) && c->tx_len > c->tx_off &&
		    !c->dirty)
			conn_flush(g, i);
		if (c->state != ST_FREE &&
		    (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			conn_read(g, i);
	}
}

static void
alloc_conns(struct lg *g, unsigned n)
{
	unsigned k;

	if (n > LG_CONNS_MAX)
		die("at most %d connections", LG_CONNS_MAX);
	g->nconns = n;
	g->conns = calloc(n, sizeof(*g->conns));
	g->dirty = calloc(n, sizeof(*g->dirty));
	if (g->conns == NULL || g->dirty == NULL)
		die("out of memory");
	for (k = 0; k < n; k++) {
		struct conn *c = &g->conns[k];
		int idle = k < g->idle;

		if (g->mode == MODE_SOAK) {
			c->rx_cap = LG_RX_IDLE;
			c->tx_cap = LG_TX_SOAK;
		} else {
			c->rx_cap = idle ? LG_RX_IDLE : LG_RX_ACTIVE;
			c->tx_cap = idle ? LG_TX_IDLE : LG_TX_ACTIVE;
		}
		c->rx = malloc(c->rx_cap);
		c->tx = malloc(c->tx_cap);
		c->fd = -1;
		if (c->rx == NULL || c->tx == NULL)
			die("out of memory");
	}
}

static void
raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need)
		die("%u descriptors needed, the hard limit allows %llu", need,
		    (unsigned long long)rl.rlim_cur);
}

static void
report(struct lg *g)
{
	double el = (double)(g->t_last_rx - g->t_start) / 1e9;
	double cpu_us, sched_us;
	uint64_t lost =
	    g->expected > g->delivered ? g->expected - g->delivered : 0;
	unsigned k;

	if (g->mode == MODE_HOLD)
		el = (double)(g->now - g->t_start) / 1e9;
	cpu_us = (double)(g->ps1.cpu_us - g->ps0.cpu_us);
	sched_us = (double)(g->ps1.sched_ns - g->ps0.sched_ns) / 1e3;
	printf("result mode=%s members=%u senders=%u msgs=%u idle=%u "
	       "total=%llu window=%u size=%u rate=%.1f duration_s=%.1f "
	       "sent=%llu deliveries=%llu expected=%llu lost=%llu "
	       "order_errors=%llu errors=%llu disconnects=%llu stray=%llu "
	       "bad_lines=%llu elapsed_ms=%.1f deliveries_per_s=%.0f "
	       "p50_us=%.1f p99_us=%.1f max_us=%.1f "
	       "srv_cpu_us=%.0f srv_cpu_us_per_delivery=%.4f "
	       "srv_sched_us=%.0f srv_sched_us_per_delivery=%.4f "
	       "srv_vcsw=%llu srv_nvcsw=%llu srv_rss_kib=%ld "
	       "srv_hwm_kib=%ld rss_before_idle_kib=%ld "
	       "rss_after_idle_kib=%ld rss_per_idle_b=%.0f idle_setup_ms=%.0f "
	       "t_start_ns=%llu last_send_ns=%llu last_rx_ns=%llu",
	    g->mode == MODE_BURST       ? "burst"
	        : g->mode == MODE_PACED ? "paced"
	                                : "hold",
	    g->members, g->senders, g->msgs, g->idle,
	    (unsigned long long)g->total, g->window, g->size, g->rate,
	    g->duration, (unsigned long long)g->sent_total,
	    (unsigned long long)g->delivered, (unsigned long long)g->expected,
	    (unsigned long long)lost, (unsigned long long)g->order_errors,
	    (unsigned long long)g->errors, (unsigned long long)g->disconnects,
	    (unsigned long long)g->stray, (unsigned long long)g->bad_lines,
	    el * 1e3, el > 0 ? (double)g->delivered / el : 0.0,
	    (double)hist_quantile(&g->lat, 0.50) / 1e3,
	    (double)hist_quantile(&g->lat, 0.99) / 1e3,
	    (double)g->lat.max / 1e3, cpu_us,
	    g->delivered ? cpu_us / (double)g->delivered : 0.0, sched_us,
	    g->delivered ? sched_us / (double)g->delivered : 0.0,
	    (unsigned long long)(g->ps1.vcsw - g->ps0.vcsw),
	    (unsigned long long)(g->ps1.nvcsw - g->ps0.nvcsw), g->ps1.rss_kib,
	    g->ps1.hwm_kib, g->rss_before_idle, g->rss_after_idle,
	    g->idle > 0 ? (double)(g->rss_after_idle - g->rss_before_idle) *
	            1024.0 / g->idle
	                : 0.0,
	    (double)g->t_idle / 1e6, (unsigned long long)g->t_start,
	    (unsigned long long)g->t_last_send,
	    (unsigned long long)g->t_last_rx);
	/* The other nodes' CPU over the run, in --other-pid's order. */
	for (k = 0; k < g->nother_pid; k++)
		printf("%s%llu", k == 0 ? " other_cpu_us=" : ",",
		    (unsigned long long)(g->other_cpu1[k] - g->other_cpu0[k]));
	if (g->redis_port != 0)
		printf(" redis_calls=%lld",
		    g->redis_calls0 < 0 || g->redis_calls1 < 0
		        ? -1LL
		        : g->redis_calls1 - g->redis_calls0);
	printf("\n");
	if (g->first_error[0] != '\0')
		fprintf(stderr, "loadgen: first problem: %s\n", g->first_error);
}

static int
run_chat(struct lg *g)
{
	uint64_t body;
	unsigned k;

	if (g->senders > g->members)
		die("more senders than members");
	if (g->mode == MODE_BURST) {
		body = (uint64_t)g->senders * g->msgs;
		g->total = body + (g->marker != NULL);
	} else if (g->mode == MODE_PACED) {
		if (g->rate <= 0 || g->duration <= 0)
			die("paced needs -r and -d");
		g->total = (uint64_t)(g->rate * g->duration + 0.5);
	}
	if (g->total > LG_TOTAL_MAX)
		die("at most %u messages in a run", LG_TOTAL_MAX);
	if (g->window == 0) {
		/* About 256 KiB of lines waiting per member at most, so that
		 * the server's output limit is never near. */
		g->window = 200000 / (g->members ? g->members : 1);
		if (g->window > 2000)
			g->window = 2000;
		if (g->window < 16)
			g->window = 16;
	}
	g->expected = g->total * g->members;
	g->owner = calloc(g->total + 1, sizeof(*g->owner));
	g->cnt = calloc(g->total + 1, sizeof(*g->cnt));
	g->snext = calloc(g->senders + 1, sizeof(*g->snext));
	if (g->owner == NULL || g->cnt == NULL || g->snext == NULL)
		die("out of memory");
	raise_nofile(g->idle + g->members + 64);
	alloc_conns(g, g->idle + g->members);
	g->t_setup = now_ns();
	proc_sample(g->pid, &g->ps0, 0);
	g->rss_before_idle = g->ps0.rss_kib;
	g->phase = g->idle > 0 ? PH_IDLE_CONNECT : PH_MEMBERS;
	g->deadline = g->t_setup + (uint64_t)g->timeout_s * NS_PER_S;
	while (g->phase != PH_DONE) {
		uint64_t turn_sent = g->sent_total;

		g->now = now_ns();
		if (g->now > g->deadline) {
			if (g->phase < PH_RUN)
				die("setup took longer than %u s (phase %d, "
				    "%u of %u idle, %u of %u members joined)",
				    g->timeout_s, (int)g->phase,
				    g->idle_registered, g->idle, g->joined,
				    g->members);
			fprintf(stderr, "loadgen: run timed out\n");
			break;
		}
		advance(g);
		flush_dirty(g);
		if (g->sent_total == g->total && turn_sent < g->total)
			g->t_last_send = now_ns();
		if (g->phase == PH_DONE)
			break;
		handle_events(g, wait_ms(g));
		flush_dirty(g);
	}
	g->now = now_ns();
	proc_sample(g->pid, &g->ps1, 0);
	other_cpu(g, g->other_cpu1);
	g->redis_calls1 = redis_calls(g->redis_port);
	report(g);
	/* Whoever watches the same window (the client's counters) reads them
	 * before our goodbyes wake everyone up. */
	if (g->mode == MODE_HOLD)
		usleep(LG_SETTLE_MS * 1000);
	for (k = 0; k < g->nconns; k++)
		if (g->conns[k].state != ST_FREE)
			close(g->conns[k].fd);
	return g->expected == g->delivered && g->order_errors == 0 &&
	        g->disconnects == 0 && g->bad_lines == 0
	    ? 0
	    : 3;
}

/* Soak: a crowd doing random things, valid and not. */

static void
soak_connect(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];
	char ip[32];
	uint32_t r = rnd(g, 100);
	int ok;

	snprintf(ip, sizeof(ip), "127.0.0.%d", 2 + i % SOAK_ADDRS);
	if (conn_open(g, i, ip) < 0) {
		g->refused++;
		c->next_ns = g->now + 100 * NS_PER_MS;
		return;
	}
	c->gen++;
	c->base = 0;
	c->joined_mask = 0;
	snprintf(c->name, sizeof(c->name), "s%d_%u", i, c->gen);
	c->state = ST_REGISTERING;
	g->connecting++;
	if (c->role == ROLE_KEEPER) {
		/* The longest name, so that its history lines are the longest.
		 */
		snprintf(c->name, sizeof(c->name),
		    "keep%02d_%u_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", c->id,
		    c->gen);
		c->name[32] = '\0';
		c->sent = 0;
		ok = tx_putf(g, i, "hello$1\nreg$%s\n", c->name);
	} else if (c->role == ROLE_PROBE) {
		ok = tx_putf(g, i, "hello$1\nreg$%s\n", c->name);
	} else if (r < 3) {
		/* Binary before a name: not a chat client. */
		static const char junk[] = "\x01\x02\x03junk\x00\n";

		ok = tx_put(g, i, junk, sizeof(junk) - 1);
	} else if (r < 5) {
		/* An over-long line before a name. */
		char *p = tx_room(c, LG_LINE_MAX + 100);

		ok = -1;
		if (p != NULL) {
			memset(p, 'a', LG_LINE_MAX + 99);
			p[LG_LINE_MAX + 99] = '\n';
			c->tx_len += LG_LINE_MAX + 100;
			mark_dirty(g, i);
			ok = 0;
		}
	} else if (r < 6) {
		/* Never registers: the server's registration timeout ends it.
		 */
		c->state = ST_SILENT;
		g->connecting--;
		ok = 0;
	} else if (r < 16) {
		c->base = 1;
		ok = tx_putf(g, i, "reg$%s\n", c->name);
	} else {
		ok = tx_putf(g, i, "hello$1\nreg$%s\n", c->name);
	}
	if (ok < 0)
		die("no room to register");
	c->next_ns = g->now + 30 * NS_PER_S;
}

/* A random channel the client is in, else any from the pool. */
static int
soak_pick(struct lg *g, struct conn *c)
{
	int k, start = (int)rnd(g, SOAK_CHANNELS);

	for (k = 0; k < SOAK_CHANNELS; k++) {
		int j = (start + k) % SOAK_CHANNELS;

		if (c->joined_mask & (1u << j))
			return j;
	}
	return start;
}

static void
soak_act(struct lg *g, int i)
{
	static const char *const bad_text[] = {
	    "bad \xC0\xAF overlong",
	    "surrogate \xED\xA0\x80 here",
	    "too high \xF4\x90\x80\x80",
	    "cut \xE2\x82",
	    "stray \xFF\xFE bytes",
	    "ctl \x01 char",
	    "esc \x1B[31m red",
	    "c1 \xC2\x85 next",
	    "bidi \xE2\x80\xAE override",
	    "sep \xE2\x80\xA8 line",
	    "del \x7F char",
	};
	struct conn *c = &g->conns[i];
	const char *u = c->uid;
	uint32_t r = rnd(g, 100);
	int ch = soak_pick(g, c), other = (int)rnd(g, g->clients), ok = 0;
	char *p;

	g->actions++;
	c->next_ns = g->now + (uint64_t)(50 + rnd(g, 900)) * NS_PER_MS;
	if (r < 25) {
		ok = tx_putf(g, i, "send_msg$%s$soak%d$hello %u from %s\n", u,
		    ch, rnd(g, 100000), c->name);
	} else if (r < 28) {
		ok = tx_putf(g, i, "send_act$%s$soak%d$waves\n", u, ch);
	} else if (r < 36) {
		ok =
		    tx_putf(g, i, "join$%s$soak%u\n", u, rnd(g, SOAK_CHANNELS));
	} else if (r < 40) {
		ok = tx_putf(
		    g, i, "create_chan$%s$soak%u\n", u, rnd(g, SOAK_CHANNELS));
	} else if (r < 45) {
		c->joined_mask &= ~(1u << ch);
		ok = tx_putf(g, i, "leave$%s$soak%d\n", u, ch);
	} else if (r < 48) {
		ok = tx_putf(g, i, "names$%s$soak%d\n", u, ch);
	} else if (r < 50) {
		ok = tx_putf(g, i, "list$%s\n", u);
	} else if (r < 52) {
		c->gen++;
		snprintf(c->name, sizeof(c->name), "s%d_%u", i, c->gen);
		ok = tx_putf(g, i, "nick$%s$%s\n", u, c->name);
	} else if (r < 56) {
		ok = tx_putf(g, i, "dm$%s$%s$psst\n", u, g->conns[other].name);
	} else if (r < 61) {
		ok = tx_putf(g, i, "ping$P%llu\n", (unsigned long long)g->now);
	} else if (r < 65) {
		ok = tx_putf(g, i, "frobnicate$%s$x\n", u);
	} else if (r < 68) {
		ok = tx_putf(g, i, "send_msg$%s$soak%d$not mine\n",
		    g->conns[other].uid, ch);
	} else if (r < 71) {
		ok = tx_putf(g, i, "join$%s$\n", u);
	} else if (r < 74) {
		/* A line over the limit: dropped up to its LF. */
		p = tx_room(c, LG_LINE_MAX + 200);
		ok = -1;
		if (p != NULL) {
			int n = snprintf(p, 64, "send_msg$%s$soak%d$", u, ch);

			memset(p + n, 'y', LG_LINE_MAX + 199 - (size_t)n);
			p[LG_LINE_MAX + 199] = '\n';
			c->tx_len += LG_LINE_MAX + 200;
			mark_dirty(g, i);
			ok = 0;
		}
	} else if (r < 82) {
		ok = tx_putf(g, i, "send_msg$%s$soak%d$%s\n", u, ch,
		    bad_text[rnd(g, sizeof(bad_text) / sizeof(bad_text[0]))]);
	} else if (r < 85) {
		/* A text just past the limit, or the largest allowed. */
		size_t n = LG_TEXT_MAX + (rnd(g, 2) == 0);

		p = tx_room(c, n + 128);
		ok = -1;
		if (p != NULL) {
			int h = snprintf(p, 128, "send_msg$%s$soak%d$", u, ch);

			memset(p + h, 'z', n);
			p[(size_t)h + n] = '\n';
			c->tx_len += (size_t)h + n + 1;
			mark_dirty(g, i);
			ok = 0;
		}
	} else if (r < 87) {
		ok = tx_putf(g, i, "nick$%s$-bad name!\n", u);
	} else if (r < 89) {
		ok = tx_putf(g, i, "send_msg$%s$soak%d$\n", u, ch);
	} else if (r < 91) {
		ok = tx_putf(g, i, "quit$bye from %s\n", c->name);
	} else if (r < 93) {
		struct linger lin = {1, 0};

		/* A reset instead of a goodbye. */
		(void)setsockopt(
		    c->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
		snprintf(c->last_err, sizeof(c->last_err), "reset");
		conn_close(g, i, "reset");
		return;
	} else if (r < 95) {
		/* Half-close: the server reads EOF and closes. */
		(void)shutdown(c->fd, SHUT_WR);
		c->next_ns = g->now + 10 * NS_PER_S;
	} else if (r < 97) {
		c->stalled = 1;
		c->stall_until = g->now + (uint64_t)(1 + rnd(g, 4)) * NS_PER_S;
		conn_events(g, i);
	} else {
		ok = tx_putf(g, i, "hello$1\n");
	}
	(void)ok;
}

/*
 * A keeper stays in its channel, so the channel and its history live for
 * the whole soak, and fills the history with the longest lines: history
 * slots keep the largest buffer they held, so after this no traffic can
 * make them grow.
 */
static void
soak_fill(struct lg *g, int i)
{
	struct conn *c = &g->conns[i];
	char *p;
	int h;

	if (c->sent >= SOAK_FILL) {
		if (!c->filled) {
			c->filled = 1;
			g->filled++;
		}
		c->next_ns = g->now + 3600 * NS_PER_S;
		return;
	}
	/* Under the default flood limit of 10 lines a second. */
	c->next_ns = g->now + 120 * NS_PER_MS;
	p = tx_room(c, LG_TEXT_MAX + 128);
	if (p == NULL)
		return;
	h = snprintf(p, 128, "send_msg$%s$soak%d$", c->uid, c->id);
	memset(p + h, 'k', LG_TEXT_MAX);
	p[(size_t)h + LG_TEXT_MAX] = '\n';
	c->tx_len += (size_t)h + LG_TEXT_MAX + 1;
	mark_dirty(g, i);
	c->sent++;
}

static void
soak_tick(struct lg *g)
{
	unsigned k;

	for (k = 0; k < g->nconns; k++) {
		struct conn *c = &g->conns[k];
		int i = (int)k;

		if (c->stalled && g->now >= c->stall_until) {
			c->stalled = 0;
			conn_events(g, i);
		}
		if (g->now < c->next_ns)
			continue;
		if (c->state == ST_FREE) {
			/* The crowd comes once every history is full. */
			if (c->role == ROLE_KEEPER ||
			    g->filled >= SOAK_CHANNELS)
				soak_connect(g, i);
			else
				c->next_ns = g->now + 100 * NS_PER_MS;
		} else if (c->role == ROLE_KEEPER && c->state == ST_READY) {
			soak_fill(g, i);
		} else if (c->role == ROLE_PROBE && c->state == ST_READY) {
			(void)tx_putf(
			    g, i, "ping$P%llu\n", (unsigned long long)g->now);
			g->pings++;
			c->next_ns = g->now + SOAK_PROBE_MS * NS_PER_MS;
		} else if (c->state == ST_READY && !c->stalled) {
			soak_act(g, i);
		} else if (c->state == ST_REGISTERING ||
		    c->state == ST_SILENT) {
			/* The server should have closed it by now. */
			c->next_ns = g->now + 30 * NS_PER_S;
		}
	}
}

static int
soak_wait_ms(const struct lg *g)
{
	uint64_t next = g->now + 1000 * NS_PER_MS;
	unsigned k;

	for (k = 0; k < g->nconns; k++) {
		const struct conn *c = &g->conns[k];

		if (c->next_ns < next)
			next = c->next_ns;
		if (c->stalled && c->stall_until < next)
			next = c->stall_until;
	}
	return next <= g->now ? 0 : (int)((next - g->now) / NS_PER_MS + 1);
}

static unsigned
soak_online(const struct lg *g)
{
	unsigned k, n = 0;

	for (k = 0; k < g->nconns; k++)
		n += g->conns[k].state == ST_READY;
	return n;
}

static int
run_soak(struct lg *g)
{
	uint64_t t0, end, next_sample;
	struct procstat ps;
	int fds_start, fds_end = -1;
	long rss_start;
	unsigned k;

	if (g->duration <= 0)
		die("soak needs -d seconds");
	raise_nofile(g->clients + g->probes + SOAK_CHANNELS + 64);
	alloc_conns(g, g->clients + g->probes + SOAK_CHANNELS);
	for (k = 0; k < g->nconns; k++) {
		struct conn *c = &g->conns[k];

		c->id = (int)k;
		c->next_ns = 0;
		if (k < g->clients) {
			c->role = ROLE_SOAK;
		} else if (k < g->clients + g->probes) {
			c->role = ROLE_PROBE;
		} else {
			c->role = ROLE_KEEPER;
			c->id = (int)(k - g->clients - g->probes);
		}
	}
	proc_sample(g->pid, &ps, 1);
	if (!ps.ok)
		die("soak needs the server's pid (-P)");
	fds_start = ps.fds;
	rss_start = ps.rss_kib;
	t0 = g->now = now_ns();
	end = t0 + (uint64_t)(g->duration * 1e9);
	next_sample = t0 + (uint64_t)g->sample_ms * NS_PER_MS;
	printf("sample t_s=0.0 rss_kib=%ld fds=%d p99_us=0 pings=0 online=0 "
	       "actions=0 closes=0\n",
	    ps.rss_kib, ps.fds);
	fflush(stdout);
	while (g->now < end) {
		soak_tick(g);
		flush_dirty(g);
		handle_events(g, soak_wait_ms(g));
		flush_dirty(g);
		if (g->now >= next_sample) {
			proc_sample(g->pid, &ps, 1);
			if (!ps.ok)
				die("the server is gone");
			printf(
			    "sample t_s=%.1f rss_kib=%ld fds=%d p99_us=%.0f "
			    "pings=%llu online=%u actions=%llu closes=%llu\n",
			    (double)(g->now - t0) / 1e9, ps.rss_kib, ps.fds,
			    (double)hist_quantile(&g->probe_lat, 0.99) / 1e3,
			    (unsigned long long)g->probe_lat.count,
			    soak_online(g), (unsigned long long)g->actions,
			    (unsigned long long)g->closes);
			fflush(stdout);
			hist_merge(&g->probe_all, &g->probe_lat);
			memset(&g->probe_lat, 0, sizeof(g->probe_lat));
			next_sample += (uint64_t)g->sample_ms * NS_PER_MS;
		}
	}
	hist_merge(&g->probe_all, &g->probe_lat);
	for (k = 0; k < g->nconns; k++)
		if (g->conns[k].state != ST_FREE) {
			(void)epoll_ctl(
			    g->ep, EPOLL_CTL_DEL, g->conns[k].fd, NULL);
			close(g->conns[k].fd);
			g->conns[k].state = ST_FREE;
		}
	/* The server closes its ends within its linger time. */
	for (k = 0; k < SOAK_SETTLE_MS / 100; k++) {
		proc_sample(g->pid, &ps, 1);
		if (!ps.ok)
			die("the server is gone");
		fds_end = ps.fds;
		if (fds_end <= fds_start)
			break;
		usleep(100 * 1000);
	}
	printf("result mode=soak clients=%u probes=%u duration_s=%.0f "
	       "actions=%llu closes=%llu refused=%llu errors_rx=%llu "
	       "probe_pings=%llu p50_us=%.0f p99_us=%.0f max_us=%.0f "
	       "fds_start=%d fds_end=%d rss_start_kib=%ld rss_end_kib=%ld "
	       "last_error_before_close=",
	    g->clients, g->probes, g->duration, (unsigned long long)g->actions,
	    (unsigned long long)g->closes, (unsigned long long)g->refused,
	    (unsigned long long)g->errors_rx,
	    (unsigned long long)g->probe_all.count,
	    (double)hist_quantile(&g->probe_all, 0.5) / 1e3,
	    (double)hist_quantile(&g->probe_all, 0.99) / 1e3,
	    (double)g->probe_all.max / 1e3, fds_start, fds_end, rss_start,
	    ps.rss_kib);
	for (k = 0; k < g->nreasons; k++)
		printf("%s%s:%llu", k ? "," : "", g->reasons[k].code,
		    (unsigned long long)g->reasons[k].count);
	printf("\n");
	return fds_end <= fds_start && g->refused == 0 ? 0 : 3;
}

/*
 * Storm: members connections at once, each a full TLS handshake (no
 * resumption) that ends when the server's greeting arrives, then a close
 * and the next, until msgs handshakes (0: no limit) or duration seconds
 * (0: no limit) have passed; the server's CPU over it all is per
 * handshake, connect and close included.  With a rate, they come in
 * waves instead: every members / rate seconds, all the connections that
 * are done start again at once.  Without --tls the same in plain text:
 * what the TCP connection and the greeting cost alone.
 */
static int
run_storm(struct lg *g)
{
	uint64_t end, wave_ns = 0, next_wave;
	unsigned k, open;
	int wave, more;

	if (g->msgs == 0 && g->duration <= 0)
		die("storm needs -M or -d");
	raise_nofile(g->members + 64);
	g->idle = g->members; /* small buffers: a greeting is all they read */
	alloc_conns(g, g->members);
	for (k = 0; k < g->nconns; k++)
		g->conns[k].role = ROLE_STORM;
	g->now = g->t_start = next_wave = now_ns();
	end = g->duration > 0 ? g->t_start + (uint64_t)(g->duration * 1e9)
	                      : UINT64_MAX;
	if (g->rate > 0)
		wave_ns = (uint64_t)((double)g->members / g->rate * 1e9);
	g->deadline = g->t_start + (uint64_t)g->timeout_s * NS_PER_S;
	proc_sample(g->pid, &g->ps0, 0);
	printf("running t_start_ns=%llu\n", (unsigned long long)g->t_start);
	fflush(stdout);
	for (;;) {
		g->now = now_ns();
		open = 0;
		more =
		    g->now < end && (g->msgs == 0 || g->hs_started < g->msgs);
		wave = wave_ns == 0 || g->now >= next_wave;
		if (wave_ns > 0 && wave)
			next_wave += wave_ns;
		for (k = 0; k < g->nconns; k++) {
			struct conn *c = &g->conns[k];

			if (c->state == ST_FREE && wave && g->now < end &&
			    (g->msgs == 0 || g->hs_started < g->msgs)) {
				if (conn_open(g, (int)k, NULL) < 0)
					die("connection refused on port %d",
					    g->port);
				c->state = ST_REGISTERING;
				c->filled = 0;
				c->t_open = g->now;
				g->hs_started++;
			}
			open += c->state != ST_FREE;
		}
		if ((open == 0 && !more) || g->now > g->deadline)
			break;
		flush_dirty(g);
		handle_events(g, 10);
		flush_dirty(g);
	}
	g->now = now_ns();
	proc_sample(g->pid, &g->ps1, 0);
	for (k = 0; k < g->nconns; k++)
		if (g->conns[k].state != ST_FREE)
			conn_close(g, (int)k, "timed out");
	{
		double el = (double)(g->now - g->t_start) / 1e9;
		double cpu = (double)(g->ps1.cpu_us - g->ps0.cpu_us);
		double sched =
		    (double)(g->ps1.sched_ns - g->ps0.sched_ns) / 1e3;
		double hs = (double)g->handshakes;

		printf("result mode=storm concurrency=%u rate=%.0f "
		       "handshakes=%llu "
		       "failed=%llu elapsed_ms=%.1f handshakes_per_s=%.0f "
		       "srv_cpu_us=%.0f srv_sched_us=%.0f "
		       "srv_cpu_us_per_hs=%.1f srv_sched_us_per_hs=%.1f "
		       "hs_per_srv_cpu_s=%.0f hs_per_srv_sched_s=%.0f "
		       "p50_us=%.1f p99_us=%.1f max_us=%.1f srv_rss_kib=%ld "
		       "srv_hwm_kib=%ld\n",
		    g->members, g->rate, (unsigned long long)g->handshakes,
		    (unsigned long long)g->hs_failed, el * 1e3,
		    el > 0 ? hs / el : 0.0, cpu, sched, hs > 0 ? cpu / hs : 0.0,
		    hs > 0 ? sched / hs : 0.0, cpu > 0 ? hs * 1e6 / cpu : 0.0,
		    sched > 0 ? hs * 1e6 / sched : 0.0,
		    (double)hist_quantile(&g->hs_lat, 0.50) / 1e3,
		    (double)hist_quantile(&g->hs_lat, 0.99) / 1e3,
		    (double)g->hs_lat.max / 1e3, g->ps1.rss_kib,
		    g->ps1.hwm_kib);
	}
	if (g->first_error[0] != '\0')
		fprintf(stderr, "loadgen: first problem: %s\n", g->first_error);
	return g->hs_failed == 0 && g->handshakes > 0 ? 0 : 3;
}

/*
 * The client side of TLS for every connection: no certificate check (the
 * bench's own server), no resumption, so that each handshake is a full
 * one, and buffers given back while idle (but members), so that 10,000
 * connections stay small here too.
 */
static SSL_CTX *
tls_client(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		die("TLS: no context");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	/* Many records a read(2), not two reads a record: the members would
	 * cost more than the server. */
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

static unsigned
opt_uint(const char *s, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > max)
		die("bad number: %s", s);
	return (unsigned)v;
}

static double
opt_double(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*end != '\0' || end == s || v < 0)
		die("bad number: %s", s);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},
	    {"pid", required_argument, NULL, 'P'},
	    {"mode", required_argument, NULL, 'm'},
	    {"members", required_argument, NULL, 'n'},
	    {"senders", required_argument, NULL, 's'},
	    {"msgs", required_argument, NULL, 'M'},
	    {"window", required_argument, NULL, 'w'},
	    {"size", required_argument, NULL, 'z'},
	    {"rate", required_argument, NULL, 'r'},
	    {"duration", required_argument, NULL, 'd'},
	    {"idle", required_argument, NULL, 'i'},
	    {"channel", required_argument, NULL, 'c'},
	    {"prefix", required_argument, NULL, 'x'},
	    {"wait-join", required_argument, NULL, 'j'},
	    {"marker", required_argument, NULL, 'k'},
	    {"timeout", required_argument, NULL, 't'},
	    {"clients", required_argument, NULL, 'C'},
	    {"probes", required_argument, NULL, 'R'},
	    {"sample", required_argument, NULL, 'S'},
	    {"seed", required_argument, NULL, 'e'},
	    {"tls", no_argument, NULL, 'T'},
	    {"other-port", required_argument, NULL, 'O'},
	    {"other-pid", required_argument, NULL, 'Q'},
	    {"redis-port", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct lg *g = calloc(1, sizeof(*g));
	int ch;

	if (g == NULL)
		die("out of memory");
	g->mode = MODE_BURST;
	g->members = 10;
	g->msgs = 100;
	g->size = 64;
	g->channel = "bench";
	g->prefix = "b";
	g->timeout_s = 600;
	g->clients = 300;
	g->probes = 4;
	g->sample_ms = 5000;
	g->seed = 1;
	while (
	    (ch = getopt_long(argc, argv,
	         "p:P:m:n:s:M:w:z:r:d:i:I:c:x:j:k:t:Th", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			g->port = (int)opt_uint(optarg, 65535);
			break;
		case 'D':
			g->redis_port = (int)opt_uint(optarg, 65535);
			break;
		case 'Q':
			if (g->nother_pid == LG_OTHER_PORTS_MAX)
				die("at most %d --other-pid",
				    LG_OTHER_PORTS_MAX);
			g->other_pid[g->nother_pid++] =
			    (pid_t)opt_uint(optarg, INT_MAX);
			break;
		case 'O':
			if (g->nother == LG_OTHER_PORTS_MAX)
				die("at most %d --other-port",
				    LG_OTHER_PORTS_MAX);
			g->other_port[g->nother++] =
			    (int)opt_uint(optarg, 65535);
			break;
		case 'P':
			g->pid = (pid_t)opt_uint(optarg, INT_MAX);
			break;
		case 'm':
			if (strcmp(optarg, "burst") == 0)
				g->mode = MODE_BURST;
			else if (strcmp(optarg, "paced") == 0)
				g->mode = MODE_PACED;
			else if (strcmp(optarg, "hold") == 0)
				g->mode = MODE_HOLD;
			else if (strcmp(optarg, "soak") == 0)
				g->mode = MODE_SOAK;
			else if (strcmp(optarg, "storm") == 0)
				g->mode = MODE_STORM;
			else
				usage();
			break;
		case 'n':
			g->members = opt_uint(optarg, LG_CONNS_MAX);
			break;
		case 's':
			g->senders = opt_uint(optarg, LG_CONNS_MAX);
			break;
		case 'M':
			g->msgs = opt_uint(optarg, LG_TOTAL_MAX);
			break;
		case 'w':
			g->window = opt_uint(optarg, LG_TOTAL_MAX);
			break;
		case 'z':
			g->size = opt_uint(optarg, LG_TEXT_MAX - 100);
			break;
		case 'r':
			g->rate = opt_double(optarg);
			break;
		case 'd':
			g->duration = opt_double(optarg);
			break;
		case 'i':
			g->idle = opt_uint(optarg, LG_CONNS_MAX);
			break;
		case 'I':
			g->idle_settle_ms = opt_uint(optarg, 600000);
			break;
		case 'c':
			g->channel = optarg;
			break;
		case 'x':
			g->prefix = optarg;
			break;
		case 'j':
			g->wait_join = optarg;
			break;
		case 'k':
			g->marker = optarg;
			break;
		case 't':
			g->timeout_s = opt_uint(optarg, 86400);
			break;
		case 'C':
			g->clients = opt_uint(optarg, LG_CONNS_MAX / 2);
			break;
		case 'R':
			g->probes = opt_uint(optarg, 64);
			break;
		case 'S':
			g->sample_ms = opt_uint(optarg, 3600000);
			break;
		case 'e':
			g->seed = opt_uint(optarg, UINT_MAX);
			break;
		case 'T':
			if (g->tls == NULL)
				g->tls = tls_client();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || g->port == 0)
		usage();
	if (g->senders == 0)
		g->senders = g->members;
	if (g->members == 0 && g->mode != MODE_SOAK)
		die("at least one member");
	if (g->sample_ms == 0)
		g->sample_ms = 1000;
	g->rng = g->seed * 0x9E3779B97F4A7C15ULL + 1;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	if (g->ep < 0)
		die("epoll_create1: %s", strerror(errno));
	if (g->mode == MODE_SOAK)
		return run_soak(g);
	return g->mode == MODE_STORM ? run_storm(g) : run_chat(g);
}

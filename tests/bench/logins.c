/* logins.c: account logins against txt-chatd, for make bench (W8). */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

/*
 * Modes, each printing one "result key=value ..." line:
 *   setup  registers accounts acct0 .. acct<n-1>, n at once.
 *   p50    logs in as acct0 n times, one after another: the latency of
 *          one login (connect to login_end) as p50 and p99.
 *   storm  logs in as acct0 .. acct<n-1> all at once: the time until the
 *          last login_end.
 *   guests registers n guests (reg) all at once: the same connections
 *          without a password, to compare a storm with.
 * The server must take passwords in plaintext (--allow-plaintext-login).
 */

/* Bytes of a line read; the server's limit. */
#define LINE_MAX_BYTES 4096
/* Connections at once, at most. */
#define CONNS_MAX 2000
/* How long any mode may take before it gives up, in ms. */
#define GIVE_UP_MS 120000
/* The password of every account. */
#define PASSWORD "bench-password-1"

struct conn {
	int fd;
	char buf[LINE_MAX_BYTES];
	size_t len;
	int done;  /* 1: its answer came; -1: an error */
	int guest; /* reg: registered$ is the answer, not login_end */
	uint64_t start_us, end_us;
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
dial(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int
send_all(int fd, const char *s)
{
	size_t len = strlen(s), off = 0;
	ssize_t n;

	while (off < len) {
		n = write(fd, s + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Opens c and sends hello and the verb for account i. */
static int
start(struct conn *c, int port, const char *verb, unsigned i)
{
	char line[256];

	memset(c, 0, sizeof(*c));
	c->guest = strcmp(verb, "reg") == 0;
	c->start_us = now_us();
	c->fd = dial(port);
	if (c->fd < 0)
		return -1;
	if (c->guest)
		snprintf(line, sizeof(line), "hello$1\nreg$guest%u\n", i);
	else
		snprintf(line, sizeof(line), "hello$1\n%s$acct%u$%s\n", verb, i,
		    PASSWORD);
	return send_all(c->fd, line);
}

/* Reads what is there; marks the connection done at its answer. */
static void
take(struct conn *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	char *nl, *line = c->buf;

	if (n <= 0) {
		c->done = -1;
		return;
	}
	c->len += (size_t)n;
	while ((nl = memchr(line, '\n', c->len - (size_t)(line - c->buf)))) {
		*nl = '\0';
		if (strncmp(line, "login_end$", 10) == 0 ||
		    (c->guest && strncmp(line, "registered$", 11) == 0) ||
		    (strncmp(line, "account$", 8) == 0 &&
		        strstr(line, "$registered") != NULL)) {
			c->done = 1;
			c->end_us = now_us();
		} else if (strncmp(line, "error$", 6) == 0 &&
		    strstr(line, "$ping$") == NULL) {
			fprintf(stderr, "logins: %s\n", line);
			c->done = -1;
		}
		line = nl + 1;
	}
	c->len -= (size_t)(line - c->buf);
	memmove(c->buf, line, c->len);
	if (c->len == sizeof(c->buf))
		c->len = 0; /* a line past the limit: not one we wait for */
}

/* Waits until every connection is done; returns how many failed. */
static unsigned
wait_all(struct conn *cs, unsigned n)
{
	static struct pollfd p[CONNS_MAX];
	uint64_t until = now_us() + (uint64_t)GIVE_UP_MS * 1000;
	unsigned i, left, failed = 0;

	for (;;) {
		left = 0;
		for (i = 0; i < n; i++) {
			p[i].fd = cs[i].done == 0 ? cs[i].fd : -1;
			p[i].events = POLLIN;
			left += cs[i].done == 0;
		}
		if (left == 0 || now_us() > until)
			break;
		if (poll(p, n, 1000) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++)
			if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP)))
				take(&cs[i]);
	}
	for (i = 0; i < n; i++)
		failed += cs[i].done != 1;
	return failed;
}

static void
close_all(struct conn *cs, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: logins -p port -m setup|p50|storm|guests -n count\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct conn cs[CONNS_MAX];
	const char *mode = NULL;
	int port = 0, ch;
	unsigned n = 0, i, failed;
	uint64_t t0, lat[CONNS_MAX];

	while ((ch = getopt(argc, argv, "p:m:n:")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'n':
			n = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (port <= 0 || mode == NULL || n == 0 || n > CONNS_MAX)
		usage();
	t0 = now_us();
	if (strcmp(mode, "setup") == 0 || strcmp(mode, "storm") == 0 ||
	    strcmp(mode, "guests") == 0) {
		const char *verb = mode[0] == 'g' ? "reg"
		    : mode[1] == 'e'              ? "register"
		                                  : "login";

		for (i = 0; i < n; i++)
			if (start(&cs[i], port, verb, i) < 0) {
				fprintf(stderr, "logins: cannot connect\n");
				return 1;
			}
		failed = wait_all(cs, n);
		close_all(cs, n);
		printf("result mode=%s n=%u failed=%u total_us=%llu\n", mode, n,
		    failed, (unsigned long long)(now_us() - t0));
		return failed > 0;
	}
	if (strcmp(mode, "p50") != 0)
		usage();
	for (i = 0; i < n; i++) {
		if (start(&cs[0], port, "login", 0) < 0 ||
		    wait_all(cs, 1) != 0) {
			fprintf(stderr, "logins: login %u failed\n", i);
			return 1;
		}
		lat[i] = cs[0].end_us - cs[0].start_us;
		close_all(cs, 1);
	}
	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	printf("result mode=p50 n=%u p50_us=%llu p99_us=%llu max_us=%llu\n", n,
	    (unsigned long long)lat[n / 2],
	    (unsigned long long)
	        lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	    (unsigned long long)lat[n - 1]);
	return 0;
}

/* rawcli.c: a raw protocol client for the end-to-end tests: any bytes out,
 * every line in. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bytes of one line either way, counting the LF (the protocol's limit). */
#define RAWCLI_LINE_MAX 4096
/* Receive buffer: a whole line and what follows it. */
#define RAWCLI_BUF_SIZE (4 * RAWCLI_LINE_MAX)
/* Bytes of a uid kept, counting the terminator. */
#define RAWCLI_UID_MAX 128
/* Default wait for any one reply, in ms. */
#define RAWCLI_TIMEOUT_MS 10000
/* Time given to the server to close after quit, in ms. */
#define RAWCLI_QUIT_MS 2000

static const char welcome[] = "------Welcome to Txt Chat------";
static const char sync_token[] = "rawcli-sync";

/* Set by SIGTERM, SIGINT and SIGHUP: a -s client then quits. */
static volatile sig_atomic_t stop_flag;

struct rawcli {
	int fd;
	int ext;
	int timeout_ms;
	int eof;
	size_t len; /* bytes in buf */
	char uid[RAWCLI_UID_MAX];
	char line[RAWCLI_BUF_SIZE + 1];
	char buf[RAWCLI_BUF_SIZE];
};

static void
usage(void)
{
	fputs("usage: rawcli [-ers] [-n name] [-c channel] [-j channel] "
	      "[-t ms] port [text ...]\n"
	      "  -e  extended mode (hello$1 first)\n"
	      "  -n  register name\n"
	      "  -c  create a channel (and so join it)\n"
	      "  -j  join a channel by name or id\n"
	      "  -r  send each text as a raw line, not as a message\n"
	      "  -s  stay connected after sending until a signal\n"
	      "  -t  wait at most ms for each reply (default 10000)\n"
	      "texts take C escapes: \\e \\r \\b \\a \\n \\t \\\\ \\xHH "
	      "\\NNN\n",
	    stderr);
	exit(2);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the C escapes of s into out (at least strlen(s) bytes); returns the
 * length.  An unknown escape stands for the character after the backslash. */
static size_t
unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s != '\0') {
		int v, d, k;

		if (*s != '\\' || s[1] == '\0') {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'a':
			out[n++] = '\a';
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'e':
			out[n++] = '\033';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'v':
			out[n++] = '\v';
			break;
		case 'x':
			v = 0;
			for (k = 0; k < 2 && (d = hex_digit(s[1])) >= 0; k++) {
				v = v * 16 + d;
				s++;
			}
			out[n++] = k > 0 ? (char)v : 'x';
			break;
		default:
			if (*s >= '0' && *s <= '7') {
				v = *s - '0';
				for (k = 1; k < 3 && s[1] >= '0' && s[1] <= '7';
				     k++)
					v = v * 8 + (*++s - '0');
				out[n++] = (char)v;
			} else {
				out[n++] = *s;
			}
			break;
		}
		s++;
	}
	return n;
}

/* Prints a received line with control bytes and backslashes escaped. */
static void
print_line(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\n');
	fflush(stdout);
}

static int
send_all(struct rawcli *rc, const char *data, size_t len)
{
	long long deadline = now_ms() + rc->timeout_ms;

	while (len > 0) {
		struct pollfd p = {rc->fd, POLLOUT, 0};
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			fprintf(stderr, "rawcli: cannot send: timed out\n");
			return -1;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			fprintf(stderr, "rawcli: poll: %s\n", strerror(errno));
			return -1;
		}
		n = send(rc->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "rawcli: send: %s\n", strerror(errno));
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends prefix, then body (raw bytes), then LF. */
static int
send_line(
    struct rawcli *rc, const char *prefix, const char *body, size_t body_len)
{
	char *line = malloc(strlen(prefix) + body_len + 1);
	size_t n = strlen(prefix);
	int r;

	if (line == NULL) {
		fprintf(stderr, "rawcli: out of memory\n");
		return -1;
	}
	memcpy(line, prefix, n);
	memcpy(line + n, body, body_len);
	line[n + body_len] = '\n';
	r = send_all(rc, line, n + body_len + 1);
	free(line);
	return r;
}

/*
 * The next line, printed and NUL-terminated in rc->line, within timeout_ms.
 * Returns 1, 0 on timeout or a signal, -1 at EOF or on error.
 */
static int
read_line(struct rawcli *rc, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		char *lf = memchr(rc->buf, '\n', rc->len);
		struct pollfd p = {rc->fd, POLLIN, 0};
		long long left;
		ssize_t n;

		if (lf != NULL || rc->len == sizeof(rc->buf) ||
		    (rc->eof && rc->len > 0)) {
			/* A full buffer without LF is shown as one line. */
			size_t len =
			    lf != NULL ? (size_t)(lf - rc->buf) : rc->len;
			size_t used = lf != NULL ? len + 1 : len;

			if (len > 0 && rc->buf[len - 1] == '\r')
				len--;
			memcpy(rc->line, rc->buf, len);
			rc->line[len] = '\0';
			memmove(rc->buf, rc->buf + used, rc->len - used);
			rc->len -= used;
			print_line(rc->line, len);
			return 1;
		}
		if (rc->eof)
			return -1;
		left = deadline - now_ms();
		if (left <= 0 || stop_flag)
			return 0;
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p.revents == 0)
			continue;
		n = recv(
		    rc->fd, rc->buf + rc->len, sizeof(rc->buf) - rc->len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			rc->eof = 1;
		else
			rc->len += (size_t)n;
	}
}

static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
is_error(const struct rawcli *rc)
{
	return starts_with(rc->line, rc->ext ? "error$" : "$$error: ");
}

/* Reads lines until one starts with prefix; an error line or silence fails. */
static int
expect_prefix(struct rawcli *rc, const char *prefix, const char *what)
{
	int r;

	while ((r = read_line(rc, rc->timeout_ms)) == 1) {
		if (starts_with(rc->line, prefix))
			return 0;
		if (is_error(rc)) {
			fprintf(
			    stderr, "rawcli: %s refused: %s\n", what, rc->line);
			return -1;
		}
	}
	fprintf(stderr, "rawcli: no reply to %s: %s\n", what,
	    r == 0 ? "timed out" : "connection closed");
	return -1;
}

static int
do_connect(struct rawcli *rc, const char *port_arg)
{
	struct sockaddr_in sa;
	char *end;
	long port = strtol(port_arg, &end, 10);

	if (*end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "rawcli: bad port: %s\n", port_arg);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (rc->fd < 0 ||
	    connect(rc->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "rawcli: cannot connect to port %ld: %s\n",
		    port, strerror(errno));
		return -1;
	}
	return 0;
}

/* Keeps the uid the server gave, cut to what fits. */
static void
keep_uid(struct rawcli *rc, const char *s, size_t len)
{
	if (len >= sizeof(rc->uid))
		len = sizeof(rc->uid) - 1;
	memcpy(rc->uid, s, len);
	rc->uid[len] = '\0';
}

static int
do_register(struct rawcli *rc, const char *name)
{
	char prefix[RAWCLI_UID_MAX + 32];
	int r;

	if (send_line(rc, "reg$", name, strlen(name)) < 0)
		return -1;
	if (rc->ext) {
		if (expect_prefix(rc, "registered$", "reg") < 0)
			return -1;
		keep_uid(rc, rc->line + 11, strcspn(rc->line + 11, "$"));
		snprintf(prefix, sizeof(prefix), "history_end$%s$", rc->uid);
		return expect_prefix(rc, prefix, "reg");
	}
	/* Base mode: the welcome, an empty line, then the uid alone. */
	while ((r = read_line(rc, rc->timeout_ms)) == 1) {
		if (rc->line[0] == '\0' || strcmp(rc->line, welcome) == 0)
			continue;
		if (is_error(rc)) {
			fprintf(stderr, "rawcli: reg refused: %s\n", rc->line);
			return -1;
		}
		keep_uid(rc, rc->line, strlen(rc->line));
		return 0;
	}
	fprintf(stderr, "rawcli: no reply to reg\n");
	return -1;
}

/* Creates or joins chan and waits until the join is complete. */
static int
do_join(struct rawcli *rc, const char *verb, const char *chan)
{
	char prefix[RAWCLI_UID_MAX + 32];

	snprintf(prefix, sizeof(prefix), "%s$%s$", verb, rc->uid);
	if (send_line(rc, prefix, chan, strlen(chan)) < 0)
		return -1;
	return expect_prefix(rc, rc->ext ? "history_end$" : "$$joined: ", verb);
}

/* Waits for the pong of a ping sent after everything else. */
static int
do_sync(struct rawcli *rc)
{
	char pong[64];

	if (send_line(rc, "ping$", sync_token, strlen(sync_token)) < 0)
		return -1;
	snprintf(pong, sizeof(pong), "%s%s",
	    rc->ext ? "pong$" : "$$pong: ", sync_token);
	for (;;) {
		int r = read_line(rc, rc->timeout_ms);

		if (r != 1) {
			fprintf(stderr, "rawcli: no pong\n");
			return -1;
		}
		if (strcmp(rc->line, pong) == 0)
			return 0;
	}
}

/* Says quit and prints what comes until the server closes. */
static void
do_quit(struct rawcli *rc)
{
	long long deadline = now_ms() + RAWCLI_QUIT_MS;

	stop_flag = 0;
	if (send_line(rc, "quit$", "done", 4) < 0)
		return;
	while (now_ms() < deadline &&
	    read_line(rc, (int)(deadline - now_ms())) == 1)
		;
}

int
main(int argc, char **argv)
{
	static struct rawcli rc;
	const char *name = NULL, *create = NULL, *join = NULL, *chan;
	int raw = 0, stay = 0, ch, i;
	struct sigaction sa;

	rc.fd = -1;
	rc.timeout_ms = RAWCLI_TIMEOUT_MS;
	while ((ch = getopt(argc, argv, "c:ej:n:rst:")) != -1) {
		switch (ch) {
		case 'c':
			create = optarg;
			break;
		case 'e':
			rc.ext = 1;
			break;
		case 'j':
			join = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'r':
			raw = 1;
			break;
		case 's':
			stay = 1;
			break;
		case 't':
			rc.timeout_ms = atoi(optarg);
			if (rc.timeout_ms <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || ((create || join) && name == NULL))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (do_connect(&rc, argv[optind]) < 0)
		return 1;
	if (rc.ext &&
	    (send_line(&rc, "hello$", "1", 1) < 0 ||
	        expect_prefix(&rc, "hello$", "hello") < 0))
		return 1;
	if (name != NULL && do_register(&rc, name) < 0)
		return 1;
	if (create != NULL && do_join(&rc, "create_chan", create) < 0)
		return 1;
	if (join != NULL && do_join(&rc, "join", join) < 0)
		return 1;
	chan = join != NULL ? join : create;
	for (i = optind + 1; i < argc; i++) {
		char *text = malloc(strlen(argv[i]) + 1);
		char prefix[2 * RAWCLI_UID_MAX + 64];
		size_t len;
		int r;

		if (text == NULL)
			return 1;
		len = unescape(argv[i], text);
		if (raw || chan == NULL)
			prefix[0] = '\0';
		else
			snprintf(prefix, sizeof(prefix), "send_msg$%s$%s$",
			    rc.uid, chan);
		r = send_line(&rc, prefix, text, len);
		free(text);
		if (r < 0)
			return 1;
	}
	if (do_sync(&rc) < 0)
		return 1;
	if (stay) {
		puts("# ready");
		while (!stop_flag && read_line(&rc, rc.timeout_ms) >= 0)
			;
	}
	if (!rc.eof)
		do_quit(&rc);
	close(rc.fd);
	return 0;
}

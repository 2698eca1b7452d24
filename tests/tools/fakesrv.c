/* fakesrv.c: a hostile fake txt-chatd for the client's end-to-end tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * One client at a time: it gets online properly (hello, registered, its
 * personal channel, then, when it asks, a channel "hostile" with a marker
 * line; a client takes no join it did not ask for), then on
 * the message "go" the scenario plays, and a last marker line says it is
 * over.  Afterwards messages are echoed, pings answered, joins granted.
 * When the client leaves, the fake server exits.
 *
 * The scenarios "banner", "silent" and "slam" are something else that
 * listens on the port, for any number of connections in turn: an SSH
 * server's greeting, a listener that never says a word, and one that
 * accepts and closes at once.  Each connection is logged as "accept N" on
 * standard error, so a test can count the client's attempts.
 */

/* Bytes of one line from the client, counting the LF. */
#define FAKESRV_LINE_MAX 4096
/* Receive buffer for the client's lines. */
#define FAKESRV_BUF_SIZE (4 * FAKESRV_LINE_MAX)
/* Bytes of the client's name kept, counting the terminator. */
#define FAKESRV_NAME_MAX 64
/* Bytes of one line built here, counting the terminator. */
#define FAKESRV_OUT_MAX (3 * FAKESRV_LINE_MAX)
/* The flood: lines by default, and the lines sent per pacing step. */
#define FAKESRV_FLOOD_DEFAULT 100000
#define FAKESRV_FLOOD_BATCH   1000
/* Milliseconds between flood batches (100 batches in about 2 s). */
#define FAKESRV_FLOOD_STEP_MS 20
/* The longest line of the "long" scenario, in bytes. */
#define FAKESRV_LONG_BYTES (100 * 1024)
/* How long the fake server lives at most, in ms: tests never hang on it. */
#define FAKESRV_LIFETIME_MS 300000

#define UID "127.0.0.1:4242"
#define HID "hostile-chan-id"

static volatile sig_atomic_t stop_flag;

struct fakesrv {
	int fd;
	const char *scenario;
	long flood;
	int played;
	unsigned long long seq;
	size_t len;
	char name[FAKESRV_NAME_MAX];
	char out[FAKESRV_OUT_MAX];
	char buf[FAKESRV_BUF_SIZE];
};

static void
usage(void)
{
	fputs("usage: fakesrv scenario [flood-lines]\n"
	      "scenarios: calm escapes utf8 wide long junk flood\n"
	      "           banner silent slam (not a txt-chatd)\n"
	      "prints \"listening on 127.0.0.1:PORT\" on standard error\n",
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
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000 +
	    (unsigned long long)ts.tv_nsec / 1000000;
}

/* Writes everything; the client gone ends the program quietly. */
static void
put_bytes(struct fakesrv *s, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "fakesrv: client gone: %s\n",
			    n < 0 ? strerror(errno) : "closed");
			exit(0);
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Sends bytes as they are, then LF: the lines may hold anything. */
static void
put_raw(struct fakesrv *s, const char *p, size_t len)
{
	put_bytes(s, p, len);
	put_bytes(s, "\n", 1);
}

static void put_line(struct fakesrv *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats one line (cut at FAKESRV_OUT_MAX) and sends it with its LF. */
static void
put_line(struct fakesrv *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->out, sizeof(s->out), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(s->out))
		n = (int)sizeof(s->out) - 1;
	put_raw(s, s->out, (size_t)n);
}

/* A message in channel chan from sender. */
static void
put_msg(
    struct fakesrv *s, const char *chan, const char *sender, const char *text)
{
	put_line(s, "msg$%s$%llu$%llu$%s$%s", chan, ++s->seq, wall_ms(), sender,
	    text);
}

/* The join sequence of channel id with name and members. */
static void
put_join(struct fakesrv *s, const char *id, const char *kind, const char *name,
    const char *members, int count)
{
	put_line(s, "joined$%s$%s$%d$%s", id, kind, count, name);
	put_line(s, "names$%s$%s", id, members);
	put_line(s, "names_end$%s$%d", id, count);
	put_line(s, "history_end$%s$0", id);
}

/*
 * The channel a scenario shows besides "hostile", with a name to test
 * (escapes, cut UTF-8, wide characters); the client joins it by id
 * before the scenario plays, as it takes no join it did not ask for.
 */
static const struct {
	const char *id, *name, *members;
} fakesrv_extra[] = {
    {"bad-chan-id", "bad\033]2;pwned\007name", "x\033[2Jy"},
    {"cut-chan-id", "chan\344\270", "evil\344"},
    {"wide-chan-id",
        "\351\242\221\351\201\223\345\220\215\347\247\260\345\276\210"
        "\351\225\277\347\232\204\351\242\221\351\201\223",
        "evil"},
    {"biglines", "biglines", "evil"},
};

/* Answers a join of a scenario's extra channel; 0 if id is none. */
static int
on_join_extra(struct fakesrv *s, const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(fakesrv_extra) / sizeof(fakesrv_extra[0]); i++)
		if (strcmp(id, fakesrv_extra[i].id) == 0) {
			put_join(s, id, "channel", fakesrv_extra[i].name,
			    fakesrv_extra[i].members, 1);
			return 1;
		}
	return 0;
}

static void
play_escapes(struct fakesrv *s)
{
	static const char *const texts[] = {
	    "\033]2;pwned\007osc-title",
	    "clear\033[2Jscreen\033[H\033[10;10Hmoved\033[Aup\033[K",
	    "cr-before\rCR-AFTER",
	    "bs-abc\b\b\bXYZ",
	    "\033Ptmux;\033\033]2;pwned\007\033\\dcs-passthrough",
	    "\033]52;c;cHduZWQ=\007osc52-clipboard",
	    "\033kpwned\033\\window-name",
	    "\302\2332Jc1-csi",
	    "\342\200\256bidi-override",
	    "bell\007\007bell",
	    "nul-free tab\there del\177end",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		put_msg(s, HID, "evil", texts[i]);
	put_msg(s, HID, "ev\033]2;pwned\007il", "name-with-osc");
	put_msg(s, HID, "n\033[2Jx\rZ", "name-with-clear");
	put_line(s, "act$%s$%llu$%llu$evil$\033]0;pwned\007waves", HID,
	    ++s->seq, wall_ms());
	put_line(s, "join$%s$%llu$j\033[2Joiner", HID, wall_ms());
	put_line(s, "dm$%llu$d\033]2;pwned\007m$%s$direct\033[2Jmessage",
	    wall_ms(), s->name);
	put_line(s, "error$bad\033]2;pwned\007code$*$error\033[2Jtext");
}

static void
play_utf8(struct fakesrv *s)
{
	put_msg(s, HID, "evil\344\270", "text-after-cut-name");
	put_msg(s, HID, "\360\237\230", "emoji-cut-name");
	put_msg(s, HID, "evil", "text-cut-at-end \344\270");
	put_msg(s, HID, "evil",
	    "overlong \300\257 surrogate \355\240\200 "
	    "ff \377 big \364\220\200\200 end");
}

/* Appends n copies of the UTF-8 string unit to p; returns the new end. */
static char *
repeat(char *p, const char *unit, int n)
{
	size_t len = strlen(unit);

	while (n-- > 0) {
		memcpy(p, unit, len);
		p += len;
	}
	*p = '\0';
	return p;
}

static void
play_wide(struct fakesrv *s)
{
	char text[1024];
	int k;

	/* Each offset k puts the wide characters on the other parity. */
	for (k = 0; k < 4; k++) {
		char *p = text + sprintf(text, "w%d:", k);

		p = repeat(p, "a", k);
		repeat(p, "\344\270\200", 40); /* U+4E00 */
		put_msg(s, HID, "evil", text);
	}
	for (k = 0; k < 2; k++) {
		char *p = text + sprintf(text, "e%d:", k);

		p = repeat(p, "x", k);
		repeat(p, "\360\237\230\200", 30); /* U+1F600 */
		put_msg(s, HID, "evil", text);
	}
	put_msg(s, HID, "\345\220\215\345\211\215", "cjk-name");
	put_msg(s, HID, "evil", "combining e\314\201 and a\314\210 end");
}

static void
play_long(struct fakesrv *s)
{
	char *big = malloc(FAKESRV_LONG_BYTES);
	int n;

	if (big == NULL)
		exit(1);
	/* 100 KiB in one line: the client must drop it, not grow. */
	n = snprintf(big, FAKESRV_LONG_BYTES, "msg$%s$%llu$%llu$evil$", HID,
	    ++s->seq, wall_ms());
	memset(big + n, 'L', FAKESRV_LONG_BYTES - (size_t)n);
	put_raw(s, big, FAKESRV_LONG_BYTES);
	/* The longest line allowed (4095 bytes and LF) goes to its own
	 * window, so that it does not push the markers off the screen. */
	n = snprintf(big, FAKESRV_LONG_BYTES, "msg$biglines$%llu$%llu$evil$",
	    ++s->seq, wall_ms());
	memset(big + n, 'Z', FAKESRV_LINE_MAX - 1 - (size_t)n);
	put_raw(s, big, FAKESRV_LINE_MAX - 1);
	/* One byte over the limit. */
	n = snprintf(big, FAKESRV_LONG_BYTES, "msg$%s$%llu$%llu$evil$", HID,
	    ++s->seq, wall_ms());
	memset(big + n, 'O', FAKESRV_LINE_MAX - (size_t)n);
	put_raw(s, big, FAKESRV_LINE_MAX);
	free(big);
	put_msg(s, HID, "evil", "after-the-long-lines");
}

static void
play_junk(struct fakesrv *s)
{
	static const char *const lines[] = {
	    "msg",
	    "msg$",
	    "msg$" HID,
	    "msg$" HID "$1",
	    "msg$" HID "$notanumber$1$evil$bad-seq",
	    "msg$" HID "$99999999999999999999999$1$evil$huge-seq",
	    "msg$$1$1$evil$no-channel",
	    "msg$" HID "$1$1$$no-sender",
	    "act$" HID "$1",
	    "joined",
	    "joined$$$$",
	    "joined$x$weird-kind$1$x",
	    "names$" HID,
	    "names_end$" HID "$abc",
	    "history_end",
	    "frobnicate$a$b",
	    "FROBNICATE",
	    "$",
	    "$$",
	    "$$$$$$$$",
	    "error",
	    "error$",
	    "error$$$",
	    "ping",
	    "ping$",
	    "pong$",
	    "nick$1$$",
	    "quit$$$",
	    "dm$",
	    "list$",
	    "list_end$x",
	    "left$no-such-channel",
	    "part$" HID "$1$",
	    "join$" HID,
	    "closed$no-such-channel$gone",
	    "registered$127.0.0.1:1$someone-else",
	    "hello$1$0$0$again",
	    "",
	    "\r",
	    " ",
	};
	char many[FAKESRV_LINE_MAX];
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		put_raw(s, lines[i], strlen(lines[i]));
	/* A line of nothing but separators, and an endless kind. */
	memset(many, '$', sizeof(many) - 1);
	put_raw(s, many, sizeof(many) - 1);
	memset(many, 'k', sizeof(many) - 1);
	put_raw(s, many, sizeof(many) - 1);
	put_msg(s, HID, "evil", "after-the-junk");
}

/* FAKESRV_FLOOD_BATCH lines every FAKESRV_FLOOD_STEP_MS, as one write. */
static void
play_flood(struct fakesrv *s)
{
	size_t cap = FAKESRV_FLOOD_BATCH * 128, len = 0;
	char *batch = malloc(cap);
	long long start = mono_ms();
	long i;

	if (batch == NULL)
		exit(1);
	for (i = 1; i <= s->flood; i++) {
		int n = snprintf(batch + len, cap - len,
		    "msg$%s$%llu$%llu$flooder$flood line %ld%s\n", HID,
		    ++s->seq, wall_ms(), i,
		    i == s->flood ? " LAST" : " of the burst");

		len += (size_t)n;
		if (i % FAKESRV_FLOOD_BATCH == 0 || i == s->flood) {
			long long due = start +
			    (i / FAKESRV_FLOOD_BATCH) * FAKESRV_FLOOD_STEP_MS;
			long long now = mono_ms();

			put_bytes(s, batch, len);
			len = 0;
			if (due > now)
				usleep((useconds_t)(due - now) * 1000);
		}
	}
	free(batch);
	fprintf(stderr, "fakesrv: flood of %ld lines sent in %lld ms\n",
	    s->flood, mono_ms() - start);
}

static void
play(struct fakesrv *s)
{
	const char *sc = s->scenario;

	if (strcmp(sc, "escapes") == 0)
		play_escapes(s);
	else if (strcmp(sc, "utf8") == 0)
		play_utf8(s);
	else if (strcmp(sc, "wide") == 0)
		play_wide(s);
	else if (strcmp(sc, "long") == 0)
		play_long(s);
	else if (strcmp(sc, "junk") == 0)
		play_junk(s);
	else if (strcmp(sc, "flood") == 0)
		play_flood(s);
	put_line(s, "msg$%s$%llu$%llu$evil$MARK-AFTER %s done", HID, ++s->seq,
	    wall_ms(), sc);
}

/* The text after the n-th '$' of line, or NULL. */
static const char *
field_from(const char *line, int n)
{
	while (n-- > 0) {
		line = strchr(line, '$');
		if (line == NULL)
			return NULL;
		line++;
	}
	return line;
}

static void
on_reg(struct fakesrv *s, const char *name)
{
	snprintf(s->name, sizeof(s->name), "%s", name);
	put_line(s, "registered$%s$%s", UID, s->name);
	put_line(s, "joined$%s$personal$1$~%s", UID, s->name);
	put_line(s, "names$%s$%s", UID, s->name);
	put_line(s, "names_end$%s$1", UID);
	put_line(s, "history_end$%s$0", UID);
}

/* The channel "hostile", once the client asks to join it. */
static void
on_join_hostile(struct fakesrv *s)
{
	put_line(s, "joined$%s$channel$2$hostile", HID);
	put_line(s, "names$%s$%s evil", HID, s->name);
	put_line(s, "names_end$%s$2", HID);
	put_line(s, "history_end$%s$0", HID);
	put_msg(s, HID, "evil", "MARK-BEFORE this line stays intact");
	put_line(s, "msg$%s$%llu$%llu$evil$say go to play %s", HID, ++s->seq,
	    wall_ms(), s->scenario);
}

/* One line from the client; returns -1 when it quit. */
static int
on_line(struct fakesrv *s, const char *line)
{
	const char *arg = field_from(line, 1);
	const char *text;

	if (strncmp(line, "hello$", 6) == 0) {
		put_line(s, "------Welcome to Txt Chat------");
		put_line(s, "%s", "");
		put_line(s, "hello$1$3072$32$fakesrv/1");
	} else if (strncmp(line, "reg$", 4) == 0) {
		on_reg(s, arg);
	} else if (strncmp(line, "ping$", 5) == 0) {
		put_line(s, "pong$%s", arg);
	} else if (strncmp(line, "join$", 5) == 0 &&
	    (text = field_from(line, 2)) != NULL &&
	    strcmp(text, "hostile") == 0) {
		on_join_hostile(s);
	} else if (strncmp(line, "join$", 5) == 0 &&
	    (text = field_from(line, 2)) != NULL && on_join_extra(s, text)) {
		/* answered */
	} else if (strncmp(line, "join$", 5) == 0 &&
	    (text = field_from(line, 2)) != NULL) {
		put_line(s, "joined$%s$channel$1$%s", text, text);
		put_line(s, "names$%s$%s", text, s->name);
		put_line(s, "names_end$%s$1", text);
		put_line(s, "history_end$%s$0", text);
	} else if (strncmp(line, "send_msg$", 9) == 0 &&
	    (text = field_from(line, 3)) != NULL) {
		char chan[FAKESRV_NAME_MAX];
		const char *c = field_from(line, 2);

		snprintf(chan, sizeof(chan), "%.*s", (int)(text - 1 - c), c);
		put_msg(s, chan, s->name, text);
		if (strcmp(text, "go") == 0 && !s->played) {
			s->played = 1;
			play(s);
		}
	} else if (strncmp(line, "quit", 4) == 0) {
		put_line(s, "error$quit$quit$bye");
		return -1;
	}
	return 0;
}

/* Serves the client until it quits or leaves; returns 0. */
static int
serve(struct fakesrv *s, long long end)
{
	put_line(s, "------Welcome to Txt Chat------");
	put_line(s, "%s", "");
	while (!stop_flag) {
		struct pollfd p = {s->fd, POLLIN, 0};
		char *lf;
		ssize_t n;

		while ((lf = memchr(s->buf, '\n', s->len)) != NULL) {
			size_t used = (size_t)(lf - s->buf) + 1;

			*lf = '\0';
			if (lf > s->buf && lf[-1] == '\r')
				lf[-1] = '\0';
			if (on_line(s, s->buf) < 0)
				return 0;
			memmove(s->buf, s->buf + used, s->len - used);
			s->len -= used;
		}
		if (s->len == sizeof(s->buf))
			s->len = 0; /* an endless line: dropped */
		if (mono_ms() >= end)
			return 0;
		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = recv(s->fd, s->buf + s->len, sizeof(s->buf) - s->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		s->len += (size_t)n;
	}
	return 0;
}

/* The SSH server's greeting, for the "banner" scenario. */
#define FAKESRV_BANNER "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"

static int
is_stranger(const char *scenario)
{
	return strcmp(scenario, "banner") == 0 ||
	    strcmp(scenario, "silent") == 0 || strcmp(scenario, "slam") == 0;
}

/*
 * One connection of a stranger scenario: the greeting if any, then what
 * the client sends is read and dropped until it closes (or the end).
 */
static void
stranger(int fd, const char *scenario, long long end)
{
	char buf[FAKESRV_LINE_MAX];
	struct pollfd p = {fd, POLLIN, 0};

	if (strcmp(scenario, "slam") == 0)
		return;
	if (strcmp(scenario, "banner") == 0 &&
	    write(fd, FAKESRV_BANNER, sizeof(FAKESRV_BANNER) - 1) < 0)
		return;
	while (!stop_flag && mono_ms() < end) {
		if (poll(&p, 1, 1000) <= 0)
			continue;
		if (read(fd, buf, sizeof(buf)) <= 0)
			return;
	}
}

int
main(int argc, char **argv)
{
	static struct fakesrv s;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct sigaction act;
	long long end = mono_ms() + FAKESRV_LIFETIME_MS;
	int lfd, one = 1;

	if (argc < 2 || argc > 3)
		usage();
	s.scenario = argv[1];
	s.flood = argc == 3 ? atol(argv[2]) : FAKESRV_FLOOD_DEFAULT;
	if (s.flood < 1)
		usage();
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		fprintf(
		    stderr, "fakesrv: cannot listen: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
	if (is_stranger(s.scenario)) {
		unsigned long n = 0;

		while (!stop_flag && mono_ms() < end) {
			struct pollfd p = {lfd, POLLIN, 0};

			if (poll(&p, 1, 1000) <= 0)
				continue;
			s.fd = accept(lfd, NULL, NULL);
			if (s.fd < 0)
				continue;
			fprintf(stderr, "accept %lu\n", ++n);
			stranger(s.fd, s.scenario, end);
			close(s.fd);
		}
		close(lfd);
		return 0;
	}
	/* One client: when it leaves, so does the fake server. */
	while (!stop_flag && mono_ms() < end) {
		struct pollfd p = {lfd, POLLIN, 0};

		if (poll(&p, 1, 1000) <= 0)
			continue;
		s.fd = accept(lfd, NULL, NULL);
		if (s.fd < 0)
			continue;
		serve(&s, end);
		close(s.fd);
		break;
	}
	close(lfd);
	return 0;
}

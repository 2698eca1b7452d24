/* tmuxprobe.c: watches a tmux pane for texts and times how fast typed keys
 * show up there, on the same monotonic clock as the load generator. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Texts to wait for. */
#define PROBE_WAITS_MAX 8
/* Key probes in one run. */
#define PROBE_KEYS_MAX 1000
/* Bytes of one command's reply (a screen is far smaller), counting the
 * terminator; a longer reply is cut. */
#define PROBE_REPLY_MAX (256 * 1024)
/* Bytes of one command line sent to tmux, counting the terminator. */
#define PROBE_CMD_MAX 4096
/* How long one command may take to answer, in ms. */
#define PROBE_CMD_MS 5000

/*
 * One tmux control-mode client (tmux -C) carries every command: no process
 * is started per look at the screen, so a look costs well under a
 * millisecond and the key timings are the client's, not tmux's start-up.
 */
struct probe {
	const char *sock, *target;
	const char *waits[PROBE_WAITS_MAX];
	uint64_t seen[PROBE_WAITS_MAX]; /* 0 until seen */
	int nwaits;
	int keys, gap_ms, poll_ms, timeout_ms;
	pid_t pid;
	int to, from; /* the control client's stdin and stdout */
	char in[PROBE_REPLY_MAX];
	size_t in_len;
	char reply[PROBE_REPLY_MAX];
	size_t reply_len;
	uint64_t key_ns[PROBE_KEYS_MAX];
	int nkeys;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
pause_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		continue;
}

static int
ctl_start(struct probe *p)
{
	int in[2], out[2];

	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execlp("tmux", "tmux", "-L", p->sock, "-C", "attach-session",
		    "-f", "no-output,ignore-size", "-t", p->target,
		    (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	p->to = in[1];
	p->from = out[0];
	return 0;
}

/*
 * Reads up to the end of the next reply block (%begin ... %end or %error),
 * skipping notifications.  The block's lines go to p->reply.  Returns 0,
 * or -1 on an error reply, a timeout or a closed client.
 */
static int
ctl_reply(struct probe *p)
{
	uint64_t deadline = now_ns() + PROBE_CMD_MS * 1000000ULL;
	int in_block = 0;

	p->reply_len = 0;
	p->reply[0] = '\0';
	for (;;) {
		char *nl;

		while ((nl = memchr(p->in, '\n', p->in_len)) != NULL) {
			size_t len = (size_t)(nl - p->in) + 1;
			int end = 0, bad = 0;

			if (!in_block && strncmp(p->in, "%begin ", 7) == 0) {
				in_block = 1;
			} else if (in_block &&
			    strncmp(p->in, "%end ", 5) == 0) {
				end = 1;
			} else if (in_block &&
			    strncmp(p->in, "%error ", 7) == 0) {
				end = bad = 1;
			} else if (in_block &&
			    p->reply_len + len < sizeof(p->reply)) {
				memcpy(p->reply + p->reply_len, p->in, len);
				p->reply_len += len;
				p->reply[p->reply_len] = '\0';
			}
			memmove(p->in, p->in + len, p->in_len - len);
			p->in_len -= len;
			if (end)
				return bad ? -1 : 0;
		}
		if (p->in_len == sizeof(p->in)) {
			/* A line longer than the buffer: drop it. */
			p->in_len = 0;
		}
		for (;;) {
			struct pollfd pfd = {p->from, POLLIN, 0};
			uint64_t now = now_ns();
			ssize_t n;
			int r;

			if (now >= deadline)
				return -1;
			r = poll(
			    &pfd, 1, (int)((deadline - now) / 1000000) + 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			n = read(p->from, p->in + p->in_len,
			    sizeof(p->in) - p->in_len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			p->in_len += (size_t)n;
			break;
		}
	}
}

/* Sends one tmux command and waits for its reply. Returns 0 or -1. */
static int
ctl(struct probe *p, const char *cmd)
{
	size_t len = strlen(cmd), off = 0;

	while (off < len) {
		ssize_t n = write(p->to, cmd + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return ctl_reply(p);
}

static int ctlf(struct probe *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
ctlf(struct probe *p, const char *fmt, ...)
{
	char cmd[PROBE_CMD_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) - 1)
		return -1;
	cmd[n] = '\n';
	cmd[n + 1] = '\0';
	return ctl(p, cmd);
}

static void
ctl_stop(struct probe *p)
{
	int status;

	close(p->to);
	close(p->from);
	while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
		continue;
}

/* Joins argv into one tmux command line, each word in single quotes. */
static int
join_words(char **words, int n, char *out, size_t cap)
{
	size_t len = 0;
	int k;

	for (k = 0; k < n; k++) {
		size_t w = strlen(words[k]);

		if (strchr(words[k], '\'') != NULL || len + w + 4 >= cap)
			return -1;
		out[len++] = '\'';
		memcpy(out + len, words[k], w);
		len += w;
		out[len++] = '\'';
		out[len++] = ' ';
	}
	out[len] = '\0';
	return 0;
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
	    "usage: tmuxprobe -L socket -t target [-w text]... [-k keys]\n"
	    "\t[-g gap-ms] [-i poll-ms] [-T timeout-ms] [-- "
	    "tmux-command...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct probe p;
	char token[32], pre[PROBE_CMD_MAX];
	uint64_t t0, t_key = 0, last_key = 0, deadline;
	int ch, k, sent = 0, waiting_key = 0, polls = 0, failed = 0;

	p.gap_ms = 20;
	p.poll_ms = 1;
	p.timeout_ms = 30000;
	while ((ch = getopt(argc, argv, "L:t:w:k:g:i:T:")) != -1) {
		switch (ch) {
		case 'L':
			p.sock = optarg;
			break;
		case 't':
			p.target = optarg;
			break;
		case 'w':
			if (p.nwaits == PROBE_WAITS_MAX)
				usage();
			p.waits[p.nwaits++] = optarg;
			break;
		case 'k':
			p.keys = atoi(optarg);
			if (p.keys < 0 || p.keys > PROBE_KEYS_MAX)
				usage();
			break;
		case 'g':
			p.gap_ms = atoi(optarg);
			break;
		case 'i':
			p.poll_ms = atoi(optarg);
			break;
		case 'T':
			p.timeout_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (p.sock == NULL || p.target == NULL ||
	    (p.nwaits == 0 && p.keys == 0 && optind == argc))
		usage();
	if (optind < argc &&
	    join_words(argv + optind, argc - optind, pre, sizeof(pre)) < 0) {
		fprintf(stderr,
		    "tmuxprobe: the tmux command is too long or "
		    "holds a quote\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (ctl_start(&p) < 0 || ctl_reply(&p) < 0) {
		fprintf(stderr, "tmuxprobe: no tmux control client\n");
		return 1;
	}
	t0 = now_ns();
	if (optind < argc && ctlf(&p, "%s", pre) < 0) {
		fprintf(stderr, "tmuxprobe: the tmux command failed\n");
		return 1;
	}
	deadline = t0 + (uint64_t)p.timeout_ms * 1000000ULL;
	while (now_ns() < deadline) {
		int pending = 0;

		/* Keys go while a wait is pending, or until all are typed. */
		if (p.keys > 0 && !waiting_key && sent < p.keys &&
		    now_ns() >= last_key + (uint64_t)p.gap_ms * 1000000ULL) {
			snprintf(token, sizeof(token), "zq%dk", sent);
			t_key = now_ns();
			if (ctlf(&p, "send-keys -t %s C-u", p.target) < 0 ||
			    ctlf(&p, "send-keys -t %s -l %s", p.target, token) <
			        0) {
				failed = 1;
				break;
			}
			sent++;
			waiting_key = 1;
		}
		if (ctlf(&p, "capture-pane -p -t %s", p.target) < 0) {
			failed = 1;
			break;
		}
		polls++;
		for (k = 0; k < p.nwaits; k++) {
			if (p.seen[k] == 0 &&
			    strstr(p.reply, p.waits[k]) != NULL)
				p.seen[k] = now_ns();
			pending += p.seen[k] == 0;
		}
		if (waiting_key && strstr(p.reply, token) != NULL) {
			last_key = now_ns();
			p.key_ns[p.nkeys++] = last_key - t_key;
			waiting_key = 0;
		}
		if (pending == 0 && !waiting_key &&
		    (p.nwaits > 0 || sent == p.keys))
			break;
		if (p.poll_ms > 0)
			pause_ms(p.poll_ms);
	}
	if (sent > 0)
		(void)ctlf(&p, "send-keys -t %s C-u", p.target);
	ctl_stop(&p);
	printf("probe t0_ns=%llu polls=%d", (unsigned long long)t0, polls);
	for (k = 0; k < p.nwaits; k++) {
		if (p.seen[k] != 0)
			printf(" wait%d_ns=%llu wait%d_ms=%.1f", k,
			    (unsigned long long)p.seen[k], k,
			    (double)(p.seen[k] - t0) / 1e6);
		else
			printf(" wait%d_ns=0 wait%d_ms=-1", k, k);
	}
	if (p.keys > 0) {
		uint64_t mx = 0;

		qsort(p.key_ns, (size_t)p.nkeys, sizeof(p.key_ns[0]), cmp_u64);
		if (p.nkeys > 0)
			mx = p.key_ns[p.nkeys - 1];
		printf(" keys=%d keys_seen=%d key_p50_ms=%.2f key_max_ms=%.2f",
		    sent, p.nkeys,
		    p.nkeys ? (double)p.key_ns[p.nkeys / 2] / 1e6 : -1.0,
		    p.nkeys ? (double)mx / 1e6 : -1.0);
	}
	printf("\n");
	for (k = 0; k < p.nwaits; k++)
		if (p.seen[k] == 0)
			failed = 1;
	return failed ? 1 : 0;
}

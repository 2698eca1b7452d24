/* it_load.c: txt-chatd under load: slow readers, 500 members, churn, shutdown.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "testcli.h"
#include "testsrv.h"

/* Members of the big channel. */
#define BIG_MEMBERS 500
/* Of them, how many send, and how many messages each. */
#define BIG_SENDERS 4
#define BIG_MSGS    50
/* Connect/disconnect cycles, after WARM_CYCLES of warm-up. */
#define CYCLES      1000
#define WARM_CYCLES 200
/* Growth of the server's resident set allowed over the cycles, in KiB. */
#define RSS_SLACK_KIB 2048
/* How long a phase of a load test may take before it fails, in ms. */
#define PHASE_MS 30000
/* The server's output limit in the slow reader test. */
#define SLOW_SENDQ 65536

static const char ext_shutdown[] = "error$shutdown$*$server is shutting down";
static const char base_shutdown[] =
    "$$error: shutdown: server is shutting down";

/* Lets the test open as many sockets as the hard limit allows. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * BIG_MEMBERS + 64)
		fail_msg("RLIMIT_NOFILE hard limit %llu is too low",
		    (unsigned long long)rl.rlim_cur);
}

/* Waits up to ms until one of the n clients has bytes to read. */
static void
wait_any(struct testcli *const *c, size_t n, int ms)
{
	struct pollfd *p = calloc(n, sizeof(*p));
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++) {
		p[i].fd = c[i] != NULL ? testcli_fd(c[i]) : -1;
		p[i].events = POLLIN;
	}
	(void)poll(p, n, ms);
	free(p);
}

/* Sets a small receive buffer before connecting, so a non-reader fills up
 * fast. */
static struct testcli *
small_window_client(struct testsrv *srv)
{
	struct testcli *c = testcli_open(srv);
	int small = 4096;

	(void)setsockopt(
	    testcli_fd(c), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	return c;
}

/* A member that reads: every message of the channel, in order. */
struct reader {
	struct testcli *cli;
	unsigned long next_seq; /* the seq the next message must have */
	int saw_quit;           /* the slow reader's quit line came */
};

/* Takes every line r has ready; fails on a gap or a reordering. */
static void
reader_drain(struct reader *r, const char *slow_name)
{
	const char *line;
	char sender[64], quit[96];

	snprintf(quit, sizeof(quit), "$%s$", slow_name);
	while ((line = testcli_read_within(r->cli, 0)) != NULL) {
		unsigned long seq;
		const char *text;

		if (testcli_parse_msg(
		        line, &seq, sender, sizeof(sender), &text) == 0) {
			char want[32];

			if (seq != r->next_seq)
				fail_msg("%s: seq %lu after %lu",
				    testcli_label(r->cli), seq,
				    r->next_seq - 1);
			snprintf(want, sizeof(want), "%lu ", seq);
			if (strncmp(text, want, strlen(want)) != 0)
				fail_msg("%s: message %lu holds '%.20s'",
				    testcli_label(r->cli), seq, text);
			r->next_seq++;
		} else if (strncmp(line, "quit$", 5) == 0 &&
		    strstr(line, quit) != NULL) {
			if (strstr(line, "too much output left unread") == NULL)
				fail_msg("%s: quit line '%s'",
				    testcli_label(r->cli), line);
			r->saw_quit = 1;
		} else if (strncmp(line, "join$", 5) != 0) {
			fail_msg(
			    "%s: unexpected '%s'", testcli_label(r->cli), line);
		}
	}
	if (testcli_status(r->cli) != TESTCLI_TIMEOUT)
		fail_msg("%s lost its connection", testcli_label(r->cli));
}

/* Bytes of message text in the slow reader tests. */
#define SLOW_TEXT 1000

/*
 * One line slowpoke received must be an intact message of the busy
 * channel: "msg$<id>$<seq>$<time>$reader0$<seq> ppp...", the p's
 * SLOW_TEXT long.  Returns its seq.
 */
static unsigned long
slow_check_msg(const char *line)
{
	char sender[64], want[32];
	const char *text;
	unsigned long seq;
	size_t i, skip;

	if (testcli_parse_msg(line, &seq, sender, sizeof(sender), &text) < 0 ||
	    strcmp(sender, "reader0") != 0)
		fail_msg("slowpoke: unexpected '%.60s'", line);
	skip = (size_t)snprintf(want, sizeof(want), "%lu ", seq);
	if (strncmp(text, want, skip) != 0)
		fail_msg("slowpoke: message %lu holds '%.20s'", seq, text);
	for (i = 0; i < SLOW_TEXT; i++)
		if (text[skip + i] != 'p')
			break;
	if (i != SLOW_TEXT || text[skip + i] != '\0')
		fail_msg("slowpoke: message %lu is cut or run on after %zu "
		         "bytes of text: '...%s'",
		    seq, i, text + skip + (i > 20 ? i - 20 : 0));
	return seq;
}

/*
 * Three members read a busy channel, a fourth (slowpoke) never does, until
 * the server closes slowpoke at --sendq 65536.  The readers must get every
 * message in order and hear of slowpoke's quit with the sendq reason.
 * Then slowpoke reads what it was sent; with check_slow, every line of it
 * must be intact, the last the sendq_exceeded error, then EOF.
 */
static void
slow_reader_scenario(void **state, int check_slow)
{
	enum { BATCH = 20, MAX_MSGS = 20000 };
	static const char *const args[] = {
	    "--sendq", "65536", "--flood-rate", "0", "--history", "0", NULL};
	static const char last[] =
	    "error$sendq_exceeded$*$too much output left unread";
	struct testsrv *srv = testsrv_start_test(state, args);
	struct reader r[3];
	struct testcli *slow, *all[3];
	char *batch, text[SLOW_TEXT + 1], id[64];
	const char *line;
	unsigned long sent = 0, last_seq = 0, seq, prev = 0;
	size_t i, len;
	int got_last = 0, big;
	long long t0;

	memset(text, 'p', SLOW_TEXT);
	text[SLOW_TEXT] = '\0';
	batch = malloc(BATCH * (SLOW_TEXT + 128));
	assert_non_null(batch);
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "reader%zu", i);
		r[i].cli = all[i] = testcli_ext_user(srv, name);
		r[i].next_seq = 1;
		r[i].saw_quit = 0;
	}
	/* reader0 sends; all three read. */
	testcli_sendf(r[0].cli, "create_chan$%s$busy", testcli_uid(r[0].cli));
	line = testcli_expect_prefix(r[0].cli, "created$");
	snprintf(id, sizeof(id), "%.21s", line + 8);
	testcli_sync(r[0].cli, NULL);
	for (i = 1; i < 3; i++) {
		testcli_sendf(r[i].cli, "join$%s$busy", testcli_uid(r[i].cli));
		testcli_sync(r[i].cli, NULL);
	}
	slow = small_window_client(srv);
	testcli_ext_hello(slow);
	testcli_ext_reg(slow, "slowpoke");
	testcli_sendf(slow, "join$%s$busy", testcli_uid(slow));
	testcli_sync(slow, NULL);
	for (i = 0; i < 3; i++)
		testcli_sync(r[i].cli, NULL);

	/* Batches until the readers hear that slowpoke was closed. */
	t0 = testsrv_now_ms();
	while (!r[1].saw_quit || !r[2].saw_quit) {
		if (sent >= MAX_MSGS)
			fail_msg("no sendq_exceeded after %lu messages of %d "
			         "bytes with --sendq %d",
			    sent, SLOW_TEXT, SLOW_SENDQ);
		len = 0;
		for (i = 0; i < BATCH; i++)
			len += (size_t)snprintf(batch + len,
			    BATCH * (SLOW_TEXT + 128) - len,
			    "send_msg$%s$%s$%lu %s\n", testcli_uid(r[0].cli),
			    id, ++sent, text);
		if (testcli_send(r[0].cli, batch, len) < 0)
			fail_msg("sender could not send");
		last_seq = sent;
		/* Everyone that reads catches up before the next batch. */
		while (r[0].next_seq <= last_seq || r[1].next_seq <= last_seq ||
		    r[2].next_seq <= last_seq) {
			if (testsrv_now_ms() - t0 > PHASE_MS)
				fail_msg("readers stuck at %lu %lu %lu of %lu",
				    r[0].next_seq - 1, r[1].next_seq - 1,
				    r[2].next_seq - 1, last_seq);
			wait_any(all, 3, 100);
			for (i = 0; i < 3; i++)
				reader_drain(&r[i], "slowpoke");
		}
	}
	free(batch);

	/*
	 * slowpoke: what the kernels held (megabytes: loopback buffers grow),
	 * then the reason, then EOF.  The server gives the last line 2 s to
	 * go out, so slowpoke now reads with a window of the usual size.
	 */
	big = 1 << 20;
	(void)setsockopt(
	    testcli_fd(slow), SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	testcli_set_timeout(slow, 10000);
	while ((line = testcli_read(slow)) != NULL) {
		if (!check_slow)
			continue;
		if (got_last)
			fail_msg("slowpoke: '%.40s' after its last line", line);
		if (strcmp(line, last) == 0) {
			got_last = 1;
			continue;
		}
		/* Queued lines may be dropped, but never a part of one. */
		seq = slow_check_msg(line);
		if (seq <= prev)
			fail_msg("slowpoke: message %lu after %lu", seq, prev);
		prev = seq;
	}
	if (testcli_status(slow) != TESTCLI_EOF &&
	    testcli_status(slow) != TESTCLI_ERROR)
		fail_msg("slowpoke: no EOF");
	if (check_slow && !got_last)
		fail_msg("slowpoke: no '%s' line", last);
	/* The readers go on after it. */
	for (i = 0; i < 3; i++)
		testcli_expect_quiet(r[i].cli);
	testcli_free(slow);
	for (i = 0; i < 3; i++)
		testcli_free(r[i].cli);
	assert_int_equal(testsrv_stop(srv), 0);
}

/*
 * A member that never reads is closed at its output limit, while the
 * members that read get every message in order.
 */
static void
test_slow_reader_disconnected(void **state)
{
	slow_reader_scenario(state, 0);
}

/*
 * BUG (fails until fixed): the slow reader's last line.  On
 * sendq_exceeded the server drops what was queued (outq_clear in
 * sink_close) even when the first queued line was already partly written,
 * so the rest of that line is lost and the closing error is glued to its
 * cut-off start: the client reads one corrupt line
 * "msg$<id>$3650$<time>$reader0$3650 ppp...pperror$sendq_exceeded$*$..."
 * and never sees the error line as such.
 */
static void
test_slow_reader_last_line(void **state)
{
	slow_reader_scenario(state, 1);
}

/* A member of the big channel and what it has received. */
struct member {
	struct testcli *cli;
	unsigned long next_seq;
	unsigned next_n[BIG_SENDERS];
	unsigned got;
};

static void
member_drain(struct member *m)
{
	const char *line;
	char sender[64];

	while ((line = testcli_read_within(m->cli, 0)) != NULL) {
		unsigned long seq;
		const char *text;
		unsigned s, n;

		if (testcli_parse_msg(
		        line, &seq, sender, sizeof(sender), &text) < 0)
			fail_msg(
			    "%s: unexpected '%s'", testcli_label(m->cli), line);
		if (seq != m->next_seq)
			fail_msg("%s: seq %lu, expected %lu",
			    testcli_label(m->cli), seq, m->next_seq);
		m->next_seq++;
		if (sscanf(text, "from %u n %u", &s, &n) != 2 ||
		    s >= BIG_SENDERS)
			fail_msg("%s: text '%s'", testcli_label(m->cli), text);
		if (n != m->next_n[s])
			fail_msg("%s: sender %u's message %u after %u",
			    testcli_label(m->cli), s, n, m->next_n[s] - 1);
		m->next_n[s]++;
		m->got++;
	}
	if (testcli_status(m->cli) != TESTCLI_TIMEOUT)
		fail_msg("%s lost its connection", testcli_label(m->cli));
}

/* 500 members each get every message of four senders, in order. */
static void
test_500_members(void **state)
{
	static const char *const args[] = {
	    "--max-per-addr", "0", "--flood-rate", "0", NULL};
	struct testsrv *srv;
	struct member *m = calloc(BIG_MEMBERS, sizeof(*m));
	struct testcli **all = calloc(BIG_MEMBERS, sizeof(*all));
	struct testcli_lines l = {NULL, 0, 0};
	char name[32], id[64], *buf;
	const char *line;
	size_t i, k, len, done;
	long long t0;

	assert_non_null(m);
	assert_non_null(all);
	raise_nofile();
	srv = testsrv_start_test(state, args);
	for (i = 0; i < BIG_MEMBERS; i++) {
		snprintf(name, sizeof(name), "m%zu", i);
		m[i].cli = all[i] = testcli_ext_user(srv, name);
		m[i].next_seq = 1;
		for (k = 0; k < BIG_SENDERS; k++)
			m[i].next_n[k] = 1;
		if (i == 0) {
			testcli_sendf(m[0].cli, "create_chan$%s$big",
			    testcli_uid(m[0].cli));
			line = testcli_expect_prefix(m[0].cli, "created$");
			snprintf(id, sizeof(id), "%.21s", line + 8);
		} else {
			testcli_sendf(
			    m[i].cli, "join$%s$%s", testcli_uid(m[i].cli), id);
		}
		/* Joined before the next one joins: the counts below hold. */
		testcli_sync(m[i].cli, NULL);
	}
	/* Each has a join line for each later member. */
	for (i = 0; i < BIG_MEMBERS; i++) {
		size_t joins = 0;

		testcli_set_timeout(m[i].cli, PHASE_MS);
		testcli_sync(m[i].cli, &l);
		for (k = 0; k < l.n; k++)
			if (strncmp(l.line[k], "join$", 5) == 0)
				joins++;
		if (joins != BIG_MEMBERS - 1 - i)
			fail_msg("m%zu saw %zu joins, expected %zu", i, joins,
			    (size_t)BIG_MEMBERS - 1 - i);
		testcli_lines_free(&l);
	}

	buf = malloc(BIG_MSGS * 128);
	assert_non_null(buf);
	for (k = 0; k < BIG_SENDERS; k++) {
		len = 0;
		for (i = 1; i <= BIG_MSGS; i++)
			len += (size_t)snprintf(buf + len, BIG_MSGS * 128 - len,
			    "send_msg$%s$%s$from %zu n %zu\n",
			    testcli_uid(m[k].cli), id, k, i);
		if (testcli_send(m[k].cli, buf, len) < 0)
			fail_msg("sender %zu could not send", k);
	}
	free(buf);
	t0 = testsrv_now_ms();
	do {
		if (testsrv_now_ms() - t0 > PHASE_MS)
			fail_msg("not every member got every message in time");
		wait_any(all, BIG_MEMBERS, 100);
		done = 0;
		for (i = 0; i < BIG_MEMBERS; i++) {
			member_drain(&m[i]);
			if (m[i].got == BIG_SENDERS * BIG_MSGS)
				done++;
		}
	} while (done < BIG_MEMBERS);
	for (i = 0; i < BIG_MEMBERS; i++)
		testcli_expect_quiet(m[i].cli);
	for (i = 0; i < BIG_MEMBERS; i++)
		testcli_free(m[i].cli);
	free(m);
	free(all);
	assert_int_equal(testsrv_stop(srv), 0);
}

/* Bytes of a message in the parked reader test's backlog phase. */
#define PARK_BIG_TEXT 2000
/* Messages of that phase: far more than a 4 KiB receive window holds. */
#define PARK_BIG_MSGS 60

/*
 * Connections in the server's epoll set of parked connections: the
 * "tfd:" lines of its fdinfo.  -1 if the server has no such set.
 */
static int
parked_count(const struct testsrv *srv)
{
	char path[320], link[64], line[256];
	struct dirent *e;
	DIR *d;
	FILE *f;
	int n = -1;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)testsrv_pid(srv));
	d = opendir(path);
	assert_non_null(d);
	while (n < 0 && (e = readdir(d)) != NULL) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/fd/%s",
		    (int)testsrv_pid(srv), e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:[eventpoll]") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s",
		    (int)testsrv_pid(srv), e->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		n = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "tfd:", 4) == 0)
				n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Expects the talker's message number k: "msg$<chan>$<seq>$...$talker$k". */
static void
expect_talk(struct testcli *c, unsigned k, size_t pad)
{
	const char *line = testcli_expect_prefix(c, "msg$"), *text;
	char sender[64];
	unsigned long seq;
	size_t i, skip;
	char want[16];

	if (testcli_parse_msg(line, &seq, sender, sizeof(sender), &text) < 0 ||
	    strcmp(sender, "talker") != 0)
		fail_msg("%s: unexpected '%.60s'", testcli_label(c), line);
	skip = (size_t)snprintf(want, sizeof(want), "%u", k);
	if (strncmp(text, want, skip) != 0)
		fail_msg(
		    "%s: message %u holds '%.20s'", testcli_label(c), k, text);
	for (i = 0; i < pad; i++)
		if (text[skip + i] != 'z')
			fail_msg("%s: message %u cut at %zu", testcli_label(c),
			    k, i);
	if (text[skip + pad] != '\0')
		fail_msg("%s: message %u runs on", testcli_label(c), k);
}

/*
 * The server parks connections silent for a second, even when they are
 * sent lines all the time: lurkers in a busy channel must get every
 * message while parked, a backlog that does not fit their socket must
 * still arrive whole and in order, a parked one that speaks must be heard
 * at once, and one that closes while parked must be seen to leave.
 */
static void
test_parked_readers(void **state)
{
	static const char *const args[] = {"--flood-rate", "0", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *talker, *lurker, *quiet;
	char id[64], *big;
	const char *line;
	unsigned k = 0, parked_for = 0;
	long long t0;

	talker = testcli_ext_user(srv, "talker");
	lurker = testcli_open(srv);
	{
		int small = 4096;

		(void)setsockopt(testcli_fd(lurker), SOL_SOCKET, SO_RCVBUF,
		    &small, sizeof(small));
	}
	testcli_set_label(lurker, "lurker");
	testcli_ext_hello(lurker);
	(void)testcli_ext_reg(lurker, "lurker");
	quiet = testcli_ext_user(srv, "quiet");
	testcli_sendf(talker, "create_chan$%s$busy", testcli_uid(talker));
	line = testcli_expect_prefix(talker, "created$");
	snprintf(id, sizeof(id), "%.21s", line + 8);
	testcli_sendf(lurker, "join$%s$%s", testcli_uid(lurker), id);
	testcli_sync(lurker, NULL);
	testcli_sendf(quiet, "join$%s$%s", testcli_uid(quiet), id);
	testcli_sync(quiet, NULL);
	testcli_sync(lurker, NULL);
	testcli_sync(talker, NULL);

	/* The talker talks every 100 ms; the other two only read. */
	t0 = testsrv_now_ms();
	while (parked_for < 10) {
		struct timespec gap = {0, 100 * 1000 * 1000};

		if (testsrv_now_ms() - t0 > PHASE_MS)
			fail_msg("the readers were never parked (%d parked)",
			    parked_count(srv));
		k++;
		testcli_sendf(
		    talker, "send_msg$%s$%s$%u", testcli_uid(talker), id, k);
		expect_talk(talker, k, 0);
		expect_talk(lurker, k, 0);
		expect_talk(quiet, k, 0);
		/* Both readers parked, the talker not: count the messages
		 * delivered to them while parked. */
		if (parked_count(srv) == 2)
			parked_for++;
		else if (parked_for > 0)
			fail_msg("a reader left the parked set while reading");
		nanosleep(&gap, NULL);
	}

	/* A backlog for the parked lurker, which does not read for now. */
	big = malloc(PARK_BIG_TEXT + 1);
	assert_non_null(big);
	memset(big, 'z', PARK_BIG_TEXT);
	big[PARK_BIG_TEXT] = '\0';
	{
		unsigned first = k + 1, j;

		for (j = 0; j < PARK_BIG_MSGS; j++) {
			k++;
			testcli_sendf(talker, "send_msg$%s$%s$%u%s",
			    testcli_uid(talker), id, k, big);
			expect_talk(talker, k, PARK_BIG_TEXT);
			expect_talk(quiet, k, PARK_BIG_TEXT);
		}
		for (j = first; j <= k; j++)
			expect_talk(lurker, j, PARK_BIG_TEXT);
	}
	free(big);

	/* The parked lurker speaks: everyone hears it at once. */
	testcli_sendf(lurker, "send_msg$%s$%s$awake", testcli_uid(lurker), id);
	testcli_expect_prefix(lurker, "msg$");
	line = testcli_expect_prefix(talker, "msg$");
	assert_non_null(strstr(line, "$lurker$awake"));
	line = testcli_expect_prefix(quiet, "msg$");
	assert_non_null(strstr(line, "$lurker$awake"));

	/* The parked quiet one hangs up: the others see it leave. */
	assert_int_equal(parked_count(srv) >= 1, 1);
	testcli_free(quiet);
	line = testcli_expect_prefix(talker, "quit$");
	assert_non_null(strstr(line, "$quiet$"));
	line = testcli_expect_prefix(lurker, "quit$");
	assert_non_null(strstr(line, "$quiet$"));

	testcli_expect_quiet(talker);
	testcli_expect_quiet(lurker);
	testcli_free(talker);
	testcli_free(lurker);
	assert_int_equal(testsrv_stop(srv), 0);
}

/* One connect/disconnect cycle of a kind chosen by i. */
static void
cycle(struct testsrv *srv, size_t i, const char *hub)
{
	struct testcli *c = testcli_open(srv);
	char name[32];

	snprintf(name, sizeof(name), "cyc%zu", i);
	switch (i % 6) {
	case 0: /* gone before reading a thing */
		testcli_free(c);
		break;
	case 1: /* reads the welcome, leaves */
		testcli_expect_welcome(c);
		testcli_free(c);
		break;
	case 2: /* registers, joins the hub, leaves */
		testcli_base_reg(c, name);
		testcli_sendf(c, "join$%s$%s", testcli_uid(c), hub);
		testcli_expect_prefix(c, "$$joined: ");
		testcli_free(c);
		break;
	case 3: /* extended, joins the hub, resets */
		testcli_ext_hello(c);
		testcli_ext_reg(c, name);
		testcli_sendf(c, "join$%s$%s", testcli_uid(c), hub);
		testcli_expect_prefix(c, "joined$");
		testcli_reset(c);
		break;
	case 4: /* half a line, then a reset */
		testcli_expect_welcome(c);
		if (testcli_send(c, "reg$half", 8) < 0)
			fail_msg("send failed");
		testcli_reset(c);
		break;
	default: /* registers and quits */
		testcli_base_reg(c, name);
		testcli_sendf(c, "quit$done");
		testcli_expect_last(c, "$$error: quit: done");
		testcli_free(c);
		break;
	}
}

/* The server's fd count must come back to want within PHASE_MS. */
static void
expect_fds(struct testsrv *srv, int want)
{
	long long t0 = testsrv_now_ms();
	int n;

	while ((n = testsrv_fd_count(srv)) != want) {
		if (testsrv_now_ms() - t0 > 5000)
			fail_msg("server holds %d descriptors, expected %d", n,
			    want);
		(void)poll(NULL, 0, 10);
	}
}

/* Many cycles leave no descriptor behind and memory about where it was. */
static void
test_connect_cycles(void **state)
{
	static const char *const args[] = {"--max-per-addr", "0", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *hub;
	char hub_id[64];
	const char *line;
	int fds0;
	long rss0, rss1;
	size_t i;

	fds0 = testsrv_fd_count(srv);
	assert_true(fds0 > 0);
	hub = testcli_ext_user(srv, "hub");
	testcli_sendf(hub, "create_chan$%s$hub", testcli_uid(hub));
	line = testcli_expect_prefix(hub, "created$");
	snprintf(hub_id, sizeof(hub_id), "%.21s", line + 8);
	testcli_sync(hub, NULL);
	for (i = 0; i < WARM_CYCLES; i++) {
		cycle(srv, i, "hub");
		if (i % 50 == 49)
			testcli_sync(hub, NULL);
	}
	testcli_sync(hub, NULL);
	expect_fds(srv, fds0 + 1);
	rss0 = testsrv_rss_kib(srv);
	assert_true(rss0 > 0);
	for (i = WARM_CYCLES; i < WARM_CYCLES + CYCLES; i++) {
		cycle(srv, i, hub_id);
		if (i % 50 == 49)
			testcli_sync(hub, NULL);
	}
	testcli_sync(hub, NULL);
	expect_fds(srv, fds0 + 1);
	rss1 = testsrv_rss_kib(srv);
	if (rss1 > rss0 + RSS_SLACK_KIB)
		fail_msg("VmRSS grew from %ld to %ld KiB over %d cycles", rss0,
		    rss1, CYCLES);
	/* The hub is the channel's only member again. */
	testcli_sendf(hub, "names$%s$hub", testcli_uid(hub));
	testcli_expectf(hub, "names$%s$hub", hub_id);
	testcli_expectf(hub, "names_end$%s$1", hub_id);
	testcli_free(hub);
	expect_fds(srv, fds0);
	assert_int_equal(testsrv_stop(srv), 0);
}

/* After SIGTERM, a client that closes lets the server exit at once. */
static void
test_shutdown_prompt(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *c = testcli_base_user(srv, "last");
	long long t0;
	int status;

	assert_int_equal(testsrv_kill(srv, SIGTERM), 0);
	testcli_expect_last(c, base_shutdown);
	testcli_free(c);
	t0 = testsrv_now_ms();
	status = testsrv_wait(srv, 5000);
	assert_int_equal(status, 0);
	if (testsrv_now_ms() - t0 > 1000)
		fail_msg("server took %lld ms to exit with no client left",
		    testsrv_now_ms() - t0);
}

/* A client of the shutdown test and what it saw. */
struct watcher {
	struct testcli *cli;
	const char *last; /* the line it must end with */
	int ext;          /* reads msg lines with seq */
	unsigned long next_seq;
	unsigned next_n[3];
	struct testcli_lines tail;
	int eof;
};

static void
watcher_drain(struct watcher *w)
{
	const char *line;

	while ((line = testcli_read_within(w->cli, 0)) != NULL)
		testcli_lines_add(&w->tail, line);
	if (testcli_status(w->cli) == TESTCLI_EOF)
		w->eof = 1;
	else if (testcli_status(w->cli) == TESTCLI_ERROR)
		fail_msg(
		    "%s: connection error before EOF", testcli_label(w->cli));
}

/* Every message line a watcher got, in order, then its last line. */
static void
watcher_check(const struct watcher *w)
{
	size_t i, n = w->tail.n;
	unsigned long next_seq = 1;
	unsigned next_n[3] = {1, 1, 1};

	if (n == 0 || strcmp(w->tail.line[n - 1], w->last) != 0)
		fail_msg("%s: last line '%s', expected '%s'",
		    testcli_label(w->cli), n > 0 ? w->tail.line[n - 1] : "",
		    w->last);
	for (i = 0; i + 1 < n; i++) {
		const char *line = w->tail.line[i], *text;
		char sender[64];
		unsigned long seq;
		unsigned s, k;

		if (w->ext) {
			if (testcli_parse_msg(
			        line, &seq, sender, sizeof(sender), &text) < 0)
				continue;
			if (seq != next_seq)
				fail_msg("%s: seq %lu, expected %lu",
				    testcli_label(w->cli), seq, next_seq);
			next_seq++;
		} else {
			text = strstr(line, ": ");
			if (text == NULL || strncmp(line, "$$", 2) == 0)
				continue;
			text += 2;
		}
		if (sscanf(text, "s%u k%u", &s, &k) != 2 || s >= 3)
			fail_msg("%s: text '%s'", testcli_label(w->cli), text);
		if (k != next_n[s])
			fail_msg("%s: s%u's k%u after k%u",
			    testcli_label(w->cli), s, k, next_n[s] - 1);
		next_n[s]++;
	}
}

/*
 * SIGTERM while three senders flood a channel: every client, registered or
 * not, in either mode, gets the shutdown line after an in-order prefix of
 * the messages, then EOF; the server exits 0.
 */
static void
test_sigterm_under_load(void **state)
{
	enum { EXT = 20, BASE = 20, NEW = 10, N = EXT + BASE + NEW };
	enum { SENDERS = 3, MSGS = 1000 };
	static const char *const args[] = {
	    "--flood-rate", "0", "--max-per-addr", "0", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct watcher *w = calloc(N, sizeof(*w));
	struct testcli **all = calloc(N, sizeof(*all));
	char name[32], *buf;
	size_t i, k, len, eofs;
	long long t0;
	int status;

	assert_non_null(w);
	assert_non_null(all);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "w%zu", i);
		if (i < EXT) {
			w[i].cli = testcli_ext_user(srv, name);
			w[i].ext = 1;
			w[i].last = ext_shutdown;
			testcli_sendf(w[i].cli,
			    i == 0 ? "create_chan$%s$load" : "join$%s$load",
			    testcli_uid(w[i].cli));
		} else if (i < EXT + BASE) {
			w[i].cli = testcli_base_user(srv, name);
			w[i].last = base_shutdown;
			testcli_sendf(
			    w[i].cli, "join$%s$LOAD", testcli_uid(w[i].cli));
		} else {
			w[i].cli = testcli_open(srv);
			w[i].last = base_shutdown;
			testcli_expect_welcome(w[i].cli);
		}
		all[i] = w[i].cli;
		testcli_sync(w[i].cli, NULL);
	}
	for (i = 0; i < N; i++)
		testcli_sync(w[i].cli, NULL);

	buf = malloc(MSGS * 64);
	assert_non_null(buf);
	for (k = 0; k < SENDERS; k++) {
		len = 0;
		for (i = 1; i <= MSGS; i++)
			len += (size_t)snprintf(buf + len, MSGS * 64 - len,
			    "send_msg$%s$load$s%zu k%zu\n",
			    testcli_uid(w[k].cli), k, i);
		if (testcli_send(w[k].cli, buf, len) < 0)
			fail_msg("sender %zu could not send", k);
	}
	free(buf);
	/* Stop while the messages are still flowing: w3 has some already. */
	t0 = testsrv_now_ms();
	while (w[3].tail.n < MSGS / 5) {
		if (testsrv_now_ms() - t0 > PHASE_MS)
			fail_msg("w3 got only %zu lines", w[3].tail.n);
		wait_any(&all[3], 1, 100);
		watcher_drain(&w[3]);
	}
	assert_int_equal(testsrv_kill(srv, SIGTERM), 0);

	t0 = testsrv_now_ms();
	do {
		if (testsrv_now_ms() - t0 > PHASE_MS)
			fail_msg("not every client saw EOF in time");
		wait_any(all, N, 100);
		eofs = 0;
		for (i = 0; i < N; i++) {
			if (!w[i].eof)
				watcher_drain(&w[i]);
			eofs += (size_t)w[i].eof;
		}
	} while (eofs < N);
	for (i = 0; i < N; i++) {
		watcher_check(&w[i]);
		testcli_lines_free(&w[i].tail);
		testcli_free(w[i].cli);
	}
	status = testsrv_wait(srv, 10000);
	assert_int_equal(status, 0);
	free(w);
	free(all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(
	        test_slow_reader_disconnected, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_slow_reader_last_line, testsrv_teardown),
	    cmocka_unit_test_teardown(test_500_members, testsrv_teardown),
	    cmocka_unit_test_teardown(test_parked_readers, testsrv_teardown),
	    cmocka_unit_test_teardown(test_connect_cycles, testsrv_teardown),
	    cmocka_unit_test_teardown(test_shutdown_prompt, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_sigterm_under_load, testsrv_teardown),
	};

	return cmocka_run_group_tests_name("it_load", tests, NULL, NULL);
}

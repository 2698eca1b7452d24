/* it_cluster_fail.c: nodes and Redis fail under load; history from Redis. */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "testcluster.h"

/* Nodes each test starts. */
#define NODES 3
/* Senders on each node in the load tests, and what each sends at most. */
#define SENDERS_PER_NODE 2
#define SENDERS          (NODES * SENDERS_PER_NODE)
#define QUOTA            150
/* Messages a sender has on the way (sent, not yet echoed or refused). */
#define WINDOW 8
/* Echoes, over all senders, before the failure is made. */
#define BEFORE_FAIL 200
/* Highest seq the load tests can reach, and one slot for seq 0. */
#define SEQ_MAX (SENDERS * QUOTA + 1)
/* A node's lease on its names in these tests (TXT_CHATD_NODE_TTL_MS). */
#define NODE_TTL "3000"
/* Lines said before the late node starts: more than a ring and a page. */
#define EARLY   250
#define STR_(x) #x
#define STR(x)  STR_(x)
/* Lines the rings keep (--history default). */
#define RING 100
/* Bytes of a channel id, a name, a kept text, counting the NUL. */
#define ID_MAX   TESTCLUSTER_ID_MAX
#define NAME_MAX 16
#define TEXT_MAX 24
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS  TESTCLUSTER_WAIT_MS
#define LOAD_MS  60000
#define RETRY_MS TESTCLUSTER_RETRY_MS
/* The node a test starts itself. */
#define LATE NODES

/* No flood control: the tests send in bursts. */
static const char *const flood_off[] = {"--flood-rate", "0", NULL};

static int
setup(void **state)
{
	return testcluster_setup(state, NODES, flood_off, NODE_TTL);
}

/*
 * join by name on c; the msg lines of the join's history are appended to
 * hist (NULL drops them).
 */
static void
join(struct testcli *c, const char *name, const char *id,
    struct testcli_lines *hist)
{
	struct testcli_lines all = {0};
	size_t i;

	testcluster_join(c, name, NULL, id, hist != NULL ? &all : NULL);
	for (i = 0; i < all.n; i++)
		if (strncmp(all.line[i], "msg$", 4) == 0)
			testcli_lines_add(hist, all.line[i]);
	testcli_lines_free(&all);
}

/*
 * One history request and its reply: the seqs of its lines go to
 * seqs[*n...], each checked against the text "m<seq>" when check is set,
 * the lines themselves to keep (NULL: not kept).  Lines before the reply
 * (live ones, notices) are dropped, as a client catching up drops them.
 * Returns whether it said more.
 */
static int
page(struct testcli *c, const char *id, const char *dir, unsigned long seq,
    unsigned limit, unsigned long *seqs, size_t *n, int check,
    struct testcli_lines *keep)
{
	char head[ID_MAX + 32], sender[NAME_MAX], want[TEXT_MAX];
	const char *line, *text;
	unsigned long s, count, i;

	testcli_sendf(
	    c, "history$%s$%s$%s$%lu$%u", testcli_uid(c), id, dir, seq, limit);
	snprintf(head, sizeof(head), "history_page$%s$%s$", id, dir);
	while ((line = testcli_read(c)) != NULL &&
	    strncmp(line, head, strlen(head)) != 0)
		if (strncmp(line, "error$", 6) == 0)
			fail_msg("%s: history: '%s'", testcli_label(c), line);
	if (line == NULL)
		fail_msg("%s: no history_page", testcli_label(c));
	count = strtoul(line + strlen(head), NULL, 10);
	for (i = 0; i < count; i++) {
		line = testcli_read(c);
		assert_non_null(line);
		if (testcli_parse_msg(line, &s, sender, sizeof(sender), &text) <
		    0)
			fail_msg("not a msg line in a page: '%s'", line);
		if (check) {
			snprintf(want, sizeof(want), "m%lu", s);
			assert_string_equal(text, want);
		}
		if (keep != NULL)
			testcli_lines_add(keep, line);
		seqs[(*n)++] = s;
	}
	snprintf(head, sizeof(head), "history_page_end$%s$%lu$", id, count);
	line = testcli_expect_prefix(c, head);
	line += strlen(head);
	if (strcmp(line, "more") != 0 && strcmp(line, "end") != 0)
		fail_msg("page end '%s'", line);
	return strcmp(line, "more") == 0;
}

/* Reads c's lines up to the msg line whose text is want. */
static void
read_to_text(struct testcli *c, const char *want)
{
	char sender[NAME_MAX];
	const char *line, *text;
	unsigned long seq;

	while ((line = testcli_read(c)) != NULL)
		if (testcli_parse_msg(
		        line, &seq, sender, sizeof(sender), &text) == 0 &&
		    strcmp(text, want) == 0)
			return;
	fail_msg("%s: no '%s'", testcli_label(c), want);
}

/*
 * Says the lines m1 ... m<count> in channel id on c, 50 at a time, and
 * reads their echoes (which come when the node reads them back).
 */
static void
say_numbered(struct testcli *c, const char *id, int count)
{
	char want[TEXT_MAX];
	int i;

	for (i = 1; i <= count; i++) {
		testcli_sendf(c, "send_msg$%s$%s$m%d", testcli_uid(c), id, i);
		if (i % 50 == 0 || i == count) {
			snprintf(want, sizeof(want), "m%d", i);
			read_to_text(c, want);
		}
	}
}

/*
 * A node started after the channel's lines were said has them all: the
 * first join replays the latest RING lines as the first node would, and
 * a member pages back to seq 1 and forward to the newest, from Redis.
 */
static void
test_late_node_history(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *d;
	struct testcli_lines hist = {0};
	unsigned long seqs[EARLY + 1];
	char id[ID_MAX], sender[NAME_MAX];
	const char *text;
	size_t n = 0, i;

	testcluster_create(a, "hist", id);
	say_numbered(a, id, EARLY);
	assert_non_null(testcluster_start_node(cl, "n4", flood_off));
	d = testcluster_user(cl, LATE, "dave");
	join(d, "hist", id, &hist);
	/* The join's history: the ring's worth, the newest last. */
	assert_int_equal(hist.n, RING);
	for (i = 0; i < hist.n; i++) {
		assert_int_equal(testcli_parse_msg(hist.line[i], &seqs[i],
		                     sender, sizeof(sender), &text),
		    0);
		assert_string_equal(sender, "alice");
	}
	testcli_expect_seqs(seqs, hist.n, EARLY - RING + 1);
	testcli_lines_free(&hist);
	/* Before the ring: from Redis, back to the first line. */
	n = 0;
	assert_false(
	    page(d, id, "before", EARLY - RING + 1, 200, seqs, &n, 1, NULL));
	assert_int_equal(n, EARLY - RING);
	testcli_expect_seqs(seqs, n, 1);
	/* Forward from the start: a full page, then the rest. */
	n = 0;
	assert_true(page(d, id, "after", 0, 200, seqs, &n, 1, NULL));
	assert_int_equal(n, 200);
	assert_false(page(d, id, "after", 200, 200, seqs, &n, 1, NULL));
	assert_int_equal(n, EARLY);
	testcli_expect_seqs(seqs, n, 1);
	/* The newest, more before them. */
	n = 0;
	assert_true(page(d, id, "latest", 0, 5, seqs, &n, 1, NULL));
	testcli_expect_seqs(seqs, n, EARLY - 4);
	/* Redis keeps being used for what the ring lacks, in order. */
	n = 0;
	assert_true(page(d, id, "before", 11, 3, seqs, &n, 1, NULL));
	testcli_expect_seqs(seqs, n, 8);
	testcli_expect_quiet(d);
	testcli_free(d);
	testcli_free(a);
	assert_int_equal(testsrv_stop(testcluster_node(cl, LATE)), 0);
	testcluster_stop_nodes(cl, -1);
}

/*
 * Redis down: a page the ring cannot answer is refused with
 * storage_unavailable, and the connection goes on (its next line is
 * answered); a page the ring holds is still answered.
 */
static void
test_page_while_redis_down(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b;
	struct testcli_lines hist = {0};
	unsigned long seqs[EARLY + 1];
	char id[ID_MAX];
	size_t n = 0;

	testcluster_create(a, "down", id);
	say_numbered(a, id, EARLY);
	b = testcluster_user(cl, 1, "bob");
	join(b, "down", id, &hist);
	/* Bob's node may still be delivering: he waits for the last. */
	if (hist.n == 0 ||
	    strstr(hist.line[hist.n - 1], "$m" STR(EARLY)) == NULL)
		read_to_text(b, "m" STR(EARLY));
	testcli_lines_free(&hist);
	testredis_stop(testcluster_redis(cl), 0);
	testcli_sendf(b, "history$%s$%s$before$50$10", testcli_uid(b), id);
	testcli_expect_prefix(b, "error$storage_unavailable$history$");
	/* Not waiting any more: its next lines are answered. */
	testcli_expect_quiet(b);
	assert_false(page(b, id, "after", EARLY - 3, 10, seqs, &n, 1, NULL));
	testcli_expect_seqs(seqs, n, EARLY - 2);
	/* Back: the same request is answered from Redis. */
	assert_int_equal(testredis_restart(testcluster_redis(cl)), 0);
	{
		long long until = testsrv_now_ms() + WAIT_MS;
		const char *line;

		for (;;) {
			testcli_sendf(b, "history$%s$%s$before$50$10",
			    testcli_uid(b), id);
			line = testcli_read(b);
			assert_non_null(line);
			if (strncmp(line, "history_page$", 13) == 0)
				break;
			if (strncmp(line, "error$storage_unavailable$", 26) !=
			        0 ||
			    testsrv_now_ms() >= until)
				fail_msg("unexpected '%s'", line);
			testsrv_sleep_ms(RETRY_MS);
		}
		for (n = 0; n < 10; n++) {
			line = testcli_read(b);
			assert_non_null(line);
			assert_int_equal(strncmp(line, "msg$", 4), 0);
		}
		testcli_expect_prefix(b, "history_page_end$");
	}
	testcli_free(a);
	testcli_free(b);
	testcluster_stop_nodes(cl, -1);
}

/*
 * A member that saw the first lines goes; more are said; it comes back on
 * a node started since, whose join history starts after a gap: paging
 * after the last seq it saw, as the client does, it gets every line it
 * missed, each once and in order, though they are older than the node.
 */
static void
test_resume_on_late_node(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli_lines hist = {0};
	unsigned long seqs[EARLY + 1], from, first;
	char id[ID_MAX], sender[NAME_MAX];
	const char *text;
	size_t n = 0;
	int i;

	testcluster_create(a, "resume", id);
	join(b, "resume", id, NULL);
	say_numbered(a, id, 50);
	/* Bob saw up to 50, then his node went away. */
	for (i = 1; i <= 50; i++)
		testcli_expect_prefix(b, "msg$");
	testcli_free(b);
	for (i = 51; i <= EARLY + 50; i++) {
		testcli_sendf(a, "send_msg$%s$%s$m%d", testcli_uid(a), id, i);
		if (i % 50 == 0) {
			char want[TEXT_MAX];

			snprintf(want, sizeof(want), "m%d", i);
			read_to_text(a, want);
		}
	}
	assert_non_null(testcluster_start_node(cl, "n4", flood_off));
	b = testcluster_user(cl, LATE, "bob2");
	join(b, "resume", id, &hist);
	/* The join's history has a gap after 50: the client pages. */
	assert_true(hist.n > 0);
	assert_int_equal(testcli_parse_msg(hist.line[0], &first, sender,
	                     sizeof(sender), &text),
	    0);
	assert_true(first > 51);
	testcli_lines_free(&hist);
	from = 50;
	while (page(b, id, "after", from, 200, seqs, &n, 1, NULL)) {
		assert_true(n > 0);
		from = seqs[n - 1];
	}
	assert_int_equal(n, EARLY);
	testcli_expect_seqs(seqs, n, 51);
	testcli_expect_quiet(b);
	testcli_free(b);
	testcli_free(a);
	assert_int_equal(testsrv_stop(testcluster_node(cl, LATE)), 0);
	testcluster_stop_nodes(cl, -1);
}

/* A command's reply from Redis as text, which must be there. */
static void
redis_ok(struct testcluster *cl, const char *cmd)
{
	char *r = testredis_cmd(testcluster_redis(cl), cmd);

	assert_non_null(r);
	if (strncmp(r, "ERR", 3) == 0)
		fail_msg("%s: %s", cmd, r);
	free(r);
}

/* Waits until the stream of channel id holds want lines, the first
 * with seq first. */
static void
wait_log(struct testcluster *cl, const char *id, long want, const char *first)
{
	char cmd[ID_MAX + 64], *r = NULL;
	long long until = testsrv_now_ms() + WAIT_MS;

	snprintf(cmd, sizeof(cmd), "XLEN txt:log:%s", id);
	for (;;) {
		free(r);
		r = testredis_cmd(testcluster_redis(cl), cmd);
		assert_non_null(r);
		if (atol(r) == want)
			break;
		if (testsrv_now_ms() >= until)
			fail_msg("%s: %s lines, want %ld", id, r, want);
		testsrv_sleep_ms(RETRY_MS);
	}
	free(r);
	snprintf(cmd, sizeof(cmd), "XRANGE txt:log:%s - + COUNT 1", id);
	{
		struct timeval tv = {5, 0};
		redisContext *rc = redisConnectWithTimeout(
		    "127.0.0.1", testredis_port(testcluster_redis(cl)), tv);
		redisReply *rep;

		assert_non_null(rc);
		rep = redisCommand(rc, cmd);
		assert_non_null(rep);
		assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
		assert_int_equal(rep->elements, 1);
		assert_string_equal(rep->element[0]->element[0]->str, first);
		freeReplyObject(rep);
		redisFree(rc);
	}
}

/*
 * --history-keep and --history-days apply to the streams in Redis as to
 * the database: a node started with them trims the channels' oldest lines
 * (past the count, or older than the days) from its maintenance timer.
 */
static void
test_retention(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	static const char *const keep[] = {
	    "--history-keep", "20", "--history-days", "1", NULL};
	char many[ID_MAX], old[ID_MAX], cmd[ID_MAX + 128];
	int i;

	testcluster_create(a, "many", many);
	say_numbered(a, many, 60);
	/* Three lines from 1970, then five of today. */
	testcluster_create(a, "old", old);
	for (i = 1; i <= 3; i++) {
		snprintf(cmd, sizeof(cmd),
		    "XADD txt:log:%s %d-0 k m t 1000 s ghost x old%d", old, i,
		    i);
		redis_ok(cl, cmd);
	}
	snprintf(cmd, sizeof(cmd), "SET txt:seq:%s 3", old);
	redis_ok(cl, cmd);
	say_numbered(a, old, 5);
	wait_log(cl, many, 60, "1-0");
	wait_log(cl, old, 8, "1-0");
	assert_non_null(testcluster_start_node(cl, "n4", keep));
	wait_log(cl, many, 20, "41-0");
	wait_log(cl, old, 5, "4-0");
	/* The seqs go on. */
	testcli_sendf(a, "send_msg$%s$%s$m61", testcli_uid(a), many);
	testcli_expect_prefix(a, "msg$");
	wait_log(cl, many, 21, "41-0");
	testcli_free(a);
	assert_int_equal(testsrv_stop(testcluster_node(cl, LATE)), 0);
	testcluster_stop_nodes(cl, -1);
}

/* One client of the load tests. */
struct member {
	struct testcli *c;
	char name[NAME_MAX];
	int node;
	int sender;                /* sends its quota */
	int sent, acked;           /* messages sent; echoed */
	int last_k;                /* the number of its last echoed message */
	int inflight;              /* sent, neither echoed nor refused */
	unsigned long last;        /* the highest seq it has seen */
	int dead;                  /* its node was killed */
	int acked_at_fail;         /* acked when the failure was made */
	long long hold;            /* refused: sends nothing until then */
	int resumed;               /* came back on another node */
	unsigned long echo[QUOTA]; /* the seq of its message k, 0 if none */
	/* seen[seq]: the text seen at seq (sender and number), "" if none. */
	char (*seen)[TEXT_MAX];
};

/* Records a msg line at m: one text per seq, the same for everyone. */
static void
record(struct member *m, const char *line)
{
	char sender[NAME_MAX], text[TEXT_MAX];
	const char *t;
	unsigned long seq;
	int k, again;

	if (testcli_parse_msg(line, &seq, sender, sizeof(sender), &t) < 0)
		fail_msg("%s: bad msg line '%s'", m->name, line);
	if (seq == 0 || seq >= SEQ_MAX)
		fail_msg("%s: seq out of range: '%s'", m->name, line);
	snprintf(text, sizeof(text), "%s %s", sender, t);
	if (m->seen[seq][0] != '\0' && strcmp(m->seen[seq], text) != 0)
		fail_msg("%s: seq %lu was '%s', now '%s'", m->name, seq,
		    m->seen[seq], text);
	again = m->seen[seq][0] != '\0';
	memcpy(m->seen[seq], text, sizeof(text));
	if (seq > m->last)
		m->last = seq;
	/* Its own: the echo, which comes once, in the order sent (history
	 * lines are not echoes). */
	if (!again && !m->resumed && strcmp(sender, m->name) == 0 &&
	    t[0] == 'k') {
		k = atoi(t + 1);
		if (k < 0 || k >= QUOTA || m->echo[k] != 0)
			fail_msg("%s: echo '%s' again", m->name, line);
		if (k <= m->last_k && m->acked > 0)
			fail_msg(
			    "%s: echo of %d after %d", m->name, k, m->last_k);
		m->echo[k] = seq;
		m->last_k = k;
		m->acked++;
		if (m->inflight > 0)
			m->inflight--;
	}
}

/* Takes every line m has now; returns -1 once its node is gone. */
static int
drain(struct member *m)
{
	const char *line;

	while ((line = testcli_read_within(m->c, 0)) != NULL) {
		if (strncmp(line, "msg$", 4) == 0)
			record(m, line);
		else if (strncmp(line, "error$storage_unavailable$send_msg$",
		             35) == 0 &&
		    m->inflight > 0) {
			/* Redis is away: a client would wait a little. */
			m->inflight--;
			m->hold = testsrv_now_ms() + 5 * RETRY_MS;
		} else if (strncmp(line, "error$", 6) == 0 &&
		    strncmp(line, "error$storage_unavailable$", 26) != 0)
			fail_msg("%s: '%s'", m->name, line);
	}
	return testcli_status(m->c) == TESTCLI_TIMEOUT ? 0 : -1;
}

/* Waits up to ms for any member to have input. */
static void
wait_input(struct member *ms, size_t n, int ms_max)
{
	struct pollfd p[SENDERS + NODES];
	size_t i, k = 0;

	for (i = 0; i < n && k < sizeof(p) / sizeof(p[0]); i++) {
		if (ms[i].c == NULL)
			continue;
		p[k].fd = testcli_fd(ms[i].c);
		p[k].events = POLLIN;
		k++;
	}
	(void)poll(p, k, ms_max);
}

/*
 * One turn of the load: each live sender under its quota and window
 * sends its next message; everyone's lines are taken.  Returns the
 * echoes so far over all.
 */
static int
load_turn(struct member *ms, size_t n, const char *id)
{
	size_t i;
	int acked = 0;

	for (i = 0; i < n; i++) {
		struct member *m = &ms[i];

		if (m->c == NULL)
			continue;
		if (m->sender && !m->dead && m->sent < QUOTA &&
		    m->inflight < WINDOW && testsrv_now_ms() >= m->hold) {
			char buf[ID_MAX + 128];
			int len =
			    snprintf(buf, sizeof(buf), "send_msg$%s$%s$k%d\n",
			        testcli_uid(m->c), id, m->sent);

			/* A node killed a moment ago refuses the write. */
			if (testcli_send(m->c, buf, (size_t)len) == 0) {
				m->sent++;
				m->inflight++;
			}
		}
	}
	wait_input(ms, n, 20);
	for (i = 0; i < n; i++) {
		if (ms[i].c != NULL && !ms[i].dead && drain(&ms[i]) < 0)
			ms[i].dead = 1;
		acked += ms[i].acked;
	}
	return acked;
}

/* Every live sender has sent its quota and heard back about each. */
static int
load_done(const struct member *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ms[i].c != NULL && ms[i].sender && !ms[i].dead &&
		    (ms[i].sent < QUOTA || ms[i].inflight > 0))
			return 0;
	return 1;
}

/* The channel's log in Redis: text[seq] for seq 1..*last, gapless. */
static void
read_log(struct testcluster *cl, const char *id, char (*text)[TEXT_MAX],
    unsigned long *last)
{
	struct timeval tv = {5, 0};
	redisContext *rc;
	redisReply *r;
	size_t i, j;

	rc = redisConnectWithTimeout(
	    "127.0.0.1", testredis_port(testcluster_redis(cl)), tv);
	assert_non_null(rc);
	assert_int_equal(rc->err, 0);
	r = redisCommand(rc, "XRANGE txt:log:%s - +", id);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	*last = 0;
	for (i = 0; i < r->elements; i++) {
		redisReply *e = r->element[i], *f = e->element[1];
		unsigned long seq = strtoul(e->element[0]->str, NULL, 10);
		const char *s = "", *x = "";

		if (seq != i + 1)
			fail_msg("log entry %zu has seq %lu: a gap", i, seq);
		assert_true(seq < SEQ_MAX);
		for (j = 0; j + 1 < f->elements; j += 2) {
			if (strcmp(f->element[j]->str, "s") == 0)
				s = f->element[j + 1]->str;
			if (strcmp(f->element[j]->str, "x") == 0)
				x = f->element[j + 1]->str;
		}
		snprintf(text[seq], TEXT_MAX, "%s %s", s, x);
		*last = seq;
	}
	freeReplyObject(r);
	redisFree(rc);
}

/*
 * What the load tests check at the end: every echoed message is in the
 * log at the seq its echo had, the log's seqs are gapless, and every
 * member of a live node saw every line of the log, as the log has it.
 */
static void
check_load(struct testcluster *cl, struct member *ms, size_t n, const char *id)
{
	static char log[SEQ_MAX][TEXT_MAX];
	unsigned long last, s;
	size_t i;
	int k, acked = 0;

	memset(log, 0, sizeof(log));
	read_log(cl, id, log, &last);
	for (i = 0; i < n; i++) {
		struct member *m = &ms[i];

		for (k = 0; k < QUOTA; k++) {
			char want[TEXT_MAX];

			if (m->echo[k] == 0)
				continue;
			acked++;
			snprintf(want, sizeof(want), "%s k%d", m->name, k);
			if (strcmp(log[m->echo[k]], want) != 0)
				fail_msg("%s's '%s' echoed at seq %lu, the "
				         "log has '%s' there",
				    m->name, want, m->echo[k], log[m->echo[k]]);
		}
		if (m->dead)
			continue;
		for (s = 1; s <= last; s++)
			if (strcmp(m->seen[s], log[s]) != 0)
				fail_msg("%s: seq %lu is '%s', the log has "
				         "'%s'",
				    m->name, s, m->seen[s], log[s]);
	}
	print_message("%d echoed, %lu in the log\n", acked, last);
	assert_true((unsigned long)acked <= last);
}

/* The load tests' members: SENDERS_PER_NODE senders on every node. */
static void
load_members(struct testcluster *cl, struct member *ms, char id[ID_MAX])
{
	size_t i;

	for (i = 0; i < SENDERS; i++) {
		struct member *m = &ms[i];

		m->node = (int)(i % NODES);
		m->sender = 1;
		m->last_k = -1;
		snprintf(m->name, sizeof(m->name), "s%zu", i);
		m->seen = calloc(SEQ_MAX, sizeof(*m->seen));
		assert_non_null(m->seen);
		m->c = testcluster_user(cl, m->node, m->name);
		if (i == 0)
			testcluster_create(m->c, "load", id);
		else
			join(m->c, "load", id, NULL);
	}
}

static void
free_members(struct member *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		testcli_free(ms[i].c);
		free(ms[i].seen);
	}
}

/* The channel's last seq in Redis. */
static unsigned long
last_seq(struct testcluster *cl, const char *id)
{
	char cmd[ID_MAX + 16], *r;
	unsigned long v;

	snprintf(cmd, sizeof(cmd), "GET txt:seq:%s", id);
	r = testredis_cmd(testcluster_redis(cl), cmd);
	assert_non_null(r);
	v = strtoul(r, NULL, 10);
	free(r);
	return v;
}

/* Takes lines until every live member has seen the channel's last seq. */
static void
settle(struct testcluster *cl, struct member *ms, size_t n, const char *id)
{
	unsigned long last = last_seq(cl, id);
	long long until = testsrv_now_ms() + WAIT_MS;
	size_t i;
	int behind = 1;

	while (behind) {
		behind = 0;
		for (i = 0; i < n; i++) {
			if (ms[i].dead)
				continue;
			if (drain(&ms[i]) < 0)
				fail_msg("%s: its node closed", ms[i].name);
			if (ms[i].last < last)
				behind = 1;
		}
		if (behind && testsrv_now_ms() >= until)
			fail_msg("members still behind seq %lu after %d ms",
			    last, WAIT_MS);
		if (behind)
			wait_input(ms, n, 20);
	}
}

/*
 * A member of a killed node comes back on another node as a new user, as
 * the client does: it joins, then pages after the last seq it saw until
 * the end (dropping live lines meanwhile), then takes live lines.  The
 * pages go on from that seq with each seq once, in order; check_load
 * finds what it saw in all gapless.
 */
static void
resume_elsewhere(
    struct testcluster *cl, struct member *m, int node, const char *id)
{
	static unsigned long seqs[SEQ_MAX];
	struct testcli_lines got = {0};
	char name[NAME_MAX];
	unsigned long from = m->last, seen = m->last;
	size_t n = 0, i;

	testcli_free(m->c);
	snprintf(name, sizeof(name), "%sb", m->name);
	m->c = testcluster_user(cl, node, name);
	m->resumed = 1;
	join(m->c, "load", id, &got);
	/* The client takes the join's history up to a gap only. */
	for (i = 0; i < got.n; i++) {
		unsigned long s;
		char sender[NAME_MAX];
		const char *text;

		(void)testcli_parse_msg(
		    got.line[i], &s, sender, sizeof(sender), &text);
		if (s <= seen + 1) {
			record(m, got.line[i]);
			seen = s > seen ? s : seen;
		}
	}
	testcli_lines_free(&got);
	from = seen;
	while (page(m->c, id, "after", from, 200, seqs, &n, 0, &got)) {
		if (n == 0)
			break;
		from = seqs[n - 1];
	}
	for (i = 0; i < n; i++)
		if (seqs[i] != seen + 1 + i)
			fail_msg("%s: page line %zu has seq %lu, want %lu",
			    name, i, seqs[i], seen + 1 + (unsigned long)i);
	for (i = 0; i < got.n; i++)
		record(m, got.line[i]);
	testcli_lines_free(&got);
	print_message("%s: resumed on n%d after seq %lu, %zu lines paged\n",
	    m->name, node + 1, seen, n);
	m->dead = 0;
	m->sender = 0;
}

/*
 * Several senders on every node; a node is killed with SIGKILL while
 * they send.  Nothing echoed is lost: every echo is in the log at its
 * seq, the seqs gapless, and the members of the live nodes saw every
 * line.  The killed node's members come back on another node and, by
 * paging after their last seq, get every line they missed.
 */
static void
test_node_killed_under_load(void **state)
{
	struct testcluster *cl = *state;
	static struct member ms[SENDERS];
	char id[ID_MAX];
	long long until;
	size_t i;
	int killed = 0;

	memset(ms, 0, sizeof(ms));
	load_members(cl, ms, id);
	until = testsrv_now_ms() + LOAD_MS;
	while (!load_done(ms, SENDERS)) {
		int acked = load_turn(ms, SENDERS, id);

		if (!killed && acked >= BEFORE_FAIL) {
			assert_int_equal(
			    testsrv_kill(
			        testcluster_node(cl, NODES - 1), SIGKILL),
			    0);
			killed = 1;
		}
		/* Its members see the close and come back on n1. */
		for (i = 0; i < SENDERS; i++)
			if (ms[i].dead && ms[i].node == NODES - 1 &&
			    ms[i].sender)
				resume_elsewhere(cl, &ms[i], 0, id);
		if (testsrv_now_ms() >= until)
			fail_msg("the load did not end within %d ms", LOAD_MS);
	}
	assert_true(killed);
	/* The killed node's members noticed before their quota was out. */
	for (i = 0; i < SENDERS; i++)
		if (ms[i].node == NODES - 1)
			assert_false(ms[i].sender);
	settle(cl, ms, SENDERS, id);
	check_load(cl, ms, SENDERS, id);
	free_members(ms, SENDERS);
	testcluster_stop_nodes(cl, NODES - 1);
}

/*
 * Redis goes while several senders on every node send: with hard, it is
 * killed (SIGKILL) after being told to sync its append-only file at every
 * write; else it is stopped (SIGTERM, which syncs it).  It starts again
 * on the same port and files.  Nothing echoed is lost, the seqs go on
 * without a gap, every member saw every line, and every sender's
 * messages are taken again afterwards.
 */
static void
redis_restart_under_load(struct testcluster *cl, int hard)
{
	static struct member ms[SENDERS];
	char id[ID_MAX], *r;
	long long until;
	size_t i;
	int failed = 0;

	if (hard) {
		r = testredis_cmd(
		    testcluster_redis(cl), "CONFIG SET appendfsync always");
		assert_non_null(r);
		assert_string_equal(r, "OK");
		free(r);
	}
	memset(ms, 0, sizeof(ms));
	load_members(cl, ms, id);
	until = testsrv_now_ms() + LOAD_MS;
	while (!load_done(ms, SENDERS)) {
		int acked = load_turn(ms, SENDERS, id);

		if (!failed && acked >= BEFORE_FAIL) {
			for (i = 0; i < SENDERS; i++)
				ms[i].acked_at_fail = ms[i].acked;
			testredis_stop(testcluster_redis(cl), hard);
			/* Nodes see it go while the test does nothing. */
			testsrv_sleep_ms(3 * RETRY_MS);
			assert_int_equal(
			    testredis_restart(testcluster_redis(cl)), 0);
			failed = 1;
		}
		if (testsrv_now_ms() >= until)
			fail_msg("the load did not end within %d ms", LOAD_MS);
	}
	assert_true(failed);
	settle(cl, ms, SENDERS, id);
	check_load(cl, ms, SENDERS, id);
	for (i = 0; i < SENDERS; i++) {
		assert_false(ms[i].dead);
		if (ms[i].acked <= ms[i].acked_at_fail)
			fail_msg("%s: nothing taken after Redis came back",
			    ms[i].name);
	}
	free_members(ms, SENDERS);
	testcluster_stop_nodes(cl, -1);
}

static void
test_redis_killed_under_load(void **state)
{
	redis_restart_under_load(*state, 1);
}

static void
test_redis_stopped_under_load(void **state)
{
	redis_restart_under_load(*state, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_late_node_history, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_page_while_redis_down, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_resume_on_late_node, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_retention, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_node_killed_under_load, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_redis_killed_under_load, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_redis_stopped_under_load, setup, testcluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* it_cluster_restore.c: a Redis that comes back empty keeps one chat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testcluster.h"

/* Nodes the test starts first; the late one is the next. */
#define NODES 2
#define LATE  NODES
/* Lines said before Redis loses everything. */
#define BEFORE 3
/* Bytes of a channel id, a redis command, a name, counting the NUL. */
#define ID_MAX   TESTCLUSTER_ID_MAX
#define CMD_MAX  200
#define NAME_MAX 32
#define WANT_MAX 256
/* Names one names line of the test holds at most. */
#define NAMES_MAX 8
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS  TESTCLUSTER_WAIT_MS
#define RETRY_MS TESTCLUSTER_RETRY_MS

static const char *const flood_off[] = {"--flood-rate", "0", NULL};

static int
setup(void **state)
{
	return testcluster_setup(state, NODES, flood_off, NULL);
}

/* Reads c's lines up to the message text and returns its seq. */
static unsigned long
msg_seq(struct testcli *c, const char *text)
{
	char sender[NAME_MAX];
	const char *line, *got;
	unsigned long seq;

	while ((line = testcli_read(c)) != NULL)
		if (testcli_parse_msg(
		        line, &seq, sender, sizeof(sender), &got) == 0 &&
		    strcmp(got, text) == 0)
			return seq;
	fail_msg("%s: no '%s' within %d ms", testcli_label(c), text, WAIT_MS);
	return 0;
}

/* Whether line is channel id's topic, set by by to text. */
static int
is_topic(const char *line, const char *id, const char *by, const char *text)
{
	char head[WANT_MAX], tail[WANT_MAX];
	size_t hl, tl, ll = strlen(line);

	hl = (size_t)snprintf(head, sizeof(head), "topic$%s$", id);
	tl = (size_t)snprintf(tail, sizeof(tail), "$%s$%s", by, text);
	return ll > hl + tl && strncmp(line, head, hl) == 0 &&
	    strcmp(line + ll - tl, tail) == 0;
}

/* The names of a names line ("names$<id>$a b c") into out, sorted. */
static const char *
names_of(struct testcli *c, const char *id, char *out, size_t size)
{
	char want[ID_MAX + 8], buf[WANT_MAX], *w[NAMES_MAX], *save = NULL, *t;
	const char *line;
	size_t n = 0, i, k;

	testcli_sendf(c, "names$%s$%s", testcli_uid(c), id);
	snprintf(want, sizeof(want), "names$%s$", id);
	line = testcli_expect_prefix(c, want);
	snprintf(buf, sizeof(buf), "%s", line + strlen(want));
	for (t = strtok_r(buf, " ", &save); t != NULL && n < NAMES_MAX;
	     t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			if (strcmp(w[k], w[i]) < 0) {
				t = w[i];
				w[i] = w[k];
				w[k] = t;
			}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, w[i], size - strlen(out) - 1);
	}
	testcli_expect_prefix(c, "names_end$");
	return out;
}

/* Runs cmd on r and says whether the reply is want. */
static int
redis_says(struct testredis *r, const char *cmd, const char *want)
{
	char *got = testredis_cmd(r, cmd);
	int same = got != NULL && strcmp(got, want) == 0;

	free(got);
	return same;
}

/* Waits until cmd on r replies want. */
static void
await_redis(struct testredis *r, const char *cmd, const char *want)
{
	long long until = testsrv_now_ms() + WAIT_MS;

	while (!redis_says(r, cmd, want)) {
		if (testsrv_now_ms() > until)
			fail_msg("redis: %s: not %s within %d ms", cmd, want,
			    WAIT_MS);
		testsrv_sleep_ms(RETRY_MS);
	}
}

/*
 * Redis restarts empty (no persistence) while two nodes run with #lobby.
 * The nodes put what they know back, so a node started afterwards knows
 * #lobby under the same id with its topic, a create of the name there
 * is channel_exists (no second #lobby the older nodes never show), and
 * a line said there reaches the older nodes' members after the lines
 * they have seen.  The users of the older nodes are known there and
 * their names are taken.
 *
 * FLUSHALL, SCRIPT FLUSH and CLIENT KILL stand for the restart: to a
 * node they are the same, its connections drop, it reconnects and finds
 * no keys and no scripts, and the port and files of this Redis stay.
 */
static void
test_empty_redis_gets_channels_back(void **state)
{
	struct testcluster *cl = *state;
	struct testredis *r = testcluster_redis(cl);
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *c, *x;
	struct testcli_lines l = {0};
	char id[ID_MAX], cmd[CMD_MAX], names[WANT_MAX];
	unsigned long seq;
	int i;

	testcluster_create(a, "#lobby", id);
	testcluster_join(b, "#lobby", NULL, id, NULL);
	testcli_sendf(a, "topic$%s$#lobby$kept", testcli_uid(a));
	for (i = 1; i <= BEFORE; i++) {
		testcli_sendf(a, "send_msg$%s$%s$before", testcli_uid(a), id);
		assert_int_equal(msg_seq(a, "before"), i);
		assert_int_equal(msg_seq(b, "before"), i);
	}
	assert_true(redis_says(r, "FLUSHALL", "OK"));
	assert_true(redis_says(r, "SCRIPT FLUSH", "OK"));
	free(testredis_cmd(r, "CLIENT KILL TYPE normal"));
	/* Both nodes reconnect and put #lobby back. */
	await_redis(r, "HLEN txt:chans", "1");
	snprintf(cmd, sizeof(cmd), "HEXISTS txt:topics %s", id);
	await_redis(r, cmd, "1");
	snprintf(cmd, sizeof(cmd), "GET txt:seq:%s", id);
	await_redis(r, cmd, "3");
	/* Their users' names and who is where, too. */
	await_redis(r, "HLEN txt:users", "2");
	await_redis(r, "SCARD txt:nodes", "2");
	assert_non_null(testcluster_start_node(cl, "n3", flood_off));
	c = testcluster_user(cl, LATE, "carol");
	testcli_sendf(c, "create_chan$%s$#lobby", testcli_uid(c));
	testcli_expect_prefix(c, "error$channel_exists$create_chan$");
	testcluster_join(c, "#lobby", NULL, id, &l);
	assert_true(l.n >= 1);
	assert_true(is_topic(l.line[0], id, "alice", "kept"));
	testcli_lines_free(&l);
	assert_string_equal(
	    names_of(c, id, names, sizeof(names)), "alice bob carol");
	x = testcli_open(testcluster_node(cl, LATE));
	testcli_set_timeout(x, WAIT_MS);
	testcli_ext_hello(x);
	testcli_sendf(x, "reg$alice");
	testcli_expect_prefix(x, "error$name_taken$reg$");
	testcli_free(x);
	testcli_sendf(c, "send_msg$%s$%s$after", testcli_uid(c), id);
	seq = msg_seq(a, "after");
	assert_true(seq > BEFORE);
	assert_int_equal(msg_seq(b, "after"), seq);
	assert_int_equal(msg_seq(c, "after"), seq);
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
	testcluster_stop_nodes(cl, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty_redis_gets_channels_back,
	        setup, testcluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

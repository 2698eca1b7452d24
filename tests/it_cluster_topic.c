/* it_cluster_topic.c: topics and join keys across txt-chatd nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testcluster.h"

/* Nodes each test starts. */
#define NODES 3
/* Bytes of a channel id, counting the NUL. */
#define ID_MAX TESTCLUSTER_ID_MAX
/* Bytes of a line a test builds to compare. */
#define WANT_MAX 256
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS  TESTCLUSTER_WAIT_MS
#define RETRY_MS TESTCLUSTER_RETRY_MS
/* The node a test starts itself. */
#define LATE NODES

/* No flood control; the nodes' lease is the default. */
static const char *const flood_off[] = {"--flood-rate", "0", NULL};

static int
setup(void **state)
{
	return testcluster_setup(state, NODES, flood_off, NULL);
}

/* A join refused with bad_key. */
static void
join_bad_key(struct testcli *c, const char *name, const char *key)
{
	const char *first = testcluster_join_reply(c, name, key, 0);

	if (strncmp(first, "error$bad_key$join$", 19) != 0)
		fail_msg("%s: join %s with key %s: '%s' where bad_key was due",
		    testcli_label(c), name, key != NULL ? key : "(none)",
		    first);
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

/*
 * Reads c's lines up to the message text from anyone: how many of them
 * were the topic of id set by by to topic.
 */
static int
topics_before_msg(struct testcli *c, const char *id, const char *by,
    const char *topic, const char *text)
{
	const char *line, *t;
	char sender[32];
	unsigned long seq;
	int n = 0;

	while ((line = testcli_read(c)) != NULL) {
		if (is_topic(line, id, by, topic))
			n++;
		if (testcli_parse_msg(line, &seq, sender, sizeof(sender), &t) ==
		        0 &&
		    strcmp(t, text) == 0)
			return n;
	}
	fail_msg("%s: no '%s' within %d ms", testcli_label(c), text, WAIT_MS);
	return -1;
}

/* Reads c's lines until the topic of id set by by to text comes. */
static void
await_topic(struct testcli *c, const char *id, const char *by, const char *text)
{
	const char *line;

	while ((line = testcli_read(c)) != NULL)
		if (is_topic(line, id, by, text))
			return;
	fail_msg(
	    "%s: no topic '%s' within %d ms", testcli_label(c), text, WAIT_MS);
}

/*
 * A topic set on one node reaches the members on every node, each once,
 * and is in the join sequence of a later joiner on another node.
 */
static void
test_topic_on_every_node_once(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *c = testcluster_user(cl, 2, "carol");
	struct testcli *d;
	struct testcli_lines l = {0};
	char id[ID_MAX];
	size_t i;
	int found = 0;

	testcluster_create(a, "#news", id);
	testcluster_join(b, "#news", NULL, id, NULL);
	testcluster_join(c, "#news", NULL, id, NULL);
	testcli_sendf(a, "topic$%s$#news$read this $ first", testcli_uid(a));
	testcli_sendf(a, "send_msg$%s$%s$after", testcli_uid(a), id);
	assert_int_equal(
	    topics_before_msg(a, id, "alice", "read this $ first", "after"), 1);
	assert_int_equal(
	    topics_before_msg(b, id, "alice", "read this $ first", "after"), 1);
	assert_int_equal(
	    topics_before_msg(c, id, "alice", "read this $ first", "after"), 1);
	/* Set from another node: the same, seen once on the first too. */
	testcli_sendf(b, "topic$%s$#news$from bob", testcli_uid(b));
	testcli_sendf(b, "send_msg$%s$%s$after bob", testcli_uid(b), id);
	assert_int_equal(
	    topics_before_msg(a, id, "bob", "from bob", "after bob"), 1);
	assert_int_equal(
	    topics_before_msg(c, id, "bob", "from bob", "after bob"), 1);
	/* A later joiner on the third node: joined, the topic, names. */
	d = testcluster_user(cl, 2, "dave");
	testcluster_join(d, "#news", NULL, id, &l);
	for (i = 0; i < l.n; i++)
		if (is_topic(l.line[i], id, "bob", "from bob"))
			found++;
	assert_int_equal(found, 1);
	assert_true(is_topic(l.line[0], id, "bob", "from bob"));
	testcli_lines_free(&l);
	/* Cleared on one node: a joiner on another gets no topic. */
	testcli_sendf(c, "topic$%s$#news", testcli_uid(c));
	await_topic(b, id, "carol", "");
	testcli_free(d);
	d = testcluster_user(cl, 1, "dora");
	testcluster_join(d, "#news", NULL, id, &l);
	for (i = 0; i < l.n; i++)
		assert_memory_not_equal(l.line[i], "topic$", 6);
	testcli_lines_free(&l);
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
	testcli_free(d);
	testcluster_stop_nodes(cl, -1);
}

/*
 * The next line on c that is not another member's join (joins are told
 * on every node) is want, or begins with it if prefix.
 */
static void
expect_past_joins(struct testcli *c, const char *want, int prefix)
{
	const char *line;

	while (
	    (line = testcli_read(c)) != NULL && strncmp(line, "join$", 5) == 0)
		continue;
	if (line == NULL ||
	    (prefix ? strncmp(line, want, strlen(want)) : strcmp(line, want)) !=
	        0)
		fail_msg("%s: expected '%s', got '%s'", testcli_label(c), want,
		    line != NULL ? line : "(nothing)");
}

/*
 * A join key set on one node holds on the others: a join there without
 * it, or with another, is bad_key; the creator's key is the only one, so
 * a member on another node cannot change it; removed, anyone joins.
 */
static void
test_key_on_every_node(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *c = testcluster_user(cl, 1, "carol");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *d = testcluster_user(cl, 2, "dave");
	struct testcli *e;
	char id[ID_MAX], want[WANT_MAX];

	testcluster_create(a, "#vault", id);
	testcluster_join(c, "#vault", NULL, id, NULL);
	testcli_sendf(a, "chan_key$%s$#vault$s3cret", testcli_uid(a));
	snprintf(want, sizeof(want), "chan_key$%s$s3cret", id);
	expect_past_joins(a, want, 0);
	/* Events come in one order: once carol has this topic, her node
	 * has the key too. */
	testcli_sendf(a, "topic$%s$#vault$keyed", testcli_uid(a));
	await_topic(a, id, "alice", "keyed");
	await_topic(c, id, "alice", "keyed");
	join_bad_key(b, "#vault", NULL);
	join_bad_key(b, "#vault", "wrong");
	/* A member who did not create it cannot change it. */
	testcli_sendf(c, "chan_key$%s$#vault$mine", testcli_uid(c));
	expect_past_joins(c, "error$not_creator$chan_key$", 1);
	testcli_sendf(c, "chan_key$%s$#vault", testcli_uid(c));
	expect_past_joins(c, "error$not_creator$chan_key$", 1);
	join_bad_key(b, "#vault", "mine");
	testcluster_join(b, "#vault", "s3cret", id, NULL);
	/* The third node too. */
	join_bad_key(d, "#vault", NULL);
	testcluster_join(d, "#vault", "s3cret", id, NULL);
	/* Removed: anyone joins, on any node. */
	testcli_sendf(a, "chan_key$%s$#vault", testcli_uid(a));
	snprintf(want, sizeof(want), "chan_key$%s$", id);
	expect_past_joins(a, want, 0);
	testcli_sendf(a, "topic$%s$#vault$open", testcli_uid(a));
	await_topic(a, id, "alice", "open");
	await_topic(d, id, "alice", "open");
	e = testcluster_user(cl, 2, "erin");
	testcluster_join(e, "#vault", NULL, id, NULL);
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
	testcli_free(d);
	testcli_free(e);
	testcluster_stop_nodes(cl, -1);
}

/*
 * A node started later loads each channel's topic and key from Redis: a
 * joiner there needs the key and gets the topic in the join sequence.
 */
static void
test_late_node_loads_topic_and_key(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *e;
	struct testcli_lines l = {0};
	char id[ID_MAX], want[WANT_MAX];

	testcluster_create(a, "#early", id);
	testcli_sendf(a, "topic$%s$#early$set before n4", testcli_uid(a));
	await_topic(a, id, "alice", "set before n4");
	testcli_sendf(a, "chan_key$%s$#early$k3y", testcli_uid(a));
	snprintf(want, sizeof(want), "chan_key$%s$k3y", id);
	testcli_expect(a, want);
	assert_non_null(testcluster_start_node(cl, "n4", NULL));
	e = testcluster_user(cl, LATE, "erin");
	join_bad_key(e, "#early", NULL);
	testcluster_join(e, "#early", "k3y", id, &l);
	assert_true(l.n >= 1);
	assert_true(is_topic(l.line[0], id, "alice", "set before n4"));
	testcli_lines_free(&l);
	/* The creator's powers came along: alice may change it there. */
	testcli_free(e);
	testcli_free(a);
	a = NULL;
	{
		long long until = testsrv_now_ms() + WAIT_MS;
		const char *line;

		/* alice's name is free on n4 once n1 has given it up. */
		for (;;) {
			struct testcli *x =
			    testcli_open(testcluster_node(cl, LATE));

			testcli_set_timeout(x, WAIT_MS);
			testcli_ext_hello(x);
			testcli_sendf(x, "reg$alice");
			line = testcli_read(x);
			assert_non_null(line);
			if (strncmp(line, "registered$", 11) == 0) {
				/* Given up again and taken at once, in order
				 * on n4's one link to Redis. */
				testcluster_rest_of_join(x, NULL);
				testcli_sendf(x, "quit$bye");
				testcli_expect_prefix(x, "error$quit$");
				testcli_free(x);
				a = testcluster_user(cl, LATE, "alice");
				break;
			}
			testcli_free(x);
			if (testsrv_now_ms() >= until)
				fail_msg("alice on n4: '%s'", line);
			testsrv_sleep_ms(RETRY_MS);
		}
	}
	testcluster_join(a, "#early", NULL, id, NULL);
	testcli_sendf(a, "chan_key$%s$#early$n3wk3y", testcli_uid(a));
	snprintf(want, sizeof(want), "chan_key$%s$n3wk3y", id);
	testcli_expect(a, want);
	testcli_free(a);
	assert_int_equal(testsrv_stop(testcluster_node(cl, LATE)), 0);
	testcluster_stop_nodes(cl, -1);
}

/* Redis down: a topic or key change is refused with storage_unavailable,
 * and nothing changes. */
static void
test_change_redis_down(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	char id[ID_MAX];

	testcluster_create(a, "#down", id);
	testcluster_join(b, "#down", NULL, id, NULL);
	testredis_stop(testcluster_redis(cl), 0);
	testcli_sendf(a, "topic$%s$#down$while down", testcli_uid(a));
	expect_past_joins(a, "error$storage_unavailable$topic$", 1);
	testcli_sendf(a, "chan_key$%s$#down$k", testcli_uid(a));
	expect_past_joins(a, "error$storage_unavailable$chan_key$", 1);
	testcli_expect_quiet(a);
	testcli_free(a);
	testcli_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_topic_on_every_node_once, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_key_on_every_node, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(test_late_node_loads_topic_and_key,
	        setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_change_redis_down, setup, testcluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

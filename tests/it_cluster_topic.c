/* it_cluster_topic.c: topics and join keys across txt-chatd nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testcli.h"
#include "testredis.h"
#include "testsrv.h"

/* Nodes each test starts. */
#define NODES 3
/* Bytes of a channel id, counting the NUL. */
#define ID_MAX 80
/* Bytes of a line a test builds to compare. */
#define WANT_MAX 256
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS  20000
#define RETRY_MS 100

struct cluster {
	struct testredis *redis;
	struct testsrv *node[NODES];
	struct testsrv *late; /* a node a test starts itself */
	char addr[32];        /* redis's host:port */
};

static int teardown(void **state);

/* A failed setup cleans up itself: cmocka calls no teardown after it. */
static int
setup(void **state)
{
	struct cluster *cl = calloc(1, sizeof(*cl));
	char name[8];
	int i;

	if (cl == NULL)
		return -1;
	*state = cl;
	cl->redis = testredis_start(1);
	if (cl->redis == NULL)
		goto fail;
	snprintf(cl->addr, sizeof(cl->addr), "127.0.0.1:%d",
	    testredis_port(cl->redis));
	for (i = 0; i < NODES; i++) {
		const char *args[] = {"--redis", cl->addr, "--node", name,
		    "--flood-rate", "0", NULL};

		snprintf(name, sizeof(name), "n%d", i + 1);
		cl->node[i] = testsrv_start(args);
		if (cl->node[i] == NULL)
			goto fail;
	}
	return 0;
fail:
	(void)teardown(state);
	*state = NULL;
	return -1;
}

static int
teardown(void **state)
{
	struct cluster *cl = *state;
	int i;

	if (cl == NULL)
		return 0;
	for (i = 0; i < NODES; i++)
		testsrv_free(cl->node[i]);
	testsrv_free(cl->late);
	testredis_free(cl->redis);
	free(cl);
	return 0;
}

/* SIGTERM to every node: each must exit 0 (under the sanitizers: no
 * leak). */
static void
stop_nodes(struct cluster *cl)
{
	int i;

	for (i = 0; i < NODES; i++)
		assert_int_equal(testsrv_stop(cl->node[i]), 0);
}

/* An extended user on a server, with a long wait for every line. */
static struct testcli *
ext_user(struct testsrv *srv, const char *name)
{
	struct testcli *c = testcli_ext_user(srv, name);

	testcli_set_timeout(c, WAIT_MS);
	return c;
}

/*
 * The rest of a join sequence, up to its history_end, into l (NULL drops
 * them).
 */
static void
rest_of_join(struct testcli *c, struct testcli_lines *l)
{
	const char *line;

	while ((line = testcli_read(c)) != NULL) {
		if (l != NULL)
			testcli_lines_add(l, line);
		if (strncmp(line, "history_end$", 12) == 0)
			return;
	}
	fail_msg("%s: no history_end", testcli_label(c));
}

/* create_chan on c: the channel's id into id. */
static void
create(struct testcli *c, const char *name, char id[ID_MAX])
{
	const char *line, *end;

	testcli_sendf(c, "create_chan$%s$%s", testcli_uid(c), name);
	line = testcli_expect_prefix(c, "created$");
	end = strchr(line + 8, '$');
	assert_non_null(end);
	snprintf(id, ID_MAX, "%.*s", (int)(end - (line + 8)), line + 8);
	rest_of_join(c, NULL);
}

/*
 * join of name (with key unless NULL) on c: the first line of the answer,
 * copied into first.  A channel made on another node is known here a
 * moment later: no_such_channel is retried.  The join sequence after a
 * joined line goes into l.
 */
static void
join(struct testcli *c, const char *name, const char *key, char first[WANT_MAX],
    struct testcli_lines *l)
{
	long long until = testsrv_now_ms() + WAIT_MS;
	const char *line;

	for (;;) {
		if (key != NULL)
			testcli_sendf(
			    c, "join$%s$%s$%s", testcli_uid(c), name, key);
		else
			testcli_sendf(c, "join$%s$%s", testcli_uid(c), name);
		line = testcli_read(c);
		assert_non_null(line);
		if (strncmp(line, "error$no_such_channel$", 22) != 0)
			break;
		if (testsrv_now_ms() >= until)
			fail_msg(
			    "%s: join %s: '%s'", testcli_label(c), name, line);
		testsrv_sleep_ms(RETRY_MS);
	}
	snprintf(first, WANT_MAX, "%s", line);
	if (strncmp(line, "joined$", 7) == 0)
		rest_of_join(c, l);
}

/* A join that must succeed; its sequence into l (NULL drops it). */
static void
join_ok(struct testcli *c, const char *name, const char *key, const char *id,
    struct testcli_lines *l)
{
	char first[WANT_MAX], want[WANT_MAX];

	join(c, name, key, first, l);
	snprintf(want, sizeof(want), "joined$%s$", id);
	if (strncmp(first, want, strlen(want)) != 0)
		fail_msg("%s: join %s: '%s'", testcli_label(c), name, first);
}

/* A join refused with bad_key. */
static void
join_bad_key(struct testcli *c, const char *name, const char *key)
{
	char first[WANT_MAX];

	join(c, name, key, first, NULL);
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
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl->node[0], "alice");
	struct testcli *b = ext_user(cl->node[1], "bob");
	struct testcli *c = ext_user(cl->node[2], "carol");
	struct testcli *d;
	struct testcli_lines l = {0};
	char id[ID_MAX];
	size_t i;
	int found = 0;

	create(a, "#news", id);
	join_ok(b, "#news", NULL, id, NULL);
	join_ok(c, "#news", NULL, id, NULL);
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
	d = ext_user(cl->node[2], "dave");
	join_ok(d, "#news", NULL, id, &l);
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
	d = ext_user(cl->node[1], "dora");
	join_ok(d, "#news", NULL, id, &l);
	for (i = 0; i < l.n; i++)
		assert_memory_not_equal(l.line[i], "topic$", 6);
	testcli_lines_free(&l);
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
	testcli_free(d);
	stop_nodes(cl);
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
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl->node[0], "alice");
	struct testcli *c = ext_user(cl->node[1], "carol");
	struct testcli *b = ext_user(cl->node[1], "bob");
	struct testcli *d = ext_user(cl->node[2], "dave");
	struct testcli *e;
	char id[ID_MAX], want[WANT_MAX];

	create(a, "#vault", id);
	join_ok(c, "#vault", NULL, id, NULL);
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
	join_ok(b, "#vault", "s3cret", id, NULL);
	/* The third node too. */
	join_bad_key(d, "#vault", NULL);
	join_ok(d, "#vault", "s3cret", id, NULL);
	/* Removed: anyone joins, on any node. */
	testcli_sendf(a, "chan_key$%s$#vault", testcli_uid(a));
	snprintf(want, sizeof(want), "chan_key$%s$", id);
	expect_past_joins(a, want, 0);
	testcli_sendf(a, "topic$%s$#vault$open", testcli_uid(a));
	await_topic(a, id, "alice", "open");
	await_topic(d, id, "alice", "open");
	e = ext_user(cl->node[2], "erin");
	join_ok(e, "#vault", NULL, id, NULL);
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
	testcli_free(d);
	testcli_free(e);
	stop_nodes(cl);
}

/*
 * A node started later loads each channel's topic and key from Redis: a
 * joiner there needs the key and gets the topic in the join sequence.
 */
static void
test_late_node_loads_topic_and_key(void **state)
{
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl->node[0], "alice");
	struct testcli *e;
	struct testcli_lines l = {0};
	const char *args[] = {"--redis", cl->addr, "--node", "n4", NULL};
	char id[ID_MAX], want[WANT_MAX];

	create(a, "#early", id);
	testcli_sendf(a, "topic$%s$#early$set before n4", testcli_uid(a));
	await_topic(a, id, "alice", "set before n4");
	testcli_sendf(a, "chan_key$%s$#early$k3y", testcli_uid(a));
	snprintf(want, sizeof(want), "chan_key$%s$k3y", id);
	testcli_expect(a, want);
	cl->late = testsrv_start(args);
	assert_non_null(cl->late);
	e = ext_user(cl->late, "erin");
	join_bad_key(e, "#early", NULL);
	join_ok(e, "#early", "k3y", id, &l);
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
			struct testcli *x = testcli_open(cl->late);

			testcli_set_timeout(x, WAIT_MS);
			testcli_ext_hello(x);
			testcli_sendf(x, "reg$alice");
			line = testcli_read(x);
			assert_non_null(line);
			if (strncmp(line, "registered$", 11) == 0) {
				/* Given up again and taken at once, in order
				 * on n4's one link to Redis. */
				rest_of_join(x, NULL);
				testcli_sendf(x, "quit$bye");
				testcli_expect_prefix(x, "error$quit$");
				testcli_free(x);
				a = ext_user(cl->late, "alice");
				break;
			}
			testcli_free(x);
			if (testsrv_now_ms() >= until)
				fail_msg("alice on n4: '%s'", line);
			testsrv_sleep_ms(RETRY_MS);
		}
	}
	join_ok(a, "#early", NULL, id, NULL);
	testcli_sendf(a, "chan_key$%s$#early$n3wk3y", testcli_uid(a));
	snprintf(want, sizeof(want), "chan_key$%s$n3wk3y", id);
	testcli_expect(a, want);
	testcli_free(a);
	assert_int_equal(testsrv_stop(cl->late), 0);
	stop_nodes(cl);
}

/* Redis down: a topic or key change is refused with storage_unavailable,
 * and nothing changes. */
static void
test_change_redis_down(void **state)
{
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl->node[0], "alice");
	struct testcli *b = ext_user(cl->node[1], "bob");
	char id[ID_MAX];

	create(a, "#down", id);
	join_ok(b, "#down", NULL, id, NULL);
	testredis_stop(cl->redis, 0);
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
	        test_topic_on_every_node_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_key_on_every_node, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_late_node_loads_topic_and_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_change_redis_down, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* it_cluster.c: three txt-chatd nodes as one chat through one redis-server. */
#include <setjmp.h>
#include <signal.h>
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
/* Messages the order test sends, round-robin through the nodes. */
#define ORDER_MSGS 300
/* Members of the order test's channel on each node. */
#define ORDER_PER_NODE 2
/* Connections of the name race, spread over the nodes. */
#define NAME_RACERS 20
/* A node's lease on its names in these tests (TXT_CHATD_NODE_TTL_MS). */
#define NODE_TTL "3000"
/* Bytes of a channel id or a kept line, counting the NUL. */
#define ID_MAX   TESTCLUSTER_ID_MAX
#define KEPT_MAX 64
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS  TESTCLUSTER_WAIT_MS
#define RETRY_MS TESTCLUSTER_RETRY_MS
/* The node a test starts itself. */
#define LATE NODES

/* No flood control: the order test sends in bursts. */
static const char *const flood_off[] = {"--flood-rate", "0", NULL};

static int
setup(void **state)
{
	return testcluster_setup(state, NODES, flood_off, NODE_TTL);
}

/* The next msg line on c, other lines (joins of others) skipped. */
static const char *
next_msg(struct testcli *c)
{
	const char *line;

	while ((line = testcli_read(c)) != NULL)
		if (strncmp(line, "msg$", 4) == 0)
			return line;
	fail_msg("%s: no message within %d ms", testcli_label(c), WAIT_MS);
	return NULL;
}

/*
 * A channel created on one node is known on every node: joinable by name
 * there, and one name cannot be created twice, whichever node asks.
 */
static void
test_channel_on_every_node(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *c = testcluster_user(cl, 2, "carol");
	char id[ID_MAX];

	testcluster_create(a, "rust", id);
	testcluster_join(b, "rust", NULL, id, NULL);
	testcluster_join(c, "RUST", NULL, id, NULL);
	/* A look-alike name is taken on the other nodes too (carol's join
	 * may come first: joins are told on every node). */
	testcli_sendf(b, "create_chan$%s$Rust", testcli_uid(b));
	{
		const char *line;

		while ((line = testcli_read(b)) != NULL &&
		    strncmp(line, "join$", 5) == 0)
			continue;
		assert_non_null(line);
		assert_int_equal(
		    strncmp(line, "error$channel_exists$create_chan$", 33), 0);
	}
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
}

/* Three nodes create one new name at once: exactly one wins. */
static void
test_create_race(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *u[NODES];
	char name[16];
	int i, won = 0, lost = 0;

	for (i = 0; i < NODES; i++) {
		snprintf(name, sizeof(name), "racer%d", i);
		u[i] = testcluster_user(cl, i, name);
	}
	for (i = 0; i < NODES; i++)
		testcli_sendf(u[i], "create_chan$%s$arena", testcli_uid(u[i]));
	for (i = 0; i < NODES; i++) {
		const char *line = testcli_read(u[i]);

		assert_non_null(line);
		if (strncmp(line, "created$", 8) == 0)
			won++;
		else if (strncmp(line, "error$channel_exists$create_chan$",
		             33) == 0)
			lost++;
		else
			fail_msg("racer%d: unexpected '%s'", i, line);
	}
	assert_int_equal(won, 1);
	assert_int_equal(lost, NODES - 1);
	for (i = 0; i < NODES; i++)
		testcli_free(u[i]);
}

/*
 * Members on every node; messages sent through every node, interleaved:
 * every member sees the same lines in the same order, seqs 1, 2, 3...
 */
static void
test_same_order_everywhere(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *m[NODES * ORDER_PER_NODE];
	static char seen[NODES * ORDER_PER_NODE][ORDER_MSGS][KEPT_MAX];
	char id[ID_MAX], name[16];
	size_t i, k;

	for (i = 0; i < NODES * ORDER_PER_NODE; i++) {
		snprintf(name, sizeof(name), "m%zu", i);
		m[i] = testcluster_user(cl, (int)(i % NODES), name);
		if (i == 0)
			testcluster_create(m[i], "order", id);
		else
			testcluster_join(m[i], "order", NULL, id, NULL);
	}
	/* The first member of each node sends, round-robin, unpaced. */
	for (k = 0; k < ORDER_MSGS; k++)
		testcli_sendf(m[k % NODES], "send_msg$%s$%s$t%zu",
		    testcli_uid(m[k % NODES]), id, k);
	for (i = 0; i < NODES * ORDER_PER_NODE; i++) {
		for (k = 0; k < ORDER_MSGS; k++) {
			const char *line = next_msg(m[i]), *text;
			char sender[16];
			unsigned long seq;

			assert_int_equal(testcli_parse_msg(line, &seq, sender,
			                     sizeof(sender), &text),
			    0);
			if (seq != k + 1)
				fail_msg("%s: seq %lu where %zu was due: '%s'",
				    testcli_label(m[i]), seq, k + 1, line);
			snprintf(seen[i][k], KEPT_MAX, "%s %s", sender, text);
			if (i > 0 && strcmp(seen[i][k], seen[0][k]) != 0)
				fail_msg("%s: line %zu is '%s', %s saw '%s'",
				    testcli_label(m[i]), k, seen[i][k],
				    testcli_label(m[0]), seen[0][k]);
		}
	}
	for (i = 0; i < NODES * ORDER_PER_NODE; i++)
		testcli_free(m[i]);
	testcluster_stop_nodes(cl, -1);
}

/*
 * The next line on a base-mode c that is not a "$$joined: " line (others
 * joining on any node announce themselves so, as on one server) is want.
 */
static void
base_expect(struct testcli *c, const char *want)
{
	const char *line;

	while ((line = testcli_read(c)) != NULL &&
	    strncmp(line, "$$joined: ", 10) == 0)
		continue;
	if (line == NULL || strcmp(line, want) != 0)
		fail_msg("%s: expected '%s', got '%s'", testcli_label(c), want,
		    line != NULL ? line : "(nothing)");
}

/* How often needle occurs in hay. */
static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/*
 * Redis stops: sending is refused with storage_unavailable, in both modes,
 * and each node says so once.  Redis comes back: sending works again, the
 * seqs go on where they were, and every acknowledged line is kept.
 */
static void
test_redis_down_and_back(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *base =
	    testcli_base_user(testcluster_node(cl, 2), "carol");
	char id[ID_MAX], cmd[ID_MAX + 16], *reply, *log;
	const char *line, *text;
	char sender[16];
	unsigned long seq;
	long long until;
	int acked = 0, i;

	testcli_set_timeout(base, WAIT_MS);
	testcluster_create(a, "durable", id);
	testcluster_join(b, "durable", NULL, id, NULL);
	testcluster_base_join(base, id);
	for (i = 0; i < 20; i++) {
		testcli_sendf(
		    a, "send_msg$%s$%s$before %d", testcli_uid(a), id, i);
		(void)next_msg(a);
		snprintf(cmd, sizeof(cmd), "alice: before %d", i);
		base_expect(base, cmd);
		acked++;
	}
	testredis_stop(testcluster_redis(cl), 0);
	/* The node may not have seen the close yet: the first tries may
	 * still fail as a lost append, which answers the same. */
	testcli_sendf(a, "send_msg$%s$%s$while down", testcli_uid(a), id);
	testcli_expect_prefix(a, "error$storage_unavailable$send_msg$");
	testcli_sendf(
	    base, "send_msg$%s$%s$base while down", testcli_uid(base), id);
	testcli_expect_prefix(base, "$$error: storage_unavailable: ");
	assert_int_equal(testredis_restart(testcluster_redis(cl)), 0);
	/* Back within the link's reconnect back-off (5 s at most). */
	until = testsrv_now_ms() + WAIT_MS;
	for (;;) {
		testcli_sendf(a, "send_msg$%s$%s$after", testcli_uid(a), id);
		line = testcli_read(a);
		assert_non_null(line);
		if (strncmp(line, "msg$", 4) == 0)
			break;
		if (strncmp(line, "error$storage_unavailable$", 26) != 0)
			fail_msg("unexpected '%s'", line);
		if (testsrv_now_ms() >= until)
			fail_msg(
			    "redis did not come back within %d ms", WAIT_MS);
		testsrv_sleep_ms(RETRY_MS);
	}
	acked++;
	assert_int_equal(
	    testcli_parse_msg(line, &seq, sender, sizeof(sender), &text), 0);
	assert_int_equal(seq, (unsigned long)acked);
	/* Bob, on another node, had every acknowledged line, in order. */
	for (i = 1; i <= acked; i++) {
		line = next_msg(b);
		assert_int_equal(testcli_parse_msg(
		                     line, &seq, sender, sizeof(sender), &text),
		    0);
		assert_int_equal(seq, (unsigned long)i);
	}
	/* Redis kept them all. */
	snprintf(cmd, sizeof(cmd), "XLEN txt:log:%s", id);
	reply = testredis_cmd(testcluster_redis(cl), cmd);
	assert_non_null(reply);
	assert_int_equal(atoi(reply), acked);
	free(reply);
	/* Each change said once: down once, up at start and after. */
	log = testsrv_log(testcluster_node(cl, 0));
	assert_non_null(log);
	assert_int_equal(count_of(log, ": down ("), 1);
	assert_int_equal(count_of(log, ": up: "), 2);
	free(log);
	testcli_free(a);
	testcli_free(b);
	testcli_free(base);
	testcluster_stop_nodes(cl, -1);
}

/* The reference client's lines work against any node. */
static void
test_base_client_any_node(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *u[NODES];
	char id[ID_MAX], name[16];
	const char *line;
	int i;

	for (i = 0; i < NODES; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		u[i] = testcli_base_user(testcluster_node(cl, i), name);
		testcli_set_timeout(u[i], WAIT_MS);
	}
	testcli_sendf(u[1], "create_chan$%s$lobby", testcli_uid(u[1]));
	line = testcli_read(u[1]);
	assert_non_null(line);
	assert_true(strlen(line) > 0 && strlen(line) < ID_MAX);
	snprintf(id, sizeof(id), "%s", line);
	for (i = 0; i < NODES; i++) {
		if (i == 1)
			continue;
		testcluster_base_join(u[i], id);
	}
	testcli_sendf(u[2], "send_msg$%s$%s$hello all", testcli_uid(u[2]), id);
	for (i = 0; i < NODES; i++)
		base_expect(u[i], "b2: hello all");
	testcli_sendf(u[0], "send_msg$%s$%s$and back", testcli_uid(u[0]), id);
	for (i = 0; i < NODES; i++)
		base_expect(u[i], "b0: and back");
	for (i = 0; i < NODES; i++)
		testcli_free(u[i]);
}

/*
 * A node started later holds nothing of its own: it loads the channels
 * from Redis, their seqs too, and reads the events after its start.
 */
static void
test_late_node_loads_channels(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *d;
	char id[ID_MAX], sender[16];
	const char *line, *text;
	unsigned long seq;
	int i;

	testcluster_create(a, "early", id);
	for (i = 0; i < 5; i++) {
		testcli_sendf(a, "send_msg$%s$%s$m%d", testcli_uid(a), id, i);
		(void)next_msg(a);
	}
	assert_non_null(testcluster_start_node(cl, "n4", NULL));
	d = testcluster_user(cl, LATE, "dave");
	testcluster_join(d, "early", NULL, id, NULL);
	testcli_sendf(a, "send_msg$%s$%s$welcome", testcli_uid(a), id);
	line = next_msg(d);
	assert_int_equal(
	    testcli_parse_msg(line, &seq, sender, sizeof(sender), &text), 0);
	assert_int_equal(seq, 6);
	assert_string_equal(text, "welcome");
	/* A name taken before it started is taken on it too. */
	testcli_sendf(d, "create_chan$%s$EARLY", testcli_uid(d));
	testcli_expect_prefix(d, "error$channel_exists$create_chan$");
	testcli_free(d);
	testcli_free(a);
}

/* An extended connection on a node that has said hello, not registered. */
static struct testcli *
ext_conn(struct testcluster *cl, int node)
{
	struct testcli *c = testcli_open(testcluster_node(cl, node));

	testcli_set_timeout(c, WAIT_MS);
	testcli_ext_hello(c);
	return c;
}

/*
 * reg of name on a node, a new connection each try, until it is taken:
 * a name given up elsewhere is free here a moment later (a release, or
 * the lease of a killed node running out).  Returns the connection that
 * holds it.
 */
static struct testcli *
reg_when_free(struct testcluster *cl, int node, const char *name)
{
	char want[64];
	long long until = testsrv_now_ms() + WAIT_MS;
	const char *line;

	snprintf(want, sizeof(want), "registered$%s",
	    testsrv_uid_prefix(testcluster_node(cl, node)));
	for (;;) {
		struct testcli *c = ext_conn(cl, node);

		testcli_sendf(c, "reg$%s", name);
		line = testcli_read(c);
		assert_non_null(line);
		if (strncmp(line, want, strlen(want)) == 0)
			return c;
		if (strncmp(line, "error$name_taken$reg$", 21) != 0 ||
		    testsrv_now_ms() >= until)
			fail_msg(
			    "reg %s on node %d: '%s'", name, node + 1, line);
		testcli_free(c);
		testsrv_sleep_ms(RETRY_MS);
	}
	return NULL;
}

/* reg of name on a node is refused: another node holds it. */
static void
reg_taken(struct testcluster *cl, int node, const char *name)
{
	struct testcli *c = ext_conn(cl, node);

	testcli_sendf(c, "reg$%s", name);
	testcli_expect_prefix(c, "error$name_taken$reg$");
	testcli_free(c);
}

/* Twenty connections on three nodes ask for one name at once: one wins. */
static void
test_name_race(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *u[NAME_RACERS];
	int i, won = 0, lost = 0;

	for (i = 0; i < NAME_RACERS; i++)
		u[i] = ext_conn(cl, i % NODES);
	for (i = 0; i < NAME_RACERS; i++)
		testcli_sendf(u[i], "reg$Winner");
	for (i = 0; i < NAME_RACERS; i++) {
		const char *line = testcli_read(u[i]);

		assert_non_null(line);
		if (strncmp(line, "registered$", 11) == 0)
			won++;
		else if (strncmp(line, "error$name_taken$reg$", 21) == 0)
			lost++;
		else
			fail_msg("racer %d: unexpected '%s'", i, line);
	}
	assert_int_equal(won, 1);
	assert_int_equal(lost, NAME_RACERS - 1);
	/* A look-alike is the same name on every node. */
	for (i = 0; i < NODES; i++)
		reg_taken(cl, i, "winner");
	for (i = 0; i < NAME_RACERS; i++)
		testcli_free(u[i]);
	testcluster_stop_nodes(cl, -1);
}

/*
 * A name is held across nodes while its user is there; a quit gives it
 * up, and so does a nick (the new name is held instead).
 */
static void
test_name_released(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *z = testcluster_user(cl, 2, "zoe");
	struct testcli *a2, *z2;

	reg_taken(cl, 1, "alice");
	testcli_sendf(a, "quit$bye");
	testcli_expect_prefix(a, "error$quit$");
	testcli_free(a);
	a2 = reg_when_free(cl, 1, "alice");
	/* Zoe becomes zed: zed is taken everywhere, zoe free again. */
	testcli_sendf(z, "nick$%s$zed", testcli_uid(z));
	testcli_expect_prefix(z, "nick$");
	reg_taken(cl, 0, "zed");
	z2 = reg_when_free(cl, 0, "zoe");
	/* A name held on another node cannot be taken by a nick either. */
	testcli_sendf(z, "nick$%s$alice", testcli_uid(z));
	testcli_expect_prefix(z, "error$name_taken$nick$");
	testcli_free(z);
	testcli_free(z2);
	testcli_free(a2);
	testcluster_stop_nodes(cl, -1);
}

/*
 * A node killed with SIGKILL cannot give its names up: they go when its
 * lease runs out (NODE_TTL), and another node may take them then.
 */
static void
test_dead_node_names_expire(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");

	reg_taken(cl, 1, "alice");
	assert_int_equal(testsrv_kill(testcluster_node(cl, 0), SIGKILL), 0);
	testcli_free(reg_when_free(cl, 1, "alice"));
	testcli_free(a);
}

/* uids carry their node's name: no two nodes give the same one. */
static void
test_uids_carry_node(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *u[NODES];
	char name[16], prefix[8];
	int i, j;

	for (i = 0; i < NODES; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		/* ext_user checks registered$n<i>/<address>$<name>. */
		u[i] = testcluster_user(cl, i, name);
		snprintf(prefix, sizeof(prefix), "n%d/", i + 1);
		assert_int_equal(
		    strncmp(testcli_uid(u[i]), prefix, strlen(prefix)), 0);
		assert_string_equal(
		    testcli_uid(u[i]) + strlen(prefix), testcli_local(u[i]));
	}
	for (i = 0; i < NODES; i++)
		for (j = i + 1; j < NODES; j++)
			assert_string_not_equal(
			    testcli_uid(u[i]), testcli_uid(u[j]));
	for (i = 0; i < NODES; i++)
		testcli_free(u[i]);
	testcluster_stop_nodes(cl, -1);
}

/* The reference client hears the usual name_taken for a name held on
 * another node. */
static void
test_base_name_taken_elsewhere(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcli_open(testcluster_node(cl, 1));
	struct testcli *c = testcli_base_user(testcluster_node(cl, 2), "carol");

	testcli_set_timeout(b, WAIT_MS);
	testcli_expect_welcome(b);
	testcli_sendf(b, "reg$alice");
	testcli_expect_prefix(b, "$$error: name_taken: ");
	testcli_sendf(b, "reg$carol");
	testcli_expect_prefix(b, "$$error: name_taken: ");
	/* A free name is registered as ever: the reply is the uid. */
	testcli_sendf(b, "reg$bea");
	testcli_expect_prefix(b, "n2/127.0.0.1:");
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
	testcluster_stop_nodes(cl, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_channel_on_every_node, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_create_race, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_same_order_everywhere, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_redis_down_and_back, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_base_client_any_node, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_late_node_loads_channels, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_name_race, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_name_released, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_dead_node_names_expire, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_uids_carry_node, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_base_name_taken_elsewhere, setup, testcluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

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

#include "testcli.h"
#include "testredis.h"
#include "testsrv.h"

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
#define ID_MAX   80
#define KEPT_MAX 64
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS  20000
#define RETRY_MS 100

struct cluster {
	struct testredis *redis;
	struct testsrv *node[NODES];
	struct testsrv *late; /* a node a test starts itself */
};

static int teardown(void **state);

/* SIGTERM to every node: each must exit 0, which under the sanitizers
 * also means no leak (the log of one that did not is printed). */
static void
stop_nodes(struct cluster *cl)
{
	int i;

	for (i = 0; i < NODES; i++)
		assert_int_equal(testsrv_stop(cl->node[i]), 0);
}

/* A failed setup cleans up itself: cmocka calls no teardown after it. */
static int
setup(void **state)
{
	struct cluster *cl = calloc(1, sizeof(*cl));
	char addr[32], name[8];
	int i;

	if (cl == NULL)
		return -1;
	*state = cl;
	/* A killed node's names go after this; a live node renews it. */
	if (setenv("TXT_CHATD_NODE_TTL_MS", NODE_TTL, 1) < 0)
		goto fail;
	cl->redis = testredis_start(1);
	if (cl->redis == NULL)
		goto fail;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", testredis_port(cl->redis));
	for (i = 0; i < NODES; i++) {
		/* No flood control: the order test sends in bursts. */
		const char *args[] = {
		    "--redis", addr, "--node", name, "--flood-rate", "0", NULL};

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

/* An extended user on a node, with a long wait for every line. */
static struct testcli *
ext_user(struct cluster *cl, int node, const char *name)
{
	struct testcli *c = testcli_ext_user(cl->node[node], name);

	testcli_set_timeout(c, WAIT_MS);
	return c;
}

/* Reads past the lines of a join sequence up to its history_end. */
static void
skip_to_history_end(struct testcli *c)
{
	const char *line;

	while ((line = testcli_read(c)) != NULL)
		if (strncmp(line, "history_end$", 12) == 0)
			return;
	fail_msg("%s: no history_end", testcli_label(c));
}

/* create_chan on c: created$<id>$<name> and the join sequence. */
static void
create(struct testcli *c, const char *name, char id[ID_MAX])
{
	const char *line, *end;

	testcli_sendf(c, "create_chan$%s$%s", testcli_uid(c), name);
	line = testcli_expect_prefix(c, "created$");
	end = strchr(line + 8, '$');
	assert_non_null(end);
	snprintf(id, ID_MAX, "%.*s", (int)(end - (line + 8)), line + 8);
	skip_to_history_end(c);
}

/*
 * join by name on c: the joined line names the channel id.  A channel made
 * on another node is known here once this node has read its creation
 * back, a moment later: until then the join is retried.
 */
static void
join(struct testcli *c, const char *name, const char *id)
{
	char want[ID_MAX + 16];
	long long until = testsrv_now_ms() + WAIT_MS;
	const char *line;

	snprintf(want, sizeof(want), "joined$%s$", id);
	for (;;) {
		testcli_sendf(c, "join$%s$%s", testcli_uid(c), name);
		line = testcli_read(c);
		assert_non_null(line);
		if (strncmp(line, want, strlen(want)) == 0)
			break;
		if (strncmp(line, "error$no_such_channel$", 22) != 0 ||
		    testsrv_now_ms() >= until)
			fail_msg(
			    "%s: join %s: '%s'", testcli_label(c), name, line);
		testsrv_sleep_ms(RETRY_MS);
	}
	skip_to_history_end(c);
}

/* The same in the base mode. */
static void
base_join(struct testcli *c, const char *id)
{
	char want[ID_MAX + 16];
	long long until = testsrv_now_ms() + WAIT_MS;
	const char *line;

	snprintf(want, sizeof(want), "$$joined: %s", id);
	for (;;) {
		testcli_sendf(c, "join$%s$%s", testcli_uid(c), id);
		line = testcli_read(c);
		assert_non_null(line);
		if (strcmp(line, want) == 0)
			return;
		if (strncmp(line, "$$error: no_such_channel: ", 26) != 0 ||
		    testsrv_now_ms() >= until)
			fail_msg(
			    "%s: join %s: '%s'", testcli_label(c), id, line);
		testsrv_sleep_ms(RETRY_MS);
	}
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
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl, 0, "alice");
	struct testcli *b = ext_user(cl, 1, "bob");
	struct testcli *c = ext_user(cl, 2, "carol");
	char id[ID_MAX];

	create(a, "rust", id);
	join(b, "rust", id);
	join(c, "RUST", id);
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
	struct cluster *cl = *state;
	struct testcli *u[NODES];
	char name[16];
	int i, won = 0, lost = 0;

	for (i = 0; i < NODES; i++) {
		snprintf(name, sizeof(name), "racer%d", i);
		u[i] = ext_user(cl, i, name);
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
	struct cluster *cl = *state;
	struct testcli *m[NODES * ORDER_PER_NODE];
	static char seen[NODES * ORDER_PER_NODE][ORDER_MSGS][KEPT_MAX];
	char id[ID_MAX], name[16];
	size_t i, k;

	for (i = 0; i < NODES * ORDER_PER_NODE; i++) {
		snprintf(name, sizeof(name), "m%zu", i);
		m[i] = ext_user(cl, (int)(i % NODES), name);
		if (i == 0)
			create(m[i], "order", id);
		else
			join(m[i], "order", id);
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
	stop_nodes(cl);
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
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl, 0, "alice");
	struct testcli *b = ext_user(cl, 1, "bob");
	struct testcli *base = testcli_base_user(cl->node[2], "carol");
	char id[ID_MAX], cmd[ID_MAX + 16], *reply, *log;
	const char *line, *text;
	char sender[16];
	unsigned long seq;
	long long until;
	int acked = 0, i;

	testcli_set_timeout(base, WAIT_MS);
	create(a, "durable", id);
	join(b, "durable", id);
	base_join(base, id);
	for (i = 0; i < 20; i++) {
		testcli_sendf(
		    a, "send_msg$%s$%s$before %d", testcli_uid(a), id, i);
		(void)next_msg(a);
		snprintf(cmd, sizeof(cmd), "alice: before %d", i);
		base_expect(base, cmd);
		acked++;
	}
	testredis_stop(cl->redis, 0);
	/* The node may not have seen the close yet: the first tries may
	 * still fail as a lost append, which answers the same. */
	testcli_sendf(a, "send_msg$%s$%s$while down", testcli_uid(a), id);
	testcli_expect_prefix(a, "error$storage_unavailable$send_msg$");
	testcli_sendf(
	    base, "send_msg$%s$%s$base while down", testcli_uid(base), id);
	testcli_expect_prefix(base, "$$error: storage_unavailable: ");
	assert_int_equal(testredis_restart(cl->redis), 0);
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
	reply = testredis_cmd(cl->redis, cmd);
	assert_non_null(reply);
	assert_int_equal(atoi(reply), acked);
	free(reply);
	/* Each change said once: down once, up at start and after. */
	log = testsrv_log(cl->node[0]);
	assert_non_null(log);
	assert_int_equal(count_of(log, ": down ("), 1);
	assert_int_equal(count_of(log, ": up: "), 2);
	free(log);
	testcli_free(a);
	testcli_free(b);
	testcli_free(base);
	stop_nodes(cl);
}

/* The reference client's lines work against any node. */
static void
test_base_client_any_node(void **state)
{
	struct cluster *cl = *state;
	struct testcli *u[NODES];
	char id[ID_MAX], name[16];
	const char *line;
	int i;

	for (i = 0; i < NODES; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		u[i] = testcli_base_user(cl->node[i], name);
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
		base_join(u[i], id);
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
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl, 0, "alice");
	struct testcli *d;
	struct testsrv *late;
	char addr[32], id[ID_MAX], sender[16];
	const char *args[] = {"--redis", addr, "--node", "n4", NULL};
	const char *line, *text;
	unsigned long seq;
	int i;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", testredis_port(cl->redis));
	create(a, "early", id);
	for (i = 0; i < 5; i++) {
		testcli_sendf(a, "send_msg$%s$%s$m%d", testcli_uid(a), id, i);
		(void)next_msg(a);
	}
	late = cl->late = testsrv_start(args);
	assert_non_null(late);
	d = testcli_ext_user(late, "dave");
	testcli_set_timeout(d, WAIT_MS);
	join(d, "early", id);
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
ext_conn(struct cluster *cl, int node)
{
	struct testcli *c = testcli_open(cl->node[node]);

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
reg_when_free(struct cluster *cl, int node, const char *name)
{
	char want[64];
	long long until = testsrv_now_ms() + WAIT_MS;
	const char *line;

	snprintf(want, sizeof(want), "registered$%s",
	    testsrv_uid_prefix(cl->node[node]));
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
reg_taken(struct cluster *cl, int node, const char *name)
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
	struct cluster *cl = *state;
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
	stop_nodes(cl);
}

/*
 * A name is held across nodes while its user is there; a quit gives it
 * up, and so does a nick (the new name is held instead).
 */
static void
test_name_released(void **state)
{
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl, 0, "alice");
	struct testcli *z = ext_user(cl, 2, "zoe");
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
	stop_nodes(cl);
}

/*
 * A node killed with SIGKILL cannot give its names up: they go when its
 * lease runs out (NODE_TTL), and another node may take them then.
 */
static void
test_dead_node_names_expire(void **state)
{
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl, 0, "alice");

	reg_taken(cl, 1, "alice");
	assert_int_equal(testsrv_kill(cl->node[0], SIGKILL), 0);
	testcli_free(reg_when_free(cl, 1, "alice"));
	testcli_free(a);
}

/* uids carry their node's name: no two nodes give the same one. */
static void
test_uids_carry_node(void **state)
{
	struct cluster *cl = *state;
	struct testcli *u[NODES];
	char name[16], prefix[8];
	int i, j;

	for (i = 0; i < NODES; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		/* ext_user checks registered$n<i>/<address>$<name>. */
		u[i] = ext_user(cl, i, name);
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
	stop_nodes(cl);
}

/* The reference client hears the usual name_taken for a name held on
 * another node. */
static void
test_base_name_taken_elsewhere(void **state)
{
	struct cluster *cl = *state;
	struct testcli *a = ext_user(cl, 0, "alice");
	struct testcli *b = testcli_open(cl->node[1]);
	struct testcli *c = testcli_base_user(cl->node[2], "carol");

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
	stop_nodes(cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_channel_on_every_node, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_same_order_everywhere, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_redis_down_and_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_base_client_any_node, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_late_node_loads_channels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_name_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_name_released, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_dead_node_names_expire, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_uids_carry_node, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_base_name_taken_elsewhere, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

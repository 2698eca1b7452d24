/* it_cluster_users.c: users across three txt-chatd nodes through Redis. */
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
/* A node's lease in these tests (TXT_CHATD_NODE_TTL_MS): short, so that
 * a killed node's users go soon. */
#define NODE_TTL "2000"
/* Bytes of a channel id or uid, counting the NUL. */
#define ID_MAX TESTCLUSTER_ID_MAX
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS  TESTCLUSTER_WAIT_MS
#define RETRY_MS TESTCLUSTER_RETRY_MS
/* The node a test starts itself. */
#define LATE NODES

/* No flood control; Redis is kept on disk: one test restarts it. */
static const char *const node_args[] = {"--flood-rate", "0", NULL};

static int
setup(void **state)
{
	return testcluster_setup(state, NODES, node_args, NODE_TTL);
}

/*
 * join of ref (an id or a name) on c, past others' news on the way; the
 * joined line is kept in joined (may be NULL).
 */
static void
join(struct testcli *c, const char *ref, const char *id, char *joined,
    size_t size)
{
	char want[ID_MAX + 16];
	const char *line =
	    testcluster_join_reply(c, ref, NULL, TESTCLUSTER_SKIP_NEWS);

	snprintf(want, sizeof(want), "joined$%s$", id);
	if (strncmp(line, want, strlen(want)) != 0)
		fail_msg("%s: join %s: '%s'", testcli_label(c), ref, line);
	if (joined != NULL)
		snprintf(joined, size, "%s", line);
	testcluster_rest_of_join(c, NULL);
}

/* Whether line begins with prefix and ends with suffix. */
static int
matches(const char *line, const char *prefix, const char *suffix)
{
	size_t ll = strlen(line), sl = strlen(suffix);

	return strncmp(line, prefix, strlen(prefix)) == 0 && ll >= sl &&
	    strcmp(line + ll - sl, suffix) == 0;
}

/* Reads c until a line prefix...suffix; other lines are skipped. */
static void
expect_news(struct testcli *c, const char *prefix, const char *suffix)
{
	const char *line;

	while ((line = testcli_read(c)) != NULL)
		if (matches(line, prefix, suffix))
			return;
	fail_msg("%s: no '%s...%s' within %d ms", testcli_label(c), prefix,
	    suffix, WAIT_MS);
}

/*
 * from sends a marker message in channel id; c reads up to it and fails
 * if a line prefix...suffix comes before: news given once is not given
 * again.  The marker goes through the log after everything c was told.
 */
static void
no_more_news(struct testcli *c, struct testcli *from, const char *id,
    const char *marker, const char *prefix, const char *suffix)
{
	char end[64];
	const char *line;

	if (from != NULL)
		testcli_sendf(
		    from, "send_msg$%s$%s$%s", testcli_uid(from), id, marker);
	snprintf(end, sizeof(end), "$%s", marker);
	while ((line = testcli_read(c)) != NULL) {
		if (matches(line, "msg$", end))
			return;
		if (matches(line, prefix, suffix))
			fail_msg("%s: '%s' came twice", testcli_label(c), line);
	}
	fail_msg("%s: no marker '%s'", testcli_label(c), marker);
}

/* "join$<id>$" and the like, into buf. */
static const char *
kind_id(char *buf, size_t size, const char *kind, const char *id)
{
	snprintf(buf, size, "%s$%s$", kind, id);
	return buf;
}

/*
 * Joins, parts, nicks and quits on one node reach the members on the
 * others, each once, whichever node holds them.
 */
static void
test_notices_once(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *c = testcluster_user(cl, 2, "carol");
	char id[ID_MAX], j[ID_MAX + 8], p[ID_MAX + 8];

	testcluster_create(a, "room", id);
	kind_id(j, sizeof(j), "join", id);
	kind_id(p, sizeof(p), "part", id);
	join(b, "room", id, NULL, 0);
	expect_news(a, j, "$bob");
	join(c, "room", id, NULL, 0);
	expect_news(a, j, "$carol");
	expect_news(b, j, "$carol");
	no_more_news(a, c, id, "m1", "join$", "");
	no_more_news(b, NULL, id, "m1", "join$", "");
	/* Carol may hear of bob's join if her node read it after she
	 * joined (then her names did not list him), never of her own. */
	no_more_news(c, NULL, id, "m1", j, "$carol");

	/* A part. */
	testcli_sendf(b, "leave$%s$%s", testcli_uid(b), id);
	expect_news(b, "left$", "");
	expect_news(a, p, "$bob");
	expect_news(c, p, "$bob");
	no_more_news(a, c, id, "m2", "part$", "");
	no_more_news(c, NULL, id, "m2", "part$", "");

	/* A nick: the others in a channel with carol are told. */
	testcli_sendf(c, "nick$%s$cara", testcli_uid(c));
	expect_news(c, "nick$", "$carol$cara");
	expect_news(a, "nick$", "$carol$cara");
	no_more_news(a, a, id, "m3", "nick$", "");
	no_more_news(c, NULL, id, "m3", "nick$", "");

	/* A quit, with its reason. */
	testcli_sendf(c, "quit$gone fishing");
	expect_news(c, "error$quit$", "");
	expect_news(a, "quit$", "$cara$gone fishing");
	no_more_news(a, a, id, "m4", "quit$", "");
	/*
	 * Bob shares no channel with carol: he was not told.  His node
	 * reads her quit back when it will; once a DM to her is refused
	 * there, a rejoin cannot meet the quit.  Each DM taken is echoed
	 * before the next is sent.
	 */
	for (;;) {
		const char *line;

		testcli_sendf(b, "dm$%s$cara$still there?", testcli_uid(b));
		line = testcli_read(b);
		assert_non_null(line);
		if (strncmp(line, "error$no_such_user$", 19) == 0)
			break;
	}
	testcli_sendf(b, "join$%s$%s", testcli_uid(b), id);
	testcli_expect_prefix(b, "joined$");
	testcluster_rest_of_join(b, NULL);
	no_more_news(b, a, id, "m5", "quit$", "");
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
}

/*
 * A creator kicks a member held by another node: the kicker's node has
 * the kick line, the kicked is told it left, and the members on a third
 * node see it part.
 */
static void
test_kick_across(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *c = testcluster_user(cl, 2, "carol");
	char id[ID_MAX], j[ID_MAX + 8], want[ID_MAX + 16];

	testcluster_create(a, "ring", id);
	kind_id(j, sizeof(j), "join", id);
	join(b, "ring", id, NULL, 0);
	join(c, "ring", id, NULL, 0);
	expect_news(a, j, "$carol");
	expect_news(b, j, "$carol");
	testcli_sendf(a, "kick$%s$%s$bob$out", testcli_uid(a), id);
	expect_news(a, kind_id(j, sizeof(j), "kick", id), "$alice$bob$out");
	snprintf(want, sizeof(want), "left$%s", id);
	expect_news(b, want, "");
	expect_news(c, kind_id(j, sizeof(j), "part", id), "$bob");
	/* Out everywhere: his line is refused, theirs do not reach him. */
	testcli_sendf(b, "send_msg$%s$%s$still here?", testcli_uid(b), id);
	expect_news(b, "error$not_member$send_msg$", "");
	no_more_news(c, a, id, "m1", "part$", "");
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
}

/* The names of a names line ("names$<id>$a b c") into out, sorted. */
static void
names_of(struct testcli *c, const char *id, char *out, size_t size)
{
	char want[ID_MAX + 8];
	const char *line;
	char buf[256], *w[8], *save = NULL, *t;
	size_t n = 0, i, k;

	testcli_sendf(c, "names$%s$%s", testcli_uid(c), id);
	snprintf(want, sizeof(want), "names$%s$", id);
	line = testcli_expect_prefix(c, want);
	snprintf(buf, sizeof(buf), "%s", line + strlen(want));
	for (t = strtok_r(buf, " ", &save); t != NULL && n < 8;
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
}

/* names lists the members on every node, list counts them all. */
static void
test_names_and_list(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *c = testcluster_user(cl, 2, "carol");
	struct testcli *d;
	char id[ID_MAX], j[ID_MAX + 8], names[128], want[128], joined[256];
	int i;

	testcluster_create(a, "hall", id);
	kind_id(j, sizeof(j), "join", id);
	join(b, "hall", id, NULL, 0);
	join(c, "hall", id, NULL, 0);
	expect_news(a, j, "$carol");
	expect_news(b, j, "$carol");
	/* Past the marker every node has read every join before it. */
	no_more_news(a, a, id, "m1", "part$", "");
	no_more_news(b, NULL, id, "m1", "part$", "");
	no_more_news(c, NULL, id, "m1", "part$", "");
	{
		struct testcli *u[NODES] = {a, b, c};

		for (i = 0; i < NODES; i++) {
			names_of(u[i], id, names, sizeof(names));
			assert_string_equal(names, "alice bob carol");
		}
	}
	/* A joiner now is told of every member, wherever they are. */
	d = testcluster_user(cl, 1, "dora");
	join(d, "hall", id, joined, sizeof(joined));
	snprintf(want, sizeof(want), "joined$%s$channel$4$hall", id);
	assert_string_equal(joined, want);
	expect_news(b, j, "$dora");
	testcli_sendf(b, "list$%s", testcli_uid(b));
	snprintf(want, sizeof(want), "list$%s$channel$4$hall", id);
	testcli_expect(b, want);
	testcli_expect(b, "list_end$1");
	testcli_free(d);
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
}

/*
 * A node started later loads who is where from Redis: its joiner sees
 * every member, and the others hear of it; it hears of their quits.
 */
static void
test_late_node_sees_members(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *d;
	char id[ID_MAX], j[ID_MAX + 8], names[128], joined[256];
	char want[128];

	testcluster_create(a, "early", id);
	kind_id(j, sizeof(j), "join", id);
	join(b, "early", id, NULL, 0);
	expect_news(a, j, "$bob");
	assert_non_null(testcluster_start_node(cl, "n4", NULL));
	d = testcluster_user(cl, LATE, "dave");
	join(d, "early", id, joined, sizeof(joined));
	snprintf(want, sizeof(want), "joined$%s$channel$3$early", id);
	assert_string_equal(joined, want);
	names_of(d, id, names, sizeof(names));
	assert_string_equal(names, "alice bob dave");
	expect_news(a, j, "$dave");
	expect_news(b, j, "$dave");
	testcli_sendf(b, "quit$later");
	expect_news(b, "error$quit$", "");
	expect_news(d, "quit$", "$bob$later");
	no_more_news(d, a, id, "m1", "quit$", "");
	testcli_free(d);
	testcli_free(a);
	testcli_free(b);
}

/*
 * A node killed with SIGKILL says nothing: once its lease runs out, one
 * node notices and its users quit on every other node, once, with "node
 * gone"; they are gone from names too.
 */
static void
test_dead_node_users_quit(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *c = testcluster_user(cl, 2, "carol");
	char id[ID_MAX], j[ID_MAX + 8], names[128];
	char *reply;

	testcluster_create(b, "vigil", id);
	kind_id(j, sizeof(j), "join", id);
	join(a, "vigil", id, NULL, 0);
	join(c, "vigil", id, NULL, 0);
	expect_news(b, j, "$carol");
	expect_news(a, j, "$carol");
	assert_int_equal(testsrv_kill(testcluster_node(cl, 0), SIGKILL), 0);
	expect_news(b, "quit$", "$alice$node gone");
	expect_news(c, "quit$", "$alice$node gone");
	no_more_news(b, b, id, "m1", "quit$", "");
	no_more_news(c, NULL, id, "m1", "quit$", "");
	names_of(c, id, names, sizeof(names));
	assert_string_equal(names, "bob carol");
	/* The snapshot forgot the node too. */
	reply = testredis_cmd(testcluster_redis(cl), "SISMEMBER txt:nodes n1");
	assert_non_null(reply);
	assert_string_equal(reply, "0");
	free(reply);
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
}

/*
 * A node stopped with SIGTERM takes its users away from the other nodes
 * at once (one "g" event), and gives its lease up: it is gone from Redis
 * by the time it has exited, not a lease later.
 */
static void
test_stopped_node_users_go(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	char id[ID_MAX], j[ID_MAX + 8];
	char *reply;

	testcluster_create(b, "exit", id);
	kind_id(j, sizeof(j), "join", id);
	join(a, "exit", id, NULL, 0);
	expect_news(b, j, "$alice");
	assert_int_equal(testsrv_stop(testcluster_node(cl, 0)), 0);
	reply = testredis_cmd(testcluster_redis(cl), "EXISTS txt:node:n1");
	assert_non_null(reply);
	assert_string_equal(reply, "0");
	free(reply);
	expect_news(b, "quit$", "$alice$node gone");
	no_more_news(b, b, id, "m1", "quit$", "");
	testcli_free(a);
	testcli_free(b);
}

/*
 * A node that stalls past its lease (SIGSTOP) is taken for gone: its
 * users quit on the others.  Once it runs again it reads that, and
 * announces its users again: they come back, in their channels.
 */
static void
test_stalled_node_comes_back(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	char id[ID_MAX], j[ID_MAX + 8], names[128];

	testcluster_create(b, "wake", id);
	kind_id(j, sizeof(j), "join", id);
	join(a, "wake", id, NULL, 0);
	expect_news(b, j, "$alice");
	assert_int_equal(testsrv_kill(testcluster_node(cl, 0), SIGSTOP), 0);
	expect_news(b, "quit$", "$alice$node gone");
	assert_int_equal(testsrv_kill(testcluster_node(cl, 0), SIGCONT), 0);
	expect_news(b, j, "$alice");
	no_more_news(b, b, id, "m1", j, "$alice");
	names_of(b, id, names, sizeof(names));
	assert_string_equal(names, "alice bob");
	/* Alice never left, as her node sees it; her lines reach bob. */
	testcli_sendf(a, "send_msg$%s$%s$back", testcli_uid(a), id);
	expect_news(b, "msg$", "$alice$back");
	testcli_free(a);
	testcli_free(b);
}

/*
 * What users do while Redis is down is kept by their node and published
 * when Redis is back: the other nodes hear of it then, and no node is
 * taken for gone meanwhile.
 */
static void
test_news_kept_while_redis_down(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *c = testcluster_user(cl, 0, "carol");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	char id[ID_MAX], j[ID_MAX + 8], names[128];

	testcluster_create(a, "storm", id);
	kind_id(j, sizeof(j), "join", id);
	join(b, "storm", id, NULL, 0);
	join(c, "storm", id, NULL, 0);
	expect_news(a, j, "$bob");
	expect_news(b, j, "$carol");
	testredis_stop(testcluster_redis(cl), 0);
	testcli_sendf(c, "quit$offline");
	expect_news(c, "error$quit$", "");
	/* Her own node tells at once. */
	expect_news(a, "quit$", "$carol$offline");
	assert_int_equal(testredis_restart(testcluster_redis(cl)), 0);
	expect_news(b, "quit$", "$carol$offline");
	/* Past a lease after Redis came back, nobody was taken for gone. */
	testsrv_sleep_ms(3000);
	no_more_news(b, a, id, "m1", "quit$", "");
	names_of(b, id, names, sizeof(names));
	assert_string_equal(names, "alice bob");
	testcli_free(a);
	testcli_free(b);
	testcli_free(c);
}

/* Direct messages cross nodes both ways; an unknown name is refused. */
static void
test_dm_across_nodes(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	long long until = testsrv_now_ms() + WAIT_MS;
	const char *line;

	/* Bob is known on alice's node once it has read his arrival. */
	for (;;) {
		testcli_sendf(a, "dm$%s$bob$hi bob", testcli_uid(a));
		line = testcli_read(a);
		assert_non_null(line);
		if (matches(line, "dm$", "$alice$bob$hi bob"))
			break;
		if (strncmp(line, "error$no_such_user$dm$", 22) != 0 ||
		    testsrv_now_ms() >= until)
			fail_msg("dm to bob: '%s'", line);
		testsrv_sleep_ms(RETRY_MS);
	}
	expect_news(b, "dm$", "$alice$bob$hi bob");
	testcli_sendf(b, "dm_act$%s$alice$waves", testcli_uid(b));
	expect_news(b, "dm_act$", "$bob$alice$waves");
	expect_news(a, "dm_act$", "$bob$alice$waves");
	testcli_sendf(b, "dm$%s$Alice$and back", testcli_uid(b));
	expect_news(a, "dm$", "$bob$alice$and back");
	expect_news(b, "dm$", "$bob$alice$and back");
	testcli_sendf(a, "dm$%s$nobody$hello?", testcli_uid(a));
	testcli_expect_prefix(a, "error$no_such_user$dm$");
	/* Bob away on his node: alice is told once per away period. */
	testcli_sendf(b, "away$%s$lunch", testcli_uid(b));
	expect_news(b, "away$bob$lunch", "");
	testcli_sendf(a, "dm$%s$bob$there?", testcli_uid(a));
	expect_news(a, "dm$", "$alice$bob$there?");
	expect_news(a, "away$bob$lunch", "");
	testcli_sendf(a, "dm$%s$bob$still?", testcli_uid(a));
	expect_news(b, "dm$", "$alice$bob$still?");
	/* Past alice's own echo of a later line, no second away line. */
	testcli_sendf(a, "dm$%s$bob$last", testcli_uid(a));
	while ((line = testcli_read(a)) != NULL &&
	    !matches(line, "dm$", "$alice$bob$last"))
		if (strncmp(line, "away$", 5) == 0)
			fail_msg("alice: a second '%s'", line);
	assert_non_null(line);
	testcli_free(a);
	testcli_free(b);
}

/*
 * A user's personal channel (id = its uid) is joined and used from
 * another node; it closes there when its owner goes.
 */
static void
test_personal_channel_across(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	char auid[ID_MAX], j[ID_MAX + 8], want[ID_MAX + 32];

	snprintf(auid, sizeof(auid), "%s", testcli_uid(a));
	join(b, auid, auid, NULL, 0);
	expect_news(a, kind_id(j, sizeof(j), "join", auid), "$bob");
	testcli_sendf(b, "send_msg$%s$%s$knock knock", testcli_uid(b), auid);
	expect_news(a, kind_id(j, sizeof(j), "msg", auid), "$bob$knock knock");
	expect_news(b, kind_id(j, sizeof(j), "msg", auid), "$bob$knock knock");
	testcli_sendf(a, "send_msg$%s$%s$who is there", testcli_uid(a), auid);
	expect_news(
	    b, kind_id(j, sizeof(j), "msg", auid), "$alice$who is there");
	testcli_sendf(a, "quit");
	expect_news(a, "error$quit$", "");
	snprintf(want, sizeof(want), "closed$%s$its owner left", auid);
	expect_news(b, want, "");
	testcli_free(a);
	testcli_free(b);
}

/*
 * The reference client on one node sees what it sees on one server: a
 * remote member's message as "<name>: <text>", a remote joiner's
 * "$$joined: <id>", and nothing for parts and quits.
 */
static void
test_base_sees_remote(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *base =
	    testcli_base_user(testcluster_node(cl, 2), "carol");
	struct testcli *b;
	char id[ID_MAX], want[ID_MAX + 16], j[ID_MAX + 8];

	testcli_set_timeout(base, WAIT_MS);
	testcluster_create(a, "plain", id);
	snprintf(want, sizeof(want), "$$joined: %s", id);
	testcluster_base_join(base, id);
	expect_news(a, kind_id(j, sizeof(j), "join", id), "$carol");
	testcli_sendf(a, "send_msg$%s$%s$hello", testcli_uid(a), id);
	testcli_expect(base, "alice: hello");
	b = testcluster_user(cl, 1, "bob");
	join(b, "plain", id, NULL, 0);
	testcli_expect(base, want);
	/* A part and a quit have no base form: nothing comes for them. */
	testcli_sendf(b, "leave$%s$%s", testcli_uid(b), id);
	expect_news(b, "left$", "");
	expect_news(a, kind_id(j, sizeof(j), "part", id), "$bob");
	testcli_sendf(a, "send_msg$%s$%s$again", testcli_uid(a), id);
	testcli_expect(base, "alice: again");
	join(b, "plain", id, NULL, 0);
	testcli_expect(base, want);
	testcli_sendf(b, "quit");
	/* Its node may read "again" back after bob's join: skipped. */
	expect_news(b, "error$quit$", "");
	expect_news(a, "quit$", "$bob$");
	testcli_sendf(a, "send_msg$%s$%s$third", testcli_uid(a), id);
	testcli_expect(base, "alice: third");
	testcli_free(b);
	testcli_free(a);
	testcli_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_notices_once, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_kick_across, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_names_and_list, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_late_node_sees_members, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_dead_node_users_quit, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_stopped_node_users_go, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_stalled_node_comes_back, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_news_kept_while_redis_down, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_dm_across_nodes, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_personal_channel_across, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_base_sees_remote, setup, testcluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* it_cluster_dm.c: direct messages across txt-chatd nodes through Redis. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chat.h"
#include "testcluster.h"

/* Nodes each test starts. */
#define NODES 2
/* A node's lease (TXT_CHATD_NODE_TTL_MS): short, so that a killed node
 * is found gone soon. */
#define NODE_TTL "2000"
/* The lease of the bound's test: long enough for the sends to be taken
 * while the stopped node still counts as alive. */
#define NODE_TTL_LONG "8000"
/* Bytes of a channel id, counting the NUL. */
#define ID_MAX TESTCLUSTER_ID_MAX
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS  TESTCLUSTER_WAIT_MS
#define RETRY_MS TESTCLUSTER_RETRY_MS

/* Users whose shares fill a node's bound of DMs not said delivered. */
#define SENDERS (CHAT_DM_UNACKED_MAX / CHAT_DM_UNACKED_PER_USER)
/* No flood control: the bound's test sends many lines at once. */
static const char *const node_args[] = {"--flood-rate", "0", NULL};

static int
setup(void **state)
{
	return testcluster_setup(state, NODES, node_args, NODE_TTL);
}

static int
setup_long(void **state)
{
	return testcluster_setup(state, NODES, node_args, NODE_TTL_LONG);
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
 * a DMs b (named to) "hello" until a's node knows b (it has read b's
 * arrival): a gets its echo, b the line.
 */
static void
first_dm(struct testcli *a, struct testcli *b, const char *from, const char *to)
{
	long long until = testsrv_now_ms() + WAIT_MS;
	char echo[64];
	const char *line;

	snprintf(echo, sizeof(echo), "$%s$%s$hello", from, to);
	for (;;) {
		testcli_sendf(a, "dm$%s$%s$hello", testcli_uid(a), to);
		line = testcli_read(a);
		assert_non_null(line);
		if (matches(line, "dm$", echo))
			break;
		if (strncmp(line, "error$no_such_user$dm$", 22) != 0 ||
		    testsrv_now_ms() >= until)
			fail_msg("dm to %s: '%s'", to, line);
		testsrv_sleep_ms(RETRY_MS);
	}
	expect_news(b, "dm$", echo);
}

/*
 * A DM to a user whose node cannot deliver it (stopped, then killed) is
 * not lost without a word: the sender has its echo (Redis took it), and
 * once the node is found gone, an error saying it was not delivered.
 */
static void
test_dm_to_killed_node(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");

	first_dm(a, b, "alice", "bob");
	assert_int_equal(testsrv_kill(testcluster_node(cl, 1), SIGSTOP), 0);
	testcli_sendf(a, "dm$%s$bob$are you there?", testcli_uid(a));
	expect_news(a, "dm$", "$alice$bob$are you there?");
	assert_int_equal(testsrv_kill(testcluster_node(cl, 1), SIGKILL), 0);
	/* Within the lease and a reap, far below WAIT_MS. */
	expect_news(a, "error$no_such_user$dm$", "bob (not delivered)");
	/* Bob is gone from alice's node now. */
	testcli_sendf(a, "dm$%s$bob$hello?", testcli_uid(a));
	testcli_expect_prefix(a, "error$no_such_user$dm$");
	testcli_free(a);
	testcli_free(b);
}

/*
 * A DM delivered on another node arrives once, the sender has one echo,
 * and no error follows: not when the recipient quits later either (its
 * node said it delivered it first).
 */
static void
test_dm_delivered_once(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	char id[ID_MAX];
	const char *line;
	int echoes = 0;

	testcluster_create(a, "hall", id);
	testcluster_join(b, "hall", NULL, id, NULL);
	expect_news(a, "join$", "$bob");
	first_dm(a, b, "alice", "bob");
	testcli_sendf(a, "dm$%s$bob$one", testcli_uid(a));
	expect_news(b, "dm$", "$alice$bob$one");
	testcli_sendf(b, "send_msg$%s$%s$got it", testcli_uid(b), id);
	expect_news(b, "msg$", "$bob$got it");
	testcli_sendf(b, "quit$bye");
	/* Alice reads to bob's quit: one echo of "one", no error. */
	while ((line = testcli_read(a)) != NULL &&
	    !matches(line, "quit$", "$bob$bye")) {
		if (strncmp(line, "error$", 6) == 0)
			fail_msg("alice: '%s'", line);
		if (matches(line, "dm$", "$alice$bob$one"))
			echoes++;
	}
	assert_non_null(line);
	assert_int_equal(echoes, 1);
	testcli_free(a);
	testcli_free(b);
}

/*
 * A node keeps at most CHAT_DM_UNACKED_MAX DMs its recipients' nodes
 * have not said they delivered, at most CHAT_DM_UNACKED_PER_USER of one
 * user: one more is refused with dm_queue_full.  Each kept one gets its
 * error once that node is found gone.
 */
static void
test_dm_unacked_bound(void **state)
{
	struct testcluster *cl = *state;
	struct testcli *a = testcluster_user(cl, 0, "alice");
	struct testcli *b = testcluster_user(cl, 1, "bob");
	struct testcli *s[SENDERS + 1];
	const char *line;
	char name[16];
	int i, k, echoes, full, lost;

	first_dm(a, b, "alice", "bob");
	for (k = 0; k <= SENDERS; k++) {
		snprintf(name, sizeof(name), "sender%d", k);
		s[k] = testcluster_user(cl, 0, name);
	}
	assert_int_equal(testsrv_kill(testcluster_node(cl, 1), SIGSTOP), 0);
	/* Each of SENDERS fills its share, then one more fills none. */
	for (k = 0; k <= SENDERS; k++) {
		int want = k < SENDERS ? CHAT_DM_UNACKED_PER_USER : 0;

		for (i = 0; i <= want; i++)
			testcli_sendf(
			    s[k], "dm$%s$bob$n%d", testcli_uid(s[k]), i);
		echoes = full = 0;
		while ((echoes < want || full < 1) &&
		    (line = testcli_read(s[k])) != NULL) {
			if (matches(line, "dm$", ""))
				echoes++;
			else if (strncmp(line, "error$dm_queue_full$dm$", 23) ==
			    0)
				full++;
			else
				fail_msg("sender%d: '%s'", k, line);
		}
		assert_int_equal(echoes, want);
		assert_int_equal(full, 1);
	}
	assert_int_equal(testsrv_kill(testcluster_node(cl, 1), SIGKILL), 0);
	for (k = 0; k < SENDERS; k++) {
		lost = 0;
		while (lost < CHAT_DM_UNACKED_PER_USER &&
		    (line = testcli_read(s[k])) != NULL)
			if (matches(line, "error$no_such_user$dm$",
			        "bob (not delivered)"))
				lost++;
		assert_int_equal(lost, CHAT_DM_UNACKED_PER_USER);
	}
	for (k = 0; k <= SENDERS; k++)
		testcli_free(s[k]);
	testcli_free(a);
	testcli_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_dm_to_killed_node, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_dm_delivered_once, setup, testcluster_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_dm_unacked_bound, setup_long, testcluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

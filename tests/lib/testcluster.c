/* testcluster.c: txt-chatd nodes sharing one redis-server, for tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testcluster.h"

/* Bytes of Redis's "127.0.0.1:<port>" and of a node's name. */
#define TESTCLUSTER_ADDR_MAX 32
#define TESTCLUSTER_NAME_MAX 8

struct testcluster {
	struct testredis *redis;
	char addr[TESTCLUSTER_ADDR_MAX]; /* Redis, as --redis takes it */
	int first;                       /* nodes the setup started */
	int n;                           /* nodes started, late ones too */
	struct testsrv *node[TESTCLUSTER_NODES_MAX];
};

static void
cluster_free(struct testcluster *cl)
{
	int i;

	if (cl == NULL)
		return;
	for (i = 0; i < cl->n; i++)
		testsrv_free(cl->node[i]);
	testredis_free(cl->redis);
	free(cl);
}

struct testsrv *
testcluster_start_node(
    struct testcluster *cl, const char *name, const char *const *extra_args)
{
	const char *args[4 + TESTCLUSTER_ARGS_MAX + 1] = {
	    "--redis", cl->addr, "--node", name};
	size_t k = 4, i;

	if (cl->n >= TESTCLUSTER_NODES_MAX) {
		fprintf(
		    stderr, "# more than %d nodes\n", TESTCLUSTER_NODES_MAX);
		return NULL;
	}
	for (i = 0; extra_args != NULL && extra_args[i] != NULL; i++) {
		if (i >= TESTCLUSTER_ARGS_MAX) {
			fprintf(stderr, "# more than %d node options\n",
			    TESTCLUSTER_ARGS_MAX);
			return NULL;
		}
		args[k++] = extra_args[i];
	}
	args[k] = NULL;
	cl->node[cl->n] = testsrv_start(args);
	return cl->node[cl->n] != NULL ? cl->node[cl->n++] : NULL;
}

int
testcluster_setup(void **state, int nodes, const char *const *extra_args,
    const char *node_ttl_ms)
{
	struct testcluster *cl = calloc(1, sizeof(*cl));
	char name[TESTCLUSTER_NAME_MAX];
	int i;

	*state = NULL;
	if (cl == NULL || nodes > TESTCLUSTER_NODES_MAX)
		goto fail;
	/* A killed node's names go after this; a live node renews it. */
	if (node_ttl_ms != NULL &&
	    setenv("TXT_CHATD_NODE_TTL_MS", node_ttl_ms, 1) < 0)
		goto fail;
	cl->redis = testredis_start(1);
	if (cl->redis == NULL)
		goto fail;
	snprintf(cl->addr, sizeof(cl->addr), "127.0.0.1:%d",
	    testredis_port(cl->redis));
	for (i = 0; i < nodes; i++) {
		snprintf(name, sizeof(name), "n%d", i + 1);
		if (testcluster_start_node(cl, name, extra_args) == NULL)
			goto fail;
	}
	cl->first = nodes;
	*state = cl;
	return 0;
fail:
	cluster_free(cl);
	return -1;
}

int
testcluster_teardown(void **state)
{
	cluster_free(*state);
	*state = NULL;
	return 0;
}

struct testsrv *
testcluster_node(const struct testcluster *cl, int i)
{
	assert_true(i >= 0 && i < cl->n);
	return cl->node[i];
}

struct testredis *
testcluster_redis(const struct testcluster *cl)
{
	return cl->redis;
}

void
testcluster_stop_nodes(struct testcluster *cl, int skip)
{
	int i;

	for (i = 0; i < cl->first; i++)
		if (i != skip)
			assert_int_equal(testsrv_stop(cl->node[i]), 0);
}

struct testcli *
testcluster_user(const struct testcluster *cl, int i, const char *name)
{
	struct testcli *c = testcli_ext_user(testcluster_node(cl, i), name);

	testcli_set_timeout(c, TESTCLUSTER_WAIT_MS);
	return c;
}

void
testcluster_rest_of_join(struct testcli *c, struct testcli_lines *l)
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

void
testcluster_create(
    struct testcli *c, const char *name, char id[TESTCLUSTER_ID_MAX])
{
	const char *line, *end;

	testcli_sendf(c, "create_chan$%s$%s", testcli_uid(c), name);
	line = testcli_expect_prefix(c, "created$");
	end = strchr(line + 8, '$');
	assert_non_null(end);
	snprintf(
	    id, TESTCLUSTER_ID_MAX, "%.*s", (int)(end - (line + 8)), line + 8);
	testcluster_rest_of_join(c, NULL);
}

/* Whether line is news of another member that flags skips. */
static int
is_news(const char *line, int flags)
{
	return (flags & TESTCLUSTER_SKIP_NEWS) != 0 &&
	    (strncmp(line, "join$", 5) == 0 || strncmp(line, "part$", 5) == 0);
}

const char *
testcluster_join_reply(
    struct testcli *c, const char *ref, const char *key, int flags)
{
	long long until = testsrv_now_ms() + TESTCLUSTER_WAIT_MS;
	const char *line;

	for (;;) {
		if (key != NULL)
			testcli_sendf(
			    c, "join$%s$%s$%s", testcli_uid(c), ref, key);
		else
			testcli_sendf(c, "join$%s$%s", testcli_uid(c), ref);
		while ((line = testcli_read(c)) != NULL && is_news(line, flags))
			continue;
		assert_non_null(line);
		if (strncmp(line, "error$no_such_channel$", 22) != 0)
			return line;
		if (testsrv_now_ms() >= until)
			fail_msg(
			    "%s: join %s: '%s'", testcli_label(c), ref, line);
		testsrv_sleep_ms(TESTCLUSTER_RETRY_MS);
	}
}

void
testcluster_join(struct testcli *c, const char *ref, const char *key,
    const char *id, struct testcli_lines *l)
{
	char want[TESTCLUSTER_ID_MAX + 16];
	const char *line = testcluster_join_reply(c, ref, key, 0);

	snprintf(want, sizeof(want), "joined$%s$", id);
	if (strncmp(line, want, strlen(want)) != 0)
		fail_msg("%s: join %s: '%s'", testcli_label(c), ref, line);
	testcluster_rest_of_join(c, l);
}

void
testcluster_base_join(struct testcli *c, const char *id)
{
	char want[TESTCLUSTER_ID_MAX + 16];
	long long until = testsrv_now_ms() + TESTCLUSTER_WAIT_MS;
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
		testsrv_sleep_ms(TESTCLUSTER_RETRY_MS);
	}
}

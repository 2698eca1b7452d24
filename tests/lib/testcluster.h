/* testcluster.h: txt-chatd nodes sharing one redis-server, for tests. */
#ifndef TESTS_LIB_TESTCLUSTER_H
#define TESTS_LIB_TESTCLUSTER_H

#include <stddef.h>

#include "testcli.h"
#include "testredis.h"
#include "testsrv.h"

/* Nodes one cluster holds, those a test starts later counted. */
#define TESTCLUSTER_NODES_MAX 8
/* Options a node may take after --redis and --node. */
#define TESTCLUSTER_ARGS_MAX 16
/* Bytes of a channel id, counting the NUL. */
#define TESTCLUSTER_ID_MAX 80
/* Generous bounds for a busy machine (two cores, sanitizers): the wait
 * for any line of a cluster user, and the pause between retries. */
#define TESTCLUSTER_WAIT_MS  20000
#define TESTCLUSTER_RETRY_MS 100

/* testcluster_join_reply() flags: others' join and part lines before
 * the reply are skipped (news of channels c is already in). */
#define TESTCLUSTER_SKIP_NEWS 1

struct testcluster;

/*
 * A cmocka setup: sets TXT_CHATD_NODE_TTL_MS to node_ttl_ms (NULL leaves
 * it), starts a redis-server persisting to an append-only file and nodes
 * n1 ... n<nodes>, each with "--redis <addr> --node n<i>" and then
 * extra_args (NULL-terminated, or NULL).  Puts the cluster in *state and
 * returns 0; on failure frees what it started and returns -1 (cmocka
 * calls no teardown after a failed setup).
 */
int testcluster_setup(void **state, int nodes, const char *const *extra_args,
    const char *node_ttl_ms);

/* A cmocka teardown: kills and frees every node and Redis. Returns 0. */
int testcluster_teardown(void **state);

/* Node i: the first ones from 0, then those testcluster_start_node()
 * started, in order. */
struct testsrv *testcluster_node(const struct testcluster *cl, int i);

/* The cluster's redis-server. */
struct testredis *testcluster_redis(const struct testcluster *cl);

/*
 * Starts one more node, named name, as the first ones but with
 * extra_args of its own; it is freed with the cluster.  Returns it, or
 * NULL after printing why.
 */
struct testsrv *testcluster_start_node(
    struct testcluster *cl, const char *name, const char *const *extra_args);

/*
 * SIGTERM to each of the first nodes but skip (one the test killed, or
 * -1): each must exit 0, which under the sanitizers also means no leak.
 */
void testcluster_stop_nodes(struct testcluster *cl, int skip);

/* An extended user on node i, waiting TESTCLUSTER_WAIT_MS for a line. */
struct testcli *testcluster_user(
    const struct testcluster *cl, int i, const char *name);

/* Reads the rest of a join sequence up to its history_end, each line
 * (history_end too) appended to l (NULL drops them). */
void testcluster_rest_of_join(struct testcli *c, struct testcli_lines *l);

/* create_chan of name on c: the id of "created$<id>$..." into id, and the
 * join sequence read. */
void testcluster_create(
    struct testcli *c, const char *name, char id[TESTCLUSTER_ID_MAX]);

/*
 * join of ref (with key unless NULL) on c.  A channel made on another
 * node is known on c's a moment later, when that node has read it back:
 * no_such_channel is retried for up to TESTCLUSTER_WAIT_MS.  Returns the
 * first other reply, borrowed as for testcli_read().
 */
const char *testcluster_join_reply(
    struct testcli *c, const char *ref, const char *key, int flags);

/* testcluster_join_reply() that must be "joined$<id>$...", then
 * testcluster_rest_of_join(c, l). */
void testcluster_join(struct testcli *c, const char *ref, const char *key,
    const char *id, struct testcli_lines *l);

/* The same in the base mode: join of id until "$$joined: <id>". */
void testcluster_base_join(struct testcli *c, const char *id);

#endif

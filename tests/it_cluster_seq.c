/* it_cluster_seq.c: a node's appends after Redis lost what it had. */
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

/* Lines said before Redis loses its last writes. */
#define BEFORE 3
/* Bytes of a channel id, a redis command, a name, counting the NUL. */
#define ID_MAX   80
#define CMD_MAX  200
#define NAME_MAX 16
/* Generous bounds for a busy machine (two cores, sanitizers). */
#define WAIT_MS 20000
/* Tries of a line refused while the node loads its scripts again. */
#define TRIES    20
#define RETRY_MS 100

struct fixture {
	struct testredis *redis;
	struct testsrv *node;
};

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	testsrv_free(f->node);
	testredis_free(f->redis);
	free(f);
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char addr[32];
	const char *args[] = {
	    "--redis", addr, "--node", "n1", "--flood-rate", "0", NULL};

	if (f == NULL)
		return -1;
	*state = f;
	f->redis = testredis_start(0);
	if (f->redis == NULL)
		goto fail;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", testredis_port(f->redis));
	f->node = testsrv_start(args);
	if (f->node == NULL)
		goto fail;
	return 0;
fail:
	(void)teardown(state);
	*state = NULL;
	return -1;
}

/* Reads c's lines up to the next msg line and returns its seq. */
static unsigned long
next_msg_seq(struct testcli *c, const char *text)
{
	char sender[NAME_MAX];
	const char *line, *got;
	unsigned long seq;

	while ((line = testcli_read(c)) != NULL)
		if (testcli_parse_msg(
		        line, &seq, sender, sizeof(sender), &got) == 0) {
			assert_string_equal(got, text);
			return seq;
		}
	fail_msg("no echo of %s", text);
	return 0;
}

/*
 * Redis crashed and came back without its last writes (appendfsync
 * everysec loses up to a second): the channel's seq counter and stream
 * went back, while the node and its clients have seen the lines after.
 * The next line must still get a seq after them: one already seen is
 * dropped by every client as a line it has, so it would be lost with no
 * word to anyone.
 */
static void
test_seq_after_lost_writes(void **state)
{
	struct fixture *f = *state;
	struct testcli *a = testcli_ext_user(f->node, "alice");
	char id[ID_MAX], cmd[CMD_MAX], *r;
	const char *line, *end;
	unsigned long seq;
	int i;

	testcli_set_timeout(a, WAIT_MS);
	testcli_sendf(a, "create_chan$%s$lost", testcli_uid(a));
	line = testcli_expect_prefix(a, "created$");
	end = strchr(line + 8, '$');
	assert_non_null(end);
	snprintf(id, sizeof(id), "%.*s", (int)(end - (line + 8)), line + 8);
	for (i = 1; i <= BEFORE; i++) {
		testcli_sendf(a, "send_msg$%s$%s$before", testcli_uid(a), id);
		assert_int_equal(next_msg_seq(a, "before"), i);
	}
	snprintf(cmd, sizeof(cmd), "DEL txt:seq:%s txt:log:%s", id, id);
	r = testredis_cmd(f->redis, cmd);
	assert_non_null(r);
	assert_string_equal(r, "2");
	free(r);
	testcli_sendf(a, "send_msg$%s$%s$after", testcli_uid(a), id);
	seq = next_msg_seq(a, "after");
	assert_int_equal(seq, BEFORE + 1);
	testcli_free(a);
	assert_int_equal(testsrv_stop(f->node), 0);
}

/*
 * Redis forgot the node's scripts while the connection stayed up (SCRIPT
 * FLUSH here; a node that connects while Redis still loads its file gets
 * the same): a line may be refused once, but the node loads them again
 * and the next try goes through, instead of every line, join and name
 * being refused until the node reconnects.
 */
static void
test_scripts_flushed(void **state)
{
	struct fixture *f = *state;
	struct testcli *a = testcli_ext_user(f->node, "alice");
	char id[ID_MAX], *r;
	const char *line, *end;
	int i;

	testcli_set_timeout(a, WAIT_MS);
	testcli_sendf(a, "create_chan$%s$flushed", testcli_uid(a));
	line = testcli_expect_prefix(a, "created$");
	end = strchr(line + 8, '$');
	assert_non_null(end);
	snprintf(id, sizeof(id), "%.*s", (int)(end - (line + 8)), line + 8);
	r = testredis_cmd(f->redis, "SCRIPT FLUSH");
	assert_non_null(r);
	free(r);
	for (i = 0; i < TRIES; i++) {
		testcli_sendf(a, "send_msg$%s$%s$again", testcli_uid(a), id);
		while ((line = testcli_read(a)) != NULL &&
		    strncmp(line, "msg$", 4) != 0 &&
		    strncmp(line, "error$storage_unavailable$", 26) != 0)
			;
		assert_non_null(line);
		if (strncmp(line, "msg$", 4) == 0)
			break;
		testsrv_sleep_ms(RETRY_MS);
	}
	assert_true(i < TRIES);
	testcli_free(a);
	assert_int_equal(testsrv_stop(f->node), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_seq_after_lost_writes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_scripts_flushed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* it_signal.c: the signals txt-chatd handles besides SIGINT and SIGTERM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testcli.h"
#include "testsrv.h"

/* SIGHUPs sent in a row: one or many, each must leave the server running. */
#define HUPS 3

static const char base_shutdown[] =
    "$$error: shutdown: server is shutting down";

/* Fails the test unless the server's log holds needle, showing the log. */
static void
expect_logged(const struct testsrv *srv, const char *needle)
{
	char *log = testsrv_log(srv);

	assert_non_null(log);
	if (strstr(log, needle) == NULL)
		fail_msg("the log lacks '%s':\n%s", needle, log);
	free(log);
}

/*
 * SIGHUP is logged and keeps the server and its clients: a registered
 * client talks on, and SIGTERM later ends it all the usual way (before
 * 2026-12-03 SIGHUP killed the server, without closing lines or a log).
 */
static void
test_sighup_keeps_serving(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *c = testcli_base_user(srv, "stays");
	struct testcli *late;
	const char *uid = testcli_uid(c);
	int k;

	testcli_sendf(c, "join$%s$%s", uid, uid);
	testcli_expectf(c, "$$joined: %s", uid);
	for (k = 0; k < HUPS; k++) {
		assert_int_equal(testsrv_kill(srv, SIGHUP), 0);
		/* A reply after the signal: it was handled, not fatal. */
		testcli_sendf(c, "send_msg$%s$%s$hello %d", uid, uid, k);
		testcli_expectf(c, "stays: hello %d", k);
	}
	expect_logged(srv, "reloading");
	/* Still accepting too. */
	late = testcli_base_user(srv, "late");
	assert_int_equal(testsrv_kill(srv, SIGTERM), 0);
	testcli_expect_last(c, base_shutdown);
	testcli_expect_last(late, base_shutdown);
	testcli_free(c);
	testcli_free(late);
	assert_int_equal(testsrv_wait(srv, TESTSRV_STOP_MS), 0);
	expect_logged(srv, "closing 2 connections");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(
	        test_sighup_keeps_serving, testsrv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

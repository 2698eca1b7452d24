/* it_stall.c: txt-chatd stopped longer than a timeout drops nobody who
 * answered in time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testcli.h"
#include "testsrv.h"

/* How long the server is stopped: past every 1-second timeout it has. */
#define STALL_MS 2500

/* The server was stopped: waits past its timeouts and lets it go on. */
static void
stall(struct testsrv *srv)
{
	testsrv_sleep_ms(STALL_MS);
	assert_int_equal(testsrv_kill(srv, SIGCONT), 0);
}

/* Fails the test if a line of l is an error line. */
static void
expect_no_error(const struct testcli_lines *l, const char *who)
{
	size_t k;

	for (k = 0; k < l->n; k++)
		if (strncmp(l->line[k], "error$", 6) == 0 ||
		    strncmp(l->line[k], "$$error", 7) == 0)
			fail_msg("%s got '%s'", who, l->line[k]);
}

/*
 * A reg that reached the socket before the registration deadline counts,
 * even if the server only runs again after it (before 2026-12-03 the
 * deadlines were judged before input was read, and the client was closed
 * with registration_timeout); a client that sent nothing is still closed.
 */
static void
test_reg_in_socket_during_stall(void **state)
{
	static const char *const args[] = {"--reg-timeout", "1", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *late = testcli_open(srv);
	struct testcli *mute = testcli_open(srv);

	testcli_expect_welcome(late);
	testcli_expect_welcome(mute);
	assert_int_equal(testsrv_kill(srv, SIGSTOP), 0);
	testcli_sendf(late, "reg$late");
	stall(srv);
	/* The uid reply, not registration_timeout. */
	testcli_expect(late, testcli_local(late));
	testcli_expect_quiet(late);
	testcli_expect_last(
	    mute, "$$error: registration_timeout: did not register in time");
	testcli_free(late);
	testcli_free(mute);
	assert_int_equal(testsrv_stop(srv), 0);
}

/*
 * A pong that reached the socket before the ping timeout counts, however
 * long the server was stopped; a client that did not answer is closed.
 */
static void
test_pong_in_socket_during_stall(void **state)
{
	static const char *const args[] = {
	    "--ping-interval", "1", "--ping-timeout", "1", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *live = testcli_ext_user(srv, "live");
	struct testcli *mute = testcli_ext_user(srv, "mute");
	struct testcli_lines got = {0};
	const char *line;
	char token[128];

	line = testcli_expect_prefix(live, "ping$");
	snprintf(token, sizeof(token), "%s", line + 5);
	testcli_expect_prefix(mute, "ping$");
	assert_int_equal(testsrv_kill(srv, SIGSTOP), 0);
	testcli_sendf(live, "pong$%s", token);
	stall(srv);
	testcli_sync(live, &got);
	expect_no_error(&got, "live");
	testcli_lines_free(&got);
	testcli_expect_last(
	    mute, "error$ping_timeout$*$no reply to ping in time");
	testcli_free(live);
	testcli_free(mute);
	assert_int_equal(testsrv_stop(srv), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(
	        test_reg_in_socket_during_stall, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_pong_in_socket_during_stall, testsrv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

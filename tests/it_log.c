/* it_log.c: what txt-chatd logs, at the default level and with -v. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testcli.h"
#include "testsrv.h"

/* Wrong lines an unregistered client may send before it is closed. */
#define UNREGISTERED_ERRORS_MAX 5

static const char too_many[] = "$$error: too_many_errors: too many errors";

/* Whether the server's log so far holds needle. */
static int
log_has(const struct testsrv *srv, const char *needle)
{
	char *log = testsrv_log(srv);
	int r;

	assert_non_null(log);
	r = strstr(log, needle) != NULL;
	free(log);
	return r;
}

/* Fails the test unless the log holds needle, showing the log. */
static void
expect_logged(const struct testsrv *srv, const char *needle)
{
	char *log;

	if (log_has(srv, needle))
		return;
	log = testsrv_log(srv);
	fail_msg("the log lacks '%s':\n%s", needle, log != NULL ? log : "");
}

/* A client closed for too_many_errors, which it has been told. */
static void
abuse(struct testsrv *srv)
{
	struct testcli *c = testcli_open(srv);
	int k;

	testcli_expect_welcome(c);
	for (k = 0; k <= UNREGISTERED_ERRORS_MAX; k++)
		testcli_sendf(c, "nonsense");
	/* The server logs before it sends the closing line. */
	testcli_expect_last(c, too_many);
	testcli_free(c);
}

/*
 * A client closed for abuse is logged at the default level, as
 * txt-chatd(8) says (before 2026-12-03 too_many_errors was not logged at
 * all); its ordinary comings and goings are not.
 */
static void
test_abuse_logged_by_default(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *c = testcli_ext_user(srv, "quitter");

	testcli_sendf(c, "quit$bye");
	testcli_expect_last(c, "error$quit$quit$bye");
	testcli_free(c);
	abuse(srv);
	expect_logged(srv, "closing: too_many_errors");
	if (log_has(srv, "closing: quit") || log_has(srv, "connected from"))
		fail_msg("comings and goings logged without -v");
	assert_int_equal(testsrv_stop(srv), 0);
}

/*
 * With -v every disconnection is logged with its reason, whoever ended
 * it (before 2026-12-03 those the server ended, a quit say, were not).
 */
static void
test_disconnections_logged_verbose(void **state)
{
	static const char *const args[] = {"-v", "--reg-timeout", "1", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *quitter = testcli_ext_user(srv, "quitter");
	struct testcli *leaver = testcli_base_user(srv, "leaver");
	struct testcli *mute = testcli_open(srv);

	testcli_sendf(quitter, "quit$bye");
	testcli_expect_last(quitter, "error$quit$quit$bye");
	testcli_free(quitter);
	expect_logged(srv, "closing: quit");
	testcli_expect_last(
	    mute, "$$error: registration_timeout: did not register in time");
	testcli_free(mute);
	expect_logged(srv, "closing: registration_timeout");
	testcli_free(leaver);
	/* Closed by the peer: seen once the server has read the EOF. */
	abuse(srv);
	expect_logged(srv, "closed by peer");
	expect_logged(srv, "closing: too_many_errors");
	assert_int_equal(testsrv_stop(srv), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(
	        test_abuse_logged_by_default, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_disconnections_logged_verbose, testsrv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto.c: error code names, texts, parsing and fatality. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "proto.h"

/* The wire names are protocol: pin every one of them. */
static const struct {
	enum proto_code code;
	const char *name;
} names[] = {
    {PROTO_E_NONE, "none"},
    {PROTO_E_LINE_TOO_LONG, "line_too_long"},
    {PROTO_E_BAD_UTF8, "bad_utf8"},
    {PROTO_E_BAD_CHAR, "bad_char"},
    {PROTO_E_UNKNOWN_COMMAND, "unknown_command"},
    {PROTO_E_EXT_ONLY, "ext_only"},
    {PROTO_E_BAD_ARGS, "bad_args"},
    {PROTO_E_BAD_NAME, "bad_name"},
    {PROTO_E_BAD_CHANNEL_NAME, "bad_channel_name"},
    {PROTO_E_BAD_TEXT, "bad_text"},
    {PROTO_E_TEXT_TOO_LONG, "text_too_long"},
    {PROTO_E_BAD_TOKEN, "bad_token"},
    {PROTO_E_BAD_VERSION, "bad_version"},
    {PROTO_E_BAD_STATE, "bad_state"},
    {PROTO_E_NOT_REGISTERED, "not_registered"},
    {PROTO_E_ALREADY_REGISTERED, "already_registered"},
    {PROTO_E_NAME_TAKEN, "name_taken"},
    {PROTO_E_BAD_UID, "bad_uid"},
    {PROTO_E_NO_SUCH_CHANNEL, "no_such_channel"},
    {PROTO_E_NOT_MEMBER, "not_member"},
    {PROTO_E_CHANNEL_EXISTS, "channel_exists"},
    {PROTO_E_NO_SUCH_USER, "no_such_user"},
    {PROTO_E_JOIN_LIMIT, "join_limit"},
    {PROTO_E_CHANNEL_LIMIT, "channel_limit"},
    {PROTO_E_CHANNEL_FULL, "channel_full"},
    {PROTO_E_NO_MEMORY, "no_memory"},
    {PROTO_E_BAD_LOGIN, "bad_login"},
    {PROTO_E_LOGIN_LIMITED, "login_limited"},
    {PROTO_E_TLS_REQUIRED, "tls_required"},
    {PROTO_E_NAME_RESERVED, "name_reserved"},
    {PROTO_E_ACCOUNT_EXISTS, "account_exists"},
    {PROTO_E_NOT_LOGGED_IN, "not_logged_in"},
    {PROTO_E_ACCOUNT_NAME, "account_name"},
    {PROTO_E_BAD_PASSWORD, "bad_password"},
    {PROTO_E_ACCOUNTS_OFF, "accounts_off"},
    {PROTO_E_BUSY, "busy"},
    {PROTO_E_DM_QUEUE_FULL, "dm_queue_full"},
    {PROTO_E_BAD_KEY, "bad_key"},
    {PROTO_E_NOT_CREATOR, "not_creator"},
    {PROTO_E_STORAGE_UNAVAILABLE, "storage_unavailable"},
    {PROTO_E_QUIT, "quit"},
    {PROTO_E_SENDQ_EXCEEDED, "sendq_exceeded"},
    {PROTO_E_REGISTRATION_TIMEOUT, "registration_timeout"},
    {PROTO_E_PING_TIMEOUT, "ping_timeout"},
    {PROTO_E_SERVER_FULL, "server_full"},
    {PROTO_E_ADDRESS_LIMIT, "address_limit"},
    {PROTO_E_TOO_MANY_ERRORS, "too_many_errors"},
    {PROTO_E_NOT_CHAT, "not_chat"},
    {PROTO_E_SHUTDOWN, "shutdown"},
    {PROTO_E_BANNED, "banned"},
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static void
test_names_pinned(void **state)
{
	size_t i;

	assert_int_equal(NNAMES, PROTO_E_COUNT);
	for (i = 0; i < NNAMES; i++)
		assert_string_equal(
		    proto_code_name(names[i].code), names[i].name);
}

static void
test_names_distinct_and_parse_back(void **state)
{
	const char *a, *b;
	int i, j;

	for (i = 0; i < PROTO_E_COUNT; i++) {
		a = proto_code_name((enum proto_code)i);
		assert_non_null(a);
		assert_true(strlen(a) > 0);
		assert_int_equal(
		    strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_"),
		    strlen(a));
		assert_int_equal(proto_code_parse(a, strlen(a)), i);
		for (j = i + 1; j < PROTO_E_COUNT; j++) {
			b = proto_code_name((enum proto_code)j);
			assert_string_not_equal(a, b);
		}
	}
}

static void
test_texts(void **state)
{
	const char *t;
	int i;

	for (i = 0; i < PROTO_E_COUNT; i++) {
		t = proto_code_text((enum proto_code)i);
		assert_non_null(t);
		assert_true(strlen(t) > 0);
	}
	assert_non_null(proto_code_text(PROTO_E_COUNT));
	assert_non_null(proto_code_text((enum proto_code) - 1));
}

static void
assert_mentions(enum proto_code code, long n)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", n);
	if (strstr(proto_code_text(code), num) == NULL)
		fail_msg("text of %s does not mention %s: \"%s\"",
		    proto_code_name(code), num, proto_code_text(code));
}

/* The texts spell the limits out; this keeps them in step with proto.h. */
static void
test_texts_quote_limits(void **state)
{
	assert_mentions(PROTO_E_LINE_TOO_LONG, PROTO_LINE_MAX);
	assert_mentions(PROTO_E_TEXT_TOO_LONG, PROTO_TEXT_MAX);
	assert_mentions(PROTO_E_TEXT_TOO_LONG, PROTO_REASON_MAX);
	assert_mentions(PROTO_E_BAD_NAME, PROTO_NAME_MAX);
	assert_mentions(PROTO_E_BAD_CHANNEL_NAME, PROTO_NAME_MAX);
	assert_mentions(PROTO_E_BAD_TOKEN, PROTO_TOKEN_MAX);
	assert_mentions(PROTO_E_BAD_VERSION, PROTO_VERSION);
	assert_mentions(PROTO_E_EXT_ONLY, PROTO_VERSION);
	assert_mentions(PROTO_E_BAD_PASSWORD, PROTO_PASSWORD_MIN);
	assert_mentions(PROTO_E_BAD_PASSWORD, PROTO_PASSWORD_MAX);
	assert_mentions(PROTO_E_BAD_KEY, PROTO_KEY_MAX);
	assert_string_equal(proto_code_text(PROTO_E_BAD_NAME),
	    "names are 1-32 characters of A-Z a-z 0-9 _ . - and start with "
	    "a letter, digit or _");
}

static void
test_out_of_range(void **state)
{
	assert_string_equal(proto_code_name(PROTO_E_COUNT), "unknown");
	assert_string_equal(proto_code_name((enum proto_code) - 1), "unknown");
	assert_false(proto_code_is_fatal(PROTO_E_COUNT));
	assert_false(proto_code_is_fatal((enum proto_code) - 1));
}

static void
test_parse_unknown(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} cases[] = {
	    {"", 0},
	    {"unknown", 7},
	    {"LINE_TOO_LONG", 13},
	    {"line_too_long_", 14},
	    {"line_too_lon", 12},
	    {"line_too_long", 4},
	    {"bad_utf8\0", 9},
	    {" bad_utf8", 9},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(
		    proto_code_parse(cases[i].s, cases[i].len), PROTO_E_NONE);
	/* Only len bytes count: a longer buffer still parses. */
	assert_int_equal(proto_code_parse("bad_utf8$x", 8), PROTO_E_BAD_UTF8);
}

static void
test_fatal(void **state)
{
	int i, fatal = 0;

	for (i = 0; i < PROTO_E_COUNT; i++) {
		assert_int_equal(!!proto_code_is_fatal((enum proto_code)i),
		    i >= PROTO_E_FATAL_FIRST);
		fatal += !!proto_code_is_fatal((enum proto_code)i);
	}
	assert_int_equal(fatal, PROTO_E_COUNT - PROTO_E_QUIT);
	assert_false(proto_code_is_fatal(PROTO_E_NONE));
	assert_false(proto_code_is_fatal(PROTO_E_NO_MEMORY));
	assert_true(proto_code_is_fatal(PROTO_E_QUIT));
	assert_true(proto_code_is_fatal(PROTO_E_SHUTDOWN));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_pinned),
	    cmocka_unit_test(test_names_distinct_and_parse_back),
	    cmocka_unit_test(test_texts),
	    cmocka_unit_test(test_texts_quote_limits),
	    cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_parse_unknown),
	    cmocka_unit_test(test_fatal),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}

/* test_account.c: tests for the client's account helpers (account.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "account.h"

static void
test_password_rules(void **state)
{
	char big[ACCOUNT_PASSWORD_MAX + 1];

	(void)state;
	assert_int_equal(
	    account_password_check("1234567", 7), ACCOUNT_PW_SHORT);
	assert_int_equal(account_password_check("12345678", 8), ACCOUNT_PW_OK);
	/* '$' is fine: the password is the last field. */
	assert_int_equal(account_password_check("a$b$c$d$", 8), ACCOUNT_PW_OK);
	assert_int_equal(
	    account_password_check("p\xC3\xA4sswörd", 10), ACCOUNT_PW_OK);
	assert_int_equal(
	    account_password_check("abc\tdefgh", 9), ACCOUNT_PW_CHAR);
	assert_int_equal(
	    account_password_check("abcdefg\xFF", 8), ACCOUNT_PW_CHAR);
	/* A bidi override (U+202E) is a formatting character. */
	assert_int_equal(
	    account_password_check("abcdefg\xE2\x80\xAE", 10), ACCOUNT_PW_CHAR);
	memset(big, 'x', sizeof(big));
	assert_int_equal(
	    account_password_check(big, ACCOUNT_PASSWORD_MAX), ACCOUNT_PW_OK);
	assert_int_equal(account_password_check(big, ACCOUNT_PASSWORD_MAX + 1),
	    ACCOUNT_PW_LONG);
	assert_non_null(
	    strstr(account_password_problem(ACCOUNT_PW_SHORT), "8"));
}

static void
test_secret_editing(void **state)
{
	struct account_secret s;
	size_t i;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(account_secret_insert(&s, 'a'), 0);
	assert_int_equal(account_secret_insert(&s, 0xE9), 0); /* é */
	assert_int_equal(account_secret_insert(&s, 0x1F600), 0);
	assert_int_equal(s.len, 1 + 2 + 4);
	/* Controls never go in. */
	assert_int_equal(account_secret_insert(&s, '\t'), -1);
	assert_int_equal(account_secret_insert(&s, 0x7F), -1);
	assert_int_equal(account_secret_insert(&s, 0xD800), -1);
	assert_int_equal(s.len, 7);
	/* Backspace takes whole code points. */
	account_secret_backspace(&s);
	assert_int_equal(s.len, 3);
	account_secret_backspace(&s);
	assert_int_equal(s.len, 1);
	account_secret_backspace(&s);
	account_secret_backspace(&s);
	assert_int_equal(s.len, 0);
	/* Full: one byte more than the server takes fits, then no more. */
	for (i = 0; i < sizeof(s.buf); i++)
		assert_int_equal(account_secret_insert(&s, 'x'), 0);
	assert_int_equal(account_secret_insert(&s, 'x'), -1);
	assert_true(s.len > ACCOUNT_PASSWORD_MAX);
	assert_int_equal(account_password_check(s.buf, s.len), ACCOUNT_PW_LONG);
	account_secret_wipe(&s);
	assert_int_equal(s.len, 0);
	for (i = 0; i < sizeof(s.buf); i++)
		assert_int_equal(s.buf[i], 0);
}

static void
test_secret_paste(void **state)
{
	struct account_secret s;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* A password manager's paste: the first line, CR LF or not. */
	assert_int_equal(account_secret_paste(&s, "hunter22\r\nrest\n", 15), 0);
	assert_int_equal(s.len, 8);
	assert_memory_equal(s.buf, "hunter22", 8);
	account_secret_wipe(&s);
	assert_int_equal(account_secret_paste(&s, "no newline", 10), 0);
	assert_int_equal(s.len, 10);
	/* A control in the first line: refused whole, nothing added. */
	assert_int_equal(account_secret_paste(&s, "a\tb", 3), -1);
	assert_int_equal(s.len, 10);
	account_secret_wipe(&s);
}

static void
test_cmd_output(void **state)
{
	(void)state;
	assert_int_equal(account_cmd_password("secret12\nuser: x\n", 17, 0), 8);
	assert_int_equal(account_cmd_password("secret12\r\n", 10, 0), 8);
	/* No LF at the end of a short output: all of it. */
	assert_int_equal(account_cmd_password("secret12", 8, 0), 8);
	/* Empty output, or an empty first line: no password. */
	assert_int_equal(account_cmd_password("", 0, 0), -1);
	assert_int_equal(account_cmd_password("\nsecret12\n", 10, 0), -1);
	assert_int_equal(account_cmd_password("\r\n", 2, 0), -1);
	/* Cut at the limit before any LF: refused, not cut. */
	assert_int_equal(account_cmd_password("xxxx", 4, 1), -1);
	assert_int_equal(account_cmd_password("xx\nyy", 5, 1), 2);
}

static void
test_server_safe(void **state)
{
	(void)state;
	assert_true(account_server_safe("tls://chat.example.org:9443"));
	assert_true(account_server_safe("tls://10.0.0.1:9443"));
	assert_true(account_server_safe("127.0.0.1:9090"));
	assert_true(account_server_safe("127.1.2.3:9090"));
	assert_true(account_server_safe("localhost:9090"));
	assert_true(account_server_safe("[::1]:9090"));
	assert_false(account_server_safe("chat.example.org:9090"));
	assert_false(account_server_safe("10.0.0.1:9090"));
	assert_false(account_server_safe("127.example.org:9090"));
	assert_false(account_server_safe("127.0.0.1.evil.org:9090"));
	assert_false(account_server_safe("[::2]:9090"));
	assert_false(account_server_safe("localhost.evil.org:9090"));
	assert_false(account_server_safe("nothing"));
}

static void
test_vault(void **state)
{
	struct account_vault *v;
	const char *p;
	char big[ACCOUNT_PASSWORD_MAX + 1];
	int locked = -1;

	(void)state;
	v = account_vault_new(&locked);
	assert_non_null(v);
	assert_true(locked == 0 || locked == 1);
	assert_int_equal(account_vault_get(v, ACCOUNT_KEPT, &p), 0);
	assert_int_equal(account_vault_set(v, ACCOUNT_KEPT, "hunter22", 8), 0);
	assert_int_equal(account_vault_set(v, ACCOUNT_NEXT, "newpass1!", 9), 0);
	assert_int_equal(account_vault_get(v, ACCOUNT_KEPT, &p), 8);
	assert_memory_equal(p, "hunter22", 8);
	assert_int_equal(account_vault_get(v, ACCOUNT_NEXT, &p), 9);
	assert_memory_equal(p, "newpass1!", 9);
	memset(big, 'x', sizeof(big));
	assert_int_equal(
	    account_vault_set(v, ACCOUNT_KEPT, big, sizeof(big)), -1);
	assert_int_equal(account_vault_get(v, ACCOUNT_KEPT, &p), 8);
	account_vault_clear(v, ACCOUNT_KEPT);
	assert_int_equal(account_vault_get(v, ACCOUNT_KEPT, &p), 0);
	assert_int_equal(p[0], 0);
	/* The other place is untouched. */
	assert_int_equal(account_vault_get(v, ACCOUNT_NEXT, &p), 9);
	account_vault_free(v);
	account_vault_free(NULL);
}

static void
test_marks_batching(void **state)
{
	static struct account_marks m;
	long i;

	(void)state;
	account_marks_clear(&m);
	assert_int_equal(account_marks_next(&m), UINT64_MAX);
	assert_int_equal(account_marks_due(&m, 1000), -1);
	/* Seen up to 5: wanted at once. */
	assert_int_equal(account_marks_seen(&m, "c1", 2, 5), 1);
	assert_int_equal(account_marks_next(&m), 0);
	i = account_marks_due(&m, 10000);
	assert_int_equal(i, 0);
	assert_int_equal(m.e[i].want, 5);
	account_marks_sent(&m, (size_t)i, 10000);
	assert_int_equal(account_marks_due(&m, 10000), -1);
	assert_int_equal(account_marks_next(&m), UINT64_MAX);
	/* Seen again (no new line): nothing more is wanted. */
	assert_int_equal(account_marks_seen(&m, "c1", 2, 5), 0);
	/* New lines within the second: wait for it, and send the newest. */
	assert_int_equal(account_marks_seen(&m, "c1", 2, 6), 1);
	assert_int_equal(account_marks_seen(&m, "c1", 2, 9), 1);
	assert_int_equal(account_marks_due(&m, 10500), -1);
	assert_int_equal(
	    account_marks_next(&m), 10000 + ACCOUNT_MARK_INTERVAL_MS);
	i = account_marks_due(&m, 11000);
	assert_int_equal(i, 0);
	assert_int_equal(m.e[i].want, 9);
	account_marks_sent(&m, (size_t)i, 11000);
	/* Another window is not held back by the first one's second. */
	assert_int_equal(account_marks_seen(&m, "c2", 2, 3), 1);
	assert_int_equal(account_marks_due(&m, 11001), 1);
	/* The server's answer (or another device's) settles it. */
	assert_int_equal(account_marks_server(&m, "c2", 2, 3), 3);
	assert_int_equal(account_marks_due(&m, 11001), -1);
	/* Markers only move forward. */
	assert_int_equal(account_marks_server(&m, "c2", 2, 1), 3);
	assert_int_equal(account_marks_read(&m, "c2", 2), 3);
	/* Seen below what another device read: nothing to send. */
	assert_int_equal(account_marks_server(&m, "c3", 2, 50), 50);
	assert_int_equal(account_marks_seen(&m, "c3", 2, 40), 0);
	assert_int_equal(account_marks_seen(&m, "c3", 2, 0), 0);
	/* A reconnect: what was sent and not answered goes again. */
	assert_int_equal(account_marks_seen(&m, "c1", 2, 12), 1);
	account_marks_sent(&m, 0, 11500);
	account_marks_reset_sent(&m);
	assert_int_equal(account_marks_due(&m, 11501), 0);
	assert_int_equal(account_marks_read(&m, "zz", 2), 0);
}

static void
test_marks_full(void **state)
{
	static struct account_marks m;
	char chan[16];
	size_t i;
	int n;

	(void)state;
	account_marks_clear(&m);
	for (i = 0; i < ACCOUNT_MARKS_MAX; i++) {
		n = snprintf(chan, sizeof(chan), "ch%zu", i);
		assert_int_equal(
		    account_marks_seen(&m, chan, (size_t)n, i + 1), 1);
	}
	/* All waiting to be sent: a new channel finds no room. */
	assert_int_equal(account_marks_seen(&m, "new", 3, 1), -1);
	assert_int_equal(account_marks_server(&m, "new", 3, 1), 0);
	/* One answered: its place is taken. */
	assert_int_equal(account_marks_server(&m, "ch7", 3, 8), 8);
	assert_int_equal(account_marks_seen(&m, "new", 3, 1), 1);
	assert_int_equal(m.n, ACCOUNT_MARKS_MAX);
	assert_int_equal(account_marks_read(&m, "ch7", 3), 0);
	/* An id longer than the protocol's is not kept. */
	memset(chan, 'x', sizeof(chan));
	account_marks_clear(&m);
	{
		char longid[PROTO_ID_MAX + 1];

		memset(longid, 'x', sizeof(longid));
		assert_int_equal(
		    account_marks_seen(&m, longid, sizeof(longid), 1), -1);
	}
}

static void
test_away_once(void **state)
{
	static struct account_away a;
	char name[16];
	size_t i;
	int n;

	(void)state;
	account_away_clear(&a);
	assert_int_equal(account_away_first(&a, "bob", 3), 1);
	assert_int_equal(account_away_first(&a, "BOB", 3), 0);
	assert_int_equal(account_away_first(&a, "carol", 5), 1);
	account_away_clear(&a);
	assert_int_equal(account_away_first(&a, "bob", 3), 1);
	for (i = 0; i < ACCOUNT_AWAY_MAX + 5; i++) {
		n = snprintf(name, sizeof(name), "u%zu", i);
		(void)account_away_first(&a, name, (size_t)n);
	}
	assert_int_equal(a.n, ACCOUNT_AWAY_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_password_rules),
	    cmocka_unit_test(test_secret_editing),
	    cmocka_unit_test(test_secret_paste),
	    cmocka_unit_test(test_cmd_output),
	    cmocka_unit_test(test_server_safe),
	    cmocka_unit_test(test_vault),
	    cmocka_unit_test(test_marks_batching),
	    cmocka_unit_test(test_marks_full),
	    cmocka_unit_test(test_away_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

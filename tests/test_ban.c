/* test_ban.c: ban files: parsing, CIDR matching, names, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ban.h"

static struct ban_list *
parse_ok(const char *text)
{
	char err[BAN_ERR_MAX] = "";
	struct ban_list *b = ban_parse(text, strlen(text), err, sizeof(err));

	if (b == NULL)
		fail_msg("\"%s\" refused: %s", text, err);
	return b;
}

/* The text is refused with an error that contains want. */
static void
parse_bad(const char *text, const char *want)
{
	char err[BAN_ERR_MAX] = "";
	struct ban_list *b = ban_parse(text, strlen(text), err, sizeof(err));

	if (b != NULL) {
		ban_free(b);
		fail_msg("\"%s\" was taken", text);
	}
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", text, err, want);
}

static void
test_parse_shapes(void **state)
{
	struct ban_list *b;

	(void)state;
	b = parse_ok("");
	assert_int_equal(ban_count(b), 0);
	ban_free(b);
	b = parse_ok("# only a comment\n\n   \t\n");
	assert_int_equal(ban_count(b), 0);
	ban_free(b);
	b = parse_ok("192.0.2.7\n"
	             "  198.51.100.0/24   # a network\n"
	             "2001:db8::/32\n"
	             "mallory\r\n"
	             "10.0.0.1/8\n" /* host bits set: the network counts */
	             "::ffff:203.0.113.9\n"
	             "eve");
	assert_int_equal(ban_count(b), 7);
	ban_free(b);
	ban_free(NULL);
	assert_int_equal(ban_count(NULL), 0);
}

static void
test_parse_errors(void **state)
{
	char line[BAN_LINE_MAX + 2];

	(void)state;
	parse_bad("192.0.2.7\nnot a name\n", "line 2");
	parse_bad("192.0.2.0/33\n", "line 1");
	parse_bad("2001:db8::/129\n", "line 1");
	parse_bad("192.0.2.0/\n", "line 1");
	parse_bad("192.0.2.0/-1\n", "line 1");
	parse_bad("192.0.2.0/8x\n", "line 1");
	parse_bad("300.1.2.3\n", "line 1");
	parse_bad("#chan\n-bob\n", "line 2");
	/* One line past the limit, even a comment, is refused. */
	memset(line, '#', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	parse_bad(line, "longer than 256");
	line[sizeof(line) - 2] = '\0';
	ban_free(parse_ok(line));
}

static void
test_entries_max(void **state)
{
	size_t size = (BAN_ENTRIES_MAX + 1) * 8, i, at = 0;
	char *text = malloc(size), err[BAN_ERR_MAX];
	struct ban_list *b;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < BAN_ENTRIES_MAX; i++)
		at += (size_t)snprintf(text + at, size - at, "u%zu\n", i);
	b = ban_parse(text, at, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(ban_count(b), BAN_ENTRIES_MAX);
	ban_free(b);
	at += (size_t)snprintf(text + at, size - at, "one\n");
	assert_null(ban_parse(text, at, err, sizeof(err)));
	assert_non_null(strstr(err, "more than 10000"));
	free(text);
}

static void
test_cidr(void **state)
{
	struct ban_list *b = parse_ok("198.51.100.0/24\n"
	                              "192.0.2.7\n"
	                              "2001:db8::/32\n"
	                              "203.0.113.128/25\n"
	                              "10.0.0.0/7\n");

	(void)state;
	assert_true(ban_addr_match(b, "198.51.100.0"));
	assert_true(ban_addr_match(b, "198.51.100.255"));
	assert_false(ban_addr_match(b, "198.51.101.0"));
	assert_false(ban_addr_match(b, "198.51.99.255"));
	assert_true(ban_addr_match(b, "192.0.2.7"));
	assert_false(ban_addr_match(b, "192.0.2.8"));
	assert_false(ban_addr_match(b, "192.0.2.6"));
	assert_true(ban_addr_match(b, "2001:db8::1"));
	assert_true(ban_addr_match(b, "2001:db8:ffff:ffff::"));
	assert_false(ban_addr_match(b, "2001:db9::1"));
	/* Bits inside a byte: /25 and /7. */
	assert_true(ban_addr_match(b, "203.0.113.128"));
	assert_true(ban_addr_match(b, "203.0.113.200"));
	assert_false(ban_addr_match(b, "203.0.113.127"));
	assert_true(ban_addr_match(b, "11.255.255.255"));
	assert_false(ban_addr_match(b, "12.0.0.0"));
	assert_false(ban_addr_match(b, "9.255.255.255"));
	/* An IPv4 client on an IPv6 socket is its IPv4 address. */
	assert_true(ban_addr_match(b, "::ffff:192.0.2.7"));
	assert_true(ban_addr_match(b, "::ffff:198.51.100.9"));
	assert_false(ban_addr_match(b, "::ffff:192.0.2.8"));
	/* Not addresses. */
	assert_false(ban_addr_match(b, ""));
	assert_false(ban_addr_match(b, "192.0.2.7:5"));
	assert_false(ban_addr_match(b, "mallory"));
	assert_false(ban_addr_match(NULL, "192.0.2.7"));
	ban_free(b);
}

static void
test_everything_and_mapped(void **state)
{
	struct ban_list *b = parse_ok("0.0.0.0/0\n");

	(void)state;
	/* Every IPv4 address, and IPv6 ones not at all. */
	assert_true(ban_addr_match(b, "1.2.3.4"));
	assert_true(ban_addr_match(b, "::ffff:1.2.3.4"));
	assert_false(ban_addr_match(b, "2001:db8::1"));
	ban_free(b);
	b = parse_ok("::/0\n::ffff:203.0.113.0/120\n");
	assert_true(ban_addr_match(b, "2001:db8::1"));
	assert_true(ban_addr_match(b, "1.2.3.4"));
	ban_free(b);
	b = parse_ok("::ffff:203.0.113.0/120\n");
	assert_true(ban_addr_match(b, "203.0.113.5"));
	assert_false(ban_addr_match(b, "203.0.114.5"));
	ban_free(b);
}

static void
test_names(void **state)
{
	struct ban_list *b = parse_ok("mallory\nbob\n");

	(void)state;
	assert_true(ban_name_match(b, "mallory", 7));
	assert_true(ban_name_match(b, "MALLORY", 7));
	/* Look-alikes are the same name. */
	assert_true(ban_name_match(b, "B0b", 3));
	assert_true(ban_name_match(b, "ma1lory", 7));
	assert_false(ban_name_match(b, "bobby", 5));
	assert_false(ban_name_match(b, "mallor", 6));
	assert_false(ban_name_match(b, "", 0));
	assert_false(ban_name_match(NULL, "bob", 3));
	/* Names do not match addresses, nor addresses names. */
	assert_false(ban_addr_match(b, "192.0.2.7"));
	ban_free(b);
}

static void
test_load(void **state)
{
	char path[] = "/tmp/test_ban.XXXXXX", err[BAN_ERR_MAX];
	struct ban_list *b;
	FILE *f;
	int fd = mkstemp(path);
	size_t i;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("# bans\n192.0.2.0/24\nmallory\n", f);
	fclose(f);
	b = ban_load(path, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(ban_count(b), 2);
	ban_free(b);
	/* A file past BAN_FILE_MAX is refused, not cut. */
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i <= BAN_FILE_MAX / 8; i++)
		fputs("# pad.\n\n", f);
	fclose(f);
	assert_null(ban_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "larger than"));
	unlink(path);
	assert_null(ban_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_shapes),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_entries_max),
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_everything_and_mapped),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("ban", tests, NULL, NULL);
}

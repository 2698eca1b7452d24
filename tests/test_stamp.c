/* test_stamp.c: the time column's format: checks, widths and formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <locale.h>
#include <string.h>

#include "stamp.h"

/* 2026-12-03 09:05:07 UTC, a Thursday. */
#define T ((uint64_t)1796288707 * 1000)

static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

static void
test_check_widths(void **state)
{
	static const struct {
		const char *fmt;
		int cols;
	} ok[] = {
	    {"%H:%M", 5},
	    {"%H:%M:%S", 8},
	    {"[%H:%M]", 7},
	    {"%H", 2},
	    {"%Y-%m-%d %H:%M:%S", 19},
	    {"%a %e %b %I:%M %p", 19},
	    {"%B %e", 12}, /* "September 30": the widest month counts */
	    {"100%%", 4},
	    {"x", 1},
	};
	char err[STAMP_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(
		    stamp_check(ok[i].fmt, strlen(ok[i].fmt), err, sizeof(err)),
		    ok[i].cols);
}

static void
test_check_errors(void **state)
{
	static const struct {
		const char *fmt;
		const char *err;
	} bad[] = {
	    {"", "timestamp_format must be 1 to 32 bytes, not 0"},
	    {"%H:%M:%S %H:%M:%S %H:%M:%S %H:%M:%S",
	        "timestamp_format must be 1 to 32 bytes, not 35"},
	    {"%c", "timestamp_format: %c is not taken"},
	    {"%Z", "timestamp_format: %Z is not taken"},
	    {"%s", "timestamp_format: %s is not taken"},
	    {"%H:%", "timestamp_format: %  is not taken"},
	    {"%n", "timestamp_format: %n is not taken"},
	    {"%H\t%M", "timestamp_format may hold printable ASCII only"},
	    {"%Y-%m-%d %H:%M:%S %A",
	        "timestamp_format makes times wider than 24 columns"},
	};
	char err[STAMP_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(stamp_check(bad[i].fmt, strlen(bad[i].fmt),
		                     err, sizeof(err)),
		    -1);
		assert_memory_equal(err, bad[i].err, strlen(bad[i].err));
	}
}

static void
test_format(void **state)
{
	char buf[STAMP_TEXT_MAX];

	(void)state;
	assert_int_equal(stamp_format("%H:%M", T, 0, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "09:05");
	/* Local time is the offset east of UTC. */
	stamp_format("%H:%M:%S", T, 3600 + 1800, buf, sizeof(buf));
	assert_string_equal(buf, "10:35:07");
	stamp_format("%a %d %H", T, -10 * 3600, buf, sizeof(buf));
	assert_string_equal(buf, "Wed 02 23");
	/* Too small a buffer: empty. */
	assert_int_equal(stamp_format("%H:%M", T, 0, buf, 3), 0);
	assert_string_equal(buf, "");
	assert_int_equal(stamp_format("%H", T, 0, buf, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_widths),
	    cmocka_unit_test(test_check_errors),
	    cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, setup_locale, NULL);
}

/* test_redis_log.c: the pure parts of the Redis log: stream ids. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "redis_log.h"

/*
 * Stream ids compare as two numbers, not as text: a claim waits until
 * reading has passed the id it was given, and "10-0" is after "9-5".
 */
static void
test_id_cmp(void **state)
{
	static const struct {
		const char *a, *b;
		int want;
	} rows[] = {
	    {"0-0", "0-0", 0},
	    {"1-0", "0-0", 1},
	    {"9-5", "10-0", -1},
	    {"10-0", "9-5", 1},
	    {"1700000000000-1", "1700000000000-10", -1},
	    {"1700000000000-10", "1700000000000-2", 1},
	    {"1700000000001-0", "1700000000000-99", 1},
	    {"5", "5-0", 0},
	    {"5-1", "5", 1},
	};
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = redis_log_id_cmp(rows[i].a, rows[i].b);
		if ((got > 0) - (got < 0) != rows[i].want)
			fail_msg("%s vs %s: %d, want %d", rows[i].a, rows[i].b,
			    got, rows[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_id_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

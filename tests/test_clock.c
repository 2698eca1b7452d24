/* test_clock.c: tests for the server's clocks (server/clock.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <time.h>

#include "clock.h"

/* Generous: a test may be descheduled for a while on a busy machine. */
#define SLACK_MS 10000

/* The monotonic clock never goes back, and its two units agree. */
static void
test_monotonic(void **state)
{
	uint64_t ms0, us, ms1, prev;
	int i;

	(void)state;
	ms0 = clock_ms(CLOCK_MONOTONIC);
	us = clock_us();
	ms1 = clock_ms(CLOCK_MONOTONIC);
	assert_true(ms0 <= us / 1000);
	assert_true(us / 1000 <= ms1);
	assert_true(ms1 - ms0 < SLACK_MS);
	prev = clock_us();
	for (i = 0; i < 1000; i++) {
		uint64_t now = clock_us();

		assert_true(now >= prev);
		prev = now;
	}
}

/* The wall clock in milliseconds is time(3)'s, in seconds, times 1000. */
static void
test_wall(void **state)
{
	time_t t0, t1;
	uint64_t ms;

	(void)state;
	t0 = time(NULL);
	ms = clock_ms(CLOCK_REALTIME);
	t1 = time(NULL);
	assert_true(ms / 1000 >= (uint64_t)t0);
	/* time(3) may read a coarser clock, a tick behind. */
	assert_true(ms / 1000 <= (uint64_t)t1 + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_monotonic),
	    cmocka_unit_test(test_wall),
	};

	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}

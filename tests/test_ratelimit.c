/* test_ratelimit.c: the GCRA flood limiter over simulated time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ratelimit.h"

static const unsigned rates[] = {1, 3, 4, 7, 10, 50, 1000};
static const unsigned bursts[] = {1, 2, 5, 20};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Takes at one instant until refused; returns how many succeeded. */
static unsigned
take_all(struct ratelimit *r, uint64_t now, unsigned rate, unsigned burst)
{
	unsigned n = 0;

	while (ratelimit_take(r, now, rate, burst)) {
		n++;
		assert_true(n <= (burst > 0 ? burst : 1));
	}
	return n;
}

static void
test_fresh_burst(void **state)
{
	struct ratelimit r;
	size_t i, j;

	(void)state;
	for (i = 0; i < N(rates); i++) {
		for (j = 0; j < N(bursts); j++) {
			r.tat_us = 0;
			assert_int_equal(
			    take_all(&r, 0, rates[i], bursts[j]), bursts[j]);
			r.tat_us = 0;
			assert_int_equal(
			    take_all(&r, 123456789, rates[i], bursts[j]),
			    bursts[j]);
		}
	}
}

static void
test_burst_zero_is_one(void **state)
{
	struct ratelimit r = {0};

	(void)state;
	assert_int_equal(take_all(&r, 1000, 10, 0), 1);
	assert_int_equal(ratelimit_ready_ms(&r, 1000, 10, 0), 1100);
	assert_int_equal(take_all(&r, 1100, 10, 0), 1);
}

/* After the burst, one more line every 1000/rate ms, not sooner. */
static void
test_one_per_interval(void **state)
{
	struct ratelimit r = {0};
	uint64_t t = 5000;
	int i;

	(void)state;
	assert_int_equal(take_all(&r, t, 4, 3), 3);
	for (i = 1; i <= 20; i++) {
		assert_int_equal(ratelimit_ready_ms(&r, t, 4, 3), t + 250);
		t += 249;
		assert_int_equal(ratelimit_take(&r, t, 4, 3), 0);
		t += 1;
		assert_int_equal(ratelimit_ready_ms(&r, t, 4, 3), t);
		assert_int_equal(ratelimit_take(&r, t, 4, 3), 1);
		assert_int_equal(ratelimit_take(&r, t, 4, 3), 0);
	}
}

/* A long idle time gives back the burst and no more. */
static void
test_idle_refills_burst_only(void **state)
{
	struct ratelimit r = {0};

	(void)state;
	assert_int_equal(take_all(&r, 1000, 10, 5), 5);
	assert_int_equal(take_all(&r, 1000 + 200, 10, 5), 2);
	assert_int_equal(take_all(&r, 1000000, 10, 5), 5);
}

/* Greedy takes every ms for 10 s: rate * 10 + burst, within one. */
static void
test_steady_rate(void **state)
{
	struct ratelimit r;
	unsigned n, want;
	uint64_t t, start = 777;
	size_t i, j;

	(void)state;
	for (i = 0; i < N(rates); i++) {
		for (j = 0; j < N(bursts); j++) {
			r.tat_us = 0;
			n = 0;
			for (t = start; t <= start + 10000; t++)
				n += take_all(&r, t, rates[i], bursts[j]);
			want = rates[i] * 10 + bursts[j];
			print_message(
			    "# rate %u burst %u: %u\n", rates[i], bursts[j], n);
			assert_in_range(n, want - 1, want + 1);
		}
	}
}

static void
test_rate_zero_unlimited(void **state)
{
	struct ratelimit r = {0};
	int i;

	(void)state;
	for (i = 0; i < 100000; i++)
		assert_int_equal(ratelimit_take(&r, 42, 0, 1), 1);
	assert_int_equal(r.tat_us, 0);
	assert_int_equal(ratelimit_ready_ms(&r, 42, 0, 1), 42);
	/* A limit set later starts from a full burst. */
	assert_int_equal(take_all(&r, 42, 5, 3), 3);
}

/*
 * ready_ms is exact: a take fails one ms before it and succeeds at it, from
 * many states reached by uneven traffic.
 */
static void
test_ready_exact(void **state)
{
	struct ratelimit r, copy;
	uint64_t t, ready;
	size_t i, j;
	int k;

	(void)state;
	for (i = 0; i < N(rates); i++) {
		for (j = 0; j < N(bursts); j++) {
			r.tat_us = 0;
			t = 1000;
			for (k = 0; k < 200; k++) {
				ready = ratelimit_ready_ms(
				    &r, t, rates[i], bursts[j]);
				assert_true(ready >= t);
				copy = r;
				assert_int_equal(ratelimit_take(&copy, ready,
				                     rates[i], bursts[j]),
				    1);
				if (ready > t) {
					copy = r;
					assert_int_equal(
					    ratelimit_take(&copy, ready - 1,
					        rates[i], bursts[j]),
					    0);
				}
				/* Uneven traffic: 0..3 tries, then a gap. */
				(void)ratelimit_take(
				    &r, t, rates[i], bursts[j]);
				if (k % 3 == 0)
					(void)ratelimit_take(
					    &r, t, rates[i], bursts[j]);
				t += (uint64_t)(k * 37 % 301);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fresh_burst),
	    cmocka_unit_test(test_burst_zero_is_one),
	    cmocka_unit_test(test_one_per_interval),
	    cmocka_unit_test(test_idle_refills_burst_only),
	    cmocka_unit_test(test_steady_rate),
	    cmocka_unit_test(test_rate_zero_unlimited),
	    cmocka_unit_test(test_ready_exact),
	};

	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}

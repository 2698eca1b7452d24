/* test_history.c: the ring of recent message lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "history.h"

/* A store with room for everything the ring tests keep. */
static struct history_store *any_store;

static int
setup(void **state)
{
	(void)state;
	any_store = history_store_new((size_t)1 << 20);
	return any_store == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(history_store_lines(any_store), 0);
	assert_int_equal(history_store_bytes(any_store), 0);
	history_store_free(any_store);
	return 0;
}

static void
add_str(struct history *h, const char *s)
{
	assert_int_equal(history_add(h, s, strlen(s)), 0);
}

static void
expect_line(const struct history *h, size_t i, const char *want)
{
	size_t len;
	const char *p = history_get(h, i, &len);

	assert_int_equal(len, strlen(want));
	if (len > 0)
		assert_memory_equal(p, want, len);
}

static void
test_new_free(void **state)
{
	struct history *h;

	(void)state;
	/* A ring of no lines is refused: the caller keeps none instead. */
	assert_null(history_new(any_store, 0));
	h = history_new(any_store, 1);
	assert_non_null(h);
	assert_int_equal(history_count(h), 0);
	history_free(h);
	history_free(NULL);
}

/* max - 1, max and max + 1 lines in a ring of max. */
static void
test_fill_and_wrap(void **state)
{
	struct history *h = history_new(any_store, 3);

	(void)state;
	assert_non_null(h);
	add_str(h, "one\n");
	add_str(h, "two\n");
	assert_int_equal(history_count(h), 2);
	expect_line(h, 0, "one\n");
	expect_line(h, 1, "two\n");
	add_str(h, "three\n");
	assert_int_equal(history_count(h), 3);
	expect_line(h, 0, "one\n");
	expect_line(h, 2, "three\n");
	add_str(h, "four\n");
	assert_int_equal(history_count(h), 3);
	expect_line(h, 0, "two\n");
	expect_line(h, 1, "three\n");
	expect_line(h, 2, "four\n");
	history_free(h);
}

static void
test_one_slot(void **state)
{
	struct history *h = history_new(any_store, 1);

	(void)state;
	assert_non_null(h);
	add_str(h, "a\n");
	expect_line(h, 0, "a\n");
	add_str(h, "b\n");
	assert_int_equal(history_count(h), 1);
	expect_line(h, 0, "b\n");
	history_free(h);
}

/* A slot grows for a longer line and keeps its room for a shorter one. */
static void
test_slot_reuse(void **state)
{
	char big[5000];
	struct history *h = history_new(any_store, 2);

	(void)state;
	assert_non_null(h);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	add_str(h, "s\n");
	add_str(h, "t\n");
	add_str(h, big); /* into the slot of "s" */
	add_str(h, "u\n");
	expect_line(h, 0, big);
	expect_line(h, 1, "u\n");
	add_str(h, "v\n"); /* the big slot again, shorter */
	expect_line(h, 0, "u\n");
	expect_line(h, 1, "v\n");
	add_str(h, big);
	expect_line(h, 1, big);
	history_free(h);
}

/* The ring copies: the caller may reuse its buffer. */
static void
test_copies(void **state)
{
	char buf[16];
	struct history *h = history_new(any_store, 2);

	(void)state;
	assert_non_null(h);
	strcpy(buf, "first\n");
	add_str(h, buf);
	strcpy(buf, "XXXXX\n");
	expect_line(h, 0, "first\n");
	history_free(h);
}

/* An empty line is a line like any other. */
static void
test_empty_line(void **state)
{
	struct history *h = history_new(any_store, 2);

	(void)state;
	assert_non_null(h);
	assert_int_equal(history_add(h, "", 0), 0);
	assert_int_equal(history_count(h), 1);
	expect_line(h, 0, "");
	add_str(h, "x\n");
	add_str(h, "y\n");
	expect_line(h, 0, "x\n");
	expect_line(h, 1, "y\n");
	history_free(h);
}

/* Many turns of the ring against a model of what it should hold. */
static void
test_many_wraps(void **state)
{
	enum { MAX = 7, LINES = 1000 };
	struct history *h = history_new(any_store, MAX);
	char want[32];
	size_t i, k, n;

	(void)state;
	assert_non_null(h);
	for (i = 0; i < LINES; i++) {
		snprintf(want, sizeof(want), "line %zu %.*s\n", i,
		    (int)(i % 11), "abcdefghijk");
		add_str(h, want);
		n = i + 1 < MAX ? i + 1 : MAX;
		assert_int_equal(history_count(h), n);
		for (k = 0; k < n; k++) {
			size_t j = i + 1 - n + k;

			snprintf(want, sizeof(want), "line %zu %.*s\n", j,
			    (int)(j % 11), "abcdefghijk");
			expect_line(h, k, want);
		}
	}
	history_free(h);
}

/*
 * Past the budget, the oldest lines of the whole store go first, whichever
 * ring holds them: a quiet channel's old lines before a busy channel's
 * recent ones.
 */
static void
test_budget_oldest_first(void **state)
{
	/* Room for exactly four lines of 8 bytes. */
	struct history_store *s = history_store_new(4 * history_line_cost(8));
	struct history *quiet, *busy;

	(void)state;
	assert_non_null(s);
	quiet = history_new(s, 10);
	busy = history_new(s, 10);
	assert_non_null(quiet);
	assert_non_null(busy);
	add_str(quiet, "quiet-1\n");
	add_str(quiet, "quiet-2\n");
	add_str(busy, "busy-01\n");
	add_str(busy, "busy-02\n");
	assert_int_equal(history_store_lines(s), 4);
	assert_int_equal(history_store_bytes(s), 4 * history_line_cost(8));
	add_str(busy, "busy-03\n");
	assert_int_equal(history_count(quiet), 1);
	expect_line(quiet, 0, "quiet-2\n");
	add_str(busy, "busy-04\n");
	add_str(busy, "busy-05\n");
	assert_int_equal(history_count(quiet), 0);
	assert_int_equal(history_count(busy), 4);
	expect_line(busy, 0, "busy-02\n");
	expect_line(busy, 3, "busy-05\n");
	/* The quiet ring takes lines again, and the busy one pays. */
	add_str(quiet, "quiet-3\n");
	assert_int_equal(history_count(quiet), 1);
	assert_int_equal(history_count(busy), 3);
	expect_line(busy, 0, "busy-03\n");
	assert_int_equal(history_store_bytes(s), 4 * history_line_cost(8));
	history_free(busy);
	assert_int_equal(history_store_lines(s), 1);
	assert_int_equal(history_store_bytes(s), history_line_cost(8));
	history_free(quiet);
	assert_int_equal(history_store_bytes(s), 0);
	history_store_free(s);
	history_store_free(NULL);
}

/* A line that alone passes the budget is not kept; a zero budget keeps none. */
static void
test_budget_too_small(void **state)
{
	struct history_store *s = history_store_new(history_line_cost(4));
	struct history_store *none = history_store_new(0);
	struct history *h, *h0;

	(void)state;
	assert_non_null(s);
	assert_non_null(none);
	h = history_new(s, 3);
	h0 = history_new(none, 3);
	add_str(h, "abc\n");
	add_str(h, "abcd\n");
	assert_int_equal(history_count(h), 1);
	expect_line(h, 0, "abc\n");
	add_str(h, "xyz\n");
	assert_int_equal(history_count(h), 1);
	expect_line(h, 0, "xyz\n");
	add_str(h0, "a\n");
	assert_int_equal(history_count(h0), 0);
	assert_int_equal(history_store_bytes(none), 0);
	history_free(h);
	history_free(h0);
	history_store_free(s);
	history_store_free(none);
}

/*
 * The case, scaled down: many channels of full rings of long
 * lines stay within the budget (before, each ring kept its 100 lines: 512
 * channels took 150 MB), and the lines kept are each ring's newest.
 */
static void
test_budget_many_channels(void **state)
{
	enum { RINGS = 512, MAX = 100, LEN = 3000, ROUNDS = 100 };
	const size_t budget = (size_t)4 << 20;
	static struct history *rings[RINGS];
	static char line[LEN];
	struct history_store *s = history_store_new(budget);
	size_t i, r, n, total = 0, len;
	const char *p;

	(void)state;
	assert_non_null(s);
	for (r = 0; r < RINGS; r++) {
		rings[r] = history_new(s, MAX);
		assert_non_null(rings[r]);
	}
	memset(line, 'x', sizeof(line));
	for (i = 0; i < ROUNDS; i++) {
		for (r = 0; r < RINGS; r++) {
			snprintf(line, sizeof(line), "%zu/%zu", r, i);
			assert_int_equal(
			    history_add(rings[r], line, sizeof(line)), 0);
			assert_true(history_store_bytes(s) <= budget);
		}
	}
	/* Within one line of the budget: eviction takes no more than it must.
	 */
	assert_true(history_store_bytes(s) + history_line_cost(LEN) > budget);
	for (r = 0; r < RINGS; r++) {
		n = history_count(rings[r]);
		total += n;
		if (n == 0)
			continue;
		p = history_get(rings[r], n - 1, &len);
		assert_int_equal(len, LEN);
		snprintf(line, sizeof(line), "%zu/%d", r, ROUNDS - 1);
		assert_memory_equal(p, line, strlen(line) + 1);
	}
	assert_int_equal(total, history_store_lines(s));
	assert_int_equal(total, budget / history_line_cost(LEN));
	for (r = 0; r < RINGS; r++)
		history_free(rings[r]);
	assert_int_equal(history_store_bytes(s), 0);
	history_store_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_new_free, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_fill_and_wrap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_slot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slot_reuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_wraps, setup, teardown),
	    cmocka_unit_test(test_budget_oldest_first),
	    cmocka_unit_test(test_budget_too_small),
	    cmocka_unit_test(test_budget_many_channels),
	};

	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}

/* test_history.c: the ring of recent message lines, and its paging. */
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

/* A ring holding the lines of seqs from..to, as the chat rules add them. */
static struct history *
ring_of(struct history_store *s, size_t max, uint64_t from, uint64_t to)
{
	struct history *h = history_new(s, max);
	char line[64];
	uint64_t q;
	int n;

	assert_non_null(h);
	for (q = from; q <= to; q++) {
		n = snprintf(line, sizeof(line),
		    "msg$chan$%llu$%llu$bob$t%llu\n", (unsigned long long)q,
		    1000 + (unsigned long long)q, (unsigned long long)q);
		assert_int_equal(history_add(h, line, (size_t)n), 0);
	}
	return h;
}

static void
expect_range(const struct history *h, enum cmd_dir dir, uint64_t seq,
    size_t limit, size_t first, size_t count, int more)
{
	struct history_range r;

	history_page(h, dir, seq, limit, (size_t)1 << 20, &r);
	if (r.first != first || r.count != count || r.more != more)
		fail_msg("%s %llu limit %zu: got [%zu, +%zu) more %d, want "
		         "[%zu, +%zu) more %d",
		    cmd_dir_name(dir), (unsigned long long)seq, limit, r.first,
		    r.count, r.more, first, count, more);
}

/* Seqs 11..20 kept at indexes 0..9 (1..10 went out of the ring). */
static void
test_page_directions(void **state)
{
	struct history_store *s = history_store_new((size_t)1 << 20);
	struct history *h;

	(void)state;
	assert_non_null(s);
	h = ring_of(s, 10, 1, 20);
	assert_int_equal(history_count(h), 10);
	/* before: the newest lines below seq, oldest first. */
	expect_range(h, CMD_DIR_BEFORE, 21, 3, 7, 3, 1);
	expect_range(h, CMD_DIR_BEFORE, 18, 3, 4, 3, 1);
	expect_range(h, CMD_DIR_BEFORE, 14, 3, 0, 3, 0);
	expect_range(h, CMD_DIR_BEFORE, 14, 50, 0, 3, 0);
	expect_range(h, CMD_DIR_BEFORE, 11, 3, 0, 0, 0);
	expect_range(h, CMD_DIR_BEFORE, 5, 3, 0, 0, 0);
	expect_range(h, CMD_DIR_BEFORE, 0, 3, 0, 0, 0);
	expect_range(h, CMD_DIR_BEFORE, UINT64_MAX, 100, 0, 10, 0);
	/* after: the oldest lines above seq. */
	expect_range(h, CMD_DIR_AFTER, 0, 3, 0, 3, 1);
	expect_range(h, CMD_DIR_AFTER, 5, 3, 0, 3, 1);
	expect_range(h, CMD_DIR_AFTER, 11, 3, 1, 3, 1);
	expect_range(h, CMD_DIR_AFTER, 16, 4, 6, 4, 0);
	expect_range(h, CMD_DIR_AFTER, 16, 9, 6, 4, 0);
	expect_range(h, CMD_DIR_AFTER, 20, 9, 10, 0, 0);
	expect_range(h, CMD_DIR_AFTER, UINT64_MAX, 9, 10, 0, 0);
	/* latest: the seq is ignored. */
	expect_range(h, CMD_DIR_LATEST, 0, 3, 7, 3, 1);
	expect_range(h, CMD_DIR_LATEST, 12345, 10, 0, 10, 0);
	expect_range(h, CMD_DIR_LATEST, 0, 11, 0, 10, 0);
	/* A limit of 0 gets nothing, and says whether lines are left. */
	expect_range(h, CMD_DIR_LATEST, 0, 0, 10, 0, 1);
	history_free(h);
	history_store_free(s);
}

/* An empty ring: every request gets nothing, and the end. */
static void
test_page_empty(void **state)
{
	struct history_store *s = history_store_new((size_t)1 << 20);
	struct history *h;

	(void)state;
	assert_non_null(s);
	h = history_new(s, 5);
	assert_non_null(h);
	expect_range(h, CMD_DIR_BEFORE, 10, 5, 0, 0, 0);
	expect_range(h, CMD_DIR_AFTER, 0, 5, 0, 0, 0);
	expect_range(h, CMD_DIR_LATEST, 0, 5, 0, 0, 0);
	history_free(h);
	history_store_free(s);
}

/* Seqs with gaps and of every width are found where they are. */
static void
test_page_seq_widths(void **state)
{
	static const uint64_t seqs[] = {
	    7, 99, 100, 4096, 99999999999ULL, UINT64_MAX - 1};
	struct history_store *s = history_store_new((size_t)1 << 20);
	struct history *h;
	char line[80];
	size_t i;
	int n;

	(void)state;
	assert_non_null(s);
	h = history_new(s, 10);
	assert_non_null(h);
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		n = snprintf(line, sizeof(line), "act$c$%llu$1$bob$x$y\n",
		    (unsigned long long)seqs[i]);
		assert_int_equal(history_add(h, line, (size_t)n), 0);
	}
	expect_range(h, CMD_DIR_BEFORE, 100, 10, 0, 2, 0);
	expect_range(h, CMD_DIR_BEFORE, 101, 10, 0, 3, 0);
	expect_range(h, CMD_DIR_AFTER, 100, 2, 3, 2, 1);
	expect_range(h, CMD_DIR_AFTER, 99999999999ULL, 10, 5, 1, 0);
	expect_range(h, CMD_DIR_BEFORE, UINT64_MAX - 1, 1, 4, 1, 1);
	history_free(h);
	history_store_free(s);
}

/* A page stops at its byte budget, nearest seq first; one line always goes. */
static void
test_page_bytes(void **state)
{
	struct history_store *s = history_store_new((size_t)1 << 20);
	struct history *h;
	struct history_range r;
	size_t len;

	(void)state;
	assert_non_null(s);
	h = ring_of(s, 10, 1, 10);
	/* Lines 1 to 9 are 23 bytes long, 10 is 25. */
	(void)history_get(h, 0, &len);
	assert_int_equal(len, 23);
	(void)history_get(h, 9, &len);
	assert_int_equal(len, 25);
	history_page(h, CMD_DIR_LATEST, 0, 10, 48, &r);
	assert_true(r.first == 8 && r.count == 2 && r.more);
	history_page(h, CMD_DIR_LATEST, 0, 10, 47, &r);
	assert_true(r.first == 9 && r.count == 1 && r.more);
	history_page(h, CMD_DIR_BEFORE, 5, 10, 69, &r);
	assert_true(r.first == 1 && r.count == 3 && r.more);
	history_page(h, CMD_DIR_AFTER, 2, 10, 68, &r);
	assert_true(r.first == 2 && r.count == 2 && r.more);
	history_page(h, CMD_DIR_AFTER, 7, 10, 71, &r);
	assert_true(r.first == 7 && r.count == 3 && !r.more);
	/* A line over the budget alone still goes, and only it. */
	history_page(h, CMD_DIR_AFTER, 0, 10, 1, &r);
	assert_true(r.first == 0 && r.count == 1 && r.more);
	history_page(h, CMD_DIR_BEFORE, 11, 10, 0, &r);
	assert_true(r.first == 9 && r.count == 1 && r.more);
	history_free(h);
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
	    cmocka_unit_test(test_page_directions),
	    cmocka_unit_test(test_page_empty),
	    cmocka_unit_test(test_page_seq_widths),
	    cmocka_unit_test(test_page_bytes),
	};

	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}

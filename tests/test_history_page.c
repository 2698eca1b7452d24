/* test_history_page.c: which kept lines a history request gets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "history.h"

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
	    cmocka_unit_test(test_page_directions),
	    cmocka_unit_test(test_page_empty),
	    cmocka_unit_test(test_page_seq_widths),
	    cmocka_unit_test(test_page_bytes),
	};

	return cmocka_run_group_tests_name("history_page", tests, NULL, NULL);
}

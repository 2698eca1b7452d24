/* test_history.c: the ring of recent message lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "history.h"

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
	assert_null(history_new(0));
	h = history_new(1);
	assert_non_null(h);
	assert_int_equal(history_count(h), 0);
	history_free(h);
	history_free(NULL);
}

/* max - 1, max and max + 1 lines in a ring of max. */
static void
test_fill_and_wrap(void **state)
{
	struct history *h = history_new(3);

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
	struct history *h = history_new(1);

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
	struct history *h = history_new(2);

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
	struct history *h = history_new(2);

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
	struct history *h = history_new(2);

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
	struct history *h = history_new(MAX);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_free),
	    cmocka_unit_test(test_fill_and_wrap),
	    cmocka_unit_test(test_one_slot),
	    cmocka_unit_test(test_slot_reuse),
	    cmocka_unit_test(test_copies),
	    cmocka_unit_test(test_empty_line),
	    cmocka_unit_test(test_many_wraps),
	};

	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}

/* test_filter.c: ignored names, join filter modes and the smart filter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"

#define MIN_MS 60000ULL

static void
test_modes(void **state)
{
	struct filter *f = filter_new();
	enum filter_joins mode;

	(void)state;
	assert_non_null(f);
	assert_int_equal(filter_default(f), FILTER_JOINS_OFF);
	assert_int_equal(filter_minutes(f), FILTER_MINUTES_DEFAULT);
	assert_int_equal(filter_joins_parse("smart", 5, &mode), 0);
	assert_int_equal(mode, FILTER_JOINS_SMART);
	assert_int_equal(filter_joins_parse("all", 3, &mode), 0);
	assert_int_equal(mode, FILTER_JOINS_ALL);
	assert_int_equal(filter_joins_parse("default", 7, &mode), 0);
	assert_int_equal(mode, FILTER_JOINS_DEFAULT);
	assert_int_equal(filter_joins_parse("Smart", 5, &mode), -1);
	assert_int_equal(filter_joins_parse("smar", 4, &mode), -1);
	assert_string_equal(filter_joins_name(FILTER_JOINS_OFF), "off");
	assert_string_equal(filter_joins_name((enum filter_joins)9), "?");
	/* A window on the default follows it; its own mode wins. */
	filter_set_default(f, FILTER_JOINS_ALL, 0);
	assert_int_equal(filter_minutes(f), FILTER_MINUTES_MIN);
	assert_int_equal(
	    filter_effective(f, FILTER_JOINS_DEFAULT), FILTER_JOINS_ALL);
	assert_int_equal(
	    filter_effective(f, FILTER_JOINS_OFF), FILTER_JOINS_OFF);
	assert_true(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#a", 2, "bob", 3, 1000));
	assert_false(
	    filter_hides_join(f, FILTER_JOINS_OFF, "#a", 2, "bob", 3, 1000));
	filter_set_default(f, FILTER_JOINS_DEFAULT, 100000);
	assert_int_equal(filter_default(f), FILTER_JOINS_OFF);
	assert_int_equal(filter_minutes(f), FILTER_MINUTES_MAX);
	filter_free(f);
	filter_free(NULL);
}

static void
test_ignore(void **state)
{
	struct filter *f = filter_new();
	char name[16];
	size_t i;

	(void)state;
	assert_false(filter_is_ignored(f, "bob", 3));
	assert_int_equal(filter_ignore(f, "bob", 3), 0);
	assert_true(filter_is_ignored(f, "bob", 3));
	/* Case and look-alikes: the skeleton of "B0b" is "bob". */
	assert_true(filter_is_ignored(f, "BOB", 3));
	assert_true(filter_is_ignored(f, "B0b", 3));
	assert_false(filter_is_ignored(f, "bobby", 5));
	assert_false(filter_is_ignored(f, "", 0));
	/* A look-alike of one ignored is ignored already. */
	assert_int_equal(filter_ignore(f, "b0B", 3), 1);
	assert_int_equal(filter_ignore_count(f), 1);
	assert_string_equal(filter_ignore_at(f, 0), "bob");
	assert_null(filter_ignore_at(f, 1));
	assert_int_equal(filter_ignore(f, "rnallory", 8), 0);
	assert_true(filter_is_ignored(f, "mallory", 7));
	/* Unignoring by a look-alike finds it too; the order stays. */
	assert_int_equal(filter_ignore(f, "eve", 3), 0);
	assert_int_equal(filter_unignore(f, "Mallory", 7), 1);
	assert_int_equal(filter_unignore(f, "mallory", 7), 0);
	assert_int_equal(filter_ignore_count(f), 2);
	assert_string_equal(filter_ignore_at(f, 1), "eve");
	assert_false(filter_is_ignored(f, "rnallory", 8));
	assert_int_equal(filter_unignore(f, "bob", 3), 1);
	assert_int_equal(filter_unignore(f, "eve", 3), 1);
	assert_int_equal(filter_ignore_count(f), 0);
	/* Full at FILTER_IGNORES_MAX. */
	for (i = 0; i < FILTER_IGNORES_MAX; i++) {
		snprintf(name, sizeof(name), "u%zux", i);
		assert_int_equal(filter_ignore(f, name, strlen(name)), 0);
	}
	assert_int_equal(filter_ignore(f, "onemore", 7), -1);
	assert_int_equal(filter_ignore_count(f), FILTER_IGNORES_MAX);
	assert_true(filter_is_ignored(f, "U99X", 4));
	filter_free(f);
}

static void
test_smart(void **state)
{
	struct filter *f = filter_new();
	uint64_t t0 = 100 * MIN_MS;

	(void)state;
	filter_set_default(f, FILTER_JOINS_SMART, 10);
	/* Never heard: hidden. */
	assert_true(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#rust", 5, "bob", 3, t0));
	filter_spoke(f, "#rust", 5, "bob", 3, t0);
	/* Within ten minutes, in that window (any case), shown. */
	assert_false(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#RUST", 5, "Bob", 3, t0 + 9 * MIN_MS));
	assert_false(filter_hides_join(
	    f, FILTER_JOINS_SMART, "#rust", 5, "bob", 3, t0 + 10 * MIN_MS - 1));
	/* Another window knows nothing of it. */
	assert_true(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#go", 3, "bob", 3, t0 + MIN_MS));
	/* Ten minutes of silence hide it again. */
	assert_true(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#rust", 5, "bob", 3, t0 + 10 * MIN_MS));
	/* An older line (history) does not make a speaker older. */
	filter_spoke(f, "#rust", 5, "bob", 3, t0 + 5 * MIN_MS);
	filter_spoke(f, "#rust", 5, "bob", 3, t0);
	assert_false(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#rust", 5, "bob", 3, t0 + 14 * MIN_MS));
	/* A clock set back shows the line rather than hide it. */
	assert_false(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#rust", 5, "bob", 3, t0));
	/* Names and windows longer than kept: never remembered, hidden. */
	filter_spoke(f, "#rust", 5, "", 0, t0);
	assert_true(
	    filter_hides_join(f, FILTER_JOINS_DEFAULT, "#rust", 5, "", 0, t0));
	filter_free(f);
}

static void
test_speakers_bounded(void **state)
{
	struct filter *f = filter_new();
	struct hmap_key key = {1, 2};
	char name[16];
	size_t i;

	(void)state;
	filter_set_hash_key(f, &key);
	filter_set_default(f, FILTER_JOINS_SMART, 10);
	/* One more speaker than kept: the one heard from longest ago goes. */
	for (i = 0; i <= FILTER_SPEAKERS_MAX; i++) {
		snprintf(name, sizeof(name), "u%zu", i);
		filter_spoke(f, "#big", 4, name, strlen(name), 1000 + i);
		/* Speaking again keeps u0 the most recent but one. */
		if (i == FILTER_SPEAKERS_MAX - 1)
			filter_spoke(f, "#big", 4, "u0", 2, 1000 + i);
	}
	assert_false(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#big", 4, "u0", 2, 5000));
	assert_true(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#big", 4, "u1", 2, 5000));
	assert_false(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#big", 4, "u2", 2, 5000));
	snprintf(name, sizeof(name), "u%d", FILTER_SPEAKERS_MAX);
	assert_false(filter_hides_join(
	    f, FILTER_JOINS_DEFAULT, "#big", 4, name, strlen(name), 5000));
	filter_free(f);
}

/* The count moves with every change to the names ignored, and only then. */
static void
test_gen(void **state)
{
	struct filter *f = filter_new();
	uint64_t g;
	size_t i;
	char name[16];

	(void)state;
	g = filter_gen(f);
	assert_int_equal(filter_ignore(f, "bob", 3), 0);
	assert_true(filter_gen(f) > g);
	g = filter_gen(f);
	/* Nothing changes: no move. */
	assert_int_equal(filter_ignore(f, "B0b", 3), 1);
	assert_int_equal(filter_unignore(f, "carol", 5), 0);
	assert_false(filter_is_ignored(f, "carol", 5));
	filter_set_default(f, FILTER_JOINS_ALL, 5);
	assert_int_equal(filter_gen(f), g);
	assert_int_equal(filter_unignore(f, "BOB", 3), 1);
	assert_true(filter_gen(f) > g);
	g = filter_gen(f);
	/* A full list refuses, and nothing moves. */
	for (i = 0; i < FILTER_IGNORES_MAX; i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		assert_int_equal(filter_ignore(f, name, strlen(name)), 0);
	}
	assert_int_equal(filter_gen(f), g + FILTER_IGNORES_MAX);
	assert_int_equal(filter_ignore(f, "extra", 5), -1);
	assert_int_equal(filter_gen(f), g + FILTER_IGNORES_MAX);
	filter_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_ignore),
	    cmocka_unit_test(test_smart),
	    cmocka_unit_test(test_speakers_bounded),
	    cmocka_unit_test(test_gen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

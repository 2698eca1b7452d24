/* test_faillimit.c: five failures a minute per key, a bounded table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "faillimit.h"

static const struct hmap_key key = {1, 2};

static void
test_window(void **state)
{
	struct faillimit *f = faillimit_new(8, &key);
	uint64_t t = 1000000;
	int i;

	assert_non_null(f);
	for (i = 0; i < FAILLIMIT_MAX; i++) {
		assert_true(faillimit_wait(f, "a:1.2.3.4", 9, t + i) == 0);
		faillimit_fail(f, "a:1.2.3.4", 9, t + i);
	}
	/* The sixth try in the minute waits for the window's end. */
	assert_true(faillimit_wait(f, "a:1.2.3.4", 9, t + 10) ==
	    FAILLIMIT_WINDOW_MS - 10);
	assert_true(faillimit_wait(f, "a:1.2.3.5", 9, t + 10) == 0);
	assert_true(
	    faillimit_wait(f, "a:1.2.3.4", 9, t + FAILLIMIT_WINDOW_MS) == 0);
	/* A new window counts afresh. */
	faillimit_fail(f, "a:1.2.3.4", 9, t + FAILLIMIT_WINDOW_MS);
	assert_true(
	    faillimit_wait(f, "a:1.2.3.4", 9, t + FAILLIMIT_WINDOW_MS) == 0);
	faillimit_free(f);
	faillimit_free(NULL);
	assert_null(faillimit_new(0, &key));
}

/* More keys than entries: the oldest live one goes, nothing grows. */
static void
test_bounded(void **state)
{
	struct faillimit *f = faillimit_new(4, &key);
	char k[16];
	int i, j;

	assert_non_null(f);
	for (i = 0; i < 5; i++) {
		snprintf(k, sizeof(k), "n:%d", i);
		for (j = 0; j < FAILLIMIT_MAX; j++)
			faillimit_fail(f, k, strlen(k), 100 + (uint64_t)i);
	}
	/* n:0 was evicted for n:4; the others are still limited. */
	assert_true(faillimit_wait(f, "n:0", 3, 200) == 0);
	for (i = 1; i < 5; i++) {
		snprintf(k, sizeof(k), "n:%d", i);
		assert_true(faillimit_wait(f, k, strlen(k), 200) > 0);
	}
	faillimit_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window),
	    cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests_name("faillimit", tests, NULL, NULL);
}

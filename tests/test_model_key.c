/* test_model_key.c: the member tables of the client model under a key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hmap.h"
#include "model.h"

#define MEMBERS 200

/*
 * Members added before the key is set are found after it (the tables are
 * rehashed), and so are those added after it, in a window opened before
 * and one opened after.
 */
static void
test_key_rehashes(void **state)
{
	const struct hmap_key key = {0x243f6a8885a308d3u, 0x13198a2e03707344u};
	struct model *m = model_new(100);
	struct model_win *a, *b;
	char name[16];
	int i, len;

	(void)state;
	assert_non_null(m);
	a = model_open(m, MODEL_WIN_CHANNEL, "id-a", 4, "#a", 2);
	assert_non_null(a);
	for (i = 0; i < MEMBERS; i++) {
		len = snprintf(name, sizeof(name), "User%d", i);
		assert_int_equal(model_member_add(a, name, (size_t)len), 0);
	}
	model_set_hash_key(m, &key);
	b = model_open(m, MODEL_WIN_CHANNEL, "id-b", 4, "#b", 2);
	assert_non_null(b);
	for (i = 0; i < MEMBERS; i++) {
		len = snprintf(name, sizeof(name), "user%d", i);
		assert_true(model_member_has(a, name, (size_t)len));
		assert_false(model_member_has(b, name, (size_t)len));
		assert_int_equal(model_member_add(b, name, (size_t)len), 0);
	}
	for (i = 0; i < MEMBERS; i++) {
		len = snprintf(name, sizeof(name), "USER%d", i);
		assert_true(model_member_has(b, name, (size_t)len));
		assert_true(model_member_remove(a, name, (size_t)len));
		assert_false(model_member_has(a, name, (size_t)len));
	}
	assert_int_equal(model_member_count(a), 0);
	assert_int_equal(model_member_count(b), MEMBERS);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_rehashes),
	};

	return cmocka_run_group_tests_name("model_key", tests, NULL, NULL);
}

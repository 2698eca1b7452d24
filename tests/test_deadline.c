/* test_deadline.c: the deadline heap, by hand and against a naive model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "deadline.h"

static void
test_empty(void **state)
{
	struct deadlines *d = deadlines_new();
	uint64_t when = 7;
	int id = -1;

	(void)state;
	assert_non_null(d);
	assert_int_equal(deadlines_next(d, &when), 0);
	assert_int_equal(when, 7);
	assert_int_equal(deadlines_pop(d, UINT64_MAX, &id), 0);
	assert_int_equal(id, -1);
	assert_int_equal(deadlines_when(d, 0), UINT64_MAX);
	assert_int_equal(deadlines_when(d, 100000), UINT64_MAX);
	deadlines_cancel(d, 0);
	deadlines_cancel(d, 100000);
	deadlines_free(d);
	deadlines_free(NULL);
}

static void
test_set_move_cancel(void **state)
{
	struct deadlines *d = deadlines_new();
	uint64_t when;
	int id;

	(void)state;
	assert_int_equal(deadlines_set(d, 3, 100), 0);
	assert_int_equal(deadlines_set(d, 1, 50), 0);
	assert_int_equal(deadlines_next(d, &when), 1);
	assert_int_equal(when, 50);
	/* Moving later lets the other come first. */
	assert_int_equal(deadlines_set(d, 1, 200), 0);
	assert_int_equal(deadlines_when(d, 1), 200);
	assert_int_equal(deadlines_next(d, &when), 1);
	assert_int_equal(when, 100);
	/* Moving earlier brings it back to the front. */
	assert_int_equal(deadlines_set(d, 1, 10), 0);
	assert_int_equal(deadlines_next(d, &when), 1);
	assert_int_equal(when, 10);
	assert_int_equal(deadlines_set(d, 1, 200), 0);
	deadlines_cancel(d, 3);
	assert_int_equal(deadlines_when(d, 3), UINT64_MAX);
	deadlines_cancel(d, 3);
	assert_int_equal(deadlines_next(d, &when), 1);
	assert_int_equal(when, 200);
	/* Due at now = when, not a moment before. */
	assert_int_equal(deadlines_pop(d, 199, &id), 0);
	assert_int_equal(deadlines_pop(d, 200, &id), 1);
	assert_int_equal(id, 1);
	assert_int_equal(deadlines_when(d, 1), UINT64_MAX);
	assert_int_equal(deadlines_next(d, &when), 0);
	deadlines_free(d);
}

static void
test_one_entry_per_id(void **state)
{
	struct deadlines *d = deadlines_new();
	uint64_t t;
	int id;

	(void)state;
	for (t = 10; t > 0; t--)
		assert_int_equal(deadlines_set(d, 5, t), 0);
	assert_int_equal(deadlines_when(d, 5), 1);
	assert_int_equal(deadlines_pop(d, UINT64_MAX, &id), 1);
	assert_int_equal(id, 5);
	assert_int_equal(deadlines_pop(d, UINT64_MAX, &id), 0);
	deadlines_free(d);
}

/* Pops come out in order, each id once, and only when due. */
static void
test_pop_order(void **state)
{
	enum { N = 1000 };
	struct deadlines *d = deadlines_new();
	int seen[N] = {0};
	uint64_t last = 0, when;
	int i, id, popped = 0;

	(void)state;
	for (i = 0; i < N; i++)
		assert_int_equal(
		    deadlines_set(d, i, (uint64_t)((i * 7919) % 500)), 0);
	while (deadlines_pop(d, 249, &id)) {
		assert_true(id >= 0 && id < N);
		assert_int_equal(seen[id]++, 0);
		assert_true(deadlines_when(d, id) == UINT64_MAX);
		when = (uint64_t)((id * 7919) % 500);
		assert_true(when >= last && when <= 249);
		last = when;
		popped++;
	}
	assert_int_equal(popped, N / 2);
	assert_int_equal(deadlines_next(d, &when), 1);
	assert_int_equal(when, 250);
	while (deadlines_pop(d, UINT64_MAX, &id)) {
		assert_int_equal(seen[id]++, 0);
		popped++;
	}
	assert_int_equal(popped, N);
	deadlines_free(d);
}

static void
test_sparse_ids(void **state)
{
	struct deadlines *d = deadlines_new();
	int id;

	(void)state;
	assert_int_equal(deadlines_set(d, 70000, 5), 0);
	assert_int_equal(deadlines_set(d, 0, 6), 0);
	assert_int_equal(deadlines_when(d, 70000), 5);
	assert_int_equal(deadlines_when(d, 69999), UINT64_MAX);
	assert_int_equal(deadlines_pop(d, 10, &id), 1);
	assert_int_equal(id, 70000);
	assert_int_equal(deadlines_pop(d, 10, &id), 1);
	assert_int_equal(id, 0);
	deadlines_free(d);
}

/* A reproducible generator (xorshift64). */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The naive model: one slot per id, a linear scan for the minimum. */
struct model {
	uint64_t when[300];
	int has[300];
};

static int
model_min(const struct model *m, uint64_t *when)
{
	int i, found = 0;

	for (i = 0; i < 300; i++) {
		if (m->has[i] && (!found || m->when[i] < *when)) {
			*when = m->when[i];
			found = 1;
		}
	}
	return found;
}

static void
test_random_against_model(void **state)
{
	struct deadlines *d = deadlines_new();
	struct model *m = calloc(1, sizeof(*m));
	uint64_t seed = 0x9e3779b97f4a7c15ULL, when, mwhen = 0, now;
	int op, id, got, want, i, nid;

	(void)state;
	assert_non_null(m);
	for (op = 0; op < 50000; op++) {
		/* Few ids and few times early on make ties and collisions. */
		nid = op < 5000 ? 8 : 300;
		id = (int)(rnd(&seed) % (uint64_t)nid);
		switch (rnd(&seed) % 4) {
		case 0:
		case 1:
			when = rnd(&seed) % (op < 5000 ? 16 : 100000);
			assert_int_equal(deadlines_set(d, id, when), 0);
			m->when[id] = when;
			m->has[id] = 1;
			break;
		case 2:
			deadlines_cancel(d, id);
			m->has[id] = 0;
			break;
		default:
			now = rnd(&seed) % (op < 5000 ? 16 : 100000);
			want = model_min(m, &mwhen) && mwhen <= now;
			got = deadlines_pop(d, now, &id);
			assert_int_equal(got, want);
			if (got) {
				/* Any id at the minimum is right. */
				assert_true(m->has[id]);
				assert_int_equal(m->when[id], mwhen);
				m->has[id] = 0;
			}
			break;
		}
		want = model_min(m, &mwhen);
		assert_int_equal(deadlines_next(d, &when), want);
		if (want)
			assert_int_equal(when, mwhen);
		for (i = 0; i < 4; i++) {
			id = (int)(rnd(&seed) % (uint64_t)nid);
			assert_int_equal(deadlines_when(d, id),
			    m->has[id] ? m->when[id] : UINT64_MAX);
		}
	}
	/* Drain both: the same multiset of deadlines in order. */
	while (model_min(m, &mwhen)) {
		assert_int_equal(deadlines_pop(d, UINT64_MAX, &id), 1);
		assert_true(m->has[id]);
		assert_int_equal(m->when[id], mwhen);
		m->has[id] = 0;
	}
	assert_int_equal(deadlines_pop(d, UINT64_MAX, &id), 0);
	free(m);
	deadlines_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_set_move_cancel),
	    cmocka_unit_test(test_one_entry_per_id),
	    cmocka_unit_test(test_pop_order),
	    cmocka_unit_test(test_sparse_ids),
	    cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests_name("deadline", tests, NULL, NULL);
}

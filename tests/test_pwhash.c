/* test_pwhash.c: the hashing threads, their queue bound and the pipe. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <string.h>

#include "pwhash.h"

/* How long a test waits for one result: generous, for ASan and load. */
#define WAIT_MS 30000

/* Waits on the descriptor and collects until n results are in out. */
static size_t
wait_results(struct pwhash *p, struct pwhash_result *out, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = {pwhash_fd(p), POLLIN, 0};

		assert_true(poll(&pfd, 1, WAIT_MS) == 1);
		got += pwhash_collect(p, out + got, n - got);
	}
	return got;
}

static void
test_make_then_verify(void **state)
{
	char err[128];
	struct pwhash *p = pwhash_new(1, 4, err, sizeof(err));
	struct pwhash_result r[3];
	char hash[PWHASH_STR_MAX];

	assert_non_null(p);
	assert_int_equal(
	    pwhash_submit(p, PWHASH_MAKE, 7, 42, "correct horse", 13, NULL), 0);
	wait_results(p, r, 1);
	assert_int_equal(r[0].op, PWHASH_MAKE);
	assert_int_equal(r[0].conn, 7);
	assert_true(r[0].ticket == 42);
	assert_true(r[0].ok);
	/* argon2id with the documented cost: t=2, m=19 MiB, p=1. */
	assert_non_null(strstr(r[0].hash, "$argon2id$v=19$m=19456,t=2,p=1$"));
	memcpy(hash, r[0].hash, sizeof(hash));
	assert_int_equal(
	    pwhash_submit(p, PWHASH_VERIFY, 1, 1, "correct horse", 13, hash),
	    0);
	assert_int_equal(
	    pwhash_submit(p, PWHASH_VERIFY, 1, 2, "correct horsE", 13, hash),
	    0);
	/* The dummy never matches, whatever the password. */
	assert_int_equal(
	    pwhash_submit(p, PWHASH_VERIFY, 1, 3, "correct horse", 13, NULL),
	    0);
	wait_results(p, r, 3);
	/* One worker: results come in the order submitted. */
	assert_true(r[0].ticket == 1 && r[0].ok);
	assert_true(r[1].ticket == 2 && !r[1].ok);
	assert_true(r[2].ticket == 3 && !r[2].ok);
	assert_int_equal(pwhash_pending(p), 0);
	pwhash_free(p);
}

/* Queued, running and uncollected jobs all count toward the bound. */
static void
test_queue_bound(void **state)
{
	char err[128];
	struct pwhash *p = pwhash_new(1, 3, err, sizeof(err));
	struct pwhash_result r[3];
	int i;

	assert_non_null(p);
	for (i = 0; i < 3; i++)
		assert_int_equal(pwhash_submit(p, PWHASH_MAKE, i, (uint64_t)i,
		                     "password", 8, NULL),
		    0);
	assert_int_equal(
	    pwhash_submit(p, PWHASH_MAKE, 3, 3, "password", 8, NULL), -1);
	wait_results(p, r, 3);
	assert_int_equal(pwhash_pending(p), 0);
	/* Collected: room again. */
	assert_int_equal(
	    pwhash_submit(p, PWHASH_MAKE, 4, 4, "password", 8, NULL), 0);
	/* Too long a password or stored hash is refused, not cut. */
	assert_int_equal(pwhash_submit(p, PWHASH_MAKE, 5, 5, "x",
	                     PWHASH_PASSWORD_MAX + 1, NULL),
	    -1);
	wait_results(p, r, 1);
	pwhash_free(p);
}

/* A stored hash that is garbage fails the verify, it does not crash. */
static void
test_bad_stored_hash(void **state)
{
	char err[128];
	struct pwhash *p = pwhash_new(2, 4, err, sizeof(err));
	struct pwhash_result r;

	assert_non_null(p);
	assert_int_equal(pwhash_submit(p, PWHASH_VERIFY, 0, 9, "password", 8,
	                     "$argon2id$v=19$garbage"),
	    0);
	wait_results(p, &r, 1);
	assert_false(r.ok);
	pwhash_free(p);
}

/* Freeing with work queued neither hangs nor leaks (ASan checks). */
static void
test_free_with_jobs(void **state)
{
	char err[128];
	struct pwhash *p = pwhash_new(2, 8, err, sizeof(err));
	int i;

	assert_non_null(p);
	for (i = 0; i < 8; i++)
		assert_int_equal(pwhash_submit(p, PWHASH_MAKE, i, (uint64_t)i,
		                     "password", 8, NULL),
		    0);
	pwhash_free(p);
	pwhash_free(NULL);
	assert_null(pwhash_new(0, 8, err, sizeof(err)));
	assert_null(pwhash_new(PWHASH_THREADS_MAX + 1, 8, err, sizeof(err)));
	assert_null(pwhash_new(1, 0, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_make_then_verify),
	    cmocka_unit_test(test_queue_bound),
	    cmocka_unit_test(test_bad_stored_hash),
	    cmocka_unit_test(test_free_with_jobs),
	};

	return cmocka_run_group_tests_name("pwhash", tests, NULL, NULL);
}

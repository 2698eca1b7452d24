/* test_pool.c: block reuse, the keep limit and the outstanding count. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/uio.h>

#include "outq.h"
#include "pool.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* Under ASan a block that went back to malloc is poisoned. */
#define FREED(b) (__asan_address_is_poisoned(b) != 0)
#define KEPT(b)  (__asan_address_is_poisoned(b) == 0)
#else
#define FREED(b) 1
#define KEPT(b)  1
#endif

static void
test_new_free(void **state)
{
	struct pool *p = pool_new(100, 4);

	(void)state;
	assert_non_null(p);
	assert_int_equal(pool_block_size(p), 100);
	assert_int_equal(pool_outstanding(p), 0);
	pool_free(p);
	pool_free(NULL);
}

static void
test_get_put_counts(void **state)
{
	struct pool *p = pool_new(64, 2);
	void *b[5];
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		b[i] = pool_get(p);
		assert_non_null(b[i]);
		/* The whole block is usable; ASan checks the bounds. */
		memset(b[i], (int)i, 64);
		assert_int_equal(pool_outstanding(p), i + 1);
	}
	for (i = 0; i < 5; i++) {
		pool_put(p, b[i]);
		assert_int_equal(pool_outstanding(p), 4 - i);
	}
	pool_put(p, NULL);
	assert_int_equal(pool_outstanding(p), 0);
	pool_free(p);
}

static void
test_reuse_is_lifo(void **state)
{
	struct pool *p = pool_new(32, 8);
	void *a, *b;

	(void)state;
	a = pool_get(p);
	b = pool_get(p);
	pool_put(p, a);
	pool_put(p, b);
	assert_ptr_equal(pool_get(p), b);
	assert_ptr_equal(pool_get(p), a);
	pool_put(p, a);
	pool_put(p, b);
	assert_int_equal(pool_outstanding(p), 0);
	pool_free(p);
}

/* keep_max-1, keep_max and keep_max+1 blocks given back. */
static void
test_keep_max(void **state)
{
	enum { KEEP = 3 };
	struct pool *p;
	void *b[KEEP + 1], *again[KEEP + 1];
	size_t n, i, j, reused;

	(void)state;
	for (n = KEEP - 1; n <= KEEP + 1; n++) {
		p = pool_new(48, KEEP);
		for (i = 0; i < n; i++)
			b[i] = pool_get(p);
		for (i = 0; i < n; i++)
			pool_put(p, b[i]);
		/* The first KEEP went on the free list, the rest to free(). */
		for (i = 0; i < n; i++) {
			if (i >= KEEP)
				assert_true(FREED(b[i]));
			else
				assert_true(KEPT(b[i]));
		}
		for (i = 0; i < n; i++)
			again[i] = pool_get(p);
		reused = 0;
		for (i = 0; i < n; i++)
			for (j = 0; j < n && j < KEEP; j++)
				reused += again[i] == b[j];
		assert_int_equal(reused, n < KEEP ? n : KEEP);
		for (i = 0; i < n; i++)
			pool_put(p, again[i]);
		assert_int_equal(pool_outstanding(p), 0);
		pool_free(p);
	}
}

static void
test_keep_zero(void **state)
{
	struct pool *p = pool_new(16, 0);
	void *a = pool_get(p);

	(void)state;
	pool_put(p, a);
	assert_true(FREED(a));
	assert_int_equal(pool_outstanding(p), 0);
	pool_free(p);
}

/* Blocks smaller than a pointer still work: the pool rounds up inside. */
static void
test_tiny_blocks(void **state)
{
	struct pool *p = pool_new(1, 4);
	char *a = pool_get(p), *b = pool_get(p);

	(void)state;
	*a = 'a';
	*b = 'b';
	pool_put(p, a);
	pool_put(p, b);
	assert_int_equal(pool_block_size(p), 1);
	assert_int_equal(pool_outstanding(p), 0);
	pool_free(p);
}

/* The real pool under an output queue: steady traffic reuses blocks. */
static void
test_outq_reuses_blocks(void **state)
{
	/* Room for the chunk header and the message in one block. */
	struct pool *p = pool_new(256, 4);
	struct outq q = {0};
	struct iovec iov[1];
	char msg[100];
	void *first;
	int i;

	(void)state;
	memset(msg, 'm', sizeof(msg));
	assert_int_equal(outq_append(&q, p, msg, sizeof(msg), 1000), OUTQ_OK);
	assert_int_equal(pool_outstanding(p), 1);
	assert_int_equal(outq_iov(&q, iov, 1), 1);
	first = iov[0].iov_base;
	for (i = 0; i < 100; i++) {
		outq_consume(&q, p, outq_bytes(&q));
		assert_int_equal(pool_outstanding(p), 0);
		assert_int_equal(
		    outq_append(&q, p, msg, sizeof(msg), 1000), OUTQ_OK);
		assert_int_equal(outq_iov(&q, iov, 1), 1);
		assert_ptr_equal(iov[0].iov_base, first);
	}
	outq_clear(&q, p);
	assert_int_equal(pool_outstanding(p), 0);
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_free),
	    cmocka_unit_test(test_get_put_counts),
	    cmocka_unit_test(test_reuse_is_lifo),
	    cmocka_unit_test(test_keep_max),
	    cmocka_unit_test(test_keep_zero),
	    cmocka_unit_test(test_tiny_blocks),
	    cmocka_unit_test(test_outq_reuses_blocks),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}

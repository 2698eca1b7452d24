/* test_outq.c: the output queue against a byte-array model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "outq.h"
#include "pool.h"

/*
 * A stand-in for pool.c that can be told to run out of memory.  Because it
 * defines every pool function, the linker never takes pool.o from the
 * library for this program.  Each block is its own exact-size malloc, so
 * ASan catches a chunk written past its block.
 */
struct pool {
	size_t block_size;
	size_t outstanding;
	long gets_left; /* pool_get calls that succeed; -1: no limit */
};

struct pool *
pool_new(size_t block_size, size_t keep_max)
{
	struct pool *p = calloc(1, sizeof(*p));

	(void)keep_max;
	assert_non_null(p);
	p->block_size = block_size;
	p->gets_left = -1;
	return p;
}

void
pool_free(struct pool *p)
{
	if (p != NULL)
		assert_int_equal(p->outstanding, 0);
	free(p);
}

void *
pool_get(struct pool *p)
{
	void *b;

	if (p->gets_left == 0)
		return NULL;
	if (p->gets_left > 0)
		p->gets_left--;
	b = malloc(p->block_size);
	assert_non_null(b);
	p->outstanding++;
	return b;
}

void
pool_put(struct pool *p, void *block)
{
	if (block == NULL)
		return;
	assert_true(p->outstanding > 0);
	p->outstanding--;
	free(block);
}

size_t
pool_block_size(const struct pool *p)
{
	return p->block_size;
}

size_t
pool_outstanding(const struct pool *p)
{
	return p->outstanding;
}

enum {
	BLOCK = 64,
	IOV_MAX_TEST = 64,
};

/* What the queue should hold: model[0..len). */
struct model {
	char *p;
	size_t len;
};

static void
model_append(struct model *m, const char *s, size_t n)
{
	m->p = realloc(m->p, m->len + n + 1);
	assert_non_null(m->p);
	memcpy(m->p + m->len, s, n);
	m->len += n;
}

static void
model_consume(struct model *m, size_t n)
{
	memmove(m->p, m->p + n, m->len - n);
	m->len -= n;
}

/* A chunk's capacity, found from the outside by filling one. */
static size_t
chunk_cap(void)
{
	struct pool *p = pool_new(BLOCK, 0);
	struct outq q = {0};
	size_t n = 0;

	while (pool_outstanding(p) < 2) {
		assert_int_equal(outq_append(&q, p, "x", 1, SIZE_MAX), OUTQ_OK);
		n++;
	}
	outq_clear(&q, p);
	pool_free(p);
	return n - 1;
}

/* Distinct bytes, so a misplaced copy shows. */
static void
pattern(char *s, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = (char)('A' + (seed * 7 + i) % 53);
}

/*
 * The iovecs cover exactly the model, none empty, one per chunk, and the
 * queue's chunks are all the pool blocks out.
 */
static void
check(const struct outq *q, const struct pool *p, const struct model *m)
{
	struct iovec iov[IOV_MAX_TEST];
	size_t at = 0;
	int n, i;

	assert_int_equal(outq_bytes(q), m->len);
	n = outq_iov(q, iov, IOV_MAX_TEST);
	assert_true(n < IOV_MAX_TEST);
	for (i = 0; i < n; i++) {
		assert_true(iov[i].iov_len > 0);
		assert_true(at + iov[i].iov_len <= m->len);
		assert_memory_equal(iov[i].iov_base, m->p + at, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	assert_int_equal(at, m->len);
	assert_int_equal(pool_outstanding(p), (size_t)n);
	if (m->len == 0) {
		assert_null(q->head);
		assert_null(q->tail);
	}
}

static void
test_chunk_is_one_block(void **state)
{
	(void)state;
	/* A link, two offsets and the capacity before the data; no waste. */
	assert_int_equal(
	    chunk_cap(), BLOCK - sizeof(void *) - 3 * sizeof(size_t));
}

static void
test_empty(void **state)
{
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	struct model m = {0};
	struct iovec iov[1];

	(void)state;
	check(&q, p, &m);
	assert_int_equal(outq_iov(&q, iov, 1), 0);
	assert_int_equal(outq_append(&q, p, "", 0, 0), OUTQ_OK);
	outq_consume(&q, p, 0);
	outq_clear(&q, p);
	check(&q, p, &m);
	pool_free(p);
}

/* Each append fills the tail chunk before taking new ones. */
static void
test_append_crossing(void **state)
{
	const size_t cap = chunk_cap();
	const size_t sizes[] = {1, cap - 1, 1, cap, cap + 1, 0, 2 * cap - 1, 3,
	    2 * cap + 1, cap - 2};
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	struct model m = {0};
	char buf[3 * BLOCK];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pattern(buf, sizes[i], (unsigned)i);
		assert_int_equal(
		    outq_append(&q, p, buf, sizes[i], SIZE_MAX), OUTQ_OK);
		model_append(&m, buf, sizes[i]);
		check(&q, p, &m);
		assert_int_equal(pool_outstanding(p), (m.len + cap - 1) / cap);
	}
	outq_clear(&q, p);
	assert_int_equal(pool_outstanding(p), 0);
	free(m.p);
	pool_free(p);
}

/* Builds 3 chunks and a bit from uneven appends. */
static void
fill(struct outq *q, struct pool *p, struct model *m, size_t total)
{
	char buf[7];
	size_t n;
	unsigned seed = 0;

	while (m->len < total) {
		n = total - m->len < sizeof(buf) ? total - m->len : sizeof(buf);
		pattern(buf, n, seed++);
		assert_int_equal(outq_append(q, p, buf, n, SIZE_MAX), OUTQ_OK);
		model_append(m, buf, n);
	}
}

static void
test_consume_every_offset(void **state)
{
	const size_t cap = chunk_cap(), total = 3 * cap + 5;
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	struct model m = {0};
	size_t n, k;

	(void)state;
	for (n = 0; n <= total; n++) {
		for (k = 0; k <= total - n; k += 1 + (total - n) / 9) {
			fill(&q, p, &m, total);
			outq_consume(&q, p, n);
			model_consume(&m, n);
			check(&q, p, &m);
			/* Fully consumed chunks went back; the rest stay. */
			assert_int_equal(pool_outstanding(p),
			    n == total ? 0 : (total + cap - 1) / cap - n / cap);
			outq_consume(&q, p, k);
			model_consume(&m, k);
			check(&q, p, &m);
			/* Appending after a partial consume still works. */
			assert_int_equal(
			    outq_append(&q, p, "tail", 4, SIZE_MAX), OUTQ_OK);
			model_append(&m, "tail", 4);
			check(&q, p, &m);
			outq_consume(&q, p, m.len);
			model_consume(&m, m.len);
			check(&q, p, &m);
			assert_int_equal(pool_outstanding(p), 0);
		}
	}
	free(m.p);
	pool_free(p);
}

static void
test_limit(void **state)
{
	const size_t cap = chunk_cap();
	const size_t limit = 2 * cap + 3;
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	struct model m = {0};
	char buf[3 * BLOCK];
	size_t before;

	(void)state;
	pattern(buf, sizeof(buf), 1);
	/* One more than the limit in one go: refused on an empty queue. */
	assert_int_equal(outq_append(&q, p, buf, limit + 1, limit), OUTQ_FULL);
	check(&q, p, &m);
	/* Up to limit - 1, then exactly the limit. */
	assert_int_equal(outq_append(&q, p, buf, limit - 1, limit), OUTQ_OK);
	model_append(&m, buf, limit - 1);
	assert_int_equal(outq_append(&q, p, buf, 1, limit), OUTQ_OK);
	model_append(&m, buf, 1);
	check(&q, p, &m);
	assert_int_equal(outq_bytes(&q), limit);
	/* Past it by one: nothing appended, no chunk taken. */
	before = pool_outstanding(p);
	assert_int_equal(outq_append(&q, p, buf, 1, limit), OUTQ_FULL);
	assert_int_equal(outq_append(&q, p, buf, cap, limit), OUTQ_FULL);
	assert_int_equal(outq_append(&q, p, buf, SIZE_MAX, limit), OUTQ_FULL);
	assert_int_equal(
	    outq_append(&q, p, buf, SIZE_MAX, SIZE_MAX), OUTQ_FULL);
	assert_int_equal(pool_outstanding(p), before);
	check(&q, p, &m);
	/* Nothing is within any limit. */
	assert_int_equal(outq_append(&q, p, buf, 0, limit), OUTQ_OK);
	/* Room made by a write is usable again, up to the limit exactly. */
	outq_consume(&q, p, 5);
	model_consume(&m, 5);
	assert_int_equal(outq_append(&q, p, buf, 6, limit), OUTQ_FULL);
	assert_int_equal(outq_append(&q, p, buf, 5, limit), OUTQ_OK);
	model_append(&m, buf, 5);
	check(&q, p, &m);
	outq_clear(&q, p);
	assert_int_equal(pool_outstanding(p), 0);
	free(m.p);
	pool_free(p);
}

/* Running out of chunks at each point of a multi-chunk append. */
static void
test_nomem_appends_nothing(void **state)
{
	const size_t cap = chunk_cap();
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	struct model m = {0};
	char buf[4 * BLOCK];
	long fail;

	(void)state;
	pattern(buf, sizeof(buf), 3);
	for (fail = 0; fail < 3; fail++) {
		/* A tail chunk with room, which must not be filled either. */
		assert_int_equal(
		    outq_append(&q, p, "head", 4, SIZE_MAX), OUTQ_OK);
		model_append(&m, "head", 4);
		p->gets_left = fail;
		assert_int_equal(
		    outq_append(&q, p, buf, 3 * cap, SIZE_MAX), OUTQ_NOMEM);
		assert_int_equal(p->gets_left, 0);
		check(&q, p, &m);
		p->gets_left = -1;
		assert_int_equal(
		    outq_append(&q, p, buf, 3 * cap, SIZE_MAX), OUTQ_OK);
		model_append(&m, buf, 3 * cap);
		check(&q, p, &m);
		outq_clear(&q, p);
		model_consume(&m, m.len);
		check(&q, p, &m);
	}
	/* No chunk needed: no memory needed. */
	assert_int_equal(outq_append(&q, p, "a", 1, SIZE_MAX), OUTQ_OK);
	p->gets_left = 0;
	assert_int_equal(outq_append(&q, p, buf, cap - 1, SIZE_MAX), OUTQ_OK);
	assert_int_equal(outq_append(&q, p, buf, 1, SIZE_MAX), OUTQ_NOMEM);
	assert_int_equal(outq_bytes(&q), cap);
	p->gets_left = -1;
	outq_clear(&q, p);
	free(m.p);
	pool_free(p);
}

static void
test_iov_max(void **state)
{
	const size_t cap = chunk_cap();
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	struct model m = {0};
	struct iovec iov[8];
	int max, n, i;

	(void)state;
	fill(&q, p, &m, 4 * cap + 1);
	outq_consume(&q, p, 3);
	model_consume(&m, 3);
	for (max = 0; max <= 7; max++) {
		memset(iov, 0xee, sizeof(iov));
		n = outq_iov(&q, iov, max);
		assert_int_equal(n, max < 5 ? max : 5);
		/* Oldest first, the first one starting past the consumed bytes.
		 */
		if (n > 0) {
			assert_int_equal(iov[0].iov_len, cap - 3);
			assert_memory_equal(iov[0].iov_base, m.p, cap - 3);
		}
		for (i = 1; i < n; i++)
			assert_int_equal(iov[i].iov_len, i < 4 ? cap : 1);
		/* Nothing written past max. */
		for (i = n; i < 8; i++)
			assert_int_equal(
			    iov[i].iov_len, (size_t)0xeeeeeeeeeeeeeeeeULL);
	}
	outq_clear(&q, p);
	assert_int_equal(pool_outstanding(p), 0);
	free(m.p);
	pool_free(p);
}

static void
test_clear(void **state)
{
	const size_t cap = chunk_cap();
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	struct model m = {0};

	(void)state;
	fill(&q, p, &m, 3 * cap);
	outq_consume(&q, p, 1);
	outq_clear(&q, p);
	model_consume(&m, m.len);
	check(&q, p, &m);
	assert_int_equal(pool_outstanding(p), 0);
	fill(&q, p, &m, 5);
	check(&q, p, &m);
	outq_clear(&q, p);
	outq_clear(&q, p);
	assert_int_equal(pool_outstanding(p), 0);
	free(m.p);
	pool_free(p);
}

/* A big append then writes of odd sizes, as writev would take them. */
static void
test_big_append(void **state)
{
	const size_t cap = chunk_cap(), total = 10 * cap;
	const size_t writes[] = {1, cap, 3 * cap + 7, cap - 1, 13};
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	struct model m = {0};
	char *big = malloc(total);
	size_t i = 0, n;

	(void)state;
	assert_non_null(big);
	pattern(big, total, 9);
	assert_int_equal(outq_append(&q, p, big, total, total), OUTQ_OK);
	model_append(&m, big, total);
	check(&q, p, &m);
	assert_int_equal(pool_outstanding(p), 10);
	while (m.len > 0) {
		n = writes[i++ % (sizeof(writes) / sizeof(writes[0]))];
		if (n > m.len)
			n = m.len;
		outq_consume(&q, p, n);
		model_consume(&m, n);
		check(&q, p, &m);
	}
	assert_int_equal(pool_outstanding(p), 0);
	free(big);
	free(m.p);
	pool_free(p);
}

static void
test_truncate_every_length(void **state)
{
	const size_t cap = chunk_cap();
	size_t total = 3 * cap + 5, keep;

	(void)state;
	for (keep = 0; keep <= total + 1; keep++) {
		struct pool *p = pool_new(BLOCK, 4);
		struct outq q = {0};
		struct model m = {0};

		fill(&q, p, &m, total);
		/* A consumed head chunk must keep working too. */
		outq_consume(&q, p, 3);
		model_consume(&m, 3);
		outq_truncate(&q, p, keep);
		if (keep < m.len)
			m.len = keep;
		check(&q, p, &m);
		/* The queue still takes appends after a cut. */
		assert_int_equal(
		    outq_append(&q, p, "tail", 4, SIZE_MAX), OUTQ_OK);
		model_append(&m, "tail", 4);
		check(&q, p, &m);
		outq_clear(&q, p);
		assert_int_equal(pool_outstanding(p), 0);
		free(m.p);
		pool_free(p);
	}
}

static void
test_line_end(void **state)
{
	const size_t cap = chunk_cap();
	struct pool *p = pool_new(BLOCK, 4);
	struct outq q = {0};
	char big[4 * BLOCK];

	(void)state;
	assert_int_equal(outq_line_end(&q), 0);
	assert_int_equal(outq_append(&q, p, "abc", 3, SIZE_MAX), OUTQ_OK);
	assert_int_equal(outq_line_end(&q), 3);
	assert_int_equal(outq_append(&q, p, "\nxy\n", 4, SIZE_MAX), OUTQ_OK);
	assert_int_equal(outq_line_end(&q), 4);
	outq_consume(&q, p, 2);
	assert_int_equal(outq_line_end(&q), 2);
	outq_clear(&q, p);
	/* The first LF in a later chunk. */
	memset(big, 'z', sizeof(big));
	big[2 * cap + 1] = '\n';
	assert_int_equal(
	    outq_append(&q, p, big, sizeof(big), SIZE_MAX), OUTQ_OK);
	assert_int_equal(outq_line_end(&q), 2 * cap + 2);
	outq_clear(&q, p);
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chunk_is_one_block),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_append_crossing),
	    cmocka_unit_test(test_consume_every_offset),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_nomem_appends_nothing),
	    cmocka_unit_test(test_iov_max),
	    cmocka_unit_test(test_clear),
	    cmocka_unit_test(test_big_append),
	    cmocka_unit_test(test_truncate_every_length),
	    cmocka_unit_test(test_line_end),
	};

	return cmocka_run_group_tests_name("outq", tests, NULL, NULL);
}

/* test_hmap.c: tests for the intrusive hash table and its hash functions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hmap.h"

/* The key of the SipHash reference vectors: bytes 00 to 0f. */
static const struct hmap_key tkey = {0x0706050403020100u, 0x0f0e0d0c0b0a0908u};

struct item {
	struct hmap_node node;
	int key;
	int linked;
};

/* A key's hash; colliding makes every key share one of a few hashes. */
static uint32_t
key_hash(int key, int colliding)
{
	if (colliding)
		return (uint32_t)(key % 3);
	return hmap_hash(&tkey, &key, sizeof(key));
}

static struct item *
find(const struct hmap *m, int key, int colliding)
{
	struct hmap_node *n;
	struct item *it;

	for (n = hmap_first(m, key_hash(key, colliding)); n != NULL;
	     n = hmap_next(n)) {
		it = HMAP_ENTRY(n, struct item, node);
		if (it->key == key)
			return it;
	}
	return NULL;
}

/* Nodes reachable from every bucket, checking each is in the right one. */
static size_t
walk_count(const struct hmap *m)
{
	struct hmap_node *n;
	size_t i, total = 0;

	if (m->buckets == NULL)
		return 0;
	for (i = 0; i <= m->mask; i++) {
		for (n = m->buckets[i]; n != NULL; n = n->next) {
			assert_int_equal(n->hash & m->mask, i);
			total++;
		}
	}
	return total;
}

static void
check_table(const struct hmap *m, struct item *items, int n, int colliding)
{
	size_t linked = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (items[i].linked) {
			assert_ptr_equal(find(m, i, colliding), &items[i]);
			linked++;
		} else {
			assert_null(find(m, i, colliding));
		}
	}
	assert_int_equal(hmap_count(m), linked);
	assert_int_equal(walk_count(m), linked);
	if (m->buckets != NULL) {
		/* Power of two, load at most 1. */
		assert_int_equal((m->mask + 1) & m->mask, 0);
		assert_true(linked <= m->mask + 1);
	}
}

static void
test_empty(void **state)
{
	struct hmap m = {0};

	(void)state;
	assert_null(hmap_first(&m, 0));
	assert_null(hmap_first(&m, 12345));
	assert_int_equal(hmap_count(&m), 0);
	hmap_clear(&m);
	assert_null(m.buckets);
	assert_int_equal(hmap_count(&m), 0);
}

static void
test_insert_remove(void **state)
{
	enum { N = 1000 };
	static struct item items[N];
	struct hmap m = {0};
	int colliding, i;

	(void)state;
	for (colliding = 0; colliding <= 1; colliding++) {
		memset(items, 0, sizeof(items));
		for (i = 0; i < N; i++) {
			items[i].key = i;
			assert_int_equal(hmap_insert(&m, &items[i].node,
			                     key_hash(i, colliding)),
			    0);
			items[i].linked = 1;
			if (i % 97 == 0)
				check_table(&m, items, N, colliding);
		}
		check_table(&m, items, N, colliding);
		/* Remove from the middle, the ends and every third. */
		for (i = 0; i < N; i += 3) {
			hmap_remove(&m, &items[i].node);
			items[i].linked = 0;
		}
		check_table(&m, items, N, colliding);
		/* Re-insert some, remove the rest. */
		for (i = 0; i < N; i += 6) {
			assert_int_equal(hmap_insert(&m, &items[i].node,
			                     key_hash(i, colliding)),
			    0);
			items[i].linked = 1;
		}
		check_table(&m, items, N, colliding);
		for (i = 0; i < N; i++) {
			if (items[i].linked) {
				hmap_remove(&m, &items[i].node);
				items[i].linked = 0;
			}
		}
		check_table(&m, items, N, colliding);
		assert_int_equal(hmap_count(&m), 0);
		hmap_clear(&m);
	}
}

/* Growth keeps the load at most 1 at N-1, N and N+1 nodes for N buckets. */
static void
test_growth(void **state)
{
	enum { N = 70 };
	struct item items[N];
	struct hmap m = {0};
	size_t prev_buckets = 0;
	int i;

	(void)state;
	memset(items, 0, sizeof(items));
	for (i = 0; i < N; i++) {
		items[i].key = i;
		assert_int_equal(
		    hmap_insert(&m, &items[i].node, key_hash(i, 0)), 0);
		assert_true(hmap_count(&m) <= m.mask + 1);
		if (prev_buckets != 0 && m.mask + 1 != prev_buckets) {
			/* Doubled exactly when the count passed it. */
			assert_int_equal(m.mask + 1, prev_buckets * 2);
			assert_int_equal(hmap_count(&m), prev_buckets + 1);
		}
		prev_buckets = m.mask + 1;
	}
	assert_int_equal(m.mask + 1, 128);
	for (i = 0; i < N; i++) {
		items[i].linked = 1;
	}
	check_table(&m, items, N, 0);
	hmap_clear(&m);
	assert_null(m.buckets);
	assert_int_equal(m.mask, 0);
	assert_int_equal(hmap_count(&m), 0);
}

/* hmap_next visits exactly the nodes with the same hash. */
static void
test_same_hash_chain(void **state)
{
	struct item items[10];
	struct hmap m = {0};
	struct hmap_node *n;
	int i, seen;

	(void)state;
	memset(items, 0, sizeof(items));
	for (i = 0; i < 10; i++) {
		/* Hashes 7 and 7 + 8 share a bucket of 8 but differ. */
		assert_int_equal(
		    hmap_insert(&m, &items[i].node, i % 2 ? 7u : 7u + 8u), 0);
		items[i].key = i;
	}
	seen = 0;
	for (n = hmap_first(&m, 7); n != NULL; n = hmap_next(n)) {
		assert_int_equal(n->hash, 7);
		assert_true(HMAP_ENTRY(n, struct item, node)->key % 2 == 1);
		seen++;
	}
	assert_int_equal(seen, 5);
	assert_null(hmap_first(&m, 6));
	hmap_clear(&m);
}

struct hash_case {
	const char *a;
	const char *b;
	int fold_equal;
};

static void
test_hash_fold(void **state)
{
	static const struct hash_case cases[] = {
	    {"Alice", "alice", 1},
	    {"ALICE", "alice", 1},
	    {"aLiCe_09.-#", "AlIcE_09.-#", 1},
	    {"", "", 1},
	    {"AZ", "az", 1},
	    {"alice", "alicf", 0},
	    {"alice", "alice ", 0},
	    /* Pairs 0x20 apart that are not letters must not fold. */
	    {"@", "`", 0},
	    {"[", "{", 0},
	    {"\\", "|", 0},
	    {"]", "}", 0},
	    {"^", "~", 0},
	    {"\xc4", "\xe4", 0},
	    {"\xc9", "\xe9", 0},
	};
	size_t i;
	uint32_t fa, fb;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fa = hmap_hash_fold(&tkey, cases[i].a, strlen(cases[i].a));
		fb = hmap_hash_fold(&tkey, cases[i].b, strlen(cases[i].b));
		if (cases[i].fold_equal) {
			assert_int_equal(fa, fb);
		} else {
			assert_int_not_equal(fa, fb);
		}
	}
	assert_int_equal(
	    hmap_hash(&tkey, "alice", 5), hmap_hash_fold(&tkey, "ALICE", 5));
	assert_int_equal(
	    hmap_hash(&tkey, "a#1", 3), hmap_hash_fold(&tkey, "a#1", 3));
	assert_int_not_equal(
	    hmap_hash(&tkey, "Alice", 5), hmap_hash(&tkey, "alice", 5));
	/* Only len bytes count. */
	assert_int_equal(
	    hmap_hash(&tkey, "abcX", 3), hmap_hash(&tkey, "abcY", 3));
	assert_int_equal(
	    hmap_hash_fold(&tkey, "abcX", 3), hmap_hash_fold(&tkey, "ABCy", 3));
}

/*
 * Similar keys (as user names and ids are) spread over the low bits:
 * no bucket of a full table gets a long chain.
 */
static void
test_hash_spread(void **state)
{
	enum { N = 4096 };
	static unsigned counts[N];
	char key[32];
	unsigned max = 0;
	int i, len;

	(void)state;
	memset(counts, 0, sizeof(counts));
	for (i = 0; i < N; i++) {
		len = snprintf(key, sizeof(key), "user%d", i);
		counts[hmap_hash(&tkey, key, (size_t)len) & (N - 1)]++;
	}
	for (i = 0; i < N; i++) {
		if (counts[i] > max)
			max = counts[i];
	}
	assert_true(max <= 10);
	memset(counts, 0, sizeof(counts));
	max = 0;
	for (i = 0; i < N; i++) {
		len = snprintf(key, sizeof(key), "127.0.0.1:%d", 40000 + i);
		counts[hmap_hash_fold(&tkey, key, (size_t)len) & (N - 1)]++;
	}
	for (i = 0; i < N; i++) {
		if (counts[i] > max)
			max = counts[i];
	}
	assert_true(max <= 10);
}

/* The reference vectors: message i is bytes 00 to i-1 under tkey. */
static void
test_siphash_vectors(void **state)
{
	static const uint64_t want[16] = {
	    0x726fdb47dd0e0e31u,
	    0x74f839c593dc67fdu,
	    0x0d6c8009d9a94f5au,
	    0x85676696d7fb7e2du,
	    0xcf2794e0277187b7u,
	    0x18765564cd99a68du,
	    0xcbc9466e58fee3ceu,
	    0xab0200f58b01d137u,
	    0x93f5f5799a932462u,
	    0x9e0082df0ba9e4b0u,
	    0x7a5dbbc594ddb9f3u,
	    0xf4b32f46226bada7u,
	    0x751e8fbc860ee5fbu,
	    0x14ea5627c0843d90u,
	    0xf723ca908e7af2eeu,
	    0xa129ca6149be45e5u,
	};
	unsigned char msg[16], kb[HMAP_KEY_SIZE];
	struct hmap_key k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < sizeof(kb); i++)
		kb[i] = (unsigned char)i;
	k = hmap_key_from_bytes(kb);
	assert_true(k.k0 == tkey.k0 && k.k1 == tkey.k1);
	for (i = 0; i < 16; i++) {
		if (hmap_siphash(&tkey, msg, i) != want[i])
			fail_msg("length %zu: %016llx", i,
			    (unsigned long long)hmap_siphash(&tkey, msg, i));
		assert_int_equal(hmap_hash(&tkey, msg, i), (uint32_t)want[i]);
	}
}

/*
 * Names chosen to share a bucket under one key are spread by another: who
 * does not know the key cannot make one chain of them.  Under a fixed key
 * this collects 512 names whose hashes agree in their low 12 bits (one
 * bucket of a 4096-bucket table), then hashes them under other keys.
 */
static void
test_keys_differ(void **state)
{
	enum { WANT = 512, BITS = 12, BUCKETS = 1 << BITS };
	static char names[WANT][16];
	static unsigned counts[BUCKETS];
	const struct hmap_key other[] = {
	    {1, 2}, {0x9e3779b97f4a7c15u, 0xbf58476d1ce4e5b9u}, {0, 0}};
	uint32_t target;
	unsigned max;
	size_t found = 0, k, i;
	long n;

	(void)state;
	target = hmap_hash_fold(&tkey, "u0", 2) & (BUCKETS - 1);
	for (n = 0; found < WANT; n++) {
		int len =
		    snprintf(names[found], sizeof(names[found]), "u%ld", n);

		if ((hmap_hash_fold(&tkey, names[found], (size_t)len) &
		        (BUCKETS - 1)) == target)
			found++;
	}
	for (k = 0; k < sizeof(other) / sizeof(other[0]); k++) {
		memset(counts, 0, sizeof(counts));
		max = 0;
		for (i = 0; i < WANT; i++) {
			uint32_t h = hmap_hash_fold(
			    &other[k], names[i], strlen(names[i]));

			if (++counts[h & (BUCKETS - 1)] > max)
				max = counts[h & (BUCKETS - 1)];
		}
		/* 512 names in 4096 buckets: a few share one, not 512. */
		assert_true(max <= 6);
	}
	/* And the folded hash is the same under one key whatever the case. */
	assert_int_equal(
	    hmap_hash_fold(&other[1], "U0", 2), hmap_hash(&other[1], "u0", 2));
	assert_int_not_equal(
	    hmap_hash(&other[0], "u0", 2), hmap_hash(&other[1], "u0", 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_insert_remove),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_same_hash_chain),
	    cmocka_unit_test(test_hash_fold),
	    cmocka_unit_test(test_hash_spread),
	    cmocka_unit_test(test_siphash_vectors),
	    cmocka_unit_test(test_keys_differ),
	};

	return cmocka_run_group_tests_name("hmap", tests, NULL, NULL);
}

/* hmap.c: an intrusive chained hash table with a power-of-two bucket count. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "hmap.h"

/* Buckets made by the first insertion. */
#define HMAP_MIN_BUCKETS 8

/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012), written out from the paper:
 * a keyed hash made for hash tables fed by an adversary, about 50 lines,
 * and checked against the reference test vectors in tests/test_hmap.c.
 */
#define HMAP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct hmap_sip {
	uint64_t v0, v1, v2, v3;
};

static void
hmap_sip_round(struct hmap_sip *s)
{
	s->v0 += s->v1;
	s->v1 = HMAP_ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = HMAP_ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = HMAP_ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = HMAP_ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = HMAP_ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = HMAP_ROTL(s->v2, 32);
}

static void
hmap_sip_block(struct hmap_sip *s, uint64_t m)
{
	s->v3 ^= m;
	hmap_sip_round(s);
	hmap_sip_round(s);
	s->v0 ^= m;
}

/* ASCII only: tolower() would depend on the locale. */
static unsigned char
hmap_lower(unsigned char b)
{
	return (b >= 'A' && b <= 'Z') ? (unsigned char)(b - 'A' + 'a') : b;
}

/* SipHash-2-4 of s, with ASCII letters lowered first if fold. */
static uint64_t
hmap_sip(
    const struct hmap_key *key, const unsigned char *p, size_t len, int fold)
{
	struct hmap_sip s;
	uint64_t m;
	size_t i, j, whole = len - len % 8;

	s.v0 = key->k0 ^ 0x736f6d6570736575u;
	s.v1 = key->k1 ^ 0x646f72616e646f6du;
	s.v2 = key->k0 ^ 0x6c7967656e657261u;
	s.v3 = key->k1 ^ 0x7465646279746573u;
	for (i = 0; i < whole; i += 8) {
		if (fold) {
			m = 0;
			for (j = 8; j-- > 0;)
				m = m << 8 | hmap_lower(p[i + j]);
		} else {
			/* Written out, so that compilers make it one load. */
			m = (uint64_t)p[i] | (uint64_t)p[i + 1] << 8 |
			    (uint64_t)p[i + 2] << 16 |
			    (uint64_t)p[i + 3] << 24 |
			    (uint64_t)p[i + 4] << 32 |
			    (uint64_t)p[i + 5] << 40 |
			    (uint64_t)p[i + 6] << 48 | (uint64_t)p[i + 7] << 56;
		}
		hmap_sip_block(&s, m);
	}
	/* The last block holds the rest and the length's low byte on top. */
	m = (uint64_t)(len & 0xFF) << 56;
	for (j = len - whole; j-- > 0;)
		m |= (uint64_t)(fold ? hmap_lower(p[i + j]) : p[i + j])
		    << (8 * j);
	hmap_sip_block(&s, m);
	s.v2 ^= 0xFF;
	hmap_sip_round(&s);
	hmap_sip_round(&s);
	hmap_sip_round(&s);
	hmap_sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

struct hmap_key
hmap_key_from_bytes(const unsigned char bytes[HMAP_KEY_SIZE])
{
	struct hmap_key k = {0, 0};
	int i;

	for (i = 7; i >= 0; i--) {
		k.k0 = k.k0 << 8 | bytes[i];
		k.k1 = k.k1 << 8 | bytes[8 + i];
	}
	return k;
}

uint64_t
hmap_siphash(const struct hmap_key *key, const void *p, size_t len)
{
	return hmap_sip(key, p, len, 0);
}

uint32_t
hmap_hash(const struct hmap_key *key, const void *p, size_t len)
{
	return (uint32_t)hmap_sip(key, p, len, 0);
}

uint32_t
hmap_hash_fold(const struct hmap_key *key, const char *p, size_t len)
{
	return (uint32_t)hmap_sip(key, (const unsigned char *)p, len, 1);
}

/* Re-links every node into a new array of n buckets; -1 if out of memory. */
static int
hmap_resize(struct hmap *m, size_t n)
{
	struct hmap_node **b, *node, *next;
	size_t i;

	b = calloc(n, sizeof(*b));
	if (b == NULL)
		return -1;
	if (m->buckets != NULL) {
		for (i = 0; i <= m->mask; i++) {
			for (node = m->buckets[i]; node != NULL; node = next) {
				next = node->next;
				node->next = b[node->hash & (n - 1)];
				b[node->hash & (n - 1)] = node;
			}
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->mask = n - 1;
	return 0;
}

int
hmap_insert(struct hmap *m, struct hmap_node *n, uint32_t hash)
{
	struct hmap_node **head;
	size_t buckets;

	if (m->buckets == NULL && hmap_resize(m, HMAP_MIN_BUCKETS) < 0)
		return -1;
	n->hash = hash;
	head = &m->buckets[hash & m->mask];
	n->next = *head;
	*head = n;
	m->count++;
	buckets = m->mask + 1;
	/* A failed grow only costs speed, so it is not reported. */
	if (m->count > buckets && buckets <= SIZE_MAX / 2 / sizeof(n))
		(void)hmap_resize(m, buckets * 2);
	return 0;
}

void
hmap_remove(struct hmap *m, struct hmap_node *n)
{
	struct hmap_node **pp;

	for (pp = &m->buckets[n->hash & m->mask]; *pp != NULL;
	     pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			m->count--;
			return;
		}
	}
	assert(!"hmap_remove: node not linked");
}

struct hmap_node *
hmap_first(const struct hmap *m, uint32_t hash)
{
	struct hmap_node *n;

	if (m->buckets == NULL)
		return NULL;
	for (n = m->buckets[hash & m->mask]; n != NULL; n = n->next) {
		if (n->hash == hash)
			return n;
	}
	return NULL;
}

struct hmap_node *
hmap_next(const struct hmap_node *n)
{
	uint32_t hash = n->hash;

	/* Every node after n in its chain is in the same bucket. */
	for (n = n->next; n != NULL; n = n->next) {
		if (n->hash == hash)
			return (struct hmap_node *)n;
	}
	return NULL;
}

void
hmap_clear(struct hmap *m)
{
	free(m->buckets);
	m->buckets = NULL;
	m->mask = 0;
	m->count = 0;
}

size_t
hmap_count(const struct hmap *m)
{
	return m->count;
}

/* hmap.c: an intrusive chained hash table with a power-of-two bucket count. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "hmap.h"

/* Buckets made by the first insertion. */
#define HMAP_MIN_BUCKETS 8

#define FNV_OFFSET 2166136261u
#define FNV_PRIME  16777619u

/*
 * The murmur3 finaliser: FNV-1a alone mixes its last bytes poorly into the
 * low bits, and the low bits are all a power-of-two table looks at.
 */
static uint32_t
hmap_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

uint32_t
hmap_hash(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint32_t h = FNV_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= FNV_PRIME;
	}
	return hmap_mix(h);
}

uint32_t
hmap_hash_fold(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t h = FNV_OFFSET;
	unsigned char b;
	size_t i;

	for (i = 0; i < len; i++) {
		b = s[i];
		/* ASCII only: tolower() would depend on the locale. */
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		h ^= b;
		h *= FNV_PRIME;
	}
	return hmap_mix(h);
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

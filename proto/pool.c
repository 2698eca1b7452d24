/* pool.c: a free list of equal-sized blocks, reused instead of malloc. */
#include <assert.h>
#include <stdlib.h>

#include "pool.h"

/* A free block holds the link to the next free block in its first bytes. */
struct pool_link {
	struct pool_link *next;
};

struct pool {
	size_t block_size;
	size_t alloc_size; /* block_size, raised to hold a link */
	size_t keep_max;
	size_t nfree;
	size_t outstanding;
	struct pool_link *free;
};

struct pool *
pool_new(size_t block_size, size_t keep_max)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->block_size = block_size;
	p->alloc_size = block_size < sizeof(struct pool_link)
	    ? sizeof(struct pool_link)
	    : block_size;
	p->keep_max = keep_max;
	return p;
}

void
pool_free(struct pool *p)
{
	struct pool_link *b;

	if (p == NULL)
		return;
	assert(p->outstanding == 0);
	while ((b = p->free) != NULL) {
		p->free = b->next;
		free(b);
	}
	free(p);
}

void *
pool_get(struct pool *p)
{
	struct pool_link *b = p->free;

	if (b != NULL) {
		p->free = b->next;
		p->nfree--;
	} else {
		b = malloc(p->alloc_size);
		if (b == NULL)
			return NULL;
	}
	p->outstanding++;
	return b;
}

void
pool_put(struct pool *p, void *block)
{
	struct pool_link *b = block;

	if (b == NULL)
		return;
	assert(p->outstanding > 0);
	p->outstanding--;
	if (p->nfree >= p->keep_max) {
		free(b);
		return;
	}
	b->next = p->free;
	p->free = b;
	p->nfree++;
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

/* pool.h: a free list of equal-sized blocks, so steady traffic does not call
 * malloc. */
#ifndef PROTO_POOL_H
#define PROTO_POOL_H

#include <stddef.h>

struct pool;

/*
 * A pool of blocks of block_size bytes that keeps at most keep_max free
 * blocks for reuse and frees the rest.  Returns NULL when out of memory.
 */
struct pool *pool_new(size_t block_size, size_t keep_max);

/* Frees the pool and its free blocks; blocks still out must be put first. */
void pool_free(struct pool *p);

/* A block of the pool's size, owned by the caller until pool_put; NULL on
 * ENOMEM. */
void *pool_get(struct pool *p);

/* Gives a block back (NULL does nothing). */
void pool_put(struct pool *p, void *block);

/* Block size in bytes. */
size_t pool_block_size(const struct pool *p);

/* Blocks handed out and not yet put back (for leak checks in tests). */
size_t pool_outstanding(const struct pool *p);

#endif

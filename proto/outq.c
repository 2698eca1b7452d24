/* outq.c: a bounded per-connection output queue made of pooled chunks. */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "outq.h"

/* One pool block: bytes [start, end) of data are queued. */
struct outq_chunk {
	struct outq_chunk *next;
	size_t start;
	size_t end;
	size_t cap; /* bytes data can hold: the pool block less this header */
	char data[];
};

/* Bytes of data one chunk holds. */
static size_t
outq_chunk_cap(const struct pool *p)
{
	assert(pool_block_size(p) > offsetof(struct outq_chunk, data));
	return pool_block_size(p) - offsetof(struct outq_chunk, data);
}

enum outq_status
outq_append(
    struct outq *q, struct pool *p, const void *data, size_t len, size_t limit)
{
	const char *src = data;
	size_t cap, room = 0, n, need;
	struct outq_chunk *first = NULL, *last = NULL, *c;

	if (len > limit || q->bytes > limit - len)
		return OUTQ_FULL;
	/* The common case, a line that fits the last chunk: one copy. */
	if (q->tail != NULL && q->tail->cap - q->tail->end >= len) {
		memcpy(q->tail->data + q->tail->end, data, len);
		q->tail->end += len;
		q->bytes += len;
		return OUTQ_OK;
	}
	if (len == 0)
		return OUTQ_OK;
	cap = outq_chunk_cap(p);
	if (q->tail != NULL)
		room = cap - q->tail->end;
	/*
	 * Take every chunk needed before copying anything, so that running
	 * out of memory leaves the queue as it was.
	 */
	for (need = len > room ? len - room : 0; need > 0; need -= n) {
		c = pool_get(p);
		if (c == NULL)
			goto fail;
		c->next = NULL;
		c->start = 0;
		c->end = 0;
		c->cap = cap;
		if (last != NULL)
			last->next = c;
		else
			first = c;
		last = c;
		n = need < cap ? need : cap;
	}
	if (room > 0) {
		n = len < room ? len : room;
		memcpy(q->tail->data + q->tail->end, src, n);
		q->tail->end += n;
		src += n;
		len -= n;
		q->bytes += n;
	}
	for (c = first; c != NULL; c = c->next) {
		n = len < cap ? len : cap;
		memcpy(c->data, src, n);
		c->end = n;
		src += n;
		len -= n;
		q->bytes += n;
	}
	if (first != NULL) {
		if (q->tail != NULL)
			q->tail->next = first;
		else
			q->head = first;
		q->tail = last;
	}
	return OUTQ_OK;
fail:
	while ((c = first) != NULL) {
		first = c->next;
		pool_put(p, c);
	}
	return OUTQ_NOMEM;
}

size_t
outq_bytes(const struct outq *q)
{
	return q->bytes;
}

int
outq_iov(const struct outq *q, struct iovec *iov, int max)
{
	const struct outq_chunk *c;
	int n = 0;

	for (c = q->head; c != NULL && n < max; c = c->next) {
		iov[n].iov_base = (void *)(c->data + c->start);
		iov[n].iov_len = c->end - c->start;
		n++;
	}
	return n;
}

void
outq_consume(struct outq *q, struct pool *p, size_t n)
{
	struct outq_chunk *c;
	size_t k;

	assert(n <= q->bytes);
	while (n > 0) {
		c = q->head;
		k = c->end - c->start;
		if (n < k) {
			c->start += n;
			q->bytes -= n;
			return;
		}
		n -= k;
		q->bytes -= k;
		q->head = c->next;
		if (q->head == NULL)
			q->tail = NULL;
		pool_put(p, c);
	}
}

void
outq_clear(struct outq *q, struct pool *p)
{
	struct outq_chunk *c;

	while ((c = q->head) != NULL) {
		q->head = c->next;
		pool_put(p, c);
	}
	q->tail = NULL;
	q->bytes = 0;
}

size_t
outq_line_end(const struct outq *q)
{
	const struct outq_chunk *c;
	size_t before = 0;

	for (c = q->head; c != NULL; c = c->next) {
		const char *lf =
		    memchr(c->data + c->start, '\n', c->end - c->start);

		if (lf != NULL)
			return before + (size_t)(lf - (c->data + c->start)) + 1;
		before += c->end - c->start;
	}
	return before;
}

void
outq_truncate(struct outq *q, struct pool *p, size_t keep)
{
	struct outq_chunk *c = q->head, *rest;
	size_t left = keep;

	if (keep >= q->bytes)
		return;
	if (keep == 0) {
		outq_clear(q, p);
		return;
	}
	/* Find the chunk holding the last byte kept. */
	while (left > c->end - c->start) {
		left -= c->end - c->start;
		c = c->next;
	}
	c->end = c->start + left;
	rest = c->next;
	c->next = NULL;
	q->tail = c;
	q->bytes = keep;
	while (rest != NULL) {
		struct outq_chunk *next = rest->next;

		pool_put(p, rest);
		rest = next;
	}
}

/* outq.h: a bounded per-connection output queue made of pooled chunks. */
#ifndef PROTO_OUTQ_H
#define PROTO_OUTQ_H

#include <stddef.h>
#include <sys/uio.h>

#include "pool.h"

struct outq_chunk;

/*
 * Bytes waiting to be written, oldest first, in a list of chunks taken from
 * a pool (each chunk a pool block).  An empty queue holds no chunk, so an
 * idle connection costs only this struct.  A zeroed struct outq is empty.
 */
struct outq {
	struct outq_chunk *head;
	struct outq_chunk *tail;
	size_t bytes;
};

enum outq_status {
	OUTQ_OK = 0,
	OUTQ_FULL = -1,  /* the bytes would pass the limit: nothing appended */
	OUTQ_NOMEM = -2, /* no chunk could be had: nothing appended */
};

/*
 * Appends len bytes, all or nothing, unless the queue would then hold more
 * than limit bytes.  The pool's blocks must be larger than a chunk header.
 */
enum outq_status outq_append(
    struct outq *q, struct pool *p, const void *data, size_t len, size_t limit);

/* Bytes queued. */
size_t outq_bytes(const struct outq *q);

/*
 * Points up to max iovecs at the queued bytes, oldest first, for writev.
 * Returns the number filled; the memory stays owned by the queue and valid
 * until the next append, consume or clear.
 */
int outq_iov(const struct outq *q, struct iovec *iov, int max);

/* Drops the first n bytes (n <= outq_bytes) after they were written. */
void outq_consume(struct outq *q, struct pool *p, size_t n);

/* Drops everything. */
void outq_clear(struct outq *q, struct pool *p);

/* Bytes up to and including the first LF queued, or outq_bytes if none. */
size_t outq_line_end(const struct outq *q);

/* Drops everything after the first keep bytes (nothing if keep >= outq_bytes).
 */
void outq_truncate(struct outq *q, struct pool *p, size_t keep);

#endif

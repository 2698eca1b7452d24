/* history.h: the last few message lines of a channel, replayed to joiners. */
#ifndef SERVER_HISTORY_H
#define SERVER_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

/*
 * The store is the budget that every channel's ring draws on: it counts
 * the bytes of every kept line (its buffer and a small header,
 * history_line_cost) and keeps all lines in the order they came, so that
 * when an addition passes the budget the oldest lines of the whole server
 * go first, whichever channel holds them.
 */
struct history_store;
struct history;

/* A store of at most max_bytes (0 keeps nothing).  NULL on ENOMEM. */
struct history_store *history_store_new(size_t max_bytes);
/* Frees the store, whose rings must all be freed first (NULL does nothing). */
void history_store_free(struct history_store *s);
/* Bytes the kept lines take now: never more than max_bytes. */
size_t history_store_bytes(const struct history_store *s);
/* Lines kept in every ring. */
size_t history_store_lines(const struct history_store *s);
/* What a line whose buffer holds cap bytes costs the store. */
size_t history_line_cost(size_t cap);

/*
 * A ring in store s keeping the last max lines (max >= 1).  A line
 * overwritten by a newer one of the same ring gives the newer its buffer
 * when it is large enough, so a busy channel stops allocating once its
 * lines have grown to its usual length.  NULL when out of memory.
 */
struct history *history_new(struct history_store *s, size_t max);
/* Frees the ring and its lines (NULL does nothing). */
void history_free(struct history *h);
/*
 * Copies a line in, dropping this ring's oldest when full, then the oldest
 * lines of any ring until the store is within its budget.  A line that
 * alone costs more than the budget is not kept.  0, or -1 on ENOMEM (then
 * nothing changed).
 */
int history_add(struct history *h, const char *line, size_t len);
/* Lines kept. */
size_t history_count(const struct history *h);
/* Line i, 0 being the oldest kept; owned by the ring, valid until the next add
 * to any ring of its store. */
const char *history_get(const struct history *h, size_t i, size_t *len);

/*
 * Which kept lines a history request gets: [first, first + count), 0
 * being the oldest kept, in the order kept (by seq).  more says whether
 * kept lines lie beyond them in the request's direction.
 */
struct history_range {
	size_t first;
	size_t count;
	int more;
};

/*
 * The lines of h a request for limit lines before, after or latest seq
 * gets (before and after exclude seq itself; latest ignores it), at most
 * max_bytes of them but always one if any: those nearest seq (the newest
 * for latest).  Every line must be a "kind$chan$seq$..." line added in seq
 * order, as the chat rules add them; a line without a seq counts as 0.
 * Reads only.
 */
void history_page(const struct history *h, enum cmd_dir dir, uint64_t seq,
    size_t limit, size_t max_bytes, struct history_range *out);

/* The seq of kept line i (i < history_count), as history_page reads it. */
uint64_t history_seq(const struct history *h, size_t i);

#endif

/* deadline.h: the earliest of many per-connection deadlines, in a heap. */
#ifndef SERVER_DEADLINE_H
#define SERVER_DEADLINE_H

#include <stdint.h>

/*
 * A binary min-heap of deadlines keyed by small non-negative ids
 * (connection slots), at most one deadline per id.  Setting, moving and
 * cancelling cost O(log n); the earliest is found in O(1).  Times are in
 * whatever unit the caller uses (the server uses milliseconds).
 */
struct deadlines;

/* An empty set, owned by the caller until deadlines_free; NULL on ENOMEM. */
struct deadlines *deadlines_new(void);
/* Frees the set (NULL does nothing). */
void deadlines_free(struct deadlines *d);

/* Inserts or moves id's deadline (id >= 0); 0, or -1 on ENOMEM (unchanged). */
int deadlines_set(struct deadlines *d, int id, uint64_t when);
/* Removes id's deadline; a no-op if it has none. */
void deadlines_cancel(struct deadlines *d, int id);
/* id's deadline, or UINT64_MAX if it has none. */
uint64_t deadlines_when(const struct deadlines *d, int id);
/* Returns 1 and the earliest deadline in *when, or 0 if the set is empty. */
int deadlines_next(const struct deadlines *d, uint64_t *when);
/*
 * Removes one id whose deadline is <= now (the earliest) and returns 1 with
 * it in *id, or returns 0 if none is due.
 */
int deadlines_pop(struct deadlines *d, uint64_t now, int *id);

#endif

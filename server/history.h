/* history.h: the last few message lines of a channel, replayed to joiners. */
#ifndef SERVER_HISTORY_H
#define SERVER_HISTORY_H

#include <stddef.h>

struct history;

/*
 * A ring keeping the last max lines (max >= 1).  Each slot keeps its
 * allocation when overwritten, so a busy channel stops allocating once its
 * slots have grown to its usual line length.  NULL when out of memory.
 */
struct history *history_new(size_t max);
/* Frees the ring and its lines (NULL does nothing). */
void history_free(struct history *h);
/* Copies a line in, dropping the oldest when full; 0, or -1 on ENOMEM (then
 * nothing changed). */
int history_add(struct history *h, const char *line, size_t len);
/* Lines kept. */
size_t history_count(const struct history *h);
/* Line i, 0 being the oldest kept; owned by the ring, valid until the next add.
 */
const char *history_get(const struct history *h, size_t i, size_t *len);

#endif

/* history.c: a ring of recent message lines per channel. */
#include <stdlib.h>
#include <string.h>

#include "history.h"

struct slot {
	char *p;
	size_t len;
	size_t cap;
};

struct history {
	size_t max;
	size_t count;
	size_t next; /* slot the next line goes to */
	struct slot slots[];
};

struct history *
history_new(size_t max)
{
	struct history *h;

	if (max == 0)
		return NULL;
	h = calloc(1, sizeof(*h) + max * sizeof(h->slots[0]));
	if (h == NULL)
		return NULL;
	h->max = max;
	return h;
}

void
history_free(struct history *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->max; i++)
		free(h->slots[i].p);
	free(h);
}

int
history_add(struct history *h, const char *line, size_t len)
{
	struct slot *s = &h->slots[h->next];

	if (s->cap < len) {
		char *p = realloc(s->p, len);

		if (p == NULL)
			return -1;
		s->p = p;
		s->cap = len;
	}
	/* An empty line into a fresh slot has no buffer to copy to. */
	if (len > 0)
		memcpy(s->p, line, len);
	s->len = len;
	h->next = (h->next + 1) % h->max;
	if (h->count < h->max)
		h->count++;
	return 0;
}

size_t
history_count(const struct history *h)
{
	return h->count;
}

const char *
history_get(const struct history *h, size_t i, size_t *len)
{
	size_t first = (h->next + h->max - h->count) % h->max;
	const struct slot *s = &h->slots[(first + i) % h->max];

	*len = s->len;
	return s->p;
}

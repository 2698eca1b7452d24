/* history.c: rings of recent message lines under one server-wide budget. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

/* One kept line, linked into its store's age order. */
struct history_line {
	struct history_line *older, *newer;
	struct history *ring;
	size_t len;
	size_t cap;
	char data[];
};

struct history_store {
	size_t max_bytes;
	size_t bytes;
	size_t lines;
	struct history_line *oldest, *newest;
};

struct history {
	struct history_store *store;
	size_t max;
	size_t count;
	size_t next; /* slot the next line goes to */
	struct history_line *slots[];
};

size_t
history_line_cost(size_t cap)
{
	return sizeof(struct history_line) + cap;
}

struct history_store *
history_store_new(size_t max_bytes)
{
	struct history_store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->max_bytes = max_bytes;
	return s;
}

void
history_store_free(struct history_store *s)
{
	if (s == NULL)
		return;
	assert(s->lines == 0 && s->bytes == 0);
	free(s);
}

size_t
history_store_bytes(const struct history_store *s)
{
	return s->bytes;
}

size_t
history_store_lines(const struct history_store *s)
{
	return s->lines;
}

static void
history_link(struct history_store *s, struct history_line *l)
{
	l->newer = NULL;
	l->older = s->newest;
	if (s->newest != NULL)
		s->newest->newer = l;
	else
		s->oldest = l;
	s->newest = l;
}

static void
history_unlink(struct history_store *s, struct history_line *l)
{
	if (l->older != NULL)
		l->older->newer = l->newer;
	else
		s->oldest = l->newer;
	if (l->newer != NULL)
		l->newer->older = l->older;
	else
		s->newest = l->older;
}

/* Unlinks and frees a line; its slot is the caller's to clear. */
static void
history_drop(struct history_store *s, struct history_line *l)
{
	history_unlink(s, l);
	s->bytes -= history_line_cost(l->cap);
	s->lines--;
	free(l);
}

/* Index of the oldest line of h (h->count > 0). */
static size_t
history_first(const struct history *h)
{
	return (h->next + h->max - h->count) % h->max;
}

struct history *
history_new(struct history_store *s, size_t max)
{
	struct history *h;

	if (max == 0 || max > (SIZE_MAX - sizeof(*h)) / sizeof(h->slots[0]))
		return NULL;
	h = calloc(1, sizeof(*h) + max * sizeof(h->slots[0]));
	if (h == NULL)
		return NULL;
	h->store = s;
	h->max = max;
	return h;
}

void
history_free(struct history *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->max; i++) {
		if (h->slots[i] != NULL)
			history_drop(h->store, h->slots[i]);
	}
	free(h);
}

/* Drops the oldest lines of the store until it is within its budget. */
static void
history_evict(struct history_store *s)
{
	while (s->bytes > s->max_bytes) {
		struct history_line *l = s->oldest;
		struct history *h = l->ring;
		size_t first = history_first(h);

		/* A ring's lines are in the store's order: its oldest goes. */
		assert(h->count > 0 && h->slots[first] == l);
		h->slots[first] = NULL;
		h->count--;
		history_drop(s, l);
	}
}

int
history_add(struct history *h, const char *line, size_t len)
{
	struct history_store *s = h->store;
	struct history_line *l = h->slots[h->next];

	if (len > SIZE_MAX - sizeof(*l) ||
	    history_line_cost(len) > s->max_bytes)
		return 0;
	if (l == NULL || l->cap < len) {
		struct history_line *n = malloc(history_line_cost(len));

		if (n == NULL)
			return -1;
		n->cap = len;
		if (l != NULL) {
			/* The ring is full: its oldest makes way. */
			history_drop(s, l);
			h->count--;
		}
		l = n;
		s->bytes += history_line_cost(l->cap);
		s->lines++;
	} else {
		/* Reused: the oldest line of a full ring becomes its newest. */
		history_unlink(s, l);
		h->count--;
	}
	l->ring = h;
	l->len = len;
	/* An empty line has nothing to copy (and line may be NULL). */
	if (len > 0)
		memcpy(l->data, line, len);
	history_link(s, l);
	h->slots[h->next] = l;
	h->next = (h->next + 1) % h->max;
	h->count++;
	history_evict(s);
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
	const struct history_line *l =
	    h->slots[(history_first(h) + i) % h->max];

	*len = l->len;
	return l->data;
}

/* The seq of a kept "kind$chan$seq$..." line, or 0. */
static uint64_t
history_seq_at(const struct history *h, size_t i)
{
	size_t len, at = 0, dollars = 0;
	const char *p = history_get(h, i, &len);
	uint64_t v = 0, d;

	while (at < len && dollars < 2) {
		if (p[at++] == '$')
			dollars++;
	}
	for (; at < len && p[at] >= '0' && p[at] <= '9'; at++) {
		d = (uint64_t)(p[at] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}

/* The first kept line whose seq is above seq (strict) or at least seq. */
static size_t
history_bound(const struct history *h, uint64_t seq, int strict)
{
	size_t lo = 0, hi = history_count(h), mid;
	uint64_t s;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s = history_seq_at(h, mid);
		if (s < seq || (strict && s == seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Bytes of kept line i. */
static size_t
history_len_at(const struct history *h, size_t i)
{
	size_t len;

	(void)history_get(h, i, &len);
	return len;
}

void
history_page(const struct history *h, enum cmd_dir dir, uint64_t seq,
    size_t limit, size_t max_bytes, struct history_range *out)
{
	size_t n = history_count(h), end, bytes = 0, len;

	memset(out, 0, sizeof(*out));
	if (dir == CMD_DIR_AFTER) {
		out->first = history_bound(h, seq, 1);
		while (out->count < limit && out->first + out->count < n) {
			len = history_len_at(h, out->first + out->count);
			if (out->count > 0 &&
			    (bytes >= max_bytes || len > max_bytes - bytes))
				break;
			bytes += len;
			out->count++;
		}
		out->more = out->first + out->count < n;
		return;
	}
	end = dir == CMD_DIR_BEFORE ? history_bound(h, seq, 0) : n;
	while (out->count < limit && out->count < end) {
		len = history_len_at(h, end - out->count - 1);
		if (out->count > 0 &&
		    (bytes >= max_bytes || len > max_bytes - bytes))
			break;
		bytes += len;
		out->count++;
	}
	out->first = end - out->count;
	out->more = out->first > 0;
}

uint64_t
history_seq(const struct history *h, size_t i)
{
	return history_seq_at(h, i);
}

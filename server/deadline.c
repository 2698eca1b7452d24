/* deadline.c: the earliest of many per-connection deadlines, in a heap. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"

struct deadline_entry {
	uint64_t when;
	int id;
};

struct deadlines {
	struct deadline_entry *heap; /* heap[0] is the earliest */
	size_t n;
	size_t heap_cap;
	size_t *pos;    /* per id: its heap index + 1, or 0 for none */
	size_t pos_cap; /* ids below this have a pos slot */
};

struct deadlines *
deadlines_new(void)
{
	return calloc(1, sizeof(struct deadlines));
}

void
deadlines_free(struct deadlines *d)
{
	if (d == NULL)
		return;
	free(d->heap);
	free(d->pos);
	free(d);
}

static void
deadlines_place(struct deadlines *d, size_t i, struct deadline_entry e)
{
	d->heap[i] = e;
	d->pos[e.id] = i + 1;
}

/* Moves the entry at i up or down until the heap order holds again. */
static void
deadlines_fix(struct deadlines *d, size_t i)
{
	struct deadline_entry e = d->heap[i];
	size_t parent, child;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (d->heap[parent].when <= e.when)
			break;
		deadlines_place(d, i, d->heap[parent]);
		i = parent;
	}
	for (;;) {
		child = 2 * i + 1;
		if (child >= d->n)
			break;
		if (child + 1 < d->n &&
		    d->heap[child + 1].when < d->heap[child].when)
			child++;
		if (e.when <= d->heap[child].when)
			break;
		deadlines_place(d, i, d->heap[child]);
		i = child;
	}
	deadlines_place(d, i, e);
}

/* Takes out the entry at heap index i. */
static void
deadlines_remove_at(struct deadlines *d, size_t i)
{
	d->pos[d->heap[i].id] = 0;
	d->n--;
	if (i == d->n)
		return;
	d->heap[i] = d->heap[d->n];
	deadlines_fix(d, i);
}

/* Makes room for id and one more entry; 0, or -1 on ENOMEM. */
static int
deadlines_reserve(struct deadlines *d, size_t id)
{
	struct deadline_entry *heap;
	size_t *pos, cap;

	if (id >= d->pos_cap) {
		cap = d->pos_cap ? d->pos_cap : 16;
		while (cap <= id)
			cap *= 2;
		pos = realloc(d->pos, cap * sizeof(*pos));
		if (pos == NULL)
			return -1;
		memset(pos + d->pos_cap, 0, (cap - d->pos_cap) * sizeof(*pos));
		d->pos = pos;
		d->pos_cap = cap;
	}
	if (d->n == d->heap_cap) {
		cap = d->heap_cap ? 2 * d->heap_cap : 16;
		heap = realloc(d->heap, cap * sizeof(*heap));
		if (heap == NULL)
			return -1;
		d->heap = heap;
		d->heap_cap = cap;
	}
	return 0;
}

int
deadlines_set(struct deadlines *d, int id, uint64_t when)
{
	struct deadline_entry e;
	size_t i;

	assert(id >= 0);
	if ((size_t)id < d->pos_cap && d->pos[id] != 0) {
		i = d->pos[id] - 1;
		d->heap[i].when = when;
		deadlines_fix(d, i);
		return 0;
	}
	if (deadlines_reserve(d, (size_t)id) < 0)
		return -1;
	e.when = when;
	e.id = id;
	d->heap[d->n] = e;
	d->pos[id] = ++d->n;
	deadlines_fix(d, d->n - 1);
	return 0;
}

void
deadlines_cancel(struct deadlines *d, int id)
{
	assert(id >= 0);
	if ((size_t)id < d->pos_cap && d->pos[id] != 0)
		deadlines_remove_at(d, d->pos[id] - 1);
}

uint64_t
deadlines_when(const struct deadlines *d, int id)
{
	assert(id >= 0);
	if ((size_t)id < d->pos_cap && d->pos[id] != 0)
		return d->heap[d->pos[id] - 1].when;
	return UINT64_MAX;
}

int
deadlines_next(const struct deadlines *d, uint64_t *when)
{
	if (d->n == 0)
		return 0;
	*when = d->heap[0].when;
	return 1;
}

int
deadlines_pop(struct deadlines *d, uint64_t now, int *id)
{
	if (d->n == 0 || d->heap[0].when > now)
		return 0;
	*id = d->heap[0].id;
	deadlines_remove_at(d, 0);
	return 1;
}

/* faillimit.c: a bounded table of failure counts, windowed per key. */
#include <stdlib.h>
#include <string.h>

#include "faillimit.h"

struct fail_entry {
	struct hmap_node node;
	uint64_t start; /* first failure of the window */
	unsigned count;
	int used;
	unsigned char len;
	char key[FAILLIMIT_KEY_MAX];
};

struct faillimit {
	struct hmap_key hkey;
	struct hmap index;
	struct fail_entry *entries;
	size_t n;
};

struct faillimit *
faillimit_new(size_t entries, const struct hmap_key *key)
{
	struct faillimit *f;

	if (entries == 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->entries = calloc(entries, sizeof(*f->entries));
	if (f->entries == NULL) {
		free(f);
		return NULL;
	}
	f->n = entries;
	f->hkey = *key;
	return f;
}

void
faillimit_free(struct faillimit *f)
{
	if (f == NULL)
		return;
	hmap_clear(&f->index);
	free(f->entries);
	free(f);
}

static struct fail_entry *
faillimit_find(const struct faillimit *f, const char *key, size_t len)
{
	struct hmap_node *n;

	for (n = hmap_first(&f->index, hmap_hash(&f->hkey, key, len));
	     n != NULL; n = hmap_next(n)) {
		struct fail_entry *e = HMAP_ENTRY(n, struct fail_entry, node);

		if (e->len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
	return NULL;
}

static int
faillimit_live(const struct fail_entry *e, uint64_t now)
{
	return e->used && now >= e->start &&
	    now - e->start < FAILLIMIT_WINDOW_MS;
}

uint64_t
faillimit_wait(
    const struct faillimit *f, const char *key, size_t len, uint64_t now_ms)
{
	const struct fail_entry *e;

	if (len > FAILLIMIT_KEY_MAX)
		len = FAILLIMIT_KEY_MAX;
	e = faillimit_find(f, key, len);
	if (e == NULL || !faillimit_live(e, now_ms) || e->count < FAILLIMIT_MAX)
		return 0;
	return e->start + FAILLIMIT_WINDOW_MS - now_ms;
}

/* A slot for a new key: a free one, one whose window ended, the oldest. */
static struct fail_entry *
faillimit_slot(struct faillimit *f, uint64_t now)
{
	struct fail_entry *oldest = NULL;
	size_t i;

	for (i = 0; i < f->n; i++) {
		struct fail_entry *e = &f->entries[i];

		if (!e->used)
			return e;
		if (!faillimit_live(e, now)) {
			oldest = e;
			break;
		}
		if (oldest == NULL || e->start < oldest->start)
			oldest = e;
	}
	hmap_remove(&f->index, &oldest->node);
	oldest->used = 0;
	return oldest;
}

void
faillimit_fail(
    struct faillimit *f, const char *key, size_t len, uint64_t now_ms)
{
	struct fail_entry *e;

	if (len > FAILLIMIT_KEY_MAX)
		len = FAILLIMIT_KEY_MAX;
	e = faillimit_find(f, key, len);
	if (e != NULL && faillimit_live(e, now_ms)) {
		if (e->count < FAILLIMIT_MAX)
			e->count++;
		return;
	}
	if (e == NULL) {
		e = faillimit_slot(f, now_ms);
		memcpy(e->key, key, len);
		e->len = (unsigned char)len;
		/* Without buckets the key is only not counted. */
		if (hmap_insert(
		        &f->index, &e->node, hmap_hash(&f->hkey, key, len)) < 0)
			return;
		e->used = 1;
	}
	e->start = now_ms;
	e->count = 1;
}

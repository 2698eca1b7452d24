/* filter.c: what the client hides: ignored names, and join, part and quit
 * lines by window. */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "valid.h"

/* Bytes of a speaker's key: the window and the name folded, a NUL between. */
#define FILTER_KEY_MAX (FILTER_WIN_MAX + 1 + PROTO_NAME_MAX)

/* A speaker: linked in its hash chain and in the list, newest first. */
struct filter_speaker {
	struct hmap_node node;
	struct filter_speaker *prev, *next;
	uint64_t time_ms;
	size_t key_len;
	char key[FILTER_KEY_MAX];
};

struct filter {
	char ignores[FILTER_IGNORES_MAX][PROTO_NAME_MAX + 1];
	char skeletons[FILTER_IGNORES_MAX][PROTO_NAME_MAX];
	size_t skeleton_len[FILTER_IGNORES_MAX];
	size_t nignores;
	uint64_t gen; /* filter_gen() */
	enum filter_joins mode;
	unsigned minutes;
	struct hmap_key key;
	struct hmap speakers;
	struct filter_speaker *newest, *oldest;
};

struct filter *
filter_new(void)
{
	struct filter *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->mode = FILTER_JOINS_OFF;
	f->minutes = FILTER_MINUTES_DEFAULT;
	return f;
}

void
filter_free(struct filter *f)
{
	struct filter_speaker *s, *next;

	if (f == NULL)
		return;
	for (s = f->newest; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	hmap_clear(&f->speakers);
	free(f);
}

void
filter_set_hash_key(struct filter *f, const struct hmap_key *key)
{
	f->key = *key;
}

static const char *const filter_names[] = {"default", "off", "smart", "all"};

const char *
filter_joins_name(enum filter_joins mode)
{
	if ((unsigned)mode >= sizeof(filter_names) / sizeof(filter_names[0]))
		return "?";
	return filter_names[mode];
}

int
filter_joins_parse(const char *s, size_t len, enum filter_joins *mode)
{
	size_t i;

	for (i = 0; i < sizeof(filter_names) / sizeof(filter_names[0]); i++)
		if (strlen(filter_names[i]) == len &&
		    memcmp(filter_names[i], s, len) == 0) {
			*mode = (enum filter_joins)i;
			return 0;
		}
	return -1;
}

void
filter_set_default(struct filter *f, enum filter_joins mode, unsigned minutes)
{
	f->mode = mode == FILTER_JOINS_DEFAULT ? FILTER_JOINS_OFF : mode;
	if (minutes < FILTER_MINUTES_MIN)
		minutes = FILTER_MINUTES_MIN;
	if (minutes > FILTER_MINUTES_MAX)
		minutes = FILTER_MINUTES_MAX;
	f->minutes = minutes;
}

enum filter_joins
filter_default(const struct filter *f)
{
	return f->mode;
}

unsigned
filter_minutes(const struct filter *f)
{
	return f->minutes;
}

enum filter_joins
filter_effective(const struct filter *f, enum filter_joins mode)
{
	return mode == FILTER_JOINS_DEFAULT ? f->mode : mode;
}

/* The index of the ignored name with name's skeleton, or -1. */
static long
filter_find(const struct filter *f, const char *name, size_t len)
{
	char sk[PROTO_NAME_MAX];
	size_t i, n;

	if (len == 0 || len > PROTO_NAME_MAX)
		return -1;
	n = valid_skeleton(name, len, sk);
	for (i = 0; i < f->nignores; i++)
		if (f->skeleton_len[i] == n &&
		    memcmp(f->skeletons[i], sk, n) == 0)
			return (long)i;
	return -1;
}

int
filter_ignore(struct filter *f, const char *name, size_t len)
{
	size_t i = f->nignores;

	if (len == 0 || len > PROTO_NAME_MAX || filter_find(f, name, len) >= 0)
		return 1;
	if (i == FILTER_IGNORES_MAX)
		return -1;
	memcpy(f->ignores[i], name, len);
	f->ignores[i][len] = '\0';
	f->skeleton_len[i] = valid_skeleton(name, len, f->skeletons[i]);
	f->nignores++;
	f->gen++;
	return 0;
}

int
filter_unignore(struct filter *f, const char *name, size_t len)
{
	long k = filter_find(f, name, len);
	size_t i;

	if (k < 0)
		return 0;
	for (i = (size_t)k; i + 1 < f->nignores; i++) {
		memcpy(f->ignores[i], f->ignores[i + 1], sizeof(f->ignores[i]));
		memcpy(f->skeletons[i], f->skeletons[i + 1],
		    sizeof(f->skeletons[i]));
		f->skeleton_len[i] = f->skeleton_len[i + 1];
	}
	f->nignores--;
	f->gen++;
	return 1;
}

uint64_t
filter_gen(const struct filter *f)
{
	return f->gen;
}

size_t
filter_ignore_count(const struct filter *f)
{
	return f->nignores;
}

const char *
filter_ignore_at(const struct filter *f, size_t i)
{
	return i < f->nignores ? f->ignores[i] : NULL;
}

int
filter_is_ignored(const struct filter *f, const char *name, size_t len)
{
	/* The common case, nobody ignored, costs nothing per line. */
	return f->nignores > 0 && filter_find(f, name, len) >= 0;
}

/* The speaker key of win and name, folded, into key; its length or 0. */
static size_t
filter_key(const char *win, size_t win_len, const char *name, size_t len,
    char key[FILTER_KEY_MAX])
{
	size_t i;

	if (win_len > FILTER_WIN_MAX || len == 0 || len > PROTO_NAME_MAX)
		return 0;
	for (i = 0; i < win_len; i++)
		key[i] = win[i] >= 'A' && win[i] <= 'Z'
		    ? (char)(win[i] - 'A' + 'a')
		    : win[i];
	key[win_len] = '\0';
	for (i = 0; i < len; i++)
		key[win_len + 1 + i] = name[i] >= 'A' && name[i] <= 'Z'
		    ? (char)(name[i] - 'A' + 'a')
		    : name[i];
	return win_len + 1 + len;
}

static struct filter_speaker *
filter_speaker_find(
    const struct filter *f, const char *key, size_t len, uint32_t hash)
{
	struct hmap_node *n;
	struct filter_speaker *s;

	for (n = hmap_first(&f->speakers, hash); n != NULL; n = hmap_next(n)) {
		s = HMAP_ENTRY(n, struct filter_speaker, node);
		if (s->key_len == len && memcmp(s->key, key, len) == 0)
			return s;
	}
	return NULL;
}

static void
filter_unlink(struct filter *f, struct filter_speaker *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		f->newest = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		f->oldest = s->prev;
	s->prev = s->next = NULL;
}

static void
filter_push(struct filter *f, struct filter_speaker *s)
{
	s->prev = NULL;
	s->next = f->newest;
	if (f->newest != NULL)
		f->newest->prev = s;
	f->newest = s;
	if (f->oldest == NULL)
		f->oldest = s;
}

void
filter_spoke(struct filter *f, const char *win, size_t win_len,
    const char *name, size_t len, uint64_t time_ms)
{
	char key[FILTER_KEY_MAX];
	size_t klen = filter_key(win, win_len, name, len, key);
	uint32_t hash;
	struct filter_speaker *s;

	if (klen == 0)
		return;
	hash = hmap_hash(&f->key, key, klen);
	s = filter_speaker_find(f, key, klen, hash);
	if (s != NULL) {
		/* Replayed history may come after live lines: the latest
		 * time stays. */
		if (time_ms > s->time_ms)
			s->time_ms = time_ms;
		filter_unlink(f, s);
		filter_push(f, s);
		return;
	}
	if (hmap_count(&f->speakers) >= FILTER_SPEAKERS_MAX) {
		/* Full: the one heard from longest ago makes room. */
		s = f->oldest;
		filter_unlink(f, s);
		hmap_remove(&f->speakers, &s->node);
	} else if ((s = malloc(sizeof(*s))) == NULL) {
		return;
	}
	memcpy(s->key, key, klen);
	s->key_len = klen;
	s->time_ms = time_ms;
	if (hmap_insert(&f->speakers, &s->node, hash) < 0) {
		free(s);
		return;
	}
	filter_push(f, s);
}

int
filter_hides_join(const struct filter *f, enum filter_joins mode,
    const char *win, size_t win_len, const char *name, size_t len,
    uint64_t time_ms)
{
	char key[FILTER_KEY_MAX];
	size_t klen;
	const struct filter_speaker *s;
	uint64_t window = (uint64_t)f->minutes * 60000;

	switch (filter_effective(f, mode)) {
	case FILTER_JOINS_ALL:
		return 1;
	case FILTER_JOINS_SMART:
		break;
	default:
		return 0;
	}
	klen = filter_key(win, win_len, name, len, key);
	if (klen == 0)
		return 1;
	s = filter_speaker_find(f, key, klen, hmap_hash(&f->key, key, klen));
	/* A clock set back counts as recent rather than hiding wrongly. */
	return s == NULL ||
	    (time_ms > s->time_ms && time_ms - s->time_ms >= window);
}

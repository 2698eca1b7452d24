/* model.c: what the client shows: windows, scrollback, members, unread state.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "model.h"
#include "sanitize.h"
#include "stamp.h"
#include "valid.h"

/* Ring slots a window starts with; the ring doubles up to the scrollback. */
#define MODEL_RING_MIN 64

/*
 * A stored line is one allocation: this header, the sender and the text,
 * each followed by a NUL, so a line costs about its text in memory.
 */
struct model_stored {
	uint64_t time_ms;
	uint64_t seq; /* the server's, for channel messages; else 0 */
	uint32_t text_len;
	uint8_t sender_len;
	uint8_t kind;
	uint8_t flags;
	char data[];
};

_Static_assert(MODEL_NAME_MAX <= UINT8_MAX, "sender length fits its field");
_Static_assert(sizeof(struct model_stored) == 24, "the header model.h counts");
_Static_assert(MODEL_TEXT_MAX <= UINT32_MAX, "text length fits its field");

/* A member: one allocation, linked in MRU order and in the name table. */
struct model_member {
	struct hmap_node node;
	struct model_member *prev, *next;
	size_t len;
	unsigned char stale; /* not yet in the names reply being read */
	char name[];
};

/*
 * Members of a window.  It is its own allocation so that model_member(),
 * which takes a const window, can keep its cursor: the member it returned
 * last, so that walking the list in order costs O(1) a step.
 */
struct model_members {
	struct hmap map;
	struct hmap_key key; /* the model's, copied */
	struct model_member *head, *tail;
	size_t count;
	const struct model_member *cursor;
	size_t cursor_i;
};

struct model_win {
	struct model *model; /* the owner, whose byte count the lines share */
	enum model_win_kind kind;
	char key[MODEL_ID_MAX + 1];
	size_t key_len;
	char name[MODEL_NAME_MAX + 1];
	size_t name_len;
	unsigned unread;
	int mentioned;
	int joined;
	int rejoin;
	uint64_t seq;
	enum model_page page;
	int catchup;
	/* The scrollback: count lines from slot head, absolute index begin. */
	struct model_stored **ring;
	size_t cap, count, head;
	uint64_t begin;
	size_t bytes; /* of the lines held, as model_line_bytes() counts */
	/* The end of the scrollback when the window was last left, or none. */
	uint64_t left_at;
	uint64_t anchor;
	unsigned skip;
	struct model_members *members;
	char *topic; /* sanitised, NUL-terminated; NULL: none */
	int filter;  /* model_win_filter() */
};

struct model {
	struct model_win *wins[MODEL_WINDOWS_MAX];
	size_t nwins;
	size_t current;
	size_t limit;
	size_t bytes;       /* of all windows' lines */
	size_t bytes_limit; /* MODEL_SCROLLBACK_BYTES_* */
	/* The clock for day rows: today's local day, 0 until set, and the
	 * offset of local time from UTC in seconds. */
	int64_t today;
	long utc_offset;
	char self[MODEL_NAME_MAX + 1];
	size_t self_len;
	struct hmap_key key; /* of every member table */
	/* Scratch for sanitised text and for formatted notices. */
	char text_buf[MODEL_TEXT_MAX];
	char fmt_buf[MODEL_TEXT_MAX + 1];
	/* Highlight words and lines calling for the user, as in model.h. */
	char hl[MODEL_HIGHLIGHTS_MAX][MODEL_HIGHLIGHT_LEN];
	size_t hl_len[MODEL_HIGHLIGHTS_MAX];
	size_t nhl;
	unsigned alerts;
	/* Told of every line appended (model_set_added_cb). */
	void (*added_cb)(void *ctx, const struct model_win *w,
	    const struct model_line *line);
	void *added_ctx;
	/* The time column: its format and columns. */
	char time_fmt[STAMP_FORMAT_MAX + 1];
	int time_cols;
	uint64_t gen; /* model_state_gen() */
};

static int
model_is_line_counted(enum model_line_kind kind)
{
	return kind == MODEL_LINE_MSG || kind == MODEL_LINE_ACT;
}

static uint64_t
model_end(const struct model_win *w)
{
	return w->begin + w->count;
}

/* What a stored line costs: exactly the bytes it was allocated with. */
static size_t
model_line_bytes(const struct model_stored *l)
{
	return sizeof(*l) + l->sender_len + 1 + l->text_len + 1;
}

static void
model_free_lines(struct model_win *w)
{
	size_t i;

	for (i = 0; i < w->count; i++)
		free(w->ring[(w->head + i) % w->cap]);
	free(w->ring);
	w->ring = NULL;
	w->cap = w->count = w->head = 0;
	w->model->bytes -= w->bytes;
	w->bytes = 0;
}

/* Drops the oldest line of w, which holds one. */
static void
model_drop_oldest(struct model_win *w)
{
	size_t n = model_line_bytes(w->ring[w->head]);

	free(w->ring[w->head]);
	w->head = (w->head + 1) % w->cap;
	w->count--;
	w->begin++;
	w->bytes -= n;
	w->model->bytes -= n;
	if (w->anchor != UINT64_MAX && w->anchor < w->begin) {
		w->anchor = w->begin;
		w->skip = 0;
	}
}

/*
 * Brings the scrollback back under its byte limit: the oldest lines go
 * from the window holding the most, then the next, so one busy channel
 * cannot push out the others' history; each window keeps its newest
 * line.  Each scan of the windows is followed by as many drops as keep
 * that window the biggest, so a flood costs a scan per line at most.
 */
static void
model_trim(struct model *m)
{
	struct model_win *big, *w;
	size_t i, second;

	while (m->bytes > m->bytes_limit) {
		big = NULL;
		second = 0;
		for (i = 0; i < m->nwins; i++) {
			w = m->wins[i];
			if (w->count < 2)
				continue;
			if (big == NULL || w->bytes > big->bytes) {
				if (big != NULL)
					second = big->bytes;
				big = w;
			} else if (w->bytes > second) {
				second = w->bytes;
			}
		}
		if (big == NULL)
			return;
		do
			model_drop_oldest(big);
		while (m->bytes > m->bytes_limit && big->count > 1 &&
		    big->bytes >= second);
	}
}

static void
model_members_free_all(struct model_members *mem)
{
	struct model_member *p, *next;

	for (p = mem->head; p != NULL; p = next) {
		next = p->next;
		free(p);
	}
	hmap_clear(&mem->map);
	mem->head = mem->tail = NULL;
	mem->count = 0;
	mem->cursor = NULL;
}

static void
model_win_free(struct model_win *w)
{
	if (w == NULL)
		return;
	model_free_lines(w);
	if (w->members != NULL)
		model_members_free_all(w->members);
	free(w->members);
	free(w->topic);
	free(w);
}

static struct model_win *
model_win_new(struct model *m, enum model_win_kind kind, const char *key,
    size_t key_len, const char *name, size_t name_len)
{
	struct model_win *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->model = m;
	w->members = calloc(1, sizeof(*w->members));
	if (w->members == NULL) {
		free(w);
		return NULL;
	}
	w->kind = kind;
	w->key_len = sanitize_name(key, key_len, w->key, sizeof(w->key));
	w->name_len = sanitize_name(name, name_len, w->name, sizeof(w->name));
	w->left_at = UINT64_MAX;
	w->anchor = UINT64_MAX;
	return w;
}

struct model *
model_new(size_t scrollback)
{
	struct model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	if (scrollback < MODEL_SCROLLBACK_MIN)
		scrollback = MODEL_SCROLLBACK_MIN;
	if (scrollback > MODEL_SCROLLBACK_MAX)
		scrollback = MODEL_SCROLLBACK_MAX;
	m->limit = scrollback;
	m->bytes_limit = MODEL_SCROLLBACK_BYTES_DEFAULT;
	model_set_time_format(m, STAMP_FORMAT_DEFAULT, 5);
	m->wins[0] = model_win_new(m, MODEL_WIN_STATUS, "", 0, "status", 6);
	if (m->wins[0] == NULL) {
		free(m);
		return NULL;
	}
	m->nwins = 1;
	return m;
}

void
model_free(struct model *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nwins; i++)
		model_win_free(m->wins[i]);
	free(m);
}

void
model_set_hash_key(struct model *m, const struct hmap_key *key)
{
	struct model_member *p;
	size_t i;
	int rc;

	m->key = *key;
	for (i = 0; i < m->nwins; i++) {
		struct model_members *mem = m->wins[i]->members;

		mem->key = *key;
		/* Same count, same buckets: relinking cannot fail. */
		for (p = mem->head; p != NULL; p = p->next) {
			hmap_remove(&mem->map, &p->node);
			rc = hmap_insert(&mem->map, &p->node,
			    hmap_hash_fold(&mem->key, p->name, p->len));
			(void)rc;
		}
	}
}

void
model_set_scrollback_bytes(struct model *m, size_t bytes)
{
	if (bytes < MODEL_SCROLLBACK_BYTES_MIN)
		bytes = MODEL_SCROLLBACK_BYTES_MIN;
	if (bytes > MODEL_SCROLLBACK_BYTES_MAX)
		bytes = MODEL_SCROLLBACK_BYTES_MAX;
	m->bytes_limit = bytes;
	model_trim(m);
}

size_t
model_bytes(const struct model *m)
{
	return m->bytes;
}

size_t
model_win_bytes(const struct model_win *w)
{
	return w->bytes;
}

void
model_set_self(struct model *m, const char *name, size_t len)
{
	m->self_len = sanitize_name(name, len, m->self, sizeof(m->self));
}

const char *
model_self(const struct model *m)
{
	return m->self;
}

size_t
model_win_count(const struct model *m)
{
	return m->nwins;
}

struct model_win *
model_win_at(const struct model *m, size_t index)
{
	return index < m->nwins ? m->wins[index] : NULL;
}

size_t
model_win_index(const struct model *m, const struct model_win *w)
{
	size_t i;

	for (i = 0; i < m->nwins; i++) {
		if (m->wins[i] == w)
			return i;
	}
	return (size_t)-1;
}

size_t
model_current(const struct model *m)
{
	return m->current;
}

/* The window now shown: what it holds counts as seen. */
static void
model_shown(struct model_win *w)
{
	w->unread = 0;
	w->mentioned = 0;
}

void
model_select(struct model *m, size_t index)
{
	struct model_win *old, *w;

	if (index >= m->nwins || index == m->current)
		return;
	old = m->wins[m->current];
	old->left_at = model_end(old);
	m->current = index;
	w = m->wins[index];
	/* Nothing came while away: no marker, or it would fall above the
	 * next line, read as it arrives. */
	if (w->left_at >= model_end(w))
		w->left_at = UINT64_MAX;
	model_shown(w);
}

static int
model_key_equal(const struct model_win *w, enum model_win_kind kind,
    const char *key, size_t len)
{
	if (w->kind != kind || w->key_len != len)
		return 0;
	/* Channel ids are case-sensitive; names are not. */
	if (kind == MODEL_WIN_DM)
		return valid_name_equal(w->key, w->key_len, key, len);
	return memcmp(w->key, key, len) == 0;
}

struct model_win *
model_find(const struct model *m, enum model_win_kind kind, const char *key,
    size_t len)
{
	char clean[MODEL_ID_MAX + 1];
	size_t i, n;

	n = sanitize_name(key, len, clean, sizeof(clean));
	for (i = 0; i < m->nwins; i++) {
		if (model_key_equal(m->wins[i], kind, clean, n))
			return m->wins[i];
	}
	return NULL;
}

struct model_win *
model_find_name(const struct model *m, const char *name, size_t len)
{
	char clean[MODEL_NAME_MAX + 1];
	const struct model_win *w;
	size_t i, n;

	n = sanitize_name(name, len, clean, sizeof(clean));
	for (i = 0; i < m->nwins; i++) {
		w = m->wins[i];
		if ((w->kind == MODEL_WIN_CHANNEL ||
		        w->kind == MODEL_WIN_PERSONAL) &&
		    valid_name_equal(w->name, w->name_len, clean, n))
			return m->wins[i];
	}
	return NULL;
}

struct model_win *
model_open(struct model *m, enum model_win_kind kind, const char *key,
    size_t key_len, const char *name, size_t name_len)
{
	struct model_win *w = model_find(m, kind, key, key_len);

	if (w != NULL)
		return w;
	if (m->nwins == MODEL_WINDOWS_MAX)
		return NULL;
	w = model_win_new(m, kind, key, key_len, name, name_len);
	if (w == NULL)
		return NULL;
	w->members->key = m->key;
	m->wins[m->nwins++] = w;
	m->gen++;
	return w;
}

void
model_close(struct model *m, struct model_win *w)
{
	size_t i = model_win_index(m, w);

	if (i == 0 || i == (size_t)-1)
		return;
	model_win_free(w);
	memmove(&m->wins[i], &m->wins[i + 1],
	    (m->nwins - i - 1) * sizeof(m->wins[0]));
	m->nwins--;
	m->gen++;
	if (i < m->current) {
		m->current--;
	} else if (i == m->current) {
		if (m->current == m->nwins)
			m->current--;
		model_shown(m->wins[m->current]);
	}
}

void
model_win_rekey(struct model *m, struct model_win *w, const char *key,
    size_t key_len, const char *name, size_t name_len)
{
	w->key_len = sanitize_name(key, key_len, w->key, sizeof(w->key));
	w->name_len = sanitize_name(name, name_len, w->name, sizeof(w->name));
	m->gen++;
}

enum model_win_kind
model_win_kind(const struct model_win *w)
{
	return w->kind;
}

const char *
model_win_name(const struct model_win *w)
{
	return w->name;
}

const char *
model_win_key(const struct model_win *w)
{
	return w->key;
}

unsigned
model_win_unread(const struct model_win *w)
{
	return w->unread;
}

int
model_win_mentioned(const struct model_win *w)
{
	return w->mentioned;
}

int
model_win_joined(const struct model_win *w)
{
	return w->joined;
}

void
model_win_set_joined(struct model_win *w, int joined)
{
	w->joined = joined != 0;
}

int
model_win_set_topic(struct model_win *w, const char *t, size_t len)
{
	char *p = NULL;
	size_t n;

	if (len > MODEL_TOPIC_MAX)
		len = MODEL_TOPIC_MAX;
	if (len > 0) {
		p = malloc(SANITIZE_OUT_MAX(len) + 1);
		if (p == NULL)
			return -1;
		n = sanitize(t, len, p, SANITIZE_OUT_MAX(len));
		p[n] = '\0';
	}
	free(w->topic);
	w->topic = p;
	return 0;
}

const char *
model_win_topic(const struct model_win *w)
{
	return w->topic != NULL ? w->topic : "";
}

int
model_win_rejoin(const struct model_win *w)
{
	return w->rejoin;
}

void
model_win_set_rejoin(struct model_win *w, int rejoin)
{
	w->rejoin = rejoin;
}

uint64_t
model_win_seq(const struct model_win *w)
{
	return w->seq;
}

void
model_win_set_seq(struct model_win *w, uint64_t seq)
{
	w->seq = seq;
}

enum model_page
model_win_page(const struct model_win *w)
{
	return w->page;
}

void
model_win_set_page(struct model_win *w, enum model_page page)
{
	w->page = page;
}

int
model_win_catchup(const struct model_win *w)
{
	return w->catchup;
}

void
model_win_set_catchup(struct model_win *w, int catchup)
{
	w->catchup = catchup;
}

uint64_t
model_win_oldest_seq(const struct model_win *w)
{
	size_t i;
	uint64_t seq;

	for (i = 0; i < w->count; i++) {
		seq = w->ring[(w->head + i) % w->cap]->seq;
		if (seq > 0)
			return seq;
	}
	return 0;
}

static int
model_is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

size_t
model_find_mention(
    const char *name, size_t name_len, const char *t, size_t len, size_t from)
{
	size_t i = from, start, wlen;

	if (name_len == 0)
		return len;
	/* Starting inside a word: that word is not a new one. */
	if (i > 0 && i < len && model_is_name_char((unsigned char)t[i - 1]))
		while (i < len && model_is_name_char((unsigned char)t[i]))
			i++;
	while (i < len) {
		if (!model_is_name_char((unsigned char)t[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < len && model_is_name_char((unsigned char)t[i]))
			i++;
		wlen = i - start;
		while (wlen > name_len && t[start + wlen - 1] == '.')
			wlen--;
		if (wlen == name_len &&
		    valid_name_equal(t + start, wlen, name, name_len))
			return start;
	}
	return len;
}

/* Whether text mentions this user, by name or a highlight word. */
static int
model_mentions(const struct model *m, const char *t, size_t len)
{
	size_t i;

	if (model_find_mention(m->self, m->self_len, t, len, 0) < len)
		return 1;
	for (i = 0; i < m->nhl; i++)
		if (model_find_mention(m->hl[i], m->hl_len[i], t, len, 0) < len)
			return 1;
	return 0;
}

/* Grows the ring of a full window that is below the scrollback limit. */
static int
model_ring_grow(const struct model *m, struct model_win *w)
{
	struct model_stored **ring;
	size_t cap, i;

	cap = w->cap == 0 ? MODEL_RING_MIN : w->cap * 2;
	if (cap > m->limit)
		cap = m->limit;
	ring = malloc(cap * sizeof(*ring));
	if (ring == NULL)
		return -1;
	for (i = 0; i < w->count; i++)
		ring[i] = w->ring[(w->head + i) % w->cap];
	free(w->ring);
	w->ring = ring;
	w->cap = cap;
	w->head = 0;
	return 0;
}

/* Appends l, dropping the oldest line when the scrollback is full. */
static int
model_ring_push(
    const struct model *m, struct model_win *w, struct model_stored *l)
{
	if (w->count == m->limit)
		model_drop_oldest(w);
	if (w->count == w->cap && model_ring_grow(m, w) < 0)
		return -1;
	w->ring[(w->head + w->count) % w->cap] = l;
	w->count++;
	w->bytes += model_line_bytes(l);
	w->model->bytes += model_line_bytes(l);
	return 0;
}

/*
 * Puts l before the line at slot k (0 = the oldest kept) of a window with
 * room: the lines from k on move one index up, and so do the view's
 * anchor and the unread marker that point at them.
 */
static int
model_ring_insert(const struct model *m, struct model_win *w, size_t k,
    struct model_stored *l)
{
	size_t j;

	if (w->count == w->cap && model_ring_grow(m, w) < 0)
		return -1;
	for (j = w->count; j > k; j--)
		w->ring[(w->head + j) % w->cap] =
		    w->ring[(w->head + j - 1) % w->cap];
	w->ring[(w->head + k) % w->cap] = l;
	w->count++;
	w->bytes += model_line_bytes(l);
	w->model->bytes += model_line_bytes(l);
	if (w->anchor != UINT64_MAX && w->anchor >= w->begin + k)
		w->anchor++;
	if (w->left_at != UINT64_MAX && w->left_at >= w->begin + k)
		w->left_at++;
	return 0;
}

/* A stored line for model_put, or NULL when out of memory. */
static struct model_stored *
model_line_new(struct model *m, uint64_t time_ms, enum model_line_kind kind,
    unsigned *flags, uint64_t seq, const char *sender, size_t sender_len,
    const char *text, size_t text_len)
{
	char name[MODEL_NAME_MAX + 1];
	struct model_stored *l;
	size_t nlen = 0, tlen = 0;

	if (sender != NULL)
		nlen = sanitize_name(sender, sender_len, name, sizeof(name));
	if (text != NULL)
		tlen =
		    sanitize(text, text_len, m->text_buf, sizeof(m->text_buf));
	if (model_is_line_counted(kind) && !(*flags & MODEL_FLAG_SELF) &&
	    model_mentions(m, m->text_buf, tlen))
		*flags |= MODEL_FLAG_MENTION;
	l = malloc(sizeof(*l) + nlen + 1 + tlen + 1);
	if (l == NULL)
		return NULL;
	l->time_ms = time_ms;
	l->seq = seq;
	l->text_len = (uint32_t)tlen;
	l->sender_len = (uint8_t)nlen;
	l->kind = (uint8_t)kind;
	l->flags = (uint8_t)*flags;
	memcpy(l->data, name, nlen);
	l->data[nlen] = '\0';
	memcpy(l->data + nlen + 1, m->text_buf, tlen);
	l->data[nlen + 1 + tlen] = '\0';
	return l;
}

int
model_insert(struct model *m, struct model_win *w, uint64_t index,
    uint64_t time_ms, enum model_line_kind kind, unsigned flags, uint64_t seq,
    const char *sender, size_t sender_len, const char *text, size_t text_len)
{
	struct model_stored *l;

	if (index >= model_end(w))
		return model_add_seq(m, w, time_ms, kind, flags, seq, sender,
		    sender_len, text, text_len);
	if (index < w->begin)
		index = w->begin;
	/* Full: an older line would be the first to go. */
	if (w->count >= m->limit)
		return 1;
	l = model_line_new(
	    m, time_ms, kind, &flags, seq, sender, sender_len, text, text_len);
	if (l == NULL)
		return -1;
	if (model_ring_insert(m, w, (size_t)(index - w->begin), l) < 0) {
		free(l);
		return -1;
	}
	model_trim(m);
	return 0;
}

void
model_set_added_cb(struct model *m,
    void (*cb)(
        void *ctx, const struct model_win *w, const struct model_line *line),
    void *ctx)
{
	m->added_cb = cb;
	m->added_ctx = ctx;
}

int
model_add(struct model *m, struct model_win *w, uint64_t time_ms,
    enum model_line_kind kind, unsigned flags, const char *sender,
    size_t sender_len, const char *text, size_t text_len)
{
	return model_add_seq(
	    m, w, time_ms, kind, flags, 0, sender, sender_len, text, text_len);
}

int
model_add_seq(struct model *m, struct model_win *w, uint64_t time_ms,
    enum model_line_kind kind, unsigned flags, uint64_t seq, const char *sender,
    size_t sender_len, const char *text, size_t text_len)
{
	struct model_stored *l;

	l = model_line_new(
	    m, time_ms, kind, &flags, seq, sender, sender_len, text, text_len);
	if (l == NULL)
		return -1;
	if (flags & MODEL_FLAG_HIDDEN) {
		/* For the chat log only: shown nowhere, counted nowhere. */
		if (m->added_cb != NULL) {
			struct model_line out;

			memset(&out, 0, sizeof(out));
			out.time_ms = l->time_ms;
			out.seq = l->seq;
			out.kind = kind;
			out.flags = l->flags;
			out.sender = l->data;
			out.sender_len = l->sender_len;
			out.text = l->data + l->sender_len + 1;
			out.text_len = l->text_len;
			out.time_cols = m->time_cols;
			m->added_cb(m->added_ctx, w, &out);
		}
		free(l);
		return 0;
	}
	if (model_ring_push(m, w, l) < 0) {
		free(l);
		return -1;
	}
	model_trim(m);
	if (m->added_cb != NULL) {
		struct model_line out;

		if (model_line(w, model_end(w) - 1, &out) == 0)
			m->added_cb(m->added_ctx, w, &out);
	}
	if (model_is_line_counted(kind) && w != m->wins[m->current] &&
	    !(flags & (MODEL_FLAG_HISTORY | MODEL_FLAG_SELF))) {
		if (w->unread < UINT_MAX)
			w->unread++;
		if (flags & MODEL_FLAG_MENTION)
			w->mentioned = 1;
	}
	if (model_is_line_counted(kind) &&
	    !(flags & (MODEL_FLAG_HISTORY | MODEL_FLAG_SELF)) &&
	    ((flags & MODEL_FLAG_MENTION) || w->kind == MODEL_WIN_DM) &&
	    m->alerts < UINT_MAX)
		m->alerts++;
	return 0;
}

/* Length of s[0..len) without a code point cut short at its end. */
static size_t
model_whole(const char *s, size_t len)
{
	size_t i = len, need;
	unsigned char c;

	while (i > 0 && len - i < 4) {
		c = (unsigned char)s[--i];
		if ((c & 0xC0) == 0x80)
			continue;
		if (c < 0x80)
			return len;
		need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		return len - i < need ? i : len;
	}
	return len;
}

int
model_vinfo(struct model *m, struct model_win *w, uint64_t time_ms,
    enum model_line_kind kind, const char *fmt, va_list ap)
{
	size_t len;
	int n;

	n = vsnprintf(m->fmt_buf, sizeof(m->fmt_buf), fmt, ap);
	if (n < 0)
		return -1;
	len = (size_t)n;
	if (len >= sizeof(m->fmt_buf))
		len = model_whole(m->fmt_buf, sizeof(m->fmt_buf) - 1);
	return model_add(m, w, time_ms, kind, 0, "", 0, m->fmt_buf, len);
}

int
model_info(struct model *m, struct model_win *w, uint64_t time_ms,
    enum model_line_kind kind, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = model_vinfo(m, w, time_ms, kind, fmt, ap);
	va_end(ap);
	return r;
}

uint64_t
model_lines_begin(const struct model_win *w)
{
	return w->begin;
}

uint64_t
model_lines_end(const struct model_win *w)
{
	return model_end(w);
}

int
model_line(const struct model_win *w, uint64_t index, struct model_line *out)
{
	const struct model_stored *l;

	if (index < w->begin || index >= model_end(w))
		return -1;
	l = w->ring[(w->head + (size_t)(index - w->begin)) % w->cap];
	out->time_ms = l->time_ms;
	out->seq = l->seq;
	out->kind = (enum model_line_kind)l->kind;
	out->flags = l->flags;
	out->sender = l->data;
	out->sender_len = l->sender_len;
	out->text = l->data + l->sender_len + 1;
	out->text_len = l->text_len;
	out->time_cols = w->model->time_cols;
	return 0;
}

void
model_clear(struct model_win *w)
{
	w->begin = model_end(w);
	model_free_lines(w);
	/* What was cleared can be fetched again by scrolling up. */
	w->page = MODEL_PAGE_NONE;
	w->left_at = UINT64_MAX;
	w->anchor = UINT64_MAX;
	w->skip = 0;
}

uint64_t
model_win_marker(const struct model_win *w)
{
	uint64_t at = w->left_at;

	if (at < w->begin)
		at = w->begin;
	return at >= model_end(w) ? UINT64_MAX : at;
}

uint64_t
model_win_anchor(const struct model_win *w)
{
	return w->anchor;
}

unsigned
model_win_skip(const struct model_win *w)
{
	return w->skip;
}

void
model_win_scroll(struct model_win *w, uint64_t anchor, unsigned skip)
{
	if (anchor == UINT64_MAX || anchor >= model_end(w) || w->count == 0) {
		w->anchor = UINT64_MAX;
		w->skip = 0;
		return;
	}
	if (anchor < w->begin) {
		anchor = w->begin;
		skip = 0;
	}
	w->anchor = anchor;
	w->skip = skip;
}

uint64_t
model_win_below(const struct model_win *w)
{
	if (w->anchor == UINT64_MAX)
		return 0;
	return model_end(w) - 1 - w->anchor;
}

static struct model_member *
model_member_find(const struct model_members *mem, const char *name, size_t len)
{
	struct hmap_node *n;
	struct model_member *p;

	for (n = hmap_first(&mem->map, hmap_hash_fold(&mem->key, name, len));
	     n != NULL; n = hmap_next(n)) {
		p = HMAP_ENTRY(n, struct model_member, node);
		if (valid_name_equal(p->name, p->len, name, len))
			return p;
	}
	return NULL;
}

static void
model_member_unlink(struct model_members *mem, struct model_member *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		mem->head = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		mem->tail = p->prev;
	p->prev = p->next = NULL;
	mem->cursor = NULL;
}

static void
model_member_push_front(struct model_members *mem, struct model_member *p)
{
	p->prev = NULL;
	p->next = mem->head;
	if (mem->head != NULL)
		mem->head->prev = p;
	else
		mem->tail = p;
	mem->head = p;
	mem->cursor = NULL;
}

void
model_members_clear(struct model_win *w)
{
	model_members_free_all(w->members);
}

int
model_member_add(struct model_win *w, const char *name, size_t len)
{
	struct model_members *mem = w->members;
	char clean[MODEL_NAME_MAX + 1];
	struct model_member *p;
	size_t n;

	n = sanitize_name(name, len, clean, sizeof(clean));
	if (n == 0)
		return -1;
	p = model_member_find(mem, clean, n);
	if (p != NULL) {
		p->stale = 0;
		return 0;
	}
	if (mem->count >= MODEL_MEMBERS_MAX)
		return -1;
	p = malloc(sizeof(*p) + n + 1);
	if (p == NULL)
		return -1;
	memcpy(p->name, clean, n + 1);
	p->len = n;
	p->stale = 0;
	if (hmap_insert(
	        &mem->map, &p->node, hmap_hash_fold(&mem->key, clean, n)) < 0) {
		free(p);
		return -1;
	}
	p->next = NULL;
	p->prev = mem->tail;
	if (mem->tail != NULL)
		mem->tail->next = p;
	else
		mem->head = p;
	mem->tail = p;
	mem->count++;
	mem->cursor = NULL;
	return 0;
}

static void
model_member_drop(struct model_members *mem, struct model_member *p)
{
	model_member_unlink(mem, p);
	hmap_remove(&mem->map, &p->node);
	mem->count--;
	free(p);
}

void
model_members_mark(struct model_win *w)
{
	struct model_member *p;

	for (p = w->members->head; p != NULL; p = p->next)
		p->stale = 1;
}

void
model_members_sweep(struct model_win *w)
{
	struct model_member *p, *next;

	for (p = w->members->head; p != NULL; p = next) {
		next = p->next;
		if (p->stale)
			model_member_drop(w->members, p);
	}
	w->members->cursor = NULL;
}

int
model_member_remove(struct model_win *w, const char *name, size_t len)
{
	struct model_members *mem = w->members;
	char clean[MODEL_NAME_MAX + 1];
	struct model_member *p;
	size_t n;

	n = sanitize_name(name, len, clean, sizeof(clean));
	p = model_member_find(mem, clean, n);
	if (p == NULL)
		return 0;
	model_member_drop(mem, p);
	return 1;
}

int
model_member_rename(struct model_win *w, const char *old, size_t old_len,
    const char *name, size_t len)
{
	struct model_members *mem = w->members;
	char clean[MODEL_NAME_MAX + 1];
	struct model_member *p, *q;
	size_t n;

	n = sanitize_name(old, old_len, clean, sizeof(clean));
	p = model_member_find(mem, clean, n);
	if (p == NULL)
		return 0;
	n = sanitize_name(name, len, clean, sizeof(clean));
	q = model_member_find(mem, clean, n);
	if (n == 0 || (q != NULL && q != p)) {
		/* The new name is already listed: the old entry goes. */
		model_member_drop(mem, p);
		return 1;
	}
	q = malloc(sizeof(*q) + n + 1);
	if (q == NULL)
		return 1;
	memcpy(q->name, clean, n + 1);
	q->len = n;
	/* The renamed member keeps its place in the order. */
	q->prev = p->prev;
	q->next = p->next;
	if (q->prev != NULL)
		q->prev->next = q;
	else
		mem->head = q;
	if (q->next != NULL)
		q->next->prev = q;
	else
		mem->tail = q;
	hmap_remove(&mem->map, &p->node);
	/* The table keeps its buckets while it has a member: this cannot fail.
	 */
	(void)hmap_insert(
	    &mem->map, &q->node, hmap_hash_fold(&mem->key, clean, n));
	mem->cursor = NULL;
	free(p);
	return 1;
}

int
model_member_spoke(struct model_win *w, const char *name, size_t len)
{
	struct model_members *mem = w->members;
	char clean[MODEL_NAME_MAX + 1];
	struct model_member *p;
	size_t n;

	n = sanitize_name(name, len, clean, sizeof(clean));
	p = model_member_find(mem, clean, n);
	if (p == NULL)
		return 0;
	if (p != mem->head) {
		model_member_unlink(mem, p);
		model_member_push_front(mem, p);
	}
	return 1;
}

int
model_member_has(const struct model_win *w, const char *name, size_t len)
{
	char clean[MODEL_NAME_MAX + 1];
	size_t n;

	n = sanitize_name(name, len, clean, sizeof(clean));
	return model_member_find(w->members, clean, n) != NULL;
}

size_t
model_member_count(const struct model_win *w)
{
	return w->members->count;
}

static size_t
model_distance(size_t a, size_t b)
{
	return a > b ? a - b : b - a;
}

const char *
model_member(const struct model_win *w, size_t i)
{
	struct model_members *mem = w->members;
	const struct model_member *p;
	size_t at;

	if (i >= mem->count)
		return NULL;
	p = mem->head;
	at = 0;
	if (mem->count - 1 - i < i) {
		p = mem->tail;
		at = mem->count - 1;
	}
	if (mem->cursor != NULL &&
	    model_distance(mem->cursor_i, i) < model_distance(at, i)) {
		p = mem->cursor;
		at = mem->cursor_i;
	}
	for (; at < i; at++)
		p = p->next;
	for (; at > i; at--)
		p = p->prev;
	mem->cursor = p;
	mem->cursor_i = i;
	return p->name;
}

size_t
model_next_activity(const struct model *m)
{
	size_t k, i, n = m->nwins;

	for (k = 1; k < n; k++) {
		i = (m->current + k) % n;
		if (m->wins[i]->mentioned)
			return i;
	}
	for (k = 1; k < n; k++) {
		i = (m->current + k) % n;
		if (m->wins[i]->unread > 0)
			return i;
	}
	return m->current;
}

void
model_set_clock(struct model *m, uint64_t now_ms, long utc_offset)
{
	m->utc_offset = utc_offset;
	m->today = model_day(now_ms, utc_offset);
}

int64_t
model_day(uint64_t time_ms, long utc_offset)
{
	int64_t t = (int64_t)(time_ms / 1000) + utc_offset;

	/* Floor division: a time before the epoch is on an earlier day. */
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

size_t
model_day_text(int64_t day, char *buf, size_t size)
{
	static const char *const wdays[] = {
	    "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	/* Civil from days (H. Hinnant): the proleptic Gregorian calendar. */
	int64_t z = day + 719468, era, doe, yoe, y, doy, mp, d, mo;
	int n;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	mo = mp < 10 ? mp + 3 : mp - 9;
	if (mo <= 2)
		y++;
	n = snprintf(buf, size, "%s %d %s %lld", wdays[((day % 7) + 7) % 7],
	    (int)d, months[mo - 1], (long long)y);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : (size > 0 ? size - 1 : 0);
}

int
model_day_changes(const struct model_win *w, uint64_t index, int64_t *day)
{
	const struct model *m = w->model;
	struct model_line l, prev;

	if (model_line(w, index, &l) < 0)
		return 0;
	*day = model_day(l.time_ms, m->utc_offset);
	if (index > w->begin && model_line(w, index - 1, &prev) == 0)
		return model_day(prev.time_ms, m->utc_offset) != *day;
	/* The oldest line kept says its day unless it is today's. */
	return m->today != 0 && *day != m->today;
}

int
model_set_highlights(struct model *m, const char *words, size_t len)
{
	size_t i = 0, start, n = 0;
	size_t lens[MODEL_HIGHLIGHTS_MAX];
	const char *at[MODEL_HIGHLIGHTS_MAX];

	while (i < len) {
		if (words[i] == ' ' || words[i] == '\t') {
			i++;
			continue;
		}
		start = i;
		while (i < len && words[i] != ' ' && words[i] != '\t')
			i++;
		if (n == MODEL_HIGHLIGHTS_MAX ||
		    i - start > MODEL_HIGHLIGHT_LEN)
			return -1;
		at[n] = words + start;
		lens[n++] = i - start;
	}
	for (i = 0; i < n; i++) {
		memcpy(m->hl[i], at[i], lens[i]);
		m->hl_len[i] = lens[i];
	}
	m->nhl = n;
	return 0;
}

int
model_is_mention(const struct model *m, const char *t, size_t len)
{
	return model_mentions(m, t, len);
}

unsigned
model_take_alerts(struct model *m)
{
	unsigned n = m->alerts;

	m->alerts = 0;
	return n;
}

unsigned long
model_unread_total(const struct model *m)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < m->nwins; i++)
		n += m->wins[i]->unread;
	return n;
}

void
model_win_read_to(struct model *m, struct model_win *w, uint64_t seq)
{
	const struct model_stored *l;
	uint64_t i, first = UINT64_MAX;
	unsigned n = 0;
	int mention = 0;

	/* The window shown is being read: nothing in it is unread. */
	if (w == m->wins[m->current])
		return;
	for (i = w->begin; i < model_end(w); i++) {
		l = w->ring[(w->head + (size_t)(i - w->begin)) % w->cap];
		if (l->seq == 0 || l->seq <= seq)
			continue;
		if (first == UINT64_MAX)
			first = i;
		if (!model_is_line_counted((enum model_line_kind)l->kind) ||
		    (l->flags & MODEL_FLAG_SELF))
			continue;
		if (n < UINT_MAX)
			n++;
		mention |= (l->flags & MODEL_FLAG_MENTION) != 0;
	}
	w->unread = n;
	w->mentioned = mention;
	w->left_at = first;
}

int
model_win_filter(const struct model_win *w)
{
	return w->filter;
}

void
model_win_set_filter(struct model_win *w, int filter)
{
	if (w->filter != filter)
		w->model->gen++;
	w->filter = filter;
}

uint64_t
model_state_gen(const struct model *m)
{
	return m->gen;
}

void
model_set_time_format(struct model *m, const char *fmt, int cols)
{
	snprintf(m->time_fmt, sizeof(m->time_fmt), "%s", fmt);
	m->time_cols = cols > 0 ? cols : 1;
}

int
model_time_cols(const struct model *m)
{
	return m->time_cols;
}

size_t
model_time_text(const struct model *m, uint64_t time_ms, char *buf, size_t size)
{
	return stamp_format(m->time_fmt, time_ms, m->utc_offset, buf, size);
}

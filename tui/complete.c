/* complete.c: tab completion of the word before the cursor. */
#include <string.h>

#include "complete.h"
#include "utf8.h"

/* Which candidates a word is completed from. */
enum complete_kind {
	COMPLETE_TEXT,     /* nicks, then channels */
	COMPLETE_SLASH,    /* "/name" at the start of the line */
	COMPLETE_CHANNELS, /* after /join and the like */
	COMPLETE_NICKS,    /* after /msg */
	COMPLETE_COMMANDS  /* after /help */
};

/* Commands whose first argument completes from one source. */
static const struct {
	const char *name;
	enum complete_kind kind;
} complete_args[] = {
    {"/join", COMPLETE_CHANNELS},
    {"/leave", COMPLETE_CHANNELS},
    {"/names", COMPLETE_CHANNELS},
    {"/who", COMPLETE_CHANNELS},
    {"/msg", COMPLETE_NICKS},
    {"/help", COMPLETE_COMMANDS},
};

static int
complete_fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Non-zero if word[0..len) is a case-insensitive prefix of s. */
static int
complete_prefix(const char *s, const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0' ||
		    complete_fold((unsigned char)s[i]) !=
		        complete_fold((unsigned char)word[i]))
			return 0;
	return 1;
}

static int
complete_equal(const char *a, const char *b)
{
	return strlen(a) == strlen(b) && complete_prefix(a, b, strlen(b));
}

/* Candidates the kind draws from. */
static size_t
complete_count(int kind, const struct complete_sources *src)
{
	switch (kind) {
	case COMPLETE_TEXT:
		return src->n_nicks + src->n_channels;
	case COMPLETE_CHANNELS:
		return src->n_channels;
	case COMPLETE_NICKS:
		return src->n_nicks;
	default:
		return src->n_commands;
	}
}

/* Candidate k of the kind's sources, all lists in a row; *nick if a nick. */
static const char *
complete_candidate(
    int kind, const struct complete_sources *src, size_t k, int *nick)
{
	*nick = 0;
	switch (kind) {
	case COMPLETE_TEXT:
		if (k < src->n_nicks) {
			*nick = 1;
			return src->nicks[k];
		}
		return src->channels[k - src->n_nicks];
	case COMPLETE_CHANNELS:
		return src->channels[k];
	case COMPLETE_NICKS:
		*nick = 1;
		return src->nicks[k];
	default:
		return src->commands[k];
	}
}

/* Bytes added around a candidate: "/" and " ", or ": ", or " ". */
static size_t
complete_extra(const struct complete *c, int nick)
{
	if (c->kind == COMPLETE_SLASH)
		return 2;
	return nick && c->line_start ? 2 : 1;
}

/*
 * Non-zero if candidate k matches, fits the replacement and is not the
 * same as an earlier match (a nick that is also a channel, say).
 */
static int
complete_match(
    const struct complete *c, const struct complete_sources *src, size_t k)
{
	const char *s, *t;
	size_t j;
	int nick, other;

	s = complete_candidate(c->kind, src, k, &nick);
	if (s == NULL || *s == '\0' ||
	    !complete_prefix(s, c->word, c->word_len))
		return 0;
	if (strlen(s) + complete_extra(c, nick) >= COMPLETE_TEXT_MAX)
		return 0;
	for (j = 0; j < k; j++) {
		t = complete_candidate(c->kind, src, j, &other);
		if (t != NULL && complete_prefix(t, c->word, c->word_len) &&
		    complete_equal(s, t))
			return 0;
	}
	return 1;
}

/* The kind of the word at start: an argument of a known command or not. */
static enum complete_kind
complete_kind_at(const uint32_t *line, size_t len, size_t start)
{
	size_t i, j, n, first = 0;

	while (first < len && line[first] != ' ')
		first++;
	/* Only the first argument: nothing but spaces before the word. */
	for (i = first; i < start; i++)
		if (line[i] != ' ')
			return COMPLETE_TEXT;
	for (i = 0; i < sizeof(complete_args) / sizeof(complete_args[0]); i++) {
		n = strlen(complete_args[i].name);
		if (n != first)
			continue;
		for (j = 0; j < n; j++)
			if (line[j] >= 0x80 ||
			    complete_fold((int)line[j]) !=
			        complete_args[i].name[j])
				break;
		if (j == n)
			return complete_args[i].kind;
	}
	return COMPLETE_TEXT;
}

/* Sets up a new cycle for the word before the cursor; 0 if none. */
static int
complete_start(
    struct complete *c, const uint32_t *line, size_t len, size_t cursor)
{
	size_t i, start = cursor;
	char buf[4];
	int n;

	complete_reset(c);
	if (cursor > len)
		return 0;
	while (start > 0 && line[start - 1] != ' ')
		start--;
	for (i = start; i < cursor; i++) {
		if (line[i] > 0x10FFFF ||
		    (line[i] >= 0xD800 && line[i] <= 0xDFFF))
			return 0;
		n = utf8_encode(line[i], buf);
		if ((size_t)n > COMPLETE_WORD_MAX - c->word_len)
			return 0;
		memcpy(c->word + c->word_len, buf, (size_t)n);
		c->word_len += (size_t)n;
	}
	if (start == 0 && c->word_len > 0 && c->word[0] == '/') {
		c->kind = COMPLETE_SLASH;
		memmove(c->word, c->word + 1, --c->word_len);
	} else if (start == 0) {
		c->kind = COMPLETE_TEXT;
	} else {
		c->kind = complete_kind_at(line, len, start);
	}
	if (c->kind == COMPLETE_TEXT && c->word_len == 0)
		return 0;
	c->line_start = start == 0;
	c->start = start;
	c->end = cursor;
	c->next = 0;
	c->active = 1;
	return 1;
}

void
complete_reset(struct complete *c)
{
	memset(c, 0, sizeof(*c));
}

int
complete_next(struct complete *c, const uint32_t *line, size_t len,
    size_t cursor, const struct complete_sources *src,
    struct complete_edit *edit)
{
	size_t total, i, k, n;
	const char *s;
	int nick;

	if (!c->active || c->end != cursor || c->end > len)
		if (!complete_start(c, line, len, cursor))
			return 0;
	total = complete_count(c->kind, src);
	for (i = 0; i < total; i++) {
		k = (c->next + i) % total;
		if (complete_match(c, src, k))
			break;
	}
	if (i == total) {
		complete_reset(c);
		return 0;
	}
	c->next = k + 1;
	s = complete_candidate(c->kind, src, k, &nick);
	edit->len = 0;
	if (c->kind == COMPLETE_SLASH)
		edit->text[edit->len++] = '/';
	n = strlen(s);
	memcpy(edit->text + edit->len, s, n);
	edit->len += n;
	if (nick && c->line_start)
		edit->text[edit->len++] = ':';
	edit->text[edit->len++] = ' ';
	edit->text[edit->len] = '\0';
	edit->start = c->start;
	edit->end = c->end;
	/* Where the cursor will be once the caller applies the edit. */
	n = 0;
	for (i = 0; i < edit->len; i++)
		n += ((unsigned char)edit->text[i] & 0xC0) != 0x80;
	c->end = c->start + n;
	return 1;
}

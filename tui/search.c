/* search.c: search in a window's scrollback: matching, older and newer. */
#include "search.h"

#include <stdio.h>
#include <string.h>

static unsigned char
search_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

size_t
search_find(const char *s, size_t len, const char *q, size_t qlen, size_t from)
{
	const unsigned char *u = (const unsigned char *)s;
	const unsigned char *v = (const unsigned char *)q;
	unsigned char first;
	size_t i, j;

	if (qlen == 0 || qlen > len)
		return len;
	first = search_fold(v[0]);
	for (i = from; i + qlen <= len; i++) {
		if (search_fold(u[i]) != first)
			continue;
		for (j = 1; j < qlen; j++)
			if (search_fold(u[i + j]) != search_fold(v[j]))
				break;
		if (j == qlen)
			return i;
	}
	return len;
}

int
search_line_matches(
    const struct model_win *w, uint64_t index, const char *q, size_t qlen)
{
	struct model_line l;

	if (qlen == 0 || model_line(w, index, &l) < 0)
		return 0;
	if (search_find(l.text, l.text_len, q, qlen, 0) < l.text_len)
		return 1;
	return l.kind == MODEL_LINE_ACT &&
	    search_find(l.sender, l.sender_len, q, qlen, 0) < l.sender_len;
}

void
search_begin(struct search *s, const struct model_win *w)
{
	memset(s, 0, sizeof(*s));
	s->active = 1;
	s->saved_anchor = model_win_anchor(w);
	s->saved_skip = model_win_skip(w);
	s->match = UINT64_MAX;
}

uint64_t
search_match(const struct search *s, const struct model_win *w)
{
	if (s->match == UINT64_MAX || s->match < model_lines_begin(w) ||
	    s->match >= model_lines_end(w))
		return UINT64_MAX;
	return s->match;
}

/* The newest match in [begin, from], or UINT64_MAX. */
static uint64_t
search_back(const struct search *s, const struct model_win *w, uint64_t from)
{
	uint64_t begin = model_lines_begin(w), i;

	if (model_lines_end(w) == begin || from < begin)
		return UINT64_MAX;
	if (from >= model_lines_end(w))
		from = model_lines_end(w) - 1;
	for (i = from + 1; i-- > begin;)
		if (search_line_matches(w, i, s->query, s->len))
			return i;
	return UINT64_MAX;
}

int
search_set(
    struct search *s, const struct model_win *w, const char *q, size_t len)
{
	uint64_t from = search_match(s, w), found;

	if (len > SEARCH_QUERY_MAX)
		return -1;
	memcpy(s->query, q, len);
	s->query[len] = '\0';
	s->len = len;
	s->edge = SEARCH_FOUND;
	if (len == 0) {
		s->match = UINT64_MAX;
		return 0;
	}
	if (from == UINT64_MAX)
		from = s->saved_anchor; /* UINT64_MAX: the newest line */
	found = search_back(s, w, from);
	/* Nothing at or above the start: a match below it is still one. */
	if (found == UINT64_MAX)
		found = search_back(s, w, UINT64_MAX);
	if (found == UINT64_MAX)
		s->edge = SEARCH_NONE;
	else
		s->match = found;
	return 0;
}

int
search_older(struct search *s, const struct model_win *w)
{
	uint64_t at = search_match(s, w), found;

	if (s->len == 0)
		return 0;
	if (at == UINT64_MAX)
		return search_set(s, w, s->query, s->len) == 0 &&
		    s->edge == SEARCH_FOUND;
	found =
	    at > model_lines_begin(w) ? search_back(s, w, at - 1) : UINT64_MAX;
	if (found == UINT64_MAX) {
		s->edge = SEARCH_OLDEST;
		return 0;
	}
	s->match = found;
	s->edge = SEARCH_FOUND;
	return 1;
}

int
search_newer(struct search *s, const struct model_win *w)
{
	uint64_t at = search_match(s, w), i;

	if (s->len == 0 || at == UINT64_MAX)
		return 0;
	for (i = at + 1; i < model_lines_end(w); i++) {
		if (search_line_matches(w, i, s->query, s->len)) {
			s->match = i;
			s->edge = SEARCH_FOUND;
			return 1;
		}
	}
	s->edge = SEARCH_NEWEST;
	return 0;
}

void
search_accept(struct search *s)
{
	s->active = 0;
}

void
search_cancel(struct search *s, struct model_win *w)
{
	model_win_scroll(w, s->saved_anchor, s->saved_skip);
	s->active = 0;
}

void
search_count(const struct search *s, const struct model_win *w, uint64_t *nth,
    uint64_t *total)
{
	uint64_t at = search_match(s, w), i;

	*nth = *total = 0;
	if (s->len == 0)
		return;
	for (i = model_lines_begin(w); i < model_lines_end(w); i++) {
		if (!search_line_matches(w, i, s->query, s->len))
			continue;
		++*total;
		if (at != UINT64_MAX && i <= at)
			*nth = *total;
	}
}

size_t
search_status(
    const struct search *s, const struct model_win *w, char *buf, size_t size)
{
	uint64_t nth, total;
	char tail[64];
	int n;

	search_count(s, w, &nth, &total);
	if (s->len == 0)
		tail[0] = '\0';
	else if (s->edge == SEARCH_NONE || total == 0 || nth == 0)
		snprintf(tail, sizeof(tail), " not found");
	else
		snprintf(tail, sizeof(tail), " (%llu/%llu%s)",
		    (unsigned long long)nth, (unsigned long long)total,
		    s->edge == SEARCH_OLDEST       ? ", no older"
		        : s->edge == SEARCH_NEWEST ? ", no newer"
		                                   : "");
	n = snprintf(buf, size, "search: %s%s", s->query, tail);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

unsigned
search_skip(int rows, int row, int height)
{
	if (height < 1 || rows <= height || row >= rows)
		return 0;
	/* The match's row at the bottom, unless the line's end shows it. */
	if (rows - 1 - row < height)
		return 0;
	return (unsigned)(rows - 1 - row);
}

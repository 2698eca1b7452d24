/* layout.c: rows of scrollback lines, scrolling, the window list. */
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "width.h"
#include "wrap.h"

static const char *
kind_mark(enum model_line_kind kind)
{
	switch (kind) {
	case MODEL_LINE_ACT:
		return "*";
	case MODEL_LINE_EVENT:
		return "--";
	case MODEL_LINE_INFO:
		return "::";
	case MODEL_LINE_ERROR:
		return "!!";
	case MODEL_LINE_MSG:
		break;
	}
	return "";
}

void
layout_line(const struct model_line *l, int width, char *body_buf,
    struct layout_line *out)
{
	int mark_w, name_w, name_max, name_min, base;
	int time_cols = l->time_cols > 0 ? l->time_cols : LAYOUT_TIME_COLS;

	if (width < 1)
		width = 1;
	memset(out, 0, sizeof(*out));
	if (l->kind == MODEL_LINE_MSG) {
		out->mark = l->sender;
		out->mark_len = l->sender_len;
	} else {
		out->mark = kind_mark(l->kind);
		out->mark_len = strlen(out->mark);
	}
	if (l->kind == MODEL_LINE_ACT) {
		size_t n = l->sender_len;

		memcpy(body_buf, l->sender, n);
		body_buf[n++] = ' ';
		memcpy(body_buf + n, l->text, l->text_len);
		out->body = body_buf;
		out->body_len = n + l->text_len;
	} else {
		out->body = l->text;
		out->body_len = l->text_len;
	}
	mark_w = (int)width_str(out->mark, out->mark_len);
	/* A wider time needs a wider pane to leave the text its columns. */
	out->show_time = width >= LAYOUT_NARROW + time_cols - LAYOUT_TIME_COLS;
	out->time_cols = out->show_time ? time_cols : 0;
	base = out->show_time ? time_cols + 1 : 0;
	if (width >= LAYOUT_WIDE) {
		/* The widest name column that leaves the text half the pane. */
		name_max = width / 2 - (time_cols + 2);
		if (name_max < LAYOUT_NAME_COLS)
			name_max = LAYOUT_NAME_COLS;
		name_min = LAYOUT_NAME_COLS;
	} else {
		/* One column for all: the text aligns, names are cut. */
		name_max = LAYOUT_NAME_COLS_SMALL;
		if (!out->show_time && width / 4 < name_max)
			name_max = width / 4 < 2 ? 2 : width / 4;
		name_min = name_max;
	}
	if (mark_w > name_max) {
		out->mark_len =
		    width_cut(out->mark, out->mark_len, name_max - 1, &mark_w);
		mark_w++;
		out->mark_cut = 1;
	}
	name_w = mark_w > name_min ? mark_w : name_min;
	out->name_col = base + name_w - mark_w;
	out->text_col = base + name_w + 1;
	/* Keep at least half the pane for the text of every row. */
	out->indent = out->text_col < width / 2 ? out->text_col : width / 2;
}

void
layout_screen(int cols, struct layout_screen *out)
{
	if (cols >= LAYOUT_LIST_WIDE_MIN)
		out->list_cols = LAYOUT_LIST_COLS;
	else if (cols >= LAYOUT_LIST_MIN)
		out->list_cols = LAYOUT_LIST_COLS_SMALL;
	else
		out->list_cols = 0;
	out->pane_left = out->list_cols;
	out->pane_width = cols - out->list_cols;
	if (out->pane_width < 1)
		out->pane_width = 1;
}

static int
rows_of(const struct layout_line *ll, int width)
{
	int first = width - ll->text_col, rest = width - ll->indent;

	return (int)wrap_rows(
	    ll->body, ll->body_len, first < 1 ? 1 : first, rest < 1 ? 1 : rest);
}

int
layout_rows(const struct model_line *l, int width)
{
	char body[LAYOUT_BODY_MAX];
	struct layout_line ll;

	layout_line(l, width, body, &ll);
	return rows_of(&ll, width < 1 ? 1 : width);
}

static void
layout_head(struct layout_head *h, enum layout_head_kind kind, const char *s)
{
	h->kind = kind;
	snprintf(h->text, sizeof(h->text), "%s", s);
}

int
layout_heads(const struct model_win *w, uint64_t index,
    struct layout_head out[LAYOUT_HEADS_MAX])
{
	int n = 0;
	int64_t day;

	if (index == model_lines_begin(w)) {
		switch (model_win_page(w)) {
		case MODEL_PAGE_LOADING:
			layout_head(&out[n++], LAYOUT_HEAD_PAGE,
			    "loading older lines\xe2\x80\xa6");
			break;
		case MODEL_PAGE_BEGIN:
			layout_head(&out[n++], LAYOUT_HEAD_PAGE,
			    "beginning of history");
			break;
		case MODEL_PAGE_FULL:
			layout_head(&out[n++], LAYOUT_HEAD_PAGE,
			    "scrollback full: no older lines");
			break;
		case MODEL_PAGE_NONE:
			break;
		}
	}
	if (model_day_changes(w, index, &day)) {
		out[n].kind = LAYOUT_HEAD_DAY;
		(void)model_day_text(day, out[n].text, sizeof(out[n].text));
		n++;
	}
	if (index == model_win_marker(w))
		layout_head(&out[n++], LAYOUT_HEAD_NEW, "new");
	return n;
}

int
layout_index_rows(const struct model_win *w, uint64_t index, int width)
{
	struct layout_head heads[LAYOUT_HEADS_MAX];
	struct model_line l;

	if (model_line(w, index, &l) < 0)
		return 1;
	return layout_rows(&l, width) + layout_heads(w, index, heads);
}

/* The bottom row shown is row (rows(anchor) - 1 - skip) of the anchor line. */
struct pos {
	uint64_t anchor;
	long skip;
};

static int
at_top(const struct model_win *w, struct pos p, int width, int height)
{
	long rows = layout_index_rows(w, p.anchor, width) - p.skip;
	uint64_t i = p.anchor;

	while (rows < height && i > model_lines_begin(w))
		rows += layout_index_rows(w, --i, width);
	/* At the top only if the oldest line's first row is in the pane. */
	return i == model_lines_begin(w) && rows <= height;
}

int
layout_shows_top(const struct model_win *w, int width, int height)
{
	struct pos p;

	if (model_lines_begin(w) == model_lines_end(w))
		return 1;
	p.anchor = model_win_anchor(w);
	p.skip = model_win_skip(w);
	if (p.anchor == UINT64_MAX) {
		p.anchor = model_lines_end(w) - 1;
		p.skip = 0;
	}
	return at_top(w, p, width, height < 1 ? 1 : height);
}

void
layout_scroll_top(struct model_win *w, int width, int height)
{
	uint64_t i = model_lines_begin(w), end = model_lines_end(w);
	long rows = 0;

	for (; i < end; i++) {
		rows += layout_index_rows(w, i, width);
		if (rows >= height) {
			if (i + 1 == end && rows == height)
				break;
			model_win_scroll(w, i, (unsigned)(rows - height));
			return;
		}
	}
	layout_scroll_bottom(w);
}

void
layout_scroll_bottom(struct model_win *w)
{
	model_win_scroll(w, UINT64_MAX, 0);
}

void
layout_fill_view(struct model_win *w, int width, int height)
{
	uint64_t begin = model_lines_begin(w), i = model_win_anchor(w);
	long rows = -(long)model_win_skip(w);

	if (i == UINT64_MAX || height <= 0)
		return;
	for (;;) {
		rows += layout_index_rows(w, i, width);
		if (rows >= height)
			return;
		if (i == begin)
			break;
		i--;
	}
	layout_scroll_top(w, width, height);
}

void
layout_scroll(struct model_win *w, int width, int height, long rows)
{
	uint64_t begin = model_lines_begin(w), end = model_lines_end(w);
	struct pos p;

	if (begin == end)
		return;
	if (height < 1)
		height = 1;
	p.anchor = model_win_anchor(w);
	p.skip = model_win_skip(w);
	if (p.anchor == UINT64_MAX) {
		if (rows >= 0)
			return;
		p.anchor = end - 1;
		p.skip = 0;
	}
	for (; rows < 0; rows++) {
		if (p.skip + 1 < layout_index_rows(w, p.anchor, width)) {
			p.skip++;
		} else if (p.anchor > begin) {
			p.anchor--;
			p.skip = 0;
		} else {
			break;
		}
		if (at_top(w, p, width, height)) {
			layout_scroll_top(w, width, height);
			return;
		}
	}
	for (; rows > 0; rows--) {
		if (p.skip > 0) {
			p.skip--;
		} else if (p.anchor + 1 < end) {
			p.anchor++;
			p.skip = layout_index_rows(w, p.anchor, width) - 1;
		} else {
			break;
		}
	}
	if (p.anchor + 1 >= end && p.skip == 0)
		layout_scroll_bottom(w);
	else
		model_win_scroll(w, p.anchor, (unsigned)p.skip);
}

/* Windows shown from first on in h rows, after the rows about the rest. */
static size_t
layout_list_count(size_t n, size_t first, size_t h)
{
	size_t rows = h - (first > 0);

	if (first + rows >= n)
		return n - first;
	return rows - 1;
}

void
layout_list(size_t n, size_t cur, int height, size_t prev_first,
    struct layout_list *out)
{
	size_t h = height > 0 ? (size_t)height : 0, first;

	if (cur >= n)
		cur = n > 0 ? n - 1 : 0;
	if (n <= h) {
		first = 0;
		out->count = n;
	} else if (h < 3) {
		first = cur;
		out->count = h > 0;
	} else {
		first = prev_first < n ? prev_first : n - 1;
		if (cur < first)
			first = cur;
		while (cur >= first + layout_list_count(n, first, h))
			first++;
		/* Windows were closed: fill the rows again from above. */
		while (first > 0 &&
		    first - 1 + layout_list_count(n, first - 1, h) >= n)
			first--;
		out->count = layout_list_count(n, first, h);
	}
	out->first = first;
	out->above = first;
	out->below = n - first - out->count;
}

void
layout_activity(const struct model *m, char *buf, size_t size)
{
	size_t i, n = model_win_count(m), len = strlen(buf);
	const char *sep = " | act ";
	int k;

	for (i = 0; i < n; i++) {
		const struct model_win *w = model_win_at(m, i);

		if (i == model_current(m) || model_win_unread(w) == 0)
			continue;
		k = snprintf(buf + len, size - len, "%s%zu%s", sep, i + 1,
		    model_win_mentioned(w) ? "!" : "");
		if (k < 0 || (size_t)k >= size - len) {
			buf[len] = '\0';
			return;
		}
		len += (size_t)k;
		sep = ",";
	}
}

size_t
layout_title(unsigned long unread, char *buf, size_t size)
{
	int n;

	if (unread == 0)
		n = snprintf(buf, size, "txt-chat");
	else if (unread > 99999)
		n = snprintf(buf, size, "(99999+) txt-chat");
	else
		n = snprintf(buf, size, "(%lu) txt-chat", unread);
	if (n < 0 || size == 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

int
layout_title_ok(const char *term, int has_tsl)
{
	static const char *const known[] = {"xterm", "tmux", "screen", "rxvt"};
	size_t i;

	if (has_tsl)
		return 1;
	if (term == NULL)
		return 0;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strncmp(term, known[i], strlen(known[i])) == 0)
			return 1;
	return 0;
}

size_t
layout_ascii(uint32_t cp, int width, char out[2])
{
	char c = '?';
	int i;

	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp == 0x2026)
		c = '.';
	else if (cp == 0x2500 || cp == 0x2501)
		c = '-';
	else if (cp == 0x2502 || cp == 0x2503)
		c = '|';
	if (width > 2)
		width = 2;
	for (i = 0; i < width; i++)
		out[i] = c;
	return width > 0 ? (size_t)width : 0;
}

size_t
layout_names_width(const char *list, size_t len)
{
	size_t i = 0, start, most = 0;

	while (i < len) {
		while (i < len && list[i] == ' ')
			i++;
		start = i;
		while (i < len && list[i] != ' ')
			i++;
		if (i - start > most)
			most = i - start;
	}
	return most;
}

size_t
layout_names_row(const char *list, size_t len, size_t *pos, int cols,
    size_t colw, char row[LAYOUT_NAMES_ROW_MAX])
{
	size_t i = *pos, start, n = 0, taken = 0, per, w;

	per = cols > 0 ? (size_t)cols / (colw + 2) : 1;
	if (per == 0)
		per = 1;
	while (taken < per) {
		while (i < len && list[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && list[i] != ' ')
			i++;
		w = i - start;
		if (taken > 0) {
			/* Pads the name before to its column. */
			while (n < taken * (colw + 2) &&
			    n < LAYOUT_NAMES_ROW_MAX - 1)
				row[n++] = ' ';
		}
		if (n + w >= LAYOUT_NAMES_ROW_MAX)
			w = LAYOUT_NAMES_ROW_MAX - 1 - n;
		memcpy(row + n, list + start, w);
		n += w;
		taken++;
	}
	row[n] = '\0';
	*pos = i;
	return n;
}

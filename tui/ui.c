/* ui.c: ncurses drawing of the model and reading of keys. */
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "editor.h"
#include "keymap.h"
#include "layout.h"
#include "search.h"
#include "slash.h"
#include "stamp.h"
#include "ui.h"
#include "url.h"
#include "utf8.h"
#include "width.h"
#include "wrap.h"

/* Colour pairs: nick colours first, then the fixed ones. */
#define PAIR_NICK_FIRST 1
#define NICK_COLOURS    12
#define PAIR_ERROR      (PAIR_NICK_FIRST + NICK_COLOURS)
#define PAIR_MENTION    (PAIR_ERROR + 1)
#define PAIR_MARKER     (PAIR_ERROR + 2)
#define PAIR_STATUS     (PAIR_ERROR + 3)
#define PAIR_LIMIT      (PAIR_ERROR + 4)
#define PAIR_SEARCH     (PAIR_ERROR + 5)
/* Code points drawn at once. */
#define UI_WIDE_MAX 512
/* Milliseconds a write to a full terminal waits for room, at a time. */
#define UI_WRITE_WAIT_MS 5000
/* Bytes of one line of the bare display: time, mark, body, line break. */
#define UI_BARE_LINE_MAX (LAYOUT_BODY_MAX + MODEL_NAME_MAX + 16)

/* What the bare display shows: it is written again only when this changes. */
struct ui_bare_view {
	const struct model_win *w;
	uint64_t first, last; /* the lines shown */
	int height, width;
};

struct ui {
	struct client *client;
	struct input *input;
	struct keymap *keys;
	int colours;
	long gmtoff; /* seconds east of UTC, looked up once per draw */
	char body[LAYOUT_BODY_MAX];
	wchar_t wide[UI_WIDE_MAX];
	char input_utf8[EDITOR_UTF8_MAX]; /* the input line, to find its text */
	size_t list_first; /* the window list's first row, kept between draws */
	/*
	 * The terminal title: whether it may be set, its status line
	 * capabilities (NULL: OSC 2), and the unread count it shows
	 * (ULONG_MAX before the first).
	 */
	int title_ok;
	const char *tsl, *fsl;
	unsigned long title_unread;
	int ascii; /* UI_ASCII: every character drawn is ASCII */
	/*
	 * The bare display (Alt-L): the current window's lines alone,
	 * written for the terminal to wrap, so that its own selection takes
	 * a long URL whole; and what it shows.
	 */
	int bare;
	struct ui_bare_view bare_view;
	char bare_line[UI_BARE_LINE_MAX];
	char osc[URL_OSC52_MAX]; /* the clipboard sequence of /copy */
};

static const short nick_256[NICK_COLOURS] = {
    33,
    40,
    166,
    129,
    37,
    172,
    69,
    160,
    28,
    201,
    136,
    75,
};
static const short nick_8[NICK_COLOURS] = {
    COLOR_RED,
    COLOR_GREEN,
    COLOR_YELLOW,
    COLOR_BLUE,
    COLOR_MAGENTA,
    COLOR_CYAN,
    COLOR_RED,
    COLOR_GREEN,
    COLOR_YELLOW,
    COLOR_BLUE,
    COLOR_MAGENTA,
    COLOR_CYAN,
};

/* Bracketed paste: the terminal marks pasted text so it is never typed as keys.
 */
static void
paste_mode(int on)
{
	const char *seq = on ? "\033[?2004h" : "\033[?2004l";

	if (write(STDOUT_FILENO, seq, strlen(seq)) < 0)
		return;
}

/* A terminfo string capability, or NULL if the terminal has none. */
static const char *
ui_cap(const char *name)
{
	const char *s = tigetstr(name);

	return s == NULL || s == (const char *)-1 ? NULL : s;
}

/*
 * Looks the title capability up, and saves the terminal's own title on
 * its title stack (XTWINOPS 22, which xterm and tmux keep; others ignore
 * it), to be given back by title_end.
 */
static void
title_begin(struct ui *u)
{
	static const char push[] = "\033[22;0t";

	u->title_unread = ULONG_MAX;
	u->tsl = ui_cap("tsl");
	u->fsl = ui_cap("fsl");
	/* A tsl that takes a column is not the plain prefix used here. */
	if (u->tsl != NULL && (strchr(u->tsl, '%') != NULL || u->fsl == NULL))
		u->tsl = u->fsl = NULL;
	u->title_ok = layout_title_ok(getenv("TERM"), u->tsl != NULL);
	if (u->title_ok && write(STDOUT_FILENO, push, sizeof(push) - 1) < 0)
		u->title_ok = 0;
}

/* Shows the unread count in the title, if it changed. */
static void
title_update(struct ui *u)
{
	char title[LAYOUT_TITLE_MAX], seq[LAYOUT_TITLE_MAX + 64];
	unsigned long unread = model_unread_total(client_model(u->client));
	int n;

	if (!u->title_ok || unread == u->title_unread)
		return;
	u->title_unread = unread;
	layout_title(unread, title, sizeof(title));
	/* The title is digits and ASCII letters only: nothing to escape. */
	if (u->tsl != NULL)
		n = snprintf(seq, sizeof(seq), "%s%s%s", u->tsl, title, u->fsl);
	else
		n = snprintf(seq, sizeof(seq), "\033]2;%s\007", title);
	if (n > 0 && (size_t)n < sizeof(seq) &&
	    write(STDOUT_FILENO, seq, (size_t)n) < 0)
		u->title_ok = 0;
}

/*
 * Writes s[0..len) to the terminal, past ncurses; -1 if it failed.  The
 * terminal is non-blocking (libuv polls standard input, which shares it),
 * and a sequence cut short would swallow what follows: a full terminal
 * is waited for, up to UI_WRITE_WAIT_MS at a time (ncurses itself spins).
 */
static int
ui_write(const char *s, size_t len)
{
	struct pollfd pfd;
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pfd.fd = STDOUT_FILENO;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, UI_WRITE_WAIT_MS) <= 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * After a draw: a mention or a direct message rings the bell once (tmux
 * and screen turn it into a flag on the window), the title follows the
 * unread count, and what /copy took goes to the terminal's clipboard.
 */
static void
notify(struct ui *u)
{
	const char *copy;
	size_t len, n;

	if (model_take_alerts(client_model(u->client)) > 0)
		beep();
	title_update(u);
	copy = client_take_copy(u->client, &len);
	if (copy != NULL) {
		n = url_osc52(copy, len, u->osc, sizeof(u->osc));
		if (n > 0)
			(void)ui_write(u->osc, n);
	}
}

/* Gives the terminal its own title back. */
static void
title_end(struct ui *u)
{
	static const char pop[] = "\033[23;0t";

	if (u->title_ok && write(STDOUT_FILENO, pop, sizeof(pop) - 1) < 0)
		return;
}

/*
 * Binds the key the terminal sends for the extended capability cap (such
 * as kHOM3, Alt-Home): key_defined() takes the key's escape sequence, which
 * tigetstr() looks up, and gives the code ncurses assigned to it.
 */
static void
bind_extended(struct keymap *km, const char *cap, enum keymap_act act)
{
	const char *seq = tigetstr(cap);
	int code;

	if (seq == NULL || seq == (const char *)-1)
		return;
	code = key_defined(seq);
	if (code > 0)
		(void)keymap_bind(km, code, act);
}

struct ui *
ui_new(struct client *c, struct input *in, unsigned flags)
{
	struct ui *u = calloc(1, sizeof(*u));
	int i;

	if (u == NULL)
		return NULL;
	u->client = c;
	u->input = in;
	u->ascii = (flags & UI_ASCII) != 0;
	u->keys = keymap_new();
	if (u->keys == NULL || initscr() == NULL) {
		keymap_free(u->keys);
		free(u);
		return NULL;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(UI_ESCDELAY);
	if (has_colors() && !(flags & UI_NO_COLOR)) {
		start_color();
		use_default_colors();
		u->colours = 1;
		for (i = 0; i < NICK_COLOURS; i++)
			init_pair(PAIR_NICK_FIRST + i,
			    COLORS >= 256 ? nick_256[i] : nick_8[i], -1);
		init_pair(PAIR_ERROR, COLOR_RED, -1);
		init_pair(PAIR_MENTION, COLOR_YELLOW, -1);
		init_pair(PAIR_MARKER, COLOR_RED, -1);
		init_pair(PAIR_STATUS, COLOR_WHITE, COLOR_BLUE);
		init_pair(PAIR_LIMIT, COLOR_WHITE, COLOR_RED);
		init_pair(PAIR_SEARCH, COLOR_CYAN, -1);
	}
	bind_extended(u->keys, "kHOM3", KEYMAP_SCROLL_TOP);
	bind_extended(u->keys, "kEND3", KEYMAP_SCROLL_BOTTOM);
	bind_extended(u->keys, "kRIT3", KEYMAP_CHANNEL_NEXT);
	bind_extended(u->keys, "kLFT3", KEYMAP_CHANNEL_PREV);
	paste_mode(1);
	title_begin(u);
	return u;
}

void
ui_free(struct ui *u)
{
	if (u == NULL)
		return;
	paste_mode(0);
	endwin();
	title_end(u);
	keymap_free(u->keys);
	free(u);
}

/* Drawing helpers. */

/* Draws UTF-8 (valid, sanitised) at the cursor, at most max_cols columns;
 * returns the columns used. */
static int
put_text(struct ui *u, const char *s, size_t len, int max_cols)
{
	size_t i = 0;
	int cols = 0;

	while (i < len && cols < max_cols) {
		size_t n = 0;

		while (i < len && n < UI_WIDE_MAX) {
			uint32_t cp;
			int k = utf8_decode(s + i, len - i, &cp);
			int w;

			if (k < 0) {
				cp = 0xFFFD;
				k = 1;
			}
			w = width_cp(cp);
			if (cols + w > max_cols)
				break;
			if (u->ascii) {
				char a[2];
				size_t j, na = layout_ascii(cp, w, a);

				if (n + na > UI_WIDE_MAX)
					break;
				for (j = 0; j < na; j++)
					u->wide[n++] = (wchar_t)a[j];
			} else
				u->wide[n++] = (wchar_t)cp;
			cols += w;
			i += (size_t)k;
		}
		if (n == 0)
			break;
		addnwstr(u->wide, (int)n);
		if (n < UI_WIDE_MAX)
			break;
	}
	return cols;
}

static short
nick_pair(const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return (short)(PAIR_NICK_FIRST + h % NICK_COLOURS);
}

static void
set_attr(struct ui *u, attr_t attr, short pair)
{
	attr_set(attr, u->colours ? pair : 0, NULL);
}

/* Draws one row of body text, highlighting this user's name where others wrote
 * it. */
static void
put_body(struct ui *u, const char *s, size_t len, int max_cols, attr_t attr,
    short pair, int highlight)
{
	const char *self = model_self(client_model(u->client));
	size_t self_len = highlight ? strlen(self) : 0, pos = 0;

	while (pos < len && max_cols > 0) {
		size_t at = model_find_mention(self, self_len, s, len, pos);
		int used;

		set_attr(u, attr, pair);
		used = put_text(u, s + pos, at - pos, max_cols);
		max_cols -= used;
		if (at >= len)
			break;
		set_attr(u, A_BOLD | A_REVERSE, PAIR_MENTION);
		used = put_text(u, s + at, self_len, max_cols);
		max_cols -= used;
		pos = at + self_len;
	}
	set_attr(u, A_NORMAL, 0);
}

/*
 * Draws body[pos..end), one row of a line's body, with the matches of the
 * search s in reverse video, those that wrapped from the row before too.
 */
static void
put_body_search(struct ui *u, const char *body, size_t body_len, size_t pos,
    size_t end, int max_cols, attr_t attr, short pair, const struct search *s)
{
	size_t from = pos >= s->len ? pos - s->len + 1 : 0, at, stop;

	while (pos < end && max_cols > 0) {
		at = search_find(body, body_len, s->query, s->len, from);
		if (at < pos && at + s->len <= pos) {
			from = at + 1;
			continue;
		}
		if (at > end)
			at = end;
		if (at > pos) {
			set_attr(u, attr, pair);
			max_cols -= put_text(u, body + pos, at - pos, max_cols);
			pos = at;
		}
		if (pos >= end)
			break;
		stop = at + s->len < end ? at + s->len : end;
		set_attr(u, A_REVERSE, PAIR_SEARCH);
		max_cols -= put_text(u, body + pos, stop - pos, max_cols);
		pos = from = stop;
	}
	set_attr(u, A_NORMAL, 0);
}

static void
put_ascii(struct ui *u, int y, int x, const char *s, int max_cols, attr_t attr,
    short pair)
{
	if (max_cols <= 0)
		return;
	move(y, x);
	set_attr(u, attr, pair);
	put_text(u, s, strlen(s), max_cols);
	set_attr(u, A_NORMAL, 0);
}

/* The message pane. */

struct pane {
	int top;
	int left;
	int width;
	int height;
};

/*
 * A row above a line: a rule with its text at column 2, the unread
 * marker in its colour, paging and day rows dimmed.
 */
static void
draw_head(
    struct ui *u, const struct pane *p, int y, const struct layout_head *h)
{
	attr_t attr = h->kind == LAYOUT_HEAD_NEW ? A_NORMAL : A_DIM;
	short pair = h->kind == LAYOUT_HEAD_NEW ? PAIR_MARKER : 0;
	size_t len = strlen(h->text);
	int x;

	move(y, p->left);
	set_attr(u, attr, pair);
	for (x = 0; x < p->width; x++)
		addch(u->ascii ? '-' : ACS_HLINE);
	if (p->width > 4) {
		move(y, p->left + 2);
		set_attr(u, attr | A_BOLD, pair);
		addch(' ');
		put_text(u, h->text, len, p->width - 5);
		addch(' ');
	}
	set_attr(u, A_NORMAL, 0);
}

/* Draws row `row` (0-based within the line) of line index at screen row y. */
static void
draw_line_rows(struct ui *u, const struct pane *p, const struct model_win *w,
    uint64_t index, int first_row, int y, int rows_left)
{
	struct model_line l;
	struct layout_line ll;
	attr_t attr = A_NORMAL;
	short pair = 0;
	size_t pos = 0;
	int row = 0, first_text_row, highlight;
	struct layout_head heads[LAYOUT_HEADS_MAX];
	const struct search *search = input_search(u->input);
	int h, nheads;

	if (model_line(w, index, &l) < 0)
		return;
	nheads = layout_heads(w, index, heads);
	for (h = 0; h < nheads; h++) {
		if (row >= first_row && rows_left > 0) {
			draw_head(u, p, y, &heads[h]);
			y++;
			rows_left--;
		}
		row++;
	}
	first_text_row = row;
	layout_line(&l, p->width, u->body, &ll);
	if (l.kind == MODEL_LINE_EVENT || l.kind == MODEL_LINE_INFO)
		attr = A_DIM;
	if (l.kind == MODEL_LINE_ERROR)
		pair = PAIR_ERROR;
	highlight = (l.kind == MODEL_LINE_MSG || l.kind == MODEL_LINE_ACT) &&
	    !(l.flags & MODEL_FLAG_SELF);
	do {
		size_t end, next;
		int head = row == first_text_row;
		int col = head ? ll.text_col : ll.indent;
		int avail = p->width - col;

		wrap_next(ll.body, ll.body_len, pos, avail < 1 ? 1 : avail,
		    &end, &next);
		if (row >= first_row && rows_left > 0) {
			if (head) {
				if (ll.show_time) {
					char tt[STAMP_TEXT_MAX];
					size_t tn = model_time_text(
					    client_model(u->client), l.time_ms,
					    tt, sizeof(tt));

					move(y, p->left);
					set_attr(u, A_DIM, 0);
					put_text(u, tt, tn, ll.time_cols);
					set_attr(u, A_NORMAL, 0);
				}
				move(y, p->left + ll.name_col);
				if (l.kind == MODEL_LINE_MSG)
					set_attr(u,
					    (l.flags & MODEL_FLAG_MENTION)
					        ? A_BOLD | A_REVERSE
					        : A_BOLD,
					    nick_pair(l.sender, l.sender_len));
				else
					set_attr(u, attr | A_BOLD, pair);
				put_text(u, ll.mark, ll.mark_len,
				    p->width - ll.name_col);
				if (ll.mark_cut)
					addch('+');
				set_attr(u, A_NORMAL, 0);
			}
			if (col < p->width && search != NULL) {
				move(y, p->left + col);
				put_body_search(u, ll.body, ll.body_len, pos,
				    end, p->width - col, attr, pair, search);
			} else if (col < p->width) {
				move(y, p->left + col);
				put_body(u, ll.body + pos, end - pos,
				    p->width - col, attr, pair, highlight);
			}
			y++;
			rows_left--;
		}
		row++;
		pos = next;
	} while (pos < ll.body_len && rows_left > 0);
}

static void
draw_messages(struct ui *u, const struct pane *p)
{
	struct model *m = client_model(u->client);
	const struct model_win *w = model_win_at(m, model_current(m));
	uint64_t begin = model_lines_begin(w), end = model_lines_end(w);
	uint64_t anchor = model_win_anchor(w), i;
	long skip = (long)model_win_skip(w), total = 0;
	int y;

	if (begin == end || p->height <= 0 || p->width <= 0)
		return;
	if (anchor == UINT64_MAX || anchor >= end) {
		anchor = end - 1;
		skip = 0;
	}
	if (anchor < begin)
		anchor = begin;
	/* Walk up from the anchor until the pane is full, then draw down. */
	i = anchor;
	for (;;) {
		total += layout_index_rows(w, i, p->width);
		if (total - skip >= p->height || i == begin)
			break;
		i--;
	}
	y = p->top + p->height - (int)(total - skip);
	for (; i <= anchor; i++) {
		int rows = layout_index_rows(w, i, p->width);
		int first = 0, bottom = p->top + p->height;

		if (y < p->top) {
			first = p->top - y;
			y = p->top;
		}
		if (first < rows && y < bottom)
			draw_line_rows(u, p, w, i, first, y, bottom - y);
		y += rows - first;
	}
}

/* The channel list. */

/* A list row about count windows from index first on that do not fit. */
static void
draw_list_more(struct ui *u, int row, int cols, size_t first, size_t count,
    const char *where)
{
	struct model *m = client_model(u->client);
	attr_t attr = A_DIM;
	short pair = 0;
	int mentioned = 0;
	char text[32];
	size_t i;

	/* Activity out of sight still shows, as Alt-A would find it. */
	for (i = first; i < first + count; i++) {
		const struct model_win *w = model_win_at(m, i);

		if (model_win_unread(w) > 0)
			attr = A_BOLD;
		mentioned |= model_win_mentioned(w);
	}
	if (mentioned) {
		attr = A_BOLD;
		pair = PAIR_MENTION;
	}
	snprintf(text, sizeof(text), "%s +%zu %s", mentioned ? " !" : "  ",
	    count, where);
	move(row, 0);
	set_attr(u, attr, pair);
	hline(' ', cols - 1);
	put_ascii(u, row, 0, text, cols - 1, attr, pair);
}

/* The window list in cols columns, its border included. */
static void
draw_list(struct ui *u, int height, int cols)
{
	struct model *m = client_model(u->client);
	size_t n = model_win_count(m), cur = model_current(m), i;
	struct layout_list list;
	int y, row;

	for (y = 0; y < height; y++)
		mvaddch(y, cols - 1, u->ascii ? '|' : ACS_VLINE);
	layout_list(n, cur, height, u->list_first, &list);
	u->list_first = list.first;
	row = 0;
	if (list.above > 0 && height >= 3)
		draw_list_more(u, row++, cols, 0, list.above, "above");
	for (i = list.first; i < list.first + list.count; i++, row++) {
		const struct model_win *w = model_win_at(m, i);
		unsigned unread = model_win_unread(w);
		char num[8], count[16];
		attr_t attr = A_NORMAL;
		short pair = 0;
		int name_cols = cols - 1 - 3;
		const char *name;

		if (!model_win_joined(w) &&
		    model_win_kind(w) != MODEL_WIN_STATUS &&
		    model_win_kind(w) != MODEL_WIN_DM)
			attr = A_DIM;
		if (unread > 0)
			attr = A_BOLD;
		if (model_win_mentioned(w)) {
			attr = A_BOLD;
			pair = PAIR_MENTION;
		}
		if (i == cur)
			attr |= A_REVERSE;
		snprintf(num, sizeof(num), "%2zu", (i + 1) % 100);
		move(row, 0);
		set_attr(u, attr, pair);
		hline(' ', cols - 1);
		put_ascii(u, row, 0, num, 2, attr | A_DIM, pair);
		put_ascii(u, row, 2, model_win_mentioned(w) ? "!" : " ", 1,
		    attr, pair);
		count[0] = '\0';
		if (unread > 0) {
			snprintf(count, sizeof(count), " %u", unread);
			name_cols -= (int)strlen(count);
		}
		move(row, 3);
		set_attr(u, attr, pair);
		name = model_win_name(w);
		/* A name cut short says so, as in the message pane. */
		if ((int)width_str(name, strlen(name)) > name_cols) {
			put_text(u, name, strlen(name), name_cols - 1);
			addch('+');
		} else {
			put_text(u, name, strlen(name), name_cols);
		}
		if (count[0] != '\0')
			put_ascii(u, row, cols - 1 - (int)strlen(count), count,
			    (int)strlen(count), attr, pair);
	}
	if (list.below > 0 && height >= 3)
		draw_list_more(
		    u, row, cols, list.first + list.count, list.below, "below");
	set_attr(u, A_NORMAL, 0);
}

static const char *
state_name(enum client_state s)
{
	switch (s) {
	case CLIENT_OFFLINE:
		return "offline";
	case CLIENT_CONNECTING:
		return "connecting";
	case CLIENT_HELLO:
	case CLIENT_REGISTERING:
		return "registering";
	case CLIENT_ONLINE:
		return "online";
	}
	return "";
}

static void
draw_status(struct ui *u, int y, int activity)
{
	struct model *m = client_model(u->client);
	const struct model_win *w = model_win_at(m, model_current(m));
	char buf[512], part[128];
	long lag = client_lag(u->client);
	uint64_t below = model_win_below(w);

	snprintf(buf, sizeof(buf), " [%s] %s%s | %s",
	    state_name(client_state(u->client)), client_name(u->client),
	    client_away(u->client) ? " (away)" : "", model_win_name(w));
	if (model_win_kind(w) == MODEL_WIN_CHANNEL ||
	    model_win_kind(w) == MODEL_WIN_PERSONAL) {
		snprintf(part, sizeof(part), " (%zu)", model_member_count(w));
		strncat(buf, part, sizeof(buf) - strlen(buf) - 1);
	}
	if (lag >= 0) {
		snprintf(part, sizeof(part), " | lag %ld ms", lag);
		strncat(buf, part, sizeof(buf) - strlen(buf) - 1);
	}
	/* Messages the server holds back (its flood control): how many. */
	if (client_unechoed(u->client) >= UI_UNSENT_SHOWN) {
		snprintf(part, sizeof(part), " | %u to send",
		    client_unechoed(u->client));
		strncat(buf, part, sizeof(buf) - strlen(buf) - 1);
	}
	/* With the window list hidden, the windows with something new. */
	if (activity)
		layout_activity(m, buf, sizeof(buf));
	/* The topic last: a long one is what a narrow terminal cuts. */
	if (model_win_topic(w)[0] != '\0') {
		strncat(buf, " | ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, model_win_topic(w), sizeof(buf) - strlen(buf) - 1);
	}
	/* How far the view is scrolled up goes at the right edge, so a narrow
	 * terminal cuts the rest of the line, not that. */
	part[0] = '\0';
	if (below > 0)
		snprintf(part, sizeof(part), " %llu more below ",
		    (unsigned long long)below);
	move(y, 0);
	set_attr(u, A_REVERSE, PAIR_STATUS);
	hline(' ', COLS);
	if ((int)strlen(part) >= COLS)
		part[0] = '\0';
	put_text(u, buf, strlen(buf), COLS - (int)strlen(part));
	if (part[0] != '\0') {
		set_attr(u, A_REVERSE | A_BOLD, PAIR_STATUS);
		put_ascii(u, y, COLS - (int)strlen(part), part,
		    (int)strlen(part), A_REVERSE | A_BOLD, PAIR_STATUS);
	}
	set_attr(u, A_NORMAL, 0);
}

/*
 * Where the input line passes the server's text limit, counting only what
 * is sent as text ("/me " and "/msg name " are not); editor_len() if it
 * does not, or if the line sends no text.
 */
static size_t
input_limit_index(struct ui *u, const struct editor *ed)
{
	size_t n = editor_text_utf8(ed, u->input_utf8, sizeof(u->input_utf8));
	size_t start, i, cp = 0;

	if (slash_text_start(u->input_utf8, n, &start) < 0)
		return editor_len(ed);
	for (i = 0; i < start; i++)
		cp += ((unsigned char)u->input_utf8[i] & 0xC0) != 0x80;
	return editor_limit_index(ed, cp, client_text_max(u->client));
}

/* The input line; leaves the cursor where the editor's cursor is. */
static void
draw_input(struct ui *u, int y)
{
	struct model *m = client_model(u->client);
	struct editor *ed = input_editor(u->input);
	const char *question = input_question(u->input);
	const uint32_t *text = editor_text(ed);
	size_t limit = input_limit_index(u, ed);
	struct editor_view v;
	char prompt[MODEL_NAME_MAX + 8];
	int pw, width;
	size_t i;

	move(y, 0);
	clrtoeol();
	if (question != NULL && input_search(u->input) != NULL) {
		/* The query is the user's own UTF-8, shown as typed. */
		move(y, 0);
		set_attr(u, A_BOLD, 0);
		put_text(u, question, strlen(question), COLS);
		set_attr(u, A_NORMAL, 0);
		return;
	}
	if (question != NULL) {
		put_ascii(u, y, 0, question, COLS, A_BOLD, 0);
		return;
	}
	snprintf(prompt, sizeof(prompt), "[%s] ",
	    model_win_name(model_win_at(m, model_current(m))));
	/* A name cut short reads as another; narrow, just mark the line. */
	if ((int)strlen(prompt) > COLS / 3)
		snprintf(prompt, sizeof(prompt), "> ");
	move(y, 0);
	pw = put_text(u, prompt, strlen(prompt), COLS / 3);
	width = COLS - pw;
	if (width < 1)
		return;
	editor_view(ed, width, &v);
	move(y, pw);
	for (i = v.first; i < v.end; i++) {
		wchar_t wc = (wchar_t)text[i];

		/* Past the server's text limit: marked so it is seen before
		 * Enter. */
		set_attr(u, i >= limit ? A_REVERSE : A_NORMAL,
		    i >= limit ? PAIR_LIMIT : 0);
		if (u->ascii && text[i] >= 0x80) {
			char a[2];
			size_t j,
			    na = layout_ascii(text[i], width_cp(text[i]), a);

			for (j = 0; j < na; j++)
				addch((chtype)(unsigned char)a[j]);
		} else
			addnwstr(&wc, 1);
	}
	set_attr(u, A_NORMAL, 0);
	move(y, pw + v.cursor_col);
}

/* Columns a notice's text has in a pane of width columns. */
static int
text_cols(struct ui *u, int width)
{
	struct model_line l;
	struct layout_line ll;

	memset(&l, 0, sizeof(l));
	l.kind = MODEL_LINE_INFO;
	l.sender = l.text = "";
	l.time_cols = model_time_cols(client_model(u->client));
	layout_line(&l, width, u->body, &ll);
	return width - ll.indent;
}

/* The bare display. */

/*
 * Line index of w as the bare display writes it, into u->bare_line:
 * "HH:MM <bob> text", "HH:MM * bob waves", "HH:MM -- text" (":: " for a
 * notice, "!! " for an error), ASCII stand-ins on an ASCII terminal.
 * Returns its length.
 */
static size_t
bare_format(struct ui *u, const struct model_win *w, uint64_t index)
{
	struct model_line l;
	char head[MODEL_NAME_MAX + 16];
	const char *parts[2];
	size_t lens[2], n = 0, i, k;
	long t;
	int hn;

	if (model_line(w, index, &l) < 0)
		return 0;
	t = (long)(l.time_ms / 1000) + u->gmtoff;
	t = ((t % 86400) + 86400) % 86400;
	switch (l.kind) {
	case MODEL_LINE_MSG:
		hn = snprintf(head, sizeof(head), "%02ld:%02ld <%.*s> ",
		    t / 3600, t / 60 % 60, (int)l.sender_len, l.sender);
		break;
	case MODEL_LINE_ACT:
		hn = snprintf(head, sizeof(head), "%02ld:%02ld * %.*s ",
		    t / 3600, t / 60 % 60, (int)l.sender_len, l.sender);
		break;
	default:
		hn = snprintf(head, sizeof(head), "%02ld:%02ld %s ", t / 3600,
		    t / 60 % 60,
		    l.kind == MODEL_LINE_EVENT      ? "--"
		        : l.kind == MODEL_LINE_INFO ? "::"
		                                    : "!!");
		break;
	}
	parts[0] = head;
	lens[0] = hn < 0 ? 0 : (size_t)hn;
	parts[1] = l.text;
	lens[1] = l.text_len;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < lens[k];) {
			uint32_t cp;
			int c = utf8_decode(parts[k] + i, lens[k] - i, &cp);

			if (c < 0) {
				cp = 0xFFFD;
				c = 1;
			}
			/* A stand-in is never longer than what it stands for.
			 */
			if (n + (size_t)c > sizeof(u->bare_line))
				return n;
			if (u->ascii && cp >= 0x80)
				n += layout_ascii(
				    cp, width_cp(cp), u->bare_line + n);
			else {
				memcpy(
				    u->bare_line + n, parts[k] + i, (size_t)c);
				n += (size_t)c;
			}
			i += (size_t)c;
		}
	}
	return n;
}

/* Rows the terminal wraps u->bare_line[0..len) into, cols wide. */
static int
bare_rows(const struct ui *u, size_t len, int cols)
{
	size_t i = 0;
	int rows = 1, col = 0, w;
	uint32_t cp;
	int c;

	while (i < len) {
		c = utf8_decode(u->bare_line + i, len - i, &cp);
		if (c < 0) {
			cp = 0xFFFD;
			c = 1;
		}
		w = width_cp(cp);
		/* A wide character that does not fit goes to the next row. */
		if (w > 0 && col + w > cols) {
			rows++;
			col = 0;
		}
		col += w;
		i += (size_t)c;
	}
	return rows;
}

/*
 * The lines of the current window that fit, down to the one at the
 * bottom of the view, written as text: the terminal wraps them itself,
 * so a URL longer than a row is one line to its selection (and to tmux's
 * copy mode), which the side columns of the normal view prevent.  Only
 * when what it shows changed, so that a selection is not wiped while
 * other windows get lines.
 */
static void
draw_bare(struct ui *u, int repaint)
{
	struct model *m = client_model(u->client);
	const struct model_win *w = model_win_at(m, model_current(m));
	uint64_t i, begin = model_lines_begin(w), end = model_lines_end(w);
	uint64_t last = model_win_anchor(w), first = end;
	struct ui_bare_view v;
	size_t len;
	int rows = 0, r;

	if (last == UINT64_MAX || last >= end)
		last = end - 1;
	for (i = end > begin ? last + 1 : begin; i > begin; i--) {
		len = bare_format(u, w, i - 1);
		r = bare_rows(u, len, COLS);
		/* The bottom line goes in even if it is taller than the screen.
		 */
		if (rows + r > LINES && first <= last)
			break;
		rows += r;
		first = i - 1;
	}
	memset(&v, 0, sizeof(v));
	v.w = w;
	v.first = first;
	v.last = end > begin ? last : end;
	v.height = LINES;
	v.width = COLS;
	if (!repaint && memcmp(&v, &u->bare_view, sizeof(v)) == 0)
		return;
	u->bare_view = v;
	/* ncurses clears the screen and leaves the cursor where text starts. */
	clearok(curscr, TRUE);
	erase();
	move(rows < LINES ? LINES - rows : 0, 0);
	wnoutrefresh(stdscr);
	doupdate();
	for (i = first; i <= last && i < end; i++) {
		len = bare_format(u, w, i);
		/* No line break after the last: at the bottom it would scroll.
		 */
		if (i < last && len + 2 <= sizeof(u->bare_line)) {
			u->bare_line[len++] = '\r';
			u->bare_line[len++] = '\n';
		}
		if (ui_write(u->bare_line, len) < 0)
			break;
	}
}

void
ui_draw(struct ui *u, uint64_t now, int repaint)
{
	struct layout_screen scr;
	struct pane p;
	struct tm tm;
	time_t t = (time_t)(now / 1000);

	if (localtime_r(&t, &tm) != NULL)
		u->gmtoff = tm.tm_gmtoff;
	/* Day rows are the model's: it learns the day and zone here. */
	model_set_clock(client_model(u->client), now, u->gmtoff);
	if (u->bare && LINES >= 3 && COLS >= 8) {
		draw_bare(u, repaint);
		notify(u);
		return;
	}
	if (repaint)
		clearok(curscr, TRUE);
	erase();
	if (LINES < 3 || COLS < 8) {
		put_ascii(u, 0, 0, "terminal too small", COLS, A_BOLD, 0);
		refresh();
		notify(u);
		return;
	}
	layout_screen(COLS, &scr);
	p.top = 0;
	p.left = scr.pane_left;
	p.width = scr.pane_width;
	p.height = LINES - 2;
	if (scr.list_cols > 0)
		draw_list(u, p.height, scr.list_cols);
	client_set_view(u->client, p.height, text_cols(u, p.width));
	layout_fill_view(model_win_at(client_model(u->client),
	                     model_current(client_model(u->client))),
	    p.width, p.height);
	draw_messages(u, &p);
	draw_status(u, LINES - 2, scr.list_cols == 0);
	draw_input(u, LINES - 1);
	wnoutrefresh(stdscr);
	doupdate();
	notify(u);
}

void
ui_resize(struct ui *u)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	(void)u;
}

static void
pane_size(struct input_pane *pane)
{
	struct layout_screen scr;

	layout_screen(COLS, &scr);
	pane->width = scr.pane_width;
	pane->height = LINES - 2;
	if (pane->height < 1)
		pane->height = 1;
}

static unsigned
apply(struct ui *u, const struct keymap_action *acts, size_t n, uint64_t now)
{
	struct input_pane pane;
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (acts[i].act == KEYMAP_RESIZE) {
			bits |= INPUT_DRAW;
			continue;
		}
		/*
		 * Alt-L switches the bare display; there, any other key only
		 * goes back (nothing typed blind), but a paste goes back and
		 * is pasted.
		 */
		if (acts[i].act == KEYMAP_BARE || u->bare) {
			int paste = acts[i].act == KEYMAP_PASTE_BEGIN ||
			    acts[i].act == KEYMAP_PASTE_END;

			u->bare = acts[i].act == KEYMAP_BARE ? !u->bare : 0;
			bits |= INPUT_DRAW | INPUT_REPAINT;
			if (!paste)
				continue;
		}
		pane_size(&pane);
		bits |= input_apply(u->input, &acts[i], &pane, now);
	}
	return bits;
}

unsigned
ui_read_keys(struct ui *u, uint64_t now)
{
	struct keymap_action acts[KEYMAP_OUT_MAX];
	unsigned bits = 0;
	wint_t wch;
	int rc;

	while ((rc = get_wch(&wch)) != ERR) {
		size_t n = keymap_feed(u->keys,
		    rc == KEY_CODE_YES ? KEYMAP_IN_KEY : KEYMAP_IN_CHAR,
		    (uint32_t)wch, acts);

		bits |= apply(u, acts, n, now);
	}
	bits |= apply(u, acts, keymap_flush(u->keys, acts), now);
	return bits;
}

int
ui_keys_waiting(const struct ui *u)
{
	return keymap_waiting(u->keys);
}

unsigned
ui_keys_timeout(struct ui *u, uint64_t now)
{
	struct keymap_action acts[KEYMAP_OUT_MAX];

	return apply(u, acts, keymap_timeout(u->keys, acts), now);
}

int
ui_check_terminal(char *err, size_t size)
{
	const char *term = getenv("TERM");
	const char *cup;
	int e = 0;

	if (term == NULL || term[0] == '\0') {
		snprintf(err, size,
		    "TERM is not set: txt-chat needs a full-screen terminal");
		return -1;
	}
	/* setupterm reads the entry without writing to the terminal. */
	if (setupterm(NULL, STDOUT_FILENO, &e) != OK) {
		snprintf(err, size,
		    "unknown terminal type TERM=%s: txt-chat needs a "
		    "full-screen terminal described by terminfo",
		    term);
		return -1;
	}
	cup = tigetstr("cup");
	del_curterm(cur_term);
	if (cup == NULL || cup == (const char *)-1) {
		snprintf(err, size,
		    "TERM=%s cannot move the cursor: txt-chat needs a "
		    "full-screen terminal (such as xterm, screen or tmux)",
		    term);
		return -1;
	}
	return 0;
}

/* layout.h: how scrollback lines fall into rows of the message pane. */
#ifndef TUI_LAYOUT_H
#define TUI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * A line is drawn as "HH:MM name text": the time (in the columns of the
 * line's time_cols, from the config file's timestamp_format, else
 * LAYOUT_TIME_COLS), the name right-aligned
 * in a column of LAYOUT_NAME_COLS (a longer name pushes the text right),
 * then the text, wrapped with a hanging indent under its first column.
 * The name column holds the sender for messages and a mark for other
 * kinds; an action's text is "sender text".
 *
 * A name so long that the text would start past the middle of the pane
 * is cut to fit there, with a '+' after it (as WeeChat does).
 *
 * A pane narrower than LAYOUT_WIDE keeps its columns for the text: the
 * name column is LAYOUT_NAME_COLS_SMALL wide and a longer name is cut
 * (with the '+'), so every line's text starts in the same column.  Below
 * LAYOUT_NARROW (plus the columns a time wider than LAYOUT_TIME_COLS
 * takes beyond them) the time is left out too and the name column is a
 * quarter of the pane, at most LAYOUT_NAME_COLS_SMALL, at least 2.
 *
 * Rows of their own may go above a line, in this order: above the oldest
 * line kept, the paging row ("loading older lines…", "beginning of
 * history"); a day row when the day changes (see model_day_changes); the
 * unread marker above the first unread line.
 */

#define LAYOUT_TIME_COLS       5
#define LAYOUT_NAME_COLS       12
#define LAYOUT_NAME_COLS_SMALL 8
#define LAYOUT_WIDE            60
#define LAYOUT_NARROW          40
/* Bytes of a line's body (an action's sender, a space and its text). */
#define LAYOUT_BODY_MAX (MODEL_NAME_MAX + 1 + MODEL_TEXT_MAX)

/* Where the parts of one line go in a pane of width columns. */
struct layout_line {
	int show_time;    /* the time column is drawn */
	int time_cols;    /* its columns from column 0, or 0 */
	int name_col;     /* column where the name (or mark) starts */
	int text_col;     /* column where the first row's text starts */
	int indent;       /* column where the following rows start */
	const char *mark; /* what the name column shows: sender or a mark */
	size_t mark_len;
	int mark_cut; /* mark shortened to fit: draw a '+' after it */
	const char
	    *body; /* the text to wrap: in the caller's buffer or the model */
	size_t body_len;
};

/*
 * The screen across: the window list on the left, LAYOUT_LIST_COLS wide
 * from LAYOUT_LIST_WIDE_MIN terminal columns on, LAYOUT_LIST_COLS_SMALL
 * from LAYOUT_LIST_MIN on, hidden below (the status line then shows the
 * windows with activity); the message pane takes the rest.  At 60
 * columns that leaves the text 31 columns, at 80 it leaves 41.
 */
#define LAYOUT_LIST_COLS       20
#define LAYOUT_LIST_COLS_SMALL 14
#define LAYOUT_LIST_WIDE_MIN   80
#define LAYOUT_LIST_MIN        60

struct layout_screen {
	int list_cols;  /* columns of the window list with its border, or 0 */
	int pane_left;  /* first column of the message pane */
	int pane_width; /* columns of the message pane, at least 1 */
};

/* Splits a terminal of cols columns into the list and the pane. */
void layout_screen(int cols, struct layout_screen *out);

/*
 * Lays out line l for a pane of width columns; body_buf (LAYOUT_BODY_MAX
 * bytes) is used for an action's body.  The strings borrow from l and
 * body_buf.
 */
void layout_line(const struct model_line *l, int width, char *body_buf,
    struct layout_line *out);

enum layout_head_kind {
	LAYOUT_HEAD_PAGE, /* paging back: loading, beginning, full */
	LAYOUT_HEAD_DAY,  /* a new day: its date */
	LAYOUT_HEAD_NEW,  /* the unread marker */
};
/* Rows above one line at most, and bytes of a row's text with its NUL. */
#define LAYOUT_HEADS_MAX     3
#define LAYOUT_HEAD_TEXT_MAX 48

struct layout_head {
	enum layout_head_kind kind;
	char text[LAYOUT_HEAD_TEXT_MAX];
};

/* Fills out with the rows above window line index; returns how many. */
int layout_heads(const struct model_win *w, uint64_t index,
    struct layout_head out[LAYOUT_HEADS_MAX]);

/* Rows of line l at width, at least 1. */
int layout_rows(const struct model_line *l, int width);

/* Rows window line index takes at width, counting the rows above it. */
int layout_index_rows(const struct model_win *w, uint64_t index, int width);

/*
 * Moves the view of w in a pane of width x height by rows: negative is up
 * (older).  It never goes past the first line at the top; reaching the
 * newest line at the bottom makes the view follow again.
 */
void layout_scroll(struct model_win *w, int width, int height, long rows);
/*
 * Whether the pane shows the top row of the oldest line kept (with the
 * rows above it): scrolling up cannot go further without older lines.
 */
int layout_shows_top(const struct model_win *w, int width, int height);
/* Shows the oldest lines (Alt-Home). */
void layout_scroll_top(struct model_win *w, int width, int height);
/* Follows the newest line again (Alt-End). */
void layout_scroll_bottom(struct model_win *w);
/*
 * A view scrolled back that no longer fills the pane (its oldest lines
 * were dropped from the scrollback under it, or the pane grew) moves to
 * show the oldest lines from the top row down.  Costs at most the lines
 * of one pane.
 */
void layout_fill_view(struct model_win *w, int width, int height);

/*
 * The window list when it holds more windows than rows: a row at the top
 * says how many are above, one at the bottom how many below, and the
 * windows between always include the current one.  The list moves only
 * when the current window would leave it, and never shows empty rows
 * while windows are hidden above.
 */
struct layout_list {
	size_t first; /* index of the first window shown */
	size_t count; /* windows shown */
	size_t above; /* hidden above: a row says so when > 0 */
	size_t below; /* hidden below: a row says so when > 0 */
};

/*
 * Appends " | act 3,5!" to the NUL-terminated buf[0..size): the numbers of
 * the windows other than the current one with unread lines, '!' after
 * those that mention this user; what does not fit is left out whole.
 * For the status line when the window list is hidden.
 */
void layout_activity(const struct model *m, char *buf, size_t size);

/*
 * Lays out n windows, the current one cur, in height rows, where the list
 * started at prev_first last time (0 at first).  Below 3 rows only the
 * current window is shown, with no rows about the others.
 */
void layout_list(size_t n, size_t cur, int height, size_t prev_first,
    struct layout_list *out);

/* Bytes of the terminal title layout_title writes, terminator included. */
#define LAYOUT_TITLE_MAX 32

/*
 * The terminal's title for unread messages in all windows: "txt-chat",
 * or "(n) txt-chat" with n at most 99999 ("(99999+) txt-chat" beyond).
 * Writes it NUL-terminated into buf[size] and returns its length; size
 * LAYOUT_TITLE_MAX always fits.
 */
size_t layout_title(unsigned long unread, char *buf, size_t size);

/*
 * Whether the title may be set: the terminal has a status line capability
 * (terminfo tsl, has_tsl) or its name (TERM, NULL if unset) starts with
 * xterm, tmux, screen or rxvt, terminals known to take OSC 2.
 */
int layout_title_ok(const char *term, int has_tsl);

/*
 * What to draw for code point cp, width columns wide (0 to 2), on a
 * terminal without UTF-8: cp itself if ASCII, else an ASCII stand-in as
 * wide as cp ('.' for the ellipsis, '-' and '|' for line drawing, '?'
 * otherwise).  Writes width bytes (1 for ASCII) into out[2] and returns
 * how many.
 */
size_t layout_ascii(uint32_t cp, int width, char out[2]);

/* Bytes of a row of names layout_names_row writes, terminator included. */
#define LAYOUT_NAMES_ROW_MAX 512

/* The longest word of the space-separated list[0..len), in bytes. */
size_t layout_names_width(const char *list, size_t len);

/*
 * The next row of a name list in columns, for /names on a pane of cols
 * text columns: from word *pos of list[0..len) (space-separated ASCII
 * names), as many names as columns of colw + 2 fit (at least one), each
 * but the last padded to its column.  Writes the row NUL-terminated into
 * row[LAYOUT_NAMES_ROW_MAX] (the columns that do not fit are left out),
 * advances *pos past the names taken and returns the row's length, 0 at
 * the end of the list.
 */
size_t layout_names_row(const char *list, size_t len, size_t *pos, int cols,
    size_t colw, char row[LAYOUT_NAMES_ROW_MAX]);

#endif

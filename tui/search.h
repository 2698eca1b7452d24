/* search.h: search in a window's scrollback: matching, older and newer. */
#ifndef TUI_SEARCH_H
#define TUI_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * Ctrl-R or /search: each key typed changes the query and the search
 * starts again from the match shown (or, at first, from the line at the
 * bottom of the view) towards older lines, so a longer query stays on the
 * same line while it still matches.  Ctrl-R or Up goes to the next older
 * match, Ctrl-S or Down to the next newer one; Enter keeps the view where
 * it is, Escape puts it back as it was when the search began.  Matching
 * is on a line's text (an action's with its sender), ASCII letters
 * without regard to case, other bytes exactly; a match is a whole line,
 * counted from the oldest kept (n of total).  Pure: the caller scrolls the
 * view to search_match() (it knows the widths; see search_skip) and draws.
 *
 * Searching the server, later.  Once the server keeps durable history and
 * answers a search request, it plugs in at the oldest end: when
 * search_older() finds nothing at or after model_lines_begin() and the
 * window's oldest line is not the channel's first (model_win_page() is
 * not MODEL_PAGE_BEGIN), the caller asks a provider
 *
 *     struct search_provider {
 *         void *ctx;
 *         // asks for lines of w's channel older than seq that match
 *         // query; 0, or -1 when the server cannot search
 *         int (*older)(void *ctx, struct model_win *w, uint64_t seq,
 *             const char *query, size_t len);
 *     };
 *
 * with seq = model_win_oldest_seq(w).  The client would send it as a
 * history-like request and insert the lines of the answer with
 * model_insert(), as a history page does (MODEL_FLAG_HISTORY, so never
 * unread); search_status() would say "searching the server" meanwhile
 * (a SEARCH_PENDING state), and on the answer's end the caller runs
 * search_older() again, which then finds the inserted lines as it finds
 * any other.  Nothing else here changes: matches are lines of the model,
 * wherever they came from.
 */

/* Bytes of a query, no terminator; a longer one is refused. */
#define SEARCH_QUERY_MAX 256
/* Bytes search_status() writes at most, terminator included. */
#define SEARCH_STATUS_MAX (SEARCH_QUERY_MAX + 64)

/* The last move found nothing in its direction. */
enum search_edge {
	SEARCH_FOUND = 0,
	SEARCH_NONE,   /* the query matches no line kept */
	SEARCH_OLDEST, /* no older match: the match shown is the oldest */
	SEARCH_NEWEST, /* no newer match */
};

struct search {
	int active;
	char query[SEARCH_QUERY_MAX + 1];
	size_t len;
	/* The view when the search began, for Escape. */
	uint64_t saved_anchor;
	unsigned saved_skip;
	/* The line matched, or UINT64_MAX for none yet. */
	uint64_t match;
	enum search_edge edge;
};

/*
 * Where q[0..qlen) next occurs in s[from..len), ASCII letters without
 * regard to case; len if it does not (or qlen is 0).
 */
size_t search_find(
    const char *s, size_t len, const char *q, size_t qlen, size_t from);
/* Whether line index of w matches q. */
int search_line_matches(
    const struct model_win *w, uint64_t index, const char *q, size_t qlen);

/* Starts a search in w with an empty query, keeping w's view for Escape. */
void search_begin(struct search *s, const struct model_win *w);
/*
 * Sets the query and searches from the match shown, itself included,
 * towards older lines.  Returns 0, or -1 (nothing changed) when it is
 * longer than SEARCH_QUERY_MAX.
 */
int search_set(
    struct search *s, const struct model_win *w, const char *q, size_t len);
/* The next older and the next newer match; 1 if it moved, else 0. */
int search_older(struct search *s, const struct model_win *w);
int search_newer(struct search *s, const struct model_win *w);
/* The line matched, or UINT64_MAX (none, or it left the scrollback). */
uint64_t search_match(const struct search *s, const struct model_win *w);
/* Enter: the search ends, the view stays. */
void search_accept(struct search *s);
/* Escape: the search ends and w's view is put back. */
void search_cancel(struct search *s, struct model_win *w);
/* The match's place counted from the oldest line kept, and all matches. */
void search_count(const struct search *s, const struct model_win *w,
    uint64_t *nth, uint64_t *total);
/*
 * "search: TEXT (3/17)", "search: TEXT not found", "search: TEXT (1/17,
 * no older)" into buf[size]; the query cut to fit.  Returns the length.
 */
size_t search_status(
    const struct search *s, const struct model_win *w, char *buf, size_t size);
/*
 * The view's skip (rows of the anchor line hidden below the view) that
 * shows row `row` of a line of `rows` rows in a pane `height` rows high:
 * 0 while the whole line fits, else the row at the bottom.
 */
unsigned search_skip(int rows, int row, int height);

#endif

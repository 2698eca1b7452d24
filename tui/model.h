/* model.h: what the client shows: windows, scrollback, members, unread state.
 */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The model is pure data: no terminal, no sockets, no clock.  Text handed
 * to it comes from the network and is sanitised on the way in (see
 * sanitize.h), so everything it returns is safe, valid UTF-8.
 *
 * Windows are listed in the order they were opened; window 0 is the
 * status window and is never closed.  Lines of a window have absolute
 * indexes that only grow: the scrollback keeps [begin, end), and the
 * oldest line is dropped when it holds its limit.
 */

/* Lines kept per window unless configured: default, least and most. */
#define MODEL_SCROLLBACK_DEFAULT 4000
#define MODEL_SCROLLBACK_MIN     100
#define MODEL_SCROLLBACK_MAX     1000000
/*
 * Bytes of scrollback kept over all windows together unless configured:
 * default, least and most.  What counts is every stored line's allocation
 * exactly (a header of 24 bytes, the sender, the text and a NUL after
 * each); past the limit the oldest lines of the windows holding the most
 * go, but every window keeps its newest line.  The rings of line pointers
 * come on top: 8 bytes a line, at most the lines per window.
 */
#define MODEL_SCROLLBACK_BYTES_DEFAULT ((size_t)64 * 1024 * 1024)
#define MODEL_SCROLLBACK_BYTES_MIN     ((size_t)1024 * 1024)
#define MODEL_SCROLLBACK_BYTES_MAX     ((size_t)1024 * 1024 * 1024)
/* Windows open at once, the status window included. */
#define MODEL_WINDOWS_MAX 200
/* Members tracked per window; a server sending more is cut off here. */
#define MODEL_MEMBERS_MAX 20000
/* Bytes of a name or channel name kept after sanitising, no terminator. */
#define MODEL_NAME_MAX 64
/* Bytes of a channel id kept, no terminator. */
#define MODEL_ID_MAX 64
/* Bytes of line text kept after sanitising, no terminator; longer is cut. */
#define MODEL_TEXT_MAX 12288

enum model_win_kind {
	MODEL_WIN_STATUS,   /* notices of the client and the server */
	MODEL_WIN_CHANNEL,  /* a named channel; key: its id */
	MODEL_WIN_PERSONAL, /* someone's personal channel; key: its id */
	MODEL_WIN_DM,       /* a conversation; key: the peer's name */
};

enum model_line_kind {
	MODEL_LINE_MSG,   /* <sender> text */
	MODEL_LINE_ACT,   /* * sender text */
	MODEL_LINE_EVENT, /* joins, parts, quits, renames: shown dimmed */
	MODEL_LINE_INFO,  /* the client's own notices and replies */
	MODEL_LINE_ERROR, /* errors */
};

/* Line flags. */
#define MODEL_FLAG_SELF    1 /* sent by this user */
#define MODEL_FLAG_MENTION 2 /* names this user (set by model_add) */
#define MODEL_FLAG_HISTORY 4 /* replayed on join: never counts as unread */
/*
 * Hidden by a filter (/filter joins): model_add and model_add_seq hand the
 * line to the added callback (the chat log) and keep nothing, so it is
 * neither shown nor counted as unread nor an alert.
 */
#define MODEL_FLAG_HIDDEN 8

/* A line as stored; the strings are the model's, valid until it changes. */
struct model_line {
	uint64_t time_ms; /* when the server (or the client) saw it */
	uint64_t seq;     /* the channel's sequence number, or 0 */
	enum model_line_kind kind;
	unsigned flags;
	const char *sender; /* empty for INFO and ERROR lines */
	size_t sender_len;
	const char *text;
	size_t text_len;
	/*
	 * Columns of the time column (model_set_time_format), filled by
	 * model_line(); 0 in a line made by hand means the default, 5.
	 */
	int time_cols;
};

struct model;
struct model_win;
struct hmap_key;

/* A model with only the status window; scrollback is clamped to the limits
 * above. */
struct model *model_new(size_t scrollback);
/* model_free(NULL) does nothing. */
void model_free(struct model *m);
/*
 * Sets the total scrollback limit in bytes (clamped to the limits above;
 * MODEL_SCROLLBACK_BYTES_DEFAULT until called) and drops lines at once if
 * the scrollback holds more.
 */
void model_set_scrollback_bytes(struct model *m, size_t bytes);
/* Bytes the scrollback of all windows holds, counted as described above. */
size_t model_bytes(const struct model *m);
/* Bytes the scrollback of one window holds. */
size_t model_win_bytes(const struct model_win *w);

/*
 * The key of the member name tables (copied), from the random source at
 * start, so that a server or users cannot choose names that share a
 * bucket.  Until it is set the key is all zero.
 */
void model_set_hash_key(struct model *m, const struct hmap_key *key);

/* This user's name, for SELF and MENTION flags; copied. */
void model_set_self(struct model *m, const char *name, size_t len);
const char *model_self(const struct model *m);

/*
 * Where the next mention of name as a word starts in t[from..len), else
 * len.  A word is a run of letters, digits, '_', '-' and '.', matched
 * without regard to case; dots ending it end a sentence ("thanks,
 * alice."), not the name, unless the name itself ends so.  One pass.
 */
size_t model_find_mention(
    const char *name, size_t name_len, const char *t, size_t len, size_t from);

/* Windows. */
size_t model_win_count(const struct model *m);
struct model_win *model_win_at(const struct model *m, size_t index);
/* The index of a window, or (size_t)-1 if it is not open. */
size_t model_win_index(const struct model *m, const struct model_win *w);
size_t model_current(const struct model *m);
/*
 * Shows window index: the window left keeps an unread marker at its end,
 * the window shown has its unread count and mention mark cleared.
 */
void model_select(struct model *m, size_t index);
/* The window of kind with key (id, or peer name for DM, case-insensitive); NULL
 * if none. */
struct model_win *model_find(const struct model *m, enum model_win_kind kind,
    const char *key, size_t len);
/*
 * A channel window (MODEL_WIN_CHANNEL or MODEL_WIN_PERSONAL) by channel
 * name, case-insensitive; NULL if none.
 */
struct model_win *model_find_name(
    const struct model *m, const char *name, size_t len);
/*
 * The window of kind with key, opened at the end of the list if it is not
 * there yet; name is what the list shows.  NULL when MODEL_WINDOWS_MAX are
 * open or memory ran out.
 */
struct model_win *model_open(struct model *m, enum model_win_kind kind,
    const char *key, size_t key_len, const char *name, size_t name_len);
/* Closes a window (not the status window); the one after it, or before, becomes
 * current if it was. */
void model_close(struct model *m, struct model_win *w);
/* Changes a window's key and name (a new channel id after the server restarted,
 * a renamed peer). */
void model_win_rekey(struct model *m, struct model_win *w, const char *key,
    size_t key_len, const char *name, size_t name_len);

enum model_win_kind model_win_kind(const struct model_win *w);
/* Display name and key, NUL-terminated. */
const char *model_win_name(const struct model_win *w);
const char *model_win_key(const struct model_win *w);
/* Messages that arrived while the window was not shown, and whether one
 * mentioned this user. */
unsigned model_win_unread(const struct model_win *w);
int model_win_mentioned(const struct model_win *w);
/* Whether this user is in the channel on the server (for rejoining and the
 * list). */
int model_win_joined(const struct model_win *w);
void model_win_set_joined(struct model_win *w, int joined);

/* Bytes of a channel topic kept, before sanitising (the server's limit). */
#define MODEL_TOPIC_MAX 512
/*
 * A channel's topic, kept sanitised (NUL-terminated; "" when none):
 * set copies the first MODEL_TOPIC_MAX bytes of t[0..len); returns 0, or
 * -1 without memory (the old topic stays).  The string is borrowed until
 * the next set or the window closes.
 */
int model_win_set_topic(struct model_win *w, const char *t, size_t len);
const char *model_win_topic(const struct model_win *w);
/*
 * Whether the client should join this channel again once it is registered
 * after a reconnect (it was joined when the connection went): non-zero,
 * the client's own value kept as given.
 */
int model_win_rejoin(const struct model_win *w);
void model_win_set_rejoin(struct model_win *w, int rejoin);
/* The highest message sequence number seen, to skip history already shown. */
uint64_t model_win_seq(const struct model_win *w);
void model_win_set_seq(struct model_win *w, uint64_t seq);
/* The seq of the oldest line kept that has one, or 0. */
uint64_t model_win_oldest_seq(const struct model_win *w);

/*
 * Paging back through the server's history, shown as a row above the
 * oldest line: nothing, "loading older lines", "beginning of history", or
 * that the window holds its most lines.
 */
enum model_page {
	MODEL_PAGE_NONE,
	MODEL_PAGE_LOADING,
	MODEL_PAGE_BEGIN,
	MODEL_PAGE_FULL,
};
enum model_page model_win_page(const struct model_win *w);
void model_win_set_page(struct model_win *w, enum model_page page);
/*
 * Catching up after a reconnect: 0 none; else the client's own state (it
 * asks for the lines after model_win_seq() until the server has no more).
 */
int model_win_catchup(const struct model_win *w);
void model_win_set_catchup(struct model_win *w, int catchup);

/*
 * Adds a line to w.  sender and text are sanitised and cut to
 * MODEL_NAME_MAX and MODEL_TEXT_MAX bytes.  MSG and ACT lines from others
 * that contain this user's name as a word (case-insensitive) get
 * MODEL_FLAG_MENTION; when w is not the current window and the line is not
 * history, MSG and ACT lines count as unread and a mention marks w.
 * flags may already hold MODEL_FLAG_MENTION: the client sets it on direct
 * messages from others, which are meant for this user whatever they say.
 * Returns 0, or -1 when memory ran out (the line is lost, nothing else).
 */
int model_add(struct model *m, struct model_win *w, uint64_t time_ms,
    enum model_line_kind kind, unsigned flags, const char *sender,
    size_t sender_len, const char *text, size_t text_len);
/*
 * Calls cb(ctx, w, line) after each line appended to a window's end (by
 * model_add, model_add_seq, model_info; not model_insert, which adds
 * older lines), with the line as stored: how the chat log sees every
 * line.  NULL for none.
 */
void model_set_added_cb(struct model *m,
    void (*cb)(
        void *ctx, const struct model_win *w, const struct model_line *line),
    void *ctx);
/* model_add for a channel message or action with its seq. */
int model_add_seq(struct model *m, struct model_win *w, uint64_t time_ms,
    enum model_line_kind kind, unsigned flags, uint64_t seq, const char *sender,
    size_t sender_len, const char *text, size_t text_len);
/*
 * Inserts a line before absolute index (at the end: model_add_seq), for
 * older lines fetched from the server: the lines from index on move one
 * index up, with the view and the unread marker, so what is shown stays.
 * Never counts as unread.  Returns 0, 1 when the window holds its most
 * lines (nothing older fits), or -1 when memory ran out.
 */
int model_insert(struct model *m, struct model_win *w, uint64_t index,
    uint64_t time_ms, enum model_line_kind kind, unsigned flags, uint64_t seq,
    const char *sender, size_t sender_len, const char *text, size_t text_len);
/* Adds a client notice built with printf-style arguments (never with network
 * text as the format). */
int model_info(struct model *m, struct model_win *w, uint64_t time_ms,
    enum model_line_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* model_info() with a va_list, for callers that take printf-style arguments. */
int model_vinfo(struct model *m, struct model_win *w, uint64_t time_ms,
    enum model_line_kind kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/* The absolute indexes kept: [begin, end). */
uint64_t model_lines_begin(const struct model_win *w);
uint64_t model_lines_end(const struct model_win *w);
/* Line index; 0 and *out filled, or -1 if it is not kept. */
int model_line(
    const struct model_win *w, uint64_t index, struct model_line *out);
/* Empties the scrollback (/clear); indexes go on growing. */
void model_clear(struct model_win *w);
/* The first line not yet seen when the window was last left, or UINT64_MAX for
 * none. */
uint64_t model_win_marker(const struct model_win *w);

/*
 * Scrolling.  The anchor is the line shown at the bottom of the view and
 * skip the rows of it hidden below the view; anchor UINT64_MAX means the
 * view follows the newest line.  The model only keeps the position (and
 * moves an anchor that fell out of the scrollback to the oldest line); the
 * drawer, which knows the widths, computes it.
 */
uint64_t model_win_anchor(const struct model_win *w);
unsigned model_win_skip(const struct model_win *w);
void model_win_scroll(struct model_win *w, uint64_t anchor, unsigned skip);
/* Lines below the view (0 when following). */
uint64_t model_win_below(const struct model_win *w);

/* Members, most recent speaker first, then in the order they came. */
void model_members_clear(struct model_win *w);
/* Adds a member (no duplicates, case-insensitive); 0, or -1 when full or out of
 * memory. */
int model_member_add(struct model_win *w, const char *name, size_t len);
/*
 * A full list replacing the members without losing the speakers' order:
 * mark them all, add every name of the new list (which unmarks those
 * already there), then sweep away those still marked.
 */
void model_members_mark(struct model_win *w);
void model_members_sweep(struct model_win *w);
/* Removes a member; returns 1 if it was there. */
int model_member_remove(struct model_win *w, const char *name, size_t len);
/* Renames a member; returns 1 if it was there. */
int model_member_rename(struct model_win *w, const char *old, size_t old_len,
    const char *name, size_t len);
/* Moves a member to the front (it just spoke); returns 1 if it was there. */
int model_member_spoke(struct model_win *w, const char *name, size_t len);
int model_member_has(const struct model_win *w, const char *name, size_t len);
size_t model_member_count(const struct model_win *w);
/*
 * Member i (0 = most recent speaker), NUL-terminated, or NULL past the
 * end; valid until the members change.  Walking i in order is O(1) a step.
 */
const char *model_member(const struct model_win *w, size_t i);

/*
 * Days.  A day row ("Thu 3 Dec 2026") goes above a line whose local day
 * differs from the line before it, and above the oldest line kept when
 * that is not today.  The model has no clock: the shell tells it now and
 * the offset of local time from UTC (from localtime_r); until then only
 * changes between lines count.
 */
void model_set_clock(struct model *m, uint64_t now_ms, long utc_offset);
/* The local day number of a time (days since 1970-01-01 there). */
int64_t model_day(uint64_t time_ms, long utc_offset);
/* "Thu 3 Dec 2026" for a day into buf[size]; its length. */
size_t model_day_text(int64_t day, char *buf, size_t size);
/* 1 and *day set when a day row goes above line index, else 0. */
int model_day_changes(const struct model_win *w, uint64_t index, int64_t *day);

/*
 * The window Alt-A goes to: the next one after the current with a
 * mention, else the next with unread messages; the current if none.
 */
size_t model_next_activity(const struct model *m);

/* Notifications. */

/* Highlight words besides this user's name, and bytes of each, no
 * terminator. */
#define MODEL_HIGHLIGHTS_MAX 16
#define MODEL_HIGHLIGHT_LEN  MODEL_NAME_MAX

/*
 * Sets the words that mark a line as a mention besides this user's name
 * (copied): words[0..len) split at blanks, each matched as
 * model_find_mention matches a name.  Returns 0, or -1 and changes nothing
 * when there are more than MODEL_HIGHLIGHTS_MAX or one is longer than
 * MODEL_HIGHLIGHT_LEN.
 */
int model_set_highlights(struct model *m, const char *words, size_t len);
/* Whether t[0..len) holds this user's name or a highlight word. */
int model_is_mention(const struct model *m, const char *t, size_t len);
/*
 * Lines that call for the user since the last call (a live message or
 * action from someone else that mentions them, or any in a conversation),
 * then zero: the shell rings the bell once for them.
 */
unsigned model_take_alerts(struct model *m);
/* The unread messages of all windows, for the terminal's title. */
unsigned long model_unread_total(const struct model *m);

/*
 * The account read w up to seq (a read marker, from this device or
 * another): the lines with a higher seq, history included, are what is
 * unread, and the "new" row goes above the first of them (none when
 * there are none).  The window shown is left as it is: it is being read.
 */
void model_win_read_to(struct model *m, struct model_win *w, uint64_t seq);

/*
 * A window's own join filter (an enum filter_joins of filter.h; 0, the
 * default, for a new window), kept with the window for the client.
 */
int model_win_filter(const struct model_win *w);
void model_win_set_filter(struct model_win *w, int filter);

/*
 * A count moved by every change to what the client's state file keeps of
 * the windows: one opened, closed or rekeyed, a join filter changed.  The
 * state is saved only when it (or filter_gen) moved, not formatted every
 * frame to find out.
 */
uint64_t model_state_gen(const struct model *m);

/*
 * The time column: a strftime format checked by stamp_check() (copied,
 * at most STAMP_FORMAT_MAX bytes) and the columns it takes, which
 * model_line() puts in every line for the layout.  STAMP_FORMAT_DEFAULT
 * and 5 until set.
 */
void model_set_time_format(struct model *m, const char *fmt, int cols);
int model_time_cols(const struct model *m);
/*
 * time_ms in the time column's format, local at the clock's offset
 * (model_set_clock), into buf[size]; returns its length.
 */
size_t model_time_text(
    const struct model *m, uint64_t time_ms, char *buf, size_t size);

#endif

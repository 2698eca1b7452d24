/* editor.h: the input line editor: emacs keys, kill buffer, history, view. */
#ifndef TUI_EDITOR_H
#define TUI_EDITOR_H

#include <stddef.h>
#include <stdint.h>

/*
 * The line is an array of code points with a fixed capacity; the editor
 * never grows it and never prints.  Positions are code point indices,
 * 0 to editor_len(); the cursor sits before the code point at its index.
 */

/*
 * Code points in the line, no terminator: 64 Ki, so the longest paste the
 * key map takes (KEYMAP_PASTE_MAX bytes) always fits an empty line, many
 * times what the server takes in one message (a longer line goes out as
 * several).  The arrays are allocated once; only the pages used count.
 */
#define EDITOR_MAX 65536
/* Bytes of the line's UTF-8 encoding, counting the terminator. */
#define EDITOR_UTF8_MAX (EDITOR_MAX * 4 + 1)
/* Submitted lines kept in the history; the oldest is dropped. */
#define EDITOR_HISTORY_MAX 100

enum editor_result {
	EDITOR_OK = 0,
	/* The line is full: nothing (or only a prefix, see below) was added. */
	EDITOR_E_FULL = -1,
	/* A control character or a code point the protocol forbids. */
	EDITOR_E_CHAR = -2
};

struct editor;

/* The horizontal view of the line in a field of a given width. */
struct editor_view {
	size_t first;   /* index of the first code point shown */
	size_t end;     /* one past the last code point shown in full */
	int cursor_col; /* column of the cursor, 0 to width - 1 */
};

/* A new empty editor with empty history; NULL when out of memory. */
struct editor *editor_new(void);
/* Frees the editor and its history; editor_free(NULL) does nothing. */
void editor_free(struct editor *ed);

/* The line: borrowed, valid until the next call that changes the editor. */
const uint32_t *editor_text(const struct editor *ed);
/* Code points in the line. */
size_t editor_len(const struct editor *ed);
/* Cursor index, 0 to editor_len(). */
size_t editor_cursor(const struct editor *ed);

/*
 * Inserts cp at the cursor and moves past it.  Returns EDITOR_OK,
 * EDITOR_E_CHAR for a code point valid_forbidden() refuses, a surrogate or
 * anything above U+10FFFF, or EDITOR_E_FULL when the line holds EDITOR_MAX.
 */
int editor_insert(struct editor *ed, uint32_t cp);
/*
 * Inserts the UTF-8 text s[0..len) at the cursor (a paste), dropping
 * invalid bytes and the code points editor_insert() refuses, newlines
 * included.  Returns EDITOR_OK, or EDITOR_E_FULL and changes nothing when
 * it does not all fit: a paste is never cut.
 */
int editor_insert_utf8(struct editor *ed, const char *s, size_t len);
/*
 * Replaces [start, end) (clamped to the line) with the UTF-8 text s[0..len)
 * and puts the cursor after it; for completion.  Refused code points are
 * dropped.  Returns EDITOR_E_FULL and changes nothing if it would not fit.
 */
int editor_replace_utf8(
    struct editor *ed, size_t start, size_t end, const char *s, size_t len);

/* Cursor motion; at the edge of the line they do nothing. */
void editor_left(struct editor *ed);
void editor_right(struct editor *ed);
void editor_home(struct editor *ed);
void editor_end(struct editor *ed);
/* Word motion as in emacs: words are runs of letters and digits. */
void editor_word_left(struct editor *ed);
void editor_word_right(struct editor *ed);

/* Deletes the code point under the cursor (Ctrl-D, Delete). */
void editor_delete(struct editor *ed);
/* Deletes the code point before the cursor (Backspace). */
void editor_backspace(struct editor *ed);

/*
 * Kills go to the kill buffer; consecutive kills add to it (backward kills
 * in front, forward kills behind) as in emacs, any other edit or motion
 * starts a new kill.
 */
/* Kills the whitespace-delimited word before the cursor (Ctrl-W). */
void editor_kill_rubout(struct editor *ed);
/* Kills the letter-and-digit word before the cursor (Alt-Backspace). */
void editor_kill_word_back(struct editor *ed);
/* Kills to the end of the word after the cursor (Alt-D). */
void editor_kill_word_forward(struct editor *ed);
/* Kills from the cursor to the end of the line (Ctrl-K). */
void editor_kill_to_end(struct editor *ed);
/* Kills from the start of the line to the cursor (Ctrl-U). */
void editor_kill_to_start(struct editor *ed);
/*
 * Inserts the kill buffer at the cursor (Ctrl-Y).  Returns EDITOR_OK, or
 * EDITOR_E_FULL and inserts nothing if it would not fit.
 */
int editor_yank(struct editor *ed);
/*
 * Swaps the code point before the cursor with the one under it and moves
 * forward; at the end of the line swaps the last two (readline's Ctrl-T).
 */
void editor_transpose(struct editor *ed);
/* Empties the line; the kill buffer and history stay. */
void editor_clear(struct editor *ed);

/*
 * Moves to the previous history entry (Up).  Leaving the line being typed
 * saves it; a recalled entry that was edited keeps its edit when left,
 * until the next Enter (editor_submit), as in readline; the history itself
 * never changes.  Returns 1 if it moved, 0 at the oldest entry.
 */
int editor_history_prev(struct editor *ed);
/*
 * Moves to the next history entry, or back to the saved line after the
 * newest (Down).  Returns 1 if it moved, 0 at the line being typed.
 */
int editor_history_next(struct editor *ed);
/* Entries in the history, at most EDITOR_HISTORY_MAX. */
size_t editor_history_count(const struct editor *ed);

/*
 * Writes the line as UTF-8 plus a NUL to buf[0..size) and returns its
 * bytes, not counting the NUL.  A short buffer gets only the code points
 * that fit whole; EDITOR_UTF8_MAX bytes always suffice.  size must be > 0.
 */
size_t editor_text_utf8(const struct editor *ed, char *buf, size_t size);
/*
 * As editor_text_utf8(), then adds the line to the history (unless it is
 * empty or equal to the newest entry; if memory runs out the entry is
 * skipped) and clears the line: Enter.  When the line sent is a recalled
 * entry, the line that was being typed goes into the history first (if
 * not empty), so leaving it for an old one never loses it.
 */
size_t editor_submit(struct editor *ed, char *buf, size_t size);
/* Bytes of the line's UTF-8 encoding. */
size_t editor_utf8_len(const struct editor *ed);
/*
 * Counting bytes from code point from on, the index of the first code
 * point whose encoding ends beyond limit bytes, where the text starts to
 * exceed it; editor_len() if it all fits.
 */
size_t editor_limit_index(const struct editor *ed, size_t from, size_t limit);

/*
 * Computes which part of the line to show in width columns (width >= 1) so
 * that the cursor, and the code point under it, stay visible.  The scroll
 * offset it keeps moves only when the cursor would leave the view, or to
 * fill the view when the line's end leaves space at the right.  Wide code
 * points are never split: [first, end) is exactly what fits.
 */
void editor_view(struct editor *ed, int width, struct editor_view *view);

#endif

/* keymap.h: raw key input to editor and UI actions, as a state machine. */
#ifndef TUI_KEYMAP_H
#define TUI_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Fed what wget_wch() returns, the key map produces actions.  It makes no
 * terminal calls: Alt-x arrives as ESC then x, a bracketed paste as
 * ESC [ 2 0 0 ~ ... ESC [ 2 0 1 ~ in single characters, and escape
 * sequences ncurses did not decode are parsed here and never typed.
 *
 * The caller's loop: feed every key until wget_wch() returns ERR, then call
 * keymap_flush() (a lone ESC is then Escape: ncurses already waited
 * ESCDELAY for more).  While keymap_waiting() is non-zero, arm a timer of
 * KEYMAP_TIMEOUT_MS, restarted by every key, and call keymap_timeout() when
 * it fires: this ends a paste whose end marker was lost.
 */

/* Bytes of pasted text kept, no terminator; the rest is dropped. */
#define KEYMAP_PASTE_MAX 65536
/* Actions a single call can produce. */
#define KEYMAP_OUT_MAX 2
/* Extended key codes keymap_bind() can hold. */
#define KEYMAP_BIND_MAX 16
/* Silence, in milliseconds, after which keymap_timeout() is due. */
#define KEYMAP_TIMEOUT_MS 1000

/* What wget_wch() returned. */
enum keymap_input {
	KEYMAP_IN_CHAR, /* OK: a character */
	KEYMAP_IN_KEY   /* KEY_CODE_YES: a KEY_* code */
};

enum keymap_act {
	KEYMAP_INSERT, /* a printable code point, in cp */
	KEYMAP_LEFT,
	KEYMAP_RIGHT,
	KEYMAP_HOME,
	KEYMAP_END,
	KEYMAP_WORD_LEFT,
	KEYMAP_WORD_RIGHT,
	KEYMAP_DELETE,
	KEYMAP_BACKSPACE,
	KEYMAP_KILL_RUBOUT,       /* Ctrl-W */
	KEYMAP_KILL_WORD_BACK,    /* Alt-Backspace */
	KEYMAP_KILL_WORD_FORWARD, /* Alt-D */
	KEYMAP_KILL_TO_END,
	KEYMAP_KILL_TO_START,
	KEYMAP_YANK,
	KEYMAP_TRANSPOSE,
	KEYMAP_SUBMIT,
	KEYMAP_HISTORY_PREV,
	KEYMAP_HISTORY_NEXT,
	KEYMAP_COMPLETE,
	KEYMAP_REDRAW,
	KEYMAP_PAGE_UP,
	KEYMAP_PAGE_DOWN,
	KEYMAP_SCROLL_TOP,
	KEYMAP_SCROLL_BOTTOM,
	KEYMAP_CHANNEL_GOTO, /* the window's index, 0 to 19, in channel */
	KEYMAP_CHANNEL_NEXT,
	KEYMAP_CHANNEL_PREV,
	KEYMAP_CHANNEL_ACTIVITY,
	KEYMAP_QUIT_REQUEST,
	KEYMAP_CANCEL, /* Escape alone */
	KEYMAP_RESIZE,
	KEYMAP_PASTE_BEGIN,
	KEYMAP_PASTE_END,   /* the pasted text, in text and len */
	KEYMAP_SEARCH_BACK, /* Ctrl-R: search, or the next older match */
	KEYMAP_SEARCH_FWD,  /* Ctrl-S: the next newer match */
	KEYMAP_BARE,        /* Alt-L: the bare display on or off (ui.c) */
};

struct keymap_action {
	enum keymap_act act;
	uint32_t cp; /* KEYMAP_INSERT */
	int channel; /* KEYMAP_CHANNEL_GOTO */
	/*
	 * KEYMAP_PASTE_END: the pasted UTF-8 text, NUL-terminated, with CR,
	 * LF and CR LF turned into LF; otherwise as the terminal sent it, so
	 * the caller sanitises it.  Borrowed until the next keymap call.
	 * truncated is set when more than KEYMAP_PASTE_MAX bytes came: the
	 * text is then the first KEYMAP_PASTE_MAX (whole code points) and the
	 * rest was swallowed up to the end marker, never typed.
	 */
	const char *text;
	size_t len;
	int truncated;
};

struct keymap;

/* A new key map in its ground state; NULL when out of memory. */
struct keymap *keymap_new(void);
/* keymap_free(NULL) does nothing. */
void keymap_free(struct keymap *km);

/*
 * Makes the KEY_* code "code" produce act (not KEYMAP_INSERT,
 * KEYMAP_CHANNEL_GOTO or the paste actions); for codes ncurses assigns at
 * run time, such as key_defined("kHOM3") for Alt-Home.  A code bound again
 * is rebound.  Returns 0, or -1 for a code <= 0 (key_defined() found no
 * such key), an action that needs a value, or a full table.
 */
int keymap_bind(struct keymap *km, int code, enum keymap_act act);

/* Feeds one key; fills out[] and returns how many actions it produced. */
size_t keymap_feed(struct keymap *km, enum keymap_input in, uint32_t value,
    struct keymap_action out[KEYMAP_OUT_MAX]);
/* wget_wch() returned ERR: a pending lone ESC becomes KEYMAP_CANCEL. */
size_t keymap_flush(
    struct keymap *km, struct keymap_action out[KEYMAP_OUT_MAX]);
/*
 * Non-zero while in a paste or an unfinished escape sequence: the caller
 * must then call keymap_timeout() after KEYMAP_TIMEOUT_MS without keys.
 */
int keymap_waiting(const struct keymap *km);
/*
 * No key came for KEYMAP_TIMEOUT_MS: ends a paste as if its end marker had
 * come (KEYMAP_PASTE_END) and drops an unfinished escape sequence.
 */
size_t keymap_timeout(
    struct keymap *km, struct keymap_action out[KEYMAP_OUT_MAX]);

#endif

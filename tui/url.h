/* url.h: URLs in chat text: finding them, the recent ones of a window, and
 * the OSC 52 sequence that puts one on the clipboard. */
#ifndef TUI_URL_H
#define TUI_URL_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * A URL starts with "http://" or "https://" (any case) after a byte that
 * is not an ASCII letter or digit, or with "www." after one that is not
 * a letter, digit or one of ".-_/:@" and followed by a host holding
 * another '.'.  The first byte after the prefix must be a letter, digit,
 * '[' or a non-ASCII byte.  It runs to the first space, control byte,
 * '<', '>', '"' or '`', or the first Unicode space or ideographic full
 * stop or comma (U+00A0, U+2000 to U+200B, U+202F, U+205F, U+3000 to
 * U+3002, U+FF0C) or replacement character (U+FFFD).  Then, as long as
 * one applies, a last '.', ',', ':', ';', '!', '?' or '\'' is dropped, and
 * a last ')', ']' or '}' is dropped when the URL holds more of it than of
 * its opening bracket: "(see https://x.org/a_(b))." gives
 * "https://x.org/a_(b)".  What is left must be longer than the prefix.
 */

/* URLs /urls lists, the most recent first. */
#define URL_LIST_MAX 10
/* The number /copy takes at most, and its digits. */
#define URL_NTH_MAX    9999
#define URL_NTH_DIGITS 4
/* Bytes of a URL quoted in a notice; a longer one is cut, with an ellipsis. */
#define URL_QUOTE_MAX 300
/* Bytes of a URL /copy puts on the clipboard: the longest line's text. */
#define URL_COPY_MAX MODEL_TEXT_MAX
/* Bytes of the OSC 52 sequence for URL_COPY_MAX bytes, no terminator. */
#define URL_OSC52_MAX (7 + (URL_COPY_MAX + 2) / 3 * 4 + 1)

/*
 * Finds the first URL that starts in s[from..len).  Sets *start and *end
 * to its bytes and returns 1, or returns 0 if there is none.
 */
int url_find(
    const char *s, size_t len, size_t from, size_t *start, size_t *end);

/* A URL found in a window: it borrows the model's line, valid until the
 * window changes. */
struct url_ref {
	const char *p;
	size_t len;
	uint64_t index; /* the window line it is in */
};

/*
 * The n-th most recent URL (n = 1 for the latest) in the text of window
 * w's messages, actions and events (not the client's notices, which
 * quote URLs themselves), latest line first and within a line from its
 * end.  Returns 1 with *out set, or 0 if the window holds fewer than n.
 */
int url_recent(const struct model_win *w, size_t n, struct url_ref *out);

/*
 * The latest URLs of window w as url_recent() orders them, at most max,
 * into out[max]; returns how many.
 */
size_t url_list(const struct model_win *w, struct url_ref *out, size_t max);

/*
 * How many bytes of url[0..len) a notice quotes: len, or the code points
 * that fit in URL_QUOTE_MAX bytes.
 */
size_t url_quote_len(const char *url, size_t len);

/*
 * The OSC 52 sequence that sets the clipboard (selection "c") to
 * text[0..len): ESC ] 52 ; c ; base64 BEL, into out[size].  Returns its
 * length, or 0 if len is 0 or more than URL_COPY_MAX, or out is too
 * small (URL_OSC52_MAX always fits).
 */
size_t url_osc52(const char *text, size_t len, char *out, size_t size);

#endif

/* valid.h: the rules for names, channel names, text and whole lines. */
#ifndef PROTO_VALID_H
#define PROTO_VALID_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * Every function returns PROTO_E_NONE when the bytes are acceptable, or the
 * code of the first rule they break.
 */

/*
 * A whole line (without its LF/CRLF): valid UTF-8 (else PROTO_E_BAD_UTF8)
 * with no forbidden code point (else PROTO_E_BAD_CHAR).
 */
enum proto_code valid_line(const char *s, size_t len);

/*
 * A user name: 1 to PROTO_NAME_MAX bytes of A-Z a-z 0-9 _ . - whose first
 * byte is a letter, digit or underscore.  Else PROTO_E_BAD_NAME.
 */
enum proto_code valid_name(const char *s, size_t len);

/*
 * A channel name: as a user name, but '#' is also allowed anywhere.
 * Else PROTO_E_BAD_CHANNEL_NAME.
 */
enum proto_code valid_channel_name(const char *s, size_t len);

/*
 * Message text: 1 to PROTO_TEXT_MAX bytes (else PROTO_E_BAD_TEXT or
 * PROTO_E_TEXT_TOO_LONG) of valid UTF-8 with no forbidden code point.
 */
enum proto_code valid_text(const char *s, size_t len);

/* A ping token: 1 to PROTO_TOKEN_MAX bytes of '!' to '~'.  Else
 * PROTO_E_BAD_TOKEN. */
enum proto_code valid_token(const char *s, size_t len);

/*
 * Non-zero for the code points never allowed in a line: C0 controls, DEL,
 * C1 controls, the bidi embedding, override and isolate controls
 * (U+202A-U+202E, U+2066-U+2069) and the line and paragraph separators
 * (U+2028, U+2029).
 */
int valid_forbidden(uint32_t cp);

/*
 * The skeleton of a name, after UTS #39: two names look alike when their
 * skeletons are equal.  ASCII letters are folded to lower case, then
 * 'i', 'l' and '1' become 'l', '0' becomes 'o', '5' becomes 's', and,
 * left to right, "rn" becomes 'm' and "vv" becomes 'w'; other bytes stay.
 * Writes it to out, which has room for len bytes (a skeleton is never
 * longer than its name), and returns its length.
 */
size_t valid_skeleton(const char *s, size_t len, char *out);

/* ASCII case-insensitive equality of two names. */
int valid_name_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif

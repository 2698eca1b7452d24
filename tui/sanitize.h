/* sanitize.h: turns untrusted bytes into valid UTF-8 that is safe to draw. */
#ifndef TUI_SANITIZE_H
#define TUI_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * What sanitize() does to the input, one code point at a time:
 * - each byte of invalid UTF-8 becomes U+FFFD;
 * - a C0 control 0x00-0x1F becomes its control picture U+2400 + c
 *   (ESC shows as U+241B), DEL becomes U+2421;
 * - U+FFFD replaces the C1 controls U+0080-U+009F, the bidi controls
 *   (U+202A-U+202E, U+2066-U+2069, LRM U+200E, RLM U+200F, ALM U+061C),
 *   U+2028, U+2029, invisible format characters (U+180E, U+200B,
 *   U+2060-U+2064, U+206A-U+206F, U+FEFF, U+FFF9-U+FFFB, U+13430-U+1343F,
 *   U+1BCA0-U+1BCA3, U+1D173-U+1D17A, U+E0001) and any code point
 *   wcwidth() cannot print (unassigned, noncharacters);
 * - kept as zero-width: combining marks, ZWJ U+200D, ZWNJ U+200C (Persian
 *   and Indic text need it), variation selectors and the emoji tag
 *   characters U+E0020-U+E007F (subdivision flags);
 * - a zero-width code point at the very start, having nothing to combine
 *   with, gets a space in front of it, so it shows as it would in a
 *   character table and never merges into whatever is drawn before.
 * The output therefore never holds a byte below 0x20, 0x7F, a C1 or bidi
 * control, or invalid UTF-8.  What wcwidth() calls printable follows the
 * current LC_CTYPE, as for ncursesw.
 */

/* Output bytes per input byte at worst: one byte can become U+FFFD. */
#define SANITIZE_GROWTH_MAX 3
/* Output bytes that always hold sanitize() of len bytes, no terminator. */
#define SANITIZE_OUT_MAX(len) ((len)*SANITIZE_GROWTH_MAX)
/* Output bytes that always hold sanitize_name() of len bytes, with the NUL. */
#define SANITIZE_NAME_OUT_MAX(len) ((len)*SANITIZE_GROWTH_MAX + 1)

/* The code point to show for the decoded code point cp: cp if it is safe. */
uint32_t sanitize_cp(uint32_t cp);

/*
 * Writes the safe form of in[0..len) to out (which must not overlap in)
 * and returns the bytes written; no NUL is added.  When out_size is too
 * small the output stops before the first code point that does not fit.
 */
size_t sanitize(const char *in, size_t len, char *out, size_t out_size);

/*
 * As sanitize(), for one user or channel name, but out is NUL-terminated:
 * returns the bytes before the NUL.  Writes nothing if out_size is 0.
 * A name also loses every code point that draws as nothing, so that no
 * name can pass for another that looks the same: the format characters
 * (Unicode Cf: ZWJ, ZWNJ, zero-width space, bidi controls, tags), the
 * other default-ignorable ones (variation selectors, Hangul fillers, soft
 * hyphen) and the zero-width marks; they are left out, not replaced.
 */
size_t sanitize_name(const char *in, size_t len, char *out, size_t out_size);

#endif

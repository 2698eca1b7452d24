/* width.h: display width of code points and UTF-8 text, as ncursesw sees it. */
#ifndef TUI_WIDTH_H
#define TUI_WIDTH_H

#include <stddef.h>
#include <stdint.h>

/*
 * All three follow the C library's wcwidth() for the current LC_CTYPE, the
 * table ncursesw itself uses, so they only agree with the screen after
 * setlocale(LC_CTYPE, "") has selected a UTF-8 locale.
 */

/*
 * What wcwidth() says about cp: -1 for a code point it cannot print
 * (controls, unassigned, noncharacters, anything above U+10FFFF), else
 * 0, 1 or 2 columns.  For the sanitiser, which decides what is safe.
 */
int width_raw(uint32_t cp);

/*
 * Columns cp takes: 0, 1 or 2.  A code point width_raw() calls
 * non-printable counts as 1 so that layout always moves forward; the
 * sanitiser replaces such code points before layout anyway.
 */
int width_cp(uint32_t cp);

/*
 * Columns of the UTF-8 text s[0..len): the sum of width_cp() over its code
 * points.  Meant for valid UTF-8; an invalid byte counts as one column,
 * as the U+FFFD the sanitiser would put there.
 */
size_t width_str(const char *s, size_t len);

/*
 * How many bytes of s[0..len) make its longest prefix of whole code points
 * within cols columns, counted as width_str() does; their columns go to
 * *used.
 */
size_t width_cut(const char *s, size_t len, int cols, int *used);

#endif

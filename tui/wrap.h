/* wrap.h: word wrapping of sanitized UTF-8 text into rows of a given width. */
#ifndef TUI_WRAP_H
#define TUI_WRAP_H

#include <stddef.h>

/*
 * Rows are cut greedily, in columns as width_cp() counts them, on
 * clusters: a code point and the zero-width code points after it
 * (combining marks, ZWJ, variation selectors), which never start a row
 * unless they start the text.
 * - A row breaks at the last run of spaces (U+0020) that follows other
 *   text on the row; the whole run is dropped, so the next row never
 *   starts with a break space.  Spaces at the very start of a row are
 *   not a break, and spaces at the end of the text are kept when they fit.
 * - So a word (a URL, say) no wider than the row is never cut: it goes
 *   whole to the next row, when that row is as wide (layout's are).
 * - A word wider than the row is cut at a cluster boundary; a wide
 *   character that does not fit in the columns left goes to the next row.
 * - Every row takes at least one cluster, so layout always moves forward;
 *   only a 2-column character on a 1-column row is wider than the row
 *   (it is alone there and the drawer clips it).
 * - Empty text is one empty row.  A row can also be empty when it held
 *   only spaces that were dropped at its break.
 * Text should be valid UTF-8 (see sanitize.h); an invalid byte is taken
 * as one 1-column code point, so any bytes still terminate.
 */

/*
 * Lays out the row that starts at byte pos of s[0..len) in width columns
 * (a width below 1 counts as 1).  Sets *row_end to the end of the bytes
 * to draw, s[pos..*row_end), and *next_pos to where the next row starts
 * (past any dropped spaces); *next_pos > pos whenever pos < len.  For
 * pos >= len both are set to len.  Returns the row's width in columns.
 * Draw rows with: pos = 0; do { wrap_next(...); pos = next; } while
 * (pos < len);
 */
int wrap_next(const char *s, size_t len, size_t pos, int width, size_t *row_end,
    size_t *next_pos);

/*
 * Number of rows (at least 1) wrap_next() makes of s[0..len) when the
 * first row has first_width columns and every other row rest_width.
 */
size_t wrap_rows(const char *s, size_t len, int first_width, int rest_width);

#endif

/* stamp.h: the scrollback's time column: a strftime format, checked and
 * measured. */
#ifndef TUI_STAMP_H
#define TUI_STAMP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The config file's timestamp_format is a strftime(3) format for the time
 * column of every scrollback line.  It is checked once, when the config
 * is read, and measured: the column is as wide as the widest time the
 * format makes, so every line's text starts in the same column.  Only
 * conversions that depend on the time alone (and on LC_TIME, for names)
 * are taken: no %c, %x, %X (their width is the locale's), %z, %Z, %s
 * (the column is drawn from the local offset, not a zone), and no %n or
 * %t.
 */

/* The format when none is configured: 5 columns. */
#define STAMP_FORMAT_DEFAULT "%H:%M"
/* Bytes of a format, no terminator. */
#define STAMP_FORMAT_MAX 32
/* Columns a formatted time may take. */
#define STAMP_COLS_MAX 24
/* Bytes of a formatted time, terminator included. */
#define STAMP_TEXT_MAX 128
/* Bytes of an error message, terminator included. */
#define STAMP_ERR_MAX 128

/*
 * Checks fmt[0..len): 1 to STAMP_FORMAT_MAX bytes of printable ASCII,
 * every '%' followed by a conversion of the list above, and at most
 * STAMP_COLS_MAX columns for any time of a year (every day, morning and
 * afternoon, formatted).  Returns the columns its widest time takes
 * (at least 1), or -1 with the reason in err[err_size].
 */
int stamp_check(const char *fmt, size_t len, char *err, size_t err_size);

/*
 * time_ms (ms since the epoch) formatted with fmt (NUL-terminated, checked
 * by stamp_check) as local time utc_offset seconds east of UTC, into
 * buf[size], NUL-terminated.  Returns its length (0 if it does not fit).
 */
size_t stamp_format(
    const char *fmt, uint64_t time_ms, long utc_offset, char *buf, size_t size);

#endif

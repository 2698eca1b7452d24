/* stamp.c: the scrollback's time column: a strftime format, checked and
 * measured. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stamp.h"
#include "width.h"

/* The conversions taken after '%': see stamp.h for those left out. */
static const char stamp_convs[] = "aAbBCdDeFgGhHIjklmMpPrRSTuUVwWyY%";

/* 2026-01-01 00:00:00 UTC: the sample year starts here. */
#define STAMP_SAMPLE_BASE 1767225600LL

size_t
stamp_format(
    const char *fmt, uint64_t time_ms, long utc_offset, char *buf, size_t size)
{
	time_t t = (time_t)((int64_t)(time_ms / 1000) + utc_offset);
	struct tm tm;
	size_t n;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	/* Local time is UTC moved by the offset: no zone lookup per line. */
	if (gmtime_r(&t, &tm) == NULL)
		return 0;
		/* The format is the user's, checked by stamp_check(). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, size, fmt, &tm);
#pragma GCC diagnostic pop
	if (n == 0)
		buf[0] = '\0';
	return n;
}

int
stamp_check(const char *fmt, size_t len, char *err, size_t err_size)
{
	char f[STAMP_FORMAT_MAX + 1], out[STAMP_TEXT_MAX];
	size_t i, n, cols, most = 0;
	int day, pm;

	if (len == 0 || len > STAMP_FORMAT_MAX) {
		snprintf(err, err_size,
		    "timestamp_format must be 1 to %d bytes, not %zu",
		    STAMP_FORMAT_MAX, len);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (fmt[i] < ' ' || fmt[i] > '~') {
			snprintf(err, err_size,
			    "timestamp_format may hold printable ASCII only");
			return -1;
		}
		if (fmt[i] != '%')
			continue;
		if (i + 1 == len || strchr(stamp_convs, fmt[i + 1]) == NULL) {
			snprintf(err, err_size,
			    "timestamp_format: %%%c is not taken (taken: %%%s)",
			    i + 1 < len ? fmt[i + 1] : ' ',
			    "a A b B C d D e F "
			    "g G h H I j k l m M p P r R S T u U V w W y Y %%");
			return -1;
		}
		i++;
	}
	memcpy(f, fmt, len);
	f[len] = '\0';
	/* Every day of a year, before and after noon: names and numbers of
	 * every length the locale has. */
	for (day = 0; day < 366; day++) {
		for (pm = 0; pm < 2; pm++) {
			n = stamp_format(f,
			    (uint64_t)(STAMP_SAMPLE_BASE + day * 86400LL +
			        (pm ? 13 : 9) * 3600LL + 59 * 60 + 59) *
			        1000,
			    0, out, sizeof(out));
			cols = width_str(out, n);
			if (n == 0 || cols > STAMP_COLS_MAX) {
				snprintf(err, err_size,
				    "timestamp_format makes times wider than "
				    "%d columns",
				    STAMP_COLS_MAX);
				return -1;
			}
			if (cols > most)
				most = cols;
		}
	}
	if (most == 0) {
		snprintf(err, err_size, "timestamp_format makes empty times");
		return -1;
	}
	return (int)most;
}

/* line.c: the line framer: complete lines off the front of a fixed buffer. */
#include <assert.h>
#include <limits.h>
#include <string.h>

#include "line.h"

/*
 * r->discarding holds LINE_DROP: bytes up to the next LF belong to an
 * over-long line; and, counted in units of LINE_UNREPORTED, the over-long
 * lines found (by line_reader_space, when the caller had not drained the
 * reader) that line_reader_next has yet to report.  It is a count, not a
 * flag: a caller that reads twice without taking lines can have two, and
 * each is reported once.
 */
enum {
	LINE_DROP = 1,
	LINE_UNREPORTED = 2,
};

/*
 * Finds the first LF at or after start, searching only bytes not searched
 * before, and drops bytes of an over-long line.  Returns 1 with the LF's
 * index in *eol, or 0 if no complete line is buffered.
 */
static int
line_scan(struct line_reader *r, size_t *eol)
{
	const char *lf;
	size_t from;

	if (r->buf == NULL)
		return 0;
	for (;;) {
		from = r->start + r->scanned;
		lf = from < r->len ? memchr(r->buf + from, '\n', r->len - from)
		                   : NULL;
		if (lf == NULL) {
			r->scanned = r->len - r->start;
			if (!(r->discarding & LINE_DROP) &&
			    r->scanned == r->cap) {
				/* Even an LF next could not fit: over-long. */
				r->discarding |= LINE_DROP;
				if (r->discarding <= INT_MAX - LINE_UNREPORTED)
					r->discarding += LINE_UNREPORTED;
			}
			if (r->discarding & LINE_DROP) {
				r->start = r->len;
				r->scanned = 0;
			}
			return 0;
		}
		if (!(r->discarding & LINE_DROP)) {
			*eol = (size_t)(lf - r->buf);
			/* Another look (has_line, then next) costs nothing. */
			r->scanned = *eol - r->start;
			return 1;
		}
		r->start = (size_t)(lf - r->buf) + 1;
		r->scanned = 0;
		r->discarding &= ~LINE_DROP;
	}
}

void
line_reader_attach(struct line_reader *r, char *buf, size_t cap)
{
	assert(buf != NULL && cap >= 2);
	assert(line_reader_pending(r) == 0);
	r->buf = buf;
	r->cap = cap;
	r->start = 0;
	r->len = 0;
	r->scanned = 0;
}

char *
line_reader_detach(struct line_reader *r)
{
	char *buf = r->buf;

	assert(line_reader_pending(r) == 0);
	r->buf = NULL;
	r->cap = 0;
	r->start = 0;
	r->len = 0;
	r->scanned = 0;
	return buf;
}

char *
line_reader_space(struct line_reader *r, size_t *avail)
{
	size_t eol;

	if (r->buf == NULL) {
		*avail = 0;
		return NULL;
	}
	/*
	 * A full buffer means the caller read without taking lines; if it
	 * holds no LF, the line is over-long and its bytes can go now.
	 */
	if (r->len - r->start == r->cap)
		(void)line_scan(r, &eol);
	if (r->start == r->len) {
		r->start = 0;
		r->len = 0;
	} else if (r->len == r->cap && r->start > 0) {
		/* Only a partial line is left here, so the move is short. */
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->start = 0;
	}
	*avail = r->cap - r->len;
	return r->buf + r->len;
}

void
line_reader_commit(struct line_reader *r, size_t n)
{
	assert(n <= r->cap - r->len);
	r->len += n;
}

enum line_status
line_reader_next(struct line_reader *r, const char **line, size_t *len)
{
	size_t eol, n;

	/* A pending report comes before any line that followed it. */
	if (r->discarding < LINE_UNREPORTED && line_scan(r, &eol)) {
		n = eol - r->start;
		if (n > 0 && r->buf[eol - 1] == '\r')
			n--;
		*line = r->buf + r->start;
		*len = n;
		r->start = eol + 1;
		r->scanned = 0;
		return LINE_OK;
	}
	if (r->discarding >= LINE_UNREPORTED) {
		r->discarding -= LINE_UNREPORTED;
		return LINE_TOO_LONG;
	}
	return LINE_NONE;
}

size_t
line_reader_pending(const struct line_reader *r)
{
	return r->len - r->start;
}

int
line_reader_has_line(struct line_reader *r)
{
	size_t eol;

	if (line_scan(r, &eol))
		return 1;
	return r->discarding >= LINE_UNREPORTED;
}

char *
line_reader_release(struct line_reader *r)
{
	char *buf = r->buf;

	memset(r, 0, sizeof(*r));
	return buf;
}

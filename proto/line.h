/* line.h: splits a byte stream into lines of at most PROTO_LINE_MAX bytes. */
#ifndef PROTO_LINE_H
#define PROTO_LINE_H

#include <stddef.h>

/*
 * A line reader over storage the caller owns (cap bytes, cap >= 2).  A line
 * ends in LF; a CR just before the LF is dropped.  A line that does not fit
 * in cap bytes counting its LF is reported once as LINE_TOO_LONG and its
 * bytes are discarded up to and including the next LF: the reader never
 * grows and never stalls.
 *
 * Reading: attach storage, then line_reader_space() gives room for new bytes,
 * the caller reads into it and calls line_reader_commit() with the count, then
 * takes lines with line_reader_next() until LINE_NONE.  A returned line borrows
 * the storage and stays valid until the next line_reader_space() call.
 */
struct line_reader {
	char *buf;      /* caller-owned storage, or NULL while detached */
	size_t cap;     /* bytes of storage */
	size_t start;   /* first unconsumed byte */
	size_t len;     /* end of buffered bytes */
	size_t scanned; /* bytes from start already searched for LF */
	int discarding; /* over-long line being dropped, reports owed */
};

enum line_status {
	LINE_NONE = 0,     /* no complete line buffered */
	LINE_OK = 1,       /* *line, *len hold a line without its LF/CRLF */
	LINE_TOO_LONG = 2, /* a line passed the limit and is being dropped */
};

/*
 * A zeroed struct line_reader is a valid detached reader.  Attaching gives
 * it storage; detaching (only with nothing pending) hands the storage back
 * so that an idle connection holds none.  Both keep the discarding state.
 */
void line_reader_attach(struct line_reader *r, char *buf, size_t cap);
/* Returns the storage (NULL if none); requires line_reader_pending() == 0. */
char *line_reader_detach(struct line_reader *r);
/*
 * Drops everything buffered and any over-long line in progress, for a
 * connection that is closing; returns the storage (NULL if none).
 */
char *line_reader_release(struct line_reader *r);

/*
 * Moves unconsumed bytes to the front and returns where new bytes go;
 * *avail is set to the room there.  While a buffer is attached it is 0
 * only when the buffer is full of whole lines the caller has not taken.
 */
char *line_reader_space(struct line_reader *r, size_t *avail);

/* Records that n bytes (n <= *avail of the last space call) were read. */
void line_reader_commit(struct line_reader *r, size_t n);

/* Takes the next line; see enum line_status. */
enum line_status line_reader_next(
    struct line_reader *r, const char **line, size_t *len);

/* Bytes buffered and not yet taken as lines (0 means the storage is free). */
size_t line_reader_pending(const struct line_reader *r);

/*
 * Non-zero if line_reader_next() would return a line or LINE_TOO_LONG,
 * without taking it.
 */
int line_reader_has_line(struct line_reader *r);

#endif

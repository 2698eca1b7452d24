/* wrap.c: word wrapping of sanitized UTF-8 text into rows of a given width. */
#include <stdint.h>

#include "utf8.h"
#include "width.h"
#include "wrap.h"

/* A code point and the zero-width ones that combine with it. */
struct wrap_cluster {
	size_t end;
	int cols;
	/* A plain space, the only place to break a line. */
	int space;
};

/* One invalid byte stands for one code point, as sanitize() would make. */
static int
wrap_decode(const char *s, size_t len, size_t i, uint32_t *cp)
{
	int n = utf8_decode(s + i, len - i, cp);

	if (n < 0) {
		*cp = 0xFFFD;
		n = 1;
	}
	return n;
}

/* Reads the cluster at s[i], i < len. */
static void
wrap_cluster(const char *s, size_t len, size_t i, struct wrap_cluster *c)
{
	uint32_t cp;
	int n;

	n = wrap_decode(s, len, i, &cp);
	c->cols = width_cp(cp);
	/* A space carrying a mark is text: breaking there would orphan it. */
	c->space = cp == ' ';
	i += (size_t)n;
	while (i < len) {
		n = wrap_decode(s, len, i, &cp);
		if (width_cp(cp) != 0)
			break;
		c->space = 0;
		i += (size_t)n;
	}
	c->end = i;
}

/* The end of the run of plain spaces starting at i. */
static size_t
wrap_skip_spaces(const char *s, size_t len, size_t i)
{
	struct wrap_cluster c;

	while (i < len) {
		wrap_cluster(s, len, i, &c);
		if (!c.space)
			break;
		i = c.end;
	}
	return i;
}

int
wrap_next(const char *s, size_t len, size_t pos, int width, size_t *row_end,
    size_t *next_pos)
{
	struct wrap_cluster c;
	size_t i, run_start = pos, brk_start = pos, brk_end = pos;
	int cols = 0, run_cols = 0, brk_cols = 0;
	int in_run = 0, seen_text = 0, has_brk = 0;

	if (width < 1)
		width = 1;
	if (pos >= len) {
		*row_end = *next_pos = len;
		return 0;
	}
	c.end = pos;
	c.cols = 0;
	c.space = 0;
	for (i = pos; i < len; i = c.end) {
		wrap_cluster(s, len, i, &c);
		if (c.cols > width - cols)
			break;
		if (c.space) {
			if (!in_run) {
				in_run = 1;
				run_start = i;
				run_cols = cols;
			}
		} else {
			/* A run that follows text on this row can break it. */
			if (in_run && seen_text) {
				has_brk = 1;
				brk_start = run_start;
				brk_end = i;
				brk_cols = run_cols;
			}
			in_run = 0;
			seen_text = 1;
		}
		cols += c.cols;
	}
	if (i >= len) {
		*row_end = *next_pos = len;
		return cols;
	}
	if (c.space) {
		/* Break on the space that overflows; trailing spaces go too. */
		if (in_run) {
			*row_end = run_start;
			cols = run_cols;
		} else {
			*row_end = i;
		}
		*next_pos = wrap_skip_spaces(s, len, i);
		return cols;
	}
	/* in_run with seen_text: the row ends in spaces after a word. */
	if (in_run && seen_text) {
		*row_end = run_start;
		*next_pos = i;
		return run_cols;
	}
	if (has_brk) {
		*row_end = brk_start;
		*next_pos = brk_end;
		return brk_cols;
	}
	/*
	 * Nothing fits: a wide character on a 1-column row goes alone, and
	 * as the row is full a space after it is a break space.
	 */
	if (i == pos) {
		*row_end = c.end;
		*next_pos = wrap_skip_spaces(s, len, c.end);
		return c.cols;
	}
	*row_end = *next_pos = i;
	return cols;
}

size_t
wrap_rows(const char *s, size_t len, int first_width, int rest_width)
{
	size_t pos = 0, end, next, rows = 0;

	do {
		wrap_next(s, len, pos, rows == 0 ? first_width : rest_width,
		    &end, &next);
		pos = next;
		rows++;
	} while (pos < len);
	return rows;
}

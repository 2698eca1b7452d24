/* chatlog.c: per-window chat logs on disk: names, line format, buffering. */
#include "chatlog.h"
#include "datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A buffer holds segments: a path relative to the log directory, a NUL,
 * the lines for that file (each ending in LF, none holding a NUL), a
 * NUL.  Lines for the file of the segment before are appended to it, so
 * a burst into one window is one write.
 */
struct chatlog_buf {
	char *data;
	size_t len;
	size_t seg; /* where the open segment's path starts, or SIZE_MAX */
};

/* Bytes of the note of lines lost, terminator included. */
#define CHATLOG_NOTE_MAX 96
/* Bytes of "HH:MM:SS ", no terminator. */
#define CHATLOG_STAMP_LEN 9

struct chatlog_win {
	char name[CHATLOG_NAME_MAX + 1];
	uint64_t seq;     /* the highest logged, 0 if none */
	uint64_t dropped; /* lines lost to a full buffer, not yet said */
	uint64_t used;    /* when it was last used, for reuse */
};

struct chatlog {
	char *dir;
	char server[CHATLOG_NAME_MAX + 1];
	struct chatlog_buf fill;  /* the loop appends here */
	struct chatlog_buf batch; /* being written */
	int writing;
	uint64_t dropped;
	uint64_t clock;
	struct chatlog_win wins[CHATLOG_WINDOWS_MAX];
	size_t nwins;
	char err[CHATLOG_ERR_MAX];
	char line[CHATLOG_NOTE_MAX + CHATLOG_LINE_MAX];
	/*
	 * The last window's name as given, its entry and the path made for
	 * it and the day: a burst into one window makes them once.
	 */
	char last[CHATLOG_NAME_MAX + 1];
	size_t last_len; /* SIZE_MAX: none */
	struct chatlog_win *last_win;
	int64_t last_day;
	char path[CHATLOG_PATH_MAX + 1];
	size_t path_len;
	/* The fill buffer's open segment is for path: lines go on it. */
	int on_path;
	/*
	 * "HH:MM:SS " of the last line's local second and its day: a burst
	 * formats them once a second, not once a line.
	 */
	int64_t stamp_secs; /* INT64_MIN: none */
	int64_t stamp_day;
	char stamp[CHATLOG_STAMP_LEN];
};

static int
chatlog_is_c1(const unsigned char *s, size_t i, size_t len)
{
	return s[i] == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 &&
	    s[i + 1] <= 0x9F;
}

/* Bytes of a code point starting with lead byte c (1 for a stray byte). */
static size_t
chatlog_cp_len(unsigned char c)
{
	if (c >= 0xF0)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

/* Bytes of the valid code point at s[i..len), or 0 if it is not one. */
static size_t
chatlog_cp(const unsigned char *s, size_t i, size_t len)
{
	size_t k = chatlog_cp_len(s[i]), j;

	if (s[i] < 0xC0 || k > len - i)
		return 0;
	for (j = 1; j < k; j++)
		if ((s[i + j] & 0xC0) != 0x80)
			return 0;
	return chatlog_is_c1(s, i, len) ? 0 : k;
}

size_t
chatlog_safe_name(const char *name, size_t len, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t max = size - 1, i = 0, n = 0, k;
	unsigned char c;

	if (max > CHATLOG_NAME_MAX)
		max = CHATLOG_NAME_MAX;
	while (i < len && n < max) {
		c = s[i];
		if (c >= 0x80) {
			k = chatlog_cp(s, i, len);
			if (k == 0) {
				/* A C1 control or a stray byte. */
				out[n++] = '_';
				i += chatlog_is_c1(s, i, len) ? 2 : 1;
				continue;
			}
			if (n + k > max)
				break;
			memcpy(out + n, s + i, k);
			n += k;
			i += k;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		             (c != '\0' && strchr("#~+-_.@:,", c) != NULL)) ||
		    (c == '.' && n == 0))
			c = '_';
		out[n++] = (char)c;
		i++;
	}
	if (n == 0 && max > 0)
		out[n++] = '_';
	out[n] = '\0';
	return n;
}

/* Days since 1970-01-01 to year, month and day (proleptic Gregorian). */
static void
chatlog_civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

void
chatlog_date(uint64_t time_ms, long utc_offset, char out[11])
{
	int y;
	unsigned m, d;

	chatlog_civil(model_day(time_ms, utc_offset), &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	snprintf(out, 11, "%04d-%02u-%02u", y, m % 100, d % 100);
}

int
chatlog_path(char *buf, size_t size, const char *dir, const char *server,
    const char *window, size_t window_len, uint64_t time_ms, long utc_offset)
{
	char srv[CHATLOG_NAME_MAX + 1], win[CHATLOG_NAME_MAX + 1], date[11];
	int n;

	chatlog_safe_name(server, strlen(server), srv, sizeof(srv));
	chatlog_safe_name(window, window_len, win, sizeof(win));
	chatlog_date(time_ms, utc_offset, date);
	n = snprintf(buf, size, "%s%s%s/%s/%s.log", dir != NULL ? dir : "",
	    dir != NULL && dir[0] != '\0' ? "/" : "", srv, win, date);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

/*
 * Whether s[0..len) may hold a byte chatlog_clean() replaces: below 0x20,
 * 0x7F, or 0xC2 (the lead byte of every C1 control, and of some text).
 * The model's text is sanitised, so the answer is almost always no;
 * eight bytes are tested at a time (the "has a zero byte" trick: exact
 * for the word, though not for which byte).
 */
static int
chatlog_dirty(const char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101u, highs = ones * 0x80;
	uint64_t x, y, bad = 0;
	size_t i = 0;
	unsigned char c;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, s + i, 8);
		bad |= (x - ones * 0x20) & ~x & highs;
		y = x ^ (ones * 0x7F);
		bad |= (y - ones) & ~y & highs;
		y = x ^ (ones * 0xC2);
		bad |= (y - ones) & ~y & highs;
	}
	for (; i < len; i++) {
		c = (unsigned char)s[i];
		bad |= c < 0x20 || c == 0x7F || c == 0xC2;
	}
	return bad != 0;
}

/* Copies s[0..len) to out, control bytes and C1 controls as '?'. */
static size_t
chatlog_clean(char *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n = 0;

	if (!chatlog_dirty(s, len)) {
		memcpy(out, s, len);
		return len;
	}
	for (i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7F) {
			out[n++] = '?';
		} else if (chatlog_is_c1(u, i, len)) {
			out[n++] = '?';
			i++;
		} else {
			out[n++] = (char)u[i];
		}
	}
	return n;
}

/* Two decimal digits of v (below 100). */
static void
chatlog_two(char *out, unsigned v)
{
	out[0] = (char)('0' + v / 10 % 10);
	out[1] = (char)('0' + v % 10);
}

/* "HH:MM:SS " of secs, local seconds since the epoch. */
static void
chatlog_stamp(int64_t secs, char out[CHATLOG_STAMP_LEN])
{
	int64_t tod = ((secs % 86400) + 86400) % 86400;

	chatlog_two(out, (unsigned)(tod / 3600));
	out[2] = ':';
	chatlog_two(out + 3, (unsigned)(tod / 60 % 60));
	out[5] = ':';
	chatlog_two(out + 6, (unsigned)(tod % 60));
	out[8] = ' ';
}

/* Line l after its stamp, as chatlog_format() describes; 0 if not logged. */
static size_t
chatlog_body(
    char *buf, const char stamp[CHATLOG_STAMP_LEN], const struct model_line *l)
{
	size_t slen = l->sender_len, tlen = l->text_len, n;

	if (slen > MODEL_NAME_MAX)
		slen = MODEL_NAME_MAX;
	if (tlen > MODEL_TEXT_MAX)
		tlen = MODEL_TEXT_MAX;
	memcpy(buf, stamp, CHATLOG_STAMP_LEN);
	n = CHATLOG_STAMP_LEN;
	switch (l->kind) {
	case MODEL_LINE_MSG:
		buf[n++] = '<';
		n += chatlog_clean(buf + n, l->sender, slen);
		buf[n++] = '>';
		break;
	case MODEL_LINE_ACT:
		buf[n++] = '*';
		buf[n++] = ' ';
		n += chatlog_clean(buf + n, l->sender, slen);
		break;
	case MODEL_LINE_EVENT:
		buf[n++] = '-';
		buf[n++] = '-';
		break;
	case MODEL_LINE_INFO:
	case MODEL_LINE_ERROR:
		return 0;
	}
	buf[n++] = ' ';
	n += chatlog_clean(buf + n, l->text, tlen);
	buf[n++] = '\n';
	return n;
}

size_t
chatlog_format(char *buf, const struct model_line *l, long utc_offset)
{
	char stamp[CHATLOG_STAMP_LEN];

	chatlog_stamp((int64_t)(l->time_ms / 1000) + utc_offset, stamp);
	return chatlog_body(buf, stamp, l);
}

int
chatlog_default_dir(char *buf, size_t size, char *(*get)(const char *))
{
	return datadir_path(
	    buf, size, get("XDG_DATA_HOME"), get("HOME"), "logs");
}

struct chatlog *
chatlog_new(const char *dir, const char *server)
{
	struct chatlog *cl = calloc(1, sizeof(*cl));

	if (cl == NULL)
		return NULL;
	cl->dir = strdup(dir);
	cl->fill.data = malloc(CHATLOG_BUF_MAX);
	cl->batch.data = malloc(CHATLOG_BUF_MAX);
	if (cl->dir == NULL || cl->fill.data == NULL ||
	    cl->batch.data == NULL) {
		chatlog_free(cl);
		return NULL;
	}
	cl->fill.seg = cl->batch.seg = SIZE_MAX;
	cl->last_len = SIZE_MAX;
	cl->stamp_secs = INT64_MIN;
	chatlog_safe_name(
	    server, strlen(server), cl->server, sizeof(cl->server));
	return cl;
}

void
chatlog_free(struct chatlog *cl)
{
	if (cl == NULL)
		return;
	free(cl->dir);
	free(cl->fill.data);
	free(cl->batch.data);
	free(cl);
}

static struct chatlog_win *
chatlog_win(struct chatlog *cl, const char *name)
{
	struct chatlog_win *w, *oldest = NULL;
	size_t i;

	cl->clock++;
	for (i = 0; i < cl->nwins; i++) {
		w = &cl->wins[i];
		if (strcmp(w->name, name) == 0) {
			w->used = cl->clock;
			return w;
		}
		if (oldest == NULL || w->used < oldest->used)
			oldest = w;
	}
	w = cl->nwins < CHATLOG_WINDOWS_MAX ? &cl->wins[cl->nwins++] : oldest;
	if (w == cl->last_win)
		cl->last_len = SIZE_MAX;
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->used = cl->clock;
	return w;
}

/*
 * Appends line[0..len) to the file of cl->path, on the open segment when
 * it is that file's; 0, or -1 if the buffer is full.
 */
static int
chatlog_put(struct chatlog *cl, const char *line, size_t len)
{
	struct chatlog_buf *b = &cl->fill;
	size_t plen = cl->path_len;

	if (cl->on_path) {
		if (b->len + len > CHATLOG_BUF_MAX)
			return -1;
		/* Over the segment's closing NUL. */
		memcpy(b->data + b->len - 1, line, len);
		b->len += len;
		b->data[b->len - 1] = '\0';
		return 0;
	}
	if (b->len + plen + 1 + len + 1 > CHATLOG_BUF_MAX)
		return -1;
	b->seg = b->len;
	memcpy(b->data + b->len, cl->path, plen + 1);
	b->len += plen + 1;
	memcpy(b->data + b->len, line, len);
	b->len += len;
	b->data[b->len++] = '\0';
	cl->on_path = 1;
	return 0;
}

/*
 * Makes the path of window w's log for the day of the last stamp; the
 * open segment stays in use when it is for the same file.
 */
static void
chatlog_set_path(struct chatlog *cl, const struct chatlog_win *w, uint64_t ms,
    long utc_offset)
{
	char date[11];

	chatlog_date(ms, utc_offset, date);
	/* Cut if too long: chatlog_write() says so when it joins it to dir. */
	(void)snprintf(cl->path, sizeof(cl->path), "%s/%s/%s.log", cl->server,
	    w->name, date);
	cl->path_len = strlen(cl->path);
	cl->last_day = cl->stamp_day;
	cl->on_path = cl->fill.seg != SIZE_MAX &&
	    strcmp(cl->fill.data + cl->fill.seg, cl->path) == 0;
}

enum chatlog_added
chatlog_add(struct chatlog *cl, const char *window, size_t window_len,
    const struct model_line *l, long utc_offset)
{
	char name[CHATLOG_NAME_MAX + 1];
	struct chatlog_buf *b = &cl->fill;
	struct chatlog_win *w;
	int64_t secs = (int64_t)(l->time_ms / 1000) + utc_offset;
	size_t len, at, room;
	char *dst;

	if (l->kind == MODEL_LINE_INFO || l->kind == MODEL_LINE_ERROR)
		return CHATLOG_SKIPPED;
	if (window_len > CHATLOG_NAME_MAX)
		window_len = CHATLOG_NAME_MAX;
	if (window_len == cl->last_len &&
	    memcmp(window, cl->last, window_len) == 0) {
		w = cl->last_win;
	} else {
		chatlog_safe_name(window, window_len, name, sizeof(name));
		w = chatlog_win(cl, name);
		memcpy(cl->last, window, window_len);
		cl->last_len = window_len;
		cl->last_win = w;
		cl->last_day = INT64_MIN;
	}
	if (l->seq != 0 && l->seq <= w->seq)
		return CHATLOG_SKIPPED;
	if ((l->flags & MODEL_FLAG_HISTORY) && (l->seq == 0 || w->seq == 0))
		return CHATLOG_SKIPPED;
	if (l->seq != 0)
		w->seq = l->seq;
	if (secs != cl->stamp_secs) {
		chatlog_stamp(secs, cl->stamp);
		cl->stamp_secs = secs;
		cl->stamp_day = model_day(l->time_ms, utc_offset);
	}
	if (cl->stamp_day != cl->last_day)
		chatlog_set_path(cl, w, l->time_ms, utc_offset);
	/*
	 * With room for the longest line and a new segment, and no note to
	 * go first, the line is formatted in place; else in cl->line, and it
	 * goes in only if it fits.
	 */
	room = cl->path_len + 1 + CHATLOG_LINE_MAX + 1;
	if (w->dropped == 0 && b->len + room <= CHATLOG_BUF_MAX) {
		if (!cl->on_path) {
			b->seg = b->len;
			memcpy(b->data + b->len, cl->path, cl->path_len + 1);
			b->len += cl->path_len + 1;
			b->data[b->len++] = '\0';
			cl->on_path = 1;
		}
		/* Over the segment's closing NUL. */
		at = b->len - 1;
		dst = b->data + at;
		len = chatlog_body(dst, cl->stamp, l);
		b->len = at + len + 1;
		b->data[b->len - 1] = '\0';
		return CHATLOG_ADDED;
	}
	/* A note of lines lost goes with the next line that fits. */
	len = 0;
	if (w->dropped > 0)
		len = (size_t)snprintf(cl->line, CHATLOG_NOTE_MAX,
		    "-- %llu lines not logged here: the log buffer was full\n",
		    (unsigned long long)w->dropped);
	len += chatlog_body(cl->line + len, cl->stamp, l);
	if (chatlog_put(cl, cl->line, len) < 0)
		goto dropped;
	w->dropped = 0;
	return CHATLOG_ADDED;
dropped:
	w->dropped++;
	cl->dropped++;
	return CHATLOG_DROPPED;
}

size_t
chatlog_pending(const struct chatlog *cl)
{
	return cl->fill.len;
}

uint64_t
chatlog_dropped(const struct chatlog *cl)
{
	return cl->dropped;
}

int
chatlog_take(struct chatlog *cl)
{
	struct chatlog_buf t;

	if (cl->writing || cl->fill.len == 0)
		return 0;
	t = cl->batch;
	cl->batch = cl->fill;
	cl->fill = t;
	cl->fill.len = 0;
	cl->fill.seg = SIZE_MAX;
	cl->on_path = 0;
	cl->writing = 1;
	cl->err[0] = '\0';
	return 1;
}

static int
chatlog_append(char *path, const char *data, size_t len)
{
	int fd, flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	ssize_t w;

	fd = open(path, flags, 0600);
	if (fd < 0 && errno == ENOENT && datadir_mkdirs(path) == 0)
		fd = open(path, flags, 0600);
	if (fd < 0)
		return -1;
	while (len > 0) {
		w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;

			close(fd);
			errno = e;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return close(fd);
}

int
chatlog_write(struct chatlog *cl)
{
	char path[CHATLOG_PATH_MAX + 1];
	const char *p = cl->batch.data, *end = p + cl->batch.len;
	int rc = 0;

	while (p < end) {
		const char *data = p + strlen(p) + 1;
		size_t dlen = strlen(data);
		int n = snprintf(path, sizeof(path), "%s/%s", cl->dir, p);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			snprintf(cl->err, sizeof(cl->err),
			    "%s/%s: path too long", cl->dir, p);
			rc = -1;
		} else if (chatlog_append(path, data, dlen) < 0) {
			snprintf(cl->err, sizeof(cl->err), "%s: %s", path,
			    strerror(errno));
			rc = -1;
		}
		p = data + dlen + 1;
	}
	return rc;
}

const char *
chatlog_written(struct chatlog *cl)
{
	cl->writing = 0;
	cl->batch.len = 0;
	cl->batch.seg = SIZE_MAX;
	return cl->err[0] != '\0' ? cl->err : NULL;
}

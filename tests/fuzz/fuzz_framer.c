/* fuzz_framer.c: the line framer and command codec, whole and in chunks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "line.h"
#include "proto.h"

/*
 * The input is a byte stream from a client.  It is framed three ways: by
 * a model of the rules in line.h, by a reader fed as much as fits at each
 * read, and by a reader fed chunks whose sizes (and whether lines are
 * taken before the next read, and whether the idle reader gives its
 * storage back) come from a PRNG seeded with a hash of the input.  The
 * capacity also comes from the hash: the protocol's PROTO_LINE_MAX half
 * the time, else 16 to PROTO_LINE_MAX, often under 64 so that the lines
 * of a small input are over-long.  The three logs of results must be
 * equal; every command that decodes must encode back to the same fields.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Smallest capacity tried, in bytes. */
#define FUZZ_CAP_MIN 16

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #cond);                                  \
			abort();                                               \
		}                                                              \
	} while (0)

/* A growing log of what a framing produced. */
struct fuzz_log {
	unsigned char *p;
	size_t len;
	size_t cap;
};

static void
log_put(struct fuzz_log *l, const void *p, size_t n)
{
	if (l->len + n > l->cap) {
		size_t cap = l->cap ? l->cap : 1024;

		while (cap < l->len + n)
			cap *= 2;
		l->p = realloc(l->p, cap);
		FUZZ_CHECK(l->p != NULL);
		l->cap = cap;
	}
	if (n > 0)
		memcpy(l->p + l->len, p, n);
	l->len += n;
}

static void
log_slice(struct fuzz_log *l, struct slice s)
{
	log_put(l, &s.len, sizeof(s.len));
	log_put(l, s.p, s.len);
}

static int
slice_eq(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Encodes a decoded command and decodes it again: the same fields. */
static void
check_reencode(const struct cmd *c)
{
	char buf[PROTO_LINE_MAX + 8];
	struct cmd back;
	size_t n;

	n = cmd_encode(buf, sizeof(buf), c);
	FUZZ_CHECK(n > 0 && n <= PROTO_LINE_MAX);
	FUZZ_CHECK(buf[n - 1] == '\n');
	FUZZ_CHECK(memchr(buf, '\n', n - 1) == NULL);
	/* One byte short must not fit, and must not write past the end. */
	FUZZ_CHECK(cmd_encode(buf, n - 1, c) == 0);
	n = cmd_encode(buf, n, c);
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(cmd_decode(buf, n - 1, &back) == PROTO_E_NONE);
	FUZZ_CHECK(back.verb == c->verb);
	FUZZ_CHECK(slice_eq(back.uid, c->uid));
	FUZZ_CHECK(slice_eq(back.arg, c->arg));
	FUZZ_CHECK(slice_eq(back.text, c->text));
}

/* Logs one line as a server would see it: its decode result and fields. */
static void
log_line(struct fuzz_log *l, const char *line, size_t len)
{
	unsigned char tag = 'L';
	struct cmd c;
	enum proto_code code;
	int v;

	FUZZ_CHECK(memchr(line, '\n', len) == NULL);
	code = cmd_decode(line, len, &c);
	FUZZ_CHECK((unsigned)c.verb <= (unsigned)CMD_COUNT);
	FUZZ_CHECK(cmd_verb_name(c.verb) != NULL);
	(void)cmd_verb_is_extended(c.verb);
	FUZZ_CHECK(proto_code_name(code) != NULL);
	FUZZ_CHECK(code == PROTO_E_NONE || !proto_code_is_fatal(code));
	v = (int)c.verb;
	log_put(l, &tag, 1);
	log_put(l, &code, sizeof(code));
	log_put(l, &v, sizeof(v));
	log_slice(l, c.uid);
	log_slice(l, c.arg);
	log_slice(l, c.text);
	if (code == PROTO_E_NONE)
		check_reencode(&c);
}

static void
log_too_long(struct fuzz_log *l)
{
	unsigned char tag = 'X';

	log_put(l, &tag, 1);
}

/* The rules of line.h applied to the whole input at once. */
static void
frame_model(const char *in, size_t n, size_t cap, struct fuzz_log *l)
{
	size_t pos = 0, len;
	const char *lf;

	while (pos < n) {
		lf = memchr(in + pos, '\n', n - pos);
		if (lf == NULL) {
			/* A partial line is over-long once it fills cap. */
			if (n - pos >= cap)
				log_too_long(l);
			return;
		}
		len = (size_t)(lf - (in + pos));
		if (len + 1 > cap) {
			log_too_long(l);
		} else {
			if (len > 0 && in[pos + len - 1] == '\r')
				len--;
			log_line(l, in + pos, len);
		}
		pos = (size_t)(lf - in) + 1;
	}
}

/* Takes up to max lines (all with SIZE_MAX); returns how many results. */
static size_t
drain(struct line_reader *r, struct fuzz_log *l, size_t max)
{
	const char *line;
	size_t len, got = 0;
	enum line_status st;
	int had;

	while (got < max) {
		had = line_reader_has_line(r);
		st = line_reader_next(r, &line, &len);
		FUZZ_CHECK((st != LINE_NONE) == (had != 0));
		if (st == LINE_NONE)
			break;
		if (st == LINE_TOO_LONG) {
			log_too_long(l);
		} else {
			FUZZ_CHECK(st == LINE_OK);
			FUZZ_CHECK(len + 1 <= r->cap);
			FUZZ_CHECK(
			    line >= r->buf && line + len <= r->buf + r->cap);
			log_line(l, line, len);
		}
		got++;
	}
	return got;
}

/* A reader given all it can take at every read, drained each time. */
static void
frame_whole(const char *in, size_t n, size_t cap, struct fuzz_log *l)
{
	struct line_reader r;
	char *buf = malloc(cap), *space;
	size_t pos = 0, avail, k;

	FUZZ_CHECK(buf != NULL);
	memset(&r, 0, sizeof(r));
	line_reader_attach(&r, buf, cap);
	while (pos < n) {
		space = line_reader_space(&r, &avail);
		FUZZ_CHECK(space != NULL && avail > 0);
		k = n - pos < avail ? n - pos : avail;
		memcpy(space, in + pos, k);
		line_reader_commit(&r, k);
		pos += k;
		(void)drain(&r, l, SIZE_MAX);
	}
	FUZZ_CHECK(line_reader_release(&r) == buf);
	free(buf);
}

static uint64_t
rng_next(uint64_t *s)
{
	/* splitmix64: any seed, including 0, gives a good sequence. */
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/*
 * A reader driven as the server drives one: reads of random sizes, a few
 * lines taken per turn (it must take one when it has no room), and the
 * storage handed back while nothing is pending, then a fresh buffer.
 */
static void
frame_chunked(
    const char *in, size_t n, size_t cap, uint64_t seed, struct fuzz_log *l)
{
	struct line_reader r;
	char *buf = malloc(cap), *space;
	size_t pos = 0, avail, k, max;
	uint64_t x;

	FUZZ_CHECK(buf != NULL);
	memset(&r, 0, sizeof(r));
	line_reader_attach(&r, buf, cap);
	while (pos < n) {
		x = rng_next(&seed);
		space = line_reader_space(&r, &avail);
		FUZZ_CHECK(space != NULL);
		if (avail == 0) {
			/* Full of whole lines the caller left: take one. */
			FUZZ_CHECK(line_reader_has_line(&r));
			FUZZ_CHECK(drain(&r, l, 1) == 1);
			continue;
		}
		/* Mostly short reads, sometimes as much as fits. */
		switch (x & 3) {
		case 0:
			k = 1;
			break;
		case 1:
			k = 1 + (size_t)((x >> 8) % 8);
			break;
		case 2:
			k = 1 + (size_t)((x >> 8) % (2 * cap));
			break;
		default:
			k = avail;
			break;
		}
		if (k > avail)
			k = avail;
		if (k > n - pos)
			k = n - pos;
		memcpy(space, in + pos, k);
		line_reader_commit(&r, k);
		pos += k;
		/* A budget of lines per turn; 0 leaves them for later. */
		max = (x >> 40) & 7;
		(void)drain(&r, l, max >= 4 ? SIZE_MAX : max);
		if (line_reader_pending(&r) == 0 && ((x >> 48) & 3) == 0) {
			/* Idle: the storage goes back to the pool. */
			FUZZ_CHECK(line_reader_detach(&r) == buf);
			space = line_reader_space(&r, &avail);
			FUZZ_CHECK(space == NULL && avail == 0);
			free(buf);
			buf = malloc(cap);
			FUZZ_CHECK(buf != NULL);
			line_reader_attach(&r, buf, cap);
		}
	}
	(void)drain(&r, l, SIZE_MAX);
	FUZZ_CHECK(line_reader_release(&r) == buf);
	free(buf);
}

static uint64_t
hash_input(const uint8_t *data, size_t size)
{
	uint64_t h = 0xCBF29CE484222325ULL;
	size_t i;

	for (i = 0; i < size; i++) {
		h ^= data[i];
		h *= 0x100000001B3ULL;
	}
	return h;
}

static void
check_logs(const struct fuzz_log *a, const struct fuzz_log *b)
{
	FUZZ_CHECK(a->len == b->len);
	FUZZ_CHECK(a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct fuzz_log model = {NULL, 0, 0}, whole = {NULL, 0, 0};
	struct fuzz_log chunked = {NULL, 0, 0};
	uint64_t h = hash_input(data, size), seed = h;
	size_t cap;

	switch (rng_next(&seed) & 3) {
	case 0:
		cap = FUZZ_CAP_MIN + (size_t)(rng_next(&seed) % 49);
		break;
	case 1:
		cap = FUZZ_CAP_MIN +
		    (size_t)(rng_next(&seed) %
		        (PROTO_LINE_MAX - FUZZ_CAP_MIN + 1));
		break;
	default:
		cap = PROTO_LINE_MAX;
		break;
	}
	frame_model(in, size, cap, &model);
	frame_whole(in, size, cap, &whole);
	frame_chunked(in, size, cap, rng_next(&seed), &chunked);
	check_logs(&model, &whole);
	check_logs(&model, &chunked);
	/* Every line on its own, as a server that frames elsewhere sees it. */
	if (size <= PROTO_LINE_MAX) {
		struct cmd c;

		if (cmd_decode(in, size, &c) == PROTO_E_NONE)
			check_reencode(&c);
	}
	free(model.p);
	free(whole.p);
	free(chunked.p);
	return 0;
}

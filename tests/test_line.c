/* test_line.c: the line framer fed the same input split at every offset. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "line.h"
#include "proto.h"

/*
 * What a reader produced, as text: "+" and the line then LF for each line,
 * "!" and LF for each LINE_TOO_LONG.  Lines hold no LF, so this is
 * unambiguous and two runs agree iff their texts are equal.
 */
struct text {
	char *p;
	size_t len;
	size_t cap;
};

static void
events_add(struct text *ev, char tag, const char *s, size_t n)
{
	if (ev->len + n + 2 > ev->cap) {
		ev->cap = (ev->len + n + 2) * 2;
		ev->p = realloc(ev->p, ev->cap);
		assert_non_null(ev->p);
	}
	ev->p[ev->len++] = tag;
	if (n > 0)
		memcpy(ev->p + ev->len, s, n);
	ev->len += n;
	ev->p[ev->len++] = '\n';
}

static void
events_equal(const struct text *a, const struct text *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len > 0)
		assert_memory_equal(a->p, b->p, a->len);
}

/* The rules from line.h applied to a whole input at once. */
static void
model(const char *in, size_t n, size_t cap, struct text *ev)
{
	size_t pos = 0, end, len;
	const char *lf;

	while (pos < n) {
		lf = memchr(in + pos, '\n', n - pos);
		if (lf == NULL) {
			/* A partial line is known to be over-long once it fills
			 * cap. */
			if (n - pos >= cap)
				events_add(ev, '!', NULL, 0);
			return;
		}
		end = (size_t)(lf - in);
		if (end + 1 - pos > cap) {
			events_add(ev, '!', NULL, 0);
		} else {
			len = end - pos;
			if (len > 0 && in[end - 1] == '\r')
				len--;
			events_add(ev, '+', in + pos, len);
		}
		pos = end + 1;
	}
}

/* A reader over malloc'd storage of exactly cap bytes, so ASan sees overruns.
 */
struct feeder {
	struct line_reader r;
	char *spare;
	size_t cap;
	int swap;
	size_t swaps;
	struct text ev;
};

static void
feeder_init(struct feeder *f, size_t cap, int swap)
{
	char *buf = malloc(cap);

	memset(f, 0, sizeof(*f));
	f->spare = malloc(cap);
	assert_non_null(buf);
	assert_non_null(f->spare);
	f->cap = cap;
	f->swap = swap;
	line_reader_attach(&f->r, buf, cap);
}

static void
feeder_fini(struct feeder *f)
{
	/* A trailing partial line may be pending, so no detach. */
	free(f->r.buf);
	free(f->spare);
	free(f->ev.p);
}

static void
feeder_drain(struct feeder *f)
{
	enum line_status st;
	const char *line;
	size_t len;

	while ((st = line_reader_next(&f->r, &line, &len)) != LINE_NONE) {
		if (st == LINE_OK) {
			assert_true(len < f->cap);
			assert_null(memchr(line, '\n', len));
			events_add(&f->ev, '+', line, len);
		} else {
			assert_int_equal(st, LINE_TOO_LONG);
			events_add(&f->ev, '!', NULL, 0);
		}
	}
	assert_int_equal(line_reader_has_line(&f->r), 0);
}

/*
 * Hands the storage back and attaches the other buffer, filled with junk,
 * as an idle connection would between reads.
 */
static void
feeder_swap(struct feeder *f)
{
	char *old = line_reader_detach(&f->r);
	size_t avail;

	assert_non_null(old);
	assert_null(line_reader_space(&f->r, &avail));
	assert_int_equal(avail, 0);
	memset(f->spare, 'J', f->cap);
	line_reader_attach(&f->r, f->spare, f->cap);
	f->spare = old;
	f->swaps++;
}

static void
feeder_chunk(struct feeder *f, const char *p, size_t n)
{
	size_t avail, k;
	char *dst;

	while (n > 0) {
		dst = line_reader_space(&f->r, &avail);
		assert_non_null(dst);
		assert_true(avail > 0);
		assert_true(avail <= f->cap);
		k = n < avail ? n : avail;
		memcpy(dst, p, k);
		line_reader_commit(&f->r, k);
		p += k;
		n -= k;
		feeder_drain(f);
	}
	if (f->swap && line_reader_pending(&f->r) == 0)
		feeder_swap(f);
}

/* Feeds in[0..n) cut at the given offsets (ascending) and checks the events. */
static void
run_cuts(const char *in, size_t n, size_t cap, const size_t *cuts, size_t ncuts,
    int swap, const struct text *want)
{
	struct feeder f;
	size_t i, at = 0;

	feeder_init(&f, cap, swap);
	for (i = 0; i < ncuts; i++) {
		feeder_chunk(&f, in + at, cuts[i] - at);
		at = cuts[i];
	}
	feeder_chunk(&f, in + at, n - at);
	events_equal(&f.ev, want);
	feeder_fini(&f);
}

static void
run_bytewise(
    const char *in, size_t n, size_t cap, int swap, const struct text *want)
{
	struct feeder f;
	size_t i;

	feeder_init(&f, cap, swap);
	for (i = 0; i < n; i++)
		feeder_chunk(&f, in + i, 1);
	events_equal(&f.ev, want);
	feeder_fini(&f);
}

/* Whole, at every single cut, byte by byte and, if pairs, at every two cuts. */
static void
check_all_splits(
    const char *in, size_t n, size_t cap, int pairs, const struct text *want)
{
	size_t cuts[2];
	size_t i, j;
	int swap;

	for (swap = 0; swap <= 1; swap++) {
		run_cuts(in, n, cap, NULL, 0, swap, want);
		for (i = 0; i <= n; i++) {
			cuts[0] = i;
			run_cuts(in, n, cap, cuts, 1, swap, want);
		}
		run_bytewise(in, n, cap, swap, want);
		if (!pairs)
			continue;
		for (i = 0; i <= n; i++) {
			for (j = i; j <= n; j++) {
				cuts[0] = i;
				cuts[1] = j;
				run_cuts(in, n, cap, cuts, 2, swap, want);
			}
		}
	}
}

struct small_case {
	const char *name;
	size_t cap;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
	size_t want_len; /* 0: strlen(want) */
};

#define A15 "aaaaaaaaaaaaaaa"
#define A16 A15 "a"
#define B20 "bbbbbbbbbbbbbbbbbbbb"

static const struct small_case small_cases[] = {
    {"empty input", 16, "", 0, "", 0},
    {"several lines", 16, "ab\ncd\nef\n", 0, "+ab\n+cd\n+ef\n", 0},
    {"crlf", 16, "ab\r\ncd\r\n\r\n", 0, "+ab\n+cd\n+\n", 0},
    {"mixed endings", 16, "a\r\nb\nc\r\n", 0, "+a\n+b\n+c\n", 0},
    {"lone cr stays", 16, "a\rb\n\rc\nd\r\r\n", 0, "+a\rb\n+\rc\n+d\r\n", 0},
    {"empty lines", 16, "\n\n\nx\n\n", 0, "+\n+\n+\n+x\n+\n", 0},
    {"nul inside", 16, "a\0b\n", 4, "+a\0b\n", 5},
    {"exactly max", 16, A15 "\nz\n", 0, "+" A15 "\n+z\n", 0},
    {"exactly max crlf", 16, "aaaaaaaaaaaaaa\r\nz\n", 0,
        "+aaaaaaaaaaaaaa\n+z\n", 0},
    {"max plus one", 16, A16 "\nz\n", 0, "!\n+z\n", 0},
    {"max plus one crlf", 16, A15 "\r\nz\n", 0, "!\n+z\n", 0},
    {"huge then normal", 16, A16 A16 A16 "\nok\n", 0, "!\n+ok\n", 0},
    {"huge crlf then normal", 16, A16 A16 A16 "\r\nok\r\n", 0, "!\n+ok\n", 0},
    {"two over-long in a row", 16, B20 "\n" B20 "\nok\n", 0, "!\n!\n+ok\n", 0},
    {"over-long between lines", 16, "x\n" B20 "\ny\n", 0, "+x\n!\n+y\n", 0},
    {"trailing partial", 16, "ab\ncd", 0, "+ab\n", 0},
    {"trailing partial max-1", 16, "ab\n" A15, 0, "+ab\n", 0},
    {"trailing partial at max", 16, "ab\n" A16, 0, "+ab\n!\n", 0},
    {"trailing over-long", 16, "ab\n" B20, 0, "+ab\n!\n", 0},
    {"cap 2 fits", 2, "\na\n\r\n", 0, "+\n+a\n+\n", 0},
    {"cap 2 too long", 2, "ab\na\r\nc\n", 0, "!\n!\n+c\n", 0},
    {"cap 3 crlf", 3, "a\r\nab\r\nb\n", 0, "+a\n!\n+b\n", 0},
};

static size_t
case_len(const struct small_case *c)
{
	return c->len ? c->len : strlen(c->in);
}

static void
want_from_text(struct text *ev, const char *text, size_t n)
{
	ev->p = malloc(n + 1);
	assert_non_null(ev->p);
	memcpy(ev->p, text, n);
	ev->len = n;
	ev->cap = n + 1;
}

static void
test_model_matches_table(void **state)
{
	const struct small_case *c;
	struct text want, got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(small_cases) / sizeof(small_cases[0]); i++) {
		c = &small_cases[i];
		memset(&got, 0, sizeof(got));
		want_from_text(&want, c->want,
		    c->want_len ? c->want_len : strlen(c->want));
		model(c->in, case_len(c), c->cap, &got);
		print_message("# %s\n", c->name);
		events_equal(&got, &want);
		free(want.p);
		free(got.p);
	}
}

static void
test_small_all_splits(void **state)
{
	const struct small_case *c;
	struct text want;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(small_cases) / sizeof(small_cases[0]); i++) {
		c = &small_cases[i];
		memset(&want, 0, sizeof(want));
		model(c->in, case_len(c), c->cap, &want);
		print_message("# %s\n", c->name);
		check_all_splits(c->in, case_len(c), c->cap, 1, &want);
		free(want.p);
	}
}

/* Appends n copies of ch to a growing input. */
static void
put(struct text *in, char ch, size_t n)
{
	if (in->len + n > in->cap) {
		in->cap = (in->len + n) * 2;
		in->p = realloc(in->p, in->cap);
		assert_non_null(in->p);
	}
	memset(in->p + in->len, ch, n);
	in->len += n;
}

static void
put_str(struct text *in, const char *s)
{
	for (; *s != '\0'; s++)
		put(in, *s, 1);
}

enum big_kind {
	BIG_EXACT,
	BIG_EXACT_CRLF,
	BIG_PLUS_ONE,
	BIG_PLUS_ONE_CRLF,
	BIG_HUGE,
	BIG_TWO_LONG,
	BIG_TRAILING,
	BIG_TRAILING_MAX,
};

/* Builds a PROTO_LINE_MAX input and the events it must give, by hand. */
static void
big_input(enum big_kind kind, struct text *in, struct text *want)
{
	const size_t max = PROTO_LINE_MAX;
	struct text line = {0};

	switch (kind) {
	case BIG_EXACT:
		put(in, 'a', max - 1);
		put(in, '\n', 1);
		put(&line, 'a', max - 1);
		events_add(want, '+', line.p, line.len);
		break;
	case BIG_EXACT_CRLF:
		put(in, 'a', max - 2);
		put_str(in, "\r\n");
		put(&line, 'a', max - 2);
		events_add(want, '+', line.p, line.len);
		break;
	case BIG_PLUS_ONE:
		put(in, 'a', max);
		put(in, '\n', 1);
		events_add(want, '!', NULL, 0);
		break;
	case BIG_PLUS_ONE_CRLF:
		put(in, 'a', max - 1);
		put_str(in, "\r\n");
		events_add(want, '!', NULL, 0);
		break;
	case BIG_HUGE:
		put(in, 'h', 3 * max);
		put_str(in, "\nnormal\n");
		events_add(want, '!', NULL, 0);
		events_add(want, '+', "normal", 6);
		break;
	case BIG_TWO_LONG:
		put_str(in, "x\n");
		put(in, 'a', max + 100);
		put(in, '\n', 1);
		put(in, 'b', max);
		put_str(in, "\r\ny\n");
		events_add(want, '+', "x", 1);
		events_add(want, '!', NULL, 0);
		events_add(want, '!', NULL, 0);
		events_add(want, '+', "y", 1);
		break;
	case BIG_TRAILING:
		put_str(in, "x\n");
		put(in, 'a', max - 1);
		events_add(want, '+', "x", 1);
		break;
	case BIG_TRAILING_MAX:
		put_str(in, "x\n");
		put(in, 'a', max);
		events_add(want, '+', "x", 1);
		events_add(want, '!', NULL, 0);
		break;
	}
	/* A trailing partial line must stay last. */
	if (kind < BIG_TRAILING) {
		put_str(in, "end\n");
		events_add(want, '+', "end", 3);
	}
	free(line.p);
}

static void
test_big_all_splits(void **state)
{
	struct text in, want, check;
	int kind;

	(void)state;
	for (kind = BIG_EXACT; kind <= BIG_TRAILING_MAX; kind++) {
		memset(&in, 0, sizeof(in));
		memset(&want, 0, sizeof(want));
		memset(&check, 0, sizeof(check));
		big_input((enum big_kind)kind, &in, &want);
		model(in.p, in.len, PROTO_LINE_MAX, &check);
		events_equal(&check, &want);
		check_all_splits(in.p, in.len, PROTO_LINE_MAX, 0, &want);
		free(in.p);
		free(want.p);
		free(check.p);
	}
}

static void
test_zeroed_is_detached(void **state)
{
	struct line_reader r;
	const char *line;
	size_t len, avail = 1;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(line_reader_pending(&r), 0);
	assert_int_equal(line_reader_has_line(&r), 0);
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	assert_null(line_reader_space(&r, &avail));
	assert_int_equal(avail, 0);
	assert_null(line_reader_detach(&r));
}

/* Feeds s through space/commit without taking lines. */
static void
commit_str(struct line_reader *r, const char *s)
{
	size_t n = strlen(s), avail;
	char *dst = line_reader_space(r, &avail);

	assert_true(n <= avail);
	memcpy(dst, s, n);
	line_reader_commit(r, n);
}

static void
expect_line(struct line_reader *r, const char *want)
{
	const char *line;
	size_t len;

	assert_int_equal(line_reader_next(r, &line, &len), LINE_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(line, want, len);
}

static void
test_lines_borrowed_until_space(void **state)
{
	char buf[16];
	struct line_reader r = {0};
	const char *a, *b, *c, *d;
	size_t alen, blen, clen, dlen;

	(void)state;
	line_reader_attach(&r, buf, sizeof(buf));
	commit_str(&r, "one\r\ntwo\nthree\n");
	assert_int_equal(line_reader_next(&r, &a, &alen), LINE_OK);
	assert_int_equal(line_reader_next(&r, &b, &blen), LINE_OK);
	assert_int_equal(line_reader_next(&r, &c, &clen), LINE_OK);
	assert_int_equal(line_reader_next(&r, &d, &dlen), LINE_NONE);
	assert_int_equal(alen, 3);
	assert_memory_equal(a, "one", 3);
	assert_int_equal(blen, 3);
	assert_memory_equal(b, "two", 3);
	assert_int_equal(clen, 5);
	assert_memory_equal(c, "three", 5);
	assert_int_equal(line_reader_pending(&r), 0);
	assert_ptr_equal(line_reader_detach(&r), buf);
}

static void
test_compacts_only_when_needed(void **state)
{
	char buf[16];
	struct line_reader r = {0};
	size_t avail;
	char *dst;

	(void)state;
	line_reader_attach(&r, buf, sizeof(buf));
	commit_str(&r, "abcd\nef");
	expect_line(&r, "abcd");
	assert_int_equal(line_reader_has_line(&r), 0);
	/* Room is left at the end: no move. */
	dst = line_reader_space(&r, &avail);
	assert_ptr_equal(dst, buf + 7);
	assert_int_equal(avail, 9);
	memcpy(dst, "ghijklmno", 9);
	line_reader_commit(&r, 9);
	assert_int_equal(line_reader_has_line(&r), 0);
	/* The end is reached: the partial line moves to the front. */
	dst = line_reader_space(&r, &avail);
	assert_ptr_equal(dst, buf + 11);
	assert_int_equal(avail, 5);
	assert_memory_equal(buf, "efghijklmno", 11);
	commit_str(&r, "\n");
	expect_line(&r, "efghijklmno");
	/* Empty again: back to the front, nothing moved. */
	dst = line_reader_space(&r, &avail);
	assert_ptr_equal(dst, buf);
	assert_int_equal(avail, 16);
	line_reader_detach(&r);
}

static void
test_scanned_not_rescanned(void **state)
{
	char buf[PROTO_LINE_MAX];
	struct line_reader r = {0};
	const char *line;
	size_t len, i;

	(void)state;
	line_reader_attach(&r, buf, sizeof(buf));
	for (i = 1; i < 100; i++) {
		commit_str(&r, "a");
		assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
		assert_int_equal(r.scanned, i);
	}
	commit_str(&r, "b\nc");
	assert_int_equal(line_reader_has_line(&r), 1);
	/* has_line remembers where the LF was. */
	assert_int_equal(r.scanned, 100);
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_OK);
	assert_int_equal(len, 100);
	assert_int_equal(r.scanned, 0);
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	assert_int_equal(r.scanned, 1);
	commit_str(&r, "\n");
	expect_line(&r, "c");
	line_reader_detach(&r);
}

/* A caller that reads until the buffer is full without taking lines. */
static void
test_space_without_next(void **state)
{
	char buf[16];
	struct line_reader r = {0};
	const char *line;
	size_t len, avail;

	(void)state;
	line_reader_attach(&r, buf, sizeof(buf));
	commit_str(&r, "aaaaaaaa");
	commit_str(&r, "aaaaaaaa");
	/* Full with no LF: dropped at once, the report kept for next. */
	line_reader_space(&r, &avail);
	assert_int_equal(avail, 16);
	assert_int_equal(line_reader_pending(&r), 0);
	assert_int_equal(line_reader_has_line(&r), 1);
	commit_str(&r, "aaa\nok\n");
	assert_int_equal(line_reader_has_line(&r), 1);
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_TOO_LONG);
	expect_line(&r, "ok");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	/* The same while the report is still pending past the line's end. */
	commit_str(&r, "bbbbbbbbbbbbbbbb");
	line_reader_space(&r, &avail);
	assert_int_equal(avail, 16);
	commit_str(&r, "b\n");
	line_reader_space(&r, &avail);
	commit_str(&r, "x\n");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_TOO_LONG);
	expect_line(&r, "x");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	line_reader_detach(&r);
}

static void
test_discarding_survives_detach(void **state)
{
	char one[16], two[16];
	struct line_reader r = {0};
	const char *line;
	size_t len;

	(void)state;
	line_reader_attach(&r, one, sizeof(one));
	commit_str(&r, "aaaaaaaaaaaaaaaa");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_TOO_LONG);
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	assert_int_equal(line_reader_pending(&r), 0);
	assert_ptr_equal(line_reader_detach(&r), one);
	assert_null(r.buf);
	assert_int_not_equal(r.discarding, 0);
	memset(two, 'J', sizeof(two));
	line_reader_attach(&r, two, sizeof(two));
	commit_str(&r, "still long\nok\n");
	expect_line(&r, "ok");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	assert_int_equal(r.discarding, 0);
	assert_ptr_equal(line_reader_detach(&r), two);
}

/* An over-long line found by space, detached before the report is taken. */
static void
test_report_survives_detach(void **state)
{
	char buf[4];
	struct line_reader r = {0};
	const char *line;
	size_t len, avail;

	(void)state;
	line_reader_attach(&r, buf, sizeof(buf));
	commit_str(&r, "abcd");
	line_reader_space(&r, &avail);
	assert_int_equal(line_reader_pending(&r), 0);
	line_reader_detach(&r);
	assert_int_equal(line_reader_has_line(&r), 1);
	line_reader_attach(&r, buf, sizeof(buf));
	commit_str(&r, "e\nf\n");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_TOO_LONG);
	expect_line(&r, "f");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	line_reader_detach(&r);
}

/*
 * Two over-long lines found by space before the caller takes anything:
 * each is reported (found by fuzz_framer; the second report was lost).
 */
static void
test_two_reports_owed(void **state)
{
	char buf[16];
	struct line_reader r = {0};
	const char *line;
	size_t len, avail;

	(void)state;
	line_reader_attach(&r, buf, sizeof(buf));
	commit_str(&r, "aaaaaaaaaaaaaaaa");
	/* Full with no LF: the first line is dropped, one report owed. */
	line_reader_space(&r, &avail);
	assert_int_equal(avail, 16);
	commit_str(&r, "\nbbbbbbbbbbbbbbb");
	line_reader_space(&r, &avail);
	assert_int_equal(avail, 1);
	commit_str(&r, "b");
	/* Full again with no LF: the second line goes too, two owed. */
	line_reader_space(&r, &avail);
	assert_int_equal(avail, 16);
	assert_int_equal(line_reader_pending(&r), 0);
	commit_str(&r, "bb\nok\n");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_TOO_LONG);
	assert_int_equal(line_reader_has_line(&r), 1);
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_TOO_LONG);
	expect_line(&r, "ok");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	assert_int_equal(line_reader_has_line(&r), 0);
	line_reader_detach(&r);
}

/* Full of whole lines not yet taken: no room until one is taken. */
static void
test_space_full_of_lines(void **state)
{
	char buf[8];
	struct line_reader r = {0};
	const char *line;
	size_t len, avail;

	(void)state;
	line_reader_attach(&r, buf, sizeof(buf));
	commit_str(&r, "abc\ndef\n");
	assert_non_null(line_reader_space(&r, &avail));
	assert_int_equal(avail, 0);
	assert_int_equal(line_reader_has_line(&r), 1);
	expect_line(&r, "abc");
	assert_non_null(line_reader_space(&r, &avail));
	assert_int_equal(avail, 4);
	expect_line(&r, "def");
	assert_int_equal(line_reader_next(&r, &line, &len), LINE_NONE);
	line_reader_detach(&r);
}

/* The fuzz_framer input that found it: cap 16, reads of 16, 16, 1, 1. */
static void
test_fuzz_two_reports(void **state)
{
	static const char in[] = "dm$}\xffmd\x08\0\0\0dmdod\n"
	                         "dm[g$d[g[g[g[gg[g";
	static const size_t reads[] = {16, 16, 1, 1};
	char buf[16];
	struct line_reader r = {0};
	const char *line, *p = in;
	size_t len, avail, i;
	int reports = 0;

	(void)state;
	line_reader_attach(&r, buf, sizeof(buf));
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		char *dst = line_reader_space(&r, &avail);

		assert_true(reads[i] <= avail);
		memcpy(dst, p, reads[i]);
		line_reader_commit(&r, reads[i]);
		p += reads[i];
	}
	assert_int_equal(p - in, sizeof(in) - 1);
	for (;;) {
		enum line_status st = line_reader_next(&r, &line, &len);

		if (st == LINE_NONE)
			break;
		assert_int_equal(st, LINE_TOO_LONG);
		reports++;
	}
	assert_int_equal(reports, 2);
	line_reader_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_model_matches_table),
	    cmocka_unit_test(test_small_all_splits),
	    cmocka_unit_test(test_big_all_splits),
	    cmocka_unit_test(test_zeroed_is_detached),
	    cmocka_unit_test(test_lines_borrowed_until_space),
	    cmocka_unit_test(test_compacts_only_when_needed),
	    cmocka_unit_test(test_scanned_not_rescanned),
	    cmocka_unit_test(test_space_without_next),
	    cmocka_unit_test(test_discarding_survives_detach),
	    cmocka_unit_test(test_report_survives_detach),
	    cmocka_unit_test(test_two_reports_owed),
	    cmocka_unit_test(test_space_full_of_lines),
	    cmocka_unit_test(test_fuzz_two_reports),
	};

	return cmocka_run_group_tests_name("line", tests, NULL, NULL);
}

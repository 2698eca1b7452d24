/* test_event.c: server line encoding (extended and base) and decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "event.h"

/* A string literal and its length, which may count embedded NULs. */
#define L(s) s, sizeof(s) - 1
/* A slice of a string literal. */
#define S(s)                                                                   \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}

static int
slice_equal(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static void
assert_slice(struct slice s, const char *want, const char *what)
{
	size_t len = want ? strlen(want) : 0;

	if (s.len != len || (len > 0 && memcmp(s.p, want, len) != 0))
		fail_msg("%s: got \"%.*s\", want \"%s\"", what, (int)s.len,
		    s.p ? s.p : "", want ? want : "");
}

static void
assert_event_equal(const struct event *a, const struct event *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_true(slice_equal(a->chan, b->chan));
	assert_true(slice_equal(a->name, b->name));
	assert_true(slice_equal(a->peer, b->peer));
	assert_true(slice_equal(a->text, b->text));
	assert_true(slice_equal(a->verb, b->verb));
	assert_true(a->seq == b->seq);
	assert_true(a->time == b->time);
	assert_true(a->count == b->count);
	assert_true(a->text_max == b->text_max);
	assert_true(a->name_max == b->name_max);
	assert_int_equal(a->chan_kind, b->chan_kind);
	assert_int_equal(a->code, b->code);
	assert_int_equal(a->dir, b->dir);
	assert_int_equal(a->more, b->more);
	assert_true(a->dms == b->dms);
	assert_true(a->markers == b->markers);
}

/*
 * One event of each kind, with its extended and base lines (NULL for no
 * base form).  Members a kind does not use stay zero, as decoding leaves
 * them.
 */
static const struct sample {
	struct event ev;
	const char *wire;
	const char *base;
} samples[] = {
    {{.kind = EV_HELLO,
         .count = 1,
         .text_max = 3072,
         .name_max = 32,
         .text = S("txt-chatd 0.1 $x")},
        "hello$1$3072$32$txt-chatd 0.1 $x\n", NULL},
    {{.kind = EV_REGISTERED, .chan = S("127.0.0.1:39698"), .name = S("alice")},
        "registered$127.0.0.1:39698$alice\n", "127.0.0.1:39698\n"},
    {{.kind = EV_CREATED,
         .chan = S("V1StGXR8_Z5jdHi6B-myT"),
         .name = S("#room")},
        "created$V1StGXR8_Z5jdHi6B-myT$#room\n", "V1StGXR8_Z5jdHi6B-myT\n"},
    {{.kind = EV_JOINED,
         .chan = S("c1"),
         .chan_kind = EV_CHAN_PERSONAL,
         .count = 2,
         .name = S("alice")},
        "joined$c1$personal$2$alice\n", "$$joined: c1\n"},
    {{.kind = EV_NAMES, .chan = S("c1"), .text = S("alice bob")},
        "names$c1$alice bob\n", NULL},
    {{.kind = EV_NAMES_END, .chan = S("c1"), .count = 2}, "names_end$c1$2\n",
        NULL},
    {{.kind = EV_MSG,
         .chan = S("c1"),
         .seq = 42,
         .time = 1700000000123,
         .name = S("bob"),
         .text = S("price is $5 $$joined: x")},
        "msg$c1$42$1700000000123$bob$price is $5 $$joined: x\n",
        "bob: price is $5 $$joined: x\n"},
    {{.kind = EV_ACT, .chan = S("c1"), .name = S("bob"), .text = S("waves")},
        "act$c1$0$0$bob$waves\n", "* bob waves\n"},
    {{.kind = EV_HISTORY_END, .chan = S("c1"), .count = UINT64_MAX},
        "history_end$c1$18446744073709551615\n", NULL},
    {{.kind = EV_JOIN, .chan = S("c1"), .time = 5, .name = S("carol")},
        "join$c1$5$carol\n", "$$joined: c1\n"},
    {{.kind = EV_PART, .chan = S("c1"), .time = 6, .name = S("carol")},
        "part$c1$6$carol\n", NULL},
    {{.kind = EV_LEFT, .chan = S("c1")}, "left$c1\n", NULL},
    {{.kind = EV_CLOSED, .chan = S("c1"), .text = S("owner left")},
        "closed$c1$owner left\n", NULL},
    {{.kind = EV_QUIT, .time = 7, .name = S("carol"), .text = S("bye $")},
        "quit$7$carol$bye $\n", NULL},
    {{.kind = EV_QUIT, .time = 7, .name = S("carol")}, "quit$7$carol$\n", NULL},
    {{.kind = EV_NICK, .time = 8, .name = S("carol"), .peer = S("caro")},
        "nick$8$carol$caro\n", NULL},
    {{.kind = EV_DM,
         .time = 9,
         .name = S("alice"),
         .peer = S("bob"),
         .text = S("\xe6\x97\xa5 \xf0\x9f\x98\x80")},
        "dm$9$alice$bob$\xe6\x97\xa5 \xf0\x9f\x98\x80\n",
        "[dm] alice: \xe6\x97\xa5 \xf0\x9f\x98\x80\n"},
    {{.kind = EV_DM_ACT,
         .time = 10,
         .name = S("alice"),
         .peer = S("bob"),
         .text = S("winks")},
        "dm_act$10$alice$bob$winks\n", "[dm] * alice winks\n"},
    {{.kind = EV_LIST,
         .chan = S("c1"),
         .chan_kind = EV_CHAN_CHANNEL,
         .count = 3,
         .name = S("#room")},
        "list$c1$channel$3$#room\n", NULL},
    {{.kind = EV_LIST_END, .count = 1}, "list_end$1\n", NULL},
    {{.kind = EV_PING, .text = S("tok")}, "ping$tok\n", NULL},
    {{.kind = EV_PONG, .text = S("tok")}, "pong$tok\n", "$$pong: tok\n"},
    {{.kind = EV_ERROR,
         .code = PROTO_E_NO_SUCH_CHANNEL,
         .verb = S("join"),
         .text = S("no such channel")},
        "error$no_such_channel$join$no such channel\n",
        "$$error: no_such_channel: no such channel\n"},
    {{.kind = EV_ERROR,
         .code = PROTO_E_SHUTDOWN,
         .verb = S("*"),
         .text = S("a $ b")},
        "error$shutdown$*$a $ b\n", "$$error: shutdown: a $ b\n"},
    {{.kind = EV_HISTORY_PAGE,
         .chan = S("c1"),
         .dir = CMD_DIR_BEFORE,
         .count = 50},
        "history_page$c1$before$50\n", NULL},
    {{.kind = EV_HISTORY_PAGE, .chan = S("c1"), .dir = CMD_DIR_LATEST},
        "history_page$c1$latest$0\n", NULL},
    {{.kind = EV_HISTORY_PAGE_END, .chan = S("c1"), .count = 50, .more = 1},
        "history_page_end$c1$50$more\n", NULL},
    {{.kind = EV_HISTORY_PAGE_END, .chan = S("c1")},
        "history_page_end$c1$0$end\n", NULL},
    {{.kind = EV_ACCOUNT, .name = S("alice"), .text = S("logged_in")},
        "account$alice$logged_in\n", NULL},
    {{.kind = EV_MARKER, .chan = S("c1"), .seq = 42}, "marker$c1$42\n", NULL},
    {{.kind = EV_LOGIN_END, .count = 3, .dms = 2, .markers = 1},
        "login_end$3$2$1\n", NULL},
    {{.kind = EV_TOPIC,
         .chan = S("c1"),
         .time = 11,
         .name = S("bob"),
         .text = S("a $5 topic")},
        "topic$c1$11$bob$a $5 topic\n", NULL},
    {{.kind = EV_TOPIC, .chan = S("c1"), .time = 12, .name = S("bob")},
        "topic$c1$12$bob$\n", NULL},
    {{.kind = EV_AWAY, .name = S("bob"), .text = S("at lunch")},
        "away$bob$at lunch\n", NULL},
    {{.kind = EV_AWAY, .name = S("bob")}, "away$bob$\n", NULL},
    {{.kind = EV_KICK,
         .chan = S("c1"),
         .time = 13,
         .name = S("alice"),
         .peer = S("bob"),
         .text = S("spam $")},
        "kick$c1$13$alice$bob$spam $\n", NULL},
    {{.kind = EV_CHAN_KEY, .chan = S("c1"), .text = S("s3$cret")},
        "chan_key$c1$s3$cret\n", NULL},
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static void
test_encode_and_round_trip(void **state)
{
	char buf[PROTO_LINE_MAX];
	struct event out;
	size_t i, n;
	int seen[EV_COUNT] = {0};

	for (i = 0; i < NSAMPLES; i++) {
		n = event_encode(buf, sizeof(buf), &samples[i].ev);
		if (n != strlen(samples[i].wire) ||
		    memcmp(buf, samples[i].wire, n) != 0)
			fail_msg("want \"%s\", got \"%.*s\"", samples[i].wire,
			    (int)n, buf);
		assert_int_equal(event_decode(buf, n - 1, &out), PROTO_E_NONE);
		assert_event_equal(&out, &samples[i].ev);
		seen[samples[i].ev.kind] = 1;
	}
	for (i = 0; i < EV_COUNT; i++)
		if (!seen[i])
			fail_msg("no round trip for %s",
			    event_kind_name((enum event_kind)i));
}

static void
test_encode_base(void **state)
{
	char buf[PROTO_LINE_MAX];
	size_t i, n;

	for (i = 0; i < NSAMPLES; i++) {
		n = event_encode_base(buf, sizeof(buf), &samples[i].ev);
		if (samples[i].base == NULL) {
			if (n != 0)
				fail_msg("%s has no base form, got \"%.*s\"",
				    event_kind_name(samples[i].ev.kind), (int)n,
				    buf);
			continue;
		}
		if (n != strlen(samples[i].base) ||
		    memcmp(buf, samples[i].base, n) != 0)
			fail_msg("want \"%s\", got \"%.*s\"", samples[i].base,
			    (int)n, buf);
	}
}

/* Every size short of the line fails, the exact size and more succeed. */
static void
test_encode_size(void **state)
{
	size_t i, size, want, want_base;
	char *buf;

	for (i = 0; i < NSAMPLES; i++) {
		want = strlen(samples[i].wire);
		want_base = samples[i].base ? strlen(samples[i].base) : 0;
		for (size = 0; size <= want || size <= want_base; size++) {
			/* Exactly size bytes, so an overrun trips ASan. */
			buf = malloc(size > 0 ? size : 1);
			assert_non_null(buf);
			assert_int_equal(
			    event_encode(buf, size, &samples[i].ev),
			    size >= want ? want : 0);
			assert_int_equal(
			    event_encode_base(buf, size, &samples[i].ev),
			    size >= want_base ? want_base : 0);
			free(buf);
		}
	}
}

static void
test_encode_bad_kind(void **state)
{
	struct event ev = {.kind = EV_COUNT, .chan = S("c")};
	char buf[64];

	assert_int_equal(event_encode(buf, sizeof(buf), &ev), 0);
	assert_int_equal(event_encode_base(buf, sizeof(buf), &ev), 0);
	ev.kind = (enum event_kind) - 1;
	assert_int_equal(event_encode(buf, sizeof(buf), &ev), 0);
	assert_int_equal(event_encode_base(buf, sizeof(buf), &ev), 0);
}

static const struct dcase {
	const char *line;
	size_t len;
	enum proto_code code;
	enum event_kind kind;
} decode_errors[] = {
    /* Unknown kinds. */
    {L(""), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    {L("$"), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    {L("foo"), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    {L("foo$x"), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    {L("MSG$c$1$2$n$t"), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    {L("$msg$c$1$2$n$t"), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    {L("msg $c$1$2$n$t"), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    {L("names_en$c$1"), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    {L("hello bob"), PROTO_E_UNKNOWN_COMMAND, EV_COUNT},
    /* Missing fields. */
    {L("left"), PROTO_E_BAD_ARGS, EV_LEFT},
    {L("ping"), PROTO_E_BAD_ARGS, EV_PING},
    {L("registered$u"), PROTO_E_BAD_ARGS, EV_REGISTERED},
    {L("hello$1$3072$32"), PROTO_E_BAD_ARGS, EV_HELLO},
    {L("msg$c1$1$2$bob"), PROTO_E_BAD_ARGS, EV_MSG},
    {L("msg$c1$1$2"), PROTO_E_BAD_ARGS, EV_MSG},
    {L("msg"), PROTO_E_BAD_ARGS, EV_MSG},
    {L("joined$c$channel$2"), PROTO_E_BAD_ARGS, EV_JOINED},
    {L("dm$9$alice$bob"), PROTO_E_BAD_ARGS, EV_DM},
    {L("error$bad_args$*"), PROTO_E_BAD_ARGS, EV_ERROR},
    {L("error$bad_args"), PROTO_E_BAD_ARGS, EV_ERROR},
    {L("msg$$1$1$evil$no-channel"), PROTO_E_BAD_ARGS, EV_MSG},
    {L("part$c$1$"), PROTO_E_BAD_ARGS, EV_PART},
    {L("nick$1$old$"), PROTO_E_BAD_ARGS, EV_NICK},
    {L("joined$c$channel$2$"), PROTO_E_BAD_ARGS, EV_JOINED},
    {L("left$"), PROTO_E_BAD_ARGS, EV_LEFT},
    {L("list_end"), PROTO_E_BAD_ARGS, EV_LIST_END},
    /* Malformed numbers. */
    {L("list_end$"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$+1"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$-1"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$ 1"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$1 "), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$1a"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$0x10"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$1$"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$18446744073709551616"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$99999999999999999999"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$000000000000000000001"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("list_end$184467440737095516150"), PROTO_E_BAD_ARGS, EV_LIST_END},
    {L("msg$c1$x$2$bob$hi"), PROTO_E_BAD_ARGS, EV_MSG},
    {L("msg$c1$1$$bob$hi"), PROTO_E_BAD_ARGS, EV_MSG},
    {L("hello$1$3072$3 2$sw"), PROTO_E_BAD_ARGS, EV_HELLO},
    {L("hello$1$-5$32$sw"), PROTO_E_BAD_ARGS, EV_HELLO},
    {L("quit$$carol$bye"), PROTO_E_BAD_ARGS, EV_QUIT},
    {L("nick$\xd9\xa1$a$b"), PROTO_E_BAD_ARGS, EV_NICK},
    /* Malformed channel kinds. */
    {L("joined$c$group$1$n"), PROTO_E_BAD_ARGS, EV_JOINED},
    {L("joined$c$$1$n"), PROTO_E_BAD_ARGS, EV_JOINED},
    {L("joined$c$Channel$1$n"), PROTO_E_BAD_ARGS, EV_JOINED},
    {L("list$c$channels$1$n"), PROTO_E_BAD_ARGS, EV_LIST},
    {L("list$c$person$1$n"), PROTO_E_BAD_ARGS, EV_LIST},
};

static void
test_decode_errors(void **state)
{
	const struct dcase *c;
	struct event out;
	enum proto_code got;
	size_t i;

	for (i = 0; i < sizeof(decode_errors) / sizeof(decode_errors[0]); i++) {
		c = &decode_errors[i];
		got = event_decode(c->line, c->len, &out);
		if (got != c->code || out.kind != c->kind)
			fail_msg("\"%.*s\": got %s/%d, want %s/%d", (int)c->len,
			    c->line, proto_code_name(got), (int)out.kind,
			    proto_code_name(c->code), (int)c->kind);
	}
}

static void
test_decode_numbers(void **state)
{
	static const struct {
		const char *line;
		uint64_t want;
	} cases[] = {
	    {"list_end$0", 0},
	    {"list_end$7", 7},
	    {"list_end$007", 7},
	    {"list_end$00000000000000000001", 1},
	    {"list_end$9999999999999999999", 9999999999999999999u},
	    {"list_end$10000000000000000000", 10000000000000000000u},
	    {"list_end$18446744073709551614", UINT64_MAX - 1},
	    {"list_end$18446744073709551615", UINT64_MAX},
	};
	char buf[64];
	struct event out, ev = {.kind = EV_LIST_END};
	size_t i, n;
	uint64_t v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    event_decode(cases[i].line, strlen(cases[i].line), &out),
		    PROTO_E_NONE);
		assert_true(out.count == cases[i].want);
	}
	/* Every width from 1 to 20 digits encodes and decodes back. */
	for (i = 1, v = 9; i <= PROTO_NUM_MAX; i++) {
		ev.count = i == PROTO_NUM_MAX ? UINT64_MAX : v;
		n = event_encode(buf, sizeof(buf), &ev);
		assert_int_equal(n, strlen("list_end$") + i + 1);
		assert_int_equal(event_decode(buf, n - 1, &out), PROTO_E_NONE);
		assert_true(out.count == ev.count);
		if (i + 1 < PROTO_NUM_MAX)
			v = v * 10 + 9;
	}
}

/*
 * Decoding checks the count of fields and that ids and names are not
 * empty, not their bytes.
 */
static void
test_decode_lenient_strings(void **state)
{
	struct event out;

	assert_int_equal(event_decode(L("msg$c$1$2$b$"), &out), PROTO_E_NONE);
	assert_slice(out.chan, "c", "chan");
	assert_slice(out.name, "b", "name");
	assert_slice(out.text, "", "text");

	assert_int_equal(event_decode(L("msg$c$1$2$bob$\xff\x1b[2J\r\0"), &out),
	    PROTO_E_NONE);
	assert_int_equal(out.text.len, 7);
	assert_memory_equal(out.text.p, "\xff\x1b[2J\r\0", 7);

	/* The last field takes the rest of the line. */
	assert_int_equal(event_decode(L("left$a$b"), &out), PROTO_E_NONE);
	assert_slice(out.chan, "a$b", "chan");
	assert_int_equal(
	    event_decode(L("nick$1$old$new$x"), &out), PROTO_E_NONE);
	assert_slice(out.name, "old", "name");
	assert_slice(out.peer, "new$x", "peer");
	assert_int_equal(
	    event_decode(L("msg$c$1$2$bob$a$b$"), &out), PROTO_E_NONE);
	assert_slice(out.text, "a$b$", "text");
}

/* A history reply's direction and flag are words, and nothing else. */
/*
 * hello's page maximum: a last field after the software, which an older
 * decoder keeps in the text; without it (an older server) it reads as 0.
 */
static void
test_hello_page_max(void **state)
{
	struct event ev, out;
	char buf[256];
	size_t n;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_HELLO;
	ev.count = 1;
	ev.text_max = 3072;
	ev.name_max = 32;
	ev.page_max = 200;
	ev.text.p = "txt-chatd 1.0";
	ev.text.len = strlen(ev.text.p);
	n = event_encode(buf, sizeof(buf), &ev);
	assert_int_equal(n, strlen("hello$1$3072$32$txt-chatd 1.0$200\n"));
	assert_memory_equal(buf, "hello$1$3072$32$txt-chatd 1.0$200\n", n);
	assert_int_equal(event_decode(buf, n - 1, &out), PROTO_E_NONE);
	assert_true(out.page_max == 200);
	assert_true(out.text_max == 3072);
	assert_int_equal(out.text.len, strlen("txt-chatd 1.0"));
	assert_memory_equal(out.text.p, "txt-chatd 1.0", out.text.len);

	assert_int_equal(event_decode(L("hello$1$3072$32$txt-chatd 0.9"), &out),
	    PROTO_E_NONE);
	assert_true(out.page_max == 0);
	assert_int_equal(out.text.len, strlen("txt-chatd 0.9"));
	/* Not a number after the last '$': all of it is the software. */
	assert_int_equal(
	    event_decode(L("hello$1$3072$32$a$b"), &out), PROTO_E_NONE);
	assert_true(out.page_max == 0);
	assert_int_equal(out.text.len, 3);
	/* Nor after a second '$': the software would re-encode split. */
	assert_int_equal(
	    event_decode(L("hello$1$3072$32$a$b$5"), &out), PROTO_E_NONE);
	assert_true(out.page_max == 0);
	assert_int_equal(out.text.len, 5);
	/* Unset, nothing is added: the line an older server sends. */
	ev.page_max = 0;
	n = event_encode(buf, sizeof(buf), &ev);
	assert_memory_equal(buf, "hello$1$3072$32$txt-chatd 1.0\n", n);
}

static void
test_decode_history_page(void **state)
{
	static const char *const bad[] = {
	    "history_page$c$around$1",
	    "history_page$c$before$",
	    "history_page$c$before$x",
	    "history_page$c$before",
	    "history_page$$after$1",
	    "history_page_end$c$1$More",
	    "history_page_end$c$1$ends",
	    "history_page_end$c$1$",
	    "history_page_end$c$1",
	    "history_page_end$c$$end",
	    "history_page_end$c$1$more$",
	};
	struct event out;
	size_t i;

	(void)state;
	assert_int_equal(
	    event_decode(L("history_page$c$after$3"), &out), PROTO_E_NONE);
	assert_int_equal(out.dir, CMD_DIR_AFTER);
	assert_true(out.count == 3);
	assert_int_equal(
	    event_decode(L("history_page_end$c$3$end"), &out), PROTO_E_NONE);
	assert_int_equal(out.more, 0);
	assert_int_equal(
	    event_decode(L("history_page_end$c$3$more"), &out), PROTO_E_NONE);
	assert_int_equal(out.more, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (event_decode(bad[i], strlen(bad[i]), &out) !=
		    PROTO_E_BAD_ARGS)
			fail_msg("%s: want bad_args", bad[i]);
}

static void
test_decode_error_codes(void **state)
{
	struct event out;

	assert_int_equal(
	    event_decode(L("error$name_taken$reg$taken"), &out), PROTO_E_NONE);
	assert_int_equal(out.code, PROTO_E_NAME_TAKEN);
	assert_slice(out.verb, "reg", "verb");
	assert_slice(out.text, "taken", "text");

	/* A code from a newer server is not an error: it reads as none. */
	assert_int_equal(
	    event_decode(L("error$brand_new$*$x"), &out), PROTO_E_NONE);
	assert_int_equal(out.code, PROTO_E_NONE);
	assert_slice(out.verb, "*", "verb");
	assert_slice(out.text, "x", "text");

	assert_int_equal(event_decode(L("error$$$"), &out), PROTO_E_NONE);
	assert_int_equal(out.code, PROTO_E_NONE);
	assert_slice(out.verb, "", "verb");
	assert_slice(out.text, "", "text");

	assert_int_equal(
	    event_decode(L("error$BAD_ARGS$x$y"), &out), PROTO_E_NONE);
	assert_int_equal(out.code, PROTO_E_NONE);
}

/* Slices point into the line itself, and only len bytes are read. */
static void
test_decode_borrows(void **state)
{
	const char line[] = "registered$u1$alice$";
	struct event out;

	assert_int_equal(
	    event_decode(line, sizeof(line) - 2, &out), PROTO_E_NONE);
	assert_ptr_equal(out.chan.p, line + 11);
	assert_ptr_equal(out.name.p, line + 14);
	assert_slice(out.name, "alice", "name");
	assert_int_equal(event_decode("list_end$12", 10, &out), PROTO_E_NONE);
	assert_true(out.count == 1);
}

static void
test_names(void **state)
{
	static const char *const want[EV_COUNT] = {"hello", "registered",
	    "created", "joined", "names", "names_end", "msg", "act",
	    "history_end", "join", "part", "left", "closed", "quit", "nick",
	    "dm", "dm_act", "list", "list_end", "ping", "pong", "error",
	    "history_page", "history_page_end", "account", "marker",
	    "login_end", "topic", "away", "kick", "chan_key"};
	int i;

	for (i = 0; i < EV_COUNT; i++)
		assert_string_equal(
		    event_kind_name((enum event_kind)i), want[i]);
	assert_string_equal(event_kind_name(EV_COUNT), "unknown");
	assert_string_equal(event_chan_kind_name(EV_CHAN_CHANNEL), "channel");
	assert_string_equal(event_chan_kind_name(EV_CHAN_PERSONAL), "personal");
	assert_string_equal(
	    event_chan_kind_name((enum event_chan_kind)2), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_and_round_trip),
	    cmocka_unit_test(test_encode_base),
	    cmocka_unit_test(test_encode_size),
	    cmocka_unit_test(test_encode_bad_kind),
	    cmocka_unit_test(test_decode_errors),
	    cmocka_unit_test(test_decode_numbers),
	    cmocka_unit_test(test_decode_lenient_strings),
	    cmocka_unit_test(test_decode_error_codes),
	    cmocka_unit_test(test_decode_history_page),
	    cmocka_unit_test(test_hello_page_max),
	    cmocka_unit_test(test_decode_borrows),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}

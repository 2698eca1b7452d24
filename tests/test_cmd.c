/* test_cmd.c: client command decoding and encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* A string literal and its length, which may count embedded NULs. */
#define L(s) s, sizeof(s) - 1

static void
assert_slice(struct slice s, const char *want, const char *what)
{
	size_t len = want ? strlen(want) : 0;

	if (s.len != len || (len > 0 && memcmp(s.p, want, len) != 0))
		fail_msg("%s: got \"%.*s\", want \"%s\"", what, (int)s.len,
		    s.p ? s.p : "", want ? want : "");
}

/* Fields are only compared on success; NULL means empty. */
static const struct dcase {
	const char *line;
	size_t len;
	enum proto_code code;
	enum cmd_verb verb;
	const char *uid, *arg, *text;
} decode_cases[] = {
    /* Each verb, well formed. */
    {L("hello$1"), PROTO_E_NONE, CMD_HELLO, NULL, "1", NULL},
    {L("hello$123456789"), PROTO_E_NONE, CMD_HELLO, NULL, "123456789", NULL},
    {L("reg$alice"), PROTO_E_NONE, CMD_REG, NULL, "alice", NULL},
    {L("create_chan$1.2.3.4:5$#room"), PROTO_E_NONE, CMD_CREATE_CHAN,
        "1.2.3.4:5", "#room", NULL},
    {L("join$u$c"), PROTO_E_NONE, CMD_JOIN, "u", "c", NULL},
    {L("join$[::1]:4000$V1StGXR8_Z5jdHi6B-myT"), PROTO_E_NONE, CMD_JOIN,
        "[::1]:4000", "V1StGXR8_Z5jdHi6B-myT", NULL},
    {L("leave$u$c"), PROTO_E_NONE, CMD_LEAVE, "u", "c", NULL},
    {L("send_msg$u$c$hi"), PROTO_E_NONE, CMD_SEND_MSG, "u", "c", "hi"},
    {L("send_act$u$c$waves"), PROTO_E_NONE, CMD_SEND_ACT, "u", "c", "waves"},
    {L("dm$u$bob$psst"), PROTO_E_NONE, CMD_DM, "u", "bob", "psst"},
    {L("dm_act$u$bob$nods"), PROTO_E_NONE, CMD_DM_ACT, "u", "bob", "nods"},
    {L("nick$u$carol"), PROTO_E_NONE, CMD_NICK, "u", "carol", NULL},
    {L("list$u"), PROTO_E_NONE, CMD_LIST, "u", NULL, NULL},
    {L("names$u$c"), PROTO_E_NONE, CMD_NAMES, "u", "c", NULL},
    {L("ping$tok"), PROTO_E_NONE, CMD_PING, NULL, "tok", NULL},
    {L("pong$tok"), PROTO_E_NONE, CMD_PONG, NULL, "tok", NULL},
    {L("quit"), PROTO_E_NONE, CMD_QUIT, NULL, NULL, NULL},
    {L("quit$"), PROTO_E_NONE, CMD_QUIT, NULL, NULL, NULL},
    {L("quit$bye now"), PROTO_E_NONE, CMD_QUIT, NULL, NULL, "bye now"},
    /* The last field takes the rest of the line, '$' and all. */
    {L("send_msg$u$c$price is $5 $$joined: x"), PROTO_E_NONE, CMD_SEND_MSG, "u",
        "c", "price is $5 $$joined: x"},
    {L("send_msg$u$c$$"), PROTO_E_NONE, CMD_SEND_MSG, "u", "c", "$"},
    {L("send_msg$u$c$a$"), PROTO_E_NONE, CMD_SEND_MSG, "u", "c", "a$"},
    {L("dm$u$bob$$$"), PROTO_E_NONE, CMD_DM, "u", "bob", "$$"},
    {L("quit$a$b"), PROTO_E_NONE, CMD_QUIT, NULL, NULL, "a$b"},
    {L("list$uid$x"), PROTO_E_NONE, CMD_LIST, "uid$x", NULL, NULL},
    /* No channel name holds '$': a third field is a key. */
    {L("join$u$c$x"), PROTO_E_NONE, CMD_JOIN, "u", "c", "x"},
    {L("join$u$c$k$y"), PROTO_E_NONE, CMD_JOIN, "u", "c", "k$y"},
    {L("join$u$c$ k"), PROTO_E_BAD_KEY, CMD_JOIN, "u", "c", " k"},
    {L("ping$a$b"), PROTO_E_NONE, CMD_PING, NULL, "a$b", NULL},
    /* Multi-byte text. */
    {L("send_msg$u$c$\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80"),
        PROTO_E_NONE, CMD_SEND_MSG, "u", "c",
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80"},
    /* Unknown verbs, including the empty line and near misses. */
    {L(""), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("$"), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("$reg$alice"), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("foo"), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("REG$alice"), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("reg $alice"), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("re$alice"), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("regs$alice"), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("quit "), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    {L("send"), PROTO_E_UNKNOWN_COMMAND, CMD_COUNT, NULL, NULL, NULL},
    /* Bad bytes anywhere come first, and name no verb. */
    {L("send_msg$u$c$a\rb"), PROTO_E_BAD_CHAR, CMD_COUNT, NULL, NULL, NULL},
    {L("send_msg$u$c$a\0b"), PROTO_E_BAD_CHAR, CMD_COUNT, NULL, NULL, NULL},
    {L("reg$alice\r"), PROTO_E_BAD_CHAR, CMD_COUNT, NULL, NULL, NULL},
    {L("send_msg$u$c$\x1b[2J"), PROTO_E_BAD_CHAR, CMD_COUNT, NULL, NULL, NULL},
    {L("send_msg$u$c$\xe2\x80\xae"), PROTO_E_BAD_CHAR, CMD_COUNT, NULL, NULL,
        NULL},
    {L("send_msg$u$c$\xff"), PROTO_E_BAD_UTF8, CMD_COUNT, NULL, NULL, NULL},
    {L("foo$\xc0\xaf"), PROTO_E_BAD_UTF8, CMD_COUNT, NULL, NULL, NULL},
    {L("\x80"), PROTO_E_BAD_UTF8, CMD_COUNT, NULL, NULL, NULL},
    /* Missing fields. */
    {L("hello"), PROTO_E_BAD_ARGS, CMD_HELLO, NULL, NULL, NULL},
    {L("reg"), PROTO_E_BAD_ARGS, CMD_REG, NULL, NULL, NULL},
    {L("create_chan$u"), PROTO_E_BAD_ARGS, CMD_CREATE_CHAN, NULL, NULL, NULL},
    {L("join"), PROTO_E_BAD_ARGS, CMD_JOIN, NULL, NULL, NULL},
    {L("join$u"), PROTO_E_BAD_ARGS, CMD_JOIN, NULL, NULL, NULL},
    {L("leave$u"), PROTO_E_BAD_ARGS, CMD_LEAVE, NULL, NULL, NULL},
    {L("send_msg$u$c"), PROTO_E_BAD_ARGS, CMD_SEND_MSG, NULL, NULL, NULL},
    {L("send_msg$u"), PROTO_E_BAD_ARGS, CMD_SEND_MSG, NULL, NULL, NULL},
    {L("send_msg"), PROTO_E_BAD_ARGS, CMD_SEND_MSG, NULL, NULL, NULL},
    {L("send_act$u$c"), PROTO_E_BAD_ARGS, CMD_SEND_ACT, NULL, NULL, NULL},
    {L("dm$u$bob"), PROTO_E_BAD_ARGS, CMD_DM, NULL, NULL, NULL},
    {L("dm_act$u"), PROTO_E_BAD_ARGS, CMD_DM_ACT, NULL, NULL, NULL},
    {L("nick$u"), PROTO_E_BAD_ARGS, CMD_NICK, NULL, NULL, NULL},
    {L("list"), PROTO_E_BAD_ARGS, CMD_LIST, NULL, NULL, NULL},
    {L("names$u"), PROTO_E_BAD_ARGS, CMD_NAMES, NULL, NULL, NULL},
    {L("ping"), PROTO_E_BAD_ARGS, CMD_PING, NULL, NULL, NULL},
    {L("pong"), PROTO_E_BAD_ARGS, CMD_PONG, NULL, NULL, NULL},
    /* Empty uid or arg fields. */
    {L("hello$"), PROTO_E_BAD_ARGS, CMD_HELLO, NULL, NULL, NULL},
    {L("reg$"), PROTO_E_BAD_ARGS, CMD_REG, NULL, NULL, NULL},
    {L("create_chan$$room"), PROTO_E_BAD_ARGS, CMD_CREATE_CHAN, NULL, NULL,
        NULL},
    {L("create_chan$u$"), PROTO_E_BAD_ARGS, CMD_CREATE_CHAN, NULL, NULL, NULL},
    {L("join$$c"), PROTO_E_BAD_ARGS, CMD_JOIN, NULL, NULL, NULL},
    {L("join$u$"), PROTO_E_BAD_ARGS, CMD_JOIN, NULL, NULL, NULL},
    {L("join$$"), PROTO_E_BAD_ARGS, CMD_JOIN, NULL, NULL, NULL},
    {L("leave$u$"), PROTO_E_BAD_ARGS, CMD_LEAVE, NULL, NULL, NULL},
    {L("send_msg$$c$hi"), PROTO_E_BAD_ARGS, CMD_SEND_MSG, NULL, NULL, NULL},
    {L("send_msg$u$$hi"), PROTO_E_BAD_ARGS, CMD_SEND_MSG, NULL, NULL, NULL},
    {L("dm$u$$hi"), PROTO_E_BAD_ARGS, CMD_DM, NULL, NULL, NULL},
    {L("nick$$carol"), PROTO_E_BAD_ARGS, CMD_NICK, NULL, NULL, NULL},
    {L("list$"), PROTO_E_BAD_ARGS, CMD_LIST, NULL, NULL, NULL},
    {L("names$u$"), PROTO_E_BAD_ARGS, CMD_NAMES, NULL, NULL, NULL},
    {L("ping$"), PROTO_E_BAD_ARGS, CMD_PING, NULL, NULL, NULL},
    {L("pong$"), PROTO_E_BAD_ARGS, CMD_PONG, NULL, NULL, NULL},
    /* A missing or empty field is reported before a bad one. */
    {L("dm$$bad name$"), PROTO_E_BAD_ARGS, CMD_DM, NULL, NULL, NULL},
    /* Field rules; the error names the verb. */
    {L("hello$x"), PROTO_E_BAD_VERSION, CMD_HELLO, NULL, NULL, NULL},
    {L("hello$-1"), PROTO_E_BAD_VERSION, CMD_HELLO, NULL, NULL, NULL},
    {L("hello$+1"), PROTO_E_BAD_VERSION, CMD_HELLO, NULL, NULL, NULL},
    {L("hello$1 "), PROTO_E_BAD_VERSION, CMD_HELLO, NULL, NULL, NULL},
    {L("hello$1$"), PROTO_E_BAD_VERSION, CMD_HELLO, NULL, NULL, NULL},
    {L("hello$1234567890"), PROTO_E_BAD_VERSION, CMD_HELLO, NULL, NULL, NULL},
    {L("reg$.alice"), PROTO_E_BAD_NAME, CMD_REG, NULL, NULL, NULL},
    {L("reg$al ice"), PROTO_E_BAD_NAME, CMD_REG, NULL, NULL, NULL},
    {L("reg$alice$x"), PROTO_E_BAD_NAME, CMD_REG, NULL, NULL, NULL},
    {L("reg$#alice"), PROTO_E_BAD_NAME, CMD_REG, NULL, NULL, NULL},
    {L("nick$u$-x"), PROTO_E_BAD_NAME, CMD_NICK, NULL, NULL, NULL},
    {L("dm$u$b b$hi"), PROTO_E_BAD_NAME, CMD_DM, NULL, NULL, NULL},
    {L("dm_act$u$#c$hi"), PROTO_E_BAD_NAME, CMD_DM_ACT, NULL, NULL, NULL},
    {L("create_chan$u$a room"), PROTO_E_BAD_CHANNEL_NAME, CMD_CREATE_CHAN, NULL,
        NULL, NULL},
    {L("create_chan$u$.room"), PROTO_E_BAD_CHANNEL_NAME, CMD_CREATE_CHAN, NULL,
        NULL, NULL},
    {L("send_msg$u$c$"), PROTO_E_BAD_TEXT, CMD_SEND_MSG, NULL, NULL, NULL},
    {L("send_act$u$c$"), PROTO_E_BAD_TEXT, CMD_SEND_ACT, NULL, NULL, NULL},
    {L("dm$u$bob$"), PROTO_E_BAD_TEXT, CMD_DM, NULL, NULL, NULL},
    {L("dm_act$u$bob$"), PROTO_E_BAD_TEXT, CMD_DM_ACT, NULL, NULL, NULL},
    {L("ping$a b"), PROTO_E_BAD_TOKEN, CMD_PING, NULL, NULL, NULL},
    {L("pong$\xc3\xa9"), PROTO_E_BAD_TOKEN, CMD_PONG, NULL, NULL, NULL},
    /* Only non-empty is asked of uids and channels: the server looks. */
    {L("join$not a uid$not a chan"), PROTO_E_NONE, CMD_JOIN, "not a uid",
        "not a chan", NULL},
    {L("send_msg$u$#x y$hi"), PROTO_E_NONE, CMD_SEND_MSG, "u", "#x y", "hi"},
};

static void
test_decode_table(void **state)
{
	const struct dcase *c;
	struct cmd out;
	enum proto_code got;
	size_t i;

	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		c = &decode_cases[i];
		got = cmd_decode(c->line, c->len, &out);
		if (got != c->code || out.verb != c->verb)
			fail_msg("\"%.*s\": got %s/%s, want %s/%s", (int)c->len,
			    c->line, proto_code_name(got),
			    cmd_verb_name(out.verb), proto_code_name(c->code),
			    cmd_verb_name(c->verb));
		if (got != PROTO_E_NONE)
			continue;
		assert_slice(out.uid, c->uid, "uid");
		assert_slice(out.arg, c->arg, "arg");
		assert_slice(out.text, c->text, "text");
	}
}

/* Slices point into the line itself, not into a copy. */
static void
test_decode_borrows(void **state)
{
	const char line[] = "send_msg$u$c$hi";
	struct cmd out;

	assert_int_equal(
	    cmd_decode(line, sizeof(line) - 1, &out), PROTO_E_NONE);
	assert_ptr_equal(out.uid.p, line + 9);
	assert_ptr_equal(out.arg.p, line + 11);
	assert_ptr_equal(out.text.p, line + 13);
}

/* Only len bytes are decoded, whatever follows them in memory. */
static void
test_decode_respects_len(void **state)
{
	struct cmd out;

	assert_int_equal(cmd_decode("reg$alice\xff", 9, &out), PROTO_E_NONE);
	assert_slice(out.arg, "alice", "arg");
	assert_int_equal(cmd_decode("quit$bye", 4, &out), PROTO_E_NONE);
	assert_int_equal(out.text.len, 0);
	assert_int_equal(cmd_decode("join$u$c", 6, &out), PROTO_E_BAD_ARGS);
}

/* Builds prefix, n fill bytes, suffix in a heap buffer of exactly that. */
static char *
make_line(
    const char *prefix, char fill, size_t n, const char *suffix, size_t *len)
{
	size_t plen = strlen(prefix), slen = strlen(suffix);
	char *s = malloc(plen + n + slen);

	assert_non_null(s);
	memcpy(s, prefix, plen);
	memset(s + plen, fill, n);
	memcpy(s + plen + n, suffix, slen);
	*len = plen + n + slen;
	return s;
}

static void
test_limits(void **state)
{
	static const struct {
		const char *prefix;
		char fill;
		const char *suffix;
		size_t max;
		enum proto_code over;
	} cases[] = {
	    {"reg$", 'n', "", PROTO_NAME_MAX, PROTO_E_BAD_NAME},
	    {"nick$u$", 'n', "", PROTO_NAME_MAX, PROTO_E_BAD_NAME},
	    {"dm$u$", 'n', "$hi", PROTO_NAME_MAX, PROTO_E_BAD_NAME},
	    {"create_chan$u$", '#', "", PROTO_NAME_MAX,
	        PROTO_E_BAD_CHANNEL_NAME},
	    {"send_msg$u$c$", 't', "", PROTO_TEXT_MAX, PROTO_E_TEXT_TOO_LONG},
	    {"dm$u$bob$", '$', "", PROTO_TEXT_MAX, PROTO_E_TEXT_TOO_LONG},
	    {"ping$", 'k', "", PROTO_TOKEN_MAX, PROTO_E_BAD_TOKEN},
	    {"pong$", 'k', "", PROTO_TOKEN_MAX, PROTO_E_BAD_TOKEN},
	    {"quit$", 'r', "", PROTO_REASON_MAX, PROTO_E_TEXT_TOO_LONG},
	};
	struct cmd out;
	size_t i, n, len;
	enum proto_code want, got;
	char *line;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (n = cases[i].max - 1; n <= cases[i].max + 1; n++) {
			line = make_line(cases[i].prefix, cases[i].fill, n,
			    cases[i].suffix, &len);
			want = n > cases[i].max ? cases[i].over : PROTO_E_NONE;
			got = cmd_decode(line, len, &out);
			free(line);
			if (got != want)
				fail_msg("%s + %zu bytes: got %s, want %s",
				    cases[i].prefix, n, proto_code_name(got),
				    proto_code_name(want));
		}
	}
}

/* One decoded command of each verb, for the round trips. */
static const struct {
	struct cmd c;
	const char *wire;
} samples[] = {
    {{CMD_HELLO, {NULL, 0}, {"1", 1}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "hello$1\n"},
    {{CMD_REG, {NULL, 0}, {"alice", 5}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "reg$alice\n"},
    {{CMD_CREATE_CHAN, {"1.2.3.4:5", 9}, {"#room", 5}, {NULL, 0},
         CMD_DIR_BEFORE, 0, 0, {NULL, 0}},
        "create_chan$1.2.3.4:5$#room\n"},
    {{CMD_JOIN, {"u", 1}, {"chan", 4}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "join$u$chan\n"},
    {{CMD_LEAVE, {"u", 1}, {"chan", 4}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "leave$u$chan\n"},
    {{CMD_SEND_MSG, {"u", 1}, {"c", 1}, {"price is $5 $$joined: x", 23},
         CMD_DIR_BEFORE, 0, 0, {NULL, 0}},
        "send_msg$u$c$price is $5 $$joined: x\n"},
    {{CMD_SEND_ACT, {"u", 1}, {"c", 1}, {"waves $", 7}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "send_act$u$c$waves $\n"},
    {{CMD_DM, {"u", 1}, {"bob", 3}, {"\xe6\x97\xa5 \xf0\x9f\x98\x80", 8},
         CMD_DIR_BEFORE, 0, 0, {NULL, 0}},
        "dm$u$bob$\xe6\x97\xa5 \xf0\x9f\x98\x80\n"},
    {{CMD_DM_ACT, {"u", 1}, {"bob", 3}, {"nods", 4}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "dm_act$u$bob$nods\n"},
    {{CMD_NICK, {"u", 1}, {"carol", 5}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "nick$u$carol\n"},
    {{CMD_LIST, {"u", 1}, {NULL, 0}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "list$u\n"},
    {{CMD_NAMES, {"u", 1}, {"c", 1}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "names$u$c\n"},
    {{CMD_PING, {NULL, 0}, {"t0k", 3}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "ping$t0k\n"},
    {{CMD_PONG, {NULL, 0}, {"t0k", 3}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "pong$t0k\n"},
    {{CMD_QUIT, {NULL, 0}, {NULL, 0}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "quit\n"},
    {{CMD_QUIT, {NULL, 0}, {NULL, 0}, {"gone $ now", 10}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "quit$gone $ now\n"},
    {{CMD_HISTORY, {"u", 1}, {"c", 1}, {NULL, 0}, CMD_DIR_AFTER, 7, 200,
         {NULL, 0}},
        "history$u$c$after$7$200\n"},
    {{CMD_REGISTER, {NULL, 0}, {"alice", 5}, {"pa$$word", 8}, CMD_DIR_BEFORE, 0,
         0, {NULL, 0}},
        "register$alice$pa$$word\n"},
    {{CMD_LOGIN, {NULL, 0}, {"alice", 5}, {"s3cret pw", 9}, CMD_DIR_BEFORE, 0,
         0, {NULL, 0}},
        "login$alice$s3cret pw\n"},
    {{CMD_PASSWD, {"u", 1}, {NULL, 0}, {"new $ pass", 10}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "passwd$u$new $ pass\n"},
    {{CMD_MARK_READ, {"u", 1}, {"c", 1}, {NULL, 0}, CMD_DIR_BEFORE, 17, 0,
         {NULL, 0}},
        "mark_read$u$c$17\n"},
    {{CMD_JOIN, {"u", 1}, {"chan", 4}, {"k$y", 3}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "join$u$chan$k$y\n"},
    {{CMD_TOPIC, {"u", 1}, {"c", 1}, {"a $5 topic", 10}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "topic$u$c$a $5 topic\n"},
    {{CMD_TOPIC, {"u", 1}, {"c", 1}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "topic$u$c\n"},
    {{CMD_AWAY, {"u", 1}, {NULL, 0}, {"lunch", 5}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "away$u$lunch\n"},
    {{CMD_AWAY, {"u", 1}, {NULL, 0}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "away$u\n"},
    {{CMD_KICK, {"u", 1}, {"c", 1}, {"no $ spam", 9}, CMD_DIR_BEFORE, 0, 0,
         {"bob", 3}},
        "kick$u$c$bob$no $ spam\n"},
    {{CMD_KICK, {"u", 1}, {"c", 1}, {NULL, 0}, CMD_DIR_BEFORE, 0, 0,
         {"bob", 3}},
        "kick$u$c$bob\n"},
    {{CMD_CHAN_KEY, {"u", 1}, {"c", 1}, {"s3cret", 6}, CMD_DIR_BEFORE, 0, 0,
         {NULL, 0}},
        "chan_key$u$c$s3cret\n"},
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static int
slice_equal(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static void
test_round_trip(void **state)
{
	char buf[PROTO_LINE_MAX];
	const struct cmd *c;
	struct cmd out;
	size_t i, n;
	int seen[CMD_COUNT] = {0};

	for (i = 0; i < NSAMPLES; i++) {
		c = &samples[i].c;
		n = cmd_encode(buf, sizeof(buf), c);
		if (n != strlen(samples[i].wire) ||
		    memcmp(buf, samples[i].wire, n) != 0)
			fail_msg("%s encoded as \"%.*s\"", samples[i].wire,
			    (int)n, buf);
		assert_int_equal(cmd_decode(buf, n - 1, &out), PROTO_E_NONE);
		assert_int_equal(out.verb, c->verb);
		assert_true(slice_equal(out.uid, c->uid));
		assert_true(slice_equal(out.arg, c->arg));
		assert_true(slice_equal(out.text, c->text));
		assert_true(slice_equal(out.name, c->name));
		seen[c->verb] = 1;
	}
	for (i = 0; i < CMD_COUNT; i++)
		if (!seen[i])
			fail_msg("no round trip for %s",
			    cmd_verb_name((enum cmd_verb)i));
}

/* Fields a verb does not have are not written. */
static void
test_encode_ignores_other_fields(void **state)
{
	struct cmd c = {CMD_LIST, {"u", 1}, {"x", 1}, {"y", 1}, CMD_DIR_AFTER,
	    1, 1, {"z", 1}};
	char buf[64];
	size_t n;

	n = cmd_encode(buf, sizeof(buf), &c);
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "list$u\n", 7);
	c.verb = CMD_REG;
	n = cmd_encode(buf, sizeof(buf), &c);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "reg$x\n", 6);
}

/* Every size short of the line fails, the exact size succeeds. */
static void
test_encode_size(void **state)
{
	char *buf;
	size_t i, size, want;

	for (i = 0; i < NSAMPLES; i++) {
		want = strlen(samples[i].wire);
		for (size = 0; size <= want; size++) {
			/* Exactly size bytes, so an overrun trips ASan. */
			buf = malloc(size > 0 ? size : 1);
			assert_non_null(buf);
			assert_int_equal(cmd_encode(buf, size, &samples[i].c),
			    size == want ? want : 0);
			free(buf);
		}
	}
}

static void
test_encode_bad_verb(void **state)
{
	struct cmd c = {CMD_COUNT, {"u", 1}, {"a", 1}, {"t", 1}, CMD_DIR_BEFORE,
	    0, 0, {"n", 1}};
	char buf[64];

	assert_int_equal(cmd_encode(buf, sizeof(buf), &c), 0);
	c.verb = (enum cmd_verb) - 1;
	assert_int_equal(cmd_encode(buf, sizeof(buf), &c), 0);
}

static void
test_verb_names(void **state)
{
	static const char *const want[CMD_COUNT] = {"hello", "reg",
	    "create_chan", "join", "leave", "send_msg", "send_act", "dm",
	    "dm_act", "nick", "list", "names", "ping", "pong", "quit",
	    "history", "register", "login", "passwd", "mark_read", "topic",
	    "away", "kick", "chan_key"};
	struct cmd out;
	char line[32];
	int i;

	for (i = 0; i < CMD_COUNT; i++) {
		assert_string_equal(cmd_verb_name((enum cmd_verb)i), want[i]);
		/* The bare name is recognised: quit decodes, others lack
		 * fields. */
		snprintf(line, sizeof(line), "%s", want[i]);
		cmd_decode(line, strlen(line), &out);
		assert_int_equal(out.verb, i);
	}
	assert_string_equal(cmd_verb_name(CMD_COUNT), "*");
	assert_string_equal(cmd_verb_name((enum cmd_verb)99), "*");
}

static void
test_verb_is_extended(void **state)
{
	static const int want[CMD_COUNT] = {
	    [CMD_SEND_ACT] = 1,
	    [CMD_DM] = 1,
	    [CMD_DM_ACT] = 1,
	    [CMD_NICK] = 1,
	    [CMD_LIST] = 1,
	    [CMD_NAMES] = 1,
	    [CMD_PONG] = 1,
	    [CMD_HISTORY] = 1,
	    [CMD_REGISTER] = 1,
	    [CMD_LOGIN] = 1,
	    [CMD_PASSWD] = 1,
	    [CMD_MARK_READ] = 1,
	    [CMD_TOPIC] = 1,
	    [CMD_AWAY] = 1,
	    [CMD_KICK] = 1,
	    [CMD_CHAN_KEY] = 1,
	};
	int i;

	for (i = 0; i < CMD_COUNT; i++)
		if (!!cmd_verb_is_extended((enum cmd_verb)i) != want[i])
			fail_msg("%s: want extended=%d",
			    cmd_verb_name((enum cmd_verb)i), want[i]);
	assert_false(cmd_verb_is_extended(CMD_COUNT));
}

/*
 * The verbs that carry a uid, as the protocol page lists them, and the
 * decoder agrees: the uid of an encoded command comes back in cmd.uid.
 */
static void
test_verb_has_uid(void **state)
{
	static const int want[CMD_COUNT] = {
	    [CMD_CREATE_CHAN] = 1,
	    [CMD_JOIN] = 1,
	    [CMD_LEAVE] = 1,
	    [CMD_SEND_MSG] = 1,
	    [CMD_SEND_ACT] = 1,
	    [CMD_DM] = 1,
	    [CMD_DM_ACT] = 1,
	    [CMD_NICK] = 1,
	    [CMD_LIST] = 1,
	    [CMD_NAMES] = 1,
	    [CMD_HISTORY] = 1,
	    [CMD_PASSWD] = 1,
	    [CMD_MARK_READ] = 1,
	    [CMD_TOPIC] = 1,
	    [CMD_AWAY] = 1,
	    [CMD_KICK] = 1,
	    [CMD_CHAN_KEY] = 1,
	};
	char line[PROTO_LINE_MAX];
	struct cmd in, out;
	size_t len;
	int i;

	(void)state;
	for (i = 0; i < CMD_COUNT; i++) {
		if (!!cmd_verb_has_uid((enum cmd_verb)i) != want[i])
			fail_msg("%s: want has_uid=%d",
			    cmd_verb_name((enum cmd_verb)i), want[i]);
		if (!want[i])
			continue;
		memset(&in, 0, sizeof(in));
		in.verb = (enum cmd_verb)i;
		in.uid.p = "127.0.0.1:5";
		in.uid.len = 11;
		in.arg.p = "bob";
		in.arg.len = 3;
		/* Long enough to be a password, and a key: no space. */
		in.text.p = "hi_there";
		in.text.len = 8;
		in.limit = 1;
		in.name.p = "carol";
		in.name.len = 5;
		len = cmd_encode(line, sizeof(line), &in);
		assert_true(len > 1);
		assert_int_equal(cmd_decode(line, len - 1, &out), PROTO_E_NONE);
		assert_int_equal(out.uid.len, 11);
		assert_memory_equal(out.uid.p, "127.0.0.1:5", 11);
	}
	assert_false(cmd_verb_has_uid(CMD_COUNT));
}

/* The history request: every direction, numbers at their limits. */
static const struct hcase {
	const char *line;
	enum proto_code code;
	enum cmd_dir dir;
	uint64_t seq, limit;
} history_cases[] = {
    {"history$u$c$before$42$50", PROTO_E_NONE, CMD_DIR_BEFORE, 42, 50},
    {"history$u$c$after$0$1", PROTO_E_NONE, CMD_DIR_AFTER, 0, 1},
    {"history$u$c$latest$0$200", PROTO_E_NONE, CMD_DIR_LATEST, 0, 200},
    /* Above the page maximum: decoded as sent, the server clamps it. */
    {"history$u$c$latest$7$18446744073709551615", PROTO_E_NONE, CMD_DIR_LATEST,
        7, UINT64_MAX},
    {"history$u$c$after$18446744073709551615$9", PROTO_E_NONE, CMD_DIR_AFTER,
        UINT64_MAX, 9},
    {"history$u$c$after$007$09", PROTO_E_NONE, CMD_DIR_AFTER, 7, 9},
    /* Malformed: direction, numbers, missing or extra fields. */
    {"history$u$c$around$1$5", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c$Before$1$5", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$$5", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$1$0", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$1$", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$-1$5", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$1x$5", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$18446744073709551616$5", PROTO_E_BAD_ARGS,
        CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$000000000000000000001$5", PROTO_E_BAD_ARGS,
        CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$1$5$x", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c$before$1", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$c", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$u$$before$1$5", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history$$c$before$1$5", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
    {"history", PROTO_E_BAD_ARGS, CMD_DIR_COUNT, 0, 0},
};

static void
test_history_decode(void **state)
{
	struct cmd out;
	size_t i;
	enum proto_code code;

	(void)state;
	for (i = 0; i < sizeof(history_cases) / sizeof(history_cases[0]); i++) {
		const struct hcase *t = &history_cases[i];

		code = cmd_decode(t->line, strlen(t->line), &out);
		if (code != t->code)
			fail_msg("%s: got %s", t->line, proto_code_name(code));
		assert_int_equal(out.verb, CMD_HISTORY);
		if (code != PROTO_E_NONE)
			continue;
		assert_slice(out.uid, "u", t->line);
		assert_slice(out.arg, "c", t->line);
		assert_int_equal(out.dir, t->dir);
		assert_true(out.seq == t->seq);
		assert_true(out.limit == t->limit);
	}
}

/* Encoding writes the numbers; decoding what was encoded gives them back. */
static void
test_history_round_trip(void **state)
{
	static const uint64_t seqs[] = {0, 1, 9, 10, 4096, UINT64_MAX};
	char line[PROTO_LINE_MAX];
	struct cmd in, out;
	size_t len, i;
	int d;

	(void)state;
	for (d = 0; d < CMD_DIR_COUNT; d++) {
		for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
			memset(&in, 0, sizeof(in));
			in.verb = CMD_HISTORY;
			in.uid.p = "127.0.0.1:5";
			in.uid.len = 11;
			in.arg.p = "#rust";
			in.arg.len = 5;
			in.dir = (enum cmd_dir)d;
			in.seq = seqs[i];
			in.limit = seqs[i] == 0 ? 1 : seqs[i];
			len = cmd_encode(line, sizeof(line), &in);
			assert_true(len > 1 && line[len - 1] == '\n');
			assert_int_equal(
			    cmd_decode(line, len - 1, &out), PROTO_E_NONE);
			assert_int_equal(out.dir, in.dir);
			assert_true(out.seq == in.seq);
			assert_true(out.limit == in.limit);
			assert_slice(out.arg, "#rust", "arg");
		}
	}
	memset(&in, 0, sizeof(in));
	in.verb = CMD_HISTORY;
	in.uid.p = "u";
	in.uid.len = 1;
	in.arg.p = "c";
	in.arg.len = 1;
	in.dir = CMD_DIR_BEFORE;
	in.seq = 120;
	in.limit = 50;
	len = cmd_encode(line, sizeof(line), &in);
	assert_int_equal(len, strlen("history$u$c$before$120$50\n"));
	assert_memory_equal(line, "history$u$c$before$120$50\n", len);
	/* One byte short of the line does not fit. */
	assert_int_equal(cmd_encode(line, len - 1, &in), 0);
	assert_string_equal(cmd_dir_name(CMD_DIR_AFTER), "after");
	assert_string_equal(cmd_dir_name(CMD_DIR_COUNT), "*");
	assert_int_equal(cmd_dir_parse("latest", 6), CMD_DIR_LATEST);
	assert_int_equal(cmd_dir_parse("lates", 5), CMD_DIR_COUNT);
	assert_int_equal(cmd_dir_parse("", 0), CMD_DIR_COUNT);
}

/* The account verbs: passwords are the last field, 8 to 256 bytes. */
static const struct acase {
	const char *line;
	enum proto_code code;
	enum cmd_verb verb;
	const char *arg, *text;
	uint64_t seq;
} account_cases[] = {
    {"register$alice$12345678", PROTO_E_NONE, CMD_REGISTER, "alice", "12345678",
        0},
    {"register$alice$1234567", PROTO_E_BAD_PASSWORD, CMD_REGISTER, NULL, NULL,
        0},
    {"register$alice$", PROTO_E_BAD_PASSWORD, CMD_REGISTER, NULL, NULL, 0},
    {"register$alice", PROTO_E_BAD_ARGS, CMD_REGISTER, NULL, NULL, 0},
    {"register$bad name$12345678", PROTO_E_BAD_NAME, CMD_REGISTER, NULL, NULL,
        0},
    {"login$bob$pass word $ with $", PROTO_E_NONE, CMD_LOGIN, "bob",
        "pass word $ with $", 0},
    {"login$bob$\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", PROTO_E_NONE, CMD_LOGIN,
        "bob", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0},
    {"login$bob$tab\there!", PROTO_E_BAD_CHAR, CMD_COUNT, NULL, NULL, 0},
    {"passwd$u$abcdefgh", PROTO_E_NONE, CMD_PASSWD, NULL, "abcdefgh", 0},
    {"passwd$u$short", PROTO_E_BAD_PASSWORD, CMD_PASSWD, NULL, NULL, 0},
    {"mark_read$u$c$42", PROTO_E_NONE, CMD_MARK_READ, "c", NULL, 42},
    {"mark_read$u$c$18446744073709551615", PROTO_E_NONE, CMD_MARK_READ, "c",
        NULL, UINT64_MAX},
    {"mark_read$u$c$-1", PROTO_E_BAD_ARGS, CMD_MARK_READ, NULL, NULL, 0},
    {"mark_read$u$c$18446744073709551616", PROTO_E_BAD_ARGS, CMD_MARK_READ,
        NULL, NULL, 0},
    {"mark_read$u$c", PROTO_E_BAD_ARGS, CMD_MARK_READ, NULL, NULL, 0},
};

static void
test_account_decode(void **state)
{
	char pw[PROTO_PASSWORD_MAX + 2], line[PROTO_LINE_MAX];
	struct cmd out;
	size_t i;

	for (i = 0; i < sizeof(account_cases) / sizeof(account_cases[0]); i++) {
		const struct acase *a = &account_cases[i];

		if (cmd_decode(a->line, strlen(a->line), &out) != a->code)
			fail_msg(
			    "%s: want %s", a->line, proto_code_name(a->code));
		assert_int_equal(out.verb, a->verb);
		if (a->code != PROTO_E_NONE)
			continue;
		if (a->arg != NULL)
			assert_true(out.arg.len == strlen(a->arg) &&
			    memcmp(out.arg.p, a->arg, out.arg.len) == 0);
		if (a->text != NULL)
			assert_true(out.text.len == strlen(a->text) &&
			    memcmp(out.text.p, a->text, out.text.len) == 0);
		assert_true(out.seq == a->seq);
	}
	/* Exactly PROTO_PASSWORD_MAX bytes pass, one more does not. */
	memset(pw, 'x', sizeof(pw));
	snprintf(line, sizeof(line), "login$bob$%.*s", PROTO_PASSWORD_MAX, pw);
	assert_int_equal(cmd_decode(line, strlen(line), &out), PROTO_E_NONE);
	assert_int_equal(out.text.len, PROTO_PASSWORD_MAX);
	snprintf(
	    line, sizeof(line), "login$bob$%.*s", PROTO_PASSWORD_MAX + 1, pw);
	assert_int_equal(
	    cmd_decode(line, strlen(line), &out), PROTO_E_BAD_PASSWORD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_table),
	    cmocka_unit_test(test_decode_borrows),
	    cmocka_unit_test(test_decode_respects_len),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_encode_ignores_other_fields),
	    cmocka_unit_test(test_encode_size),
	    cmocka_unit_test(test_encode_bad_verb),
	    cmocka_unit_test(test_verb_names),
	    cmocka_unit_test(test_verb_is_extended),
	    cmocka_unit_test(test_verb_has_uid),
	    cmocka_unit_test(test_history_decode),
	    cmocka_unit_test(test_history_round_trip),
	    cmocka_unit_test(test_account_decode),
	};

	return cmocka_run_group_tests_name("cmd", tests, NULL, NULL);
}

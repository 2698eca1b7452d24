/* test_chat.c: the chat rules driven through a fake sink that records output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "event.h"
#include "history.h"
#include "proto.h"

/* Connection ids the fake can record; the names test needs 125 users. */
#define FAKE_CONNS 160
/* Ids remembered by the fuzz test for channel references. */
#define FUZZ_IDS 16
/* The wall clock the tests start at (as in the man page's example). */
#define T0 1795600000000ULL

#define WELCOME  "------Welcome to Txt Chat------\n\n"
#define SOFTWARE "txt-chatd/test"
#define NANOID_CHARS                                                           \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

#define UID_A "127.0.0.1:39698"
#define UID_B "127.0.0.1:39702"
#define UID_C "127.0.0.1:39703"
#define UID_D "[::1]:40000"
#define UID_E "[2001:db8::1]:40001"
#define UID_F "10.0.0.6:5000"

/* Default error texts, as proto.c words them. */
#define TXT_LINE_TOO_LONG "line longer than 4096 bytes"
#define TXT_BAD_UTF8      "line is not valid UTF-8"
#define TXT_BAD_CHAR      "line holds a control, bidi control or separator character"
#define TXT_UNKNOWN       "unknown command"
#define TXT_EXT_ONLY      "command needs the extended protocol: send hello$1 first"
#define TXT_BAD_ARGS      "missing or empty field"
#define TXT_BAD_NAME                                                           \
	"names are 1-32 characters of A-Z a-z 0-9 _ . - and start with a "     \
	"letter, digit or _"
#define TXT_BAD_CHAN                                                           \
	"channel names are 1-32 characters of A-Z a-z 0-9 _ . - # and "        \
	"start with a letter, digit, _ or #"
#define TXT_BAD_TEXT    "message text is empty"
#define TXT_TOO_LONG    "text longer than 3072 bytes (a quit reason: 256)"
#define TXT_BAD_TOKEN   "tokens are 1-64 characters from ! to ~"
#define TXT_BAD_VERSION "unsupported protocol version; this side speaks 1"
#define TXT_BAD_STATE   "command not allowed now"
#define TXT_NOT_REG     "register first with reg$<name>"
#define TXT_ALREADY     "already registered"
#define TXT_TAKEN       "name is already in use"
#define TXT_BAD_UID     "uid is not this connection's"
#define TXT_NO_CHAN     "no such channel"
#define TXT_NOT_MEMBER  "not a member of that channel"
#define TXT_EXISTS      "a channel with that name exists"
#define TXT_NO_USER     "no such user"
#define TXT_JOIN_LIMIT  "in too many channels"
#define TXT_CHAN_LIMIT  "too many channels on the server"
#define TXT_FULL        "channel is full"
#define TXT_QUIT        "closing at your request"
#define TXT_SENDQ       "too much output left unread"
#define TXT_TOO_MANY    "too many errors"
#define TXT_NOT_CHAT    "this port speaks the txt-chat protocol only"
#define TXT_CLOSED      "its owner left"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* What the fake sink knows about one connection. */
struct fake_conn {
	char *out; /* every byte sent since the last take() */
	size_t len;
	size_t cap;
	int open;   /* between conn_open() and the sink's close */
	int closes; /* close calls */
	int drop;   /* drop_queued of the last close */
	char final[PROTO_LINE_MAX + 1];
	int refuse; /* sends are refused, as past an output limit */
	int over;   /* a send was refused: the caller must close it */
};

struct fake {
	struct chat *chat;
	struct fake_conn conns[FAKE_CONNS];
	uint64_t now;
	uint64_t rng;
	int rnd_repeat; /* random calls that repeat the previous bytes */
	unsigned char rnd_last[64];
	char *taken; /* what take() returned */
	size_t taken_cap;
	struct flog *flog; /* clustered: the fake log */
};

static const struct chat_config cfg_default = {
    .max_channels = 4096,
    .max_joins = 100,
    .max_members = 10000,
    .history = 100,
    .history_bytes = CHAT_HISTORY_BYTES_DEFAULT,
    .errors_max = 20,
    .software = SOFTWARE,
};

/* The fake sink. */

/* Every line of an extended-mode connection must decode as a server line. */
static void
check_lines(struct fake *f, int conn, const char *p, size_t len)
{
	int ext = chat_mode(f->chat, conn) == CHAT_MODE_EXT;

	assert_true(len > 0);
	assert_int_equal(p[len - 1], '\n');
	assert_null(memchr(p, '\0', len));
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t n = (size_t)(nl - p);
		struct event ev;

		assert_true(n + 1 <= PROTO_LINE_MAX);
		if (ext)
			assert_int_equal(event_decode(p, n, &ev), PROTO_E_NONE);
		len -= n + 1;
		p += n + 1;
	}
}

static int
fake_send(void *ctx, int conn, const char *data, size_t len)
{
	struct fake *f = ctx;
	struct fake_conn *fc;

	assert_true(conn >= 0 && conn < FAKE_CONNS);
	fc = &f->conns[conn];
	/* Nothing may be sent to a connection the chat has closed. */
	assert_true(fc->open);
	check_lines(f, conn, data, len);
	if (fc->refuse) {
		fc->over = 1;
		return -1;
	}
	if (fc->len + len > fc->cap) {
		size_t cap = fc->cap ? fc->cap : 256;
		char *p;

		while (cap < fc->len + len)
			cap *= 2;
		p = realloc(fc->out, cap);
		assert_non_null(p);
		fc->out = p;
		fc->cap = cap;
	}
	memcpy(fc->out + fc->len, data, len);
	fc->len += len;
	return 0;
}

static void
fake_close(void *ctx, int conn, int drop_queued, const char *final, size_t len)
{
	struct fake *f = ctx;
	struct fake_conn *fc;

	assert_true(conn >= 0 && conn < FAKE_CONNS);
	fc = &f->conns[conn];
	assert_true(fc->open);
	check_lines(f, conn, final, len);
	assert_true(len < sizeof(fc->final));
	memcpy(fc->final, final, len);
	fc->final[len] = '\0';
	fc->drop = drop_queued;
	fc->closes++;
	fc->open = 0;
	fc->over = 0;
}

static uint64_t
fake_rand(struct fake *f)
{
	/* xorshift64*: deterministic for a fixed seed. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ULL;
}

static void
fake_random(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	unsigned char *p = buf;
	size_t i;

	assert_true(len <= sizeof(f->rnd_last));
	if (f->rnd_repeat > 0) {
		f->rnd_repeat--;
		memcpy(p, f->rnd_last, len);
		return;
	}
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(fake_rand(f) >> 56);
	memcpy(f->rnd_last, p, len);
}

static struct fake *
fake_new(const struct chat_config *cfg)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct chat_sink sink;

	assert_non_null(f);
	f->now = T0;
	f->rng = 0x9E3779B97F4A7C15ULL;
	sink.ctx = f;
	sink.send = fake_send;
	sink.close = fake_close;
	sink.random = fake_random;
	f->chat = chat_new(cfg, &sink);
	assert_non_null(f->chat);
	return f;
}

static void
fake_free(struct fake *f)
{
	int i;

	chat_free(f->chat);
	for (i = 0; i < FAKE_CONNS; i++)
		free(f->conns[i].out);
	free(f->taken);
	free(f);
}

/*
 * Does what the server does after every chat call: closes each connection
 * whose output was refused, then checks the registry.
 */
static void
settle(struct fake *f)
{
	int i, again = 1;

	while (again) {
		again = 0;
		for (i = 0; i < FAKE_CONNS; i++) {
			if (!f->conns[i].over || !f->conns[i].open)
				continue;
			f->conns[i].over = 0;
			chat_close(
			    f->chat, i, PROTO_E_SENDQ_EXCEEDED, NULL, f->now);
			again = 1;
		}
	}
	assert_int_equal(chat_check(f->chat), 0);
}

/* Returns and clears what was sent to conn; valid until the next take(). */
static const char *
take(struct fake *f, int conn)
{
	struct fake_conn *fc = &f->conns[conn];

	if (fc->len + 1 > f->taken_cap) {
		free(f->taken);
		f->taken_cap = fc->len + 1;
		f->taken = malloc(f->taken_cap);
		assert_non_null(f->taken);
	}
	if (fc->len > 0)
		memcpy(f->taken, fc->out, fc->len);
	f->taken[fc->len] = '\0';
	fc->len = 0;
	return f->taken;
}

PRINTF_LIKE(3, 4)
static void
expect(struct fake *f, int conn, const char *fmt, ...)
{
	char want[4 * PROTO_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(want));
	assert_string_equal(take(f, conn), want);
}

static void
nothing(struct fake *f, int conn)
{
	assert_string_equal(take(f, conn), "");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Expects one names line and names_end for channel id holding the names in
 * want (sorted, separated by spaces), in any order: members are kept in
 * join order only until someone leaves.
 */
static void
expect_names(struct fake *f, int conn, const char *id, const char *want)
{
	char buf[PROTO_LINE_MAX], head[PROTO_ID_MAX + 16], *words[64];
	char joined[PROTO_LINE_MAX], end[PROTO_ID_MAX + 32];
	const char *out = take(f, conn);
	size_t n, i, count = 0, at = 0;
	char *p;

	n = (size_t)snprintf(head, sizeof(head), "names$%s$", id);
	assert_memory_equal(out, head, n);
	out += n;
	i = strcspn(out, "\n");
	assert_true(i < sizeof(buf));
	memcpy(buf, out, i);
	buf[i] = '\0';
	out += i + 1;
	for (p = strtok(buf, " "); p != NULL; p = strtok(NULL, " ")) {
		assert_true(count < sizeof(words) / sizeof(words[0]));
		words[count++] = p;
	}
	qsort(words, count, sizeof(words[0]), cmp_str);
	for (i = 0; i < count; i++)
		at += (size_t)snprintf(joined + at, sizeof(joined) - at, "%s%s",
		    i > 0 ? " " : "", words[i]);
	joined[at] = '\0';
	assert_string_equal(joined, want);
	snprintf(end, sizeof(end), "names_end$%s$%zu\n", id, count);
	assert_string_equal(out, end);
}

static void
take_all(struct fake *f)
{
	int i;

	for (i = 0; i < FAKE_CONNS; i++)
		f->conns[i].len = 0;
}

/* Asserts conn was closed once with the given final line. */
static void
expect_closed(struct fake *f, int conn, int drop, const char *final)
{
	assert_int_equal(f->conns[conn].closes, 1);
	assert_false(f->conns[conn].open);
	assert_int_equal(f->conns[conn].drop, drop);
	assert_string_equal(f->conns[conn].final, final);
	assert_int_equal(chat_mode(f->chat, conn), CHAT_MODE_NONE);
	assert_false(chat_registered(f->chat, conn));
}

static void
expect_open(struct fake *f, int conn)
{
	assert_int_equal(f->conns[conn].closes, 0);
	assert_true(f->conns[conn].open);
	assert_int_not_equal(chat_mode(f->chat, conn), CHAT_MODE_NONE);
}

static void
conn_open(struct fake *f, int conn, const char *uid)
{
	struct fake_conn *fc = &f->conns[conn];

	fc->open = 1;
	fc->closes = 0;
	fc->drop = 0;
	fc->final[0] = '\0';
	fc->refuse = 0;
	fc->over = 0;
	fc->len = 0;
	assert_int_equal(chat_connect(f->chat, conn, uid, strlen(uid)), 0);
	assert_int_equal(chat_mode(f->chat, conn), CHAT_MODE_NEW);
	expect(f, conn, WELCOME);
}

static void
line_raw(struct fake *f, int conn, const char *p, size_t len)
{
	chat_line(f->chat, conn, p, len, f->now);
	settle(f);
}

PRINTF_LIKE(3, 4)
static void
line(struct fake *f, int conn, const char *fmt, ...)
{
	char buf[2 * PROTO_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	line_raw(f, conn, buf, (size_t)n);
}

static void
disconnect(struct fake *f, int conn, const char *reason)
{
	chat_disconnect(f->chat, conn, reason, f->now);
	f->conns[conn].open = 0;
	settle(f);
}

static unsigned long long
now(const struct fake *f)
{
	return (unsigned long long)f->now;
}

static void
reg_base(struct fake *f, int conn, const char *uid, const char *name)
{
	conn_open(f, conn, uid);
	line(f, conn, "reg$%s", name);
	expect(f, conn, "%s\n", uid);
	assert_int_equal(chat_mode(f->chat, conn), CHAT_MODE_BASE);
	assert_true(chat_registered(f->chat, conn));
}

static void
hello(struct fake *f, int conn)
{
	line(f, conn, "hello$1");
	expect(f, conn, "hello$1$3072$32$" SOFTWARE "$200\n");
	assert_int_equal(chat_mode(f->chat, conn), CHAT_MODE_EXT);
}

static void
reg_ext(struct fake *f, int conn, const char *uid, const char *name)
{
	conn_open(f, conn, uid);
	hello(f, conn);
	line(f, conn, "reg$%s", name);
	expect(f, conn,
	    "registered$%s$%s\n"
	    "joined$%s$personal$1$~%s\n"
	    "names$%s$%s\n"
	    "names_end$%s$1\n"
	    "history_end$%s$0\n",
	    uid, name, uid, name, uid, name, uid, uid);
	assert_true(chat_registered(f->chat, conn));
}

static void
check_id(const char *id)
{
	assert_int_equal(strlen(id), PROTO_CHAN_ID_LEN);
	assert_int_equal(strspn(id, NANOID_CHARS), PROTO_CHAN_ID_LEN);
}

/*
 * create_chan by conn (user called user); checks the reply in the conn's
 * mode and stores the new id in id (PROTO_ID_MAX + 1 bytes).
 */
static void
create(struct fake *f, int conn, const char *uid, const char *user,
    const char *name, char *id)
{
	const char *out;
	size_t n;

	line(f, conn, "create_chan$%s$%s", uid, name);
	out = take(f, conn);
	if (chat_mode(f->chat, conn) == CHAT_MODE_EXT) {
		char want[PROTO_LINE_MAX];

		assert_memory_equal(out, "created$", 8);
		n = strcspn(out + 8, "$");
		assert_true(n <= PROTO_ID_MAX);
		memcpy(id, out + 8, n);
		id[n] = '\0';
		snprintf(want, sizeof(want),
		    "created$%s$%s\n"
		    "joined$%s$channel$1$%s\n"
		    "names$%s$%s\n"
		    "names_end$%s$1\n"
		    "history_end$%s$0\n",
		    id, name, id, name, id, user, id, id);
		assert_string_equal(out, want);
	} else {
		n = strcspn(out, "\n");
		assert_true(n <= PROTO_ID_MAX);
		assert_int_equal(strlen(out), n + 1);
		memcpy(id, out, n);
		id[n] = '\0';
	}
	check_id(id);
}

/* Connecting. */

static void
test_connect_welcome(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char big[PROTO_ID_MAX + 2];

	(void)state;
	assert_int_equal(chat_mode(f->chat, 0), CHAT_MODE_NONE);
	conn_open(f, 0, UID_A);
	assert_false(chat_registered(f->chat, 0));
	assert_int_equal(chat_user_count(f->chat), 0);
	/* A connection id past the initial table grows it. */
	conn_open(f, FAKE_CONNS - 1, UID_D);
	assert_int_equal(chat_check(f->chat), 0);

	assert_int_equal(chat_connect(f->chat, -1, UID_B, strlen(UID_B)), -1);
	memset(big, '1', sizeof(big));
	f->conns[2].open = 1;
	assert_int_equal(chat_connect(f->chat, 2, big, PROTO_ID_MAX + 1), -1);
	nothing(f, 2);
	assert_int_equal(chat_mode(f->chat, 2), CHAT_MODE_NONE);
	assert_int_equal(chat_connect(f->chat, 2, big, PROTO_ID_MAX), 0);
	expect(f, 2, WELCOME);
	/* Empty lines are ignored and do not choose a mode. */
	line(f, 0, "%s", "");
	nothing(f, 0);
	assert_int_equal(chat_mode(f->chat, 0), CHAT_MODE_NEW);
	fake_free(f);
}

/* Base mode. */

/* The reference transcript of the man page, byte for byte. */
static void
test_base_transcript(void **state)
{
	struct fake *f = fake_new(&cfg_default);

	(void)state;
	conn_open(f, 1, UID_A);
	line(f, 1, "reg$alice");
	expect(f, 1, UID_A "\n");
	conn_open(f, 2, UID_B);
	line(f, 2, "reg$bob");
	expect(f, 2, UID_B "\n");
	nothing(f, 1);
	line(f, 2, "join$" UID_B "$" UID_A);
	expect(f, 2, "$$joined: " UID_A "\n");
	expect(f, 1, "$$joined: " UID_A "\n");
	line(f, 1, "send_msg$" UID_A "$" UID_A "$price is $5");
	expect(f, 1, "alice: price is $5\n");
	expect(f, 2, "alice: price is $5\n");
	line(f, 2, "send_msg$" UID_B "$" UID_A "$$$joined: x");
	expect(f, 1, "bob: $$joined: x\n");
	expect(f, 2, "bob: $$joined: x\n");
	line(f, 2, "send_msg$" UID_B "$" UID_A "$hi");
	expect(f, 1, "bob: hi\n");
	expect(f, 2, "bob: hi\n");
	line(f, 2, "send_msg$" UID_A "$" UID_A "$hi");
	expect(f, 2, "$$error: bad_uid: " TXT_BAD_UID ": " UID_A "\n");
	nothing(f, 1);
	assert_int_equal(chat_user_count(f->chat), 2);
	assert_int_equal(chat_channel_count(f->chat), 0);
	fake_free(f);
}

static void
test_base_channels(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char id[PROTO_ID_MAX + 1];

	(void)state;
	reg_base(f, 1, UID_A, "alice");
	reg_base(f, 2, UID_B, "bob");
	create(f, 1, UID_A, "alice", "rust", id);
	assert_int_equal(chat_channel_count(f->chat), 1);
	nothing(f, 2);
	/* By name, in any case; every member hears of the join. */
	line(f, 2, "join$" UID_B "$RUST");
	expect(f, 2, "$$joined: %s\n", id);
	expect(f, 1, "$$joined: %s\n", id);
	/* Joining again only repeats the confirmation to the joiner. */
	line(f, 2, "join$" UID_B "$%s", id);
	expect(f, 2, "$$joined: %s\n", id);
	nothing(f, 1);
	line(f, 2, "send_msg$" UID_B "$rust$a b  c ");
	expect(f, 1, "bob: a b  c \n");
	expect(f, 2, "bob: a b  c \n");
	/* leave has no reply in base mode, and the others are not told. */
	line(f, 2, "leave$" UID_B "$%s", id);
	nothing(f, 2);
	nothing(f, 1);
	line(f, 2, "send_msg$" UID_B "$rust$x");
	expect(f, 2, "$$error: not_member: " TXT_NOT_MEMBER ": rust\n");
	line(f, 1, "leave$" UID_A "$rust");
	nothing(f, 1);
	assert_int_equal(chat_channel_count(f->chat), 0);
	line(f, 1, "join$" UID_A "$rust");
	expect(f, 1, "$$error: no_such_channel: " TXT_NO_CHAN ": rust\n");
	line(f, 1, "join$" UID_A "$%s", id);
	expect(f, 1, "$$error: no_such_channel: " TXT_NO_CHAN ": %s\n", id);
	fake_free(f);
}

/* Extended mode. */

static void
test_ext_register_create_join(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char id[PROTO_ID_MAX + 1];

	(void)state;
	/* The man page's session. */
	reg_ext(f, 1, UID_D, "carol");
	create(f, 1, UID_D, "carol", "rust", id);
	line(f, 1, "send_msg$" UID_D "$rust$hello $world");
	expect(f, 1, "msg$%s$1$%llu$carol$hello $world\n", id, now(f));
	line(f, 1, "ping$42");
	expect(f, 1, "pong$42\n");
	line(f, 1, "join$" UID_D "$nowhere");
	expect(f, 1, "error$no_such_channel$join$" TXT_NO_CHAN ": nowhere\n");

	/* Join by name: the joiner gets the sequence, the member an event. */
	reg_ext(f, 2, UID_E, "dave");
	f->now++;
	line(f, 2, "join$" UID_E "$Rust");
	expect(f, 2,
	    "joined$%s$channel$2$rust\n"
	    "names$%s$carol dave\n"
	    "names_end$%s$2\n"
	    "msg$%s$1$%llu$carol$hello $world\n"
	    "history_end$%s$1\n",
	    id, id, id, id, now(f) - 1, id);
	expect(f, 1, "join$%s$%llu$dave\n", id, now(f));
	/* By id, a personal channel. */
	line(f, 2, "join$" UID_E "$" UID_D);
	expect(f, 2,
	    "joined$" UID_D "$personal$2$~carol\n"
	    "names$" UID_D "$carol dave\n"
	    "names_end$" UID_D "$2\n"
	    "history_end$" UID_D "$0\n");
	expect(f, 1, "join$" UID_D "$%llu$dave\n", now(f));
	/* Again: the sequence is repeated, nobody else is told. */
	line(f, 2, "join$" UID_E "$" UID_D);
	expect(f, 2,
	    "joined$" UID_D "$personal$2$~carol\n"
	    "names$" UID_D "$carol dave\n"
	    "names_end$" UID_D "$2\n"
	    "history_end$" UID_D "$0\n");
	nothing(f, 1);
	/* A base member hears of joins in its own form. */
	reg_base(f, 3, UID_A, "erin");
	line(f, 3, "join$" UID_A "$rust");
	expect(f, 3, "$$joined: %s\n", id);
	expect(f, 1, "join$%s$%llu$erin\n", id, now(f));
	expect(f, 2, "join$%s$%llu$erin\n", id, now(f));
	line(f, 1, "names$" UID_D "$rust");
	expect(f, 1, "names$%s$carol dave erin\nnames_end$%s$3\n", id, id);
	/* Names of a channel one is not in, by id. */
	line(f, 3, "leave$" UID_A "$rust");
	take_all(f);
	line(f, 1, "names$" UID_D "$" UID_E);
	expect(f, 1, "names$" UID_E "$dave\nnames_end$" UID_E "$1\n");
	/* No members left: no names line, as one always holds a name. */
	line(f, 2, "leave$" UID_E "$" UID_E);
	take_all(f);
	line(f, 1, "names$" UID_D "$" UID_E);
	expect(f, 1, "names_end$" UID_E "$0\n");
	fake_free(f);
}

/*
 * 124 names of 32 and 8 bytes fill a names line to exactly PROTO_LINE_MAX
 * bytes; the 125th goes on a second line.
 */
static void
test_ext_names_chunking(void **state)
{
	enum { USERS = 125 };
	struct fake *f = fake_new(&cfg_default);
	char id[PROTO_ID_MAX + 1], uid[32], name[PROTO_NAME_MAX + 1];
	char head[PROTO_ID_MAX + 16], want_end[PROTO_ID_MAX + 32];
	char *seen = calloc(USERS, 1);
	const char *out, *p;
	int i, lines = 0;

	(void)state;
	assert_non_null(seen);
	reg_ext(f, 0, "10.0.0.1:1", "eightchr");
	create(f, 0, "10.0.0.1:1", "eightchr", "big", id);
	for (i = 1; i < USERS; i++) {
		snprintf(uid, sizeof(uid), "10.0.0.1:%d", i + 1);
		snprintf(
		    name, sizeof(name), "u%03dxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
		assert_int_equal(strlen(name), PROTO_NAME_MAX);
		reg_ext(f, i, uid, name);
		line(f, i, "join$%s$big", uid);
		take_all(f);
	}
	line(f, 0, "names$10.0.0.1:1$%s", id);
	out = take(f, 0);
	snprintf(head, sizeof(head), "names$%s$", id);
	snprintf(want_end, sizeof(want_end), "names_end$%s$%d\n", id, USERS);
	for (p = out; strncmp(p, head, strlen(head)) == 0; lines++) {
		const char *nl = strchr(p, '\n');
		const char *q = p + strlen(head);

		assert_non_null(nl);
		assert_true((size_t)(nl - p) + 1 <= PROTO_LINE_MAX);
		if (lines == 0)
			assert_int_equal((size_t)(nl - p) + 1, PROTO_LINE_MAX);
		while (q < nl) {
			size_t n = strcspn(q, " \n");

			if (n == 8) {
				assert_memory_equal(q, "eightchr", 8);
				i = 0;
			} else {
				assert_int_equal(n, PROTO_NAME_MAX);
				i = atoi(q + 1);
			}
			assert_true(i >= 0 && i < USERS);
			assert_false(seen[i]);
			seen[i] = 1;
			q += n;
			if (*q == ' ')
				q++;
		}
		p = nl + 1;
	}
	assert_int_equal(lines, 2);
	assert_string_equal(p, want_end);
	for (i = 0; i < USERS; i++)
		assert_true(seen[i]);
	free(seen);
	fake_free(f);
}

static void
test_ext_history(void **state)
{
	struct chat_config cfg = cfg_default;
	struct fake *f;
	char id[PROTO_ID_MAX + 1], id2[PROTO_ID_MAX + 1];
	int i;

	(void)state;
	cfg.history = 3;
	f = fake_new(&cfg);
	reg_ext(f, 1, UID_A, "carol");
	create(f, 1, UID_A, "carol", "h", id);
	for (i = 1; i <= 5; i++) {
		f->now = T0 + (uint64_t)i;
		if (i == 4)
			line(f, 1, "send_act$" UID_A "$h$m%d", i);
		else
			line(f, 1, "send_msg$" UID_A "$h$m%d", i);
	}
	take_all(f);
	reg_ext(f, 2, UID_B, "dave");
	line(f, 2, "join$" UID_B "$h");
	expect(f, 2,
	    "joined$%s$channel$2$h\n"
	    "names$%s$carol dave\n"
	    "names_end$%s$2\n"
	    "msg$%s$3$%llu$carol$m3\n"
	    "act$%s$4$%llu$carol$m4\n"
	    "msg$%s$5$%llu$carol$m5\n"
	    "history_end$%s$3\n",
	    id, id, id, id, T0 + 3, id, T0 + 4, id, T0 + 5, id);
	/* A base joiner gets no history. */
	reg_base(f, 3, UID_C, "erin");
	line(f, 3, "join$" UID_C "$h");
	expect(f, 3, "$$joined: %s\n", id);
	/* Messages of the personal channel are kept too. */
	take_all(f);
	line(f, 1, "send_msg$" UID_A "$" UID_A "$mine");
	expect(f, 1, "msg$" UID_A "$1$%llu$carol$mine\n", now(f));
	line(f, 2, "join$" UID_B "$" UID_A);
	expect(f, 2,
	    "joined$" UID_A "$personal$2$~carol\n"
	    "names$" UID_A "$carol dave\n"
	    "names_end$" UID_A "$2\n"
	    "msg$" UID_A "$1$%llu$carol$mine\n"
	    "history_end$" UID_A "$1\n",
	    now(f));
	/* The history and the numbering end with the channel. */
	line(f, 1, "leave$" UID_A "$h");
	line(f, 2, "leave$" UID_B "$h");
	line(f, 3, "leave$" UID_C "$h");
	assert_int_equal(chat_channel_count(f->chat), 0);
	take_all(f);
	create(f, 1, UID_A, "carol", "h", id2);
	line(f, 1, "send_msg$" UID_A "$h$again");
	expect(f, 1, "msg$%s$1$%llu$carol$again\n", id2, now(f));
	fake_free(f);
}

/*
 * --history-bytes: past the server's budget the oldest lines of any
 * channel go first, so a quiet channel's old lines make way for a busy
 * one's new ones.
 */
static void
test_ext_history_budget(void **state)
{
	struct chat_config cfg = cfg_default;
	struct fake *f;
	char q[PROTO_ID_MAX + 1], b[PROTO_ID_MAX + 1], one[PROTO_LINE_MAX];
	int i, len;

	(void)state;
	/* Every message line below is as long as this one: room for three. */
	len = snprintf(one, sizeof(one), "msg$%s$1$%llu$carol$m1\n",
	    "V1StGXR8_Z5jdHi6B-myT", (unsigned long long)T0);
	cfg.history_bytes = 3 * history_line_cost((size_t)len);
	f = fake_new(&cfg);
	reg_ext(f, 1, UID_A, "carol");
	create(f, 1, UID_A, "carol", "q", q);
	create(f, 1, UID_A, "carol", "b", b);
	f->now = T0;
	line(f, 1, "send_msg$" UID_A "$q$q1");
	line(f, 1, "send_msg$" UID_A "$q$q2");
	for (i = 1; i <= 3; i++)
		line(f, 1, "send_msg$" UID_A "$b$b%d", i);
	take_all(f);
	reg_ext(f, 2, UID_B, "dave");
	line(f, 2, "join$" UID_B "$q");
	expect(f, 2,
	    "joined$%s$channel$2$q\n"
	    "names$%s$carol dave\n"
	    "names_end$%s$2\n"
	    "history_end$%s$0\n",
	    q, q, q, q);
	line(f, 2, "join$" UID_B "$b");
	expect(f, 2,
	    "joined$%s$channel$2$b\n"
	    "names$%s$carol dave\n"
	    "names_end$%s$2\n"
	    "msg$%s$1$%llu$carol$b1\n"
	    "msg$%s$2$%llu$carol$b2\n"
	    "msg$%s$3$%llu$carol$b3\n"
	    "history_end$%s$3\n",
	    b, b, b, b, now(f), b, now(f), b, now(f), b);
	/* The quiet channel speaks again: the busy one's oldest goes. */
	line(f, 1, "send_msg$" UID_A "$q$q3");
	take_all(f);
	reg_ext(f, 3, UID_C, "erin");
	line(f, 3, "join$" UID_C "$q");
	expect(f, 3,
	    "joined$%s$channel$3$q\n"
	    "names$%s$carol dave erin\n"
	    "names_end$%s$3\n"
	    "msg$%s$3$%llu$carol$q3\n"
	    "history_end$%s$1\n",
	    q, q, q, q, now(f), q);
	line(f, 3, "join$" UID_C "$b");
	expect(f, 3,
	    "joined$%s$channel$3$b\n"
	    "names$%s$carol dave erin\n"
	    "names_end$%s$3\n"
	    "msg$%s$2$%llu$carol$b2\n"
	    "msg$%s$3$%llu$carol$b3\n"
	    "history_end$%s$2\n",
	    b, b, b, b, now(f), b, now(f), b);
	fake_free(f);
}

static void
test_ext_history_off(void **state)
{
	struct chat_config cfg = cfg_default;
	struct fake *f;
	char id[PROTO_ID_MAX + 1];

	(void)state;
	cfg.history = 0;
	f = fake_new(&cfg);
	reg_ext(f, 1, UID_A, "carol");
	create(f, 1, UID_A, "carol", "h", id);
	line(f, 1, "send_msg$" UID_A "$h$one");
	line(f, 1, "send_msg$" UID_A "$h$two");
	expect(f, 1, "msg$%s$1$%llu$carol$one\nmsg$%s$2$%llu$carol$two\n", id,
	    now(f), id, now(f));
	reg_ext(f, 2, UID_B, "dave");
	line(f, 2, "join$" UID_B "$h");
	expect(f, 2,
	    "joined$%s$channel$2$h\n"
	    "names$%s$carol dave\n"
	    "names_end$%s$2\n"
	    "history_end$%s$0\n",
	    id, id, id, id);
	fake_free(f);
}

static void
test_ext_leave_part(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char id[PROTO_ID_MAX + 1];

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 3, UID_C, "carol");
	create(f, 1, UID_A, "alice", "room", id);
	line(f, 2, "join$" UID_B "$room");
	line(f, 3, "join$" UID_C "$room");
	take_all(f);
	f->now += 7;
	line(f, 2, "leave$" UID_B "$ROOM");
	expect(f, 2, "left$%s\n", id);
	expect(f, 1, "part$%s$%llu$bob\n", id, now(f));
	nothing(f, 3);
	line(f, 2, "leave$" UID_B "$room");
	expect(f, 2, "error$not_member$leave$" TXT_NOT_MEMBER ": room\n");
	line(f, 3, "leave$" UID_C "$%s", id);
	nothing(f, 3);
	expect(f, 1, "part$%s$%llu$carol\n", id, now(f));
	assert_int_equal(chat_channel_count(f->chat), 1);
	/* The last member out removes the channel: nobody left to tell. */
	line(f, 1, "leave$" UID_A "$room");
	expect(f, 1, "left$%s\n", id);
	assert_int_equal(chat_channel_count(f->chat), 0);
	line(f, 1, "leave$" UID_A "$room");
	expect(f, 1, "error$no_such_channel$leave$" TXT_NO_CHAN ": room\n");
	/* Leaving one's own personal channel keeps it for the others. */
	line(f, 2, "join$" UID_B "$" UID_A);
	take_all(f);
	line(f, 1, "leave$" UID_A "$" UID_A);
	expect(f, 1, "left$" UID_A "\n");
	expect(f, 2, "part$" UID_A "$%llu$alice\n", now(f));
	line(f, 2, "names$" UID_B "$" UID_A);
	expect(f, 2, "names$" UID_A "$bob\nnames_end$" UID_A "$1\n");
	fake_free(f);
}

static void
test_ext_dm(void **state)
{
	struct fake *f = fake_new(&cfg_default);

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 3, UID_C, "carol");
	line(f, 1, "dm$" UID_A "$BOB$hi $there");
	expect(f, 2, "dm$%llu$alice$bob$hi $there\n", now(f));
	expect(f, 1, "dm$%llu$alice$bob$hi $there\n", now(f));
	nothing(f, 3);
	line(f, 1, "dm_act$" UID_A "$bob$waves");
	expect(f, 2, "dm_act$%llu$alice$bob$waves\n", now(f));
	expect(f, 1, "dm_act$%llu$alice$bob$waves\n", now(f));
	/* To oneself: one copy. */
	line(f, 1, "dm$" UID_A "$alice$note");
	expect(f, 1, "dm$%llu$alice$alice$note\n", now(f));
	/* A base recipient reads the reference form. */
	line(f, 1, "dm$" UID_A "$carol$hi");
	expect(f, 3, "[dm] alice: hi\n");
	expect(f, 1, "dm$%llu$alice$carol$hi\n", now(f));
	line(f, 1, "dm_act$" UID_A "$carol$nods");
	expect(f, 3, "[dm] * alice nods\n");
	expect(f, 1, "dm_act$%llu$alice$carol$nods\n", now(f));
	line(f, 1, "dm$" UID_A "$nobody$hi");
	expect(f, 1, "error$no_such_user$dm$" TXT_NO_USER ": nobody\n");
	nothing(f, 2);
	fake_free(f);
}

static void
test_ext_act(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char id[PROTO_ID_MAX + 1];

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 3, UID_C, "carol");
	create(f, 1, UID_A, "alice", "room", id);
	line(f, 2, "join$" UID_B "$room");
	line(f, 3, "join$" UID_C "$room");
	take_all(f);
	line(f, 1, "send_act$" UID_A "$room$waves $5");
	expect(f, 1, "act$%s$1$%llu$alice$waves $5\n", id, now(f));
	expect(f, 2, "act$%s$1$%llu$alice$waves $5\n", id, now(f));
	expect(f, 3, "* alice waves $5\n");
	line(f, 3, "send_msg$" UID_C "$room$hey");
	expect(f, 1, "msg$%s$2$%llu$carol$hey\n", id, now(f));
	expect(f, 2, "msg$%s$2$%llu$carol$hey\n", id, now(f));
	expect(f, 3, "carol: hey\n");
	fake_free(f);
}

static void
test_ext_list(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char one[PROTO_ID_MAX + 1], two[PROTO_ID_MAX + 1];
	char want[2][128], got[3][128], *sorted[2];
	const char *out;
	int i;

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	line(f, 1, "list$" UID_A);
	expect(f, 1, "list_end$0\n");
	reg_ext(f, 2, UID_B, "bob");
	create(f, 1, UID_A, "alice", "one", one);
	create(f, 2, UID_B, "bob", "Two", two);
	line(f, 2, "join$" UID_B "$one");
	take_all(f);
	line(f, 1, "list$" UID_A);
	out = take(f, 1);
	for (i = 0; i < 3; i++) {
		size_t n = strcspn(out, "\n");

		assert_true(n < sizeof(got[i]));
		memcpy(got[i], out, n);
		got[i][n] = '\0';
		out += n + 1;
	}
	assert_string_equal(out, "");
	assert_string_equal(got[2], "list_end$2");
	sorted[0] = got[0];
	sorted[1] = got[1];
	qsort(sorted, 2, sizeof(sorted[0]), cmp_str);
	snprintf(want[0], sizeof(want[0]), "list$%s$channel$2$one", one);
	snprintf(want[1], sizeof(want[1]), "list$%s$channel$1$Two", two);
	if (strcmp(want[0], want[1]) > 0) {
		char tmp[128];

		memcpy(tmp, want[0], sizeof(tmp));
		memcpy(want[0], want[1], sizeof(tmp));
		memcpy(want[1], tmp, sizeof(tmp));
	}
	assert_string_equal(sorted[0], want[0]);
	assert_string_equal(sorted[1], want[1]);
	fake_free(f);
}

static void
test_ext_nick(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char r1[PROTO_ID_MAX + 1], r2[PROTO_ID_MAX + 1];

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 3, UID_C, "carol");
	reg_ext(f, 4, UID_D, "dave");
	create(f, 1, UID_A, "alice", "r1", r1);
	create(f, 1, UID_A, "alice", "r2", r2);
	line(f, 2, "join$" UID_B "$r1");
	line(f, 2, "join$" UID_B "$r2");
	line(f, 2, "join$" UID_B "$" UID_A);
	line(f, 3, "join$" UID_C "$r1");
	take_all(f);
	line(f, 1, "nick$" UID_A "$Alicia");
	expect(f, 1, "nick$%llu$alice$Alicia\n", now(f));
	/* Once, though bob shares three channels. */
	expect(f, 2, "nick$%llu$alice$Alicia\n", now(f));
	nothing(f, 3);
	nothing(f, 4);
	/* A change of case only. */
	line(f, 1, "nick$" UID_A "$ALICIA");
	expect(f, 1, "nick$%llu$Alicia$ALICIA\n", now(f));
	expect(f, 2, "nick$%llu$Alicia$ALICIA\n", now(f));
	line(f, 1, "nick$" UID_A "$BoB");
	expect(f, 1, "error$name_taken$nick$" TXT_TAKEN ": BoB\n");
	nothing(f, 2);
	/* The personal channel follows; the old name is free. */
	line(f, 4, "join$" UID_D "$" UID_A);
	expect(f, 4,
	    "joined$" UID_A "$personal$3$~ALICIA\n"
	    "names$" UID_A "$ALICIA bob dave\n"
	    "names_end$" UID_A "$3\n"
	    "history_end$" UID_A "$0\n");
	reg_ext(f, 5, UID_E, "alice");
	line(f, 1, "send_msg$" UID_A "$r1$hi");
	expect(f, 3, "ALICIA: hi\n");
	take_all(f);
	line(f, 5, "dm$" UID_E "$alicia$psst");
	expect(f, 1, "dm$%llu$alice$ALICIA$psst\n", now(f));
	fake_free(f);
}

/*
 * Names that look alike are taken, in reg and nick, for users and for
 * channels, while every name keeps its spelling and is found in any case.
 */
static void
test_lookalike_names(void **state)
{
	static const char *const alikes[] = {
	    "aIice", "a1ice", "ALICE", "AL1CE", "aiice", "a1lce"};
	char room[PROTO_ID_MAX + 1];
	struct fake *f = fake_new(&cfg_default);
	size_t i;

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	conn_open(f, 3, UID_C);
	hello(f, 3);
	for (i = 0; i < sizeof(alikes) / sizeof(alikes[0]); i++) {
		line(f, 3, "reg$%s", alikes[i]);
		expect(f, 3, "error$name_taken$reg$" TXT_TAKEN ": %s\n",
		    alikes[i]);
		line(f, 2, "nick$" UID_B "$%s", alikes[i]);
		expect(f, 2, "error$name_taken$nick$" TXT_TAKEN ": %s\n",
		    alikes[i]);
	}
	line(f, 3, "reg$b0b");
	expect(f, 3, "error$name_taken$reg$" TXT_TAKEN ": b0b\n");
	assert_false(chat_registered(f->chat, 3));
	/* One's own look-alike is a rename like a change of case. */
	line(f, 1, "nick$" UID_A "$aIice");
	expect(f, 1, "nick$%llu$alice$aIice\n", now(f));
	/* A dm goes to the name as spelled, in any case, not a look-alike. */
	line(f, 2, "dm$" UID_B "$alice$hi");
	expect(f, 2, "error$no_such_user$dm$" TXT_NO_USER ": alice\n");
	line(f, 2, "dm$" UID_B "$AIICE$hi");
	expect(f, 1, "dm$%llu$bob$aIice$hi\n", now(f));
	take_all(f);
	/* Channels: "rn" reads as "m", "0" as "o". */
	create(f, 2, UID_B, "bob", "modern", room);
	line(f, 2, "create_chan$" UID_B "$rnodern");
	expect(
	    f, 2, "error$channel_exists$create_chan$" TXT_EXISTS ": rnodern\n");
	line(f, 2, "create_chan$" UID_B "$M0DERN");
	expect(
	    f, 2, "error$channel_exists$create_chan$" TXT_EXISTS ": M0DERN\n");
	line(f, 1, "join$" UID_A "$rnodern");
	expect(f, 1, "error$no_such_channel$join$" TXT_NO_CHAN ": rnodern\n");
	assert_int_equal(chat_channel_count(f->chat), 1);
	assert_int_equal(chat_check(f->chat), 0);
	fake_free(f);
}

static void
test_ping_pong(void **state)
{
	struct fake *f = fake_new(&cfg_default);

	(void)state;
	/* Before registering, in both modes. */
	conn_open(f, 1, UID_A);
	line(f, 1, "ping$42");
	expect(f, 1, "$$pong: 42\n");
	conn_open(f, 2, UID_B);
	hello(f, 2);
	line(f, 2, "ping$a$b~!");
	expect(f, 2, "pong$a$b~!\n");
	line(f, 2, "pong$whatever");
	nothing(f, 2);
	line(f, 1, "reg$alice");
	take_all(f);
	line(f, 1, "ping$x");
	expect(f, 1, "$$pong: x\n");
	line(f, 1, "pong$x");
	expect(f, 1, "$$error: ext_only: " TXT_EXT_ONLY "\n");
	line(f, 2, "reg$bob");
	take_all(f);
	line(f, 2, "pong$1");
	nothing(f, 2);
	/* Keepalive pings go to extended connections only. */
	chat_keepalive(f->chat, 2, "k1");
	expect(f, 2, "ping$k1\n");
	chat_keepalive(f->chat, 1, "k1");
	nothing(f, 1);
	chat_keepalive(f->chat, 9, "k1");
	chat_keepalive(f->chat, FAKE_CONNS + 100, "k1");
	fake_free(f);
}

/* Errors, table-driven, in both modes. */

struct err_row {
	const char *cmd; /* {me}, {bob}, {room} are replaced */
	const char *code;
	const char *verb;
	const char *text;
	/* In base mode, when it differs: an extended command is refused. */
	int ext_only;
};

/* Copies tmpl to dst, replacing {me}, {bob} and {room}. */
static size_t
subst(
    char *dst, size_t size, const char *tmpl, const char *me, const char *room)
{
	size_t n = 0;

	while (*tmpl != '\0') {
		const char *put = NULL;

		if (strncmp(tmpl, "{me}", 4) == 0)
			put = me;
		else if (strncmp(tmpl, "{bob}", 5) == 0)
			put = UID_B;
		else if (strncmp(tmpl, "{room}", 6) == 0)
			put = room;
		if (put != NULL) {
			assert_true(n + strlen(put) < size);
			memcpy(dst + n, put, strlen(put));
			n += strlen(put);
			tmpl = strchr(tmpl, '}') + 1;
			continue;
		}
		assert_true(n + 1 < size);
		dst[n++] = *tmpl++;
	}
	dst[n] = '\0';
	return n;
}

/* The error line conn should get, in its mode. */
static void
expect_error(struct fake *f, int conn, const char *code, const char *verb,
    const char *text)
{
	if (chat_mode(f->chat, conn) == CHAT_MODE_EXT)
		expect(f, conn, "error$%s$%s$%s\n", code, verb, text);
	else
		expect(f, conn, "$$error: %s: %s\n", code, text);
}

static const struct err_row registered_rows[] = {
    {"reg$alice2", "already_registered", "reg", TXT_ALREADY ": alice2", 0},
    {"reg$BOB", "already_registered", "reg", TXT_ALREADY ": BOB", 0},
    {"reg$-x", "bad_name", "reg", TXT_BAD_NAME, 0},
    {"reg$a~b", "bad_name", "reg", TXT_BAD_NAME, 0},
    {"reg$", "bad_args", "reg", TXT_BAD_ARGS, 0},
    {"join${me}$nowhere", "no_such_channel", "join", TXT_NO_CHAN ": nowhere",
        0},
    {"join${me}$no$where", "no_such_channel", "join", TXT_NO_CHAN ": no$where",
        0},
    {"leave${me}$nowhere", "no_such_channel", "leave", TXT_NO_CHAN ": nowhere",
        0},
    {"send_msg${me}$nowhere$hi", "no_such_channel", "send_msg",
        TXT_NO_CHAN ": nowhere", 0},
    {"send_msg${me}$room$hi", "not_member", "send_msg", TXT_NOT_MEMBER ": room",
        0},
    {"send_msg${me}${room}$hi", "not_member", "send_msg",
        TXT_NOT_MEMBER ": {room}", 0},
    {"leave${me}$ROOM", "not_member", "leave", TXT_NOT_MEMBER ": ROOM", 0},
    {"leave${me}${bob}", "not_member", "leave", TXT_NOT_MEMBER ": {bob}", 0},
    {"create_chan${me}$Room", "channel_exists", "create_chan",
        TXT_EXISTS ": Room", 0},
    {"create_chan${me}$ROOM", "channel_exists", "create_chan",
        TXT_EXISTS ": ROOM", 0},
    {"create_chan${me}$bad~", "bad_channel_name", "create_chan", TXT_BAD_CHAN,
        0},
    {"create_chan${me}$0123456789012345678901234567890123", "bad_channel_name",
        "create_chan", TXT_BAD_CHAN, 0},
    {"send_msg${me}$room$", "bad_text", "send_msg", TXT_BAD_TEXT, 0},
    {"frob", "unknown_command", "*", TXT_UNKNOWN, 0},
    {"frob$x$y", "unknown_command", "*", TXT_UNKNOWN, 0},
    {"JOIN${me}$room", "unknown_command", "*", TXT_UNKNOWN, 0},
    {"$", "unknown_command", "*", TXT_UNKNOWN, 0},
    {"join${me}", "bad_args", "join", TXT_BAD_ARGS, 0},
    {"join", "bad_args", "join", TXT_BAD_ARGS, 0},
    {"join$$room", "bad_args", "join", TXT_BAD_ARGS, 0},
    {"join${me}$", "bad_args", "join", TXT_BAD_ARGS, 0},
    {"send_msg${me}$room", "bad_args", "send_msg", TXT_BAD_ARGS, 0},
    {"create_chan", "bad_args", "create_chan", TXT_BAD_ARGS, 0},
    {"ping$", "bad_args", "ping", TXT_BAD_ARGS, 0},
    {"ping$a b", "bad_token", "ping", TXT_BAD_TOKEN, 0},
    {"ping$\xc3\xa9", "bad_token", "ping", TXT_BAD_TOKEN, 0},
    {"hello$1", "bad_state", "hello", TXT_BAD_STATE, 0},
    {"hello$2", "bad_state", "hello", TXT_BAD_STATE, 0},
    {"join${bob}$room", "bad_uid", "join", TXT_BAD_UID ": {bob}", 0},
    {"join${me}x$room", "bad_uid", "join", TXT_BAD_UID ": {me}x", 0},
    {"send_msg$x${room}$hi", "bad_uid", "send_msg", TXT_BAD_UID ": x", 0},
    {"send_msg${me}$room$\xc3\x28", "bad_utf8", "*", TXT_BAD_UTF8, 0},
    {"send_msg${me}$room$\xed\xa0\x80", "bad_utf8", "*", TXT_BAD_UTF8, 0},
    {"send_msg${me}$room$a\x01z", "bad_char", "*", TXT_BAD_CHAR, 0},
    {"send_msg${me}$room$a\x7fz", "bad_char", "*", TXT_BAD_CHAR, 0},
    {"send_msg${me}$room$\xe2\x80\xae", "bad_char", "*", TXT_BAD_CHAR, 0},
    {"quit$\t", "bad_char", "*", TXT_BAD_CHAR, 0},
    /*
     * Extended commands: their own errors, or ext_only in base mode once
     * the line decodes (a malformed field is reported first).
     */
    {"dm${me}$nobody$hi", "no_such_user", "dm", TXT_NO_USER ": nobody", 1},
    {"dm_act${me}$nobody$hi", "no_such_user", "dm_act", TXT_NO_USER ": nobody",
        1},
    {"dm${me}$bob$", "bad_text", "dm", TXT_BAD_TEXT, 0},
    {"dm${me}$~bob$hi", "bad_name", "dm", TXT_BAD_NAME, 0},
    {"names${me}$nowhere", "no_such_channel", "names", TXT_NO_CHAN ": nowhere",
        1},
    {"send_act${me}$room$hi", "not_member", "send_act", TXT_NOT_MEMBER ": room",
        1},
    {"send_act${me}$nowhere$hi", "no_such_channel", "send_act",
        TXT_NO_CHAN ": nowhere", 1},
    {"nick${me}$BOB", "name_taken", "nick", TXT_TAKEN ": BOB", 1},
    {"nick${me}$-x", "bad_name", "nick", TXT_BAD_NAME, 0},
    {"nick${me}", "bad_args", "nick", TXT_BAD_ARGS, 0},
    {"list", "bad_args", "list", TXT_BAD_ARGS, 0},
    {"pong$", "bad_args", "pong", TXT_BAD_ARGS, 0},
    {"list${bob}", "bad_uid", "list", TXT_BAD_UID ": {bob}", 1},
};

/*
 * conn 1 is alice in the mode under test; bob (extended, conn 2) made
 * "room", which carol (base, conn 3) joined.
 */
static struct fake *
err_fixture(int ext, char *room)
{
	struct fake *f = fake_new(&cfg_default);

	if (ext)
		reg_ext(f, 1, UID_A, "alice");
	else
		reg_base(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 3, UID_C, "carol");
	create(f, 2, UID_B, "bob", "room", room);
	line(f, 3, "join$" UID_C "$room");
	take_all(f);
	return f;
}

static void
run_registered_errors(int ext)
{
	char room[PROTO_ID_MAX + 1], cmd[PROTO_LINE_MAX], text[PROTO_LINE_MAX];
	struct fake *f = err_fixture(ext, room);
	size_t i, n;

	for (i = 0; i < sizeof(registered_rows) / sizeof(registered_rows[0]);
	     i++) {
		const struct err_row *r = &registered_rows[i];

		/* A minute apart, so that no row meets the error limit. */
		f->now += 60000;
		n = subst(cmd, sizeof(cmd), r->cmd, UID_A, room);
		line_raw(f, 1, cmd, n);
		if (!ext && r->ext_only) {
			subst(text, sizeof(text), r->cmd, UID_A, room);
			text[strcspn(text, "$")] = '\0';
			expect_error(f, 1, "ext_only", text, TXT_EXT_ONLY);
		} else {
			subst(text, sizeof(text), r->text, UID_A, room);
			expect_error(f, 1, r->code, r->verb, text);
		}
		expect_open(f, 1);
		nothing(f, 2);
		nothing(f, 3);
	}
	assert_int_equal(chat_user_count(f->chat), 3);
	assert_int_equal(chat_channel_count(f->chat), 1);
	fake_free(f);
}

static void
test_errors_registered_base(void **state)
{
	(void)state;
	run_registered_errors(0);
}

static void
test_errors_registered_ext(void **state)
{
	(void)state;
	run_registered_errors(1);
}

static const struct err_row unregistered_rows[] = {
    {"join$x$room", "not_registered", "join", TXT_NOT_REG, 0},
    {"leave$x$room", "not_registered", "leave", TXT_NOT_REG, 0},
    {"create_chan$x$y", "not_registered", "create_chan", TXT_NOT_REG, 0},
    {"send_msg$x$room$hi", "not_registered", "send_msg", TXT_NOT_REG, 0},
    {"reg$BOB", "name_taken", "reg", TXT_TAKEN ": BOB", 0},
    {"reg$bob", "name_taken", "reg", TXT_TAKEN ": bob", 0},
    {"reg$b!", "bad_name", "reg", TXT_BAD_NAME, 0},
    {"reg$012345678901234567890123456789012", "bad_name", "reg", TXT_BAD_NAME,
        0},
    {"list$x", "not_registered", "list", TXT_NOT_REG, 1},
    {"dm$x$bob$hi", "not_registered", "dm", TXT_NOT_REG, 1},
    {"nick$x$y", "not_registered", "nick", TXT_NOT_REG, 1},
};

static void
run_unregistered_errors(int ext)
{
	char room[PROTO_ID_MAX + 1], cmd[PROTO_LINE_MAX], text[PROTO_LINE_MAX];
	struct fake *f = fake_new(&cfg_default);
	size_t i, n;

	reg_ext(f, 2, UID_B, "bob");
	create(f, 2, UID_B, "bob", "room", room);
	conn_open(f, 1, UID_A);
	if (ext)
		hello(f, 1);
	for (i = 0;
	     i < sizeof(unregistered_rows) / sizeof(unregistered_rows[0]);
	     i++) {
		const struct err_row *r = &unregistered_rows[i];

		f->now += 60000;
		n = subst(cmd, sizeof(cmd), r->cmd, UID_A, room);
		line_raw(f, 1, cmd, n);
		if (!ext && r->ext_only) {
			subst(text, sizeof(text), r->cmd, UID_A, room);
			text[strcspn(text, "$")] = '\0';
			expect_error(f, 1, "ext_only", text, TXT_EXT_ONLY);
		} else {
			expect_error(f, 1, r->code, r->verb, r->text);
		}
		expect_open(f, 1);
		assert_false(chat_registered(f->chat, 1));
		nothing(f, 2);
	}
	/* A name that is free, at last. */
	line(f, 1, "reg$dave");
	if (ext)
		assert_memory_equal(take(f, 1), "registered$" UID_A "$dave\n",
		    strlen("registered$" UID_A "$dave\n"));
	else
		expect(f, 1, UID_A "\n");
	assert_true(chat_registered(f->chat, 1));
	fake_free(f);
}

static void
test_errors_unregistered_base(void **state)
{
	(void)state;
	run_unregistered_errors(0);
}

static void
test_errors_unregistered_ext(void **state)
{
	(void)state;
	run_unregistered_errors(1);
}

/* hello: first line only, version 1 only. */
static void
test_errors_hello(void **state)
{
	static const char *const bad[] = {"hello$2", "hello$0", "hello$x",
	    "hello$01", "hello$1x", "hello$1234567890"};
	struct fake *f = fake_new(&cfg_default);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conn_open(f, 1, UID_A);
		line(f, 1, "%s", bad[i]);
		expect(f, 1, "$$error: bad_version: " TXT_BAD_VERSION "\n");
		/* The connection stays in base mode... */
		assert_int_equal(chat_mode(f->chat, 1), CHAT_MODE_BASE);
		/* ...and hello is no longer the first line. */
		line(f, 1, "hello$1");
		expect(f, 1, "$$error: bad_state: " TXT_BAD_STATE "\n");
		assert_int_equal(chat_mode(f->chat, 1), CHAT_MODE_BASE);
		disconnect(f, 1, "gone");
	}
	conn_open(f, 1, UID_A);
	line(f, 1, "hello");
	expect(f, 1, "$$error: bad_args: " TXT_BAD_ARGS "\n");
	disconnect(f, 1, "gone");
	/* Any line first, even ping, makes it base mode. */
	conn_open(f, 1, UID_A);
	line(f, 1, "ping$1");
	line(f, 1, "hello$1");
	expect(f, 1, "$$pong: 1\n$$error: bad_state: " TXT_BAD_STATE "\n");
	disconnect(f, 1, "gone");
	/* A second hello in extended mode. */
	conn_open(f, 1, UID_A);
	hello(f, 1);
	line(f, 1, "hello$1");
	expect(f, 1, "error$bad_state$hello$" TXT_BAD_STATE "\n");
	fake_free(f);
}

/* Text and reason lengths at N-1, N and N+1. */
static void
run_text_limits(int ext)
{
	char text[PROTO_TEXT_MAX + 2], id[PROTO_ID_MAX + 1];
	struct fake *f = err_fixture(ext, id);
	const char *out;
	size_t n;

	line(f, 1, "join$" UID_A "$room");
	take_all(f);
	memset(text, 'a', sizeof(text));
	text[sizeof(text) - 1] = '\0';
	/* 3071 and 3072 bytes pass, 3073 does not. */
	text[0] = '$';
	for (n = PROTO_TEXT_MAX - 1; n <= PROTO_TEXT_MAX; n++) {
		line(f, 1, "send_msg$" UID_A "$room$%.*s", (int)n, text);
		out = take(f, 3);
		assert_int_equal(strlen(out), strlen("alice: ") + n + 1);
		assert_memory_equal(out, "alice: $aaa", 11);
		out = take(f, 2);
		assert_memory_equal(out, "msg$", 4);
		assert_int_equal(strlen(out),
		    strlen("msg$$2$1795600000000$alice$") + strlen(id) + n + 1);
		take_all(f);
	}
	line(f, 1, "send_msg$" UID_A "$room$%s", text);
	expect_error(f, 1, "text_too_long", "send_msg", TXT_TOO_LONG);
	nothing(f, 2);
	nothing(f, 3);
	/* A multi-byte text is measured in bytes. */
	line(f, 1, "send_msg$" UID_A "$room$%.3070s\xe2\x82\xac", text);
	expect_error(f, 1, "text_too_long", "send_msg", TXT_TOO_LONG);
	line(f, 1, "send_msg$" UID_A "$room$%.3070s\xc3\xa9", text);
	out = take(f, 3);
	assert_int_equal(strlen(out), strlen("alice: ") + PROTO_TEXT_MAX + 1);
	take_all(f);
	/* Quit reasons: 257 bytes are refused and the user stays. */
	line(f, 1, "quit$%.257s", text);
	expect_error(f, 1, "text_too_long", "quit", TXT_TOO_LONG);
	expect_open(f, 1);
	line(f, 1, "quit$%.256s", text);
	assert_int_equal(f->conns[1].closes, 1);
	assert_int_equal(strlen(f->conns[1].final),
	    (ext ? strlen("error$quit$quit$") : strlen("$$error: quit: ")) +
	        256 + 1);
	out = take(f, 2);
	assert_int_equal(
	    strlen(out), strlen("quit$1795600000000$alice$") + 256 + 1);
	fake_free(f);
}

static void
test_text_limits_base(void **state)
{
	(void)state;
	run_text_limits(0);
}

static void
test_text_limits_ext(void **state)
{
	(void)state;
	run_text_limits(1);
}

/* bad_uid: whatever the command, nothing reaches anyone else. */
static void
run_bad_uid(int ext)
{
	static const char *const cmds[] = {
	    "create_chan${bob}$new",
	    "join${bob}$room",
	    "leave${bob}$room",
	    "send_msg${bob}$room$forged",
	    "send_msg${bob}${bob}$forged",
	    "send_act${bob}$room$forged",
	    "dm${bob}$carol$forged",
	    "dm_act${bob}$carol$forged",
	    "nick${bob}$mallory",
	    "list${bob}",
	    "names${bob}$room",
	    "join${me}:1$room",
	    "join$127.0.0.1$room",
	};
	char room[PROTO_ID_MAX + 1], cmd[PROTO_LINE_MAX], want[PROTO_LINE_MAX];
	struct fake *f = err_fixture(ext, room);
	size_t i, n;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *uid;

		f->now += 60000;
		n = subst(cmd, sizeof(cmd), cmds[i], UID_A, room);
		line_raw(f, 1, cmd, n);
		uid = strchr(cmd, '$') + 1;
		if (!ext && strncmp(cmd, "create_chan", 11) != 0 &&
		    strncmp(cmd, "join", 4) != 0 &&
		    strncmp(cmd, "leave", 5) != 0 &&
		    strncmp(cmd, "send_msg", 8) != 0) {
			cmd[strcspn(cmd, "$")] = '\0';
			expect_error(f, 1, "ext_only", cmd, TXT_EXT_ONLY);
		} else {
			snprintf(want, sizeof(want), TXT_BAD_UID ": %.*s",
			    (int)strcspn(uid, "$"), uid);
			cmd[strcspn(cmd, "$")] = '\0';
			expect_error(f, 1, "bad_uid", cmd, want);
		}
		nothing(f, 2);
		nothing(f, 3);
	}
	/* Nothing changed either. */
	assert_int_equal(chat_channel_count(f->chat), 1);
	line(f, 2, "names$" UID_B "$room");
	expect(f, 2, "names$%s$bob carol\nnames_end$%s$2\n", room, room);
	line(f, 2, "dm$" UID_B "$bob$still bob");
	expect(f, 2, "dm$%llu$bob$bob$still bob\n", now(f));
	fake_free(f);
}

static void
test_bad_uid_base(void **state)
{
	(void)state;
	run_bad_uid(0);
}

static void
test_bad_uid_ext(void **state)
{
	(void)state;
	run_bad_uid(1);
}

/* A long field is echoed cut at 64 bytes, on a character boundary. */
static void
test_error_echo_cut(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char name[200];

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	memset(name, 'x', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	line(f, 1, "join$" UID_A "$%s", name);
	expect(
	    f, 1, "error$no_such_channel$join$" TXT_NO_CHAN ": %.64s\n", name);
	/* An e-acute straddling byte 64 is left out whole. */
	memcpy(name + 63, "\xc3\xa9", 2);
	line(f, 1, "join$" UID_A "$%s", name);
	expect(
	    f, 1, "error$no_such_channel$join$" TXT_NO_CHAN ": %.63s\n", name);
	fake_free(f);
}

static void
test_join_limit(void **state)
{
	struct chat_config cfg = cfg_default;
	char id[PROTO_ID_MAX + 1], other[PROTO_ID_MAX + 1];
	struct fake *f;

	(void)state;
	cfg.max_joins = 3;
	f = fake_new(&cfg);
	reg_ext(f, 1, UID_A, "alice");
	reg_base(f, 2, UID_B, "bob");
	create(f, 2, UID_B, "bob", "other", other);
	/* Personal channel + 2 = 3 channels: the limit. */
	create(f, 1, UID_A, "alice", "c1", id);
	create(f, 1, UID_A, "alice", "c2", id);
	line(f, 1, "create_chan$" UID_A "$c3");
	expect(f, 1, "error$join_limit$create_chan$" TXT_JOIN_LIMIT ": c3\n");
	line(f, 1, "join$" UID_A "$other");
	expect(f, 1, "error$join_limit$join$" TXT_JOIN_LIMIT ": other\n");
	line(f, 1, "join$" UID_A "$" UID_B);
	expect(f, 1, "error$join_limit$join$" TXT_JOIN_LIMIT ": " UID_B "\n");
	nothing(f, 2);
	assert_int_equal(chat_channel_count(f->chat), 3);
	/* Rejoining a channel one is in is not a new join. */
	line(f, 1, "join$" UID_A "$c1");
	assert_memory_equal(take(f, 1), "joined$", 7);
	/* One out, one in. */
	line(f, 1, "leave$" UID_A "$c1");
	take_all(f);
	line(f, 1, "join$" UID_A "$other");
	assert_memory_equal(take(f, 1), "joined$", 7);
	expect(f, 2, "$$joined: %s\n", other);
	/* Base mode reads the same code. */
	line(f, 2, "create_chan$" UID_B "$b1");
	take_all(f);
	line(f, 2, "create_chan$" UID_B "$b2");
	expect(f, 2, "$$error: join_limit: " TXT_JOIN_LIMIT ": b2\n");
	fake_free(f);
}

static void
test_channel_limit(void **state)
{
	struct chat_config cfg = cfg_default;
	char id[PROTO_ID_MAX + 1];
	struct fake *f;

	(void)state;
	cfg.max_channels = 2;
	f = fake_new(&cfg);
	reg_ext(f, 1, UID_A, "alice");
	reg_base(f, 2, UID_B, "bob");
	create(f, 1, UID_A, "alice", "c1", id);
	create(f, 2, UID_B, "bob", "c2", id);
	assert_int_equal(chat_channel_count(f->chat), 2);
	line(f, 1, "create_chan$" UID_A "$c3");
	expect(
	    f, 1, "error$channel_limit$create_chan$" TXT_CHAN_LIMIT ": c3\n");
	line(f, 2, "create_chan$" UID_B "$c3");
	expect(f, 2, "$$error: channel_limit: " TXT_CHAN_LIMIT ": c3\n");
	/* Personal channels do not count: a third user still registers. */
	reg_ext(f, 3, UID_C, "carol");
	/* One removed, one may be made. */
	line(f, 2, "leave$" UID_B "$c2");
	assert_int_equal(chat_channel_count(f->chat), 1);
	create(f, 2, UID_B, "bob", "c3", id);
	assert_int_equal(chat_channel_count(f->chat), 2);
	fake_free(f);
}

static void
test_channel_full(void **state)
{
	struct chat_config cfg = cfg_default;
	char id[PROTO_ID_MAX + 1];
	struct fake *f;

	(void)state;
	cfg.max_members = 2;
	f = fake_new(&cfg);
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 3, UID_C, "carol");
	create(f, 1, UID_A, "alice", "room", id);
	line(f, 2, "join$" UID_B "$room");
	take_all(f);
	line(f, 3, "join$" UID_C "$room");
	expect(f, 3, "$$error: channel_full: " TXT_FULL ": room\n");
	nothing(f, 1);
	nothing(f, 2);
	/* Personal channels too. */
	line(f, 2, "join$" UID_B "$" UID_A);
	take_all(f);
	line(f, 3, "join$" UID_C "$" UID_A);
	expect(f, 3, "$$error: channel_full: " TXT_FULL ": " UID_A "\n");
	/* A member rejoining a full channel is fine. */
	line(f, 2, "join$" UID_B "$room");
	assert_memory_equal(take(f, 2), "joined$", 7);
	line(f, 2, "leave$" UID_B "$room");
	take_all(f);
	line(f, 3, "join$" UID_C "$room");
	expect(f, 3, "$$joined: %s\n", id);
	line(f, 2, "join$" UID_B "$room");
	expect(f, 2, "error$channel_full$join$" TXT_FULL ": room\n");
	fake_free(f);
}

static void
test_line_too_long(void **state)
{
	struct fake *f = fake_new(&cfg_default);

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	reg_base(f, 2, UID_B, "bob");
	chat_line_too_long(f->chat, 1, f->now);
	settle(f);
	expect(f, 1, "error$line_too_long$*$" TXT_LINE_TOO_LONG "\n");
	chat_line_too_long(f->chat, 2, f->now);
	settle(f);
	expect(f, 2, "$$error: line_too_long: " TXT_LINE_TOO_LONG "\n");
	expect_open(f, 1);
	expect_open(f, 2);
	/* Before reg it is not a chat client: closed, in its mode. */
	conn_open(f, 3, UID_C);
	chat_line_too_long(f->chat, 3, f->now);
	settle(f);
	nothing(f, 3);
	expect_closed(f, 3, 0, "$$error: not_chat: " TXT_NOT_CHAT "\n");
	conn_open(f, 4, UID_D);
	hello(f, 4);
	chat_line_too_long(f->chat, 4, f->now);
	settle(f);
	expect_closed(f, 4, 0, "error$not_chat$*$" TXT_NOT_CHAT "\n");
	/* An unknown conn is ignored. */
	chat_line_too_long(f->chat, 9, f->now);
	chat_line_too_long(f->chat, -1, f->now);
	chat_line(f->chat, 9, "ping$1", 6, f->now);
	settle(f);
	nothing(f, 9);
	fake_free(f);
}

/* Abuse. */

static void
test_not_chat(void **state)
{
	static const char *const bad[] = {"\xff\xfe", "GET / HTTP/1.1\r",
	    "\x16\x03\x01", "reg$al\xc3", "a\x01"};
	struct fake *f = fake_new(&cfg_default);
	size_t i;

	(void)state;
	reg_ext(f, 2, UID_B, "bob");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conn_open(f, 1, UID_A);
		line(f, 1, "%s", bad[i]);
		nothing(f, 1);
		expect_closed(f, 1, 0, "$$error: not_chat: " TXT_NOT_CHAT "\n");
		nothing(f, 2);
	}
	/* After hello, in the extended form. */
	conn_open(f, 1, UID_A);
	hello(f, 1);
	line(f, 1, "%s", "\xc0\x80");
	expect_closed(f, 1, 0, "error$not_chat$*$" TXT_NOT_CHAT "\n");
	/* A registered user only gets an error. */
	line(f, 2, "%s", "\xc0\x80");
	expect(f, 2, "error$bad_utf8$*$" TXT_BAD_UTF8 "\n");
	expect_open(f, 2);
	assert_int_equal(chat_user_count(f->chat), 1);
	fake_free(f);
}

static void
run_errors_max(int ext)
{
	struct fake *f = fake_new(&cfg_default);
	int i;

	if (ext)
		reg_ext(f, 1, UID_A, "alice");
	else
		reg_base(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	line(f, 2, "join$" UID_B "$" UID_A);
	take_all(f);
	/* 20 errors in a minute are allowed... */
	for (i = 0; i < 20; i++) {
		line(f, 1, "frob");
		expect_error(f, 1, "unknown_command", "*", TXT_UNKNOWN);
	}
	expect_open(f, 1);
	/* ...a window later the count starts again... */
	f->now += 60000;
	for (i = 0; i < 20; i++) {
		line(f, 1, "frob");
		expect_error(f, 1, "unknown_command", "*", TXT_UNKNOWN);
	}
	expect_open(f, 1);
	/* ...but not a millisecond earlier. */
	f->now += 59999;
	line(f, 1, "frob");
	if (ext)
		expect(f, 1, "error$unknown_command$*$" TXT_UNKNOWN "\n");
	else
		expect(f, 1, "$$error: unknown_command: " TXT_UNKNOWN "\n");
	expect_closed(f, 1, 0,
	    ext ? "error$too_many_errors$*$" TXT_TOO_MANY "\n"
	        : "$$error: too_many_errors: " TXT_TOO_MANY "\n");
	expect(f, 2,
	    "quit$%llu$alice$" TXT_TOO_MANY "\nclosed$" UID_A "$" TXT_CLOSED
	    "\n",
	    now(f));
	assert_int_equal(chat_user_count(f->chat), 1);
	fake_free(f);
}

/*
 * Errors that only say how things stand are not counted: a base client
 * left in a channel that went away, sending on, is told each time and
 * stays connected.
 */
static void
test_state_errors_not_counted(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	int i;

	(void)state;
	reg_base(f, 1, UID_A, "alice");
	for (i = 0; i < 40; i++) {
		line(f, 1, "send_msg$" UID_A "$" UID_B "$anyone?");
		expect(f, 1,
		    "$$error: no_such_channel: no such channel: " UID_B "\n");
	}
	expect_open(f, 1);
	/* A malformed line still counts: 20 more of them close it. */
	for (i = 0; i < 21; i++)
		line(f, 1, "frob");
	expect_closed(f, 1, 0, "$$error: too_many_errors: " TXT_TOO_MANY "\n");
	fake_free(f);
}

static void
test_errors_max_base(void **state)
{
	(void)state;
	run_errors_max(0);
}

static void
test_errors_max_ext(void **state)
{
	(void)state;
	run_errors_max(1);
}

static void
test_errors_unregistered_limit(void **state)
{
	struct chat_config cfg = cfg_default;
	struct fake *f = fake_new(&cfg_default);
	int i;

	(void)state;
	/* Five errors before reg are allowed, the sixth closes. */
	conn_open(f, 1, UID_A);
	for (i = 0; i < 5; i++) {
		line(f, 1, "join$x$y");
		expect(f, 1, "$$error: not_registered: " TXT_NOT_REG "\n");
	}
	expect_open(f, 1);
	line(f, 1, "join$x$y");
	expect(f, 1, "$$error: not_registered: " TXT_NOT_REG "\n");
	expect_closed(f, 1, 0, "$$error: too_many_errors: " TXT_TOO_MANY "\n");
	/* Those made before reg count after it, against the larger limit. */
	conn_open(f, 1, UID_A);
	hello(f, 1);
	for (i = 0; i < 5; i++)
		line(f, 1, "frob");
	line(f, 1, "reg$alice");
	for (i = 0; i < 15; i++)
		line(f, 1, "frob");
	expect_open(f, 1);
	line(f, 1, "frob");
	expect_closed(f, 1, 0, "error$too_many_errors$*$" TXT_TOO_MANY "\n");
	fake_free(f);

	/* A limit under five applies before reg too. */
	cfg.errors_max = 3;
	f = fake_new(&cfg);
	conn_open(f, 1, UID_A);
	for (i = 0; i < 3; i++)
		line(f, 1, "frob");
	expect_open(f, 1);
	line(f, 1, "frob");
	expect_closed(f, 1, 0, "$$error: too_many_errors: " TXT_TOO_MANY "\n");
	fake_free(f);
}

/* Disconnecting. */

static void
test_disconnect_cleanup(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char r1[PROTO_ID_MAX + 1], r2[PROTO_ID_MAX + 1], r3[PROTO_ID_MAX + 1];

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 3, UID_C, "carol");
	reg_ext(f, 4, UID_D, "dave");
	reg_ext(f, 5, UID_E, "erin");
	create(f, 1, UID_A, "alice", "r1", r1);
	create(f, 1, UID_A, "alice", "r2", r2);
	create(f, 1, UID_A, "alice", "r3", r3);
	line(f, 2, "join$" UID_B "$r1");
	line(f, 2, "join$" UID_B "$r2");
	line(f, 2, "join$" UID_B "$" UID_A);
	line(f, 3, "join$" UID_C "$r1");
	line(f, 3, "join$" UID_C "$" UID_A);
	line(f, 5, "join$" UID_E "$" UID_A);
	/* alice is in erin's personal channel, erin in alice's. */
	line(f, 1, "join$" UID_A "$" UID_E);
	take_all(f);
	assert_int_equal(chat_channel_count(f->chat), 3);
	assert_int_equal(chat_user_count(f->chat), 5);

	f->now += 5;
	disconnect(f, 1, "connection reset");
	/* bob shares four channels and hears once, then of the closing. */
	expect(f, 2,
	    "quit$%llu$alice$connection reset\n"
	    "closed$" UID_A "$" TXT_CLOSED "\n",
	    now(f));
	expect(f, 5,
	    "quit$%llu$alice$connection reset\n"
	    "closed$" UID_A "$" TXT_CLOSED "\n",
	    now(f));
	nothing(f, 3);
	nothing(f, 4);
	nothing(f, 1);
	assert_int_equal(chat_mode(f->chat, 1), CHAT_MODE_NONE);
	assert_int_equal(chat_user_count(f->chat), 4);
	/* r3 had only alice: gone.  r1 and r2 stay without her. */
	assert_int_equal(chat_channel_count(f->chat), 2);
	line(f, 4, "join$" UID_D "$r3");
	expect(f, 4, "error$no_such_channel$join$" TXT_NO_CHAN ": r3\n");
	line(f, 2, "names$" UID_B "$r1");
	expect_names(f, 2, r1, "bob carol");
	line(f, 2, "names$" UID_B "$%s", r2);
	expect(f, 2, "names$%s$bob\nnames_end$%s$1\n", r2, r2);
	line(f, 5, "names$" UID_E "$" UID_E);
	expect(f, 5, "names$" UID_E "$erin\nnames_end$" UID_E "$1\n");
	/* Her personal channel is gone. */
	line(f, 2, "join$" UID_B "$" UID_A);
	expect(f, 2, "error$no_such_channel$join$" TXT_NO_CHAN ": " UID_A "\n");
	/* The name and the uid are free again. */
	reg_ext(f, 6, UID_F, "ALICE");
	disconnect(f, 6, "bye");
	reg_base(f, 1, UID_A, "alice");
	assert_int_equal(chat_check(f->chat), 0);
	/* carol's memberships were cleaned: she can join as usual. */
	line(f, 3, "join$" UID_C "$" UID_A);
	expect(f, 3, "$$joined: " UID_A "\n");
	expect(f, 1, "$$joined: " UID_A "\n");
	/* The last ones out. */
	disconnect(f, 2, "x");
	disconnect(f, 3, "x");
	assert_int_equal(chat_channel_count(f->chat), 0);
	disconnect(f, 1, "x");
	disconnect(f, 4, "x");
	disconnect(f, 5, "x");
	assert_int_equal(chat_user_count(f->chat), 0);
	fake_free(f);
}

static void
test_disconnect_unknown(void **state)
{
	struct fake *f = fake_new(&cfg_default);

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	chat_disconnect(f->chat, 2, "x", f->now);
	chat_disconnect(f->chat, -1, "x", f->now);
	chat_disconnect(f->chat, 100000, "x", f->now);
	chat_close(f->chat, 2, PROTO_E_SHUTDOWN, NULL, f->now);
	chat_close(f->chat, 100000, PROTO_E_SHUTDOWN, NULL, f->now);
	settle(f);
	nothing(f, 1);
	assert_int_equal(f->conns[2].closes, 0);
	/* Twice: the second is for a conn the chat forgot. */
	disconnect(f, 1, "x");
	chat_disconnect(f->chat, 1, "x", f->now);
	assert_int_equal(chat_user_count(f->chat), 0);
	/* Unregistered connections go quietly. */
	reg_ext(f, 1, UID_A, "alice");
	conn_open(f, 2, UID_B);
	disconnect(f, 2, "x");
	nothing(f, 1);
	fake_free(f);
}

static void
test_close_codes(void **state)
{
	static const struct {
		enum proto_code code;
		const char *name;
		const char *text;
	} codes[] = {
	    {PROTO_E_SENDQ_EXCEEDED, "sendq_exceeded", TXT_SENDQ},
	    {PROTO_E_REGISTRATION_TIMEOUT, "registration_timeout",
	        "did not register in time"},
	    {PROTO_E_PING_TIMEOUT, "ping_timeout", "no reply to ping in time"},
	    {PROTO_E_SERVER_FULL, "server_full", "server is full"},
	    {PROTO_E_ADDRESS_LIMIT, "address_limit",
	        "too many connections from your address"},
	    {PROTO_E_TOO_MANY_ERRORS, "too_many_errors", TXT_TOO_MANY},
	    {PROTO_E_NOT_CHAT, "not_chat", TXT_NOT_CHAT},
	    {PROTO_E_SHUTDOWN, "shutdown", "server is shutting down"},
	};
	struct fake *f = fake_new(&cfg_default);
	char want[PROTO_LINE_MAX];
	size_t i;
	int ext;

	(void)state;
	reg_ext(f, 2, UID_B, "bob");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int drop = codes[i].code == PROTO_E_SENDQ_EXCEEDED;

		for (ext = 0; ext < 2; ext++) {
			if (ext)
				reg_ext(f, 1, UID_A, "alice");
			else
				reg_base(f, 1, UID_A, "alice");
			line(f, 2, "join$" UID_B "$" UID_A);
			take_all(f);
			chat_close(f->chat, 1, codes[i].code, NULL, f->now);
			settle(f);
			nothing(f, 1);
			if (ext)
				snprintf(want, sizeof(want), "error$%s$*$%s\n",
				    codes[i].name, codes[i].text);
			else
				snprintf(want, sizeof(want),
				    "$$error: %s: %s\n", codes[i].name,
				    codes[i].text);
			expect_closed(f, 1, drop, want);
			expect(f, 2,
			    "quit$%llu$alice$%s\nclosed$" UID_A "$" TXT_CLOSED
			    "\n",
			    now(f), codes[i].text);
		}
	}
	/* A text of the server's own replaces the default. */
	reg_ext(f, 1, UID_A, "alice");
	line(f, 2, "join$" UID_B "$" UID_A);
	take_all(f);
	chat_close(f->chat, 1, PROTO_E_SHUTDOWN, "restarting", f->now);
	settle(f);
	expect_closed(f, 1, 0, "error$shutdown$*$restarting\n");
	expect(f, 2,
	    "quit$%llu$alice$restarting\nclosed$" UID_A "$" TXT_CLOSED "\n",
	    now(f));
	/* Before reg: the line, nobody told. */
	conn_open(f, 1, UID_A);
	chat_close(f->chat, 1, PROTO_E_REGISTRATION_TIMEOUT, NULL, f->now);
	settle(f);
	expect_closed(f, 1, 0,
	    "$$error: registration_timeout: did not register in time\n");
	nothing(f, 2);
	assert_int_equal(chat_user_count(f->chat), 1);
	/* Shutting down: each gets its own closing line and no quit for
	 * those closed before it. */
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 3, UID_C, "carol");
	line(f, 1, "create_chan$" UID_A "$all");
	take_all(f);
	line(f, 2, "join$" UID_B "$all");
	line(f, 3, "join$" UID_C "$all");
	line(f, 3, "join$" UID_C "$" UID_A);
	take_all(f);
	chat_stop(f->chat);
	chat_close(f->chat, 1, PROTO_E_SHUTDOWN, NULL, f->now);
	chat_close(f->chat, 2, PROTO_E_SHUTDOWN, NULL, f->now);
	chat_close(f->chat, 3, PROTO_E_SHUTDOWN, NULL, f->now);
	settle(f);
	expect_closed(f, 1, 0, "error$shutdown$*$server is shutting down\n");
	expect_closed(f, 2, 0, "error$shutdown$*$server is shutting down\n");
	expect_closed(f, 3, 0, "error$shutdown$*$server is shutting down\n");
	nothing(f, 2);
	nothing(f, 3);
	assert_int_equal(chat_user_count(f->chat), 0);
	fake_free(f);
}

static void
test_quit_command(void **state)
{
	struct fake *f = fake_new(&cfg_default);

	(void)state;
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 1, UID_A, "alice");
	line(f, 2, "join$" UID_B "$" UID_A);
	take_all(f);
	line(f, 1, "quit");
	nothing(f, 1);
	expect_closed(f, 1, 0, "$$error: quit: " TXT_QUIT "\n");
	/* The others hear no reason: the default text is for the quitter. */
	expect(f, 2, "quit$%llu$alice$\nclosed$" UID_A "$" TXT_CLOSED "\n",
	    now(f));

	reg_ext(f, 1, UID_A, "alice");
	line(f, 2, "join$" UID_B "$" UID_A);
	take_all(f);
	line(f, 1, "quit$bye $all");
	expect_closed(f, 1, 0, "error$quit$quit$bye $all\n");
	expect(f, 2,
	    "quit$%llu$alice$bye $all\nclosed$" UID_A "$" TXT_CLOSED "\n",
	    now(f));
	/* An empty reason is the default one. */
	reg_ext(f, 1, UID_A, "alice");
	line(f, 1, "quit$");
	expect_closed(f, 1, 0, "error$quit$quit$" TXT_QUIT "\n");
	/* Before reg, and before hello. */
	conn_open(f, 1, UID_A);
	line(f, 1, "quit$x");
	expect_closed(f, 1, 0, "$$error: quit: x\n");
	nothing(f, 2);
	assert_int_equal(chat_user_count(f->chat), 1);
	fake_free(f);
}

/* A connection past its output limit is closed; the chat goes on. */
static void
test_sendq(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char id[PROTO_ID_MAX + 1];

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	reg_ext(f, 2, UID_B, "bob");
	reg_base(f, 3, UID_C, "carol");
	create(f, 1, UID_A, "alice", "room", id);
	line(f, 2, "join$" UID_B "$room");
	line(f, 3, "join$" UID_C "$room");
	take_all(f);
	f->conns[2].refuse = 1;
	line(f, 1, "send_msg$" UID_A "$room$one");
	expect(f, 1,
	    "msg$%s$1$%llu$alice$one\n"
	    "quit$%llu$bob$" TXT_SENDQ "\n",
	    id, now(f), now(f));
	expect(f, 3, "alice: one\n");
	expect_closed(f, 2, 1, "error$sendq_exceeded$*$" TXT_SENDQ "\n");
	line(f, 1, "send_msg$" UID_A "$room$two");
	expect(f, 1, "msg$%s$2$%llu$alice$two\n", id, now(f));
	expect(f, 3, "alice: two\n");
	/* Refused in the middle of its own join sequence. */
	reg_ext(f, 2, UID_B, "bob");
	f->conns[2].refuse = 1;
	line(f, 2, "join$" UID_B "$room");
	expect(f, 1, "join$%s$%llu$bob\nquit$%llu$bob$" TXT_SENDQ "\n", id,
	    now(f), now(f));
	expect(f, 3, "$$joined: %s\n", id);
	expect_closed(f, 2, 1, "error$sendq_exceeded$*$" TXT_SENDQ "\n");
	/* A refused base member goes the same way. */
	f->conns[3].refuse = 1;
	line(f, 1, "send_msg$" UID_A "$room$three");
	expect(f, 1,
	    "msg$%s$3$%llu$alice$three\nquit$%llu$carol$" TXT_SENDQ "\n", id,
	    now(f), now(f));
	expect_closed(f, 3, 1, "$$error: sendq_exceeded: " TXT_SENDQ "\n");
	assert_int_equal(chat_user_count(f->chat), 1);
	assert_int_equal(chat_channel_count(f->chat), 1);
	fake_free(f);
}

/* A fresh id that hits an existing one is drawn again. */
static void
test_id_collision(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	char a[PROTO_ID_MAX + 1], b[PROTO_ID_MAX + 1];

	(void)state;
	reg_ext(f, 1, UID_A, "alice");
	create(f, 1, UID_A, "alice", "one", a);
	f->rnd_repeat = 3;
	create(f, 1, UID_A, "alice", "two", b);
	assert_string_not_equal(a, b);
	assert_int_equal(f->rnd_repeat, 0);
	assert_int_equal(chat_channel_count(f->chat), 2);
	fake_free(f);
}

/* A deterministic random session; the registry stays sound throughout. */

#define FUZZ_CONNS 8

struct fuzz {
	struct fake *f;
	uint64_t rng;
	char uids[FUZZ_CONNS][PROTO_ID_MAX + 1];
	char ids[FUZZ_IDS][PROTO_ID_MAX + 1];
	int nids;
};

static unsigned
fuzz_pick(struct fuzz *z, unsigned n)
{
	z->rng = z->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((z->rng >> 33) % n);
}

/* Remembers the channel ids extended connections were told of. */
static void
fuzz_harvest(struct fuzz *z, const char *out)
{
	while (*out != '\0') {
		size_t n = strcspn(out, "\n");

		if (strncmp(out, "created$", 8) == 0 ||
		    strncmp(out, "joined$", 7) == 0) {
			const char *id = strchr(out, '$') + 1;
			size_t len = strcspn(id, "$");

			if (len == PROTO_CHAN_ID_LEN) {
				char *slot = z->ids[z->nids++ % FUZZ_IDS];

				memcpy(slot, id, len);
				slot[len] = '\0';
			}
		}
		out += n + (out[n] == '\n');
	}
}

static const char *
fuzz_name(struct fuzz *z)
{
	static const char *const names[] = {"ann", "bob", "cy", "Ann", "BOB",
	    "dee", "eve", "fay", "-bad", "x~"};

	return names[fuzz_pick(z, sizeof(names) / sizeof(names[0]))];
}

static const char *
fuzz_chan(struct fuzz *z)
{
	static const char *const chans[] = {"a", "b", "c", "A", "#d", "B"};
	unsigned k = fuzz_pick(z, 10);

	if (k < 5)
		return chans[fuzz_pick(z, sizeof(chans) / sizeof(chans[0]))];
	if (k < 8 && z->nids > 0)
		return z->ids[fuzz_pick(
		    z, z->nids < FUZZ_IDS ? (unsigned)z->nids : FUZZ_IDS)];
	return z->uids[fuzz_pick(z, FUZZ_CONNS)];
}

/* Expands a template: %U uid, %N user name, %C channel name, %R reference. */
static size_t
fuzz_line(struct fuzz *z, int conn, const char *tmpl, char *buf, size_t size)
{
	size_t n = 0;

	for (; *tmpl != '\0'; tmpl++) {
		const char *put = NULL;
		char one[2] = {0, 0};

		if (*tmpl == '%') {
			switch (*++tmpl) {
			case 'U':
				put = fuzz_pick(z, 10) < 8
				    ? z->uids[conn]
				    : z->uids[fuzz_pick(z, FUZZ_CONNS)];
				break;
			case 'N':
				put = fuzz_name(z);
				break;
			case 'C':
				put = fuzz_chan(z);
				if (strchr(put, ':') != NULL)
					put = "c";
				break;
			default:
				put = fuzz_chan(z);
				break;
			}
		} else {
			one[0] = *tmpl;
			put = one;
		}
		assert_true(n + strlen(put) < size);
		memcpy(buf + n, put, strlen(put));
		n += strlen(put);
	}
	buf[n] = '\0';
	return n;
}

static void
test_fuzz_session(void **state)
{
	static const char *const tmpl[] = {
	    "reg$%N",
	    "reg$%N",
	    "hello$1",
	    "hello$3",
	    "create_chan$%U$%C",
	    "create_chan$%U$%C",
	    "join$%U$%R",
	    "join$%U$%R",
	    "join$%U$%R",
	    "leave$%U$%R",
	    "leave$%U$%R",
	    "send_msg$%U$%R$hi $there",
	    "send_msg$%U$%R$hi",
	    "send_act$%U$%R$waves",
	    "dm$%U$%N$psst",
	    "dm_act$%U$%N$nods",
	    "nick$%U$%N",
	    "list$%U",
	    "names$%U$%R",
	    "ping$tok",
	    "pong$tok",
	    "quit$bye",
	    "frob$x",
	    "join$%U",
	    "send_msg$%U$%R$",
	    "\xff",
	    "a\x01",
	};
	struct chat_config cfg = cfg_default;
	struct fuzz z;
	struct fake *f;
	char buf[PROTO_LINE_MAX];
	int step, i;

	(void)state;
	cfg.history = 4;
	cfg.max_joins = 5;
	cfg.max_members = 5;
	cfg.max_channels = 4;
	cfg.errors_max = 12;
	f = fake_new(&cfg);
	memset(&z, 0, sizeof(z));
	z.f = f;
	z.rng = 20261125;
	for (i = 0; i < FUZZ_CONNS; i++)
		snprintf(
		    z.uids[i], sizeof(z.uids[i]), "10.0.0.%d:%d", i, 1000 + i);
	for (step = 0; step < 6000; step++) {
		int conn = (int)fuzz_pick(&z, FUZZ_CONNS);
		unsigned what = fuzz_pick(&z, 100);
		size_t n, users = 0;

		f->now += fuzz_pick(&z, 3000);
		if (!f->conns[conn].open) {
			/* A new peer on the slot, sometimes from a new port. */
			if (fuzz_pick(&z, 2) == 0)
				snprintf(z.uids[conn], sizeof(z.uids[conn]),
				    "10.0.%u.%d:%u", fuzz_pick(&z, 3), conn,
				    1000 + fuzz_pick(&z, 3));
			conn_open(f, conn, z.uids[conn]);
		} else if (what < 3) {
			disconnect(f, conn, "reset");
		} else if (what < 4) {
			chat_close(f->chat, conn,
			    (enum proto_code)(PROTO_E_FATAL_FIRST +
			        (int)fuzz_pick(
			            &z, PROTO_E_COUNT - PROTO_E_FATAL_FIRST)),
			    NULL, f->now);
			settle(f);
		} else if (what < 5) {
			chat_line_too_long(f->chat, conn, f->now);
			settle(f);
		} else if (what < 6) {
			chat_keepalive(f->chat, conn, "k");
		} else if (what < 7) {
			f->conns[conn].refuse = 1;
		} else {
			n = fuzz_line(&z, conn,
			    tmpl[fuzz_pick(&z, sizeof(tmpl) / sizeof(tmpl[0]))],
			    buf, sizeof(buf));
			line_raw(f, conn, buf, n);
		}
		assert_int_equal(chat_check(f->chat), 0);
		for (i = 0; i < FUZZ_CONNS; i++) {
			if (chat_registered(f->chat, i)) {
				users++;
				assert_true(f->conns[i].open);
			}
			if (!f->conns[i].open)
				assert_int_equal(
				    chat_mode(f->chat, i), CHAT_MODE_NONE);
			fuzz_harvest(&z, take(f, i));
		}
		assert_int_equal(chat_user_count(f->chat), users);
		assert_true(chat_channel_count(f->chat) <= cfg.max_channels);
	}
	for (i = 0; i < FUZZ_CONNS; i++) {
		if (f->conns[i].open)
			disconnect(f, i, "end");
	}
	assert_int_equal(chat_user_count(f->chat), 0);
	assert_int_equal(chat_channel_count(f->chat), 0);
	fake_free(f);
}

/*
 * history$: before, after and latest a seq, answered from the ring,
 * framed by history_page and history_page_end; the limit is clamped to
 * CMD_HISTORY_PAGE_MAX; only members may read; base mode gets ext_only.
 */
static void
test_history_request(void **state)
{
	struct chat_config cfg = cfg_default;
	struct fake *f;
	char id[PROTO_ID_MAX + 1];
	const char *out;
	int i;

	(void)state;
	cfg.history = 300;
	f = fake_new(&cfg);
	reg_ext(f, 1, UID_A, "carol");
	create(f, 1, UID_A, "carol", "h", id);
	for (i = 1; i <= 5; i++) {
		f->now = T0 + (uint64_t)i;
		line(f, 1, "send_msg$" UID_A "$h$m%d", i);
	}
	take_all(f);
	line(f, 1, "history$" UID_A "$h$before$4$2");
	expect(f, 1,
	    "history_page$%s$before$2\n"
	    "msg$%s$2$%llu$carol$m2\n"
	    "msg$%s$3$%llu$carol$m3\n"
	    "history_page_end$%s$2$more\n",
	    id, id, T0 + 2, id, T0 + 3, id);
	line(f, 1, "history$" UID_A "$%s$before$2$50", id);
	expect(f, 1,
	    "history_page$%s$before$1\n"
	    "msg$%s$1$%llu$carol$m1\n"
	    "history_page_end$%s$1$end\n",
	    id, id, T0 + 1, id);
	/* Nothing older: zero lines, and the end. */
	line(f, 1, "history$" UID_A "$h$before$1$50");
	expect(f, 1, "history_page$%s$before$0\nhistory_page_end$%s$0$end\n",
	    id, id);
	line(f, 1, "history$" UID_A "$h$after$3$1");
	expect(f, 1,
	    "history_page$%s$after$1\n"
	    "msg$%s$4$%llu$carol$m4\n"
	    "history_page_end$%s$1$more\n",
	    id, id, T0 + 4, id);
	line(f, 1, "history$" UID_A "$h$after$3$9");
	expect(f, 1,
	    "history_page$%s$after$2\n"
	    "msg$%s$4$%llu$carol$m4\n"
	    "msg$%s$5$%llu$carol$m5\n"
	    "history_page_end$%s$2$end\n",
	    id, id, T0 + 4, id, T0 + 5, id);
	line(f, 1, "history$" UID_A "$h$after$5$9");
	expect(f, 1, "history_page$%s$after$0\nhistory_page_end$%s$0$end\n", id,
	    id);
	line(f, 1, "history$" UID_A "$h$latest$0$1");
	expect(f, 1,
	    "history_page$%s$latest$1\n"
	    "msg$%s$5$%llu$carol$m5\n"
	    "history_page_end$%s$1$more\n",
	    id, id, T0 + 5, id);

	/* A non-member is refused, and learns nothing. */
	reg_ext(f, 2, UID_B, "dave");
	take_all(f);
	line(f, 2, "history$" UID_B "$h$latest$0$10");
	expect(f, 2, "error$not_member$history$" TXT_NOT_MEMBER ": h\n");
	line(f, 2, "history$" UID_B "$nowhere$latest$0$10");
	expect(
	    f, 2, "error$no_such_channel$history$" TXT_NO_CHAN ": nowhere\n");
	line(f, 2, "history$" UID_A "$h$latest$0$10");
	expect(f, 2, "error$bad_uid$history$" TXT_BAD_UID ": " UID_A "\n");
	line(f, 2, "history$" UID_B "$h$sideways$0$10");
	expect(f, 2, "error$bad_args$history$" TXT_BAD_ARGS "\n");
	/* A member with nothing kept gets an empty page. */
	line(f, 2, "history$" UID_B "$" UID_B "$latest$0$10");
	expect(f, 2,
	    "history_page$" UID_B "$latest$0\n"
	    "history_page_end$" UID_B "$0$end\n");
	/* Base mode has no such command. */
	reg_base(f, 3, UID_C, "erin");
	line(f, 3, "join$" UID_C "$h");
	take_all(f);
	line(f, 3, "history$" UID_C "$h$latest$0$10");
	expect(f, 3, "$$error: ext_only: " TXT_EXT_ONLY "\n");

	/* The limit is clamped to the page maximum. */
	for (i = 6; i <= 250; i++)
		line(f, 1, "send_msg$" UID_A "$h$m%d", i);
	take_all(f);
	line(f, 1, "history$" UID_A "$h$latest$0$99999999999");
	out = take(f, 1);
	assert_true(strncmp(out, "history_page$", 13) == 0);
	assert_non_null(strstr(out, "$latest$200\nmsg$"));
	assert_non_null(strstr(out, "$51$"));
	assert_null(strstr(out, "$50$"));
	assert_non_null(strstr(out, "$200$more\n"));
	fake_free(f);
}

/* A page of long lines stops under 48 KiB and says there are more. */
static void
test_history_request_bytes(void **state)
{
	struct chat_config cfg = cfg_default;
	struct fake *f;
	char id[PROTO_ID_MAX + 1], text[3001];
	const char *out, *p;
	size_t lines = 0;
	int i;

	(void)state;
	cfg.history = 100;
	f = fake_new(&cfg);
	reg_ext(f, 1, UID_A, "carol");
	create(f, 1, UID_A, "carol", "h", id);
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (i = 1; i <= 40; i++)
		line(f, 1, "send_msg$" UID_A "$h$%s", text);
	take_all(f);
	line(f, 1, "history$" UID_A "$h$latest$0$200");
	out = take(f, 1);
	assert_true(strlen(out) <= 48 * 1024 + 2 * PROTO_LINE_MAX);
	for (p = out; (p = strstr(p, "\nmsg$")) != NULL; p++)
		lines++;
	/* Lines of about 3050 bytes: 16 fit in 48 KiB. */
	assert_int_equal(lines, 16);
	assert_non_null(strstr(out, "$latest$16\nmsg$"));
	assert_non_null(strstr(out, "$25$"));
	assert_null(strstr(out, "$24$"));
	assert_non_null(strstr(out, "history_page_end$"));
	assert_non_null(strstr(out, "$16$more\n"));
	fake_free(f);
}

/* Several nodes: a fake shared log that the test reads back by hand. */

/* Appends and claims the fake log holds at most. */
#define FAKE_LOG_MAX 16

/* An append or claim the fake log holds until the test answers it. */
struct fake_op {
	struct store_event ev; /* its strings point into the copies below */
	char chan[PROTO_ID_MAX + 1], name[PROTO_LINE_MAX];
	char sender[PROTO_LINE_MAX], text[PROTO_LINE_MAX];
	uint64_t tag;
	chat_cluster_done_fn done;
	void *done_ctx;
};

struct fake_log {
	struct fake_op op[FAKE_LOG_MAX];
	size_t n;
};

static int
fake_log_up(void *ctx)
{
	(void)ctx;
	return 1;
}

static const char *
fake_copy(char *dst, size_t size, const char *p, size_t len)
{
	assert_true(len < size);
	if (len > 0)
		memcpy(dst, p, len);
	dst[len] = '\0';
	return dst;
}

static int
fake_log_append(void *ctx, const struct store_event *ev, const char *skel,
    size_t skel_len, uint64_t tag, chat_cluster_done_fn done, void *done_ctx)
{
	struct fake_log *lg = ctx;
	struct fake_op *o;

	(void)skel;
	(void)skel_len;
	assert_true(lg->n < FAKE_LOG_MAX);
	o = &lg->op[lg->n++];
	o->ev = *ev;
	o->ev.chan =
	    fake_copy(o->chan, sizeof(o->chan), ev->chan, ev->chan_len);
	o->ev.name =
	    fake_copy(o->name, sizeof(o->name), ev->name, ev->name_len);
	o->ev.sender =
	    fake_copy(o->sender, sizeof(o->sender), ev->sender, ev->sender_len);
	o->ev.text =
	    fake_copy(o->text, sizeof(o->text), ev->text, ev->text_len);
	o->tag = tag;
	o->done = done;
	o->done_ctx = done_ctx;
	return 0;
}

static int
fake_log_claim(void *ctx, const char *skel, size_t skel_len,
    chat_cluster_done_fn done, void *done_ctx)
{
	struct fake_log *lg = ctx;
	struct fake_op *o;

	(void)skel;
	(void)skel_len;
	assert_true(lg->n < FAKE_LOG_MAX);
	o = &lg->op[lg->n++];
	memset(&o->ev, 0, sizeof(o->ev));
	o->done = done;
	o->done_ctx = done_ctx;
	return 0;
}

static void
fake_log_release(void *ctx, const char *skel, size_t skel_len)
{
	(void)ctx;
	(void)skel;
	(void)skel_len;
}

/*
 * Answers the oldest waiting op as taken; an append of kind is also read
 * back (as this node's when own), as the server does with what Redis
 * hands back.  Its event and tag stay in *out for reading it back again.
 */
static void
fake_log_take(struct fake *f, struct fake_log *lg, enum store_kind kind,
    int own, struct fake_op *out)
{
	struct fake_op o;

	assert_true(lg->n > 0);
	o = lg->op[0];
	memmove(&lg->op[0], &lg->op[1], (lg->n - 1) * sizeof(lg->op[0]));
	lg->n--;
	assert_int_equal(o.ev.kind, kind);
	*out = o;
	/* The strings moved with the copy. */
	out->ev.chan = out->chan;
	out->ev.name = out->name;
	out->ev.sender = out->sender;
	out->ev.text = out->text;
	o.done(o.done_ctx, 0, 0, NULL);
	settle(f);
	if (kind == STORE_CHANNEL) {
		/* What the server hands on: the name as the text. */
		out->ev.text = out->name;
		out->ev.text_len = out->ev.name_len;
	}
	if (o.ev.kind != 0) {
		chat_cluster_event(f->chat, &out->ev, own, out->tag, f->now);
		settle(f);
	}
}

/* A registered extended user on a clustered chat (the claim answered). */
static void
reg_cluster(struct fake *f, struct fake_log *lg, int conn, const char *uid,
    const char *name)
{
	struct fake_op o;

	conn_open(f, conn, uid);
	hello(f, conn);
	line(f, conn, "reg$%s", name);
	nothing(f, conn);
	fake_log_take(f, lg, (enum store_kind)0, 0, &o);
	assert_memory_equal(take(f, conn), "registered$", 11);
}

static size_t
occurrences(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/*
 * With the shared log, a topic or key change is applied when read back,
 * not before; a topic read back twice (loaded at start and read back
 * too) is told once; a key is confirmed to the connection that set it
 * only, once, and one set on another node is kept without a word.
 */
static void
test_cluster_topic_key(void **state)
{
	struct fake *f = fake_new(&cfg_default);
	struct fake_log lg;
	struct chat_cluster cl;
	struct fake_op o, t;
	char id[PROTO_ID_MAX + 1], want[PROTO_LINE_MAX];
	const char *out;
	size_t n;

	(void)state;
	memset(&lg, 0, sizeof(lg));
	memset(&cl, 0, sizeof(cl));
	cl.ctx = &lg;
	cl.up = fake_log_up;
	cl.append = fake_log_append;
	cl.claim = fake_log_claim;
	cl.release = fake_log_release;
	chat_set_cluster(f->chat, &cl);
	reg_cluster(f, &lg, 0, UID_A, "alice");
	line(f, 0, "create_chan$%s$#room", UID_A);
	nothing(f, 0);
	fake_log_take(f, &lg, STORE_CHANNEL, 1, &o);
	out = take(f, 0);
	assert_memory_equal(out, "created$", 8);
	n = strcspn(out + 8, "$");
	memcpy(id, out + 8, n);
	id[n] = '\0';

	/* The topic: nothing until read back, then once. */
	line(f, 0, "topic$%s$#room$hello there", UID_A);
	nothing(f, 0);
	fake_log_take(f, &lg, STORE_TOPIC, 1, &t);
	snprintf(want, sizeof(want), "topic$%s$%llu$alice$hello there\n", id,
	    (unsigned long long)f->now);
	expect(f, 0, "%s", want);
	chat_cluster_event(f->chat, &t.ev, 0, 0, f->now);
	settle(f);
	nothing(f, 0);
	/* Another node's, later: told. */
	t.ev.time++;
	t.ev.text = "from afar";
	t.ev.text_len = 9;
	chat_cluster_event(f->chat, &t.ev, 0, 0, f->now);
	settle(f);
	out = take(f, 0);
	assert_int_equal(occurrences(out, "$alice$from afar\n"), 1);

	/* The key: confirmed to its setter once it is read back. */
	line(f, 0, "chan_key$%s$#room$s3cret", UID_A);
	nothing(f, 0);
	fake_log_take(f, &lg, STORE_KEY, 1, &o);
	expect(f, 0, "chan_key$%s$s3cret\n", id);
	chat_cluster_event(f->chat, &o.ev, 1, o.tag, f->now);
	settle(f);
	nothing(f, 0);
	/* Set on another node: kept, nobody here told. */
	o.ev.text = "other";
	o.ev.text_len = 5;
	chat_cluster_event(f->chat, &o.ev, 0, 0, f->now);
	settle(f);
	nothing(f, 0);
	/* Kept: a second user needs that key now. */
	reg_cluster(f, &lg, 1, UID_B, "bob");
	line(f, 1, "join$%s$#room$s3cret", UID_B);
	assert_memory_equal(take(f, 1), "error$bad_key$join$", 19);
	line(f, 1, "join$%s$#room$other", UID_B);
	snprintf(want, sizeof(want), "joined$%s$", id);
	assert_memory_equal(take(f, 1), want, strlen(want));
	take_all(f);
	/* The creator only, as ever, and nothing goes to the log. */
	line(f, 1, "chan_key$%s$#room$mine", UID_B);
	assert_memory_equal(take(f, 1), "error$not_creator$chan_key$", 27);
	assert_int_equal(lg.n, 0);
	fake_free(f);
}

/* Several nodes: the fake log the cluster tests hand the chat. */
struct flog {
	/* Appends and publishes taken, answered by flog_answer. */
	chat_cluster_done_fn done[8];
	void *done_ctx[8];
	int ndone;
	chat_cluster_done_fn claim_done; /* the claim waiting, or NULL */
	void *claim_ctx;
	int published;        /* publishes so far */
	enum store_kind kind; /* the last one's */
	char uid[PROTO_ID_MAX + 1], chan[PROTO_ID_MAX + 1];
	char sender[PROTO_NAME_MAX + 1], text[PROTO_LINE_MAX];
	uint64_t seq; /* the last one's: a DM's tag */
};

static int
flog_up(void *ctx)
{
	(void)ctx;
	return 1;
}

static int
flog_append(void *ctx, const struct store_event *ev, const char *skel,
    size_t skel_len, uint64_t tag, chat_cluster_done_fn done, void *done_ctx)
{
	struct flog *fl = ctx;

	(void)ev;
	(void)skel;
	(void)skel_len;
	(void)tag;
	/* Taken; what is read back is the test's to say. */
	assert_true(fl->ndone < 8);
	fl->done[fl->ndone] = done;
	fl->done_ctx[fl->ndone++] = done_ctx;
	return 0;
}

/* The log answers every append and publish waiting: taken. */
static void
flog_answer(struct flog *fl)
{
	int i;

	for (i = 0; i < fl->ndone; i++)
		fl->done[i](fl->done_ctx[i], 0, 1, NULL);
	fl->ndone = 0;
}

static int
flog_claim(void *ctx, const char *skel, size_t skel_len,
    chat_cluster_done_fn done, void *done_ctx)
{
	struct flog *fl = ctx;

	(void)skel;
	(void)skel_len;
	fl->claim_done = done;
	fl->claim_ctx = done_ctx;
	return 0;
}

static void
flog_release(void *ctx, const char *skel, size_t skel_len)
{
	(void)ctx;
	(void)skel;
	(void)skel_len;
}

static void
copy_field(char *dst, size_t size, const char *p, size_t len)
{
	assert_true(len < size);
	if (len > 0)
		memcpy(dst, p, len);
	dst[len] = '\0';
}

static int
flog_publish(void *ctx, const struct store_event *ev, chat_cluster_done_fn done,
    void *done_ctx)
{
	struct flog *fl = ctx;

	fl->published++;
	fl->kind = ev->kind;
	fl->seq = ev->seq;
	copy_field(fl->uid, sizeof(fl->uid), ev->uid, ev->uid_len);
	copy_field(fl->chan, sizeof(fl->chan), ev->chan, ev->chan_len);
	copy_field(fl->sender, sizeof(fl->sender), ev->sender, ev->sender_len);
	copy_field(fl->text, sizeof(fl->text), ev->text, ev->text_len);
	if (done != NULL) {
		assert_true(fl->ndone < 8);
		fl->done[fl->ndone] = done;
		fl->done_ctx[fl->ndone++] = done_ctx;
	}
	return 0;
}

/* A chat on node n1 of a cluster whose log is fl. */
static struct fake *
cluster_new(struct flog *fl)
{
	struct fake *f = fake_new(&cfg_default);
	struct chat_cluster cl;

	memset(fl, 0, sizeof(*fl));
	f->flog = fl;
	memset(&cl, 0, sizeof(cl));
	cl.ctx = fl;
	cl.up = flog_up;
	cl.append = flog_append;
	cl.claim = flog_claim;
	cl.release = flog_release;
	cl.publish = flog_publish;
	chat_set_cluster(f->chat, &cl);
	return f;
}

/* An extended user on this node; its coming is published. */
static void
cluster_reg(struct fake *f, struct flog *fl, int conn, const char *uid,
    const char *name)
{
	conn_open(f, conn, uid);
	hello(f, conn);
	line(f, conn, "reg$%s", name);
	assert_non_null(fl->claim_done);
	fl->claim_done(fl->claim_ctx, 0, 0, NULL);
	fl->claim_done = NULL;
	settle(f);
	take_all(f);
	assert_int_equal(fl->kind, STORE_JOIN);
	assert_string_equal(fl->uid, uid);
	assert_string_equal(fl->chan, uid);
	assert_string_equal(fl->sender, name);
}

/* An event of the log read back: kind, uid, chan, sender, text. */
static void
cluster_ev(struct fake *f, int own, enum store_kind kind, const char *uid,
    const char *chan, const char *sender, const char *text)
{
	struct store_event ev;

	flog_answer(f->flog);
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.uid = uid;
	ev.uid_len = strlen(uid);
	ev.chan = chan;
	ev.chan_len = strlen(chan);
	ev.name = text;
	ev.name_len = strlen(text);
	ev.sender = sender;
	ev.sender_len = strlen(sender);
	ev.text = text;
	ev.text_len = strlen(text);
	ev.time = f->now;
	chat_cluster_event(f->chat, &ev, own, 0, f->now);
	settle(f);
}

/*
 * The users of other nodes, mirrored: they come, join, change names,
 * part and quit as the log says, this node's members are told once
 * (an event read again changes nothing), names and list count them,
 * and this node's own users' events are not applied twice.
 */
static void
test_cluster_mirror(void **state)
{
	struct flog fl;
	struct fake *f = cluster_new(&fl);
	const char *id = "CCCCCCCCCCCCCCCCCCCCC";
	int i, published;

	(void)state;
	cluster_reg(f, &fl, 0, "n1/a", "alice");
	cluster_reg(f, &fl, 1, "n1/z", "zed");
	line(f, 1, "hello$1");
	take_all(f);
	/* Bob on n2 comes, and creates a channel: he is in it. */
	cluster_ev(f, 0, STORE_JOIN, "n2/b", "n2/b", "bob", "");
	cluster_ev(f, 0, STORE_CHANNEL, "", id, "bob", "room");
	nothing(f, 0);
	published = fl.published;
	line(f, 0, "join$n1/a$room");
	assert_int_equal(fl.published, published + 1);
	assert_int_equal(fl.kind, STORE_JOIN);
	assert_string_equal(fl.chan, id);
	expect(f, 0,
	    "joined$%s$channel$2$room\n"
	    "names$%s$bob alice\n"
	    "names_end$%s$2\n"
	    "history_end$%s$0\n",
	    id, id, id, id);
	/* Bob's own join read back after the creation: known already. */
	cluster_ev(f, 0, STORE_JOIN, "n2/b", id, "bob", "");
	nothing(f, 0);
	/* Carol on n3 comes and joins: told once, however often read. */
	for (i = 0; i < 2; i++) {
		cluster_ev(f, 0, STORE_JOIN, "n3/c", "n3/c", "carol", "");
		cluster_ev(f, 0, STORE_JOIN, "n3/c", id, "carol", "");
		if (i == 0)
			expect(f, 0, "join$%s$%llu$carol\n", id, now(f));
		nothing(f, 0);
	}
	line(f, 0, "names$n1/a$%s", id);
	expect_names(f, 0, id, "alice bob carol");
	line(f, 0, "list$n1/a");
	expect(f, 0, "list$%s$channel$3$room\nlist_end$1\n", id);
	/* A nick, then the same read again. */
	for (i = 0; i < 2; i++) {
		cluster_ev(f, 0, STORE_NICK, "n3/c", "", "carol", "cara");
		if (i == 0)
			expect(f, 0, "nick$%llu$carol$cara\n", now(f));
		nothing(f, 0);
	}
	/* A part, then the same. */
	for (i = 0; i < 2; i++) {
		cluster_ev(f, 0, STORE_PART, "n3/c", id, "cara", "");
		if (i == 0)
			expect(f, 0, "part$%s$%llu$cara\n", id, now(f));
		nothing(f, 0);
	}
	/* Carol shares no channel with alice now: her quit is not told. */
	cluster_ev(f, 0, STORE_QUIT, "n3/c", "", "cara", "bye");
	nothing(f, 0);
	/* This node's own events read back change nothing. */
	cluster_ev(f, 1, STORE_PART, "n1/a", id, "alice", "");
	cluster_ev(f, 1, STORE_QUIT, "n1/a", "", "alice", "x");
	nothing(f, 0);
	assert_true(chat_registered(f->chat, 0));
	/* A kick from another node: alice is told she left. */
	cluster_ev(f, 0, STORE_PART, "n1/a", id, "alice", "");
	expect(f, 0, "left$%s\n", id);
	line(f, 0, "join$n1/a$%s", id);
	take_all(f);
	/* Bob quits with a reason; zed, in no channel with him, hears
	 * nothing. */
	cluster_ev(f, 0, STORE_QUIT, "n2/b", "", "bob", "gone fishing");
	expect(f, 0, "quit$%llu$bob$gone fishing\n", now(f));
	nothing(f, 1);
	line(f, 0, "names$n1/a$%s", id);
	expect_names(f, 0, id, "alice");
	/* Alice's quit is published, with its reason. */
	line(f, 0, "quit$later");
	assert_int_equal(fl.kind, STORE_QUIT);
	assert_string_equal(fl.uid, "n1/a");
	assert_string_equal(fl.text, "later");
	flog_answer(&fl);
	fake_free(f);
}

/*
 * Direct messages and gone nodes: a message to a user of another node
 * is published, not delivered; read back it is echoed to its sender;
 * one from another node reaches its recipient; a gone node's users quit
 * with "node gone".  A user of another node's personal channel is
 * joinable here and closes when its owner goes.
 */
static void
test_cluster_dm_gone(void **state)
{
	struct flog fl;
	struct fake *f = cluster_new(&fl);
	int i, published;

	(void)state;
	cluster_reg(f, &fl, 0, "n1/a", "alice");
	cluster_ev(f, 0, STORE_JOIN, "n2/b", "n2/b", "bob", "");
	cluster_ev(f, 0, STORE_JOIN, "n3/d", "n3/d", "dave", "");
	line(f, 0, "dm$n1/a$Bob$hi");
	nothing(f, 0);
	assert_int_equal(fl.kind, STORE_DM);
	assert_string_equal(fl.uid, "n2/b");
	assert_string_equal(fl.chan, "bob");
	assert_string_equal(fl.sender, "alice");
	assert_string_equal(fl.text, "hi");
	cluster_ev(f, 1, STORE_DM, "n2/b", "bob", "alice", "hi");
	expect(f, 0, "dm$%llu$alice$bob$hi\n", now(f));
	cluster_ev(f, 0, STORE_DM_ACT, "n1/a", "alice", "bob", "waves");
	expect(f, 0, "dm_act$%llu$bob$alice$waves\n", now(f));
	/* Alice away: bob's node is asked to tell him, once. */
	line(f, 0, "away$n1/a$lunch");
	expect(f, 0, "away$alice$lunch\n");
	for (i = 0; i < 2; i++) {
		published = fl.published;
		cluster_ev(f, 0, STORE_DM, "n1/a", "alice", "bob", "there?");
		expect(f, 0, "dm$%llu$bob$alice$there?\n", now(f));
		assert_int_equal(fl.published, published + (i == 0));
	}
	assert_int_equal(fl.kind, STORE_AWAY);
	assert_string_equal(fl.uid, "n1/a");
	assert_string_equal(fl.sender, "alice");
	assert_string_equal(fl.chan, "bob");
	assert_string_equal(fl.text, "lunch");
	/* Bob away on his node, told to alice here. */
	cluster_ev(f, 0, STORE_AWAY, "n2/b", "alice", "bob", "asleep");
	expect(f, 0, "away$bob$asleep\n");
	line(f, 0, "dm$n1/a$nobody$hi");
	expect(f, 0, "error$no_such_user$dm$" TXT_NO_USER ": nobody\n");
	/* Dave's personal channel, joined from here. */
	line(f, 0, "join$n1/a$n3/d");
	take_all(f);
	cluster_ev(f, 0, STORE_GONE, "", "", "", "n3");
	expect(f, 0,
	    "quit$%llu$dave$node gone\n"
	    "closed$n3/d$" TXT_CLOSED "\n",
	    now(f));
	/* Another node's name prefix is not n3's. */
	cluster_ev(f, 0, STORE_GONE, "", "", "", "n");
	line(f, 0, "dm$n1/a$bob$still there");
	assert_string_equal(fl.text, "still there");
	line(f, 0, "dm$n1/a$dave$gone?");
	expect(f, 0, "error$no_such_user$dm$" TXT_NO_USER ": dave\n");
	flog_answer(&fl);
	fake_free(f);
}

/* A direct message of tag read back, from node (own: this node's). */
static void
cluster_dm_ev(struct fake *f, int own, enum store_kind kind, const char *uid,
    const char *to, const char *from, const char *text, const char *node,
    uint64_t tag)
{
	struct store_event ev;

	flog_answer(f->flog);
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.uid = uid;
	ev.uid_len = strlen(uid);
	ev.chan = to;
	ev.chan_len = strlen(to);
	ev.sender = from;
	ev.sender_len = strlen(from);
	ev.text = text;
	ev.text_len = strlen(text);
	ev.name = node;
	ev.name_len = strlen(node);
	ev.time = f->now;
	chat_cluster_event(f->chat, &ev, own, tag, f->now);
	settle(f);
}

/*
 * Several nodes: a DM to another node's user is kept until that node
 * says it delivered it (STORE_DM_ACK); one its node went with, or whose
 * recipient quit, gets an error saying it was not delivered, once; a
 * node delivering one says so; past CHAT_DM_UNACKED_MAX kept, a DM is
 * refused with dm_queue_full.
 */
static void
test_cluster_dm_ack(void **state)
{
	struct flog fl;
	struct fake *f = cluster_new(&fl);
	uint64_t one, two, three, four;
	char uid[16], name[16];
	int i, k;

	(void)state;
	cluster_reg(f, &fl, 0, "n1/a", "alice");
	cluster_ev(f, 0, STORE_JOIN, "n2/b", "n2/b", "bob", "");
	cluster_ev(f, 0, STORE_JOIN, "n3/c", "n3/c", "carol", "");
	cluster_ev(f, 0, STORE_JOIN, "n4/d", "n4/d", "dave", "");
	/* Delivered: no error when bob's node goes. */
	line(f, 0, "dm$n1/a$bob$one");
	one = fl.seq;
	assert_true(one != 0);
	cluster_dm_ev(f, 1, STORE_DM, "n2/b", "bob", "alice", "one", "n1", one);
	expect(f, 0, "dm$%llu$alice$bob$one\n", now(f));
	cluster_dm_ev(f, 0, STORE_DM_ACK, "n2/b", "", "bob", "n1", "", one);
	/* Not delivered: an ack for another node's tag changes nothing. */
	line(f, 0, "dm$n1/a$bob$two");
	two = fl.seq;
	assert_true(two != one);
	cluster_dm_ev(f, 1, STORE_DM, "n2/b", "bob", "alice", "two", "n1", two);
	expect(f, 0, "dm$%llu$alice$bob$two\n", now(f));
	cluster_dm_ev(f, 0, STORE_DM_ACK, "n2/b", "", "bob", "n9", "", two);
	nothing(f, 0);
	cluster_ev(f, 0, STORE_GONE, "", "", "", "n2");
	expect(f, 0,
	    "error$no_such_user$dm$" TXT_NO_USER ": bob (not delivered)\n");
	cluster_ev(f, 0, STORE_GONE, "", "", "", "n2");
	nothing(f, 0);
	/* The recipient quit before delivering. */
	line(f, 0, "dm_act$n1/a$carol$waves");
	three = fl.seq;
	cluster_dm_ev(
	    f, 1, STORE_DM_ACT, "n3/c", "carol", "alice", "waves", "n1", three);
	expect(f, 0, "dm_act$%llu$alice$carol$waves\n", now(f));
	cluster_ev(f, 0, STORE_QUIT, "n3/c", "n3/c", "carol", "bye");
	expect(f, 0,
	    "error$no_such_user$dm_act$" TXT_NO_USER
	    ": carol (not delivered)\n");
	/* The recipient's node went before this node read its DM back. */
	line(f, 0, "dm$n1/a$dave$four");
	four = fl.seq;
	cluster_ev(f, 0, STORE_GONE, "", "", "", "n4");
	nothing(f, 0);
	cluster_dm_ev(
	    f, 1, STORE_DM, "n4/d", "dave", "alice", "four", "n1", four);
	expect(f, 0,
	    "dm$%llu$alice$dave$four\n"
	    "error$no_such_user$dm$" TXT_NO_USER ": dave (not delivered)\n",
	    now(f));
	/* The node delivering a DM from another node tells that node. */
	fl.published = 0;
	cluster_dm_ev(f, 0, STORE_DM, "n1/a", "alice", "erin", "yo", "n5", 7);
	expect(f, 0, "dm$%llu$erin$alice$yo\n", now(f));
	assert_int_equal(fl.published, 1);
	assert_int_equal(fl.kind, STORE_DM_ACK);
	assert_string_equal(fl.uid, "n1/a");
	assert_string_equal(fl.text, "n5");
	assert_int_equal(fl.seq, 7);
	/* The bound, filled by users' shares. */
	cluster_ev(f, 0, STORE_JOIN, "n6/e", "n6/e", "eve", "");
	for (k = 1; k <= CHAT_DM_UNACKED_MAX / CHAT_DM_UNACKED_PER_USER; k++) {
		snprintf(uid, sizeof(uid), "n1/s%d", k);
		snprintf(name, sizeof(name), "sender%d", k);
		cluster_reg(f, &fl, k, uid, name);
		for (i = 0; i < CHAT_DM_UNACKED_PER_USER; i++) {
			line(f, k, "dm$%s$eve$%d", uid, i);
			flog_answer(&fl);
		}
		nothing(f, k);
	}
	line(f, 0, "dm$n1/a$eve$over");
	assert_memory_equal(take(f, 0), "error$dm_queue_full$dm$", 23);
	cluster_ev(f, 0, STORE_GONE, "", "", "", "n6");
	flog_answer(&fl);
	fake_free(f);
}

/*
 * Several nodes: a DM read back and not said delivered within
 * CHAT_DM_ACK_TIMEOUT_MS gets its sender "not delivered", once, and is
 * forgotten; one acked before the deadline does not; one not read back
 * yet waits for its echo.
 */
static void
test_cluster_dm_timeout(void **state)
{
	struct flog fl;
	struct fake *f = cluster_new(&fl);
	uint64_t one, two, three;

	(void)state;
	cluster_reg(f, &fl, 0, "n1/a", "alice");
	cluster_ev(f, 0, STORE_JOIN, "n2/b", "n2/b", "bob", "");
	line(f, 0, "dm$n1/a$bob$one");
	one = fl.seq;
	cluster_dm_ev(f, 1, STORE_DM, "n2/b", "bob", "alice", "one", "n1", one);
	expect(f, 0, "dm$%llu$alice$bob$one\n", now(f));
	line(f, 0, "dm$n1/a$bob$two");
	two = fl.seq;
	cluster_dm_ev(f, 1, STORE_DM, "n2/b", "bob", "alice", "two", "n1", two);
	expect(f, 0, "dm$%llu$alice$bob$two\n", now(f));
	/* Not read back before the deadline: judged after its echo. */
	line(f, 0, "dm$n1/a$bob$three");
	three = fl.seq;
	flog_answer(&fl);
	/* One is delivered in time. */
	cluster_dm_ev(f, 0, STORE_DM_ACK, "n2/b", "", "bob", "n1", "", one);
	f->now += CHAT_DM_ACK_TIMEOUT_MS - 1000;
	chat_cluster_tick(f->chat, f->now);
	settle(f);
	nothing(f, 0);
	f->now += 1000;
	chat_cluster_tick(f->chat, f->now);
	settle(f);
	expect(f, 0,
	    "error$no_such_user$dm$" TXT_NO_USER ": bob (not delivered)\n");
	cluster_dm_ev(
	    f, 1, STORE_DM, "n2/b", "bob", "alice", "three", "n1", three);
	expect(f, 0, "dm$%llu$alice$bob$three\n", now(f));
	f->now += 1000;
	chat_cluster_tick(f->chat, f->now);
	settle(f);
	expect(f, 0,
	    "error$no_such_user$dm$" TXT_NO_USER ": bob (not delivered)\n");
	/* Each once, and forgotten: nothing more, even when bob's node goes. */
	f->now += 1000;
	chat_cluster_tick(f->chat, f->now);
	cluster_dm_ev(f, 0, STORE_DM_ACK, "n2/b", "", "bob", "n1", "", two);
	cluster_ev(f, 0, STORE_GONE, "", "", "", "n2");
	nothing(f, 0);
	fake_free(f);
}

/*
 * Several nodes: one user has at most CHAT_DM_UNACKED_PER_USER DMs
 * waiting; past it, dm_queue_full, while another user still sends.
 */
static void
test_cluster_dm_per_user(void **state)
{
	struct flog fl;
	struct fake *f = cluster_new(&fl);
	int i, published;

	(void)state;
	cluster_reg(f, &fl, 0, "n1/a", "alice");
	cluster_reg(f, &fl, 1, "n1/c", "carol");
	cluster_ev(f, 0, STORE_JOIN, "n2/b", "n2/b", "bob", "");
	take_all(f);
	for (i = 0; i < CHAT_DM_UNACKED_PER_USER; i++) {
		line(f, 0, "dm$n1/a$bob$%d", i);
		flog_answer(&fl);
	}
	nothing(f, 0);
	published = fl.published;
	line(f, 0, "dm$n1/a$bob$over");
	assert_memory_equal(take(f, 0), "error$dm_queue_full$dm$", 23);
	assert_int_equal(fl.published, published);
	line(f, 1, "dm$n1/c$bob$hi");
	nothing(f, 1);
	assert_int_equal(fl.published, published + 1);
	assert_int_equal(fl.kind, STORE_DM);
	assert_string_equal(fl.text, "hi");
	flog_answer(&fl);
	fake_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connect_welcome),
	    cmocka_unit_test(test_base_transcript),
	    cmocka_unit_test(test_base_channels),
	    cmocka_unit_test(test_ext_register_create_join),
	    cmocka_unit_test(test_ext_names_chunking),
	    cmocka_unit_test(test_ext_history),
	    cmocka_unit_test(test_ext_history_off),
	    cmocka_unit_test(test_ext_history_budget),
	    cmocka_unit_test(test_ext_leave_part),
	    cmocka_unit_test(test_ext_dm),
	    cmocka_unit_test(test_cluster_mirror),
	    cmocka_unit_test(test_cluster_dm_gone),
	    cmocka_unit_test(test_ext_act),
	    cmocka_unit_test(test_ext_list),
	    cmocka_unit_test(test_ext_nick),
	    cmocka_unit_test(test_ping_pong),
	    cmocka_unit_test(test_errors_registered_base),
	    cmocka_unit_test(test_errors_registered_ext),
	    cmocka_unit_test(test_lookalike_names),
	    cmocka_unit_test(test_errors_unregistered_base),
	    cmocka_unit_test(test_errors_unregistered_ext),
	    cmocka_unit_test(test_errors_hello),
	    cmocka_unit_test(test_text_limits_base),
	    cmocka_unit_test(test_text_limits_ext),
	    cmocka_unit_test(test_bad_uid_base),
	    cmocka_unit_test(test_bad_uid_ext),
	    cmocka_unit_test(test_error_echo_cut),
	    cmocka_unit_test(test_join_limit),
	    cmocka_unit_test(test_channel_limit),
	    cmocka_unit_test(test_channel_full),
	    cmocka_unit_test(test_line_too_long),
	    cmocka_unit_test(test_not_chat),
	    cmocka_unit_test(test_state_errors_not_counted),
	    cmocka_unit_test(test_errors_max_base),
	    cmocka_unit_test(test_errors_max_ext),
	    cmocka_unit_test(test_errors_unregistered_limit),
	    cmocka_unit_test(test_disconnect_cleanup),
	    cmocka_unit_test(test_disconnect_unknown),
	    cmocka_unit_test(test_close_codes),
	    cmocka_unit_test(test_quit_command),
	    cmocka_unit_test(test_sendq),
	    cmocka_unit_test(test_id_collision),
	    cmocka_unit_test(test_fuzz_session),
	    cmocka_unit_test(test_history_request),
	    cmocka_unit_test(test_history_request_bytes),
	    cmocka_unit_test(test_cluster_topic_key),
	    cmocka_unit_test(test_cluster_dm_ack),
	    cmocka_unit_test(test_cluster_dm_timeout),
	    cmocka_unit_test(test_cluster_dm_per_user),
	};

	return cmocka_run_group_tests_name("chat", tests, NULL, NULL);
}

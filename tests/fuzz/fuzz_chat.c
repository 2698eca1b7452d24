/* fuzz_chat.c: the chat rules run by a program of connects, lines and closes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "cmd.h"
#include "event.h"
#include "proto.h"
#include "valid.h"

/*
 * The input is a program, one step per line; k is a connection 0 to 7
 * (any byte, taken modulo 8):
 *   <digit k> <line>   conn k sends <line> (placeholders below)
 *   'c' k              conn k connects, uid "127.0.0.1:<k>"
 *   'd' k              conn k is gone (chat_disconnect)
 *   'x' k <byte>       the server closes conn k with a fatal code
 *   'l' k              conn k sent a line past PROTO_LINE_MAX
 *   'k' k              a keepalive ping to conn k
 *   'r' k <byte>       conn k's output fills after <byte> % 16 more sends
 *   'R' k              conn k's output drains: sends are taken again
 *   'i' <byte>         the next <byte> % 16 random ids repeat the last
 *   't' <byte>         <byte> seconds pass;  'T' the clock steps back 5 s
 *   'm' <byte>         allocation number <byte> % 8 + 1 from now fails
 * A line whose first byte is 'C' chooses the limits, if it comes first.
 * Placeholders in a line: %U own uid, %u<k> conn k's uid, %I<k> the k-th
 * channel id seen (of 8 remembered), %L 3072 bytes of text, %M 3073,
 * %N a 32-byte name, %% a '%'.
 *
 * A refused send marks the connection, which is then closed with
 * sendq_exceeded as the server does.  After every step chat_check() must
 * pass, the chat and the fake agree on who is connected and registered,
 * and the names of registered users (learnt from reg and nick) differ in
 * more than case.  Every line sent must be a valid line of its mode; in
 * extended mode, join sequences and names replies must be whole with
 * the right counts, a channel's live messages must come in sequence
 * order, and one chat call sends a connection at most one quit or nick.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * build.sh links this target with -Wl,--wrap for malloc, calloc and
 * realloc, so that an allocation can be made to fail: the chat must then
 * answer no_memory or go without (history), and leave nothing half done.
 */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

#define FUZZ_CONNS 8
/* Channel ids remembered for %I. */
#define FUZZ_IDS 8
/* The wall clock at the start, as in the man page's example. */
#define FUZZ_T0 1795600000000ULL

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #cond);                                  \
			abort();                                               \
		}                                                              \
	} while (0)

/* Channels whose last message sequence number a connection remembers. */
#define FUZZ_SEQS 8

/* Where an extended-mode connection is in a join sequence or names reply. */
enum fake_seq_state {
	SEQ_NONE,    /* between sequences */
	SEQ_NAMES,   /* after joined: names lines, then names_end */
	SEQ_HISTORY, /* after names_end: msg and act lines, then history_end */
	SEQ_PAGE, /* after history_page: msg and act, then history_page_end */
};

struct fake_seq {
	char id[PROTO_ID_MAX + 1];
	uint64_t seq;
};

struct fake_conn {
	int open;
	int refuse_after; /* sends taken before the output is full; -1: all */
	int over;         /* a send was refused: close it */
	char uid[PROTO_ID_MAX + 1];
	char name[PROTO_NAME_MAX + 1]; /* empty until registered */
	size_t name_len;
	/* The join sequence or names reply under way, in extended mode. */
	enum fake_seq_state state;
	char chan[PROTO_ID_MAX + 1];
	size_t chan_len;
	int in_join;
	uint64_t members;  /* announced by joined */
	uint64_t names;    /* names listed so far */
	uint64_t page_seq; /* the last seq of the history page under way */
	uint64_t history;  /* history lines so far */
	/* The chat call that last sent this connection a quit or nick line. */
	unsigned long notice_call;
	struct fake_seq seqs[FUZZ_SEQS];
	size_t next_seq;
};

struct fake {
	struct chat *chat;
	struct fake_conn conns[FUZZ_CONNS];
	char ids[FUZZ_IDS][PROTO_ID_MAX + 1];
	size_t next_id;
	uint64_t rng;
	int rnd_repeat;
	unsigned char rnd_last[PROTO_CHAN_ID_LEN];
	uint64_t now;
	unsigned max_channels;
	/* Chat calls made, so that a line can be told apart by its call. */
	unsigned long call;
};

/*
 * Allocations left before one fails; 0 when none is to fail.  The one
 * global of the harness: the wrappers have no context to reach.
 */
static unsigned fail_countdown;

static int
fail_now(void)
{
	return fail_countdown > 0 && --fail_countdown == 0;
}

void *
__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return fail_now() ? NULL : __real_realloc(p, size);
}

/* Remembers a channel id seen in a reply, for %I. */
static void
remember_id(struct fake *f, const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > PROTO_ID_MAX)
		return;
	for (i = 0; i < FUZZ_IDS; i++) {
		if (strlen(f->ids[i]) == len && memcmp(f->ids[i], p, len) == 0)
			return;
	}
	memcpy(f->ids[f->next_id], p, len);
	f->ids[f->next_id][len] = '\0';
	f->next_id = (f->next_id + 1) % FUZZ_IDS;
}

static int
slice_is(struct slice s, const char *p, size_t len)
{
	return s.len == len && (len == 0 || memcmp(s.p, p, len) == 0);
}

/* The remembered sequence number of channel id for fc, or NULL. */
static struct fake_seq *
seq_find(struct fake_conn *fc, struct slice id)
{
	size_t i;

	if (id.len == 0)
		return NULL;
	for (i = 0; i < FUZZ_SEQS; i++) {
		if (slice_is(id, fc->seqs[i].id, strlen(fc->seqs[i].id)))
			return &fc->seqs[i];
	}
	return NULL;
}

/* A live message: the channel's sequence numbers only go up. */
static void
seq_check(struct fake_conn *fc, struct slice id, uint64_t seq)
{
	struct fake_seq *s = seq_find(fc, id);

	FUZZ_CHECK(seq >= 1);
	if (s == NULL) {
		if (id.len == 0 || id.len > PROTO_ID_MAX)
			return;
		s = &fc->seqs[fc->next_seq];
		fc->next_seq = (fc->next_seq + 1) % FUZZ_SEQS;
		memcpy(s->id, id.p, id.len);
		s->id[id.len] = '\0';
	} else {
		FUZZ_CHECK(seq > s->seq);
	}
	s->seq = seq;
}

/* Joined again, left or closed: history may repeat what was seen. */
static void
seq_forget(struct fake_conn *fc, struct slice id)
{
	struct fake_seq *s = seq_find(fc, id);

	if (s != NULL)
		s->id[0] = '\0';
}

static void
sequence_start(struct fake_conn *fc, const struct event *ev, int in_join)
{
	FUZZ_CHECK(ev->chan.len <= PROTO_ID_MAX);
	memcpy(fc->chan, ev->chan.p, ev->chan.len);
	fc->chan_len = ev->chan.len;
	fc->state = SEQ_NAMES;
	fc->in_join = in_join;
	fc->members = ev->count;
	fc->names = 0;
	fc->history = 0;
}

static uint64_t
count_names(struct slice list)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < list.len; i++) {
		if (list.p[i] != ' ' && (i == 0 || list.p[i - 1] == ' '))
			n++;
	}
	return n;
}

/*
 * The join sequence of protocol(7): joined, names lines, names_end, the
 * history as msg and act lines, history_end, with nothing else between
 * and every count right; a names reply is names lines and names_end.
 * Returns non-zero if ev belonged to a sequence.
 */
static int
sequence_step(struct fake_conn *fc, const struct event *ev)
{
	int same = slice_is(ev->chan, fc->chan, fc->chan_len);

	switch (fc->state) {
	case SEQ_NONE:
		if (ev->kind == EV_JOINED) {
			sequence_start(fc, ev, 1);
			return 1;
		}
		if (ev->kind == EV_NAMES) {
			/* A reply to names: no joined line before it. */
			sequence_start(fc, ev, 0);
			fc->names = count_names(ev->text);
			return 1;
		}
		if (ev->kind == EV_HISTORY_PAGE) {
			sequence_start(fc, ev, 0);
			fc->state = SEQ_PAGE;
			fc->page_seq = 0;
			return 1;
		}
		FUZZ_CHECK(ev->kind != EV_NAMES_END &&
		    ev->kind != EV_HISTORY_END &&
		    ev->kind != EV_HISTORY_PAGE_END);
		return 0;
	case SEQ_NAMES:
		FUZZ_CHECK(same);
		if (ev->kind == EV_NAMES) {
			fc->names += count_names(ev->text);
			return 1;
		}
		FUZZ_CHECK(ev->kind == EV_NAMES_END);
		FUZZ_CHECK(ev->count == fc->names);
		FUZZ_CHECK(!fc->in_join || fc->members == fc->names);
		fc->state = fc->in_join ? SEQ_HISTORY : SEQ_NONE;
		return 1;
	case SEQ_HISTORY:
		FUZZ_CHECK(same);
		if (ev->kind == EV_MSG || ev->kind == EV_ACT) {
			fc->history++;
			return 0;
		}
		FUZZ_CHECK(ev->kind == EV_HISTORY_END);
		FUZZ_CHECK(ev->count == fc->history);
		fc->state = SEQ_NONE;
		return 1;
	case SEQ_PAGE:
		/* A page: the count announced, in seq order, at most a page. */
		FUZZ_CHECK(same);
		FUZZ_CHECK(fc->members <= CMD_HISTORY_PAGE_MAX);
		if (ev->kind == EV_MSG || ev->kind == EV_ACT) {
			FUZZ_CHECK(ev->seq > fc->page_seq);
			fc->page_seq = ev->seq;
			fc->history++;
			return 1;
		}
		FUZZ_CHECK(ev->kind == EV_HISTORY_PAGE_END);
		FUZZ_CHECK(ev->count == fc->history);
		FUZZ_CHECK(fc->members == fc->history);
		fc->state = SEQ_NONE;
		return 1;
	}
	return 0;
}

/* Checks one line sent to conn and learns ids and renames from it. */
static void
look_at_line(struct fake *f, int conn, const char *p, size_t n, int ext)
{
	static const char base_joined[] = "$$joined: ";
	struct fake_conn *fc = &f->conns[conn];
	struct event ev;
	int paged;

	FUZZ_CHECK(n + 1 <= PROTO_LINE_MAX);
	FUZZ_CHECK(valid_line(p, n) == PROTO_E_NONE);
	if (!ext) {
		if (n > sizeof(base_joined) - 1 &&
		    memcmp(p, base_joined, sizeof(base_joined) - 1) == 0)
			remember_id(f, p + sizeof(base_joined) - 1,
			    n - (sizeof(base_joined) - 1));
		return;
	}
	FUZZ_CHECK(event_decode(p, n, &ev) == PROTO_E_NONE);
	/* History pages repeat what was seen: only live lines go up. */
	paged = fc->state == SEQ_PAGE;
	(void)sequence_step(fc, &ev);
	switch (ev.kind) {
	case EV_MSG:
	case EV_ACT:
		if (!paged)
			seq_check(fc, ev.chan, ev.seq);
		break;
	case EV_LEFT:
	case EV_CLOSED:
		seq_forget(fc, ev.chan);
		break;
	case EV_QUIT:
		/* Once per connection however many channels were shared. */
		FUZZ_CHECK(fc->notice_call != f->call);
		fc->notice_call = f->call;
		break;
	default:
		break;
	}
	switch (ev.kind) {
	case EV_CREATED:
	case EV_LIST:
		remember_id(f, ev.chan.p, ev.chan.len);
		break;
	case EV_JOINED:
		remember_id(f, ev.chan.p, ev.chan.len);
		seq_forget(fc, ev.chan);
		break;
	case EV_NICK:
		FUZZ_CHECK(fc->notice_call != f->call);
		fc->notice_call = f->call;
		/* Names are unique, so only this user's own rename matches. */
		if (fc->name_len > 0 &&
		    valid_name_equal(
		        ev.name.p, ev.name.len, fc->name, fc->name_len)) {
			FUZZ_CHECK(
			    valid_name(ev.peer.p, ev.peer.len) == PROTO_E_NONE);
			memcpy(fc->name, ev.peer.p, ev.peer.len);
			fc->name_len = ev.peer.len;
			fc->name[fc->name_len] = '\0';
		}
		break;
	default:
		break;
	}
}

static void
look_at_lines(struct fake *f, int conn, const char *p, size_t len)
{
	int ext = chat_mode(f->chat, conn) == CHAT_MODE_EXT;
	const char *nl;

	FUZZ_CHECK(len > 0 && p[len - 1] == '\n');
	while (len > 0) {
		nl = memchr(p, '\n', len);
		FUZZ_CHECK(nl != NULL);
		look_at_line(f, conn, p, (size_t)(nl - p), ext);
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

static int
fake_send(void *ctx, int conn, const char *data, size_t len)
{
	struct fake *f = ctx;
	struct fake_conn *fc;

	FUZZ_CHECK(conn >= 0 && conn < FUZZ_CONNS);
	fc = &f->conns[conn];
	/* Nothing may go to a connection the chat has closed. */
	FUZZ_CHECK(fc->open);
	look_at_lines(f, conn, data, len);
	if (fc->refuse_after == 0) {
		fc->over = 1;
		return -1;
	}
	if (fc->refuse_after > 0)
		fc->refuse_after--;
	return 0;
}

static void
fake_close(void *ctx, int conn, int drop_queued, const char *final, size_t len)
{
	struct fake *f = ctx;
	struct fake_conn *fc;

	FUZZ_CHECK(conn >= 0 && conn < FUZZ_CONNS);
	fc = &f->conns[conn];
	FUZZ_CHECK(fc->open);
	FUZZ_CHECK(drop_queued == 0 || drop_queued == 1);
	look_at_lines(f, conn, final, len);
	fc->open = 0;
	fc->over = 0;
	fc->name_len = 0;
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

	FUZZ_CHECK(len <= sizeof(f->rnd_last));
	if (f->rnd_repeat > 0) {
		f->rnd_repeat--;
		memcpy(p, f->rnd_last, len);
		return;
	}
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(fake_rand(f) >> 56);
	memcpy(f->rnd_last, p, len);
}

/* Does what the server does after every chat call, then checks. */
static void
settle(struct fake *f)
{
	size_t users = 0, i, j;
	int again = 1, k;

	while (again) {
		again = 0;
		for (k = 0; k < FUZZ_CONNS; k++) {
			if (!f->conns[k].over || !f->conns[k].open)
				continue;
			f->conns[k].over = 0;
			f->call++;
			chat_close(
			    f->chat, k, PROTO_E_SENDQ_EXCEEDED, NULL, f->now);
			again = 1;
		}
	}
	FUZZ_CHECK(chat_check(f->chat) == 0);
	for (k = 0; k < FUZZ_CONNS; k++) {
		struct fake_conn *fc = &f->conns[k];
		int reg = chat_registered(f->chat, k);

		FUZZ_CHECK(
		    fc->open == (chat_mode(f->chat, k) != CHAT_MODE_NONE));
		FUZZ_CHECK(!reg || fc->open);
		FUZZ_CHECK(reg == (fc->name_len > 0));
		users += (size_t)reg;
	}
	FUZZ_CHECK(users == chat_user_count(f->chat));
	FUZZ_CHECK(chat_channel_count(f->chat) <= f->max_channels);
	for (i = 0; i < FUZZ_CONNS; i++) {
		const struct fake_conn *a = &f->conns[i];

		for (j = i + 1; j < FUZZ_CONNS && a->name_len > 0; j++) {
			const struct fake_conn *b = &f->conns[j];

			FUZZ_CHECK(b->name_len == 0 ||
			    !valid_name_equal(
			        a->name, a->name_len, b->name, b->name_len));
		}
	}
}

/* Appends s to out[*at..cap) if it fits; else marks the line too long. */
static void
put(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
	if (n > cap - *at) {
		*at = cap;
		return;
	}
	memcpy(out + *at, s, n);
	*at += n;
}

/* Expands the placeholders of p[0..len); returns the length or cap. */
static size_t
expand(
    struct fake *f, int conn, const char *p, size_t len, char *out, size_t cap)
{
	static char text[PROTO_TEXT_MAX + 1];
	static const char name[] = "n0123456789012345678901234567890";
	size_t i = 0, at = 0;
	const char *s;

	if (text[0] == '\0')
		memset(text, 't', sizeof(text));
	while (i < len && at < cap) {
		if (p[i] != '%' || i + 1 == len) {
			put(out, cap, &at, p + i, 1);
			i++;
			continue;
		}
		switch (p[i + 1]) {
		case 'U':
			s = f->conns[conn].uid;
			put(out, cap, &at, s, strlen(s));
			i += 2;
			break;
		case 'u':
		case 'I':
			if (i + 2 == len) {
				put(out, cap, &at, p + i, 2);
				i += 2;
				break;
			}
			s = p[i + 1] == 'u'
			    ? f->conns[(unsigned char)p[i + 2] % FUZZ_CONNS].uid
			    : f->ids[(unsigned char)p[i + 2] % FUZZ_IDS];
			put(out, cap, &at, s, strlen(s));
			i += 3;
			break;
		case 'L':
		case 'M':
			put(out, cap, &at, text,
			    p[i + 1] == 'L' ? PROTO_TEXT_MAX
			                    : PROTO_TEXT_MAX + 1);
			i += 2;
			break;
		case 'N':
			put(out, cap, &at, name, sizeof(name) - 1);
			i += 2;
			break;
		case '%':
			put(out, cap, &at, "%", 1);
			i += 2;
			break;
		default:
			put(out, cap, &at, p + i, 1);
			i++;
			break;
		}
	}
	return at;
}

/* A line from conn; learns the name when it registers. */
static void
step_line(struct fake *f, int conn, const char *p, size_t len)
{
	static char line[PROTO_LINE_MAX];
	struct fake_conn *fc = &f->conns[conn];
	int was = chat_registered(f->chat, conn);
	size_t n = expand(f, conn, p, len, line, sizeof(line));
	struct cmd cmd;

	if (n == sizeof(line)) {
		/* Past PROTO_LINE_MAX with its LF: the framer refuses it. */
		chat_line_too_long(f->chat, conn, f->now);
		return;
	}
	chat_line(f->chat, conn, line, n, f->now);
	if (!was && chat_registered(f->chat, conn)) {
		FUZZ_CHECK(cmd_decode(line, n, &cmd) == PROTO_E_NONE);
		FUZZ_CHECK(cmd.verb == CMD_REG);
		FUZZ_CHECK(cmd.arg.len <= PROTO_NAME_MAX);
		memcpy(fc->name, cmd.arg.p, cmd.arg.len);
		fc->name_len = cmd.arg.len;
		fc->name[fc->name_len] = '\0';
	}
}

static void
step(struct fake *f, const char *p, size_t len)
{
	int k = len > 1 ? (unsigned char)p[1] % FUZZ_CONNS : 0;
	struct fake_conn *fc = &f->conns[k];
	unsigned arg = len > 2 ? (unsigned char)p[2] : 0;

	if (len == 0)
		return;
	/* Each step makes at most one chat call. */
	f->call++;
	if (p[0] >= '0' && p[0] <= '9') {
		step_line(f, (p[0] - '0') % FUZZ_CONNS, p + 1, len - 1);
		return;
	}
	switch (p[0]) {
	case 'c':
		if (fc->open)
			break;
		memset(fc, 0, sizeof(*fc));
		snprintf(fc->uid, sizeof(fc->uid), "127.0.0.1:%d", k);
		fc->open = 1;
		fc->refuse_after = -1;
		if (chat_connect(f->chat, k, fc->uid, strlen(fc->uid)) < 0) {
			/* Out of memory: the server closes the socket. */
			fc->open = 0;
			break;
		}
		FUZZ_CHECK(chat_mode(f->chat, k) == CHAT_MODE_NEW);
		break;
	case 'd':
		chat_disconnect(f->chat, k, "connection closed", f->now);
		fc->open = 0;
		fc->over = 0;
		fc->name_len = 0;
		break;
	case 'x':
		chat_close(f->chat, k,
		    (enum proto_code)(PROTO_E_FATAL_FIRST +
		        (int)(arg % (PROTO_E_COUNT - PROTO_E_FATAL_FIRST))),
		    NULL, f->now);
		FUZZ_CHECK(!fc->open);
		break;
	case 'l':
		chat_line_too_long(f->chat, k, f->now);
		break;
	case 'k':
		chat_keepalive(f->chat, k, "1795600000000");
		break;
	case 'r':
		fc->refuse_after = (int)(arg % 16);
		break;
	case 'R':
		fc->refuse_after = -1;
		break;
	case 'i':
		f->rnd_repeat = len > 1 ? (unsigned char)p[1] % 16 : 1;
		break;
	case 't':
		f->now += 1000 * (uint64_t)(len > 1 ? (unsigned char)p[1] : 1);
		break;
	case 'T':
		f->now -= 5000;
		break;
	case 'm':
		fail_countdown = len > 1 ? (unsigned char)p[1] % 8 + 1 : 1;
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chat_config cfg = {
	    .max_channels = 4,
	    .max_joins = 5,
	    .max_members = 4,
	    .history = 3,
	    /* Room for about eight short lines: eviction across channels. */
	    .history_bytes = 640,
	    .errors_max = 12,
	    .software = "txt-chatd/fuzz",
	};
	const char *in = (const char *)data, *lf;
	struct chat_sink sink;
	struct fake *f;
	size_t pos = 0, len;

	if (size > 1 && in[0] == 'C') {
		/* Other limits: none at all, or the defaults' history. */
		cfg.errors_max = data[1] & 1 ? 0 : 3;
		cfg.history = data[1] & 2 ? 0 : 100;
		cfg.history_bytes = data[1] & 16 ? 0 : (size_t)1 << 20;
		cfg.max_joins = 1 + data[1] % 8;
		cfg.max_members = data[1] & 4 ? 1 : 10000;
		cfg.max_channels = data[1] & 8 ? 0 : 4096;
	}
	fail_countdown = 0;
	f = calloc(1, sizeof(*f));
	FUZZ_CHECK(f != NULL);
	f->rng = 0x9E3779B97F4A7C15ULL;
	f->now = FUZZ_T0;
	f->max_channels = cfg.max_channels;
	sink.ctx = f;
	sink.send = fake_send;
	sink.close = fake_close;
	sink.random = fake_random;
	f->chat = chat_new(&cfg, &sink);
	FUZZ_CHECK(f->chat != NULL);
	while (pos < size) {
		lf = memchr(in + pos, '\n', size - pos);
		len = lf != NULL ? (size_t)(lf - (in + pos)) : size - pos;
		step(f, in + pos, len);
		settle(f);
		pos += len + 1;
	}
	/* libFuzzer allocates too: nothing may fail outside the program. */
	fail_countdown = 0;
	chat_free(f->chat);
	free(f);
	return 0;
}

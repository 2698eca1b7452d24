/* fuzz_event.c: server lines through the event codec and the client's rules. */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "event.h"
#include "model.h"
#include "proto.h"
#include "utf8.h"
#include "valid.h"

/*
 * The input is what a server sends, one line per LF (a CR before it is
 * dropped, a line past PROTO_LINE_MAX is reported as too long, as the
 * client's framer does).  Each line is decoded; a decoded event must
 * encode and decode back to the same fields.  The lines also go to a
 * client (client_connected, then client_line), except that a line
 * starting with the byte 0x01 is the shell or the user acting instead:
 *   0x01 'c'          the connection drops and comes back
 *   0x01 'o'          the connection drops for good (lines are ignored)
 *   0x01 't'          half a minute passes: client_tick
 *   0x01 'l'          the framer reports an over-long line
 *   0x01 'p'          the server answers the client's last ping
 *   0x01 's' <byte>   the user shows window <byte> modulo the count
 *   0x01 'i' <text>   the user submits <text> (client_input)
 *   0x01 'm' <byte>   allocation number <byte> % 8 + 1 from now fails
 * After every line the model's windows are checked, and at the end every
 * line and member kept: all of it must be safe to draw.  Every line the
 * client sends must be one the server accepts.
 */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * build.sh links this target with -Wl,--wrap for malloc, calloc and
 * realloc, so that an allocation can be made to fail: the client must
 * then go without a line or a window, and keep what it shows safe.
 */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

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

/* What the fake shell saw. */
struct shell {
	int dropped;
	/* The last "pong$<token>" a server would answer the client's ping with.
	 */
	char pong[5 + PROTO_TOKEN_MAX + 1];
	size_t pong_len;
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

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Widths decide what sanitize() keeps, as in the real client. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		abort();
	return 0;
}

static int
slice_eq(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Every line the client queues must be one the server would take. */
static void
shell_send(void *ctx, const char *line, size_t len)
{
	struct shell *sh = ctx;
	struct cmd c;

	FUZZ_CHECK(len >= 1 && len <= PROTO_LINE_MAX);
	FUZZ_CHECK(line[len - 1] == '\n');
	FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
	FUZZ_CHECK(cmd_decode(line, len - 1, &c) == PROTO_E_NONE);
	if (c.verb == CMD_PING) {
		FUZZ_CHECK(c.arg.len <= PROTO_TOKEN_MAX);
		memcpy(sh->pong, "pong$", 5);
		memcpy(sh->pong + 5, c.arg.p, c.arg.len);
		sh->pong_len = 5 + c.arg.len;
	}
}

static void
shell_drop(void *ctx, const char *why)
{
	struct shell *sh = ctx;

	FUZZ_CHECK(why != NULL);
	sh->dropped = 1;
}

/* Text that is safe to draw: UTF-8 with no control, bidi or separator. */
static void
check_safe(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;
	int n;

	FUZZ_CHECK(utf8_valid(s, len));
	while (i < len) {
		FUZZ_CHECK(
		    (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] != 0x7F);
		n = utf8_decode(s + i, len - i, &cp);
		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(!(cp >= 0x80 && cp <= 0x9F));
		FUZZ_CHECK(!valid_forbidden(cp));
		i += (size_t)n;
	}
}

static void
check_line(const struct model_win *w, uint64_t index)
{
	struct model_line l;

	FUZZ_CHECK(model_line(w, index, &l) == 0);
	FUZZ_CHECK(l.sender_len <= MODEL_NAME_MAX);
	FUZZ_CHECK(l.text_len <= MODEL_TEXT_MAX);
	check_safe(l.sender, l.sender_len);
	check_safe(l.text, l.text_len);
}

/* Cheap checks after every line: each window, its newest line. */
static void
check_windows(const struct model *m)
{
	size_t n = model_win_count(m), i;

	FUZZ_CHECK(n >= 1 && n <= MODEL_WINDOWS_MAX);
	FUZZ_CHECK(model_current(m) < n);
	FUZZ_CHECK(model_next_activity(m) < n);
	FUZZ_CHECK(model_win_kind(model_win_at(m, 0)) == MODEL_WIN_STATUS);
	check_safe(model_self(m), strlen(model_self(m)));
	for (i = 0; i < n; i++) {
		const struct model_win *w = model_win_at(m, i);
		uint64_t begin = model_lines_begin(w), end = model_lines_end(w);
		struct model_line past;

		FUZZ_CHECK(model_win_index(m, w) == i);
		FUZZ_CHECK(strlen(model_win_name(w)) <= MODEL_NAME_MAX);
		FUZZ_CHECK(strlen(model_win_key(w)) <= MODEL_ID_MAX);
		check_safe(model_win_name(w), strlen(model_win_name(w)));
		check_safe(model_win_key(w), strlen(model_win_key(w)));
		FUZZ_CHECK(begin <= end);
		FUZZ_CHECK(end - begin <= MODEL_SCROLLBACK_MIN);
		FUZZ_CHECK(model_member_count(w) <= MODEL_MEMBERS_MAX);
		if (end > begin)
			check_line(w, end - 1);
		FUZZ_CHECK(model_line(w, end, &past) == -1);
	}
}

/* Everything kept, at the end: every line and every member. */
static void
check_all(const struct model *m)
{
	size_t n = model_win_count(m), i, k;
	uint64_t j;

	check_windows(m);
	for (i = 0; i < n; i++) {
		const struct model_win *w = model_win_at(m, i);
		size_t members = model_member_count(w);
		const char *name;

		for (j = model_lines_begin(w); j < model_lines_end(w); j++)
			check_line(w, j);
		for (k = 0; k < members; k++) {
			name = model_member(w, k);
			FUZZ_CHECK(name != NULL);
			FUZZ_CHECK(strlen(name) <= MODEL_NAME_MAX);
			check_safe(name, strlen(name));
		}
		FUZZ_CHECK(model_member(w, members) == NULL);
	}
}

static void
check_same_event(const struct event *a, const struct event *b)
{
	FUZZ_CHECK(a->kind == b->kind);
	FUZZ_CHECK(slice_eq(a->chan, b->chan));
	FUZZ_CHECK(slice_eq(a->name, b->name));
	FUZZ_CHECK(slice_eq(a->peer, b->peer));
	FUZZ_CHECK(slice_eq(a->text, b->text));
	FUZZ_CHECK(slice_eq(a->verb, b->verb));
	FUZZ_CHECK(a->seq == b->seq);
	FUZZ_CHECK(a->time == b->time);
	FUZZ_CHECK(a->count == b->count);
	FUZZ_CHECK(a->text_max == b->text_max);
	FUZZ_CHECK(a->page_max == b->page_max);
	FUZZ_CHECK(a->name_max == b->name_max);
	FUZZ_CHECK(a->chan_kind == b->chan_kind);
	FUZZ_CHECK(a->code == b->code);
}

/*
 * Non-zero if s holds a LF, or a '$' while it is not the last field (the
 * one that ends the line).
 */
static int
field_splits(struct slice s, const char *line_end)
{
	if (s.len == 0)
		return 0;
	return memchr(s.p, '\n', s.len) != NULL ||
	    (s.p + s.len != line_end && memchr(s.p, '$', s.len) != NULL);
}

/* The codec alone: decode, and for a decoded line encode and decode back. */
static void
check_codec(const char *line, size_t len)
{
	static char buf[2 * PROTO_LINE_MAX], base[2 * PROTO_LINE_MAX];
	struct event ev, back;
	enum proto_code code;
	size_t n, bn;
	const char *name;

	code = event_decode(line, len, &ev);
	FUZZ_CHECK(code == PROTO_E_NONE || code == PROTO_E_UNKNOWN_COMMAND ||
	    code == PROTO_E_BAD_ARGS);
	FUZZ_CHECK(code == PROTO_E_UNKNOWN_COMMAND ? ev.kind == EV_COUNT
	                                           : ev.kind < EV_COUNT);
	if (code != PROTO_E_NONE)
		return;
	name = event_kind_name(ev.kind);
	FUZZ_CHECK(
	    len >= strlen(name) && memcmp(line, name, strlen(name)) == 0);
	FUZZ_CHECK(event_chan_kind_name(ev.chan_kind) != NULL);
	bn = event_encode_base(base, sizeof(base), &ev);
	FUZZ_CHECK(bn == 0 || base[bn - 1] == '\n');
	/*
	 * The condition for a faithful round trip.  Decoding splits on '$'
	 * and the input is split on LF, so it holds for every decoded line.
	 */
	FUZZ_CHECK(!field_splits(ev.chan, line + len) &&
	    !field_splits(ev.name, line + len) &&
	    !field_splits(ev.peer, line + len) &&
	    !field_splits(ev.text, line + len) &&
	    !field_splits(ev.verb, line + len));
	n = event_encode(buf, sizeof(buf), &ev);
	FUZZ_CHECK(n > 0 && buf[n - 1] == '\n');
	FUZZ_CHECK(event_encode(buf, n - 1, &ev) == 0);
	n = event_encode(buf, n, &ev);
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(event_decode(buf, n - 1, &back) == PROTO_E_NONE);
	check_same_event(&ev, &back);
}

/* One action of the shell or the user; see the comment at the top. */
static void
shell_act(struct client *c, struct shell *sh, const char *p, size_t len,
    uint64_t *now)
{
	struct model *m = client_model(c);

	if (len == 0)
		return;
	switch (p[0]) {
	case 'c':
		client_disconnected(c, "fuzz", *now, *now + 5000);
		client_connecting(c, "127.0.0.1:7878", *now);
		client_connected(c, *now);
		break;
	case 'o':
		client_disconnected(c, "fuzz", *now, UINT64_MAX);
		break;
	case 't':
		*now += CLIENT_PING_IDLE_MS;
		if (client_next_tick(c) <= *now)
			client_tick(c, *now);
		break;
	case 'l':
		client_line_too_long(c, *now);
		break;
	case 'p':
		client_line(c, sh->pong, sh->pong_len, *now);
		break;
	case 's':
		if (len > 1)
			model_select(
			    m, (unsigned char)p[1] % model_win_count(m));
		break;
	case 'i':
		(void)client_input(c, p + 1, len - 1, *now);
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
	const char *in = (const char *)data, *line, *lf;
	struct client_config cfg = {"alice", MODEL_SCROLLBACK_MIN};
	struct shell sh;
	struct client_io io;
	struct client *c;
	uint64_t now = FUZZ_T0;
	size_t pos = 0, len;

	fail_countdown = 0;
	memset(&sh, 0, sizeof(sh));
	io.ctx = &sh;
	io.send = shell_send;
	io.drop = shell_drop;
	c = client_new(&cfg, &io);
	FUZZ_CHECK(c != NULL);
	client_connecting(c, "127.0.0.1:7878", now);
	client_connected(c, now);
	while (pos < size && !client_quitting(c)) {
		line = in + pos;
		lf = memchr(line, '\n', size - pos);
		len = lf != NULL ? (size_t)(lf - line) : size - pos;
		pos += len + 1;
		now++;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len + 1 > PROTO_LINE_MAX) {
			client_line_too_long(c, now);
		} else if (len > 0 && line[0] == '\x01') {
			shell_act(c, &sh, line + 1, len - 1, &now);
		} else {
			check_codec(line, len);
			client_line(c, line, len, now);
		}
		if (sh.dropped) {
			/* The shell closes and connects again. */
			sh.dropped = 0;
			client_disconnected(c, "dropped", now, now + 1000);
			client_connected(c, now);
		}
		FUZZ_CHECK(client_state(c) <= CLIENT_ONLINE);
		FUZZ_CHECK(client_text_max(c) >= 1 &&
		    client_text_max(c) <= PROTO_TEXT_MAX);
		FUZZ_CHECK(client_member_count(c) <= MODEL_MEMBERS_MAX);
		FUZZ_CHECK(strlen(client_name(c)) <= MODEL_NAME_MAX);
		check_windows(client_model(c));
	}
	/* libFuzzer allocates too: nothing may fail outside the input. */
	fail_countdown = 0;
	check_all(client_model(c));
	client_free(c);
	return 0;
}

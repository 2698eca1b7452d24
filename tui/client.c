/* client.c: the client's core: the session with the server (connecting,
 * registering, keepalive) and the sending of protocol lines. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "client_int.h"
#include "cmd.h"
#include "filter.h"
#include "proto.h"
#include "utf8.h"
#include "valid.h"

struct slice
client_slice(const char *p, size_t len)
{
	struct slice s;

	s.p = p;
	s.len = len;
	return s;
}

int
client_slice_eq(struct slice a, const char *b, size_t blen)
{
	return a.len == blen && (blen == 0 || memcmp(a.p, b, blen) == 0);
}

/* Copies s into buf[size] if it fits with a NUL; else leaves it empty. */
void
client_keep(char *buf, size_t size, size_t *len, struct slice s)
{
	if (s.len >= size) {
		buf[0] = '\0';
		*len = 0;
		return;
	}
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	*len = s.len;
}

struct model_win *
client_status(const struct client *c)
{
	return model_win_at(c->m, 0);
}

struct model_win *
client_current(const struct client *c)
{
	return model_win_at(c->m, model_current(c->m));
}

int
client_is_self(const struct client *c, struct slice name)
{
	return c->name_len > 0 &&
	    valid_name_equal(name.p, name.len, c->name, c->name_len);
}

/* A notice in w, or in the status window when w is NULL. */
void
client_note(struct client *c, struct model_win *w, uint64_t now,
    enum model_line_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)model_vinfo(
	    c->m, w != NULL ? w : client_status(c), now, kind, fmt, ap);
	va_end(ap);
}

void
client_notice(struct client *c, const char *text, int alarm, uint64_t now)
{
	client_note_both(
	    c, now, alarm ? MODEL_LINE_ERROR : MODEL_LINE_INFO, "%s", text);
}

/* A notice in the status window and, if another is shown, there too. */
void
client_note_both(struct client *c, uint64_t now, enum model_line_kind kind,
    const char *fmt, ...)
{
	va_list ap, aq;

	va_start(ap, fmt);
	va_copy(aq, ap);
	(void)model_vinfo(c->m, client_status(c), now, kind, fmt, ap);
	if (model_current(c->m) != 0)
		(void)model_vinfo(c->m, client_current(c), now, kind, fmt, aq);
	va_end(aq);
	va_end(ap);
}

struct client *
client_new(const struct client_config *cfg, const struct client_io *io)
{
	struct client *c = calloc(1, sizeof(*c));
	struct slice name;

	if (c == NULL)
		return NULL;
	c->m = model_new(cfg->scrollback);
	c->filter = filter_new();
	if (c->m == NULL || c->filter == NULL) {
		model_free(c->m);
		filter_free(c->filter);
		free(c);
		return NULL;
	}
	c->io = *io;
	c->state = CLIENT_OFFLINE;
	c->text_max = PROTO_TEXT_MAX;
	c->lag = -1;
	c->reg_retry_at = UINT64_MAX;
	name = client_slice(cfg->name != NULL ? cfg->name : "",
	    cfg->name != NULL ? strlen(cfg->name) : 0);
	if (name.len > CLIENT_NAME_MAX)
		name.len = CLIENT_NAME_MAX;
	client_keep(c->name, sizeof(c->name), &c->name_len, name);
	return c;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	client_account_free(c);
	model_free(c->m);
	filter_free(c->filter);
	free(c);
}

struct model *
client_model(const struct client *c)
{
	return c->m;
}

enum client_state
client_state(const struct client *c)
{
	return c->state;
}

const char *
client_name(const struct client *c)
{
	return c->name;
}

long
client_lag(const struct client *c)
{
	return c->lag;
}

int
client_away(const struct client *c)
{
	return c->away;
}

size_t
client_text_max(const struct client *c)
{
	return c->text_max;
}

size_t
client_member_count(const struct client *c)
{
	const struct model_win *w = client_current(c);
	enum model_win_kind k = model_win_kind(w);

	if (k != MODEL_WIN_CHANNEL && k != MODEL_WIN_PERSONAL)
		return 0;
	return model_member_count(w);
}

/* Explains why a line cannot be sent; line is the encoded line without LF. */
static void
client_refuse(struct client *c, enum proto_code code, const char *line,
    size_t len, uint64_t now)
{
	struct model_win *w = client_current(c);
	size_t i = 0;
	uint32_t cp;
	int n;

	if (code == PROTO_E_BAD_CHAR) {
		while (i < len) {
			n = utf8_decode(line + i, len - i, &cp);
			if (n < 0)
				break;
			if (valid_forbidden(cp)) {
				client_note(c, w, now, MODEL_LINE_ERROR,
				    "not sent: it holds U+%04" PRIX32
				    ", a control or formatting character; "
				    "remove it and try again",
				    cp);
				return;
			}
			i += (size_t)n;
		}
	}
	if (code == PROTO_E_BAD_ARGS) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "not sent: a name or channel may not hold '$' or be empty");
		return;
	}
	client_note(
	    c, w, now, MODEL_LINE_ERROR, "not sent: %s", proto_code_text(code));
}

/* The commands that send a message, which the server echoes or refuses. */
static const enum cmd_verb client_message_verbs[] = {
    CMD_SEND_MSG, CMD_SEND_ACT, CMD_DM, CMD_DM_ACT};

int
client_verb_is_message(enum cmd_verb verb)
{
	size_t i;

	for (i = 0;
	     i < sizeof(client_message_verbs) / sizeof(client_message_verbs[0]);
	     i++)
		if (verb == client_message_verbs[i])
			return 1;
	return 0;
}

/* Encodes cmd, checks that it decodes back the same, and queues it. */
int
client_send_cmd(struct client *c, const struct cmd *cmd, uint64_t now)
{
	char line[PROTO_LINE_MAX];
	struct cmd back;
	enum proto_code code;
	size_t n;

	n = cmd_encode(line, sizeof(line), cmd);
	if (n == 0) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "not sent: the line would pass %d bytes", PROTO_LINE_MAX);
		return -1;
	}
	code = cmd_decode(line, n - 1, &back);
	if (code == PROTO_E_NONE &&
	    (back.verb != cmd->verb ||
	        !client_slice_eq(back.uid, cmd->uid.p, cmd->uid.len) ||
	        !client_slice_eq(back.arg, cmd->arg.p, cmd->arg.len) ||
	        !client_slice_eq(back.text, cmd->text.p, cmd->text.len) ||
	        !client_slice_eq(back.name, cmd->name.p, cmd->name.len) ||
	        back.dir != cmd->dir || back.seq != cmd->seq ||
	        back.limit != cmd->limit))
		code = PROTO_E_BAD_ARGS;
	if (code != PROTO_E_NONE) {
		client_refuse(c, code, line, n - 1, now);
		return -1;
	}
	c->io.send(c->io.ctx, line, n);
	if (client_verb_is_message(cmd->verb))
		c->unechoed++;
	return 0;
}

int
client_send(struct client *c, enum cmd_verb verb, struct slice arg,
    struct slice text, uint64_t now)
{
	struct cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = verb;
	cmd.uid = client_slice(c->uid, cmd_verb_has_uid(verb) ? c->uid_len : 0);
	cmd.arg = arg;
	cmd.text = text;
	return client_send_cmd(c, &cmd, now);
}

int
client_send_history(struct client *c, const struct model_win *w,
    enum cmd_dir dir, uint64_t seq, uint64_t limit, uint64_t now)
{
	const char *key = model_win_key(w);
	struct cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = CMD_HISTORY;
	cmd.uid = client_slice(c->uid, c->uid_len);
	cmd.arg = client_slice(key, strlen(key));
	cmd.dir = dir;
	cmd.seq = seq;
	cmd.limit = limit;
	return client_send_cmd(c, &cmd, now);
}

void
client_scrolled_top(struct client *c, struct model_win *w, uint64_t now)
{
	uint64_t oldest;

	if (c->state != CLIENT_ONLINE || c->no_history ||
	    !client_is_channel_win(w) || !model_win_joined(w) ||
	    model_win_page(w) != MODEL_PAGE_NONE || model_win_catchup(w) != 0)
		return;
	oldest = model_win_oldest_seq(w);
	/* Seqs start at 1, and a channel never seen to speak has no past. */
	if (oldest == 1 || (oldest == 0 && model_win_seq(w) == 0)) {
		model_win_set_page(w, MODEL_PAGE_BEGIN);
		return;
	}
	/* Nothing with a seq kept (cleared): everything up to the newest. */
	if (client_send_history(c, w, CMD_DIR_BEFORE,
	        oldest > 0 ? oldest : model_win_seq(w) + 1, CLIENT_PAGE_LINES,
	        now) == 0)
		model_win_set_page(w, MODEL_PAGE_LOADING);
}

/* One of this user's messages came back, or was refused. */
void
client_echoed(struct client *c)
{
	if (c->unechoed > 0)
		c->unechoed--;
}

unsigned
client_unechoed(const struct client *c)
{
	return c->unechoed;
}

const struct slice client_none = {"", 0};

int
client_send_arg(
    struct client *c, enum cmd_verb verb, struct slice arg, uint64_t now)
{
	return client_send(c, verb, arg, client_none, now);
}

int
client_send_waited(struct client *c, enum cmd_verb verb, struct slice arg,
    int recreate, int join_if_exists, uint64_t now)
{
	return client_send_waited_key(
	    c, verb, arg, client_none, recreate, join_if_exists, now);
}

int
client_send_waited_key(struct client *c, enum cmd_verb verb, struct slice arg,
    struct slice key, int recreate, int join_if_exists, uint64_t now)
{
	struct client_wait *w;

	if (arg.len > PROTO_ID_MAX) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "no channel name or id is longer than %d bytes",
		    PROTO_ID_MAX);
		return -1;
	}
	if (c->waits_count == CLIENT_WAITS_MAX) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "too many joins wait for the server; try again later");
		return -1;
	}
	if (client_send(c, verb, arg, key, now) < 0)
		return -1;
	w = &c->waits[(c->waits_head + c->waits_count++) % CLIENT_WAITS_MAX];
	memset(w, 0, sizeof(*w));
	w->verb = verb;
	w->recreate = (unsigned char)recreate;
	w->join_if_exists = (unsigned char)join_if_exists;
	memcpy(w->name, arg.p, arg.len);
	w->name[arg.len] = '\0';
	return 0;
}

/* Takes the oldest unanswered join or create_chan into *out; 0 if none. */
int
client_take_wait(struct client *c, struct client_wait *out)
{
	if (c->waits_count == 0)
		return 0;
	*out = c->waits[c->waits_head];
	c->waits_head = (c->waits_head + 1) % CLIENT_WAITS_MAX;
	c->waits_count--;
	return 1;
}

/* Sends reg with the name asked for, or explains why it is not valid. */
void
client_register(struct client *c, uint64_t now)
{
	/* An account logs in instead. */
	if (client_account_connect(c, now))
		return;
	if (valid_name(c->name, c->name_len) != PROTO_E_NONE) {
		client_note_both(c, now, MODEL_LINE_ERROR,
		    "the name %s is not valid (%s); pick another with /nick "
		    "NAME",
		    c->name, proto_code_text(PROTO_E_BAD_NAME));
		return;
	}
	if (client_send_arg(
	        c, CMD_REG, client_slice(c->name, c->name_len), now) == 0)
		c->reg_out = 1;
}

int
client_send_nick(struct client *c, struct slice name, uint64_t now)
{
	if (client_send_arg(c, CMD_NICK, name, now) < 0)
		return -1;
	if (name.len > CLIENT_NAME_MAX)
		name.len = CLIENT_NAME_MAX;
	client_keep(c->asked, sizeof(c->asked), &c->asked_len, name);
	return 0;
}

void
client_set_name(struct client *c, struct slice name)
{
	if (name.len > CLIENT_NAME_MAX)
		name.len = CLIENT_NAME_MAX;
	client_keep(c->name, sizeof(c->name), &c->name_len, name);
}

int
client_is_channel_win(const struct model_win *w)
{
	enum model_win_kind k = model_win_kind(w);

	return k == MODEL_WIN_CHANNEL || k == MODEL_WIN_PERSONAL;
}

int
client_is_own(const struct client *c, const struct model_win *w)
{
	return model_win_kind(w) == MODEL_WIN_PERSONAL && c->own_len > 0 &&
	    strcmp(model_win_key(w), c->own) == 0;
}

/* The window of channel id chan, or NULL. */
struct model_win *
client_chan_win(const struct client *c, struct slice chan)
{
	struct model_win *w;

	w = model_find(c->m, MODEL_WIN_CHANNEL, chan.p, chan.len);
	if (w == NULL)
		w = model_find(c->m, MODEL_WIN_PERSONAL, chan.p, chan.len);
	return w;
}

void
client_connecting(struct client *c, const char *server, uint64_t now)
{
	snprintf(c->server, sizeof(c->server), "%s", server);
	c->state = CLIENT_CONNECTING;
	client_note(c, NULL, now, MODEL_LINE_INFO, "connecting to %s", server);
}

void
client_connected(struct client *c, uint64_t now)
{
	static const struct slice version = {"1", 1};

	c->state = CLIENT_HELLO;
	c->hello_by = now + CLIENT_HELLO_TIMEOUT_MS;
	c->last_rx = now;
	c->reg_out = 0;
	c->reg_retry_at = UINT64_MAX;
	c->reg_retried = 0;
	c->ping_out = 0;
	c->dropped = 0;
	c->in_join = 0;
	c->in_page = 0;
	c->no_history = 0;
	c->names_wanted = 0;
	c->pending_len = 0;
	c->names_chan_len = 0;
	c->text_max = PROTO_TEXT_MAX;
	client_note(c, NULL, now, MODEL_LINE_INFO, "connected");
	(void)client_send_arg(c, CMD_HELLO, version, now);
}

void
client_disconnected(
    struct client *c, const char *why, uint64_t now, uint64_t retry_ms)
{
	struct model_win *w;
	/* Only the loss of a connection is news where the user reads; each
	 * failed retry after it is for the status window. */
	int was_up = c->state >= CLIENT_HELLO;
	size_t i;

	for (i = 1; i < model_win_count(c->m); i++) {
		w = model_win_at(c->m, i);
		if (!client_is_channel_win(w))
			continue;
		/* The server makes the personal channel again on its own. */
		if (model_win_joined(w) && !client_is_own(c, w))
			model_win_set_rejoin(w, CLIENT_REJOIN_AGAIN);
		model_win_set_joined(w, 0);
		model_members_clear(w);
		/* Requests under way die with the connection. */
		if (model_win_page(w) == MODEL_PAGE_LOADING)
			model_win_set_page(w, MODEL_PAGE_NONE);
		model_win_set_catchup(w, 0);
	}
	/* Only a registration counts as a server that works. */
	if (c->state != CLIENT_ONLINE && c->failures < CLIENT_FAILURES_MAX)
		c->failures++;
	c->state = CLIENT_OFFLINE;
	c->reg_retry_at = UINT64_MAX;
	c->reg_out = 0;
	c->unechoed = 0;
	/* A /nick not yet asked for becomes the name to register with. */
	if (c->want_len > 0)
		client_set_name(c, client_slice(c->want, c->want_len));
	c->want_len = 0;
	c->asked_len = 0;
	c->uid_len = 0;
	c->uid[0] = '\0';
	c->ping_out = 0;
	c->dropped = 0;
	c->in_join = 0;
	c->names_wanted = 0;
	c->pending_len = 0;
	c->waits_count = 0;
	c->joined_follows = 0;
	c->lag = -1;
	client_account_disconnected(c);
	if (retry_ms == UINT64_MAX)
		client_note_both(
		    c, now, MODEL_LINE_INFO, "disconnected: %s", why);
	else if (was_up)
		client_note_both(c, now, MODEL_LINE_INFO,
		    "disconnected: %s; reconnecting in %" PRIu64 " s", why,
		    retry_ms > now ? (retry_ms - now + 999) / 1000 : 0);
	else
		client_note(c, NULL, now, MODEL_LINE_INFO,
		    "cannot connect: %s; trying again in %" PRIu64 " s", why,
		    retry_ms > now ? (retry_ms - now + 999) / 1000 : 0);
}

/* When an unanswered ping is given up: the later of it and the last line. */
static uint64_t
client_ping_deadline(const struct client *c)
{
	uint64_t from = c->last_rx > c->ping_sent ? c->last_rx : c->ping_sent;

	return from + CLIENT_PING_TIMEOUT_MS;
}

unsigned
client_failures(const struct client *c)
{
	return c->failures;
}

uint64_t
client_next_tick(const struct client *c)
{
	uint64_t t;

	if (c->state < CLIENT_HELLO || c->dropped)
		return UINT64_MAX;
	if (c->state == CLIENT_HELLO &&
	    c->hello_by < c->last_rx + CLIENT_PING_IDLE_MS)
		return c->hello_by;
	if (c->ping_out)
		t = client_ping_deadline(c);
	else
		t = c->last_rx + CLIENT_PING_IDLE_MS;
	if (client_account_next_tick(c) < t)
		t = client_account_next_tick(c);
	return c->reg_retry_at < t ? c->reg_retry_at : t;
}

void
client_tick(struct client *c, uint64_t now)
{
	char token[CLIENT_TOKEN_SIZE];
	int n;

	if (c->state < CLIENT_HELLO || c->dropped)
		return;
	if (c->state == CLIENT_HELLO && now >= c->hello_by) {
		client_note_both(c, now, MODEL_LINE_ERROR,
		    "no answer from %s after %d s: is a txt-chatd server "
		    "listening there? (txt-chat -s HOST:PORT picks another)",
		    c->server, CLIENT_HELLO_TIMEOUT_MS / 1000);
		c->dropped = 1;
		c->io.drop(c->io.ctx, "no answer to hello");
		return;
	}
	if (c->state == CLIENT_REGISTERING && now >= c->reg_retry_at) {
		c->reg_retry_at = UINT64_MAX;
		client_register(c, now);
	}
	client_account_tick(c, now);
	if (c->ping_out) {
		if (now >= client_ping_deadline(c)) {
			c->ping_out = 0;
			c->dropped = 1;
			c->io.drop(c->io.ctx, "server not responding");
		}
		return;
	}
	if (now < c->last_rx + CLIENT_PING_IDLE_MS)
		return;
	n = snprintf(token, sizeof(token), "%" PRIu64, now);
	if (n < 0)
		return;
	if (client_send_arg(c, CMD_PING, client_slice(token, (size_t)n), now) ==
	    0) {
		c->ping_out = 1;
		c->ping_sent = now;
	}
}

void
client_quit(struct client *c, const char *reason, uint64_t now)
{
	struct slice r = client_none;

	if (c->quitting)
		return;
	if (reason != NULL)
		r = client_slice(reason, strlen(reason));
	if (r.len > PROTO_REASON_MAX)
		r.len = PROTO_REASON_MAX;
	/* Quitting needs no server; one that is there is told why. */
	if (c->state >= CLIENT_HELLO)
		(void)client_send(c, CMD_QUIT, client_none, r, now);
	c->quitting = 1;
}

int
client_quitting(const struct client *c)
{
	return c->quitting;
}

void
client_set_view(struct client *c, int rows, int cols)
{
	c->view_rows = rows > 0 ? rows : 0;
	c->view_cols = cols > 0 ? cols : 0;
}

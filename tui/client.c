/* client.c: the client's rules: server lines and typed lines in, protocol lines
 * out. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "event.h"
#include "proto.h"
#include "slash.h"
#include "utf8.h"
#include "valid.h"

/* Bytes of the name kept (an invalid longer one is refused anyway), no
 * terminator. */
#define CLIENT_NAME_MAX MODEL_NAME_MAX
/* Bytes of a line's kind quoted in a notice about it, no terminator. */
#define CLIENT_KIND_QUOTE_MAX 32
/* Digits of a keepalive token and its terminator. */
#define CLIENT_TOKEN_SIZE (PROTO_NUM_MAX + 1)

/* A join or create_chan waiting for its answer. */
struct client_wait {
	enum cmd_verb verb;
	unsigned char recreate;       /* join: create it if it is gone */
	unsigned char join_if_exists; /* create: join it if someone was first */
	char name[PROTO_ID_MAX + 1];
};

#define CLIENT_WAITS_MAX MODEL_WINDOWS_MAX

struct client {
	struct client_io io;
	struct model *m;
	enum client_state state;
	char name[CLIENT_NAME_MAX + 1];
	size_t name_len;
	/*
	 * reg sent and not yet answered; a /nick meanwhile is kept in want
	 * and asked for once the answer is in.
	 */
	int reg_out;
	/* Messages sent and not yet come back from the server. */
	unsigned unechoed;
	char want[CLIENT_NAME_MAX + 1];
	size_t want_len;
	/* The uid of this connection, empty until registered. */
	char uid[PROTO_ID_MAX + 1];
	size_t uid_len;
	/*
	 * The key of this user's personal channel window: the uid it was
	 * made under, kept across reconnects so that the window is re-keyed
	 * to the new uid rather than another opened.
	 */
	char own[PROTO_ID_MAX + 1];
	size_t own_len;
	size_t text_max;
	long lag;
	/* Keepalive: the last line received, the ping out and when it went. */
	uint64_t last_rx;
	uint64_t ping_sent;
	int ping_out;
	int dropped;
	/* Registered once: a name taken on reconnecting is asked for again. */
	int was_online;
	uint64_t reg_retry_at; /* UINT64_MAX: none */
	int reg_retried;       /* said so once this connection */
	/* The join sequence under way (joined to history_end): its channel. */
	char seq_chan[PROTO_ID_MAX + 1];
	size_t seq_chan_len;
	int in_join;
	/* Not a rejoin after reconnecting: say so at the end of the join. */
	int join_is_new;
	/* Replies to /names still to come, and the channel of the one arriving.
	 */
	unsigned names_wanted;
	char names_chan[PROTO_ID_MAX + 1];
	size_t names_chan_len;
	/* What /join or /create asked for: its window is shown when joined. */
	char pending[PROTO_ID_MAX + 1];
	size_t pending_len;
	/*
	 * join and create_chan lines not yet answered, oldest first.  The
	 * server answers each, in order, with a join sequence or an error,
	 * which is how a rejoin that finds its channel gone (the server
	 * restarted) knows to make it again.
	 */
	struct client_wait waits[CLIENT_WAITS_MAX];
	size_t waits_head;
	size_t waits_count;
	int joined_follows; /* registered or created: the next joined is theirs
	                     */
};

static struct slice
client_slice(const char *p, size_t len)
{
	struct slice s;

	s.p = p;
	s.len = len;
	return s;
}

static int
client_slice_eq(struct slice a, const char *b, size_t blen)
{
	return a.len == blen && (blen == 0 || memcmp(a.p, b, blen) == 0);
}

/* Copies s into buf[size] if it fits with a NUL; else leaves it empty. */
static void
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

static struct model_win *
client_status(const struct client *c)
{
	return model_win_at(c->m, 0);
}

static struct model_win *
client_current(const struct client *c)
{
	return model_win_at(c->m, model_current(c->m));
}

static int
client_is_self(const struct client *c, struct slice name)
{
	return c->name_len > 0 &&
	    valid_name_equal(name.p, name.len, c->name, c->name_len);
}

static void client_note(struct client *c, struct model_win *w, uint64_t now,
    enum model_line_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A notice in w, or in the status window when w is NULL. */
static void
client_note(struct client *c, struct model_win *w, uint64_t now,
    enum model_line_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)model_vinfo(
	    c->m, w != NULL ? w : client_status(c), now, kind, fmt, ap);
	va_end(ap);
}

static void client_note_both(struct client *c, uint64_t now,
    enum model_line_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A notice in the status window and, if another is shown, there too. */
static void
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
	if (c->m == NULL) {
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
	model_free(c->m);
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

/* Commands that carry the uid in their second field. */
static int
client_verb_has_uid(enum cmd_verb verb)
{
	switch (verb) {
	case CMD_HELLO:
	case CMD_REG:
	case CMD_PING:
	case CMD_PONG:
	case CMD_QUIT:
		return 0;
	default:
		return 1;
	}
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

/*
 * Encodes one command and queues it.  The line is decoded again before it
 * goes, so nothing the server would refuse is sent and a '$' in a field
 * that is not the last cannot make another command.  Returns 0, or -1
 * with a notice in the current window.
 */
/* The commands that send a message, which the server echoes or refuses. */
static const enum cmd_verb client_message_verbs[] = {
    CMD_SEND_MSG, CMD_SEND_ACT, CMD_DM, CMD_DM_ACT};

static int
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

static int
client_send(struct client *c, enum cmd_verb verb, struct slice arg,
    struct slice text, uint64_t now)
{
	char line[PROTO_LINE_MAX];
	struct cmd cmd, back;
	enum proto_code code;
	size_t n;

	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = verb;
	cmd.uid =
	    client_slice(c->uid, client_verb_has_uid(verb) ? c->uid_len : 0);
	cmd.arg = arg;
	cmd.text = text;
	n = cmd_encode(line, sizeof(line), &cmd);
	if (n == 0) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "not sent: the line would pass %d bytes", PROTO_LINE_MAX);
		return -1;
	}
	code = cmd_decode(line, n - 1, &back);
	if (code == PROTO_E_NONE &&
	    (back.verb != verb ||
	        !client_slice_eq(back.uid, cmd.uid.p, cmd.uid.len) ||
	        !client_slice_eq(back.arg, arg.p, arg.len) ||
	        !client_slice_eq(back.text, text.p, text.len)))
		code = PROTO_E_BAD_ARGS;
	if (code != PROTO_E_NONE) {
		client_refuse(c, code, line, n - 1, now);
		return -1;
	}
	c->io.send(c->io.ctx, line, n);
	if (client_verb_is_message(verb))
		c->unechoed++;
	return 0;
}

/* One of this user's messages came back, or was refused. */
static void
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

static const struct slice client_none = {"", 0};

static int
client_send_arg(
    struct client *c, enum cmd_verb verb, struct slice arg, uint64_t now)
{
	return client_send(c, verb, arg, client_none, now);
}

/* Sends join or create_chan and remembers it until the server answers. */
static int
client_send_waited(struct client *c, enum cmd_verb verb, struct slice arg,
    int recreate, int join_if_exists, uint64_t now)
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
	if (client_send_arg(c, verb, arg, now) < 0)
		return -1;
	w = &c->waits[(c->waits_head + c->waits_count++) % CLIENT_WAITS_MAX];
	w->verb = verb;
	w->recreate = (unsigned char)recreate;
	w->join_if_exists = (unsigned char)join_if_exists;
	memcpy(w->name, arg.p, arg.len);
	w->name[arg.len] = '\0';
	return 0;
}

/* Takes the oldest unanswered join or create_chan into *out; 0 if none. */
static int
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
static void
client_register(struct client *c, uint64_t now)
{
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

static void
client_set_name(struct client *c, struct slice name)
{
	if (name.len > CLIENT_NAME_MAX)
		name.len = CLIENT_NAME_MAX;
	client_keep(c->name, sizeof(c->name), &c->name_len, name);
}

static int
client_is_channel_win(const struct model_win *w)
{
	enum model_win_kind k = model_win_kind(w);

	return k == MODEL_WIN_CHANNEL || k == MODEL_WIN_PERSONAL;
}

static int
client_is_own(const struct client *c, const struct model_win *w)
{
	return model_win_kind(w) == MODEL_WIN_PERSONAL && c->own_len > 0 &&
	    strcmp(model_win_key(w), c->own) == 0;
}

/* The window of channel id chan, or NULL. */
static struct model_win *
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
	c->state = CLIENT_CONNECTING;
	client_note(c, NULL, now, MODEL_LINE_INFO, "connecting to %s", server);
}

void
client_connected(struct client *c, uint64_t now)
{
	static const struct slice version = {"1", 1};

	c->state = CLIENT_HELLO;
	c->last_rx = now;
	c->reg_out = 0;
	c->reg_retry_at = UINT64_MAX;
	c->reg_retried = 0;
	c->ping_out = 0;
	c->dropped = 0;
	c->in_join = 0;
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
			model_win_set_rejoin(w, 1);
		model_win_set_joined(w, 0);
		model_members_clear(w);
	}
	c->state = CLIENT_OFFLINE;
	c->reg_retry_at = UINT64_MAX;
	c->reg_out = 0;
	c->unechoed = 0;
	/* A /nick not yet asked for becomes the name to register with. */
	if (c->want_len > 0)
		client_set_name(c, client_slice(c->want, c->want_len));
	c->want_len = 0;
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

void
client_line_too_long(struct client *c, uint64_t now)
{
	c->last_rx = now;
	client_note(c, NULL, now, MODEL_LINE_INFO,
	    "the server sent a line longer than %d bytes; it was dropped",
	    PROTO_LINE_MAX);
}

static void
client_on_hello(struct client *c, const struct event *ev, uint64_t now)
{
	/* A limit this side cannot send, or none at all, is not taken. */
	if (ev->text_max > 0 && ev->text_max < PROTO_TEXT_MAX)
		c->text_max = (size_t)ev->text_max;
	else
		c->text_max = PROTO_TEXT_MAX;
	c->state = CLIENT_REGISTERING;
	client_register(c, now);
}

/* Joins again every channel that was joined when the connection went. */
static void
client_rejoin(struct client *c, uint64_t now)
{
	struct model_win *w;
	const char *by;
	size_t i;

	for (i = 1; i < model_win_count(c->m); i++) {
		w = model_win_at(c->m, i);
		if (!client_is_channel_win(w) || !model_win_rejoin(w))
			continue;
		/* Named channels get new ids when the server restarts. */
		by = model_win_kind(w) == MODEL_WIN_CHANNEL ? model_win_name(w)
		                                            : model_win_key(w);
		(void)client_send_waited(c, CMD_JOIN,
		    client_slice(by, strlen(by)),
		    model_win_kind(w) == MODEL_WIN_CHANNEL, 0, now);
	}
}

static void
client_on_registered(struct client *c, const struct event *ev, uint64_t now)
{
	if (c->state != CLIENT_REGISTERING)
		return;
	if (ev->chan.len > PROTO_ID_MAX) {
		client_note(c, NULL, now, MODEL_LINE_ERROR,
		    "the server sent a uid longer than %d bytes", PROTO_ID_MAX);
		return;
	}
	client_keep(c->uid, sizeof(c->uid), &c->uid_len, ev->chan);
	client_set_name(c, ev->name);
	model_set_self(c->m, c->name, c->name_len);
	c->state = CLIENT_ONLINE;
	c->was_online = 1;
	c->reg_out = 0;
	c->reg_retry_at = UINT64_MAX;
	/* The personal channel's join sequence comes next. */
	c->joined_follows = 1;
	client_note(c, NULL, now, MODEL_LINE_INFO, "registered as %s", c->name);
	client_rejoin(c, now);
	/* A /nick typed while reg was on its way. */
	if (c->want_len > 0 &&
	    !valid_name_equal(c->want, c->want_len, c->name, c->name_len))
		(void)client_send_arg(
		    c, CMD_NICK, client_slice(c->want, c->want_len), now);
	c->want_len = 0;
}

/*
 * The window a joined line is about: found by id; else this user's
 * personal window under its old uid, or a channel window of the same
 * name, re-keyed to the new id; else a new one.  NULL when none can open.
 */
static struct model_win *
client_join_win(struct client *c, const struct event *ev, int own)
{
	struct model_win *w = client_chan_win(c, ev->chan);
	enum model_win_kind kind;

	if (w != NULL) {
		model_win_rekey(c->m, w, ev->chan.p, ev->chan.len, ev->name.p,
		    ev->name.len);
		return w;
	}
	if (own && c->own_len > 0)
		w = model_find(c->m, MODEL_WIN_PERSONAL, c->own, c->own_len);
	if (w == NULL && ev->chan_kind == EV_CHAN_CHANNEL) {
		w = model_find_name(c->m, ev->name.p, ev->name.len);
		if (w != NULL && model_win_kind(w) != MODEL_WIN_CHANNEL)
			w = NULL;
	}
	if (w != NULL) {
		/* A new id: its sequence numbers start again. */
		model_win_rekey(c->m, w, ev->chan.p, ev->chan.len, ev->name.p,
		    ev->name.len);
		model_win_set_seq(w, 0);
		return w;
	}
	kind = ev->chan_kind == EV_CHAN_PERSONAL ? MODEL_WIN_PERSONAL
	                                         : MODEL_WIN_CHANNEL;
	return model_open(
	    c->m, kind, ev->chan.p, ev->chan.len, ev->name.p, ev->name.len);
}

static void
client_on_joined(struct client *c, const struct event *ev, uint64_t now)
{
	int own = ev->chan_kind == EV_CHAN_PERSONAL &&
	    client_slice_eq(ev->chan, c->uid, c->uid_len);
	struct model_win *w = client_join_win(c, ev, own);

	client_keep(
	    c->seq_chan, sizeof(c->seq_chan), &c->seq_chan_len, ev->chan);
	c->in_join = 1;
	if (own)
		client_keep(c->own, sizeof(c->own), &c->own_len, ev->chan);
	if (w == NULL) {
		client_note(c, NULL, now, MODEL_LINE_ERROR,
		    "cannot open a window for %.*s: %d are open; /leave some",
		    (int)ev->name.len, ev->name.p, MODEL_WINDOWS_MAX);
		return;
	}
	c->join_is_new = !model_win_rejoin(w);
	model_win_set_joined(w, 1);
	model_win_set_rejoin(w, 0);
	model_members_clear(w);
	if (c->pending_len > 0 &&
	    (client_slice_eq(ev->chan, c->pending, c->pending_len) ||
	        valid_name_equal(
	            ev->name.p, ev->name.len, c->pending, c->pending_len))) {
		c->pending_len = 0;
		model_select(c->m, model_win_index(c->m, w));
	}
}

static int
client_in_join(const struct client *c, struct slice chan)
{
	return c->in_join &&
	    client_slice_eq(chan, c->seq_chan, c->seq_chan_len);
}

/* Adds the space-separated names of list to w's members. */
static void
client_add_names(struct model_win *w, struct slice list)
{
	size_t i = 0, start;

	while (i < list.len) {
		while (i < list.len && list.p[i] == ' ')
			i++;
		start = i;
		while (i < list.len && list.p[i] != ' ')
			i++;
		if (i > start)
			(void)model_member_add(w, list.p + start, i - start);
	}
}

/* What to call a channel in a notice: its window's name, else its id. */
static struct slice
client_chan_label(const struct model_win *w, struct slice chan)
{
	const char *name;

	if (w == NULL)
		return chan;
	name = model_win_name(w);
	return client_slice(name, strlen(name));
}

static void
client_on_names(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan);
	struct slice label;

	if (client_in_join(c, ev->chan)) {
		if (w != NULL)
			client_add_names(w, ev->text);
		return;
	}
	/* A reply to names replaces the members, keeping the order of
	 * recent speakers that Tab completes by. */
	if (!client_slice_eq(ev->chan, c->names_chan, c->names_chan_len)) {
		client_keep(c->names_chan, sizeof(c->names_chan),
		    &c->names_chan_len, ev->chan);
		if (w != NULL)
			model_members_mark(w);
	}
	if (w != NULL)
		client_add_names(w, ev->text);
	if (c->names_wanted > 0) {
		label = client_chan_label(w, ev->chan);
		client_note(c, client_current(c), now, MODEL_LINE_INFO,
		    "%.*s: %.*s", (int)label.len, label.p, (int)ev->text.len,
		    ev->text.p);
	}
}

static void
client_on_names_end(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan);
	struct slice label;

	if (client_in_join(c, ev->chan))
		return;
	/* Whoever the reply left out is gone; no names lines, nobody is. */
	if (w != NULL &&
	    client_slice_eq(ev->chan, c->names_chan, c->names_chan_len))
		model_members_sweep(w);
	else if (w != NULL && ev->count == 0)
		model_members_clear(w);
	c->names_chan_len = 0;
	if (c->names_wanted == 0)
		return;
	c->names_wanted--;
	label = client_chan_label(client_chan_win(c, ev->chan), ev->chan);
	client_note(c, client_current(c), now, MODEL_LINE_INFO,
	    "%.*s: %" PRIu64 " member%s", (int)label.len, label.p, ev->count,
	    ev->count == 1 ? "" : "s");
}

static void
client_on_history_end(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w;
	size_t n;

	if (!client_in_join(c, ev->chan))
		return;
	c->in_join = 0;
	/* Said after the history, so it marks where live lines begin; after
	 * a reconnect it says the window is live again, and who is there. */
	w = client_chan_win(c, ev->chan);
	if (w == NULL || model_win_kind(w) != MODEL_WIN_CHANNEL)
		return;
	n = model_member_count(w);
	client_note(c, w, now, MODEL_LINE_EVENT, "you %s %s (%zu member%s)",
	    c->join_is_new ? "joined" : "rejoined", model_win_name(w), n,
	    n == 1 ? "" : "s");
}

static void
client_on_msg(struct client *c, const struct event *ev, uint64_t now)
{
	int history = client_in_join(c, ev->chan);
	struct model_win *w = client_chan_win(c, ev->chan);
	unsigned flags = 0;

	if (w == NULL && !history) {
		/* A message from a channel without a window opens one. */
		w = model_open(c->m, MODEL_WIN_CHANNEL, ev->chan.p,
		    ev->chan.len, ev->chan.p, ev->chan.len);
		if (w != NULL)
			model_win_set_joined(w, 1);
	}
	if (w == NULL) {
		if (history)
			return;
		w = client_status(c);
	} else {
		/* Lines already shown before a reconnect come again: skip them.
		 */
		if (ev->seq <= model_win_seq(w))
			return;
		model_win_set_seq(w, ev->seq);
	}
	if (client_is_self(c, ev->name)) {
		flags |= MODEL_FLAG_SELF;
		if (!history)
			client_echoed(c);
	}
	/* On a rejoin, history not shown before was missed while away: it
	 * counts as unread, and mentions in it as mentions. */
	if (history && c->join_is_new)
		flags |= MODEL_FLAG_HISTORY;
	(void)model_add(c->m, w, ev->time,
	    ev->kind == EV_ACT ? MODEL_LINE_ACT : MODEL_LINE_MSG, flags,
	    ev->name.p, ev->name.len, ev->text.p, ev->text.len);
	(void)model_member_spoke(w, ev->name.p, ev->name.len);
}

static void
client_on_join_part(struct client *c, const struct event *ev)
{
	struct model_win *w = client_chan_win(c, ev->chan);

	if (w == NULL)
		return;
	if (ev->kind == EV_JOIN) {
		(void)model_member_add(w, ev->name.p, ev->name.len);
		client_note(c, w, ev->time, MODEL_LINE_EVENT, "%.*s joined",
		    (int)ev->name.len, ev->name.p);
	} else {
		(void)model_member_remove(w, ev->name.p, ev->name.len);
		client_note(c, w, ev->time, MODEL_LINE_EVENT, "%.*s left",
		    (int)ev->name.len, ev->name.p);
	}
}

static void
client_on_quit(struct client *c, const struct event *ev)
{
	struct model_win *w;
	size_t i;
	int shown;

	for (i = 1; i < model_win_count(c->m); i++) {
		w = model_win_at(c->m, i);
		shown = model_member_remove(w, ev->name.p, ev->name.len);
		/* A conversation with the one who quit is told too. */
		if (model_win_kind(w) == MODEL_WIN_DM &&
		    valid_name_equal(model_win_key(w), strlen(model_win_key(w)),
		        ev->name.p, ev->name.len))
			shown = 1;
		if (!shown)
			continue;
		if (ev->text.len > 0)
			client_note(c, w, ev->time, MODEL_LINE_EVENT,
			    "%.*s quit (%.*s)", (int)ev->name.len, ev->name.p,
			    (int)ev->text.len, ev->text.p);
		else
			client_note(c, w, ev->time, MODEL_LINE_EVENT,
			    "%.*s quit", (int)ev->name.len, ev->name.p);
	}
}

static void
client_on_nick(struct client *c, const struct event *ev, uint64_t now)
{
	struct slice old = ev->name, to = ev->peer;
	struct model_win *w, *dm;
	char own_name[PROTO_NAME_MAX + 2];
	int self = client_is_self(c, old), told_current = 0;
	size_t i;

	for (i = 1; i < model_win_count(c->m); i++) {
		w = model_win_at(c->m, i);
		if (!model_member_rename(w, old.p, old.len, to.p, to.len))
			continue;
		if (self)
			client_note(c, w, ev->time, MODEL_LINE_EVENT,
			    "you are now known as %.*s", (int)to.len, to.p);
		else
			client_note(c, w, ev->time, MODEL_LINE_EVENT,
			    "%.*s is now known as %.*s", (int)old.len, old.p,
			    (int)to.len, to.p);
		told_current |= w == client_current(c);
	}
	dm = model_find(c->m, MODEL_WIN_DM, old.p, old.len);
	if (dm != NULL) {
		w = model_find(c->m, MODEL_WIN_DM, to.p, to.len);
		if (w == NULL || w == dm)
			model_win_rekey(c->m, dm, to.p, to.len, to.p, to.len);
		client_note(c, dm, ev->time, MODEL_LINE_EVENT,
		    "%.*s is now known as %.*s", (int)old.len, old.p,
		    (int)to.len, to.p);
	}
	if (!self)
		return;
	client_set_name(c, to);
	model_set_self(c->m, c->name, c->name_len);
	w = c->own_len > 0
	    ? model_find(c->m, MODEL_WIN_PERSONAL, c->own, c->own_len)
	    : NULL;
	if (w != NULL && to.len <= PROTO_NAME_MAX) {
		own_name[0] = '~';
		memcpy(own_name + 1, to.p, to.len);
		model_win_rekey(
		    c->m, w, c->own, c->own_len, own_name, to.len + 1);
	}
	/* Once in the status window, and in the window being read unless
	 * the loop above already said it there. */
	if (told_current)
		client_note(c, client_status(c), now, MODEL_LINE_INFO,
		    "you are now known as %s", c->name);
	else
		client_note_both(c, now, MODEL_LINE_INFO,
		    "you are now known as %s", c->name);
}

static void
client_on_dm(struct client *c, const struct event *ev)
{
	int self = client_is_self(c, ev->name);
	struct slice peer = self ? ev->peer : ev->name;
	struct model_win *w;

	if (self)
		client_echoed(c);
	w = model_open(c->m, MODEL_WIN_DM, peer.p, peer.len, peer.p, peer.len);
	if (w == NULL)
		w = client_status(c);
	/* A direct message is for this user whatever it says. */
	(void)model_add(c->m, w, ev->time,
	    ev->kind == EV_DM_ACT ? MODEL_LINE_ACT : MODEL_LINE_MSG,
	    self ? MODEL_FLAG_SELF : MODEL_FLAG_MENTION, ev->name.p,
	    ev->name.len, ev->text.p, ev->text.len);
}

static void
client_on_left(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan);
	char name[MODEL_NAME_MAX + 1];

	if (w == NULL)
		return;
	snprintf(name, sizeof(name), "%s", model_win_name(w));
	model_close(c->m, w);
	/* Said where the user is now, too: /leave may name another window. */
	client_note_both(c, now, MODEL_LINE_INFO, "you left %s", name);
}

static void
client_on_closed(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan);

	if (w == NULL)
		return;
	model_win_set_joined(w, 0);
	model_win_set_rejoin(w, 0);
	model_members_clear(w);
	client_note(c, w, now, MODEL_LINE_INFO,
	    "this channel was closed: %.*s; /leave closes the window",
	    (int)ev->text.len, ev->text.p);
}

static void
client_on_list(struct client *c, const struct event *ev, uint64_t now)
{
	if (ev->kind == EV_LIST_END) {
		client_note(c, client_current(c), now, MODEL_LINE_INFO,
		    "%" PRIu64 " channel%s", ev->count,
		    ev->count == 1 ? "" : "s");
		return;
	}
	client_note(c, client_current(c), now, MODEL_LINE_INFO,
	    "%.*s  %" PRIu64 " member%s  %.*s", (int)ev->name.len, ev->name.p,
	    ev->count, ev->count == 1 ? "" : "s", (int)ev->chan.len,
	    ev->chan.p);
}

static void
client_on_pong(struct client *c, const struct event *ev, uint64_t now)
{
	char token[CLIENT_TOKEN_SIZE];
	int n;

	if (!c->ping_out)
		return;
	n = snprintf(token, sizeof(token), "%" PRIu64, c->ping_sent);
	if (n < 0 || !client_slice_eq(ev->text, token, (size_t)n))
		return;
	c->ping_out = 0;
	c->lag = now > c->ping_sent ? (long)(now - c->ping_sent) : 0;
}

static int
client_verb_is(const struct event *ev, const char *verb)
{
	return client_slice_eq(ev->verb, verb, strlen(verb));
}

/*
 * A rejoin whose named channel is gone (the server restarted, or everyone
 * left while we were away) makes it again; a remake that lost the race
 * to someone else joins theirs.
 * Returns 1 if that handled the error.
 */
static int
client_answer_wait(struct client *c, const struct client_wait *w,
    const struct event *ev, uint64_t now)
{
	struct slice name = client_slice(w->name, strlen(w->name));

	if (w->verb == CMD_JOIN && w->recreate &&
	    ev->code == PROTO_E_NO_SUCH_CHANNEL) {
		client_note(c, model_find_name(c->m, name.p, name.len), now,
		    MODEL_LINE_INFO,
		    "%s no longer exists on the server; making it again",
		    w->name);
		(void)client_send_waited(c, CMD_CREATE_CHAN, name, 0, 1, now);
		return 1;
	}
	if (w->verb == CMD_CREATE_CHAN && w->join_if_exists &&
	    ev->code == PROTO_E_CHANNEL_EXISTS) {
		(void)client_send_waited(c, CMD_JOIN, name, 0, 0, now);
		return 1;
	}
	return 0;
}

/* What to do about an error the user can act on, to follow its text. */
static const char *
client_error_hint(const struct event *ev)
{
	if (ev->code == PROTO_E_NO_SUCH_CHANNEL && client_verb_is(ev, "join"))
		return "; /create makes one";
	if (ev->code == PROTO_E_CHANNEL_EXISTS &&
	    client_verb_is(ev, "create_chan"))
		return "; /join joins it";
	if (ev->code == PROTO_E_NO_SUCH_USER &&
	    (client_verb_is(ev, "dm") || client_verb_is(ev, "dm_act")))
		return " (not online)";
	if (ev->code == PROTO_E_NOT_MEMBER)
		return "; /join it first";
	return "";
}

static void
client_on_error(struct client *c, const struct event *ev, uint64_t now)
{
	struct slice text = ev->text;
	int reg = client_verb_is(ev, cmd_verb_name(CMD_REG));
	size_t i;

	if (reg)
		c->reg_out = 0;
	for (i = 0;
	     i < sizeof(client_message_verbs) / sizeof(client_message_verbs[0]);
	     i++)
		if (client_verb_is(ev, cmd_verb_name(client_message_verbs[i])))
			client_echoed(c);
	/* The name asked for is refused, but a /nick came meanwhile: that is
	 * the name to ask for now. */
	if (reg && c->want_len > 0 && c->state == CLIENT_REGISTERING) {
		client_set_name(c, client_slice(c->want, c->want_len));
		c->want_len = 0;
		c->reg_retry_at = UINT64_MAX;
		client_register(c, now);
		return;
	}

	if (reg && ev->code == PROTO_E_NAME_TAKEN && c->was_online &&
	    c->state == CLIENT_REGISTERING) {
		c->reg_retry_at = now + CLIENT_REG_RETRY_MS;
		if (!c->reg_retried)
			client_note_both(c, now, MODEL_LINE_INFO,
			    "the name %s is still taken, likely by the "
			    "connection just lost; asking again every %d s "
			    "(or pick another with /nick NAME)",
			    c->name, CLIENT_REG_RETRY_MS / 1000);
		c->reg_retried = 1;
		return;
	}
	if (reg &&
	    (ev->code == PROTO_E_NAME_TAKEN || ev->code == PROTO_E_BAD_NAME)) {
		client_note_both(c, now, MODEL_LINE_ERROR,
		    "the name %s is %s; pick another with /nick NAME", c->name,
		    ev->code == PROTO_E_NAME_TAKEN ? "taken" : "not valid");
		return;
	}
	if (client_verb_is(ev, "join") || client_verb_is(ev, "create_chan")) {
		struct client_wait w;

		c->pending_len = 0;
		if (client_take_wait(c, &w) &&
		    client_answer_wait(c, &w, ev, now))
			return;
	}
	if (client_verb_is(ev, "names") && c->names_wanted > 0)
		c->names_wanted--;
	if (text.len == 0)
		text = client_slice(proto_code_text(ev->code),
		    strlen(proto_code_text(ev->code)));
	if (proto_code_is_fatal(ev->code))
		client_note_both(
		    c, now, MODEL_LINE_ERROR, "%.*s", (int)text.len, text.p);
	else
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "%.*s%s", (int)text.len, text.p, client_error_hint(ev));
}

/* Notes a line this client cannot read, naming its kind. */
static void
client_on_bad(struct client *c, const char *line, size_t len,
    enum proto_code code, uint64_t now)
{
	const char *dollar = memchr(line, '$', len);
	size_t n = dollar != NULL ? (size_t)(dollar - line) : len;

	if (n > CLIENT_KIND_QUOTE_MAX)
		n = CLIENT_KIND_QUOTE_MAX;
	client_note(c, NULL, now, MODEL_LINE_INFO,
	    code == PROTO_E_UNKNOWN_COMMAND
	        ? "server sent an unknown line: %.*s"
	        : "server sent a malformed line: %.*s",
	    (int)n, line);
}

static void
client_dispatch(struct client *c, const struct event *ev, uint64_t now)
{
	struct client_wait wait;

	switch (ev->kind) {
	case EV_REGISTERED:
		client_on_registered(c, ev, now);
		break;
	case EV_JOINED:
		if (c->joined_follows)
			c->joined_follows = 0;
		else
			(void)client_take_wait(c, &wait);
		client_on_joined(c, ev, now);
		break;
	case EV_NAMES:
		client_on_names(c, ev, now);
		break;
	case EV_NAMES_END:
		client_on_names_end(c, ev, now);
		break;
	case EV_MSG:
	case EV_ACT:
		client_on_msg(c, ev, now);
		break;
	case EV_HISTORY_END:
		client_on_history_end(c, ev, now);
		break;
	case EV_JOIN:
	case EV_PART:
		client_on_join_part(c, ev);
		break;
	case EV_LEFT:
		client_on_left(c, ev, now);
		break;
	case EV_CLOSED:
		client_on_closed(c, ev, now);
		break;
	case EV_QUIT:
		client_on_quit(c, ev);
		break;
	case EV_NICK:
		client_on_nick(c, ev, now);
		break;
	case EV_DM:
	case EV_DM_ACT:
		client_on_dm(c, ev);
		break;
	case EV_LIST:
	case EV_LIST_END:
		client_on_list(c, ev, now);
		break;
	case EV_PING:
		if (valid_token(ev->text.p, ev->text.len) == PROTO_E_NONE)
			(void)client_send_arg(c, CMD_PONG, ev->text, now);
		break;
	case EV_PONG:
		client_on_pong(c, ev, now);
		break;
	case EV_ERROR:
		client_on_error(c, ev, now);
		break;
	case EV_CREATED:
		(void)client_take_wait(c, &wait);
		c->joined_follows = 1;
		break;
	case EV_HELLO:
	case EV_COUNT:
		/* The window opens on joined; a second hello means nothing. */
		break;
	}
}

void
client_line(struct client *c, const char *line, size_t len, uint64_t now)
{
	struct event ev;
	enum proto_code code;

	if (c->state < CLIENT_HELLO)
		return;
	/* Whatever the server says, it is alive. */
	c->last_rx = now;
	if (len == 0)
		return;
	code = event_decode(line, len, &ev);
	if (c->state == CLIENT_HELLO) {
		/* The welcome line and anything else before the reply is
		 * skipped. */
		if (code == PROTO_E_NONE && ev.kind == EV_HELLO)
			client_on_hello(c, &ev, now);
		else if (code == PROTO_E_NONE && ev.kind == EV_ERROR)
			client_on_error(c, &ev, now);
		return;
	}
	if (code != PROTO_E_NONE) {
		client_on_bad(c, line, len, code, now);
		return;
	}
	client_dispatch(c, &ev, now);
}

static int
client_need_online(struct client *c, uint64_t now)
{
	if (c->state == CLIENT_ONLINE)
		return 1;
	if (c->state == CLIENT_REGISTERING && !c->reg_out &&
	    c->reg_retry_at == UINT64_MAX)
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "not registered: pick a name with /nick NAME; not sent");
	else if (c->state >= CLIENT_HELLO)
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "not registered yet: not sent");
	else
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "not connected: not sent");
	return 0;
}

static int
client_text_fits(struct client *c, struct slice text, uint64_t now)
{
	if (text.len <= c->text_max)
		return 1;
	client_note(c, client_current(c), now, MODEL_LINE_ERROR,
	    "not sent: the text is %zu bytes; the server takes at most %zu",
	    text.len, c->text_max);
	return 0;
}

static int
client_name_ok(struct client *c, struct slice name, uint64_t now)
{
	if (valid_name(name.p, name.len) == PROTO_E_NONE)
		return 1;
	client_note(c, client_current(c), now, MODEL_LINE_ERROR,
	    "%.*s is not a valid name: %s", (int)name.len, name.p,
	    proto_code_text(PROTO_E_BAD_NAME));
	return 0;
}

static enum client_input_result
client_result(int sent)
{
	return sent == 0 ? CLIENT_INPUT_DONE : CLIENT_INPUT_KEEP;
}

/* A message or an action (act) to the current window. */
static enum client_input_result
client_say(struct client *c, struct slice text, int act, uint64_t now)
{
	struct model_win *w = client_current(c);
	enum model_win_kind kind = model_win_kind(w);
	const char *key = model_win_key(w);
	enum cmd_verb verb;

	if (kind == MODEL_WIN_STATUS) {
		client_note(c, w, now, MODEL_LINE_INFO,
		    "this is the status window: /join a channel, or /msg "
		    "someone");
		return CLIENT_INPUT_KEEP;
	}
	if (!client_need_online(c, now) || !client_text_fits(c, text, now))
		return CLIENT_INPUT_KEEP;
	if (kind != MODEL_WIN_DM && !model_win_joined(w)) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "not sent: you are not in %s; /join it first",
		    model_win_name(w));
		return CLIENT_INPUT_KEEP;
	}
	if (kind == MODEL_WIN_DM)
		verb = act ? CMD_DM_ACT : CMD_DM;
	else
		verb = act ? CMD_SEND_ACT : CMD_SEND_MSG;
	return client_result(
	    client_send(c, verb, client_slice(key, strlen(key)), text, now));
}

/* Remembers what /join or /create asked for, to show it once joined. */
static void
client_want_switch(struct client *c, struct slice arg)
{
	client_keep(c->pending, sizeof(c->pending), &c->pending_len, arg);
}

static enum client_input_result
client_cmd_join(struct client *c, const struct slash *s, uint64_t now)
{
	enum cmd_verb verb =
	    s->cmd == SLASH_CREATE ? CMD_CREATE_CHAN : CMD_JOIN;

	if (s->cmd == SLASH_CREATE &&
	    valid_channel_name(s->arg.p, s->arg.len) != PROTO_E_NONE) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "%.*s is not a valid channel name: %s", (int)s->arg.len,
		    s->arg.p, proto_code_text(PROTO_E_BAD_CHANNEL_NAME));
		return CLIENT_INPUT_KEEP;
	}
	if (!client_need_online(c, now))
		return CLIENT_INPUT_KEEP;
	if (client_send_waited(c, verb, s->arg, 0, 0, now) < 0)
		return CLIENT_INPUT_KEEP;
	client_want_switch(c, s->arg);
	return CLIENT_INPUT_DONE;
}

static enum client_input_result
client_cmd_leave(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_current(c);
	const char *key;

	if (s->arg.len > 0) {
		w = model_find_name(c->m, s->arg.p, s->arg.len);
		if (w == NULL)
			w = client_chan_win(c, s->arg);
		if (w == NULL) {
			if (!client_need_online(c, now))
				return CLIENT_INPUT_KEEP;
			return client_result(
			    client_send_arg(c, CMD_LEAVE, s->arg, now));
		}
	}
	if (model_win_kind(w) == MODEL_WIN_STATUS) {
		client_note(c, w, now, MODEL_LINE_INFO,
		    "the status window stays; /leave works in a channel or a "
		    "conversation");
		return CLIENT_INPUT_KEEP;
	}
	/* Nothing on the server to leave: the window just closes. */
	if (model_win_kind(w) == MODEL_WIN_DM || !model_win_joined(w)) {
		model_close(c->m, w);
		return CLIENT_INPUT_DONE;
	}
	if (!client_need_online(c, now))
		return CLIENT_INPUT_KEEP;
	key = model_win_key(w);
	return client_result(
	    client_send_arg(c, CMD_LEAVE, client_slice(key, strlen(key)), now));
}

static enum client_input_result
client_cmd_names(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_current(c);
	struct slice chan = s->arg;

	if (chan.len == 0) {
		if (!client_is_channel_win(w)) {
			client_note(c, w, now, MODEL_LINE_INFO,
			    "/names needs a channel here: /names CHANNEL");
			return CLIENT_INPUT_KEEP;
		}
		chan = client_slice(model_win_key(w), strlen(model_win_key(w)));
	}
	if (!client_need_online(c, now))
		return CLIENT_INPUT_KEEP;
	if (client_send_arg(c, CMD_NAMES, chan, now) < 0)
		return CLIENT_INPUT_KEEP;
	c->names_wanted++;
	return CLIENT_INPUT_DONE;
}

static enum client_input_result
client_cmd_nick(struct client *c, const struct slash *s, uint64_t now)
{
	if (!client_name_ok(c, s->arg, now))
		return CLIENT_INPUT_KEEP;
	switch (c->state) {
	case CLIENT_ONLINE:
		return client_result(client_send_arg(c, CMD_NICK, s->arg, now));
	case CLIENT_REGISTERING:
		if (c->reg_out) {
			client_keep(
			    c->want, sizeof(c->want), &c->want_len, s->arg);
			client_note(c, client_current(c), now, MODEL_LINE_INFO,
			    "you will be %.*s once registered",
			    (int)c->want_len, c->want);
			return CLIENT_INPUT_DONE;
		}
		client_set_name(c, s->arg);
		c->reg_retry_at = UINT64_MAX;
		client_register(c, now);
		return CLIENT_INPUT_DONE;
	default:
		/* Not registered yet: the name to register with changes. */
		client_set_name(c, s->arg);
		client_note(c, client_current(c), now, MODEL_LINE_INFO,
		    "you will register as %s once connected", c->name);
		return CLIENT_INPUT_DONE;
	}
}

static enum client_input_result
client_cmd_msg(struct client *c, const struct slash *s, uint64_t now)
{
	if (!client_name_ok(c, s->arg, now) || !client_need_online(c, now) ||
	    !client_text_fits(c, s->text, now))
		return CLIENT_INPUT_KEEP;
	/* The conversation opens in the list when the server echoes the
	 * message, under the name as the server spells it; a user who does
	 * not exist gets an error and no window. */
	if (client_send(c, CMD_DM, s->arg, s->text, now) < 0)
		return CLIENT_INPUT_KEEP;
	/* Typed elsewhere than in the conversation: said where it was typed,
	 * as the text itself shows up in the conversation's window. */
	if (model_find(c->m, MODEL_WIN_DM, s->arg.p, s->arg.len) !=
	    client_current(c))
		client_note(c, client_current(c), now, MODEL_LINE_INFO,
		    "to %.*s: %.*s", (int)s->arg.len, s->arg.p,
		    (int)s->text.len, s->text.p);
	return CLIENT_INPUT_DONE;
}

static const char *const client_keys_help[] = {
    "keys:",
    "  Alt-1 .. Alt-9, Alt-0  show window 1 to 9, and 10",
    "  Ctrl-N, Ctrl-P  next and previous window",
    "  Alt-Right, Alt-Left  next and previous window",
    "  Alt-A  next window with a mention, else with unread messages",
    "  PgUp, PgDn  scroll back and forward",
    "  Alt-Home, Alt-End  oldest and newest line",
    "  Ctrl-L  redraw the screen",
    "  Tab  complete a command, name or channel",
    "  Up, Down  earlier and later lines you typed",
    "  Ctrl-A, Home, Ctrl-E, End  start and end of the line",
    "  Ctrl-B, Ctrl-F, Left, Right, Alt-B, Alt-F  move in the line",
    "  Ctrl-D, Delete, Backspace  delete; Ctrl-T  swap two characters",
    "  Ctrl-W, Alt-Backspace, Alt-D, Ctrl-K, Ctrl-U  cut",
    "  Ctrl-Y  paste what was cut",
    "  Enter  send; Escape  cancel a question",
    "  Ctrl-C twice within 3 s  quit",
};

static enum client_input_result
client_cmd_help(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_current(c);
	const char *const *names;
	const char *usage;
	size_t i, n;

	if (s->arg.len > 0) {
		usage = slash_usage(s->arg.p, s->arg.len);
		if (usage == NULL) {
			client_note(c, w, now, MODEL_LINE_ERROR,
			    "no command %.*s; /help lists them",
			    (int)s->arg.len, s->arg.p);
			return CLIENT_INPUT_KEEP;
		}
		client_note(c, w, now, MODEL_LINE_INFO, "%s", usage);
		return CLIENT_INPUT_DONE;
	}
	client_note(c, w, now, MODEL_LINE_INFO,
	    "commands (a line not starting with / is a message; // sends a "
	    "line starting with /):");
	names = slash_names(&n);
	for (i = 0; i < n; i++) {
		usage = slash_usage(names[i], strlen(names[i]));
		if (usage != NULL)
			client_note(c, w, now, MODEL_LINE_INFO, "  %s", usage);
	}
	for (i = 0; i < sizeof(client_keys_help) / sizeof(client_keys_help[0]);
	     i++)
		client_note(
		    c, w, now, MODEL_LINE_INFO, "%s", client_keys_help[i]);
	return CLIENT_INPUT_DONE;
}

static enum client_input_result
client_cmd_quit(struct client *c, const struct slash *s, uint64_t now)
{
	if (s->text.len > PROTO_REASON_MAX) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "the reason is %zu bytes; the server takes at most %d",
		    s->text.len, PROTO_REASON_MAX);
		return CLIENT_INPUT_KEEP;
	}
	/* Quitting needs no server; one that is there is told why. */
	if (c->state >= CLIENT_HELLO &&
	    client_send(c, CMD_QUIT, client_none, s->text, now) < 0)
		return CLIENT_INPUT_KEEP;
	c->io.quit(c->io.ctx);
	return CLIENT_INPUT_DONE;
}

enum client_input_result
client_input(struct client *c, const char *utf8, size_t len, uint64_t now)
{
	char err[SLASH_ERR_MAX];
	struct slash s;
	struct model_win *w = client_current(c);

	if (slash_parse(utf8, len, &s, err, sizeof(err)) != SLASH_OK) {
		client_note(c, w, now, MODEL_LINE_ERROR, "%s", err);
		return CLIENT_INPUT_KEEP;
	}
	switch (s.cmd) {
	case SLASH_NONE:
		return CLIENT_INPUT_DONE;
	case SLASH_MESSAGE:
		return client_say(c, s.text, 0, now);
	case SLASH_ME:
		return client_say(c, s.text, 1, now);
	case SLASH_JOIN:
	case SLASH_CREATE:
		return client_cmd_join(c, &s, now);
	case SLASH_LEAVE:
		return client_cmd_leave(c, &s, now);
	case SLASH_LIST:
		if (!client_need_online(c, now))
			return CLIENT_INPUT_KEEP;
		return client_result(
		    client_send_arg(c, CMD_LIST, client_none, now));
	case SLASH_NAMES:
		return client_cmd_names(c, &s, now);
	case SLASH_NICK:
		return client_cmd_nick(c, &s, now);
	case SLASH_MSG:
		return client_cmd_msg(c, &s, now);
	case SLASH_CLEAR:
		model_clear(w);
		return CLIENT_INPUT_DONE;
	case SLASH_HELP:
		return client_cmd_help(c, &s, now);
	case SLASH_QUIT:
		return client_cmd_quit(c, &s, now);
	}
	return CLIENT_INPUT_DONE;
}

/* When an unanswered ping is given up: the later of it and the last line. */
static uint64_t
client_ping_deadline(const struct client *c)
{
	uint64_t from = c->last_rx > c->ping_sent ? c->last_rx : c->ping_sent;

	return from + CLIENT_PING_TIMEOUT_MS;
}

uint64_t
client_next_tick(const struct client *c)
{
	uint64_t t;

	if (c->state < CLIENT_HELLO || c->dropped)
		return UINT64_MAX;
	if (c->ping_out)
		t = client_ping_deadline(c);
	else
		t = c->last_rx + CLIENT_PING_IDLE_MS;
	return c->reg_retry_at < t ? c->reg_retry_at : t;
}

void
client_tick(struct client *c, uint64_t now)
{
	char token[CLIENT_TOKEN_SIZE];
	int n;

	if (c->state < CLIENT_HELLO || c->dropped)
		return;
	if (c->state == CLIENT_REGISTERING && now >= c->reg_retry_at) {
		c->reg_retry_at = UINT64_MAX;
		client_register(c, now);
	}
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

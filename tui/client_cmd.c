/* client_cmd.c: the client's rules for what the user types: messages and
 * slash commands. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "client_int.h"
#include "cmd.h"
#include "keyhelp.h"
#include "proto.h"
#include "slash.h"
#include "url.h"
#include "valid.h"
#include "wrap.h"

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

/*
 * A personal channel ("~alice") is joined by its id, which is its owner's
 * uid: the server does not take its name.  *arg becomes the id of the
 * window of that name; without one the user is told how to join it.
 * Returns 0 when nothing can be sent.
 */
static int
client_personal_id(struct client *c, struct slice *arg, uint64_t now)
{
	const struct model_win *w;
	const char *key;

	if (arg->len == 0 || arg->p[0] != '~')
		return 1;
	w = model_find_name(c->m, arg->p, arg->len);
	if (w != NULL && model_win_kind(w) == MODEL_WIN_PERSONAL) {
		key = model_win_key(w);
		*arg = client_slice(key, strlen(key));
		return 1;
	}
	client_note(c, client_current(c), now, MODEL_LINE_ERROR,
	    "%.*s is a personal channel: join it by its id, /join ID (its "
	    "owner is told the id on registering)",
	    (int)arg->len, arg->p);
	return 0;
}

/*
 * Whether a /join of arg that finds no channel creates it, as IRC does: a
 * valid channel name, unless it has the shape of a channel id (21
 * characters of an id's alphabet), which would make a channel named after
 * a mistyped or expired id.
 */
static int
client_join_makes(struct slice arg)
{
	size_t i;

	if (valid_channel_name(arg.p, arg.len) != PROTO_E_NONE)
		return 0;
	if (arg.len != PROTO_CHAN_ID_LEN)
		return 1;
	/* Ids are made of A-Z, a-z, 0-9, '_' and '-' only. */
	for (i = 0; i < arg.len; i++)
		if (arg.p[i] == '#' || arg.p[i] == '.')
			return 1;
	return 0;
}

/* Whether key is one the server takes (1-64 of ! to ~), else says why. */
static int
client_key_ok(struct client *c, struct slice key, uint64_t now)
{
	size_t i;

	if (key.len > 0 && key.len <= PROTO_KEY_MAX) {
		for (i = 0; i < key.len; i++)
			if (key.p[i] < '!' || key.p[i] > '~')
				break;
		if (i == key.len)
			return 1;
	}
	client_note(c, client_current(c), now, MODEL_LINE_ERROR, "%s",
	    proto_code_text(PROTO_E_BAD_KEY));
	return 0;
}

/*
 * A channel already joined (by name or id) is only shown: joining it
 * again would print its join sequence a second time.  1 if so.
 */
static int
client_show_joined(struct client *c, struct slice arg)
{
	struct model_win *w = model_find_name(c->m, arg.p, arg.len);

	if (w == NULL)
		w = client_chan_win(c, arg);
	if (w == NULL || !model_win_joined(w))
		return 0;
	model_select(c->m, model_win_index(c->m, w));
	return 1;
}

static enum client_input_result
client_cmd_join(struct client *c, const struct slash *s, uint64_t now)
{
	enum cmd_verb verb =
	    s->cmd == SLASH_CREATE ? CMD_CREATE_CHAN : CMD_JOIN;
	struct slice arg = s->arg;

	if (s->cmd == SLASH_CREATE &&
	    valid_channel_name(s->arg.p, s->arg.len) != PROTO_E_NONE) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "%.*s is not a valid channel name: %s", (int)s->arg.len,
		    s->arg.p, proto_code_text(PROTO_E_BAD_CHANNEL_NAME));
		return CLIENT_INPUT_KEEP;
	}
	if (verb == CMD_JOIN && !client_personal_id(c, &arg, now))
		return CLIENT_INPUT_KEEP;
	if (verb == CMD_JOIN && s->text.len == 0 && client_show_joined(c, arg))
		return CLIENT_INPUT_DONE;
	if (verb == CMD_JOIN && s->text.len > 0 &&
	    !client_key_ok(c, s->text, now))
		return CLIENT_INPUT_KEEP;
	if (!client_need_online(c, now))
		return CLIENT_INPUT_KEEP;
	/* A keyed channel exists: a join with a key never makes one. */
	if (client_send_waited_key(c, verb, arg, s->text,
	        verb == CMD_JOIN && s->text.len == 0 && client_join_makes(arg)
	            ? CLIENT_RECREATE_NEW
	            : 0,
	        0, now) < 0)
		return CLIENT_INPUT_KEEP;
	client_want_switch(c, arg);
	return CLIENT_INPUT_DONE;
}

/* Remembers the window /leave is typed in, for the notice of its answer. */
static void
client_leave_from(struct client *c)
{
	const struct model_win *w = client_current(c);
	const char *key = model_win_key(w);

	c->leave_kind = model_win_kind(w);
	client_keep(c->leave_from, sizeof(c->leave_from), &c->leave_from_len,
	    client_slice(key, strlen(key)));
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
			if (client_send_arg(c, CMD_LEAVE, s->arg, now) < 0)
				return CLIENT_INPUT_KEEP;
			client_leave_from(c);
			return CLIENT_INPUT_DONE;
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
	if (client_send_arg(c, CMD_LEAVE, client_slice(key, strlen(key)), now) <
	    0)
		return CLIENT_INPUT_KEEP;
	client_leave_from(c);
	return CLIENT_INPUT_DONE;
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
		return client_result(client_send_nick(c, s->arg, now));
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
/* /query: the conversation's window opens and shows, with or without text. */
static enum client_input_result
client_cmd_query(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w;

	if (!client_name_ok(c, s->arg, now))
		return CLIENT_INPUT_KEEP;
	if (client_is_self(c, s->arg)) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "that is you: /query someone else");
		return CLIENT_INPUT_KEEP;
	}
	if (s->text.len > 0 &&
	    (!client_need_online(c, now) || !client_text_fits(c, s->text, now)))
		return CLIENT_INPUT_KEEP;
	w = model_open(
	    c->m, MODEL_WIN_DM, s->arg.p, s->arg.len, s->arg.p, s->arg.len);
	if (w == NULL) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "no room for another window: /leave one first");
		return CLIENT_INPUT_KEEP;
	}
	model_select(c->m, model_win_index(c->m, w));
	if (s->text.len == 0)
		return CLIENT_INPUT_DONE;
	return client_result(client_send(c, CMD_DM, s->arg, s->text, now));
}

static enum client_input_result
client_cmd_window(struct client *c, const struct slash *s, uint64_t now)
{
	unsigned n = slash_window_number(s->arg.p, s->arg.len);

	if (n == 0 || n > model_win_count(c->m)) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "no window %.*s: the list has 1 to %zu", (int)s->arg.len,
		    s->arg.p, model_win_count(c->m));
		return CLIENT_INPUT_KEEP;
	}
	model_select(c->m, n - 1);
	return CLIENT_INPUT_DONE;
}

/*
 * Line i of the full /help: a heading, the commands, the keys; NULL past
 * the end.  Usage lines get an indent, written into buf[size].
 */
static const char *
client_help_line(size_t i, char *buf, size_t size)
{
	const char *const *names, *const *keys;
	size_t ncmds, nkeys;

	names = slash_names(&ncmds);
	keys = keyhelp_lines(&nkeys);
	if (i == 0)
		return "commands (a line not starting with / is a message; // "
		       "sends a line starting with /):";
	if (i <= ncmds) {
		snprintf(buf, size, "  %s",
		    slash_usage(names[i - 1], strlen(names[i - 1])));
		return buf;
	}
	if (i - 1 - ncmds < nkeys)
		return keys[i - 1 - ncmds];
	return NULL;
}

static enum client_input_result
client_cmd_help(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_current(c);
	char buf[SLASH_ERR_MAX];
	const char *usage, *line;
	size_t i, end, total, rows, used;

	if (s->arg.len > 0 && !client_slice_eq(s->arg, "more", 4)) {
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
	if (s->arg.len == 0)
		c->help_next = 0;
	else if (c->help_next == 0) {
		client_note(c, w, now, MODEL_LINE_INFO,
		    "no more help to show: /help starts again");
		return CLIENT_INPUT_DONE;
	}
	for (total = 0; client_help_line(total, buf, sizeof(buf)) != NULL;
	     total++)
		continue;
	/*
	 * A page fills the pane's rows, lines wrapped as drawn, but for two
	 * rows kept for the line saying there is more; a pane too small for
	 * that, or of unknown size, shows everything.
	 */
	rows = c->view_rows > 3 ? (size_t)c->view_rows - 2 : SIZE_MAX;
	used = 0;
	for (end = c->help_next; end < total; end++) {
		line = client_help_line(end, buf, sizeof(buf));
		used += c->view_cols > 0
		    ? wrap_rows(line, strlen(line), c->view_cols, c->view_cols)
		    : 1;
		if (used > rows && end > c->help_next)
			break;
	}
	for (i = c->help_next; i < end; i++) {
		line = client_help_line(i, buf, sizeof(buf));
		client_note(c, w, now, MODEL_LINE_INFO, "%s", line);
	}
	if (end < total) {
		client_note(c, w, now, MODEL_LINE_INFO,
		    "-- /help more: lines %zu to %zu of %zu shown --",
		    c->help_next + 1, end, total);
		c->help_next = end;
	} else
		c->help_next = 0;
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
	c->quitting = 1;
	return CLIENT_INPUT_DONE;
}

/*
 * The channel window the operator commands work in: the current one, a
 * joined channel; else NULL, and the user is told why.
 */
static struct model_win *
client_oper_win(struct client *c, const char *cmd, uint64_t now)
{
	struct model_win *w = client_current(c);

	if (!client_is_channel_win(w)) {
		client_note(c, w, now, MODEL_LINE_INFO,
		    "/%s works in a channel's window", cmd);
		return NULL;
	}
	if (!model_win_joined(w)) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "you are not in %s; /join it first", model_win_name(w));
		return NULL;
	}
	return w;
}

/* What /topic clears the topic with, as irssi's /topic -delete. */
#define CLIENT_TOPIC_DELETE "-delete"

static enum client_input_result
client_cmd_topic(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_oper_win(c, "topic", now);
	struct slice text = s->text;
	const char *key;

	if (w == NULL)
		return CLIENT_INPUT_KEEP;
	if (text.len == 0) {
		if (model_win_topic(w)[0] == '\0')
			client_note(c, w, now, MODEL_LINE_INFO,
			    "%s has no topic; /topic TEXT sets one",
			    model_win_name(w));
		else
			client_note(c, w, now, MODEL_LINE_INFO, "topic: %s",
			    model_win_topic(w));
		return CLIENT_INPUT_DONE;
	}
	if (client_slice_eq(
	        text, CLIENT_TOPIC_DELETE, sizeof(CLIENT_TOPIC_DELETE) - 1))
		text = client_none;
	if (text.len > PROTO_TOPIC_MAX) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "not sent: the topic is %zu bytes; the server takes at "
		    "most %d",
		    text.len, PROTO_TOPIC_MAX);
		return CLIENT_INPUT_KEEP;
	}
	if (!client_need_online(c, now))
		return CLIENT_INPUT_KEEP;
	key = model_win_key(w);
	return client_result(client_send(
	    c, CMD_TOPIC, client_slice(key, strlen(key)), text, now));
}

static enum client_input_result
client_cmd_away(struct client *c, const struct slash *s, uint64_t now)
{
	struct slice text = s->cmd == SLASH_BACK ? client_none : s->text;

	if (text.len > PROTO_AWAY_MAX) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "not sent: the away text is %zu bytes; the server takes "
		    "at most %d",
		    text.len, PROTO_AWAY_MAX);
		return CLIENT_INPUT_KEEP;
	}
	if (!client_need_online(c, now))
		return CLIENT_INPUT_KEEP;
	return client_result(client_send(c, CMD_AWAY, client_none, text, now));
}

static enum client_input_result
client_cmd_kick(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_oper_win(c, "kick", now);
	const char *key;
	struct cmd cmd;

	if (w == NULL || !client_name_ok(c, s->arg, now))
		return CLIENT_INPUT_KEEP;
	if (s->text.len > PROTO_REASON_MAX) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "not sent: the reason is %zu bytes; the server takes at "
		    "most %d",
		    s->text.len, PROTO_REASON_MAX);
		return CLIENT_INPUT_KEEP;
	}
	if (!client_need_online(c, now))
		return CLIENT_INPUT_KEEP;
	key = model_win_key(w);
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = CMD_KICK;
	cmd.uid = client_slice(c->uid, c->uid_len);
	cmd.arg = client_slice(key, strlen(key));
	cmd.name = s->arg;
	cmd.text = s->text;
	return client_result(client_send_cmd(c, &cmd, now));
}

static enum client_input_result
client_cmd_key(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_oper_win(c, "key", now);
	const char *key;

	if (w == NULL)
		return CLIENT_INPUT_KEEP;
	if (s->arg.len > 0 && !client_key_ok(c, s->arg, now))
		return CLIENT_INPUT_KEEP;
	if (!client_need_online(c, now))
		return CLIENT_INPUT_KEEP;
	key = model_win_key(w);
	return client_result(client_send(
	    c, CMD_CHAN_KEY, client_slice(key, strlen(key)), s->arg, now));
}

/* "…" after a URL cut short in a notice. */
static const char *
client_url_cut(size_t quoted, size_t len)
{
	return quoted < len ? "\xe2\x80\xa6" : "";
}

/* /copy [n]: the n-th latest URL of this window, for the shell to copy. */
static enum client_input_result
client_cmd_copy(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_current(c);
	struct url_ref u;
	size_t n = 1, i, q;

	if (s->arg.len > 0) {
		n = 0;
		for (i = 0; i < s->arg.len && s->arg.len <= URL_NTH_DIGITS;
		     i++) {
			if (s->arg.p[i] < '0' || s->arg.p[i] > '9') {
				n = 0;
				break;
			}
			n = n * 10 + (size_t)(s->arg.p[i] - '0');
		}
		if (n == 0) {
			client_note(c, w, now, MODEL_LINE_ERROR,
			    "/copy takes a number from 1 (the latest URL) to "
			    "%d",
			    URL_NTH_MAX);
			return CLIENT_INPUT_KEEP;
		}
	}
	if (!url_recent(w, n, &u)) {
		if (n == 1)
			client_note(c, w, now, MODEL_LINE_ERROR,
			    "no URL in this window");
		else
			client_note(c, w, now, MODEL_LINE_ERROR,
			    "no URL %zu in this window: /urls lists them", n);
		return CLIENT_INPUT_KEEP;
	}
	/* A line's text, so at most MODEL_TEXT_MAX == URL_COPY_MAX bytes. */
	c->copy_len = u.len < sizeof(c->copy) ? u.len : sizeof(c->copy);
	memcpy(c->copy, u.p, c->copy_len);
	q = url_quote_len(u.p, u.len);
	client_note(c, w, now, MODEL_LINE_INFO,
	    "copied to the clipboard (OSC 52, %zu bytes): %.*s%s", u.len,
	    (int)q, u.p, client_url_cut(q, u.len));
	return CLIENT_INPUT_DONE;
}

/* /urls: the latest URLs of this window, numbered as /copy takes them. */
static enum client_input_result
client_cmd_urls(struct client *c, uint64_t now)
{
	struct model_win *w = client_current(c);
	struct url_ref list[URL_LIST_MAX];
	size_t n = url_list(w, list, URL_LIST_MAX), i, q;

	if (n == 0) {
		client_note(
		    c, w, now, MODEL_LINE_INFO, "no URL in this window");
		return CLIENT_INPUT_DONE;
	}
	client_note(c, w, now, MODEL_LINE_INFO,
	    "URLs here, the latest first (/copy N copies one):");
	for (i = 0; i < n; i++) {
		q = url_quote_len(list[i].p, list[i].len);
		client_note(c, w, now, MODEL_LINE_INFO, "%2zu  %.*s%s", i + 1,
		    (int)q, list[i].p, client_url_cut(q, list[i].len));
	}
	return CLIENT_INPUT_DONE;
}

const char *
client_take_copy(struct client *c, size_t *len)
{
	if (c->copy_len == 0)
		return NULL;
	*len = c->copy_len;
	c->copy_len = 0;
	return c->copy;
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
	case SLASH_QUERY:
		return client_cmd_query(c, &s, now);
	case SLASH_WINDOW:
		return client_cmd_window(c, &s, now);
	case SLASH_CLEAR:
		model_clear(w);
		return CLIENT_INPUT_DONE;
	case SLASH_HELP:
		return client_cmd_help(c, &s, now);
	case SLASH_QUIT:
		return client_cmd_quit(c, &s, now);
	case SLASH_SEARCH:
		/* The input line runs searches (input.c): nothing to send. */
		return CLIENT_INPUT_DONE;
	case SLASH_LOGIN:
	case SLASH_REGISTER:
	case SLASH_PASSWD:
		return client_cmd_account(c, s.cmd, s.arg, now);
	case SLASH_TOPIC:
		return client_cmd_topic(c, &s, now);
	case SLASH_AWAY:
	case SLASH_BACK:
		return client_cmd_away(c, &s, now);
	case SLASH_KICK:
		return client_cmd_kick(c, &s, now);
	case SLASH_KEY:
		return client_cmd_key(c, &s, now);
	case SLASH_IGNORE:
		return client_cmd_ignore(c, &s, now);
	case SLASH_UNIGNORE:
		return client_cmd_unignore(c, &s, now);
	case SLASH_FILTER:
		return client_cmd_filter(c, &s, now);
	case SLASH_COPY:
		return client_cmd_copy(c, &s, now);
	case SLASH_URLS:
		return client_cmd_urls(c, now);
	}
	return CLIENT_INPUT_DONE;
}

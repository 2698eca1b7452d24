/* client_event.c: the client's rules for lines from the server. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "client_int.h"
#include "cmd.h"
#include "event.h"
#include "layout.h"
#include "proto.h"
#include "valid.h"

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
	c->hello_by = UINT64_MAX;
	/* A limit this side cannot send, or none at all, is not taken. */
	if (ev->text_max > 0 && ev->text_max < PROTO_TEXT_MAX)
		c->text_max = (size_t)ev->text_max;
	else
		c->text_max = PROTO_TEXT_MAX;
	c->page_max = ev->page_max > 0 && ev->page_max < CMD_HISTORY_PAGE_MAX
	    ? (size_t)ev->page_max
	    : CMD_HISTORY_PAGE_MAX;
	c->state = CLIENT_REGISTERING;
	client_register(c, now);
}

/* Joins again every channel that was joined when the connection went. */
void
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
		    model_win_kind(w) == MODEL_WIN_CHANNEL
		        ? CLIENT_RECREATE_GONE
		        : 0,
		    0, now);
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
	/* Away lasts a connection: the server forgot it with the old one. */
	c->away = 0;
	c->was_online = 1;
	c->failures = 0;
	c->reg_out = 0;
	c->reg_retry_at = UINT64_MAX;
	/* The personal channel's join sequence comes next. */
	c->joined_follows = 1;
	client_note(c, NULL, now, MODEL_LINE_INFO, "registered as %s", c->name);
	/* Logged in, the server rejoins the account's channels first; the
	 * rest are joined at login_end. */
	if (!c->acct.in_login)
		client_rejoin(c, now);
	/* A /nick typed while reg was on its way. */
	if (c->want_len > 0 &&
	    !valid_name_equal(c->want, c->want_len, c->name, c->name_len))
		(void)client_send_nick(
		    c, client_slice(c->want, c->want_len), now);
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
		/* Nothing before the lines shown belongs to the new id. */
		model_win_set_page(w, MODEL_PAGE_BEGIN);
		return w;
	}
	kind = ev->chan_kind == EV_CHAN_PERSONAL ? MODEL_WIN_PERSONAL
	                                         : MODEL_WIN_CHANNEL;
	return model_open(
	    c->m, kind, ev->chan.p, ev->chan.len, ev->name.p, ev->name.len);
}

/*
 * Whether a personal channel is this user's: named "~" and its name.  Its
 * id is the user's uid, which for an account online on several
 * connections is that of its first, not always this one's.
 */
static int
client_own_personal(const struct client *c, const struct event *ev)
{
	if (ev->chan_kind != EV_CHAN_PERSONAL)
		return 0;
	if (client_slice_eq(ev->chan, c->uid, c->uid_len))
		return 1;
	return ev->name.len == (size_t)c->name_len + 1 &&
	    ev->name.p[0] == '~' &&
	    memcmp(ev->name.p + 1, c->name, c->name_len) == 0;
}

static void
client_on_joined(struct client *c, const struct event *ev, uint64_t now)
{
	int own = client_own_personal(c, ev);
	struct model_win *w = client_join_win(c, ev, own);

	client_keep(
	    c->seq_chan, sizeof(c->seq_chan), &c->seq_chan_len, ev->chan);
	c->in_join = 1;
	/* Said when the id is new: on registering, or when it moved. */
	if (own && !client_slice_eq(ev->chan, c->own, c->own_len))
		client_note(c, NULL, now, MODEL_LINE_INFO,
		    "your channel %.*s has the id %.*s: others join it with "
		    "/join %.*s",
		    (int)ev->name.len, ev->name.p, (int)ev->chan.len,
		    ev->chan.p, (int)ev->chan.len, ev->chan.p);
	if (own)
		client_keep(c->own, sizeof(c->own), &c->own_len, ev->chan);
	if (w == NULL) {
		client_note(c, NULL, now, MODEL_LINE_ERROR,
		    "cannot open a window for %.*s: %d are open; /leave some",
		    (int)ev->name.len, ev->name.p, MODEL_WINDOWS_MAX);
		return;
	}
	/* A window restored from the state file joins as a new one. */
	c->join_is_new = model_win_rejoin(w) != CLIENT_REJOIN_AGAIN;
	/* Back after a reconnect: everything after the last line seen is
	 * wanted, however much that is (see client_on_msg). */
	model_win_set_catchup(w,
	    !c->join_is_new && model_win_seq(w) > 0 && !c->no_history
	        ? CLIENT_CATCHUP_JOIN
	        : 0);
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

/*
 * A /names reply on a pane of known width: the channel on a line of its
 * own (before the first part of the reply), then the names in columns
 * that fit the pane, so that a small screen reads them as a table rather
 * than a wrapped run.
 */
static void
client_names_columns(struct client *c, struct slice label, struct slice list,
    int first, uint64_t now)
{
	char row[LAYOUT_NAMES_ROW_MAX];
	size_t pos = 0, colw = layout_names_width(list.p, list.len);

	if (first)
		client_note(c, client_current(c), now, MODEL_LINE_INFO,
		    "%.*s:", (int)label.len, label.p);
	while (layout_names_row(
	           list.p, list.len, &pos, c->view_cols, colw, row) > 0)
		client_note(
		    c, client_current(c), now, MODEL_LINE_INFO, "%s", row);
}

static void
client_on_names(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan);
	struct slice label;
	int first;

	if (client_in_join(c, ev->chan)) {
		if (w != NULL)
			client_add_names(w, ev->text);
		return;
	}
	/* A reply to names replaces the members, keeping the order of
	 * recent speakers that Tab completes by. */
	first = !client_slice_eq(ev->chan, c->names_chan, c->names_chan_len);
	if (first) {
		client_keep(c->names_chan, sizeof(c->names_chan),
		    &c->names_chan_len, ev->chan);
		if (w != NULL)
			model_members_mark(w);
	}
	if (w != NULL)
		client_add_names(w, ev->text);
	if (c->names_wanted == 0)
		return;
	label = client_chan_label(w, ev->chan);
	if (c->view_cols == 0) {
		client_note(c, client_current(c), now, MODEL_LINE_INFO,
		    "%.*s: %.*s", (int)label.len, label.p, (int)ev->text.len,
		    ev->text.p);
		return;
	}
	client_names_columns(c, label, ev->text, first, now);
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
	if (w != NULL && model_win_catchup(w) == CLIENT_CATCHUP_GAP) {
		if (client_send_history(c, w, CMD_DIR_AFTER, model_win_seq(w),
		        c->page_max, now) == 0)
			model_win_set_catchup(w, CLIENT_CATCHUP_ASKED);
		else
			model_win_set_catchup(w, 0);
	} else if (w != NULL) {
		/* The history went on from the last line seen, or had none. */
		model_win_set_catchup(w, 0);
	}
	if (w == NULL || client_is_own(c, w))
		return;
	n = model_member_count(w);
	/* A personal channel is joined again by its id alone: shown. */
	if (model_win_kind(w) == MODEL_WIN_PERSONAL) {
		client_note(c, w, now, MODEL_LINE_EVENT,
		    "you %s %s, id %s (%zu member%s)",
		    c->join_is_new ? "joined" : "rejoined", model_win_name(w),
		    model_win_key(w), n, n == 1 ? "" : "s");
		return;
	}
	client_note(c, w, now, MODEL_LINE_EVENT, "you %s %s (%zu member%s)",
	    c->join_is_new ? "joined" : "rejoined", model_win_name(w), n,
	    n == 1 ? "" : "s");
}

/* The page of history under way is channel chan's. */
static int
client_in_page(const struct client *c, struct slice chan)
{
	return c->in_page &&
	    client_slice_eq(chan, c->page_chan, c->page_chan_len);
}

static void
client_on_history_page(struct client *c, const struct event *ev)
{
	struct model_win *w = client_chan_win(c, ev->chan);

	/* Only an answer to what this client asked for. */
	if (w == NULL ||
	    (ev->dir == CMD_DIR_AFTER
	            ? model_win_catchup(w) != CLIENT_CATCHUP_ASKED
	            : model_win_page(w) != MODEL_PAGE_LOADING))
		return;
	client_keep(
	    c->page_chan, sizeof(c->page_chan), &c->page_chan_len, ev->chan);
	c->in_page = 1;
	c->page_dir = ev->dir;
	c->page_got = 0;
	c->page_left = ev->count;
	c->page_full = 0;
	c->page_at = model_lines_begin(w);
	c->page_oldest = model_win_oldest_seq(w);
	c->page_from = model_win_seq(w);
}

/*
 * A line of a history page.  Older lines go above those kept, in order,
 * but for those already there (by seq); newer ones, asked for after a
 * reconnect, go below, and count as unread as live lines would have.
 */
static void
client_on_page_msg(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan);
	enum model_line_kind kind =
	    ev->kind == EV_ACT ? MODEL_LINE_ACT : MODEL_LINE_MSG;
	unsigned flags = client_is_self(c, ev->name) ? MODEL_FLAG_SELF : 0;
	uint64_t begin, end, seq;
	int r;

	if (w == NULL)
		return;
	if (c->page_dir == CMD_DIR_AFTER) {
		seq = model_win_seq(w);
		if (ev->seq <= seq)
			return;
		if (c->page_got == 0 && ev->seq > seq + 1)
			client_note(c, w, now, MODEL_LINE_EVENT,
			    "%" PRIu64 " line%s from while you were away "
			    "are no longer kept by the server",
			    ev->seq - seq - 1,
			    ev->seq - seq - 1 == 1 ? "" : "s");
		model_win_set_seq(w, ev->seq);
		if (!client_ignores(c, ev->name))
			(void)model_add_seq(c->m, w, ev->time, kind, flags,
			    ev->seq, ev->name.p, ev->name.len, ev->text.p,
			    ev->text.len);
		c->page_got++;
		return;
	}
	if ((c->page_oldest > 0 && ev->seq >= c->page_oldest) || c->page_full)
		return;
	if (client_ignores(c, ev->name)) {
		c->page_got++;
		return;
	}
	begin = model_lines_begin(w);
	end = model_lines_end(w);
	if (c->page_at < begin)
		c->page_at = begin;
	if (c->page_at > end)
		c->page_at = end;
	r = model_insert(c->m, w, c->page_at, ev->time, kind,
	    flags | MODEL_FLAG_HISTORY, ev->seq, ev->name.p, ev->name.len,
	    ev->text.p, ev->text.len);
	if (r == 1) {
		c->page_full = 1;
		return;
	}
	if (r == 0)
		c->page_at++;
	if (ev->seq > model_win_seq(w))
		model_win_set_seq(w, ev->seq);
	c->page_got++;
}

static void
client_on_history_page_end(
    struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w;

	if (!client_in_page(c, ev->chan))
		return;
	c->in_page = 0;
	w = client_chan_win(c, ev->chan);
	if (w == NULL)
		return;
	if (c->page_dir == CMD_DIR_AFTER) {
		/* Until the server has nothing newer, as long as it gives. */
		if (ev->more && model_win_seq(w) > c->page_from &&
		    client_send_history(c, w, CMD_DIR_AFTER, model_win_seq(w),
		        c->page_max, now) == 0)
			return;
		model_win_set_catchup(w, 0);
		return;
	}
	if (c->page_full)
		model_win_set_page(w, MODEL_PAGE_FULL);
	else if (!ev->more)
		model_win_set_page(w, MODEL_PAGE_BEGIN);
	else
		model_win_set_page(w, MODEL_PAGE_NONE);
}

static void
client_on_msg(struct client *c, const struct event *ev, uint64_t now)
{
	int history = client_in_join(c, ev->chan);
	struct model_win *w = client_chan_win(c, ev->chan);
	unsigned flags = 0;
	int catchup;

	if (client_in_page(c, ev->chan) && c->page_left > 0) {
		c->page_left--;
		client_on_page_msg(c, ev, now);
		return;
	}
	if (client_is_self(c, ev->name)) {
		flags |= MODEL_FLAG_SELF;
		if (!history)
			client_echoed(c);
	}
	/* Only the channels joined have windows: a message for any other
	 * (one nobody asked to join) opens none and is dropped. */
	if (w == NULL)
		return;
	/* Lines already shown before a reconnect come again: skip them. */
	if (ev->seq <= model_win_seq(w))
		return;
	catchup = model_win_catchup(w);
	/* A rejoin's history that does not go on from the last line seen
	 * has a gap: the lines after that are asked for instead. */
	if (history && catchup == CLIENT_CATCHUP_JOIN &&
	    ev->seq > model_win_seq(w) + 1)
		model_win_set_catchup(w, catchup = CLIENT_CATCHUP_GAP);
	else if (history && catchup == CLIENT_CATCHUP_JOIN)
		model_win_set_catchup(w, catchup = 0);
	/* Catching up, live lines come in the pages asked for. */
	if (catchup != 0)
		return;
	model_win_set_seq(w, ev->seq);
	/* An ignored name's lines are dropped, the seq above kept. */
	if (client_ignores(c, ev->name))
		return;
	client_heard(c, w, ev->name, ev->time);
	/* On a rejoin, history not shown before was missed while away: it
	 * counts as unread, and mentions in it as mentions. */
	if (history && c->join_is_new)
		flags |= MODEL_FLAG_HISTORY;
	(void)model_add_seq(c->m, w, ev->time,
	    ev->kind == EV_ACT ? MODEL_LINE_ACT : MODEL_LINE_MSG, flags,
	    ev->seq, ev->name.p, ev->name.len, ev->text.p, ev->text.len);
	(void)model_member_spoke(w, ev->name.p, ev->name.len);
}

static void
client_on_join_part(struct client *c, const struct event *ev)
{
	struct model_win *w = client_chan_win(c, ev->chan);
	int hide;

	if (w == NULL)
		return;
	hide = client_join_shown(c, w, ev->name, ev->time);
	if (ev->kind == EV_JOIN) {
		(void)model_member_add(w, ev->name.p, ev->name.len);
		client_event_line(c, w, ev->time, hide, "%.*s joined",
		    (int)ev->name.len, ev->name.p);
	} else {
		(void)model_member_remove(w, ev->name.p, ev->name.len);
		client_event_line(c, w, ev->time, hide, "%.*s left",
		    (int)ev->name.len, ev->name.p);
	}
}

static void
client_on_quit(struct client *c, const struct event *ev)
{
	struct model_win *w;
	size_t i;
	int shown, hide;

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
		hide = client_join_shown(c, w, ev->name, ev->time);
		if (ev->text.len > 0)
			client_event_line(c, w, ev->time, hide,
			    "%.*s quit (%.*s)", (int)ev->name.len, ev->name.p,
			    (int)ev->text.len, ev->text.p);
		else
			client_event_line(c, w, ev->time, hide, "%.*s quit",
			    (int)ev->name.len, ev->name.p);
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

	/* Only the server's answer to this user's nick renames this user. */
	if (self) {
		if (!valid_name_equal(to.p, to.len, c->asked, c->asked_len))
			return;
		c->asked_len = 0;
	}

	for (i = 1; i < model_win_count(c->m); i++) {
		w = model_win_at(c->m, i);
		if (!model_member_rename(w, old.p, old.len, to.p, to.len))
			continue;
		if (self)
			client_note(c, w, ev->time, MODEL_LINE_EVENT,
			    "you are now known as %.*s", (int)to.len, to.p);
		else
			client_event_line(c, w, ev->time,
			    client_ignores(c, old) ? CLIENT_IGNORE
			                           : CLIENT_SHOW,
			    "%.*s is now known as %.*s", (int)old.len, old.p,
			    (int)to.len, to.p);
		told_current |= w == client_current(c);
	}
	dm = model_find(c->m, MODEL_WIN_DM, old.p, old.len);
	if (dm != NULL) {
		w = model_find(c->m, MODEL_WIN_DM, to.p, to.len);
		if (w == NULL || w == dm)
			model_win_rekey(c->m, dm, to.p, to.len, to.p, to.len);
		client_event_line(c, dm, ev->time,
		    client_ignores(c, old) ? CLIENT_IGNORE : CLIENT_SHOW,
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
client_on_dm(struct client *c, const struct event *ev, uint64_t now)
{
	int self = client_is_self(c, ev->name);
	struct slice peer = self ? ev->peer : ev->name;
	struct model_win *w;

	/* Between two others: not this user's to see, whatever it says. */
	if (!self && !client_is_self(c, ev->peer))
		return;
	if (self)
		client_echoed(c);
	/* An ignored name's direct messages open no window. */
	else if (client_ignores(c, ev->name))
		return;
	w = model_open(c->m, MODEL_WIN_DM, peer.p, peer.len, peer.p, peer.len);
	if (w == NULL)
		w = client_status(c);
	else
		client_heard(c, w, ev->name, ev->time);
	if (!self)
		client_account_dm(c, w, ev, now);
	/* A direct message is for this user whatever it says. */
	(void)model_add(c->m, w, ev->time,
	    ev->kind == EV_DM_ACT ? MODEL_LINE_ACT : MODEL_LINE_MSG,
	    self ? MODEL_FLAG_SELF : MODEL_FLAG_MENTION, ev->name.p,
	    ev->name.len, ev->text.p, ev->text.len);
}

static void
client_on_left(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan), *from;
	char name[MODEL_NAME_MAX + 1];

	if (w == NULL)
		return;
	/* Kicked: the kick line said so, and the window stays to read. */
	if (!model_win_joined(w))
		return;
	from = c->leave_kind == MODEL_WIN_STATUS
	    ? NULL
	    : model_find(c->m, c->leave_kind, c->leave_from, c->leave_from_len);
	snprintf(name, sizeof(name), "%s", model_win_name(w));
	model_close(c->m, w);
	/* Said in the status window, and where /leave was typed if that was
	 * another window (not the one shown after this one closed). */
	client_note(c, NULL, now, MODEL_LINE_INFO, "you left %s", name);
	if (from != NULL && from != w)
		client_note(c, from, now, MODEL_LINE_INFO, "you left %s", name);
	c->leave_from_len = 0;
}

/*
 * A topic line: in a join sequence the topic as it stands, else a member
 * set or cleared it.  The window keeps it for the status line.
 */
static void
client_on_topic(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan);

	if (w == NULL)
		return;
	(void)model_win_set_topic(w, ev->text.p, ev->text.len);
	if (client_in_join(c, ev->chan)) {
		client_note(c, w, now, MODEL_LINE_EVENT,
		    "topic: %.*s (set by %.*s)", (int)ev->text.len, ev->text.p,
		    (int)ev->name.len, ev->name.p);
		return;
	}
	if (ev->text.len == 0)
		client_note(c, w, ev->time, MODEL_LINE_EVENT,
		    "%.*s cleared the topic", (int)ev->name.len, ev->name.p);
	else
		client_note(c, w, ev->time, MODEL_LINE_EVENT,
		    "%.*s set the topic: %.*s", (int)ev->name.len, ev->name.p,
		    (int)ev->text.len, ev->text.p);
}

/*
 * away$<name>$<text>: this user's own confirms /away or /back; another's
 * answers a direct message, in the conversation with them.
 */
static void
client_on_away(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w;

	if (client_is_self(c, ev->name)) {
		c->away = ev->text.len > 0;
		if (c->away)
			client_note_both(c, now, MODEL_LINE_INFO,
			    "you are marked away: %.*s; /back to return",
			    (int)ev->text.len, ev->text.p);
		else
			client_note_both(
			    c, now, MODEL_LINE_INFO, "you are back");
		return;
	}
	w = model_find(c->m, MODEL_WIN_DM, ev->name.p, ev->name.len);
	if (w == NULL)
		w = client_current(c);
	client_note(c, w, now, MODEL_LINE_EVENT, "%.*s is away: %.*s",
	    (int)ev->name.len, ev->name.p, (int)ev->text.len, ev->text.p);
}

/*
 * Someone was kicked out of a channel.  This user: the window stays, no
 * longer joined, saying by whom and why (the left line that follows
 * closes nothing).
 */
static void
client_on_kick(struct client *c, const struct event *ev)
{
	struct model_win *w = client_chan_win(c, ev->chan);
	char why[PROTO_REASON_MAX + 8];

	if (w == NULL)
		return;
	why[0] = '\0';
	if (ev->text.len > 0)
		snprintf(
		    why, sizeof(why), ": %.*s", (int)ev->text.len, ev->text.p);
	if (!client_is_self(c, ev->peer)) {
		(void)model_member_remove(w, ev->peer.p, ev->peer.len);
		client_note(c, w, ev->time, MODEL_LINE_EVENT,
		    "%.*s was kicked by %.*s%s", (int)ev->peer.len, ev->peer.p,
		    (int)ev->name.len, ev->name.p, why);
		return;
	}
	model_win_set_joined(w, 0);
	model_win_set_rejoin(w, 0);
	model_members_clear(w);
	client_note(c, w, ev->time, MODEL_LINE_ERROR,
	    "you were kicked from %s by %.*s%s; /join to come back, /leave "
	    "closes the window",
	    model_win_name(w), (int)ev->name.len, ev->name.p, why);
	if (w != client_current(c))
		client_note(c, NULL, ev->time, MODEL_LINE_ERROR,
		    "you were kicked from %s by %.*s%s", model_win_name(w),
		    (int)ev->name.len, ev->name.p, why);
}

static void
client_on_chan_key(struct client *c, const struct event *ev, uint64_t now)
{
	struct model_win *w = client_chan_win(c, ev->chan);

	if (w == NULL)
		w = client_current(c);
	if (ev->text.len == 0)
		client_note(c, w, now, MODEL_LINE_INFO,
		    "the channel has no key now: anyone may join");
	else
		client_note(c, w, now, MODEL_LINE_INFO,
		    "the channel key is now %.*s: /join %s %.*s",
		    (int)ev->text.len, ev->text.p, model_win_name(w),
		    (int)ev->text.len, ev->text.p);
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

/* The command an error answers, or CMD_COUNT for none this side knows. */
static enum cmd_verb
client_error_verb(const struct event *ev)
{
	const char *name;
	int v;

	for (v = 0; v < CMD_COUNT; v++) {
		name = cmd_verb_name((enum cmd_verb)v);
		if (client_slice_eq(ev->verb, name, strlen(name)))
			return (enum cmd_verb)v;
	}
	return CMD_COUNT;
}

/*
 * A rejoin whose named channel is gone (the server restarted, or everyone
 * left while we were away) makes it again, and a /join of a name that does
 * not exist makes it as IRC does; a create that lost the race to someone
 * else joins theirs.  The window the user asked for stays wanted through
 * these steps.  Returns 1 if that handled the error.
 */
static int
client_answer_wait(struct client *c, const struct client_wait *w,
    const struct event *ev, uint64_t now)
{
	struct slice name = client_slice(w->name, strlen(w->name));
	struct model_win *own;

	if (w->verb == CMD_JOIN && w->recreate == CLIENT_RECREATE_NEW &&
	    ev->code == PROTO_E_NO_SUCH_CHANNEL) {
		client_note(c, client_current(c), now, MODEL_LINE_INFO,
		    "%s does not exist yet; creating it", w->name);
		(void)client_send_waited(c, CMD_CREATE_CHAN, name, 0, 1, now);
		return 1;
	}
	if (w->verb == CMD_JOIN && w->recreate == CLIENT_RECREATE_GONE &&
	    ev->code == PROTO_E_NO_SUCH_CHANNEL) {
		client_note(c, model_find_name(c->m, name.p, name.len), now,
		    MODEL_LINE_INFO,
		    "%s no longer exists on the server; making it again",
		    w->name);
		(void)client_send_waited(c, CMD_CREATE_CHAN, name, 0, 1, now);
		return 1;
	}
	/* A personal channel's id lives as long as its owner's connection. */
	own = model_find(c->m, MODEL_WIN_PERSONAL, name.p, name.len);
	if (w->verb == CMD_JOIN && own != NULL &&
	    ev->code == PROTO_E_NO_SUCH_CHANNEL) {
		client_note(c, own, now, MODEL_LINE_ERROR,
		    "%s is gone: its owner left, and has a new id if back; "
		    "/leave closes the window",
		    model_win_name(own));
		if (own != client_current(c))
			client_note(c, client_current(c), now, MODEL_LINE_ERROR,
			    "%s is gone: its owner left", model_win_name(own));
		return 1;
	}
	if (w->verb == CMD_CREATE_CHAN && w->join_if_exists &&
	    ev->code == PROTO_E_CHANNEL_EXISTS) {
		(void)client_send_waited(c, CMD_JOIN, name, 0, 0, now);
		return 1;
	}
	return 0;
}

/* How the server ends a DM error its recipient's node never delivered. */
#define CLIENT_NOT_DELIVERED "(not delivered)"

/* What to do about an error the user can act on, to follow its text. */
static const char *
client_error_hint(const struct event *ev, enum cmd_verb verb)
{
	if (ev->code == PROTO_E_NO_SUCH_CHANNEL && verb == CMD_JOIN)
		return "; /create makes one";
	if (ev->code == PROTO_E_CHANNEL_EXISTS && verb == CMD_CREATE_CHAN)
		return "; /join joins it";
	/* Several nodes: a DM the recipient's node did not deliver says so. */
	if (ev->code == PROTO_E_NO_SUCH_USER &&
	    (verb == CMD_DM || verb == CMD_DM_ACT) &&
	    ev->text.len >= sizeof(CLIENT_NOT_DELIVERED) - 1 &&
	    memcmp(
	        ev->text.p + ev->text.len - (sizeof(CLIENT_NOT_DELIVERED) - 1),
	        CLIENT_NOT_DELIVERED, sizeof(CLIENT_NOT_DELIVERED) - 1) == 0)
		return "";
	if (ev->code == PROTO_E_NO_SUCH_USER &&
	    (verb == CMD_DM || verb == CMD_DM_ACT))
		return " (not online)";
	if (ev->code == PROTO_E_NOT_MEMBER)
		return "; /join it first";
	if (ev->code == PROTO_E_BAD_KEY && verb == CMD_JOIN)
		return "; /join CHANNEL KEY";
	return "";
}

/*
 * A history request was refused: no window waits for a page any more (so
 * none holds back live lines), a window that was catching up says what it
 * could not get, and a server that does not know the request is not asked
 * again on this connection.
 */
static void
client_history_refused(struct client *c, int unknown, uint64_t now)
{
	struct model_win *w;
	size_t i;

	if (unknown)
		c->no_history = 1;
	for (i = 1; i < model_win_count(c->m); i++) {
		w = model_win_at(c->m, i);
		if (model_win_page(w) == MODEL_PAGE_LOADING)
			model_win_set_page(w, MODEL_PAGE_NONE);
		if (model_win_catchup(w) == 0)
			continue;
		client_note(c, w, now, MODEL_LINE_EVENT,
		    "the lines said while you were away could not be fetched");
		model_win_set_catchup(w, 0);
	}
}

/*
 * The window of the channel an error's text ends with (": <id>", as the
 * server names the channel a refused line was for), or NULL: the error
 * then says the channel's name, not an id no one knows it by.  *len is
 * what comes before the ": ".
 */
static struct model_win *
client_error_channel(const struct client *c, struct slice text, size_t *len)
{
	struct model_win *w;
	size_t i;

	for (i = text.len; i >= 2; i--)
		if (text.p[i - 2] == ':' && text.p[i - 1] == ' ')
			break;
	if (i < 2 || i == text.len)
		return NULL;
	w = model_find(c->m, MODEL_WIN_CHANNEL, text.p + i, text.len - i);
	if (w == NULL)
		w = model_find(
		    c->m, MODEL_WIN_PERSONAL, text.p + i, text.len - i);
	*len = i - 2;
	return w;
}

static void
client_on_error(struct client *c, const struct event *ev, uint64_t now)
{
	struct slice text = ev->text;
	enum cmd_verb verb = client_error_verb(ev);
	int reg = verb == CMD_REG;
	struct model_win *named;
	size_t len;

	if (reg)
		c->reg_out = 0;
	if (verb == CMD_NICK)
		c->asked_len = 0;
	if (client_verb_is_message(verb))
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

	if (client_account_error(c, ev, verb, now))
		return;
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
	/* A node of several whose Redis is down cannot claim names: it says
	 * nothing when it can again, so ask again as above. */
	if (reg && ev->code == PROTO_E_STORAGE_UNAVAILABLE &&
	    c->state == CLIENT_REGISTERING) {
		c->reg_retry_at = now + CLIENT_REG_RETRY_MS;
		if (!c->reg_retried)
			client_note_both(c, now, MODEL_LINE_INFO,
			    "the server cannot register names just now (its "
			    "storage is unavailable); asking again every %d s",
			    CLIENT_REG_RETRY_MS / 1000);
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
	if (verb == CMD_JOIN || verb == CMD_CREATE_CHAN) {
		struct client_wait w;
		char keep[PROTO_ID_MAX + 1];
		size_t keep_len = c->pending_len;

		memcpy(keep, c->pending, keep_len);
		c->pending_len = 0;
		if (client_take_wait(c, &w)) {
			/* Only the steps of a /join that makes its channel
			 * keep the window wanted. */
			if (w.recreate == CLIENT_RECREATE_NEW ||
			    w.join_if_exists)
				client_keep(c->pending, sizeof(c->pending),
				    &c->pending_len,
				    client_slice(keep, keep_len));
			if (client_answer_wait(c, &w, ev, now))
				return;
			c->pending_len = 0;
		}
	}
	if (verb == CMD_NAMES && c->names_wanted > 0)
		c->names_wanted--;
	/* The only verb this client sends that a server may not know. */
	if (verb == CMD_HISTORY || ev->code == PROTO_E_UNKNOWN_COMMAND) {
		client_history_refused(
		    c, ev->code == PROTO_E_UNKNOWN_COMMAND, now);
		if (ev->code == PROTO_E_UNKNOWN_COMMAND)
			return;
	}
	if (text.len == 0)
		text = client_slice(proto_code_text(ev->code),
		    strlen(proto_code_text(ev->code)));
	if (proto_code_is_fatal(ev->code))
		client_note_both(
		    c, now, MODEL_LINE_ERROR, "%.*s", (int)text.len, text.p);
	else if ((named = client_error_channel(c, text, &len)) != NULL)
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "%.*s: %s%s", (int)len, text.p, model_win_name(named),
		    client_error_hint(ev, verb));
	else
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "%.*s%s", (int)text.len, text.p,
		    client_error_hint(ev, verb));
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

/* The base-mode welcome line, which a txt-chatd sends before anything. */
static int
client_is_welcome(const char *line, size_t len)
{
	return len == sizeof(PROTO_WELCOME) - 1 &&
	    memcmp(line, PROTO_WELCOME, len) == 0;
}

/*
 * Something else answered on the server's port (an SSH or HTTP server,
 * say): its first line, cut short, is shown (the model makes it safe to
 * draw), and the connection goes; the shell tries again later, backing
 * off since no registration came of it.
 */
static void
client_on_stranger(struct client *c, const char *line, size_t len, uint64_t now)
{
	size_t n =
	    len > CLIENT_ANSWER_QUOTE_MAX ? CLIENT_ANSWER_QUOTE_MAX : len;

	client_note_both(c, now, MODEL_LINE_ERROR,
	    "%s is not a txt-chatd server: it answered \"%.*s%s\" "
	    "(txt-chat -s HOST:PORT picks another)",
	    c->server, (int)n, line, n < len ? "..." : "");
	c->dropped = 1;
	c->io.drop(c->io.ctx, "not a txt-chatd server");
}

/*
 * Whether the oldest unanswered join or create_chan is verb: a joined or
 * created line that answers nothing this client asked for is ignored, so
 * that a server cannot open windows at will.
 */
static int
client_wait_is(const struct client *c, enum cmd_verb verb)
{
	return c->waits_count > 0 && c->waits[c->waits_head].verb == verb;
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
		else if (c->acct.in_login)
			; /* the account's channels, rejoined by the server */
		else if (client_wait_is(c, CMD_JOIN))
			(void)client_take_wait(c, &wait);
		else if (!client_account_joins(c))
			break; /* nobody asked: no window opens */
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
		client_on_dm(c, ev, now);
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
		if (!client_wait_is(c, CMD_CREATE_CHAN))
			break;
		(void)client_take_wait(c, &wait);
		c->joined_follows = 1;
		break;
	case EV_HISTORY_PAGE:
		client_on_history_page(c, ev);
		break;
	case EV_HISTORY_PAGE_END:
		client_on_history_page_end(c, ev, now);
		break;
	case EV_ACCOUNT:
	case EV_MARKER:
	case EV_LOGIN_END:
		client_on_account_line(c, ev, now);
		break;
	case EV_TOPIC:
		client_on_topic(c, ev, now);
		break;
	case EV_AWAY:
		client_on_away(c, ev, now);
		break;
	case EV_KICK:
		client_on_kick(c, ev);
		break;
	case EV_CHAN_KEY:
		client_on_chan_key(c, ev, now);
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
		else if (code != PROTO_E_NONE && !client_is_welcome(line, len))
			client_on_stranger(c, line, len, now);
		return;
	}
	if (code != PROTO_E_NONE) {
		client_on_bad(c, line, len, code, now);
		return;
	}
	client_dispatch(c, &ev, now);
}

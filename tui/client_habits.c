/* client_habits.c: the client's filters (/ignore, /filter) and the state it
 * keeps between runs (windows in order). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "client_int.h"
#include "filter.h"
#include "slash.h"
#include "state.h"
#include "valid.h"

int
client_ignores(const struct client *c, struct slice name)
{
	return filter_is_ignored(c->filter, name.p, name.len) &&
	    !client_is_self(c, name);
}

int
client_join_shown(const struct client *c, const struct model_win *w,
    struct slice name, uint64_t time_ms)
{
	const char *win = model_win_name(w);

	if (client_ignores(c, name))
		return CLIENT_IGNORE;
	if (client_is_self(c, name))
		return CLIENT_SHOW;
	return filter_hides_join(c->filter,
	           (enum filter_joins)model_win_filter(w), win, strlen(win),
	           name.p, name.len, time_ms)
	    ? CLIENT_HIDE
	    : CLIENT_SHOW;
}

void
client_heard(struct client *c, const struct model_win *w, struct slice name,
    uint64_t time_ms)
{
	const char *win;

	if (!c->smart_used)
		return;
	win = model_win_name(w);
	filter_spoke(c->filter, win, strlen(win), name.p, name.len, time_ms);
}

void
client_event_line(struct client *c, struct model_win *w, uint64_t now, int hide,
    const char *fmt, ...)
{
	char buf[MODEL_TEXT_MAX + 1];
	va_list ap;
	int n;

	if (hide == CLIENT_IGNORE)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	(void)model_add(c->m, w, now, MODEL_LINE_EVENT,
	    hide == CLIENT_HIDE ? MODEL_FLAG_HIDDEN : 0, "", 0, buf, (size_t)n);
}

void
client_set_hash_key(struct client *c, const struct hmap_key *key)
{
	filter_set_hash_key(c->filter, key);
}

void
client_set_join_filter(struct client *c, int mode, unsigned minutes)
{
	filter_set_default(c->filter, (enum filter_joins)mode, minutes);
	if (filter_default(c->filter) == FILTER_JOINS_SMART)
		c->smart_used = 1;
}

const struct filter *
client_filter(const struct client *c)
{
	return c->filter;
}

static void
client_list_ignores(struct client *c, struct model_win *w, uint64_t now)
{
	char list[FILTER_IGNORES_MAX * (PROTO_NAME_MAX + 1) + 1];
	size_t i, n = filter_ignore_count(c->filter), len = 0;

	if (n == 0) {
		client_note(c, w, now, MODEL_LINE_INFO,
		    "nobody is ignored: /ignore NAME hides a name");
		return;
	}
	for (i = 0; i < n; i++) {
		const char *name = filter_ignore_at(c->filter, i);
		size_t k = strlen(name);

		if (len > 0)
			list[len++] = ' ';
		memcpy(list + len, name, k);
		len += k;
	}
	list[len] = '\0';
	client_note(c, w, now, MODEL_LINE_INFO, "ignored (%zu): %s", n, list);
}

enum client_input_result
client_cmd_ignore(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_current(c);
	int r;

	if (s->arg.len == 0) {
		client_list_ignores(c, w, now);
		return CLIENT_INPUT_DONE;
	}
	if (valid_name(s->arg.p, s->arg.len) != PROTO_E_NONE) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "%.*s is not a valid name: %s", (int)s->arg.len, s->arg.p,
		    proto_code_text(PROTO_E_BAD_NAME));
		return CLIENT_INPUT_KEEP;
	}
	if (client_is_self(c, s->arg)) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "that is you: /ignore someone else");
		return CLIENT_INPUT_KEEP;
	}
	r = filter_ignore(c->filter, s->arg.p, s->arg.len);
	if (r < 0) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "%d names are ignored already: /unignore one first",
		    FILTER_IGNORES_MAX);
		return CLIENT_INPUT_KEEP;
	}
	if (r == 1) {
		client_note(c, w, now, MODEL_LINE_INFO,
		    "%.*s is ignored already (or a name that looks the same)",
		    (int)s->arg.len, s->arg.p);
		return CLIENT_INPUT_DONE;
	}
	client_note(c, w, now, MODEL_LINE_INFO,
	    "ignoring %.*s and names that look the same: their messages, "
	    "actions, direct messages, joins, parts and quits are not shown "
	    "or logged; /unignore %.*s",
	    (int)s->arg.len, s->arg.p, (int)s->arg.len, s->arg.p);
	return CLIENT_INPUT_DONE;
}

enum client_input_result
client_cmd_unignore(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_current(c);

	if (!filter_unignore(c->filter, s->arg.p, s->arg.len)) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "%.*s is not ignored; /ignore lists who is",
		    (int)s->arg.len, s->arg.p);
		return CLIENT_INPUT_KEEP;
	}
	client_note(c, w, now, MODEL_LINE_INFO,
	    "%.*s is no longer ignored: their lines show from now on",
	    (int)s->arg.len, s->arg.p);
	return CLIENT_INPUT_DONE;
}

/* Says what window w shows of joins, parts and quits. */
static void
client_filter_say(struct client *c, struct model_win *w, uint64_t now)
{
	enum filter_joins own = (enum filter_joins)model_win_filter(w);
	enum filter_joins mode = filter_effective(c->filter, own);

	client_note(c, w, now, MODEL_LINE_INFO,
	    "joins, parts and quits here: %s%s%s (%s); /filter joins "
	    "off|smart|all|default",
	    filter_joins_name(mode),
	    own == FILTER_JOINS_DEFAULT ? ", the default" : "",
	    mode == FILTER_JOINS_SMART ? ", shown for those who spoke lately"
	                               : "",
	    mode == FILTER_JOINS_OFF       ? "all shown"
	        : mode == FILTER_JOINS_ALL ? "none shown"
	                                   : "others hidden");
}

enum client_input_result
client_cmd_filter(struct client *c, const struct slash *s, uint64_t now)
{
	struct model_win *w = client_current(c);
	const char *p = s->text.p, *end = s->text.p + s->text.len, *word;
	enum filter_joins mode;
	size_t n;

	if (model_win_kind(w) == MODEL_WIN_STATUS) {
		client_note(c, w, now, MODEL_LINE_INFO,
		    "the status window has no joins to filter; /filter works "
		    "in a channel or a conversation");
		return CLIENT_INPUT_KEEP;
	}
	while (p < end && *p == ' ')
		p++;
	word = p;
	while (p < end && *p != ' ')
		p++;
	n = (size_t)(p - word);
	if (n == 0) {
		client_filter_say(c, w, now);
		return CLIENT_INPUT_DONE;
	}
	while (p < end && *p == ' ')
		p++;
	if (n != 5 || memcmp(word, "joins", 5) != 0 ||
	    filter_joins_parse(p, (size_t)(end - p), &mode) < 0) {
		client_note(c, w, now, MODEL_LINE_ERROR,
		    "/filter takes joins off, joins smart, joins all or joins "
		    "default");
		return CLIENT_INPUT_KEEP;
	}
	model_win_set_filter(w, (int)mode);
	if (filter_effective(c->filter, mode) == FILTER_JOINS_SMART)
		c->smart_used = 1;
	client_filter_say(c, w, now);
	return CLIENT_INPUT_DONE;
}

void
client_state_get(const struct client *c, struct state *st)
{
	size_t i, n;

	st->nwins = st->nignores = 0;
	for (i = 1; i < model_win_count(c->m) && st->nwins < STATE_WINDOWS_MAX;
	     i++) {
		const struct model_win *w = model_win_at(c->m, i);
		enum model_win_kind kind = model_win_kind(w);
		const char *name = model_win_name(w);
		size_t len = strlen(name);
		struct state_win *sw;

		/* This user's own channel keeps its place, by no name. */
		if (client_is_own(c, w)) {
			sw = &st->wins[st->nwins++];
			sw->kind = MODEL_WIN_PERSONAL;
			sw->filter = (enum filter_joins)model_win_filter(w);
			sw->name[0] = '\0';
			continue;
		}
		/* Only what the state file can read back. */
		if (kind == MODEL_WIN_CHANNEL
		        ? valid_channel_name(name, len) != PROTO_E_NONE
		        : kind != MODEL_WIN_DM ||
		            valid_name(name, len) != PROTO_E_NONE)
			continue;
		sw = &st->wins[st->nwins++];
		sw->kind = kind;
		sw->filter = (enum filter_joins)model_win_filter(w);
		memcpy(sw->name, name, len + 1);
	}
	n = filter_ignore_count(c->filter);
	for (i = 0; i < n && i < FILTER_IGNORES_MAX; i++)
		snprintf(st->ignores[st->nignores++], sizeof(st->ignores[0]),
		    "%s", filter_ignore_at(c->filter, i));
}

/*
 * The window of this user's personal channel, opened where the state file
 * had it: keyed "~name" until registered, when the server's joined line
 * for it finds it as this user's own (c->own) and gives it its id.
 */
static struct model_win *
client_restore_own(struct client *c)
{
	char key[CLIENT_NAME_MAX + 2];
	struct model_win *w;

	if (c->own_len > 0)
		return model_find(c->m, MODEL_WIN_PERSONAL, c->own, c->own_len);
	key[0] = '~';
	memcpy(key + 1, c->name, c->name_len);
	w = model_open(c->m, MODEL_WIN_PERSONAL, key, c->name_len + 1, key,
	    c->name_len + 1);
	if (w != NULL)
		client_keep(c->own, sizeof(c->own), &c->own_len,
		    client_slice(key, c->name_len + 1));
	return w;
}

void
client_state_restore(struct client *c, const struct state *st, uint64_t now)
{
	struct model_win *w;
	size_t i, len;

	for (i = 0; i < st->nwins; i++) {
		const struct state_win *sw = &st->wins[i];

		len = strlen(sw->name);
		if (sw->kind == MODEL_WIN_CHANNEL) {
			w = model_find_name(c->m, sw->name, len);
			/* Keyed by its name until joined, when the join
			 * finds it by name and gives it the channel's id. */
			if (w == NULL)
				w = model_open(c->m, MODEL_WIN_CHANNEL,
				    sw->name, len, sw->name, len);
			if (w != NULL &&
			    model_win_kind(w) == MODEL_WIN_CHANNEL &&
			    !model_win_joined(w))
				model_win_set_rejoin(w, CLIENT_REJOIN_SAVED);
		} else if (sw->kind == MODEL_WIN_PERSONAL) {
			w = client_restore_own(c);
		} else {
			w = model_open(
			    c->m, MODEL_WIN_DM, sw->name, len, sw->name, len);
		}
		if (w == NULL) {
			client_note(c, NULL, now, MODEL_LINE_ERROR,
			    "no room for the window of %s: %d are open",
			    sw->name, MODEL_WINDOWS_MAX);
			break;
		}
		model_win_set_filter(w, (int)sw->filter);
		if (filter_effective(c->filter, sw->filter) ==
		    FILTER_JOINS_SMART)
			c->smart_used = 1;
	}
	for (i = 0; i < st->nignores; i++)
		(void)filter_ignore(
		    c->filter, st->ignores[i], strlen(st->ignores[i]));
}

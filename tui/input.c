/* input.c: key actions applied to the editor, the windows and the client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "complete.h"
#include "input.h"
#include "layout.h"
#include "search.h"
#include "slash.h"
#include "utf8.h"
#include "valid.h"
#include "wrap.h"

/* Bytes of the question shown instead of the prompt, with the NUL. */
#define INPUT_QUESTION_MAX 160
/*
 * Bytes of the command in front of each piece of a long typed line
 * ("/msg name "), no terminator; a longer one is not split, and the
 * client refuses the line as too long, which keeps it for editing.
 */
#define INPUT_PREFIX_MAX (6 + PROTO_NAME_MAX + 1)

/* Any paste the key map takes fits an empty input line. */
_Static_assert(EDITOR_MAX >= KEYMAP_PASTE_MAX, "a whole paste fits the line");

struct input {
	struct client *client;
	struct editor *ed;
	struct complete comp;
	/*
	 * A multi-line paste waiting for Enter or Escape: LF, then the lines
	 * separated by LF.  The LF before each line is room for the '/' that
	 * makes a line starting with '/' a message (see send_paste).
	 */
	char *paste;
	size_t paste_len;
	size_t paste_lines;
	int quit_armed;      /* Ctrl-C was pressed once */
	uint64_t quit_until; /* ... and a second press quits until then */
	char question[INPUT_QUESTION_MAX];
	int full_noted;     /* the full line was said to be full */
	const char **names; /* scratch for completion candidates */
	size_t names_cap;
	char line[EDITOR_UTF8_MAX];
	/* One piece of a long line with its command: "/me ", "/msg bob ". */
	char piece[INPUT_PREFIX_MAX + 1 + PROTO_TEXT_MAX];
	/* Ctrl-R and /search (search.h): its state and what it shows. */
	struct search search;
	char search_line[SEARCH_STATUS_MAX];
	char search_body[LAYOUT_BODY_MAX];
	struct input_pane pane; /* of the last key */
	/* The window searched: another shown (a join) ends the search. */
	const struct model_win *search_win;
	/* A password being typed for the client's question: never shown,
	 * never in the history, wiped once handed over. */
	struct account_secret secret;
};

struct input *
input_new(struct client *c)
{
	struct input *in = calloc(1, sizeof(*in));

	if (in == NULL)
		return NULL;
	in->client = c;
	in->ed = editor_new();
	if (in->ed == NULL) {
		free(in);
		return NULL;
	}
	return in;
}

void
input_free(struct input *in)
{
	if (in == NULL)
		return;
	account_secret_wipe(&in->secret);
	editor_free(in->ed);
	free(in->paste);
	free(in->names);
	free(in);
}

struct editor *
input_editor(const struct input *in)
{
	return in->ed;
}

const char *
input_question(const struct input *in)
{
	const char *ask = client_secret_prompt(in->client);

	if (ask != NULL)
		return ask;
	if (in->search.active)
		return in->search_line;
	return in->question[0] != '\0' ? in->question : NULL;
}

const struct search *
input_search(const struct input *in)
{
	return in->search.active ? &in->search : NULL;
}

/* The row of line index of w (day and marker rows counted) where q is. */
static int
search_row(
    struct input *in, const struct model_win *w, uint64_t index, int width)
{
	struct layout_head heads[LAYOUT_HEADS_MAX];
	struct model_line l;
	struct layout_line ll;
	size_t at, pos = 0, end, next;
	int row = layout_heads(w, index, heads), avail;

	if (model_line(w, index, &l) < 0)
		return 0;
	layout_line(&l, width, in->search_body, &ll);
	at = search_find(
	    ll.body, ll.body_len, in->search.query, in->search.len, 0);
	for (;;) {
		avail = width - (pos == 0 ? ll.text_col : ll.indent);
		wrap_next(ll.body, ll.body_len, pos, avail < 1 ? 1 : avail,
		    &end, &next);
		if (at < next || next >= ll.body_len)
			return row;
		row++;
		pos = next;
	}
}

/*
 * Shows the match: its line at the bottom of the view, and when that line
 * is taller than the view, the row the match is on.  No match yet: the
 * view as it was.
 */
static void
search_show(
    struct input *in, struct model_win *w, const struct input_pane *pane)
{
	uint64_t at = search_match(&in->search, w);
	int rows;

	if (at == UINT64_MAX) {
		if (in->search.len == 0)
			model_win_scroll(
			    w, in->search.saved_anchor, in->search.saved_skip);
	} else {
		rows = layout_index_rows(w, at, pane->width);
		model_win_scroll(w, at,
		    search_skip(rows, search_row(in, w, at, pane->width),
		        pane->height));
	}
	search_status(&in->search, w, in->search_line, sizeof(in->search_line));
}

/* Sets the query to q[0..len) (refused past SEARCH_QUERY_MAX). */
static void
search_query(struct input *in, struct model_win *w,
    const struct input_pane *pane, const char *q, size_t len)
{
	if (search_set(&in->search, w, q, len) == 0)
		search_show(in, w, pane);
}

/* Starts a search in w for q[0..len). */
static void
search_start(struct input *in, struct model_win *w,
    const struct input_pane *pane, const char *q, size_t len)
{
	search_begin(&in->search, w);
	in->search_win = w;
	search_query(in, w, pane, q, len);
}

/*
 * A key while searching.  Returns 1 when the search took it, 0 when the
 * key is to be applied as usual (the search ended first, unless the key
 * only redraws).
 */
static int
search_key(struct input *in, const struct keymap_action *a, struct model_win *w,
    const struct input_pane *pane)
{
	struct search *s = &in->search;
	char q[SEARCH_QUERY_MAX + 4];
	size_t len = s->len, n;
	int k;

	memcpy(q, s->query, len);
	switch (a->act) {
	case KEYMAP_INSERT:
		k = utf8_encode(a->cp, q + len);
		if (k > 0)
			search_query(in, w, pane, q, len + (size_t)k);
		return 1;
	case KEYMAP_PASTE_END:
		/* The first line of a paste, as much as fits, no controls. */
		for (n = 0;
		     n < a->len && a->text[n] != '\n' && len < SEARCH_QUERY_MAX;
		     n++)
			if ((unsigned char)a->text[n] >= 0x20 &&
			    a->text[n] != 0x7F)
				q[len++] = a->text[n];
		/* Cut on a code point's start. */
		if (n < a->len && ((unsigned char)a->text[n] & 0xC0) == 0x80)
			while (len > s->len &&
			    ((unsigned char)q[--len] & 0xC0) == 0x80)
				;
		search_query(in, w, pane, q, len);
		return 1;
	case KEYMAP_BACKSPACE:
		while (len > 0 && ((unsigned char)q[--len] & 0xC0) == 0x80)
			;
		search_query(in, w, pane, q, len);
		return 1;
	case KEYMAP_KILL_TO_START:
	case KEYMAP_KILL_RUBOUT:
		search_query(in, w, pane, q, 0);
		return 1;
	case KEYMAP_SEARCH_BACK:
	case KEYMAP_HISTORY_PREV:
		(void)search_older(s, w);
		search_show(in, w, pane);
		return 1;
	case KEYMAP_SEARCH_FWD:
	case KEYMAP_HISTORY_NEXT:
		(void)search_newer(s, w);
		search_show(in, w, pane);
		return 1;
	case KEYMAP_SUBMIT:
		search_accept(s);
		return 1;
	case KEYMAP_CANCEL:
	case KEYMAP_QUIT_REQUEST:
		search_cancel(s, w);
		return 1;
	case KEYMAP_RESIZE:
	case KEYMAP_REDRAW:
	case KEYMAP_PASTE_BEGIN:
		return 0;
	default:
		search_accept(s);
		return 0;
	}
}

static void
drop_paste(struct input *in)
{
	free(in->paste);
	in->paste = NULL;
	in->paste_len = in->paste_lines = 0;
	in->question[0] = '\0';
}

/* The end of the paste line that starts at p[i]: its LF, or len. */
static size_t
paste_line_end(const char *p, size_t len, size_t i)
{
	const char *nl = memchr(p + i, '\n', len - i);

	return nl != NULL ? (size_t)(nl - p) : len;
}

/*
 * Non-zero for a pasted line that is not sent: empty or only spaces (a
 * tab is a space by then), which would be an empty-looking message.
 */
static int
paste_blank(const char *s, size_t len)
{
	while (len > 0 && s[len - 1] == ' ')
		len--;
	return len == 0;
}

/*
 * Where the message starting at s[i] ends, in a line ending at end: all
 * of it if it fits in max bytes; else at the last space in the second half
 * of what fits, so words stay whole; else after the last whole character
 * that fits.  Always past i, so cutting a line makes progress.
 */
static size_t
paste_piece_end(const char *s, size_t i, size_t end, size_t max)
{
	size_t cut, k;

	if (end - i <= max)
		return end;
	cut = i + (max > 0 ? max : 1);
	/* s[cut] exists (end > cut); back off a character cut in two. */
	while (cut > i + 1 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	for (k = cut; k > i + max / 2; k--) {
		if (s[k] != ' ')
			continue;
		/* The piece ends before the run of spaces, not inside it. */
		while (k > i + 1 && s[k - 1] == ' ')
			k--;
		return k;
	}
	return cut;
}

/* The start of the next piece: the spaces where a line was cut go. */
static size_t
paste_piece_next(const char *s, size_t at, size_t end)
{
	while (at < end && s[at] == ' ')
		at++;
	return at;
}

/* Messages the paste text[1..len) makes: its lines, cut to max bytes. */
static size_t
paste_messages(const char *text, size_t len, size_t max)
{
	size_t i, end, at, n = 0;

	for (i = 1; i < len; i = end + 1) {
		end = paste_line_end(text, len, i);
		if (paste_blank(text + i, end - i))
			continue;
		for (at = i; at < end; n++)
			at = paste_piece_next(
			    text, paste_piece_end(text, at, end, max), end);
	}
	return n;
}

/* The current window, where notices about the input line go. */
static struct model_win *
current(const struct input *in)
{
	struct model *m = client_model(in->client);

	return model_win_at(m, model_current(m));
}

/*
 * Sends the message text line[at..end) of a typed line as pieces the
 * server takes, each after prefix (plen bytes) and, for a plain message
 * starting with '/', a '/' so it stays a message; cut as a multi-line
 * paste cuts its lines.  Returns where the first piece not sent starts
 * (end when all went).
 */
static size_t
send_pieces(struct input *in, const char *prefix, size_t plen, size_t at,
    size_t end, uint64_t now)
{
	size_t max = client_text_max(in->client), piece, n;

	for (; at < end; at = paste_piece_next(in->line, piece, end)) {
		piece = paste_piece_end(in->line, at, end, max);
		memcpy(in->piece, prefix, plen);
		n = plen;
		if (plen == 0 && in->line[at] == '/')
			in->piece[n++] = '/';
		memcpy(in->piece + n, in->line + at, piece - at);
		n += piece - at;
		if (client_input(in->client, in->piece, n, now) !=
		    CLIENT_INPUT_DONE)
			break;
	}
	return at;
}

/*
 * A typed message longer than the server takes goes as several messages,
 * as a pasted one does.  Returns 0 if the line is not one (a command, or
 * short enough), else 1 with the line sent: what was not sent (a piece
 * refused, with a notice saying why) stays on the input line.
 */
static int
submit_long(struct input *in, size_t len, uint64_t now)
{
	char prefix[INPUT_PREFIX_MAX], dummy[1];
	size_t plen = 0, at, start;
	struct slash s;

	if (slash_parse(in->line, len, &s, NULL, 0) != SLASH_OK ||
	    s.text.len <= client_text_max(in->client) ||
	    client_state(in->client) != CLIENT_ONLINE)
		return 0;
	if (s.cmd == SLASH_ME) {
		memcpy(prefix, "/me ", 4);
		plen = 4;
	} else if (s.cmd == SLASH_MSG && s.arg.len <= PROTO_NAME_MAX) {
		memcpy(prefix, "/msg ", 5);
		memcpy(prefix + 5, s.arg.p, s.arg.len);
		plen = 5 + s.arg.len;
		prefix[plen++] = ' ';
	} else if (s.cmd != SLASH_MESSAGE) {
		return 0;
	}
	start = (size_t)(s.text.p - in->line);
	at = send_pieces(in, prefix, plen, start, len, now);
	if (at == start)
		return 1;
	/* Into the history whole; the line keeps only what did not go. */
	(void)editor_submit(in->ed, dummy, sizeof(dummy));
	if (at < len) {
		if (plen > 0)
			(void)editor_insert_utf8(in->ed, prefix, plen);
		else if (in->line[at] == '/')
			(void)editor_insert_utf8(in->ed, "/", 1);
		(void)editor_insert_utf8(in->ed, in->line + at, len - at);
	}
	return 1;
}

/* Enter: the line goes to the client; refused lines stay for editing. */
/* /search typed on the input line starts a search: 1 if it was that. */
static int
submit_search(struct input *in, size_t len)
{
	struct model *m = client_model(in->client);
	struct model_win *w = model_win_at(m, model_current(m));
	struct slash s;

	if (slash_parse(in->line, len, &s, NULL, 0) != SLASH_OK ||
	    s.cmd != SLASH_SEARCH)
		return 0;
	(void)editor_submit(in->ed, in->line, sizeof(in->line));
	search_start(in, w, &in->pane, s.text.p,
	    s.text.len < SEARCH_QUERY_MAX ? s.text.len : SEARCH_QUERY_MAX);
	return 1;
}

/*
 * "/login name password" and the like: the password typed in view is
 * neither sent nor kept, not even in the history.  Returns 1 if it was
 * such a line.
 */
static int
submit_password_typed(struct input *in, size_t len, uint64_t now)
{
	struct slash s;

	if (slash_parse(in->line, len, &s, NULL, 0) != SLASH_E_EXTRA ||
	    (s.cmd != SLASH_LOGIN && s.cmd != SLASH_REGISTER &&
	        s.cmd != SLASH_PASSWD))
		return 0;
	editor_clear(in->ed);
	account_wipe(in->line, len);
	model_info(client_model(in->client), current(in), now, MODEL_LINE_ERROR,
	    "not sent, and not kept: type the command alone (/login NAME); "
	    "the password is asked for next, and not shown");
	return 1;
}

static void
submit(struct input *in, uint64_t now)
{
	size_t len = editor_text_utf8(in->ed, in->line, sizeof(in->line));

	if (len == 0 || submit_password_typed(in, len, now) ||
	    submit_long(in, len, now))
		return;
	if (submit_search(in, len))
		return;
	if (client_input(in->client, in->line, len, now) == CLIENT_INPUT_DONE)
		(void)editor_submit(in->ed, in->line, sizeof(in->line));
}

/*
 * Asks about the paste held: its lines Enter sends (blank ones do not
 * count) and the messages they make.  Returns the lines.
 */
static size_t
paste_ask(struct input *in, int truncated)
{
	size_t lines = 0, i, end, pieces;
	char pieces_text[48] = "";

	for (i = 1; i < in->paste_len; i = end + 1) {
		end = paste_line_end(in->paste, in->paste_len, i);
		lines += !paste_blank(in->paste + i, end - i);
	}
	in->paste_lines = lines;
	pieces = paste_messages(
	    in->paste, in->paste_len, client_text_max(in->client));
	if (pieces > lines)
		snprintf(pieces_text, sizeof(pieces_text), " as %zu messages",
		    pieces);
	snprintf(in->question, sizeof(in->question),
	    "paste %zu line%s%s%s? Enter sends them, Escape cancels", lines,
	    lines == 1 ? "" : "s", pieces_text,
	    truncated ? " (cut at 64 KiB)" : "");
	return lines;
}

/*
 * Sends a confirmed paste line by line; blank lines are skipped, and a
 * line longer than the server takes goes as several messages rather than
 * not at all.  Each is a message, never a command: a pasted "/quit" must
 * not quit.  A piece starting with '/' is therefore handed over as
 * "//...", which client_input sends as the literal text; the extra '/'
 * goes over the byte before it (the LF before the line, a space cut away
 * or the end of a piece already sent), so nothing is copied.  What is not
 * sent (offline, or a piece refused, with a notice saying why) stays
 * held, and the question asks about the rest: a paste is never lost.
 */
static void
send_paste(struct input *in, uint64_t now)
{
	size_t max = client_text_max(in->client), i = 1, end, at, piece;

	if (client_state(in->client) != CLIENT_ONLINE) {
		model_info(client_model(in->client), current(in), now,
		    MODEL_LINE_ERROR,
		    "not connected: the paste waits; Enter sends it once "
		    "online, Escape drops it");
		return;
	}
	for (; i < in->paste_len; i = end + 1) {
		end = paste_line_end(in->paste, in->paste_len, i);
		if (paste_blank(in->paste + i, end - i))
			continue;
		for (at = i; at < end;
		     at = paste_piece_next(in->paste, piece, end)) {
			size_t from = at;
			char saved = in->paste[at - 1];

			piece = paste_piece_end(in->paste, at, end, max);
			if (in->paste[from] == '/')
				in->paste[--from] = '/';
			if (client_input(in->client, in->paste + from,
			        piece - from, now) == CLIENT_INPUT_DONE)
				continue;
			/* Keep the rest, from this piece on, LF in front. */
			in->paste[at - 1] = saved;
			memmove(
			    in->paste + 1, in->paste + at, in->paste_len - at);
			in->paste[0] = '\n';
			in->paste_len = 1 + in->paste_len - at;
			(void)paste_ask(in, 0);
			return;
		}
	}
	drop_paste(in);
}

/*
 * Copies the paste s[0..len) to out without the characters a message may
 * not hold (valid_forbidden: controls, bidi overrides, line separators):
 * the server would refuse the whole line for one invisible character.  A
 * tab becomes a space so the words it separated stay apart; LF stays, as
 * it separates the lines.  Bytes that are not UTF-8 go too.  The output is
 * never longer than the input; returns its length.
 */
static size_t
paste_clean(const char *s, size_t len, char *out)
{
	size_t i = 0, n = 0;
	uint32_t cp;
	int k;

	while (i < len) {
		k = utf8_decode(s + i, len - i, &cp);
		if (k < 0) {
			i++;
			continue;
		}
		if (cp == '\t') {
			out[n++] = ' ';
		} else if (cp == '\n' || !valid_forbidden(cp)) {
			memcpy(out + n, s + i, (size_t)k);
			n += (size_t)k;
		}
		i += (size_t)k;
	}
	return n;
}

/*
 * A paste has ended: one line goes into the input line, more wait for the
 * question to be answered.  Only the lines Enter would send count, so the
 * question says what Enter does, and a paste of blank lines does nothing.
 * Nothing is cut or dropped without a notice: a paste that does not fit
 * in the input line is refused whole, and one the key map cut says so.
 */
static void
paste_end(struct input *in, const struct keymap_action *a, uint64_t now)
{
	struct model *m = client_model(in->client);
	size_t lines = 0, len, i, end, first = 0, first_end = 0;
	char *text;

	/* One byte more for the LF in front that send_paste needs. */
	text = malloc(a->len + 1);
	if (text == NULL) {
		model_info(m, current(in), now, MODEL_LINE_ERROR,
		    "out of memory: the paste was not taken");
		return;
	}
	text[0] = '\n';
	len = paste_clean(a->text, a->len, text + 1);
	/* A trailing newline does not make another line. */
	while (len > 0 && text[len] == '\n')
		len--;
	/* From here on len counts the LF in front too, as paste_len does. */
	len++;
	for (i = 1; i < len; i = end + 1) {
		end = paste_line_end(text, len, i);
		if (!paste_blank(text + i, end - i) && lines++ == 0) {
			first = i;
			first_end = end;
		}
	}
	/* Without a newline even blank text is typed, as into any editor. */
	if (memchr(text + 1, '\n', len - 1) == NULL) {
		first = 1;
		first_end = len;
	}
	if (lines <= 1) {
		if (first_end > first &&
		    editor_insert_utf8(in->ed, text + first,
		        first_end - first) == EDITOR_E_FULL)
			model_info(m, current(in), now, MODEL_LINE_ERROR,
			    "the paste of %zu bytes does not fit in the input "
			    "line (at most %d characters): not inserted",
			    first_end - first, EDITOR_MAX);
		else if (a->truncated)
			model_info(m, current(in), now, MODEL_LINE_ERROR,
			    "the paste was cut at %d bytes", KEYMAP_PASTE_MAX);
		free(text);
		return;
	}
	drop_paste(in);
	in->paste = text;
	in->paste_len = len;
	(void)paste_ask(in, a->truncated);
}

static void
complete(struct input *in)
{
	struct model *m = client_model(in->client);
	struct model_win *w = model_win_at(m, model_current(m));
	const char *self = model_self(m), *name;
	size_t nmem = model_member_count(w), nwin = model_win_count(m);
	size_t need = nmem + 2 * nwin, i, nnick = 0, nchan = 0;
	struct complete_sources src;
	struct complete_edit edit;

	if (need > in->names_cap) {
		const char **p = realloc(in->names, need * sizeof(*p));

		if (p == NULL)
			return;
		in->names = p;
		in->names_cap = need;
	}
	/*
	 * Names: in a conversation, whom it is with; the window's members,
	 * most recent speaker first, but not this user; then the people of
	 * the other conversations.  Then channels.
	 */
	if (model_win_kind(w) == MODEL_WIN_DM)
		in->names[nnick++] = model_win_name(w);
	for (i = 0; i < nmem; i++) {
		name = model_member(w, i);
		if (!valid_name_equal(name, strlen(name), self, strlen(self)))
			in->names[nnick++] = name;
	}
	for (i = 0; i < nwin; i++) {
		struct model_win *cw = model_win_at(m, i);

		if (cw != w && model_win_kind(cw) == MODEL_WIN_DM)
			in->names[nnick++] = model_win_name(cw);
	}
	for (i = 0; i < nwin; i++) {
		struct model_win *cw = model_win_at(m, i);

		if (model_win_kind(cw) == MODEL_WIN_CHANNEL)
			in->names[nnick + nchan++] = model_win_name(cw);
	}
	memset(&src, 0, sizeof(src));
	src.nicks = in->names;
	src.n_nicks = nnick;
	src.channels = in->names + nnick;
	src.n_channels = nchan;
	src.commands = slash_names(&src.n_commands);
	if (complete_next(&in->comp, editor_text(in->ed), editor_len(in->ed),
	        editor_cursor(in->ed), &src, &edit))
		(void)editor_replace_utf8(
		    in->ed, edit.start, edit.end, edit.text, edit.len);
}

static void
go_window(struct input *in, size_t index)
{
	struct model *m = client_model(in->client);

	if (index < model_win_count(m))
		model_select(m, index);
}

static unsigned
editing(struct input *in, const struct keymap_action *a, uint64_t now)
{
	struct editor *ed = in->ed;

	switch (a->act) {
	case KEYMAP_INSERT:
		/* Said once, not at every key pressed against a full line. */
		if (editor_insert(ed, a->cp) == EDITOR_E_FULL &&
		    !in->full_noted) {
			in->full_noted = 1;
			model_info(client_model(in->client), current(in), now,
			    MODEL_LINE_ERROR,
			    "the input line is full (%d characters): Enter "
			    "sends it",
			    EDITOR_MAX);
		}
		break;
	case KEYMAP_LEFT:
		editor_left(ed);
		break;
	case KEYMAP_RIGHT:
		editor_right(ed);
		break;
	case KEYMAP_HOME:
		editor_home(ed);
		break;
	case KEYMAP_END:
		editor_end(ed);
		break;
	case KEYMAP_WORD_LEFT:
		editor_word_left(ed);
		break;
	case KEYMAP_WORD_RIGHT:
		editor_word_right(ed);
		break;
	case KEYMAP_DELETE:
		editor_delete(ed);
		break;
	case KEYMAP_BACKSPACE:
		editor_backspace(ed);
		break;
	case KEYMAP_KILL_RUBOUT:
		editor_kill_rubout(ed);
		break;
	case KEYMAP_KILL_WORD_BACK:
		editor_kill_word_back(ed);
		break;
	case KEYMAP_KILL_WORD_FORWARD:
		editor_kill_word_forward(ed);
		break;
	case KEYMAP_KILL_TO_END:
		editor_kill_to_end(ed);
		break;
	case KEYMAP_KILL_TO_START:
		editor_kill_to_start(ed);
		break;
	case KEYMAP_YANK:
		if (editor_yank(ed) == EDITOR_E_FULL)
			model_info(client_model(in->client), current(in), now,
			    MODEL_LINE_ERROR,
			    "the killed text does not fit in the input line "
			    "(at most %d characters): not inserted",
			    EDITOR_MAX);
		break;
	case KEYMAP_TRANSPOSE:
		editor_transpose(ed);
		break;
	case KEYMAP_HISTORY_PREV:
		(void)editor_history_prev(ed);
		break;
	case KEYMAP_HISTORY_NEXT:
		(void)editor_history_next(ed);
		break;
	default:
		return 0;
	}
	return INPUT_DRAW;
}

/*
 * Scrolling up reached the oldest line of w: the client may ask for older
 * ones, and the row saying so (or that there are none) shows at the top.
 */
static void
scrolled_top(struct input *in, struct model_win *w,
    const struct input_pane *pane, uint64_t now)
{
	if (!layout_shows_top(w, pane->width, pane->height))
		return;
	client_scrolled_top(in->client, w, now);
	layout_scroll_top(w, pane->width, pane->height);
}

/*
 * A key while the client asks for a password: typing goes into the
 * secret, unseen; Enter hands it over and Escape or Ctrl-C cancels; keys
 * that only move the view or switch windows work as usual (returns 0 for
 * those), and everything else (history, completion, search, yank) does
 * nothing, so the password never reaches the editor.
 */
static unsigned
secret_key(struct input *in, const struct keymap_action *a, uint64_t now)
{
	struct account_secret *s = &in->secret;

	switch (a->act) {
	case KEYMAP_INSERT:
		(void)account_secret_insert(s, a->cp);
		break;
	case KEYMAP_BACKSPACE:
		account_secret_backspace(s);
		break;
	case KEYMAP_KILL_TO_START:
	case KEYMAP_KILL_RUBOUT:
	case KEYMAP_KILL_WORD_BACK:
		account_secret_wipe(s);
		break;
	case KEYMAP_PASTE_END:
		if (account_secret_paste(s, a->text, a->len) < 0)
			model_info(client_model(in->client), current(in), now,
			    MODEL_LINE_ERROR,
			    "the paste is not a password the server takes (too "
			    "long, or a control character): not taken");
		break;
	case KEYMAP_SUBMIT:
		client_secret(in->client, s->buf, s->len, now);
		account_secret_wipe(s);
		break;
	case KEYMAP_CANCEL:
	case KEYMAP_QUIT_REQUEST:
		account_secret_wipe(s);
		client_secret_cancel(in->client, now);
		break;
	case KEYMAP_RESIZE:
	case KEYMAP_REDRAW:
	case KEYMAP_PAGE_UP:
	case KEYMAP_PAGE_DOWN:
	case KEYMAP_SCROLL_TOP:
	case KEYMAP_SCROLL_BOTTOM:
	case KEYMAP_CHANNEL_GOTO:
	case KEYMAP_CHANNEL_NEXT:
	case KEYMAP_CHANNEL_PREV:
	case KEYMAP_CHANNEL_ACTIVITY:
		return 0;
	default:
		break;
	}
	return INPUT_DRAW;
}

unsigned
input_apply(struct input *in, const struct keymap_action *a,
    const struct input_pane *pane, uint64_t now)
{
	struct model *m = client_model(in->client);
	struct model_win *w = model_win_at(m, model_current(m));
	size_t n = model_win_count(m), cur = model_current(m);
	unsigned done;

	if (client_secret_prompt(in->client) != NULL) {
		in->pane = *pane;
		done = secret_key(in, a, now);
		if (done != 0)
			return done;
	} else if (in->secret.len > 0) {
		/* The question went (the client closed it): so does this. */
		account_secret_wipe(&in->secret);
	}
	if (a->act != KEYMAP_COMPLETE)
		complete_reset(&in->comp);
	if (a->act != KEYMAP_QUIT_REQUEST && in->quit_armed) {
		in->quit_armed = 0;
		in->question[0] = '\0';
	}
	if (editor_len(in->ed) < EDITOR_MAX)
		in->full_noted = 0;
	in->pane = *pane;
	if (in->search.active && w != in->search_win)
		search_accept(&in->search);
	if (in->search.active && search_key(in, a, w, pane))
		return INPUT_DRAW;
	if (a->act == KEYMAP_SEARCH_BACK && in->paste == NULL) {
		search_start(in, w, pane, "", 0);
		return INPUT_DRAW;
	}
	if (in->paste != NULL) {
		/*
		 * Only Enter, Escape and Ctrl-C answer the paste question,
		 * and the answer is all they do: falling through, Enter would
		 * also send the draft on the input line, and Ctrl-C would arm
		 * quitting when the user only wants the paste gone.
		 */
		if (a->act == KEYMAP_SUBMIT) {
			send_paste(in, now);
			return INPUT_DRAW;
		}
		if (a->act == KEYMAP_CANCEL || a->act == KEYMAP_QUIT_REQUEST) {
			drop_paste(in);
			return INPUT_DRAW;
		}
		/* Another paste now would be lost without a word. */
		if (a->act == KEYMAP_PASTE_END) {
			model_info(m, w, now, MODEL_LINE_ERROR,
			    "a paste is waiting for Enter or Escape: the new "
			    "paste of %zu bytes was not taken",
			    a->len);
			return INPUT_DRAW;
		}
		if (a->act != KEYMAP_RESIZE && a->act != KEYMAP_REDRAW)
			return 0;
	}
	done = editing(in, a, now);
	if (done != 0)
		return done;
	switch (a->act) {
	case KEYMAP_SUBMIT:
		submit(in, now);
		break;
	case KEYMAP_COMPLETE:
		complete(in);
		break;
	case KEYMAP_REDRAW:
		return INPUT_DRAW | INPUT_REPAINT;
	case KEYMAP_PAGE_UP:
		layout_scroll(w, pane->width, pane->height,
		    -(long)(pane->height > 2 ? pane->height - 1 : 1));
		/* At the oldest line: older ones come from the server. */
		scrolled_top(in, w, pane, now);
		break;
	case KEYMAP_PAGE_DOWN:
		layout_scroll(w, pane->width, pane->height,
		    pane->height > 2 ? pane->height - 1 : 1);
		break;
	case KEYMAP_SCROLL_TOP:
		layout_scroll_top(w, pane->width, pane->height);
		scrolled_top(in, w, pane, now);
		break;
	case KEYMAP_SCROLL_BOTTOM:
		layout_scroll_bottom(w);
		break;
	case KEYMAP_CHANNEL_GOTO:
		go_window(in, (size_t)a->channel);
		break;
	case KEYMAP_CHANNEL_NEXT:
		go_window(in, (cur + 1) % n);
		break;
	case KEYMAP_CHANNEL_PREV:
		go_window(in, (cur + n - 1) % n);
		break;
	case KEYMAP_CHANNEL_ACTIVITY:
		go_window(in, model_next_activity(m));
		break;
	case KEYMAP_QUIT_REQUEST:
		if (in->quit_armed && now < in->quit_until) {
			in->quit_armed = 0;
			return INPUT_QUIT;
		}
		in->quit_armed = 1;
		in->quit_until = now + INPUT_QUIT_WINDOW_MS;
		snprintf(in->question, sizeof(in->question),
		    "press Ctrl-C again to quit");
		break;
	case KEYMAP_CANCEL:
	case KEYMAP_RESIZE:
	case KEYMAP_PASTE_BEGIN:
		break;
	case KEYMAP_PASTE_END:
		paste_end(in, a, now);
		break;
	default:
		return 0;
	}
	return INPUT_DRAW;
}

uint64_t
input_deadline(const struct input *in)
{
	return in->quit_armed ? in->quit_until : UINT64_MAX;
}

unsigned
input_tick(struct input *in, uint64_t now)
{
	if (!in->quit_armed || now < in->quit_until)
		return 0;
	in->quit_armed = 0;
	in->question[0] = '\0';
	return INPUT_DRAW;
}

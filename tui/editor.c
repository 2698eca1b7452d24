/* editor.c: the input line editor: emacs keys, kill buffer, history, view. */
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "editor.h"
#include "utf8.h"
#include "valid.h"
#include "width.h"

struct editor {
	uint32_t line[EDITOR_MAX];
	size_t len;
	size_t cursor;
	/* First code point of the view; see editor_view(). */
	size_t scroll;

	uint32_t kill[EDITOR_MAX];
	size_t kill_len;
	/* The previous operation was a kill, so the next one adds to it. */
	int last_kill;

	/* A ring of malloc'd entries, oldest at hist_first. */
	uint32_t *hist[EDITOR_HISTORY_MAX];
	size_t hist_len[EDITOR_HISTORY_MAX];
	/*
	 * An entry edited and then left, as readline keeps it until the next
	 * Enter: NULL if unedited.  Same slots as hist.
	 */
	uint32_t *edit[EDITOR_HISTORY_MAX];
	size_t edit_len[EDITOR_HISTORY_MAX];
	size_t hist_first;
	size_t hist_count;
	/* Entry shown, 0 to hist_count; hist_count is the line being typed. */
	size_t hist_pos;
	/* The line being typed, kept while history entries are shown. */
	uint32_t saved[EDITOR_MAX];
	size_t saved_len;
};

/* Code points the line may never hold: what the server would refuse. */
static int
editor_refused(uint32_t cp)
{
	return cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
	    valid_forbidden(cp);
}

static size_t
editor_cp_bytes(uint32_t cp)
{
	if (cp < 0x80)
		return 1;
	if (cp < 0x800)
		return 2;
	if (cp < 0x10000)
		return 3;
	return 4;
}

/* Letters and digits, as readline's rl_walphabetic() in a UTF-8 locale. */
static int
editor_is_word(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		    (cp >= 'A' && cp <= 'Z');
	return iswalnum((wint_t)cp) != 0;
}

static int
editor_is_space(uint32_t cp)
{
	if (cp < 0x80)
		return cp == ' ';
	return iswspace((wint_t)cp) != 0;
}

struct editor *
editor_new(void)
{
	return calloc(1, sizeof(struct editor));
}

void
editor_free(struct editor *ed)
{
	size_t i;

	if (ed == NULL)
		return;
	for (i = 0; i < EDITOR_HISTORY_MAX; i++) {
		free(ed->hist[i]);
		free(ed->edit[i]);
	}
	free(ed);
}

const uint32_t *
editor_text(const struct editor *ed)
{
	return ed->line;
}

size_t
editor_len(const struct editor *ed)
{
	return ed->len;
}

size_t
editor_cursor(const struct editor *ed)
{
	return ed->cursor;
}

/* Opens a gap of n code points at the cursor; the caller checked room. */
static void
editor_open(struct editor *ed, size_t n)
{
	memmove(ed->line + ed->cursor + n, ed->line + ed->cursor,
	    (ed->len - ed->cursor) * sizeof(uint32_t));
	ed->len += n;
}

/* Removes [start, end) and leaves the cursor at start. */
static void
editor_cut(struct editor *ed, size_t start, size_t end)
{
	memmove(ed->line + start, ed->line + end,
	    (ed->len - end) * sizeof(uint32_t));
	ed->len -= end - start;
	ed->cursor = start;
}

int
editor_insert(struct editor *ed, uint32_t cp)
{
	ed->last_kill = 0;
	if (editor_refused(cp))
		return EDITOR_E_CHAR;
	if (ed->len >= EDITOR_MAX)
		return EDITOR_E_FULL;
	editor_open(ed, 1);
	ed->line[ed->cursor++] = cp;
	return EDITOR_OK;
}

/*
 * Decodes s[0..len) into out (NULL: only counts), dropping invalid bytes
 * and refused code points.  Returns the code points kept.  Counting first
 * and decoding in place after needs no scratch copy of a 256 KiB line.
 */
static size_t
editor_decode(const char *s, size_t len, uint32_t *out)
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
		i += (size_t)k;
		if (editor_refused(cp))
			continue;
		if (out != NULL)
			out[n] = cp;
		n++;
	}
	return n;
}

int
editor_insert_utf8(struct editor *ed, const char *s, size_t len)
{
	size_t n;

	ed->last_kill = 0;
	n = editor_decode(s, len, NULL);
	if (n > EDITOR_MAX - ed->len)
		return EDITOR_E_FULL;
	editor_open(ed, n);
	(void)editor_decode(s, len, ed->line + ed->cursor);
	ed->cursor += n;
	return EDITOR_OK;
}

int
editor_replace_utf8(
    struct editor *ed, size_t start, size_t end, const char *s, size_t len)
{
	size_t n;

	ed->last_kill = 0;
	if (end > ed->len)
		end = ed->len;
	if (start > end)
		start = end;
	n = editor_decode(s, len, NULL);
	if (n > EDITOR_MAX - (ed->len - (end - start)))
		return EDITOR_E_FULL;
	editor_cut(ed, start, end);
	editor_open(ed, n);
	(void)editor_decode(s, len, ed->line + start);
	ed->cursor = start + n;
	return EDITOR_OK;
}

void
editor_left(struct editor *ed)
{
	ed->last_kill = 0;
	if (ed->cursor > 0)
		ed->cursor--;
}

void
editor_right(struct editor *ed)
{
	ed->last_kill = 0;
	if (ed->cursor < ed->len)
		ed->cursor++;
}

void
editor_home(struct editor *ed)
{
	ed->last_kill = 0;
	ed->cursor = 0;
}

void
editor_end(struct editor *ed)
{
	ed->last_kill = 0;
	ed->cursor = ed->len;
}

/* Where emacs' backward-word would go from the cursor. */
static size_t
editor_word_start(const struct editor *ed)
{
	size_t i = ed->cursor;

	while (i > 0 && !editor_is_word(ed->line[i - 1]))
		i--;
	while (i > 0 && editor_is_word(ed->line[i - 1]))
		i--;
	return i;
}

/* Where emacs' forward-word would go from the cursor. */
static size_t
editor_word_end(const struct editor *ed)
{
	size_t i = ed->cursor;

	while (i < ed->len && !editor_is_word(ed->line[i]))
		i++;
	while (i < ed->len && editor_is_word(ed->line[i]))
		i++;
	return i;
}

void
editor_word_left(struct editor *ed)
{
	ed->last_kill = 0;
	ed->cursor = editor_word_start(ed);
}

void
editor_word_right(struct editor *ed)
{
	ed->last_kill = 0;
	ed->cursor = editor_word_end(ed);
}

void
editor_delete(struct editor *ed)
{
	ed->last_kill = 0;
	if (ed->cursor < ed->len)
		editor_cut(ed, ed->cursor, ed->cursor + 1);
}

void
editor_backspace(struct editor *ed)
{
	ed->last_kill = 0;
	if (ed->cursor > 0)
		editor_cut(ed, ed->cursor - 1, ed->cursor);
}

/*
 * Moves [start, end) to the kill buffer, in front of what an immediately
 * preceding kill left there if backward, behind it if forward.  As in
 * readline, an empty range leaves the buffer alone but still counts as a
 * kill.  The buffer cannot overflow: consecutive kills only take text out
 * of one line that has not grown since the first of them.
 */
static void
editor_kill(struct editor *ed, size_t start, size_t end, int backward)
{
	size_t n = end - start;

	if (n > 0) {
		if (!ed->last_kill)
			ed->kill_len = 0;
		if (n > EDITOR_MAX - ed->kill_len)
			n = EDITOR_MAX - ed->kill_len;
		if (backward) {
			memmove(ed->kill + n, ed->kill,
			    ed->kill_len * sizeof(uint32_t));
			memcpy(
			    ed->kill, ed->line + end - n, n * sizeof(uint32_t));
		} else {
			memcpy(ed->kill + ed->kill_len, ed->line + start,
			    n * sizeof(uint32_t));
		}
		ed->kill_len += n;
		editor_cut(ed, start, end);
	}
	ed->last_kill = 1;
}

void
editor_kill_rubout(struct editor *ed)
{
	size_t i = ed->cursor;

	while (i > 0 && editor_is_space(ed->line[i - 1]))
		i--;
	while (i > 0 && !editor_is_space(ed->line[i - 1]))
		i--;
	editor_kill(ed, i, ed->cursor, 1);
}

void
editor_kill_word_back(struct editor *ed)
{
	editor_kill(ed, editor_word_start(ed), ed->cursor, 1);
}

void
editor_kill_word_forward(struct editor *ed)
{
	editor_kill(ed, ed->cursor, editor_word_end(ed), 0);
}

void
editor_kill_to_end(struct editor *ed)
{
	editor_kill(ed, ed->cursor, ed->len, 0);
}

void
editor_kill_to_start(struct editor *ed)
{
	editor_kill(ed, 0, ed->cursor, 1);
}

int
editor_yank(struct editor *ed)
{
	ed->last_kill = 0;
	if (ed->kill_len > EDITOR_MAX - ed->len)
		return EDITOR_E_FULL;
	editor_open(ed, ed->kill_len);
	memcpy(
	    ed->line + ed->cursor, ed->kill, ed->kill_len * sizeof(uint32_t));
	ed->cursor += ed->kill_len;
	return EDITOR_OK;
}

void
editor_transpose(struct editor *ed)
{
	uint32_t t;

	ed->last_kill = 0;
	if (ed->cursor == 0 || ed->len < 2)
		return;
	if (ed->cursor == ed->len)
		ed->cursor--;
	t = ed->line[ed->cursor - 1];
	ed->line[ed->cursor - 1] = ed->line[ed->cursor];
	ed->line[ed->cursor] = t;
	ed->cursor++;
}

void
editor_clear(struct editor *ed)
{
	ed->last_kill = 0;
	ed->len = 0;
	ed->cursor = 0;
}

/* Replaces the line with p[0..n) and puts the cursor at its end. */
static void
editor_load(struct editor *ed, const uint32_t *p, size_t n)
{
	memcpy(ed->line, p, n * sizeof(uint32_t));
	ed->len = n;
	ed->cursor = n;
}

/* The history entry at logical index i, 0 being the oldest. */
static size_t
editor_hist_slot(const struct editor *ed, size_t i)
{
	return (ed->hist_first + i) % EDITOR_HISTORY_MAX;
}

/*
 * Keeps the line shown, before moving away from it: the line being typed
 * in saved, a recalled entry's changes in its edit slot.  An edit that
 * cannot be kept (out of memory) is lost, as it was before edits were.
 */
static void
editor_history_leave(struct editor *ed)
{
	size_t slot, n = ed->len * sizeof(uint32_t);
	uint32_t *copy;

	if (ed->hist_pos == ed->hist_count) {
		memcpy(ed->saved, ed->line, n);
		ed->saved_len = ed->len;
		return;
	}
	slot = editor_hist_slot(ed, ed->hist_pos);
	if (ed->edit[slot] == NULL && ed->hist_len[slot] == ed->len &&
	    memcmp(ed->hist[slot], ed->line, n) == 0)
		return;
	copy = malloc(n > 0 ? n : 1);
	if (copy == NULL)
		return;
	memcpy(copy, ed->line, n);
	free(ed->edit[slot]);
	ed->edit[slot] = copy;
	ed->edit_len[slot] = ed->len;
}

/* Shows the entry at hist_pos: its edit if it has one. */
static void
editor_history_show(struct editor *ed)
{
	size_t slot;

	if (ed->hist_pos == ed->hist_count) {
		editor_load(ed, ed->saved, ed->saved_len);
		return;
	}
	slot = editor_hist_slot(ed, ed->hist_pos);
	if (ed->edit[slot] != NULL)
		editor_load(ed, ed->edit[slot], ed->edit_len[slot]);
	else
		editor_load(ed, ed->hist[slot], ed->hist_len[slot]);
}

int
editor_history_prev(struct editor *ed)
{
	ed->last_kill = 0;
	if (ed->hist_pos == 0)
		return 0;
	editor_history_leave(ed);
	ed->hist_pos--;
	editor_history_show(ed);
	return 1;
}

int
editor_history_next(struct editor *ed)
{
	ed->last_kill = 0;
	if (ed->hist_pos == ed->hist_count)
		return 0;
	editor_history_leave(ed);
	ed->hist_pos++;
	editor_history_show(ed);
	return 1;
}

size_t
editor_history_count(const struct editor *ed)
{
	return ed->hist_count;
}

/* Appends p[0..n) to the history unless empty or a repeat. */
static void
editor_history_add(struct editor *ed, const uint32_t *p, size_t n)
{
	size_t slot;
	uint32_t *copy;

	if (n == 0)
		return;
	if (ed->hist_count > 0) {
		slot = editor_hist_slot(ed, ed->hist_count - 1);
		if (ed->hist_len[slot] == n &&
		    memcmp(ed->hist[slot], p, n * sizeof(uint32_t)) == 0)
			return;
	}
	copy = malloc(n * sizeof(uint32_t));
	if (copy == NULL)
		return;
	memcpy(copy, p, n * sizeof(uint32_t));
	if (ed->hist_count == EDITOR_HISTORY_MAX) {
		free(ed->hist[ed->hist_first]);
		ed->hist[ed->hist_first] = NULL;
		free(ed->edit[ed->hist_first]);
		ed->edit[ed->hist_first] = NULL;
		ed->hist_first = (ed->hist_first + 1) % EDITOR_HISTORY_MAX;
		ed->hist_count--;
	}
	slot = editor_hist_slot(ed, ed->hist_count);
	ed->hist[slot] = copy;
	ed->hist_len[slot] = n;
	ed->hist_count++;
}

size_t
editor_text_utf8(const struct editor *ed, char *buf, size_t size)
{
	size_t i, n = 0;
	char tmp[4];
	int k;

	for (i = 0; i < ed->len; i++) {
		k = utf8_encode(ed->line[i], tmp);
		if ((size_t)k > size - 1 - n)
			break;
		memcpy(buf + n, tmp, (size_t)k);
		n += (size_t)k;
	}
	buf[n] = '\0';
	return n;
}

size_t
editor_submit(struct editor *ed, char *buf, size_t size)
{
	size_t n = editor_text_utf8(ed, buf, size), i;

	/* Edits of recalled entries last until Enter, as in readline. */
	for (i = 0; i < EDITOR_HISTORY_MAX; i++) {
		free(ed->edit[i]);
		ed->edit[i] = NULL;
	}
	/*
	 * Readline forgets the line that was being typed when a recalled
	 * entry is sent; here it goes into the history first, one Up older
	 * than the entry sent, so what was typed is never lost.
	 */
	if (ed->hist_pos != ed->hist_count)
		editor_history_add(ed, ed->saved, ed->saved_len);
	editor_history_add(ed, ed->line, ed->len);
	ed->hist_pos = ed->hist_count;
	ed->saved_len = 0;
	editor_clear(ed);
	ed->scroll = 0;
	return n;
}

size_t
editor_utf8_len(const struct editor *ed)
{
	size_t i, n = 0;

	for (i = 0; i < ed->len; i++)
		n += editor_cp_bytes(ed->line[i]);
	return n;
}

size_t
editor_limit_index(const struct editor *ed, size_t from, size_t limit)
{
	size_t i, n = 0;

	for (i = from; i < ed->len; i++) {
		n += editor_cp_bytes(ed->line[i]);
		if (n > limit)
			return i;
	}
	return ed->len;
}

/* Columns of the code point at i. */
static size_t
editor_cols(const struct editor *ed, size_t i)
{
	return (size_t)width_cp(ed->line[i]);
}

void
editor_view(struct editor *ed, int width, struct editor_view *view)
{
	size_t w = width < 1 ? 1 : (size_t)width;
	size_t i, cols, cell, tail;

	if (ed->scroll > ed->cursor)
		ed->scroll = ed->cursor;

	/* The cursor's cell, wide enough for the code point under it. */
	cell = 1;
	if (ed->cursor < ed->len && editor_cols(ed, ed->cursor) > 1)
		cell = editor_cols(ed, ed->cursor);
	if (cell > w)
		cell = w;
	cols = 0;
	for (i = ed->scroll; i < ed->cursor; i++)
		cols += editor_cols(ed, i);
	while (cols + cell > w && ed->scroll < ed->cursor)
		cols -= editor_cols(ed, ed->scroll++);

	/*
	 * Pull text back in from the left while the rest of the line and a
	 * cell for a cursor at its end fit: a line shortened at its end
	 * shows what is left, not a blank field.  This depends only on the
	 * text, so moving the cursor inside the view never scrolls it.
	 */
	tail = 1;
	for (i = ed->scroll; i < ed->len; i++)
		tail += editor_cols(ed, i);
	while (ed->scroll > 0 && tail + editor_cols(ed, ed->scroll - 1) <= w)
		tail += editor_cols(ed, --ed->scroll);

	/* A combining mark cut off from its base would show on its own. */
	while (ed->scroll < ed->cursor && editor_cols(ed, ed->scroll) == 0)
		ed->scroll++;

	view->first = ed->scroll;
	cols = 0;
	view->cursor_col = 0;
	for (i = ed->scroll; i < ed->len; i++) {
		if (i == ed->cursor)
			view->cursor_col = (int)cols;
		if (cols + editor_cols(ed, i) > w)
			break;
		cols += editor_cols(ed, i);
	}
	view->end = i;
	if (ed->cursor >= i)
		view->cursor_col = (int)cols;
}

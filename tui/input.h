/* input.h: what each key action does to the input line, the view and the
 * client. */
#ifndef TUI_INPUT_H
#define TUI_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "editor.h"
#include "keymap.h"

/*
 * The decisions behind every key, apart from the terminal: editing, Enter,
 * Tab completion, paging, window switching, the confirmation of a
 * multi-line paste and of Ctrl-C.  ui.c feeds it the actions keymap.c
 * makes and draws what it says.
 */

/* What input_apply asks of the drawer, as bits. */
#define INPUT_DRAW    1 /* something shown changed */
#define INPUT_REPAINT 2 /* repaint the whole screen (Ctrl-L) */
#define INPUT_QUIT    4 /* the user confirmed quitting */

/* The message pane, for paging. */
struct input_pane {
	int width;
	int height;
};

struct input;

/* Input for client c (borrowed; it must outlive the input).  NULL on ENOMEM. */
struct input *input_new(struct client *c);
void input_free(struct input *in);

/* The line editor, for drawing. */
struct editor *input_editor(const struct input *in);

/* Applies one action; returns INPUT_* bits. */
unsigned input_apply(struct input *in, const struct keymap_action *a,
    const struct input_pane *pane, uint64_t now);

/*
 * A question waiting for a key (a paste to confirm, Ctrl-C to repeat), to
 * show instead of the prompt; NULL if none.  Owned by the input.
 */
const char *input_question(const struct input *in);

struct search;
/*
 * The search under way (Ctrl-R, /search; see search.h), for highlighting
 * its matches, or NULL.  Owned by the input.
 */
const struct search *input_search(const struct input *in);

/*
 * Ctrl-C quits when pressed twice within INPUT_QUIT_WINDOW_MS; after that
 * the first press is forgotten and its question goes.  input_deadline()
 * says when (UINT64_MAX: nothing pending); at that time the caller calls
 * input_tick(), which returns INPUT_* bits.
 */
#define INPUT_QUIT_WINDOW_MS 3000
uint64_t input_deadline(const struct input *in);
unsigned input_tick(struct input *in, uint64_t now);

#endif

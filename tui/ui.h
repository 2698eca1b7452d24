/* ui.h: the terminal: ncurses set-up, reading keys, drawing the model. */
#ifndef TUI_UI_H
#define TUI_UI_H

#include <stdint.h>

#include "client.h"
#include "input.h"

/*
 * Everything that touches ncurses is here.  The screen: the channel list
 * on the left (its width, and below which width it hides, come from
 * layout_screen()), the messages of the current window, a status line and
 * the input line.
 */
/* Milliseconds ncurses waits after ESC for the rest of a key. */
#define UI_ESCDELAY 25
/* Milliseconds between frames while lines pour in; keys draw at once. */
#define UI_FRAME_MS 16
/*
 * Messages on their way (sent, not yet echoed) from which the status line
 * counts them: fewer are the usual round trip, not worth a flicker.
 */
#define UI_UNSENT_SHOWN 3

struct ui;

/*
 * Takes over the terminal (wide-char ncurses, raw keys, no echo,
 * non-blocking reads, bracketed paste on) to show client c with input in.
 * Returns NULL if the terminal cannot be used.
 */
/* ui_new flags: no colours; ASCII only (the locale is not UTF-8). */
#define UI_NO_COLOR 1
#define UI_ASCII    2

struct ui *ui_new(struct client *c, struct input *in, unsigned flags);
/*
 * Whether the terminal (TERM) can run the full screen: it is known and
 * can address the cursor (terminfo cup).  Called before ui_new, which
 * would otherwise take over a terminal it cannot draw on.  Returns 0, or
 * -1 with the reason in err[size].
 */
int ui_check_terminal(char *err, size_t size);
/* Gives the terminal back as it was (NULL does nothing). */
void ui_free(struct ui *u);

/*
 * Reads every key waiting (until wget_wch() says none) and applies them.
 * Returns the INPUT_* bits of all of them.
 */
unsigned ui_read_keys(struct ui *u, uint64_t now);
/* Non-zero while the key map waits for the rest of a paste or sequence. */
int ui_keys_waiting(const struct ui *u);
/* No key came for KEYMAP_TIMEOUT_MS while waiting; returns INPUT_* bits. */
unsigned ui_keys_timeout(struct ui *u, uint64_t now);

/* The terminal changed size: asks the kernel for the new one. */
void ui_resize(struct ui *u);
/* Draws everything that changed; repaint redraws the whole screen. */
void ui_draw(struct ui *u, uint64_t now, int repaint);

#endif

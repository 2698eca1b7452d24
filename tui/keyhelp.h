/* keyhelp.h: the lines /help shows about keys. */
#ifndef TUI_KEYHELP_H
#define TUI_KEYHELP_H

#include <stddef.h>

/*
 * The key help, one line each, static; *n gets their number.  It names
 * the keys keymap.c binds; the two change together.
 */
const char *const *keyhelp_lines(size_t *n);

#endif

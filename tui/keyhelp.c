/* keyhelp.c: the lines /help shows about keys. */
#include "keyhelp.h"

static const char *const keyhelp_text[] = {
    "keys:",
    "  Alt-1 .. Alt-9, Alt-0  show window 1 to 9, and 10",
    "  Alt-Q .. Alt-P  show window 11 to 20 (the row below the digits)",
    "  Ctrl-N, Ctrl-P  next and previous window",
    "  Alt-Right, Alt-Left  next and previous window",
    "  Alt-A  next window with a mention, else with unread messages",
    "  PgUp, PgDn  scroll back and forward",
    "  Alt-Home, Alt-End  oldest and newest line",
    "  Ctrl-L  redraw the screen",
    "  Alt-L  bare display: the lines alone, to select URLs (any key: back)",
    "  Ctrl-R  search back (again: older); Ctrl-S or Down  newer",
    "  in a search: Up  older; Enter  stay there; Escape  back",
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

const char *const *
keyhelp_lines(size_t *n)
{
	*n = sizeof(keyhelp_text) / sizeof(keyhelp_text[0]);
	return keyhelp_text;
}

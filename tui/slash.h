/* slash.h: parsing of typed lines into messages and slash commands. */
#ifndef TUI_SLASH_H
#define TUI_SLASH_H

#include <stddef.h>

#include "proto.h"

/* Bytes of an error explanation, counting the terminator. */
#define SLASH_ERR_MAX 128

enum slash_cmd {
	SLASH_NONE,    /* an empty line, or an unknown command */
	SLASH_MESSAGE, /* text: the message ("//x" gives "/x") */
	SLASH_JOIN,    /* arg: channel name or id; text: a key, or empty */
	SLASH_CREATE,  /* arg: channel name */
	SLASH_LEAVE,   /* arg: channel, or empty for the current one */
	SLASH_LIST,
	SLASH_NAMES, /* /names or /who; arg: channel, or empty */
	SLASH_NICK,  /* arg: the new name */
	SLASH_MSG,   /* arg: user name; text: the message */
	SLASH_QUERY, /* arg: user name; text: a first message, or empty */
	SLASH_ME,    /* text: the action */
	SLASH_CLEAR,
	SLASH_WINDOW, /* arg: the window's number, as the list shows it */
	SLASH_SEARCH, /* text: what to search for in the scrollback, or empty */
	SLASH_HELP,   /* arg: a command name, or empty for all */
	SLASH_QUIT,   /* text: the reason, or empty */
	/* Accounts; the password is asked for on its own, never typed here. */
	SLASH_LOGIN,    /* arg: the account, or empty for the configured one */
	SLASH_REGISTER, /* arg: the name, or empty for the current one */
	SLASH_PASSWD,
	SLASH_TOPIC, /* text: the new topic, or empty to show it */
	SLASH_AWAY,  /* text: the away text, or empty (back) */
	SLASH_BACK,
	SLASH_KICK,     /* arg: the user; text: a reason, or empty */
	SLASH_KEY,      /* arg: the channel's new key, or empty to remove it */
	SLASH_IGNORE,   /* arg: a name to ignore, or empty to list them */
	SLASH_UNIGNORE, /* arg: a name ignored */
	SLASH_FILTER,   /* text: "joins MODE", or empty to show this window's */
	SLASH_COPY,     /* arg: which URL, 1 for the latest, or empty */
	SLASH_URLS,
};

enum slash_error {
	SLASH_OK = 0,
	SLASH_E_UNKNOWN, /* no such command */
	SLASH_E_MISSING, /* a required argument is missing */
	SLASH_E_EXTRA    /* more arguments than the command takes */
};

/*
 * A parsed line.  The slices borrow from the parsed line; absent ones are
 * empty.  Arguments never hold spaces; text is the rest of the line after
 * the spaces that separate it, kept as typed.
 */
struct slash {
	enum slash_cmd cmd;
	struct slice arg;
	struct slice text;
};

/*
 * Parses line[0..len).  A line not starting with '/' is a message.  Command
 * names are case-insensitive and exact (no prefixes).  Returns SLASH_OK, or
 * an error with a one-line explanation in err[0..errsize) (NUL-terminated,
 * cut if short; err may be NULL if errsize is 0).  On error out->cmd is
 * the command if it was known, else SLASH_NONE.
 */
enum slash_error slash_parse(
    const char *line, size_t len, struct slash *out, char *err, size_t errsize);

/*
 * Where in line[0..len) the text that goes out as a message starts: the
 * whole of a plain line, after the first '/' of "//x", after "/me " or
 * "/msg name ".  Stores it in *start and returns 0, or returns -1 if the
 * line sends no message text (another command, or not yet a whole one).
 */
int slash_text_start(const char *line, size_t len, size_t *start);

/* Digits of a /window number. */
#define SLASH_WINDOW_DIGITS 3

/*
 * The window number in arg[0..len) (1 for the first): 1 to 999, or 0 if it
 * is not a number of at most SLASH_WINDOW_DIGITS digits.
 */
unsigned slash_window_number(const char *arg, size_t len);

/*
 * The command names without '/', in /help order, aliases included: a
 * static table, for completion.  Stores their number in *n.
 */
const char *const *slash_names(size_t *n);

/*
 * The one-line usage of the command name[0..len) (a leading '/' and case
 * do not matter), such as "/join <name|id>  join a channel by name or
 * id": a static string, or NULL for an unknown name.
 */
const char *slash_usage(const char *name, size_t len);

#endif

/* slash.c: parsing of typed lines into messages and slash commands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "slash.h"

/* Bytes of an unknown command's name quoted in an error. */
#define SLASH_QUOTE_MAX 32

/* What follows a command's name. */
enum slash_shape {
	SLASH_ARGS_NONE,     /* nothing */
	SLASH_ARGS_ONE,      /* exactly one word */
	SLASH_ARGS_OPT,      /* at most one word */
	SLASH_ARGS_ONE_TEXT, /* one word, then text */
	SLASH_ARGS_ONE_OPT,  /* one word, then text or nothing */
	SLASH_ARGS_TEXT,     /* text */
	SLASH_ARGS_OPT_TEXT, /* text or nothing */
	SLASH_ARGS_ONE_WORD  /* one word (arg), then at most one (text) */
};

struct slash_def {
	enum slash_cmd cmd;
	enum slash_shape shape;
	const char *usage;
	/* The ends of "/name needs ..." and "/name takes ...". */
	const char *needs;
	const char *takes;
};

/* In /help order; slash_defs[i] is the command named slash_name_table[i]. */
static const char *const slash_name_table[] = {"join", "j", "create", "leave",
    "part", "list", "names", "who", "nick", "msg", "query", "me", "clear",
    "window", "search", "help", "quit", "login", "register", "passwd", "topic",
    "away", "back", "kick", "key", "ignore", "unignore", "filter", "copy",
    "urls"};

static const struct slash_def slash_defs[] = {
    {SLASH_JOIN, SLASH_ARGS_ONE_WORD,
        "/join <name|id> [key]  join a channel by name or id (its key if it "
        "has one)",
        "a channel name or id", "one channel name or id and a key"},
    {SLASH_JOIN, SLASH_ARGS_ONE_WORD, "/j <name|id> [key]  the same as /join",
        "a channel name or id", "one channel name or id and a key"},
    {SLASH_CREATE, SLASH_ARGS_ONE,
        "/create <name>  create a channel and join it", "a channel name",
        "one channel name, without spaces"},
    {SLASH_LEAVE, SLASH_ARGS_OPT,
        "/leave [channel]  leave a channel, by default this one", NULL,
        "at most one channel"},
    {SLASH_LEAVE, SLASH_ARGS_OPT, "/part [channel]  the same as /leave", NULL,
        "at most one channel"},
    {SLASH_LIST, SLASH_ARGS_NONE, "/list  list the channels", NULL,
        "no arguments"},
    {SLASH_NAMES, SLASH_ARGS_OPT,
        "/names [channel]  list who is in a channel, by default this one", NULL,
        "at most one channel"},
    {SLASH_NAMES, SLASH_ARGS_OPT, "/who [channel]  the same as /names", NULL,
        "at most one channel"},
    {SLASH_NICK, SLASH_ARGS_ONE, "/nick <name>  change your name", "a new name",
        "one name, without spaces"},
    {SLASH_MSG, SLASH_ARGS_ONE_TEXT,
        "/msg <name> <text>  send a private message", "a name and a message",
        NULL},
    {SLASH_QUERY, SLASH_ARGS_ONE_OPT,
        "/query <name> [text]  open a conversation, and send text if given",
        "a name", NULL},
    {SLASH_ME, SLASH_ARGS_TEXT,
        "/me <action>  say what you do, as in /me waves", "an action", NULL},
    {SLASH_CLEAR, SLASH_ARGS_NONE, "/clear  clear this window", NULL,
        "no arguments"},
    {SLASH_WINDOW, SLASH_ARGS_ONE,
        "/window <number>  show the window of that number in the list",
        "a window number", "one window number"},
    {SLASH_SEARCH, SLASH_ARGS_OPT_TEXT,
        "/search [text]  search this window's scrollback, as Ctrl-R does", NULL,
        NULL},
    {SLASH_HELP, SLASH_ARGS_OPT,
        "/help [command|more]  commands and keys a page at a time, or one",
        NULL, "at most one command name"},
    {SLASH_QUIT, SLASH_ARGS_OPT_TEXT, "/quit [reason]  leave the chat", NULL,
        NULL},
    {SLASH_LOGIN, SLASH_ARGS_OPT,
        "/login [account]  log in; the password is asked for, unseen", NULL,
        "only the account: the password is asked for next, unseen"},
    {SLASH_REGISTER, SLASH_ARGS_OPT,
        "/register [name]  make your name an account with a password", NULL,
        "only the name: the password is asked for next, unseen"},
    {SLASH_PASSWD, SLASH_ARGS_NONE,
        "/passwd  change your account's password (asked for, unseen)", NULL,
        "no arguments: the password is asked for next, unseen"},
    {SLASH_TOPIC, SLASH_ARGS_OPT_TEXT,
        "/topic [text]  show this channel's topic, or set it (/topic "
        "-delete clears it)",
        NULL, NULL},
    {SLASH_AWAY, SLASH_ARGS_OPT_TEXT,
        "/away [text]  say you are away: who writes to you is told, once; "
        "no text: back",
        NULL, NULL},
    {SLASH_BACK, SLASH_ARGS_NONE, "/back  you are back (the same as /away)",
        NULL, "no arguments"},
    {SLASH_KICK, SLASH_ARGS_ONE_OPT,
        "/kick <name> [reason]  put someone out of a channel you created",
        "a name", NULL},
    {SLASH_KEY, SLASH_ARGS_OPT,
        "/key [key]  set the key to join a channel you created; none "
        "removes it",
        NULL, "one key, without spaces"},
    {SLASH_IGNORE, SLASH_ARGS_OPT,
        "/ignore [name]  hide all of a name (and look-alikes), or list them",
        NULL, "at most one name"},
    {SLASH_UNIGNORE, SLASH_ARGS_ONE, "/unignore <name>  stop ignoring a name",
        "a name", "one name"},
    {SLASH_FILTER, SLASH_ARGS_OPT_TEXT,
        "/filter [joins off|smart|all|default]  this window's joins, parts "
        "and quits",
        NULL, NULL},
    {SLASH_COPY, SLASH_ARGS_OPT,
        "/copy [n]  copy the latest URL here, or the n-th latest, to the "
        "clipboard",
        NULL, "at most one number"},
    {SLASH_URLS, SLASH_ARGS_NONE,
        "/urls  list the latest URLs here, numbered for /copy", NULL,
        "no arguments"},
};

#define SLASH_NCMDS (sizeof(slash_defs) / sizeof(slash_defs[0]))
_Static_assert(
    sizeof(slash_name_table) / sizeof(slash_name_table[0]) == SLASH_NCMDS,
    "one name for each command");

static int
slash_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
slash_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Index of the command name[0..len), or -1. */
static int
slash_find(const char *name, size_t len)
{
	size_t i, j;
	const char *s;

	for (i = 0; i < SLASH_NCMDS; i++) {
		s = slash_name_table[i];
		if (strlen(s) != len)
			continue;
		for (j = 0; j < len; j++)
			if (slash_lower((unsigned char)name[j]) != s[j])
				break;
		if (j == len)
			return (int)i;
	}
	return -1;
}

/* Writes a formatted explanation if there is room for one. */
static void slash_explain(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
slash_explain(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (errsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

/* Length of name[0..len) cut to SLASH_QUOTE_MAX on a UTF-8 boundary. */
static size_t
slash_quote_len(const char *name, size_t len)
{
	if (len <= SLASH_QUOTE_MAX)
		return len;
	len = SLASH_QUOTE_MAX;
	while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
		len--;
	return len;
}

/* Skips spaces from *i. */
static void
slash_skip(const char *line, size_t len, size_t *i)
{
	while (*i < len && slash_is_space(line[*i]))
		(*i)++;
}

/* Takes the word at *i and skips the spaces after it. */
static struct slice
slash_word(const char *line, size_t len, size_t *i)
{
	struct slice w;

	w.p = line + *i;
	while (*i < len && !slash_is_space(line[*i]))
		(*i)++;
	w.len = (size_t)(line + *i - w.p);
	slash_skip(line, len, i);
	return w;
}

/* Fills out's slices from rest[i..len) as def's shape says. */
static enum slash_error
slash_args(const struct slash_def *def, const char *line, size_t len, size_t i,
    struct slash *out)
{
	switch (def->shape) {
	case SLASH_ARGS_NONE:
		return i < len ? SLASH_E_EXTRA : SLASH_OK;
	case SLASH_ARGS_ONE:
	case SLASH_ARGS_OPT:
		out->arg = slash_word(line, len, &i);
		if (i < len)
			return SLASH_E_EXTRA;
		if (out->arg.len == 0 && def->shape == SLASH_ARGS_ONE)
			return SLASH_E_MISSING;
		return SLASH_OK;
	case SLASH_ARGS_ONE_WORD:
		out->arg = slash_word(line, len, &i);
		out->text = slash_word(line, len, &i);
		if (i < len)
			return SLASH_E_EXTRA;
		return out->arg.len == 0 ? SLASH_E_MISSING : SLASH_OK;
	case SLASH_ARGS_ONE_OPT:
		out->arg = slash_word(line, len, &i);
		out->text.p = line + i;
		out->text.len = len - i;
		return out->arg.len == 0 ? SLASH_E_MISSING : SLASH_OK;
	case SLASH_ARGS_ONE_TEXT:
		out->arg = slash_word(line, len, &i);
		/* FALLTHROUGH */
	case SLASH_ARGS_TEXT:
	case SLASH_ARGS_OPT_TEXT:
		out->text.p = line + i;
		out->text.len = len - i;
		if (def->shape != SLASH_ARGS_OPT_TEXT && out->text.len == 0)
			return SLASH_E_MISSING;
		return SLASH_OK;
	}
	return SLASH_OK;
}

enum slash_error
slash_parse(
    const char *line, size_t len, struct slash *out, char *err, size_t errsize)
{
	const struct slash_def *def;
	const char *name;
	size_t i = 1, nlen;
	enum slash_error e;
	int k;

	memset(out, 0, sizeof(*out));
	out->arg.p = out->text.p = line;
	if (errsize > 0)
		err[0] = '\0';
	if (len == 0)
		return SLASH_OK;
	if (line[0] != '/' || (len > 1 && line[1] == '/')) {
		out->cmd = SLASH_MESSAGE;
		i = line[0] == '/';
		out->text.p = line + i;
		out->text.len = len - i;
		return SLASH_OK;
	}
	name = line + 1;
	while (i < len && !slash_is_space(line[i]))
		i++;
	nlen = (size_t)(line + i - name);
	if (nlen == 0) {
		slash_explain(err, errsize,
		    "a lone / is not a command; type // to send a line "
		    "starting with /");
		return SLASH_E_UNKNOWN;
	}
	k = slash_find(name, nlen);
	if (k < 0) {
		slash_explain(err, errsize,
		    "unknown command /%.*s; /help lists them",
		    (int)slash_quote_len(name, nlen), name);
		return SLASH_E_UNKNOWN;
	}
	def = &slash_defs[k];
	out->cmd = def->cmd;
	slash_skip(line, len, &i);
	e = slash_args(def, line, len, i, out);
	if (e == SLASH_E_MISSING)
		slash_explain(err, errsize, "/%s needs %s", slash_name_table[k],
		    def->needs);
	else if (e == SLASH_E_EXTRA)
		slash_explain(err, errsize, "/%s takes %s", slash_name_table[k],
		    def->takes);
	if (e != SLASH_OK) {
		out->arg.p = out->text.p = line;
		out->arg.len = out->text.len = 0;
	}
	return e;
}

const char *const *
slash_names(size_t *n)
{
	*n = SLASH_NCMDS;
	return slash_name_table;
}

const char *
slash_usage(const char *name, size_t len)
{
	int k;

	if (len > 0 && name[0] == '/') {
		name++;
		len--;
	}
	k = slash_find(name, len);
	return k < 0 ? NULL : slash_defs[k].usage;
}

int
slash_text_start(const char *line, size_t len, size_t *start)
{
	struct slash s;

	if (slash_parse(line, len, &s, NULL, 0) != SLASH_OK)
		return -1;
	switch (s.cmd) {
	case SLASH_MESSAGE:
	case SLASH_MSG:
	case SLASH_QUERY:
	case SLASH_ME:
		*start = (size_t)(s.text.p - line);
		return 0;
	default:
		return -1;
	}
}

unsigned
slash_window_number(const char *arg, size_t len)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > SLASH_WINDOW_DIGITS)
		return 0;
	for (i = 0; i < len; i++) {
		if (arg[i] < '0' || arg[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(arg[i] - '0');
	}
	return v;
}

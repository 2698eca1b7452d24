/* state.h: the client's own state kept between runs: its windows in order,
 * the names it ignores and the windows' join filters. */
#ifndef TUI_STATE_H
#define TUI_STATE_H

#include <stddef.h>

#include "chatlog.h"
#include "filter.h"
#include "model.h"
#include "proto.h"

/*
 * One file per server and user name,
 * $XDG_DATA_HOME/txt-chat/state/<host:port>/<name> (else under
 * $HOME/.local/share), written by the client alone: whenever what
 * it holds changes, to a temporary file renamed over the old one, so a
 * crash leaves the old file or the new, never half of one.  The config
 * file, which the user writes, is never touched.  Lines:
 *
 *   # a comment
 *   channel #rust [off|smart|all]   a channel window, and its join filter
 *   query bob [off|smart|all]       a conversation window
 *   own [off|smart|all]             this user's personal channel's window
 *   ignore spammer                  an ignored name
 *
 * The windows come in the order of the window list.  Others' personal
 * channels are not kept: their ids last only as long as their owner's
 * connection; this user's own comes back by itself, and "own" keeps its
 * place in the list.
 */

/* Bytes of a state file; a bigger one is an error. */
#define STATE_FILE_MAX (64 * 1024)
/* Windows kept: all that can be open but the status window. */
#define STATE_WINDOWS_MAX (MODEL_WINDOWS_MAX - 1)
/* Bytes of an error message, terminator included. */
#define STATE_ERR_MAX (CHATLOG_PATH_MAX + 128)

struct state_win {
	/* MODEL_WIN_CHANNEL, MODEL_WIN_DM, or MODEL_WIN_PERSONAL for "own"
	 * (name empty) */
	enum model_win_kind kind;
	enum filter_joins filter;
	char name[MODEL_NAME_MAX + 1];
};

struct state {
	struct state_win wins[STATE_WINDOWS_MAX];
	size_t nwins;
	char ignores[FILTER_IGNORES_MAX][PROTO_NAME_MAX + 1];
	size_t nignores;
};

/*
 * Parses text[0..len) into st (emptied first).  A bad line (an unknown
 * word, a name that is not valid, too many windows or names) is skipped:
 * the rest still counts.  Returns the number of bad lines; the first one
 * is described in err[err_size] as "source:line: why".
 */
size_t state_parse(struct state *st, const char *text, size_t len,
    const char *source, char *err, size_t err_size);

/*
 * st as the text of a state file into buf[size].  Returns its length, or
 * 0 if it does not fit (STATE_FILE_MAX always fits).
 */
size_t state_format(const struct state *st, char *buf, size_t size);

/*
 * The state file of user name (the name configured, a valid name) on
 * server ("host:port", a "tls://" in front left out) into buf[size]:
 * <dir>/txt-chat/state/<server>/<name>, where dir is $XDG_DATA_HOME when
 * that is absolute, else $HOME/.local/share, looked up with get; server
 * and name made safe file names (chatlog_safe_name).  Returns 1, 0 if
 * neither is set, or -1 if it does not fit.
 */
int state_path(char *buf, size_t size, const char *server, const char *name,
    char *(*get)(const char *));

/*
 * Takes the lock of the state file at path: path.lock, made 0600 (and its
 * directories 0700) as needed, locked for writing with fcntl(2).  One
 * client at a time has a state: a second one run with the same name on
 * the same server neither restores the first one's windows nor
 * overwrites them.  Returns the lock's descriptor, to keep open while the
 * program runs (the lock ends with it); -2 if another process holds the
 * lock; -1 with err filled on another error.
 */
int state_lock(const char *path, char *err, size_t err_size);

/*
 * Reads the file at path into text[STATE_FILE_MAX].  Returns its length,
 * 0 for a missing file, or -1 with err filled.
 */
long state_read(const char *path, char *text, char *err, size_t err_size);

/*
 * Writes text[0..len) to path: its directories made (0700) as needed,
 * then path.tmp (0600) written and renamed over path.  Returns 0, or -1
 * with err filled (path.tmp removed).
 */
int state_write(
    const char *path, const char *text, size_t len, char *err, size_t err_size);

#endif

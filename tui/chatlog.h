/* chatlog.h: per-window chat logs on disk: names, line format, buffering. */
#ifndef TUI_CHATLOG_H
#define TUI_CHATLOG_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * Every line a channel, personal channel or conversation window shows is
 * appended to <dir>/<server>/<window>/<YYYY-MM-DD>.log, one file per
 * window and local day, as "HH:MM:SS <sender> text" (a message),
 * "HH:MM:SS * sender text" (an action) or "HH:MM:SS -- text" (a join,
 * part, rename or other event).  The client's own notices are not
 * logged.  The text was sanitised by the model; control bytes are
 * replaced here once more, so a log can be read with cat(1) safely.
 *
 * The loop never waits for the disk: chatlog_add() formats a line into a
 * memory buffer; the shell hands the buffer to a thread with
 * chatlog_take() and chatlog_write() (uv_queue_work), on a timer, when
 * CHATLOG_FLUSH_BYTES are pending, and once more on exit.  While one
 * batch is being written the next fills; past CHATLOG_BUF_MAX pending
 * bytes lines are dropped and counted per window, and the next line that
 * fits in that window's log says how many were lost.
 *
 * History replayed when joining is not logged twice: per window the
 * highest seq logged is kept; a line with a seq not above it is skipped.
 * Replayed (MODEL_FLAG_HISTORY) lines are logged only when they follow
 * lines this run logged in that window (a catch-up after a reconnect): a
 * replay at start is what the last run already logged.
 */

/* Bytes of a log path, no terminator. */
#define CHATLOG_PATH_MAX 4095
/* Bytes of one file-name component (a window or the server), no terminator. */
#define CHATLOG_NAME_MAX 255
/* Bytes of one formatted line, LF included. */
#define CHATLOG_LINE_MAX (MODEL_NAME_MAX + MODEL_TEXT_MAX + 32)
/* Bytes pending in memory at most; lines past it are dropped and counted. */
#define CHATLOG_BUF_MAX ((size_t)4 * 1024 * 1024)
/*
 * Pending bytes from which the shell starts writing without the timer: a
 * burst is handed over in few large batches (9 for W4's 8.5 MB rather than
 * 130 of 64 KiB), each a wake-up of a worker and of the loop after it.
 */
#define CHATLOG_FLUSH_BYTES ((size_t)1024 * 1024)
/* Milliseconds a line waits at most in memory before it is written. */
#define CHATLOG_FLUSH_MS 1000
/* Windows whose last seq is remembered; the oldest entry is reused. */
#define CHATLOG_WINDOWS_MAX (MODEL_WINDOWS_MAX * 2)
/* Bytes of an error message, terminator included. */
#define CHATLOG_ERR_MAX (CHATLOG_PATH_MAX + 128)

/*
 * name[0..len) as one safe file-name component in out[size]: bytes other
 * than letters, digits, UTF-8 text and "#~+-_.@:," become '_' (so no '/',
 * no control byte, no C1 control), ASCII letters are lowered (window names
 * are case-insensitive), a leading '.' becomes '_' (no "." or ".."), and an
 * empty name is "_".  Cut at CHATLOG_NAME_MAX bytes and size - 1 on a code
 * point boundary.  Returns the length.
 */
size_t chatlog_safe_name(const char *name, size_t len, char *out, size_t size);

/* The local date of time_ms as "YYYY-MM-DD" in out[11]. */
void chatlog_date(uint64_t time_ms, long utc_offset, char out[11]);

/*
 * "<dir>/<server>/<window>/<YYYY-MM-DD>.log" into buf[size], with server
 * and window made safe.  Returns its length, or -1 if it does not fit.
 */
int chatlog_path(char *buf, size_t size, const char *dir, const char *server,
    const char *window, size_t window_len, uint64_t time_ms, long utc_offset);

/*
 * Line l formatted as described above, LF included, into
 * buf[CHATLOG_LINE_MAX].  Returns its length, or 0 for a kind that is not
 * logged (INFO, ERROR).
 */
size_t chatlog_format(char *buf, const struct model_line *l, long utc_offset);

/*
 * The log directory: $XDG_DATA_HOME/txt-chat/logs when that is absolute,
 * else $HOME/.local/share/txt-chat/logs, looked up with get.  Returns 1, 0
 * if neither is set, or -1 if it does not fit in size bytes.
 */
int chatlog_default_dir(char *buf, size_t size, char *(*get)(const char *));

struct chatlog;

/* A log under dir for server ("host:port"); both copied.  NULL on ENOMEM. */
struct chatlog *chatlog_new(const char *dir, const char *server);
/* chatlog_free(NULL) does nothing; pending lines are lost (chatlog_take and
 * chatlog_write them first). */
void chatlog_free(struct chatlog *cl);

enum chatlog_added {
	CHATLOG_ADDED = 0,   /* buffered */
	CHATLOG_SKIPPED = 1, /* not logged: its kind, or a replay */
	CHATLOG_DROPPED = 2, /* the buffer was full: counted */
};

/*
 * Buffers line l of window (its name, e.g. "#rust", "~bob" or a peer's
 * name) for the log, the date and time local at utc_offset.
 */
enum chatlog_added chatlog_add(struct chatlog *cl, const char *window,
    size_t window_len, const struct model_line *l, long utc_offset);
/* Bytes waiting to be taken. */
size_t chatlog_pending(const struct chatlog *cl);
/* Lines dropped since the log was made, over all windows. */
uint64_t chatlog_dropped(const struct chatlog *cl);

/*
 * Moves the pending lines into the batch to write; returns 1, or 0 when
 * nothing is pending or the batch taken before is not written yet.
 */
int chatlog_take(struct chatlog *cl);
/*
 * Writes the batch taken: the only call that may run on another thread,
 * while the loop goes on with chatlog_add() (but not chatlog_take()).
 * Directories are made 0700 and files 0600, and appended to.  Returns 0,
 * or -1 with the error kept for chatlog_written().
 */
int chatlog_write(struct chatlog *cl);
/*
 * Back on the loop after chatlog_write(): the batch is done and the next
 * may be taken.  Returns the error of that write, NUL-terminated and owned
 * by the log, or NULL if it went well.
 */
const char *chatlog_written(struct chatlog *cl);

#endif

/* client.h: the client's rules: server lines and typed lines in, protocol lines
 * out. */
#ifndef TUI_CLIENT_H
#define TUI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * The client decides everything the program does with the server and with
 * what the user types; the I/O shell (main.c, link.c, ui.c) only moves
 * bytes and keys and calls these functions.  Its rules live in client.c
 * (the session), client_event.c (server lines) and client_cmd.c (typed
 * lines).  Times are wall-clock milliseconds since the epoch, passed in by
 * the shell.
 */

/* Silence from the server, in ms, before the client sends a ping. */
#define CLIENT_PING_IDLE_MS 30000
/* Time, in ms, the server gets to answer it before the connection is dropped.
 */
#define CLIENT_PING_TIMEOUT_MS 30000
/*
 * After a reconnect, how long to wait before asking again for a name the
 * server says is taken: likely by this client's own old connection, which
 * the server has not yet found dead.
 */
#define CLIENT_REG_RETRY_MS 5000
/*
 * Time, in ms, a new connection gets to answer hello before the client
 * says that nothing did and tries again later: a port where something
 * else listens must not leave the user waiting without a word.
 */
#define CLIENT_HELLO_TIMEOUT_MS 5000
/* Bytes of what answered instead of a txt-chatd quoted in the notice. */
#define CLIENT_ANSWER_QUOTE_MAX 60
/* Bytes of the server's "host:port" kept for notices, no terminator: as
 * LINK_HOSTPORT_MAX, the longest the link takes; a longer one is cut. */
#define CLIENT_SERVER_MAX 263
/* Connections in a row that did not register, counted up to this. */
#define CLIENT_FAILURES_MAX 30

enum client_state {
	CLIENT_OFFLINE,     /* not connected; the shell retries */
	CLIENT_CONNECTING,  /* TCP connect under way */
	CLIENT_HELLO,       /* connected, hello sent */
	CLIENT_REGISTERING, /* reg sent (or the name was taken: waiting for
	                       /nick) */
	CLIENT_ONLINE,      /* registered */
};

struct client_io {
	void *ctx;
	/* Queues one protocol line, LF included, for the server. */
	void (*send)(void *ctx, const char *line, size_t len);
	/* Closes the connection (the server stopped answering); the shell
	 * reconnects. */
	void (*drop)(void *ctx, const char *why);
};

struct client_config {
	const char *name;  /* the name to register; copied */
	size_t scrollback; /* lines per window */
};

struct client;

/*
 * Lines asked for by one history request when scrolling back; a catch-up
 * after a reconnect asks for CMD_HISTORY_PAGE_MAX at a time.
 */
#define CLIENT_PAGE_LINES 100

/* A new offline client; io is copied.  NULL when out of memory. */
struct client *client_new(
    const struct client_config *cfg, const struct client_io *io);
void client_free(struct client *c);

/* The model the drawer shows; owned by the client. */
struct model *client_model(const struct client *c);
enum client_state client_state(const struct client *c);
/* The name in use (or being asked for), NUL-terminated. */
const char *client_name(const struct client *c);
/* The last measured round trip to the server in ms, or -1 if none yet. */
long client_lag(const struct client *c);
/* Whether the server confirmed /away on this connection (until /back). */
int client_away(const struct client *c);
/* The server's text limit in bytes (PROTO_TEXT_MAX until hello says otherwise).
 */
size_t client_text_max(const struct client *c);
/* Members of the current window's channel, or 0. */
size_t client_member_count(const struct client *c);
/*
 * Messages this user sent that the server has neither echoed nor refused
 * yet: still on their way, or held back by its flood control.
 */
unsigned client_unechoed(const struct client *c);

/*
 * Connections in a row that ended without registering (refused, closed,
 * not a txt-chatd, no answer), not counting the one being reported to
 * client_disconnected(); 0 again once registered.  The shell's reconnect
 * back-off grows with it, so that a server that accepts and closes is not
 * connected to once a second forever.  At most CLIENT_FAILURES_MAX.
 */
unsigned client_failures(const struct client *c);

/* The shell started connecting to server ("host:port"). */
void client_connecting(struct client *c, const char *server, uint64_t now);
/* The connection is up: the client says hello. */
void client_connected(struct client *c, uint64_t now);
/*
 * The connection is gone (why says how); retry_ms is when the shell will
 * try again, for the notice.  Windows stay; channels are rejoined after the
 * next registration, and what the user was typing is untouched.
 */
void client_disconnected(
    struct client *c, const char *why, uint64_t now, uint64_t retry_ms);
/*
 * A notice from the shell (text copied), in the status window and the one
 * shown; alarm makes it an error line.
 */
void client_notice(struct client *c, const char *text, int alarm, uint64_t now);
/* One line from the server, without its LF. */
void client_line(struct client *c, const char *line, size_t len, uint64_t now);
/* The server sent a line longer than PROTO_LINE_MAX: a notice. */
void client_line_too_long(struct client *c, uint64_t now);

enum client_input_result {
	CLIENT_INPUT_DONE = 0, /* handled: clear the input line */
	CLIENT_INPUT_KEEP =
	    1, /* refused (a notice says why): keep it for editing */
};

/*
 * A line the user submitted: a message to the current window, or a slash
 * command (see slash.h).  Control characters are refused.
 */
enum client_input_result client_input(
    struct client *c, const char *utf8, size_t len, uint64_t now);

/*
 * The user quits (the shell's Ctrl-C twice, or a signal): a server that is
 * there is told, with reason if not NULL (cut to PROTO_REASON_MAX), and
 * client_quitting() says so from now on.
 */
void client_quit(struct client *c, const char *reason, uint64_t now);
/*
 * Non-zero once the user asked to quit, by /quit or client_quit(): the
 * shell ends the program when it is back in its own loop, after the key
 * being handled, once the lines queued are sent.
 */
int client_quitting(const struct client *c);

/*
 * When the shell must call client_tick next (wall clock ms), or UINT64_MAX
 * for never: keepalive only, so an idle client sleeps for long stretches.
 */
uint64_t client_next_tick(const struct client *c);
/* Sends a keepalive ping when due, or drops a server that did not answer. */
void client_tick(struct client *c, uint64_t now);

/*
 * The view of w shows its oldest line and the user scrolled up: asks the
 * server for older lines of a joined channel (the window shows "loading
 * older lines" until they come), unless a request is under way, the
 * server said nothing older is kept, or the window is full.
 */
/*
 * The rows and columns the message pane has for text, which the shell
 * sets at every draw: /help shows that many rows at a time (/help more
 * the next), and /names fills the columns.  0 (the start) means unknown:
 * no pages, one name list per line.
 */
void client_set_view(struct client *c, int rows, int cols);

void client_scrolled_top(struct client *c, struct model_win *w, uint64_t now);

/*
 * Accounts (client_account.c).  With an account set the client logs in
 * as it on every connection instead of registering a name: with the
 * password given here (from pass_cmd), kept in locked memory for the
 * session, or else asking for it once connected.  pw may be NULL.
 * Returns 0, or -1 when name is not a valid name or pw not a valid
 * password (nothing is kept then).
 */
int client_set_account(
    struct client *c, const char *name, const char *pw, size_t len);
/* The account logged in on this connection, or NULL. */
const char *client_account(const struct client *c);
/*
 * The question while the client waits for a password (/login,
 * /register, /passwd, or an account without pass_cmd): the input line
 * shows it instead of what is typed; NULL when none is asked for.
 * Owned by the client, valid until the next call into it.
 */
const char *client_secret_prompt(const struct client *c);
/*
 * The password typed for that question, p[0..len): the client copies
 * what it keeps into locked memory; the caller wipes its own copy.
 */
void client_secret(struct client *c, const char *p, size_t len, uint64_t now);
/* The question was cancelled (Escape, Ctrl-C). */
void client_secret_cancel(struct client *c, uint64_t now);
/*
 * After every loop turn: when the window shown is a channel followed to
 * its newest line, its read marker is wanted up to that line; mark_read
 * goes for it at most once a second a window, and only when logged in.
 */
void client_seen(struct client *c, uint64_t now);

/*
 * Filters and the client's own state (client_habits.c; see filter.h and
 * state.h).
 */
struct filter;
struct state;
struct hmap_key;
/* The key of the smart filter's speaker table (copied). */
void client_set_hash_key(struct client *c, const struct hmap_key *key);
/* The join filter of windows without their own, and its minutes. */
void client_set_join_filter(struct client *c, int mode, unsigned minutes);
/* The names ignored, for tests and the shell; owned by the client. */
const struct filter *client_filter(const struct client *c);
/*
 * What the state file keeps: the channel and conversation windows in
 * order with their join filters, and the names ignored.
 */
void client_state_get(const struct client *c, struct state *st);
/*
 * At start, before connecting: opens the windows of st in order (a
 * channel's window is joined once registered; one that no longer exists
 * is made again, as /join does), sets their filters and ignores its
 * names.  Windows already open stay where they are.
 */
void client_state_restore(
    struct client *c, const struct state *st, uint64_t now);

/*
 * The text /copy asked to put on the clipboard, once (the shell writes it
 * to the terminal as OSC 52, see url.h): sets *len and returns it, owned
 * by the client and valid until the next client call; NULL if none.
 */
const char *client_take_copy(struct client *c, size_t *len);

#endif

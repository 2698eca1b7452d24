/* client_int.h: the client's state and the helpers its files share
 * (client.c, client_event.c, client_cmd.c); nothing else includes it. */
#ifndef TUI_CLIENT_INT_H
#define TUI_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "client.h"
#include "cmd.h"
#include "event.h"
#include "model.h"
#include "proto.h"
#include "slash.h"
#include "url.h"

/* Bytes of the name kept (an invalid longer one is refused anyway), no
 * terminator. */
#define CLIENT_NAME_MAX MODEL_NAME_MAX
/* Bytes of a line's kind quoted in a notice about it, no terminator. */
#define CLIENT_KIND_QUOTE_MAX 32
/* Digits of a keepalive token and its terminator. */
#define CLIENT_TOKEN_SIZE (PROTO_NUM_MAX + 1)

/*
 * Catching up after a reconnect (model_win_catchup): the rejoin's history
 * is arriving and has not shown a gap yet; it did (lines were missed, so
 * it is dropped and asked for after the window's seq); the lines after
 * it are asked for, page by page, and live lines wait in them.
 */
#define CLIENT_CATCHUP_JOIN  1
#define CLIENT_CATCHUP_GAP   2
#define CLIENT_CATCHUP_ASKED 3

/*
 * What a join does when its channel does not exist: nothing more (0),
 * make it again as it was joined before (a rejoin after a reconnect), or
 * create it, as IRC's JOIN does (the user's /join of a name).
 */
#define CLIENT_RECREATE_GONE 1
#define CLIENT_RECREATE_NEW  2

/*
 * model_win_rejoin() values: joined when the connection went (a rejoin,
 * which catches up), or a window restored from the state file at start
 * (a join like a new one, its history not news).
 */
#define CLIENT_REJOIN_AGAIN 1
#define CLIENT_REJOIN_SAVED 2

/* What a line of a filtered name or a filtered join does. */
#define CLIENT_SHOW   0 /* shown */
#define CLIENT_HIDE   1 /* not shown; the chat log has it (MODEL_FLAG_HIDDEN) */
#define CLIENT_IGNORE 2 /* an ignored name's: dropped, as irssi does */

/* A join or create_chan waiting for its answer. */
struct client_wait {
	enum cmd_verb verb;
	unsigned char recreate;       /* join: a CLIENT_RECREATE_* or 0 */
	unsigned char join_if_exists; /* create: join it if someone was first */
	char name[PROTO_ID_MAX + 1];
};

#define CLIENT_WAITS_MAX MODEL_WINDOWS_MAX

/* What a password typed unseen is for. */
enum client_ask {
	CLIENT_ASK_NONE,
	CLIENT_ASK_LOGIN,    /* log in as ask_name */
	CLIENT_ASK_REGISTER, /* make ask_name an account */
	CLIENT_ASK_PASSWD,   /* change the password */
};

/* Bytes of the password question, counting the terminator. */
#define CLIENT_ASK_PROMPT_MAX 160

/* The client's account state (client_account.c). */
struct client_acct {
	/* The account logged in as on every connect, if any. */
	char name[CLIENT_NAME_MAX + 1];
	size_t name_len;
	/* Its password for reconnects (slot KEPT), in locked memory. */
	struct account_vault *vault;
	int out;           /* login or register sent, not answered */
	int logged_in;     /* this connection is an account's */
	int in_login;      /* between account$..$logged_in and login_end */
	int unlocked;      /* the vault's page could not be locked */
	int unlocked_said; /* ... and the user was told */
	int declined;      /* login refused on this connection: reg instead */
	/* The question open, and for whom; ask_again: typed once, the
	 * second time comes (the first is in the vault's NEXT slot). */
	enum client_ask ask;
	char ask_name[CLIENT_NAME_MAX + 1];
	size_t ask_name_len;
	int ask_again;
	char prompt[CLIENT_ASK_PROMPT_MAX];
	struct account_marks marks;
	struct account_away away;
};

struct client {
	struct client_io io;
	struct model *m;
	enum client_state state;
	char name[CLIENT_NAME_MAX + 1];
	size_t name_len;
	/*
	 * reg sent and not yet answered; a /nick meanwhile is kept in want
	 * and asked for once the answer is in.
	 */
	int reg_out;
	/* Messages sent and not yet come back from the server. */
	unsigned unechoed;
	char want[CLIENT_NAME_MAX + 1];
	size_t want_len;
	/*
	 * The name a nick line sent asks for, until the server answers: only
	 * then may a nick line rename this user.
	 */
	char asked[CLIENT_NAME_MAX + 1];
	size_t asked_len;
	/* The uid of this connection, empty until registered. */
	char uid[PROTO_ID_MAX + 1];
	size_t uid_len;
	/*
	 * The key of this user's personal channel window: the uid it was
	 * made under, kept across reconnects so that the window is re-keyed
	 * to the new uid rather than another opened.
	 */
	char own[PROTO_ID_MAX + 1];
	size_t own_len;
	size_t text_max;
	size_t page_max; /* lines a history request asks for, from hello */
	long lag;
	/* Keepalive: the last line received, the ping out and when it went. */
	uint64_t last_rx;
	uint64_t ping_sent;
	int ping_out;
	int dropped;
	/* The server as given, for notices about what answered there. */
	char server[CLIENT_SERVER_MAX + 1];
	/* Connections that ended unregistered since the last registration. */
	unsigned failures;
	/* When hello must have been answered (CLIENT_HELLO only). */
	uint64_t hello_by;
	/* Registered once: a name taken on reconnecting is asked for again. */
	int was_online;
	uint64_t reg_retry_at; /* UINT64_MAX: none */
	int reg_retried;       /* said so once this connection */
	/* The join sequence under way (joined to history_end): its channel. */
	char seq_chan[PROTO_ID_MAX + 1];
	size_t seq_chan_len;
	int in_join;
	/* Not a rejoin after reconnecting: say so at the end of the join. */
	int join_is_new;
	/* Replies to /names still to come, and the channel of the one arriving.
	 */
	unsigned names_wanted;
	char names_chan[PROTO_ID_MAX + 1];
	size_t names_chan_len;
	/*
	 * The window /leave was typed in (its kind and key), where the answer
	 * is told unless it is the window that closes.
	 */
	enum model_win_kind leave_kind;
	char leave_from[MODEL_ID_MAX + 1];
	size_t leave_from_len;
	/* What /join or /create asked for: its window is shown when joined. */
	char pending[PROTO_ID_MAX + 1];
	size_t pending_len;
	/*
	 * join and create_chan lines not yet answered, oldest first.  The
	 * server answers each, in order, with a join sequence or an error,
	 * which is how a rejoin that finds its channel gone (the server
	 * restarted) knows to make it again.
	 */
	struct client_wait waits[CLIENT_WAITS_MAX];
	size_t waits_head;
	size_t waits_count;
	/*
	 * The history page under way, from history_page to
	 * history_page_end: its channel and direction; for older lines
	 * (before, latest) where the next goes and the oldest seq the window
	 * held when it began (lines from it on are had); for newer ones
	 * (after) the window's seq when it began; the lines taken, and
	 * whether the window was full.  Only a page asked for is taken, and
	 * only as many lines as it announced: a server that says more, or
	 * never ends it, cannot turn live lines into old ones.
	 */
	int in_page;
	enum cmd_dir page_dir;
	char page_chan[PROTO_ID_MAX + 1];
	size_t page_chan_len;
	uint64_t page_at;
	uint64_t page_oldest;
	uint64_t page_from;
	uint64_t page_got;
	uint64_t page_left; /* lines the page announced, not yet come */
	int page_full;
	/* The server does not know history requests: none is sent again
	 * until the next connection. */
	int no_history;
	int joined_follows; /* registered or created: the next joined is theirs
	                     */
	int quitting; /* the user asked to quit: the shell ends the program */
	/* The message pane's text rows and columns (client_set_view). */
	int view_rows;
	int view_cols;
	/* The /help line /help more shows next; 0: /help starts over. */
	size_t help_next;
	/* Accounts (client_account.c). */
	struct client_acct acct;
	/* The server confirmed /away (until /back or a new connection). */
	int away;
	/* Ignored names and join filters (client_habits.c). */
	struct filter *filter;
	/* A window or the default uses the smart filter: speakers are
	 * remembered from then on (they cost nothing before). */
	int smart_used;
	/* What /copy puts on the clipboard, until client_take_copy(). */
	char copy[URL_COPY_MAX];
	size_t copy_len;
};

/* An empty field. */
extern const struct slice client_none;

struct slice client_slice(const char *p, size_t len);
int client_slice_eq(struct slice a, const char *b, size_t blen);
/* Copies s into buf[size] if it fits with a NUL; else leaves it empty. */
void client_keep(char *buf, size_t size, size_t *len, struct slice s);
/* The status window, and the window shown; never NULL. */
struct model_win *client_status(const struct client *c);
struct model_win *client_current(const struct client *c);
/* Whether name is this user's. */
int client_is_self(const struct client *c, struct slice name);

/* A notice in w, or in the status window when w is NULL. */
void client_note(struct client *c, struct model_win *w, uint64_t now,
    enum model_line_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A notice in the status window and, if another is shown, there too. */
void client_note_both(struct client *c, uint64_t now, enum model_line_kind kind,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Encodes cmd, checks that it decodes back the same, and queues it. */
int client_send_cmd(struct client *c, const struct cmd *cmd, uint64_t now);
/* Whether verb sends a message, which the server echoes or refuses. */
int client_verb_is_message(enum cmd_verb verb);
/*
 * Encodes one command and queues it.  The line is decoded again before it
 * goes, so nothing the server would refuse is sent and a '$' in a field
 * that is not the last cannot make another command.  Returns 0, or -1
 * with a notice in the current window.
 */
int client_send(struct client *c, enum cmd_verb verb, struct slice arg,
    struct slice text, uint64_t now);
/* As client_send, for a whole command (uid included). */
int client_send_cmd(struct client *c, const struct cmd *cmd, uint64_t now);
/*
 * Sends history$<uid>$<chan>$<dir>$<seq>$<limit> for window w's channel.
 * Returns 0, or -1 with a notice.
 */
int client_send_history(struct client *c, const struct model_win *w,
    enum cmd_dir dir, uint64_t seq, uint64_t limit, uint64_t now);
/* client_send without text. */
int client_send_arg(
    struct client *c, enum cmd_verb verb, struct slice arg, uint64_t now);
/* One of this user's messages came back, or was refused. */
void client_echoed(struct client *c);
/* Sends join or create_chan and remembers it until the server answers. */
int client_send_waited(struct client *c, enum cmd_verb verb, struct slice arg,
    int recreate, int join_if_exists, uint64_t now);
/* The same with a last field: a join's key. */
int client_send_waited_key(struct client *c, enum cmd_verb verb,
    struct slice arg, struct slice key, int recreate, int join_if_exists,
    uint64_t now);
/* Takes the oldest unanswered join or create_chan into *out; 0 if none. */
int client_take_wait(struct client *c, struct client_wait *out);

/* Sends reg with the name asked for, or explains why it is not valid. */
void client_register(struct client *c, uint64_t now);
/* The name to use from now on, cut to CLIENT_NAME_MAX. */
void client_set_name(struct client *c, struct slice name);
/* Sends nick for name and remembers it until the server answers. */
int client_send_nick(struct client *c, struct slice name, uint64_t now);

/* Joins again every channel that was joined when the connection went. */
void client_rejoin(struct client *c, uint64_t now);

/* client_account.c: accounts. */
/* Instead of reg: logs in, or asks for the password; 0 if no account. */
int client_account_connect(struct client *c, uint64_t now);
void client_account_disconnected(struct client *c);
void client_account_free(struct client *c);
uint64_t client_account_next_tick(const struct client *c);
void client_account_tick(struct client *c, uint64_t now);
/* /login, /register, /passwd. */
enum client_input_result client_cmd_account(
    struct client *c, enum slash_cmd cmd, struct slice arg, uint64_t now);
/* The account lines: account, marker, login_end. */
void client_on_account_line(
    struct client *c, const struct event *ev, uint64_t now);
/* An error about accounts: 1 if said here. */
int client_account_error(
    struct client *c, const struct event *ev, enum cmd_verb verb, uint64_t now);
/* A direct message to this user, before it is added to w. */
void client_account_dm(struct client *c, struct model_win *w,
    const struct event *ev, uint64_t now);
/* Whether a joined line nobody asked for is the account's (login, or
 * another device of it). */
int client_account_joins(const struct client *c);

/* Whether w is a channel's window (named or personal). */
int client_is_channel_win(const struct model_win *w);
/* Whether w is this user's personal channel. */
int client_is_own(const struct client *c, const struct model_win *w);
/* The window of channel id chan, or NULL. */
struct model_win *client_chan_win(const struct client *c, struct slice chan);

/* Filters (client_habits.c). */

/* Whether lines of name are ignored (never this user's own). */
int client_ignores(const struct client *c, struct slice name);
/*
 * What becomes of a join, part or quit line of name in w at time_ms: a
 * CLIENT_SHOW, _HIDE or _IGNORE.
 */
int client_join_shown(const struct client *c, const struct model_win *w,
    struct slice name, uint64_t time_ms);
/* name spoke in w at time_ms, for the smart filter. */
void client_heard(struct client *c, const struct model_win *w,
    struct slice name, uint64_t time_ms);
/* An event line in w unless hide (a CLIENT_*) says otherwise. */
void client_event_line(struct client *c, struct model_win *w, uint64_t now,
    int hide, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

struct slash;
enum client_input_result client_cmd_ignore(
    struct client *c, const struct slash *s, uint64_t now);
enum client_input_result client_cmd_unignore(
    struct client *c, const struct slash *s, uint64_t now);
enum client_input_result client_cmd_filter(
    struct client *c, const struct slash *s, uint64_t now);

#endif

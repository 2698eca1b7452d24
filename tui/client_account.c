/* client_account.c: the client's rules for accounts: logging in instead of
 * registering, passwords typed unseen, offline messages, read markers. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "client.h"
#include "client_int.h"
#include "cmd.h"
#include "event.h"
#include "proto.h"
#include "slash.h"
#include "valid.h"

/*
 * Tells the user once that the vault's page could not be locked; at
 * start (now 0, before any clock) it waits for the first connection.
 */
static void
client_vault_say(struct client *c, uint64_t now)
{
	if (!c->acct.unlocked || c->acct.unlocked_said || now == 0)
		return;
	c->acct.unlocked_said = 1;
	client_note(c, NULL, now, MODEL_LINE_INFO,
	    "the password could not be locked in memory (RLIMIT_MEMLOCK): "
	    "it may be swapped out");
}

/*
 * The vault, made on first use.  Returns NULL (with a notice) when no
 * memory is left for it; a vault whose page could not be locked works,
 * and the user is told once.
 */
static struct account_vault *
client_vault(struct client *c, uint64_t now)
{
	int locked = 0;

	if (c->acct.vault != NULL)
		return c->acct.vault;
	c->acct.vault = account_vault_new(&locked);
	if (c->acct.vault == NULL) {
		if (now != 0)
			client_note(c, client_current(c), now, MODEL_LINE_ERROR,
			    "out of memory for the password: nothing was "
			    "sent");
		return NULL;
	}
	c->acct.unlocked = !locked;
	client_vault_say(c, now);
	return c->acct.vault;
}

/* The password kept for reconnects, or 0 bytes. */
static size_t
client_kept(const struct client *c, const char **p)
{
	*p = "";
	if (c->acct.vault == NULL)
		return 0;
	return account_vault_get(c->acct.vault, ACCOUNT_KEPT, p);
}

static void
client_forget_kept(struct client *c)
{
	if (c->acct.vault != NULL)
		account_vault_clear(c->acct.vault, ACCOUNT_KEPT);
}

static void
client_ask_close(struct client *c)
{
	c->acct.ask = CLIENT_ASK_NONE;
	c->acct.ask_again = 0;
	c->acct.prompt[0] = '\0';
	if (c->acct.vault != NULL)
		account_vault_clear(c->acct.vault, ACCOUNT_NEXT);
}

/* Opens the question for a password; name is whose (copied). */
static void
client_ask_open(struct client *c, enum client_ask ask, struct slice name)
{
	client_ask_close(c);
	c->acct.ask = ask;
	client_keep(c->acct.ask_name, sizeof(c->acct.ask_name),
	    &c->acct.ask_name_len, name);
	snprintf(c->acct.prompt, sizeof(c->acct.prompt),
	    "%s %s (not shown; Enter sends, Escape cancels): ",
	    ask == CLIENT_ASK_LOGIN ? "password for" : "new password for",
	    c->acct.ask_name);
}

const char *
client_secret_prompt(const struct client *c)
{
	return c->acct.ask != CLIENT_ASK_NONE ? c->acct.prompt : NULL;
}

const char *
client_account(const struct client *c)
{
	return c->acct.logged_in ? c->acct.name : NULL;
}

/*
 * Sends verb with arg and the password pw[0..len) as its last field.  The
 * line is checked before it goes, and the copy of it made here is wiped
 * after; a refusal never quotes it.  Returns 0, or -1 with a notice.
 */
static int
client_send_secret(struct client *c, enum cmd_verb verb, struct slice arg,
    const char *pw, size_t len, uint64_t now)
{
	char line[PROTO_LINE_MAX];
	struct cmd cmd, back;
	size_t n;
	int ok;

	if (!account_server_safe(c->server)) {
		client_note_both(c, now, MODEL_LINE_ERROR,
		    "not sent: a password goes only over TLS (or to this "
		    "machine); connect with -s tls://HOST:PORT, or server = "
		    "tls://HOST:PORT in the config file");
		return -1;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = verb;
	cmd.uid = client_slice(c->uid, cmd_verb_has_uid(verb) ? c->uid_len : 0);
	cmd.arg = arg;
	cmd.text = client_slice(pw, len);
	n = cmd_encode(line, sizeof(line), &cmd);
	ok = n > 0 && cmd_decode(line, n - 1, &back) == PROTO_E_NONE &&
	    back.verb == verb && client_slice_eq(back.arg, arg.p, arg.len) &&
	    client_slice_eq(back.text, pw, len);
	if (ok)
		c->io.send(c->io.ctx, line, n);
	account_wipe(line, sizeof(line));
	account_wipe(&back, sizeof(back));
	if (!ok) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "not sent: the name or the password is not one the server "
		    "takes");
		return -1;
	}
	return 0;
}

/* Logs in as the account with the kept password. */
static int
client_send_login(struct client *c, uint64_t now)
{
	const char *pw;
	size_t len = client_kept(c, &pw);

	if (client_send_secret(c, CMD_LOGIN,
	        client_slice(c->acct.name, c->acct.name_len), pw, len, now) < 0)
		return -1;
	c->acct.out = 1;
	c->reg_out = 1;
	return 0;
}

int
client_account_connect(struct client *c, uint64_t now)
{
	const char *pw;

	/* Refused on this connection: /nick registers as a guest. */
	if (c->acct.name_len == 0 || c->acct.declined)
		return 0;
	client_vault_say(c, now);
	if (client_kept(c, &pw) > 0) {
		if (client_send_login(c, now) < 0)
			c->acct.declined = 1;
		return 1;
	}
	if (c->acct.ask == CLIENT_ASK_NONE) {
		client_ask_open(c, CLIENT_ASK_LOGIN,
		    client_slice(c->acct.name, c->acct.name_len));
		client_note_both(c, now, MODEL_LINE_INFO,
		    "log in as %s: type the password (it is not shown), or "
		    "press Escape to chat as a guest",
		    c->acct.name);
	}
	return 1;
}

int
client_set_account(
    struct client *c, const char *name, const char *pw, size_t len)
{
	size_t nlen = strlen(name);

	if (valid_name(name, nlen) != PROTO_E_NONE)
		return -1;
	if (pw != NULL &&
	    (account_password_check(pw, len) != ACCOUNT_PW_OK ||
	        client_vault(c, 0) == NULL ||
	        account_vault_set(c->acct.vault, ACCOUNT_KEPT, pw, len) < 0))
		return -1;
	client_keep(c->acct.name, sizeof(c->acct.name), &c->acct.name_len,
	    client_slice(name, nlen));
	return 0;
}

void
client_account_disconnected(struct client *c)
{
	c->acct.out = 0;
	c->acct.logged_in = 0;
	c->acct.in_login = 0;
	c->acct.declined = 0;
	account_away_clear(&c->acct.away);
	account_marks_reset_sent(&c->acct.marks);
}

void
client_account_free(struct client *c)
{
	account_vault_free(c->acct.vault);
	c->acct.vault = NULL;
}

/* The password typed for /login. */
static void
client_secret_login(struct client *c, const char *p, size_t len, uint64_t now)
{
	struct slice name =
	    client_slice(c->acct.ask_name, c->acct.ask_name_len);

	if (client_vault(c, now) == NULL ||
	    account_vault_set(c->acct.vault, ACCOUNT_KEPT, p, len) < 0)
		return;
	client_keep(
	    c->acct.name, sizeof(c->acct.name), &c->acct.name_len, name);
	c->acct.declined = 0;
	if (c->state == CLIENT_REGISTERING && !c->reg_out) {
		c->reg_retry_at = UINT64_MAX;
		(void)client_send_login(c, now);
		return;
	}
	if (c->state == CLIENT_ONLINE || c->state == CLIENT_REGISTERING) {
		/*
		 * The server logs in before reg only, and a reg (or another
		 * login) is on its way: a new connection does.
		 */
		client_note_both(c, now, MODEL_LINE_INFO,
		    "logging in as %s takes a new connection: reconnecting",
		    c->acct.name);
		c->dropped = 1;
		c->io.drop(c->io.ctx, "logging in");
		return;
	}
	client_note(c, client_current(c), now, MODEL_LINE_INFO,
	    "you will log in as %s once connected", c->acct.name);
}

/* Sends register for name with the kept password. */
static void
client_send_register(struct client *c, struct slice name, uint64_t now)
{
	const char *pw;
	size_t len = client_kept(c, &pw);

	if (client_send_secret(c, CMD_REGISTER, name, pw, len, now) < 0) {
		client_forget_kept(c);
		return;
	}
	c->acct.out = 1;
	client_keep(
	    c->acct.name, sizeof(c->acct.name), &c->acct.name_len, name);
	/* Before reg it is the registration: the same replies as login. */
	if (c->state == CLIENT_REGISTERING)
		c->reg_out = 1;
}

/*
 * A new password typed the first time (kept in the vault's NEXT slot),
 * or the second: 1 when both agree and the caller may send it.
 */
static int
client_secret_twice(struct client *c, const char *p, size_t len, uint64_t now)
{
	const char *first;
	size_t flen;

	if (!c->acct.ask_again) {
		if (client_vault(c, now) == NULL ||
		    account_vault_set(c->acct.vault, ACCOUNT_NEXT, p, len) <
		        0) {
			client_ask_close(c);
			return 0;
		}
		c->acct.ask_again = 1;
		snprintf(c->acct.prompt, sizeof(c->acct.prompt),
		    "the same password again (not shown): ");
		return 0;
	}
	flen = account_vault_get(c->acct.vault, ACCOUNT_NEXT, &first);
	if (flen != len || memcmp(first, p, len) != 0) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "the two passwords differ: nothing was sent; /%s to "
		    "start again",
		    c->acct.ask == CLIENT_ASK_PASSWD ? "passwd" : "register");
		client_ask_close(c);
		return 0;
	}
	return 1;
}

void
client_secret(struct client *c, const char *p, size_t len, uint64_t now)
{
	enum account_pw why = account_password_check(p, len);
	enum client_ask ask = c->acct.ask;
	struct slice name =
	    client_slice(c->acct.ask_name, c->acct.ask_name_len);
	const char *pw;
	size_t plen;

	if (ask == CLIENT_ASK_NONE)
		return;
	if (why != ACCOUNT_PW_OK) {
		/* The question stays: the user types it again. */
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "%s; type it again, or Escape",
		    account_password_problem(why));
		return;
	}
	if (ask == CLIENT_ASK_LOGIN) {
		client_ask_close(c);
		client_secret_login(c, p, len, now);
		return;
	}
	if (!client_secret_twice(c, p, len, now))
		return;
	plen = account_vault_get(c->acct.vault, ACCOUNT_NEXT, &pw);
	if (ask == CLIENT_ASK_PASSWD) {
		/* Kept in NEXT until the server says it changed. */
		c->acct.ask = CLIENT_ASK_NONE;
		c->acct.ask_again = 0;
		c->acct.prompt[0] = '\0';
		if (c->state != CLIENT_ONLINE || !c->acct.logged_in) {
			client_note(c, client_current(c), now, MODEL_LINE_ERROR,
			    "not logged in any more: nothing was sent");
			account_vault_clear(c->acct.vault, ACCOUNT_NEXT);
			return;
		}
		if (client_send_secret(
		        c, CMD_PASSWD, client_none, pw, plen, now) < 0)
			account_vault_clear(c->acct.vault, ACCOUNT_NEXT);
		return;
	}
	/* Register: this password is the one to log in with from now on. */
	(void)account_vault_set(c->acct.vault, ACCOUNT_KEPT, pw, plen);
	client_ask_close(c);
	if (c->state < CLIENT_REGISTERING) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "not connected: nothing was sent; /register again once "
		    "online");
		client_forget_kept(c);
		return;
	}
	if (c->state == CLIENT_REGISTERING && c->reg_out) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "the server has not answered the name yet: nothing was "
		    "sent; /register again in a moment");
		client_forget_kept(c);
		return;
	}
	client_send_register(c, name, now);
}

void
client_secret_cancel(struct client *c, uint64_t now)
{
	enum client_ask ask = c->acct.ask;

	if (ask == CLIENT_ASK_NONE)
		return;
	client_ask_close(c);
	/* The password asked for on connecting: a guest instead. */
	if (ask == CLIENT_ASK_LOGIN && c->state == CLIENT_REGISTERING &&
	    !c->reg_out && c->acct.name_len > 0 &&
	    valid_name_equal(c->acct.ask_name, c->acct.ask_name_len,
	        c->acct.name, c->acct.name_len)) {
		client_note(c, client_current(c), now, MODEL_LINE_INFO,
		    "not logged in: registering %s as a guest (/login to log "
		    "in)",
		    c->name);
		c->acct.name_len = 0;
		c->acct.name[0] = '\0';
		client_register(c, now);
		return;
	}
	client_note(c, client_current(c), now, MODEL_LINE_INFO,
	    "cancelled: no password was sent");
}

enum client_input_result
client_cmd_account(
    struct client *c, enum slash_cmd cmd, struct slice arg, uint64_t now)
{
	struct slice name = arg;

	if (cmd == SLASH_PASSWD) {
		if (c->state != CLIENT_ONLINE || !c->acct.logged_in) {
			client_note(c, client_current(c), now, MODEL_LINE_ERROR,
			    "/passwd changes the password of the account you "
			    "are "
			    "logged in as: /login first");
			return CLIENT_INPUT_KEEP;
		}
		client_ask_open(c, CLIENT_ASK_PASSWD,
		    client_slice(c->acct.name, c->acct.name_len));
		return CLIENT_INPUT_DONE;
	}
	if (c->acct.logged_in) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "you are logged in as %s already", c->acct.name);
		return CLIENT_INPUT_KEEP;
	}
	if (name.len == 0 && cmd == SLASH_LOGIN && c->acct.name_len > 0)
		name = client_slice(c->acct.name, c->acct.name_len);
	if (name.len == 0)
		name = client_slice(c->name, c->name_len);
	if (valid_name(name.p, name.len) != PROTO_E_NONE) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "%.*s is not a valid name: %s", (int)name.len, name.p,
		    proto_code_text(PROTO_E_BAD_NAME));
		return CLIENT_INPUT_KEEP;
	}
	if (cmd == SLASH_REGISTER) {
		if (c->state < CLIENT_REGISTERING) {
			client_note(c, client_current(c), now, MODEL_LINE_ERROR,
			    "not connected: /register once online");
			return CLIENT_INPUT_KEEP;
		}
		/* Registered as a guest: only the name in use can be. */
		if (c->state == CLIENT_ONLINE && !client_is_self(c, name)) {
			client_note(c, client_current(c), now, MODEL_LINE_ERROR,
			    "you can register only the name you use, %s: /nick "
			    "%.*s first",
			    c->name, (int)name.len, name.p);
			return CLIENT_INPUT_KEEP;
		}
	}
	if (!account_server_safe(c->server) && c->state != CLIENT_OFFLINE) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "a password goes only over TLS (or to this machine): "
		    "connect with -s tls://HOST:PORT first");
		return CLIENT_INPUT_KEEP;
	}
	client_ask_open(c,
	    cmd == SLASH_LOGIN ? CLIENT_ASK_LOGIN : CLIENT_ASK_REGISTER, name);
	return CLIENT_INPUT_DONE;
}

/* account$<name>$<state> */
static void
client_on_account(struct client *c, const struct event *ev, uint64_t now)
{
	const char *pw;
	size_t len;

	if (client_slice_eq(ev->text, "password_changed", 16)) {
		if (c->acct.vault != NULL &&
		    (len = account_vault_get(
		         c->acct.vault, ACCOUNT_NEXT, &pw)) > 0) {
			(void)account_vault_set(
			    c->acct.vault, ACCOUNT_KEPT, pw, len);
			account_vault_clear(c->acct.vault, ACCOUNT_NEXT);
		}
		client_note_both(c, now, MODEL_LINE_INFO,
		    "the password of %s is changed", c->acct.name);
		return;
	}
	if (!c->acct.out)
		return;
	if (client_slice_eq(ev->text, "registered", 10)) {
		c->acct.logged_in = 1;
		if (c->state == CLIENT_ONLINE)
			c->acct.out = 0;
		client_note_both(c, now, MODEL_LINE_INFO,
		    "the account %s is registered: the name is yours, and you "
		    "log in with it from now on",
		    c->acct.name);
		return;
	}
	if (client_slice_eq(ev->text, "logged_in", 9)) {
		c->acct.out = 0;
		c->acct.logged_in = 1;
		c->acct.in_login = 1;
		account_away_clear(&c->acct.away);
		client_note(c, NULL, now, MODEL_LINE_INFO, "logged in as %s",
		    c->acct.name);
	}
}

/* marker$<chan>$<seq>: the account read the channel up to seq. */
static void
client_on_marker(struct client *c, const struct event *ev)
{
	struct model_win *w;
	uint64_t read;

	if (!c->acct.logged_in)
		return;
	read = account_marks_server(
	    &c->acct.marks, ev->chan.p, ev->chan.len, ev->seq);
	w = client_chan_win(c, ev->chan);
	if (w != NULL && read > 0)
		model_win_read_to(c->m, w, read);
}

/* login_end$<channels>$<dms>$<markers> */
static void
client_on_login_end(struct client *c, const struct event *ev, uint64_t now)
{
	if (!c->acct.in_login)
		return;
	c->acct.in_login = 0;
	account_away_clear(&c->acct.away);
	client_note(c, NULL, now, MODEL_LINE_INFO,
	    "%s: %" PRIu64 " channel%s rejoined, %" PRIu64
	    " message%s that came while you were away, %" PRIu64
	    " read marker%s",
	    c->acct.name, ev->count, ev->count == 1 ? "" : "s", ev->dms,
	    ev->dms == 1 ? "" : "s", ev->markers, ev->markers == 1 ? "" : "s");
	/* What the account does not keep (a channel joined as a guest). */
	client_rejoin(c, now);
}

void
client_on_account_line(struct client *c, const struct event *ev, uint64_t now)
{
	switch (ev->kind) {
	case EV_ACCOUNT:
		client_on_account(c, ev, now);
		break;
	case EV_MARKER:
		client_on_marker(c, ev);
		break;
	case EV_LOGIN_END:
		client_on_login_end(c, ev, now);
		break;
	default:
		break;
	}
}

int
client_account_joins(const struct client *c)
{
	return c->acct.logged_in;
}

void
client_account_dm(
    struct client *c, struct model_win *w, const struct event *ev, uint64_t now)
{
	(void)now;
	if (!c->acct.in_login || model_win_kind(w) != MODEL_WIN_DM ||
	    !account_away_first(&c->acct.away, ev->name.p, ev->name.len))
		return;
	/* At the first message's time, so a day row goes above it. */
	client_note(c, w, ev->time, MODEL_LINE_EVENT,
	    "sent to you while you were away:");
}

/* No accounts on this server: the name is registered as a guest's. */
static int
client_account_off(struct client *c, const char *why, uint64_t now)
{
	c->acct.out = 0;
	c->reg_out = 0;
	client_forget_kept(c);
	c->acct.name_len = 0;
	c->acct.name[0] = '\0';
	client_note_both(c, now, MODEL_LINE_ERROR,
	    "%s: registering %s as a guest", why, c->name);
	client_register(c, now);
	return 1;
}

/* A login, register or passwd came back refused: the sentence to say. */
static const char *
client_account_why(enum proto_code code)
{
	switch (code) {
	case PROTO_E_BAD_LOGIN:
		return "wrong account name or password";
	case PROTO_E_LOGIN_LIMITED:
		return "too many failed logins";
	case PROTO_E_TLS_REQUIRED:
		return "this server takes passwords only over TLS: connect "
		       "with -s tls://HOST:PORT (or server = tls://HOST:PORT "
		       "in the config file)";
	case PROTO_E_ACCOUNTS_OFF:
		return "this server keeps no accounts (it runs without a "
		       "database)";
	case PROTO_E_BUSY:
		return "the server is busy checking passwords";
	case PROTO_E_ACCOUNT_EXISTS:
		return "that name is an account already: /login NAME if it is "
		       "yours";
	case PROTO_E_BAD_PASSWORD:
		return "the server does not take that password (8 to 256 "
		       "bytes, no control characters)";
	case PROTO_E_NAME_RESERVED:
		return "that name is a registered account";
	default:
		return NULL;
	}
}

int
client_account_error(
    struct client *c, const struct event *ev, enum cmd_verb verb, uint64_t now)
{
	const char *why = client_account_why(ev->code);
	int before = c->state == CLIENT_REGISTERING;

	/*
	 * A server older than accounts does not know login or register
	 * (and may not say which line it means): as one without a database.
	 */
	if (ev->code == PROTO_E_UNKNOWN_COMMAND && c->acct.out && before &&
	    (verb == CMD_LOGIN || verb == CMD_REGISTER || verb == CMD_COUNT)) {
		verb = verb == CMD_COUNT ? CMD_LOGIN : verb;
		why = "this server does not know accounts";
		if (verb == CMD_LOGIN)
			return client_account_off(c, why, now);
	}
	if (ev->code == PROTO_E_NAME_RESERVED &&
	    (verb == CMD_REG || verb == CMD_NICK)) {
		if (verb == CMD_REG)
			c->reg_out = 0;
		client_note_both(c, now, MODEL_LINE_ERROR,
		    "%s is a registered account: /login %s if it is yours, or "
		    "/nick NAME to pick another",
		    verb == CMD_REG ? c->name : "that name",
		    verb == CMD_REG ? c->name : "NAME");
		return 1;
	}
	if (ev->code == PROTO_E_ACCOUNT_NAME) {
		client_note(c, client_current(c), now, MODEL_LINE_ERROR,
		    "logged in, your name is your account's (%s): it does not "
		    "change",
		    c->acct.name);
		return 1;
	}
	if (verb == CMD_MARK_READ)
		return 1; /* nothing for the user to do about it */
	if (verb != CMD_LOGIN && verb != CMD_REGISTER && verb != CMD_PASSWD)
		return 0;
	if (verb == CMD_PASSWD) {
		if (c->acct.vault != NULL)
			account_vault_clear(c->acct.vault, ACCOUNT_NEXT);
		client_note_both(c, now, MODEL_LINE_ERROR,
		    "the password was not changed: %s",
		    why != NULL ? why : proto_code_text(ev->code));
		return 1;
	}
	c->acct.out = 0;
	if (before)
		c->reg_out = 0;
	if (verb == CMD_LOGIN && ev->code == PROTO_E_BUSY && before) {
		/* The password is right or wrong: ask again shortly. */
		c->reg_retry_at = now + CLIENT_REG_RETRY_MS;
		client_note_both(c, now, MODEL_LINE_INFO,
		    "%s; logging in again in %d s", why,
		    CLIENT_REG_RETRY_MS / 1000);
		return 1;
	}
	if (verb == CMD_LOGIN && ev->code == PROTO_E_ACCOUNTS_OFF && before)
		return client_account_off(c, why, now);
	if (before)
		c->acct.declined = 1;
	/* A wrong password is never sent again by itself. */
	if (ev->code == PROTO_E_BAD_LOGIN || verb == CMD_REGISTER)
		client_forget_kept(c);
	if (verb == CMD_REGISTER && !c->acct.logged_in) {
		c->acct.name_len = 0;
		c->acct.name[0] = '\0';
	}
	if (ev->code == PROTO_E_LOGIN_LIMITED)
		client_note_both(c, now, MODEL_LINE_ERROR,
		    "%s: %.*s; /login to try again then", why,
		    (int)ev->text.len, ev->text.p);
	else if (verb == CMD_LOGIN && before)
		client_note_both(c, now, MODEL_LINE_ERROR,
		    "not logged in: %s; /login to try again, or /nick NAME to "
		    "chat as a guest",
		    why != NULL ? why : proto_code_text(ev->code));
	else
		client_note_both(c, now, MODEL_LINE_ERROR, "%s failed: %s",
		    verb == CMD_LOGIN ? "login" : "register",
		    why != NULL ? why : proto_code_text(ev->code));
	return 1;
}

/* The window shown, if its newest line is in view and a channel's. */
static struct model_win *
client_seen_win(const struct client *c)
{
	struct model_win *w = client_current(c);

	if (!client_is_channel_win(w) || !model_win_joined(w) ||
	    model_win_anchor(w) != UINT64_MAX || model_win_catchup(w) != 0 ||
	    model_win_seq(w) == 0)
		return NULL;
	return w;
}

void
client_account_tick(struct client *c, uint64_t now)
{
	struct account_mark *e;
	struct cmd cmd;
	long i;

	if (c->state != CLIENT_ONLINE || !c->acct.logged_in || c->acct.in_login)
		return;
	while ((i = account_marks_due(&c->acct.marks, now)) >= 0) {
		e = &c->acct.marks.e[i];
		memset(&cmd, 0, sizeof(cmd));
		cmd.verb = CMD_MARK_READ;
		cmd.uid = client_slice(c->uid, c->uid_len);
		cmd.arg = client_slice(e->chan, e->chan_len);
		cmd.seq = e->want;
		account_marks_sent(&c->acct.marks, (size_t)i, now);
		(void)client_send_cmd(c, &cmd, now);
	}
}

void
client_seen(struct client *c, uint64_t now)
{
	struct model_win *w;
	const char *key;

	if (c->state != CLIENT_ONLINE || !c->acct.logged_in ||
	    c->acct.in_login || (w = client_seen_win(c)) == NULL)
		return;
	key = model_win_key(w);
	if (account_marks_seen(
	        &c->acct.marks, key, strlen(key), model_win_seq(w)) == 1)
		client_account_tick(c, now);
}

uint64_t
client_account_next_tick(const struct client *c)
{
	if (c->state != CLIENT_ONLINE || !c->acct.logged_in || c->acct.in_login)
		return UINT64_MAX;
	return account_marks_next(&c->acct.marks);
}

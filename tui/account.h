/* account.h: the client's account helpers: the password typed unseen, the
 * password command's output, where passwords may go, read markers. */
#ifndef TUI_ACCOUNT_H
#define TUI_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * Pure bookkeeping for the client's accounts (issue #13), apart from the
 * one page of locked memory a kept password lives in: nothing here draws,
 * reads a file or speaks to the server.
 */

/* Bytes of a password the server takes (ACCOUNTS.md), no terminator. */
#define ACCOUNT_PASSWORD_MIN PROTO_PASSWORD_MIN
#define ACCOUNT_PASSWORD_MAX PROTO_PASSWORD_MAX
/*
 * Bytes of a password command's output read at most: its first line is
 * the password, and a command that writes more before it ends is refused
 * rather than cut.
 */
#define ACCOUNT_CMD_OUTPUT_MAX 4096
/* Bytes of the pass_cmd config value, no terminator. */
#define ACCOUNT_CMD_MAX 1024
/* Channels whose read markers are kept (every window can have one). */
#define ACCOUNT_MARKS_MAX 256
/* A window's mark_read goes at most this often (ms). */
#define ACCOUNT_MARK_INTERVAL_MS 1000
/* Conversations told "while you were away" in one login. */
#define ACCOUNT_AWAY_MAX 256

/* Why a password is refused before it is sent. */
enum account_pw {
	ACCOUNT_PW_OK = 0,
	ACCOUNT_PW_SHORT, /* fewer than ACCOUNT_PASSWORD_MIN bytes */
	ACCOUNT_PW_LONG,  /* more than ACCOUNT_PASSWORD_MAX bytes */
	ACCOUNT_PW_CHAR,  /* invalid UTF-8 or a control character */
};

/* Checks p[0..len) against the server's password rules. */
enum account_pw account_password_check(const char *p, size_t len);
/* A sentence saying what is wrong, without quoting the password. */
const char *account_password_problem(enum account_pw why);

/*
 * A password being typed: UTF-8 bytes in a fixed buffer, never shown and
 * never copied anywhere else; account_secret_wipe() zeroes it in a way
 * the compiler keeps.  One more code point than the server takes fits,
 * so that a password that is too long is said to be, not cut silently.
 */
struct account_secret {
	char buf[ACCOUNT_PASSWORD_MAX + 4];
	size_t len;
};

/*
 * Adds code point cp.  Returns 0, or -1 (nothing added) for a control
 * character, a code point outside Unicode or a full buffer.
 */
int account_secret_insert(struct account_secret *s, uint32_t cp);
/*
 * Adds the first line of a paste (a password manager pastes it with or
 * without a newline); the rest is dropped.  Returns 0, or -1 with the
 * secret as it was when the line does not fit or holds a control.
 */
int account_secret_paste(struct account_secret *s, const char *p, size_t len);
/* Deletes the last code point. */
void account_secret_backspace(struct account_secret *s);
/* Zeroes the whole buffer and the length. */
void account_secret_wipe(struct account_secret *s);
/* Zeroes n bytes at p, as account_secret_wipe() does. */
void account_wipe(void *p, size_t n);

/*
 * The password in a password command's output out[0..len): its first
 * line, without the LF and a CR before it.  Returns its length, or -1
 * when there is no line, only an empty one, or the output was cut at
 * ACCOUNT_CMD_OUTPUT_MAX before its first LF (full says so).
 */
long account_cmd_password(const char *out, size_t len, int full);

/*
 * Whether a password may go to server ("host:port", "[v6]:port", with
 * "tls://" in front for TLS): over TLS always; in plaintext only to this
 * machine (localhost, 127.0.0.0/8, ::1), which nobody else can read.
 */
int account_server_safe(const char *server);

/*
 * A kept password, for logging in again after a reconnect: one page of
 * memory locked out of swap (mlock) and out of core dumps, zeroed before
 * it is given back.  NULL when out of memory.  *locked says whether the
 * lock held (a low RLIMIT_MEMLOCK can refuse it).
 */
struct account_vault;
struct account_vault *account_vault_new(int *locked);
/* Zeroes and frees; account_vault_free(NULL) does nothing. */
void account_vault_free(struct account_vault *v);
/*
 * A vault has two places: the password kept for logging in again, and a
 * new one on its way (typed once of the two times, or sent in passwd and not
 * yet answered).
 */
enum account_slot {
	ACCOUNT_KEPT = 0,
	ACCOUNT_NEXT = 1,
};
/* Stores p[0..len) (at most ACCOUNT_PASSWORD_MAX bytes); -1 if longer. */
int account_vault_set(
    struct account_vault *v, enum account_slot slot, const char *p, size_t len);
/* Zeroes what slot keeps. */
void account_vault_clear(struct account_vault *v, enum account_slot slot);
/* The password slot keeps (borrowed, not terminated), its length; 0: none. */
size_t account_vault_get(
    const struct account_vault *v, enum account_slot slot, const char **p);

/*
 * Read markers per channel id: the server's (the account read up to it),
 * and the one this client wants to send, at most once per
 * ACCOUNT_MARK_INTERVAL_MS per channel.
 */
struct account_mark {
	char chan[PROTO_ID_MAX + 1];
	size_t chan_len;
	uint64_t read;    /* the server's marker, 0 if none */
	uint64_t want;    /* the newest seq seen here */
	uint64_t sent;    /* the last seq sent in mark_read */
	uint64_t sent_at; /* when, ms; 0 never */
};

struct account_marks {
	struct account_mark e[ACCOUNT_MARKS_MAX];
	size_t n;
};

/* Forgets every marker. */
void account_marks_clear(struct account_marks *m);
/* The server's marker of chan, 0 if none. */
uint64_t account_marks_read(
    const struct account_marks *m, const char *chan, size_t len);
/*
 * The server says chan is read up to seq (markers only move forward).
 * Returns the marker now kept, or 0 when the table is full of channels
 * waiting to be sent (then nothing is kept) or chan is too long.
 */
uint64_t account_marks_server(
    struct account_marks *m, const char *chan, size_t len, uint64_t seq);
/*
 * The user saw chan up to seq here: a mark_read is wanted if seq passes
 * what the server has and what was sent.  Returns 1 if one is wanted
 * now, 0 if not, -1 when the table is full.
 */
int account_marks_seen(
    struct account_marks *m, const char *chan, size_t len, uint64_t seq);
/*
 * The index of a channel whose mark_read may go at now, or -1: the caller
 * sends e[i].want and calls account_marks_sent().
 */
long account_marks_due(const struct account_marks *m, uint64_t now);
void account_marks_sent(struct account_marks *m, size_t i, uint64_t now);
/*
 * When the next wanted mark_read may go (ms), or UINT64_MAX when none is
 * wanted.
 */
uint64_t account_marks_next(const struct account_marks *m);
/*
 * The connection went: what was sent but not answered may go again, at
 * once, on the next connection.
 */
void account_marks_reset_sent(struct account_marks *m);

/*
 * The conversations that got the "while you were away" line in this
 * login, by peer name (case-insensitive as names are).
 */
struct account_away {
	char name[ACCOUNT_AWAY_MAX][PROTO_NAME_MAX + 1];
	size_t n;
};
/*
 * Returns 1 the first time name is seen since the last clear (and
 * remembers it, room allowing), else 0.
 */
int account_away_first(struct account_away *a, const char *name, size_t len);
void account_away_clear(struct account_away *a);

#endif

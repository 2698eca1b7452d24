/* proto.h: protocol-wide limits, the welcome line and the error codes. */
#ifndef PROTO_PROTO_H
#define PROTO_PROTO_H

#include <stddef.h>

/* Version of the extended protocol spoken after "hello$1". */
#define PROTO_VERSION 1

/* Bytes in one line on the wire, counting the LF and a CR before it. */
#define PROTO_LINE_MAX 4096
/* Bytes in a user name or a channel name (ASCII), no terminator. */
#define PROTO_NAME_MAX 32
/* Bytes of message text (UTF-8), no terminator. */
#define PROTO_TEXT_MAX 3072
/* Bytes in a uid ("[v6]:port" is at most 53) or a channel id, no terminator. */
#define PROTO_ID_MAX 64
/* Length of a generated channel id (nanoid alphabet A-Za-z0-9_-). */
#define PROTO_CHAN_ID_LEN 21
/* Bytes in a ping token, no terminator. */
#define PROTO_TOKEN_MAX 64
/* Bytes in a quit reason, no terminator. */
#define PROTO_REASON_MAX 256
/* Decimal digits in the largest 64-bit number, no terminator. */
#define PROTO_NUM_MAX 20
/* Bytes in an account password (UTF-8, the last field), no terminator. */
#define PROTO_PASSWORD_MIN 8
#define PROTO_PASSWORD_MAX 256
/* Bytes of a channel topic (UTF-8), no terminator. */
#define PROTO_TOPIC_MAX 512
/* Bytes of an away text (UTF-8), no terminator. */
#define PROTO_AWAY_MAX 256
/* Bytes of a channel key ('!' to '~'), no terminator. */
#define PROTO_KEY_MAX 64

/* A borrowed run of bytes, not NUL-terminated; owned by whoever made it. */
struct slice {
	const char *p;
	size_t len;
};

/* First line the server sends on every connection; an empty line follows. */
#define PROTO_WELCOME "------Welcome to Txt Chat------"

/*
 * Error codes of "error$<code>$<verb>$<text>" (extended mode) and
 * "$$error: <code>: <text>" (base mode).  The codes at and after
 * PROTO_E_FATAL_FIRST are only sent as the last line before the server
 * closes the connection.
 */
enum proto_code {
	PROTO_E_NONE = 0,
	PROTO_E_LINE_TOO_LONG,
	PROTO_E_BAD_UTF8,
	PROTO_E_BAD_CHAR,
	PROTO_E_UNKNOWN_COMMAND,
	PROTO_E_EXT_ONLY,
	PROTO_E_BAD_ARGS,
	PROTO_E_BAD_NAME,
	PROTO_E_BAD_CHANNEL_NAME,
	PROTO_E_BAD_TEXT,
	PROTO_E_TEXT_TOO_LONG,
	PROTO_E_BAD_TOKEN,
	PROTO_E_BAD_VERSION,
	PROTO_E_BAD_STATE,
	PROTO_E_NOT_REGISTERED,
	PROTO_E_ALREADY_REGISTERED,
	PROTO_E_NAME_TAKEN,
	PROTO_E_BAD_UID,
	PROTO_E_NO_SUCH_CHANNEL,
	PROTO_E_NOT_MEMBER,
	PROTO_E_CHANNEL_EXISTS,
	PROTO_E_NO_SUCH_USER,
	PROTO_E_JOIN_LIMIT,
	PROTO_E_CHANNEL_LIMIT,
	PROTO_E_CHANNEL_FULL,
	PROTO_E_NO_MEMORY,
	/* Accounts (extended mode). */
	PROTO_E_BAD_LOGIN,
	PROTO_E_LOGIN_LIMITED,
	PROTO_E_TLS_REQUIRED,
	PROTO_E_NAME_RESERVED,
	PROTO_E_ACCOUNT_EXISTS,
	PROTO_E_NOT_LOGGED_IN,
	PROTO_E_ACCOUNT_NAME,
	PROTO_E_BAD_PASSWORD,
	PROTO_E_ACCOUNTS_OFF,
	PROTO_E_BUSY,
	PROTO_E_DM_QUEUE_FULL,
	PROTO_E_BAD_KEY,
	PROTO_E_NOT_CREATOR,
	/* Several nodes: the shared log (Redis) cannot take the command. */
	PROTO_E_STORAGE_UNAVAILABLE,
	/* Fatal codes: the connection is closed after this line. */
	PROTO_E_QUIT,
	PROTO_E_SENDQ_EXCEEDED,
	PROTO_E_REGISTRATION_TIMEOUT,
	PROTO_E_PING_TIMEOUT,
	PROTO_E_SERVER_FULL,
	PROTO_E_ADDRESS_LIMIT,
	PROTO_E_TOO_MANY_ERRORS,
	PROTO_E_NOT_CHAT,
	PROTO_E_SHUTDOWN,
	PROTO_E_BANNED,
	PROTO_E_COUNT
};
#define PROTO_E_FATAL_FIRST PROTO_E_QUIT

/* Wire name of a code ("line_too_long"); "unknown" for an unknown code. */
const char *proto_code_name(enum proto_code code);
/* Default human-readable text of a code; never NULL. */
const char *proto_code_text(enum proto_code code);
/* Code for a wire name, or PROTO_E_NONE if the name is unknown. */
enum proto_code proto_code_parse(const char *name, size_t len);
/* Non-zero if a code closes the connection. */
int proto_code_is_fatal(enum proto_code code);

#endif

/* proto.c: wire names and default texts of the protocol error codes. */
#include <string.h>

#include "proto.h"

struct proto_code_info {
	const char *name;
	const char *text;
};

/*
 * Indexed by code; a code missing here shows up as a NULL in the tests,
 * which also check that each text names the limits it quotes.
 */
static const struct proto_code_info proto_codes[PROTO_E_COUNT] = {
    [PROTO_E_NONE] = {"none", "no error"},
    [PROTO_E_LINE_TOO_LONG] = {"line_too_long", "line longer than 4096 bytes"},
    [PROTO_E_BAD_UTF8] = {"bad_utf8", "line is not valid UTF-8"},
    [PROTO_E_BAD_CHAR] = {"bad_char",
        "line holds a control, bidi control or separator character"},
    [PROTO_E_UNKNOWN_COMMAND] = {"unknown_command", "unknown command"},
    [PROTO_E_EXT_ONLY] = {"ext_only",
        "command needs the extended protocol: send hello$1 first"},
    [PROTO_E_BAD_ARGS] = {"bad_args", "missing or empty field"},
    [PROTO_E_BAD_NAME] = {"bad_name",
        "names are 1-32 characters of A-Z a-z 0-9 _ . - and start with a "
        "letter, digit or _"},
    [PROTO_E_BAD_CHANNEL_NAME] = {"bad_channel_name",
        "channel names are 1-32 characters of A-Z a-z 0-9 _ . - # and start "
        "with a letter, digit, _ or #"},
    [PROTO_E_BAD_TEXT] = {"bad_text", "message text is empty"},
    [PROTO_E_TEXT_TOO_LONG] = {"text_too_long",
        "text longer than 3072 bytes (a quit reason: 256)"},
    [PROTO_E_BAD_TOKEN] = {"bad_token",
        "tokens are 1-64 characters from ! to ~"},
    [PROTO_E_BAD_VERSION] = {"bad_version",
        "unsupported protocol version; this side speaks 1"},
    [PROTO_E_BAD_STATE] = {"bad_state", "command not allowed now"},
    [PROTO_E_NOT_REGISTERED] = {"not_registered",
        "register first with reg$<name>"},
    [PROTO_E_ALREADY_REGISTERED] = {"already_registered", "already registered"},
    [PROTO_E_NAME_TAKEN] = {"name_taken", "name is already in use"},
    [PROTO_E_BAD_UID] = {"bad_uid", "uid is not this connection's"},
    [PROTO_E_NO_SUCH_CHANNEL] = {"no_such_channel", "no such channel"},
    [PROTO_E_NOT_MEMBER] = {"not_member", "not a member of that channel"},
    [PROTO_E_CHANNEL_EXISTS] = {"channel_exists",
        "a channel with that name exists"},
    [PROTO_E_NO_SUCH_USER] = {"no_such_user", "no such user"},
    [PROTO_E_JOIN_LIMIT] = {"join_limit", "in too many channels"},
    [PROTO_E_CHANNEL_LIMIT] = {"channel_limit",
        "too many channels on the server"},
    [PROTO_E_CHANNEL_FULL] = {"channel_full", "channel is full"},
    [PROTO_E_NO_MEMORY] = {"no_memory", "server is out of memory"},
    [PROTO_E_BAD_LOGIN] = {"bad_login", "wrong name or password"},
    [PROTO_E_LOGIN_LIMITED] = {"login_limited",
        "too many failed logins (5 a minute per address and per account)"},
    [PROTO_E_TLS_REQUIRED] = {"tls_required",
        "passwords are only taken over TLS"},
    [PROTO_E_NAME_RESERVED] = {"name_reserved",
        "name is a registered account; log in to use it"},
    [PROTO_E_ACCOUNT_EXISTS] = {"account_exists",
        "an account with that name exists"},
    [PROTO_E_NOT_LOGGED_IN] = {"not_logged_in", "log in first"},
    [PROTO_E_ACCOUNT_NAME] = {"account_name",
        "a logged-in user keeps the account's name"},
    [PROTO_E_BAD_PASSWORD] = {"bad_password",
        "passwords are 8-256 bytes of UTF-8 without control characters"},
    [PROTO_E_ACCOUNTS_OFF] = {"accounts_off",
        "accounts need a server with a database"},
    [PROTO_E_BUSY] = {"busy", "server is busy; try again"},
    [PROTO_E_DM_QUEUE_FULL] = {"dm_queue_full",
        "too many messages wait for that account (1000)"},
    [PROTO_E_BAD_KEY] = {"bad_key",
        "wrong or missing channel key (keys are 1-64 characters from ! to "
        "~)"},
    [PROTO_E_NOT_CREATOR] = {"not_creator",
        "only the channel's creator may do that"},
    [PROTO_E_STORAGE_UNAVAILABLE] = {"storage_unavailable",
        "storage is unavailable: not sent; try again"},
    [PROTO_E_QUIT] = {"quit", "closing at your request"},
    [PROTO_E_SENDQ_EXCEEDED] = {"sendq_exceeded",
        "too much output left unread"},
    [PROTO_E_REGISTRATION_TIMEOUT] = {"registration_timeout",
        "did not register in time"},
    [PROTO_E_PING_TIMEOUT] = {"ping_timeout", "no reply to ping in time"},
    [PROTO_E_SERVER_FULL] = {"server_full", "server is full"},
    [PROTO_E_ADDRESS_LIMIT] = {"address_limit",
        "too many connections from your address"},
    [PROTO_E_TOO_MANY_ERRORS] = {"too_many_errors", "too many errors"},
    [PROTO_E_NOT_CHAT] = {"not_chat",
        "this port speaks the txt-chat protocol only"},
    [PROTO_E_SHUTDOWN] = {"shutdown", "server is shutting down"},
    [PROTO_E_BANNED] = {"banned", "banned from this server"},
};

/* The enum may be signed or unsigned; compare as unsigned to catch both. */
static int
proto_code_known(enum proto_code code)
{
	return (unsigned)code < (unsigned)PROTO_E_COUNT;
}

const char *
proto_code_name(enum proto_code code)
{
	if (!proto_code_known(code))
		return "unknown";
	return proto_codes[code].name;
}

const char *
proto_code_text(enum proto_code code)
{
	if (!proto_code_known(code))
		return "unknown error";
	return proto_codes[code].text;
}

enum proto_code
proto_code_parse(const char *name, size_t len)
{
	int i;

	for (i = 0; i < PROTO_E_COUNT; i++) {
		if (strlen(proto_codes[i].name) == len &&
		    memcmp(proto_codes[i].name, name, len) == 0)
			return (enum proto_code)i;
	}
	return PROTO_E_NONE;
}

int
proto_code_is_fatal(enum proto_code code)
{
	return proto_code_known(code) && code >= PROTO_E_FATAL_FIRST;
}

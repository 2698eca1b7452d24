/* cmd.h: client commands: decoded by the server, encoded by the client. */
#ifndef PROTO_CMD_H
#define PROTO_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * Every command is "verb$field$...$last", split on '$' except that the last
 * field takes the rest of the line, so text may hold '$'.
 */
enum cmd_verb {
	CMD_HELLO,       /* hello$<version>                 extended opt-in */
	CMD_REG,         /* reg$<name> */
	CMD_CREATE_CHAN, /* create_chan$<uid>$<channel name> */
	CMD_JOIN,        /* join$<uid>$<channel id or name>[$<key>] */
	CMD_LEAVE,       /* leave$<uid>$<channel id or name> */
	CMD_SEND_MSG,    /* send_msg$<uid>$<channel>$<text> */
	CMD_SEND_ACT,    /* send_act$<uid>$<channel>$<text>  extended */
	CMD_DM,          /* dm$<uid>$<user name>$<text>      extended */
	CMD_DM_ACT,      /* dm_act$<uid>$<user name>$<text>  extended */
	CMD_NICK,        /* nick$<uid>$<new name>            extended */
	CMD_LIST,        /* list$<uid>                       extended */
	CMD_NAMES,       /* names$<uid>$<channel>            extended */
	CMD_PING,        /* ping$<token> */
	CMD_PONG,        /* pong$<token>                     extended */
	CMD_QUIT,        /* quit or quit$<reason> */
	CMD_HISTORY, /* history$<uid>$<channel>$<dir>$<seq>$<limit>  extended */
	CMD_REGISTER,  /* register$<name>$<password>         extended */
	CMD_LOGIN,     /* login$<name>$<password>            extended */
	CMD_PASSWD,    /* passwd$<uid>$<new password>        extended */
	CMD_MARK_READ, /* mark_read$<uid>$<channel>$<seq>    extended */
	/* Extended, each; the key of a join too.  An empty or missing last
	 * field clears the topic, ends away, removes the key. */
	CMD_TOPIC,    /* topic$<uid>$<channel>[$<text>] */
	CMD_AWAY,     /* away$<uid>[$<text>] */
	CMD_KICK,     /* kick$<uid>$<channel>$<name>[$<reason>] */
	CMD_CHAN_KEY, /* chan_key$<uid>$<channel>[$<key>] */
	CMD_COUNT
};

/*
 * Which lines a history request asks for: before and after a seq
 * (excluded), or the newest (the seq field is then ignored).
 */
enum cmd_dir {
	CMD_DIR_BEFORE, /* "before": the newest <limit> lines with a lower seq
	                 */
	CMD_DIR_AFTER, /* "after": the oldest <limit> lines with a higher seq */
	CMD_DIR_LATEST, /* "latest": the newest <limit> lines */
	CMD_DIR_COUNT
};

/*
 * Lines one history request gets at most: a larger limit is clamped to
 * it, not refused.  The server also stops a page at 48 KiB of lines (see
 * txt-chat-protocol(7)); either way the end line says more.
 */
#define CMD_HISTORY_PAGE_MAX 200

/*
 * A decoded command.  The slices borrow from the decoded line and live as
 * long as it does.  Fields a verb does not have are empty (len 0).
 *   uid:  the <uid> field.
 *   arg:  version, name, channel, user name or token.
 *   text: message text, quit or kick reason, topic, away text, key or
 *         password (the last field; a join's key).
 *   name: the user a kick names.
 *   dir, seq, limit: a history request's direction, reference seq and
 *         limit (1 or more, not clamped here); seq is also mark_read's
 *         seq; 0 for other verbs.
 */
struct cmd {
	enum cmd_verb verb;
	struct slice uid;
	struct slice arg;
	struct slice text;
	enum cmd_dir dir;
	uint64_t seq;
	uint64_t limit;
	struct slice name;
};

/*
 * Decodes one line (without LF/CRLF).  Returns PROTO_E_NONE and fills *out,
 * or the error code to report: PROTO_E_BAD_UTF8 / PROTO_E_BAD_CHAR for bad
 * bytes anywhere, PROTO_E_UNKNOWN_COMMAND, PROTO_E_BAD_ARGS for a missing or
 * empty field, then the field rules of valid.h (names, channel names for
 * create_chan, text, tokens, version digits, reason length, topic and
 * away text length (PROTO_E_TEXT_TOO_LONG), key (PROTO_E_BAD_KEY),
 * passwords of PROTO_PASSWORD_MIN to PROTO_PASSWORD_MAX bytes (else
 * PROTO_E_BAD_PASSWORD); for history and mark_read
 * PROTO_E_BAD_ARGS for an unknown direction, a seq that is not 1 to 20
 * digits within 64 bits, or a limit of 0 or not such digits).  On error
 * out->verb is set when the verb was recognised (else CMD_COUNT), so the
 * error line can name it.
 */
enum proto_code cmd_decode(const char *line, size_t len, struct cmd *out);

/*
 * Encodes c as a line ending in "\n" into buf.  Returns its length, or 0 if
 * it does not fit in size bytes.  The fields are not validated; a field
 * holding '$' other than the last makes a different command.  A history
 * request's direction, seq and limit are written from dir, seq and limit.
 */
size_t cmd_encode(char *buf, size_t size, const struct cmd *c);

/* Wire name of a direction ("before"); "*" for CMD_DIR_COUNT. */
const char *cmd_dir_name(enum cmd_dir dir);

/* The direction named s[0..len), or CMD_DIR_COUNT. */
enum cmd_dir cmd_dir_parse(const char *s, size_t len);

/* Wire name of a verb ("send_msg"); "*" for CMD_COUNT. */
const char *cmd_verb_name(enum cmd_verb verb);

/* Non-zero if a verb is only accepted after hello (extended mode). */
int cmd_verb_is_extended(enum cmd_verb verb);

/*
 * Non-zero if a verb's first field is the sender's uid (every verb but
 * hello, reg, ping, pong and quit); 0 for CMD_COUNT.
 */
int cmd_verb_has_uid(enum cmd_verb verb);

#endif

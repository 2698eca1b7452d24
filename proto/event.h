/* event.h: server lines: encoded by the server, decoded by the client. */
#ifndef PROTO_EVENT_H
#define PROTO_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "proto.h"

/*
 * Extended-mode server lines, "kind$field$...$last"; the last field takes
 * the rest of the line.  Times are milliseconds since the Unix epoch.
 */
enum event_kind {
	EV_HELLO,      /* hello$<version>$<text max>$<name max>$<software> */
	EV_REGISTERED, /* registered$<uid>$<name> */
	EV_CREATED,    /* created$<chan id>$<name> */
	EV_JOINED, /* joined$<chan id>$<kind>$<members>$<name>   to the joiner
	            */
	EV_NAMES,  /* names$<chan id>$<name> <name> ... */
	EV_NAMES_END,   /* names_end$<chan id>$<count> */
	EV_MSG,         /* msg$<chan id>$<seq>$<time>$<sender>$<text> */
	EV_ACT,         /* act$<chan id>$<seq>$<time>$<sender>$<text> */
	EV_HISTORY_END, /* history_end$<chan id>$<count> */
	EV_JOIN,     /* join$<chan id>$<time>$<name>      someone else joined */
	EV_PART,     /* part$<chan id>$<time>$<name>      someone else left */
	EV_LEFT,     /* left$<chan id>                    you left */
	EV_CLOSED,   /* closed$<chan id>$<reason>         channel removed */
	EV_QUIT,     /* quit$<time>$<name>$<reason> */
	EV_NICK,     /* nick$<time>$<old>$<new> */
	EV_DM,       /* dm$<time>$<from>$<to>$<text> */
	EV_DM_ACT,   /* dm_act$<time>$<from>$<to>$<text> */
	EV_LIST,     /* list$<chan id>$<kind>$<members>$<name> */
	EV_LIST_END, /* list_end$<count> */
	EV_PING,     /* ping$<token> */
	EV_PONG,     /* pong$<token> */
	EV_ERROR,    /* error$<code>$<verb>$<text> */
	/* history_page$<chan id>$<dir>$<count>      a history reply begins */
	EV_HISTORY_PAGE,
	/* history_page_end$<chan id>$<count>$<more|end> */
	EV_HISTORY_PAGE_END,
	EV_ACCOUNT,   /* account$<name>$<state>    registered, logged_in, ... */
	EV_MARKER,    /* marker$<chan id>$<seq>    a read marker moved */
	EV_LOGIN_END, /* login_end$<channels>$<dms>$<markers> */
	EV_TOPIC,     /* topic$<chan id>$<time>$<by>$<text>  empty: none */
	EV_AWAY,      /* away$<name>$<text>                  empty: back */
	EV_KICK,      /* kick$<chan id>$<time>$<by>$<name>$<reason> */
	EV_CHAN_KEY,  /* chan_key$<chan id>$<key>           empty: none */
	EV_COUNT
};

enum event_chan_kind {
	EV_CHAN_CHANNEL,  /* "channel": made with create_chan */
	EV_CHAN_PERSONAL, /* "personal": a user's own, id = uid */
};

/*
 * One server line.  Slices borrow from the decoded line (or from the
 * caller, when encoding).  Which members a kind uses:
 *   chan:  channel id (the uid for EV_REGISTERED)
 *   name:  sender, joiner, leaver, quitter, old name, DM sender, channel
 *          name (created, joined, list), registered name, who set a topic
 *          or kicked, the away user
 *   peer:  new name (nick), DM recipient, the kicked user
 *   text:  message text, reason, names list, token, software, error text,
 *          topic, away text, key
 *   seq, time:  message sequence number and server time
 *   count: members, names or history count, list count, hello version
 *   text_max, name_max: limits announced by hello
 *   page_max: hello: the most lines a history request gets, 0 if the
 *          server did not say; sent as a last field after the software,
 *          which an older decoder reads as part of that text
 *   chan_kind: joined and list
 *   code, verb: error (code is PROTO_E_NONE for a code this side does not
 *          know; verb is "*" when no command caused it)
 *   dir:   history_page: the direction asked for
 *   more:  history_page_end: 1 ("more") if lines are left in that
 *          direction, 0 ("end") if the channel's kept history ends there
 *   account: the state (text), marker: chan and seq; login_end: count
 *          (channels), dms and markers
 */
struct event {
	enum event_kind kind;
	struct slice chan;
	struct slice name;
	struct slice peer;
	struct slice text;
	struct slice verb;
	uint64_t seq;
	uint64_t time;
	uint64_t count;
	uint64_t text_max;
	uint64_t name_max;
	uint64_t page_max;
	enum event_chan_kind chan_kind;
	enum proto_code code;
	enum cmd_dir dir;
	int more;
	uint64_t dms;
	uint64_t markers;
};

/*
 * Encodes ev in the extended form, ending in "\n", into buf.  Returns the
 * length, or 0 if it does not fit in size bytes.
 */
size_t event_encode(char *buf, size_t size, const struct event *ev);

/*
 * Encodes ev in the base form a client of the reference design expects,
 * ending in "\n".  Returns the length, or 0 if the kind has no base form
 * (then nothing is sent to base-mode clients) or it does not fit:
 *   EV_REGISTERED  <uid>
 *   EV_CREATED     <chan id>
 *   EV_JOINED, EV_JOIN   $$joined: <chan id>
 *   EV_MSG         <sender>: <text>
 *   EV_ACT         * <sender> <text>
 *   EV_DM          [dm] <from>: <text>
 *   EV_DM_ACT      [dm] * <from> <text>
 *   EV_PONG        $$pong: <token>
 *   EV_ERROR       $$error: <code>: <text>
 */
size_t event_encode_base(char *buf, size_t size, const struct event *ev);

/*
 * Decodes one extended-mode line (without LF/CRLF).  Returns PROTO_E_NONE,
 * PROTO_E_UNKNOWN_COMMAND for an unknown kind, or PROTO_E_BAD_ARGS for a
 * missing field, an empty channel id or name, or a malformed number or
 * channel kind.  Bytes are not
 * checked for UTF-8: the client sanitises everything it shows.
 */
enum proto_code event_decode(const char *line, size_t len, struct event *out);

/* Wire name of a kind ("msg"). */
const char *event_kind_name(enum event_kind kind);

/* Wire name of a channel kind ("channel", "personal"). */
const char *event_chan_kind_name(enum event_chan_kind kind);

#endif

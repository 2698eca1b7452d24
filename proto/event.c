/* event.c: table-driven encoders and decoder of server lines. */
#include <string.h>

#include "event.h"

/* Most fields a kind has after its name. */
#define EV_FIELDS_MAX 5

/* Which member of struct event a field holds; 0 ends a field list. */
enum ev_field {
	EVF_END = 0,
	EVF_CHAN,
	EVF_NAME,
	EVF_PEER,
	EVF_TEXT,
	EVF_VERB,
	EVF_SEQ,
	EVF_TIME,
	EVF_COUNT,
	EVF_TEXT_MAX,
	EVF_NAME_MAX,
	EVF_CHAN_KIND,
	EVF_CODE,
	EVF_DIR,  /* before, after or latest */
	EVF_MORE, /* more or end */
	EVF_DMS,
	EVF_MARKERS,
};

/*
 * base is the base form as a template: "%c" chan, "%n" name, "%t" text,
 * "%e" the code's wire name, anything else literal; NULL when the kind has
 * no base form.
 */
struct ev_spec {
	const char *name;
	enum ev_field fields[EV_FIELDS_MAX];
	const char *base;
};

static const struct ev_spec ev_specs[EV_COUNT] = {
    [EV_HELLO] = {"hello", {EVF_COUNT, EVF_TEXT_MAX, EVF_NAME_MAX, EVF_TEXT},
        NULL},
    [EV_REGISTERED] = {"registered", {EVF_CHAN, EVF_NAME}, "%c"},
    [EV_CREATED] = {"created", {EVF_CHAN, EVF_NAME}, "%c"},
    [EV_JOINED] = {"joined", {EVF_CHAN, EVF_CHAN_KIND, EVF_COUNT, EVF_NAME},
        "$$joined: %c"},
    [EV_NAMES] = {"names", {EVF_CHAN, EVF_TEXT}, NULL},
    [EV_NAMES_END] = {"names_end", {EVF_CHAN, EVF_COUNT}, NULL},
    [EV_MSG] = {"msg", {EVF_CHAN, EVF_SEQ, EVF_TIME, EVF_NAME, EVF_TEXT},
        "%n: %t"},
    [EV_ACT] = {"act", {EVF_CHAN, EVF_SEQ, EVF_TIME, EVF_NAME, EVF_TEXT},
        "* %n %t"},
    [EV_HISTORY_END] = {"history_end", {EVF_CHAN, EVF_COUNT}, NULL},
    [EV_JOIN] = {"join", {EVF_CHAN, EVF_TIME, EVF_NAME}, "$$joined: %c"},
    [EV_PART] = {"part", {EVF_CHAN, EVF_TIME, EVF_NAME}, NULL},
    [EV_LEFT] = {"left", {EVF_CHAN}, NULL},
    [EV_CLOSED] = {"closed", {EVF_CHAN, EVF_TEXT}, NULL},
    [EV_QUIT] = {"quit", {EVF_TIME, EVF_NAME, EVF_TEXT}, NULL},
    [EV_NICK] = {"nick", {EVF_TIME, EVF_NAME, EVF_PEER}, NULL},
    [EV_DM] = {"dm", {EVF_TIME, EVF_NAME, EVF_PEER, EVF_TEXT}, "[dm] %n: %t"},
    [EV_DM_ACT] = {"dm_act", {EVF_TIME, EVF_NAME, EVF_PEER, EVF_TEXT},
        "[dm] * %n %t"},
    [EV_LIST] = {"list", {EVF_CHAN, EVF_CHAN_KIND, EVF_COUNT, EVF_NAME}, NULL},
    [EV_LIST_END] = {"list_end", {EVF_COUNT}, NULL},
    [EV_PING] = {"ping", {EVF_TEXT}, NULL},
    [EV_PONG] = {"pong", {EVF_TEXT}, "$$pong: %t"},
    [EV_ERROR] = {"error", {EVF_CODE, EVF_VERB, EVF_TEXT}, "$$error: %e: %t"},
    [EV_HISTORY_PAGE] = {"history_page", {EVF_CHAN, EVF_DIR, EVF_COUNT}, NULL},
    [EV_HISTORY_PAGE_END] = {"history_page_end",
        {EVF_CHAN, EVF_COUNT, EVF_MORE}, NULL},
    [EV_ACCOUNT] = {"account", {EVF_NAME, EVF_TEXT}, NULL},
    [EV_MARKER] = {"marker", {EVF_CHAN, EVF_SEQ}, NULL},
    [EV_LOGIN_END] = {"login_end", {EVF_COUNT, EVF_DMS, EVF_MARKERS}, NULL},
    [EV_TOPIC] = {"topic", {EVF_CHAN, EVF_TIME, EVF_NAME, EVF_TEXT}, NULL},
    [EV_AWAY] = {"away", {EVF_NAME, EVF_TEXT}, NULL},
    [EV_KICK] = {"kick", {EVF_CHAN, EVF_TIME, EVF_NAME, EVF_PEER, EVF_TEXT},
        NULL},
    [EV_CHAN_KEY] = {"chan_key", {EVF_CHAN, EVF_TEXT}, NULL},
};

static const char *const ev_chan_kinds[] = {
    [EV_CHAN_CHANNEL] = "channel",
    [EV_CHAN_PERSONAL] = "personal",
};
#define EV_CHAN_KINDS (sizeof(ev_chan_kinds) / sizeof(ev_chan_kinds[0]))

/* The string member a field names, or NULL for a number, kind or code. */
static struct slice *
ev_string(struct event *ev, enum ev_field f)
{
	switch (f) {
	case EVF_CHAN:
		return &ev->chan;
	case EVF_NAME:
		return &ev->name;
	case EVF_PEER:
		return &ev->peer;
	case EVF_TEXT:
		return &ev->text;
	case EVF_VERB:
		return &ev->verb;
	default:
		return NULL;
	}
}

/* The number member a field names, or NULL for any other field. */
static uint64_t *
ev_number(struct event *ev, enum ev_field f)
{
	switch (f) {
	case EVF_SEQ:
		return &ev->seq;
	case EVF_TIME:
		return &ev->time;
	case EVF_COUNT:
		return &ev->count;
	case EVF_TEXT_MAX:
		return &ev->text_max;
	case EVF_NAME_MAX:
		return &ev->name_max;
	case EVF_DMS:
		return &ev->dms;
	case EVF_MARKERS:
		return &ev->markers;
	default:
		return NULL;
	}
}

/* Appends len bytes at *at if they fit; returns 0 if they did not. */
static int
ev_put(char *buf, size_t size, size_t *at, const char *s, size_t len)
{
	if (len > size - *at)
		return 0;
	if (len > 0)
		memcpy(buf + *at, s, len);
	*at += len;
	return 1;
}

static int
ev_put_str(char *buf, size_t size, size_t *at, const char *s)
{
	return ev_put(buf, size, at, s, strlen(s));
}

static int
ev_put_number(char *buf, size_t size, size_t *at, uint64_t v)
{
	char digits[PROTO_NUM_MAX];
	size_t i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return ev_put(buf, size, at, digits + i, sizeof(digits) - i);
}

/*
 * Writes one field's value.  ev is the encoder's own copy of the caller's
 * event, so that encoding and decoding share the member accessors.
 */
static int
ev_put_field(
    char *buf, size_t size, size_t *at, struct event *ev, enum ev_field f)
{
	const struct slice *s = ev_string(ev, f);
	const uint64_t *n = ev_number(ev, f);

	if (s != NULL)
		return ev_put(buf, size, at, s->p, s->len);
	if (n != NULL)
		return ev_put_number(buf, size, at, *n);
	if (f == EVF_CHAN_KIND)
		return ev_put_str(
		    buf, size, at, event_chan_kind_name(ev->chan_kind));
	if (f == EVF_DIR)
		return ev_put_str(buf, size, at, cmd_dir_name(ev->dir));
	if (f == EVF_MORE)
		return ev_put_str(buf, size, at, ev->more ? "more" : "end");
	return ev_put_str(buf, size, at, proto_code_name(ev->code));
}

size_t
event_encode(char *buf, size_t size, const struct event *ev)
{
	const struct ev_spec *spec;
	struct event e = *ev;
	size_t at = 0;
	int i;

	if ((unsigned)e.kind >= (unsigned)EV_COUNT)
		return 0;
	spec = &ev_specs[e.kind];
	if (!ev_put_str(buf, size, &at, spec->name))
		return 0;
	for (i = 0; i < EV_FIELDS_MAX && spec->fields[i] != EVF_END; i++) {
		if (!ev_put(buf, size, &at, "$", 1) ||
		    !ev_put_field(buf, size, &at, &e, spec->fields[i]))
			return 0;
	}
	if (e.kind == EV_HELLO && e.page_max > 0 &&
	    (!ev_put(buf, size, &at, "$", 1) ||
	        !ev_put_number(buf, size, &at, e.page_max)))
		return 0;
	if (!ev_put(buf, size, &at, "\n", 1))
		return 0;
	return at;
}

size_t
event_encode_base(char *buf, size_t size, const struct event *ev)
{
	struct event e = *ev;
	const char *t, *lit;
	size_t at = 0;
	enum ev_field f;

	if ((unsigned)e.kind >= (unsigned)EV_COUNT ||
	    ev_specs[e.kind].base == NULL)
		return 0;
	t = ev_specs[e.kind].base;
	while (*t != '\0') {
		if (*t != '%') {
			lit = t;
			while (*t != '\0' && *t != '%')
				t++;
			if (!ev_put(buf, size, &at, lit, (size_t)(t - lit)))
				return 0;
			continue;
		}
		switch (t[1]) {
		case 'c':
			f = EVF_CHAN;
			break;
		case 'n':
			f = EVF_NAME;
			break;
		case 't':
			f = EVF_TEXT;
			break;
		case 'e':
		default:
			f = EVF_CODE;
			break;
		}
		if (!ev_put_field(buf, size, &at, &e, f))
			return 0;
		t += 2;
	}
	if (!ev_put(buf, size, &at, "\n", 1))
		return 0;
	return at;
}

/* 1 to PROTO_NUM_MAX ASCII digits that fit in 64 bits. */
static int
ev_parse_number(const struct slice *s, uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (s->len == 0 || s->len > PROTO_NUM_MAX)
		return 0;
	for (i = 0; i < s->len; i++) {
		if (s->p[i] < '0' || s->p[i] > '9')
			return 0;
		d = (uint64_t)(s->p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

static int
ev_parse_chan_kind(const struct slice *s, enum event_chan_kind *out)
{
	size_t k;

	for (k = 0; k < EV_CHAN_KINDS; k++) {
		if (strlen(ev_chan_kinds[k]) == s->len &&
		    memcmp(ev_chan_kinds[k], s->p, s->len) == 0) {
			*out = (enum event_chan_kind)k;
			return 1;
		}
	}
	return 0;
}

/* Stores one field taken from the line; 0 if its content is malformed. */
static int
ev_take_field(struct event *ev, enum ev_field f, const struct slice *s)
{
	struct slice *str = ev_string(ev, f);
	uint64_t *n = ev_number(ev, f);

	if (str != NULL) {
		*str = *s;
		return 1;
	}
	if (n != NULL)
		return ev_parse_number(s, n);
	if (f == EVF_CHAN_KIND)
		return ev_parse_chan_kind(s, &ev->chan_kind);
	if (f == EVF_DIR) {
		ev->dir = cmd_dir_parse(s->p, s->len);
		return ev->dir != CMD_DIR_COUNT;
	}
	if (f == EVF_MORE) {
		ev->more = s->len == 4 && memcmp(s->p, "more", 4) == 0;
		return ev->more || (s->len == 3 && memcmp(s->p, "end", 3) == 0);
	}
	/* A code this side does not know is not an error: it reads as none. */
	ev->code = proto_code_parse(s->p, s->len);
	return 1;
}

/*
 * hello's page maximum is a field after the software, added later: an
 * older decoder keeps it in the text, this one takes "$<number>" off it
 * when that is the text's only '$' (a software name never holds one), so
 * that what is left re-encodes to the same line.
 */
static void
ev_hello_page_max(struct event *ev)
{
	const char *d =
	    ev->text.len > 0 ? memchr(ev->text.p, '$', ev->text.len) : NULL;
	struct slice num;

	if (d == NULL)
		return;
	num.p = d + 1;
	num.len = (size_t)(ev->text.p + ev->text.len - num.p);
	if (!ev_parse_number(&num, &ev->page_max))
		return;
	ev->text.len = (size_t)(d - ev->text.p);
}

enum proto_code
event_decode(const char *line, size_t len, struct event *out)
{
	const struct ev_spec *spec;
	const char *dollar, *p, *end = line + len;
	struct slice s;
	size_t namelen;
	int k, i, last;

	memset(out, 0, sizeof(*out));
	out->kind = EV_COUNT;
	dollar = len > 0 ? memchr(line, '$', len) : NULL;
	namelen = dollar ? (size_t)(dollar - line) : len;
	for (k = 0; k < EV_COUNT; k++) {
		if (strlen(ev_specs[k].name) == namelen &&
		    memcmp(ev_specs[k].name, line, namelen) == 0)
			break;
	}
	if (k == EV_COUNT)
		return PROTO_E_UNKNOWN_COMMAND;
	out->kind = (enum event_kind)k;
	spec = &ev_specs[k];

	/* Split on '$'; the last field keeps any '$' left in the line. */
	p = dollar ? dollar + 1 : NULL;
	for (i = 0; i < EV_FIELDS_MAX && spec->fields[i] != EVF_END; i++) {
		if (p == NULL)
			return PROTO_E_BAD_ARGS;
		last = i + 1 == EV_FIELDS_MAX || spec->fields[i + 1] == EVF_END;
		dollar = last ? NULL : memchr(p, '$', (size_t)(end - p));
		s.p = p;
		s.len = dollar ? (size_t)(dollar - p) : (size_t)(end - p);
		/* Ids and names are never empty; text may be. */
		if (s.len == 0 &&
		    (spec->fields[i] == EVF_CHAN ||
		        spec->fields[i] == EVF_NAME ||
		        spec->fields[i] == EVF_PEER))
			return PROTO_E_BAD_ARGS;
		if (!ev_take_field(out, spec->fields[i], &s))
			return PROTO_E_BAD_ARGS;
		p = dollar ? dollar + 1 : NULL;
	}
	if (out->kind == EV_HELLO)
		ev_hello_page_max(out);
	return PROTO_E_NONE;
}

const char *
event_kind_name(enum event_kind kind)
{
	if ((unsigned)kind >= (unsigned)EV_COUNT)
		return "unknown";
	return ev_specs[kind].name;
}

const char *
event_chan_kind_name(enum event_chan_kind kind)
{
	if ((unsigned)kind >= EV_CHAN_KINDS)
		return "unknown";
	return ev_chan_kinds[kind];
}

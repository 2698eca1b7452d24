/* cmd.c: table-driven decoder and encoder of client commands. */
#include <string.h>

#include "cmd.h"
#include "valid.h"

/* Most fields a verb has after its name. */
#define CMD_FIELDS_MAX 5

/* Which member of struct cmd a field fills; also an index into slots[]. */
enum cmd_slot {
	CMD_SLOT_UID,
	CMD_SLOT_ARG,
	CMD_SLOT_TEXT,
	CMD_SLOT_DIR,   /* parsed into cmd.dir */
	CMD_SLOT_SEQ,   /* parsed into cmd.seq */
	CMD_SLOT_LIMIT, /* parsed into cmd.limit */
	CMD_SLOT_NAME,  /* cmd.name */
	CMD_SLOT_COUNT
};

/* The rule a field's content must follow once it is present. */
enum cmd_check {
	CMD_CHECK_ID,       /* non-empty; the server looks it up */
	CMD_CHECK_NAME,     /* valid_name */
	CMD_CHECK_CHANNEL,  /* valid_channel_name */
	CMD_CHECK_TEXT,     /* valid_text */
	CMD_CHECK_VERSION,  /* 1 to 9 ASCII digits */
	CMD_CHECK_TOKEN,    /* valid_token */
	CMD_CHECK_REASON,   /* may be empty, at most PROTO_REASON_MAX */
	CMD_CHECK_DIR,      /* before, after or latest */
	CMD_CHECK_SEQ,      /* 1 to PROTO_NUM_MAX digits within 64 bits */
	CMD_CHECK_LIMIT,    /* as CMD_CHECK_SEQ, and not 0 */
	CMD_CHECK_PASSWORD, /* PROTO_PASSWORD_MIN to PROTO_PASSWORD_MAX bytes */
	CMD_CHECK_TOPIC,    /* may be empty, at most PROTO_TOPIC_MAX */
	CMD_CHECK_AWAY,     /* may be empty, at most PROTO_AWAY_MAX */
	CMD_CHECK_KEY,      /* may be empty, else 1-PROTO_KEY_MAX of ! to ~ */
};

struct cmd_field {
	enum cmd_slot slot;
	enum cmd_check check;
};

struct cmd_spec {
	const char *name;
	int extended;
	/* Fields that must be present; quit's only field is optional. */
	int min;
	int nfields;
	struct cmd_field fields[CMD_FIELDS_MAX];
};

/* Shorthands for the table; clang-format would spread each over four lines. */
/* clang-format off */
#define UID  {CMD_SLOT_UID, CMD_CHECK_ID}
#define CHAN {CMD_SLOT_ARG, CMD_CHECK_ID}
#define PASS {CMD_SLOT_TEXT, CMD_CHECK_PASSWORD}
/* clang-format on */

static const struct cmd_spec cmd_specs[CMD_COUNT] = {
    [CMD_HELLO] = {"hello", 0, 1, 1, {{CMD_SLOT_ARG, CMD_CHECK_VERSION}}},
    [CMD_REG] = {"reg", 0, 1, 1, {{CMD_SLOT_ARG, CMD_CHECK_NAME}}},
    [CMD_CREATE_CHAN] = {"create_chan", 0, 2, 2,
        {UID, {CMD_SLOT_ARG, CMD_CHECK_CHANNEL}}},
    /* Channel names hold no '$': a third field is a key. */
    [CMD_JOIN] = {"join", 0, 2, 3, {UID, CHAN, {CMD_SLOT_TEXT, CMD_CHECK_KEY}}},
    [CMD_LEAVE] = {"leave", 0, 2, 2, {UID, CHAN}},
    [CMD_SEND_MSG] = {"send_msg", 0, 3, 3,
        {UID, CHAN, {CMD_SLOT_TEXT, CMD_CHECK_TEXT}}},
    [CMD_SEND_ACT] = {"send_act", 1, 3, 3,
        {UID, CHAN, {CMD_SLOT_TEXT, CMD_CHECK_TEXT}}},
    [CMD_DM] = {"dm", 1, 3, 3,
        {UID, {CMD_SLOT_ARG, CMD_CHECK_NAME}, {CMD_SLOT_TEXT, CMD_CHECK_TEXT}}},
    [CMD_DM_ACT] = {"dm_act", 1, 3, 3,
        {UID, {CMD_SLOT_ARG, CMD_CHECK_NAME}, {CMD_SLOT_TEXT, CMD_CHECK_TEXT}}},
    [CMD_NICK] = {"nick", 1, 2, 2, {UID, {CMD_SLOT_ARG, CMD_CHECK_NAME}}},
    [CMD_LIST] = {"list", 1, 1, 1, {UID}},
    [CMD_NAMES] = {"names", 1, 2, 2, {UID, CHAN}},
    [CMD_PING] = {"ping", 0, 1, 1, {{CMD_SLOT_ARG, CMD_CHECK_TOKEN}}},
    [CMD_PONG] = {"pong", 1, 1, 1, {{CMD_SLOT_ARG, CMD_CHECK_TOKEN}}},
    [CMD_QUIT] = {"quit", 0, 0, 1, {{CMD_SLOT_TEXT, CMD_CHECK_REASON}}},
    [CMD_HISTORY] = {"history", 1, 5, 5,
        {UID, CHAN, {CMD_SLOT_DIR, CMD_CHECK_DIR},
            {CMD_SLOT_SEQ, CMD_CHECK_SEQ}, {CMD_SLOT_LIMIT, CMD_CHECK_LIMIT}}},
    [CMD_REGISTER] = {"register", 1, 2, 2,
        {{CMD_SLOT_ARG, CMD_CHECK_NAME}, PASS}},
    [CMD_LOGIN] = {"login", 1, 2, 2, {{CMD_SLOT_ARG, CMD_CHECK_NAME}, PASS}},
    [CMD_PASSWD] = {"passwd", 1, 2, 2, {UID, PASS}},
    [CMD_MARK_READ] = {"mark_read", 1, 3, 3,
        {UID, CHAN, {CMD_SLOT_SEQ, CMD_CHECK_SEQ}}},
    [CMD_TOPIC] = {"topic", 1, 2, 3,
        {UID, CHAN, {CMD_SLOT_TEXT, CMD_CHECK_TOPIC}}},
    [CMD_AWAY] = {"away", 1, 1, 2, {UID, {CMD_SLOT_TEXT, CMD_CHECK_AWAY}}},
    [CMD_KICK] = {"kick", 1, 3, 4,
        {UID, CHAN, {CMD_SLOT_NAME, CMD_CHECK_NAME},
            {CMD_SLOT_TEXT, CMD_CHECK_REASON}}},
    [CMD_CHAN_KEY] = {"chan_key", 1, 2, 3,
        {UID, CHAN, {CMD_SLOT_TEXT, CMD_CHECK_KEY}}},
};

static const char *const cmd_dirs[CMD_DIR_COUNT] = {
    [CMD_DIR_BEFORE] = "before",
    [CMD_DIR_AFTER] = "after",
    [CMD_DIR_LATEST] = "latest",
};

#undef UID
#undef CHAN
#undef PASS

static enum proto_code
cmd_check_version(const struct slice *f)
{
	size_t i;

	if (f->len > 9)
		return PROTO_E_BAD_VERSION;
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return PROTO_E_BAD_VERSION;
	}
	return PROTO_E_NONE;
}

/* A channel key: 1 to PROTO_KEY_MAX bytes of '!' to '~' (empty: none). */
static enum proto_code
cmd_check_key(const struct slice *f)
{
	size_t i;

	if (f->len > PROTO_KEY_MAX)
		return PROTO_E_BAD_KEY;
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '!' || f->p[i] > '~')
			return PROTO_E_BAD_KEY;
	}
	return PROTO_E_NONE;
}

/* 1 to PROTO_NUM_MAX ASCII digits that fit in 64 bits. */
static int
cmd_parse_number(const struct slice *f, uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (f->len == 0 || f->len > PROTO_NUM_MAX)
		return 0;
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return 0;
		d = (uint64_t)(f->p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

/* Emptiness was ruled on before, so this only checks the content. */
static enum proto_code
cmd_check_field(enum cmd_check check, const struct slice *f)
{
	uint64_t n;

	switch (check) {
	case CMD_CHECK_ID:
		return PROTO_E_NONE;
	case CMD_CHECK_NAME:
		return valid_name(f->p, f->len);
	case CMD_CHECK_CHANNEL:
		return valid_channel_name(f->p, f->len);
	case CMD_CHECK_TEXT:
		return valid_text(f->p, f->len);
	case CMD_CHECK_VERSION:
		return cmd_check_version(f);
	case CMD_CHECK_TOKEN:
		return valid_token(f->p, f->len);
	case CMD_CHECK_REASON:
		return f->len > PROTO_REASON_MAX ? PROTO_E_TEXT_TOO_LONG
		                                 : PROTO_E_NONE;
	case CMD_CHECK_DIR:
		return cmd_dir_parse(f->p, f->len) == CMD_DIR_COUNT
		    ? PROTO_E_BAD_ARGS
		    : PROTO_E_NONE;
	case CMD_CHECK_SEQ:
		return cmd_parse_number(f, &n) ? PROTO_E_NONE
		                               : PROTO_E_BAD_ARGS;
	case CMD_CHECK_LIMIT:
		return cmd_parse_number(f, &n) && n > 0 ? PROTO_E_NONE
		                                        : PROTO_E_BAD_ARGS;
	case CMD_CHECK_PASSWORD:
		/* The bytes were checked with the line: UTF-8, no controls. */
		return f->len < PROTO_PASSWORD_MIN ||
		        f->len > PROTO_PASSWORD_MAX
		    ? PROTO_E_BAD_PASSWORD
		    : PROTO_E_NONE;
	case CMD_CHECK_TOPIC:
		return f->len > PROTO_TOPIC_MAX ? PROTO_E_TEXT_TOO_LONG
		                                : PROTO_E_NONE;
	case CMD_CHECK_AWAY:
		return f->len > PROTO_AWAY_MAX ? PROTO_E_TEXT_TOO_LONG
		                               : PROTO_E_NONE;
	case CMD_CHECK_KEY:
		return cmd_check_key(f);
	}
	return PROTO_E_NONE;
}

static enum cmd_verb
cmd_lookup(const char *name, size_t len)
{
	int v;

	for (v = 0; v < CMD_COUNT; v++) {
		if (strlen(cmd_specs[v].name) == len &&
		    memcmp(cmd_specs[v].name, name, len) == 0)
			return (enum cmd_verb)v;
	}
	return CMD_COUNT;
}

enum proto_code
cmd_decode(const char *line, size_t len, struct cmd *out)
{
	const struct cmd_spec *spec;
	const char *dollar, *p, *end = line + len;
	struct slice slots[CMD_SLOT_COUNT] = {{NULL, 0}};
	struct slice *f;
	enum proto_code code;
	int i, have = 0;

	memset(out, 0, sizeof(*out));
	out->verb = CMD_COUNT;
	code = valid_line(line, len);
	if (code != PROTO_E_NONE)
		return code;

	dollar = len > 0 ? memchr(line, '$', len) : NULL;
	out->verb = cmd_lookup(line, dollar ? (size_t)(dollar - line) : len);
	if (out->verb == CMD_COUNT)
		return PROTO_E_UNKNOWN_COMMAND;
	spec = &cmd_specs[out->verb];

	/* Split on '$'; the last field keeps any '$' left in the line. */
	p = dollar ? dollar + 1 : NULL;
	for (i = 0; p != NULL && i < spec->nfields; i++) {
		f = &slots[spec->fields[i].slot];
		f->p = p;
		dollar = i + 1 < spec->nfields
		    ? memchr(p, '$', (size_t)(end - p))
		    : NULL;
		f->len = dollar ? (size_t)(dollar - p) : (size_t)(end - p);
		p = dollar ? dollar + 1 : NULL;
		have++;
	}
	out->uid = slots[CMD_SLOT_UID];
	out->arg = slots[CMD_SLOT_ARG];
	out->text = slots[CMD_SLOT_TEXT];
	out->name = slots[CMD_SLOT_NAME];
	if (have < spec->min)
		return PROTO_E_BAD_ARGS;

	/* Shape before content, as cmd.h promises. */
	for (i = 0; i < have; i++) {
		f = &slots[spec->fields[i].slot];
		if (f->len == 0 && spec->fields[i].slot != CMD_SLOT_TEXT)
			return PROTO_E_BAD_ARGS;
	}
	for (i = 0; i < have; i++) {
		code = cmd_check_field(
		    spec->fields[i].check, &slots[spec->fields[i].slot]);
		if (code != PROTO_E_NONE)
			return code;
	}
	/* Checked above, so these parse. */
	if (out->verb == CMD_HISTORY) {
		out->dir = cmd_dir_parse(
		    slots[CMD_SLOT_DIR].p, slots[CMD_SLOT_DIR].len);
		(void)cmd_parse_number(&slots[CMD_SLOT_LIMIT], &out->limit);
	}
	if (slots[CMD_SLOT_SEQ].len > 0)
		(void)cmd_parse_number(&slots[CMD_SLOT_SEQ], &out->seq);
	return PROTO_E_NONE;
}

/* Appends len bytes at *at if they fit; returns 0 once anything did not. */
static int
cmd_put(char *buf, size_t size, size_t *at, const char *s, size_t len)
{
	if (len > size - *at)
		return 0;
	if (len > 0)
		memcpy(buf + *at, s, len);
	*at += len;
	return 1;
}

/* v in decimal at the end of buf[PROTO_NUM_MAX]; the slice points there. */
static struct slice
cmd_number(char *buf, uint64_t v)
{
	struct slice s;
	size_t i = PROTO_NUM_MAX;

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	s.p = buf + i;
	s.len = PROTO_NUM_MAX - i;
	return s;
}

size_t
cmd_encode(char *buf, size_t size, const struct cmd *c)
{
	const struct cmd_spec *spec;
	struct slice slots[CMD_SLOT_COUNT];
	const struct slice *f;
	char seq[PROTO_NUM_MAX], limit[PROTO_NUM_MAX];
	size_t at = 0;
	int i;

	if ((unsigned)c->verb >= (unsigned)CMD_COUNT)
		return 0;
	spec = &cmd_specs[c->verb];
	slots[CMD_SLOT_UID] = c->uid;
	slots[CMD_SLOT_ARG] = c->arg;
	slots[CMD_SLOT_TEXT] = c->text;
	slots[CMD_SLOT_DIR].p = cmd_dir_name(c->dir);
	slots[CMD_SLOT_DIR].len = strlen(slots[CMD_SLOT_DIR].p);
	slots[CMD_SLOT_SEQ] = cmd_number(seq, c->seq);
	slots[CMD_SLOT_LIMIT] = cmd_number(limit, c->limit);
	slots[CMD_SLOT_NAME] = c->name;
	if (!cmd_put(buf, size, &at, spec->name, strlen(spec->name)))
		return 0;
	for (i = 0; i < spec->nfields; i++) {
		f = &slots[spec->fields[i].slot];
		/* An optional field left empty is left out: "quit\n". */
		if (i >= spec->min && f->len == 0)
			break;
		if (!cmd_put(buf, size, &at, "$", 1) ||
		    !cmd_put(buf, size, &at, f->p, f->len))
			return 0;
	}
	if (!cmd_put(buf, size, &at, "\n", 1))
		return 0;
	return at;
}

const char *
cmd_verb_name(enum cmd_verb verb)
{
	if ((unsigned)verb >= (unsigned)CMD_COUNT)
		return "*";
	return cmd_specs[verb].name;
}

int
cmd_verb_is_extended(enum cmd_verb verb)
{
	if ((unsigned)verb >= (unsigned)CMD_COUNT)
		return 0;
	return cmd_specs[verb].extended;
}

int
cmd_verb_has_uid(enum cmd_verb verb)
{
	/* The table is the one place that says so: a uid is always first. */
	if ((unsigned)verb >= (unsigned)CMD_COUNT)
		return 0;
	return cmd_specs[verb].nfields > 0 &&
	    cmd_specs[verb].fields[0].slot == CMD_SLOT_UID;
}

const char *
cmd_dir_name(enum cmd_dir dir)
{
	if ((unsigned)dir >= (unsigned)CMD_DIR_COUNT)
		return "*";
	return cmd_dirs[dir];
}

enum cmd_dir
cmd_dir_parse(const char *s, size_t len)
{
	int d;

	for (d = 0; d < CMD_DIR_COUNT; d++) {
		if (strlen(cmd_dirs[d]) == len &&
		    memcmp(cmd_dirs[d], s, len) == 0)
			return (enum cmd_dir)d;
	}
	return CMD_DIR_COUNT;
}

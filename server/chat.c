/* chat.c: the chat rules: commands, replies, fan-out, cleanup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ban.h"
#include "chat.h"
#include "cmd.h"
#include "event.h"
#include "faillimit.h"
#include "history.h"
#include "registry.h"
#include "valid.h"

/* Errors a not yet registered connection may make before it is closed. */
#define CHAT_UNREGISTERED_ERRORS_MAX 5
/* The window over which errors are counted, in milliseconds. */
#define CHAT_ERROR_WINDOW_MS 60000
/* Tries at a fresh random channel id before giving up. */
#define CHAT_ID_TRIES 8
/* Bytes of a client-supplied field echoed in an error text. */
#define CHAT_ECHO_MAX 64
/*
 * Bytes of lines in one history page at most (one line always goes): a
 * page fits the smallest output limit (--sendq 64k) with room to spare.
 */
#define CHAT_HISTORY_PAGE_BYTES ((size_t)48 * 1024)

/* What a connection waits for from the hashing service. */
enum chat_wait {
	CHAT_WAIT_NONE = 0,
	CHAT_WAIT_LOGIN,    /* verify, then log in as wait_name */
	CHAT_WAIT_REGISTER, /* hash, then create account wait_name */
	CHAT_WAIT_PASSWD,   /* hash, then replace the account's */
	CHAT_WAIT_CLAIM,    /* the nodes' answer, then reg or nick wait_name */
	CHAT_WAIT_PAGE,     /* a history page read from the nodes' log */
	CHAT_WAIT_FILL,     /* a channel's recent lines, then the join again */
};

/*
 * Senders an away user's auto-reply remembers per away period: each gets
 * it once; past this many the oldest is forgotten (and may get it again).
 */
#define CHAT_AWAY_TOLD_MAX 32

/* A user who is away: the text, and who was told it. */
struct chat_away {
	size_t len;
	char text[PROTO_AWAY_MAX];
	unsigned ntold, next; /* told[] in use; the slot to reuse next */
	unsigned char told_len[CHAT_AWAY_TOLD_MAX];
	char told[CHAT_AWAY_TOLD_MAX][PROTO_NAME_MAX];
};

/* Per-connection state; indexed by connection id. */
struct chat_conn {
	unsigned char mode; /* enum chat_mode */
	unsigned char uid_len;
	unsigned char secure;  /* TLS: passwords may cross it */
	unsigned char account; /* logged in: its user is an account */
	unsigned char wait;    /* enum chat_wait */
	unsigned char wait_name_len;
	unsigned short errors;
	uint64_t error_window;
	uint64_t ticket;        /* of the hash waited for */
	struct chat_away *away; /* NULL unless away (owned) */
	uint64_t serial;        /* which connection of this id it is */
	char uid[PROTO_ID_MAX + 1];
	char wait_name[PROTO_NAME_MAX + 1];
};

/* Channels chat_maintain expires in one call. */
#define CHAT_EXPIRE_BATCH 16
/* Milliseconds in a day, for the retention options. */
#define CHAT_DAY_MS (86400ULL * 1000)

/* What a channel carries besides its members. */
struct chan_state {
	uint64_t seq;
	uint64_t active; /* last message or part, for --channel-expire */
	int loaded;      /* history read from the store (or nothing to read) */
	struct history *history;
	/* Who made a named channel: its powers go with the name. */
	unsigned char creator_len;
	char creator[PROTO_NAME_MAX];
	/* The topic (owned; NULL: none), who set it and when. */
	char *topic;
	size_t topic_len;
	uint64_t topic_time;
	unsigned char topic_by_len;
	char topic_by[PROTO_NAME_MAX];
	/* The join key; empty: none. */
	unsigned char key_len;
	char key[PROTO_KEY_MAX];
	uint64_t created; /* a cluster channel's creation time, as logged */
};

/*
 * An append to the cluster's log that may still need a reply: the log
 * holds it until done (in_log), a create also the list (in_list) until
 * it is read back.  Freed when neither holds it.
 */
struct chat_pend {
	struct chat *c;
	struct chat_pend *prev, *next;
	uint64_t tag;
	uint64_t serial; /* of conn when it asked */
	int conn;
	enum cmd_verb verb;
	unsigned char in_log, in_list, replied;
};

/*
 * A direct message this node sent to a user of another node, kept until
 * that node says it delivered it (at most CHAT_DM_UNACKED_MAX).
 */
struct chat_dmwait {
	struct chat_dmwait *next;
	uint64_t tag, serial; /* serial: of conn when it asked */
	int conn;
	enum cmd_verb verb;
	unsigned char seen; /* read back: the sender has its echo */
	uint64_t deadline;  /* not delivered by then: lost (wall ms) */
	size_t uid_len, node_len, name_len, from_len;
	char from[PROTO_ID_MAX];   /* the sender's uid */
	char uid[PROTO_ID_MAX];    /* the recipient's */
	char node[PROTO_ID_MAX];   /* this node's name, from the sender's uid */
	char name[PROTO_NAME_MAX]; /* the recipient's, as the sender named it */
};

/* A user name claimed across nodes, waiting for the answer. */
struct chat_claim {
	struct chat *c;
	uint64_t serial, ticket; /* of conn when it asked */
	uint64_t now;            /* when it asked: a nick's time */
	int conn;
	enum cmd_verb verb; /* CMD_REG or CMD_NICK */
	size_t skel_len, name_len;
	char skel[PROTO_NAME_MAX];
	char name[PROTO_NAME_MAX];
};

struct chat {
	struct chat_config cfg;
	struct chat_sink sink;
	struct registry *reg;
	struct history_store *hist; /* the budget of every channel's history */
	struct chat_conn *conns;
	size_t conns_cap;
	size_t named; /* channels of kind REGISTRY_CHANNEL */
	int stopping; /* everyone is being closed: nobody is told of others */
	chat_pwhash_fn pwhash; /* NULL: accounts are off */
	void *pwhash_ctx;
	struct faillimit *fails; /* login failures by address and account */
	uint64_t next_ticket;
	char wait_text[64]; /* login_limited's detail, until it is sent */
	char line[PROTO_LINE_MAX];
	char base_line[PROTO_LINE_MAX];
	/* A page read from the store: the byte cap and one line over it. */
	char page[CHAT_HISTORY_PAGE_BYTES + PROTO_LINE_MAX];
	/* The operator's bans (not owned; NULL: none). */
	const struct ban_list *bans;
	/* Several nodes: the shared log's hooks (clustered: set). */
	struct chat_cluster cluster;
	int clustered, cluster_stopped;
	struct chat_pend *pend;     /* creates waiting to be read back */
	struct chat_dmwait *dmwait; /* direct messages not yet delivered */
	size_t ndmwait;
	uint64_t dm_scan_at; /* chat_cluster_tick looks again then */
	uint64_t next_serial, next_tag;
	/* A join run again after its fill does not ask for another. */
	int fill_skip;
	/* Retention through the log: the next channel, replies awaited,
	 * and whether a reply said a channel has more to delete. */
	size_t trim_at;
	unsigned trims_pending;
	int trim_more;
};

static const char nanoid_alphabet[] =
    "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

static void
chan_state_free(void *data)
{
	struct chan_state *cs = data;

	if (cs == NULL)
		return;
	history_free(cs->history);
	free(cs->topic);
	free(cs);
}

static struct slice
slice_of(const char *p, size_t len)
{
	struct slice s;

	s.p = p;
	s.len = len;
	return s;
}

static struct slice
slice_str(const char *s)
{
	return slice_of(s, strlen(s));
}

static struct chat_conn *
conn_get(const struct chat *c, int conn)
{
	if (conn < 0 || (size_t)conn >= c->conns_cap)
		return NULL;
	if (c->conns[conn].mode == CHAT_MODE_NONE)
		return NULL;
	return &c->conns[conn];
}

static int
conn_is_ext(const struct chat *c, int conn)
{
	return c->conns[conn].mode == CHAT_MODE_EXT;
}

static enum proto_code add_channel(struct chat *c, const char *id,
    size_t id_len, const char *name, size_t name_len, enum registry_kind kind,
    struct user *owner, struct channel **out);

/* Notes the name that made a channel (a longer one, never valid, none). */
static void
chan_set_creator(struct chan_state *cs, const char *name, size_t len)
{
	if (len > PROTO_NAME_MAX)
		len = 0;
	memcpy(cs->creator, name, len);
	cs->creator_len = (unsigned char)len;
}

/* What loading the stored channels found. */
struct load {
	struct chat *c;
	int failed;
};

static void
load_channel(void *ctx, const struct store_channel *sc)
{
	struct load *ld = ctx;
	struct channel *ch;
	struct chan_state *cs;
	enum proto_code code;

	code = add_channel(ld->c, sc->id, sc->id_len, sc->name, sc->name_len,
	    REGISTRY_CHANNEL, NULL, &ch);
	/* Only memory is fatal: a row the rules now refuse is left alone. */
	if (code == PROTO_E_NO_MEMORY)
		ld->failed = 1;
	if (code != PROTO_E_NONE)
		return;
	cs = channel_data(ch);
	cs->seq = sc->next_seq > 0 ? sc->next_seq - 1 : 0;
	cs->active = sc->active;
	chan_set_creator(cs, sc->creator, sc->creator_len);
	if (sc->key_len <= PROTO_KEY_MAX) {
		memcpy(cs->key, sc->key, sc->key_len);
		cs->key_len = (unsigned char)sc->key_len;
	}
	if (sc->topic_len > 0 && sc->topic_len <= PROTO_TOPIC_MAX &&
	    sc->topic_by_len <= PROTO_NAME_MAX) {
		cs->topic = malloc(sc->topic_len);
		if (cs->topic == NULL) {
			ld->failed = 1;
			return;
		}
		memcpy(cs->topic, sc->topic, sc->topic_len);
		cs->topic_len = sc->topic_len;
		cs->topic_time = sc->topic_time;
		memcpy(cs->topic_by, sc->topic_by, sc->topic_by_len);
		cs->topic_by_len = (unsigned char)sc->topic_by_len;
	}
}

struct chat *
chat_new(const struct chat_config *cfg, const struct chat_sink *sink)
{
	struct chat *c = calloc(1, sizeof(*c));
	struct hmap_key key;

	if (c == NULL)
		return NULL;
	c->cfg = *cfg;
	c->sink = *sink;
	/* A fresh key per start: names chosen to collide under one do not
	 * collide under the next. */
	c->sink.random(c->sink.ctx, &key, sizeof(key));
	c->reg = registry_new(chan_state_free, &key);
	c->hist = history_store_new(cfg->history_bytes);
	c->fails = faillimit_new(FAILLIMIT_ENTRIES, &key);
	if (c->reg == NULL || c->hist == NULL || c->fails == NULL)
		goto fail;
	if (cfg->store != NULL) {
		struct load ld;

		ld.c = c;
		ld.failed = 0;
		if (store_load_channels(cfg->store, load_channel, &ld) < 0 ||
		    ld.failed)
			goto fail;
	}
	return c;
fail:
	registry_free(c->reg);
	history_store_free(c->hist);
	faillimit_free(c->fails);
	free(c);
	return NULL;
}

void
chat_free(struct chat *c)
{
	size_t i;

	if (c == NULL)
		return;
	/* The channels' rings first: they hold lines of the store. */
	registry_free(c->reg);
	history_store_free(c->hist);
	faillimit_free(c->fails);
	for (i = 0; i < c->conns_cap; i++)
		free(c->conns[i].away);
	free(c->conns);
	/* The log went first (chat_cluster_stop): the list alone holds these.
	 */
	while (c->pend != NULL) {
		struct chat_pend *p = c->pend;

		c->pend = p->next;
		if (!p->in_log)
			free(p);
	}
	while (c->dmwait != NULL) {
		struct chat_dmwait *w = c->dmwait;

		c->dmwait = w->next;
		free(w);
	}
	free(c);
}

/* Sending. */

static void
send_bytes(struct chat *c, int conn, const char *p, size_t len)
{
	/* A refusal is the caller's to act on: the sink recorded it. */
	if (len > 0)
		(void)c->sink.send(c->sink.ctx, conn, p, len);
}

/*
 * Encodes ev in the form conn's mode reads; 0 for a kind without a base
 * form, which base-mode clients are not sent.
 */
static size_t
encode_for(const struct chat *c, int conn, const struct event *ev, char *buf,
    size_t size)
{
	if (conn_is_ext(c, conn))
		return event_encode(buf, size, ev);
	return event_encode_base(buf, size, ev);
}

static void
send_event(struct chat *c, int conn, const struct event *ev)
{
	char buf[PROTO_LINE_MAX];

	send_bytes(c, conn, buf, encode_for(c, conn, ev, buf, sizeof(buf)));
}

/*
 * Sends ev to every member of ch but skip, encoding it at most once per
 * form.  The extended encoding is left in c->line (the caller may keep it).
 */
static size_t
send_channel(struct chat *c, struct channel *ch, const struct event *ev,
    const struct user *skip)
{
	size_t n, i, ext_len, base_len = 0;
	int base_done = 0;
	struct user *const *members = channel_members(ch, &n);

	ext_len = event_encode(c->line, sizeof(c->line), ev);
	for (i = 0; i < n; i++) {
		size_t nc, k;
		const int *conns;

		if (members[i] == skip)
			continue;
		/* An account's user reaches every connection it has. */
		conns = user_conns(members[i], &nc);
		for (k = 0; k < nc; k++) {
			int conn = conns[k];

			if (conn_is_ext(c, conn)) {
				send_bytes(c, conn, c->line, ext_len);
				continue;
			}
			if (!base_done) {
				base_len = event_encode_base(
				    c->base_line, sizeof(c->base_line), ev);
				base_done = 1;
			}
			send_bytes(c, conn, c->base_line, base_len);
		}
	}
	return ext_len;
}

/* What send_sharers hands registry_each_sharer. */
struct sharers {
	struct chat *c;
	size_t len;
};

static void
send_sharer_cb(void *ctx, struct user *other)
{
	struct sharers *sh = ctx;
	size_t n, k;
	const int *conns = user_conns(other, &n);

	for (k = 0; k < n; k++) {
		if (conn_is_ext(sh->c, conns[k]))
			send_bytes(sh->c, conns[k], sh->c->line, sh->len);
	}
}

/*
 * Sends ev once to every extended-mode user sharing a channel with u, and
 * to u itself if include_self.  Base-mode users have no form for these.
 * The registry finds the sharers without visiting every member of every
 * channel: 1500 users sharing 99 channels quit at once in linear time.
 */
static void
send_sharers(
    struct chat *c, struct user *u, const struct event *ev, int include_self)
{
	struct sharers sh;

	sh.c = c;
	sh.len = event_encode(c->line, sizeof(c->line), ev);
	if (include_self)
		send_sharer_cb(&sh, u);
	(void)registry_each_sharer(c->reg, u, send_sharer_cb, &sh);
}

/* Sends ev to every connection of u, each in its mode. */
static void
send_user(struct chat *c, struct user *u, const struct event *ev)
{
	size_t n, k;
	const int *conns = user_conns(u, &n);

	for (k = 0; k < n; k++)
		send_event(c, conns[k], ev);
}

static enum event_chan_kind
chan_kind_of(const struct channel *ch)
{
	return channel_kind(ch) == REGISTRY_PERSONAL ? EV_CHAN_PERSONAL
	                                             : EV_CHAN_CHANNEL;
}

/*
 * The member names of ch as "names$<id>$a b c" lines that fit the line
 * limit, then "names_end$<id>$<count>".
 */
static void
send_names(struct chat *c, int conn, struct channel *ch)
{
	size_t n, i, len, head;
	struct user *const *members = channel_members(ch, &n);
	struct event ev;

	len = (size_t)snprintf(
	    c->line, sizeof(c->line), "names$%s$", channel_id(ch));
	head = len;
	for (i = 0; i < n; i++) {
		size_t nl = user_name_len(members[i]);

		/* Room for a separator, the name and the LF. */
		if (len + 1 + nl + 1 > sizeof(c->line)) {
			c->line[len++] = '\n';
			send_bytes(c, conn, c->line, len);
			len = head;
		}
		if (len > head)
			c->line[len++] = ' ';
		memcpy(c->line + len, user_name(members[i]), nl);
		len += nl;
	}
	/* No members (an owner who left their personal channel): only the
	 * end line, as a names line always holds a name. */
	if (n > 0) {
		c->line[len++] = '\n';
		send_bytes(c, conn, c->line, len);
	}

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_NAMES_END;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.count = n;
	send_event(c, conn, &ev);
}

/* What store_latest hands cache_line. */
struct cache_fill {
	struct chat *c;
	struct channel *ch;
	struct history *h;
};

/*
 * A stored line of channel ch as the ring keeps it and a page sends it:
 * the extended msg or act line, as apply_send made it.  Its length, or 0.
 */
static size_t
encode_line(const char *id, size_t id_len, const struct store_line *l,
    char *buf, size_t size)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = l->kind == STORE_ACT ? EV_ACT : EV_MSG;
	ev.chan = slice_of(id, id_len);
	ev.seq = l->seq;
	ev.time = l->time;
	ev.name = slice_of(l->sender, l->sender_len);
	ev.text = slice_of(l->text, l->text_len);
	return event_encode(buf, size, &ev);
}

static size_t
encode_stored(const struct channel *ch, const struct store_line *l, char *buf,
    size_t size)
{
	return encode_line(channel_id(ch), channel_id_len(ch), l, buf, size);
}

static void
cache_line(void *ctx, const struct store_line *l)
{
	struct cache_fill *f = ctx;
	char buf[PROTO_LINE_MAX];
	size_t len = encode_stored(f->ch, l, buf, sizeof(buf));

	if (len > 0)
		(void)history_add(f->h, buf, len);
}

/*
 * The history cache of a stored channel is filled from the store once,
 * before its first joiner reads it or a new line is added to it: RAM
 * holds only the latest lines (within --history-bytes), never all.
 */
static void
ensure_loaded(struct chat *c, struct channel *ch, struct chan_state *cs)
{
	struct cache_fill f;

	/* Several nodes: the first join fills the ring (cluster_fill). */
	if (cs == NULL || cs->loaded || c->clustered)
		return;
	cs->loaded = 1;
	if (c->cfg.store == NULL || c->cfg.history == 0 ||
	    c->cfg.history_bytes == 0)
		return;
	if (cs->history == NULL)
		cs->history = history_new(c->hist, c->cfg.history);
	if (cs->history == NULL)
		return;
	f.c = c;
	f.ch = ch;
	f.h = cs->history;
	/* A read error only costs joiners this channel's replay. */
	(void)store_latest(c->cfg.store, channel_id(ch), channel_id_len(ch),
	    c->cfg.history, cache_line, &f);
}

/* The topic line of ch, whose state is cs. */
static void
topic_event(
    const struct channel *ch, const struct chan_state *cs, struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = EV_TOPIC;
	ev->chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev->time = cs->topic_time;
	ev->name = slice_of(cs->topic_by, cs->topic_by_len);
	ev->text = slice_of(cs->topic, cs->topic_len);
}

static void
send_topic(
    struct chat *c, int conn, const struct channel *ch, struct chan_state *cs)
{
	struct event ev;

	topic_event(ch, cs, &ev);
	send_event(c, conn, &ev);
}

/* What an extended joiner gets: joined, the topic if set, names, history. */
static void
send_joined_ext(struct chat *c, int conn, struct channel *ch)
{
	struct chan_state *cs = channel_data(ch);
	struct event ev;
	size_t i, n = 0;

	ensure_loaded(c, ch, cs);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_JOINED;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.name = slice_of(channel_name(ch), channel_name_len(ch));
	ev.chan_kind = chan_kind_of(ch);
	ev.count = channel_member_count(ch);
	send_event(c, conn, &ev);
	if (cs != NULL && cs->topic != NULL)
		send_topic(c, conn, ch, cs);
	send_names(c, conn, ch);
	if (cs != NULL && cs->history != NULL) {
		n = history_count(cs->history);
		for (i = 0; i < n; i++) {
			size_t len;
			const char *p = history_get(cs->history, i, &len);

			send_bytes(c, conn, p, len);
		}
	}
	ev.kind = EV_HISTORY_END;
	ev.name = slice_of(NULL, 0);
	ev.count = n;
	send_event(c, conn, &ev);
}

static void send_joined(struct chat *c, int conn, struct channel *ch);

/*
 * A join made on conn: its confirmation (none if conn is -1), and the
 * join sequence to every other connection of the user (extended mode;
 * an account's are).
 */
static void
send_joined_all(struct chat *c, struct user *u, int conn, struct channel *ch)
{
	size_t n, k;
	const int *conns = user_conns(u, &n);

	if (conn >= 0)
		send_joined(c, conn, ch);
	for (k = 0; k < n; k++) {
		if (conns[k] != conn && conn_is_ext(c, conns[k]))
			send_joined_ext(c, conns[k], ch);
	}
}

/* The joiner's own confirmation, in its mode. */
static void
send_joined(struct chat *c, int conn, struct channel *ch)
{
	struct event ev;

	if (conn_is_ext(c, conn)) {
		send_joined_ext(c, conn, ch);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_JOINED;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	send_event(c, conn, &ev);
}

/* Errors. */

/*
 * How much of s an error text echoes: all of it, or its first
 * CHAT_ECHO_MAX bytes cut back to a UTF-8 boundary.
 */
static int
echo_len(struct slice s)
{
	size_t n = s.len;

	if (n > CHAT_ECHO_MAX) {
		n = CHAT_ECHO_MAX;
		while (n > 0 && ((unsigned char)s.p[n] & 0xC0) == 0x80)
			n--;
	}
	return (int)n;
}

static void
send_error(struct chat *c, int conn, enum proto_code code, enum cmd_verb verb,
    struct slice detail)
{
	char text[PROTO_LINE_MAX / 2];
	struct event ev;

	if (detail.len > 0)
		snprintf(text, sizeof(text), "%s: %.*s", proto_code_text(code),
		    echo_len(detail), detail.p);
	else
		snprintf(text, sizeof(text), "%s", proto_code_text(code));
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_ERROR;
	ev.code = code;
	ev.verb = slice_str(cmd_verb_name(verb));
	ev.text = slice_str(text);
	send_event(c, conn, &ev);
}

/*
 * Whether an error says the line itself was wrong (malformed, bad bytes,
 * an unknown command, a uid not one's own): what --errors-max counts.
 * The others only say how things stand (a channel gone, a name taken),
 * which a well-behaved client meets through races and the people it
 * serves; flood control alone paces those.
 */
static int
error_counts(enum proto_code code)
{
	switch (code) {
	case PROTO_E_NAME_TAKEN:
	case PROTO_E_NO_SUCH_CHANNEL:
	case PROTO_E_NOT_MEMBER:
	case PROTO_E_CHANNEL_EXISTS:
	case PROTO_E_NO_SUCH_USER:
	case PROTO_E_JOIN_LIMIT:
	case PROTO_E_CHANNEL_LIMIT:
	case PROTO_E_CHANNEL_FULL:
	case PROTO_E_NO_MEMORY:
	/* Accounts: the failure limit paces logins, and none closes. */
	case PROTO_E_BAD_LOGIN:
	case PROTO_E_LOGIN_LIMITED:
	case PROTO_E_TLS_REQUIRED:
	case PROTO_E_NAME_RESERVED:
	case PROTO_E_ACCOUNT_EXISTS:
	case PROTO_E_NOT_LOGGED_IN:
	case PROTO_E_ACCOUNT_NAME:
	case PROTO_E_BAD_PASSWORD:
	case PROTO_E_ACCOUNTS_OFF:
	case PROTO_E_BUSY:
	case PROTO_E_DM_QUEUE_FULL:
	case PROTO_E_STORAGE_UNAVAILABLE:
		return 0;
	default:
		return 1;
	}
}

/*
 * Replies with an error and counts it if it says the line was wrong; too
 * many in a minute closes the connection.  Returns non-zero if conn was
 * closed.
 */
static int
fail(struct chat *c, int conn, enum proto_code code, enum cmd_verb verb,
    struct slice detail, uint64_t now)
{
	struct chat_conn *cc = &c->conns[conn];
	unsigned limit = c->cfg.errors_max;

	send_error(c, conn, code, verb, detail);
	if (limit == 0 || !error_counts(code))
		return 0;
	if (registry_user_by_conn(c->reg, conn) == NULL &&
	    limit > CHAT_UNREGISTERED_ERRORS_MAX)
		limit = CHAT_UNREGISTERED_ERRORS_MAX;
	if (now - cc->error_window >= CHAT_ERROR_WINDOW_MS ||
	    now < cc->error_window) {
		cc->error_window = now;
		cc->errors = 0;
	}
	if (cc->errors < 0xFFFF)
		cc->errors++;
	if (cc->errors > limit) {
		chat_close(c, conn, PROTO_E_TOO_MANY_ERRORS, NULL, now);
		return 1;
	}
	return 0;
}

/* Channels. */

static void
remove_channel(struct chat *c, struct channel *ch)
{
	if (channel_kind(ch) == REGISTRY_CHANNEL)
		c->named--;
	registry_remove_channel(c->reg, ch);
}

static enum proto_code
add_channel(struct chat *c, const char *id, size_t id_len, const char *name,
    size_t name_len, enum registry_kind kind, struct user *owner,
    struct channel **out)
{
	struct chan_state *cs = calloc(1, sizeof(*cs));
	enum proto_code code;

	if (cs == NULL)
		return PROTO_E_NO_MEMORY;
	code = registry_add_channel(
	    c->reg, id, id_len, name, name_len, kind, owner, out);
	if (code != PROTO_E_NONE) {
		free(cs);
		return code;
	}
	channel_set_data(*out, cs);
	if (kind == REGISTRY_CHANNEL)
		c->named++;
	return PROTO_E_NONE;
}

/* A channel by id, else by name (case-insensitive). */
static struct channel *
find_channel(const struct chat *c, struct slice ref)
{
	struct channel *ch = registry_channel_by_id(c->reg, ref.p, ref.len);

	if (ch == NULL)
		ch = registry_channel_by_name(c->reg, ref.p, ref.len);
	return ch;
}

static struct channel *
personal_channel(const struct chat *c, const struct user *u)
{
	struct channel *ch =
	    registry_channel_by_id(c->reg, user_uid(u), user_uid_len(u));

	if (ch != NULL && channel_owner(ch) == u)
		return ch;
	return NULL;
}

/* Accounts: the parts the other commands need. */

static int
accounts_on(const struct chat *c)
{
	return c->cfg.store != NULL && c->pwhash != NULL;
}

/* Whether u is logged in to an account (all its connections are). */
static int
logged_in(const struct chat *c, const struct user *u)
{
	return u != NULL && user_conn(u) >= 0 && c->conns[user_conn(u)].account;
}

/* The skeleton of a name, the key of its account, into buf; its length. */
static size_t
account_key(const char *name, size_t len, char buf[PROTO_NAME_MAX])
{
	if (len > PROTO_NAME_MAX)
		len = PROTO_NAME_MAX;
	return valid_skeleton(name, len, buf);
}

/*
 * Whether an account has a name that looks like name; a read error
 * counts as no (and fails the turn's commit if it was a write).
 */
static int
account_exists(struct chat *c, const char *name, size_t len)
{
	char key[PROTO_NAME_MAX];
	struct store_account a;

	if (c->cfg.store == NULL)
		return 0;
	return store_account_get(
	           c->cfg.store, key, account_key(name, len, key), &a) == 1;
}

/* Adds or removes a stored membership of a logged-in user. */
static void
remember_member(struct chat *c, struct user *u, struct channel *ch, int on)
{
	char key[PROTO_NAME_MAX];

	if (!logged_in(c, u) || channel_kind(ch) != REGISTRY_CHANNEL)
		return;
	(void)store_member_set(c->cfg.store, key,
	    account_key(user_name(u), user_name_len(u), key), channel_id(ch),
	    channel_id_len(ch), on);
}

/* Commands. */

static enum proto_code
do_hello(struct chat *c, int conn, const struct cmd *cmd, int first)
{
	struct event ev;

	if (!first)
		return PROTO_E_BAD_STATE;
	if (cmd->arg.len != 1 || cmd->arg.p[0] != '0' + PROTO_VERSION)
		return PROTO_E_BAD_VERSION;
	c->conns[conn].mode = CHAT_MODE_EXT;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_HELLO;
	ev.count = PROTO_VERSION;
	ev.text_max = PROTO_TEXT_MAX;
	ev.name_max = PROTO_NAME_MAX;
	ev.page_max = CMD_HISTORY_PAGE_MAX;
	ev.text = slice_str(c->cfg.software);
	send_event(c, conn, &ev);
	return PROTO_E_NONE;
}

static void publish(struct chat *c, enum store_kind kind, const struct user *u,
    struct slice name, struct slice chan, struct slice text, uint64_t now);

/*
 * A new user of name for conn, with its personal channel: registered and
 * (extended mode) the channel's join sequence go to conn.
 */
static enum proto_code
make_user(struct chat *c, int conn, struct slice name, struct user **out)
{
	struct chat_conn *cc = &c->conns[conn];
	char pname[PROTO_NAME_MAX + 2];
	struct channel *ch;
	struct user *u;
	struct event ev;
	enum proto_code code;

	code = registry_add_user(
	    c->reg, conn, cc->uid, cc->uid_len, name.p, name.len, &u);
	if (code != PROTO_E_NONE)
		return code;
	pname[0] = '~';
	memcpy(pname + 1, name.p, name.len);
	code = add_channel(c, cc->uid, cc->uid_len, pname, name.len + 1,
	    REGISTRY_PERSONAL, u, &ch);
	if (code == PROTO_E_NONE) {
		code = registry_join(c->reg, u, ch);
		if (code != PROTO_E_NONE)
			remove_channel(c, ch);
	}
	if (code != PROTO_E_NONE) {
		registry_remove_user(c->reg, u);
		/* A channel id equal to this uid can only be left by a bug. */
		return code == PROTO_E_CHANNEL_EXISTS ? PROTO_E_NAME_TAKEN
		                                      : code;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_REGISTERED;
	ev.chan = slice_of(cc->uid, cc->uid_len);
	ev.name = name;
	send_event(c, conn, &ev);
	if (conn_is_ext(c, conn))
		send_joined_ext(c, conn, ch);
	/* The other nodes mirror the user from here on. */
	publish(c, STORE_JOIN, u, name, slice_of(cc->uid, cc->uid_len),
	    slice_of(NULL, 0), 0);
	*out = u;
	return PROTO_E_NONE;
}

static enum proto_code cluster_claim(struct chat *c, int conn,
    enum cmd_verb verb, struct slice name, uint64_t now);
static enum proto_code nick_apply(
    struct chat *c, struct user *u, struct slice name, uint64_t now);

static enum proto_code
do_reg(struct chat *c, int conn, const struct cmd *cmd, uint64_t now)
{
	struct user *u;

	/*
	 * An account's name is its owner's, online or not: a base-mode
	 * client hears what it hears for a name in use, and nothing new.
	 */
	if (account_exists(c, cmd->arg.p, cmd->arg.len))
		return conn_is_ext(c, conn) ? PROTO_E_NAME_RESERVED
		                            : PROTO_E_NAME_TAKEN;
	if (c->clustered)
		return cluster_claim(c, conn, CMD_REG, cmd->arg, now);
	return make_user(c, conn, cmd->arg, &u);
}

static void announce_created(
    struct chat *c, int conn, struct user *u, struct channel *ch);

/*
 * Applies a created channel (after its append completed): the channel,
 * its creator as first member, the confirmation.
 */
static enum proto_code
apply_create(struct chat *c, int conn, struct user *u, const char *id,
    size_t id_len, struct slice name, uint64_t now)
{
	struct channel *ch = NULL;
	struct chan_state *cs;
	enum proto_code code;

	code = add_channel(
	    c, id, id_len, name.p, name.len, REGISTRY_CHANNEL, u, &ch);
	if (code != PROTO_E_NONE)
		return code;
	cs = channel_data(ch);
	cs->loaded = 1; /* nothing stored yet */
	cs->active = now;
	chan_set_creator(cs, user_name(u), user_name_len(u));
	code = registry_join(c->reg, u, ch);
	if (code != PROTO_E_NONE) {
		remove_channel(c, ch);
		return code;
	}
	remember_member(c, u, ch, 1);
	announce_created(c, conn, u, ch);
	return PROTO_E_NONE;
}

/* The creator, now a member of ch, is told; its other connections join. */
static void
announce_created(struct chat *c, int conn, struct user *u, struct channel *ch)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_CREATED;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.name = slice_of(channel_name(ch), channel_name_len(ch));
	send_event(c, conn, &ev);
	/* A base-mode creator has its created line; the others a join. */
	send_joined_all(c, u, conn_is_ext(c, conn) ? conn : -1, ch);
}

/* A command whose event is appended, waiting to be applied. */
struct pending {
	struct chat *c;
	int conn;
	struct user *u;
	struct channel *ch;
	enum proto_code code;
};

static void
create_done(void *ctx, int status, const struct store_event *sev)
{
	struct pending *p = ctx;

	/* Not stored: not applied; the server stops before replying. */
	if (status < 0) {
		p->code = PROTO_E_NO_MEMORY;
		return;
	}
	p->code = apply_create(p->c, p->conn, p->u, sev->chan, sev->chan_len,
	    slice_of(sev->name, sev->name_len), sev->time);
}

/* Cluster appends. */

static void
pend_unlist(struct chat *c, struct chat_pend *p)
{
	if (!p->in_list)
		return;
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		c->pend = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
	p->in_list = 0;
}

/* conn, if it is still the connection that asked p. */
static int
pend_conn(const struct chat *c, const struct chat_pend *p)
{
	const struct chat_conn *cc = conn_get(c, p->conn);

	return cc != NULL && cc->serial == p->serial ? p->conn : -1;
}

static void dm_forget(struct chat *c, uint64_t tag);

/* The log answered an append: a refusal or failure is told at once. */
static void
pend_done(void *ctx, int status, uint64_t seq, const char *err)
{
	struct chat_pend *p = ctx;
	struct chat *c = p->c;
	int conn;

	(void)seq;
	(void)err;
	p->in_log = 0;
	if (status != 0 && !c->cluster_stopped && !p->replied) {
		p->replied = 1;
		conn = pend_conn(c, p);
		if (conn >= 0)
			send_error(c, conn,
			    status == 1 ? PROTO_E_CHANNEL_EXISTS
			                : PROTO_E_STORAGE_UNAVAILABLE,
			    p->verb, slice_of(NULL, 0));
	}
	if (status != 0 && (p->verb == CMD_DM || p->verb == CMD_DM_ACT))
		dm_forget(c, p->tag);
	if (status != 0 || c->cluster_stopped)
		pend_unlist(c, p);
	if (!p->in_list)
		free(p);
}

/*
 * Appends ev for conn's command verb; a create (skel set) or a key
 * change (skel "", see cluster_change) waits in the list for its
 * read-back.  PROTO_E_NONE, or the error to answer at once.
 */
static enum proto_code
cluster_append(struct chat *c, int conn, enum cmd_verb verb,
    const struct store_event *ev, const char *skel, size_t skel_len)
{
	struct chat_pend *p;
	struct store_event dev;

	if (c->cluster_stopped || !c->cluster.up(c->cluster.ctx))
		return PROTO_E_STORAGE_UNAVAILABLE;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return PROTO_E_NO_MEMORY;
	p->c = c;
	p->tag = ++c->next_tag;
	p->conn = conn;
	p->serial = c->conns[conn].serial;
	p->verb = verb;
	/* A direct message carries its tag (in seq) for the delivery. */
	dev = *ev;
	dev.seq = p->tag;
	if ((ev->kind == STORE_DM || ev->kind == STORE_DM_ACT
	            ? c->cluster.publish(c->cluster.ctx, &dev, pend_done, p)
	            : c->cluster.append(c->cluster.ctx, ev, skel, skel_len,
	                  p->tag, pend_done, p)) < 0) {
		free(p);
		return PROTO_E_STORAGE_UNAVAILABLE;
	}
	p->in_log = 1;
	if (skel != NULL) {
		p->in_list = 1;
		p->next = c->pend;
		if (c->pend != NULL)
			c->pend->prev = p;
		c->pend = p;
	}
	return PROTO_E_NONE;
}

/* A create goes to the log; its reply comes when it is read back. */
static enum proto_code
cluster_create(struct chat *c, int conn, struct user *u, const char *id,
    size_t id_len, const struct cmd *cmd, uint64_t now)
{
	char skel[PROTO_NAME_MAX + 1];
	struct store_event sev;

	if (cmd->arg.len > sizeof(skel))
		return PROTO_E_BAD_CHANNEL_NAME;
	memset(&sev, 0, sizeof(sev));
	sev.kind = STORE_CHANNEL;
	sev.chan = id;
	sev.chan_len = id_len;
	sev.name = cmd->arg.p;
	sev.name_len = cmd->arg.len;
	sev.sender = user_name(u);
	sev.sender_len = user_name_len(u);
	sev.time = now;
	return cluster_append(c, conn, CMD_CREATE_CHAN, &sev, skel,
	    valid_skeleton(cmd->arg.p, cmd->arg.len, skel));
}

/*
 * A topic or key change of a named channel goes to the log; it is
 * applied on every node when read back, a key confirmed to conn then.
 */
static enum proto_code
cluster_change(struct chat *c, int conn, const struct cmd *cmd,
    enum store_kind kind, struct user *u, struct channel *ch, uint64_t now)
{
	struct store_event sev;

	memset(&sev, 0, sizeof(sev));
	sev.kind = kind;
	sev.chan = channel_id(ch);
	sev.chan_len = channel_id_len(ch);
	sev.sender = user_name(u);
	sev.sender_len = user_name_len(u);
	sev.text = cmd->text.p;
	sev.text_len = cmd->text.len;
	sev.time = now;
	return cluster_append(
	    c, conn, cmd->verb, &sev, kind == STORE_KEY ? "" : NULL, 0);
}

/*
 * Gives up name across nodes once no user of this node has it (an
 * account's other connection, or a look-alike rename, keeps it).
 */
static void
release_name(struct chat *c, const char *name, size_t len)
{
	char skel[PROTO_NAME_MAX];

	if (!c->clustered || c->cluster_stopped ||
	    registry_user_like(c->reg, name, len) != NULL)
		return;
	c->cluster.release(c->cluster.ctx, skel, account_key(name, len, skel));
}

/*
 * Whether conn (as it was at serial) still waits for the answer ticket
 * of the kind given: an answer for a connection gone, or one that waits
 * for something else now, is dropped.
 */
static int
still_waiting(const struct chat_conn *cc, uint64_t serial, enum chat_wait kind,
    uint64_t ticket)
{
	return cc != NULL && cc->serial == serial && cc->wait == kind &&
	    cc->ticket == ticket;
}

/* conn waited for the log and takes lines again. */
static void
resume_conn(struct chat *c, int conn)
{
	if (c->cluster.resumed != NULL)
		c->cluster.resumed(c->cluster.ctx, conn);
}

/* The nodes answered a claim: the reg or nick goes on, or is refused. */
static void
claim_done(void *ctx, int status, uint64_t seq, const char *err)
{
	struct chat_claim *p = ctx;
	struct chat *c = p->c;
	struct chat_conn *cc = conn_get(c, p->conn);
	struct slice name;
	struct user *u;
	enum proto_code code;
	int conn = p->conn;

	(void)seq;
	(void)err;
	if (c->cluster_stopped) {
		free(p);
		return;
	}
	if (!still_waiting(cc, p->serial, CHAT_WAIT_CLAIM, p->ticket)) {
		/* Its connection went: a name claimed for it goes too. */
		if (status == 0)
			release_name(c, p->name, p->name_len);
		free(p);
		return;
	}
	cc->wait = CHAT_WAIT_NONE;
	name = slice_of(cc->wait_name, cc->wait_name_len);
	u = registry_user_by_conn(c->reg, conn);
	code = status == 0 ? PROTO_E_NONE
	    : status == 1  ? PROTO_E_NAME_TAKEN
	                   : PROTO_E_STORAGE_UNAVAILABLE;
	if (code == PROTO_E_NONE) {
		if (p->verb == CMD_REG)
			code = u != NULL ? PROTO_E_ALREADY_REGISTERED
			                 : make_user(c, conn, name, &u);
		else
			code = u == NULL ? PROTO_E_NOT_REGISTERED
			                 : nick_apply(c, u, name, p->now);
		if (code != PROTO_E_NONE)
			release_name(c, name.p, name.len);
	}
	if (code != PROTO_E_NONE)
		(void)fail(c, conn, code, p->verb, name, p->now);
	free(p);
	resume_conn(c, conn);
}

/*
 * A name for conn's reg or nick is claimed across nodes first: conn
 * waits for the answer (its next lines wait too).  PROTO_E_NONE, or the
 * error to answer at once.
 */
static enum proto_code
cluster_claim(struct chat *c, int conn, enum cmd_verb verb, struct slice name,
    uint64_t now)
{
	struct chat_conn *cc = &c->conns[conn];
	struct chat_claim *p;
	enum proto_code code = valid_name(name.p, name.len);

	if (code != PROTO_E_NONE)
		return code;
	if (registry_user_like(c->reg, name.p, name.len) != NULL)
		return PROTO_E_NAME_TAKEN;
	if (c->cluster_stopped || !c->cluster.up(c->cluster.ctx))
		return PROTO_E_STORAGE_UNAVAILABLE;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return PROTO_E_NO_MEMORY;
	p->c = c;
	p->conn = conn;
	p->serial = cc->serial;
	p->ticket = ++c->next_ticket;
	p->now = now;
	p->verb = verb;
	p->skel_len = account_key(name.p, name.len, p->skel);
	p->name_len = name.len;
	memcpy(p->name, name.p, name.len);
	if (c->cluster.claim(
	        c->cluster.ctx, p->skel, p->skel_len, claim_done, p) < 0) {
		free(p);
		return PROTO_E_STORAGE_UNAVAILABLE;
	}
	cc->wait = CHAT_WAIT_CLAIM;
	cc->ticket = p->ticket;
	cc->wait_name_len = (unsigned char)name.len;
	memcpy(cc->wait_name, name.p, name.len);
	return PROTO_E_NONE;
}

static enum proto_code
do_create(struct chat *c, int conn, struct user *u, const struct cmd *cmd,
    uint64_t now)
{
	char id[PROTO_CHAN_ID_LEN];
	unsigned char rnd[PROTO_CHAN_ID_LEN];
	struct store_event sev;
	struct pending p;
	size_t nch;
	int tries, i;

	/* Validate: every check that can refuse comes before the append. */
	(void)user_channels(u, &nch);
	if (nch >= c->cfg.max_joins)
		return PROTO_E_JOIN_LIMIT;
	if (c->named >= c->cfg.max_channels)
		return PROTO_E_CHANNEL_LIMIT;
	if (registry_channel_like(c->reg, cmd->arg.p, cmd->arg.len) != NULL)
		return PROTO_E_CHANNEL_EXISTS;
	for (tries = 0; tries < CHAT_ID_TRIES; tries++) {
		c->sink.random(c->sink.ctx, rnd, sizeof(rnd));
		for (i = 0; i < PROTO_CHAN_ID_LEN; i++)
			id[i] = nanoid_alphabet[rnd[i] & 63];
		if (registry_channel_by_id(c->reg, id, sizeof(id)) == NULL)
			break;
	}
	if (tries == CHAT_ID_TRIES)
		return PROTO_E_CHANNEL_EXISTS;
	if (c->clustered)
		return cluster_create(c, conn, u, id, sizeof(id), cmd, now);
	if (c->cfg.store == NULL)
		return apply_create(c, conn, u, id, sizeof(id), cmd->arg, now);
	/* Append, then apply in the completion. */
	memset(&sev, 0, sizeof(sev));
	sev.kind = STORE_CHANNEL;
	sev.chan = id;
	sev.chan_len = sizeof(id);
	sev.name = cmd->arg.p;
	sev.name_len = cmd->arg.len;
	sev.sender = user_name(u);
	sev.sender_len = user_name_len(u);
	sev.time = now;
	p.c = c;
	p.conn = conn;
	p.u = u;
	p.ch = NULL;
	p.code = PROTO_E_NONE;
	(void)store_append(c->cfg.store, &sev, create_done, &p);
	return p.code;
}

/*
 * Whether u made ch: the owner of a personal channel, the name that
 * created a named one (compared as names are, without regard to case).
 */
static int
is_creator(const struct channel *ch, const struct user *u)
{
	const struct chan_state *cs = channel_data(ch);

	if (channel_kind(ch) == REGISTRY_PERSONAL)
		return channel_owner(ch) == u;
	return cs != NULL && cs->creator_len > 0 &&
	    valid_name_equal(
	        cs->creator, cs->creator_len, user_name(u), user_name_len(u));
}

/* Whether key opens ch: it has none, or key is it (every byte looked at). */
static int
key_opens(const struct chan_state *cs, struct slice key)
{
	unsigned char diff = 0;
	size_t i;

	if (cs == NULL || cs->key_len == 0)
		return 1;
	if (key.len != cs->key_len)
		return 0;
	for (i = 0; i < key.len; i++)
		diff |= (unsigned char)(key.p[i] ^ cs->key[i]);
	return diff == 0;
}

static int needs_fill(const struct chat *c, int conn, const struct channel *ch);
static enum proto_code cluster_fill(struct chat *c, int conn,
    const struct channel *ch, const struct cmd *cmd, uint64_t now);
static int cluster_maintain(struct chat *c, uint64_t now);

static enum proto_code
do_join(struct chat *c, int conn, struct user *u, const struct cmd *cmd,
    uint64_t now, struct slice *detail)
{
	struct channel *ch;
	struct event ev;
	enum proto_code code;
	size_t nch;

	/* A missing channel's error echoes the key too, as before keys. */
	if (cmd->text.p != NULL)
		detail->len =
		    (size_t)(cmd->text.p + cmd->text.len - cmd->arg.p);
	/*
	 * A base-mode client has no keys: a third field is part of the
	 * channel, as before keys, and no channel name holds a '$'.
	 */
	if (!conn_is_ext(c, conn) && cmd->text.p != NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	ch = find_channel(c, cmd->arg);
	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	*detail = cmd->arg;
	if (needs_fill(c, conn, ch))
		return cluster_fill(c, conn, ch, cmd, now);
	if (registry_is_member(c->reg, u, ch)) {
		/* Joining again only repeats the confirmation. */
		send_joined(c, conn, ch);
		return PROTO_E_NONE;
	}
	/* The creator needs no key to come back in. */
	if (!key_opens(channel_data(ch), cmd->text) && !is_creator(ch, u))
		return PROTO_E_BAD_KEY;
	(void)user_channels(u, &nch);
	if (nch >= c->cfg.max_joins)
		return PROTO_E_JOIN_LIMIT;
	if (channel_member_count(ch) >= c->cfg.max_members)
		return PROTO_E_CHANNEL_FULL;
	code = registry_join(c->reg, u, ch);
	if (code != PROTO_E_NONE)
		return code;
	remember_member(c, u, ch, 1);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_JOIN;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.time = now;
	ev.name = slice_of(user_name(u), user_name_len(u));
	send_channel(c, ch, &ev, u);
	send_joined_all(c, u, conn, ch);
	publish(c, STORE_JOIN, u, ev.name, ev.chan, slice_of(NULL, 0), now);
	return PROTO_E_NONE;
}

/* Nothing to apply: the idle time is already set. */
static void
idle_done(void *ctx, int status, const struct store_event *sev)
{
	(void)ctx;
	(void)status;
	(void)sev;
}

/*
 * A named channel lost its last member: in memory it goes; a stored one
 * stays (until --channel-expire) and its idle time starts now.
 */
static void
drop_if_empty(struct chat *c, struct channel *ch, uint64_t now)
{
	struct chan_state *cs = channel_data(ch);

	struct store_event sev;

	/* Other nodes may have members: the channel is the cluster's. */
	if (c->clustered) {
		if (cs != NULL)
			cs->active = now;
		return;
	}
	if (c->cfg.store == NULL) {
		remove_channel(c, ch);
		return;
	}
	if (cs != NULL)
		cs->active = now;
	/* Stored too, so that a restart does not reset the expiry clock. */
	memset(&sev, 0, sizeof(sev));
	sev.kind = STORE_IDLE;
	sev.chan = channel_id(ch);
	sev.chan_len = channel_id_len(ch);
	sev.time = now;
	(void)store_append(c->cfg.store, &sev, idle_done, NULL);
}

/* Takes u out of ch and tells the others; a named channel left empty goes
 * (in memory) or stays (stored). */
static void
part_channel(struct chat *c, struct user *u, struct channel *ch, uint64_t now)
{
	struct event ev;

	(void)registry_leave(c->reg, u, ch);
	if (channel_kind(ch) == REGISTRY_CHANNEL &&
	    channel_member_count(ch) == 0) {
		drop_if_empty(c, ch, now);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_PART;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.time = now;
	ev.name = slice_of(user_name(u), user_name_len(u));
	send_channel(c, ch, &ev, NULL);
}

static enum proto_code
do_leave(struct chat *c, int conn, struct user *u, const struct cmd *cmd,
    uint64_t now)
{
	struct channel *ch = find_channel(c, cmd->arg);
	struct event ev;

	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	if (!registry_is_member(c->reg, u, ch))
		return PROTO_E_NOT_MEMBER;
	remember_member(c, u, ch, 0);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_LEFT;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	/* Every connection of the user leaves with it. */
	send_user(c, u, &ev);
	publish(c, STORE_PART, u, slice_of(user_name(u), user_name_len(u)),
	    ev.chan, slice_of(NULL, 0), now);
	part_channel(c, u, ch, now);
	return PROTO_E_NONE;
}

/* Applies a message or action whose append completed: echo and cache. */
static void
apply_send(struct chat *c, struct channel *ch, const struct store_event *sev)
{
	struct chan_state *cs = channel_data(ch);
	struct event ev;
	size_t len;

	memset(&ev, 0, sizeof(ev));
	ev.kind = sev->kind == STORE_ACT ? EV_ACT : EV_MSG;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.seq = sev->seq;
	ev.time = sev->time;
	ev.name = slice_of(sev->sender, sev->sender_len);
	ev.text = slice_of(sev->text, sev->text_len);
	cs->seq = sev->seq;
	cs->active = sev->time;
	ensure_loaded(c, ch, cs);
	len = send_channel(c, ch, &ev, NULL);
	if (c->cfg.history > 0 && c->cfg.history_bytes > 0 && len > 0) {
		if (cs->history == NULL)
			cs->history = history_new(c->hist, c->cfg.history);
		/* Without memory a joiner only misses this line of history. */
		if (cs->history != NULL)
			(void)history_add(cs->history, c->line, len);
	}
}

static void
send_done(void *ctx, int status, const struct store_event *sev)
{
	struct pending *p = ctx;

	/* Not stored: not applied; the server stops before replying. */
	if (status < 0) {
		p->code = PROTO_E_NO_MEMORY;
		return;
	}
	apply_send(p->c, p->ch, sev);
}

static enum proto_code
do_send(struct chat *c, int conn, struct user *u, const struct cmd *cmd,
    uint64_t now)
{
	struct channel *ch = find_channel(c, cmd->arg);
	struct chan_state *cs;
	struct store_event sev;
	struct pending p;

	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	if (!registry_is_member(c->reg, u, ch))
		return PROTO_E_NOT_MEMBER;
	cs = channel_data(ch);
	memset(&sev, 0, sizeof(sev));
	sev.kind = cmd->verb == CMD_SEND_ACT ? STORE_ACT : STORE_MSG;
	sev.chan = channel_id(ch);
	sev.chan_len = channel_id_len(ch);
	sev.sender = user_name(u);
	sev.sender_len = user_name_len(u);
	sev.text = cmd->text.p;
	sev.text_len = cmd->text.len;
	sev.time = now;
	sev.seq = cs->seq + 1;
	/* Delivered, the echo too, when the log hands it back; a personal
	 * channel too, as its members may be on other nodes. */
	if (c->clustered)
		return cluster_append(c, conn, cmd->verb, &sev, NULL, 0);
	/* Personal channels stay in memory: anyone may take a name today. */
	if (c->cfg.store == NULL || channel_kind(ch) != REGISTRY_CHANNEL) {
		apply_send(c, ch, &sev);
		return PROTO_E_NONE;
	}
	p.c = c;
	p.conn = -1;
	p.u = u;
	p.ch = ch;
	p.code = PROTO_E_NONE;
	(void)store_append(c->cfg.store, &sev, send_done, &p);
	return p.code;
}

/*
 * A direct message to the name of an account with no connection, from a
 * logged-in sender: kept for its next login (at most CHAT_DM_QUEUE_MAX),
 * and the sender gets its usual copy.  Anyone else gets no_such_user.
 */
static enum proto_code
dm_offline(struct chat *c, struct user *u, const struct cmd *cmd, uint64_t now)
{
	char key[PROTO_NAME_MAX];
	size_t klen = account_key(cmd->arg.p, cmd->arg.len, key);
	struct store_account a;
	struct store_dm dm;
	struct event ev;
	int n;

	if (!accounts_on(c) || !logged_in(c, u) ||
	    store_account_get(c->cfg.store, key, klen, &a) != 1)
		return PROTO_E_NO_SUCH_USER;
	n = store_dm_count(c->cfg.store, key, klen);
	if (n < 0)
		return PROTO_E_NO_MEMORY;
	if (n >= CHAT_DM_QUEUE_MAX)
		return PROTO_E_DM_QUEUE_FULL;
	memset(&dm, 0, sizeof(dm));
	dm.act = cmd->verb == CMD_DM_ACT;
	dm.time = now;
	dm.sender = user_name(u);
	dm.sender_len = user_name_len(u);
	dm.recipient = a.name;
	dm.recipient_len = a.name_len;
	dm.text = cmd->text.p;
	dm.text_len = cmd->text.len;
	if (store_dm_add(c->cfg.store, key, klen, &dm) < 0)
		return PROTO_E_NO_MEMORY;
	memset(&ev, 0, sizeof(ev));
	ev.kind = dm.act ? EV_DM_ACT : EV_DM;
	ev.time = now;
	ev.name = slice_of(user_name(u), user_name_len(u));
	ev.peer = slice_of(a.name, a.name_len);
	ev.text = cmd->text;
	send_user(c, u, &ev);
	return PROTO_E_NONE;
}

/*
 * Whether the sender name is to be told that a is away: not if it was
 * this away period (of the last CHAT_AWAY_TOLD_MAX senders); it is
 * remembered as told.
 */
static int
away_tells(struct chat_away *a, const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < a->ntold; i++) {
		if (valid_name_equal(a->told[i], a->told_len[i], name, len))
			return 0;
	}
	memcpy(a->told[a->next], name, len);
	a->told_len[a->next] = (unsigned char)len;
	a->next = (a->next + 1) % CHAT_AWAY_TOLD_MAX;
	if (a->ntold < CHAT_AWAY_TOLD_MAX)
		a->ntold++;
	return 1;
}

/*
 * A direct message from u (on conn) reached to, who is away: u is told
 * so, once per away period (of the last CHAT_AWAY_TOLD_MAX senders), by
 * a server line, never a message, so two away users cannot loop.
 */
static void
away_reply(
    struct chat *c, int conn, const struct user *u, const struct user *to)
{
	struct chat_away *a = c->conns[user_conn(to)].away;
	struct event ev;

	if (a == NULL || !conn_is_ext(c, conn) ||
	    !away_tells(a, user_name(u), user_name_len(u)))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_AWAY;
	ev.name = slice_of(user_name(to), user_name_len(to));
	ev.text = slice_of(a->text, a->len);
	send_event(c, conn, &ev);
}

static enum proto_code dm_remote(struct chat *c, int conn, struct user *u,
    const struct user *to, const struct cmd *cmd, uint64_t now);

static enum proto_code
do_dm(struct chat *c, int conn, struct user *u, const struct cmd *cmd,
    uint64_t now)
{
	struct user *to =
	    registry_user_by_name(c->reg, cmd->arg.p, cmd->arg.len);
	struct event ev;

	if (to == NULL)
		return dm_offline(c, u, cmd, now);
	if (user_conn(to) < 0)
		return dm_remote(c, conn, u, to, cmd, now);
	memset(&ev, 0, sizeof(ev));
	ev.kind = cmd->verb == CMD_DM_ACT ? EV_DM_ACT : EV_DM;
	ev.time = now;
	ev.name = slice_of(user_name(u), user_name_len(u));
	ev.peer = slice_of(user_name(to), user_name_len(to));
	ev.text = cmd->text;
	send_user(c, to, &ev);
	if (to != u) {
		send_user(c, u, &ev);
		away_reply(c, conn, u, to);
	}
	return PROTO_E_NONE;
}

static void release_name(struct chat *c, const char *name, size_t len);

/*
 * u is now called name: the registry, its personal channel, the news to
 * those who share a channel with it (u itself too, if include_self).  Its
 * old name goes to old (PROTO_NAME_MAX bytes), its length to *old_len.
 */
static enum proto_code
rename_user(struct chat *c, struct user *u, struct slice name, uint64_t now,
    int include_self, char *old, size_t *old_len)
{
	char pname[PROTO_NAME_MAX + 2];
	struct channel *ch;
	struct event ev;
	enum proto_code code;

	*old_len = user_name_len(u);
	memcpy(old, user_name(u), *old_len);
	code = registry_rename_user(c->reg, u, name.p, name.len);
	if (code != PROTO_E_NONE)
		return code;
	ch = personal_channel(c, u);
	if (ch != NULL) {
		pname[0] = '~';
		memcpy(pname + 1, name.p, name.len);
		/* Personal channels are not in the name index: this cannot
		 * clash. */
		(void)registry_rename_channel(c->reg, ch, pname, name.len + 1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_NICK;
	ev.time = now;
	ev.name = slice_of(old, *old_len);
	ev.peer = slice_of(user_name(u), user_name_len(u));
	send_sharers(c, u, &ev, include_self);
	return PROTO_E_NONE;
}

/* u of this node is now called name: told here and on every node. */
static enum proto_code
nick_apply(struct chat *c, struct user *u, struct slice name, uint64_t now)
{
	char old[PROTO_NAME_MAX];
	size_t old_len;
	enum proto_code code;

	code = rename_user(c, u, name, now, 1, old, &old_len);
	if (code != PROTO_E_NONE)
		return code;
	publish(c, STORE_NICK, u, slice_of(old, old_len), slice_of(NULL, 0),
	    name, now);
	release_name(c, old, old_len);
	return PROTO_E_NONE;
}

static enum proto_code
do_nick(struct chat *c, int conn, struct user *u, const struct cmd *cmd,
    uint64_t now)
{
	/* The account fixes the name; an account's name is its own. */
	if (logged_in(c, u))
		return PROTO_E_ACCOUNT_NAME;
	if (account_exists(c, cmd->arg.p, cmd->arg.len))
		return PROTO_E_NAME_RESERVED;
	/* A name that looks like one's own is one's own on every node. */
	if (c->clustered &&
	    registry_user_like(c->reg, cmd->arg.p, cmd->arg.len) != u)
		return cluster_claim(c, conn, CMD_NICK, cmd->arg, now);
	return nick_apply(c, u, cmd->arg, now);
}

static enum proto_code
do_list(struct chat *c, int conn)
{
	size_t n, i, listed = 0;
	struct channel *const *chans = registry_channels(c->reg, &n);
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	for (i = 0; i < n; i++) {
		if (channel_kind(chans[i]) != REGISTRY_CHANNEL)
			continue;
		ev.kind = EV_LIST;
		ev.chan =
		    slice_of(channel_id(chans[i]), channel_id_len(chans[i]));
		ev.chan_kind = EV_CHAN_CHANNEL;
		ev.count = channel_member_count(chans[i]);
		ev.name = slice_of(
		    channel_name(chans[i]), channel_name_len(chans[i]));
		send_event(c, conn, &ev);
		listed++;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_LIST_END;
	ev.count = listed;
	send_event(c, conn, &ev);
	return PROTO_E_NONE;
}

static enum proto_code
do_names(struct chat *c, int conn, const struct cmd *cmd)
{
	struct channel *ch = find_channel(c, cmd->arg);

	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	send_names(c, conn, ch);
	return PROTO_E_NONE;
}

/* History through the nodes' log (--redis). */

/* Channels whose stored lines one chat_maintain call trims at most. */
#define CHAT_TRIM_CHANNELS 16

/* A history page asked of the log for conn, which waits for it. */
struct chat_page {
	struct chat *c;
	uint64_t serial, ticket; /* of conn when it asked */
	int conn;
	enum cmd_dir dir;
	size_t limit;
	size_t id_len;
	char id[PROTO_ID_MAX];
};

/* A channel's recent lines asked of the log before conn's join, whose
 * line (rebuilt) runs again once they are in. */
struct chat_fill {
	struct chat *c;
	uint64_t serial, ticket, now;
	int conn;
	size_t id_len, line_len;
	char id[PROTO_ID_MAX];
	char line[PROTO_LINE_MAX];
};

/*
 * Whether the ring of a named channel answers a request as the log
 * would: it holds every line from its first to the channel's last, and
 * the page it gives does not reach past its first (unless that is the
 * channel's first line).  A request for lines after the last this node
 * has is answered here too: newer ones reach the member as they come.
 */
static int
ring_covers(
    const struct chan_state *cs, enum cmd_dir dir, uint64_t seq, size_t limit)
{
	struct history_range r;
	size_t n;
	uint64_t first, last;

	if (cs == NULL)
		return 0;
	if ((dir == CMD_DIR_AFTER && seq >= cs->seq) ||
	    (dir == CMD_DIR_BEFORE && seq <= 1))
		return 1;
	n = cs->history != NULL ? history_count(cs->history) : 0;
	if (n == 0)
		return cs->seq == 0;
	first = history_seq(cs->history, 0);
	last = history_seq(cs->history, n - 1);
	if (last != cs->seq || last < first || last - first + 1 != n)
		return 0;
	if (first == 1)
		return 1;
	if (dir == CMD_DIR_AFTER)
		return first <= seq + 1;
	history_page(cs->history, dir, seq, limit, CHAT_HISTORY_PAGE_BYTES, &r);
	return r.first > 0;
}

/*
 * Sends a page of lines from the log, nearest the asked seq first: as
 * many as the limit and CHAT_HISTORY_PAGE_BYTES take (one always), oldest
 * first, and "more" if any were left.
 */
static void
send_log_page(struct chat *c, int conn, const struct chat_page *p,
    const struct store_line *lines, size_t n, uint64_t known)
{
	char buf[PROTO_LINE_MAX];
	struct event ev;
	size_t k = 0, count = 0, bytes = 0, at = 0, len, i;

	while (k < p->limit && k < n) {
		len =
		    encode_line(p->id, p->id_len, &lines[k], buf, sizeof(buf));
		if (k > 0 &&
		    (bytes >= CHAT_HISTORY_PAGE_BYTES ||
		        len > CHAT_HISTORY_PAGE_BYTES - bytes))
			break;
		bytes += len;
		count += len > 0;
		k++;
	}
	/* Within the byte cap and one line: the page buffer's size. */
	for (i = 0; i < k; i++) {
		const struct store_line *l =
		    &lines[p->dir == CMD_DIR_AFTER ? i : k - 1 - i];

		at += encode_line(
		    p->id, p->id_len, l, c->page + at, sizeof(c->page) - at);
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_HISTORY_PAGE;
	ev.chan = slice_of(p->id, p->id_len);
	ev.dir = p->dir;
	ev.count = count;
	send_event(c, conn, &ev);
	if (at > 0)
		send_bytes(c, conn, c->page, at);
	ev.kind = EV_HISTORY_PAGE_END;
	ev.more = k < n;
	/*
	 * Lines after: this node may have delivered newer lines than Redis
	 * had when it answered (they come on another connection).  A member
	 * catching up takes only pages, so it is told to ask on.
	 */
	if (p->dir == CMD_DIR_AFTER && k > 0 && lines[k - 1].seq < known)
		ev.more = 1;
	send_event(c, conn, &ev);
}

/* The log answered a page: it is sent, or storage_unavailable. */
static void
page_done(void *ctx, int status, const struct store_line *lines, size_t n,
    const char *err)
{
	struct chat_page *p = ctx;
	struct chat *c = p->c;
	struct chat_conn *cc = conn_get(c, p->conn);
	struct channel *ch;
	struct chan_state *cs;
	int conn = p->conn;

	(void)err;
	if (c->cluster_stopped ||
	    !still_waiting(cc, p->serial, CHAT_WAIT_PAGE, p->ticket)) {
		free(p);
		return;
	}
	cc->wait = CHAT_WAIT_NONE;
	ch = registry_channel_by_id(c->reg, p->id, p->id_len);
	cs = ch != NULL ? channel_data(ch) : NULL;
	if (status != 0)
		send_error(c, conn, PROTO_E_STORAGE_UNAVAILABLE, CMD_HISTORY,
		    slice_of(p->id, p->id_len));
	else
		send_log_page(c, conn, p, lines, n, cs != NULL ? cs->seq : 0);
	free(p);
	resume_conn(c, conn);
}

/*
 * A page of a named channel is read from the log: conn waits for it (its
 * next lines too), others go on.  One line more than the limit is asked
 * for, to tell whether there are more.  PROTO_E_NONE, or the error to
 * answer at once.
 */
static enum proto_code
cluster_page(struct chat *c, int conn, const struct channel *ch,
    const struct cmd *cmd, size_t limit)
{
	struct chat_conn *cc = &c->conns[conn];
	struct chat_page *p;

	if (c->cluster_stopped || !c->cluster.up(c->cluster.ctx))
		return PROTO_E_STORAGE_UNAVAILABLE;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return PROTO_E_NO_MEMORY;
	p->c = c;
	p->conn = conn;
	p->serial = cc->serial;
	p->ticket = ++c->next_ticket;
	p->dir = cmd->dir;
	p->limit = limit;
	p->id_len = channel_id_len(ch);
	memcpy(p->id, channel_id(ch), p->id_len);
	if (c->cluster.page(c->cluster.ctx, p->id, p->id_len, cmd->dir,
	        cmd->seq, limit + 1, page_done, p) < 0) {
		free(p);
		return PROTO_E_STORAGE_UNAVAILABLE;
	}
	cc->wait = CHAT_WAIT_PAGE;
	cc->ticket = p->ticket;
	return PROTO_E_NONE;
}

/*
 * Whether conn's join of ch must first read the channel's recent lines
 * from the log: an extended joiner is sent them, and this node's ring
 * lacks those from before its start.  Not while the log is down: the
 * join goes on with what the ring has.
 */
static int
needs_fill(const struct chat *c, int conn, const struct channel *ch)
{
	const struct chan_state *cs = channel_data(ch);

	return c->clustered && !c->fill_skip && !c->cluster_stopped &&
	    c->cluster.page != NULL && conn_is_ext(c, conn) &&
	    channel_kind(ch) == REGISTRY_CHANNEL && cs != NULL && !cs->loaded &&
	    c->cfg.history > 0 && c->cfg.history_bytes > 0 &&
	    c->cluster.up(c->cluster.ctx);
}

/*
 * The ring of ch takes the lines read from the log (newest first) that
 * come before its own, as far as they go on without a gap to them; the
 * lines it has (delivered while the read was under way) stay the newest.
 */
static void
ring_fill(struct chat *c, struct channel *ch, const struct store_line *lines,
    size_t n)
{
	struct chan_state *cs = channel_data(ch);
	struct history *old = cs->history, *h;
	char buf[PROTO_LINE_MAX], *keep = NULL;
	size_t *lens = NULL, i, j, k, on, total = 0, at = 0, len;
	uint64_t first, want;

	on = old != NULL ? history_count(old) : 0;
	first = on > 0 ? history_seq(old, 0) : cs->seq + 1;
	/* lines[i..j) are first - 1, first - 2, ... */
	for (i = 0; i < n && lines[i].seq >= first; i++)
		continue;
	for (j = i, want = first - 1; j < n && want > 0 && lines[j].seq == want;
	     j++)
		want--;
	cs->loaded = 1;
	if (j == i)
		return;
	/* The ring's own lines are copied out: adding to the new ring may
	 * evict lines of any ring from the shared budget, the old one's too. */
	for (k = 0; k < on; k++) {
		(void)history_get(old, k, &len);
		total += len;
	}
	if (on > 0) {
		keep = malloc(total + 1);
		lens = calloc(on, sizeof(*lens));
		if (keep == NULL || lens == NULL)
			goto out;
	}
	for (k = 0; k < on; k++) {
		const char *q = history_get(old, k, &lens[k]);

		memcpy(keep + at, q, lens[k]);
		at += lens[k];
	}
	h = history_new(c->hist, c->cfg.history);
	if (h == NULL)
		goto out;
	history_free(old);
	cs->history = h;
	for (k = j; k > i; k--) {
		len = encode_stored(ch, &lines[k - 1], buf, sizeof(buf));
		if (len > 0)
			(void)history_add(h, buf, len);
	}
	for (k = 0, at = 0; k < on; k++) {
		(void)history_add(h, keep + at, lens[k]);
		at += lens[k];
	}
out:
	free(keep);
	free(lens);
}

/* The log answered a fill: the ring takes the lines, the join runs. */
static void
fill_done(void *ctx, int status, const struct store_line *lines, size_t n,
    const char *err)
{
	struct chat_fill *p = ctx;
	struct chat *c = p->c;
	struct chat_conn *cc;
	struct channel *ch;
	int conn = p->conn;

	(void)err;
	if (c->cluster_stopped) {
		free(p);
		return;
	}
	ch = registry_channel_by_id(c->reg, p->id, p->id_len);
	if (status == 0 && ch != NULL && channel_data(ch) != NULL &&
	    !((struct chan_state *)channel_data(ch))->loaded)
		ring_fill(c, ch, lines, n);
	cc = conn_get(c, conn);
	if (!still_waiting(cc, p->serial, CHAT_WAIT_FILL, p->ticket)) {
		free(p);
		return;
	}
	cc->wait = CHAT_WAIT_NONE;
	/* A failed read is not tried again for this join: it goes on. */
	c->fill_skip = 1;
	chat_line(c, conn, p->line, p->line_len, p->now);
	c->fill_skip = 0;
	free(p);
	resume_conn(c, conn);
}

/*
 * conn's join of ch waits for the channel's recent lines from the log
 * (as many as a ring keeps, within a page): then it runs again, its
 * line rebuilt from cmd.  PROTO_E_NONE, or the error to answer at once.
 */
static enum proto_code
cluster_fill(struct chat *c, int conn, const struct channel *ch,
    const struct cmd *cmd, uint64_t now)
{
	struct chat_conn *cc = &c->conns[conn];
	struct chat_fill *p;
	size_t count = c->cfg.history;
	int len;

	if (count > CMD_HISTORY_PAGE_MAX + 1)
		count = CMD_HISTORY_PAGE_MAX + 1;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return PROTO_E_NO_MEMORY;
	len = cmd->text.p != NULL
	    ? snprintf(p->line, sizeof(p->line), "join$%.*s$%.*s$%.*s",
	          (int)cmd->uid.len, cmd->uid.p, (int)cmd->arg.len, cmd->arg.p,
	          (int)cmd->text.len, cmd->text.p)
	    : snprintf(p->line, sizeof(p->line), "join$%.*s$%.*s",
	          (int)cmd->uid.len, cmd->uid.p, (int)cmd->arg.len, cmd->arg.p);
	if (len < 0 || (size_t)len >= sizeof(p->line)) {
		free(p);
		return PROTO_E_LINE_TOO_LONG;
	}
	p->line_len = (size_t)len;
	p->c = c;
	p->conn = conn;
	p->serial = cc->serial;
	p->ticket = ++c->next_ticket;
	p->now = now;
	p->id_len = channel_id_len(ch);
	memcpy(p->id, channel_id(ch), p->id_len);
	if (c->cluster.page(c->cluster.ctx, p->id, p->id_len, CMD_DIR_LATEST, 0,
	        count, fill_done, p) < 0) {
		free(p);
		return PROTO_E_STORAGE_UNAVAILABLE;
	}
	cc->wait = CHAT_WAIT_FILL;
	cc->ticket = p->ticket;
	return PROTO_E_NONE;
}

/* A channel's log was trimmed: a full batch means it has more to go. */
static void
trim_done(void *ctx, int status, uint64_t deleted, const char *err)
{
	struct chat *c = ctx;

	(void)err;
	if (c->trims_pending > 0)
		c->trims_pending--;
	if (status == 0 && deleted >= STORE_PRUNE_BATCH)
		c->trim_more = 1;
}

/*
 * Retention through the log: the named channels' stored lines are trimmed
 * as the store's are, CHAT_TRIM_CHANNELS channels a call and at most
 * STORE_PRUNE_BATCH lines each, going round all channels; a round starts
 * again at once while a channel had a full batch.  Non-zero while a round
 * is under way (call again soon).
 */
static int
cluster_maintain(struct chat *c, uint64_t now)
{
	struct channel *const *chans;
	uint64_t before = 0;
	size_t n, sent = 0;

	if (c->cluster.trim == NULL || c->cluster_stopped ||
	    (c->cfg.history_days == 0 && c->cfg.history_keep == 0))
		return 0;
	/* Replies awaited; or not yet connected (at start), or down. */
	if (c->trims_pending > 0 || !c->cluster.up(c->cluster.ctx))
		return 1;
	chans = registry_channels(c->reg, &n);
	if (c->trim_at >= n) {
		c->trim_at = 0;
		if (!c->trim_more)
			return 0;
		c->trim_more = 0;
	}
	if (c->cfg.history_days > 0 && now > c->cfg.history_days * CHAT_DAY_MS)
		before = now - c->cfg.history_days * CHAT_DAY_MS;
	while (sent < CHAT_TRIM_CHANNELS && c->trim_at < n) {
		struct channel *ch = chans[c->trim_at++];

		if (channel_kind(ch) != REGISTRY_CHANNEL)
			continue;
		if (c->cluster.trim(c->cluster.ctx, channel_id(ch),
		        channel_id_len(ch), before, c->cfg.history_keep,
		        STORE_PRUNE_BATCH, trim_done, c) < 0)
			break;
		c->trims_pending++;
		sent++;
	}
	return 1;
}

/* A page read from the store, kept until it is sent (count goes first). */
struct page_fill {
	struct chat *c;
	const struct channel *ch;
	size_t len;
	size_t count;
};

/* What a stored line counts toward CHAT_HISTORY_PAGE_BYTES: as sent. */
static size_t
page_line_size(void *ctx, const struct store_line *l)
{
	struct page_fill *f = ctx;
	char buf[PROTO_LINE_MAX];

	return encode_stored(f->ch, l, buf, sizeof(buf));
}

static void
page_line(void *ctx, const struct store_line *l)
{
	struct page_fill *f = ctx;
	size_t len;

	/*
	 * The store kept the page within the buffer's bytes; a line that
	 * would not fit (it cannot) is left out rather than cut.
	 */
	len = encode_stored(
	    f->ch, l, f->c->page + f->len, sizeof(f->c->page) - f->len);
	if (len == 0)
		return;
	f->len += len;
	f->count++;
}

/*
 * A history request: the lines before, after or latest a seq, at most
 * CMD_HISTORY_PAGE_MAX and CHAT_HISTORY_PAGE_BYTES, framed by
 * history_page and history_page_end.  With a store every stored line of
 * a named channel can be read, a page at a time and nothing kept (a read
 * error falls back to the ring); else only the ring's.  Only members may
 * read a channel's history.
 */
static enum proto_code
do_history(struct chat *c, int conn, struct user *u, const struct cmd *cmd)
{
	struct channel *ch = find_channel(c, cmd->arg);
	struct chan_state *cs;
	struct history_range r = {0, 0, 0};
	struct page_fill f;
	struct event ev;
	size_t i, len, limit = CMD_HISTORY_PAGE_MAX;
	const char *p;
	int stored = 0;

	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	if (!registry_is_member(c->reg, u, ch))
		return PROTO_E_NOT_MEMBER;
	cs = channel_data(ch);
	if (cmd->limit < limit)
		limit = (size_t)cmd->limit;
	/* Several nodes: the log has what this node's ring may not. */
	if (c->clustered && channel_kind(ch) == REGISTRY_CHANNEL &&
	    c->cluster.page != NULL &&
	    !ring_covers(cs, cmd->dir, cmd->seq, limit))
		return cluster_page(c, conn, ch, cmd, limit);
	memset(&f, 0, sizeof(f));
	f.c = c;
	f.ch = ch;
	/* Only named channels are stored; personal ones page from the ring. */
	if (c->cfg.store != NULL && channel_kind(ch) == REGISTRY_CHANNEL)
		stored =
		    store_page(c->cfg.store, channel_id(ch), channel_id_len(ch),
		        cmd->dir, cmd->seq, limit, CHAT_HISTORY_PAGE_BYTES,
		        page_line_size, page_line, &f, &r.more) >= 0;
	if (!stored && cs != NULL && cs->history != NULL)
		history_page(cs->history, cmd->dir, cmd->seq, limit,
		    CHAT_HISTORY_PAGE_BYTES, &r);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_HISTORY_PAGE;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.dir = cmd->dir;
	ev.count = stored ? f.count : r.count;
	send_event(c, conn, &ev);
	if (stored && f.len > 0)
		send_bytes(c, conn, c->page, f.len);
	for (i = 0; !stored && i < r.count; i++) {
		p = history_get(cs->history, r.first + i, &len);
		send_bytes(c, conn, p, len);
	}
	ev.kind = EV_HISTORY_PAGE_END;
	ev.more = r.more;
	send_event(c, conn, &ev);
	return PROTO_E_NONE;
}

/* A topic or key change waiting for its append. */
struct chan_change {
	struct chat *c;
	int conn;
	struct channel *ch;
	char *topic; /* the new topic (owned until applied), NULL: none */
};

/* Applies a topic: kept with the channel, told to every member. */
static void
apply_topic(struct chat *c, struct channel *ch, char *topic,
    const struct store_event *sev)
{
	struct chan_state *cs = channel_data(ch);
	struct event ev;

	free(cs->topic);
	cs->topic = topic;
	cs->topic_len = topic != NULL ? sev->text_len : 0;
	cs->topic_time = sev->time;
	memcpy(cs->topic_by, sev->sender, sev->sender_len);
	cs->topic_by_len = (unsigned char)sev->sender_len;
	topic_event(ch, cs, &ev);
	(void)send_channel(c, ch, &ev, NULL);
}

static void
topic_done(void *ctx, int status, const struct store_event *sev)
{
	struct chan_change *p = ctx;

	/* Not stored: not applied; the server stops before replying. */
	if (status < 0) {
		free(p->topic);
		return;
	}
	apply_topic(p->c, p->ch, p->topic, sev);
}

/*
 * Any member sets a channel's topic; an empty text clears it.  Stored
 * with a named channel; a personal one keeps it in memory.
 */
static enum proto_code
do_topic(struct chat *c, int conn, struct user *u, const struct cmd *cmd,
    uint64_t now)
{
	struct channel *ch = find_channel(c, cmd->arg);
	struct store_event sev;
	struct chan_change p;

	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	if (!registry_is_member(c->reg, u, ch))
		return PROTO_E_NOT_MEMBER;
	if (c->clustered && channel_kind(ch) == REGISTRY_CHANNEL)
		return cluster_change(c, conn, cmd, STORE_TOPIC, u, ch, now);
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.ch = ch;
	if (cmd->text.len > 0) {
		p.topic = malloc(cmd->text.len);
		if (p.topic == NULL)
			return PROTO_E_NO_MEMORY;
		memcpy(p.topic, cmd->text.p, cmd->text.len);
	}
	memset(&sev, 0, sizeof(sev));
	sev.kind = STORE_TOPIC;
	sev.chan = channel_id(ch);
	sev.chan_len = channel_id_len(ch);
	sev.sender = user_name(u);
	sev.sender_len = user_name_len(u);
	sev.text = cmd->text.p;
	sev.text_len = cmd->text.len;
	sev.time = now;
	if (c->cfg.store == NULL || channel_kind(ch) != REGISTRY_CHANNEL) {
		apply_topic(c, ch, p.topic, &sev);
		return PROTO_E_NONE;
	}
	(void)store_append(c->cfg.store, &sev, topic_done, &p);
	return PROTO_E_NONE;
}

/*
 * Marks u away with a text, or back with none.  The user's own line
 * confirms it: away$<name>$<text>.  A new away period forgets who was
 * told.
 */
static enum proto_code
do_away(struct chat *c, struct user *u, const struct cmd *cmd)
{
	struct chat_conn *cc = &c->conns[user_conn(u)];
	struct event ev;

	if (cmd->text.len == 0) {
		free(cc->away);
		cc->away = NULL;
	} else {
		if (cc->away == NULL) {
			cc->away = calloc(1, sizeof(*cc->away));
			if (cc->away == NULL)
				return PROTO_E_NO_MEMORY;
		}
		memcpy(cc->away->text, cmd->text.p, cmd->text.len);
		cc->away->len = cmd->text.len;
		cc->away->ntold = cc->away->next = 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_AWAY;
	ev.name = slice_of(user_name(u), user_name_len(u));
	ev.text = cmd->text;
	/* Every device of an account shows it away. */
	send_user(c, u, &ev);
	return PROTO_E_NONE;
}

/*
 * The creator of a channel, a member of it, removes another member:
 * everyone in it (the kicked too) gets the kick line, then the kicked is
 * out and gets left$<id>.  A named channel left empty goes as on a part.
 */
static enum proto_code
do_kick(struct chat *c, struct user *u, const struct cmd *cmd, uint64_t now,
    struct slice *detail)
{
	struct channel *ch = find_channel(c, cmd->arg);
	struct user *who;
	struct event ev;
	const int *conns;
	size_t nconns, k;

	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	if (!registry_is_member(c->reg, u, ch))
		return PROTO_E_NOT_MEMBER;
	if (!is_creator(ch, u))
		return PROTO_E_NOT_CREATOR;
	*detail = cmd->name;
	who = registry_user_by_name(c->reg, cmd->name.p, cmd->name.len);
	if (who == NULL)
		return PROTO_E_NO_SUCH_USER;
	if (!registry_is_member(c->reg, who, ch))
		return PROTO_E_NOT_MEMBER;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_KICK;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.time = now;
	ev.name = slice_of(user_name(u), user_name_len(u));
	ev.peer = slice_of(user_name(who), user_name_len(who));
	ev.text = cmd->text;
	(void)send_channel(c, ch, &ev, NULL);
	/* The other nodes see a part; the kicked's node tells it. */
	publish(c, STORE_PART, who, ev.peer, ev.chan, slice_of(NULL, 0), now);
	(void)registry_leave(c->reg, who, ch);
	/* An account is not rejoined to it at its next login either. */
	remember_member(c, who, ch, 0);
	conns = user_conns(who, &nconns);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_LEFT;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	for (k = 0; k < nconns; k++) {
		if (conn_is_ext(c, conns[k]))
			send_event(c, conns[k], &ev);
	}
	if (channel_kind(ch) == REGISTRY_CHANNEL &&
	    channel_member_count(ch) == 0)
		drop_if_empty(c, ch, now);
	return PROTO_E_NONE;
}

/*
 * Applies a key: kept with the channel; the creator's line confirms it
 * (conn -1: nobody to tell).
 */
static void
apply_key(
    struct chat *c, int conn, struct channel *ch, const struct store_event *sev)
{
	struct chan_state *cs = channel_data(ch);
	struct event ev;

	if (sev->text_len > 0)
		memcpy(cs->key, sev->text, sev->text_len);
	cs->key_len = (unsigned char)sev->text_len;
	if (conn < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_CHAN_KEY;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.text = slice_of(cs->key, cs->key_len);
	send_event(c, conn, &ev);
}

static void
key_done(void *ctx, int status, const struct store_event *sev)
{
	struct chan_change *p = ctx;

	if (status == 0)
		apply_key(p->c, p->conn, p->ch, sev);
}

/* The creator sets a channel's join key, or removes it with none. */
static enum proto_code
do_chan_key(struct chat *c, int conn, struct user *u, const struct cmd *cmd,
    uint64_t now)
{
	struct channel *ch = find_channel(c, cmd->arg);
	struct store_event sev;
	struct chan_change p;

	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	if (!registry_is_member(c->reg, u, ch))
		return PROTO_E_NOT_MEMBER;
	if (!is_creator(ch, u))
		return PROTO_E_NOT_CREATOR;
	if (c->clustered && channel_kind(ch) == REGISTRY_CHANNEL)
		return cluster_change(c, conn, cmd, STORE_KEY, u, ch, now);
	memset(&sev, 0, sizeof(sev));
	sev.kind = STORE_KEY;
	sev.chan = channel_id(ch);
	sev.chan_len = channel_id_len(ch);
	sev.text = cmd->text.p;
	sev.text_len = cmd->text.len;
	sev.time = now;
	if (c->cfg.store == NULL || channel_kind(ch) != REGISTRY_CHANNEL) {
		apply_key(c, conn, ch, &sev);
		return PROTO_E_NONE;
	}
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.conn = conn;
	p.ch = ch;
	(void)store_append(c->cfg.store, &sev, key_done, &p);
	return PROTO_E_NONE;
}

static void
do_ping(struct chat *c, int conn, const struct cmd *cmd)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_PONG;
	ev.text = cmd->arg;
	send_event(c, conn, &ev);
}

/* Accounts: the verbs and the login sequence. */

/*
 * The failure limiter's keys: "a:" and the address without its port,
 * "n:" and the account's skeleton.  Their lengths.
 */
static size_t
addr_key(const struct chat_conn *cc, char *buf, size_t size)
{
	size_t len = cc->uid_len;
	const char *p = cc->uid;
	const char *colon = len > 0 ? memchr(p, ':', len) : NULL;

	/* "ip:port" or "[v6]:port": drop the port and the brackets. */
	if (len > 0 && p[0] == '[') {
		const char *end = memchr(p, ']', len);

		p++;
		len = end != NULL ? (size_t)(end - p) : len - 1;
	} else if (colon != NULL) {
		len = (size_t)(colon - p);
	}
	if (len + 2 > size)
		len = size - 2;
	buf[0] = 'a';
	buf[1] = ':';
	memcpy(buf + 2, p, len);
	return len + 2;
}

static size_t
name_key(const char *name, size_t len, char *buf)
{
	buf[0] = 'n';
	buf[1] = ':';
	return 2 + account_key(name, len, buf + 2);
}

/* Queues a hash for conn; the connection waits for its result. */
static enum proto_code
ask_hash(struct chat *c, int conn, enum chat_wait wait, int verify,
    struct slice name, struct slice password, const char *hash)
{
	struct chat_conn *cc = &c->conns[conn];
	uint64_t ticket = ++c->next_ticket;

	if (c->pwhash(c->pwhash_ctx, conn, ticket, verify, password.p,
	        password.len, hash) < 0)
		return PROTO_E_BUSY;
	cc->wait = (unsigned char)wait;
	cc->ticket = ticket;
	cc->wait_name_len = (unsigned char)name.len;
	memcpy(cc->wait_name, name.p, name.len);
	cc->wait_name[name.len] = '\0';
	return PROTO_E_NONE;
}

/* What every password verb checks first. */
static enum proto_code
password_allowed(const struct chat *c, int conn)
{
	if (!accounts_on(c))
		return PROTO_E_ACCOUNTS_OFF;
	if (c->conns[conn].wait != CHAT_WAIT_NONE)
		return PROTO_E_BUSY;
	/* Loopback is not exempt: only the operator's flag says so. */
	if (!c->conns[conn].secure && !c->cfg.allow_plaintext_login)
		return PROTO_E_TLS_REQUIRED;
	return PROTO_E_NONE;
}

static enum proto_code
do_register(struct chat *c, int conn, struct user *u, const struct cmd *cmd)
{
	enum proto_code code = password_allowed(c, conn);

	if (code != PROTO_E_NONE)
		return code;
	if (logged_in(c, u) || account_exists(c, cmd->arg.p, cmd->arg.len))
		return PROTO_E_ACCOUNT_EXISTS;
	/* After reg, only one's own name becomes an account. */
	if (u != NULL &&
	    !valid_name_equal(
	        user_name(u), user_name_len(u), cmd->arg.p, cmd->arg.len))
		return PROTO_E_BAD_STATE;
	if (u == NULL &&
	    registry_user_like(c->reg, cmd->arg.p, cmd->arg.len) != NULL)
		return PROTO_E_NAME_TAKEN;
	return ask_hash(
	    c, conn, CHAT_WAIT_REGISTER, 0, cmd->arg, cmd->text, NULL);
}

static enum proto_code
do_login(struct chat *c, int conn, const struct cmd *cmd, uint64_t now,
    struct slice *detail, char *wait_text, size_t wait_size)
{
	char akey[FAILLIMIT_KEY_MAX], nkey[FAILLIMIT_KEY_MAX];
	size_t alen, nlen;
	uint64_t wait;
	struct store_account a;
	enum proto_code code = password_allowed(c, conn);
	int found;

	if (code != PROTO_E_NONE)
		return code;
	alen = addr_key(&c->conns[conn], akey, sizeof(akey));
	nlen = name_key(cmd->arg.p, cmd->arg.len, nkey);
	wait = faillimit_wait(c->fails, akey, alen, now);
	if (faillimit_wait(c->fails, nkey, nlen, now) > wait)
		wait = faillimit_wait(c->fails, nkey, nlen, now);
	if (wait > 0) {
		snprintf(wait_text, wait_size, "try again in %llu s",
		    (unsigned long long)((wait + 999) / 1000));
		*detail = slice_str(wait_text);
		return PROTO_E_LOGIN_LIMITED;
	}
	found = store_account_get(c->cfg.store, nkey + 2, nlen - 2, &a);
	/* An unknown name costs a verify too: the answer takes as long. */
	return ask_hash(c, conn, CHAT_WAIT_LOGIN, 1, cmd->arg, cmd->text,
	    found == 1 && a.hash[0] != '\0' ? a.hash : NULL);
}

static enum proto_code
do_passwd(struct chat *c, int conn, struct user *u, const struct cmd *cmd)
{
	enum proto_code code;

	if (!accounts_on(c))
		return PROTO_E_ACCOUNTS_OFF;
	if (!logged_in(c, u))
		return PROTO_E_NOT_LOGGED_IN;
	code = password_allowed(c, conn);
	if (code != PROTO_E_NONE)
		return code;
	return ask_hash(c, conn, CHAT_WAIT_PASSWD, 0,
	    slice_of(user_name(u), user_name_len(u)), cmd->text, NULL);
}

static enum proto_code
do_mark_read(struct chat *c, struct user *u, const struct cmd *cmd)
{
	char key[PROTO_NAME_MAX];
	struct channel *ch;
	struct event ev;
	uint64_t now_seq = 0;

	if (!accounts_on(c))
		return PROTO_E_ACCOUNTS_OFF;
	if (!logged_in(c, u))
		return PROTO_E_NOT_LOGGED_IN;
	ch = find_channel(c, cmd->arg);
	if (ch == NULL)
		return PROTO_E_NO_SUCH_CHANNEL;
	if (store_marker_set(c->cfg.store, key,
	        account_key(user_name(u), user_name_len(u), key),
	        channel_id(ch), channel_id_len(ch), cmd->seq, &now_seq) < 0)
		return PROTO_E_NO_MEMORY;
	/* Every device of the account follows, the sender's included. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_MARKER;
	ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	ev.seq = now_seq;
	send_user(c, u, &ev);
	return PROTO_E_NONE;
}

static void
send_account(struct chat *c, int conn, struct slice name, const char *state)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_ACCOUNT;
	ev.name = name;
	ev.text = slice_str(state);
	send_event(c, conn, &ev);
}

/* What the login sequence's store callbacks need. */
struct login {
	struct chat *c;
	int conn;
	struct user *u;
	const char *key;
	size_t key_len;
	uint64_t now;
	uint64_t chans, dms, markers;
};

/* A stored membership: rejoined, or forgotten if the channel went. */
static void
login_member(void *ctx, const char *id, size_t len)
{
	struct login *l = ctx;
	struct chat *c = l->c;
	struct channel *ch = registry_channel_by_id(c->reg, id, len);
	struct event ev;
	size_t nch;

	if (ch == NULL || channel_kind(ch) != REGISTRY_CHANNEL) {
		(void)store_member_set(
		    c->cfg.store, l->key, l->key_len, id, len, 0);
		return;
	}
	/* Over a limit now: kept for a later login, not joined. */
	(void)user_channels(l->u, &nch);
	if (!registry_is_member(c->reg, l->u, ch) &&
	    (nch >= c->cfg.max_joins ||
	        channel_member_count(ch) >= c->cfg.max_members))
		return;
	if (!registry_is_member(c->reg, l->u, ch)) {
		if (registry_join(c->reg, l->u, ch) != PROTO_E_NONE)
			return;
		memset(&ev, 0, sizeof(ev));
		ev.kind = EV_JOIN;
		ev.chan = slice_of(channel_id(ch), channel_id_len(ch));
		ev.time = l->now;
		ev.name = slice_of(user_name(l->u), user_name_len(l->u));
		send_channel(c, ch, &ev, l->u);
	}
	send_joined_ext(c, l->conn, ch);
	l->chans++;
}

static void
login_dm(void *ctx, const struct store_dm *dm)
{
	struct login *l = ctx;
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = dm->act ? EV_DM_ACT : EV_DM;
	ev.time = dm->time;
	ev.name = slice_of(dm->sender, dm->sender_len);
	ev.peer = slice_of(dm->recipient, dm->recipient_len);
	ev.text = slice_of(dm->text, dm->text_len);
	send_event(l->c, l->conn, &ev);
	l->dms++;
}

static void
login_marker(void *ctx, const char *chan, size_t len, uint64_t seq)
{
	struct login *l = ctx;
	struct event ev;

	/* A channel removed since: its marker means nothing now. */
	if (registry_channel_by_id(l->c->reg, chan, len) == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_MARKER;
	ev.chan = slice_of(chan, len);
	ev.seq = seq;
	send_event(l->c, l->conn, &ev);
	l->markers++;
}

/* An account that is away says so to a connection that joins it. */
static void
login_away(struct chat *c, int conn, const struct user *u)
{
	const struct chat_away *a = c->conns[user_conn(u)].away;
	struct event ev;

	if (a == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_AWAY;
	ev.name = slice_of(user_name(u), user_name_len(u));
	ev.text = slice_of(a->text, a->len);
	send_event(c, conn, &ev);
}

/*
 * conn logs in as the account of name: account, registered and the
 * personal channel, its channels, its waiting messages, its markers,
 * login_end.  A user already online for the account takes conn as one
 * more connection; the others see nothing.
 */
static enum proto_code
login_apply(struct chat *c, int conn, struct slice name, uint64_t now)
{
	struct chat_conn *cc = &c->conns[conn];
	char key[PROTO_NAME_MAX];
	struct store_account a;
	struct user *u;
	struct event ev;
	struct login l;
	enum proto_code code;
	size_t klen = account_key(name.p, name.len, key), n, i;

	if (store_account_get(c->cfg.store, key, klen, &a) != 1)
		return PROTO_E_BAD_LOGIN;
	name = slice_of(a.name, a.name_len);
	u = registry_user_like(c->reg, a.name, a.name_len);
	if (u != NULL && !logged_in(c, u))
		return PROTO_E_NAME_TAKEN;
	memset(&l, 0, sizeof(l));
	l.c = c;
	l.conn = conn;
	l.key = key;
	l.key_len = klen;
	l.now = now;
	send_account(c, conn, name, "logged_in");
	if (u != NULL) {
		struct channel *personal = personal_channel(c, u);
		struct channel *const *chans;

		code = registry_attach(c->reg, u, conn);
		if (code != PROTO_E_NONE)
			return code;
		cc->account = 1;
		memset(&ev, 0, sizeof(ev));
		ev.kind = EV_REGISTERED;
		ev.chan = slice_of(cc->uid, cc->uid_len);
		ev.name = name;
		send_event(c, conn, &ev);
		if (personal != NULL)
			send_joined_ext(c, conn, personal);
		chans = user_channels(u, &n);
		for (i = 0; i < n; i++) {
			if (channel_kind(chans[i]) != REGISTRY_CHANNEL)
				continue;
			send_joined_ext(c, conn, chans[i]);
			l.chans++;
		}
		login_away(c, conn, u);
	} else {
		code = make_user(c, conn, name, &u);
		if (code != PROTO_E_NONE)
			return code;
		cc->account = 1;
		l.u = u;
		(void)store_members(c->cfg.store, key, klen, login_member, &l);
	}
	(void)store_dm_take(c->cfg.store, key, klen, login_dm, &l);
	(void)store_markers(c->cfg.store, key, klen, login_marker, &l);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_LOGIN_END;
	ev.count = l.chans;
	ev.dms = l.dms;
	ev.markers = l.markers;
	send_event(c, conn, &ev);
	return PROTO_E_NONE;
}

/*
 * register after reg: the user's name becomes an account, with its
 * current named channels as its memberships.
 */
static enum proto_code
register_self(
    struct chat *c, int conn, struct user *u, const char *hash, uint64_t now)
{
	char key[PROTO_NAME_MAX];
	size_t klen = account_key(user_name(u), user_name_len(u), key), n, i;
	struct channel *const *chans;
	int rc;

	rc = store_account_add(
	    c->cfg.store, key, klen, user_name(u), user_name_len(u), hash, now);
	if (rc != 0)
		return rc > 0 ? PROTO_E_ACCOUNT_EXISTS : PROTO_E_NO_MEMORY;
	c->conns[conn].account = 1;
	chans = user_channels(u, &n);
	for (i = 0; i < n; i++)
		remember_member(c, u, chans[i], 1);
	send_account(
	    c, conn, slice_of(user_name(u), user_name_len(u)), "registered");
	return PROTO_E_NONE;
}

/* register before reg: the account, then a login as it. */
static enum proto_code
register_new(
    struct chat *c, int conn, struct slice name, const char *hash, uint64_t now)
{
	char key[PROTO_NAME_MAX];
	size_t klen = account_key(name.p, name.len, key);
	int rc;

	/* Someone may have taken the name while it was hashed. */
	if (registry_user_like(c->reg, name.p, name.len) != NULL)
		return PROTO_E_NAME_TAKEN;
	rc = store_account_add(
	    c->cfg.store, key, klen, name.p, name.len, hash, now);
	if (rc != 0)
		return rc > 0 ? PROTO_E_ACCOUNT_EXISTS : PROTO_E_NO_MEMORY;
	return login_apply(c, conn, name, now);
}

void
chat_pwhash_done(struct chat *c, int conn, uint64_t ticket, int ok,
    const char *hash, uint64_t now_ms)
{
	struct chat_conn *cc = conn_get(c, conn);
	struct user *u;
	struct slice name;
	enum chat_wait wait;
	enum cmd_verb verb;
	enum proto_code code = PROTO_E_NONE;
	char akey[FAILLIMIT_KEY_MAX], nkey[FAILLIMIT_KEY_MAX];

	if (cc == NULL || cc->wait == CHAT_WAIT_NONE || cc->ticket != ticket)
		return;
	wait = (enum chat_wait)cc->wait;
	cc->wait = CHAT_WAIT_NONE;
	name = slice_of(cc->wait_name, cc->wait_name_len);
	u = registry_user_by_conn(c->reg, conn);
	switch (wait) {
	case CHAT_WAIT_LOGIN:
		verb = CMD_LOGIN;
		if (!ok) {
			faillimit_fail(c->fails, akey,
			    addr_key(cc, akey, sizeof(akey)), now_ms);
			faillimit_fail(c->fails, nkey,
			    name_key(name.p, name.len, nkey), now_ms);
			code = PROTO_E_BAD_LOGIN;
		} else if (u != NULL) {
			code = PROTO_E_ALREADY_REGISTERED;
		} else {
			code = login_apply(c, conn, name, now_ms);
		}
		break;
	case CHAT_WAIT_REGISTER:
		verb = CMD_REGISTER;
		if (!ok)
			code = PROTO_E_NO_MEMORY;
		else if (u == NULL)
			code = register_new(c, conn, name, hash, now_ms);
		else if (!logged_in(c, u))
			code = register_self(c, conn, u, hash, now_ms);
		else
			code = PROTO_E_ACCOUNT_EXISTS;
		break;
	case CHAT_WAIT_PASSWD:
	default:
		verb = CMD_PASSWD;
		if (!ok) {
			code = PROTO_E_NO_MEMORY;
		} else if (!logged_in(c, u)) {
			code = PROTO_E_NOT_LOGGED_IN;
		} else {
			char key[PROTO_NAME_MAX];

			if (store_account_set_hash(c->cfg.store, key,
			        account_key(
			            user_name(u), user_name_len(u), key),
			        hash) < 0)
				code = PROTO_E_NO_MEMORY;
			else
				send_account(c, conn,
				    slice_of(user_name(u), user_name_len(u)),
				    "password_changed");
		}
		break;
	}
	if (code != PROTO_E_NONE)
		(void)fail(c, conn, code, verb,
		    code == PROTO_E_BAD_LOGIN ? name : slice_of(NULL, 0),
		    now_ms);
}

void
chat_set_pwhash(struct chat *c, chat_pwhash_fn fn, void *ctx)
{
	c->pwhash = fn;
	c->pwhash_ctx = ctx;
}

void
chat_set_secure(struct chat *c, int conn)
{
	struct chat_conn *cc = conn_get(c, conn);

	if (cc != NULL)
		cc->secure = 1;
}

int
chat_waiting(const struct chat *c, int conn)
{
	const struct chat_conn *cc = conn_get(c, conn);

	return cc != NULL && cc->wait != CHAT_WAIT_NONE;
}

int
chat_name_banned(const struct chat *c, const char *name, size_t len)
{
	return ban_name_match(c->bans, name, len);
}

/* A banned name closes the connection that asks for it: non-zero then. */
static int
close_if_banned(struct chat *c, int conn, struct slice name, uint64_t now)
{
	if (!chat_name_banned(c, name.p, name.len))
		return 0;
	chat_close(c, conn, PROTO_E_BANNED, "this name is banned", now);
	return 1;
}

/* Verbs a connection may use before it registers. */
static int
allowed_unregistered(enum cmd_verb verb)
{
	return verb == CMD_HELLO || verb == CMD_REG || verb == CMD_PING ||
	    verb == CMD_PONG || verb == CMD_QUIT || verb == CMD_REGISTER ||
	    verb == CMD_LOGIN;
}

/*
 * Runs one decoded command.  Returns the error to report, with *detail
 * set to the field it is about, or PROTO_E_NONE.  Sets *closed if conn
 * was closed (quit).
 */
static enum proto_code
dispatch(struct chat *c, int conn, const struct cmd *cmd, int first,
    uint64_t now, struct slice *detail, int *closed)
{
	struct user *u = registry_user_by_conn(c->reg, conn);
	const struct chat_conn *cc = &c->conns[conn];

	if (cmd->verb == CMD_HELLO)
		return do_hello(c, conn, cmd, first);
	if (cmd_verb_is_extended(cmd->verb) && !conn_is_ext(c, conn))
		return PROTO_E_EXT_ONLY;
	if (u == NULL && !allowed_unregistered(cmd->verb))
		return PROTO_E_NOT_REGISTERED;
	/* The connection's own address: an account's others have theirs. */
	if (cmd_verb_has_uid(cmd->verb) &&
	    (cmd->uid.len != cc->uid_len ||
	        memcmp(cmd->uid.p, cc->uid, cmd->uid.len) != 0)) {
		*detail = cmd->uid;
		return PROTO_E_BAD_UID;
	}
	*detail = cmd->arg;
	switch (cmd->verb) {
	case CMD_REG:
		if (u != NULL)
			return PROTO_E_ALREADY_REGISTERED;
		if (close_if_banned(c, conn, cmd->arg, now)) {
			*closed = 1;
			return PROTO_E_NONE;
		}
		return do_reg(c, conn, cmd, now);
	case CMD_CREATE_CHAN:
		return do_create(c, conn, u, cmd, now);
	case CMD_JOIN:
		return do_join(c, conn, u, cmd, now, detail);
	case CMD_LEAVE:
		return do_leave(c, conn, u, cmd, now);
	case CMD_SEND_MSG:
	case CMD_SEND_ACT:
		return do_send(c, conn, u, cmd, now);
	case CMD_DM:
	case CMD_DM_ACT:
		return do_dm(c, conn, u, cmd, now);
	case CMD_NICK:
		if (close_if_banned(c, conn, cmd->arg, now)) {
			*closed = 1;
			return PROTO_E_NONE;
		}
		return do_nick(c, conn, u, cmd, now);
	case CMD_LIST:
		return do_list(c, conn);
	case CMD_NAMES:
		return do_names(c, conn, cmd);
	case CMD_HISTORY:
		return do_history(c, conn, u, cmd);
	case CMD_TOPIC:
		return do_topic(c, conn, u, cmd, now);
	case CMD_AWAY:
		return do_away(c, u, cmd);
	case CMD_KICK:
		return do_kick(c, u, cmd, now, detail);
	case CMD_CHAN_KEY:
		return do_chan_key(c, conn, u, cmd, now);
	case CMD_PING:
		do_ping(c, conn, cmd);
		return PROTO_E_NONE;
	case CMD_PONG:
		return PROTO_E_NONE;
	case CMD_QUIT: {
		char reason[PROTO_REASON_MAX + 1];

		/* A bare "quit" has no field: text.p is NULL. */
		if (cmd->text.len > 0)
			memcpy(reason, cmd->text.p, cmd->text.len);
		reason[cmd->text.len] = '\0';
		chat_close(c, conn, PROTO_E_QUIT,
		    cmd->text.len > 0 ? reason : NULL, now);
		*closed = 1;
		return PROTO_E_NONE;
	}
	case CMD_REGISTER:
		if (close_if_banned(c, conn, cmd->arg, now)) {
			*closed = 1;
			return PROTO_E_NONE;
		}
		return do_register(c, conn, u, cmd);
	case CMD_LOGIN:
		if (u != NULL)
			return PROTO_E_ALREADY_REGISTERED;
		/* A banned account is banned with its name. */
		if (close_if_banned(c, conn, cmd->arg, now)) {
			*closed = 1;
			return PROTO_E_NONE;
		}
		return do_login(c, conn, cmd, now, detail, c->wait_text,
		    sizeof(c->wait_text));
	case CMD_PASSWD:
		*detail = slice_of(NULL, 0);
		return do_passwd(c, conn, u, cmd);
	case CMD_MARK_READ:
		return do_mark_read(c, u, cmd);
	case CMD_HELLO:
	case CMD_COUNT:
		break;
	}
	return PROTO_E_UNKNOWN_COMMAND;
}

int
chat_connect(struct chat *c, int conn, const char *uid, size_t uid_len)
{
	static const char welcome[] = PROTO_WELCOME "\n\n";
	struct chat_conn *cc;

	if (conn < 0 || uid_len > PROTO_ID_MAX)
		return -1;
	if ((size_t)conn >= c->conns_cap) {
		size_t cap = c->conns_cap ? c->conns_cap : 64;
		struct chat_conn *p;

		while (cap <= (size_t)conn)
			cap *= 2;
		p = realloc(c->conns, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		memset(p + c->conns_cap, 0, (cap - c->conns_cap) * sizeof(*p));
		c->conns = p;
		c->conns_cap = cap;
	}
	cc = &c->conns[conn];
	free(cc->away);
	memset(cc, 0, sizeof(*cc));
	cc->mode = CHAT_MODE_NEW;
	cc->serial = ++c->next_serial;
	cc->uid_len = (unsigned char)uid_len;
	memcpy(cc->uid, uid, uid_len);
	send_bytes(c, conn, welcome, sizeof(welcome) - 1);
	return 0;
}

void
chat_line(
    struct chat *c, int conn, const char *line, size_t len, uint64_t now_ms)
{
	struct chat_conn *cc = conn_get(c, conn);
	struct slice detail = {NULL, 0};
	struct cmd cmd;
	enum proto_code code;
	int first, closed = 0;

	if (cc == NULL || len == 0)
		return;
	first = cc->mode == CHAT_MODE_NEW;
	if (first)
		cc->mode = CHAT_MODE_BASE;
	code = cmd_decode(line, len, &cmd);
	if (code != PROTO_E_NONE) {
		/* Bad bytes before a name are not a chat client talking. */
		if ((code == PROTO_E_BAD_UTF8 || code == PROTO_E_BAD_CHAR) &&
		    registry_user_by_conn(c->reg, conn) == NULL) {
			chat_close(c, conn, PROTO_E_NOT_CHAT, NULL, now_ms);
			return;
		}
		(void)fail(c, conn, code, cmd.verb, detail, now_ms);
		return;
	}
	code = dispatch(c, conn, &cmd, first, now_ms, &detail, &closed);
	if (code != PROTO_E_NONE && !closed)
		(void)fail(c, conn, code, cmd.verb, detail, now_ms);
}

void
chat_line_too_long(struct chat *c, int conn, uint64_t now_ms)
{
	struct chat_conn *cc = conn_get(c, conn);
	struct slice none = {NULL, 0};

	if (cc == NULL)
		return;
	if (cc->mode == CHAT_MODE_NEW)
		cc->mode = CHAT_MODE_BASE;
	if (registry_user_by_conn(c->reg, conn) == NULL) {
		chat_close(c, conn, PROTO_E_NOT_CHAT, NULL, now_ms);
		return;
	}
	(void)fail(c, conn, PROTO_E_LINE_TOO_LONG, CMD_COUNT, none, now_ms);
}

/* Tells the members of a personal channel that it closed, and why. */
static void
tell_closed(struct chat *c, struct channel *personal, const char *why)
{
	struct event ev;

	if (c->stopping)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_CLOSED;
	ev.chan = slice_of(channel_id(personal), channel_id_len(personal));
	ev.text = slice_str(why);
	send_channel(c, personal, &ev, NULL);
}

/*
 * The first connection (gone) of an account that stays online went: the
 * user takes the uid of its new first connection, so that a uid is never
 * held by a closed connection and whoever connects from that address next
 * may have it.  The personal channel's id goes with it: its other members
 * are told it closed, as when an owner leaves, and the account's
 * connections get its join sequence under the new id.  Away moves too.
 */
static void
account_moved(struct chat *c, struct user *u, struct chat_conn *gone)
{
	struct chat_conn *first = &c->conns[user_conn(u)];
	struct channel *personal = personal_channel(c, u);
	struct user *const *members;
	size_t n, i;
	const int *conns;

	first->away = gone->away;
	gone->away = NULL;
	if (personal != NULL) {
		tell_closed(c, personal, "its owner's connection closed");
		/* Each leave may move or shrink the member array. */
		for (;;) {
			members = channel_members(personal, &n);
			for (i = 0; i < n && members[i] == u; i++)
				continue;
			if (i == n)
				break;
			(void)registry_leave(c->reg, members[i], personal);
		}
	}
	/* Cannot fail: a live connection's uid is no other user's. */
	if (registry_set_uid(c->reg, u, first->uid, first->uid_len) !=
	        PROTO_E_NONE ||
	    personal == NULL || c->stopping ||
	    !registry_is_member(c->reg, u, personal))
		return;
	conns = user_conns(u, &n);
	for (i = 0; i < n; i++) {
		if (conn_is_ext(c, conns[i]))
			send_joined_ext(c, conns[i], personal);
	}
}

/*
 * u goes: those who share a channel with it are told (reason), it leaves
 * every channel, its personal channel is closed, and it is freed.
 */
static void
drop_user(struct chat *c, struct user *u, struct slice reason, uint64_t now)
{
	struct channel *personal;
	struct event ev;
	size_t n;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_QUIT;
	ev.time = now;
	ev.name = slice_of(user_name(u), user_name_len(u));
	ev.text = reason;
	if (!c->stopping)
		send_sharers(c, u, &ev, 0);

	personal = personal_channel(c, u);
	for (;;) {
		struct channel *const *chans = user_channels(u, &n);
		struct channel *ch;

		if (n == 0)
			break;
		ch = chans[n - 1];
		(void)registry_leave(c->reg, u, ch);
		if (channel_kind(ch) == REGISTRY_CHANNEL &&
		    channel_member_count(ch) == 0)
			drop_if_empty(c, ch, now);
	}
	if (personal != NULL) {
		/* Its id is the owner's address: the next user may get it. */
		tell_closed(c, personal, "its owner left");
		remove_channel(c, personal);
	}
	registry_remove_user(c->reg, u);
}

/* Removes conn's user from everything, telling those who shared a channel. */
static void
forget_user(struct chat *c, int conn, const char *reason, uint64_t now)
{
	struct user *u = registry_user_by_conn(c->reg, conn);
	char name[PROTO_NAME_MAX];
	size_t name_len;
	int first;

	if (u == NULL)
		return;
	/* One of an account's connections: the user stays for the others. */
	first = user_conn(u) == conn;
	if (registry_detach(c->reg, u, conn) == PROTO_E_NONE) {
		if (first)
			account_moved(c, u, &c->conns[conn]);
		return;
	}
	name_len = user_name_len(u);
	memcpy(name, user_name(u), name_len);
	publish(c, STORE_QUIT, u, slice_of(name, name_len), slice_of(NULL, 0),
	    slice_str(reason), now);
	drop_user(c, u, slice_str(reason), now);
	release_name(c, name, name_len);
}

void
chat_close(struct chat *c, int conn, enum proto_code code, const char *text,
    uint64_t now_ms)
{
	struct chat_conn *cc = conn_get(c, conn);
	char buf[PROTO_LINE_MAX];
	struct event ev;
	size_t len;

	if (cc == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_ERROR;
	ev.code = code;
	ev.verb = slice_str(code == PROTO_E_QUIT ? "quit" : "*");
	ev.text = slice_str(text != NULL ? text : proto_code_text(code));
	len = encode_for(c, conn, &ev, buf, sizeof(buf));
	c->sink.close(
	    c->sink.ctx, conn, code == PROTO_E_SENDQ_EXCEEDED, buf, len);
	/* The others hear the user's own reason for a quit, or none; the
	 * default text is addressed to the quitter. */
	forget_user(c, conn,
	    text != NULL               ? text
	        : code == PROTO_E_QUIT ? ""
	                               : proto_code_text(code),
	    now_ms);
	free(cc->away);
	memset(cc, 0, sizeof(*cc));
}

void
chat_stop(struct chat *c)
{
	c->stopping = 1;
}

void
chat_disconnect(struct chat *c, int conn, const char *reason, uint64_t now_ms)
{
	struct chat_conn *cc = conn_get(c, conn);

	if (cc == NULL)
		return;
	forget_user(c, conn, reason, now_ms);
	free(cc->away);
	memset(cc, 0, sizeof(*cc));
}

void
chat_keepalive(struct chat *c, int conn, const char *token)
{
	struct event ev;

	if (conn_get(c, conn) == NULL || !conn_is_ext(c, conn))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_PING;
	ev.text = slice_str(token);
	send_event(c, conn, &ev);
}

enum chat_mode
chat_mode(const struct chat *c, int conn)
{
	const struct chat_conn *cc = conn_get(c, conn);

	return cc == NULL ? CHAT_MODE_NONE : (enum chat_mode)cc->mode;
}

int
chat_registered(const struct chat *c, int conn)
{
	return conn_get(c, conn) != NULL &&
	    registry_user_by_conn(c->reg, conn) != NULL;
}

size_t
chat_user_count(const struct chat *c)
{
	return registry_user_count(c->reg);
}

size_t
chat_channel_count(const struct chat *c)
{
	return c->named;
}

int
chat_check(const struct chat *c)
{
	size_t n, i, j, named = 0;
	struct channel *const *chans = registry_channels(c->reg, &n);

	for (i = 0; i < n; i++) {
		size_t nm;
		struct user *const *members = channel_members(chans[i], &nm);

		if (channel_kind(chans[i]) == REGISTRY_CHANNEL) {
			named++;
			/* Empty channels are removed, unless stored (or
			 * the cluster's). */
			if (nm == 0 && c->cfg.store == NULL && !c->clustered)
				return -1;
		} else if (channel_owner(chans[i]) == NULL) {
			return -2; /* personal channels die with their owner */
		}
		if (nm > c->cfg.max_members && nm > 1)
			return -3;
		for (j = 0; j < nm; j++) {
			int conn = user_conn(members[j]);

			if (!registry_is_member(c->reg, members[j], chans[i]))
				return -4;
			/* A user of another node has no connection here. */
			if (conn < 0 && c->clustered)
				continue;
			if (conn_get(c, conn) == NULL ||
			    registry_user_by_conn(c->reg, conn) != members[j])
				return -5;
		}
	}
	if (named != c->named)
		return -6;
	return 0;
}

/* What expire_done needs. */
struct expiring {
	struct chat *c;
	struct channel *ch;
};

static void
expire_done(void *ctx, int status, const struct store_event *sev)
{
	struct expiring *e = ctx;

	(void)sev;
	if (status == 0)
		remove_channel(e->c, e->ch);
}

int
chat_maintain(struct chat *c, uint64_t now_ms)
{
	struct channel *batch[CHAT_EXPIRE_BATCH];
	size_t n, i, nb = 0;
	int more = 0, pruned;
	uint64_t before = 0;

	if (c->cfg.store == NULL)
		return c->clustered ? cluster_maintain(c, now_ms) : 0;
	if (c->cfg.channel_expire_days > 0) {
		uint64_t age = c->cfg.channel_expire_days * CHAT_DAY_MS;
		struct channel *const *chans = registry_channels(c->reg, &n);

		/* Collect first: removing reorders the registry's array. */
		for (i = 0; i < n && nb < CHAT_EXPIRE_BATCH; i++) {
			struct chan_state *cs = channel_data(chans[i]);

			if (channel_kind(chans[i]) == REGISTRY_CHANNEL &&
			    channel_member_count(chans[i]) == 0 && cs != NULL &&
			    cs->active + age <= now_ms)
				batch[nb++] = chans[i];
		}
		more = nb == CHAT_EXPIRE_BATCH;
		for (i = 0; i < nb; i++) {
			struct store_event sev;
			struct expiring e;

			memset(&sev, 0, sizeof(sev));
			sev.kind = STORE_DROP;
			sev.chan = channel_id(batch[i]);
			sev.chan_len = channel_id_len(batch[i]);
			sev.time = now_ms;
			e.c = c;
			e.ch = batch[i];
			if (store_append(c->cfg.store, &sev, expire_done, &e) <
			    0)
				return 0;
		}
	}
	if (c->cfg.history_days > 0 &&
	    now_ms > c->cfg.history_days * CHAT_DAY_MS)
		before = now_ms - c->cfg.history_days * CHAT_DAY_MS;
	pruned = store_prune(c->cfg.store, before);
	if (pruned > 0)
		return 1;
	if (pruned == 0 && c->cfg.history_keep > 0)
		pruned = store_prune_keep(c->cfg.store, c->cfg.history_keep);
	return more || pruned > 0;
}

void
chat_set_bans(struct chat *c, const struct ban_list *bans)
{
	c->bans = bans;
}

size_t
chat_enforce_bans(struct chat *c, uint64_t now_ms)
{
	size_t i, closed = 0;

	for (i = 0; i < c->conns_cap; i++) {
		struct user *u;

		if (c->conns[i].mode == CHAT_MODE_NONE)
			continue;
		u = registry_user_by_conn(c->reg, (int)i);
		if (u == NULL ||
		    !chat_name_banned(c, user_name(u), user_name_len(u)))
			continue;
		chat_close(
		    c, (int)i, PROTO_E_BANNED, "this name is banned", now_ms);
		closed++;
	}
	return closed;
}

/* Several nodes. */

void
chat_set_cluster(struct chat *c, const struct chat_cluster *cl)
{
	c->cluster = *cl;
	c->clustered = 1;
}

void
chat_cluster_stop(struct chat *c)
{
	c->cluster_stopped = 1;
}

/*
 * A channel another node created has its creator as first member at
 * once, as on one server: a member who joins here before the creator's
 * own join is read back is not told of it as of a newcomer.  (Should the
 * creator fail to join there, its node says so with a part.)
 */
static void
creator_joins(
    struct chat *c, struct channel *ch, const struct store_event *ev, int own)
{
	struct user *u;

	if (own)
		return;
	u = registry_user_by_name(c->reg, ev->sender, ev->sender_len);
	if (u != NULL && user_conn(u) < 0)
		(void)registry_join(c->reg, u, ch);
}

/* A channel created on some node is read back: this node has it now. */
static void
cluster_channel(struct chat *c, const struct store_event *ev, int own,
    uint64_t tag, uint64_t now)
{
	struct chat_pend *p = NULL;
	struct channel *ch = NULL;
	struct chan_state *cs;
	struct user *u;
	enum proto_code code;
	size_t nch;
	int conn = -1;

	if (own)
		for (p = c->pend; p != NULL && p->tag != tag; p = p->next)
			continue;
	code = add_channel(c, ev->chan, ev->chan_len, ev->text, ev->text_len,
	    REGISTRY_CHANNEL, NULL, &ch);
	if (code == PROTO_E_NONE) {
		cs = channel_data(ch);
		/* One loaded at start with lines in the log has its recent
		 * lines read on its first join (cluster_fill). */
		cs->loaded = ev->seq == 0;
		cs->seq = ev->seq;
		cs->active = ev->time != 0 ? ev->time : now;
		cs->created = cs->active;
		chan_set_creator(cs, ev->sender, ev->sender_len);
		creator_joins(c, ch, ev, own);
	}
	if (p == NULL)
		return;
	pend_unlist(c, p);
	conn = pend_conn(c, p);
	u = conn >= 0 ? registry_user_by_conn(c->reg, conn) : NULL;
	if (!p->replied && u != NULL) {
		(void)user_channels(u, &nch);
		if (code == PROTO_E_NONE && nch >= c->cfg.max_joins)
			code = PROTO_E_JOIN_LIMIT;
		if (code == PROTO_E_NONE)
			code = registry_join(c->reg, u, ch);
		if (code == PROTO_E_NONE) {
			announce_created(c, conn, u, ch);
			publish(c, STORE_JOIN, u,
			    slice_of(user_name(u), user_name_len(u)),
			    slice_of(channel_id(ch), channel_id_len(ch)),
			    slice_of(NULL, 0), now);
		} else {
			send_error(c, conn, code, p->verb,
			    slice_of(ev->text, ev->text_len));
			/* The other nodes took it for a member. */
			if (ch != NULL)
				publish(c, STORE_PART, u,
				    slice_of(user_name(u), user_name_len(u)),
				    slice_of(
				        channel_id(ch), channel_id_len(ch)),
				    slice_of(NULL, 0), now);
		}
	}
	p->replied = 1;
	if (!p->in_log)
		free(p);
}

/*
 * A topic read back (or loaded at start): kept and told to this node's
 * members.  One this node has already (the same text, setter and time:
 * loaded at start and read back too) is not told again.
 */
static void
cluster_topic(struct chat *c, const struct store_event *ev)
{
	struct channel *ch =
	    registry_channel_by_id(c->reg, ev->chan, ev->chan_len);
	struct chan_state *cs;
	char *topic = NULL;

	if (ch == NULL || channel_kind(ch) != REGISTRY_CHANNEL ||
	    ev->text_len > PROTO_TOPIC_MAX || ev->sender_len > PROTO_NAME_MAX)
		return;
	cs = channel_data(ch);
	if (cs->topic_time == ev->time && cs->topic_len == ev->text_len &&
	    (ev->text_len == 0 || cs->topic != NULL) &&
	    valid_name_equal(
	        cs->topic_by, cs->topic_by_len, ev->sender, ev->sender_len) &&
	    (ev->text_len == 0 ||
	        memcmp(cs->topic, ev->text, ev->text_len) == 0))
		return;
	if (ev->text_len > 0) {
		topic = malloc(ev->text_len);
		if (topic == NULL)
			return;
		memcpy(topic, ev->text, ev->text_len);
	}
	apply_topic(c, ch, topic, ev);
}

/* The pending append of tag, if this node's list has it. */
static struct chat_pend *
pend_find(struct chat *c, uint64_t tag)
{
	struct chat_pend *p;

	for (p = c->pend; p != NULL && p->tag != tag; p = p->next)
		continue;
	return p;
}

/*
 * A join key read back (or loaded at start): kept; if this node set it,
 * the connection that asked is told, once.
 */
static void
cluster_key(struct chat *c, const struct store_event *ev, int own, uint64_t tag)
{
	struct chat_pend *p = own ? pend_find(c, tag) : NULL;
	struct channel *ch =
	    registry_channel_by_id(c->reg, ev->chan, ev->chan_len);
	int conn = -1;

	if (p != NULL) {
		pend_unlist(c, p);
		if (!p->replied)
			conn = pend_conn(c, p);
		p->replied = 1;
	}
	if (ch != NULL && channel_kind(ch) == REGISTRY_CHANNEL &&
	    ev->text_len <= PROTO_KEY_MAX)
		apply_key(c, conn, ch, ev);
	if (p != NULL && !p->in_log)
		free(p);
}

/* Users across nodes. */

/*
 * Tells the other nodes what u (a user of this node, or one a local
 * creator kicked) did.  Not while stopping: the node's lease running out
 * takes its users from the others then.  A publish that cannot be sent
 * (Redis down) is lost: the others' mirror misses it.
 */
static void
publish(struct chat *c, enum store_kind kind, const struct user *u,
    struct slice name, struct slice chan, struct slice text, uint64_t now)
{
	struct store_event ev;

	if (!c->clustered || c->cluster_stopped || c->stopping ||
	    c->cluster.publish == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.uid = user_uid(u);
	ev.uid_len = user_uid_len(u);
	ev.sender = name.p;
	ev.sender_len = name.len;
	ev.chan = chan.p;
	ev.chan_len = chan.len;
	ev.text = text.p;
	ev.text_len = text.len;
	ev.time = now;
	(void)c->cluster.publish(c->cluster.ctx, &ev, NULL, NULL);
}

/* The direct messages the user of uid sent that are still waiting. */
static size_t
dm_waiting_from(const struct chat *c, const char *uid, size_t uid_len)
{
	const struct chat_dmwait *w;
	size_t n = 0;

	for (w = c->dmwait; w != NULL; w = w->next)
		n += w->from_len == uid_len &&
		    memcmp(w->from, uid, uid_len) == 0;
	return n;
}

/*
 * A direct message to a user of another node goes through the log: that
 * node delivers it, and this one echoes it to the sender when it reads
 * it back, as a channel message is echoed.  The event names the
 * recipient by uid and, in chan, by the name the sender used.  It is
 * kept (at most CHAT_DM_UNACKED_MAX) until that node says it delivered
 * it (STORE_DM_ACK); see dm_lost.
 */
static enum proto_code
dm_remote(struct chat *c, int conn, struct user *u, const struct user *to,
    const struct cmd *cmd, uint64_t now)
{
	struct store_event ev;
	struct chat_dmwait *w;
	const char *slash;
	enum proto_code code;

	if (c->ndmwait >= CHAT_DM_UNACKED_MAX)
		return PROTO_E_DM_QUEUE_FULL;
	slash = memchr(user_uid(u), '/', user_uid_len(u));
	if (user_uid_len(to) > PROTO_ID_MAX || user_uid_len(u) > PROTO_ID_MAX ||
	    user_name_len(to) > PROTO_NAME_MAX)
		return PROTO_E_NO_SUCH_USER;
	/* One user may not take every place from the others. */
	if (dm_waiting_from(c, user_uid(u), user_uid_len(u)) >=
	    CHAT_DM_UNACKED_PER_USER)
		return PROTO_E_DM_QUEUE_FULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return PROTO_E_NO_MEMORY;
	memset(&ev, 0, sizeof(ev));
	ev.kind = cmd->verb == CMD_DM_ACT ? STORE_DM_ACT : STORE_DM;
	ev.uid = user_uid(to);
	ev.uid_len = user_uid_len(to);
	ev.chan = user_name(to);
	ev.chan_len = user_name_len(to);
	ev.sender = user_name(u);
	ev.sender_len = user_name_len(u);
	ev.text = cmd->text.p;
	ev.text_len = cmd->text.len;
	ev.time = now;
	code = cluster_append(c, conn, cmd->verb, &ev, NULL, 0);
	if (code != PROTO_E_NONE) {
		free(w);
		return code;
	}
	/* cluster_append took the tag just made. */
	w->tag = c->next_tag;
	w->conn = conn;
	w->serial = c->conns[conn].serial;
	w->verb = cmd->verb;
	w->deadline = now + CHAT_DM_ACK_TIMEOUT_MS;
	w->from_len = user_uid_len(u);
	memcpy(w->from, user_uid(u), w->from_len);
	w->uid_len = user_uid_len(to);
	memcpy(w->uid, user_uid(to), w->uid_len);
	w->node_len = slash != NULL ? (size_t)(slash - user_uid(u)) : 0;
	memcpy(w->node, user_uid(u), w->node_len);
	w->name_len = user_name_len(to);
	memcpy(w->name, user_name(to), w->name_len);
	w->next = c->dmwait;
	c->dmwait = w;
	c->ndmwait++;
	return PROTO_E_NONE;
}

/* Unlinks and frees the waiting direct message at *at. */
static void
dm_unlink(struct chat *c, struct chat_dmwait **at)
{
	struct chat_dmwait *w = *at;

	*at = w->next;
	c->ndmwait--;
	free(w);
}

/* The waiting direct message of tag, if any, is forgotten. */
static void
dm_forget(struct chat *c, uint64_t tag)
{
	struct chat_dmwait **at;

	for (at = &c->dmwait; *at != NULL; at = &(*at)->next) {
		if ((*at)->tag == tag) {
			dm_unlink(c, at);
			return;
		}
	}
}

/*
 * A direct message the recipient's node will not deliver (it is gone, or
 * the recipient went first): its sender, if still here, hears so.
 */
static void
dm_lost(struct chat *c, struct chat_dmwait **at)
{
	struct chat_dmwait *w = *at;
	const struct chat_conn *cc = conn_get(c, w->conn);
	char text[PROTO_NAME_MAX + 32];

	if (cc != NULL && cc->serial == w->serial) {
		snprintf(text, sizeof(text), "%.*s (not delivered)",
		    (int)w->name_len, w->name);
		send_error(
		    c, w->conn, PROTO_E_NO_SUCH_USER, w->verb, slice_str(text));
	}
	dm_unlink(c, at);
}

/*
 * The waiting direct messages read back to the user uid (all of node's
 * users if node_len > 0) are lost: it went, or its node did.
 */
static void
dm_lost_to(struct chat *c, const char *uid, size_t uid_len, int node)
{
	struct chat_dmwait **at = &c->dmwait;

	while (*at != NULL) {
		struct chat_dmwait *w = *at;
		int hit = node
		    ? w->uid_len > uid_len && w->uid[uid_len] == '/' &&
		        memcmp(w->uid, uid, uid_len) == 0
		    : w->uid_len == uid_len &&
		        memcmp(w->uid, uid, uid_len) == 0;

		/* One not read back yet is judged when it is. */
		if (hit && w->seen)
			dm_lost(c, at);
		else
			at = &w->next;
	}
}

void
chat_cluster_tick(struct chat *c, uint64_t now_ms)
{
	struct chat_dmwait **at = &c->dmwait;

	/*
	 * At most once a second: the list is short, but turns are many.  A
	 * wall clock set back does not put the next look off.
	 */
	if (c->ndmwait == 0 ||
	    (now_ms < c->dm_scan_at && c->dm_scan_at - now_ms <= 1000))
		return;
	c->dm_scan_at = now_ms + 1000;
	while (*at != NULL) {
		struct chat_dmwait *w = *at;

		/* One not read back yet is judged when it is. */
		if (w->seen && now_ms >= w->deadline)
			dm_lost(c, at);
		else
			at = &w->next;
	}
}

/*
 * The recipient's node delivered a direct message: the one of tag, if
 * this node (named in text) sent it, is done.
 */
static void
dm_acked(struct chat *c, const struct store_event *ev, uint64_t tag)
{
	struct chat_dmwait **at;

	for (at = &c->dmwait; *at != NULL; at = &(*at)->next) {
		struct chat_dmwait *w = *at;

		if (w->tag == tag && w->node_len == ev->text_len &&
		    memcmp(w->node, ev->text, ev->text_len) == 0 &&
		    w->uid_len == ev->uid_len &&
		    memcmp(w->uid, ev->uid, ev->uid_len) == 0) {
			dm_unlink(c, at);
			return;
		}
	}
}

/*
 * This node delivered a direct message from another node (named in the
 * event's name): that node is told, so that it stops waiting.  A sender
 * node without tags (older) waits for nothing.
 */
static void
dm_ack(struct chat *c, const struct store_event *ev, const struct user *to,
    uint64_t tag)
{
	struct store_event aev;

	if (tag == 0 || ev->name_len == 0 || !c->clustered ||
	    c->cluster_stopped || c->stopping || c->cluster.publish == NULL)
		return;
	memset(&aev, 0, sizeof(aev));
	aev.kind = STORE_DM_ACK;
	aev.uid = user_uid(to);
	aev.uid_len = user_uid_len(to);
	aev.sender = user_name(to);
	aev.sender_len = user_name_len(to);
	aev.chan = "";
	aev.text = ev->name;
	aev.text_len = ev->name_len;
	aev.time = ev->time;
	aev.seq = tag;
	(void)c->cluster.publish(c->cluster.ctx, &aev, NULL, NULL);
}

/* A user another node holds, by the event's uid; NULL if none. */
static struct user *
remote_user(const struct chat *c, const struct store_event *ev)
{
	struct user *u = registry_user_by_uid(c->reg, ev->uid, ev->uid_len);

	return u != NULL && user_conn(u) < 0 ? u : NULL;
}

/* A user of another node came: it and its personal channel. */
static void
remote_came(struct chat *c, const struct store_event *ev)
{
	char pname[PROTO_NAME_MAX + 2];
	struct channel *ch = NULL;
	struct user *u;
	enum proto_code code;

	if (registry_user_by_uid(c->reg, ev->uid, ev->uid_len) != NULL ||
	    ev->sender_len > PROTO_NAME_MAX)
		return;
	/* A name this node's user holds can only be a stale claim: the
	 * mirror stays without it. */
	if (registry_add_remote(c->reg, ev->uid, ev->uid_len, ev->sender,
	        ev->sender_len, &u) != PROTO_E_NONE)
		return;
	pname[0] = '~';
	memcpy(pname + 1, ev->sender, ev->sender_len);
	code = add_channel(c, ev->uid, ev->uid_len, pname, ev->sender_len + 1,
	    REGISTRY_PERSONAL, u, &ch);
	if (code == PROTO_E_NONE) {
		code = registry_join(c->reg, u, ch);
		if (code != PROTO_E_NONE)
			remove_channel(c, ch);
	}
	if (code != PROTO_E_NONE)
		registry_remove_user(c->reg, u);
}

/* A user of another node joined a channel: its members here are told. */
static void
remote_join(struct chat *c, const struct store_event *ev, uint64_t now)
{
	struct user *u;
	struct channel *ch;
	struct event jev;

	if (ev->chan_len == ev->uid_len &&
	    memcmp(ev->chan, ev->uid, ev->uid_len) == 0) {
		remote_came(c, ev);
		return;
	}
	u = remote_user(c, ev);
	ch = registry_channel_by_id(c->reg, ev->chan, ev->chan_len);
	if (u == NULL || ch == NULL || registry_is_member(c->reg, u, ch) ||
	    registry_join(c->reg, u, ch) != PROTO_E_NONE)
		return;
	memset(&jev, 0, sizeof(jev));
	jev.kind = EV_JOIN;
	jev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	jev.time = ev->time != 0 ? ev->time : now;
	jev.name = slice_of(user_name(u), user_name_len(u));
	send_channel(c, ch, &jev, u);
}

/*
 * A user left a channel: one of another node, or one of this node that
 * a creator on another node kicked (it is told it left).
 */
static void
remote_part(struct chat *c, const struct store_event *ev, uint64_t now)
{
	struct user *u = registry_user_by_uid(c->reg, ev->uid, ev->uid_len);
	struct channel *ch =
	    registry_channel_by_id(c->reg, ev->chan, ev->chan_len);
	struct event lev;
	const int *conns;
	size_t n, k;

	if (u == NULL || ch == NULL || !registry_is_member(c->reg, u, ch))
		return;
	memset(&lev, 0, sizeof(lev));
	lev.kind = EV_LEFT;
	lev.chan = slice_of(channel_id(ch), channel_id_len(ch));
	conns = user_conns(u, &n);
	for (k = 0; k < n; k++) {
		if (conn_is_ext(c, conns[k]))
			send_event(c, conns[k], &lev);
	}
	part_channel(c, u, ch, ev->time != 0 ? ev->time : now);
}

/* A user of another node is called something else now. */
static void
remote_nick(struct chat *c, const struct store_event *ev, uint64_t now)
{
	struct user *u = remote_user(c, ev);
	char old[PROTO_NAME_MAX];
	size_t old_len;

	if (u == NULL || ev->text_len > PROTO_NAME_MAX ||
	    (ev->text_len == user_name_len(u) &&
	        memcmp(ev->text, user_name(u), ev->text_len) == 0))
		return;
	(void)rename_user(c, u, slice_of(ev->text, ev->text_len),
	    ev->time != 0 ? ev->time : now, 0, old, &old_len);
}

/* Every user of a gone node goes, with "node gone". */
static void
remote_gone(struct chat *c, const struct store_event *ev, uint64_t now)
{
	struct channel *const *chans;
	struct user **gone;
	size_t n, i, ngone = 0;

	chans = registry_channels(c->reg, &n);
	gone = calloc(n + 1, sizeof(*gone));
	if (gone == NULL)
		return;
	/* Every user has its personal channel: collect first, as removing
	 * reorders the registry's array. */
	for (i = 0; i < n; i++) {
		struct user *o = channel_owner(chans[i]);

		if (channel_kind(chans[i]) == REGISTRY_PERSONAL && o != NULL &&
		    user_conn(o) < 0 && user_uid_len(o) > ev->text_len &&
		    memcmp(user_uid(o), ev->text, ev->text_len) == 0 &&
		    user_uid(o)[ev->text_len] == '/')
			gone[ngone++] = o;
	}
	for (i = 0; i < ngone; i++)
		drop_user(c, gone[i], slice_str("node gone"), now);
	free(gone);
	dm_lost_to(c, ev->text, ev->text_len, 1);
}

/*
 * This node's direct message of tag was read back (the sender has its
 * echo): if its recipient is gone already, it will not be delivered.
 */
static void
dm_read_back(struct chat *c, uint64_t tag, const struct user *to)
{
	struct chat_dmwait **at;

	for (at = &c->dmwait; *at != NULL; at = &(*at)->next) {
		if ((*at)->tag != tag)
			continue;
		(*at)->seen = 1;
		if (to == NULL)
			dm_lost(c, at);
		return;
	}
}

/*
 * A direct message through the log: delivered to the recipient if it is
 * here (its sender's node is told), echoed to the sender if it is here
 * (this node sent it).
 */
static void
remote_dm(struct chat *c, const struct store_event *ev, int own, uint64_t tag)
{
	struct user *to = registry_user_by_uid(c->reg, ev->uid, ev->uid_len);
	struct user *from = own
	    ? registry_user_by_name(c->reg, ev->sender, ev->sender_len)
	    : NULL;
	struct event dev;

	memset(&dev, 0, sizeof(dev));
	dev.kind = ev->kind == STORE_DM_ACT ? EV_DM_ACT : EV_DM;
	dev.time = ev->time;
	dev.name = slice_of(ev->sender, ev->sender_len);
	dev.peer = slice_of(ev->chan, ev->chan_len);
	dev.text = slice_of(ev->text, ev->text_len);
	if (to != NULL && user_conn(to) >= 0) {
		struct chat_away *a = c->conns[user_conn(to)].away;

		send_user(c, to, &dev);
		if (!own)
			dm_ack(c, ev, to, tag);
		/* Away here: the sender's node tells the sender. */
		if (!own && a != NULL &&
		    away_tells(a, ev->sender, ev->sender_len))
			publish(c, STORE_AWAY, to,
			    slice_of(user_name(to), user_name_len(to)),
			    slice_of(ev->sender, ev->sender_len),
			    slice_of(a->text, a->len), ev->time);
	}
	if (from != NULL && from != to && user_conn(from) >= 0)
		send_user(c, from, &dev);
	if (own)
		dm_read_back(c, tag, to);
}

/*
 * The recipient of a direct message from this node is away on its own:
 * the sender (named in chan) is told, in the extended mode, as for a
 * recipient here.
 */
static void
remote_away(struct chat *c, const struct store_event *ev)
{
	struct user *u = registry_user_by_name(c->reg, ev->chan, ev->chan_len);
	struct event aev;

	if (u == NULL || user_conn(u) < 0 || !conn_is_ext(c, user_conn(u)))
		return;
	memset(&aev, 0, sizeof(aev));
	aev.kind = EV_AWAY;
	aev.name = slice_of(ev->sender, ev->sender_len);
	aev.text = slice_of(ev->text, ev->text_len);
	send_event(c, user_conn(u), &aev);
}

/* What another node's users did, mirrored here. */
static void
cluster_user_event(
    struct chat *c, const struct store_event *ev, int own, uint64_t now)
{
	switch (ev->kind) {
	case STORE_GONE:
		remote_gone(c, ev, now);
		return;
	default:
		break;
	}
	/* This node's own users' events were applied as they happened. */
	if (own)
		return;
	switch (ev->kind) {
	case STORE_JOIN:
		remote_join(c, ev, now);
		break;
	case STORE_PART:
		remote_part(c, ev, now);
		break;
	case STORE_QUIT: {
		struct user *u = remote_user(c, ev);

		if (u != NULL)
			drop_user(c, u, slice_of(ev->text, ev->text_len), now);
		dm_lost_to(c, ev->uid, ev->uid_len, 0);
		break;
	}
	case STORE_NICK:
		remote_nick(c, ev, now);
		break;
	case STORE_AWAY:
		remote_away(c, ev);
		break;
	default:
		break;
	}
}

void
chat_cluster_republish(struct chat *c, uint64_t now_ms)
{
	size_t i, n, k;

	for (i = 0; i < c->conns_cap; i++) {
		struct user *u = registry_user_by_conn(c->reg, (int)i);
		struct channel *const *chans;
		struct slice name, uid;

		/* Each user once, by its first connection. */
		if (u == NULL || user_conn(u) != (int)i)
			continue;
		name = slice_of(user_name(u), user_name_len(u));
		uid = slice_of(user_uid(u), user_uid_len(u));
		publish(c, STORE_JOIN, u, name, uid, slice_of(NULL, 0), now_ms);
		chans = user_channels(u, &n);
		for (k = 0; k < n; k++) {
			if (channel_owner(chans[k]) == u &&
			    channel_kind(chans[k]) == REGISTRY_PERSONAL)
				continue;
			publish(c, STORE_JOIN, u, name,
			    slice_of(
			        channel_id(chans[k]), channel_id_len(chans[k])),
			    slice_of(NULL, 0), now_ms);
		}
	}
}

void
chat_cluster_event(struct chat *c, const struct store_event *ev, int own,
    uint64_t tag, uint64_t now_ms)
{
	struct channel *ch;

	if (ev->kind == STORE_CHANNEL) {
		cluster_channel(c, ev, own, tag, now_ms);
		return;
	}
	if (ev->kind == STORE_TOPIC) {
		cluster_topic(c, ev);
		return;
	}
	if (ev->kind == STORE_KEY) {
		cluster_key(c, ev, own, tag);
		return;
	}
	if (ev->kind == STORE_DM || ev->kind == STORE_DM_ACT) {
		remote_dm(c, ev, own, tag);
		return;
	}
	if (ev->kind == STORE_DM_ACK) {
		dm_acked(c, ev, tag);
		return;
	}
	if (ev->kind >= STORE_JOIN && ev->kind <= STORE_AWAY) {
		cluster_user_event(c, ev, own, now_ms);
		return;
	}
	if (ev->kind != STORE_MSG && ev->kind != STORE_ACT)
		return;
	/* A personal channel's messages go through the log as well. */
	ch = registry_channel_by_id(c->reg, ev->chan, ev->chan_len);
	if (ch == NULL)
		return;
	apply_send(c, ch, ev);
}

void
chat_cluster_each_channel(struct chat *c, chat_channel_fn fn, void *ctx)
{
	size_t n, i;
	struct channel *const *chans = registry_channels(c->reg, &n);

	for (i = 0; i < n; i++) {
		const struct chan_state *cs = channel_data(chans[i]);
		struct chat_channel_info ci;
		char skel[PROTO_NAME_MAX];

		if (channel_kind(chans[i]) != REGISTRY_CHANNEL ||
		    channel_name_len(chans[i]) > sizeof(skel))
			continue;
		memset(&ci, 0, sizeof(ci));
		ci.id = channel_id(chans[i]);
		ci.id_len = channel_id_len(chans[i]);
		ci.name = channel_name(chans[i]);
		ci.name_len = channel_name_len(chans[i]);
		ci.skel = skel;
		ci.skel_len = valid_skeleton(ci.name, ci.name_len, skel);
		ci.creator = cs->creator;
		ci.creator_len = cs->creator_len;
		ci.created = cs->created;
		ci.seq = cs->seq;
		ci.topic = cs->topic;
		ci.topic_len = cs->topic != NULL ? cs->topic_len : 0;
		ci.topic_by = cs->topic_by;
		ci.topic_by_len = cs->topic_by_len;
		ci.topic_time = cs->topic_time;
		ci.key = cs->key;
		ci.key_len = cs->key_len;
		fn(ctx, &ci);
	}
}

void
chat_cluster_each_user(struct chat *c, chat_user_fn fn, void *ctx)
{
	size_t i;

	for (i = 0; i < c->conns_cap; i++) {
		struct user *u = registry_user_by_conn(c->reg, (int)i);
		char skel[PROTO_NAME_MAX];
		size_t skel_len;

		/* Each user once, by its first connection. */
		if (u == NULL || user_conn(u) != (int)i)
			continue;
		skel_len = account_key(user_name(u), user_name_len(u), skel);
		fn(ctx, user_name(u), user_name_len(u), skel, skel_len);
	}
}

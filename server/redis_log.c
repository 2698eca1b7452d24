/* redis_log.c: the chat's event log in Redis Streams, shared by nodes. */
#include "redis_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/*
 * The append, atomic in Redis: the seq, the channel's line under the id
 * "<seq>-0", the event for every node.  KEYS: seq, log, events.  ARGV:
 * kind, time, sender, text, channel, channel keep, events keep, node,
 * the channel's last seq the node knows.  The seq stays after that one
 * even if Redis lost its last writes (a crash under appendfsync everysec,
 * or no persistence): a seq clients have seen would be dropped by them.
 */
static const char redis_log_script[] =
    "local seq = redis.call('INCR', KEYS[1])\n"
    "local known = tonumber(ARGV[9])\n"
    "if seq <= known then\n"
    "  seq = known + 1\n"
    "  redis.call('SET', KEYS[1], seq)\n"
    "end\n"
    "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], seq .. '-0',\n"
    "    'k', ARGV[1], 't', ARGV[2], 's', ARGV[3], 'x', ARGV[4])\n"
    "redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*',\n"
    "    'k', ARGV[1], 'c', ARGV[5], 'q', seq, 't', ARGV[2],\n"
    "    's', ARGV[3], 'x', ARGV[4], 'n', ARGV[8])\n"
    "return seq\n";

/*
 * A channel is created, atomic in Redis: the first to claim the name's
 * skeleton wins (0 for a later one), the channel is kept in a hash that a
 * starting node loads, and the event goes to every node.  KEYS: names
 * (skeleton -> id), chans (id -> "name\ncreator\ntime"), events.  ARGV:
 * id, skeleton, name, creator, time, node, tag, events keep.
 */
static const char redis_log_create_script[] =
    "if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[1]) == 0 then\n"
    "  return 0\n"
    "end\n"
    "redis.call('HSET', KEYS[2], ARGV[1],\n"
    "    ARGV[3] .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[5])\n"
    "redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*',\n"
    "    'k', 'c', 'c', ARGV[1], 't', ARGV[5], 's', ARGV[4],\n"
    "    'x', ARGV[3], 'n', ARGV[6], 'r', ARGV[7])\n"
    "return 1\n";

/*
 * A user name is claimed, atomic in Redis: it is free, or already this
 * node's, or its holder node's liveness key has expired (the node is
 * gone, and its names with it).  KEYS: users (skeleton -> node), events.
 * ARGV: skeleton, this node, the liveness keys' prefix.  {1, id} claimed,
 * {0, id} taken, id the newest event's: the quit or nick that gave the
 * name up is at or before it, and the claim waits until this node has
 * read that far (the user it mirrors has gone by then).
 */
static const char redis_log_claim_script[] =
    "local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)\n"
    "local id = '0-0'\n"
    "if last[1] then id = last[1][1] end\n"
    "local h = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if h and h ~= ARGV[2] and\n"
    "    redis.call('EXISTS', ARGV[3] .. h) == 1 then\n"
    "  return {0, id}\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "return {1, id}\n";

/*
 * What a node's users do, atomic in Redis: the event for every node and
 * the snapshot a node that starts later loads.  "<p>uids" maps each
 * user's uid to its name, "<p>uch:<uid>" is the set of channels it is
 * in (its own personal channel, id = uid, from when it came),
 * "<p>nu:<node>" the uids a node holds and "<p>nodes" the nodes that
 * hold any.  A user that goes takes its personal channel's seq and lines
 * with it.  KEYS: events.  ARGV: kind, uid, name, chan, text, time,
 * node, events keep, prefix, tag (a direct message's, for its delivery
 * note "D"; else 0).
 */
static const char redis_log_presence_script[] =
    "local p, k, uid = ARGV[9], ARGV[1], ARGV[2]\n"
    "if k == 'j' then\n"
    "  redis.call('SADD', p .. 'nodes', ARGV[7])\n"
    "  redis.call('SADD', p .. 'nu:' .. ARGV[7], uid)\n"
    "  if ARGV[4] == uid then\n"
    "    redis.call('HSET', p .. 'uids', uid, ARGV[3])\n"
    "  end\n"
    "  redis.call('SADD', p .. 'uch:' .. uid, ARGV[4])\n"
    "elseif k == 'p' then\n"
    "  redis.call('SREM', p .. 'uch:' .. uid, ARGV[4])\n"
    "elseif k == 'u' then\n"
    "  redis.call('HDEL', p .. 'uids', uid)\n"
    "  redis.call('SREM', p .. 'nu:' .. ARGV[7], uid)\n"
    "  redis.call('DEL', p .. 'uch:' .. uid, p .. 'seq:' .. uid,\n"
    "      p .. 'log:' .. uid)\n"
    "elseif k == 'n' then\n"
    "  redis.call('HSET', p .. 'uids', uid, ARGV[5])\n"
    "end\n"
    "redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[8], '*',\n"
    "    'k', k, 'c', ARGV[4], 'u', uid, 's', ARGV[3], 'x', ARGV[5],\n"
    "    't', ARGV[6], 'n', ARGV[7], 'r', ARGV[10])\n"
    "return 1\n";

/*
 * Nodes whose liveness key has expired (or ARGV[4], a node starting
 * again under its old name) lose their users, atomic in Redis: the
 * snapshot forgets them and one "g" event tells every node, so each
 * gone node is announced exactly once whichever node notices first.
 * KEYS: events.  ARGV: prefix, events keep, this node, the node to
 * reap anyway ("" none).  Returns the nodes reaped.
 */
static const char redis_log_reap_script[] =
    "local p, n = ARGV[1], 0\n"
    "for _, node in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do\n"
    "  if node == ARGV[4] or\n"
    "      redis.call('EXISTS', p .. 'node:' .. node) == 0 then\n"
    "    for _, uid in ipairs(redis.call('SMEMBERS', p .. 'nu:' .. node))\n"
    "        do\n"
    "      redis.call('HDEL', p .. 'uids', uid)\n"
    "      redis.call('DEL', p .. 'uch:' .. uid, p .. 'seq:' .. uid,\n"
    "          p .. 'log:' .. uid)\n"
    "    end\n"
    "    redis.call('DEL', p .. 'nu:' .. node)\n"
    "    redis.call('SREM', p .. 'nodes', node)\n"
    "    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',\n"
    "        'k', 'g', 'c', '', 'x', node, 'n', ARGV[3])\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* A user name is released, if this node still holds it.  KEYS: users.
 * ARGV: skeleton, this node. */
static const char redis_log_release_script[] =
    "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then\n"
    "  redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "end\n"
    "return 1\n";

/*
 * A channel's topic or join key changes, atomic in Redis: it is kept in
 * a hash a starting node loads (an empty one is removed) and the event
 * goes to every node.  KEYS: the hash (topics: id -> "by\ntime\ntext",
 * keys: id -> key), events.  ARGV: id, kind ('t' or 'y'), setter, time,
 * text, node, tag, events keep.
 */
static const char redis_log_change_script[] =
    "if ARGV[5] == '' then\n"
    "  redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "elseif ARGV[2] == 't' then\n"
    "  redis.call('HSET', KEYS[1], ARGV[1],\n"
    "      ARGV[3] .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[5])\n"
    "else\n"
    "  redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])\n"
    "end\n"
    "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[8], '*',\n"
    "    'k', ARGV[2], 'c', ARGV[1], 't', ARGV[4], 's', ARGV[3],\n"
    "    'x', ARGV[5], 'n', ARGV[6], 'r', ARGV[7])\n"
    "return 1\n";

/* A key: the prefix, a word such as "seq:", a channel id. */
#define REDIS_LOG_KEY_SIZE (REDIS_LOG_PREFIX_MAX + 16 + PROTO_ID_MAX + 1)
/* A number as text, terminator included. */
#define REDIS_LOG_NUM_SIZE 24

struct redis_log {
	struct redis_log_opts o;
	char prefix[REDIS_LOG_PREFIX_MAX + 1];
	char node[REDIS_LOG_NODE_MAX + 1];
	char events_key[REDIS_LOG_KEY_SIZE];
	char sha[41];        /* the script's SHA-1 in hex */
	char create_sha[41]; /* the create script's */
	char claim_sha[41];  /* the user name scripts' */
	char release_sha[41];
	char change_sha[41];   /* the topic and key script's */
	char presence_sha[41]; /* what users do */
	char reap_sha[41];     /* gone nodes */
	/* Users' events waiting for Redis, oldest first (backlog_ev). */
	struct backlog_ev *backlog, **backlog_tail;
	size_t nbacklog;
	uint64_t backlog_dropped;
	int closing; /* redis_log_free runs: nothing is kept any more */
	int leaving; /* redis_log_leave was called: no lease any more */
	/* Claims made, waiting until reading has reached their id. */
	struct claim_wait *waits, **waits_tail;
	char users_key[REDIS_LOG_KEY_SIZE];
	char node_key[REDIS_LOG_KEY_SIZE];  /* this node's liveness */
	char nodes_pfx[REDIS_LOG_KEY_SIZE]; /* every node's, less the name */
	uint64_t renew_at; /* when the liveness key is set next */
	/*
	 * No reaping before this: after Redis comes back, every node gets a
	 * lease's time to renew its own before a node may take it as gone.
	 */
	uint64_t reap_from;
	char host[256]; /* for redis_log_load_channels */
	int port;
	struct redis_link *cmd; /* appends */
	struct redis_link *rd;  /* the blocking reads */
	/* Where reading goes on from: set, or learnt when rd comes up. */
	char last_id[REDIS_LOG_ID_SIZE];
	int have_start; /* last_id says where to read from */
	int reading;    /* a read (or the start lookup) is waiting */
	uint64_t now;
};

/* A claim Redis granted, waiting for reading to reach its id. */
struct claim_wait {
	struct claim_wait *next;
	redis_log_append_cb cb;
	void *ctx;
	uint64_t deadline; /* given anyway then: reading is stuck */
	char id[REDIS_LOG_ID_SIZE];
};

/*
 * A user's event kept until Redis has taken it: while Redis is down, or
 * when the link lost it on the way (sent again: every node applies a
 * repeated event as a no-op).
 */
struct backlog_ev {
	struct backlog_ev *next;
	struct redis_log *lg;
	struct store_event ev; /* its strings point into data */
	char data[];
};

static void flush_backlog(struct redis_log *lg);

/* An append waiting for its reply. */
struct pending_append {
	struct redis_log *lg;
	redis_log_append_cb cb;
	void *ctx;
};

/*
 * Sends a command whose reply on_reply hands to cb (with ctx) through a
 * pending_append it frees.  0, or -1 (cb will not be called).
 */
static int
send_pending(struct redis_log *lg, uint64_t now, redis_link_reply_cb on_reply,
    redis_log_append_cb cb, void *ctx, int argc, const char **argv,
    const size_t *lens)
{
	struct pending_append *p = malloc(sizeof(*p));

	if (p == NULL)
		return -1;
	p->lg = lg;
	p->cb = cb;
	p->ctx = ctx;
	if (redis_link_command(lg->cmd, now, on_reply, p, argc, argv, lens) <
	    0) {
		free(p);
		return -1;
	}
	return 0;
}

static void read_next(struct redis_log *lg);
static void release_waits(struct redis_log *lg);

/*
 * Looks for gone nodes (with the lease's renewal, every node_ttl_ms / 3),
 * or (self) takes this node's own users away.
 */
static void
reap(struct redis_log *lg, int self)
{
	char ekeep[REDIS_LOG_NUM_SIZE];
	const char *argv[8];
	size_t lens[8];
	int i;

	snprintf(ekeep, sizeof(ekeep), "%" PRIu64, lg->o.events_keep);
	argv[0] = "EVALSHA";
	argv[1] = lg->reap_sha;
	argv[2] = "1";
	argv[3] = lg->events_key;
	argv[4] = lg->prefix;
	argv[5] = ekeep;
	argv[6] = lg->node;
	argv[7] = self ? lg->node : "";
	for (i = 0; i < 8; i++)
		lens[i] = strlen(argv[i]);
	(void)redis_link_command(lg->cmd, lg->now, NULL, NULL, 8, argv, lens);
}

/* Sets this node's liveness key when due (every node_ttl_ms / 3). */
static void
renew(struct redis_log *lg)
{
	char ttl[REDIS_LOG_NUM_SIZE];
	const char *argv[5];
	size_t lens[5];
	int i;

	if (lg->now < lg->renew_at || lg->leaving ||
	    redis_link_state(lg->cmd) != REDIS_LINK_UP)
		return;
	snprintf(ttl, sizeof(ttl), "%" PRIu64, lg->o.node_ttl_ms);
	argv[0] = "SET";
	argv[1] = lg->node_key;
	argv[2] = "1";
	argv[3] = "PX";
	argv[4] = ttl;
	for (i = 0; i < 5; i++)
		lens[i] = strlen(argv[i]);
	if (redis_link_command(lg->cmd, lg->now, NULL, NULL, 5, argv, lens) ==
	    0)
		lg->renew_at = lg->now + lg->o.node_ttl_ms / 3;
	if (lg->now >= lg->reap_from)
		reap(lg, 0);
}

/*
 * The scripts, queued on the command connection before any command that
 * runs one, so Redis knows them by then; each reply is the SHA-1 we
 * computed.  Sent on every connection, and again whenever Redis says it
 * does not know one (NOSCRIPT: its cache was flushed, or it was still
 * loading its file when they came).
 */
static void
load_scripts(struct redis_log *lg)
{
	static const struct {
		const char *text;
		size_t len;
	} scripts[] = {
	    {redis_log_script, sizeof(redis_log_script) - 1},
	    {redis_log_create_script, sizeof(redis_log_create_script) - 1},
	    {redis_log_claim_script, sizeof(redis_log_claim_script) - 1},
	    {redis_log_release_script, sizeof(redis_log_release_script) - 1},
	    {redis_log_change_script, sizeof(redis_log_change_script) - 1},
	    {redis_log_presence_script, sizeof(redis_log_presence_script) - 1},
	    {redis_log_reap_script, sizeof(redis_log_reap_script) - 1},
	};
	const char *argv[3] = {"SCRIPT", "LOAD", NULL};
	size_t lens[3] = {6, 4, 0}, i;

	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		argv[2] = scripts[i].text;
		lens[2] = scripts[i].len;
		(void)redis_link_command(
		    lg->cmd, lg->now, NULL, NULL, 3, argv, lens);
	}
}

static void
on_cmd_state(void *ctx, enum redis_link_state st, const char *why)
{
	struct redis_log *lg = ctx;

	if (st == REDIS_LINK_UP) {
		load_scripts(lg);
		/* Alive before the first claim: our names are kept. */
		lg->renew_at = 0;
		lg->reap_from = lg->now + lg->o.node_ttl_ms;
		renew(lg);
		if (lg->o.on_state != NULL)
			lg->o.on_state(lg->o.ctx, 1, NULL);
	} else if (lg->o.on_state != NULL) {
		lg->o.on_state(lg->o.ctx, 0, why);
	}
}

static void
on_rd_state(void *ctx, enum redis_link_state st, const char *why)
{
	struct redis_log *lg = ctx;

	(void)why;
	lg->reading = 0;
	if (st == REDIS_LINK_UP)
		read_next(lg);
}

/* A script's SHA-1, as EVALSHA names it. */
static int
script_sha(const char *script, size_t script_len, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (EVP_Digest(script, script_len, md, &len, EVP_sha1(), NULL) != 1 ||
	    len != 20)
		return -1;
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

struct redis_log *
redis_log_new(const char *host, int port, const struct redis_log_opts *opts)
{
	struct redis_log *lg;
	struct redis_link_opts co = {0}, ro = {0};
	const char *prefix =
	    opts->prefix != NULL ? opts->prefix : REDIS_LOG_PREFIX_DEFAULT;
	const char *node = opts->node != NULL ? opts->node : "";

	if (strlen(prefix) > REDIS_LOG_PREFIX_MAX ||
	    strlen(node) > REDIS_LOG_NODE_MAX || opts->on_event == NULL)
		return NULL;
	lg = calloc(1, sizeof(*lg));
	if (lg == NULL)
		return NULL;
	lg->o = *opts;
	lg->waits_tail = &lg->waits;
	lg->backlog_tail = &lg->backlog;
	if (lg->o.block_ms == 0)
		lg->o.block_ms = REDIS_LOG_BLOCK_MS;
	if (lg->o.timeout_ms == 0)
		lg->o.timeout_ms = REDIS_LINK_TIMEOUT_MS;
	if (lg->o.chan_keep == 0)
		lg->o.chan_keep = REDIS_LOG_CHAN_KEEP;
	if (lg->o.events_keep == 0)
		lg->o.events_keep = REDIS_LOG_EVENTS_KEEP;
	if (lg->o.node_ttl_ms == 0)
		lg->o.node_ttl_ms = REDIS_LOG_NODE_TTL_MS;
	memcpy(lg->prefix, prefix, strlen(prefix) + 1);
	memcpy(lg->node, node, strlen(node) + 1);
	snprintf(lg->events_key, sizeof(lg->events_key), "%sevents", prefix);
	snprintf(lg->users_key, sizeof(lg->users_key), "%susers", prefix);
	snprintf(lg->nodes_pfx, sizeof(lg->nodes_pfx), "%snode:", prefix);
	snprintf(lg->node_key, sizeof(lg->node_key), "%snode:%s", prefix, node);
	co.timeout_ms = lg->o.timeout_ms;
	/* A read may wait block_ms for its reply by design. */
	ro.timeout_ms = lg->o.block_ms + lg->o.timeout_ms;
	if (script_sha(
	        redis_log_script, sizeof(redis_log_script) - 1, lg->sha) < 0 ||
	    script_sha(redis_log_create_script,
	        sizeof(redis_log_create_script) - 1, lg->create_sha) < 0 ||
	    script_sha(redis_log_claim_script,
	        sizeof(redis_log_claim_script) - 1, lg->claim_sha) < 0 ||
	    script_sha(redis_log_release_script,
	        sizeof(redis_log_release_script) - 1, lg->release_sha) < 0 ||
	    script_sha(redis_log_change_script,
	        sizeof(redis_log_change_script) - 1, lg->change_sha) < 0 ||
	    script_sha(redis_log_presence_script,
	        sizeof(redis_log_presence_script) - 1, lg->presence_sha) < 0 ||
	    script_sha(redis_log_reap_script, sizeof(redis_log_reap_script) - 1,
	        lg->reap_sha) < 0 ||
	    strlen(host) >= sizeof(lg->host))
		goto fail;
	memcpy(lg->host, host, strlen(host) + 1);
	lg->port = port;
	lg->cmd = redis_link_new(host, port, &co, on_cmd_state, lg);
	lg->rd = redis_link_new(host, port, &ro, on_rd_state, lg);
	if (lg->cmd == NULL || lg->rd == NULL)
		goto fail;
	return lg;
fail:
	redis_log_free(lg);
	return NULL;
}

void
redis_log_free(struct redis_log *lg)
{
	if (lg == NULL)
		return;
	lg->closing = 1;
	redis_link_free(lg->cmd);
	redis_link_free(lg->rd);
	while (lg->backlog != NULL) {
		struct backlog_ev *bev = lg->backlog;

		lg->backlog = bev->next;
		free(bev);
	}
	while (lg->waits != NULL) {
		struct claim_wait *w = lg->waits;

		lg->waits = w->next;
		w->cb(w->ctx, -1, 0, "closed");
		free(w);
	}
	free(lg);
}

void
redis_log_read_from(struct redis_log *lg, const char *from)
{
	snprintf(lg->last_id, sizeof(lg->last_id), "%s", from);
	lg->have_start = 1;
}

/* A reply element's bytes, if it is a string. */
static int
str_of(const redisReply *r, const char **s, size_t *len)
{
	if (r == NULL ||
	    (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS))
		return 0;
	*s = r->str;
	*len = r->len;
	return 1;
}

static uint64_t
num_of(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

/*
 * The letter of each event kind in the streams' "k" field: messages,
 * channels, topics and keys, then what users do (the presence kinds).
 */
static const struct {
	char letter;
	enum store_kind kind;
	int presence;
} kind_letters[] = {
    {'m', STORE_MSG, 0},
    {'a', STORE_ACT, 0},
    {'c', STORE_CHANNEL, 0},
    {'t', STORE_TOPIC, 0},
    {'y', STORE_KEY, 0},
    {'j', STORE_JOIN, 1},
    {'p', STORE_PART, 1},
    {'u', STORE_QUIT, 1},
    {'n', STORE_NICK, 1},
    {'d', STORE_DM, 1},
    {'e', STORE_DM_ACT, 1},
    {'g', STORE_GONE, 1},
    {'A', STORE_AWAY, 1},
    {'D', STORE_DM_ACK, 1},
};
#define KIND_LETTERS (sizeof(kind_letters) / sizeof(kind_letters[0]))

/* The kind a "k" field names; STORE_MSG for one it does not. */
static enum store_kind
kind_of(const char *v, size_t len)
{
	size_t i;

	for (i = 0; len == 1 && i < KIND_LETTERS; i++)
		if (kind_letters[i].letter == v[0])
			return kind_letters[i].kind;
	return STORE_MSG;
}

/* The letter of a users' event kind, or 0 for another kind. */
static char
presence_letter(enum store_kind kind)
{
	size_t i;

	for (i = 0; i < KIND_LETTERS; i++)
		if (kind_letters[i].kind == kind)
			return kind_letters[i].presence ? kind_letters[i].letter
			                                : 0;
	return 0;
}

static int
is_presence(enum store_kind kind)
{
	return presence_letter(kind) != 0;
}

/*
 * A stream entry's fields [field, value, ...] into ev (kind STORE_MSG
 * unless a "k" says otherwise); fields of other shapes are skipped.
 */
static void
fields_of(const redisReply *f, struct redis_log_event *ev)
{
	const char *k, *v;
	size_t klen, vlen, i;

	ev->kind = STORE_MSG;
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (!str_of(f->element[i], &k, &klen) || klen != 1 ||
		    !str_of(f->element[i + 1], &v, &vlen))
			continue;
		switch (k[0]) {
		case 'k':
			ev->kind = kind_of(v, vlen);
			break;
		case 'u':
			ev->uid = v;
			ev->uid_len = vlen;
			break;
		case 'r':
			ev->tag = num_of(v, vlen);
			break;
		case 'c':
			ev->chan = v;
			ev->chan_len = vlen;
			break;
		case 'q':
			ev->seq = num_of(v, vlen);
			break;
		case 't':
			ev->time = num_of(v, vlen);
			break;
		case 's':
			ev->sender = v;
			ev->sender_len = vlen;
			break;
		case 'x':
			ev->text = v;
			ev->text_len = vlen;
			break;
		case 'n':
			ev->node = v;
			ev->node_len = vlen;
			break;
		}
	}
}

/*
 * One stream entry, [id, [field, value, ...]], handed to on_event.
 * Entries of other shapes, or without a channel, are skipped.
 */
static void
deliver_entry(struct redis_log *lg, const redisReply *e)
{
	struct redis_log_event ev;
	const redisReply *f;
	const char *id;
	size_t idlen;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    !str_of(e->element[0], &id, &idlen) || idlen >= REDIS_LOG_ID_SIZE)
		return;
	/* The id is the place to go on from, delivered or not. */
	memcpy(lg->last_id, id, idlen);
	lg->last_id[idlen] = '\0';
	f = e->element[1];
	if (f->type != REDIS_REPLY_ARRAY)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.id = lg->last_id;
	fields_of(f, &ev);
	/* A channel, topic, key or user event has no seq; a message has. */
	if (ev.chan == NULL ||
	    (ev.seq == 0 && ev.kind != STORE_CHANNEL &&
	        ev.kind != STORE_TOPIC && ev.kind != STORE_KEY &&
	        !is_presence(ev.kind)))
		return;
	if (ev.uid == NULL)
		ev.uid = "";
	if (ev.sender == NULL)
		ev.sender = "";
	if (ev.text == NULL)
		ev.text = "";
	if (ev.node == NULL)
		ev.node = "";
	lg->o.on_event(lg->o.ctx, &ev);
}

/* XREAD's reply: nil after the block time, else [[key, [entry...]]]. */
static void
on_read(void *ctx, const redisReply *r, const char *err)
{
	struct redis_log *lg = ctx;
	const redisReply *entries;
	size_t i;

	lg->reading = 0;
	if (r == NULL)
		return; /* the link reconnects; reading goes on from last_id */
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2) {
		entries = r->element[0]->element[1];
		for (i = 0; entries->type == REDIS_REPLY_ARRAY &&
		     i < entries->elements;
		     i++)
			deliver_entry(lg, entries->element[i]);
	}
	(void)err;
	release_waits(lg);
	read_next(lg);
}

/* XREVRANGE events + - COUNT 1: where reading starts, if not told. */
static void
on_start(void *ctx, const redisReply *r, const char *err)
{
	struct redis_log *lg = ctx;
	const char *id;
	size_t len;

	(void)err;
	lg->reading = 0;
	if (r == NULL)
		return;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2 &&
	    str_of(r->element[0]->element[0], &id, &len) &&
	    len < REDIS_LOG_ID_SIZE) {
		memcpy(lg->last_id, id, len);
		lg->last_id[len] = '\0';
	} else {
		memcpy(lg->last_id, "0-0", 4);
	}
	lg->have_start = 1;
	release_waits(lg);
	read_next(lg);
}

/* Asks for the next events, or first where to start, unless waiting. */
static void
read_next(struct redis_log *lg)
{
	char block[REDIS_LOG_NUM_SIZE], count[REDIS_LOG_NUM_SIZE];
	const char *argv[8];
	size_t lens[8];
	int i;

	if (lg->reading || redis_link_state(lg->rd) != REDIS_LINK_UP)
		return;
	if (!lg->have_start) {
		const char *sargv[5] = {
		    "XREVRANGE", lg->events_key, "+", "-", "COUNT"};
		const char *all[6];
		size_t all_lens[6];

		for (i = 0; i < 5; i++) {
			all[i] = sargv[i];
			all_lens[i] = strlen(sargv[i]);
		}
		all[5] = "1";
		all_lens[5] = 1;
		if (redis_link_command(
		        lg->rd, lg->now, on_start, lg, 6, all, all_lens) == 0)
			lg->reading = 1;
		return;
	}
	snprintf(block, sizeof(block), "%" PRIu64, lg->o.block_ms);
	snprintf(count, sizeof(count), "%d", REDIS_LOG_READ_COUNT);
	argv[0] = "XREAD";
	argv[1] = "COUNT";
	argv[2] = count;
	argv[3] = "BLOCK";
	argv[4] = block;
	argv[5] = "STREAMS";
	argv[6] = lg->events_key;
	argv[7] = lg->last_id;
	for (i = 0; i < 8; i++)
		lens[i] = strlen(argv[i]);
	if (redis_link_command(lg->rd, lg->now, on_read, lg, 8, argv, lens) ==
	    0)
		lg->reading = 1;
}

/*
 * Why a reply is not the one a script gives: Redis's error, or its shape.
 * A Redis that does not know the script gets them all again (lg, when
 * the command ran one), so that the next try works.
 */
static void
reply_failure(struct redis_log *lg, const redisReply *r, char *why, size_t size)
{
	if (r->type == REDIS_REPLY_ERROR)
		snprintf(why, size, "redis: %.*s", (int)r->len, r->str);
	else
		snprintf(why, size, "redis: unexpected reply");
	if (lg != NULL && r->type == REDIS_REPLY_ERROR && r->len >= 8 &&
	    memcmp(r->str, "NOSCRIPT", 8) == 0)
		load_scripts(lg);
}

static void
on_appended(void *ctx, const redisReply *r, const char *err)
{
	struct pending_append *p = ctx;
	char why[160];

	if (r == NULL) {
		p->cb(p->ctx, -1, 0, err);
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer > 0) {
		p->cb(p->ctx, 0, (uint64_t)r->integer, NULL);
	} else {
		reply_failure(p->lg, r, why, sizeof(why));
		p->cb(p->ctx, -1, 0, why);
	}
	free(p);
}

int
redis_log_append(struct redis_log *lg, uint64_t now,
    const struct store_event *ev, redis_log_append_cb cb, void *ctx)
{
	char seq_key[REDIS_LOG_KEY_SIZE], log_key[REDIS_LOG_KEY_SIZE];
	char time[REDIS_LOG_NUM_SIZE], ckeep[REDIS_LOG_NUM_SIZE];
	char ekeep[REDIS_LOG_NUM_SIZE], known[REDIS_LOG_NUM_SIZE];
	const char *argv[15];
	size_t lens[15];
	int i;

	if ((ev->kind != STORE_MSG && ev->kind != STORE_ACT) ||
	    ev->chan_len > PROTO_ID_MAX)
		return -1;
	snprintf(seq_key, sizeof(seq_key), "%sseq:%.*s", lg->prefix,
	    (int)ev->chan_len, ev->chan);
	snprintf(log_key, sizeof(log_key), "%slog:%.*s", lg->prefix,
	    (int)ev->chan_len, ev->chan);
	snprintf(time, sizeof(time), "%" PRIu64, ev->time);
	snprintf(ckeep, sizeof(ckeep), "%" PRIu64, lg->o.chan_keep);
	snprintf(ekeep, sizeof(ekeep), "%" PRIu64, lg->o.events_keep);
	argv[0] = "EVALSHA";
	argv[1] = lg->sha;
	argv[2] = "3";
	argv[3] = seq_key;
	argv[4] = log_key;
	argv[5] = lg->events_key;
	argv[6] = ev->kind == STORE_ACT ? "a" : "m";
	argv[7] = time;
	for (i = 0; i < 8; i++)
		lens[i] = strlen(argv[i]);
	argv[8] = ev->sender;
	lens[8] = ev->sender_len;
	argv[9] = ev->text;
	lens[9] = ev->text_len;
	argv[10] = ev->chan;
	lens[10] = ev->chan_len;
	argv[11] = ckeep;
	lens[11] = strlen(ckeep);
	argv[12] = ekeep;
	lens[12] = strlen(ekeep);
	argv[13] = lg->node;
	lens[13] = strlen(lg->node);
	/* ev->seq is the seq the chat expects: its last plus one. */
	snprintf(
	    known, sizeof(known), "%" PRIu64, ev->seq > 0 ? ev->seq - 1 : 0);
	argv[14] = known;
	lens[14] = strlen(known);
	return send_pending(lg, now, on_appended, cb, ctx, 15, argv, lens);
}

int
redis_log_up(const struct redis_log *lg)
{
	return redis_link_state(lg->cmd) == REDIS_LINK_UP;
}

size_t
redis_log_pollfds(const struct redis_log *lg, struct pollfd *pfds)
{
	size_t n = 0;

	pfds[n].fd = redis_link_fd(lg->cmd, &pfds[n].events);
	pfds[n].revents = 0;
	if (pfds[n].fd >= 0)
		n++;
	pfds[n].fd = redis_link_fd(lg->rd, &pfds[n].events);
	pfds[n].revents = 0;
	if (pfds[n].fd >= 0)
		n++;
	return n;
}

void
redis_log_io(
    struct redis_log *lg, const struct pollfd *pfds, size_t n, uint64_t now)
{
	size_t i;
	short ev;

	lg->now = now;
	for (i = 0; i < n; i++) {
		if (pfds[i].revents == 0)
			continue;
		/* An entry is the descriptor either link had when it was
		 * polled; one that reconnected since has another. */
		if (redis_link_fd(lg->cmd, &ev) == pfds[i].fd)
			redis_link_io(lg->cmd, pfds[i].revents, now);
		else if (redis_link_fd(lg->rd, &ev) == pfds[i].fd)
			redis_link_io(lg->rd, pfds[i].revents, now);
	}
}

void
redis_log_flush(struct redis_log *lg)
{
	redis_link_flush(lg->cmd);
	redis_link_flush(lg->rd);
}

void
redis_log_tick(struct redis_log *lg, uint64_t now)
{
	lg->now = now;
	redis_link_tick(lg->cmd, now);
	redis_link_tick(lg->rd, now);
	renew(lg);
	flush_backlog(lg);
	release_waits(lg);
	read_next(lg);
}

uint64_t
redis_log_deadline(const struct redis_log *lg)
{
	uint64_t a = redis_link_deadline(lg->cmd);
	uint64_t b = redis_link_deadline(lg->rd);

	if (a > b)
		a = b;
	if (redis_link_state(lg->cmd) == REDIS_LINK_UP && lg->renew_at < a)
		a = lg->renew_at;
	if (lg->waits != NULL && lg->waits->deadline < a)
		a = lg->waits->deadline;
	return a;
}

const char *
redis_log_last_id(const struct redis_log *lg)
{
	return lg->have_start ? lg->last_id : "";
}

/* A create or claim waiting for its reply. */

/* The create script's reply: 1 made, 0 the name was taken first. */
static void
on_created(void *ctx, const redisReply *r, const char *err)
{
	struct pending_append *p = ctx;
	char why[160];

	if (r == NULL) {
		p->cb(p->ctx, -1, 0, err);
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
		p->cb(p->ctx, 0, 0, NULL);
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) {
		p->cb(p->ctx, 1, 0, NULL);
	} else {
		reply_failure(p->lg, r, why, sizeof(why));
		p->cb(p->ctx, -1, 0, why);
	}
	free(p);
}

int
redis_log_create(struct redis_log *lg, uint64_t now,
    const struct store_event *ev, const char *skel, size_t skel_len,
    uint64_t tag, redis_log_append_cb cb, void *ctx)
{
	char names_key[REDIS_LOG_KEY_SIZE], chans_key[REDIS_LOG_KEY_SIZE];
	char time[REDIS_LOG_NUM_SIZE], ekeep[REDIS_LOG_NUM_SIZE];
	char tagbuf[REDIS_LOG_NUM_SIZE];
	const char *argv[14];
	size_t lens[14];
	int i;

	if (ev->kind != STORE_CHANNEL || ev->chan_len > PROTO_ID_MAX)
		return -1;
	snprintf(names_key, sizeof(names_key), "%snames", lg->prefix);
	snprintf(chans_key, sizeof(chans_key), "%schans", lg->prefix);
	snprintf(time, sizeof(time), "%" PRIu64, ev->time);
	snprintf(ekeep, sizeof(ekeep), "%" PRIu64, lg->o.events_keep);
	snprintf(tagbuf, sizeof(tagbuf), "%" PRIu64, tag);
	argv[0] = "EVALSHA";
	argv[1] = lg->create_sha;
	argv[2] = "3";
	argv[3] = names_key;
	argv[4] = chans_key;
	argv[5] = lg->events_key;
	for (i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	argv[6] = ev->chan;
	lens[6] = ev->chan_len;
	argv[7] = skel;
	lens[7] = skel_len;
	argv[8] = ev->name;
	lens[8] = ev->name_len;
	argv[9] = ev->sender;
	lens[9] = ev->sender_len;
	argv[10] = time;
	lens[10] = strlen(time);
	argv[11] = lg->node;
	lens[11] = strlen(lg->node);
	argv[12] = tagbuf;
	lens[12] = strlen(tagbuf);
	argv[13] = ekeep;
	lens[13] = strlen(ekeep);
	return send_pending(lg, now, on_created, cb, ctx, 14, argv, lens);
}

/*
 * Splits a hash value "a\nb\nc" (c may hold more newlines) into its
 * three parts.  0, or -1 if it has fewer.
 */
static int
split3(const char *v, size_t len, const char *part[3], size_t part_len[3])
{
	const char *a = memchr(v, '\n', len), *b;

	if (a == NULL)
		return -1;
	b = memchr(a + 1, '\n', len - (size_t)(a + 1 - v));
	if (b == NULL)
		return -1;
	part[0] = v;
	part_len[0] = (size_t)(a - v);
	part[1] = a + 1;
	part_len[1] = (size_t)(b - a - 1);
	part[2] = b + 1;
	part_len[2] = len - (size_t)(b + 1 - v);
	return 0;
}

/* Splits "name\ncreator\ntime" into ev's text, sender and time. */
static int
split_chan(const char *v, size_t len, struct redis_log_event *ev)
{
	const char *part[3];
	size_t part_len[3];

	if (split3(v, len, part, part_len) < 0)
		return -1;
	ev->text = part[0];
	ev->text_len = part_len[0];
	ev->sender = part[1];
	ev->sender_len = part_len[1];
	ev->time = num_of(part[2], part_len[2]);
	return 0;
}

static int load_changes(struct redis_log *lg, redisContext *rc,
    const char *start, redis_log_event_cb each, void *ctx);

int
redis_log_load_channels(struct redis_log *lg, redis_log_event_cb each,
    void *ctx, char *err, size_t err_size)
{
	struct timeval tv;
	redisContext *rc;
	redisReply *r = NULL, *all = NULL, *seq;
	char start[REDIS_LOG_ID_SIZE] = "0-0";
	size_t i;
	int status = -1;

	tv.tv_sec = (time_t)(lg->o.timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(lg->o.timeout_ms % 1000 * 1000);
	rc = redisConnectWithTimeout(lg->host, lg->port, tv);
	if (rc == NULL || rc->err) {
		snprintf(err, err_size, "redis %s:%d: %s", lg->host, lg->port,
		    rc != NULL ? rc->errstr : "out of memory");
		redisFree(rc);
		return -1;
	}
	(void)redisSetTimeout(rc, tv);
	/* The newest event first: a channel made after it is read back too
	 * (and found known), one made before it is in the hash. */
	r = redisCommand(rc, "XREVRANGE %s + - COUNT 1", lg->events_key);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		goto fail;
	if (r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2 &&
	    r->element[0]->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[0]->element[0]->len < sizeof(start))
		memcpy(start, r->element[0]->element[0]->str,
		    r->element[0]->element[0]->len + 1);
	all = redisCommand(rc, "HGETALL %schans", lg->prefix);
	if (all == NULL || all->type != REDIS_REPLY_ARRAY)
		goto fail;
	for (i = 0; i + 1 < all->elements; i += 2)
		if (redisAppendCommand(rc, "GET %sseq:%b", lg->prefix,
		        all->element[i]->str, all->element[i]->len) != REDIS_OK)
			goto fail;
	for (i = 0; i + 1 < all->elements; i += 2) {
		struct redis_log_event ev;
		const redisReply *id = all->element[i],
		                 *v = all->element[i + 1];
		void *got = NULL;

		if (redisGetReply(rc, &got) != REDIS_OK || got == NULL)
			goto fail;
		seq = got;
		memset(&ev, 0, sizeof(ev));
		ev.kind = STORE_CHANNEL;
		ev.chan = id->str;
		ev.chan_len = id->len;
		ev.node = "";
		ev.id = start;
		if (seq->type == REDIS_REPLY_STRING)
			ev.seq = num_of(seq->str, seq->len);
		if (id->type == REDIS_REPLY_STRING &&
		    v->type == REDIS_REPLY_STRING &&
		    split_chan(v->str, v->len, &ev) == 0)
			each(ctx, &ev);
		freeReplyObject(seq);
	}
	if (load_changes(lg, rc, start, each, ctx) < 0)
		goto fail;
	redis_log_read_from(lg, start);
	status = 0;
fail:
	if (status < 0)
		snprintf(err, err_size, "redis %s:%d: cannot load channels: %s",
		    lg->host, lg->port,
		    rc->err                                         ? rc->errstr
		        : r != NULL && r->type == REDIS_REPLY_ERROR ? r->str
		        : all != NULL && all->type == REDIS_REPLY_ERROR
		        ? all->str
		        : "unexpected reply");
	freeReplyObject(r);
	freeReplyObject(all);
	redisFree(rc);
	return status;
}

/* Splits a stream id "<ms>-<n>" into its two numbers. */
static void
id_parts(const char *id, uint64_t *ms, uint64_t *n)
{
	const char *dash = strchr(id, '-');

	*ms = num_of(id, strlen(id));
	*n = dash != NULL ? num_of(dash + 1, strlen(dash + 1)) : 0;
}

int
redis_log_id_cmp(const char *a, const char *b)
{
	uint64_t am, an, bm, bn;

	id_parts(a, &am, &an);
	id_parts(b, &bm, &bn);
	if (am != bm)
		return am < bm ? -1 : 1;
	if (an != bn)
		return an < bn ? -1 : 1;
	return 0;
}

/*
 * Hands claims on once reading has passed their id (or they waited
 * longer than an append may): in the order granted, which is the order
 * of their ids.
 */
static void
release_waits(struct redis_log *lg)
{
	while (lg->waits != NULL &&
	    ((lg->have_start &&
	         redis_log_id_cmp(lg->waits->id, lg->last_id) <= 0) ||
	        lg->waits->deadline <= lg->now)) {
		struct claim_wait *w = lg->waits;

		lg->waits = w->next;
		if (lg->waits == NULL)
			lg->waits_tail = &lg->waits;
		lg->backlog_tail = &lg->backlog;
		w->cb(w->ctx, 0, 0, NULL);
		free(w);
	}
}

/* The claim script's reply: {1, id} claimed, {0, id} held by a live node. */
static void
on_claimed(void *ctx, const redisReply *r, const char *err)
{
	struct pending_append *p = ctx;
	struct redis_log *lg = p->lg;
	struct claim_wait *w;
	const char *id;
	size_t len;
	char why[160];

	if (r == NULL) {
		p->cb(p->ctx, -1, 0, err);
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    str_of(r->element[1], &id, &len) && len < REDIS_LOG_ID_SIZE) {
		if (r->element[0]->integer != 1) {
			p->cb(p->ctx, 1, 0, NULL);
		} else if ((w = calloc(1, sizeof(*w))) == NULL) {
			p->cb(p->ctx, 0, 0, NULL);
		} else {
			w->cb = p->cb;
			w->ctx = p->ctx;
			w->deadline = lg->now + lg->o.timeout_ms;
			memcpy(w->id, id, len);
			*lg->waits_tail = w;
			lg->waits_tail = &w->next;
			release_waits(lg);
		}
	} else {
		reply_failure(p->lg, r, why, sizeof(why));
		p->cb(p->ctx, -1, 0, why);
	}
	free(p);
}

int
redis_log_claim(struct redis_log *lg, uint64_t now, const char *skel,
    size_t skel_len, redis_log_append_cb cb, void *ctx)
{
	const char *argv[8] = {"EVALSHA", lg->claim_sha, "2", lg->users_key,
	    lg->events_key, skel, lg->node, lg->nodes_pfx};
	size_t lens[8];
	int i;

	for (i = 0; i < 8; i++)
		lens[i] = i == 5 ? skel_len : strlen(argv[i]);
	return send_pending(lg, now, on_claimed, cb, ctx, 8, argv, lens);
}

int
redis_log_release(
    struct redis_log *lg, uint64_t now, const char *skel, size_t skel_len)
{
	const char *argv[6] = {
	    "EVALSHA", lg->release_sha, "1", lg->users_key, skel, lg->node};
	size_t lens[6];
	int i;

	for (i = 0; i < 6; i++)
		lens[i] = i == 4 ? skel_len : strlen(argv[i]);
	return redis_link_command(lg->cmd, now, NULL, NULL, 6, argv, lens);
}

/* The change script's reply: 1 done. */
static void
on_changed(void *ctx, const redisReply *r, const char *err)
{
	on_created(ctx, r, err);
}

int
redis_log_change(struct redis_log *lg, uint64_t now,
    const struct store_event *ev, uint64_t tag, redis_log_append_cb cb,
    void *ctx)
{
	char hash_key[REDIS_LOG_KEY_SIZE], time[REDIS_LOG_NUM_SIZE];
	char ekeep[REDIS_LOG_NUM_SIZE], tagbuf[REDIS_LOG_NUM_SIZE];
	const char *argv[13];
	size_t lens[13];
	int i;

	if ((ev->kind != STORE_TOPIC && ev->kind != STORE_KEY) ||
	    ev->chan_len > PROTO_ID_MAX)
		return -1;
	snprintf(hash_key, sizeof(hash_key), "%s%s", lg->prefix,
	    ev->kind == STORE_TOPIC ? "topics" : "keys");
	snprintf(time, sizeof(time), "%" PRIu64, ev->time);
	snprintf(ekeep, sizeof(ekeep), "%" PRIu64, lg->o.events_keep);
	snprintf(tagbuf, sizeof(tagbuf), "%" PRIu64, tag);
	argv[0] = "EVALSHA";
	argv[1] = lg->change_sha;
	argv[2] = "2";
	argv[3] = hash_key;
	argv[4] = lg->events_key;
	argv[5] = ev->chan;
	argv[6] = ev->kind == STORE_TOPIC ? "t" : "y";
	argv[7] = ev->sender != NULL ? ev->sender : "";
	argv[8] = time;
	argv[9] = ev->text != NULL ? ev->text : "";
	argv[10] = lg->node;
	argv[11] = tagbuf;
	argv[12] = ekeep;
	for (i = 0; i < 13; i++)
		lens[i] = i == 5 ? ev->chan_len
		    : i == 7     ? (ev->sender != NULL ? ev->sender_len : 0)
		    : i == 9     ? (ev->text != NULL ? ev->text_len : 0)
		                 : strlen(argv[i]);
	return send_pending(lg, now, on_changed, cb, ctx, 13, argv, lens);
}

/* Splits "by\ntime\ntext" into ev's sender, time and text. */
static int
split_topic(const char *v, size_t len, struct redis_log_event *ev)
{
	const char *part[3];
	size_t part_len[3];

	if (split3(v, len, part, part_len) < 0)
		return -1;
	ev->sender = part[0];
	ev->sender_len = part_len[0];
	ev->time = num_of(part[1], part_len[1]);
	ev->text = part[2];
	ev->text_len = part_len[2];
	return 0;
}

/*
 * At start, after the channels: each channel's topic ("by\ntime\ntext")
 * and key from their hashes, as the events that set them.  0, or -1.
 */
static int
load_changes(struct redis_log *lg, redisContext *rc, const char *start,
    redis_log_event_cb each, void *ctx)
{
	static const char *const words[2] = {"topics", "keys"};
	redisReply *all;
	size_t i;
	int w;

	for (w = 0; w < 2; w++) {
		all = redisCommand(rc, "HGETALL %s%s", lg->prefix, words[w]);
		if (all == NULL || all->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(all);
			return -1;
		}
		for (i = 0; i + 1 < all->elements; i += 2) {
			const redisReply *id = all->element[i],
			                 *v = all->element[i + 1];
			struct redis_log_event ev;

			if (id->type != REDIS_REPLY_STRING ||
			    v->type != REDIS_REPLY_STRING)
				continue;
			memset(&ev, 0, sizeof(ev));
			ev.chan = id->str;
			ev.chan_len = id->len;
			ev.node = "";
			ev.id = start;
			if (w == 1) {
				ev.kind = STORE_KEY;
				ev.sender = "";
				ev.text = v->str;
				ev.text_len = v->len;
			} else {
				ev.kind = STORE_TOPIC;
				if (split_topic(v->str, v->len, &ev) < 0)
					continue;
			}
			each(ctx, &ev);
		}
		freeReplyObject(all);
	}
	return 0;
}

/* Paging and retention of the channels' streams. */

/*
 * Retention of one channel's stream, exact and bounded: of its oldest
 * batch lines, those older than the time or beyond the count to keep go,
 * up to the first that stays; XTRIM MINID drops them in one call (ids
 * are "<seq>-0").  Sent with EVAL: it runs once a minute per channel,
 * and Redis caches it.  KEYS: log.  ARGV: before (ms, 0 none), keep (0
 * none), batch.  Returns the lines deleted.
 */
static const char redis_log_trim_script[] =
    "local before = tonumber(ARGV[1])\n"
    "local over = 0\n"
    "if tonumber(ARGV[2]) > 0 then\n"
    "  over = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[2])\n"
    "end\n"
    "if over <= 0 and before == 0 then return 0 end\n"
    "local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', ARGV[3])\n"
    "local n = 0\n"
    "for i, v in ipairs(e) do\n"
    "  local old = i <= over\n"
    "  if not old and before > 0 then\n"
    "    local f = v[2]\n"
    "    for j = 1, #f - 1, 2 do\n"
    "      if f[j] == 't' then old = tonumber(f[j + 1]) < before end\n"
    "    end\n"
    "  end\n"
    "  if not old then break end\n"
    "  n = i\n"
    "end\n"
    "if n > 0 then\n"
    "  local seq = tonumber(string.match(e[n][1], '^(%d+)'))\n"
    "  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-0', seq + 1))\n"
    "end\n"
    "return n\n";

/* A page waiting for its reply. */
struct pending_page {
	redis_log_page_cb cb;
	void *ctx;
};

/* One stream entry, [id, [k, kind, t, time, s, sender, x, text]], as a
 * line; 0 if it has another shape. */
static int
line_of(const redisReply *e, struct store_line *l)
{
	struct redis_log_event ev;
	const char *id;
	size_t idlen;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    !str_of(e->element[0], &id, &idlen) ||
	    e->element[1]->type != REDIS_REPLY_ARRAY)
		return 0;
	memset(&ev, 0, sizeof(ev));
	fields_of(e->element[1], &ev);
	memset(l, 0, sizeof(*l));
	/* A channel's stream holds messages and actions only. */
	l->kind = ev.kind == STORE_ACT ? STORE_ACT : STORE_MSG;
	l->seq = num_of(id, idlen);
	l->time = ev.time;
	l->sender = ev.sender != NULL ? ev.sender : "";
	l->sender_len = ev.sender_len;
	l->text = ev.text != NULL ? ev.text : "";
	l->text_len = ev.text_len;
	return l->seq > 0;
}

/* XRANGE's or XREVRANGE's reply: the entries, in the order asked. */
static void
on_page(void *ctx, const redisReply *r, const char *err)
{
	struct pending_page *p = ctx;
	struct store_line *lines;
	char why[160];
	size_t i, n = 0;

	if (r == NULL) {
		p->cb(p->ctx, -1, NULL, 0, err);
	} else if (r->type != REDIS_REPLY_ARRAY) {
		reply_failure(NULL, r, why, sizeof(why));
		p->cb(p->ctx, -1, NULL, 0, why);
	} else if (r->elements == 0) {
		p->cb(p->ctx, 0, NULL, 0, NULL);
	} else if ((lines = calloc(r->elements, sizeof(*lines))) == NULL) {
		p->cb(p->ctx, -1, NULL, 0, "out of memory");
	} else {
		for (i = 0; i < r->elements; i++)
			if (line_of(r->element[i], &lines[n]))
				n++;
		p->cb(p->ctx, 0, lines, n, NULL);
		free(lines);
	}
	free(p);
}

int
redis_log_page(struct redis_log *lg, uint64_t now, const char *chan,
    size_t chan_len, enum cmd_dir dir, uint64_t seq, size_t count,
    redis_log_page_cb cb, void *ctx)
{
	char key[REDIS_LOG_KEY_SIZE], from[REDIS_LOG_ID_SIZE];
	char cnt[REDIS_LOG_NUM_SIZE];
	const char *argv[6];
	size_t lens[6];
	struct pending_page *p;
	int i;

	if (chan_len > PROTO_ID_MAX || count == 0 ||
	    count > REDIS_LOG_PAGE_MAX || dir >= CMD_DIR_COUNT ||
	    (dir == CMD_DIR_BEFORE && seq <= 1) ||
	    (dir == CMD_DIR_AFTER && seq == UINT64_MAX))
		return -1;
	snprintf(
	    key, sizeof(key), "%slog:%.*s", lg->prefix, (int)chan_len, chan);
	snprintf(cnt, sizeof(cnt), "%zu", count);
	argv[0] = dir == CMD_DIR_AFTER ? "XRANGE" : "XREVRANGE";
	argv[1] = key;
	/* Every id is "<seq>-0": the bounds are inclusive. */
	if (dir == CMD_DIR_AFTER) {
		snprintf(from, sizeof(from), "%" PRIu64 "-0", seq + 1);
		argv[2] = from;
		argv[3] = "+";
	} else if (dir == CMD_DIR_BEFORE) {
		snprintf(from, sizeof(from), "%" PRIu64 "-0", seq - 1);
		argv[2] = from;
		argv[3] = "-";
	} else {
		argv[2] = "+";
		argv[3] = "-";
	}
	argv[4] = "COUNT";
	argv[5] = cnt;
	for (i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	p = malloc(sizeof(*p));
	if (p == NULL)
		return -1;
	p->cb = cb;
	p->ctx = ctx;
	if (redis_link_command(lg->cmd, now, on_page, p, 6, argv, lens) < 0) {
		free(p);
		return -1;
	}
	return 0;
}

/* The trim script's reply: the lines deleted. */
static void
on_trimmed(void *ctx, const redisReply *r, const char *err)
{
	struct pending_append *p = ctx;
	char why[160];

	if (r == NULL) {
		p->cb(p->ctx, -1, 0, err);
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0) {
		p->cb(p->ctx, 0, (uint64_t)r->integer, NULL);
	} else {
		reply_failure(NULL, r, why, sizeof(why));
		p->cb(p->ctx, -1, 0, why);
	}
	free(p);
}

int
redis_log_trim(struct redis_log *lg, uint64_t now, const char *chan,
    size_t chan_len, uint64_t before_ms, uint64_t keep, size_t batch,
    redis_log_append_cb cb, void *ctx)
{
	char key[REDIS_LOG_KEY_SIZE], before[REDIS_LOG_NUM_SIZE];
	char kp[REDIS_LOG_NUM_SIZE], bt[REDIS_LOG_NUM_SIZE];
	const char *argv[7];
	size_t lens[7];
	int i;

	if (chan_len > PROTO_ID_MAX || batch == 0)
		return -1;
	snprintf(
	    key, sizeof(key), "%slog:%.*s", lg->prefix, (int)chan_len, chan);
	snprintf(before, sizeof(before), "%" PRIu64, before_ms);
	snprintf(kp, sizeof(kp), "%" PRIu64, keep);
	snprintf(bt, sizeof(bt), "%zu", batch);
	argv[0] = "EVAL";
	argv[1] = redis_log_trim_script;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = before;
	argv[5] = kp;
	argv[6] = bt;
	for (i = 0; i < 7; i++)
		lens[i] = strlen(argv[i]);
	return send_pending(lg, now, on_trimmed, cb, ctx, 7, argv, lens);
}

/* A publish's reply: 1, or why not. */
static void
on_published(void *ctx, const redisReply *r, const char *err)
{
	struct pending_append *p = ctx;
	char why[160];

	if (r == NULL) {
		p->cb(p->ctx, -1, 0, err);
	} else if (r->type == REDIS_REPLY_INTEGER) {
		p->cb(p->ctx, 0, 0, NULL);
	} else {
		reply_failure(p->lg, r, why, sizeof(why));
		p->cb(p->ctx, -1, 0, why);
	}
	free(p);
}

/* Sends a user's event; 0, or -1 if the link did not take it. */
static int
send_presence(struct redis_log *lg, const struct store_event *ev,
    redis_link_reply_cb cb, void *ctx)
{
	char time[REDIS_LOG_NUM_SIZE], ekeep[REDIS_LOG_NUM_SIZE];
	char tag[REDIS_LOG_NUM_SIZE];
	char kind[2];
	const char *argv[14];
	size_t lens[14];
	int i;

	kind[0] = presence_letter(ev->kind);
	/* A direct message's or delivery note's tag rides in seq. */
	snprintf(tag, sizeof(tag), "%" PRIu64, ev->seq);
	kind[1] = '\0';
	snprintf(time, sizeof(time), "%" PRIu64, ev->time);
	snprintf(ekeep, sizeof(ekeep), "%" PRIu64, lg->o.events_keep);
	argv[0] = "EVALSHA";
	argv[1] = lg->presence_sha;
	argv[2] = "1";
	argv[3] = lg->events_key;
	argv[4] = kind;
	argv[5] = ev->uid;
	argv[6] = ev->sender;
	argv[7] = ev->chan;
	argv[8] = ev->text;
	argv[9] = time;
	argv[10] = lg->node;
	argv[11] = ekeep;
	argv[12] = lg->prefix;
	argv[13] = tag;
	for (i = 0; i < 14; i++)
		lens[i] = i >= 5 && i <= 8 ? 0 : strlen(argv[i]);
	lens[5] = ev->uid_len;
	lens[6] = ev->sender_len;
	lens[7] = ev->chan_len;
	lens[8] = ev->text_len;
	for (i = 5; i <= 8; i++)
		if (argv[i] == NULL)
			argv[i] = "";
	return redis_link_command(lg->cmd, lg->now, cb, ctx, 14, argv, lens);
}

/* Keeps bev at the backlog's end, or drops it past the limit. */
static void
backlog_push(struct redis_log *lg, struct backlog_ev *bev)
{
	if (lg->nbacklog >= REDIS_LOG_BACKLOG_MAX) {
		lg->backlog_dropped++;
		free(bev);
		return;
	}
	bev->next = NULL;
	*lg->backlog_tail = bev;
	lg->backlog_tail = &bev->next;
	lg->nbacklog++;
}

/* A backlogged event's reply: taken, or lost on the way (kept again). */
static void
on_backlog_reply(void *ctx, const redisReply *r, const char *err)
{
	struct backlog_ev *bev = ctx;
	struct redis_log *lg = bev->lg;

	(void)err;
	/* An error reply would only repeat: the event goes. */
	if (r != NULL || lg->closing) {
		free(bev);
		return;
	}
	backlog_push(lg, bev);
}

/* Sends what waits, oldest first, while the link takes it. */
static void
flush_backlog(struct redis_log *lg)
{
	while (
	    lg->backlog != NULL && redis_link_state(lg->cmd) == REDIS_LINK_UP) {
		struct backlog_ev *bev = lg->backlog;

		if (send_presence(lg, &bev->ev, on_backlog_reply, bev) < 0)
			return;
		lg->backlog = bev->next;
		if (lg->backlog == NULL)
			lg->backlog_tail = &lg->backlog;
		lg->nbacklog--;
	}
}

/* A copy of ev that owns its strings, or NULL. */
static struct backlog_ev *
backlog_copy(struct redis_log *lg, const struct store_event *ev)
{
	size_t at = 0;
	struct backlog_ev *bev = malloc(sizeof(*bev) + ev->uid_len +
	    ev->sender_len + ev->chan_len + ev->text_len + 1);

	if (bev == NULL)
		return NULL;
	bev->lg = lg;
	bev->next = NULL;
	bev->ev = *ev;
#define BACKLOG_COPY(f, n)                                                     \
	do {                                                                   \
		if (ev->n > 0)                                                 \
			memcpy(bev->data + at, ev->f, ev->n);                  \
		bev->ev.f = bev->data + at;                                    \
		at += ev->n;                                                   \
	} while (0)
	BACKLOG_COPY(uid, uid_len);
	BACKLOG_COPY(sender, sender_len);
	BACKLOG_COPY(chan, chan_len);
	BACKLOG_COPY(text, text_len);
#undef BACKLOG_COPY
	return bev;
}

int
redis_log_publish(struct redis_log *lg, uint64_t now,
    const struct store_event *ev, redis_log_append_cb cb, void *ctx)
{
	struct pending_append *p;
	struct backlog_ev *bev;
	char letter = presence_letter(ev->kind);

	if (letter == 0 || letter == 'g' || ev->chan_len > PROTO_ID_MAX ||
	    ev->uid_len > PROTO_ID_MAX)
		return -1;
	lg->now = now;
	if (cb != NULL) {
		/* Someone waits for the answer: now or never. */
		p = malloc(sizeof(*p));
		if (p == NULL)
			return -1;
		p->lg = lg;
		p->cb = cb;
		p->ctx = ctx;
		if (send_presence(lg, ev, on_published, p) < 0) {
			free(p);
			return -1;
		}
		return 0;
	}
	bev = backlog_copy(lg, ev);
	if (bev == NULL)
		return -1;
	/* Behind those already waiting, so the order holds. */
	if (lg->backlog == NULL &&
	    send_presence(lg, &bev->ev, on_backlog_reply, bev) == 0)
		return 0;
	backlog_push(lg, bev);
	flush_backlog(lg);
	return 0;
}

void
redis_log_leave(struct redis_log *lg, uint64_t now)
{
	const char *argv[2] = {"DEL", lg->node_key};
	size_t lens[2];

	lg->now = now;
	lg->leaving = 1;
	if (redis_link_state(lg->cmd) != REDIS_LINK_UP)
		return;
	/* What users did last goes first; then they all go at once. */
	flush_backlog(lg);
	reap(lg, 1);
	lens[0] = 3;
	lens[1] = strlen(lg->node_key);
	(void)redis_link_command(lg->cmd, now, NULL, NULL, 2, argv, lens);
	redis_link_flush(lg->cmd);
}

size_t
redis_log_backlog(const struct redis_log *lg, uint64_t *dropped)
{
	if (dropped != NULL)
		*dropped = lg->backlog_dropped;
	return lg->nbacklog;
}

/* A blocking connection of the load functions, bounded by the timeout. */
static redisContext *
load_connect(struct redis_log *lg, char *err, size_t err_size)
{
	struct timeval tv;
	redisContext *rc;

	tv.tv_sec = (time_t)(lg->o.timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(lg->o.timeout_ms % 1000 * 1000);
	rc = redisConnectWithTimeout(lg->host, lg->port, tv);
	if (rc == NULL || rc->err) {
		snprintf(err, err_size, "redis %s:%d: %s", lg->host, lg->port,
		    rc != NULL ? rc->errstr : "out of memory");
		redisFree(rc);
		return NULL;
	}
	(void)redisSetTimeout(rc, tv);
	return rc;
}

/* Hands each one user or one membership of the snapshot as a join. */
static void
load_join(redis_log_event_cb each, void *ctx, const redisReply *uid,
    const redisReply *name, const char *chan, size_t chan_len)
{
	struct redis_log_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = STORE_JOIN;
	ev.uid = uid->str;
	ev.uid_len = uid->len;
	ev.sender = name->str;
	ev.sender_len = name->len;
	ev.chan = chan;
	ev.chan_len = chan_len;
	ev.text = "";
	ev.node = "";
	ev.id = "";
	each(ctx, &ev);
}

int
redis_log_load_users(struct redis_log *lg, redis_log_event_cb each, void *ctx,
    char *err, size_t err_size)
{
	redisContext *rc = load_connect(lg, err, err_size);
	redisReply *r = NULL, *all = NULL, **chans = NULL;
	size_t i, j, n = 0;
	int status = -1;

	if (rc == NULL)
		return -1;
	/* Users this node held before it stopped go first, announced. */
	r = redisCommand(rc, "EVAL %s 1 %s %s %" PRIu64 " %s %s",
	    redis_log_reap_script, lg->events_key, lg->prefix,
	    lg->o.events_keep, lg->node, lg->node);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		goto fail;
	all = redisCommand(rc, "HGETALL %suids", lg->prefix);
	if (all == NULL || all->type != REDIS_REPLY_ARRAY)
		goto fail;
	n = all->elements / 2;
	chans = calloc(n + 1, sizeof(*chans));
	if (chans == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (redisAppendCommand(rc, "SMEMBERS %such:%b", lg->prefix,
		        all->element[2 * i]->str,
		        all->element[2 * i]->len) != REDIS_OK)
			goto fail;
	for (i = 0; i < n; i++) {
		void *got = NULL;

		if (redisGetReply(rc, &got) != REDIS_OK || got == NULL)
			goto fail;
		chans[i] = got;
	}
	/* Every user first (with its personal channel), then the rest:
	 * a user may be in another's personal channel. */
	for (i = 0; i < n; i++) {
		const redisReply *uid = all->element[2 * i];
		const redisReply *name = all->element[2 * i + 1];

		if (uid->type == REDIS_REPLY_STRING &&
		    name->type == REDIS_REPLY_STRING)
			load_join(each, ctx, uid, name, uid->str, uid->len);
	}
	for (i = 0; i < n; i++) {
		const redisReply *uid = all->element[2 * i];
		const redisReply *name = all->element[2 * i + 1];

		if (uid->type != REDIS_REPLY_STRING ||
		    name->type != REDIS_REPLY_STRING ||
		    chans[i]->type != REDIS_REPLY_ARRAY)
			continue;
		for (j = 0; j < chans[i]->elements; j++) {
			const redisReply *ch = chans[i]->element[j];

			if (ch->type == REDIS_REPLY_STRING &&
			    (ch->len != uid->len ||
			        memcmp(ch->str, uid->str, ch->len) != 0))
				load_join(
				    each, ctx, uid, name, ch->str, ch->len);
		}
	}
	status = 0;
fail:
	if (status < 0)
		snprintf(err, err_size, "redis %s:%d: cannot load users: %s",
		    lg->host, lg->port,
		    rc->err ? rc->errstr
		        : r != NULL && r->type == REDIS_REPLY_ERROR
		        ? r->str
		        : "unexpected reply");
	for (i = 0; chans != NULL && i < n; i++)
		freeReplyObject(chans[i]);
	free(chans);
	freeReplyObject(r);
	freeReplyObject(all);
	redisFree(rc);
	return status;
}

/*
 * A channel put back in a Redis that lost it, atomic in Redis, changing
 * nothing it has: the skeleton's id, the channel's record, its topic and
 * key, and its seq at least the node's.  KEYS: names, chans, topics,
 * keys, seq.  ARGV: id, skeleton, record, topic record ("" none), key
 * ("" none), seq.  Returns the id that holds the skeleton.
 */
static const char redis_log_restore_script[] =
    "redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[1])\n"
    "redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[3])\n"
    "if ARGV[4] ~= '' then redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[4])"
    " end\n"
    "if ARGV[5] ~= '' then redis.call('HSETNX', KEYS[4], ARGV[1], ARGV[5])"
    " end\n"
    "local seq = tonumber(redis.call('GET', KEYS[5]) or '0')\n"
    "if seq < tonumber(ARGV[6]) then redis.call('SET', KEYS[5], ARGV[6])"
    " end\n"
    "return redis.call('HGET', KEYS[1], ARGV[2])\n";

/* A restore waiting for its reply: what taken is told. */
struct restore_wait {
	redis_log_taken_cb taken;
	void *ctx;
	char id[PROTO_ID_MAX + 1];
	char name[PROTO_NAME_MAX + 1];
};

static void
on_restored(void *ctx, const redisReply *r, const char *err)
{
	struct restore_wait *w = ctx;
	char other[PROTO_ID_MAX + 1];

	(void)err;
	if (r != NULL && r->type == REDIS_REPLY_STRING &&
	    r->len < sizeof(other) &&
	    !(r->len == strlen(w->id) && memcmp(r->str, w->id, r->len) == 0) &&
	    w->taken != NULL) {
		memcpy(other, r->str, r->len);
		other[r->len] = '\0';
		w->taken(w->ctx, w->name, w->id, other);
	}
	free(w);
}

int
redis_log_restore(struct redis_log *lg, const struct redis_log_chan *ch,
    redis_log_taken_cb taken, void *ctx)
{
	/* The record: "name\ncreator\ntime"; the topic's: "by\ntime\ntext". */
	char rec[PROTO_NAME_MAX * 2 + REDIS_LOG_NUM_SIZE + 2];
	char top[PROTO_NAME_MAX + REDIS_LOG_NUM_SIZE + PROTO_TOPIC_MAX + 2];
	char names[REDIS_LOG_KEY_SIZE], chans[REDIS_LOG_KEY_SIZE];
	char topics[REDIS_LOG_KEY_SIZE], keys[REDIS_LOG_KEY_SIZE];
	char seqk[REDIS_LOG_KEY_SIZE], seq[REDIS_LOG_NUM_SIZE];
	const char *argv[14];
	size_t lens[14], rl = 0, tl = 0;
	struct restore_wait *w;
	int i;

	if (ch->id_len > PROTO_ID_MAX || ch->name_len > PROTO_NAME_MAX ||
	    ch->creator_len > PROTO_NAME_MAX ||
	    ch->topic_by_len > PROTO_NAME_MAX ||
	    ch->topic_len > PROTO_TOPIC_MAX || !redis_log_up(lg))
		return -1;
	rl = (size_t)snprintf(rec, sizeof(rec), "%.*s\n%.*s\n%" PRIu64,
	    (int)ch->name_len, ch->name, (int)ch->creator_len, ch->creator,
	    ch->created);
	if (ch->topic_len > 0)
		tl = (size_t)snprintf(top, sizeof(top),
		    "%.*s\n%" PRIu64 "\n%.*s", (int)ch->topic_by_len,
		    ch->topic_by, ch->topic_time, (int)ch->topic_len,
		    ch->topic);
	snprintf(names, sizeof(names), "%snames", lg->prefix);
	snprintf(chans, sizeof(chans), "%schans", lg->prefix);
	snprintf(topics, sizeof(topics), "%stopics", lg->prefix);
	snprintf(keys, sizeof(keys), "%skeys", lg->prefix);
	snprintf(seqk, sizeof(seqk), "%sseq:%.*s", lg->prefix, (int)ch->id_len,
	    ch->id);
	snprintf(seq, sizeof(seq), "%" PRIu64, ch->seq);
	argv[0] = "EVAL";
	argv[1] = redis_log_restore_script;
	argv[2] = "5";
	argv[3] = names;
	argv[4] = chans;
	argv[5] = topics;
	argv[6] = keys;
	argv[7] = seqk;
	for (i = 0; i < 8; i++)
		lens[i] = strlen(argv[i]);
	argv[8] = ch->id;
	lens[8] = ch->id_len;
	argv[9] = ch->skel;
	lens[9] = ch->skel_len;
	argv[10] = rec;
	lens[10] = rl;
	argv[11] = top;
	lens[11] = tl;
	argv[12] = ch->key != NULL ? ch->key : "";
	lens[12] = ch->key_len;
	argv[13] = seq;
	lens[13] = strlen(seq);
	w = malloc(sizeof(*w));
	if (w == NULL)
		return -1;
	w->taken = taken;
	w->ctx = ctx;
	snprintf(w->id, sizeof(w->id), "%.*s", (int)ch->id_len, ch->id);
	snprintf(w->name, sizeof(w->name), "%.*s", (int)ch->name_len, ch->name);
	if (redis_link_command(
	        lg->cmd, lg->now, on_restored, w, 14, argv, lens) < 0) {
		free(w);
		return -1;
	}
	return 0;
}

/* A name claimed again, waiting for its reply. */
struct reclaim_wait {
	redis_log_held_cb held;
	void *ctx;
	char name[PROTO_NAME_MAX + 1];
};

/* The claim script's reply: {0, id} held by a live node. */
static void
on_reclaimed(void *ctx, const redisReply *r, const char *err)
{
	struct reclaim_wait *w = ctx;

	(void)err;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[0]->integer == 0 && w->held != NULL)
		w->held(w->ctx, w->name);
	free(w);
}

int
redis_log_reclaim(struct redis_log *lg, const char *name, size_t name_len,
    const char *skel, size_t skel_len, redis_log_held_cb held, void *ctx)
{
	const char *argv[8] = {"EVALSHA", lg->claim_sha, "2", lg->users_key,
	    lg->events_key, skel, lg->node, lg->nodes_pfx};
	size_t lens[8];
	struct reclaim_wait *w;
	int i;

	if (name_len > PROTO_NAME_MAX || !redis_log_up(lg))
		return -1;
	for (i = 0; i < 8; i++)
		lens[i] = i == 5 ? skel_len : strlen(argv[i]);
	w = malloc(sizeof(*w));
	if (w == NULL)
		return -1;
	w->held = held;
	w->ctx = ctx;
	snprintf(w->name, sizeof(w->name), "%.*s", (int)name_len, name);
	if (redis_link_command(
	        lg->cmd, lg->now, on_reclaimed, w, 8, argv, lens) < 0) {
		free(w);
		return -1;
	}
	return 0;
}

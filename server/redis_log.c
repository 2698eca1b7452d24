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
 * kind, time, sender, text, channel, channel keep, events keep, node.
 */
static const char redis_log_script[] =
    "local seq = redis.call('INCR', KEYS[1])\n"
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
 * gone, and its names with it).  KEYS: users (skeleton -> node).  ARGV:
 * skeleton, this node, the liveness keys' prefix.  1 claimed, 0 taken.
 */
static const char redis_log_claim_script[] =
    "local h = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if h and h ~= ARGV[2] and\n"
    "    redis.call('EXISTS', ARGV[3] .. h) == 1 then\n"
    "  return 0\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "return 1\n";

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
	char change_sha[41]; /* the topic and key script's */
	char users_key[REDIS_LOG_KEY_SIZE];
	char node_key[REDIS_LOG_KEY_SIZE];  /* this node's liveness */
	char nodes_pfx[REDIS_LOG_KEY_SIZE]; /* every node's, less the name */
	uint64_t renew_at; /* when the liveness key is set next */
	char host[256];    /* for redis_log_load_channels */
	int port;
	struct redis_link *cmd; /* appends */
	struct redis_link *rd;  /* the blocking reads */
	/* Where reading goes on from: set, or learnt when rd comes up. */
	char last_id[REDIS_LOG_ID_SIZE];
	int have_start; /* last_id says where to read from */
	int reading;    /* a read (or the start lookup) is waiting */
	uint64_t now;
};

/* An append waiting for its reply. */
struct pending_append {
	struct redis_log *lg;
	redis_log_append_cb cb;
	void *ctx;
};

static void read_next(struct redis_log *lg);

/* Sets this node's liveness key when due (every node_ttl_ms / 3). */
static void
renew(struct redis_log *lg)
{
	char ttl[REDIS_LOG_NUM_SIZE];
	const char *argv[5];
	size_t lens[5];
	int i;

	if (lg->now < lg->renew_at ||
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
}

static void
on_cmd_state(void *ctx, enum redis_link_state st, const char *why)
{
	struct redis_log *lg = ctx;
	const char *argv[3] = {"SCRIPT", "LOAD", redis_log_script};
	size_t lens[3] = {6, 4, sizeof(redis_log_script) - 1};

	if (st == REDIS_LINK_UP) {
		/* Queued before any append, so Redis knows the script by the
		 * time it runs one; the reply is the SHA-1 we computed. */
		(void)redis_link_command(
		    lg->cmd, lg->now, NULL, NULL, 3, argv, lens);
		argv[2] = redis_log_create_script;
		lens[2] = sizeof(redis_log_create_script) - 1;
		(void)redis_link_command(
		    lg->cmd, lg->now, NULL, NULL, 3, argv, lens);
		argv[2] = redis_log_claim_script;
		lens[2] = sizeof(redis_log_claim_script) - 1;
		(void)redis_link_command(
		    lg->cmd, lg->now, NULL, NULL, 3, argv, lens);
		argv[2] = redis_log_release_script;
		lens[2] = sizeof(redis_log_release_script) - 1;
		(void)redis_link_command(
		    lg->cmd, lg->now, NULL, NULL, 3, argv, lens);
		argv[2] = redis_log_change_script;
		lens[2] = sizeof(redis_log_change_script) - 1;
		(void)redis_link_command(
		    lg->cmd, lg->now, NULL, NULL, 3, argv, lens);
		/* Alive before the first claim: our names are kept. */
		lg->renew_at = 0;
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
	redis_link_free(lg->cmd);
	redis_link_free(lg->rd);
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
 * One stream entry, [id, [field, value, ...]], handed to on_event.
 * Entries of other shapes, or without a channel, are skipped.
 */
static void
deliver_entry(struct redis_log *lg, const redisReply *e)
{
	struct redis_log_event ev;
	const redisReply *f;
	const char *id, *k, *v;
	size_t idlen, klen, vlen, i;

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
	ev.kind = STORE_MSG;
	ev.id = lg->last_id;
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (!str_of(f->element[i], &k, &klen) || klen != 1 ||
		    !str_of(f->element[i + 1], &v, &vlen))
			continue;
		switch (k[0]) {
		case 'k':
			ev.kind = vlen != 1 ? STORE_MSG
			    : v[0] == 'a'   ? STORE_ACT
			    : v[0] == 'c'   ? STORE_CHANNEL
			    : v[0] == 't'   ? STORE_TOPIC
			    : v[0] == 'y'   ? STORE_KEY
			                    : STORE_MSG;
			break;
		case 'r':
			ev.tag = num_of(v, vlen);
			break;
		case 'c':
			ev.chan = v;
			ev.chan_len = vlen;
			break;
		case 'q':
			ev.seq = num_of(v, vlen);
			break;
		case 't':
			ev.time = num_of(v, vlen);
			break;
		case 's':
			ev.sender = v;
			ev.sender_len = vlen;
			break;
		case 'x':
			ev.text = v;
			ev.text_len = vlen;
			break;
		case 'n':
			ev.node = v;
			ev.node_len = vlen;
			break;
		}
	}
	/* A channel, topic or key has no seq; a message always has one. */
	if (ev.chan == NULL ||
	    (ev.seq == 0 && ev.kind != STORE_CHANNEL &&
	        ev.kind != STORE_TOPIC && ev.kind != STORE_KEY))
		return;
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

/* Why a reply is not the one a script gives: Redis's error, or its shape. */
static void
reply_failure(const redisReply *r, char *why, size_t size)
{
	if (r->type == REDIS_REPLY_ERROR)
		snprintf(why, size, "redis: %.*s", (int)r->len, r->str);
	else
		snprintf(why, size, "redis: unexpected reply");
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
		reply_failure(r, why, sizeof(why));
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
	char ekeep[REDIS_LOG_NUM_SIZE];
	const char *argv[14];
	size_t lens[14];
	struct pending_append *p;
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
	p = malloc(sizeof(*p));
	if (p == NULL)
		return -1;
	p->lg = lg;
	p->cb = cb;
	p->ctx = ctx;
	if (redis_link_command(lg->cmd, now, on_appended, p, 14, argv, lens) <
	    0) {
		free(p);
		return -1;
	}
	return 0;
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
	return a;
}

const char *
redis_log_last_id(const struct redis_log *lg)
{
	return lg->have_start ? lg->last_id : "";
}

/* A create waiting for its reply. */
struct pending_create {
	redis_log_append_cb cb;
	void *ctx;
};

/* The create script's reply: 1 made, 0 the name was taken first. */
static void
on_created(void *ctx, const redisReply *r, const char *err)
{
	struct pending_create *p = ctx;
	char why[160];

	if (r == NULL) {
		p->cb(p->ctx, -1, 0, err);
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
		p->cb(p->ctx, 0, 0, NULL);
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) {
		p->cb(p->ctx, 1, 0, NULL);
	} else {
		reply_failure(r, why, sizeof(why));
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
	struct pending_create *p;
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
	p = malloc(sizeof(*p));
	if (p == NULL)
		return -1;
	p->cb = cb;
	p->ctx = ctx;
	if (redis_link_command(lg->cmd, now, on_created, p, 14, argv, lens) <
	    0) {
		free(p);
		return -1;
	}
	return 0;
}

/* Splits "name\ncreator\ntime" into ev's text, sender and time. */
static int
split_chan(const char *v, size_t len, struct redis_log_event *ev)
{
	const char *a = memchr(v, '\n', len), *b;

	if (a == NULL)
		return -1;
	b = memchr(a + 1, '\n', len - (size_t)(a + 1 - v));
	if (b == NULL)
		return -1;
	ev->text = v;
	ev->text_len = (size_t)(a - v);
	ev->sender = a + 1;
	ev->sender_len = (size_t)(b - a - 1);
	ev->time = num_of(b + 1, len - (size_t)(b + 1 - v));
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

/* The claim script's reply: 1 claimed, 0 held by a live node. */
static void
on_claimed(void *ctx, const redisReply *r, const char *err)
{
	on_created(ctx, r, err);
}

int
redis_log_claim(struct redis_log *lg, uint64_t now, const char *skel,
    size_t skel_len, redis_log_append_cb cb, void *ctx)
{
	const char *argv[7] = {"EVALSHA", lg->claim_sha, "1", lg->users_key,
	    skel, lg->node, lg->nodes_pfx};
	size_t lens[7];
	struct pending_create *p;
	int i;

	for (i = 0; i < 7; i++)
		lens[i] = i == 4 ? skel_len : strlen(argv[i]);
	p = malloc(sizeof(*p));
	if (p == NULL)
		return -1;
	p->cb = cb;
	p->ctx = ctx;
	if (redis_link_command(lg->cmd, now, on_claimed, p, 7, argv, lens) <
	    0) {
		free(p);
		return -1;
	}
	return 0;
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
	struct pending_create *p;
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
	p = malloc(sizeof(*p));
	if (p == NULL)
		return -1;
	p->cb = cb;
	p->ctx = ctx;
	if (redis_link_command(lg->cmd, now, on_changed, p, 13, argv, lens) <
	    0) {
		free(p);
		return -1;
	}
	return 0;
}

/* Splits "by\ntime\ntext" into ev's sender, time and text. */
static int
split_topic(const char *v, size_t len, struct redis_log_event *ev)
{
	const char *a = memchr(v, '\n', len), *b;

	if (a == NULL)
		return -1;
	b = memchr(a + 1, '\n', len - (size_t)(a + 1 - v));
	if (b == NULL)
		return -1;
	ev->sender = v;
	ev->sender_len = (size_t)(a - v);
	ev->time = num_of(a + 1, (size_t)(b - a - 1));
	ev->text = b + 1;
	ev->text_len = len - (size_t)(b + 1 - v);
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
	const redisReply *f;
	const char *id, *k, *v;
	size_t idlen, klen, vlen, i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    !str_of(e->element[0], &id, &idlen) ||
	    e->element[1]->type != REDIS_REPLY_ARRAY)
		return 0;
	memset(l, 0, sizeof(*l));
	l->kind = STORE_MSG;
	l->seq = num_of(id, idlen);
	l->sender = l->text = "";
	f = e->element[1];
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (!str_of(f->element[i], &k, &klen) || klen != 1 ||
		    !str_of(f->element[i + 1], &v, &vlen))
			continue;
		switch (k[0]) {
		case 'k':
			l->kind =
			    vlen == 1 && v[0] == 'a' ? STORE_ACT : STORE_MSG;
			break;
		case 't':
			l->time = num_of(v, vlen);
			break;
		case 's':
			l->sender = v;
			l->sender_len = vlen;
			break;
		case 'x':
			l->text = v;
			l->text_len = vlen;
			break;
		}
	}
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
		reply_failure(r, why, sizeof(why));
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
	struct pending_create *p = ctx;
	char why[160];

	if (r == NULL) {
		p->cb(p->ctx, -1, 0, err);
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0) {
		p->cb(p->ctx, 0, (uint64_t)r->integer, NULL);
	} else {
		reply_failure(r, why, sizeof(why));
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
	struct pending_create *p;
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
	p = malloc(sizeof(*p));
	if (p == NULL)
		return -1;
	p->cb = cb;
	p->ctx = ctx;
	if (redis_link_command(lg->cmd, now, on_trimmed, p, 7, argv, lens) <
	    0) {
		free(p);
		return -1;
	}
	return 0;
}

/* registry.c: users, channels and memberships, indexed by hash tables. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "registry.h"
#include "valid.h"

/* Capacity of a member or channel array when it is first made. */
#define REGISTRY_ARRAY_MIN 4
/* Slots of the connection array when it is first made. */
#define REGISTRY_CONN_MIN 16
/*
 * Members at which a channel keeps a bitmap of its members' connections,
 * so that finding who shares a channel with a user ORs words instead of
 * visiting every member of every channel.  Below it, visiting is cheaper.
 */
#define REGISTRY_BITS_MIN 32
/* Connections per bitmap word. */
#define REGISTRY_WORD_BITS 64

/*
 * Kept small: the server holds one per connection.  Counts are 32-bit
 * because nobody joins four billion channels.
 */
struct user {
	struct hmap_node by_uid;
	struct hmap_node by_name;
	struct channel **chans;
	struct channel *owned; /* first channel u owns, linked by owned_next */
	uint32_t nchans;
	uint32_t chans_cap;
	int conn; /* the first of conns: bitmaps and sharers go by it */
	/*
	 * Every connection of the user, conn first: &conn itself (cap 0)
	 * until a second one attaches, then an array of its own.
	 */
	int *conns;
	uint32_t nconns;
	uint32_t conns_cap;
	unsigned char uid_len;
	unsigned char name_len;
	char uid[PROTO_ID_MAX + 1];
	char name[PROTO_NAME_MAX + 1];
};

struct channel {
	struct hmap_node by_id;
	struct hmap_node by_name; /* linked for REGISTRY_CHANNEL only */
	struct user **members;
	struct user *owner;
	/* The owner's list, so removing a user need not scan every channel. */
	struct channel *owned_next;
	struct channel **owned_prev;
	/*
	 * Members' connections as bits, or NULL: kept exact from
	 * REGISTRY_BITS_MIN members on, dropped if it cannot grow.
	 */
	uint64_t *bits;
	uint32_t nwords;
	void *data;
	size_t index; /* in registry.chans */
	uint32_t nmembers;
	uint32_t members_cap;
	enum registry_kind kind;
	unsigned char id_len;
	unsigned char name_len;
	char id[PROTO_ID_MAX + 1];
	char name[REGISTRY_CHAN_NAME_MAX + 1];
};

/*
 * One (user, channel) pair, found by hashing both pointers.  It records
 * where each side sits in the other's array so that leaving is a
 * swap-with-last in both arrays.
 */
struct membership {
	struct hmap_node node;
	struct user *u;
	struct channel *c;
	uint32_t ui; /* index of u in c->members */
	uint32_t ci; /* index of c in u->chans */
};

struct registry {
	void (*free_data)(void *data);
	struct hmap_key key; /* of every table: chosen names cannot collide */
	/* Connection ids are small and dense (server slots): an array. */
	struct user **by_conn;
	size_t conn_cap;
	/* One bit per slot of by_conn, all clear between calls: the union of
	 * registry_each_sharer. */
	uint64_t *scratch;
	struct hmap users_by_uid;
	struct hmap users_by_name;
	struct hmap chans_by_id;
	struct hmap chans_by_name;
	struct hmap memberships;
	struct channel **chans;
	size_t nchans;
	size_t chans_cap;
};

/*
 * The skeleton of a name (see valid_skeleton) into buf, which has room for
 * REGISTRY_CHAN_NAME_MAX bytes; its length, or -1 for a name longer than
 * any the registry holds.
 */
static long
registry_skeleton(const char *name, size_t len, char *buf)
{
	if (len > REGISTRY_CHAN_NAME_MAX)
		return -1;
	return (long)valid_skeleton(name, len, buf);
}

/* The hash of a name the registry holds: that of its skeleton. */
static uint32_t
registry_name_hash(const struct registry *r, const char *name, size_t len)
{
	char skel[REGISTRY_CHAN_NAME_MAX];
	long sl = registry_skeleton(name, len, skel);

	assert(sl >= 0);
	return hmap_hash(&r->key, skel, (size_t)sl);
}

/* Whether name's skeleton is skel. */
static int
registry_skeleton_is(
    const char *name, size_t len, const char *skel, size_t skel_len)
{
	char buf[REGISTRY_CHAN_NAME_MAX];

	return registry_skeleton(name, len, buf) == (long)skel_len &&
	    memcmp(buf, skel, skel_len) == 0;
}

static uint32_t
registry_pair_hash(
    const struct registry *r, const struct user *u, const struct channel *c)
{
	/*
	 * Every message looks its sender's membership up.  The pointers are
	 * the allocator's, which no client chooses, so a keyed multiply and
	 * the splitmix64 finaliser do here what SipHash does for names.
	 */
	uint64_t h = ((uint64_t)(uintptr_t)u ^ r->key.k0) * 0x9e3779b97f4a7c15u;

	h = (h ^ (uint64_t)(uintptr_t)c ^ r->key.k1) * 0xbf58476d1ce4e5b9u;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebu;
	h ^= h >> 29;
	return (uint32_t)h;
}

static struct membership *
registry_membership(
    const struct registry *r, const struct user *u, const struct channel *c)
{
	struct hmap_node *n;
	struct membership *m;

	for (n = hmap_first(&r->memberships, registry_pair_hash(r, u, c));
	     n != NULL; n = hmap_next(n)) {
		m = HMAP_ENTRY(n, struct membership, node);
		if (m->u == u && m->c == c)
			return m;
	}
	return NULL;
}

/*
 * Room for one more element in an array of count elements: returns arr, or
 * its larger copy, or NULL if out of memory (arr is then unchanged).
 */
static void *
registry_reserve32(void *arr, uint32_t count, uint32_t *cap, size_t size)
{
	uint32_t ncap;
	void *p;

	if (count < *cap)
		return arr;
	if (*cap == 0)
		ncap = REGISTRY_ARRAY_MIN;
	else if (*cap > UINT32_MAX / 2)
		return NULL;
	else
		ncap = *cap * 2;
	p = realloc(arr, (size_t)ncap * size);
	if (p == NULL)
		return NULL;
	*cap = ncap;
	return p;
}

/*
 * Halves an array that has become a quarter full, so a user who once sat
 * in many channels does not keep the memory.  Failing to shrink is harmless.
 */
static void *
registry_shrink32(void *arr, uint32_t count, uint32_t *cap, size_t size)
{
	void *p;

	if (*cap <= REGISTRY_ARRAY_MIN || count > *cap / 4)
		return arr;
	p = realloc(arr, (size_t)(*cap / 2) * size);
	if (p == NULL)
		return arr;
	*cap /= 2;
	return p;
}

struct registry *
registry_new(void (*free_data)(void *data), const struct hmap_key *key)
{
	struct registry *r;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->free_data = free_data;
	r->key = *key;
	return r;
}

void
registry_free(struct registry *r)
{
	size_t i;

	if (r == NULL)
		return;
	while (r->nchans > 0)
		registry_remove_channel(r, r->chans[r->nchans - 1]);
	for (i = 0; i < r->conn_cap; i++) {
		if (r->by_conn[i] != NULL)
			registry_remove_user(r, r->by_conn[i]);
	}
	/* Remote users have no connection: the uid index finds them. */
	for (i = 0;
	     r->users_by_uid.buckets != NULL && i <= r->users_by_uid.mask;
	     i++) {
		struct hmap_node *n = r->users_by_uid.buckets[i], *next;

		for (; n != NULL; n = next) {
			struct user *u = HMAP_ENTRY(n, struct user, by_uid);

			/* Channels went first: no membership or owned
			 * channel is left. */
			next = n->next;
			free(u->chans);
			free(u);
		}
	}
	hmap_clear(&r->users_by_uid);
	hmap_clear(&r->users_by_name);
	hmap_clear(&r->chans_by_id);
	hmap_clear(&r->chans_by_name);
	hmap_clear(&r->memberships);
	free(r->by_conn);
	free(r->scratch);
	free(r->chans);
	free(r);
}

/*
 * Grows a bitmap of old words to new words, the new ones clear; 0, or -1
 * if out of memory (*words is then unchanged).
 */
static int
registry_grow_words(uint64_t **words, size_t old, size_t new_words)
{
	uint64_t *p;

	if (new_words <= old)
		return 0;
	if (new_words > SIZE_MAX / sizeof(*p))
		return -1;
	p = realloc(*words, new_words * sizeof(*p));
	if (p == NULL)
		return -1;
	memset(p + old, 0, (new_words - old) * sizeof(*p));
	*words = p;
	return 0;
}

/* The word and bit of a connection in a bitmap. */
static size_t
registry_word(int conn)
{
	return (size_t)conn / REGISTRY_WORD_BITS;
}

static uint64_t
registry_bit(int conn)
{
	return (uint64_t)1 << ((unsigned)conn % REGISTRY_WORD_BITS);
}

/*
 * Sets u's bit in c's bitmap, or makes the bitmap once c is large enough.
 * Without memory the bitmap is dropped: it only saves time.
 */
static void
registry_bits_add(struct channel *c, const struct user *u)
{
	size_t w = registry_word(u->conn), i, need = 0;

	/* A remote user has no connection to mark. */
	if (u->conn < 0)
		return;
	if (c->bits == NULL) {
		if (c->nmembers < REGISTRY_BITS_MIN)
			return;
		for (i = 0; i < c->nmembers; i++) {
			if (c->members[i]->conn >= 0 &&
			    registry_word(c->members[i]->conn) + 1 > need)
				need = registry_word(c->members[i]->conn) + 1;
		}
		if (need > UINT32_MAX ||
		    registry_grow_words(&c->bits, 0, need) < 0)
			return;
		c->nwords = (uint32_t)need;
		for (i = 0; i < c->nmembers; i++) {
			if (c->members[i]->conn >= 0)
				c->bits[registry_word(c->members[i]->conn)] |=
				    registry_bit(c->members[i]->conn);
		}
		return;
	}
	if (w >= c->nwords) {
		if (w + 1 > UINT32_MAX ||
		    registry_grow_words(&c->bits, c->nwords, w + 1) < 0) {
			free(c->bits);
			c->bits = NULL;
			c->nwords = 0;
			return;
		}
		c->nwords = (uint32_t)(w + 1);
	}
	c->bits[w] |= registry_bit(u->conn);
}

/* Makes r->by_conn long enough to hold conn; -1 if out of memory. */
static int
registry_grow_conn(struct registry *r, int conn)
{
	struct user **p;
	size_t ncap;

	ncap = r->conn_cap == 0 ? REGISTRY_CONN_MIN : r->conn_cap * 2;
	if (ncap <= (size_t)conn)
		ncap = (size_t)conn + 1;
	if (ncap > SIZE_MAX / sizeof(*p))
		return -1;
	/* A larger scratch is harmless if the rest fails. */
	if (registry_grow_words(&r->scratch,
	        (r->conn_cap + REGISTRY_WORD_BITS - 1) / REGISTRY_WORD_BITS,
	        (ncap + REGISTRY_WORD_BITS - 1) / REGISTRY_WORD_BITS) < 0)
		return -1;
	p = realloc(r->by_conn, ncap * sizeof(*p));
	if (p == NULL)
		return -1;
	memset(p + r->conn_cap, 0, (ncap - r->conn_cap) * sizeof(*p));
	r->by_conn = p;
	r->conn_cap = ncap;
	return 0;
}

/*
 * A new user of conn (-1: remote) in the uid and name indexes; the caller
 * has checked the arguments.  PROTO_E_NONE or PROTO_E_NO_MEMORY.
 */
static enum proto_code
registry_new_user(struct registry *r, int conn, const char *uid, size_t uid_len,
    const char *name, size_t name_len, struct user **out)
{
	struct user *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return PROTO_E_NO_MEMORY;
	u->conn = conn;
	u->conns = &u->conn;
	u->nconns = conn >= 0 ? 1 : 0;
	memcpy(u->uid, uid, uid_len);
	u->uid_len = (unsigned char)uid_len;
	memcpy(u->name, name, name_len);
	u->name_len = (unsigned char)name_len;
	if (hmap_insert(&r->users_by_uid, &u->by_uid,
	        hmap_hash(&r->key, uid, uid_len)) < 0)
		goto fail;
	if (hmap_insert(&r->users_by_name, &u->by_name,
	        registry_name_hash(r, name, name_len)) < 0) {
		hmap_remove(&r->users_by_uid, &u->by_uid);
		goto fail;
	}
	if (conn >= 0)
		r->by_conn[conn] = u;
	*out = u;
	return PROTO_E_NONE;
fail:
	free(u);
	return PROTO_E_NO_MEMORY;
}

enum proto_code
registry_add_user(struct registry *r, int conn, const char *uid, size_t uid_len,
    const char *name, size_t name_len, struct user **out)
{
	if (conn < 0 || uid_len > PROTO_ID_MAX || name_len > PROTO_NAME_MAX)
		return PROTO_E_BAD_ARGS;
	if (registry_user_by_conn(r, conn) != NULL)
		return PROTO_E_ALREADY_REGISTERED;
	if (registry_user_by_uid(r, uid, uid_len) != NULL ||
	    registry_user_like(r, name, name_len) != NULL)
		return PROTO_E_NAME_TAKEN;
	/* A longer array with the same users is an unchanged registry. */
	if ((size_t)conn >= r->conn_cap && registry_grow_conn(r, conn) < 0)
		return PROTO_E_NO_MEMORY;
	return registry_new_user(r, conn, uid, uid_len, name, name_len, out);
}

enum proto_code
registry_add_remote(struct registry *r, const char *uid, size_t uid_len,
    const char *name, size_t name_len, struct user **out)
{
	if (uid_len > PROTO_ID_MAX || name_len > PROTO_NAME_MAX)
		return PROTO_E_BAD_ARGS;
	if (registry_user_by_uid(r, uid, uid_len) != NULL ||
	    registry_user_like(r, name, name_len) != NULL)
		return PROTO_E_NAME_TAKEN;
	return registry_new_user(r, -1, uid, uid_len, name, name_len, out);
}

/* Unlinks m from both arrays and the table and frees it. */
static void
registry_unlink(struct registry *r, struct membership *m)
{
	struct user *u = m->u;
	struct channel *c = m->c;
	struct membership *moved;
	uint32_t last;

	last = c->nmembers - 1;
	if (m->ui != last) {
		c->members[m->ui] = c->members[last];
		moved = registry_membership(r, c->members[m->ui], c);
		assert(moved != NULL);
		moved->ui = m->ui;
	}
	c->nmembers--;
	if (c->bits != NULL && u->conn >= 0)
		c->bits[registry_word(u->conn)] &= ~registry_bit(u->conn);
	last = u->nchans - 1;
	if (m->ci != last) {
		u->chans[m->ci] = u->chans[last];
		moved = registry_membership(r, u, u->chans[m->ci]);
		assert(moved != NULL);
		moved->ci = m->ci;
	}
	u->nchans--;
	hmap_remove(&r->memberships, &m->node);
	free(m);
	c->members = registry_shrink32(
	    c->members, c->nmembers, &c->members_cap, sizeof(*c->members));
	u->chans = registry_shrink32(
	    u->chans, u->nchans, &u->chans_cap, sizeof(*u->chans));
}

static void
registry_disown(struct channel *c)
{
	if (c->owner == NULL)
		return;
	*c->owned_prev = c->owned_next;
	if (c->owned_next != NULL)
		c->owned_next->owned_prev = c->owned_prev;
	c->owner = NULL;
	c->owned_next = NULL;
	c->owned_prev = NULL;
}

void
registry_remove_user(struct registry *r, struct user *u)
{
	uint32_t i;

	while (u->nchans > 0) {
		registry_unlink(
		    r, registry_membership(r, u, u->chans[u->nchans - 1]));
	}
	while (u->owned != NULL)
		registry_disown(u->owned);
	hmap_remove(&r->users_by_uid, &u->by_uid);
	hmap_remove(&r->users_by_name, &u->by_name);
	for (i = 0; i < u->nconns; i++)
		r->by_conn[u->conns[i]] = NULL;
	if (u->conns_cap > 0)
		free(u->conns);
	free(u->chans);
	free(u);
}

enum proto_code
registry_attach(struct registry *r, struct user *u, int conn)
{
	int *conns;

	if (conn < 0 || u->nconns == 0)
		return PROTO_E_BAD_ARGS;
	if (registry_user_by_conn(r, conn) != NULL)
		return PROTO_E_ALREADY_REGISTERED;
	if ((size_t)conn >= r->conn_cap && registry_grow_conn(r, conn) < 0)
		return PROTO_E_NO_MEMORY;
	if (u->conns_cap == 0) {
		conns = malloc(REGISTRY_ARRAY_MIN * sizeof(*conns));
		if (conns == NULL)
			return PROTO_E_NO_MEMORY;
		conns[0] = u->conn;
		u->conns = conns;
		u->conns_cap = REGISTRY_ARRAY_MIN;
	} else {
		conns = registry_reserve32(
		    u->conns, u->nconns, &u->conns_cap, sizeof(*conns));
		if (conns == NULL)
			return PROTO_E_NO_MEMORY;
		u->conns = conns;
	}
	u->conns[u->nconns++] = conn;
	r->by_conn[conn] = u;
	return PROTO_E_NONE;
}

enum proto_code
registry_detach(struct registry *r, struct user *u, int conn)
{
	uint32_t i, k;
	int old = u->conn;

	for (i = 0; i < u->nconns && u->conns[i] != conn; i++)
		continue;
	if (i == u->nconns || u->nconns < 2)
		return PROTO_E_BAD_ARGS;
	memmove(u->conns + i, u->conns + i + 1,
	    (u->nconns - i - 1) * sizeof(*u->conns));
	u->nconns--;
	r->by_conn[conn] = NULL;
	if (i > 0)
		return PROTO_E_NONE;
	/* The first went: the bitmaps follow the new first connection. */
	u->conn = u->conns[0];
	for (k = 0; k < u->nchans; k++) {
		struct channel *c = u->chans[k];

		if (c->bits == NULL)
			continue;
		if (registry_word(old) < c->nwords)
			c->bits[registry_word(old)] &= ~registry_bit(old);
		registry_bits_add(c, u);
	}
	return PROTO_E_NONE;
}

/*
 * Files node in table under hash, the hash of s[0..len), which becomes its
 * key: copied into key (terminated), its length into *key_len.  Cannot
 * fail: a table keeps its buckets after a removal.
 */
static void
registry_rekey(struct hmap *table, struct hmap_node *node, uint32_t hash,
    char *key, unsigned char *key_len, const char *s, size_t len)
{
	int rc;

	hmap_remove(table, node);
	memcpy(key, s, len);
	key[len] = '\0';
	*key_len = (unsigned char)len;
	rc = hmap_insert(table, node, hash);
	assert(rc == 0);
	(void)rc;
}

enum proto_code
registry_set_uid(
    struct registry *r, struct user *u, const char *uid, size_t len)
{
	struct user *other;
	struct channel *own, *ch;

	if (len > PROTO_ID_MAX)
		return PROTO_E_BAD_ARGS;
	other = registry_user_by_uid(r, uid, len);
	if (other != NULL && other != u)
		return PROTO_E_NAME_TAKEN;
	own = registry_channel_by_id(r, u->uid, u->uid_len);
	if (own != NULL && (own->kind != REGISTRY_PERSONAL || own->owner != u))
		own = NULL;
	ch = registry_channel_by_id(r, uid, len);
	if (ch != NULL && ch != own)
		return PROTO_E_CHANNEL_EXISTS;
	registry_rekey(&r->users_by_uid, &u->by_uid,
	    hmap_hash(&r->key, uid, len), u->uid, &u->uid_len, uid, len);
	if (own != NULL)
		registry_rekey(&r->chans_by_id, &own->by_id,
		    hmap_hash(&r->key, uid, len), own->id, &own->id_len, uid,
		    len);
	return PROTO_E_NONE;
}

enum proto_code
registry_rename_user(
    struct registry *r, struct user *u, const char *name, size_t len)
{
	struct user *other;

	if (len > PROTO_NAME_MAX)
		return PROTO_E_BAD_ARGS;
	other = registry_user_like(r, name, len);
	if (other != NULL && other != u)
		return PROTO_E_NAME_TAKEN;
	registry_rekey(&r->users_by_name, &u->by_name,
	    registry_name_hash(r, name, len), u->name, &u->name_len, name, len);
	return PROTO_E_NONE;
}

struct user *
registry_user_by_conn(const struct registry *r, int conn)
{
	if (conn < 0 || (size_t)conn >= r->conn_cap)
		return NULL;
	return r->by_conn[conn];
}

struct user *
registry_user_by_uid(const struct registry *r, const char *uid, size_t len)
{
	struct hmap_node *n;
	struct user *u;

	for (n = hmap_first(&r->users_by_uid, hmap_hash(&r->key, uid, len));
	     n != NULL; n = hmap_next(n)) {
		u = HMAP_ENTRY(n, struct user, by_uid);
		if (u->uid_len == len && memcmp(u->uid, uid, len) == 0)
			return u;
	}
	return NULL;
}

struct user *
registry_user_like(const struct registry *r, const char *name, size_t len)
{
	char skel[REGISTRY_CHAN_NAME_MAX];
	struct hmap_node *n;
	struct user *u;
	long sl = registry_skeleton(name, len, skel);

	if (sl < 0)
		return NULL;
	for (n = hmap_first(
	         &r->users_by_name, hmap_hash(&r->key, skel, (size_t)sl));
	     n != NULL; n = hmap_next(n)) {
		u = HMAP_ENTRY(n, struct user, by_name);
		if (registry_skeleton_is(
		        u->name, u->name_len, skel, (size_t)sl))
			return u;
	}
	return NULL;
}

struct user *
registry_user_by_name(const struct registry *r, const char *name, size_t len)
{
	/* Skeletons are unique, so the look-alike is the only candidate. */
	struct user *u = registry_user_like(r, name, len);

	if (u != NULL && valid_name_equal(u->name, u->name_len, name, len))
		return u;
	return NULL;
}

size_t
registry_user_count(const struct registry *r)
{
	return hmap_count(&r->users_by_uid);
}

const char *
user_name(const struct user *u)
{
	return u->name;
}

size_t
user_name_len(const struct user *u)
{
	return u->name_len;
}

const char *
user_uid(const struct user *u)
{
	return u->uid;
}

size_t
user_uid_len(const struct user *u)
{
	return u->uid_len;
}

int
user_conn(const struct user *u)
{
	return u->conn;
}

const int *
user_conns(const struct user *u, size_t *count)
{
	*count = u->nconns;
	return u->conns;
}

struct channel *const *
user_channels(const struct user *u, size_t *count)
{
	*count = u->nchans;
	return u->chans;
}

enum proto_code
registry_add_channel(struct registry *r, const char *id, size_t id_len,
    const char *name, size_t name_len, enum registry_kind kind,
    struct user *owner, struct channel **out)
{
	struct channel *c, **chans;
	size_t ncap;

	if (id_len > PROTO_ID_MAX || name_len > REGISTRY_CHAN_NAME_MAX ||
	    (kind != REGISTRY_CHANNEL && kind != REGISTRY_PERSONAL))
		return PROTO_E_BAD_ARGS;
	if (registry_channel_by_id(r, id, id_len) != NULL)
		return PROTO_E_CHANNEL_EXISTS;
	if (kind == REGISTRY_CHANNEL &&
	    registry_channel_like(r, name, name_len) != NULL)
		return PROTO_E_CHANNEL_EXISTS;
	if (r->nchans == r->chans_cap) {
		ncap =
		    r->chans_cap == 0 ? REGISTRY_ARRAY_MIN : r->chans_cap * 2;
		if (ncap > SIZE_MAX / sizeof(*chans))
			return PROTO_E_NO_MEMORY;
		chans = realloc(r->chans, ncap * sizeof(*chans));
		if (chans == NULL)
			return PROTO_E_NO_MEMORY;
		r->chans = chans;
		r->chans_cap = ncap;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return PROTO_E_NO_MEMORY;
	c->kind = kind;
	memcpy(c->id, id, id_len);
	c->id_len = (unsigned char)id_len;
	memcpy(c->name, name, name_len);
	c->name_len = (unsigned char)name_len;
	if (hmap_insert(
	        &r->chans_by_id, &c->by_id, hmap_hash(&r->key, id, id_len)) < 0)
		goto fail;
	if (kind == REGISTRY_CHANNEL &&
	    hmap_insert(&r->chans_by_name, &c->by_name,
	        registry_name_hash(r, name, name_len)) < 0) {
		hmap_remove(&r->chans_by_id, &c->by_id);
		goto fail;
	}
	c->index = r->nchans;
	r->chans[r->nchans++] = c;
	if (owner != NULL) {
		c->owner = owner;
		c->owned_next = owner->owned;
		if (owner->owned != NULL)
			owner->owned->owned_prev = &c->owned_next;
		c->owned_prev = &owner->owned;
		owner->owned = c;
	}
	*out = c;
	return PROTO_E_NONE;
fail:
	free(c);
	return PROTO_E_NO_MEMORY;
}

void
registry_remove_channel(struct registry *r, struct channel *c)
{
	struct channel *last;

	while (c->nmembers > 0) {
		registry_unlink(
		    r, registry_membership(r, c->members[c->nmembers - 1], c));
	}
	registry_disown(c);
	hmap_remove(&r->chans_by_id, &c->by_id);
	if (c->kind == REGISTRY_CHANNEL)
		hmap_remove(&r->chans_by_name, &c->by_name);
	last = r->chans[--r->nchans];
	r->chans[c->index] = last;
	last->index = c->index;
	if (c->data != NULL && r->free_data != NULL)
		r->free_data(c->data);
	free(c->members);
	free(c->bits);
	free(c);
}

enum proto_code
registry_rename_channel(
    struct registry *r, struct channel *c, const char *name, size_t len)
{
	struct channel *other;
	int rc;

	if (len > REGISTRY_CHAN_NAME_MAX)
		return PROTO_E_BAD_ARGS;
	if (c->kind == REGISTRY_CHANNEL) {
		other = registry_channel_like(r, name, len);
		if (other != NULL && other != c)
			return PROTO_E_CHANNEL_EXISTS;
		hmap_remove(&r->chans_by_name, &c->by_name);
	}
	memcpy(c->name, name, len);
	c->name[len] = '\0';
	c->name_len = (unsigned char)len;
	if (c->kind == REGISTRY_CHANNEL) {
		/* Cannot fail: the table keeps its buckets after a removal. */
		rc = hmap_insert(&r->chans_by_name, &c->by_name,
		    registry_name_hash(r, name, len));
		assert(rc == 0);
		(void)rc;
	}
	return PROTO_E_NONE;
}

struct channel *
registry_channel_by_id(const struct registry *r, const char *id, size_t len)
{
	struct hmap_node *n;
	struct channel *c;

	for (n = hmap_first(&r->chans_by_id, hmap_hash(&r->key, id, len));
	     n != NULL; n = hmap_next(n)) {
		c = HMAP_ENTRY(n, struct channel, by_id);
		if (c->id_len == len && memcmp(c->id, id, len) == 0)
			return c;
	}
	return NULL;
}

struct channel *
registry_channel_like(const struct registry *r, const char *name, size_t len)
{
	char skel[REGISTRY_CHAN_NAME_MAX];
	struct hmap_node *n;
	struct channel *c;
	long sl = registry_skeleton(name, len, skel);

	if (sl < 0)
		return NULL;
	for (n = hmap_first(
	         &r->chans_by_name, hmap_hash(&r->key, skel, (size_t)sl));
	     n != NULL; n = hmap_next(n)) {
		c = HMAP_ENTRY(n, struct channel, by_name);
		if (registry_skeleton_is(
		        c->name, c->name_len, skel, (size_t)sl))
			return c;
	}
	return NULL;
}

struct channel *
registry_channel_by_name(const struct registry *r, const char *name, size_t len)
{
	struct channel *c = registry_channel_like(r, name, len);

	if (c != NULL && valid_name_equal(c->name, c->name_len, name, len))
		return c;
	return NULL;
}

struct channel *const *
registry_channels(const struct registry *r, size_t *count)
{
	*count = r->nchans;
	return r->chans;
}

size_t
registry_channel_count(const struct registry *r)
{
	return r->nchans;
}

const char *
channel_id(const struct channel *c)
{
	return c->id;
}

size_t
channel_id_len(const struct channel *c)
{
	return c->id_len;
}

const char *
channel_name(const struct channel *c)
{
	return c->name;
}

size_t
channel_name_len(const struct channel *c)
{
	return c->name_len;
}

enum registry_kind
channel_kind(const struct channel *c)
{
	return c->kind;
}

struct user *
channel_owner(const struct channel *c)
{
	return c->owner;
}

struct user *const *
channel_members(const struct channel *c, size_t *count)
{
	*count = c->nmembers;
	return c->members;
}

size_t
channel_member_count(const struct channel *c)
{
	return c->nmembers;
}

void *
channel_data(const struct channel *c)
{
	return c->data;
}

void
channel_set_data(struct channel *c, void *data)
{
	c->data = data;
}

enum proto_code
registry_join(struct registry *r, struct user *u, struct channel *c)
{
	struct membership *m;
	struct channel **chans;
	struct user **members;

	if (registry_membership(r, u, c) != NULL)
		return PROTO_E_NONE;
	/*
	 * Larger arrays with the same elements are an unchanged registry, so
	 * they are grown first and only m needs undoing.
	 */
	chans = registry_reserve32(
	    u->chans, u->nchans, &u->chans_cap, sizeof(*chans));
	if (chans == NULL)
		return PROTO_E_NO_MEMORY;
	u->chans = chans;
	members = registry_reserve32(
	    c->members, c->nmembers, &c->members_cap, sizeof(*members));
	if (members == NULL)
		return PROTO_E_NO_MEMORY;
	c->members = members;
	m = malloc(sizeof(*m));
	if (m == NULL)
		return PROTO_E_NO_MEMORY;
	if (hmap_insert(
	        &r->memberships, &m->node, registry_pair_hash(r, u, c)) < 0) {
		free(m);
		return PROTO_E_NO_MEMORY;
	}
	m->u = u;
	m->c = c;
	m->ui = c->nmembers;
	m->ci = u->nchans;
	c->members[c->nmembers++] = u;
	u->chans[u->nchans++] = c;
	registry_bits_add(c, u);
	return PROTO_E_NONE;
}

enum proto_code
registry_leave(struct registry *r, struct user *u, struct channel *c)
{
	struct membership *m;

	m = registry_membership(r, u, c);
	if (m == NULL)
		return PROTO_E_NOT_MEMBER;
	registry_unlink(r, m);
	return PROTO_E_NONE;
}

int
registry_is_member(
    const struct registry *r, const struct user *u, const struct channel *c)
{
	return registry_membership(r, u, c) != NULL;
}

size_t
registry_each_sharer(struct registry *r, const struct user *u,
    void (*visit)(void *ctx, struct user *other), void *ctx)
{
	uint64_t *scratch = r->scratch, bits;
	size_t i, j, w, hi = 0, steps = 0;

	/* The union of u's channels, as one bitmap over connections. */
	for (i = 0; i < u->nchans; i++) {
		const struct channel *c = u->chans[i];

		if (c->bits != NULL) {
			for (w = 0; w < c->nwords; w++)
				scratch[w] |= c->bits[w];
			if (c->nwords > hi)
				hi = c->nwords;
			steps += c->nwords;
			continue;
		}
		for (j = 0; j < c->nmembers; j++) {
			int conn = c->members[j]->conn;

			if (conn < 0)
				continue;
			scratch[registry_word(conn)] |= registry_bit(conn);
			if (registry_word(conn) + 1 > hi)
				hi = registry_word(conn) + 1;
		}
		steps += c->nmembers;
	}
	/* Each sharer once, in connection order, leaving scratch clear. */
	for (w = 0; w < hi; w++) {
		bits = scratch[w];
		scratch[w] = 0;
		steps++;
		while (bits != 0) {
			int conn = (int)(w * REGISTRY_WORD_BITS) +
			    __builtin_ctzll(bits);

			bits &= bits - 1;
			if (conn != u->conn)
				visit(ctx, r->by_conn[conn]);
			steps++;
		}
	}
	return steps;
}

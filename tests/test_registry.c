/* test_registry.c: tests for users, channels and memberships. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define S8     "abcdefgh"
#define NAME32 S8 S8 S8 S8
#define NAME33 NAME32 "x"
#define NAME34 NAME33 "y"
#define ID64   NAME32 NAME32
#define ID65   ID64 "z"

/* Any key will do for these tests. */
static const struct hmap_key rkey = {0x0123456789abcdefu, 0xfedcba9876543210u};

/* Channel data that records how often it was freed. */
struct tracked {
	int *freed;
};

static void
tracked_free(void *data)
{
	struct tracked *t = data;

	(*t->freed)++;
	free(t);
}

static struct tracked *
tracked_new(int *freed)
{
	struct tracked *t = malloc(sizeof(*t));

	assert_non_null(t);
	t->freed = freed;
	return t;
}

static struct user *
add_user(struct registry *r, int conn, const char *uid, const char *name)
{
	struct user *u = NULL;

	assert_int_equal(registry_add_user(
	                     r, conn, uid, strlen(uid), name, strlen(name), &u),
	    PROTO_E_NONE);
	assert_non_null(u);
	return u;
}

static struct channel *
add_chan(struct registry *r, const char *id, const char *name,
    enum registry_kind kind, struct user *owner)
{
	struct channel *c = NULL;

	assert_int_equal(registry_add_channel(r, id, strlen(id), name,
	                     strlen(name), kind, owner, &c),
	    PROTO_E_NONE);
	assert_non_null(c);
	return c;
}

static struct user *
by_name(struct registry *r, const char *name)
{
	return registry_user_by_name(r, name, strlen(name));
}

static struct user *
by_uid(struct registry *r, const char *uid)
{
	return registry_user_by_uid(r, uid, strlen(uid));
}

static struct channel *
chan_by_name(struct registry *r, const char *name)
{
	return registry_channel_by_name(r, name, strlen(name));
}

static struct channel *
chan_by_id(struct registry *r, const char *id)
{
	return registry_channel_by_id(r, id, strlen(id));
}

/* Non-zero if p is among the n pointers of arr. */
static int
contains(const void *const *arr, size_t n, const void *p)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (arr[i] == p)
			return 1;
	}
	return 0;
}

static int
in_channel(const struct channel *c, const struct user *u)
{
	size_t n;
	struct user *const *m = channel_members(c, &n);

	return contains((const void *const *)m, n, u);
}

static int
in_user(const struct user *u, const struct channel *c)
{
	size_t n;
	struct channel *const *ch = user_channels(u, &n);

	return contains((const void *const *)ch, n, c);
}

struct add_user_case {
	int conn;
	const char *uid;
	const char *name;
	enum proto_code want;
};

/* Applied in order to one registry. */
static void
test_add_user(void **state)
{
	static const struct add_user_case cases[] = {
	    {0, "10.0.0.1:1", "Alice", PROTO_E_NONE},
	    {1, "10.0.0.1:2", "ALICE", PROTO_E_NAME_TAKEN},
	    {1, "10.0.0.1:2", "alice", PROTO_E_NAME_TAKEN},
	    {1, "10.0.0.1:1", "bob", PROTO_E_NAME_TAKEN},
	    {0, "10.0.0.1:3", "carol", PROTO_E_ALREADY_REGISTERED},
	    /* A taken conn wins over a taken name. */
	    {0, "10.0.0.1:1", "alice", PROTO_E_ALREADY_REGISTERED},
	    {-1, "10.0.0.1:4", "dave", PROTO_E_BAD_ARGS},
	    {1, ID64, "bob", PROTO_E_NONE},
	    {2, ID65, "erin", PROTO_E_BAD_ARGS},
	    {2, "u2", NAME32, PROTO_E_NONE},
	    {3, "u3", NAME33, PROTO_E_BAD_ARGS},
	    {3, "u3", "ABCDEFGH" S8 S8 S8, PROTO_E_NAME_TAKEN},
	    /* Uids are exact bytes: "U2" is not "u2". */
	    {3, "U2", "frank", PROTO_E_NONE},
	    {4, "u2", "grace", PROTO_E_NAME_TAKEN},
	    /* A far connection grows the array. */
	    {1000, "u1000", "far", PROTO_E_NONE},
	    {999, "u999", "near", PROTO_E_NONE},
	    {5, "", "", PROTO_E_NONE},
	    {6, "", "x", PROTO_E_NAME_TAKEN},
	    {6, "y", "", PROTO_E_NAME_TAKEN},
	};
	struct registry *r = registry_new(NULL, &rkey);
	struct user *u;
	size_t i, n = 0;
	enum proto_code got;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u = NULL;
		got = registry_add_user(r, cases[i].conn, cases[i].uid,
		    strlen(cases[i].uid), cases[i].name, strlen(cases[i].name),
		    &u);
		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, (int)got,
			    (int)cases[i].want);
		if (got != PROTO_E_NONE)
			continue;
		n++;
		assert_ptr_equal(registry_user_by_conn(r, cases[i].conn), u);
		assert_ptr_equal(by_uid(r, cases[i].uid), u);
		assert_ptr_equal(by_name(r, cases[i].name), u);
		assert_int_equal(user_conn(u), cases[i].conn);
		assert_string_equal(user_uid(u), cases[i].uid);
		assert_int_equal(user_uid_len(u), strlen(cases[i].uid));
		assert_string_equal(user_name(u), cases[i].name);
		assert_int_equal(user_name_len(u), strlen(cases[i].name));
		assert_int_equal(registry_user_count(r), n);
	}
	assert_int_equal(registry_user_count(r), 7);
	assert_null(registry_user_by_conn(r, 4));
	assert_null(registry_user_by_conn(r, 998));
	assert_null(registry_user_by_conn(r, 1001));
	assert_null(registry_user_by_conn(r, 1 << 30));
	assert_null(registry_user_by_conn(r, -1));
	registry_free(r);
}

struct lookup_case {
	const char *key;
	size_t len; /* 0: strlen(key) */
	int want;   /* index into the users, or -1 */
};

static void
test_lookup_by_name(void **state)
{
	static const struct lookup_case cases[] = {
	    {"Alice", 0, 0},
	    {"ALICE", 0, 0},
	    {"alice", 0, 0},
	    {"aLiCe", 0, 0},
	    {"Ali", 0, -1},
	    {"Alicea", 0, -1},
	    {"Alice_", 0, 1},
	    {"alice_", 0, 1},
	    {"Alice_x", 6, 1}, /* only len bytes count */
	    {"Alice_x", 5, 0},
	    {"Al1ce", 0, -1},
	    {"ALICE\xc0", 0, -1},
	    {"bob", 0, -1},
	    {"", 0, -1},
	};
	struct registry *r = registry_new(NULL, &rkey);
	struct user *users[2];
	struct user *got;
	size_t i, len;

	(void)state;
	users[0] = add_user(r, 0, "u0", "Alice");
	users[1] = add_user(r, 1, "u1", "Alice_");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].key);
		got = registry_user_by_name(r, cases[i].key, len);
		if (cases[i].want < 0)
			assert_null(got);
		else
			assert_ptr_equal(got, users[cases[i].want]);
	}
	/* Uids are exact. */
	assert_ptr_equal(by_uid(r, "u0"), users[0]);
	assert_null(by_uid(r, "U0"));
	assert_null(by_uid(r, "u"));
	assert_null(by_uid(r, "u00"));
	registry_free(r);
}

struct rename_case {
	int who;
	const char *name;
	enum proto_code want;
};

static void
test_rename_user(void **state)
{
	static const struct rename_case cases[] = {
	    {0, "ALICE", PROTO_E_NONE}, /* own name, other case */
	    {0, "alice", PROTO_E_NONE},
	    {0, "alice", PROTO_E_NONE}, /* the same name */
	    {0, "Bob", PROTO_E_NAME_TAKEN},
	    {0, "BOB", PROTO_E_NAME_TAKEN},
	    {0, "carol", PROTO_E_NONE},
	    {1, "Alice", PROTO_E_NONE}, /* freed by the rename before */
	    {1, "Carol", PROTO_E_NAME_TAKEN},
	    {1, NAME32, PROTO_E_NONE},
	    {1, NAME33, PROTO_E_BAD_ARGS},
	    {0, NAME32, PROTO_E_NAME_TAKEN},
	    {0, "", PROTO_E_NONE},
	};
	struct registry *r = registry_new(NULL, &rkey);
	struct user *users[2], *u;
	char names[2][PROTO_NAME_MAX + 1] = {"alice", "bob"};
	size_t i, j;
	enum proto_code got;

	(void)state;
	users[0] = add_user(r, 0, "u0", names[0]);
	users[1] = add_user(r, 1, "u1", names[1]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u = users[cases[i].who];
		got = registry_rename_user(
		    r, u, cases[i].name, strlen(cases[i].name));
		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, (int)got,
			    (int)cases[i].want);
		if (got == PROTO_E_NONE)
			strcpy(names[cases[i].who], cases[i].name);
		/* Both users are found by their current names only. */
		for (j = 0; j < 2; j++) {
			assert_string_equal(user_name(users[j]), names[j]);
			assert_int_equal(
			    user_name_len(users[j]), strlen(names[j]));
			assert_ptr_equal(by_name(r, names[j]), users[j]);
		}
		assert_int_equal(registry_user_count(r), 2);
	}
	assert_null(by_name(r, "alice"));
	assert_null(by_name(r, "carol"));
	assert_null(by_name(r, "bob"));
	registry_free(r);
}

struct add_chan_case {
	const char *id;
	const char *name;
	enum registry_kind kind;
	enum proto_code want;
};

static void
test_add_channel(void **state)
{
	static const struct add_chan_case cases[] = {
	    {"c1", "#General", REGISTRY_CHANNEL, PROTO_E_NONE},
	    {"c2", "#general", REGISTRY_CHANNEL, PROTO_E_CHANNEL_EXISTS},
	    {"c2", "#GENERAL", REGISTRY_CHANNEL, PROTO_E_CHANNEL_EXISTS},
	    {"c1", "#other", REGISTRY_CHANNEL, PROTO_E_CHANNEL_EXISTS},
	    {"c1", "#other", REGISTRY_PERSONAL, PROTO_E_CHANNEL_EXISTS},
	    {"C1", "#other", REGISTRY_CHANNEL, PROTO_E_NONE},
	    /* Personal names may collide with anything. */
	    {"u0", "#general", REGISTRY_PERSONAL, PROTO_E_NONE},
	    {"u1", "#General", REGISTRY_PERSONAL, PROTO_E_NONE},
	    {"u2", "~" NAME32, REGISTRY_PERSONAL, PROTO_E_NONE},
	    {"u3", "~" NAME33, REGISTRY_PERSONAL, PROTO_E_BAD_ARGS},
	    {"c3", NAME33, REGISTRY_CHANNEL, PROTO_E_NONE},
	    {"c4", NAME34, REGISTRY_CHANNEL, PROTO_E_BAD_ARGS},
	    {ID64, "#long", REGISTRY_CHANNEL, PROTO_E_NONE},
	    {ID65, "#longer", REGISTRY_CHANNEL, PROTO_E_BAD_ARGS},
	    {"c5", "#x", (enum registry_kind)7, PROTO_E_BAD_ARGS},
	    /* A personal name does not block a named channel. */
	    {"c6", "~" NAME32, REGISTRY_CHANNEL, PROTO_E_NONE},
	};
	struct registry *r = registry_new(NULL, &rkey);
	struct channel *c, *const *all;
	size_t i, n = 0, count;
	enum proto_code got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = NULL;
		got = registry_add_channel(r, cases[i].id, strlen(cases[i].id),
		    cases[i].name, strlen(cases[i].name), cases[i].kind, NULL,
		    &c);
		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, (int)got,
			    (int)cases[i].want);
		if (got != PROTO_E_NONE)
			continue;
		n++;
		assert_ptr_equal(chan_by_id(r, cases[i].id), c);
		assert_string_equal(channel_id(c), cases[i].id);
		assert_int_equal(channel_id_len(c), strlen(cases[i].id));
		assert_string_equal(channel_name(c), cases[i].name);
		assert_int_equal(channel_name_len(c), strlen(cases[i].name));
		assert_int_equal(channel_kind(c), cases[i].kind);
		assert_null(channel_owner(c));
		assert_null(channel_data(c));
		assert_int_equal(channel_member_count(c), 0);
		if (cases[i].kind == REGISTRY_CHANNEL)
			assert_ptr_equal(chan_by_name(r, cases[i].name), c);
		else
			assert_ptr_not_equal(chan_by_name(r, cases[i].name), c);
		assert_int_equal(registry_channel_count(r), n);
		all = registry_channels(r, &count);
		assert_int_equal(count, n);
		assert_true(contains((const void *const *)all, count, c));
	}
	assert_ptr_equal(chan_by_name(r, "#GENERAL"), chan_by_id(r, "c1"));
	assert_null(chan_by_name(r, "~" NAME32 "x"));
	assert_ptr_equal(chan_by_name(r, "~" NAME32), chan_by_id(r, "c6"));
	assert_null(chan_by_id(r, "c2"));
	assert_null(chan_by_id(r, "U0"));
	registry_free(r);
}

/* Personal channels are never found by name, even alone. */
static void
test_personal_not_by_name(void **state)
{
	struct registry *r = registry_new(NULL, &rkey);
	struct user *u;
	struct channel *c;

	(void)state;
	u = add_user(r, 0, "10.0.0.1:5", "alice");
	c = add_chan(r, "10.0.0.1:5", "~alice", REGISTRY_PERSONAL, u);
	assert_null(chan_by_name(r, "~alice"));
	assert_null(chan_by_name(r, "~ALICE"));
	assert_ptr_equal(chan_by_id(r, "10.0.0.1:5"), c);
	assert_ptr_equal(channel_owner(c), u);
	assert_int_equal(channel_member_count(c), 0);
	assert_int_equal(
	    registry_rename_channel(r, c, "~bob", 4), PROTO_E_NONE);
	assert_string_equal(channel_name(c), "~bob");
	assert_null(chan_by_name(r, "~bob"));
	registry_free(r);
}

struct rename_chan_case {
	int which;
	const char *name;
	enum proto_code want;
};

static void
test_rename_channel(void **state)
{
	static const struct rename_chan_case cases[] = {
	    {0, "#ROOM", PROTO_E_NONE}, /* own name, other case */
	    {0, "#Hall", PROTO_E_CHANNEL_EXISTS},
	    {0, "#hall", PROTO_E_CHANNEL_EXISTS},
	    {0, "#lobby", PROTO_E_NONE},
	    {1, "#room", PROTO_E_NONE}, /* freed by the rename before */
	    {1, "#LOBBY", PROTO_E_CHANNEL_EXISTS},
	    /* The personal channel may take any name. */
	    {2, "#lobby", PROTO_E_NONE},
	    {2, "#ROOM", PROTO_E_NONE},
	    {2, "~" NAME32, PROTO_E_NONE},
	    {2, "~" NAME33, PROTO_E_BAD_ARGS},
	    {0, NAME33, PROTO_E_NONE},
	    {0, NAME34, PROTO_E_BAD_ARGS},
	};
	struct registry *r = registry_new(NULL, &rkey);
	struct channel *chans[3];
	char names[3][REGISTRY_CHAN_NAME_MAX + 1] = {"#room", "#hall", "~me"};
	size_t i, j;
	enum proto_code got;

	(void)state;
	chans[0] = add_chan(r, "c0", names[0], REGISTRY_CHANNEL, NULL);
	chans[1] = add_chan(r, "c1", names[1], REGISTRY_CHANNEL, NULL);
	chans[2] = add_chan(r, "c2", names[2], REGISTRY_PERSONAL, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = registry_rename_channel(r, chans[cases[i].which],
		    cases[i].name, strlen(cases[i].name));
		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, (int)got,
			    (int)cases[i].want);
		if (got == PROTO_E_NONE)
			strcpy(names[cases[i].which], cases[i].name);
		for (j = 0; j < 3; j++) {
			assert_string_equal(channel_name(chans[j]), names[j]);
			assert_int_equal(
			    channel_name_len(chans[j]), strlen(names[j]));
		}
		assert_ptr_equal(chan_by_name(r, names[0]), chans[0]);
		assert_ptr_equal(chan_by_name(r, names[1]), chans[1]);
	}
	assert_null(chan_by_name(r, "#lobby"));
	assert_null(chan_by_name(r, "#hall"));
	assert_null(chan_by_name(r, "~" NAME32));
	registry_free(r);
}

static void
test_join_leave(void **state)
{
	struct registry *r = registry_new(NULL, &rkey);
	struct user *a, *b, *c;
	struct channel *x, *y;
	struct user *const *m;
	struct channel *const *ch;
	size_t n;

	(void)state;
	a = add_user(r, 0, "ua", "a");
	b = add_user(r, 1, "ub", "b");
	c = add_user(r, 2, "uc", "c");
	x = add_chan(r, "x", "#x", REGISTRY_CHANNEL, NULL);
	y = add_chan(r, "y", "#y", REGISTRY_CHANNEL, NULL);
	assert_false(registry_is_member(r, a, x));
	assert_int_equal(registry_leave(r, a, x), PROTO_E_NOT_MEMBER);

	assert_int_equal(registry_join(r, a, x), PROTO_E_NONE);
	assert_int_equal(registry_join(r, b, x), PROTO_E_NONE);
	assert_int_equal(registry_join(r, c, x), PROTO_E_NONE);
	/* Joining twice changes nothing. */
	assert_int_equal(registry_join(r, a, x), PROTO_E_NONE);
	assert_int_equal(channel_member_count(x), 3);
	m = channel_members(x, &n);
	assert_int_equal(n, 3);
	/* Join order. */
	assert_ptr_equal(m[0], a);
	assert_ptr_equal(m[1], b);
	assert_ptr_equal(m[2], c);
	ch = user_channels(a, &n);
	assert_int_equal(n, 1);
	assert_ptr_equal(ch[0], x);

	assert_int_equal(registry_join(r, a, y), PROTO_E_NONE);
	ch = user_channels(a, &n);
	assert_int_equal(n, 2);
	assert_ptr_equal(ch[0], x);
	assert_ptr_equal(ch[1], y);
	assert_true(registry_is_member(r, a, y));
	assert_false(registry_is_member(r, b, y));
	assert_int_equal(registry_leave(r, b, y), PROTO_E_NOT_MEMBER);

	/* Leaving from the front moves the last one into the gap. */
	assert_int_equal(registry_leave(r, a, x), PROTO_E_NONE);
	assert_false(registry_is_member(r, a, x));
	assert_int_equal(registry_leave(r, a, x), PROTO_E_NOT_MEMBER);
	m = channel_members(x, &n);
	assert_int_equal(n, 2);
	assert_true(in_channel(x, b) && in_channel(x, c));
	assert_false(in_channel(x, a));
	ch = user_channels(a, &n);
	assert_int_equal(n, 1);
	assert_ptr_equal(ch[0], y);
	/* The moved member's record was fixed: it can still leave. */
	assert_int_equal(registry_leave(r, c, x), PROTO_E_NONE);
	assert_int_equal(registry_leave(r, b, x), PROTO_E_NONE);
	assert_int_equal(channel_member_count(x), 0);
	/* An empty channel stays. */
	assert_ptr_equal(chan_by_name(r, "#x"), x);
	assert_int_equal(registry_channel_count(r), 2);
	(void)m;
	registry_free(r);
}

/* Many members and channels: arrays grow and shrink, indexes stay right. */
static void
test_join_many(void **state)
{
	enum { NU = 100, NC = 40 };
	struct registry *r = registry_new(NULL, &rkey);
	struct user *u[NU];
	struct channel *c[NC];
	char key[16];
	int i, j;

	(void)state;
	for (i = 0; i < NU; i++) {
		snprintf(key, sizeof(key), "u%d", i);
		u[i] = add_user(r, i, key, key);
	}
	for (j = 0; j < NC; j++) {
		snprintf(key, sizeof(key), "c%d", j);
		c[j] = add_chan(r, key, key, REGISTRY_CHANNEL, NULL);
	}
	for (i = 0; i < NU; i++) {
		for (j = 0; j < NC; j++)
			assert_int_equal(registry_join(r, u[i], c[j]), 0);
	}
	for (j = 0; j < NC; j++)
		assert_int_equal(channel_member_count(c[j]), NU);
	/* Leave in an order that moves elements both ways. */
	for (i = 0; i < NU; i++) {
		for (j = (i * 7) % NC; j < NC; j += 3)
			assert_int_equal(registry_leave(r, u[i], c[j]), 0);
	}
	for (i = 0; i < NU; i++) {
		for (j = 0; j < NC; j++) {
			int want =
			    !(j >= (i * 7) % NC && (j - (i * 7) % NC) % 3 == 0);

			assert_int_equal(
			    registry_is_member(r, u[i], c[j]), want);
			assert_int_equal(in_user(u[i], c[j]), want);
			assert_int_equal(in_channel(c[j], u[i]), want);
		}
	}
	registry_free(r);
}

static void
test_remove_user(void **state)
{
	struct registry *r = registry_new(NULL, &rkey);
	struct user *a, *b;
	struct channel *pa, *pb, *x, *y, *z;

	(void)state;
	a = add_user(r, 3, "ua", "Alice");
	b = add_user(r, 4, "ub", "bob");
	pa = add_chan(r, "ua", "~Alice", REGISTRY_PERSONAL, a);
	pb = add_chan(r, "ub", "~bob", REGISTRY_PERSONAL, b);
	x = add_chan(r, "x", "#x", REGISTRY_CHANNEL, a);
	y = add_chan(r, "y", "#y", REGISTRY_CHANNEL, b);
	z = add_chan(r, "z", "#z", REGISTRY_CHANNEL, a);
	assert_int_equal(registry_join(r, a, pa), 0);
	assert_int_equal(registry_join(r, a, x), 0);
	assert_int_equal(registry_join(r, b, x), 0);
	assert_int_equal(registry_join(r, a, y), 0);
	assert_int_equal(registry_join(r, b, y), 0);
	assert_int_equal(registry_join(r, a, pb), 0);

	registry_remove_user(r, a);
	assert_int_equal(registry_user_count(r), 1);
	assert_null(registry_user_by_conn(r, 3));
	assert_null(by_uid(r, "ua"));
	assert_null(by_name(r, "alice"));
	/* Channels stay, even empty, without a's membership or ownership. */
	assert_int_equal(registry_channel_count(r), 5);
	assert_ptr_equal(chan_by_id(r, "ua"), pa);
	assert_int_equal(channel_member_count(pa), 0);
	assert_null(channel_owner(pa));
	assert_null(channel_owner(x));
	assert_null(channel_owner(z));
	assert_ptr_equal(channel_owner(pb), b);
	assert_ptr_equal(channel_owner(y), b);
	assert_int_equal(channel_member_count(x), 1);
	assert_int_equal(channel_member_count(y), 1);
	assert_int_equal(channel_member_count(pb), 0);
	assert_true(in_channel(x, b) && in_channel(y, b));
	assert_true(registry_is_member(r, b, x));
	assert_int_equal(channel_member_count(z), 0);

	/* Conn, uid and name can be used again. */
	a = add_user(r, 3, "ua", "ALICE");
	assert_false(registry_is_member(r, a, x));
	assert_null(channel_owner(pa));
	/* Removing the owner of a channel removed before is fine. */
	registry_remove_channel(r, y);
	registry_remove_user(r, b);
	assert_null(channel_owner(pb));
	assert_int_equal(channel_member_count(x), 0);
	assert_int_equal(registry_user_count(r), 1);
	registry_free(r);
}

static void
test_remove_channel(void **state)
{
	struct registry *r = registry_new(tracked_free, &rkey);
	struct user *a, *b, *c;
	struct channel *x, *y, *z, *const *all;
	int freed_x = 0, freed_y = 0;
	size_t n;

	(void)state;
	a = add_user(r, 0, "ua", "a");
	b = add_user(r, 1, "ub", "b");
	c = add_user(r, 2, "uc", "c");
	x = add_chan(r, "x", "#X", REGISTRY_CHANNEL, a);
	y = add_chan(r, "y", "#y", REGISTRY_CHANNEL, NULL);
	z = add_chan(r, "z", "#z", REGISTRY_CHANNEL, NULL);
	channel_set_data(x, tracked_new(&freed_x));
	channel_set_data(y, tracked_new(&freed_y));
	assert_int_equal(registry_join(r, a, x), 0);
	assert_int_equal(registry_join(r, b, x), 0);
	assert_int_equal(registry_join(r, c, x), 0);
	assert_int_equal(registry_join(r, a, y), 0);
	assert_int_equal(registry_join(r, b, z), 0);
	assert_int_equal(registry_join(r, a, z), 0);

	registry_remove_channel(r, x);
	assert_int_equal(freed_x, 1);
	assert_int_equal(freed_y, 0);
	assert_int_equal(registry_channel_count(r), 2);
	assert_null(chan_by_id(r, "x"));
	assert_null(chan_by_name(r, "#x"));
	all = registry_channels(r, &n);
	assert_int_equal(n, 2);
	assert_true(contains((const void *const *)all, n, y));
	assert_true(contains((const void *const *)all, n, z));
	/* Every user left x and kept the rest. */
	assert_int_equal(user_channels(a, &n) != NULL, 1);
	assert_int_equal(n, 2);
	assert_true(in_user(a, y) && in_user(a, z));
	user_channels(b, &n);
	assert_int_equal(n, 1);
	assert_true(in_user(b, z));
	user_channels(c, &n);
	assert_int_equal(n, 0);
	assert_int_equal(channel_member_count(z), 2);
	assert_true(registry_is_member(r, a, z));
	assert_int_equal(registry_leave(r, a, z), PROTO_E_NONE);
	assert_int_equal(registry_leave(r, b, z), PROTO_E_NONE);

	/* The id and name can be used again. */
	x = add_chan(r, "x", "#x", REGISTRY_CHANNEL, NULL);
	assert_int_equal(channel_member_count(x), 0);
	/* A channel without data calls nothing. */
	registry_remove_channel(r, z);
	assert_int_equal(freed_y, 0);
	registry_free(r);
	assert_int_equal(freed_x, 1);
	assert_int_equal(freed_y, 1);
}

/* registry_free frees every channel's data exactly once. */
static void
test_free_data(void **state)
{
	enum { N = 12 };
	struct registry *r = registry_new(tracked_free, &rkey);
	struct user *u;
	struct channel *c;
	int freed[N] = {0};
	char key[16];
	int i;

	(void)state;
	u = add_user(r, 0, "u", "u");
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "c%d", i);
		c = add_chan(r, key, key,
		    i % 2 ? REGISTRY_CHANNEL : REGISTRY_PERSONAL,
		    i % 3 ? u : NULL);
		if (i % 4 != 3)
			channel_set_data(c, tracked_new(&freed[i]));
		assert_int_equal(registry_join(r, u, c), 0);
	}
	c = chan_by_id(r, "c5");
	assert_non_null(channel_data(c));
	assert_ptr_equal(((struct tracked *)channel_data(c))->freed, &freed[5]);
	registry_remove_channel(r, c);
	assert_int_equal(freed[5], 1);
	registry_free(r);
	for (i = 0; i < N; i++)
		assert_int_equal(freed[i], i % 4 != 3);

	/* Without free_data the data stays the caller's. */
	r = registry_new(NULL, &rkey);
	c = add_chan(r, "c", "#c", REGISTRY_CHANNEL, NULL);
	channel_set_data(c, &freed[0]);
	assert_ptr_equal(channel_data(c), &freed[0]);
	registry_free(r);
	registry_free(NULL);
}

/* registry_channels stays dense with each channel once. */
static void
test_channels_array(void **state)
{
	enum { N = 37 };
	struct registry *r = registry_new(NULL, &rkey);
	struct channel *c[N], *const *all;
	int live[N];
	char key[16];
	size_t n, k;
	int i, j, found;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "c%d", i);
		c[i] = add_chan(r, key, key, REGISTRY_CHANNEL, NULL);
		live[i] = 1;
	}
	for (i = 0; i < N; i += (i % 2) + 1) {
		registry_remove_channel(r, c[i]);
		live[i] = 0;
		all = registry_channels(r, &n);
		assert_int_equal(n, registry_channel_count(r));
		for (j = 0, k = 0; j < N; j++) {
			if (!live[j])
				continue;
			k++;
			for (found = 0; (size_t)found < n; found++) {
				if (all[found] == c[j])
					break;
			}
			assert_true((size_t)found < n);
		}
		assert_int_equal(k, n);
	}
	registry_free(r);
}

/*
 * The randomized model test: a naive model of arrays, compared with the
 * registry after every operation.
 */
enum { MU = 50, MC = 20, MNAMES = 80, MIDS = 70, MSTEPS = 4000 };

struct muser {
	struct user *p;
	char uid[16];
	char name[16];
};

struct mchan {
	struct channel *p;
	char id[16];
	char name[16];
	enum registry_kind kind;
	int owner; /* user slot, or -1 */
	int member[MU];
	int data; /* index into freed[], or -1 */
};

struct model {
	struct registry *r;
	uint32_t seed;
	struct muser u[MU];
	struct mchan c[MC];
	int freed[MSTEPS * 2];
	int ndata;
};

static uint32_t
rnd(struct model *m, uint32_t n)
{
	/* xorshift32: reproducible across platforms. */
	m->seed ^= m->seed << 13;
	m->seed ^= m->seed >> 17;
	m->seed ^= m->seed << 5;
	return m->seed % n;
}

/* Copies s into dst flipping the case of letters at random. */
static void
rnd_case(struct model *m, char *dst, const char *s)
{
	for (; *s != '\0'; s++, dst++) {
		*dst = *s;
		if (*s >= 'a' && *s <= 'z' && rnd(m, 2))
			*dst = (char)(*s - 'a' + 'A');
	}
	*dst = '\0';
}

static int
fold_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
		char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

static void
rnd_user_name(struct model *m, char *dst)
{
	char base[16];

	snprintf(base, sizeof(base), "name%u", (unsigned)rnd(m, MNAMES));
	rnd_case(m, dst, base);
}

static void
rnd_chan_name(struct model *m, char *dst)
{
	char base[16];

	snprintf(base, sizeof(base), "#room%u", (unsigned)rnd(m, MNAMES / 3));
	rnd_case(m, dst, base);
}

/* Uids and channel ids come from one pool so they can collide. */
static void
rnd_id(struct model *m, char *dst)
{
	char base[16];

	snprintf(base, sizeof(base), "id%u", (unsigned)rnd(m, MIDS));
	rnd_case(m, dst, base);
}

static void
model_add_user(struct model *m)
{
	int s = (int)rnd(m, MU), i;
	char uid[16], name[16];
	enum proto_code want = PROTO_E_NONE, got;
	struct user *p = NULL;

	rnd_id(m, uid);
	rnd_user_name(m, name);
	for (i = 0; i < MU; i++) {
		if (m->u[i].p != NULL &&
		    (strcmp(m->u[i].uid, uid) == 0 ||
		        fold_eq(m->u[i].name, name)))
			want = PROTO_E_NAME_TAKEN;
	}
	if (m->u[s].p != NULL)
		want = PROTO_E_ALREADY_REGISTERED;
	got = registry_add_user(
	    m->r, s, uid, strlen(uid), name, strlen(name), &p);
	assert_int_equal(got, want);
	if (got == PROTO_E_NONE) {
		m->u[s].p = p;
		strcpy(m->u[s].uid, uid);
		strcpy(m->u[s].name, name);
	}
}

static int
rnd_live_user(struct model *m)
{
	int s = (int)rnd(m, MU), i;

	for (i = 0; i < MU; i++) {
		if (m->u[(s + i) % MU].p != NULL)
			return (s + i) % MU;
	}
	return -1;
}

static int
rnd_live_chan(struct model *m)
{
	int s = (int)rnd(m, MC), i;

	for (i = 0; i < MC; i++) {
		if (m->c[(s + i) % MC].p != NULL)
			return (s + i) % MC;
	}
	return -1;
}

static void
model_remove_user(struct model *m)
{
	int s = rnd_live_user(m), j;

	if (s < 0)
		return;
	registry_remove_user(m->r, m->u[s].p);
	m->u[s].p = NULL;
	for (j = 0; j < MC; j++) {
		m->c[j].member[s] = 0;
		if (m->c[j].owner == s)
			m->c[j].owner = -1;
	}
}

static void
model_rename_user(struct model *m)
{
	int s = rnd_live_user(m), i;
	char name[16];
	enum proto_code want = PROTO_E_NONE;

	if (s < 0)
		return;
	rnd_user_name(m, name);
	for (i = 0; i < MU; i++) {
		if (i != s && m->u[i].p != NULL && fold_eq(m->u[i].name, name))
			want = PROTO_E_NAME_TAKEN;
	}
	assert_int_equal(
	    registry_rename_user(m->r, m->u[s].p, name, strlen(name)), want);
	if (want == PROTO_E_NONE)
		strcpy(m->u[s].name, name);
}

static void
model_add_chan(struct model *m)
{
	int s = (int)rnd(m, MC), i, owner;
	struct mchan *c = &m->c[s];
	char id[16], name[16];
	enum registry_kind kind;
	enum proto_code want = PROTO_E_NONE;
	struct channel *p = NULL;

	if (c->p != NULL)
		return;
	kind = rnd(m, 3) ? REGISTRY_CHANNEL : REGISTRY_PERSONAL;
	owner = rnd(m, 2) ? rnd_live_user(m) : -1;
	if (kind == REGISTRY_PERSONAL && owner >= 0 && rnd(m, 2))
		strcpy(id, m->u[owner].uid);
	else
		rnd_id(m, id);
	rnd_chan_name(m, name);
	for (i = 0; i < MC; i++) {
		if (m->c[i].p == NULL)
			continue;
		if (strcmp(m->c[i].id, id) == 0)
			want = PROTO_E_CHANNEL_EXISTS;
		if (kind == REGISTRY_CHANNEL &&
		    m->c[i].kind == REGISTRY_CHANNEL &&
		    fold_eq(m->c[i].name, name))
			want = PROTO_E_CHANNEL_EXISTS;
	}
	assert_int_equal(
	    registry_add_channel(m->r, id, strlen(id), name, strlen(name), kind,
	        owner >= 0 ? m->u[owner].p : NULL, &p),
	    want);
	if (want != PROTO_E_NONE)
		return;
	memset(c, 0, sizeof(*c));
	c->p = p;
	strcpy(c->id, id);
	strcpy(c->name, name);
	c->kind = kind;
	c->owner = owner;
	c->data = -1;
	if (rnd(m, 2)) {
		c->data = m->ndata++;
		channel_set_data(p, tracked_new(&m->freed[c->data]));
	}
}

static void
model_remove_chan(struct model *m)
{
	int s = rnd_live_chan(m);

	if (s < 0)
		return;
	registry_remove_channel(m->r, m->c[s].p);
	if (m->c[s].data >= 0)
		assert_int_equal(m->freed[m->c[s].data], 1);
	m->c[s].p = NULL;
}

static void
model_rename_chan(struct model *m)
{
	int s = rnd_live_chan(m), i;
	char name[16];
	enum proto_code want = PROTO_E_NONE;

	if (s < 0)
		return;
	rnd_chan_name(m, name);
	for (i = 0; i < MC; i++) {
		if (i != s && m->c[i].p != NULL &&
		    m->c[s].kind == REGISTRY_CHANNEL &&
		    m->c[i].kind == REGISTRY_CHANNEL &&
		    fold_eq(m->c[i].name, name))
			want = PROTO_E_CHANNEL_EXISTS;
	}
	assert_int_equal(
	    registry_rename_channel(m->r, m->c[s].p, name, strlen(name)), want);
	if (want == PROTO_E_NONE)
		strcpy(m->c[s].name, name);
}

static void
model_join_leave(struct model *m, int join)
{
	int u = rnd_live_user(m), c = rnd_live_chan(m);

	if (u < 0 || c < 0)
		return;
	if (join) {
		assert_int_equal(
		    registry_join(m->r, m->u[u].p, m->c[c].p), PROTO_E_NONE);
		m->c[c].member[u] = 1;
	} else {
		assert_int_equal(registry_leave(m->r, m->u[u].p, m->c[c].p),
		    m->c[c].member[u] ? PROTO_E_NONE : PROTO_E_NOT_MEMBER);
		m->c[c].member[u] = 0;
	}
}

static void
model_check(struct model *m)
{
	struct user *const *members;
	struct channel *const *chans;
	size_t n, k, nu = 0, nc = 0;
	char key[16];
	int i, j, hits;

	for (i = 0; i < MU; i++) {
		struct muser *u = &m->u[i];

		assert_ptr_equal(registry_user_by_conn(m->r, i), u->p);
		if (u->p == NULL)
			continue;
		nu++;
		assert_ptr_equal(by_uid(m->r, u->uid), u->p);
		rnd_case(m, key, u->name);
		assert_ptr_equal(by_name(m->r, key), u->p);
		assert_string_equal(user_name(u->p), u->name);
		assert_string_equal(user_uid(u->p), u->uid);
		assert_int_equal(user_conn(u->p), i);
		/* user_channels is exactly the model's set, no duplicates. */
		chans = user_channels(u->p, &n);
		for (j = 0, k = 0; j < MC; j++) {
			if (m->c[j].p == NULL || !m->c[j].member[i])
				continue;
			k++;
			assert_true(
			    contains((const void *const *)chans, n, m->c[j].p));
		}
		assert_int_equal(n, k);
	}
	assert_int_equal(registry_user_count(m->r), nu);

	for (j = 0; j < MC; j++) {
		struct mchan *c = &m->c[j];

		if (c->p == NULL)
			continue;
		nc++;
		assert_ptr_equal(chan_by_id(m->r, c->id), c->p);
		rnd_case(m, key, c->name);
		if (c->kind == REGISTRY_CHANNEL)
			assert_ptr_equal(chan_by_name(m->r, key), c->p);
		else
			assert_ptr_not_equal(chan_by_name(m->r, key), c->p);
		assert_string_equal(channel_name(c->p), c->name);
		assert_int_equal(channel_kind(c->p), c->kind);
		assert_ptr_equal(channel_owner(c->p),
		    c->owner >= 0 ? m->u[c->owner].p : NULL);
		assert_int_equal(channel_data(c->p) != NULL, c->data >= 0);
		members = channel_members(c->p, &n);
		assert_int_equal(channel_member_count(c->p), n);
		for (i = 0, k = 0; i < MU; i++) {
			if (m->u[i].p == NULL)
				continue;
			assert_int_equal(
			    registry_is_member(m->r, m->u[i].p, c->p),
			    c->member[i]);
			if (!c->member[i])
				continue;
			k++;
			assert_true(contains(
			    (const void *const *)members, n, m->u[i].p));
			assert_true(in_user(m->u[i].p, c->p));
		}
		assert_int_equal(n, k);
	}
	assert_int_equal(registry_channel_count(m->r), nc);
	chans = registry_channels(m->r, &n);
	assert_int_equal(n, nc);
	for (j = 0; j < MC; j++) {
		if (m->c[j].p != NULL)
			assert_true(
			    contains((const void *const *)chans, n, m->c[j].p));
	}

	/* Names and ids nobody has are not found. */
	for (i = 0; i < MNAMES; i++) {
		snprintf(key, sizeof(key), "NAME%d", i);
		for (j = 0, hits = 0; j < MU; j++)
			hits += m->u[j].p != NULL && fold_eq(m->u[j].name, key);
		assert_int_equal(by_name(m->r, key) != NULL, hits);
	}
	for (i = 0; i < MNAMES / 3; i++) {
		snprintf(key, sizeof(key), "#ROOM%d", i);
		for (j = 0, hits = 0; j < MC; j++)
			hits += m->c[j].p != NULL &&
			    m->c[j].kind == REGISTRY_CHANNEL &&
			    fold_eq(m->c[j].name, key);
		assert_int_equal(chan_by_name(m->r, key) != NULL, hits);
	}
	for (i = 0; i < MIDS; i++) {
		snprintf(key, sizeof(key), "id%d", i);
		for (j = 0, hits = 0; j < MU; j++)
			hits +=
			    m->u[j].p != NULL && strcmp(m->u[j].uid, key) == 0;
		assert_int_equal(by_uid(m->r, key) != NULL, hits);
		for (j = 0, hits = 0; j < MC; j++)
			hits +=
			    m->c[j].p != NULL && strcmp(m->c[j].id, key) == 0;
		assert_int_equal(chan_by_id(m->r, key) != NULL, hits);
	}
}

static void
run_model(uint32_t seed)
{
	struct model *m = calloc(1, sizeof(*m));
	int step, i;

	assert_non_null(m);
	m->seed = seed;
	m->r = registry_new(tracked_free, &rkey);
	assert_non_null(m->r);
	for (step = 0; step < MSTEPS; step++) {
		/*
		 * Removals are rarer than additions so that the registry
		 * fills up and channels get many members.
		 */
		switch (rnd(m, 16)) {
		case 0:
		case 1:
			model_add_user(m);
			break;
		case 2:
			if (rnd(m, 2))
				model_remove_user(m);
			break;
		case 3:
			model_rename_user(m);
			break;
		case 4:
		case 5:
			model_add_chan(m);
			break;
		case 6:
			if (rnd(m, 3) == 0)
				model_remove_chan(m);
			break;
		case 7:
			model_rename_chan(m);
			break;
		case 8:
		case 9:
		case 10:
		case 11:
		case 12:
			model_join_leave(m, 1);
			break;
		default:
			model_join_leave(m, 0);
			break;
		}
		model_check(m);
	}
	registry_free(m->r);
	for (i = 0; i < m->ndata; i++)
		assert_int_equal(m->freed[i], 1);
	free(m);
}

static void
test_model(void **state)
{
	(void)state;
	run_model(1);
	run_model(0x9e3779b9u);
	run_model(20240601u);
}

/*
 * Names are unique by skeleton: a look-alike of a user's or named
 * channel's name is taken, while lookups by name find only the spelling
 * (in any case) and registry_*_like finds the look-alike.
 */
static void
test_lookalikes(void **state)
{
	struct registry *r = registry_new(NULL, &rkey);
	struct user *alice, *bob, *u;
	struct channel *mall, *ch, *p;

	(void)state;
	assert_int_equal(
	    registry_add_user(r, 1, "u1", 2, "alice", 5, &alice), PROTO_E_NONE);
	assert_int_equal(
	    registry_add_user(r, 2, "u2", 2, "bob", 3, &bob), PROTO_E_NONE);
	assert_int_equal(registry_add_user(r, 3, "u3", 2, "aIice", 5, &u),
	    PROTO_E_NAME_TAKEN);
	assert_int_equal(registry_add_user(r, 3, "u3", 2, "a1ice", 5, &u),
	    PROTO_E_NAME_TAKEN);
	assert_int_equal(
	    registry_add_user(r, 3, "u3", 2, "B0B", 3, &u), PROTO_E_NAME_TAKEN);
	assert_int_equal(registry_user_count(r), 2);
	assert_ptr_equal(registry_user_by_name(r, "ALICE", 5), alice);
	assert_null(registry_user_by_name(r, "aIice", 5));
	assert_ptr_equal(registry_user_like(r, "aIice", 5), alice);
	assert_ptr_equal(registry_user_like(r, "b0b", 3), bob);
	assert_null(registry_user_like(r, "carol", 5));
	assert_null(registry_user_like(r, NAME33 NAME33, 66));
	/* Renaming: to another's look-alike no, to one's own yes. */
	assert_int_equal(
	    registry_rename_user(r, bob, "a1ice", 5), PROTO_E_NAME_TAKEN);
	assert_string_equal(user_name(bob), "bob");
	assert_int_equal(
	    registry_rename_user(r, alice, "AI1ce", 5), PROTO_E_NONE);
	assert_string_equal(user_name(alice), "AI1ce");
	assert_ptr_equal(registry_user_by_name(r, "ai1CE", 5), alice);
	assert_null(registry_user_by_name(r, "alice", 5));
	assert_ptr_equal(registry_user_like(r, "alice", 5), alice);
	/* The old skeleton is gone with the old name. */
	assert_int_equal(registry_rename_user(r, alice, "carol", 5), 0);
	assert_int_equal(
	    registry_add_user(r, 3, "u3", 2, "aIice", 5, &u), PROTO_E_NONE);

	/* Named channels alike; personal channels are not in the index. */
	assert_int_equal(registry_add_channel(r, "c1", 2, "#mall", 5,
	                     REGISTRY_CHANNEL, NULL, &mall),
	    PROTO_E_NONE);
	assert_int_equal(registry_add_channel(r, "c2", 2, "#rnaIl", 6,
	                     REGISTRY_CHANNEL, NULL, &ch),
	    PROTO_E_CHANNEL_EXISTS);
	assert_int_equal(registry_add_channel(r, "c2", 2, "#MA1L", 5,
	                     REGISTRY_CHANNEL, NULL, &ch),
	    PROTO_E_CHANNEL_EXISTS);
	assert_int_equal(registry_add_channel(r, "c2", 2, "#mall", 5,
	                     REGISTRY_PERSONAL, NULL, &p),
	    PROTO_E_NONE);
	assert_ptr_equal(registry_channel_by_name(r, "#MALL", 5), mall);
	assert_null(registry_channel_by_name(r, "#ma1l", 5));
	assert_ptr_equal(registry_channel_like(r, "#ma1l", 5), mall);
	assert_int_equal(registry_add_channel(r, "c3", 2, "#vvall", 6,
	                     REGISTRY_CHANNEL, NULL, &ch),
	    PROTO_E_NONE);
	assert_int_equal(registry_rename_channel(r, ch, "#rnall", 6),
	    PROTO_E_CHANNEL_EXISTS);
	assert_int_equal(registry_rename_channel(r, ch, "#wa1l", 5), 0);
	assert_ptr_equal(registry_channel_by_name(r, "#WA1L", 5), ch);
	registry_free(r);
}

/* What registry_each_sharer visited. */
struct visits {
	int conns[4096];
	size_t n;
};

static void
visit_cb(void *ctx, struct user *other)
{
	struct visits *v = ctx;

	assert_true(v->n < sizeof(v->conns) / sizeof(v->conns[0]));
	v->conns[v->n++] = user_conn(other);
}

/* The sharers of u, the slow way: conn -> 1 in seen (size > any conn). */
static void
naive_sharers(const struct user *u, unsigned char *seen, size_t size)
{
	size_t nch, i, j, nm;
	struct channel *const *chans = user_channels(u, &nch);

	memset(seen, 0, size);
	for (i = 0; i < nch; i++) {
		struct user *const *m = channel_members(chans[i], &nm);

		for (j = 0; j < nm; j++)
			seen[user_conn(m[j])] = 1;
	}
	seen[user_conn(u)] = 0;
}

/*
 * Every user sharing a channel, once, in connection order, without the
 * user itself: channels small and large (bitmaps), connections sparse and
 * growing, members joining and leaving, checked against the slow way.
 */
static void
test_each_sharer(void **state)
{
	enum { USERS = 300, CHANS = 12, CONN_MAX = 2000, ROUNDS = 4000 };
	static struct user *users[USERS];
	static struct channel *chans[CHANS];
	static unsigned char seen[CONN_MAX];
	static struct visits v;
	struct registry *r = registry_new(NULL, &rkey);
	unsigned long long rng = 12345;
	char name[16], uid[16];
	size_t i, k, want;
	int len, conn;

	(void)state;
	for (i = 0; i < USERS; i++) {
		/* Sparse connections: growth of the maps is exercised. */
		conn = (int)(i * 7 % CONN_MAX);
		len = snprintf(name, sizeof(name), "n%zu", i);
		snprintf(uid, sizeof(uid), "u%zu", i);
		assert_int_equal(registry_add_user(r, conn, uid, strlen(uid),
		                     name, (size_t)len, &users[i]),
		    PROTO_E_NONE);
	}
	for (k = 0; k < CHANS; k++) {
		len = snprintf(name, sizeof(name), "#c%zu", k);
		snprintf(uid, sizeof(uid), "c%zu", k);
		assert_int_equal(
		    registry_add_channel(r, uid, strlen(uid), name, (size_t)len,
		        REGISTRY_CHANNEL, NULL, &chans[k]),
		    PROTO_E_NONE);
	}
	for (i = 0; i < ROUNDS; i++) {
		struct user *u;
		struct channel *c;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		u = users[(rng >> 33) % USERS];
		/* Channel k draws about USERS / (k + 1) members. */
		k = (rng >> 20) % CHANS;
		c = chans[k];
		if ((rng >> 12) % (k + 2) == 0)
			assert_int_equal(registry_join(r, u, c), PROTO_E_NONE);
		else
			(void)registry_leave(r, u, c);
		if (i % 40 != 0)
			continue;
		for (k = 0; k < USERS; k += 13) {
			u = users[k];
			v.n = 0;
			naive_sharers(u, seen, sizeof(seen));
			(void)registry_each_sharer(r, u, visit_cb, &v);
			for (want = 0, conn = 0; conn < CONN_MAX; conn++)
				want += seen[conn];
			assert_int_equal(v.n, want);
			for (want = 0; want < v.n; want++) {
				assert_true(seen[v.conns[want]]);
				assert_true(want == 0 ||
				    v.conns[want] > v.conns[want - 1]);
			}
		}
	}
	registry_free(r);
}

/*
 * The mass disconnect, counted: 1500 users in the same 99
 * channels leave one by one, each announced to those sharing a channel.
 * Visiting every member of every channel (what the chat did) costs 99 x
 * 1500 x 1500 / 2 = 111 million steps; the bitmaps cost a word per 64
 * connections per channel and a step per sharer.
 */
static void
test_each_sharer_work(void **state)
{
	enum { USERS = 1500, CHANS = 99 };
	static struct user *users[USERS];
	static struct channel *chans[CHANS];
	static struct visits v;
	struct registry *r = registry_new(NULL, &rkey);
	unsigned long long steps = 0, naive = 0;
	char name[16];
	size_t i, k, nch, nm;
	int len;

	(void)state;
	for (i = 0; i < USERS; i++) {
		len = snprintf(name, sizeof(name), "n%zu", i);
		assert_int_equal(registry_add_user(r, (int)i, name, (size_t)len,
		                     name, (size_t)len, &users[i]),
		    PROTO_E_NONE);
	}
	for (k = 0; k < CHANS; k++) {
		len = snprintf(name, sizeof(name), "#c%zu", k);
		assert_int_equal(
		    registry_add_channel(r, name, (size_t)len, name,
		        (size_t)len, REGISTRY_CHANNEL, NULL, &chans[k]),
		    PROTO_E_NONE);
		for (i = 0; i < USERS; i++)
			assert_int_equal(
			    registry_join(r, users[i], chans[k]), PROTO_E_NONE);
	}
	for (i = 0; i < USERS; i++) {
		struct channel *const *uc = user_channels(users[i], &nch);

		for (k = 0; k < nch; k++) {
			(void)channel_members(uc[k], &nm);
			naive += nm;
		}
		v.n = 0;
		steps += registry_each_sharer(r, users[i], visit_cb, &v);
		assert_int_equal(v.n, USERS - 1 - i);
		registry_remove_user(r, users[i]);
	}
	assert_true(naive > 100000000ULL);
	/* 1500 x (99 x 24 words + 24 + sharers): under 5 million. */
	assert_true(steps < 5000000ULL);
	registry_free(r);
}

/*
 * One user, several connections (an account logged in twice): each
 * connection finds the user, the user is one member and one sharer, and
 * the bitmaps follow its first connection when that one goes.
 */
static void
test_several_connections(void **state)
{
	enum { OTHERS = 40 };
	struct registry *r = registry_new(NULL, &rkey);
	struct user *u, *v, *others[OTHERS];
	struct channel *big, *small;
	struct visits *vis = calloc(1, sizeof(*vis));
	const int *conns;
	size_t n, k, seen_u;
	char uid[32], name[32];

	assert_non_null(r);
	assert_non_null(vis);
	u = add_user(r, 1, "u1", "alice");
	v = add_user(r, 2, "u2", "bob");
	big = add_chan(r, "big", "#big", REGISTRY_CHANNEL, NULL);
	small = add_chan(r, "small", "#small", REGISTRY_CHANNEL, NULL);
	assert_int_equal(registry_join(r, u, big), PROTO_E_NONE);
	assert_int_equal(registry_join(r, u, small), PROTO_E_NONE);
	assert_int_equal(registry_join(r, v, small), PROTO_E_NONE);
	/* Enough members that the big channel keeps a bitmap. */
	for (k = 0; k < OTHERS; k++) {
		snprintf(uid, sizeof(uid), "o%zu", k);
		snprintf(name, sizeof(name), "other%zu", k);
		others[k] = add_user(r, 10 + (int)k, uid, name);
		assert_int_equal(
		    registry_join(r, others[k], big), PROTO_E_NONE);
	}

	/* Attach: a connection far beyond the others grows the arrays. */
	assert_int_equal(registry_attach(r, u, 5), PROTO_E_NONE);
	assert_int_equal(registry_attach(r, u, 300), PROTO_E_NONE);
	assert_int_equal(registry_attach(r, u, 5), PROTO_E_ALREADY_REGISTERED);
	assert_int_equal(registry_attach(r, u, 2), PROTO_E_ALREADY_REGISTERED);
	assert_int_equal(registry_attach(r, u, -1), PROTO_E_BAD_ARGS);
	assert_ptr_equal(registry_user_by_conn(r, 5), u);
	assert_ptr_equal(registry_user_by_conn(r, 300), u);
	conns = user_conns(u, &n);
	assert_int_equal(n, 3);
	assert_int_equal(conns[0], 1);
	assert_int_equal(conns[2], 300);
	assert_int_equal(registry_user_count(r), 2 + OTHERS);
	assert_int_equal(channel_member_count(big), 1 + OTHERS);

	/* The first connection goes: the user stays, in every channel. */
	assert_int_equal(registry_detach(r, u, 1), PROTO_E_NONE);
	assert_null(registry_user_by_conn(r, 1));
	assert_int_equal(user_conn(u), 5);
	assert_true(registry_is_member(r, u, big));
	assert_int_equal(registry_detach(r, u, 1), PROTO_E_BAD_ARGS);
	assert_int_equal(registry_detach(r, v, 2), PROTO_E_BAD_ARGS);
	/* Another user's sharers hold u once, under its new first conn. */
	vis->n = 0;
	(void)registry_each_sharer(r, others[0], visit_cb, vis);
	assert_int_equal(vis->n, OTHERS);
	for (k = 0, seen_u = 0; k < vis->n; k++) {
		assert_true(vis->conns[k] != 1);
		seen_u += vis->conns[k] == 5;
	}
	assert_int_equal(seen_u, 1);
	/* And u's sharers are everyone else, without u. */
	vis->n = 0;
	(void)registry_each_sharer(r, u, visit_cb, vis);
	assert_int_equal(vis->n, OTHERS + 1);
	for (k = 0; k < vis->n; k++)
		assert_true(vis->conns[k] != 5 && vis->conns[k] != 300);

	assert_int_equal(registry_detach(r, u, 300), PROTO_E_NONE);
	assert_int_equal(registry_detach(r, u, 5), PROTO_E_BAD_ARGS);
	assert_int_equal(registry_attach(r, u, 7), PROTO_E_NONE);
	/* Removing the user frees every connection it had. */
	registry_remove_user(r, u);
	assert_null(registry_user_by_conn(r, 5));
	assert_null(registry_user_by_conn(r, 7));
	assert_int_equal(channel_member_count(big), OTHERS);
	/* A user with several connections at free time is freed once. */
	assert_int_equal(registry_attach(r, v, 8), PROTO_E_NONE);
	free(vis);
	registry_free(r);
}

/*
 * A user whose first connection went takes another connection's uid, and
 * its personal channel the same id: the old uid is free for a new user.
 */
static void
test_set_uid(void **state)
{
	struct registry *r = registry_new(NULL, &rkey);
	struct user *u, *v, *w = NULL;
	struct channel *own, *chan, *ch = NULL;
	char long_uid[PROTO_ID_MAX + 2];

	assert_non_null(r);
	u = add_user(r, 1, "h:1", "alice");
	v = add_user(r, 2, "h:2", "bob");
	own = add_chan(r, "h:1", "~alice", REGISTRY_PERSONAL, u);
	chan = add_chan(r, "h:9", "#nine", REGISTRY_CHANNEL, NULL);
	assert_int_equal(registry_join(r, u, own), PROTO_E_NONE);
	assert_int_equal(registry_join(r, v, own), PROTO_E_NONE);
	assert_int_equal(registry_attach(r, u, 3), PROTO_E_NONE);

	/* Taken by another user or another channel: nothing changes. */
	assert_int_equal(registry_set_uid(r, u, "h:2", 3), PROTO_E_NAME_TAKEN);
	assert_int_equal(
	    registry_set_uid(r, u, "h:9", 3), PROTO_E_CHANNEL_EXISTS);
	memset(long_uid, 'x', sizeof(long_uid) - 1);
	long_uid[sizeof(long_uid) - 1] = '\0';
	assert_int_equal(registry_set_uid(r, u, long_uid, strlen(long_uid)),
	    PROTO_E_BAD_ARGS);
	assert_ptr_equal(by_uid(r, "h:1"), u);
	assert_ptr_equal(registry_channel_by_id(r, "h:1", 3), own);

	assert_int_equal(registry_detach(r, u, 1), PROTO_E_NONE);
	assert_int_equal(registry_set_uid(r, u, "h:3", 3), PROTO_E_NONE);
	assert_string_equal(user_uid(u), "h:3");
	assert_int_equal(user_uid_len(u), 3);
	assert_ptr_equal(by_uid(r, "h:3"), u);
	assert_null(by_uid(r, "h:1"));
	/* The personal channel moved with it, members and all. */
	assert_string_equal(channel_id(own), "h:3");
	assert_ptr_equal(registry_channel_by_id(r, "h:3", 3), own);
	assert_null(registry_channel_by_id(r, "h:1", 3));
	assert_ptr_equal(channel_owner(own), u);
	assert_int_equal(channel_member_count(own), 2);
	/* The old uid is a new user's, with a personal channel of its own. */
	assert_int_equal(
	    registry_add_user(r, 1, "h:1", 3, "carol", 5, &w), PROTO_E_NONE);
	assert_int_equal(registry_add_channel(r, "h:1", 3, "~carol", 6,
	                     REGISTRY_PERSONAL, w, &ch),
	    PROTO_E_NONE);
	/* Its own uid again changes nothing. */
	assert_int_equal(registry_set_uid(r, u, "h:3", 3), PROTO_E_NONE);
	assert_ptr_equal(registry_channel_by_id(r, "h:3", 3), own);
	/* A user without a personal channel moves alone. */
	assert_int_equal(registry_set_uid(r, v, "h:4", 3), PROTO_E_NONE);
	assert_ptr_equal(by_uid(r, "h:4"), v);
	assert_ptr_equal(registry_channel_by_id(r, "h:9", 3), chan);
	registry_free(r);
}

/*
 * A user of another server: no connection, found by uid and name, a
 * member and a name like any other, never visited as a sharer (in small
 * channels and in large ones with bitmaps), yet a local user sharing a
 * channel with it is visited when it is the one announced.  Freed with
 * the registry, channels and all.
 */
static void
test_remote_user(void **state)
{
	enum { LOCALS = 40 };
	struct registry *r = registry_new(NULL, &rkey);
	struct user *rem = NULL, *other = NULL, *u[LOCALS];
	struct channel *small, *big, *own;
	struct visits v;
	size_t n, i;
	char name[16];

	(void)state;
	assert_int_equal(
	    registry_add_remote(r, "n2/1.2.3.4:5", 12, "Rémy", 5, &rem),
	    PROTO_E_NONE);
	assert_int_equal(user_conn(rem), -1);
	(void)user_conns(rem, &n);
	assert_int_equal(n, 0);
	assert_ptr_equal(registry_user_by_uid(r, "n2/1.2.3.4:5", 12), rem);
	assert_ptr_equal(registry_user_by_name(r, "rémy", 5), rem);
	assert_int_equal(registry_user_count(r), 1);
	/* Its name and uid are taken, for local and remote users alike. */
	assert_int_equal(
	    registry_add_user(r, 0, "x", 1, "r\xc3\xa9my", 5, &other),
	    PROTO_E_NAME_TAKEN);
	assert_int_equal(
	    registry_add_remote(r, "n3/x", 4, "R\xc3\xa9my", 5, &other),
	    PROTO_E_NAME_TAKEN);
	other = add_user(r, 0, "x", "olga");
	assert_int_equal(
	    registry_add_remote(r, "n2/1.2.3.4:5", 12, "zed", 3, &other),
	    PROTO_E_NAME_TAKEN);
	assert_int_equal(registry_add_remote(r, ID65, 65, "zed", 3, &other),
	    PROTO_E_BAD_ARGS);
	/* No connection to attach to it or detach from it. */
	assert_int_equal(registry_attach(r, rem, 7), PROTO_E_BAD_ARGS);
	assert_null(registry_user_by_conn(r, 7));
	assert_int_equal(registry_detach(r, rem, -1), PROTO_E_BAD_ARGS);

	small = add_chan(r, "s", "#small", REGISTRY_CHANNEL, NULL);
	big = add_chan(r, "b", "#big", REGISTRY_CHANNEL, NULL);
	assert_int_equal(registry_add_channel(r, "n2/1.2.3.4:5", 12, "~Rémy", 6,
	                     REGISTRY_PERSONAL, rem, &own),
	    PROTO_E_NONE);
	assert_int_equal(registry_join(r, rem, own), PROTO_E_NONE);
	assert_int_equal(registry_join(r, rem, small), PROTO_E_NONE);
	assert_int_equal(registry_join(r, rem, big), PROTO_E_NONE);
	for (i = 0; i < LOCALS; i++) {
		snprintf(name, sizeof(name), "l%zu", i);
		u[i] = add_user(r, (int)i + 1, name, name);
		/* Large enough for a bitmap: past REGISTRY_BITS_MIN. */
		assert_int_equal(registry_join(r, u[i], big), PROTO_E_NONE);
	}
	assert_int_equal(channel_member_count(big), LOCALS + 1);
	/* A local user's sharers: every other local, never the remote. */
	v.n = 0;
	(void)registry_each_sharer(r, u[0], visit_cb, &v);
	assert_int_equal(v.n, LOCALS - 1);
	for (i = 0; i < v.n; i++)
		assert_true(v.conns[i] >= 2);
	/* The remote user's sharers: every local in a channel with it. */
	assert_int_equal(registry_join(r, other, small), PROTO_E_NONE);
	v.n = 0;
	(void)registry_each_sharer(r, rem, visit_cb, &v);
	assert_int_equal(v.n, LOCALS + 1);
	assert_int_equal(v.conns[0], 0);
	assert_int_equal(registry_leave(r, rem, big), PROTO_E_NONE);
	assert_int_equal(channel_member_count(big), LOCALS);
	v.n = 0;
	(void)registry_each_sharer(r, rem, visit_cb, &v);
	assert_int_equal(v.n, 1);
	/* Renamed and rejoined like anyone. */
	assert_int_equal(registry_rename_user(r, rem, "ray", 3), PROTO_E_NONE);
	assert_ptr_equal(registry_user_by_name(r, "ray", 3), rem);
	assert_int_equal(registry_join(r, rem, big), PROTO_E_NONE);
	/* Freed with everything still joined (the sanitizers check). */
	registry_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_user),
	    cmocka_unit_test(test_remote_user),
	    cmocka_unit_test(test_lookup_by_name),
	    cmocka_unit_test(test_rename_user),
	    cmocka_unit_test(test_add_channel),
	    cmocka_unit_test(test_personal_not_by_name),
	    cmocka_unit_test(test_rename_channel),
	    cmocka_unit_test(test_join_leave),
	    cmocka_unit_test(test_join_many),
	    cmocka_unit_test(test_remove_user),
	    cmocka_unit_test(test_remove_channel),
	    cmocka_unit_test(test_free_data),
	    cmocka_unit_test(test_channels_array),
	    cmocka_unit_test(test_model),
	    cmocka_unit_test(test_lookalikes),
	    cmocka_unit_test(test_each_sharer),
	    cmocka_unit_test(test_each_sharer_work),
	    cmocka_unit_test(test_several_connections),
	    cmocka_unit_test(test_set_uid),
	};

	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}

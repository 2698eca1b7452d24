/* registry.h: users, channels and the membership between them. */
#ifndef PROTO_REGISTRY_H
#define PROTO_REGISTRY_H

#include <stddef.h>

#include "hmap.h"
#include "proto.h"

/*
 * The registry is mechanism only: it keeps users (by connection, uid and
 * name), channels (by id and, for named channels, by name) and
 * memberships (both ways), with O(1) average lookups.  Names are indexed
 * by their skeleton (valid_skeleton): no two users, and no two named
 * channels, have names that look alike, while each keeps its spelling.
 * Chat rules such as limits, notifications and when to remove an empty
 * channel belong to the caller.  No I/O, no globals.
 *
 * Strings passed in are copied; strings returned are owned by the registry
 * and NUL-terminated, valid until their object is removed or renamed.
 */

struct registry;
struct user;
struct channel;

/*
 * Bytes in a channel name, no terminator: a personal channel is named "~"
 * and its owner's name.  Longer names and ids are PROTO_E_BAD_ARGS.
 */
#define REGISTRY_CHAN_NAME_MAX (PROTO_NAME_MAX + 1)

enum registry_kind {
	REGISTRY_CHANNEL,  /* made by create_chan; its name is unique */
	REGISTRY_PERSONAL, /* a user's own channel; id = the user's uid */
};

/*
 * A new empty registry.  free_data, if not NULL, is called on each channel's
 * data pointer when the channel is removed or the registry freed.  key (16
 * random bytes, copied) keys the hash of every index, so that nobody who
 * does not know it can choose names or ids that share a bucket.
 */
struct registry *registry_new(
    void (*free_data)(void *data), const struct hmap_key *key);
/* Frees everything (NULL does nothing). */
void registry_free(struct registry *r);

/*
 * Adds a user for connection conn (>= 0).  Returns PROTO_E_NONE and sets
 * *out, PROTO_E_ALREADY_REGISTERED if conn has a user, PROTO_E_NAME_TAKEN
 * if the uid is in use or a user's name looks like this one (has the same
 * skeleton, which takes in every case), or PROTO_E_NO_MEMORY.
 * PROTO_E_BAD_ARGS if conn < 0 or uid or name is longer than PROTO_ID_MAX
 * or PROTO_NAME_MAX.  On any error the registry is unchanged.
 */
enum proto_code registry_add_user(struct registry *r, int conn, const char *uid,
    size_t uid_len, const char *name, size_t name_len, struct user **out);

/*
 * Adds a user with no connection: one that another server holds and this
 * one mirrors.  It is a member, a sharer and a name like any other but is
 * never found by connection, has no connection to visit (user_conns
 * counts 0, user_conn is -1) and is skipped by registry_each_sharer's
 * visits.  Returns as registry_add_user, without its connection errors.
 */
enum proto_code registry_add_remote(struct registry *r, const char *uid,
    size_t uid_len, const char *name, size_t name_len, struct user **out);

/*
 * Removes the user from every channel and every index, forgets all its
 * connections and frees it.
 */
void registry_remove_user(struct registry *r, struct user *u);

/*
 * Several connections, one user (an account logged in twice): conn (>= 0)
 * becomes another connection of u, found by registry_user_by_conn.  The
 * user stays one member of its channels, one sharer.  PROTO_E_NONE,
 * PROTO_E_ALREADY_REGISTERED if conn has a user, PROTO_E_BAD_ARGS if
 * conn < 0, or PROTO_E_NO_MEMORY (then nothing changed).
 */
enum proto_code registry_attach(struct registry *r, struct user *u, int conn);
/*
 * Takes conn from u, which keeps its channels.  PROTO_E_BAD_ARGS if conn
 * is not u's or is its last: the last goes with registry_remove_user.
 */
enum proto_code registry_detach(struct registry *r, struct user *u, int conn);

/*
 * Gives u the uid of another of its connections (its first went): u and
 * the personal channel it owns under its old uid (REGISTRY_PERSONAL: id =
 * the owner's uid) take the new one, so that the old uid is free for a
 * new user.  PROTO_E_NAME_TAKEN if another user has that uid,
 * PROTO_E_CHANNEL_EXISTS if another channel has it as id, PROTO_E_BAD_ARGS
 * if it is longer than PROTO_ID_MAX; then nothing changed.
 */
enum proto_code registry_set_uid(
    struct registry *r, struct user *u, const char *uid, size_t len);

/*
 * Renames; PROTO_E_NAME_TAKEN if another user's name looks like it (same
 * skeleton), PROTO_E_BAD_ARGS if it is longer than PROTO_NAME_MAX.
 */
enum proto_code registry_rename_user(
    struct registry *r, struct user *u, const char *name, size_t len);

struct user *registry_user_by_conn(const struct registry *r, int conn);
struct user *registry_user_by_uid(
    const struct registry *r, const char *uid, size_t len);
/* The user of this name in any case, or NULL. */
struct user *registry_user_by_name(
    const struct registry *r, const char *name, size_t len);
/* The user whose name looks like name (the same skeleton), or NULL. */
struct user *registry_user_like(
    const struct registry *r, const char *name, size_t len);
size_t registry_user_count(const struct registry *r);

const char *user_name(const struct user *u);
size_t user_name_len(const struct user *u);
const char *user_uid(const struct user *u);
size_t user_uid_len(const struct user *u);
/* The user's first connection (of those still attached); -1: remote. */
int user_conn(const struct user *u);
/*
 * Every connection of the user, the first first; the array is the
 * registry's, valid until a connection attaches or detaches.
 */
const int *user_conns(const struct user *u, size_t *count);
/* The channels u is in; the array is the registry's, valid until u joins or
 * leaves. */
struct channel *const *user_channels(const struct user *u, size_t *count);

/*
 * Adds a channel.  Returns PROTO_E_NONE and sets *out, PROTO_E_CHANNEL_EXISTS
 * if the id is in use or (REGISTRY_CHANNEL) a named channel's name looks
 * like this one (the same skeleton), or PROTO_E_NO_MEMORY; PROTO_E_BAD_ARGS
 * if the id is longer than PROTO_ID_MAX, the name longer than
 * REGISTRY_CHAN_NAME_MAX or kind unknown.
 * owner may be NULL; it is not made a member.
 */
enum proto_code registry_add_channel(struct registry *r, const char *id,
    size_t id_len, const char *name, size_t name_len, enum registry_kind kind,
    struct user *owner, struct channel **out);

/* Removes every membership of c, frees its data and c itself. */
void registry_remove_channel(struct registry *r, struct channel *c);

/*
 * Renames; PROTO_E_CHANNEL_EXISTS if c is a named channel and another named
 * channel's name looks like it, PROTO_E_BAD_ARGS if it is longer than
 * REGISTRY_CHAN_NAME_MAX.
 */
enum proto_code registry_rename_channel(
    struct registry *r, struct channel *c, const char *name, size_t len);

struct channel *registry_channel_by_id(
    const struct registry *r, const char *id, size_t len);
/* Named channels only (REGISTRY_CHANNEL): this name in any case. */
struct channel *registry_channel_by_name(
    const struct registry *r, const char *name, size_t len);
/* The named channel whose name looks like name, or NULL. */
struct channel *registry_channel_like(
    const struct registry *r, const char *name, size_t len);
/* Every channel, in no particular order; valid until one is added or removed.
 */
struct channel *const *registry_channels(
    const struct registry *r, size_t *count);
size_t registry_channel_count(const struct registry *r);

const char *channel_id(const struct channel *c);
size_t channel_id_len(const struct channel *c);
const char *channel_name(const struct channel *c);
size_t channel_name_len(const struct channel *c);
enum registry_kind channel_kind(const struct channel *c);
/* The owner (personal channels), or NULL; cleared when the owner is removed. */
struct user *channel_owner(const struct channel *c);
/* The members, in join order until someone leaves; valid until the next join or
 * leave. */
struct user *const *channel_members(const struct channel *c, size_t *count);
size_t channel_member_count(const struct channel *c);
void *channel_data(const struct channel *c);
/*
 * Sets the data pointer; the registry frees it with free_data.  A pointer
 * it replaces is not freed.
 */
void channel_set_data(struct channel *c, void *data);

/*
 * Membership.  registry_join returns PROTO_E_NONE (also when already a
 * member: nothing changes) or PROTO_E_NO_MEMORY; registry_leave returns
 * PROTO_E_NONE or PROTO_E_NOT_MEMBER.  Neither removes an empty channel.
 */
enum proto_code registry_join(
    struct registry *r, struct user *u, struct channel *c);
enum proto_code registry_leave(
    struct registry *r, struct user *u, struct channel *c);
int registry_is_member(
    const struct registry *r, const struct user *u, const struct channel *c);

/*
 * Calls visit once for every other user who shares a channel with u, in
 * connection order; visit must not change the registry.  The work is the
 * members of u's small channels, a word per 64 connections of its large
 * ones, and one step per sharer: not every member of every channel, so
 * that a user in many channels with the same people is cheap to announce.
 * Returns the steps taken (for tests).
 */
size_t registry_each_sharer(struct registry *r, const struct user *u,
    void (*visit)(void *ctx, struct user *other), void *ctx);

#endif

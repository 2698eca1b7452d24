/* hmap.h: an intrusive chained hash table: objects embed their own nodes. */
#ifndef PROTO_HMAP_H
#define PROTO_HMAP_H

#include <stddef.h>
#include <stdint.h>

/* The enclosing object of a member pointer. */
#define HMAP_ENTRY(ptr, type, member)                                          \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct hmap_node {
	struct hmap_node *next;
	uint32_t hash;
};

/*
 * The table owns only its bucket array; nodes belong to the objects that
 * embed them.  A zeroed struct hmap is an empty table.  Lookups walk the
 * nodes with an equal hash and the caller compares keys.
 */
struct hmap {
	struct hmap_node **buckets;
	size_t mask; /* bucket count - 1, or 0 with no buckets */
	size_t count;
};

/*
 * Links n under hash.  Grows the bucket array to keep the load at most 1;
 * if growing fails the node is still linked (lookups stay correct, only
 * slower).  Returns 0, or -1 if no bucket array could be made at all, in
 * which case nothing was linked.
 */
int hmap_insert(struct hmap *m, struct hmap_node *n, uint32_t hash);

/* Unlinks n, which must be linked in m. */
void hmap_remove(struct hmap *m, struct hmap_node *n);

/* First node with this hash, or NULL. */
struct hmap_node *hmap_first(const struct hmap *m, uint32_t hash);

/* Next node after n with the same hash, or NULL. */
struct hmap_node *hmap_next(const struct hmap_node *n);

/* Frees the bucket array (the nodes are the caller's) and empties m. */
void hmap_clear(struct hmap *m);

/* Number of linked nodes. */
size_t hmap_count(const struct hmap *m);

/* Bytes of a hash key. */
#define HMAP_KEY_SIZE 16

/*
 * The secret of the keyed hash (SipHash-2-4).  Without it nobody can choose
 * names that all fall in one bucket.  Any bits are a key: a program fills
 * one from its random source at start and passes it to every table.
 */
struct hmap_key {
	uint64_t k0, k1;
};

/* The key made of 16 bytes, read as SipHash reads them (little-endian). */
struct hmap_key hmap_key_from_bytes(const unsigned char bytes[HMAP_KEY_SIZE]);

/* SipHash-2-4 of bytes under key, all 64 bits (for tests). */
uint64_t hmap_siphash(const struct hmap_key *key, const void *p, size_t len);

/* Hash of bytes under key: the low bits of their SipHash. */
uint32_t hmap_hash(const struct hmap_key *key, const void *p, size_t len);

/*
 * Hash of bytes under key with ASCII letters folded to lower case: equal
 * to hmap_hash of the folded bytes.
 */
uint32_t hmap_hash_fold(const struct hmap_key *key, const char *p, size_t len);

#endif

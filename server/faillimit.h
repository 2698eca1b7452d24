/* faillimit.h: failures per key in a fixed window (login attempts). */
#ifndef SERVER_FAILLIMIT_H
#define SERVER_FAILLIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"

/*
 * Counts failures per key (an address, an account): after FAILLIMIT_MAX
 * failures within FAILLIMIT_WINDOW_MS of the first, the key is limited
 * until that window ends.  At most `entries` keys are tracked; a new key
 * beyond that takes the place of one whose window has ended, else of the
 * oldest.  No I/O, no clock: times are passed in.
 */
#define FAILLIMIT_MAX       5
#define FAILLIMIT_WINDOW_MS 60000
/* Keys the chat tracks at most (addresses and accounts together). */
#define FAILLIMIT_ENTRIES 4096
/* Bytes of a key, no terminator. */
#define FAILLIMIT_KEY_MAX 72

struct faillimit;

/* A limiter of `entries` keys (at least 1), hashed with key; NULL: ENOMEM. */
struct faillimit *faillimit_new(size_t entries, const struct hmap_key *key);
void faillimit_free(struct faillimit *f);

/*
 * 0 if key may try now, else the milliseconds until it may.  A key
 * longer than FAILLIMIT_KEY_MAX is compared by its first bytes.
 */
uint64_t faillimit_wait(
    const struct faillimit *f, const char *key, size_t len, uint64_t now_ms);

/* Counts one failure of key at now_ms. */
void faillimit_fail(
    struct faillimit *f, const char *key, size_t len, uint64_t now_ms);

#endif

/* pwhash.h: argon2id password hashing on worker threads, off the loop. */
#ifndef SERVER_PWHASH_H
#define SERVER_PWHASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * argon2id through libsodium's crypto_pwhash_str: OWASP's minimum for
 * argon2id (t=2, m=19 MiB, p=1).  More memory would cost every worker
 * that much while it hashes and push a login past 100 ms on a small
 * machine; fewer passes or less memory would fall below the minimum.
 * The parameters are in each stored hash, so raising them later only
 * changes new hashes.
 */
#define PWHASH_OPSLIMIT 2ULL
#define PWHASH_MEMLIMIT ((size_t)19 * 1024 * 1024)
/*
 * Worker threads by default, at most: hashing is CPU and memory bound,
 * and the loop needs a core of its own (see pwhash_default_threads).
 */
#define PWHASH_THREADS 2
/* Most threads pwhash_new accepts. */
#define PWHASH_THREADS_MAX 16
/*
 * Jobs waiting, running or finished but not collected, at most: a
 * submit beyond it is refused (the chat answers busy).  256 jobs of two
 * workers at about 50 ms each are six seconds of work.
 */
#define PWHASH_QUEUE_MAX 256
/* Bytes of an encoded hash, counting the terminator (crypto_pwhash_STRBYTES).
 */
#define PWHASH_STR_MAX 128
/* Bytes of a password, no terminator (as PROTO_PASSWORD_MAX). */
#define PWHASH_PASSWORD_MAX 256

enum pwhash_op {
	PWHASH_MAKE,   /* hash a new password */
	PWHASH_VERIFY, /* check a password against a stored hash */
};

/* A finished job, as pwhash_collect hands it back. */
struct pwhash_result {
	enum pwhash_op op;
	int conn;        /* as submitted */
	uint64_t ticket; /* as submitted */
	/* MAKE: the hash was made; VERIFY: the password matches. */
	int ok;
	char hash[PWHASH_STR_MAX]; /* MAKE: the new hash, NUL-terminated */
};

struct pwhash;

/*
 * Starts threads workers (1 to PWHASH_THREADS_MAX) behind a queue of
 * queue_max jobs, and makes the dummy hash that unknown names are checked
 * against (one hash, before the loop runs).  NULL with err filled if
 * libsodium, memory or a thread fails.
 */
struct pwhash *pwhash_new(
    unsigned threads, size_t queue_max, char *err, size_t err_size);
/*
 * The threads to start when none were asked for: one less than the CPUs
 * online, at least 1 and at most PWHASH_THREADS.  On a 2-core machine a
 * second hashing thread took the loop's core during a storm of logins
 * (W2b's p99 4-5 ms instead of 3 in make bench's W9).
 */
unsigned pwhash_default_threads(void);

/* Stops the workers (a running hash finishes first) and frees (NULL: no-op). */
void pwhash_free(struct pwhash *p);

/* A descriptor that polls readable while results wait to be collected. */
int pwhash_fd(const struct pwhash *p);

/*
 * Queues a job; the password (len bytes, at most PWHASH_PASSWORD_MAX) is
 * copied and wiped once hashed.  For PWHASH_VERIFY, hash is the stored
 * hash (NUL-terminated), or NULL to check against the dummy hash: the
 * same work, and never a match.  Returns 0, or -1 if the queue is full
 * or the password too long.
 */
int pwhash_submit(struct pwhash *p, enum pwhash_op op, int conn,
    uint64_t ticket, const char *password, size_t len, const char *hash);

/*
 * Takes up to max finished jobs, oldest first, into out, and empties the
 * descriptor's signal.  Returns how many.
 */
size_t pwhash_collect(struct pwhash *p, struct pwhash_result *out, size_t max);

/* Jobs queued, running or uncollected now (for tests and logs). */
size_t pwhash_pending(struct pwhash *p);

#endif

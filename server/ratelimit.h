/* ratelimit.h: a per-connection flood limiter (GCRA) in one word of state. */
#ifndef SERVER_RATELIMIT_H
#define SERVER_RATELIMIT_H

#include <stdint.h>

/*
 * The generic cell rate algorithm: rate lines per second on average, with
 * up to burst lines at once.  A rate of 0 means unlimited; a burst of 0
 * counts as 1.  The caller embeds the struct; a zeroed one has its full
 * burst available.
 */
struct ratelimit {
	uint64_t tat_us; /* theoretical arrival time of the next line */
};

/* Returns 1 and consumes one line if allowed at now_ms, else 0. */
int ratelimit_take(
    struct ratelimit *r, uint64_t now_ms, unsigned rate, unsigned burst);

/* The earliest ms at which a take would succeed (now_ms if it would now). */
uint64_t ratelimit_ready_ms(
    const struct ratelimit *r, uint64_t now_ms, unsigned rate, unsigned burst);

#endif

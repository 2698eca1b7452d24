/* ratelimit.c: a per-connection flood limiter (GCRA) in one word of state. */
#include "ratelimit.h"

/* Microseconds between lines at the steady rate (rate > 0). */
static uint64_t
ratelimit_interval_us(unsigned rate)
{
	return 1000000 / rate;
}

/* How far ahead of now the arrival time may run: burst - 1 intervals. */
static uint64_t
ratelimit_tolerance_us(unsigned rate, unsigned burst)
{
	return (burst > 0 ? burst - 1 : 0) * ratelimit_interval_us(rate);
}

int
ratelimit_take(
    struct ratelimit *r, uint64_t now_ms, unsigned rate, unsigned burst)
{
	uint64_t now_us = now_ms * 1000, tat;

	if (rate == 0)
		return 1;
	/* Idle time earns credit only up to a full burst. */
	tat = r->tat_us > now_us ? r->tat_us : now_us;
	if (tat - now_us > ratelimit_tolerance_us(rate, burst))
		return 0;
	r->tat_us = tat + ratelimit_interval_us(rate);
	return 1;
}

uint64_t
ratelimit_ready_ms(
    const struct ratelimit *r, uint64_t now_ms, unsigned rate, unsigned burst)
{
	uint64_t now_us = now_ms * 1000, tol;

	if (rate == 0)
		return now_ms;
	tol = ratelimit_tolerance_us(rate, burst);
	if (r->tat_us <= now_us + tol)
		return now_ms;
	/* A take succeeds once now_us >= tat_us - tol: round up to a ms. */
	return (r->tat_us - tol + 999) / 1000;
}

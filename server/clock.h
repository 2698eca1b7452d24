/* clock.h: the server's clocks, read in the units its callers count. */
#ifndef SERVER_CLOCK_H
#define SERVER_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * Milliseconds of clock id (CLOCK_MONOTONIC for deadlines, CLOCK_REALTIME
 * for the times users see) since its epoch.
 */
uint64_t clock_ms(clockid_t id);

/* Microseconds of CLOCK_MONOTONIC, for measuring short work. */
uint64_t clock_us(void);

#endif

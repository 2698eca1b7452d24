/* clock.c: the server's clocks, read in the units its callers count. */
#include "clock.h"

uint64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for the clocks POSIX requires. */
	(void)clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
clock_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

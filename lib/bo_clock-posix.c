/* Clocks on POSIX systems. */
#include <time.h>

#include "bo_time.h"

static int64_t read_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * BO_NS_PER_S + ts.tv_nsec;
}

int64_t bo_clock_mono_ns(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

int64_t bo_clock_real_ns(void)
{
	return read_clock(CLOCK_REALTIME);
}

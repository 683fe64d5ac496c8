/* Clocks on POSIX systems. */
#include <errno.h>
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

void bo_clock_sleep_until(int64_t mono_ns)
{
	struct timespec ts = {mono_ns / BO_NS_PER_S, mono_ns % BO_NS_PER_S};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void bo_clock_sleep(int64_t ns)
{
	struct timespec ts = {ns / BO_NS_PER_S, ns % BO_NS_PER_S};
	nanosleep(&ts, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Durations with units and RFC 3339 timestamps. */
#include <unistd.h>

#include "bo_err.h"
#include "bo_time.h"
#include "check.h"

static int64_t parse_ok(const char *s)
{
	int64_t ns = -1;
	int rc = bo_dur_parse(s, &ns);
	if (rc != 0)
		fprintf(stderr, "bo_dur_parse(\"%s\") = %d\n", s, rc);
	return rc == 0 ? ns : -1;
}

int main(void)
{
	CHECK_INT(parse_ok("10ms"), 10000000);
	CHECK_INT(parse_ok("1ms"), 1000000);
	CHECK_INT(parse_ok("1.5s"), 1500000000);
	CHECK_INT(parse_ok("7s"), 7000000000);
	CHECK_INT(parse_ok("250us"), 250000);
	CHECK_INT(parse_ok("100ns"), 100);
	CHECK_INT(parse_ok("2m"), 120000000000);
	CHECK_INT(parse_ok("1h"), 3600000000000);
	CHECK_INT(parse_ok("0"), 0);
	CHECK_INT(parse_ok("0.0005s"), 500000);
	CHECK_INT(parse_ok(".5s"), 500000000);
	CHECK_INT(parse_ok("1.0000000001s"), 1000000000); /* beyond ns precision: truncated */

	int64_t ns;
	CHECK_INT(bo_dur_parse("10", &ns), BO_EINVAL); /* a unit is required */
	CHECK_INT(bo_dur_parse("ms", &ns), BO_EINVAL);
	CHECK_INT(bo_dur_parse("", &ns), BO_EINVAL);
	CHECK_INT(bo_dur_parse(NULL, &ns), BO_EINVAL);
	CHECK_INT(bo_dur_parse("10 ms", &ns), BO_EINVAL);
	CHECK_INT(bo_dur_parse("1.2.3s", &ns), BO_EINVAL);
	CHECK_INT(bo_dur_parse("10xs", &ns), BO_EINVAL);
	CHECK_INT(bo_dur_parse("-1s", &ns), BO_ERANGE);
	CHECK_INT(bo_dur_parse("99999999999999h", &ns), BO_ERANGE);

	char buf[64];
	CHECK_STR(bo_dur_str(7310000000, buf, sizeof buf), "7.31 s");
	CHECK_STR(bo_dur_str(10000000, buf, sizeof buf), "10.0 ms");
	CHECK_STR(bo_dur_str(850000, buf, sizeof buf), "850 us");
	CHECK_STR(bo_dur_str(-1500000, buf, sizeof buf), "-1.5 ms");
	CHECK_STR(bo_dur_str(0, buf, sizeof buf), "0 us");

	CHECK_STR(bo_time_iso(0, buf, sizeof buf), "1970-01-01T00:00:00.000000000Z");
	CHECK_STR(bo_time_iso(1700000000123456789, buf, sizeof buf),
	          "2023-11-14T22:13:20.123456789Z");
	CHECK_STR(bo_time_iso(-1, buf, sizeof buf), "1969-12-31T23:59:59.999999999Z");

	/* The clocks move forward. */
	int64_t m1 = bo_clock_mono_ns(), m2 = bo_clock_mono_ns();
	CHECK(m2 >= m1);
	CHECK(bo_clock_real_ns() > 1600000000 * BO_NS_PER_S);

	/* RFC 3339: Z for UTC, the offset otherwise, the fraction cut to its digits */
	char b[48];
	int64_t t = 1796133993886647583; /* 2026-12-01T14:06:33.886647583Z */
	CHECK_STR(bo_time_rfc3339(t, 0, 3, b, sizeof b), "2026-12-01T14:06:33.886Z");
	CHECK_STR(bo_time_rfc3339(t, 60, 6, b, sizeof b), "2026-12-01T15:06:33.886647+01:00");
	CHECK_STR(bo_time_rfc3339(t, -330, 0, b, sizeof b), "2026-12-01T08:36:33-05:30");
	CHECK_STR(bo_time_rfc3339(t, 0, 9, b, sizeof b), "2026-12-01T14:06:33.886647583Z");
	/* zones: names from the system's database, summer and winter; unknown ones refused */
	int off = -1;
	CHECK_INT(bo_time_offset(NULL, t, &off), 0);
	CHECK_INT(off, 0);
	CHECK_INT(bo_time_offset("UTC", t, &off), 0);
	CHECK_INT(off, 0);
	if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) == 0) { /* tzdata */
		CHECK_INT(bo_time_offset("Europe/Berlin", t, &off), 0);
		CHECK_INT(off, 60);
		CHECK_INT(bo_time_offset("Europe/Berlin", t - 150 * 86400 * BO_NS_PER_S, &off), 0);
		CHECK_INT(off, 120); /* early July: summer time */
		CHECK_INT(bo_time_offset("America/New_York", t, &off), 0);
		CHECK_INT(off, -300);
	}
	CHECK_INT(bo_time_offset("Nowhere/Atlantis", t, &off), BO_EINVAL);
	CHECK_INT(bo_time_offset("../../etc/passwd", t, &off), BO_EINVAL);
	CHECK_INT(bo_time_offset("local", t, &off), 0);

	/* civil time: the epoch, a day, and nothing that would overflow as nanoseconds */
	CHECK_INT(bo_time_utc_seconds(1970, 1, 1, 0, 0, 0), 0);
	CHECK_INT(bo_time_utc_seconds(2026, 12, 1, 14, 6, 33), 1796133993);
	CHECK_INT(bo_time_utc_seconds(6027, 1, 1, 0, 0, 0), 0);
	CHECK_INT(bo_time_utc_seconds(2026, 13, 1, 0, 0, 0), 0);

	return check_done("time");
}

/* Durations with units and RFC 3339 timestamps. */
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

	return check_done("time");
}

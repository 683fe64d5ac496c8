/* SPDX-License-Identifier: Apache-2.0 */
/* The responder's pure parts besides STAMP: allowlist, rate limit, journal, request line. */
#include <sodium.h>

#include "bo_err.h"
#include "bo_time.h"
#include "check.h"
#include "responder.h"

static rsp_guard guard; /* large */

static bo_addr A(const char *s)
{
	bo_addr a;
	bo_addr_parse(s, &a);
	return a;
}

int main(void)
{
	/* CIDR */
	rsp_cidr c;
	CHECK_INT(rsp_cidr_parse("192.0.2.77/24", &c), 0);
	CHECK_INT(c.bits, 24);
	CHECK_INT(c.net.a[3], 0); /* host bits cleared */
	bo_addr in = A("192.0.2.200"), out = A("192.0.3.1"), v6 = A("2001:db8::1");
	CHECK(rsp_cidr_match(&c, &in));
	CHECK(!rsp_cidr_match(&c, &out));
	CHECK(!rsp_cidr_match(&c, &v6));
	CHECK_INT(rsp_cidr_parse("2001:db8::/33", &c), 0);
	CHECK(rsp_cidr_match(&c, &v6));
	bo_addr v6out = A("2001:db8:8000::1");
	CHECK(!rsp_cidr_match(&c, &v6out));
	CHECK_INT(rsp_cidr_parse("10.1.2.3", &c), 0);
	CHECK_INT(c.bits, 32);
	CHECK_INT(rsp_cidr_parse("0.0.0.0/0", &c), 0);
	CHECK(rsp_cidr_match(&c, &out));
	const char *bad[] = {"",    "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1",
	                     "x/8", "10.0.0.0/8x"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK_INT(rsp_cidr_parse(bad[i], &c), BO_EINVAL);

	/* Who gets the event channel and the echo: without a key or --allow, loopback alone. */
	bo_addr lo4 = A("127.0.0.1"), lo4b = A("127.3.2.1"), lo6 = A("::1"), v6two = A("::2");
	CHECK_INT(rsp_access_mode(0, 0, 0), RSP_ACCESS_LOOPBACK);
	CHECK_INT(rsp_access_mode(1, 0, 0), RSP_ACCESS_KEY);
	CHECK_INT(rsp_access_mode(1, 2, 0), RSP_ACCESS_KEY);
	CHECK_INT(rsp_access_mode(0, 2, 0), RSP_ACCESS_ALLOWED);
	CHECK_INT(rsp_access_mode(0, 0, 1), RSP_ACCESS_ANYONE);
	CHECK(rsp_access_permits(RSP_ACCESS_LOOPBACK, &lo4));
	CHECK(rsp_access_permits(RSP_ACCESS_LOOPBACK, &lo4b));
	CHECK(rsp_access_permits(RSP_ACCESS_LOOPBACK, &lo6));
	CHECK(!rsp_access_permits(RSP_ACCESS_LOOPBACK, &in));
	CHECK(!rsp_access_permits(RSP_ACCESS_LOOPBACK, &v6));
	CHECK(!rsp_access_permits(RSP_ACCESS_LOOPBACK, &v6two));
	for (int m = RSP_ACCESS_ALLOWED; m <= RSP_ACCESS_ANYONE; m++)
		CHECK(rsp_access_permits(m, &in) && rsp_access_permits(m, &lo4));
	CHECK(strstr(rsp_access_text(RSP_ACCESS_LOOPBACK), "--key-file") != NULL);

	/* Allowlist */
	rsp_cidr_parse("192.0.2.0/24", &guard.allow[guard.nallow++]);
	CHECK_INT(rsp_guard_check(&guard, &in, 0), RSP_PASS);
	CHECK_INT(rsp_guard_check(&guard, &out, 0), RSP_DENIED);
	guard.nallow = 0;

	/* Rate: 1000/s, burst 1 s: 1000 at once pass, the next waits a period. */
	guard.rate = 1000;
	int64_t t = 5 * BO_NS_PER_S;
	int passed = 0;
	for (int i = 0; i < 1500; i++)
		passed += rsp_guard_check(&guard, &in, t) == RSP_PASS;
	CHECK_INT(passed, 1000);
	CHECK_INT(rsp_guard_check(&guard, &in, t + BO_NS_PER_MS), RSP_PASS);
	CHECK_INT(rsp_guard_check(&guard, &in, t + BO_NS_PER_MS), RSP_LIMITED);
	CHECK_INT(rsp_guard_check(&guard, &out, t), RSP_PASS); /* another source, its own budget */
	/* Steady 500/s for 10 s: never limited. */
	int limited = 0;
	for (int i = 0; i < 5000; i++)
		limited += rsp_guard_check(&guard, &v6, t + i * 2 * BO_NS_PER_MS) != RSP_PASS;
	CHECK_INT(limited, 0);
	/* 100 000 sources: the table keeps its size. */
	for (uint32_t i = 0; i < 100000; i++) {
		bo_addr a = {4, {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
		rsp_guard_check(&guard, &a, t);
	}
	CHECK(sizeof guard.buckets / sizeof *guard.buckets == RSP_RATE_SLOTS);

	/* Journal: bounded by count and bytes; the oldest go first. */
	rsp_journal j;
	CHECK_INT(rsp_journal_init(&j, 3, 100), BO_EINVAL);
	CHECK_INT(rsp_journal_init(&j, 4, 30), 0);
	char line[16];
	for (int i = 0; i < 6; i++) {
		int n = snprintf(line, sizeof line, "event %d\n", i);
		CHECK_INT(rsp_journal_add(&j, line, (size_t)n), 0);
	}
	size_t len;
	CHECK_INT(j.next, 6);
	CHECK_INT(j.first, 3); /* 8 bytes each, 30 bytes at most: 3 kept */
	CHECK(rsp_journal_get(&j, 2, &len) == NULL);
	const char *l = rsp_journal_get(&j, 5, &len);
	CHECK(l && len == 8 && memcmp(l, "event 5\n", 8) == 0);
	CHECK(rsp_journal_get(&j, 6, &len) == NULL);
	CHECK_INT(rsp_journal_add(&j, "x", 31), BO_ERANGE);
	rsp_journal_free(&j);

	/* An IPv4-mapped allowlist entry is its IPv4 network: sources arrive in IPv4 form. */
	rsp_cidr m;
	bo_addr v4;
	bo_addr_parse("192.0.2.7", &v4);
	CHECK_INT(rsp_cidr_parse("::ffff:192.0.2.0/120", &m), 0);
	CHECK_INT(m.net.family, 4);
	CHECK_INT(m.bits, 24);
	CHECK(rsp_cidr_match(&m, &v4));
	CHECK_INT(rsp_cidr_parse("::ffff:192.0.2.7", &m), 0);
	CHECK(rsp_cidr_match(&m, &v4) && m.bits == 32);
	/* bo_addr <-> sockaddr_in6 for the dual-stack reflector socket: IPv4 goes mapped. */
	bo_addr a4 = {.family = 4, .a = {192, 0, 2, 7}},
	        a6 = {.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8}};
	bo_addr back;
	uint16_t port;
	struct sockaddr_in6 s6;
	rsp_addr_to_sin6(&a4, 862, &s6);
	CHECK_INT(s6.sin6_family, AF_INET6);
	CHECK_INT(((const uint8_t *)&s6.sin6_addr)[11], 0xff);
	CHECK_INT(rsp_addr_from_sockaddr((const struct sockaddr *)&s6, &back, &port), 0);
	CHECK(back.family == 4 && memcmp(back.a, a4.a, 4) == 0 && port == 862);
	rsp_addr_to_sin6(&a6, 8620, &s6);
	CHECK_INT(rsp_addr_from_sockaddr((const struct sockaddr *)&s6, &back, &port), 0);
	CHECK(back.family == 6 && memcmp(back.a, a6.a, 16) == 0 && port == 8620);
	return check_done("guard");
}

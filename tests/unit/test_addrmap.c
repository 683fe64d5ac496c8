/* SPDX-License-Identifier: Apache-2.0 */
/* The address → index map: IPv4 and IPv6 apart, growth keeps every entry, replace, miss. */
#include <stdio.h>

#include "bo_addrmap.h"
#include "check.h"

static bo_addr v4(uint32_t n)
{
	bo_addr a = {.family = 4};
	a.a[0] = 198, a.a[1] = 18, a.a[2] = (uint8_t)(n >> 8), a.a[3] = (uint8_t)n;
	return a;
}

int main(void)
{
	bo_addrmap m = {0};
	bo_addr a = v4(1), b;
	CHECK_INT(bo_addrmap_get(&m, &a), -1); /* empty map */
	/* 198.18.0.1 and c612:1:: share their first bytes; the family keeps them apart. */
	bo_addr_parse("c612:1::", &b);
	CHECK_INT(bo_addrmap_put(&m, &a, 7), 0);
	CHECK_INT(bo_addrmap_get(&m, &a), 7);
	CHECK_INT(bo_addrmap_get(&m, &b), -1);
	CHECK_INT(bo_addrmap_put(&m, &b, 8), 0);
	CHECK_INT(bo_addrmap_put(&m, &a, 9), 0); /* replaces */
	CHECK_INT(bo_addrmap_get(&m, &a), 9);
	CHECK_INT(bo_addrmap_get(&m, &b), 8);
	CHECK_INT((int)m.n, 2);

	/* A fleet: 5000 addresses, several growths; every one found, neighbours not. */
	for (uint32_t i = 0; i < 5000; i++) {
		bo_addr x = v4(1000 + i);
		CHECK_INT(bo_addrmap_put(&m, &x, (int)i), 0);
	}
	CHECK_INT((int)m.n, 5002);
	CHECK(m.cap >= 2 * m.n);
	for (uint32_t i = 0; i < 5000; i++) {
		bo_addr x = v4(1000 + i);
		CHECK_INT(bo_addrmap_get(&m, &x), (int)i);
	}
	bo_addr miss = v4(999), none = {0};
	CHECK_INT(bo_addrmap_get(&m, &miss), -1);
	CHECK_INT(bo_addrmap_get(&m, &none), -1);
	for (int i = 0; i < 200; i++) {
		char s[48];
		bo_addr x;
		snprintf(s, sizeof s, "2001:db8::%x", i);
		bo_addr_parse(s, &x);
		CHECK_INT(bo_addrmap_put(&m, &x, 100000 + i), 0);
	}
	for (int i = 0; i < 200; i++) {
		char s[48];
		bo_addr x;
		snprintf(s, sizeof s, "2001:db8::%x", i);
		bo_addr_parse(s, &x);
		CHECK_INT(bo_addrmap_get(&m, &x), 100000 + i);
	}
	CHECK_INT(bo_addrmap_get(&m, &a), 9);
	bo_addrmap_free(&m);
	CHECK_INT(bo_addrmap_get(&m, &a), -1);
	/* Tags: the same address under different tags is different keys; tag 0 is the plain map. */
	bo_addrmap t = {0};
	bo_addr x;
	bo_addr_parse("198.18.1.1", &x);
	for (uint32_t tag = 0; tag < 70000; tag += 7)
		CHECK_INT(bo_addrmap_put_tag(&t, &x, tag, (int)tag), 0);
	CHECK_INT(bo_addrmap_get_tag(&t, &x, 7 * 9000), 7 * 9000);
	CHECK_INT(bo_addrmap_get_tag(&t, &x, 8), -1);
	CHECK_INT(bo_addrmap_get(&t, &x), 0);
	bo_addrmap_free(&t);
	return check_done("addrmap");
}

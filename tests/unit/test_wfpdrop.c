/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows firewall's classify drops as the responder reports them (responder/wfpdrop.c):
 * which are probes for it, and the event each becomes; FILETIME conversion at its edges. */
#include <string.h>

#include "bo_time.h"
#include "check.h"
#include "responder.h"

static rsp_wfpdrop drop(uint8_t proto, uint16_t lport, uint32_t dir)
{
	rsp_wfpdrop d = {0};
	d.family = 4;
	d.proto = proto;
	d.local_port = lport;
	d.remote_port = 40000;
	d.direction = dir;
	d.filter_id = 70123;
	d.layer_id = 44;
	d.reauth_reason = 8;
	memcpy(d.local, (uint8_t[]){192, 0, 2, 10}, 4);
	memcpy(d.remote, (uint8_t[]){198, 51, 100, 7}, 4);
	/* 2026-11-23T01:35:57.5Z in 100 ns ticks since 1601 */
	d.filetime = UINT64_C(116444736000000000) + UINT64_C(17953977575000000);
	return d;
}

int main(void)
{
	/* inbound probes for this responder; the rest not */
	rsp_wfpdrop d = drop(1, 0, 0x3FFF);
	CHECK_INT(rsp_wfpdrop_ours(&d, 862, 7), 1);
	d = drop(17, 862, 0x3FFF);
	CHECK_INT(rsp_wfpdrop_ours(&d, 862, 7), 1);
	d = drop(17, 53, 0x3FFF);
	CHECK_INT(rsp_wfpdrop_ours(&d, 862, 7), 0);
	d = drop(6, 7, 0x3FFF);
	CHECK_INT(rsp_wfpdrop_ours(&d, 862, 7), 1);
	CHECK_INT(rsp_wfpdrop_ours(&d, 862, 0), 0); /* no TCP port: no TCP probes */
	d = drop(1, 0, 0x3FFE);
	CHECK_INT(rsp_wfpdrop_ours(&d, 862, 7), 0); /* outbound */
	d = drop(47, 0, 0x3FFF);
	CHECK_INT(rsp_wfpdrop_ours(&d, 862, 7), 0);
	d = drop(1, 0, 0x3FFF);
	d.family = 0;
	CHECK_INT(rsp_wfpdrop_ours(&d, 862, 7), 0); /* no addresses */

	d = drop(17, 862, 0x3FFF);
	json_t *e = rsp_wfpdrop_json(&d, 1);
	CHECK(e != NULL);
	CHECK_STR(json_string_value(json_object_get(e, "dst")), "192.0.2.10");
	CHECK_STR(json_string_value(json_object_get(e, "src")), "198.51.100.7");
	CHECK_STR(json_string_value(json_object_get(e, "proto")), "udp");
	CHECK_INT(json_integer_value(json_object_get(e, "local_port")), 862);
	CHECK_INT(json_integer_value(json_object_get(e, "remote_port")), 40000);
	CHECK(json_integer_value(json_object_get(e, "filter_id")) == 70123);
	CHECK_INT(json_integer_value(json_object_get(e, "layer_id")), 44);
	CHECK(json_is_true(json_object_get(e, "quarantine")));
	CHECK(json_integer_value(json_object_get(e, "event_time_ns")) ==
	      INT64_C(1795397757500000000));
	json_decref(e);
	d = drop(1, 0, 0x3FFF);
	d.family = 6;
	memset(d.local, 0, 16);
	d.local[0] = 0x20, d.local[1] = 0x01, d.local[2] = 0x0d, d.local[3] = 0xb8, d.local[15] = 2;
	d.filetime = 5; /* before 1970: not a time */
	e = rsp_wfpdrop_json(&d, -1);
	CHECK(e != NULL);
	CHECK_STR(json_string_value(json_object_get(e, "dst")), "2001:db8::2");
	CHECK_STR(json_string_value(json_object_get(e, "proto")), "icmp");
	CHECK(json_object_get(e, "local_port") == NULL);
	CHECK(json_is_null(json_object_get(e, "quarantine")));
	CHECK(json_is_null(json_object_get(e, "event_time_ns")));
	json_decref(e);

	CHECK(bo_time_filetime_ns(UINT64_C(116444736000000000)) == 0); /* the epoch itself: 0 */
	CHECK(bo_time_filetime_ns(UINT64_C(116444736000000001)) == 100);
	CHECK(bo_time_filetime_ns(UINT64_MAX) == 0);
	return check_done("wfpdrop");
}

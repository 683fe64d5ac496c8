/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the packet dissector on every link type, then the probe tag on whatever
 * payload it found. The first input byte picks the link type. */
#include <stddef.h>
#include <stdint.h>

#include "bo_pkt.h"
#include "bo_tag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {BO_LINK_EN10MB, BO_LINK_LINUX_SLL, BO_LINK_LINUX_SLL2, BO_LINK_RAW,
                            BO_LINK_NULL,   BO_LINK_IPV4,      BO_LINK_IPV6,       999};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bo_pkt p;
	int link = links[data[0] % (sizeof links / sizeof links[0])];
	if (bo_pkt_parse(link, data + 1, size - 1, &p) == 0 && p.payload) {
		/* The payload must lie inside the input. */
		if (p.payload < data + 1 || p.payload + p.payload_len > data + size)
			__builtin_trap();
		bo_key key = {{0}};
		bo_probe_id id;
		bo_tag_decode(&key, &p.dst, p.payload, p.payload_len, &id);
		char buf[48];
		bo_addr_str(&p.src, buf, sizeof buf);
	}
	return 0;
}

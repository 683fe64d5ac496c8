/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the responder's rtnetlink parser (responder/netlink-linux.c) on any bytes;
 * every record it makes is checked for what it promises. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rsp_netmsg m[64];
	int n = rsp_netlink_parse(data, size, m, 64);
	if (n < 0 || n > 64)
		__builtin_trap();
	for (int i = 0; i < n; i++) {
		if (memchr(m[i].ifname, 0, sizeof m[i].ifname) == NULL)
			__builtin_trap(); /* the name is always terminated */
		if (!m[i].link && m[i].addr.family != 4 && m[i].addr.family != 6)
			__builtin_trap();
	}
	return 0;
}

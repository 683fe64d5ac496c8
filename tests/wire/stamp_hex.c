/* SPDX-License-Identifier: Apache-2.0 */
/* Prints a STAMP packet as hex, for tests that hand it to other tools (tshark).
 * Usage: stamp_hex sender|reflector SEQ SENDER_SEQ TTL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_stamp.h"

int main(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	bo_stamp s = {.seq = (uint32_t)strtoul(argv[2], NULL, 0),
	              .ts = bo_ntp_from_ns(1700000000500000000),
	              .err = bo_stamp_err_estimate(1, 1000),
	              .ssid = 0xbeef,
	              .rx_ts = bo_ntp_from_ns(1700000000400000000),
	              .sender_seq = (uint32_t)strtoul(argv[3], NULL, 0),
	              .sender_ts = bo_ntp_from_ns(1700000000300000000),
	              .sender_err = bo_stamp_err_estimate(0, 1000),
	              .sender_ttl = (uint8_t)atoi(argv[4])};
	uint8_t out[BO_STAMP_AUTH_LEN];
	int n = strcmp(argv[1], "sender") == 0
	                ? bo_stamp_write_sender(&s, NULL, out, sizeof out)
	                : bo_stamp_write_reflector(&s, NULL, out, sizeof out);
	for (int i = 0; i < n; i++)
		printf("%02x", out[i]);
	printf("\n");
	return n > 0 ? 0 : 1;
}

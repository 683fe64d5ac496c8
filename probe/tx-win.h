/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows transmit backend's parts (tx-win.c, l2-win.c). */
#ifndef PROBE_TX_WIN_H
#define PROBE_TX_WIN_H

#include <pcap/pcap.h>
#include <stdint.h>

#include "bo_pkt.h"

/* The Ethernet header (destination, source, type) of frames from local to target, through the
 * Npcap adapter iface (inject: a handle on it that sends): 0, or a negative code with err
 * said. */
int probe_l2_header(const char *iface, pcap_t *inject, const bo_addr *target, const bo_addr *local,
                    uint8_t eth[14], char *err, size_t errlen);

#endif

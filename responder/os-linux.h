/* SPDX-License-Identifier: Apache-2.0 */
/* The responder's Linux-only state (the rest is portable, in responder.h). */
#ifndef RSP_OS_LINUX_H
#define RSP_OS_LINUX_H

#include "responder.h"

struct rsp_os {
	uv_poll_t netev_poll; /* the rtnetlink socket */
	int netev_fd;
	uv_poll_t cap_poll;   /* pcap's selectable descriptor */
	uv_poll_t fwlog_poll; /* the NFLOG socket (--fw-log) */
	int fwlog_fd;
	uv_fs_poll_t kvp_poll; /* Hyper-V's KVP pool file (--kvp), stat()ed every 500 ms */
	int kvp_on;
};

/* netev-linux.c: what a netlink socket holds, read (16 datagrams at most a wake-up) and given
 * to take; the kernel's dropped messages said as an overrun event. */
void rsp_netlink_drain(rsp *r, int fd, enum bo_gev overrun,
                       void (*take)(rsp *r, const uint8_t *buf, size_t len));

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The responder's Windows-only state (the rest is portable, in responder.h). */
#ifndef RSP_OS_WIN_H
#define RSP_OS_WIN_H

#include "responder.h"

struct rsp_os {
	void *netev;         /* netev-win.c: the notification handles and their hand-off */
	uv_timer_t cap_tick; /* capture-win.c: Npcap read every 10 ms */
	void *wfp;           /* wfp-win.c: the WFP filter-change subscription */
	void *evlog;         /* evlog-win.c: the event-log subscriptions (Netvsc, profiles) */
	void *kvp;           /* kvp-win.c: the KVP Guest\Parameters key watched */
	void *wfpdrop;       /* wfpdrop-win.c: the WFP net-event subscription (drops) */
};

#endif

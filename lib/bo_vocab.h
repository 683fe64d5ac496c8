/* SPDX-License-Identifier: Apache-2.0 */
/* The run's vocabulary: the record types of the probe's log (probe.jsonl), of the guest's
 * events (the responder's log and event channel, guest.jsonl) and of the lab's and the
 * hypervisor's accounts (lab.jsonl, host.jsonl), one table each, so that every program writes
 * and reads the same names (docs/formats.md). A name a reader does not know is -1: left out. */
#ifndef BO_VOCAB_H
#define BO_VOCAB_H

/* probe.jsonl */
enum bo_rec {
	BO_REC_HEADER,
	BO_REC_STREAM,
	BO_REC_CAPTURE,
	BO_REC_START,
	BO_REC_PRIVILEGES,
	BO_REC_PREFLIGHT,
	BO_REC_STATUS,
	BO_REC_OUTAGE,
	BO_REC_MARKER,
	BO_REC_GUEST,         /* the event channel to a target's responder: connected, refused */
	BO_REC_CAPTURE_ERROR, /* the capture broke (its interface gone) */
	BO_REC_STOP,
	BO_REC_RESOURCES,
	BO_REC_GUEST_SUMMARY,
	BO_REC_END,
	BO_NRECS
};

/* Guest events. Each draws on one of the responder's budgets (bo_gev_budget): the probes'
 * arrivals and the firewall's drops of them, the TCP connections, or none. */
enum bo_gev {
	BO_GEV_START,
	BO_GEV_STOP,
	BO_GEV_CLOCK,
	BO_GEV_CLOCK_STEP,
	BO_GEV_COUNTERS,
	BO_GEV_NET,
	BO_GEV_NET_OVERRUN,
	BO_GEV_ARRIVAL,
	BO_GEV_CAPTURE_LOST,
	BO_GEV_CAPTURE_BACK,
	BO_GEV_CAPTURE_DROPS,
	BO_GEV_FW_DROP,
	BO_GEV_FW_OVERRUN,
	BO_GEV_WFP,
	BO_GEV_WFP_DROP,
	BO_GEV_WFP_DROP_OVERRUN,
	BO_GEV_NETVSC,
	BO_GEV_NETPROFILE,
	BO_GEV_FWPROFILE,
	BO_GEV_EVLOG_OVERRUN,
	BO_GEV_HOST,
	BO_GEV_TCP_OPEN,
	BO_GEV_TCP_CLOSE,
	BO_NGEVS
};
enum bo_gev_budget { BO_BUDGET_ARRIVALS, BO_BUDGET_CONNECTIONS, BO_BUDGET_NONE };

/* lab.jsonl and host.jsonl */
enum bo_lab {
	BO_LAB_HEADER,
	BO_LAB_VMS,
	BO_LAB_HYPERVISOR,
	BO_LAB_GUEST,
	BO_LAB_STEP,
	BO_LAB_TRUTH,
	BO_LAB_MIGRATION, /* host.jsonl: a migration as the hypervisor tells it */
	BO_LAB_HOST,      /* host.jsonl: a host's facts (has it the fix?) */
	BO_LAB_END,
	BO_NLABS
};

const char *bo_rec_name(enum bo_rec t);
const char *bo_gev_name(enum bo_gev t);
const char *bo_lab_name(enum bo_lab t);
enum bo_gev_budget bo_gev_budget(enum bo_gev t);
/* A name's type, or -1 when this version does not know it. */
int bo_rec_parse(const char *name);
int bo_gev_parse(const char *name);
int bo_lab_parse(const char *name);

#endif

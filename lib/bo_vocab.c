/* SPDX-License-Identifier: Apache-2.0 */
/* The run's vocabulary as tables (bo_vocab.h). */
#include "bo_vocab.h"

#include <string.h>

static const char *const rec_names[BO_NRECS] = {
        [BO_REC_HEADER] = "header",
        [BO_REC_STREAM] = "stream",
        [BO_REC_CAPTURE] = "capture",
        [BO_REC_START] = "start",
        [BO_REC_PRIVILEGES] = "privileges",
        [BO_REC_PREFLIGHT] = "preflight",
        [BO_REC_STATUS] = "status",
        [BO_REC_OUTAGE] = "outage",
        [BO_REC_MARKER] = "marker",
        [BO_REC_GUEST] = "guest",
        [BO_REC_CAPTURE_ERROR] = "capture-error",
        [BO_REC_STOP] = "stop",
        [BO_REC_RESOURCES] = "resources",
        [BO_REC_GUEST_SUMMARY] = "guest-summary",
        [BO_REC_END] = "end",
};

static const struct {
	const char *name;
	enum bo_gev_budget budget;
} gevs[BO_NGEVS] = {
        [BO_GEV_START] = {"start", BO_BUDGET_NONE},
        [BO_GEV_STOP] = {"stop", BO_BUDGET_NONE},
        [BO_GEV_CLOCK] = {"clock", BO_BUDGET_NONE},
        [BO_GEV_CLOCK_STEP] = {"clock-step", BO_BUDGET_NONE},
        [BO_GEV_COUNTERS] = {"counters", BO_BUDGET_NONE},
        [BO_GEV_NET] = {"net", BO_BUDGET_NONE},
        [BO_GEV_NET_OVERRUN] = {"net-overrun", BO_BUDGET_NONE},
        [BO_GEV_ARRIVAL] = {"arrival", BO_BUDGET_ARRIVALS},
        [BO_GEV_CAPTURE_LOST] = {"capture-lost", BO_BUDGET_NONE},
        [BO_GEV_CAPTURE_BACK] = {"capture-back", BO_BUDGET_NONE},
        [BO_GEV_CAPTURE_DROPS] = {"capture-drops", BO_BUDGET_NONE},
        [BO_GEV_FW_DROP] = {"fw-drop", BO_BUDGET_ARRIVALS},
        [BO_GEV_FW_OVERRUN] = {"fw-overrun", BO_BUDGET_NONE},
        [BO_GEV_WFP] = {"wfp", BO_BUDGET_NONE},
        [BO_GEV_WFP_DROP] = {"wfp-drop", BO_BUDGET_ARRIVALS},
        [BO_GEV_WFP_DROP_OVERRUN] = {"wfp-drop-overrun", BO_BUDGET_NONE},
        [BO_GEV_NETVSC] = {"netvsc", BO_BUDGET_NONE},
        [BO_GEV_NETPROFILE] = {"netprofile", BO_BUDGET_NONE},
        [BO_GEV_FWPROFILE] = {"fwprofile", BO_BUDGET_NONE},
        [BO_GEV_EVLOG_OVERRUN] = {"evlog-overrun", BO_BUDGET_NONE},
        [BO_GEV_HOST] = {"host", BO_BUDGET_NONE},
        [BO_GEV_TCP_OPEN] = {"tcp-open", BO_BUDGET_CONNECTIONS},
        [BO_GEV_TCP_CLOSE] = {"tcp-close", BO_BUDGET_CONNECTIONS},
};

static const char *const lab_names[BO_NLABS] = {
        [BO_LAB_HEADER] = "header",
        [BO_LAB_VMS] = "vms",
        [BO_LAB_HYPERVISOR] = "hypervisor",
        [BO_LAB_GUEST] = "guest",
        [BO_LAB_STEP] = "step",
        [BO_LAB_TRUTH] = "truth",
        [BO_LAB_MIGRATION] = "migration",
        [BO_LAB_HOST] = "host",
        [BO_LAB_END] = "end",
};

const char *bo_rec_name(enum bo_rec t)
{
	return rec_names[t];
}

const char *bo_gev_name(enum bo_gev t)
{
	return gevs[t].name;
}

const char *bo_lab_name(enum bo_lab t)
{
	return lab_names[t];
}

enum bo_gev_budget bo_gev_budget(enum bo_gev t)
{
	return gevs[t].budget;
}

static int find(const char *const *names, int n, size_t stride, const char *name)
{
	for (int i = 0; i < n; i++) {
		const char *s = *(const char *const *)((const char *)names + (size_t)i * stride);
		if (s && !strcmp(s, name))
			return i;
	}
	return -1;
}

int bo_rec_parse(const char *name)
{
	return find(rec_names, BO_NRECS, sizeof rec_names[0], name);
}

int bo_gev_parse(const char *name)
{
	return find(&gevs[0].name, BO_NGEVS, sizeof gevs[0], name);
}

int bo_lab_parse(const char *name)
{
	return find(lab_names, BO_NLABS, sizeof lab_names[0], name);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The quarantine's nftables rules, shared by the simulated VM (blackout-lab) and the agent in a
 * QEMU guest (blackout-lab-agent): one text for both, so the two imitate Windows alike. */
#include <stdio.h>
#include <string.h>

#include "bo_stream.h"
#include "bo_time.h"
#include "lab.h"

/* The VM's input chain uses conntrack from the start: loading the first ct rule only at
 * quarantine time would make conntrack start then and cut established TCP. */
const char lab_rules_vm_base[] = "add table inet blackout\n"
                                 "add chain inet blackout quarantine\n"
                                 "add chain inet blackout input { type filter hook input "
                                 "priority 0; policy accept; }\n"
                                 "add rule inet blackout input ct state established,related "
                                 "counter\n"
                                 "add rule inet blackout input jump quarantine\n";

const char lab_rules_lift[] = "flush chain inet blackout quarantine\n";

static const struct {
	const char *name;
	int bit;
	const char *rule; /* after "add rule inet blackout quarantine" */
} scopes[] = {
        {"icmp", LAB_Q_ICMP,
         "icmp type echo-request drop\n"
         "add rule inet blackout quarantine icmpv6 type echo-request drop"},
        {"udp", LAB_Q_UDP, "meta l4proto udp drop"},
        {"tcp-new", LAB_Q_TCP_NEW, "meta l4proto tcp ct state new drop"},
        {"tcp-all", LAB_Q_TCP_ALL, "meta l4proto tcp drop"},
};
#define NSCOPES (sizeof scopes / sizeof scopes[0])

int lab_scope_parse(const char *s, int *scope)
{
	char buf[128];
	if (snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf)
		return -1;
	*scope = 0;
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < NSCOPES; i++)
			if (strcmp(tok, scopes[i].name) == 0)
				break;
		if (i == NSCOPES)
			return -1;
		*scope |= scopes[i].bit;
	}
	return 0;
}

char *lab_scope_str(int scope, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (size_t i = 0; i < NSCOPES; i++)
		if (scope & scopes[i].bit && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
			                        scopes[i].name);
	return buf;
}

void lab_rules_quarantine(int scope, int log_group, char *buf, size_t len)
{
	char plain[1024];
	size_t off = 0;
	plain[0] = 0;
	if (scope & LAB_Q_TCP_ALL)
		scope &= ~LAB_Q_TCP_NEW; /* all TCP covers the new connections */
	for (size_t i = 0; i < NSCOPES; i++)
		if (scope & scopes[i].bit && off < sizeof plain)
			off += (size_t)snprintf(plain + off, sizeof plain - off,
			                        "add rule inet blackout quarantine %s\n",
			                        scopes[i].rule);
	/* Logged, each drop, to an NFLOG group (the guest firewall's own account of what it
	 * dropped, as a Windows guest's WFP would give it): "... log group N prefix ... drop". */
	size_t o = 0;
	buf[0] = 0;
	for (const char *p = plain; *p && o + 1 < len;) {
		const char *d = strstr(p, " drop\n");
		size_t n = d ? (size_t)(d - p) : strlen(p);
		o += (size_t)snprintf(buf + o, len - o, "%.*s", (int)n, p);
		if (!d)
			break;
		if (log_group && o < len)
			o += (size_t)snprintf(buf + o, len - o, " log group %d prefix \"%s\"",
			                      log_group, LAB_LOG_PREFIX);
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, " drop\n");
		p = d + 6;
	}
}

int lab_blocked_by(const bo_stream_desc *d)
{
	switch (d->transport) {
	case BO_TRANSPORT_ICMP: return LAB_Q_ICMP;
	case BO_TRANSPORT_UDP: return LAB_Q_UDP;
	case BO_TRANSPORT_TCP:
		return (d->flags & BO_STREAM_BYTES) ? LAB_Q_TCP_ALL : LAB_Q_TCP_NEW | LAB_Q_TCP_ALL;
	}
	return 0;
}

/* The analyzer's default figures (about 3 s and 7 s, switchover up to 1 s), as its verdict
 * thresholds place them: normal below 5 s, the safety timeout up to 9 s. */
const char *lab_pause_verdict(int64_t pause)
{
	return pause <= BO_NS_PER_S ? "switchover-only" : "anomalous";
}

const char *lab_quarantine_verdict(int64_t quarantine)
{
	return quarantine < 5 * BO_NS_PER_S    ? "quarantine-normal"
	       : quarantine <= 9 * BO_NS_PER_S ? "quarantine-safety-timeout"
	                                       : "anomalous";
}

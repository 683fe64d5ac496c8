/* SPDX-License-Identifier: Apache-2.0 */
/* Linux: the responder's scheduling priority, what it reports of the system at start, and
 * Hyper-V's host values (--kvp) watched. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "os-linux.h"

/* A reply that waits for the CPU is a longer round trip, and a lost probe's round trip is
 * what the analyzer has to guess: the reflector should run as soon as a request arrives. */
int rsp_priority_set(int level, char *msg, size_t len)
{
	if (level == RSP_PRIO_NORMAL) {
		snprintf(msg, len, "normal");
		return 0;
	}
	if (level == RSP_PRIO_REALTIME) {
		struct sched_param sp = {.sched_priority = 1};
		if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0) {
			snprintf(msg, len, "real-time (SCHED_FIFO 1)");
			return 0;
		}
		snprintf(msg, len, "normal: SCHED_FIFO refused (%s; needs root or CAP_SYS_NICE)",
		         strerror(errno));
		return -1;
	}
	if (setpriority(PRIO_PROCESS, 0, -10) == 0) {
		snprintf(msg, len, "high (nice -10)");
		return 0;
	}
	snprintf(msg, len, "normal: nice -10 refused (%s; needs root or CAP_SYS_NICE)",
	         strerror(errno));
	return -1;
}

json_t *rsp_sys_report(rsp *r)
{
	struct utsname u;
	if (uname(&u) != 0)
		return json_object();
	char os[sizeof u.sysname + sizeof u.release + 2];
	snprintf(os, sizeof os, "%s %s", u.sysname, u.release);
	json_t *sys = json_pack("{s:s}", "system", os);
	if (r->add_fw_rules)
		json_object_set_new(sys, "firewall",
		                    json_string("not checked on Linux (--add-firewall-rules is for "
		                                "Windows)"));
	return sys;
}

/* ---- Hyper-V's host values: hv_kvp_daemon's pool file (lib/bo_kvp.c reads it) ---- */

/* The file changed (or came, or went): a new host name is a "host" event. */
static void on_kvp(uv_fs_poll_t *h, int status, const uv_stat_t *prev, const uv_stat_t *cur)
{
	(void)prev;
	(void)cur;
	rsp *r = h->data;
	bo_kvp k;
	if (status == 0 && bo_kvp_load(r->kvp_path, &k) == 0)
		rsp_kvp_host(r, k.host, k.vm, (int)k.bad);
}

static void kvp_start(rsp *r, json_t *sys)
{
	if (!r->kvp_path)
		r->kvp_path = BO_KVP_POOL;
	bo_kvp k;
	int rc = bo_kvp_load(r->kvp_path, &k);
	char line[320];
	if (rc == 0)
		snprintf(r->kvp_host, sizeof r->kvp_host, "%s", k.host);
	if (rc == 0 && k.host[0])
		json_object_set_new(sys, "kvp",
		                    json_pack("{s:s, s:s, s:s, s:i, s:i}", "file", r->kvp_path,
		                              "host", k.host, "vm", k.vm, "records", (int)k.records,
		                              "refused", (int)k.bad));
	else {
		snprintf(line, sizeof line,
		         "%s %s: %s; watched, a host name written later is a host event",
		         rc == -ENOENT ? "no" : "unreadable", r->kvp_path,
		         rc == -ENOENT ? "not a Hyper-V guest, or hv_kvp_daemon not running"
		         : rc == 0     ? "no host name in it"
		                       : strerror(-rc));
		json_object_set_new(sys, "kvp", json_string(line));
	}
	r->os->kvp_poll.data = r;
	if (uv_fs_poll_init(r->loop, &r->os->kvp_poll) == 0 &&
	    uv_fs_poll_start(&r->os->kvp_poll, on_kvp, r->kvp_path, 500) == 0)
		r->os->kvp_on = 1;
}

void rsp_sys_start(rsp *r, json_t *sys)
{
	kvp_start(r, sys);
}

void rsp_sys_stop(rsp *r)
{
	if (r->os->kvp_on) {
		uv_fs_poll_stop(&r->os->kvp_poll);
		uv_close((uv_handle_t *)&r->os->kvp_poll, NULL);
		r->os->kvp_on = 0;
	}
}

int rsp_run(rsp *r, int (*serve)(rsp *))
{
	if (r->service) {
		fprintf(stderr,
		        "blackout-responder: --service is for Windows; on Linux run it under "
		        "systemd or another supervisor\n");
		return RSP_EXIT_USAGE;
	}
	return serve(r);
}

void rsp_service_running(rsp *r)
{
	(void)r;
}

rsp_os *rsp_os_new(void)
{
	return calloc(1, sizeof(rsp_os));
}

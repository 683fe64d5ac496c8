/* Linux: the responder's scheduling priority and what it reports of the system at start. */
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

void rsp_sys_start(rsp *r, json_t *sys)
{
	(void)r;
	(void)sys;
}

void rsp_sys_stop(rsp *r)
{
	(void)r;
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

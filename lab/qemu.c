/* SPDX-License-Identifier: Apache-2.0 */
/* The real-hypervisor backend (qemu.h): guests booted from an image built at run time, migrated
 * live between QEMU processes, QEMU's own account kept as the ground truth. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bo_fs.h"
#include "bo_stream.h"
#include "bo_sys.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "qemu.h"

#define QEMU_BIN "qemu-system-x86_64"
#define GUEST_MEM "160"
#define SYNC_EVERY (100 * BO_NS_PER_MS)
#define LAB_SETTLE (6 * BO_NS_PER_S) /* from a guest's boot to its first migration, at least */

static void inst_path(const lab_hv *h, const lab_guest *g, int gen, const char *what, char *buf,
                      size_t len)
{
	snprintf(buf, len, "%s/%s-i%d.%s", h->sock, g->name, gen, what);
}

static void tap_name(const lab_guest *g, int gen, char *buf, size_t len)
{
	snprintf(buf, len, "%si%d", g->name, gen);
}

/* What QEMU instance gen of guest g writes to its serial console. */
static void console_path(const lab_hv *h, const lab_guest *g, int gen, char *buf, size_t len)
{
	snprintf(buf, len, "%s/qemu/%s-i%d.console", h->run, g->name, gen);
}

/* The first guest's like the simulated VM's, so the same checks read it. */
static void responder_log(const lab_hv *h, const lab_guest *g, char *buf, size_t len)
{
	if (g->index == 0)
		snprintf(buf, len, "%s/responder.jsonl", h->run);
	else
		snprintf(buf, len, "%s/responder-%s.jsonl", h->run, g->name);
}

static int tap(const lab_hv *h, const char *op, const char *name)
{
	char *S = (char *)h->l->ns[LAB_SWITCH];
	if (!strcmp(op, "add")) {
		char *a[] = {"ip", "-n", S, "tuntap", "add", (char *)name, "mode", "tap", NULL};
		char *b[] = {"ip",         "-n",     S,     "link", "set",
		             (char *)name, "master", "br0", "up",   NULL};
		return lab_system(a) || lab_system(b) ? -1 : 0;
	}
	char *d[] = {"ip", "-n", S, "link", "del", (char *)name, NULL};
	return lab_system(d) ? -1 : 0;
}

/* Starts QEMU instance gen of guest g: on a new tap, incoming when gen > 0 (paused after the
 * migration when `paused`). Its QMP connected. */
static int instance(lab_hv *h, lab_guest *g, int gen, int paused, pid_t *pid, lab_qmp *q)
{
	char tapn[16], qmp[160], agent[160], mig[160], console[4200], log[4200], rlog[4200];
	char append[512], netdev[96], nic[96], chr_log[4300], chr_agent[256], qmp_arg[200];
	char incoming[200];
	tap_name(g, gen, tapn, sizeof tapn);
	inst_path(h, g, gen, "qmp", qmp, sizeof qmp);
	inst_path(h, g, gen, "agent", agent, sizeof agent);
	inst_path(h, g, gen, "mig", mig, sizeof mig);
	char cpath[4200];
	console_path(h, g, gen, cpath, sizeof cpath);
	snprintf(console, sizeof console, "file:%s", cpath);
	snprintf(log, sizeof log, "%s/qemu/%s-i%d.log", h->run, g->name, gen);
	responder_log(h, g, rlog, sizeof rlog);
	char scope[64];
	lab_scope_str(g->sc->scope, scope, sizeof scope);
	snprintf(append, sizeof append,
	         "console=ttyS0 quiet panic=-1 bo.ip=%s/24 bo.ip6=%s/64 bo.probe=%s bo.probe6=%s "
	         "bo.probe_mac=%s bo.hold_ns=%lld bo.scope=%s",
	         g->addr, g->addr6, LAB_PROBE_ADDR, LAB_PROBE_ADDR6, h->probe_mac,
	         (long long)g->sc->quarantine_ns, scope);
	snprintf(netdev, sizeof netdev, "tap,id=n0,ifname=%s,script=no,downscript=no", tapn);
	snprintf(nic, sizeof nic, "virtio-net-pci,netdev=n0,mac=%s", g->mac);
	snprintf(chr_log, sizeof chr_log, "file,id=rl,path=%s,append=on", rlog);
	snprintf(chr_agent, sizeof chr_agent, "socket,id=ag,path=%s,server=on,wait=off", agent);
	snprintf(qmp_arg, sizeof qmp_arg, "unix:%s,server=on,wait=off", qmp);
	snprintf(incoming, sizeof incoming, "unix:%s", mig);
	char *argv[48] = {QEMU_BIN,
	                  "-name",
	                  g->name,
	                  "-accel",
	                  h->accel,
	                  "-m",
	                  GUEST_MEM,
	                  "-smp",
	                  "1",
	                  "-nodefaults",
	                  "-no-user-config",
	                  "-display",
	                  "none",
	                  "-kernel",
	                  h->kernel,
	                  "-initrd",
	                  h->initrd,
	                  "-append",
	                  append,
	                  "-serial",
	                  console,
	                  "-netdev",
	                  netdev,
	                  "-device",
	                  nic,
	                  "-device",
	                  "virtio-serial-pci",
	                  "-chardev",
	                  chr_log,
	                  "-device",
	                  "virtserialport,chardev=rl,name=responder-log",
	                  "-chardev",
	                  chr_agent,
	                  "-device",
	                  "virtserialport,chardev=ag,name=agent",
	                  "-qmp",
	                  qmp_arg};
	int n = 0;
	while (argv[n])
		n++;
	if (gen > 0) {
		argv[n++] = "-incoming";
		argv[n++] = incoming;
		if (paused)
			argv[n++] = "-S"; /* as libvirt starts a destination: resumed by `cont` */
	}
	argv[n] = NULL;
	if (tap(h, "add", tapn) != 0)
		return -1;
	*pid = lab_spawn_to(h->l, LAB_SWITCH, argv, log);
	if (*pid < 0)
		return -1;
	int rc = lab_qmp_open(q, qmp, bo_clock_mono_ns() + 30 * BO_NS_PER_S);
	if (rc != 0) {
		fprintf(stderr, "blackout-lab: QEMU for %s did not answer on QMP (%s); see %s\n",
		        g->name, strerror(-rc), log);
		return -1;
	}
	json_t *ret;
	/* MIGRATION and MIGRATION_PASS events, on both ends. */
	rc = lab_qmp_cmd(
	        q, "migrate-set-capabilities",
	        json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability", "events", "state", 1),
	        &ret, bo_clock_mono_ns() + 5 * BO_NS_PER_S);
	json_decref(ret);
	return rc;
}

static int agent_connect(lab_hv *h, lab_guest *g, int gen)
{
	char path[160];
	inst_path(h, g, gen, "agent", path, sizeof path);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	for (int i = 0; i < 500; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		bo_clock_sleep(10 * BO_NS_PER_MS);
	}
	return -1;
}

/* One line from a guest's agent, stamped with its arrival on the host. */
static void agent_line(lab_guest *g, char *line, int64_t recv)
{
	json_t *m = json_loads(line, 0, NULL);
	if (!m || !json_is_object(m)) {
		json_decref(m);
		return;
	}
	const char *type = json_string_value(json_object_get(m, "type"));
	int64_t t0 = json_integer_value(json_object_get(m, "t0"));
	int64_t t1 = json_integer_value(json_object_get(m, "t1"));
	if (!type)
		type = "";
	if (!strcmp(type, "sync") && g->sync_sent &&
	    (uint64_t)json_integer_value(json_object_get(m, "id")) == g->sync_id) {
		if (g->nsync < LAB_MAX_SYNCS)
			g->syncs[g->nsync++] =
			        (lab_sync){g->sync_sent, recv,
			                   json_integer_value(json_object_get(m, "guest_ns"))};
		g->sync_sent = 0;
	} else if (!strcmp(type, "carrier-up")) {
		g->carrier_up[0] = t0, g->carrier_up[1] = t1;
	} else if (!strcmp(type, "quarantine-on")) {
		g->q_on[0] = t0, g->q_on[1] = t1;
	} else if (!strcmp(type, "quarantine-off")) {
		g->q_off[0] = t0, g->q_off[1] = t1;
	}
	if (strcmp(type, "sync") != 0) { /* the clock pairs are summed up per migration */
		json_object_set_new(m, "guest", json_string(g->name));
		json_object_set_new(m, "host_ns", json_integer(recv));
		bo_log_put(&g->agent_log, m);
	} else {
		json_decref(m);
	}
}

static void agent_read(lab_guest *g)
{
	for (;;) {
		ssize_t r = read(g->agent, g->abuf + g->alen, sizeof g->abuf - 1 - g->alen);
		int64_t now = bo_clock_real_ns();
		if (r <= 0)
			return;
		g->alen += (size_t)r;
		char *nl;
		while ((nl = memchr(g->abuf, '\n', g->alen))) {
			*nl = 0;
			agent_line(g, g->abuf, now);
			size_t used = (size_t)(nl + 1 - g->abuf);
			memmove(g->abuf, nl + 1, g->alen - used);
			g->alen -= used;
		}
		if (g->alen == sizeof g->abuf - 1)
			g->alen = 0; /* a line out of bounds: dropped */
	}
}

int lab_hv_pump(lab_hv *h, int64_t deadline)
{
	for (;;) {
		struct pollfd pf[LAB_MAX_GUESTS];
		int64_t now = bo_clock_real_ns();
		for (int i = 0; i < h->nguests; i++) {
			lab_guest *g = &h->g[i];
			pf[i] = (struct pollfd){g->agent, POLLIN, 0};
			if (g->agent < 0)
				continue;
			/* A pair unanswered for a second is given up (the guest was paused). */
			if (g->sync_sent && now - g->sync_sent > BO_NS_PER_S)
				g->sync_sent = 0;
			if (!g->sync_sent && now - g->sync_last >= SYNC_EVERY) {
				char cmd[32];
				int n = snprintf(cmd, sizeof cmd, "S %llu\n",
				                 (unsigned long long)++g->sync_id);
				g->sync_sent = g->sync_last = bo_clock_real_ns();
				if (write(g->agent, cmd, (size_t)n) != n)
					g->sync_sent = 0;
			}
		}
		int64_t mono = bo_clock_mono_ns();
		if (mono >= deadline || lab_interrupted)
			return lab_interrupted ? -1 : 0;
		int64_t wait = deadline - mono < SYNC_EVERY ? deadline - mono : SYNC_EVERY;
		if (poll(pf, (nfds_t)h->nguests, (int)(wait / BO_NS_PER_MS) + 1) < 0 &&
		    errno != EINTR)
			return -1;
		for (int i = 0; i < h->nguests; i++)
			if (h->g[i].agent >= 0 && (pf[i].revents & POLLIN))
				agent_read(&h->g[i]);
	}
}

/* Pumps until the agent of g has reported what *t points to (t[1] != 0) or the deadline. */
static int pump_until(lab_hv *h, const int64_t *t, int64_t deadline)
{
	while (!t[1] && bo_clock_mono_ns() < deadline)
		if (lab_hv_pump(h, bo_clock_mono_ns() + 10 * BO_NS_PER_MS) != 0)
			return -1;
	return t[1] ? 0 : -1;
}

/* A guest-clock reading on the host clock, as a bracket. Each pair's guest reading lies between
 * the host's send and receive; between the two pairs around t (100 ms apart) the guest's clock
 * runs at one rate (under TCG it runs ~1.5 % slow, so one pair alone would not do), so t maps
 * to [the sends interpolated, the receives interpolated]. -1 when no pairs surround t. */
static int map_one(const lab_guest *g, int64_t t, int64_t out[2])
{
	const lab_sync *a = NULL, *b = NULL;
	for (int i = 0; i < g->nsync; i++) {
		const lab_sync *s = &g->syncs[i];
		if (s->guest <= t && (!a || s->guest > a->guest))
			a = s;
		if (s->guest >= t && (!b || s->guest < b->guest))
			b = s;
	}
	if (!a || !b)
		return -1;
	if (a == b) {
		out[0] = a->sent, out[1] = a->recv;
		return 0;
	}
	double f = (double)(t - a->guest) / (double)(b->guest - a->guest);
	out[0] = a->sent + (int64_t)(f * (double)(b->sent - a->sent));
	out[1] = a->recv + (int64_t)(f * (double)(b->recv - a->recv));
	return 0;
}

static int to_host(const lab_guest *g, const int64_t t[2], int64_t out[2])
{
	int64_t lo[2], hi[2];
	if (!t[1] || map_one(g, t[0], lo) != 0 || map_one(g, t[1], hi) != 0)
		return -1;
	out[0] = lo[0], out[1] = hi[1];
	return 0;
}

static json_t *pair_or_null(int ok, const int64_t v[2])
{
	return ok ? json_pack("[I,I]", (json_int_t)v[0], (json_int_t)v[1]) : json_null();
}

static void quit_instance(lab_hv *h, lab_guest *g, pid_t pid, lab_qmp *q, int gen)
{
	json_t *ret = NULL;
	lab_qmp_cmd(q, "quit", NULL, &ret, bo_clock_mono_ns() + 2 * BO_NS_PER_S);
	json_decref(ret);
	lab_qmp_close(q);
	int st;
	for (int i = 0; i < 300 && waitpid(pid, &st, WNOHANG) == 0; i++) {
		bo_clock_sleep(10 * BO_NS_PER_MS);
	}
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	char tapn[16];
	tap_name(g, gen, tapn, sizeof tapn);
	tap(h, "del", tapn);
}

/* Does a line of the file hold one of the n strings? */
static int file_has(const char *path, const char *const *what, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int found = 0;
	while (f && !found && fgets(line, sizeof line, f))
		for (size_t i = 0; i < n && !found; i++)
			found = strstr(line, what[i]) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* The guest's kernel said it crashed on this QEMU instance's console. */
static int guest_crashed(const lab_hv *h, const lab_guest *g, int gen)
{
	static const char *const signs[] = {"Kernel panic", "Oops:", "general protection fault",
	                                    "BUG:", "malloc(): "};
	char path[4200];
	console_path(h, g, gen, path, sizeof path);
	return file_has(path, signs, sizeof signs / sizeof signs[0]);
}

static int64_t ms_field(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) * BO_NS_PER_MS : -1;
}

/* The verdict blackout-analyze should give a stream, from what happened (not from what the
 * scenario meant): the dark time after the resume until the agent lifted the quarantine. */
static const char *expected(int blocked, int64_t downtime, int64_t resume, const int64_t qoff[2])
{
	if (blocked) {
		int64_t post = (qoff[0] + qoff[1]) / 2 - resume;
		return post <= BO_NS_PER_S ? "switchover-only" : lab_quarantine_verdict(post);
	}
	return lab_pause_verdict(downtime);
}

int lab_hv_migrate(lab_hv *h, int i, const lab_scenario *sc, bo_log *truth)
{
	lab_guest *g = &h->g[i];
	int src = g->gen - 1, dst = g->gen, indicate = sc->event;
	int post = sc->postcopy;
	lab_qmp dq;
	pid_t dpid;
	json_t *ret = NULL;
	int64_t dl = bo_clock_mono_ns() + 120 * BO_NS_PER_S;
	if (bo_clock_mono_ns() < g->booted + LAB_SETTLE) {
		/* QEMU 7.2 under TCG loses guest memory now and then in a migration started in a
		 * guest's first seconds (docs/lab.md): the first one waits. */
		fprintf(stderr, "lab: letting %s settle after its boot\n", g->name);
		if (lab_hv_pump(h, g->booted + LAB_SETTLE) != 0)
			return -1;
	}
	fprintf(stderr, "lab: migrating %s (%s), QEMU instance %d to %d\n", g->name, sc->name, src,
	        dst);
	if (instance(h, g, dst, indicate, &dpid, &dq) != 0)
		return -1;
	g->gen++;
	/* The agent socket of a destination that will wait paused (-S, with an indication) is
	 * connected before the migration; others' after the resume. (QEMU 7.2 under TCG crashes
	 * guests now and then either way with an indication: the lab says so, exit 75.) */
	int dagent = indicate ? agent_connect(h, g, dst) : -1;
	if (post) {
		json_t *caps = json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability",
		                         "postcopy-ram", "state", 1);
		if (lab_qmp_cmd(&dq, "migrate-set-capabilities", json_incref(caps), &ret, dl) ||
		    (json_decref(ret),
		     lab_qmp_cmd(&g->qmp, "migrate-set-capabilities", caps, &ret, dl))) {
			fprintf(stderr, "blackout-lab: post-copy refused: %s\n", g->qmp.error);
			return -1;
		}
		json_decref(ret);
	}
	if (h->downtime_limit_ms) {
		lab_qmp_cmd(&g->qmp, "migrate-set-parameters",
		            json_pack("{s:I}", "downtime-limit", (json_int_t)h->downtime_limit_ms),
		            &ret, dl);
		json_decref(ret);
	}
	char uri[200], mig[160];
	inst_path(h, g, dst, "mig", mig, sizeof mig);
	snprintf(uri, sizeof uri, "unix:%s", mig);
	/* Events of the source's own past (its incoming migration) are not this one's. */
	json_array_clear(g->qmp.events);
	int64_t started = bo_clock_real_ns();
	if (lab_qmp_cmd(&g->qmp, "migrate", json_pack("{s:s}", "uri", uri), &ret, dl) != 0) {
		fprintf(stderr, "blackout-lab: migrate refused: %s\n", g->qmp.error);
		return -1;
	}
	json_decref(ret);
	if (post) { /* after the first pass, as one does when pre-copy does not converge */
		json_t *p = lab_qmp_event(&g->qmp, "MIGRATION_PASS", NULL, NULL, started, dl);
		json_decref(p);
		lab_qmp_cmd(&g->qmp, "migrate-start-postcopy", NULL, &ret, dl);
		json_decref(ret);
	}
	json_t *stop = lab_qmp_event(&g->qmp, "STOP", NULL, NULL, started, dl);
	int64_t t_stop = stop ? lab_qmp_time(stop) : 0;
	json_decref(stop);
	int64_t link[2] = {0, 0};
	int silent = 0; /* the agent never reported: the guest hung */
	if (indicate) { /* loaded and paused: the link goes down before the guest runs */
		json_t *done = lab_qmp_event(&dq, "MIGRATION", "status", "completed", started, dl);
		json_decref(done);
		lab_qmp_cmd(&dq, "set_link", json_pack("{s:s, s:b}", "name", "n0", "up", 0), &ret,
		            dl);
		json_decref(ret);
		lab_qmp_cmd(&dq, "cont", NULL, &ret, dl);
		json_decref(ret);
	}
	json_t *resume = lab_qmp_event(&dq, "RESUME", NULL, NULL, started, dl);
	int64_t t_resume = resume ? lab_qmp_time(resume) : 0;
	json_decref(resume);
	if (!indicate)
		dagent = agent_connect(h, g, dst);
	json_t *end = lab_qmp_event(&g->qmp, "MIGRATION", "status", "completed", started, dl);
	int64_t t_end = end ? lab_qmp_time(end) : 0;
	json_decref(end);
	json_t *info = NULL;
	lab_qmp_cmd(&g->qmp, "query-migrate", NULL, &info, dl);
	const char *status = json_string_value(json_object_get(info, "status"));
	if (!t_stop || !t_resume || !status || strcmp(status, "completed") != 0) {
		fprintf(stderr,
		        "blackout-lab: migration of %s did not complete (%s); see %s/qemu/\n",
		        g->name, status ? status : "no answer", h->run);
		json_decref(info);
		return -1;
	}
	/* The guest runs on the destination now: the source goes, as after a real migration. */
	int sagent = g->agent;
	g->agent = dagent;
	g->nsync = 0; /* clock pairs from before the resume belong to another clock */
	g->sync_sent = 0;
	memset(g->carrier_up, 0, sizeof g->carrier_up);
	memset(g->q_on, 0, sizeof g->q_on);
	memset(g->q_off, 0, sizeof g->q_off);
	if (sagent >= 0)
		close(sagent);
	quit_instance(h, g, g->pid, &g->qmp, src);
	g->pid = dpid;
	g->qmp = dq;

	if (indicate) {
		/* The agent quarantines at the loss of carrier; the link comes back only once it
		 * has, so nothing slips through between (the truth would not model it). */
		if (g->sc->quarantine_ns &&
		    pump_until(h, g->q_on, bo_clock_mono_ns() + 5 * BO_NS_PER_S) != 0) {
			fprintf(stderr,
			        "blackout-lab: the agent in %s did not report its quarantine "
			        "within 5 s: "
			        "the guest is not running right\n",
			        g->name);
			silent = 1;
		}
		link[0] = bo_clock_real_ns();
		lab_qmp_cmd(&g->qmp, "set_link", json_pack("{s:s, s:b}", "name", "n0", "up", 1),
		            &ret, dl);
		link[1] = bo_clock_real_ns();
		json_decref(ret);
		if (g->sc->quarantine_ns)
			pump_until(h, g->q_off,
			           bo_clock_mono_ns() + g->sc->quarantine_ns + 10 * BO_NS_PER_S);
	}
	/* Clock pairs after the last event, for mapping it. */
	lab_hv_pump(h, bo_clock_mono_ns() + 500 * BO_NS_PER_MS);

	int panicked = guest_crashed(h, g, dst), crashed = panicked || silent;
	if (crashed) {
		char cpath[4200];
		console_path(h, g, dst, cpath, sizeof cpath);
		fprintf(stderr,
		        "blackout-lab: %s %s on the destination after the migration (QEMU's "
		        "console: %s)\n",
		        g->name, panicked ? "crashed (its memory came out damaged)" : "hung",
		        cpath);
	}
	int64_t downtime = ms_field(info, "downtime");
	int64_t qon[2] = {0, 0}, qoff[2] = {0, 0}, cup[2] = {0, 0};
	int have_on = to_host(g, g->q_on, qon) == 0, have_off = to_host(g, g->q_off, qoff) == 0;
	int have_up = to_host(g, g->carrier_up, cup) == 0;
	int k = h->nmig++;
	/* How fast the guest's clock ran against the host's over this migration's pairs. */
	double ppm = 0;
	if (g->nsync >= 2) {
		const lab_sync *a = &g->syncs[0], *b = &g->syncs[g->nsync - 1];
		double host = (double)((b->sent + b->recv) / 2 - (a->sent + a->recv) / 2);
		if (host > 0)
			ppm = ((double)(b->guest - a->guest) / host - 1) * 1e6;
	}
	const char *mode = post ? "postcopy" : "precopy";
	json_t *hl = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, "
	                       "s:I, s:s}",
	                       "type", bo_lab_name(BO_LAB_MIGRATION), "source", "qemu", "vm",
	                       g->name, "target", g->addr, "migration", k, "mode", mode, "status",
	                       status, "start_ns", (json_int_t)started, "stop_ns",
	                       (json_int_t)t_stop, "resume_ns", (json_int_t)t_resume, "end_ns",
	                       (json_int_t)t_end, "downtime_ns", (json_int_t)downtime, "total_ns",
	                       (json_int_t)ms_field(info, "total-time"), "setup_ns",
	                       (json_int_t)ms_field(info, "setup-time"), "accel", h->accel);
	/* both QEMUs run on this machine: the source and the destination host are the same */
	bo_sysinfo si;
	bo_sys_info(&si);
	json_object_set_new(hl, "from_host", json_string(si.hostname));
	json_object_set_new(hl, "to_host", json_string(si.hostname));
	bo_log_put(&h->host, hl);
	json_t *ram = json_object_get(info, "ram");
	json_t *rec = json_pack(
	        "{s:s, s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, "
	        "s:o, s:i, s:f, s:b, s:I}",
	        "type", bo_lab_name(BO_LAB_MIGRATION), "guest", g->name, "target", g->addr,
	        "migration", k, "mode", mode, "stop_ns", (json_int_t)t_stop, "resume_ns",
	        (json_int_t)t_resume, "end_ns", (json_int_t)t_end, "downtime_ns",
	        (json_int_t)downtime, "total_ns", (json_int_t)ms_field(info, "total-time"),
	        "setup_ns", (json_int_t)ms_field(info, "setup-time"), "indication",
	        pair_or_null(indicate, link), "carrier_up", pair_or_null(have_up, cup),
	        "quarantine_on", pair_or_null(have_on, qon), "quarantine_off",
	        pair_or_null(have_off, qoff), "clock_pairs", g->nsync, "guest_clock_rate_ppm", ppm,
	        "guest_crashed", crashed, "ram_bytes",
	        (json_int_t)json_integer_value(json_object_get(ram, "transferred")));
	json_object_set_new(rec, "scenario", json_string(sc->name));
	bo_log_put(truth, rec);
	json_decref(info);
	for (int s = 0; s < bo_nstreams; s++) {
		const bo_stream_desc *d = bo_streams[s];
		int blocked = indicate && g->sc->quarantine_ns &&
		              (g->sc->scope & lab_blocked_by(d)) != 0 && have_off;
		/* Stopped at STOP; back after RESUME (how long after is the network's part, not
		 * QEMU's), or when the agent lifted the quarantine. */
		json_t *t = json_pack("{s:s, s:s, s:s, s:s, s:i, s:[I,I], s:I, s:o, s:s}", "type",
		                      bo_lab_name(BO_LAB_TRUTH), "stream", d->name, "guest",
		                      g->name, "target", g->addr, "migration", k, "start",
		                      (json_int_t)t_stop, (json_int_t)t_stop, "end_after_ns",
		                      (json_int_t)(blocked ? qoff[0] : t_resume), "end",
		                      pair_or_null(blocked, qoff), "verdict",
		                      expected(blocked, downtime, t_resume, qoff));
		json_object_set_new(t, "scenario", json_string(sc->name));
		if (blocked) /* known only where the agent's lifting ends it */
			json_object_set_new(t, "duration_ns",
			                    json_integer((qoff[0] + qoff[1]) / 2 - t_stop));
		bo_log_put(truth, t);
	}
	char d1[32], d2[32];
	fprintf(stderr, "lab: %s migrated: QEMU downtime %s, total %s%s\n", g->name,
	        bo_dur_str(downtime, d1, sizeof d1), bo_dur_str(t_end - started, d2, sizeof d2),
	        have_off ? ", quarantine lifted" : "");
	return crashed ? LAB_GUEST_FAILED : 0;
}

/* Does a guest boot under KVM here? Asked once per kernel and QEMU, the answer kept in the
 * cache: on some machines KVM accepts a VM whose guest then hangs at early boot. */
static const char *accel_cache = "/var/cache/blackout-lab/kvm-boots";

/* Until the guest's init is up and its responder has started (its log's first line). */
static int boot_wait(lab_hv *h, lab_guest *g, int64_t deadline)
{
	char console[4200], rlog[4200];
	static const char *const up[] = {"guest: up"}, *const start[] = {"\"type\":\"start\""};
	console_path(h, g, 0, console, sizeof console);
	responder_log(h, g, rlog, sizeof rlog);
	while (bo_clock_mono_ns() < deadline && !lab_interrupted) {
		if (file_has(console, up, 1) && file_has(rlog, start, 1))
			return 0;
		int st;
		if (waitpid(g->pid, &st, WNOHANG) == g->pid) {
			g->pid = -1;
			return -1;
		}
		bo_clock_sleep(50 * BO_NS_PER_MS);
	}
	return -1;
}

static int build_image(lab_hv *h, const char *responder)
{
	char mk[4096], agent[4096], dir[4200];
	if (lab_find_program("blackout-lab-mkguest", "lab", mk, sizeof mk) != 0 ||
	    lab_find_program("blackout-lab-agent", "lab", agent, sizeof agent) != 0) {
		fprintf(stderr,
		        "blackout-lab: blackout-lab-mkguest or blackout-lab-agent not found "
		        "next to blackout-lab (build or install them together)\n");
		return -1;
	}
	snprintf(dir, sizeof dir, "%s/qemu", h->run);
	char *argv[] = {mk, dir, (char *)responder, agent, NULL};
	if (lab_system(argv) != 0)
		return -1;
	snprintf(h->kernel, sizeof h->kernel, "%s/vmlinuz", dir);
	snprintf(h->initrd, sizeof h->initrd, "%s/initrd.img", dir);
	return 0;
}

static int boot_all(lab_hv *h)
{
	for (int i = 0; i < h->nguests; i++)
		if (instance(h, &h->g[i], 0, 0, &h->g[i].pid, &h->g[i].qmp) != 0)
			return -1;
		else
			h->g[i].gen = 1;
	for (int i = 0; i < h->nguests; i++) {
		if (boot_wait(h, &h->g[i],
		              bo_clock_mono_ns() +
		                      (strcmp(h->accel, "kvm") ? 90 : 20) * BO_NS_PER_S) != 0)
			return -1;
		h->g[i].booted = bo_clock_mono_ns();
	}
	return 0;
}

static void stop_guests(lab_hv *h)
{
	for (int i = 0; i < h->nguests; i++) {
		lab_guest *g = &h->g[i];
		if (g->agent >= 0)
			close(g->agent);
		g->agent = -1;
		if (g->gen > 0 && g->pid > 0)
			quit_instance(h, g, g->pid, &g->qmp, g->gen - 1);
		else
			lab_qmp_close(&g->qmp);
		g->pid = -1;
		g->gen = 0;
	}
}

int lab_hv_start(lab_hv *h, const lab *l, const lab_scenario *const *boot, const char *run,
                 int nguests, const char *accel, int64_t downtime_limit_ms, const char *responder)
{
	memset(h, 0, sizeof *h);
	h->l = l, h->run = run, h->nguests = nguests;
	h->downtime_limit_ms = downtime_limit_ms;
	for (int i = 0; i < nguests; i++) {
		lab_guest *g = &h->g[i];
		g->index = i, g->agent = -1, g->pid = -1, g->sc = boot[i];
		snprintf(g->name, sizeof g->name, "g%d", i);
		lab_vm_ident(i, 1, g->addr, g->addr6, g->mac);
	}
	if (lab_system((char *[]){"sh", "-c", "command -v " QEMU_BIN " >/dev/null", NULL}) != 0) {
		fprintf(stderr, "blackout-lab: needs QEMU (apt-get install qemu-system-x86)\n");
		return -1;
	}
	lab_qemu_dir(l, h->sock, sizeof h->sock);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/qemu", run);
	if (bo_mkdir_p(dir) != 0 || bo_mkdir_p(h->sock) != 0) {
		fprintf(stderr, "blackout-lab: cannot create %s or %s: %s\n", dir, h->sock,
		        strerror(errno));
		return -1;
	}
	for (int i = 0; i < nguests; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/qemu/agent-%s.jsonl", run, h->g[i].name);
		if (bo_log_open(&h->g[i].agent_log, path, 1) != 0)
			return -1;
	}
	snprintf(dir, sizeof dir, "%s/host.jsonl", run);
	if (bo_log_open(&h->host, dir, 1) != 0) {
		fprintf(stderr, "blackout-lab: cannot write %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (lab_probe_mac(l, h->probe_mac) != 0) /* for the guest's fixed neighbour entry */
		h->probe_mac[0] = 0;
	fprintf(stderr, "lab: building the guest image\n");
	if (build_image(h, responder) != 0)
		return -1;

	/* KVM where a guest boots under it, else TCG. */
	char want[8];
	snprintf(want, sizeof want, "%s", accel);
	if (!strcmp(want, "auto")) {
		FILE *c = fopen(accel_cache, "r");
		char cached[16] = "";
		if (c && !fgets(cached, sizeof cached, c))
			cached[0] = 0;
		if (c)
			fclose(c);
		int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (kvm >= 0)
			close(kvm);
		snprintf(want, sizeof want, "%s",
		         kvm < 0 || !strncmp(cached, "no", 2) ? "tcg" : "kvm");
	}
	snprintf(h->accel, sizeof h->accel, "%s", want);
	fprintf(stderr, "lab: booting %d guest%s (QEMU, %s)\n", nguests, nguests > 1 ? "s" : "",
	        h->accel);
	if (boot_all(h) == 0)
		goto booted;
	if (strcmp(h->accel, "kvm") != 0 || strcmp(accel, "auto") != 0 || lab_interrupted) {
		fprintf(stderr, "blackout-lab: a guest did not boot; its console is in %s/qemu/\n",
		        run);
		return -1;
	}
	fprintf(stderr,
	        "lab: the guest did not boot under KVM in 20 s (nested KVM?); using TCG, "
	        "and remembering it in %s\n",
	        accel_cache);
	FILE *c = fopen(accel_cache, "w");
	if (c) {
		fputs("no\n", c);
		fclose(c);
	}
	stop_guests(h);
	snprintf(h->accel, sizeof h->accel, "tcg");
	if (boot_all(h) != 0) {
		fprintf(stderr, "blackout-lab: a guest did not boot; its console is in %s/qemu/\n",
		        run);
		return -1;
	}
booted:;
	json_t *v = NULL;
	lab_qmp_cmd(&h->g[0].qmp, "query-version", NULL, &v, bo_clock_mono_ns() + BO_NS_PER_S);
	json_t *q = json_object_get(v, "qemu");
	snprintf(h->qemu_version, sizeof h->qemu_version, "%lld.%lld.%lld",
	         (long long)json_integer_value(json_object_get(q, "major")),
	         (long long)json_integer_value(json_object_get(q, "minor")),
	         (long long)json_integer_value(json_object_get(q, "micro")));
	json_decref(v);
	for (int i = 0; i < nguests; i++)
		h->g[i].agent = agent_connect(h, &h->g[i], 0);
	/* The responders' logs show them running: the guests are ready to be measured. */
	lab_hv_pump(h, bo_clock_mono_ns() + 300 * BO_NS_PER_MS);
	return 0;
}

void lab_hv_stop(lab_hv *h)
{
	stop_guests(h);
	for (int i = 0; i < h->nguests; i++)
		bo_log_close(&h->g[i].agent_log);
	bo_log_close(&h->host);
	/* The sockets' directory goes with the lab (lab_destroy), also after a SIGKILL. */
}

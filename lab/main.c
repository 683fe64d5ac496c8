/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-lab: builds a namespace testbed and simulates a live migration with quarantine. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bo_cli.h"
#include "bo_fs.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "lab.h"
#include "qemu.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: blackout-lab COMMAND [OPTIONS]\n"
	        "\n"
	        "Makes VM live migrations to measure, in network namespaces. Simulated: pause "
	        "(all\n"
	        "traffic dropped), resume (network event in the VM, gratuitous ARP), quarantine\n"
	        "(inbound ICMP, UDP and new TCP dropped in the VM, established TCP passes),\n"
	        "recovered. Real (the qemu-* scenarios): QEMU guests built from Debian's "
	        "packages,\n"
	        "migrated live between QEMU processes, QEMU's own figures kept. Needs root.\n"
	        "\n"
	        "Commands:\n"
	        "  run SCENARIO --run DIR [OPTIONS] -- CMD [ARG...]\n"
	        "                   build a lab, run CMD in the probe namespace, migrate after "
	        "--lead,\n"
	        "                   stop CMD with SIGINT --tail after recovery, remove the lab;\n"
	        "                   exits with CMD's status\n"
	        "  up [--name NAME] build a lab and leave it; prints its name\n"
	        "  migrate SCENARIO --name NAME --run DIR [OPTIONS]\n"
	        "                   migrate an existing lab once, ground truth into DIR/lab.jsonl\n"
	        "  exec NAME ROLE -- CMD [ARG...]\n"
	        "                   run CMD in the lab's namespace ROLE: probe, sw or vm\n"
	        "  down NAME        remove a lab made by `up`\n"
	        "  scenarios        list the named scenarios\n"
	        "  --help, --version\n"
	        "\n"
	        "Scenario options (override the named scenario's values):\n"
	        "  --pause DUR        VM paused, nothing reaches it (e.g. 300ms)\n"
	        "  --quarantine DUR   quarantine after the network event; 0 for none\n"
	        "  --event yes|no     a network event (link down/up) in the VM at resume\n"
	        "  --scope LIST       what quarantine drops: icmp,udp,tcp-new,tcp-all\n"
	        "                     (default icmp,udp,tcp-new)\n"
	        "\n"
	        "Run options:\n"
	        "  --run DIR          run directory, created if missing (ground truth: "
	        "DIR/lab.jsonl)\n"
	        "  --lead DUR         from CMD start to the migration (default 2s)\n"
	        "  --tail DUR         from recovery to stopping CMD (default 3s)\n"
	        "  --vm CMD           shell command to run in the VM namespace during the run\n"
	        "  --responder PATH   blackout-responder to start in the VM with guest capture "
	        "on\n"
	        "                     eth0, heartbeat to the probe and its log in "
	        "DIR/responder.jsonl\n"
	        "                     (default: the one built or installed next to "
	        "blackout-lab,\n"
	        "                     else from PATH; \"none\": no responder)\n"
	        "  --name NAME        lab name, \"bo\" and up to 14 characters (default: random)\n"
	        "  --migrations N     migrations (of each VM or guest) in one run (default 1)\n"
	        "  --vms N            simulated VMs, 192.0.2.2 and up, migrated in turn (default "
	        "1,\n"
	        "                     up to 8; also for `up`)\n"
	        "  --plan LIST        the migrations in order, VM:SCENARIO each, e.g.\n"
	        "                     0:safety-timeout,1:normal,2:kb-fixed,0:kb-fixed (QEMU:\n"
	        "                     GUEST:qemu-..., e.g. 0:qemu-kb-fixed,0:qemu-quarantine)\n"
	        "  --gap DUR          from one migration's recovery to the next (default 3s)\n"
	        "\n"
	        "QEMU options (the qemu-* scenarios; docs/lab.md):\n"
	        "  --guests N         guests, 192.0.2.2 and up, migrated in turn (default 1, up to "
	        "8)\n"
	        "  --accel auto|kvm|tcg\n"
	        "                     KVM where a guest boots under it, else TCG (default auto)\n"
	        "  --downtime-limit DUR\n"
	        "                     QEMU's downtime-limit for pre-copy (default: QEMU's, "
	        "300ms)\n"
	        "  The quarantine is the guest agent's: --quarantine sets how long it holds after\n"
	        "  the link indication; --scope what it drops.\n"
	        "\n"
	        "CMD and --vm see BLACKOUT_TARGET, BLACKOUT_TARGET6, BLACKOUT_PROBE_ADDR,\n"
	        "BLACKOUT_RUN and BLACKOUT_LAB in their environment; with QEMU guests also\n"
	        "BLACKOUT_TARGETS (every guest's address). A QEMU run also writes DIR/host.jsonl\n"
	        "(QEMU's account of each migration) and DIR/qemu/ (consoles, agent logs).\n"
	        "Exit status of run: CMD's; 75 when a QEMU guest crashed or hung after a "
	        "migration.\n"
	        "\n"
	        "Scenarios:\n");
	lab_scenarios_print();
}

static int count_arg(const char *opt, const char *s, int max)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > max)
		bo_cli_usage_error("%s takes a count from 1 to %d: %s", opt, max, s);
	return (int)v;
}

static volatile sig_atomic_t lab_last_signal; /* for exec: passed on to CMD */

static void on_signal(int sig)
{
	lab_interrupted = 1;
	lab_last_signal = sig;
}

/* Waits for pid until a monotonic deadline. 1: it exited (*status set); 0: deadline;
 * -1: interrupted. */
static int wait_child(pid_t pid, int64_t deadline, int *status)
{
	for (;;) {
		if (pid > 0 && waitpid(pid, status, WNOHANG) == pid)
			return 1;
		if (lab_interrupted)
			return -1;
		int64_t now = bo_clock_mono_ns();
		if (now >= deadline)
			return 0;
		int64_t step =
		        deadline - now < 20 * BO_NS_PER_MS ? deadline - now : 20 * BO_NS_PER_MS;
		struct timespec ts = {0, step};
		nanosleep(&ts, NULL);
	}
}

static int stop_child(pid_t pid, int sig, int64_t grace)
{
	int st = 0;
	if (pid <= 0)
		return 0;
	kill(-pid, sig);
	int saved = lab_interrupted;
	lab_interrupted = 0; /* keep waiting for the child's orderly exit even after Ctrl-C */
	int r = wait_child(pid, bo_clock_mono_ns() + grace, &st);
	lab_interrupted = saved;
	if (r != 1) {
		fprintf(stderr, "blackout-lab: pid %d did not stop in time; killing it\n",
		        (int)pid);
		kill(-pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	kill(-pid, SIGKILL); /* whatever the command left behind in its group */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int open_truth(const char *dir, const lab *l, const lab_scenario *sc, bo_log *truth)
{
	if (bo_mkdir_p(dir) != 0) {
		fprintf(stderr, "blackout-lab: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/lab.jsonl", dir);
	if (bo_log_open(truth, path, 1) != 0) {
		fprintf(stderr, "blackout-lab: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	char scope[64], a4[16], a6[40], mac[18];
	lab_scope_str(sc->scope, scope, sizeof scope);
	lab_vm_ident(0, sc->qemu, a4, a6, mac); /* the first VM or guest */
	bo_log_put(truth,
	           json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:I, s:b, s:s, s:s, s:s, s:s, "
	                     "s:s, s:I}",
	                     "type", bo_lab_name(BO_LAB_HEADER), "tool", "blackout-lab", "version",
	                     BLACKOUT_VERSION, "format", BO_FORMAT_VERSION, "scenario", sc->name,
	                     "pause_ns", (json_int_t)sc->pause_ns, "quarantine_ns",
	                     (json_int_t)sc->quarantine_ns, "event", sc->event, "scope", scope,
	                     "lab", l->name, "target", a4, "target6", a6, "target_mac", mac,
	                     "realtime_ns", (json_int_t)bo_clock_real_ns()));
	return 0;
}

static void set_env(const lab *l, const char *run)
{
	setenv("BLACKOUT_TARGET", LAB_VM_ADDR, 1);
	setenv("BLACKOUT_TARGET6", LAB_VM_ADDR6, 1);
	char targets[256] = "", a4[16], a6[40], mac[18];
	for (int v = 0; v < l->nvms; v++) {
		lab_vm_ident(v, 0, a4, a6, mac);
		snprintf(targets + strlen(targets), sizeof targets - strlen(targets), "%s%s",
		         v ? " " : "", a4);
	}
	if (l->nvms)
		setenv("BLACKOUT_TARGETS", targets, 1);
	setenv("BLACKOUT_PROBE_ADDR", LAB_PROBE_ADDR, 1);
	setenv("BLACKOUT_LAB", l->name, 1);
	if (run)
		setenv("BLACKOUT_RUN", run, 1);
}

/* Starts the responder in VM vm's namespace and waits (up to 3 s) until its log says it runs:
 * RUN/responder.jsonl for the first VM, RUN/responder-vmN.jsonl for the others. */
static pid_t start_responder(const lab *l, int vm, const char *bin, const char *run)
{
	char log[4200];
	if (vm)
		snprintf(log, sizeof log, "%s/responder-vm%d.jsonl", run, vm);
	else
		snprintf(log, sizeof log, "%s/responder.jsonl", run);
	char group[8], kvp[256];
	snprintf(group, sizeof group, "%d", LAB_LOG_GROUP);
	lab_kvp_path(l, vm, kvp, sizeof kvp);
	if (lab_kvp_write(l, vm, LAB_KVP_HOST_A) != 0)
		return -1;
	/* The probe host is the one source it serves (its events and echo go to no one else). */
	char *argv[] = {(char *)bin,   "--quiet",
	                "--capture",   "eth0",
	                "--heartbeat", LAB_PROBE_ADDR,
	                "--allow",     LAB_PROBE_ADDR,
	                "--allow",     LAB_PROBE_ADDR6,
	                "--log",       log,
	                "--priority",  "realtime",
	                "--fw-log",    group,
	                "--kvp",       kvp,
	                NULL};
	pid_t pid = lab_spawn(l, (enum lab_role)(LAB_VM + vm), argv);
	if (pid < 0)
		return -1;
	for (int i = 0; i < 300; i++) {
		FILE *f = fopen(log, "r");
		char line[256] = "";
		int ok = f && fgets(line, sizeof line, f) && strstr(line, "\"type\":\"start\"");
		if (f)
			fclose(f);
		if (ok)
			return pid;
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "blackout-lab: %s exited at start (status %d)\n", bin,
			        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			return -1;
		}
		struct timespec ts = {0, 10 * BO_NS_PER_MS};
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "blackout-lab: %s did not start within 3 s\n", bin);
	return pid;
}

/* How a run is planned: its migrations in order (which VM, which scenario), the waits, and
 * the QEMU settings. */
#define LAB_MAX_PLAN 1000
typedef struct run_plan {
	int64_t lead, tail, gap;
	int guests, migrations, vms;
	const char *accel;
	int64_t downtime_limit;
	int nsteps;
	struct plan_step {
		int vm;
		lab_scenario sc;
	} steps[LAB_MAX_PLAN];
} run_plan;

/* --plan VM:SCENARIO,...: the migrations in order, of the simulated VMs or of the QEMU guests
 * (the run's scenario says which). A QEMU guest boots with its first step's quarantine hold
 * and scope: its later steps must share them. */
static void parse_plan(run_plan *p, const char *list, int qemu)
{
	char buf[8192];
	int max = qemu ? LAB_MAX_GUESTS : LAB_MAX_VMS;
	if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
		bo_cli_usage_error("--plan is too long");
	p->nsteps = 0;
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':'), *end;
		long vm = colon ? strtol(tok, &end, 10) : 0;
		if (colon && (end != colon || vm < 0 || vm >= max))
			bo_cli_usage_error("--plan takes %s:SCENARIO items, %s 0 to %d: %s",
			                   qemu ? "GUEST" : "VM", qemu ? "GUEST" : "VM", max - 1,
			                   tok);
		const char *name = colon ? colon + 1 : tok;
		const lab_scenario *sc = lab_scenario_find(name);
		if (!sc || sc->qemu != qemu)
			bo_cli_usage_error(
			        "--plan: %s is not a %s scenario (blackout-lab scenarios)", name,
			        qemu ? "qemu-*" : "simulated");
		for (int k = 0; qemu && k < p->nsteps; k++)
			if (p->steps[k].vm == vm &&
			    (p->steps[k].sc.quarantine_ns != sc->quarantine_ns ||
			     p->steps[k].sc.scope != sc->scope)) {
				bo_cli_usage_error(
				        "--plan: guest %ld boots for %s (its first migration); "
				        "%s holds a different quarantine: give it a guest of its "
				        "own",
				        vm, p->steps[k].sc.name, name);
			}
		if (p->nsteps == LAB_MAX_PLAN)
			bo_cli_usage_error("--plan has more than %d migrations", LAB_MAX_PLAN);
		p->steps[p->nsteps++] = (struct plan_step){(int)vm, *sc};
		if (qemu && vm + 1 > p->guests)
			p->guests = (int)vm + 1;
		if (!qemu && vm + 1 > p->vms)
			p->vms = (int)vm + 1;
	}
	if (!p->nsteps)
		bo_cli_usage_error("--plan is empty");
}

/* The QEMU guests' facts, once they run: which accelerator, which QEMU, which addresses. */
static void log_hypervisor(bo_log *truth, const lab_hv *h)
{
	json_t *guests = json_array();
	for (int i = 0; i < h->nguests; i++)
		json_array_append_new(guests,
		                      json_pack("{s:s, s:s, s:s, s:s}", "name", h->g[i].name,
		                                "target", h->g[i].addr, "target6", h->g[i].addr6,
		                                "mac", h->g[i].mac));
	bo_log_put(truth, json_pack("{s:s, s:s, s:s, s:s, s:o}", "type",
	                            bo_lab_name(BO_LAB_HYPERVISOR), "hypervisor", "qemu", "accel",
	                            h->accel, "qemu_version", h->qemu_version, "guests", guests));
}

/* The simulated VMs' facts: addresses and MACs. */
static void log_vms(bo_log *truth, const lab *l)
{
	json_t *vms = json_array();
	char a4[16], a6[40], mac[18];
	for (int v = 0; v < l->nvms; v++) {
		lab_vm_ident(v, 0, a4, a6, mac);
		json_array_append_new(vms, json_pack("{s:i, s:s, s:s, s:s}", "vm", v, "target", a4,
		                                     "target6", a6, "mac", mac));
	}
	bo_log_put(truth, json_pack("{s:s, s:o}", "type", bo_lab_name(BO_LAB_VMS), "vms", vms));
}

static int cmd_run(lab_scenario sc, const char *run, const char *name, const run_plan *plan,
                   const char *vm_cmd, const char *responder, char **cmd)
{
	lab l;
	lab_report_stale();
	if (lab_create(&l, name, (int)getpid(), sc.qemu ? 0 : plan->vms) != 0)
		return 1;
	fprintf(stderr, "lab: %s up (namespaces %s, %s", l.name, l.ns[LAB_PROBE], l.ns[LAB_SWITCH]);
	for (int v = 0; v < l.nvms; v++)
		fprintf(stderr, ", %s", l.ns[LAB_VM + v]);
	fprintf(stderr, ")\n");
	int rc = 1, st = 0;
	pid_t vm_pid = -1, pid = -1, rsp_pid[LAB_MAX_VMS];
	for (int v = 0; v < LAB_MAX_VMS; v++)
		rsp_pid[v] = -1;
	bo_log truth = {0};
	static lab_hv hv; /* large (clock pairs), and one per process */
	int guest_failed = 0;
	int hv_up = 0;
	set_env(&l, run);
	if (open_truth(run, &l, &sc, &truth) != 0)
		goto out;
	if (sc.qemu) {
		/* each guest boots for its first migration's scenario (the run's if none) */
		const lab_scenario *boot[LAB_MAX_GUESTS];
		for (int i = 0; i < LAB_MAX_GUESTS; i++)
			boot[i] = &sc;
		for (int k = plan->nsteps - 1; k >= 0; k--)
			boot[plan->steps[k].vm] = &plan->steps[k].sc;
		if (lab_hv_start(&hv, &l, boot, run, plan->guests, plan->accel,
		                 plan->downtime_limit / BO_NS_PER_MS, responder) != 0) {
			lab_hv_stop(&hv);
			goto out;
		}
		hv_up = 1;
		log_hypervisor(&truth, &hv);
		char targets[256] = "";
		for (int i = 0; i < hv.nguests; i++)
			snprintf(targets + strlen(targets), sizeof targets - strlen(targets),
			         "%s%s", i ? " " : "", hv.g[i].addr);
		setenv("BLACKOUT_TARGETS", targets, 1);
	} else {
		log_vms(&truth, &l);
		for (int v = 0; v < l.nvms && strcmp(responder, "none") != 0; v++)
			if ((rsp_pid[v] = start_responder(&l, v, responder, run)) < 0)
				goto out;
	}
	if (vm_cmd) {
		char *argv[] = {"/bin/sh", "-c", (char *)vm_cmd, NULL};
		vm_pid = lab_spawn(&l, LAB_VM, argv);
	}
	pid = lab_spawn(&l, LAB_PROBE, cmd);
	if (pid < 0)
		goto out;
	int64_t wait_for = plan->lead;
	int total = plan->nsteps;
	for (int k = 0; k <= total; k++) {
		int64_t until = bo_clock_mono_ns() + wait_for;
		int w;
		if (sc.qemu) /* the agents' clock pairs keep flowing meanwhile */
			while ((w = wait_child(pid, bo_clock_mono_ns() + 50 * BO_NS_PER_MS, &st)) ==
			               0 &&
			       bo_clock_mono_ns() < until)
				lab_hv_pump(&hv, bo_clock_mono_ns() + 50 * BO_NS_PER_MS);
		else
			w = wait_child(pid, until, &st);
		if (w == 1) {
			fprintf(stderr, "blackout-lab: %s exited %s (status %d)\n", cmd[0],
			        k ? "during the run" : "before the migration",
			        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			rc = WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st) : 1;
			pid = -1;
			goto out;
		}
		if (w < 0)
			goto out;
		if (k == total)
			break;
		if (total > 1)
			fprintf(stderr, "lab: migration %d of %d\n", k + 1, total);
		int mrc =
		        sc.qemu ? lab_hv_migrate(&hv, plan->steps[k].vm, &plan->steps[k].sc, &truth)
		                : lab_migrate(&l, &plan->steps[k].sc, plan->steps[k].vm, k, &truth);
		if (mrc == LAB_GUEST_FAILED)
			guest_failed = 1;
		if (mrc != 0)
			goto out;
		wait_for = k + 1 == total ? plan->tail : plan->gap;
	}
	rc = 0;
out:
	if (pid > 0) {
		int crc = stop_child(pid, SIGINT, 20 * BO_NS_PER_S);
		if (rc == 0)
			rc = crc;
	}
	if (vm_pid > 0)
		stop_child(vm_pid, SIGTERM, 5 * BO_NS_PER_S);
	for (int v = 0; v < LAB_MAX_VMS; v++)
		if (rsp_pid[v] > 0)
			stop_child(rsp_pid[v], SIGTERM, 5 * BO_NS_PER_S);
	if (hv_up)
		lab_hv_stop(&hv);
	if (truth.f) {
		bo_log_put(&truth, json_pack("{s:s, s:I, s:b}", "type", bo_lab_name(BO_LAB_END),
		                             "realtime_ns", (json_int_t)bo_clock_real_ns(),
		                             "interrupted", lab_interrupted));
		bo_log_close(&truth);
	}
	lab_destroy(&l);
	fprintf(stderr, "lab: %s removed\n", l.name);
	if (guest_failed && !lab_interrupted) {
		fprintf(stderr,
		        "blackout-lab: exit 75: a QEMU guest crashed or hung after its "
		        "migration (the hypervisor's fault, not the network's; docs/lab.md)\n");
		return 75;
	}
	return lab_interrupted ? 130 : rc;
}

int main(int argc, char **argv)
{
	bo_cli_init("blackout-lab");
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("blackout-lab %s\n", BLACKOUT_VERSION);
		return 0;
	}
	const char *cmdname = argv[1];
	if (!strcmp(cmdname, "scenarios")) {
		lab_scenarios_print();
		return 0;
	}
	static const struct option opts[] = {{"run", required_argument, 0, 'r'},
	                                     {"pause", required_argument, 0, 'p'},
	                                     {"quarantine", required_argument, 0, 'q'},
	                                     {"event", required_argument, 0, 'e'},
	                                     {"scope", required_argument, 0, 's'},
	                                     {"lead", required_argument, 0, 'L'},
	                                     {"tail", required_argument, 0, 'T'},
	                                     {"vm", required_argument, 0, 'V'},
	                                     {"responder", required_argument, 0, 'R'},
	                                     {"name", required_argument, 0, 'n'},
	                                     {"guests", required_argument, 0, 'G'},
	                                     {"vms", required_argument, 0, 'v'},
	                                     {"plan", required_argument, 0, 'X'},
	                                     {"migrations", required_argument, 0, 'M'},
	                                     {"gap", required_argument, 0, 'g'},
	                                     {"accel", required_argument, 0, 'A'},
	                                     {"downtime-limit", required_argument, 0, 'D'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	/* Positional words before the options: SCENARIO, or NAME [ROLE]. */
	int first = 2;
	const char *pos[2] = {NULL, NULL};
	for (int i = 0; i < 2 && first < argc && argv[first][0] != '-'; i++)
		pos[i] = argv[first++];
	lab_scenario sc = {0};
	const char *run = NULL, *name = NULL, *vm_cmd = NULL;
	char responder[4096];
	lab_find_program("blackout-responder", "responder", responder, sizeof responder);
	static run_plan plan; /* a thousand steps: not on the stack */
	plan.lead = 2 * BO_NS_PER_S, plan.tail = 3 * BO_NS_PER_S, plan.gap = 3 * BO_NS_PER_S;
	plan.guests = plan.migrations = plan.vms = 1;
	plan.accel = "auto";
	const char *plan_list = NULL;
	int have_sc = 0;
	if ((!strcmp(cmdname, "run") || !strcmp(cmdname, "migrate")) && pos[0]) {
		const lab_scenario *found = lab_scenario_find(pos[0]);
		if (!found) {
			fprintf(stderr, "blackout-lab: unknown scenario %s; one of:\n", pos[0]);
			lab_scenarios_print();
			return 2;
		}
		sc = *found;
		have_sc = 1;
	}
	optind = first;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': run = optarg; break;
		case 'p': sc.pause_ns = bo_cli_duration("--pause", optarg); break;
		case 'q': sc.quarantine_ns = bo_cli_duration("--quarantine", optarg); break;
		case 'e':
			if (strcmp(optarg, "yes") && strcmp(optarg, "no"))
				bo_cli_usage_error("--event takes yes or no: %s", optarg);
			sc.event = !strcmp(optarg, "yes");
			break;
		case 's':
			if (lab_scope_parse(optarg, &sc.scope) != 0)
				bo_cli_usage_error(
				        "--scope takes a list of icmp,udp,tcp-new,tcp-all: %s",
				        optarg);
			break;
		case 'L': plan.lead = bo_cli_duration("--lead", optarg); break;
		case 'T': plan.tail = bo_cli_duration("--tail", optarg); break;
		case 'g': plan.gap = bo_cli_duration("--gap", optarg); break;
		case 'G': plan.guests = count_arg("--guests", optarg, LAB_MAX_GUESTS); break;
		case 'v': plan.vms = count_arg("--vms", optarg, LAB_MAX_VMS); break;
		case 'X': plan_list = optarg; break;
		case 'M': plan.migrations = count_arg("--migrations", optarg, 10000); break;
		case 'A':
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") &&
			    strcmp(optarg, "tcg"))
				bo_cli_usage_error("--accel takes auto, kvm or tcg: %s", optarg);
			plan.accel = optarg;
			break;
		case 'D': plan.downtime_limit = bo_cli_duration("--downtime-limit", optarg); break;
		case 'V': vm_cmd = optarg; break;
		case 'R': snprintf(responder, sizeof responder, "%s", optarg); break;
		case 'n': name = optarg; break;
		case 'h': usage(stdout); return 0;
		default: bo_cli_usage_error("bad option");
		}
	}
	char **rest = argv + optind;
	if (sc.quarantine_ns && !sc.event && !sc.qemu) /* a QEMU guest's agent may wait armed */
		bo_cli_usage_error("a quarantine needs a network event (--event yes)");
	if (sc.qemu && plan.vms > 1)
		bo_cli_usage_error("--vms is for the simulated scenarios (QEMU: --guests)");
	if (!sc.qemu && (plan.guests > 1 || plan.downtime_limit || strcmp(plan.accel, "auto")))
		bo_cli_usage_error("--guests, --accel and --downtime-limit are for the qemu-* "
		                   "scenarios");
	if (sc.qemu && plan.downtime_limit && plan.downtime_limit < BO_NS_PER_MS)
		bo_cli_usage_error("--downtime-limit is at least 1ms");

	if (geteuid() != 0) {
		fprintf(stderr,
		        "blackout-lab: needs root (it creates network namespaces and nftables "
		        "rules): run it with sudo\n");
		return 3;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (!strcmp(cmdname, "run")) {
		if (!have_sc)
			bo_cli_usage_error("run needs a scenario");
		if (!run)
			bo_cli_usage_error("run needs --run DIR");
		if (!*rest)
			bo_cli_usage_error("run needs a command after --");
		sc.name = sc.name ? sc.name : "custom";
		if (plan_list) {
			/* more VMs or guests than the plan migrates: measured all the same */
			parse_plan(&plan, plan_list, sc.qemu);
		} else { /* each VM or guest in turn, --migrations times */
			int n = sc.qemu ? plan.guests : plan.vms;
			if ((long)n * plan.migrations > LAB_MAX_PLAN)
				bo_cli_usage_error("at most %d migrations a run", LAB_MAX_PLAN);
			for (int k = 0; k < plan.migrations; k++)
				for (int v = 0; v < n; v++)
					plan.steps[plan.nsteps++] = (struct plan_step){v, sc};
		}
		return cmd_run(sc, run, name, &plan, vm_cmd, responder, rest);
	}
	if (!strcmp(cmdname, "up")) {
		lab l;
		lab_report_stale();
		if (lab_create(&l, name ? name : pos[0], 0, plan.vms) != 0)
			return 1;
		printf("%s\n", l.name);
		return 0;
	}
	if (!strcmp(cmdname, "down")) {
		lab l;
		if (!pos[0])
			bo_cli_usage_error("down needs a lab name");
		if (lab_attach(&l, pos[0]) != 0)
			return 1;
		lab_destroy(&l);
		return 0;
	}
	if (!strcmp(cmdname, "exec")) {
		lab l;
		enum lab_role role;
		if (!pos[0] || !pos[1] || !*rest)
			bo_cli_usage_error("exec needs NAME ROLE -- CMD");
		if (lab_role_parse(pos[1], &role) != 0)
			bo_cli_usage_error("ROLE is probe, sw or vm: %s", pos[1]);
		if (lab_attach(&l, pos[0]) != 0)
			return 1;
		set_env(&l, NULL);
		int pid = lab_spawn(&l, role, rest), st;
		/* CMD has a process group of its own: a signal sent to blackout-lab (SIGINT,
		 * SIGTERM, SIGHUP: a stop, a reload) is passed on to it, as to CMD itself */
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR)
				return 1;
			int sig = lab_last_signal;
			lab_last_signal = 0;
			if (sig)
				kill(-pid, sig);
		}
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	if (!strcmp(cmdname, "migrate")) {
		lab l;
		bo_log truth;
		if (!have_sc || !name || !run)
			bo_cli_usage_error("migrate needs SCENARIO --name NAME --run DIR");
		if (sc.qemu)
			bo_cli_usage_error("a qemu-* scenario needs the guests `run` boots: use "
			                   "`blackout-lab run %s`",
			                   sc.name);
		if (lab_attach(&l, name) != 0 || open_truth(run, &l, &sc, &truth) != 0)
			return 1;
		int rc = lab_migrate(&l, &sc, 0, 0, &truth);
		bo_log_put(&truth, json_pack("{s:s, s:I}", "type", bo_lab_name(BO_LAB_END),
		                             "realtime_ns", (json_int_t)bo_clock_real_ns()));
		bo_log_close(&truth);
		lab_nft_free();
		return rc ? 1 : 0;
	}
	bo_cli_usage_error("unknown command: %s", cmdname);
	return 2;
}

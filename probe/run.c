/* SPDX-License-Identifier: Apache-2.0 */
/* One probe run: set up the run directory, sockets and capture, start the pacer, watch the
 * capture in the libuv loop, and on the way out drain replies and close every file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bo_err.h"
#include "bo_fs.h"
#include "bo_priv.h"
#include "bo_sys.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "probe.h"
#include "sock.h"

static int resolve(const char *s, probe_target *t)
{
	if (bo_addr_parse(s, &t->addr) != 0 && probe_sock_resolve(s, &t->addr) != 0)
		return -1;
	bo_addr_str(&t->addr, t->str, sizeof t->str);
	return 0;
}

static json_t *clock_pair(void)
{
	int64_t r = bo_clock_real_ns(), m = bo_clock_mono_ns();
	return json_pack("{s:I, s:I}", "realtime_ns", (json_int_t)r, "monotonic_ns", (json_int_t)m);
}

static void write_header(probe *p)
{
	bo_sysinfo u;
	bo_sys_info(&u);
	char key[2 * BO_KEY_LEN + 1];
	bo_key_hex(&p->key, key);
	json_t *targets = json_array(), *streams = json_array(), *argv = json_array();
	for (int i = 0; i < p->ntargets; i++)
		json_array_append_new(targets, json_string(p->targets[i].str));
	for (int i = 0; i < p->cfg.nstreams; i++)
		json_array_append_new(streams, json_string(p->cfg.streams[i]->name));
	for (int i = 0; i < p->cfg.argc; i++)
		json_array_append_new(argv, json_string(p->cfg.argv[i]));
	/* The pair the analyzer reads is the offset every probe's timestamps use. */
	int64_t real = bo_clock_real_ns(), mono = bo_clock_mono_ns();
	p->mono_to_real = p->sctx.mono_to_real = real - mono;
	json_t *clock = json_pack("{s:I, s:I}", "realtime_ns", (json_int_t)real, "monotonic_ns",
	                          (json_int_t)mono);
	json_t *h = json_pack(
	        "{s:s, s:s, s:s, s:i, s:I, s:s, s:o, s:{s:o, s:o, s:I, s:I, s:I, s:s, "
	        "s:s, s:o, s:i, s:i, s:b, s:b, s:I, s:b, s:s}, s:{s:s, s:s, s:s, s:s}}",
	        "type", bo_rec_name(BO_REC_HEADER), "tool", "blackout-probe", "version",
	        BLACKOUT_VERSION, "format", BO_FORMAT_VERSION, "run_id", (json_int_t)p->run_id,
	        "key", key, "clock", clock, "config", "targets", targets, "streams", streams,
	        "interval_ns", (json_int_t)p->cfg.interval, "duration_ns",
	        (json_int_t)p->cfg.duration, "timeout_ns", (json_int_t)p->cfg.timeout, "interface",
	        p->cap.iface, "run_dir", p->cfg.run_dir, "argv", argv, "stamp_port",
	        p->cfg.stamp_port, "tcp_port", p->cfg.tcp_port, "guest_events", p->cfg.events,
	        "stamp_authenticated", p->stamp_key.len > 0, "outage_interval_ns",
	        (json_int_t)p->cfg.outage_interval, "dry_run", p->cfg.dry_run, "tx",
	        p->tx_batch ? "batch" : "single", "system", "hostname", u.hostname, "os", u.os,
	        "kernel", u.kernel, "machine", u.machine);
	/* what the times rest on: the clocks and the sender's sleep */
	json_object_set_new(json_object_get(h, "system"), "clocks",
	                    json_pack("{s:s, s:s, s:s}", "monotonic", bo_clock_mono_name(),
	                              "realtime", bo_clock_real_name(), "timer",
	                              bo_clock_timer_name()));
	json_decref(p->header);
	p->header = json_incref(h); /* a watcher's excerpts begin with it */
	bo_log_put(&p->log, h);
}

json_t *probe_stream_record(const probe_slot *s)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:i, s:i, s:i}", "type",
	                 bo_rec_name(BO_REC_STREAM), "stream", s->desc->name, "wire_id",
	                 s->desc->wire_id, "target", s->target->str, "interval_ns",
	                 (json_int_t)s->interval, "outage_interval_ns",
	                 (json_int_t)s->outage_interval, "phase_ns", (json_int_t)s->phase,
	                 "icmp_id", s->inst.icmp_id, "ssid", s->inst.ssid, "local_port",
	                 s->inst.local_port);
}

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

static void finish(probe *p)
{
	if (p->finished)
		return;
	p->finished = 1;
	probe_capture_drain(p);
	probe_engine_advance(p, bo_clock_real_ns());
	json_t *cap;
	probe_capture_stats(p, &cap);
	/* What the run cost: the budget is a small share of one core. */
	uv_rusage_t ru;
	uv_getrusage(&ru);
	int64_t cpu = (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * BO_NS_PER_S +
	              (int64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * BO_NS_PER_US;
	int64_t wall = bo_clock_mono_ns() - p->start_mono;
	bo_log_put(&p->log, json_pack("{s:s, s:I, s:I, s:f}", "type", bo_rec_name(BO_REC_RESOURCES),
	                              "cpu_ns", (json_int_t)cpu, "wall_ns", (json_int_t)wall,
	                              "cpu_share", wall > 0 ? (double)cpu / (double)wall : 0.0));
	int64_t now = bo_clock_real_ns();
	uint64_t refused = atomic_load(&p->fast_denied);
	json_t *tx = p->tx->report ? p->tx->report(p) : json_object();
	json_object_set_new(tx, "mode", json_string(p->tx_batch ? "batch" : "single"));
	bo_log_put(&p->log,
	           json_pack("{s:s, s:I, s:s, s:o, s:b, s:o, s:o, s:{s:I, s:I}, s:o, "
	                     "s:{s:I, s:I, s:I}}",
	                     "type", bo_rec_name(BO_REC_END), "realtime_ns", (json_int_t)now,
	                     "reason", p->stop_reason, "clock", clock_pair(),
	                     "sender_realtime_priority", atomic_load(&p->sender_rt), "streams",
	                     probe_live_json(p, now, 0), "capture", cap, "outage_probing",
	                     "budget_per_s", (json_int_t)p->fast_budget, "refused",
	                     (json_int_t)refused, "tx", tx, "sender", "sleeps",
	                     (json_int_t)atomic_load(&p->sender_sleeps), "spin_ns",
	                     (json_int_t)atomic_load(&p->sender_spin_ns), "wake_early_ns",
	                     (json_int_t)atomic_load(&p->sender_wake_early_ns)));
	if (refused && !p->cfg.quiet) {
		probe_live_clear(p);
		fprintf(stderr,
		        "blackout-probe: outage probing was held to %lld probes/s: %llu faster "
		        "probes left out (so many streams in an outage at once: their ends are "
		        "known to their interval, not --outage-interval)\n",
		        (long long)p->fast_budget, (unsigned long long)refused);
	}
	if (p->guests) {
		json_t *g = json_array();
		for (int i = 0; i < p->ntargets; i++) {
			json_t *o = probe_guest_json(p, &p->targets[i]);
			json_object_set_new(o, "target", json_string(p->targets[i].str));
			json_array_append_new(g, o);
		}
		bo_log_put(&p->log, json_pack("{s:s, s:o}", "type",
		                              bo_rec_name(BO_REC_GUEST_SUMMARY), "targets", g));
	}
	probe_guest_close(p);
	probe_live_status(p, 1);
	probe_capture_unwatch(p);
	uv_close(probe_capture_handle(p), close_cb);
	uv_close((uv_handle_t *)&p->tick, close_cb);
	uv_close((uv_handle_t *)&p->stop_timer, close_cb);
	uv_close((uv_handle_t *)&p->duration_timer, close_cb);
	uv_close((uv_handle_t *)&p->drain, close_cb);
	uv_close((uv_handle_t *)&p->sigint, close_cb);
	uv_close((uv_handle_t *)&p->sigterm, close_cb);
	probe_markers_close(p);
	if (p->on_finish)
		p->on_finish(p);
}

static void on_drained(uv_timer_t *t)
{
	finish(t->data);
}

static void begin_stop(probe *p, const char *reason)
{
	if (p->stopping)
		return;
	p->stopping = 1;
	p->stop_reason = reason;
	probe_pacer_stop(p);
	bo_log_put(&p->log, json_pack("{s:s, s:s, s:o}", "type", bo_rec_name(BO_REC_STOP), "reason",
	                              reason, "clock", clock_pair()));
	/* Replies to the last probes may still be on their way. */
	uv_timer_start(&p->drain, on_drained, (uint64_t)(p->cfg.timeout / BO_NS_PER_MS), 0);
}

void probe_request_stop(probe *p, const char *reason)
{
	if (p->stopping) { /* asked twice: skip the drain */
		uv_timer_stop(&p->drain);
		finish(p);
		return;
	}
	begin_stop(p, reason);
}

static void on_stop_timer(uv_timer_t *t)
{
	probe *p = t->data;
	begin_stop(p, p->stop_timer_reason);
}

void probe_stop_after(probe *p, int64_t delay, const char *reason)
{
	if (p->stopping)
		return;
	p->stop_timer_reason = reason;
	uv_timer_start(&p->stop_timer, on_stop_timer, (uint64_t)(delay / BO_NS_PER_MS), 0);
}

static void on_signal(uv_signal_t *h, int signum)
{
	probe_request_stop(h->data, signum == probe_stop_signals[0] ? "interrupt" : "terminate");
}

static void on_duration(uv_timer_t *t)
{
	begin_stop(t->data, "duration");
}

/* A sender that cannot keep up falls behind its schedule for good: said on stderr (at most
 * every 10 s), since every probe then goes out late and the asked rate is not what is sent. */
#define LAG_WARN (100 * BO_NS_PER_MS)

static void sender_behind(probe *p, int64_t lag)
{
	int64_t now = bo_clock_mono_ns();
	if (p->cfg.quiet || lag < LAG_WARN ||
	    (p->lag_warned && now - p->lag_warned < 10 * BO_NS_PER_S))
		return;
	p->lag_warned = now;
	char d[32];
	bo_dur_str(lag, d, sizeof d);
	probe_live_clear(p);
	fprintf(stderr,
	        "blackout-probe: warning: the sender is %s behind its schedule: this host does not "
	        "send %.0f probes/s (fewer targets or streams, a longer --interval%s)\n",
	        d, probe_rate(p), p->tx_batch ? "" : ", or --tx batch");
}

static void on_tick(uv_timer_t *t)
{
	probe *p = t->data;
	/* The tick is 250 ms; the log gets a status each second (a watcher's, each minute). */
	int every = p->cfg.watch_dir ? 240 : 4;
	if (++p->term.ticks % 4 == 0 && !p->cfg.watch_dir && probe_files_check(p) != 0 &&
	    !p->stopping) {
		/* Flushed each second, so a killed probe leaves a readable capture; a disk that
		 * fills ends the run, said once (a watcher goes on: watch.c). */
		p->run_error = 1;
		probe_request_stop(p, "write-error");
	}
	if (p->term.ticks % every == 0) {
		json_t *cap;
		probe_capture_stats(p, &cap);
		int64_t now = bo_clock_real_ns();
		int fleet = p->nslots > PROBE_STATUS_SLOTS;
		int64_t lag = atomic_load(&p->sender_lag);
		bo_log_put(&p->log, json_pack("{s:s, s:o, s:b, s:o, s:o, s:o, s:I}", "type",
		                              bo_rec_name(BO_REC_STATUS), "clock", clock_pair(),
		                              "streams_all", !fleet, "streams",
		                              probe_live_json(p, now, fleet), "totals",
		                              probe_live_totals_json(p, now), "capture", cap,
		                              "sender_lag_ns", (json_int_t)lag));
		sender_behind(p, lag);
	}
	probe_engine_advance(p, bo_clock_real_ns());
	if (p->preflight_at && bo_clock_mono_ns() >= p->preflight_at) {
		p->preflight_at = 0;
		probe_live_preflight(p);
	}
	probe_live_status(p, 0);
}

static int setup(probe *p, char *err, size_t errlen)
{
	const probe_config *c = &p->cfg;
	p->ntargets = c->ntargets;
	p->targets = calloc((size_t)p->ntargets, sizeof *p->targets);
	p->nslots = c->ntargets * c->nstreams;
	p->slots = calloc((size_t)p->nslots, sizeof *p->slots);
	if (!p->targets || !p->slots) {
		snprintf(err, errlen, "out of memory");
		return BO_ENOMEM;
	}
	for (int i = 0; i < c->ntargets; i++) {
		p->targets[i].index = i;
		if (resolve(c->targets[i], &p->targets[i]) != 0) {
			snprintf(err, errlen, "cannot resolve target %s", c->targets[i]);
			return BO_EUSAGE;
		}
		int before = bo_addrmap_get(&p->target_map, &p->targets[i].addr);
		if (before >= 0) {
			snprintf(err, errlen, "target %s is given twice (as %s and %s)",
			         p->targets[i].str, c->targets[before], c->targets[i]);
			return BO_EUSAGE;
		}
		if (bo_addrmap_put(&p->target_map, &p->targets[i].addr, i) != 0) {
			snprintf(err, errlen, "out of memory");
			return BO_ENOMEM;
		}
	}
	p->mono_to_real = bo_clock_real_ns() - bo_clock_mono_ns();
	if (c->stamp_key_file &&
	    bo_stamp_key_load(c->stamp_key_file, &p->stamp_key, err, errlen) != 0)
		return BO_EUSAGE;
	if (bo_key_random(&p->key, &p->run_id) != 0) {
		snprintf(err, errlen, "no random numbers for the run key");
		return BO_EIO;
	}
	p->sctx = (bo_stream_ctx){.key = &p->key,
	                          .run_id = p->run_id,
	                          .stamp_key = &p->stamp_key,
	                          .stamp_port = c->stamp_port,
	                          .tcp_port = c->tcp_port,
	                          .mono_to_real = p->mono_to_real};
	int k = 0;
	for (int t = 0; t < p->ntargets; t++)
		for (int i = 0; i < c->nstreams; i++, k++) {
			probe_slot *s = &p->slots[k];
			s->desc = c->streams[i];
			s->run = p;
			s->target = &p->targets[t];
			s->interval = c->intervals[i] ? c->intervals[i] : c->interval;
			s->outage_interval =
			        c->outage_interval >= 0 ? c->outage_interval : s->interval / 10;
			if (s->outage_interval && s->outage_interval < BO_NS_PER_MS)
				s->outage_interval = BO_NS_PER_MS;
			if (s->outage_interval >= s->interval || (s->desc->flags & BO_STREAM_BYTES))
				s->outage_interval = 0;
			/* Targets are spread over the interval, half a step off the round
			 * milliseconds where the kernel's own timers (the scheduler tick) fire;
			 * a target's streams follow each other PROBE_STREAM_STEP apart, so one
			 * wake-up of the sender sends them all (in a VM a wake-up costs more
			 * CPU than the sends). */
			s->phase = (2 * (int64_t)t + 1) * s->interval / (2 * p->ntargets) +
			           (int64_t)i * PROBE_STREAM_STEP;
			bo_stream_inst *in = &s->inst;
			in->desc = s->desc;
			in->target = s->target->addr;
			in->stamp_port = c->stamp_port;
			in->tcp_port = c->tcp_port;
			in->icmp_id = (uint16_t)((p->run_id ^ (p->run_id >> 16)) + (uint32_t)t);
			/* A nonzero SSID per slot, from the run key, so other sessions do not
			 * match. */
			in->ssid = (uint16_t)(((uint32_t)p->key.k[0] << 8 | p->key.k[1]) +
			                      (uint32_t)k);
			if (!in->ssid)
				in->ssid = 1;
			s->tx.fd = -1;
		}

	if (c->iface || c->dry_run)
		snprintf(p->cap.iface, sizeof p->cap.iface, "%s",
		         c->dry_run ? "(dry run)" : c->iface);
	else if (probe_iface_for(&p->targets[0].addr, p->cap.iface, sizeof p->cap.iface, err,
	                         errlen) != 0)
		return BO_ENOENT;
	for (int t = 1; t < p->ntargets && !c->iface && !c->dry_run; t++) {
		char other[64];
		if (probe_iface_for(&p->targets[t].addr, other, sizeof other, err, errlen) != 0)
			return BO_ENOENT;
		if (strcmp(other, p->cap.iface) != 0) {
			snprintf(err, errlen,
			         "targets are reached through different interfaces (%s, %s); "
			         "one run captures on one: split the targets",
			         p->cap.iface, other);
			return BO_EUSAGE;
		}
	}
	if (!c->dry_run && probe_files_limit(p->nslots + 64, err, errlen) != 0)
		return BO_ERANGE;
	/* The dry run's backend opens its file below, once the run directory is there. */
	p->tx = c->dry_run ? &probe_tx_dry : &probe_tx_system;
	/* auto batches only where the backend can */
	p->tx_batch = !c->dry_run && (c->tx_mode == PROBE_TX_BATCH ||
	                              (c->tx_mode == PROBE_TX_AUTO && p->tx->batches &&
	                               probe_rate(p) >= PROBE_BATCH_RATE));
	int rc = c->dry_run ? 0 : p->tx->open(p, err, errlen);
	for (int i = 0; i < p->nslots && rc == 0; i++)
		rc = p->tx->slot_open(&p->slots[i], err, errlen);
	if (rc != 0)
		return rc;

	char path[4096];
	if (bo_mkdir_p(c->run_dir) != 0) {
		snprintf(err, errlen, "cannot create run directory %s: %s", c->run_dir,
		         strerror(errno));
		return bo_err_errno();
	}
	snprintf(path, sizeof path, "%s/probe.pcap", c->run_dir);
	if (access(path, F_OK) == 0) {
		snprintf(err, errlen, "%s holds a run already; choose another --run directory",
		         c->run_dir);
		return BO_EEXIST;
	}
	snprintf(path, sizeof path, "%s/probe.jsonl", c->run_dir);
	/* A directory left by a probe that stopped at set-up is taken again, its log kept aside;
	 * any other log there is a run's. */
	char why[256];
	if (access(path, F_OK) == 0) {
		char aside[4200];
		snprintf(aside, sizeof aside, "%s/probe-setup-failed.jsonl", c->run_dir);
		if (bo_log_setup_failed(path, why, sizeof why) != 1) {
			snprintf(err, errlen,
			         "%s holds a run's log already (probe.jsonl); choose another --run "
			         "directory",
			         c->run_dir);
			return BO_EEXIST;
		}
		if (rename(path, aside) != 0) {
			snprintf(err, errlen, "cannot move %s aside: %s", path, strerror(errno));
			return bo_err_errno();
		}
		if (!c->quiet)
			fprintf(stderr,
			        "blackout-probe: %s: its earlier run stopped at set-up (%s); that "
			        "log "
			        "is now probe-setup-failed.jsonl\n",
			        c->run_dir, why);
	}
	if (bo_log_open(&p->log, path, 0) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return bo_err_errno();
	}
	write_header(p);
	for (int i = 0; i < p->nslots; i++)
		bo_log_put(&p->log, probe_stream_record(&p->slots[i]));
	if (c->dry_run)
		return p->tx->open(p, err, errlen);
	int rc2 = probe_capture_open(p, err, errlen);
	if (rc2 == 0 && probe_engine_open(p) != 0) {
		snprintf(err, errlen, "out of memory");
		return BO_ENOMEM;
	}
	return rc2;
}

static int dry_probe(probe_slot *s, uint32_t seq, int64_t deadline, void *arg)
{
	(void)arg;
	int rc = probe_send_one(s, seq, deadline);
	if (rc == 0)
		atomic_fetch_add_explicit(&s->sent, 1, memory_order_relaxed);
	if (rc == 0 && s->run->cap.captured % 4096 == 0)
		rc = probe_files_check(s->run); /* a full disk ends the dry run, said once */
	return rc;
}

/* --dry-run: the schedule written out at once; no loop, no threads. */
static int dry_run(probe *p)
{
	p->start_mono = bo_clock_mono_ns();
	int64_t t0 = (p->start_mono / (100 * BO_NS_PER_MS) + 2) * (100 * BO_NS_PER_MS);
	bo_log_put(&p->log, json_pack("{s:s, s:I, s:o}", "type", bo_rec_name(BO_REC_START),
	                              "t0_monotonic_ns", (json_int_t)t0, "clock", clock_pair()));
	int rc = probe_schedule_walk(p, t0, t0 + p->cfg.duration, dry_probe, NULL);
	int64_t now = bo_clock_real_ns();
	json_t *cap;
	probe_capture_stats(p, &cap);
	bo_log_put(&p->log, json_pack("{s:s, s:I, s:s, s:o, s:o, s:o}", "type",
	                              bo_rec_name(BO_REC_END), "realtime_ns", (json_int_t)now,
	                              "reason", rc ? "error" : "dry-run", "clock", clock_pair(),
	                              "streams", probe_live_json(p, now, 0), "capture", cap));
	if (!p->cfg.quiet)
		fprintf(stderr,
		        "blackout-probe: dry run: %llu probes to %d target(s) -> %s/probe.pcap\n",
		        (unsigned long long)p->cap.captured, p->ntargets, p->cfg.run_dir);
	return rc;
}

int probe_session_open(probe *p, const probe_config *cfg, char *err, size_t errlen)
{
	p->cfg = *cfg;
	p->term.tty = isatty(2);
	p->term.columns = bo_sys_tty_columns();
	p->term.preflight_silent = -1;
	int rc = setup(p, err, errlen);
	if (rc != 0 && p->log.f)
		bo_log_put(&p->log, json_pack("{s:s, s:s, s:s}", "type", bo_rec_name(BO_REC_END),
		                              "reason", "error", "error", err));
	return rc;
}

int probe_session_start(probe *p, uv_loop_t *loop, int signals)
{
	const probe_config *cfg = &p->cfg;
	char err[1024];
	p->loop = loop;
	uv_timer_init(p->loop, &p->tick);
	uv_timer_init(p->loop, &p->stop_timer);
	uv_timer_init(p->loop, &p->duration_timer);
	uv_timer_init(p->loop, &p->drain);
	uv_signal_init(p->loop, &p->sigint);
	uv_signal_init(p->loop, &p->sigterm);
	p->tick.data = p->stop_timer.data = p->duration_timer.data = p->drain.data =
	        p->sigint.data = p->sigterm.data = p;
	if (signals) { /* a watcher takes them itself */
		uv_signal_start(&p->sigint, on_signal, probe_stop_signals[0]);
		uv_signal_start(&p->sigterm, on_signal, probe_stop_signals[1]);
	}
	if (probe_capture_start(p) != 0) {
		fprintf(stderr, "blackout-probe: cannot watch the capture\n");
		return BO_EIO;
	}
	/* Start on a round 100 ms a little ahead, once the capture is already running. */
	p->start_mono = bo_clock_mono_ns();
	int64_t t0 = (p->start_mono / (100 * BO_NS_PER_MS) + 2) * (100 * BO_NS_PER_MS);
	p->t0 = t0;
	bo_log_put(&p->log, json_pack("{s:s, s:I, s:o}", "type", bo_rec_name(BO_REC_START),
	                              "t0_monotonic_ns", (json_int_t)t0, "clock", clock_pair()));
	if (probe_pacer_start(p, t0) != 0) {
		fprintf(stderr, "blackout-probe: cannot start the sender thread\n");
		return BO_ENOMEM;
	}
	/* The raw sockets and the capture are open and the sender thread drops its own: no
	 * capability is needed any more; no new privileges, and a seccomp filter. */
	bo_priv_req q = {0};
	char pmsg[160];
	int dropped = 0;
	if (cfg->exec) /* the migration command may need them (sudo, virsh, setns): kept */
		snprintf(pmsg, sizeof pmsg, "kept for the --exec command");
	else if (cfg->watch_dir) /* sessions after a reload, a capture after its link came back */
		snprintf(pmsg, sizeof pmsg, "kept to open sockets and the capture again (--watch)");
	else
		dropped = bo_priv_drop(&q, pmsg, sizeof pmsg) == 0;
	bo_log_put(&p->log, json_pack("{s:s, s:b, s:s}", "type", bo_rec_name(BO_REC_PRIVILEGES),
	                              "dropped", dropped, "what", pmsg));
	if (!cfg->quiet && !cfg->watch_dir) {
		char iv[32];
		fprintf(stderr,
		        "blackout-probe: %d target(s), %d stream(s), every %s on %s -> %s/\n",
		        p->ntargets, cfg->nstreams, bo_dur_str(cfg->interval, iv, sizeof iv),
		        p->cap.iface, cfg->run_dir);
	}
	if (cfg->events && probe_guest_start(p, err, sizeof err) != 0)
		fprintf(stderr, "blackout-probe: no guest events: %s\n", err);
	/* The pre-flight check: every stream should have answered within a second (or two of
	 * its intervals, and the reply timeout), before --exec starts the migration. */
	int64_t longest = 0;
	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].interval > longest)
			longest = p->slots[i].interval;
	p->preflight_at = t0 + (2 * longest > BO_NS_PER_S ? 2 * longest : BO_NS_PER_S) / 2 +
	                  p->cfg.timeout / 2;
	uv_timer_start(&p->tick, on_tick, 250, 250);
	probe_markers_start(p, (t0 - p->start_mono + cfg->exec_lead) / BO_NS_PER_MS);
	if (cfg->duration)
		uv_timer_start(&p->duration_timer, on_duration,
		               (uint64_t)((t0 - p->start_mono + cfg->duration) / BO_NS_PER_MS), 0);
	return 0;
}

int probe_session_end(probe *p, int rc)
{
	const probe_config *cfg = &p->cfg;
	probe_pacer_stop(p);
	/* The last check before the files close: what the disk refused is said, with its file. */
	int e_cap = p->cap.wr && !p->cap.write_error && !cfg->watch_dir ? probe_files_check(p) : 0;
	probe_capture_close(p);
	probe_engine_close(p, p->engine);
	probe_guest_free(p);
	if (p->tx)
		p->tx->close(p);
	if (bo_log_close(&p->log) != 0 && rc == 0 && !p->cap.write_error) {
		fprintf(stderr, "blackout-probe: writing %s/probe.jsonl failed: %s\n", cfg->run_dir,
		        strerror(errno));
		rc = BO_EIO;
	}
	if (e_cap && rc == 0)
		rc = e_cap;
	bo_addrmap_free(&p->target_map);
	free(p->targets);
	free(p->slots);
	p->targets = NULL;
	p->slots = NULL;
	json_decref(p->header);
	p->header = NULL;
	for (int i = 0; i < PROBE_MARKERS_KEPT; i++) {
		json_decref(p->markers_kept[i]);
		p->markers_kept[i] = NULL;
	}
	return rc;
}

int probe_run(const probe_config *cfg, int *at_setup)
{
	static probe p; /* large; one per process */
	char err[1024] = "";
	*at_setup = 1;
	int rc = probe_session_open(&p, cfg, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "blackout-probe: %s\n", err);
		goto out;
	}
	*at_setup = 0;
	if (cfg->dry_run) {
		rc = dry_run(&p);
		goto out;
	}
	rc = probe_session_start(&p, uv_default_loop(), 1);
	if (rc != 0)
		goto out;
	uv_run(p.loop, UV_RUN_DEFAULT);
	rc = p.run_error ? BO_EIO : 0;
out:
	rc = probe_session_end(&p, rc);
	if (p.loop)
		uv_loop_close(p.loop);
	return rc;
}

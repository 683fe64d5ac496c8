/* SPDX-License-Identifier: Apache-2.0 */
/* Markers on the run's time line: the migration command run with --exec (its start, end and
 * exit status), a signal (SIGUSR1 where there is one), and a key pressed on the terminal. Each is a
 * `marker` record in probe.jsonl with both clocks, and a line for the operator. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bo_sys.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "probe.h"

void probe_marker(probe *p, const char *kind, const char *label, json_t *extra)
{
	int64_t real = bo_clock_real_ns(), mono = bo_clock_mono_ns();
	json_t *m = json_pack("{s:s, s:s, s:s, s:I, s:I}", "type", bo_rec_name(BO_REC_MARKER),
	                      "kind", kind, "label", label, "realtime_ns", (json_int_t)real,
	                      "monotonic_ns", (json_int_t)mono);
	if (extra)
		json_object_update_new(m, extra);
	json_t **slot = &p->markers_kept[p->nmarkers_kept++ % PROBE_MARKERS_KEPT];
	json_decref(*slot);
	*slot = json_incref(m);
	bo_log_put(&p->log, m);
	if (!p->cfg.quiet) {
		char t[BO_TIME_ISO_LEN];
		probe_live_clear(p);
		fprintf(stderr, "marker %-10s %s  %s\n", kind, bo_time_iso(real, t, sizeof t) + 11,
		        label);
	}
}

static void on_exit_cb(uv_process_t *proc, int64_t status, int signal)
{
	probe *p = proc->data;
	char label[64];
	if (signal)
		snprintf(label, sizeof label, "migration command killed by signal %d", signal);
	else
		snprintf(label, sizeof label, "migration command exited with status %lld",
		         (long long)status);
	probe_marker(p, "exec-end", label,
	             json_pack("{s:I, s:i}", "exit_status", (json_int_t)status, "signal", signal));
	p->exec.running = 0;
	uv_close((uv_handle_t *)proc, NULL);
	probe_stop_after(p, p->cfg.after, "exec-ended");
}

static void start_exec(uv_timer_t *t)
{
	probe *p = t->data;
	char *args[PROBE_SHELL_ARGS];
	probe_shell_argv(p->cfg.exec, args);
	uv_stdio_container_t stdio[3] = {
	        {UV_INHERIT_FD, {.fd = 0}}, {UV_INHERIT_FD, {.fd = 1}}, {UV_INHERIT_FD, {.fd = 2}}};
	uv_process_options_t o;
	memset(&o, 0, sizeof o);
	o.file = args[0];
	o.args = args;
	o.exit_cb = on_exit_cb;
	o.stdio = stdio;
	o.stdio_count = 3;
	p->exec.proc.data = p;
	int rc = uv_spawn(p->loop, &p->exec.proc, &o);
	if (rc != 0) {
		probe_marker(p, "exec-error", uv_strerror(rc), NULL);
		probe_stop_after(p, 0, "exec-failed");
		return;
	}
	p->exec.running = 1;
	probe_marker(p, "exec-start", p->cfg.exec,
	             json_pack("{s:s, s:i}", "command", p->cfg.exec, "pid", p->exec.proc.pid));
}

static void on_usr1(uv_signal_t *h, int signum)
{
	(void)signum;
	probe_marker(h->data, "signal", "SIGUSR1", NULL); /* the only marker signal there is */
}

static void on_key_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	(void)size;
	probe *p = h->data;
	*buf = uv_buf_init(p->term.key_buf, sizeof p->term.key_buf);
}

static void on_key(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	probe *p = s->data;
	for (ssize_t i = 0; i < n; i++) {
		char c = buf->base[i];
		if (c == 3 || c == 'q') /* raw mode delivers Ctrl-C as a byte */
			probe_request_stop(p, "interrupt");
		else if (c == 'm' || c == '\r' || c == ' ')
			probe_marker(p, "key", "marker key pressed", NULL);
	}
	if (n < 0)
		uv_read_stop(s);
}

int probe_markers_start(probe *p, int64_t lead_ms)
{
	uv_signal_init(p->loop, &p->sigusr1);
	p->sigusr1.data = p;
	if (probe_marker_signal)
		uv_signal_start(&p->sigusr1, on_usr1, probe_marker_signal);
	/* Keys only when this process owns the terminal: a background reader would be stopped. */
	char why[160] = "the terminal cannot be read";
	if (!p->cfg.quiet && bo_sys_tty_foreground(why, sizeof why) &&
	    uv_tty_init(p->loop, &p->term.keys, 0, 1) == 0) {
		p->term.keys.data = p;
		p->term.keys_on = 1;
		uv_tty_set_mode(&p->term.keys, UV_TTY_MODE_RAW);
		uv_read_start((uv_stream_t *)&p->term.keys, on_key_alloc, on_key);
		fprintf(stderr, "keys: m or Enter = marker, q or Ctrl-C = stop\n");
	} else if (!p->cfg.quiet && isatty(2)) {
		char hint[64];
		const char *h = probe_marker_hint(hint, sizeof hint);
		fprintf(stderr, "keys: off (%s)%s%s\n", why, h ? "; a marker: " : "", h ? h : "");
	}
	uv_timer_init(p->loop, &p->exec.timer);
	p->exec.timer.data = p;
	if (p->cfg.exec)
		uv_timer_start(&p->exec.timer, start_exec, (uint64_t)lead_ms, 0);
	return 0;
}

void probe_markers_close(probe *p)
{
	if (p->exec.running) {
		/* Never kill a migration half-way: say it is still running and let it be. */
		char label[96];
		snprintf(label, sizeof label,
		         "migration command still running (pid %d), not stopped", p->exec.proc.pid);
		probe_marker(p, "exec-detached", label, NULL);
		uv_close((uv_handle_t *)&p->exec.proc, NULL);
		p->exec.running = 0;
	}
	if (p->term.keys_on) {
		uv_tty_reset_mode();
		uv_close((uv_handle_t *)&p->term.keys, NULL);
		p->term.keys_on = 0;
	}
	uv_close((uv_handle_t *)&p->sigusr1, NULL);
	uv_close((uv_handle_t *)&p->exec.timer, NULL);
}

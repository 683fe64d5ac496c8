/* SPDX-License-Identifier: Apache-2.0 */
/* Guest events: for each target whose responder offers them, one TCP connection to its event
 * channel ("BLACKOUT/1 events N"); every line lands in RUN/guest.jsonl with the target and the
 * probe's receive time added. A broken connection is re-established every 250 ms from the next
 * event number, so nothing the responder still holds is lost; what it no longer holds arrives
 * as an "events-lost" line. An established flow, so it rides through the quarantine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_time.h"
#include "bo_vocab.h"
#include "probe.h"
#include "sock.h"

#define RETRY_MS 250
#define LINE_MAX_BYTES 65536
/* What one responder may make the probe write: a responder of ours sends a few hundred events
 * a second (arrivals: one per probe, 6 000/s at 6 streams x 1 kHz); beyond these a hostile or
 * broken one is cut off, counted, and said once. */
#define EVENTS_PER_S 20000
#define EVENTS_BURST 300000 /* a reconnect replays up to the responder's whole journal */
#define GUEST_LOG_MAX ((int64_t)1 << 30) /* all targets together, bytes */

struct probe_guest {
	probe *p;
	probe_target *t;
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_write_t wr, wr_auth;
	uv_timer_t retry;
	int open;      /* the tcp handle is initialised and not yet closed */
	int connected; /* the request line was sent */
	int ever;      /* connected at least once */
	int said_refused;
	uint64_t next; /* the next event number wanted */
	uint64_t received, reconnects;
	uint64_t dropped; /* over EVENTS_PER_S, or past GUEST_LOG_MAX */
	double tokens;    /* token bucket: EVENTS_PER_S, up to EVENTS_BURST */
	int64_t refilled;
	int said_limit;
	char req[BO_CTL_REQ_MAX];
	char auth[BO_CTL_HEX_LINE_MAX];
	int said_error; /* the responder's "error:" line was logged once */
	char *buf;
	size_t used;
	json_t *start;     /* the responder's last start event */
	uint16_t ports[4]; /* our side's port of its last connections (a watcher's excerpts
	                    * leave their frames out: guest.jsonl has what they carried) */
	int nports;
};

static void log_state(probe_guest *g, const char *state, const char *why)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "type", bo_rec_name(BO_REC_GUEST),
	                      "target", g->t->str, "state", state, "next", (json_int_t)g->next,
	                      "realtime_ns", (json_int_t)bo_clock_real_ns());
	if (why)
		json_object_set_new(o, "why", json_string(why));
	bo_log_put(&g->p->log, o);
}

static void connect_now(probe_guest *g);

/* The responder will not give this probe its events: said once, in the log and on the
 * terminal (a run without them still measures, but cannot attribute). */
static void refused(probe_guest *g, const char *why)
{
	if (g->said_error++)
		return;
	log_state(g, "refused", why);
	if (g->p->cfg.quiet || !g->p->loop)
		return;
	probe_live_clear(g->p);
	fprintf(stderr, "blackout-probe: %s: no guest events: %s\n", g->t->str, why);
}

static void on_retry(uv_timer_t *t)
{
	connect_now(t->data);
}

static void on_closed(uv_handle_t *h)
{
	probe_guest *g = h->data;
	g->open = 0;
	if (!g->p->finished)
		uv_timer_start(&g->retry, on_retry, RETRY_MS, 0);
}

static void drop(probe_guest *g, const char *why)
{
	if (g->connected) {
		log_state(g, "lost", why);
		g->reconnects++;
	}
	g->connected = 0;
	g->used = 0;
	if (g->open && !uv_is_closing((uv_handle_t *)&g->tcp))
		uv_close((uv_handle_t *)&g->tcp, on_closed);
}

/* The responder's challenge (it has a key): answered with the run's --stamp-key. */
static void challenged(probe_guest *g, const char *s, size_t n)
{
	uint8_t ch[BO_CTL_CHALLENGE_LEN], mac[BO_CTL_CHALLENGE_LEN];
	char one[BO_CTL_HEX_LINE_MAX];
	if (n + 1 > sizeof one) {
		drop(g, "bad challenge");
		return;
	}
	memcpy(one, s, n);
	one[n] = '\n';
	if (bo_ctl_parse_hex_line("challenge", (const uint8_t *)one, n + 1, ch) <= 0) {
		drop(g, "bad challenge");
		return;
	}
	if (!g->p->stamp_key.len) {
		refused(g, "its event channel needs the responder's key: copy its key file "
		           "(a Linux guest's /etc/blackout-responder/key, a Windows guest's "
		           "C:\\ProgramData\\blackout\\responder.key) to this host and give "
		           "--stamp-key FILE");
		drop(g, NULL);
		return;
	}
	bo_ctl_auth(&g->p->stamp_key, ch, mac);
	int len = bo_ctl_hex_line("auth", mac, g->auth, sizeof g->auth);
	uv_buf_t b = uv_buf_init(g->auth, (unsigned)len);
	if (g->open && uv_write(&g->wr_auth, (uv_stream_t *)&g->tcp, &b, 1, NULL) != 0)
		drop(g, "write failed");
}

static void line(probe_guest *g, char *s, size_t n)
{
	if (n > 10 && !memcmp(s, "challenge ", 10)) {
		challenged(g, s, n);
		return;
	}
	if (n > 6 && !memcmp(s, "error:", 6)) { /* refused: say it once, keep trying */
		char why[320];
		snprintf(why, sizeof why, "the responder says: %.*s", (int)(n < 280 ? n : 280),
		         s + 7);
		refused(g, bo_text_clean(why, sizeof why, why));
		return;
	}
	json_error_t je;
	json_t *o = json_loadb(s, n, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return;
	}
	json_t *seq = json_object_get(o, "seq");
	if (json_is_integer(seq) && (uint64_t)json_integer_value(seq) >= g->next)
		g->next = (uint64_t)json_integer_value(seq) + 1;
	else if (json_is_integer(seq)) { /* seen before a reconnect */
		json_decref(o);
		return;
	}
	json_t *to = json_object_get(o, "to"); /* events-lost: resume after the hole */
	if (!seq && json_is_integer(to))
		g->next = (uint64_t)json_integer_value(to) + 1;
	int64_t now = bo_clock_real_ns();
	if (!g->refilled)
		g->tokens = EVENTS_BURST, g->refilled = now;
	g->tokens += (double)(now - g->refilled) * EVENTS_PER_S / 1e9;
	if (g->tokens > EVENTS_BURST)
		g->tokens = EVENTS_BURST;
	g->refilled = now;
	if (g->tokens < 1 || g->p->guest_bytes > GUEST_LOG_MAX) {
		g->dropped++;
		if (!g->said_limit++)
			log_state(g, "limited",
			          g->p->guest_bytes > GUEST_LOG_MAX
			                  ? "guest.jsonl reached its 1 GiB cap"
			                  : "more than 20 000 events a second (beyond a replay of "
			                    "the journal): dropped");
		json_decref(o);
		return;
	}
	g->tokens -= 1;
	json_object_set_new(o, "target", json_string(g->t->str));
	json_object_set_new(o, "probe_realtime_ns", json_integer(now));
	if (bo_gev_parse(bo_json_str(o, "type", "")) == BO_GEV_START) {
		json_decref(g->start);
		g->start = json_incref(o);
	}
	bo_log_put(&g->p->guest_log, o);
	g->p->guest_bytes += (int64_t)n + 64; /* the line and what is added to it */
	g->received++;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)suggested;
	probe_guest *g = h->data;
	*b = uv_buf_init(g->buf + g->used, (unsigned)(LINE_MAX_BYTES - g->used));
}

/* Lines out of what arrived (g->used bytes in g->buf): each one handled, the rest kept. */
static void split(probe_guest *g)
{
	size_t start = 0;
	for (size_t i = 0; i < g->used; i++)
		if (g->buf[i] == '\n') {
			line(g, g->buf + start, i - start);
			if (!g->connected)
				return; /* dropped by that line (a refused challenge) */
			start = i + 1;
		}
	memmove(g->buf, g->buf + start, g->used - start);
	g->used -= start;
	if (g->used == LINE_MAX_BYTES) /* a line longer than any event: not our responder */
		drop(g, "line too long");
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)b;
	probe_guest *g = s->data;
	if (n < 0) {
		drop(g, n == UV_EOF ? "closed by the responder" : uv_strerror((int)n));
		return;
	}
	g->used += (size_t)n;
	split(g);
}

int probe_guest_feed(const uint8_t *data, size_t size, int keyed)
{
	static probe p;
	static probe_target t = {.str = "192.0.2.2"};
	static char buf[LINE_MAX_BYTES];
	probe_guest g = {.p = &p, .t = &t, .buf = buf, .connected = 1};
	p.stamp_key.len = keyed ? 16 : 0;
	for (size_t off = 0; off < size && g.connected;) {
		size_t take =
		        size - off < LINE_MAX_BYTES - g.used ? size - off : LINE_MAX_BYTES - g.used;
		memcpy(g.buf + g.used, data + off, take);
		g.used += take;
		off += take;
		split(&g);
	}
	json_decref(g.start);
	return (int)g.received;
}

static void on_connect(uv_connect_t *c, int status)
{
	probe_guest *g = c->data;
	if (status < 0) {
		if (!g->said_refused && !g->ever) {
			g->said_refused = 1;
			log_state(g, "unavailable", uv_strerror(status));
		}
		drop(g, NULL);
		return;
	}
	bo_ctl_req req = {.kind = BO_CTL_EVENTS, .from = g->next};
	bo_ctl_format(&req, g->req, sizeof g->req);
	uv_buf_t b = uv_buf_init(g->req, (unsigned)strlen(g->req));
	if (uv_write(&g->wr, (uv_stream_t *)&g->tcp, &b, 1, NULL) != 0 ||
	    uv_read_start((uv_stream_t *)&g->tcp, alloc_cb, on_read) != 0) {
		drop(g, "write failed");
		return;
	}
	g->connected = g->ever = 1;
	struct sockaddr_storage me;
	int len = sizeof me;
	if (uv_tcp_getsockname(&g->tcp, (struct sockaddr *)&me, &len) == 0)
		g->ports[g->nports++ % 4] =
		        ntohs(me.ss_family == AF_INET ? ((struct sockaddr_in *)&me)->sin_port
		                                      : ((struct sockaddr_in6 *)&me)->sin6_port);
	log_state(g, "connected", NULL);
}

static void connect_now(probe_guest *g)
{
	probe *p = g->p;
	if (p->finished || g->open)
		return;
	struct sockaddr_storage ss;
	char host[48];
	bo_addr_str(&g->t->addr, host, sizeof host);
	if (g->t->addr.family == 4)
		uv_ip4_addr(host, p->cfg.tcp_port, (struct sockaddr_in *)&ss);
	else
		uv_ip6_addr(host, p->cfg.tcp_port, (struct sockaddr_in6 *)&ss);
	uv_tcp_init(p->loop, &g->tcp);
	g->tcp.data = g->conn.data = g;
	g->open = 1;
	uv_tcp_nodelay(&g->tcp, 1);
	if (uv_tcp_connect(&g->conn, &g->tcp, (struct sockaddr *)&ss, on_connect) != 0)
		drop(g, NULL);
}

int probe_guest_start(probe *p, char *err, size_t errlen)
{
	char path[4096];
	if (p->cfg.watch_dir) /* one a capture segment: rotated with them (watch.c) */
		snprintf(path, sizeof path, "%s/guest-%06u.jsonl", p->cfg.run_dir, 1u);
	else
		snprintf(path, sizeof path, "%s/guest.jsonl", p->cfg.run_dir);
	if (bo_log_open(&p->guest_log, path, 0) != 0) {
		snprintf(err, errlen, "cannot create %s", path);
		return -1;
	}
	p->guests = calloc((size_t)p->ntargets, sizeof *p->guests);
	if (!p->guests)
		return -1;
	for (int i = 0; i < p->ntargets; i++) {
		probe_guest *g = &p->guests[i];
		g->p = p;
		g->t = &p->targets[i];
		g->buf = malloc(LINE_MAX_BYTES);
		if (!g->buf)
			return -1;
		uv_timer_init(p->loop, &g->retry);
		g->retry.data = g;
		connect_now(g);
	}
	return 0;
}

json_t *probe_guest_json(probe *p, const probe_target *t)
{
	if (!p->guests)
		return NULL;
	probe_guest *g = &p->guests[t->index];
	return json_pack("{s:b, s:I, s:I, s:I}", "connected", g->connected, "events",
	                 (json_int_t)g->received, "reconnects", (json_int_t)g->reconnects,
	                 "dropped", (json_int_t)g->dropped);
}

int probe_guest_channel_ports(probe *p, const probe_target *t, uint16_t ports[4])
{
	if (!p->guests)
		return 0;
	const probe_guest *g = &p->guests[t->index];
	int n = 0;
	for (int i = 0; i < 4 && i < g->nports; i++)
		if (g->ports[i])
			ports[n++] = g->ports[i];
	return n;
}

json_t *probe_guest_start_event(probe *p, const probe_target *t)
{
	return p->guests ? p->guests[t->index].start : NULL;
}

int probe_guest_connected(probe *p, const probe_target *t)
{
	return p->guests && p->guests[t->index].connected;
}

void probe_guest_close(probe *p)
{
	if (!p->guests)
		return;
	for (int i = 0; i < p->ntargets; i++) {
		probe_guest *g = &p->guests[i];
		uv_timer_stop(&g->retry);
		uv_close((uv_handle_t *)&g->retry, NULL);
		if (g->open && !uv_is_closing((uv_handle_t *)&g->tcp))
			uv_close((uv_handle_t *)&g->tcp, NULL);
	}
}

void probe_guest_free(probe *p)
{
	if (p->guests)
		for (int i = 0; i < p->ntargets; i++) {
			free(p->guests[i].buf);
			json_decref(p->guests[i].start);
		}
	free(p->guests);
	p->guests = NULL;
	if (p->guest_log.f)
		bo_log_close(&p->guest_log);
}

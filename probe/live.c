/* SPDX-License-Identifier: Apache-2.0 */
/* Live view of the run from the capture: requests and replies paired as they are captured, for a
 * status line per target and to tell the sender which streams to probe faster (an outage
 * suspected). The outages themselves, with their bounds, are the analyzer's engine's
 * (engine.c), as blackout-analyze finds them in the files. */
#include <stdio.h>
#include <string.h>

#include "bo_err.h"
#include "bo_sys.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "probe.h"

void probe_live_clear(probe *p)
{
	if (!p->term.tty || !p->term.status_lines)
		return;
	/* Move up over the status block and clear it, so a log line can take its place. */
	fprintf(stderr, "\r\033[%dA\033[J", p->term.status_lines);
	p->term.status_lines = 0;
}

static int64_t recent_send(const probe_live *l, uint32_t seq, int64_t fallback)
{
	return l->recent_seq[seq % 64] == seq && l->recent_ts[seq % 64] ? l->recent_ts[seq % 64]
	                                                                : fallback;
}

/* An outage is suspected once the first unanswered probe is clearly overdue: four round trips,
 * and at least 2 ms. The sender then probes this slot faster until a reply comes. */
static void watch_overdue(probe_slot *s, int64_t now)
{
	probe_live *l = &s->live;
	int64_t rtt = l->last_rtt * 4 > 2 * BO_NS_PER_MS ? l->last_rtt * 4 : 2 * BO_NS_PER_MS;
	if (l->have_ans && l->have_pend && now - l->pend_send > rtt) /* never answered: no */
		atomic_store_explicit(&s->fast, 1, memory_order_relaxed);
}

static void live_one(probe_slot *s, int reply, uint32_t seq, int64_t ts)
{
	probe_live *l = &s->live;
	if (!reply) {
		l->seen++;
		l->recent_seq[seq % 64] = seq;
		l->recent_ts[seq % 64] = ts;
		if (!l->have_pend && (!l->have_ans || seq == l->last_ans_seq + 1)) {
			l->have_pend = 1;
			l->pend_seq = seq;
			l->pend_send = ts;
		}
		watch_overdue(s, ts);
		return;
	}
	if (l->have_ans && seq <= l->last_ans_seq) {
		if (seq == l->last_ans_seq)
			l->dups++;
		else
			l->reordered++;
		return;
	}
	int64_t send_ts = recent_send(l, seq, ts);
	l->answered++;
	l->answered_fast += atomic_load_explicit(&s->fast, memory_order_relaxed) != 0;
	l->last_rtt = ts - send_ts;
	atomic_store_explicit(&s->fast, 0, memory_order_relaxed);
	l->have_ans = 1;
	l->last_ans_seq = seq;
	l->last_ans_send = send_ts;
	/* The next request may already be on the wire when RTT > interval. */
	uint32_t next = seq + 1;
	l->have_pend = l->recent_seq[next % 64] == next && l->recent_ts[next % 64];
	l->pend_seq = next;
	l->pend_send = l->have_pend ? l->recent_ts[next % 64] : 0;
}

/* The hits of one packet (the registry's matchers; a TCP segment may carry several tcp-est
 * frames), each given to the target's stream that accepts it. A frame split over two
 * segments is left to the analyzer, which reassembles the stream. */
static void live_hit(probe *p, const bo_hit *h, int64_t ts)
{
	int t = bo_addrmap_get(&p->target_map, &h->target);
	if (t < 0)
		return;
	int n = p->cfg.nstreams;
	for (probe_slot *s = &p->slots[t * n]; s < &p->slots[(t + 1) * n]; s++)
		if (s->desc->accepts(&s->inst, h)) {
			live_one(s, h->reply, h->seq, ts);
			return;
		}
	/* A STAMP reply no stream could read: kept for the pre-flight's reason, on the target's
	 * first silent STAMP stream. */
	if (!h->reply || h->kind != BO_MATCH_STAMP)
		return;
	for (probe_slot *s = &p->slots[t * n]; s < &p->slots[(t + 1) * n]; s++)
		if (s->desc->kind == BO_MATCH_STAMP && !s->live.answered) {
			s->live.unread++;
			s->live.unread_status = h->stamp_status;
			s->live.unread_len = h->stamp_len;
			s->live.unread_ssid = h->ssid;
			return;
		}
}

/* Why replies that arrived could not be read. */
static void unread_why(const probe *p, const probe_slot *s, char *why, size_t len)
{
	const probe_live *l = &s->live;
	int auth = p->sctx.stamp_key && p->sctx.stamp_key->len;
	int n = snprintf(why, len, "%llu replies arrived but could not be read: ",
	                 (unsigned long long)l->unread);
	if (n < 0 || (size_t)n >= len)
		return;
	if (l->unread_status == BO_EAUTH)
		snprintf(why + n, len - (size_t)n,
		         "their HMAC does not verify (the reflector has another key than "
		         "--stamp-key)");
	else if (l->unread_status == BO_ETRUNC && auth)
		snprintf(why + n, len - (size_t)n,
		         "%u octets, not the 112 of authenticated STAMP (an unauthenticated "
		         "reflector? drop --stamp-key)",
		         l->unread_len);
	else if (l->unread_status == BO_ETRUNC)
		snprintf(why + n, len - (size_t)n,
		         "%u octets, shorter than any STAMP or TWAMP-light reply (38 at least)",
		         l->unread_len);
	else
		snprintf(
		        why + n, len - (size_t)n,
		        "they name session %u, this stream's is %u (a reflector that rewrites the "
		        "SSID; with SSID 0, TWAMP-light's, only `udp` can be matched, by its fixed "
		        "ports)",
		        l->unread_ssid, s->inst.ssid);
}

void probe_live_packet(probe *p, const bo_pkt *pkt, int64_t ts)
{
	bo_hit hits[BO_HITS_MAX];
	int n = bo_stream_match(&p->sctx, pkt, hits, BO_HITS_MAX);
	for (int i = 0; i < n; i++)
		live_hit(p, &hits[i], ts);
}

/* The current gap: how long since the first unanswered probe went out, once that is longer
 * than the reply timeout (before that it may simply be in flight). */
static int64_t current_gap(const probe *p, const probe_slot *s, int64_t now)
{
	const probe_live *l = &s->live;
	if (!l->have_pend || now - l->pend_send < p->cfg.timeout)
		return 0;
	return now - l->pend_send;
}

json_t *probe_live_json(probe *p, int64_t now, int only_gaps)
{
	json_t *arr = json_array();
	for (int i = 0; i < p->nslots; i++) {
		probe_slot *s = &p->slots[i];
		int64_t gap = current_gap(p, s, now);
		if (only_gaps && !gap)
			continue;
		json_array_append_new(
		        arr, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		                       "target", s->target->str, "stream", s->desc->name, "sent",
		                       (json_int_t)atomic_load(&s->sent), "send_errors",
		                       (json_int_t)atomic_load(&s->send_errors), "late",
		                       (json_int_t)atomic_load(&s->late), "max_late_ns",
		                       (json_int_t)atomic_load(&s->max_late), "captured",
		                       (json_int_t)s->live.seen, "answered",
		                       (json_int_t)s->live.answered, "duplicates",
		                       (json_int_t)s->live.dups, "outages",
		                       (json_int_t)s->live.outages, "gap_ns", (json_int_t)gap));
	}
	return arr;
}

/* Per stream over all targets: what a fleet's status line shows. */
typedef struct live_total {
	const char *name;
	uint64_t sent, answered;
	int silent, in_gap; /* targets that never answered; targets in a gap now */
	int64_t longest_gap;
} live_total;

static int live_totals(probe *p, int64_t now, live_total *tot)
{
	int n = p->cfg.nstreams;
	for (int i = 0; i < n; i++) {
		tot[i] = (live_total){.name = p->slots[i].desc->name};
		for (int t = 0; t < p->ntargets; t++) {
			probe_slot *s = &p->slots[t * n + i];
			int64_t gap = current_gap(p, s, now);
			tot[i].sent += atomic_load(&s->sent) - atomic_load(&s->sent_fast);
			tot[i].answered += s->live.answered - s->live.answered_fast;
			tot[i].silent += !s->live.answered;
			tot[i].in_gap += gap > 0;
			if (gap > tot[i].longest_gap)
				tot[i].longest_gap = gap;
		}
	}
	return n;
}

json_t *probe_live_totals_json(probe *p, int64_t now)
{
	live_total tot[PROBE_MAX_STREAMS];
	int n = live_totals(p, now, tot);
	json_t *arr = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(
		        arr, json_pack("{s:s, s:i, s:I, s:I, s:i, s:i, s:I}", "stream", tot[i].name,
		                       "targets", p->ntargets, "sent", (json_int_t)tot[i].sent,
		                       "answered", (json_int_t)tot[i].answered, "never_answered",
		                       tot[i].silent, "in_gap", tot[i].in_gap, "longest_gap_ns",
		                       (json_int_t)tot[i].longest_gap));
	return arr;
}

/* Lines that fit the terminal: items joined by two spaces, a new line (indented under the
 * first) where the next would not fit. Returns the lines printed. */
typedef struct line_out {
	probe *p;
	int final, lines, indent;
	size_t len; /* of the current line */
	char buf[1024];
} line_out;

static void line_flush(line_out *o)
{
	if (!o->len)
		return;
	fprintf(stderr, "%s%s\n", o->buf, o->p->term.tty && !o->final ? "\033[K" : "");
	o->lines++;
	o->len = 0;
}

static void line_item(line_out *o, const char *item)
{
	size_t n = strlen(item), cols = (size_t)o->p->term.columns;
	if (o->len && cols && o->len + 2 + n > cols - 1) { /* the last column left: no wrap */
		line_flush(o);
		o->len = (size_t)snprintf(o->buf, sizeof o->buf, "%*s", o->indent, "");
	}
	int w = snprintf(o->buf + o->len, sizeof o->buf - o->len, "%s%s",
	                 o->len > (size_t)o->indent ? "  " : "", item);
	if (w > 0 && o->len + (size_t)w < sizeof o->buf)
		o->len += (size_t)w;
}

/* A target's streams: answered / sent of the nominal probes (the faster ones sent during an
 * outage counted apart, as a ping user reads "sent" at one interval), or how long it has
 * been dark. */
static int status_target(probe *p, const probe_target *t, const char *prefix, int64_t now,
                         int final)
{
	line_out o = {.p = p, .final = final};
	char head[64];
	snprintf(head, sizeof head, "%s %-15s", prefix, t->str);
	o.indent = (int)strlen(prefix) + 1;
	line_item(&o, head);
	int n = p->cfg.nstreams;
	uint64_t fast = 0;
	for (probe_slot *s = &p->slots[t->index * n]; s < &p->slots[(t->index + 1) * n]; s++) {
		char item[96];
		int64_t gap = current_gap(p, s, now);
		uint64_t sent = atomic_load(&s->sent), sf = atomic_load(&s->sent_fast);
		fast += sf;
		if (gap && !s->live.answered) /* it never answered: not dark, silent */
			snprintf(item, sizeof item, "%s no reply", s->desc->name);
		else if (gap)
			snprintf(item, sizeof item, "%s DARK %.1f s", s->desc->name,
			         (double)gap / 1e9);
		else
			snprintf(item, sizeof item, "%s %llu/%llu", s->desc->name,
			         (unsigned long long)(s->live.answered - s->live.answered_fast),
			         (unsigned long long)(sent - sf));
		line_item(&o, item);
	}
	if (fast) {
		char item[64];
		snprintf(item, sizeof item, "(+%llu fast in outages)", (unsigned long long)fast);
		line_item(&o, item);
	}
	if (p->term.preflight_silent > 0) {
		char item[64];
		snprintf(item, sizeof item, "pre-flight: %d silent (above)",
		         p->term.preflight_silent);
		line_item(&o, item);
	}
	line_flush(&o);
	return o.lines;
}

/* A fleet: one line per stream over all targets, then the targets in a gap, longest first. */
static int status_fleet(probe *p, const char *prefix, int64_t now, int final)
{
	live_total tot[PROBE_MAX_STREAMS];
	int n = live_totals(p, now, tot), lines = 0;
	for (int i = 0; i < n; i++) {
		line_out o = {.p = p, .final = final, .indent = (int)strlen(prefix) + 1};
		char item[96];
		snprintf(item, sizeof item, "%s %d targets  %-8s", prefix, p->ntargets,
		         tot[i].name);
		line_item(&o, item);
		snprintf(item, sizeof item, "%llu/%llu answered",
		         (unsigned long long)tot[i].answered, (unsigned long long)tot[i].sent);
		line_item(&o, item);
		if (tot[i].silent) {
			snprintf(item, sizeof item, "%d never answered", tot[i].silent);
			line_item(&o, item);
		}
		if (tot[i].in_gap) {
			snprintf(item, sizeof item, "%d DARK (longest %.1f s)", tot[i].in_gap,
			         (double)tot[i].longest_gap / 1e9);
			line_item(&o, item);
		}
		line_flush(&o);
		lines += o.lines;
	}
	enum { SHOW = 8 };
	int shown[SHOW], nshown = 0;
	int64_t worst[SHOW];
	for (int t = 0; t < p->ntargets; t++) {
		int64_t g = 0;
		for (int i = 0; i < n; i++) {
			int64_t x = current_gap(p, &p->slots[t * n + i], now);
			g = x > g ? x : g;
		}
		if (!g)
			continue;
		int k;
		if (nshown < SHOW)
			k = nshown++;
		else if (worst[SHOW - 1] >= g)
			continue;
		else
			k = SHOW - 1;
		for (; k > 0 && worst[k - 1] < g; k--) { /* insertion into the top SHOW */
			worst[k] = worst[k - 1];
			shown[k] = shown[k - 1];
		}
		worst[k] = g;
		shown[k] = t;
	}
	for (int k = 0; k < nshown; k++)
		lines += status_target(p, &p->targets[shown[k]], prefix, now, final);
	return lines;
}

void probe_live_status(probe *p, int final)
{
	if (p->cfg.quiet)
		return;
	if (p->watch) { /* a watcher's own lines, on a terminal only (quiet under a service) */
		if (p->term.tty && !final) {
			probe_live_clear(p);
			p->term.status_lines = probe_watch_status(p);
		}
		return;
	}
	int64_t now = bo_clock_real_ns();
	if (!p->term.tty && !final && now - p->term.last_plain_status < 10 * BO_NS_PER_S)
		return;
	p->term.last_plain_status = now;
	probe_live_clear(p);
	p->term.columns = bo_sys_tty_columns(); /* it may have been resized */
	char el[32];
	bo_dur_str(bo_clock_mono_ns() - p->start_mono, el, sizeof el);
	const char *prefix = final ? "total" : el;
	int lines = 0;
	if (p->ntargets > PROBE_STATUS_TARGETS)
		lines = status_fleet(p, prefix, now, final);
	else
		for (int t = 0; t < p->ntargets; t++)
			lines += status_target(p, &p->targets[t], prefix, now, final);
	if (p->term.tty && !final)
		p->term.status_lines = lines;
}

void probe_live_preflight(probe *p)
{
	int silent = 0, shown = 0;
	json_t *list = json_array();
	for (int i = 0; i < p->nslots; i++) {
		probe_slot *s = &p->slots[i];
		if (s->live.answered)
			continue;
		silent++;
		uint16_t port = bo_stream_port(s->desc, p->cfg.stamp_port, p->cfg.tcp_port);
		char why[256];
		const char *text = s->desc->silent ? s->desc->silent : "no reply";
		const char *pct = strstr(text, "%u"); /* the port goes there */
		if (s->live.unread)
			unread_why(p, s, why, sizeof why);
		else if (pct)
			snprintf(why, sizeof why, "%.*s%u%s", (int)(pct - text), text, port,
			         pct + 2);
		else
			snprintf(why, sizeof why, "%s", text);
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:I, s:s}", "target", s->target->str,
		                                "stream", s->desc->name, "sent",
		                                (json_int_t)atomic_load(&s->sent), "why", why));
		if (p->cfg.quiet || shown >= 10)
			continue;
		probe_live_clear(p);
		fprintf(stderr, "blackout-probe: warning: %s %s has not answered yet: %s\n",
		        s->target->str, s->desc->name, why);
		shown++;
	}
	if (!p->cfg.quiet && silent > shown)
		fprintf(stderr,
		        "blackout-probe: warning: %d more silent streams (probe.jsonl lists "
		        "them)\n",
		        silent - shown);
	if (!p->cfg.quiet && silent == 0)
		fprintf(stderr, "blackout-probe: pre-flight: all %d streams answered\n", p->nslots);
	p->term.preflight_silent = silent;
	bo_log_put(&p->log,
	           json_pack("{s:s, s:i, s:i, s:o}", "type", bo_rec_name(BO_REC_PREFLIGHT),
	                     "streams", p->nslots, "silent", silent, "silent_streams", list));
}

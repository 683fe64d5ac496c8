/* SPDX-License-Identifier: Apache-2.0 */
/* The watcher's Prometheus endpoint: HTTP on the loop, GET /metrics answered with the text the
 * watcher renders (Prometheus' text format 0.0.4), one request a connection, closed after the
 * answer. Bounded: PROBE_METRICS_CONNS connections at once (more are closed at once, counted),
 * PROBE_HTTP_MAX bytes of request, PROBE_METRICS_IDLE to send it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define PROBE_METRICS_CONNS 32
#define PROBE_METRICS_IDLE 10000 /* ms */

typedef struct mconn {
	uv_tcp_t tcp;
	uv_timer_t idle;
	uv_write_t wr;
	probe_metrics *m;
	char buf[PROBE_HTTP_MAX];
	size_t used;
	char *out;
	int closing;
	int handles; /* open handles: freed when both have closed */
} mconn;

struct probe_metrics {
	uv_tcp_t server;
	probe_metrics_render render;
	void *arg;
	int conns;
	int stopping, server_open;
	uint64_t refused, served, bad;
};

/* Freed once its server and every connection have closed. */
static void maybe_free(probe_metrics *m)
{
	if (m->stopping && !m->server_open && !m->conns)
		free(m);
}

static void server_closed(uv_handle_t *h)
{
	probe_metrics *m = h->data;
	m->server_open = 0;
	maybe_free(m);
}

static void conn_closed(uv_handle_t *h)
{
	mconn *c = h->data;
	if (--c->handles == 0) {
		probe_metrics *m = c->m;
		m->conns--;
		free(c->out);
		free(c);
		maybe_free(m);
	}
}

static void conn_close(mconn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	uv_timer_stop(&c->idle);
	uv_close((uv_handle_t *)&c->idle, conn_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void on_written(uv_write_t *w, int status)
{
	(void)status;
	conn_close(w->data);
}

static void respond(mconn *c, int code, const char *reason, const char *type, const char *body,
                    size_t blen, int head)
{
	size_t cap = blen + 256;
	c->out = malloc(cap);
	if (!c->out) {
		conn_close(c);
		return;
	}
	int n = snprintf(c->out, cap,
	                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n",
	                 code, reason, type, blen);
	if (!head)
		memcpy(c->out + n, body, blen);
	uv_buf_t b = uv_buf_init(c->out, (unsigned)(n + (head ? 0 : blen)));
	c->wr.data = c;
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
		conn_close(c);
}

static void answer(mconn *c, int what, int head)
{
	static const char root[] =
	        "<!DOCTYPE html><html><head><title>blackout-probe --watch</title></head><body>"
	        "<h1>blackout-probe --watch</h1><p><a href=\"/metrics\">/metrics</a></p>"
	        "</body></html>\n";
	switch (what) {
	case PROBE_HTTP_METRICS: {
		size_t len = 0;
		char *text = c->m->render(c->m->arg, &len);
		if (!text) {
			respond(c, 500, "Internal Server Error", "text/plain", "", 0, head);
			return;
		}
		c->m->served++;
		respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text, len, head);
		free(text);
		return;
	}
	case PROBE_HTTP_ROOT:
		respond(c, 200, "OK", "text/html; charset=utf-8", root, sizeof root - 1, head);
		return;
	case PROBE_HTTP_NOT_FOUND:
		respond(c, 404, "Not Found", "text/plain", "not found: try /metrics\n", 24, head);
		return;
	case PROBE_HTTP_BAD_METHOD:
		c->m->bad++;
		respond(c, 405, "Method Not Allowed", "text/plain", "GET /metrics\n", 13, 0);
		return;
	default: c->m->bad++; respond(c, 400, "Bad Request", "text/plain", "bad request\n", 12, 0);
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)suggested;
	mconn *c = h->data;
	*b = uv_buf_init(c->buf + c->used, (unsigned)(sizeof c->buf - c->used));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)b;
	mconn *c = s->data;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->used += (size_t)n;
	int head;
	int what = probe_http_parse(c->buf, c->used, &head);
	if (what != PROBE_HTTP_MORE)
		answer(c, what, head);
}

static void on_idle(uv_timer_t *t)
{
	conn_close(t->data); /* a client that sends nothing (or too slowly) */
}

static void on_connection(uv_stream_t *server, int status)
{
	probe_metrics *m = server->data;
	if (status < 0)
		return;
	mconn *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->m = m;
	uv_tcp_init(server->loop, &c->tcp);
	uv_timer_init(server->loop, &c->idle);
	c->tcp.data = c->idle.data = c;
	c->handles = 2;
	m->conns++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || m->conns > PROBE_METRICS_CONNS) {
		m->refused += m->conns > PROBE_METRICS_CONNS;
		conn_close(c);
		return;
	}
	uv_timer_start(&c->idle, on_idle, PROBE_METRICS_IDLE, 0);
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
		conn_close(c);
}

int probe_metrics_start(uv_loop_t *loop, const char *addr, probe_metrics_render render, void *arg,
                        probe_metrics **out, char *err, size_t errlen)
{
	char host[64];
	int port;
	struct sockaddr_storage ss;
	/* ADDR:PORT, [V6]:PORT, or :PORT (every address) */
	const char *colon = strrchr(addr, ':');
	if (!colon || sscanf(colon + 1, "%d", &port) != 1 || port < 1 || port > 65535 ||
	    (size_t)(colon - addr) >= sizeof host) {
		snprintf(err, errlen, "--metrics %s: give ADDRESS:PORT (127.0.0.1:9620, [::]:9620)",
		         addr);
		return -1;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (!host[0])
		snprintf(host, sizeof host, "0.0.0.0");
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0) {
		snprintf(err, errlen, "--metrics %s: %s is not an IP address", addr, host);
		return -1;
	}
	probe_metrics *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->render = render;
	m->arg = arg;
	uv_tcp_init(loop, &m->server);
	m->server.data = m;
	m->server_open = 1;
	int rc = uv_tcp_bind(&m->server, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&m->server, 64, on_connection);
	if (rc != 0) {
		snprintf(err, errlen, "--metrics %s: cannot listen: %s", addr, uv_strerror(rc));
		probe_metrics_stop(m);
		return -1;
	}
	*out = m;
	return 0;
}

void probe_metrics_counts(const probe_metrics *m, uint64_t *served, uint64_t *refused,
                          uint64_t *bad)
{
	*served = m->served;
	*refused = m->refused;
	*bad = m->bad;
}

void probe_metrics_stop(probe_metrics *m)
{
	if (!m || m->stopping)
		return;
	m->stopping = 1;
	uv_close((uv_handle_t *)&m->server, server_closed);
}

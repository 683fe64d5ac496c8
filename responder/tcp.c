/* SPDX-License-Identifier: Apache-2.0 */
/* The TCP listener, one port for IPv4 and IPv6 (libuv): the kernel answers tcp-syn probes with
 * SYN-ACK; a client's first line picks the rest of the connection (request.c):
 *   echo    every byte is sent back (tcp-est frames), reading paused while 256 KiB wait;
 *   events  the event journal from the asked number on, as JSON lines, then live events; a
 *           client that asks for events the journal no longer holds gets an "events-lost" line.
 * With a key the events client first answers a challenge (bo_ctl.h). Without a key or --allow
 * both serve loopback alone (rsp_access_permits): another host gets an error line naming the
 * fix, and nothing of the guest.
 *
 * Slots: at most 64 clients, 8 from one address, and 16 of the 64 kept for sources named in
 * --allow and, with a key, for events clients that authenticate (so strangers holding
 * connections cannot lock the probe out: a client in a kept slot that does not authenticate is
 * closed at its request line); a client that sends no request line (or no
 * answer to its challenge) within 10 s, an echo client silent for 60 s and an events client
 * that has not read for 30 s are closed. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bo_err.h"
#include "bo_time.h"
#include "responder.h"

#define MAX_CONNS 64
#define PER_SOURCE 8
#define RESERVED 16 /* of MAX_CONNS, for sources an explicit --allow names */
#define ECHO_IDLE_NS (60 * BO_NS_PER_S)
#define STUCK_NS (30 * BO_NS_PER_S)
#define KIND_AUTH 3 /* an events client that still owes the answer to its challenge */
#define HIGH_WATER (256 * 1024)
#define LOW_WATER (64 * 1024)
#define BATCH (64 * 1024)
#define HELLO_TIMEOUT_NS (10 * BO_NS_PER_S)

struct rsp_conn {
	uv_tcp_t h;
	rsp *r;
	rsp_conn *next;
	int kind; /* 0 until the request line, then RSP_REQ_* */
	int closing, paused;
	uint8_t req[BO_CTL_REQ_MAX];
	size_t reqlen;
	uint64_t cursor; /* events: the next event to send */
	uint64_t bytes;  /* echoed or sent */
	int64_t opened;
	int64_t last_rx;    /* echo: when bytes last came */
	int64_t last_drain; /* events: when its queue was last below the high-water mark */
	bo_addr addr;
	int trusted;     /* its address is in an explicit --allow list, or it authenticated */
	int provisional; /* in a reserved slot: must authenticate (events with a key) */
	uint8_t challenge[BO_CTL_CHALLENGE_LEN];
	char peer[64];
};

typedef struct wbuf {
	uv_write_t w;
	rsp_conn *c;
	char data[];
} wbuf;

static void on_closed(uv_handle_t *h)
{
	rsp_conn *c = h->data;
	rsp *r = c->r;
	for (rsp_conn **pp = &r->tcp.conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	r->tcp.nconns--;
	free(c);
}

static void conn_close(rsp_conn *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->kind)
		rsp_event(
		        c->r, BO_GEV_TCP_CLOSE,
		        json_pack("{s:s, s:s, s:s, s:I}", "peer", c->peer, "mode",
		                  bo_ctl_kind_name(c->kind == KIND_AUTH ? BO_CTL_EVENTS : c->kind),
		                  "why", why, "bytes", (json_int_t)c->bytes));
	uv_close((uv_handle_t *)&c->h, on_closed);
}

static void pump(rsp_conn *c);
static void start_reading(rsp_conn *c);

static void on_written(uv_write_t *w, int status)
{
	wbuf *b = (wbuf *)w;
	rsp_conn *c = b->c;
	free(b);
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c, uv_strerror(status));
		return;
	}
	if (c->kind == BO_CTL_EVENTS)
		pump(c);
	else if (c->paused && uv_stream_get_write_queue_size((uv_stream_t *)&c->h) < LOW_WATER)
		start_reading(c);
}

static int send_copy(rsp_conn *c, const char *data, size_t len)
{
	wbuf *b = malloc(sizeof *b + len);
	if (!b)
		return BO_ENOMEM;
	memcpy(b->data, data, len);
	b->c = c;
	uv_buf_t buf = uv_buf_init(b->data, (unsigned)len);
	int rc = uv_write(&b->w, (uv_stream_t *)&c->h, &buf, 1, on_written);
	if (rc < 0) {
		free(b);
		return rc;
	}
	c->bytes += len;
	return 0;
}

/* Events: copies journal lines into one buffer per write, while the socket keeps up. */
static void pump(rsp_conn *c)
{
	rsp *r = c->r;
	rsp_journal *j = &r->journal;
	while (!c->closing && c->cursor < j->next &&
	       uv_stream_get_write_queue_size((uv_stream_t *)&c->h) < HIGH_WATER) {
		char lost[160];
		if (c->cursor < j->first) {
			int n = snprintf(lost, sizeof lost,
			                 "{\"type\":\"events-lost\",\"from\":%llu,\"to\":%llu}\n",
			                 (unsigned long long)c->cursor,
			                 (unsigned long long)(j->first - 1));
			c->cursor = j->first;
			if (send_copy(c, lost, (size_t)n) < 0)
				conn_close(c, "write failed");
			continue;
		}
		char *batch = malloc(BATCH);
		size_t used = 0, len;
		const char *line;
		while (batch && c->cursor < j->next &&
		       (line = rsp_journal_get(j, c->cursor, &len)) && used + len <= BATCH) {
			memcpy(batch + used, line, len);
			used += len;
			c->cursor++;
		}
		if (batch && used == 0 && line) { /* one line larger than a batch */
			send_copy(c, line, len);
			c->cursor++;
		} else if (batch && send_copy(c, batch, used) < 0) {
			conn_close(c, "write failed");
		}
		free(batch);
		if (!batch)
			break;
	}
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	static char slab[65536]; /* one read at a time on this loop */
	*buf = uv_buf_init(slab, sizeof slab);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void start_reading(rsp_conn *c)
{
	if (uv_read_start((uv_stream_t *)&c->h, alloc_cb, on_read) == 0)
		c->paused = 0;
}

static void echo(rsp_conn *c, const char *data, size_t len)
{
	if (len == 0)
		return;
	if (send_copy(c, data, len) < 0) {
		conn_close(c, "write failed");
		return;
	}
	c->r->tcp.echo_bytes += len;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->h) >= HIGH_WATER) {
		uv_read_stop((uv_stream_t *)&c->h);
		c->paused = 1;
	}
}

/* An events client's answer to its challenge, in c->req: on to the events, or refused. */
static void answer(rsp_conn *c)
{
	uint8_t got[BO_CTL_CHALLENGE_LEN], want[BO_CTL_CHALLENGE_LEN];
	int used = bo_ctl_parse_hex_line("auth", c->req, c->reqlen, got);
	if (used == 0)
		return;
	bo_ctl_auth(&c->r->refl.key, c->challenge, want);
	if (used < 0 || sodium_memcmp(got, want, sizeof want) != 0) {
		static const char msg[] = "error: authentication failed (the probe needs the "
		                          "responder's key: --stamp-key)\n";
		c->r->tcp.auth_failed++;
		send_copy(c, msg, sizeof msg - 1);
		c->kind = BO_CTL_EVENTS; /* for the close record */
		conn_close(c, "authentication failed");
		return;
	}
	c->kind = BO_CTL_EVENTS;
	c->trusted = 1;
	c->provisional = 0;
	rsp_event(c->r, BO_GEV_TCP_OPEN,
	          json_pack("{s:s, s:s, s:I, s:b}", "peer", c->peer, "mode", "events", "from",
	                    (json_int_t)c->cursor, "authenticated", 1));
	pump(c);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	rsp_conn *c = s->data;
	if (n < 0) {
		conn_close(c, n == UV_EOF ? "closed by peer" : uv_strerror((int)n));
		return;
	}
	const char *p = buf->base;
	size_t len = (size_t)n;
	c->last_rx = bo_clock_mono_ns();
	if (c->kind == BO_CTL_ECHO) {
		echo(c, p, len);
		return;
	}
	if (c->kind == BO_CTL_EVENTS)
		return; /* nothing more is expected from an events client */
	size_t take = len < sizeof c->req - c->reqlen ? len : sizeof c->req - c->reqlen;
	memcpy(c->req + c->reqlen, p, take);
	c->reqlen += take;
	if (c->kind == KIND_AUTH) {
		answer(c);
		return;
	}
	bo_ctl_req req;
	int used = bo_ctl_parse(c->req, c->reqlen, &req);
	if (used == 0)
		return;
	if (used < 0) {
		static const char msg[] =
		        "error: expected \"BLACKOUT/1 echo\" or \"BLACKOUT/1 events "
		        "FROM\"\n";
		send_copy(c, msg, sizeof msg - 1);
		conn_close(c, "bad request");
		return;
	}
	c->kind = req.kind;
	c->cursor = req.from; /* before the event below wakes the events clients */
	if (!rsp_access_permits(c->r->access, &c->addr)) {
		static const char msg[] =
		        "error: this responder serves its event channel and echo on loopback "
		        "only: start it with --key-file FILE (the package's: "
		        "/etc/blackout-responder/key) and give the probe --stamp-key FILE, or "
		        "--allow PROBE_HOST\n";
		send_copy(c, msg, sizeof msg - 1);
		c->r->tcp.strangers++;
		conn_close(c, "loopback only (no --key-file, no --allow)");
		return;
	}
	if (c->provisional && !(req.kind == BO_CTL_EVENTS && c->r->refl.key.len)) {
		static const char msg[] = "error: no slot free for an unauthenticated client\n";
		send_copy(c, msg, sizeof msg - 1);
		c->r->tcp.refused++;
		conn_close(c,
		           "the reserved slots are for --allow sources and authenticated probes");
		return;
	}
	if (req.kind == BO_CTL_EVENTS && c->r->refl.key.len) {
		/* The guest's events are for the probe that has the key. */
		c->kind = KIND_AUTH;
		c->reqlen -= (size_t)used;
		memmove(c->req, c->req + used, c->reqlen);
		randombytes_buf(c->challenge, sizeof c->challenge);
		char line[BO_CTL_HEX_LINE_MAX];
		int ln = bo_ctl_hex_line("challenge", c->challenge, line, sizeof line);
		if (send_copy(c, line, (size_t)ln) < 0)
			conn_close(c, "write failed");
		else if (c->reqlen)
			answer(c);
		return;
	}
	rsp_event(c->r, BO_GEV_TCP_OPEN,
	          json_pack("{s:s, s:s, s:I}", "peer", c->peer, "mode",
	                    req.kind == BO_CTL_ECHO ? "echo" : "events", "from",
	                    (json_int_t)req.from));
	if (req.kind == BO_CTL_EVENTS)
		return;
	/* Bytes after the request line are frames: those buffered with it, then the rest of
	 * this read. */
	echo(c, (const char *)c->req + used, c->reqlen - (size_t)used);
	echo(c, p + take, len - take);
}

static void on_connection(uv_stream_t *server, int status)
{
	rsp *r = server->data;
	if (status < 0)
		return;
	rsp_conn *c = calloc(1, sizeof *c);
	if (!c || uv_tcp_init(r->loop, &c->h) != 0) {
		free(c);
		return;
	}
	c->r = r;
	c->h.data = c;
	c->opened = bo_clock_mono_ns();
	c->next = r->tcp.conns;
	r->tcp.conns = c;
	r->tcp.nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->h) != 0) {
		c->closing = 1;
		uv_close((uv_handle_t *)&c->h, on_closed);
		return;
	}
	struct sockaddr_storage ss;
	int sl = sizeof ss;
	bo_addr peer = {0};
	uint16_t port;
	snprintf(c->peer, sizeof c->peer, "?");
	if (uv_tcp_getpeername(&c->h, (struct sockaddr *)&ss, &sl) == 0 &&
	    rsp_addr_from_sockaddr((struct sockaddr *)&ss, &peer, &port) == 0)
		bo_addr_str(&peer, c->peer, sizeof c->peer);
	c->addr = peer;
	c->last_rx = c->last_drain = c->opened;
	c->trusted = r->guard.nallow > 0 && rsp_guard_allowed(&r->guard, &peer);
	int same = 0, strangers = 0;
	for (rsp_conn *o = r->tcp.conns; o; o = o->next)
		if (o != c && !o->closing) {
			same += bo_addr_eq(&o->addr, &peer);
			strangers += !o->trusted && !o->provisional;
		}
	/* Refused (only counted: a flood must not flood the log) when not allowed, with every
	 * slot taken, or with too many from one address; past the strangers' share, a kept
	 * slot if it proves itself. */
	int refuse = !rsp_guard_allowed(&r->guard, &peer) || r->tcp.nconns > MAX_CONNS ||
	             same >= PER_SOURCE;
	if (!refuse && !c->trusted && strangers >= MAX_CONNS - RESERVED)
		c->provisional = 1;
	if (refuse) {
		r->tcp.refused++;
		c->closing = 1;
		uv_close((uv_handle_t *)&c->h, on_closed);
		return;
	}
	uv_tcp_nodelay(&c->h, 1);
	start_reading(c);
}

int rsp_tcp_start(rsp *r, char *err, size_t errlen)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(r->tcp_port)};
	int rc = uv_tcp_init(r->loop, &r->tcp.listener);
	if (rc == 0)
		rc = uv_tcp_bind(&r->tcp.listener, (const struct sockaddr *)&a, 0); /* dual stack */
	r->tcp.listener.data = r;
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&r->tcp.listener, 128, on_connection);
	if (rc < 0) {
		snprintf(err, errlen, "cannot listen on TCP port %u: %s%s", r->tcp_port,
		         uv_strerror(rc),
		         rc == UV_EADDRINUSE ? " (another responder running? choose --tcp-port)"
		         : rc == UV_EACCES ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
		                           : "");
		uv_close((uv_handle_t *)&r->tcp.listener, NULL);
		return rc;
	}
	r->tcp.on = 1;
	return 0;
}

void rsp_tcp_wake(rsp *r)
{
	for (rsp_conn *c = r->tcp.conns; c; c = c->next)
		if (c->kind == BO_CTL_EVENTS && !c->closing)
			pump(c);
}

void rsp_tcp_tick(rsp *r)
{
	int64_t now = bo_clock_mono_ns();
	for (rsp_conn *c = r->tcp.conns; c; c = c->next) {
		if (c->closing)
			continue;
		if ((!c->kind || c->kind == KIND_AUTH) && now - c->opened > HELLO_TIMEOUT_NS)
			conn_close(c, c->kind ? "no answer to the challenge" : "no request line");
		else if (c->kind == BO_CTL_ECHO && now - c->last_rx > ECHO_IDLE_NS)
			conn_close(c, "idle");
		else if (c->kind == BO_CTL_EVENTS) {
			if (uv_stream_get_write_queue_size((uv_stream_t *)&c->h) < HIGH_WATER)
				c->last_drain = now;
			else if (now - c->last_drain > STUCK_NS)
				conn_close(c, "not reading");
		}
	}
}

void rsp_tcp_stop(rsp *r)
{
	for (rsp_conn *c = r->tcp.conns; c; c = c->next)
		conn_close(c, "responder stopping");
	if (r->tcp.on)
		uv_close((uv_handle_t *)&r->tcp.listener, NULL);
	r->tcp.on = 0;
}

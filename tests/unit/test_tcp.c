/* SPDX-License-Identifier: Apache-2.0 */
/* analysis/tcp.c's byte streams (tcp-est) on hand-built segments: frames read in order; the
 * echo's segment lost before the capture and resent after later ones is read when it comes
 * (not passed over as a retransmission); the event channel's segments on the same port leave
 * the stream's state alone; a retransmission of what was read is not read twice; a frame split
 * over two segments is joined, the first segment of a connection's echo too. */
#include <string.h>

#include "an.h"
#include "bo_tag.h"
#include "check.h"

#define MS INT64_C(1000000)
#define T0 (INT64_C(1700000000) * 1000 * MS)
#define PORT 40000 /* the probe's side of the tcp-est connection */
#define EVPORT 40001

static an_run run;
static an_stream *est;
static bo_addr probe_a, target;

/* A segment of bytes [lo, hi) of the stream's frames (byte 32 * q begins frame q), cut where
 * TCP likes to cut it: in the middle of a frame. */
static void cut(int request, uint32_t lo, uint32_t hi, int64_t ts, uint16_t ours)
{
	static uint8_t buf[64 * BO_TAG_LEN];
	uint32_t q0 = lo / BO_TAG_LEN, q1 = (hi + BO_TAG_LEN - 1) / BO_TAG_LEN;
	for (uint32_t q = q0; q < q1; q++) {
		bo_probe_id id = {.stream = est->desc->wire_id,
		                  .run_id = run.in.run_id,
		                  .seq = q,
		                  .deadline = (int64_t)q * 10 * MS};
		bo_tag_encode(&run.in.key, &target, &id, buf + (q - q0) * BO_TAG_LEN);
	}
	bo_pkt p;
	memset(&p, 0, sizeof p);
	p.l4 = BO_L4_TCP;
	p.src = request ? probe_a : target;
	p.dst = request ? target : probe_a;
	p.sport = request ? ours : 8620;
	p.dport = request ? 8620 : ours;
	p.tcp_seq = 1000 + lo;
	p.payload = buf + (lo - q0 * BO_TAG_LEN);
	p.payload_len = hi - lo;
	an_on_frames(&run, &p, ts, 100 * MS);
}

/* One segment: frames [from, from + n) of the stream as a byte range at TCP sequence number
 * seq0 + 32 * from (the hello line before them ignored), request or echo. */
static void segment(int request, uint32_t from, uint32_t n, int64_t ts, uint16_t ours)
{
	cut(request, from * BO_TAG_LEN, (from + n) * BO_TAG_LEN, ts, ours);
}

/* A segment of the event channel (JSON, no tag) from the responder. */
static void event_line(int64_t ts, uint32_t seq)
{
	static const char line[] = "{\"seq\":7,\"type\":\"clock\",\"realtime_ns\":1}\n";
	bo_pkt p;
	memset(&p, 0, sizeof p);
	p.l4 = BO_L4_TCP;
	p.src = target;
	p.dst = probe_a;
	p.sport = 8620;
	p.dport = EVPORT;
	p.tcp_seq = seq;
	p.payload = (const uint8_t *)line;
	p.payload_len = sizeof line - 1;
	an_on_frames(&run, &p, ts, 100 * MS);
}

int main(void)
{
	bo_addr_parse("192.0.2.1", &probe_a);
	bo_addr_parse("192.0.2.2", &target);
	bo_key_random(&run.in.key, &run.in.run_id);
	run.in.tcp_port = 8620;
	run.res.main_stream = run.res.main_outage = -1;
	est = an_stream_add(&run, bo_stream_by_name("tcp-est"), &target, 1, 10 * MS);
	CHECK(est != NULL);

	/* Frames 0..9 sent and echoed one by one. */
	for (uint32_t q = 0; q < 10; q++) {
		segment(1, q, 1, T0 + q * 10 * MS, PORT);
		segment(0, q, 1, T0 + q * 10 * MS + MS, PORT);
	}
	CHECK_INT(est->answered, 10);
	/* 10..19 sent; their echoes: 10..14 lost on the way and resent after 15..19 came, with
	 * the event channel's lines between (the responder's clock pairs, the same port). */
	for (uint32_t q = 10; q < 20; q++)
		segment(1, q, 1, T0 + q * 10 * MS, PORT);
	segment(0, 15, 5, T0 + 300 * MS, PORT);
	event_line(T0 + 301 * MS, 5000);
	segment(0, 10, 5, T0 + 302 * MS, PORT); /* the resent echo fills the hole */
	event_line(T0 + 303 * MS, 5100);
	CHECK_INT(est->answered, 20);
	/* The request side's retransmission of what was read: not a new request. */
	uint64_t sent = est->sent;
	segment(1, 12, 3, T0 + 304 * MS, PORT);
	CHECK_INT(est->sent, sent);
	CHECK(est->u.bytes.retransmits >= 2);
	/* A hole filled in its middle leaves two: 20..29 echoed as 20..21, 28..29, then 24..25,
	 * then 22..23 and 26..27. */
	for (uint32_t q = 20; q < 30; q++)
		segment(1, q, 1, T0 + (q + 20) * 10 * MS, PORT);
	segment(0, 20, 2, T0 + 500 * MS, PORT);
	segment(0, 28, 2, T0 + 501 * MS, PORT);
	segment(0, 24, 2, T0 + 502 * MS, PORT);
	segment(0, 22, 2, T0 + 503 * MS, PORT);
	segment(0, 26, 2, T0 + 504 * MS, PORT);
	CHECK_INT(est->answered, 30);
	CHECK_INT(est->dups, 0);
	/* A reconnect: a new port on our side that carries the stream's frames is followed. */
	segment(1, 30, 1, T0 + 600 * MS, PORT + 2);
	segment(0, 30, 1, T0 + 601 * MS, PORT + 2);
	CHECK_INT(est->answered, 31);
	/* A connection whose first echo ends in the middle of a frame (3.5 frames, then the
	 * rest): the frame cut in two is joined, as in any later segment. Before, the first
	 * segment's half frame was dropped and its request held to the capture's end. */
	for (uint32_t q = 31; q < 36; q++)
		segment(1, q, 1, T0 + (q + 40) * 10 * MS, PORT + 4);
	cut(0, 31 * BO_TAG_LEN, 34 * BO_TAG_LEN + 16, T0 + 760 * MS, PORT + 4);
	cut(0, 34 * BO_TAG_LEN + 16, 36 * BO_TAG_LEN, T0 + 761 * MS, PORT + 4);
	CHECK_INT(est->answered, 36);
	/* ...and one whose first echo is half a frame, with no tag whole in it: the echo of
	 * the connection the requests follow is taken from its first byte. */
	for (uint32_t q = 36; q < 38; q++)
		segment(1, q, 1, T0 + (q + 40) * 10 * MS, PORT + 6);
	cut(0, 36 * BO_TAG_LEN, 36 * BO_TAG_LEN + 16, T0 + 780 * MS, PORT + 6);
	cut(0, 36 * BO_TAG_LEN + 16, 38 * BO_TAG_LEN, T0 + 781 * MS, PORT + 6);
	CHECK_INT(est->answered, 38);
	/* The event channel still carries nothing of the stream's, even its first segment. */
	event_line(T0 + 790 * MS, 9000);
	CHECK_INT(est->answered, 38);
	an_stream_finish(est, T0 + 2000 * MS, 100 * MS);
	CHECK_INT(est->lost, 0);
	an_run_free(&run);
	return check_done("tcp");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The watcher's parts that need no network: the metrics endpoint's request reading (every
 * answer it can give, cut anywhere), and the run store's writer in segments (rotated by
 * capture time, a failed directory counted, not fatal), and how outages make events: one
 * reported late, after its event was recorded, folded into that one. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bo_caprd.h"
#include "bo_capwr.h"
#include "bo_time.h"
#include "check.h"
#include "probe.h"
#include "watch.h"

static int parse(const char *s, int *head)
{
	return probe_http_parse(s, strlen(s), head);
}

static void http(void)
{
	int head;
	CHECK_INT(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", &head), PROBE_HTTP_METRICS);
	CHECK_INT(head, 0);
	CHECK_INT(parse("HEAD /metrics HTTP/1.0\r\n\r\n", &head), PROBE_HTTP_METRICS);
	CHECK_INT(head, 1);
	CHECK_INT(parse("GET /metrics?name[]=x HTTP/1.1\r\n\r\n", &head), PROBE_HTTP_METRICS);
	CHECK_INT(parse("GET / HTTP/1.0\n\n", &head), PROBE_HTTP_ROOT);
	CHECK_INT(parse("GET /metricsx HTTP/1.1\r\n\r\n", &head), PROBE_HTTP_NOT_FOUND);
	CHECK_INT(parse("GET /../etc/passwd HTTP/1.1\r\n\r\n", &head), PROBE_HTTP_NOT_FOUND);
	CHECK_INT(parse("POST /metrics HTTP/1.1\r\n\r\n", &head), PROBE_HTTP_BAD_METHOD);
	CHECK_INT(parse("GET /metrics\r\n\r\n", &head), PROBE_HTTP_BAD);
	CHECK_INT(parse("GET /metrics SPDY/3\r\n\r\n", &head), PROBE_HTTP_BAD);
	/* not whole yet, wherever it is cut */
	const char *full = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
	for (size_t n = 0; n < strlen(full) - 1; n++)
		CHECK_INT(probe_http_parse(full, n, &head), PROBE_HTTP_MORE);
	/* a request that never ends its line or its headers within the bound */
	static char big[PROBE_HTTP_MAX];
	memset(big, 'A', sizeof big);
	CHECK_INT(probe_http_parse(big, sizeof big, &head), PROBE_HTTP_TOO_LONG);
	memcpy(big, "GET /metrics HTTP/1.1\r\n", 23);
	CHECK_INT(probe_http_parse(big, sizeof big, &head), PROBE_HTTP_TOO_LONG);
}

static void frame(bo_capwr *w, int64_t ts)
{
	static const unsigned char data[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct pcap_pkthdr h = {.caplen = 60, .len = 60};
	h.ts.tv_sec = ts / BO_NS_PER_S;
	h.ts.tv_usec = ts % BO_NS_PER_S;
	CHECK_INT(bo_capwr_write(w, &h, data), 0);
}

static void segments(void)
{
	char dir[] = "/tmp/blackout-test-watch-XXXXXX", err[256];
	CHECK(mkdtemp(dir) != NULL);
	bo_capwr *w;
	CHECK_INT(bo_capwr_open(&w, DLT_EN10MB, 2048, dir, BO_NS_PER_S, err, sizeof err), 0);
	int64_t t0 = 1796000000 * BO_NS_PER_S;
	for (int i = 0; i < 30; i++) /* 3 s of frames, 100 ms apart: three segments */
		frame(w, t0 + i * 100 * BO_NS_PER_MS);
	const bo_capseg *s;
	int n = bo_capwr_segments(w, &s);
	CHECK_INT(n, 3);
	CHECK_INT(s[0].number, 1);
	CHECK_INT(s[0].first_ts, t0);
	CHECK_INT(s[0].last_ts, t0 + 900 * BO_NS_PER_MS);
	CHECK_INT(s[2].first_ts, t0 + 2000 * BO_NS_PER_MS);
	CHECK(strstr(s[1].path, "/seg-000002.pcap") != NULL);
	CHECK_INT(bo_capwr_flush(w), 0);
	CHECK_INT(bo_capwr_written(w), 3 * 24 + 30 * (16 + 60)); /* file and frame headers */
	/* read back in time order over the three files (libpcap reads what the writer wrote) */
	const char *paths[3] = {s[2].path, s[0].path, s[1].path};
	bo_caprd *r;
	CHECK_INT(bo_caprd_open(&r, paths, 3, 1, err, sizeof err), 0);
	struct pcap_pkthdr *h;
	const unsigned char *d;
	int64_t last = 0, count = 0;
	while (bo_caprd_next(r, &h, &d) == 1) {
		CHECK(bo_caprd_ts(h) > last);
		last = bo_caprd_ts(h);
		count++;
	}
	CHECK_INT(count, 30);
	bo_caprd_close(r);
	/* the oldest forgotten (its file removed by the caller); the current one never */
	bo_capwr_forget(w, 5);
	CHECK_INT(bo_capwr_segments(w, &s), 1);
	CHECK_INT(s[0].number, 3);
	CHECK_INT(bo_capwr_close(w), 0);
	for (int i = 1; i <= 3; i++) {
		char p[128];
		snprintf(p, sizeof p, "%s/seg-%06d.pcap", dir, i);
		unlink(p);
	}
	/* a segment that cannot be made (its directory gone, as a full disk refuses a file):
	 * the frames counted lost, a new one tried a second later, not a segment's time */
	CHECK_INT(bo_capwr_open(&w, DLT_EN10MB, 2048, dir, 10 * BO_NS_PER_S, err, sizeof err), 0);
	frame(w, t0);
	char p1[128];
	snprintf(p1, sizeof p1, "%s/seg-000001.pcap", dir);
	unlink(p1);
	rmdir(dir);
	struct pcap_pkthdr fh = {.caplen = 60, .len = 60};
	static const unsigned char fd[60];
	fh.ts.tv_sec = (t0 + 10 * BO_NS_PER_S) / BO_NS_PER_S;
	CHECK_INT(bo_capwr_write(w, &fh, fd), 0); /* the next segment: cannot be created */
	CHECK_INT(bo_capwr_lost(w), 1);
	CHECK(mkdir(dir, 0700) == 0);
	fh.ts.tv_usec = 500 * BO_NS_PER_MS; /* half a second later: not tried yet */
	CHECK_INT(bo_capwr_write(w, &fh, fd), 0);
	CHECK_INT(bo_capwr_lost(w), 2);
	fh.ts.tv_sec++, fh.ts.tv_usec = 0; /* a second later: written */
	CHECK_INT(bo_capwr_write(w, &fh, fd), 0);
	CHECK_INT(bo_capwr_lost(w), 2);
	CHECK_INT(bo_capwr_segments(w, &s), 3);
	CHECK_INT(s[2].first_ts, t0 + 11 * BO_NS_PER_S);
	CHECK_INT(bo_capwr_close(w), 0);
	snprintf(p1, sizeof p1, "%s/seg-000003.pcap", dir);
	unlink(p1);
	/* a directory that cannot take a file: counted, the writer goes on */
	rmdir(dir);
	CHECK(bo_capwr_open(&w, DLT_EN10MB, 2048, dir, BO_NS_PER_S, err, sizeof err) != 0);
	CHECK(strstr(err, "cannot create") != NULL);
}

/* A guest's reboot: the event of its dark streams recorded; the established stream's stall,
 * judged only once TCP has caught up, reported while the next migration's event is open. */
static void events(void)
{
	watch w = {0};
	watch_open ev = {0};
	const int64_t s = BO_NS_PER_S;
	watch_extend(&w, &ev, 360 * s, 367 * s); /* icmp, udp, tcp-syn */
	CHECK_INT(ev.open, 1);
	watch_extend(&w, &ev, 361 * s, 366 * s);
	CHECK_INT(ev.start, 360 * s);
	CHECK_INT(ev.last_bad, 367 * s);
	ev.open = 0, ev.closed_end = ev.last_bad; /* recorded (look()) */
	watch_extend(&w, &ev, 360 * s, 364 * s);  /* the stall, late: the event recorded */
	CHECK_INT(ev.open, 0);
	CHECK_INT(w.outages_folded, 1);
	watch_extend(&w, &ev, 381 * s, 388 * s); /* the next migration */
	CHECK_INT(ev.open, 1);
	CHECK_INT(ev.start, 381 * s);
	watch_extend(&w, &ev, 360 * s, 364 * s); /* the stall, later still: not stretched back */
	CHECK_INT(ev.start, 381 * s);
	CHECK_INT(ev.last_bad, 388 * s);
	CHECK_INT(w.outages_folded, 2);
	watch_extend(&w, &ev, 380 * s, 390 * s); /* a stream that went dark a little earlier */
	CHECK_INT(ev.start, 380 * s);
	CHECK_INT(ev.last_bad, 390 * s);
}

int main(void)
{
	http();
	segments();
	events();
	return check_done("watch");
}

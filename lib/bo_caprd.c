/* SPDX-License-Identifier: Apache-2.0 */
/* The run store's reader: captures in time order (bo_caprd.h). */
#include "bo_caprd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_fs.h"
#include "bo_time.h"

typedef struct run {
	int file;      /* index into paths */
	long off, end; /* its records' offsets in the file: [off, end); end -1: to the end */
	pcap_t *pc;    /* open while merging */
	struct pcap_pkthdr *h;
	const unsigned char *data;
	int64_t ts; /* of the packet it holds; damaged ones sort first (-1) */
} run;

struct bo_caprd {
	char **paths;
	int npaths;
	int sorted;
	run *runs;
	int nruns, run_cap;
	int *heap; /* runs holding a packet, by its time */
	int nheap;
	int last; /* the run whose packet went out last: advanced at the next call */
	/* file order */
	int cur;
	pcap_t *pc;
	int64_t prev_ts;
	int linktype;
	char err[512];
	bo_caprd_order order;
};

int64_t bo_caprd_ts(const struct pcap_pkthdr *h)
{
	int64_t sec = h->ts.tv_sec;
	if (sec < 0 || sec >= (INT64_C(1) << 62) / BO_NS_PER_S || h->ts.tv_usec < 0 ||
	    h->ts.tv_usec >= BO_NS_PER_S)
		return -1;
	return sec * BO_NS_PER_S + h->ts.tv_usec; /* tv_usec holds ns at nanosecond precision */
}

static pcap_t *open_file(bo_caprd *c, const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	FILE *f = bo_fs_open_regular(path); /* not a FIFO, a device, or a directory */
	if (!f) {
		snprintf(c->err, sizeof c->err, "%s: %s", path,
		         errno == EINVAL ? "not a regular file" : strerror(errno));
		return NULL;
	}
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pc) {
		fclose(f);
		snprintf(c->err, sizeof c->err, "%s: %s", path, ebuf);
		return NULL;
	}
	return pc;
}

static int same_link(bo_caprd *c, pcap_t *pc, const char *path)
{
	int lt = pcap_datalink(pc);
	if (c->linktype < 0)
		c->linktype = lt;
	if (lt == c->linktype)
		return 1;
	snprintf(c->err, sizeof c->err, "%s: link type %d, the files before it %d: read apart",
	         path, lt, c->linktype);
	return 0;
}

static int add_run(bo_caprd *c, int file, long off, int64_t ts)
{
	if (c->nruns == c->run_cap) {
		int cap = c->run_cap ? c->run_cap * 2 : 8;
		run *n = realloc(c->runs, (size_t)cap * sizeof *n);
		if (!n)
			return -1;
		c->runs = n, c->run_cap = cap;
	}
	if (c->nruns && c->runs[c->nruns - 1].file == file)
		c->runs[c->nruns - 1].end = off;
	c->runs[c->nruns++] = (run){.file = file, .off = off, .end = -1, .ts = ts};
	return 0;
}

/* The first pass over one file: where its runs start. */
static int index_file(bo_caprd *c, int file)
{
	pcap_t *pc = open_file(c, c->paths[file]);
	if (!pc)
		return -1;
	if (!same_link(c, pc, c->paths[file])) {
		pcap_close(pc);
		return -1;
	}
	FILE *f = pcap_file(pc);
	long off = ftell(f);
	int64_t prev = -1;
	int started = 0;
	struct pcap_pkthdr *h;
	const unsigned char *d;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		int64_t ts = bo_caprd_ts(h);
		if (!started || (ts >= 0 && prev >= 0 && ts < prev - BO_CAPRD_STEP)) {
			if (started)
				c->order.steps_back++;
			if (add_run(c, file, off, ts) != 0) {
				pcap_close(pc);
				snprintf(c->err, sizeof c->err, "out of memory");
				return -1;
			}
			started = 1;
		} else if (ts >= 0 && prev >= 0 && ts < prev) {
			c->order.small_steps++;
		}
		if (ts >= 0)
			prev = ts;
		off = ftell(f);
	}
	pcap_close(pc); /* a damaged end is met again, and said, when the run is read */
	return 0;
}

/* Reads run k's next packet into it: 1, or 0 when it has no more (closed). */
static int run_advance(bo_caprd *c, int k, int *failed)
{
	run *r = &c->runs[k];
	if (r->end >= 0 && ftell(pcap_file(r->pc)) >= r->end) {
		pcap_close(r->pc);
		r->pc = NULL;
		return 0;
	}
	int rc = pcap_next_ex(r->pc, &r->h, &r->data);
	if (rc == 1) {
		r->ts = bo_caprd_ts(r->h);
		return 1;
	}
	if (rc == PCAP_ERROR) {
		snprintf(c->err, sizeof c->err, "%s: %s", c->paths[r->file], pcap_geterr(r->pc));
		*failed = 1;
	}
	pcap_close(r->pc);
	r->pc = NULL;
	return 0;
}

static int before(const bo_caprd *c, int a, int b)
{
	const run *x = &c->runs[a], *y = &c->runs[b];
	return x->ts < y->ts || (x->ts == y->ts && a < b);
}

static void sift_down(bo_caprd *c, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < c->nheap && before(c, c->heap[l], c->heap[m]))
			m = l;
		if (r < c->nheap && before(c, c->heap[r], c->heap[m]))
			m = r;
		if (m == i)
			return;
		int t = c->heap[i];
		c->heap[i] = c->heap[m];
		c->heap[m] = t;
		i = m;
	}
}

static int merge_start(bo_caprd *c)
{
	c->heap = calloc((size_t)c->nruns, sizeof *c->heap);
	if (!c->heap) {
		snprintf(c->err, sizeof c->err, "out of memory");
		return -1;
	}
	int failed = 0;
	for (int k = 0; k < c->nruns; k++) {
		run *r = &c->runs[k];
		if (!(r->pc = open_file(c, c->paths[r->file])))
			return -1;
		if (fseek(pcap_file(r->pc), r->off, SEEK_SET) != 0) {
			snprintf(c->err, sizeof c->err, "%s: cannot seek: %s", c->paths[r->file],
			         strerror(errno));
			return -1;
		}
		if (run_advance(c, k, &failed))
			c->heap[c->nheap++] = k;
	}
	for (int i = c->nheap / 2 - 1; i >= 0; i--)
		sift_down(c, i);
	return 0;
}

int bo_caprd_open(bo_caprd **out, const char *const *paths, int npaths, int sort, char *err,
                  size_t errlen)
{
	bo_caprd *c = calloc(1, sizeof *c);
	*out = NULL;
	if (!c || !(c->paths = calloc((size_t)npaths, sizeof *c->paths))) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->npaths = npaths;
	c->linktype = -1;
	c->last = -1;
	c->prev_ts = -1;
	for (int i = 0; i < npaths; i++)
		if (!(c->paths[i] = strdup(paths[i])))
			goto fail;
	int rc = 0;
	for (int i = 0; sort && i < npaths && rc == 0; i++)
		rc = index_file(c, i);
	if (rc != 0)
		goto fail;
	c->order.runs = sort ? c->nruns : 1;
	if (sort && c->nruns > 1 && c->nruns <= BO_CAPRD_MAX_RUNS) {
		c->sorted = c->order.sorted = 1;
		if (merge_start(c) != 0)
			goto fail;
	} else if (npaths) { /* in order already, or too many runs to merge: file order */
		if (!(c->pc = open_file(c, c->paths[0])) || !same_link(c, c->pc, c->paths[0]))
			goto fail;
	}
	*out = c;
	return 0;
fail:
	snprintf(err, errlen, "%s", c->err[0] ? c->err : "out of memory");
	bo_caprd_close(c);
	return -1;
}

bo_caprd *bo_caprd_wrap(pcap_t *pc)
{
	bo_caprd *c = calloc(1, sizeof *c);
	if (!c) {
		pcap_close(pc);
		return NULL;
	}
	c->pc = pc;
	c->npaths = 1;
	c->linktype = pcap_datalink(pc);
	c->last = -1;
	c->prev_ts = -1;
	c->order.runs = 1;
	return c;
}

/* File order: the files one after the other; steps back counted as they come. */
static int next_in_file_order(bo_caprd *c, struct pcap_pkthdr **h, const unsigned char **data)
{
	while (c->pc) {
		int rc = pcap_next_ex(c->pc, h, data);
		if (rc == 1) {
			int64_t ts = bo_caprd_ts(*h);
			if (ts >= 0 && c->prev_ts >= 0 && ts < c->prev_ts - BO_CAPRD_STEP)
				c->order.steps_back++;
			else if (ts >= 0 && c->prev_ts >= 0 && ts < c->prev_ts)
				c->order.small_steps++;
			if (ts >= 0)
				c->prev_ts = ts;
			return 1;
		}
		if (rc == PCAP_ERROR)
			snprintf(c->err, sizeof c->err, "%s",
			         c->paths ? c->paths[c->cur] : "the capture");
		if (rc == PCAP_ERROR) {
			size_t n = strlen(c->err);
			snprintf(c->err + n, sizeof c->err - n, ": %s", pcap_geterr(c->pc));
		}
		pcap_close(c->pc);
		c->pc = NULL;
		if (c->paths && ++c->cur < c->npaths) {
			c->pc = open_file(c, c->paths[c->cur]);
			if (c->pc && !same_link(c, c->pc, c->paths[c->cur])) {
				pcap_close(c->pc);
				c->pc = NULL;
			}
			if (!c->pc)
				return -1;
		}
		if (rc == PCAP_ERROR)
			return -1;
	}
	return 0;
}

int bo_caprd_next(bo_caprd *c, struct pcap_pkthdr **h, const unsigned char **data)
{
	if (!c->sorted)
		return next_in_file_order(c, h, data);
	int failed = 0;
	if (c->last >= 0) { /* the packet handed out last is done with: its run moves on */
		if (run_advance(c, c->last, &failed)) {
			sift_down(c, 0);
		} else {
			c->heap[0] = c->heap[--c->nheap];
			sift_down(c, 0);
		}
		c->last = -1;
		if (failed)
			return -1;
	}
	if (!c->nheap)
		return 0;
	run *r = &c->runs[c->heap[0]];
	c->last = c->heap[0];
	*h = r->h;
	*data = r->data;
	return 1;
}

const char *bo_caprd_error(const bo_caprd *c)
{
	return c->err;
}

int bo_caprd_linktype(const bo_caprd *c)
{
	return c->linktype;
}

void bo_caprd_order_get(const bo_caprd *c, bo_caprd_order *o)
{
	*o = c->order;
}

void bo_caprd_close(bo_caprd *c)
{
	if (!c)
		return;
	for (int k = 0; k < c->nruns; k++)
		if (c->runs[k].pc)
			pcap_close(c->runs[k].pc);
	if (c->pc)
		pcap_close(c->pc);
	for (int i = 0; c->paths && i < c->npaths; i++)
		free(c->paths[i]);
	free(c->paths);
	free(c->runs);
	free(c->heap);
	free(c);
}

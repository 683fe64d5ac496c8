/* SPDX-License-Identifier: Apache-2.0 */
/* The run store's writer (bo_capwr.h). */
#include "bo_capwr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_fs.h"
#include "bo_time.h"

#define SEG_MAX 65536 /* segments tracked at once; the oldest are forgotten beyond */

struct bo_capwr {
	pcap_t *dead; /* the link type and snaplen the files are written with */
	char path[4096];
	int64_t seg_ns; /* 0: one file */
	uint32_t next_number;
	pcap_dumper_t *dump; /* the current file, NULL between segments or after a failure */
	bo_capseg *segs;
	int nsegs, seg_cap;
	uint64_t lost;
	int err;          /* the current file's first error, -errno */
	int first_err;    /* the first of all, -errno (kept) */
	int64_t retry_at; /* segments: after a failure, capture time to try a new one */
};

static bo_capseg *current(bo_capwr *w)
{
	return w->nsegs ? &w->segs[w->nsegs - 1] : NULL;
}

/* Its file closed; a failure in what was still buffered is kept. */
static void end_file(bo_capwr *w)
{
	if (!w->dump)
		return;
	FILE *f = pcap_dump_file(w->dump);
	if ((fflush(f) != 0 || ferror(f)) && !w->err)
		w->err = errno ? -errno : -EIO;
	if (w->err && !w->first_err)
		w->first_err = w->err;
	if (w->err && current(w))
		current(w)->failed = 1;
	pcap_dump_close(w->dump);
	w->dump = NULL;
}

static int new_file(bo_capwr *w, char *err, size_t errlen)
{
	if (w->nsegs == w->seg_cap) {
		int cap = w->seg_cap ? w->seg_cap * 2 : 16;
		if (cap > SEG_MAX) { /* a long-running writer whose caller never forgets */
			memmove(w->segs, w->segs + 1, (size_t)(w->nsegs - 1) * sizeof *w->segs);
			w->nsegs--;
		} else {
			bo_capseg *n = realloc(w->segs, (size_t)cap * sizeof *n);
			if (!n) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			w->segs = n, w->seg_cap = cap;
		}
	}
	bo_capseg *s = &w->segs[w->nsegs];
	memset(s, 0, sizeof *s);
	s->number = w->next_number++;
	if (w->seg_ns)
		snprintf(s->path, sizeof s->path, "%s/seg-%06u.pcap", w->path, s->number);
	else
		snprintf(s->path, sizeof s->path, "%s", w->path);
	w->nsegs++;
	w->err = 0;
	FILE *f = bo_fs_create(s->path, 0); /* new, and never through a planted link */
	if (!f) {
		int e = errno ? errno : EIO;
		snprintf(err, errlen, "cannot create %s: %s%s", s->path, strerror(e),
		         e == EEXIST ? " (a run, or a link, is there already)" : "");
		s->failed = 1;
		w->err = -e;
		w->first_err = w->first_err ? w->first_err : -e;
		return -e;
	}
	w->dump = pcap_dump_fopen(w->dead, f);
	if (!w->dump) {
		fclose(f);
		snprintf(err, errlen, "cannot write %s: %s", s->path, pcap_geterr(w->dead));
		s->failed = 1;
		w->err = -EIO;
		return -EIO;
	}
	s->bytes = 24; /* the file's header */
	return 0;
}

int bo_capwr_open(bo_capwr **out, int linktype, int snaplen, const char *path, int64_t seg_ns,
                  char *err, size_t errlen)
{
	bo_capwr *w = calloc(1, sizeof *w);
	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->dead =
	        pcap_open_dead_with_tstamp_precision(linktype, snaplen, PCAP_TSTAMP_PRECISION_NANO);
	snprintf(w->path, sizeof w->path, "%s", path);
	w->seg_ns = seg_ns;
	w->next_number = 1;
	int rc = w->dead ? new_file(w, err, errlen) : -ENOMEM;
	if (rc != 0) {
		if (!w->dead)
			snprintf(err, errlen, "out of memory");
		bo_capwr_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

int bo_capwr_write(bo_capwr *w, const struct pcap_pkthdr *h, const unsigned char *data)
{
	int64_t ts = (int64_t)h->ts.tv_sec * BO_NS_PER_S + h->ts.tv_usec; /* ns precision */
	bo_capseg *s = current(w);
	/* Segments: the next when this one spans seg_ns; after a failure (a full disk) a new one
	 * is tried once a segment's time later, not at every frame. */
	if (w->seg_ns && ((w->dump && s->first_ts && ts - s->first_ts >= w->seg_ns) ||
	                  (!w->dump && ts >= w->retry_at))) {
		char err[256];
		end_file(w);
		if (new_file(w, err, sizeof err) != 0)
			w->retry_at = ts + w->seg_ns;
		s = current(w);
	}
	if (!w->dump) {
		w->lost++;
		return 0;
	}
	pcap_dump((unsigned char *)w->dump, h, data);
	if (!s->first_ts)
		s->first_ts = ts;
	s->last_ts = ts;
	s->bytes += 16 + (int64_t)h->caplen;
	if (ferror(pcap_dump_file(w->dump))) {
		int e = errno ? -errno : -EIO;
		w->lost++;
		w->err = e;
		w->first_err = w->first_err ? w->first_err : e;
		end_file(w);
		w->retry_at = ts + w->seg_ns;
		return e;
	}
	return 0;
}

int bo_capwr_flush(bo_capwr *w)
{
	if (!w->dump)
		return 0;
	FILE *f = pcap_dump_file(w->dump);
	if (pcap_dump_flush(w->dump) != 0 || ferror(f)) {
		int e = errno ? -errno : -EIO;
		w->err = e;
		w->first_err = w->first_err ? w->first_err : e;
		end_file(w);
		if (current(w))
			w->retry_at = current(w)->last_ts + w->seg_ns;
		return e;
	}
	return 0;
}

uint64_t bo_capwr_lost(const bo_capwr *w)
{
	return w->lost;
}

int bo_capwr_error(const bo_capwr *w)
{
	return w->first_err;
}

int bo_capwr_segments(const bo_capwr *w, const bo_capseg **segs)
{
	*segs = w->segs;
	return w->nsegs;
}

void bo_capwr_forget(bo_capwr *w, int n)
{
	if (n > w->nsegs - 1)
		n = w->nsegs - 1;
	if (n <= 0)
		return;
	memmove(w->segs, w->segs + n, (size_t)(w->nsegs - n) * sizeof *w->segs);
	w->nsegs -= n;
}

void bo_capwr_rotate(bo_capwr *w)
{
	end_file(w);
}

int bo_capwr_close(bo_capwr *w)
{
	if (!w)
		return 0;
	end_file(w);
	int rc = w->err;
	if (w->dead)
		pcap_close(w->dead);
	free(w->segs);
	free(w);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The run store's writer (bo_capwr.h). The pcap format is written here, not through
 * libpcap's dumper: nanosecond time stamps (magic a1b23c4d), the host's byte order, a file
 * header and a 16-octet header per frame. So the writer needs no capture library (Wine's
 * wpcap.dll, for one, has no nanosecond dumper), and a write's failure is stdio's own. */
#include "bo_capwr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_fs.h"
#include "bo_time.h"

#define SEG_MAX 65536 /* segments tracked at once; the oldest are forgotten beyond */

#define PCAP_MAGIC_NS 0xa1b23c4du

struct bo_capwr {
	uint32_t linktype, snaplen; /* the files' */
	char path[4096];
	int64_t seg_ns; /* 0: one file */
	uint32_t next_number;
	FILE *dump; /* the current file, NULL between segments or after a failure */
	bo_capseg *segs;
	int nsegs, seg_cap;
	uint64_t lost;
	int64_t written;  /* bytes, over all files */
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
	if ((fflush(w->dump) != 0 || ferror(w->dump)) && !w->err)
		w->err = errno ? -errno : -EIO;
	if (w->err && !w->first_err)
		w->first_err = w->err;
	if (w->err && current(w))
		current(w)->failed = 1;
	if (fclose(w->dump) != 0 && !w->err) {
		w->err = errno ? -errno : -EIO;
		w->first_err = w->first_err ? w->first_err : w->err;
		if (current(w))
			current(w)->failed = 1;
	}
	w->dump = NULL;
}

/* After a failed write, the capture time until a new segment is tried: a second, so a disk
 * that has room again loses at most that much of the capture (a segment's time, if shorter). */
static int64_t retry_ns(const bo_capwr *w)
{
	return w->seg_ns < BO_NS_PER_S ? w->seg_ns : BO_NS_PER_S;
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
	/* magic, version 2.4, this zone and sigfigs 0, snaplen, link type */
	const uint32_t magic = PCAP_MAGIC_NS, zero[2] = {0, 0};
	const uint16_t version[2] = {2, 4};
	unsigned char hb[24];
	memcpy(hb, &magic, 4);
	memcpy(hb + 4, version, 4);
	memcpy(hb + 8, zero, 8);
	memcpy(hb + 16, &w->snaplen, 4);
	memcpy(hb + 20, &w->linktype, 4);
	w->dump = f;
	if (fwrite(hb, 1, sizeof hb, f) != sizeof hb) {
		int e = errno ? errno : EIO;
		snprintf(err, errlen, "cannot write %s: %s", s->path, strerror(e));
		w->err = -e;
		end_file(w);
		return -e;
	}
	s->bytes = 24; /* the file's header */
	w->written += 24;
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
	w->linktype = (uint32_t)linktype;
	w->snaplen = (uint32_t)snaplen;
	snprintf(w->path, sizeof w->path, "%s", path);
	w->seg_ns = seg_ns;
	w->next_number = 1;
	int rc = new_file(w, err, errlen);
	if (rc != 0) {
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
	 * is tried a second later (or a segment's time, if shorter), not at every frame. */
	if (w->seg_ns && ((w->dump && s->first_ts && ts - s->first_ts >= w->seg_ns) ||
	                  (!w->dump && ts >= w->retry_at))) {
		char err[256];
		end_file(w);
		if (new_file(w, err, sizeof err) != 0)
			w->retry_at = ts + retry_ns(w);
		s = current(w);
	}
	if (!w->dump) {
		w->lost++;
		return 0;
	}
	uint32_t rec[4] = {(uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, h->caplen, h->len};
	if (fwrite(rec, 1, sizeof rec, w->dump) == sizeof rec)
		fwrite(data, 1, h->caplen, w->dump);
	if (!s->first_ts)
		s->first_ts = ts;
	s->last_ts = ts;
	s->bytes += 16 + (int64_t)h->caplen;
	w->written += 16 + (int64_t)h->caplen;
	if (ferror(w->dump)) {
		int e = errno ? -errno : -EIO;
		w->lost++;
		w->err = e;
		w->first_err = w->first_err ? w->first_err : e;
		end_file(w);
		w->retry_at = ts + retry_ns(w);
		return e;
	}
	return 0;
}

int bo_capwr_flush(bo_capwr *w)
{
	if (!w->dump)
		return 0;
	if (fflush(w->dump) != 0 || ferror(w->dump)) {
		int e = errno ? -errno : -EIO;
		w->err = e;
		w->first_err = w->first_err ? w->first_err : e;
		end_file(w);
		if (current(w))
			w->retry_at = current(w)->last_ts + retry_ns(w);
		return e;
	}
	return 0;
}

int64_t bo_capwr_written(const bo_capwr *w)
{
	return w->written;
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
	free(w->segs);
	free(w);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The run store's writer: captured frames into one pcap file (a run's probe.pcap) or into
 * segments (a watcher's flight recorder: DIR/seg-NNNNNN.pcap, a new one every so much capture
 * time). Every file is created new, never through a planted link (bo_fs_create); nanosecond
 * timestamps. A write that fails (a full disk) is counted, not fatal: the file is given up and,
 * for segments, the next rotation tries a new one. */
#ifndef BO_CAPWR_H
#define BO_CAPWR_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bo_capseg {
	char path[4096];
	uint32_t number;
	int64_t first_ts, last_ts; /* of its frames; 0 while it has none */
	int64_t bytes;             /* written to it, headers included */
	int failed;                /* a write to it failed: given up */
} bo_capseg;

typedef struct bo_capwr bo_capwr;

/* One file at path (seg_ns 0), or segments in the directory path, each at most seg_ns of
 * capture time: 0, or a negative code with err said. */
int bo_capwr_open(bo_capwr **out, int linktype, int snaplen, const char *path, int64_t seg_ns,
                  char *err, size_t errlen);
/* One frame: 0, or a negative errno when its file failed just now (the caller says so; the
 * frames after it are counted lost until a file takes them again). */
int bo_capwr_write(bo_capwr *w, const struct pcap_pkthdr *h, const unsigned char *data);
/* Pushes what is buffered to the file: 0, or a negative errno when it failed just now. */
int bo_capwr_flush(bo_capwr *w);
/* Bytes written, over all files (headers included). */
int64_t bo_capwr_written(const bo_capwr *w);
/* Frames that could not be written, over all files; the first failure (-errno, 0 none). */
uint64_t bo_capwr_lost(const bo_capwr *w);
int bo_capwr_error(const bo_capwr *w);
/* The segments written so far, oldest first, the current one last. */
int bo_capwr_segments(const bo_capwr *w, const bo_capseg **segs);
/* The oldest n segments are no longer tracked (the caller removed their files). The current
 * one is never forgotten. */
void bo_capwr_forget(bo_capwr *w, int n);
/* Closes the current file (a segment: the next frame starts a new one). */
void bo_capwr_rotate(bo_capwr *w);
/* Flushes and closes: 0, or a negative errno when a write failed. */
int bo_capwr_close(bo_capwr *w);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The run store's reader: packets of one or more capture files (pcap or pcapng) in time order.
 *
 * Files are given in any order (a flight recorder's segments, rotated files); inside one file,
 * a record more than BO_CAPRD_STEP earlier than the one before it starts a new run (files
 * joined in the wrong order, captures concatenated). In sorted mode the runs are found in a
 * first pass (their offsets and first times) and merged by time, one libpcap handle each; in
 * file order the records come as they are, and the steps back are only counted. Smaller steps
 * (a capture on several CPUs or interfaces) are read as they come either way. */
#ifndef BO_CAPRD_H
#define BO_CAPRD_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#define BO_CAPRD_STEP (10 * INT64_C(1000000)) /* ns back: a new run */
#define BO_CAPRD_MAX_RUNS 64                  /* runs merged; beyond, file order */

typedef struct bo_caprd bo_caprd;

/* How the records were ordered, for the report. */
typedef struct bo_caprd_order {
	uint64_t steps_back;  /* records more than BO_CAPRD_STEP earlier than the one before */
	uint64_t small_steps; /* records earlier than the one before by less */
	int runs;             /* runs found (sorted mode), 1 when in order */
	int sorted;           /* read in time order across runs */
} bo_caprd_order;

/* Opens paths (regular files only). sort: find the runs and merge them (reads each file once
 * more); else file order, files one after the other. 0, or -1 with err set. */
int bo_caprd_open(bo_caprd **out, const char *const *paths, int npaths, int sort, char *err,
                  size_t errlen);
/* The same over one capture already open, in file order (the fuzz drivers' way in); the
 * reader closes it. */
bo_caprd *bo_caprd_wrap(pcap_t *pc);
/* The next packet: 1, 0 at the end, -1 when a file is cut short or damaged (its message in
 * bo_caprd_error; the packets before it stand, and the other runs go on being read). The
 * header and data stay valid until the next call. */
int bo_caprd_next(bo_caprd *c, struct pcap_pkthdr **h, const unsigned char **data);
const char *bo_caprd_error(const bo_caprd *c);
int bo_caprd_linktype(const bo_caprd *c);
void bo_caprd_order_get(const bo_caprd *c, bo_caprd_order *o);
void bo_caprd_close(bo_caprd *c);

/* A record's time in ns from a capture opened with nanosecond precision, or -1 when damaged
 * (before 1970, or so late that sums of two no longer fit in 64 bits). */
int64_t bo_caprd_ts(const struct pcap_pkthdr *h);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* JSON-lines event logs: one JSON object per line, flushed as written, so a process killed
 * mid-run leaves every complete line readable. */
#ifndef BO_LOG_H
#define BO_LOG_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "bo_time.h"

#define BO_FORMAT_VERSION 1

typedef struct bo_log {
	FILE *f;
	int err;      /* first write error, sticky */
	int buffered; /* set by a writer of many lines at once: flushed at close, not each line */
} bo_log;

/* Creates path (fails with BO_EEXIST if it exists, a link included, and !append) or appends
 * to it (never through a link: bo_fs_create). 0 or a negative code (-errno). */
int bo_log_open(bo_log *log, const char *path, int append);

/* Writes obj as one line and flushes (unless buffered); takes ownership of obj. */
int bo_log_put(bo_log *log, json_t *obj);
/* A line already made (its newline included), written as it is. */
int bo_log_put_line(bo_log *log, const char *line);

int bo_log_close(bo_log *log);

/* Reads the next line of a JSON-lines file. Returns 1 with *obj set (an object), 0 at end of
 * file, or a negative code for a line longer than maxlen (skipped), not valid JSON or not an
 * object; *lineno counts lines read. A last line without its newline (a writer killed
 * mid-line) is reported as BO_ETRUNC. */
int bo_jsonl_next(FILE *f, size_t maxlen, json_t **obj, long *lineno);
/* The same, passing over (unparsed, counted in *lineno) every whole line that does not contain
 * needle: a reader that wants one target's lines of a large file parses only those. With raw,
 * a line returned (1) is also given as it was read (malloc'd, the caller frees it), to be
 * copied without writing it anew. */
int bo_jsonl_next_with(FILE *f, size_t maxlen, const char *needle, json_t **obj, long *lineno,
                       char **raw);

/* A run log (probe.jsonl) whose end record says the probe stopped at set-up: 1 with its error
 * (cleaned) in why; 0 when it says anything else or has no end; -1 when it cannot be read.
 * Reads at most 64 MiB of it. */
int bo_log_setup_failed(const char *path, char *why, size_t len);

/* Integer field or fallback. */
int64_t bo_json_int(const json_t *obj, const char *key, int64_t fallback);
const char *bo_json_str(const json_t *obj, const char *key, const char *fallback);

/* A time or duration member of o (ns), clamped into [0, BO_TIME_MAX] (bo_time.h): a value from a
 * file may be anything, and the sum or difference of two clamped ones always fits in 64 bits. */
int64_t bo_json_time(const json_t *o, const char *key);

/* Copies src into dst (len bytes, always terminated) with every control character (C0, DEL
 * and the C1 range as UTF-8) replaced by '?': a string from a file or a peer may reach a
 * terminal, and an escape sequence must not. Returns dst. */
char *bo_text_clean(char *dst, size_t len, const char *src);
/* A string member of o, cleaned so, into buf; def when absent. */
char *bo_json_text(const json_t *o, const char *key, const char *def, char *buf, size_t len);

#endif

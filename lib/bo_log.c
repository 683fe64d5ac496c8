/* SPDX-License-Identifier: Apache-2.0 */
/* JSON-lines writer and bounded reader. */
#include "bo_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bo_err.h"
#include "bo_fs.h"

int bo_log_open(bo_log *log, const char *path, int append)
{
	log->err = 0;
	log->buffered = 0;
	log->f = bo_fs_create(path, append); /* a planted link is never written through */
	if (!log->f)
		return errno ? -errno : BO_EIO;
	return 0;
}

int bo_log_put(bo_log *log, json_t *obj)
{
	if (!log->f) {
		json_decref(obj);
		return BO_EIO;
	}
	char *s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(obj);
	if (!s)
		return log->err = BO_ENOMEM;
	if (fputs(s, log->f) < 0 || fputc('\n', log->f) < 0 ||
	    (!log->buffered && fflush(log->f) != 0))
		log->err = BO_EIO;
	free(s);
	return log->err;
}

int bo_log_put_line(bo_log *log, const char *line)
{
	if (!log->f)
		return BO_EIO;
	if (fputs(line, log->f) < 0 || (!log->buffered && fflush(log->f) != 0))
		log->err = BO_EIO;
	return log->err;
}

int bo_log_close(bo_log *log)
{
	int err = log->err;
	if (log->f && fclose(log->f) != 0 && !err)
		err = BO_EIO;
	log->f = NULL;
	return err;
}

int bo_jsonl_next(FILE *f, size_t maxlen, json_t **obj, long *lineno)
{
	return bo_jsonl_next_with(f, maxlen, NULL, obj, lineno, NULL);
}

int bo_jsonl_next_with(FILE *f, size_t maxlen, const char *needle, json_t **obj, long *lineno,
                       char **raw)
{
	*obj = NULL;
	if (raw)
		*raw = NULL;
	char *buf = malloc(maxlen + 2);
	if (!buf)
		return BO_ENOMEM;
	for (;;) {
		if (!fgets(buf, (int)(maxlen + 2), f)) {
			free(buf);
			return 0;
		}
		(*lineno)++;
		/* a whole line without the needle is passed over unparsed */
		if (!needle || strstr(buf, needle) || !strchr(buf, '\n'))
			break;
	}
	size_t n = strlen(buf);
	if (n && buf[n - 1] != '\n') {
		if (n > maxlen) { /* too long: drop the rest of the line */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			free(buf);
			return BO_ERANGE;
		}
		free(buf);
		return BO_ETRUNC;
	}
	json_error_t jerr;
	json_t *j = json_loadb(buf, n, 0, &jerr);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		free(buf);
		return BO_EINVAL;
	}
	*obj = j;
	if (raw)
		*raw = buf; /* the line as it was, its newline included: the caller's */
	else
		free(buf);
	return 1;
}

int64_t bo_json_int(const json_t *obj, const char *key, int64_t fallback)
{
	json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

const char *bo_json_str(const json_t *obj, const char *key, const char *fallback)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : fallback;
}

char *bo_text_clean(char *dst, size_t len, const char *src)
{
	if (!len)
		return dst;
	size_t o = 0;
	for (const unsigned char *s = (const unsigned char *)src; *s && o + 1 < len; s++) {
		if (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) { /* C1, e.g. CSI as U+009B */
			dst[o++] = '?';
			s++;
			continue;
		}
		dst[o++] = *s < 0x20 || *s == 0x7f ? '?' : (char)*s;
	}
	dst[o] = 0;
	return dst;
}

char *bo_json_text(const json_t *o, const char *key, const char *def, char *buf, size_t len)
{
	return bo_text_clean(buf, len, bo_json_str(o, key, def));
}

int64_t bo_json_time(const json_t *o, const char *key)
{
	return bo_time_clamp(bo_json_int(o, key, 0));
}

int bo_log_setup_failed(const char *path, char *why, size_t len)
{
	FILE *f = bo_fs_open_regular(path);
	if (!f)
		return -1;
	json_t *o;
	long lineno = 0;
	int rc, failed = 0;
	why[0] = 0;
	while ((rc = bo_jsonl_next(f, 65536, &o, &lineno)) != 0 && lineno < 1000000) {
		if (rc < 0)
			continue;
		if (!strcmp(bo_json_str(o, "type", ""), "end")) {
			failed = !strcmp(bo_json_str(o, "reason", ""), "error");
			bo_json_text(o, "error", "", why, len);
		}
		json_decref(o);
		if (ftell(f) > (64L << 20))
			break;
	}
	fclose(f);
	return failed;
}
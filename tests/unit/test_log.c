/* SPDX-License-Identifier: Apache-2.0 */
/* JSON-lines: written lines read back; long, broken and cut-off lines reported. */
#include <unistd.h>

#include "bo_err.h"
#include "bo_log.h"
#include "check.h"

int main(void)
{
	char path[] = "/tmp/blackout-test-log-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	unlink(path);

	bo_log log;
	CHECK_INT(bo_log_open(&log, path, 0), 0);
	CHECK_INT(bo_log_put(&log, json_pack("{s:s, s:I}", "type", "header", "n", (json_int_t)42)),
	          0);
	CHECK_INT(bo_log_put(&log, json_pack("{s:s}", "type", "end")), 0);
	CHECK_INT(bo_log_close(&log), 0);
	CHECK_INT(bo_log_open(&log, path, 0), BO_EEXIST);

	FILE *f = fopen(path, "a");
	fputs("[1,2]\n", f);
	fputs("{\"long\":\"", f);
	for (int i = 0; i < 200; i++)
		fputc('x', f);
	fputs("\"}\n", f);
	fputs("{not json}\n", f);
	fputs("{\"cut\":", f); /* a writer killed mid-line */
	fclose(f);

	f = fopen(path, "r");
	json_t *o;
	long line = 0;
	CHECK_INT(bo_jsonl_next(f, 100, &o, &line), 1);
	CHECK_STR(bo_json_str(o, "type", ""), "header");
	CHECK_INT(bo_json_int(o, "n", -1), 42);
	CHECK_INT(bo_json_int(o, "missing", -1), -1);
	json_decref(o);
	CHECK_INT(bo_jsonl_next(f, 100, &o, &line), 1);
	json_decref(o);
	CHECK_INT(bo_jsonl_next(f, 100, &o, &line), BO_EINVAL); /* not an object */
	CHECK_INT(bo_jsonl_next(f, 100, &o, &line), BO_ERANGE); /* too long, skipped */
	CHECK_INT(bo_jsonl_next(f, 100, &o, &line), BO_EINVAL);
	CHECK_INT(bo_jsonl_next(f, 100, &o, &line), BO_ETRUNC);
	CHECK_INT(bo_jsonl_next(f, 100, &o, &line), 0);
	CHECK_INT(line, 6);
	/* with a needle: the lines without it passed over, counted, never parsed */
	rewind(f);
	line = 0;
	char *raw;
	CHECK_INT(bo_jsonl_next_with(f, 100, "\"type\":\"end\"", &o, &line, &raw), 1);
	CHECK_STR(bo_json_str(o, "type", ""), "end");
	CHECK_STR(raw, "{\"type\":\"end\"}\n"); /* the line as it was */
	json_decref(o);
	free(raw);
	/* a line too long to look into is said, as without a needle */
	CHECK_INT(bo_jsonl_next_with(f, 100, "\"cut\"", &o, &line, NULL), BO_ERANGE);
	CHECK_INT(line, 4);
	CHECK_INT(bo_jsonl_next_with(f, 100, "\"cut\"", &o, &line, NULL),
	          BO_ETRUNC); /* no newline */
	CHECK_INT(line, 6);
	CHECK_INT(bo_jsonl_next_with(f, 100, "\"type\"", &o, &line, NULL), 0);
	fclose(f);
	unlink(path);
	return check_done("log");
}

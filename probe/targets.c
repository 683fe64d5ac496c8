/* SPDX-License-Identifier: Apache-2.0 */
/* --targets FILE: addresses or host names, one or more per line (spaces, tabs or commas between
 * them), # comments. Read at start, and again by a watcher on SIGHUP: an error is said, never
 * fatal here (main makes it a usage error; a watcher keeps its targets). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_fs.h"
#include "probe.h"

int probe_targets_read(const char *path, char **first, int nfirst, char ***out, int *n, char *err,
                       size_t errlen)
{
	FILE *f = bo_fs_open_regular(path); /* not a FIFO or a device in its place */
	if (!f) {
		snprintf(err, errlen, "cannot read --targets %s: %s", path,
		         errno == EINVAL ? "not a regular file" : strerror(errno));
		return -1;
	}
	char **list = calloc(PROBE_MAX_TARGETS, sizeof *list), line[512];
	int k = 0, rc = 0;
	if (!list) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < nfirst && k < PROBE_MAX_TARGETS; i++)
		list[k++] = strdup(first[i]);
	for (int lineno = 1; rc == 0 && fgets(line, sizeof line, f); lineno++) {
		char *hash = strchr(line, '#'), *tok, *save;
		if (hash)
			*hash = 0;
		for (tok = strtok_r(line, " \t\r\n,", &save); tok && rc == 0;
		     tok = strtok_r(NULL, " \t\r\n,", &save)) {
			if (k == PROBE_MAX_TARGETS) {
				snprintf(err, errlen, "%s: more than %d targets", path,
				         PROBE_MAX_TARGETS);
				rc = -1;
			} else {
				list[k++] = strdup(tok);
			}
		}
	}
	fclose(f);
	if (rc != 0) {
		probe_targets_free(list, k);
		return -1;
	}
	*out = list;
	*n = k;
	return 0;
}

void probe_targets_free(char **list, int n)
{
	for (int i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

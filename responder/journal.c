/* SPDX-License-Identifier: Apache-2.0 */
/* The event journal: the newest events as lines, within a count and a byte bound. */
#include <stdlib.h>
#include <string.h>

#include "bo_err.h"
#include "responder.h"

int rsp_journal_init(rsp_journal *j, uint32_t cap, size_t max_bytes)
{
	memset(j, 0, sizeof *j);
	if (cap == 0 || (cap & (cap - 1)))
		return BO_EINVAL;
	j->line = calloc(cap, sizeof *j->line);
	j->len = calloc(cap, sizeof *j->len);
	if (!j->line || !j->len) {
		rsp_journal_free(j);
		return BO_ENOMEM;
	}
	j->cap = cap;
	j->max_bytes = max_bytes;
	return 0;
}

void rsp_journal_free(rsp_journal *j)
{
	if (j->line)
		for (uint64_t s = j->first; s < j->next; s++)
			free(j->line[s & (j->cap - 1)]);
	free(j->line);
	free(j->len);
	memset(j, 0, sizeof *j);
}

static void drop_oldest(rsp_journal *j)
{
	uint32_t i = (uint32_t)(j->first & (j->cap - 1));
	j->bytes -= j->len[i];
	free(j->line[i]);
	j->line[i] = NULL;
	j->first++;
}

int rsp_journal_add(rsp_journal *j, const char *line, size_t len)
{
	if (len > j->max_bytes || len > UINT32_MAX)
		return BO_ERANGE;
	while (j->next - j->first >= j->cap ||
	       (j->next > j->first && j->bytes + len > j->max_bytes))
		drop_oldest(j);
	char *copy = malloc(len);
	if (!copy)
		return BO_ENOMEM;
	memcpy(copy, line, len);
	uint32_t i = (uint32_t)(j->next & (j->cap - 1));
	j->line[i] = copy;
	j->len[i] = (uint32_t)len;
	j->bytes += len;
	j->next++;
	return 0;
}

const char *rsp_journal_get(const rsp_journal *j, uint64_t seq, size_t *len)
{
	if (seq < j->first || seq >= j->next)
		return NULL;
	uint32_t i = (uint32_t)(seq & (j->cap - 1));
	*len = j->len[i];
	return j->line[i];
}

/* SPDX-License-Identifier: Apache-2.0 */
/* File-system helpers shared by the programs; the one platform call is bo_mkdir1 (bo_fs-*.c). */
#include <errno.h>
#include <stdio.h>

#include "bo_fs.h"

int bo_mkdir_p(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = buf + bo_path_root(buf); *s; s++) {
		if (!bo_path_sep(*s))
			continue;
		char sep = *s;
		*s = 0;
		if (bo_mkdir1(buf) != 0 && errno != EEXIST)
			return -1;
		*s = sep;
	}
	return bo_mkdir1(buf) != 0 && errno != EEXIST ? -1 : 0;
}

/* File-system helpers on Windows: both '/' and '\' separate directories. */
#include <direct.h>
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
	for (char *s = buf + 1; *s; s++) {
		if ((*s != '/' && *s != '\\') || s[-1] == ':')
			continue; /* "C:\" is no directory to make */
		char sep = *s;
		*s = 0;
		if (_mkdir(buf) != 0 && errno != EEXIST)
			return -1;
		*s = sep;
	}
	return _mkdir(buf) != 0 && errno != EEXIST ? -1 : 0;
}

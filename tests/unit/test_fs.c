/* SPDX-License-Identifier: Apache-2.0 */
/* bo_mkdir_p: missing parents made, existing ones fine, a file in the way an error, a name too
 * long refused. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bo_fs.h"
#include "check.h"

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(void)
{
	char base[] = "/tmp/blackout-fs-XXXXXX", p[256];
	CHECK(mkdtemp(base) != NULL);
	snprintf(p, sizeof p, "%s/a/b/c", base);
	CHECK_INT(bo_mkdir_p(p), 0);
	CHECK(is_dir(p));
	CHECK_INT(bo_mkdir_p(p), 0); /* again: it exists */
	snprintf(p, sizeof p, "%s/a/b/c/", base);
	CHECK_INT(bo_mkdir_p(p), 0); /* a trailing separator */
	snprintf(p, sizeof p, "%s/file", base);
	FILE *f = fopen(p, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	snprintf(p, sizeof p, "%s/file/sub", base);
	CHECK_INT(bo_mkdir_p(p), -1); /* a file where a directory should be */
	static char longp[5000];
	memset(longp, 'x', sizeof longp - 1);
	errno = 0;
	CHECK_INT(bo_mkdir_p(longp), -1);
	CHECK_INT(errno, ENAMETOOLONG);
	CHECK_INT(bo_path_sep('/'), 1);
	CHECK_INT(bo_path_sep('a'), 0);
	CHECK_INT(bo_path_root("/x"), 1);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	CHECK_INT(system(cmd), 0);
	return check_done("fs");
}

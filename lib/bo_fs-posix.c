/* File-system calls on POSIX systems. */
#include <sys/stat.h>

#include "bo_fs.h"

int bo_mkdir1(const char *path)
{
	return mkdir(path, 0755);
}

int bo_path_sep(char c)
{
	return c == '/';
}

size_t bo_path_root(const char *path)
{
	(void)path;
	return 1;
}

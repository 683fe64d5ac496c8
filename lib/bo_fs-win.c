/* File-system calls on Windows: both '/' and '\' separate directories. */
#include <direct.h>

#include "bo_fs.h"

int bo_mkdir1(const char *path)
{
	return _mkdir(path);
}

int bo_path_sep(char c)
{
	return c == '/' || c == '\\';
}

size_t bo_path_root(const char *path)
{
	if (path[0] && path[1] == ':' && bo_path_sep(path[2]))
		return 3; /* C:\ */
	return 1;
}

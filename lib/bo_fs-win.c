/* SPDX-License-Identifier: Apache-2.0 */
/* File-system calls on Windows: both '/' and '\' separate directories. */
#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <sys/stat.h>
#include <windows.h>

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

/* Windows: links need privileges to make; the checks that matter are exclusive creation and
 * regular files. */
FILE *bo_fs_create(const char *path, int append)
{
	int fd = _open(path, _O_WRONLY | _O_CREAT | _O_BINARY | (append ? _O_APPEND : _O_EXCL),
	               _S_IREAD | _S_IWRITE);
	if (fd < 0)
		return NULL;
	FILE *f = _fdopen(fd, append ? "ab" : "wb");
	if (!f)
		_close(fd);
	return f;
}

FILE *bo_fs_open_regular(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct _stat64 st;
	if (_fstat64(_fileno(f), &st) != 0 || !(st.st_mode & _S_IFREG)) {
		fclose(f);
		errno = EINVAL;
		return NULL;
	}
	return f;
}

int bo_fs_out_open(bo_fs_out *o, const char *path)
{
	if (snprintf(o->path, sizeof o->path, "%s", path) >= (int)sizeof o->path ||
	    snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%lu", path, GetCurrentProcessId()) >=
	            (int)sizeof o->tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	o->f = bo_fs_create(o->tmp, 0);
	return o->f ? 0 : -1;
}

int bo_fs_out_commit(bo_fs_out *o)
{
	int bad = ferror(o->f) | fflush(o->f);
	if (fclose(o->f) != 0)
		bad = 1;
	o->f = NULL;
	if (!bad && MoveFileExA(o->tmp, o->path, MOVEFILE_REPLACE_EXISTING))
		return 0;
	remove(o->tmp);
	errno = EIO;
	return -1;
}

void bo_fs_out_abort(bo_fs_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	remove(o->tmp);
}

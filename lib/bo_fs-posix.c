/* SPDX-License-Identifier: Apache-2.0 */
/* File-system calls on POSIX systems. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* fd as a stream when it is a regular file; else closed, NULL and EINVAL. */
static FILE *regular(int fd, const char *mode)
{
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	FILE *f = fdopen(fd, mode);
	if (!f)
		close(fd);
	return f;
}

FILE *bo_fs_create(const char *path, int append)
{
	int fd = open(path,
	              O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (append ? O_APPEND : O_EXCL),
	              0644);
	return regular(fd, append ? "a" : "w"); /* not appending to a FIFO or a device */
}

FILE *bo_fs_open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return regular(fd, "r");
}

int bo_fs_out_open(bo_fs_out *o, const char *path)
{
	o->tmp[0] = 0;
	struct stat st, target;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISLNK(st.st_mode)) {
			/* a link is replaced, never written through; but one to a device or FIFO
			 * (/dev/stdout) must not be replaced either: refused */
			if (stat(path, &target) == 0 && !S_ISREG(target.st_mode)) {
				errno = EPERM;
				return -1;
			}
		} else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
			/* a device or FIFO named as the output (/dev/null): written to, not
			 * replaced */
			int fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
			if (fd < 0)
				return -1;
			o->f = fdopen(fd, "w");
			if (!o->f) {
				close(fd);
				return -1;
			}
			snprintf(o->path, sizeof o->path, "%s", path);
			return 0;
		} else {
			errno = S_ISDIR(st.st_mode) ? EISDIR : EPERM; /* a block device, a socket */
			return -1;
		}
	}
	if (snprintf(o->path, sizeof o->path, "%s", path) >= (int)sizeof o->path ||
	    snprintf(o->tmp, sizeof o->tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof o->tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(o->tmp); /* O_EXCL, mode 0600 */
	if (fd < 0)
		return -1;
	fchmod(fd, 0644);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		unlink(o->tmp);
		return -1;
	}
	return 0;
}

int bo_fs_out_commit(bo_fs_out *o)
{
	if (!o->tmp[0]) { /* a device or FIFO: written in place */
		int bad = ferror(o->f) | fflush(o->f);
		bad |= fclose(o->f) != 0;
		o->f = NULL;
		if (bad && !errno)
			errno = EIO;
		return bad ? -1 : 0;
	}
	int bad = ferror(o->f) | fflush(o->f) | fsync(fileno(o->f));
	int e = errno;
	if (fclose(o->f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	o->f = NULL;
	if (!bad && rename(o->tmp, o->path) == 0)
		return 0;
	if (!bad)
		e = errno;
	unlink(o->tmp);
	errno = e ? e : EIO;
	return -1;
}

void bo_fs_out_abort(bo_fs_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
}

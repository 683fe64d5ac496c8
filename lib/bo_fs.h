/* SPDX-License-Identifier: Apache-2.0 */
/* Small file-system helpers shared by the programs. */
#ifndef BO_FS_H
#define BO_FS_H

#include <stddef.h>
#include <stdio.h>

/* Creates a directory and any missing parents (like mkdir -p). Returns 0 or -1 with errno. */
int bo_mkdir_p(const char *path);

/* Platform (bo_fs-posix.c, bo_fs-win.c): one directory (0 or -1 with errno); whether c
 * separates directories in a path; how many leading characters of path are its root, never
 * a directory to make ("/", "C:\"; at least 1). */
int bo_mkdir1(const char *path);

/* Files the programs write into directories someone else may have prepared (a run directory)
 * are opened so that a planted symbolic link is never followed: a new file (O_EXCL; a link of
 * any kind in its place fails with EEXIST), or appended to (O_APPEND | O_NOFOLLOW). NULL and
 * errno on failure. */
FILE *bo_fs_create(const char *path, int append);

/* Reading: a regular file only (opened without blocking, so a FIFO or a device in its place is
 * refused at once instead of hanging the reader, and /dev/zero is not read for ever). NULL
 * with errno (EINVAL for "not a regular file"). */
FILE *bo_fs_open_regular(const char *path);

/* A file written whole and put in place at the end: written to a new temporary file beside
 * path (created exclusively), renamed over path on commit, so a link planted at path is
 * replaced, never written through, and a reader never sees half a file. */
typedef struct bo_fs_out {
	FILE *f;
	char tmp[4200];
	char path[4096];
} bo_fs_out;
/* An output written beside path and renamed over it, so a reader never sees half of it and a
 * link planted there is replaced, not written through. A device or FIFO named as path
 * (/dev/null) is written in place, never replaced; a link to one (/dev/stdout) is refused
 * (EPERM), as are directories (EISDIR) and block devices. 0 or -1 with errno. */
int bo_fs_out_open(bo_fs_out *o, const char *path);
/* Closes and renames (0), or on a write error removes the temporary file (-1 with errno). */
int bo_fs_out_commit(bo_fs_out *o);
void bo_fs_out_abort(bo_fs_out *o);
int bo_path_sep(char c);
size_t bo_path_root(const char *path);

#endif

/* Small file-system helpers shared by the programs. */
#ifndef BO_FS_H
#define BO_FS_H

#include <stddef.h>

/* Creates a directory and any missing parents (like mkdir -p). Returns 0 or -1 with errno. */
int bo_mkdir_p(const char *path);

/* Platform (bo_fs-posix.c, bo_fs-win.c): one directory (0 or -1 with errno); whether c
 * separates directories in a path; how many leading characters of path are its root, never
 * a directory to make ("/", "C:\"; at least 1). */
int bo_mkdir1(const char *path);
int bo_path_sep(char c);
size_t bo_path_root(const char *path);

#endif

/* Small file-system helpers shared by the programs. */
#ifndef BO_FS_H
#define BO_FS_H

/* Creates a directory and any missing parents (like mkdir -p). Returns 0 or -1 with errno. */
int bo_mkdir_p(const char *path);

#endif

/* Error codes shared by every blackout module: 0 is success, a negative value is a failure. */
#ifndef BO_ERR_H
#define BO_ERR_H

enum {
	BO_OK = 0,
	BO_EINVAL = -1,  /* bad argument or malformed input */
	BO_ETRUNC = -2,  /* input ended before the structure did */
	BO_ENOMEM = -3,  /* allocation failed */
	BO_EIO = -4,     /* read or write failed */
	BO_ERANGE = -5,  /* value outside what the format allows */
	BO_ENOTSUP = -6, /* valid, but not handled by this build */
	BO_EPERM = -7,   /* the operating system refused for lack of privilege */
	BO_ENOENT = -8,  /* a named thing does not exist */
	BO_EEXIST = -9,  /* would overwrite something that exists */
	BO_EAUTH = -10,  /* a keyed tag did not verify */
};

/* A short lowercase description of a code, never NULL. */
const char *bo_strerror(int err);

#endif

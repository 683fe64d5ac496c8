/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes shared by every blackout module, libuv's convention: 0 is success, a negative
 * value a failure. Codes the operating system also has are its errno values negated (so a
 * failed system call's -errno is a blackout code as it is); blackout's own lie beyond any
 * errno. Helpers return a code and, where a person must read why, fill the caller's message
 * buffer; only each program's main maps codes to exit statuses, through one table. */
#ifndef BO_ERR_H
#define BO_ERR_H

#include <errno.h>

enum {
	BO_OK = 0,
	BO_EINVAL = -EINVAL,   /* bad argument or malformed input */
	BO_ENOMEM = -ENOMEM,   /* allocation failed */
	BO_EIO = -EIO,         /* read or write failed */
	BO_ERANGE = -ERANGE,   /* value outside what the format allows */
	BO_ENOTSUP = -ENOTSUP, /* valid, but not handled by this build */
	BO_EPERM = -EPERM,     /* the operating system refused */
	BO_EACCES = -EACCES,   /* the operating system refused access */
	BO_ENOENT = -ENOENT,   /* a named thing does not exist */
	BO_EEXIST = -EEXIST,   /* would overwrite something that exists */
	BO_ENOSPC = -ENOSPC,   /* no space left on the device */
	/* blackout's own */
	BO_ETRUNC = -4001, /* input ended before the structure did */
	BO_EAUTH = -4002,  /* a keyed tag or HMAC did not verify */
	BO_EUSAGE = -4003, /* the command line or configuration asks for something impossible */
	BO_EPRIV = -4004,  /* needs a privilege this process lacks (raw sockets, capture) */
};

/* A short lowercase description of a code (blackout's or an errno), never NULL. */
const char *bo_strerror(int err);

/* The code for a system call's failure: -errno, never 0. */
int bo_err_errno(void);

#endif

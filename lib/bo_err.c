/* Descriptions for the shared error codes. */
#include "bo_err.h"

const char *bo_strerror(int err)
{
	switch (err) {
	case BO_OK: return "success";
	case BO_EINVAL: return "invalid argument or malformed input";
	case BO_ETRUNC: return "truncated input";
	case BO_ENOMEM: return "out of memory";
	case BO_EIO: return "input/output error";
	case BO_ERANGE: return "value out of range";
	case BO_ENOTSUP: return "not supported";
	case BO_EPERM: return "operation not permitted";
	case BO_ENOENT: return "no such thing";
	case BO_EEXIST: return "already exists";
	case BO_EAUTH: return "authentication tag mismatch";
	}
	return "unknown error";
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Descriptions for the shared error codes. */
#include "bo_err.h"

#include <string.h>

static const struct {
	int code;
	const char *text;
} own[] = {
        {BO_OK, "success"},
        {BO_ETRUNC, "truncated input"},
        {BO_EAUTH, "authentication tag mismatch"},
        {BO_EUSAGE, "invalid request"},
        {BO_EPRIV, "missing privilege"},
};

const char *bo_strerror(int err)
{
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (own[i].code == err)
			return own[i].text;
	if (err < 0 && err > -4000)
		return strerror(-err);
	return "unknown error";
}

int bo_err_errno(void)
{
	return errno ? -errno : BO_EIO;
}

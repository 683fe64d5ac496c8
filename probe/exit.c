/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's exit statuses from its result codes: one table (docs/probe.md, EXIT STATUS). */
#include "bo_err.h"
#include "probe.h"

/* The one table from codes to exit statuses (docs/probe.md, EXIT STATUS). */
static const struct {
	int code;
	int status;
} exit_table[] = {
        {BO_OK, PROBE_EXIT_OK},
        {BO_EUSAGE, PROBE_EXIT_USAGE},
        {BO_EPRIV, PROBE_EXIT_PERM},
};

int probe_exit_status(int code, int at_setup)
{
	for (size_t i = 0; i < sizeof exit_table / sizeof exit_table[0]; i++)
		if (exit_table[i].code == code)
			return exit_table[i].status;
	return at_setup ? PROBE_EXIT_SETUP : PROBE_EXIT_RUNTIME;
}

/* Process set-up on Windows. */
#include "bo_sys.h"

void bo_sys_init(void)
{
	/* Winsock reports a closed peer as WSAECONNRESET on the send; there is no SIGPIPE. */
}

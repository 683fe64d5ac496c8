/* Process set-up on POSIX systems. */
#include <signal.h>

#include "bo_sys.h"

void bo_sys_init(void)
{
	/* libuv writes with write()/writev(), which raise SIGPIPE on a connection the peer
	 * has closed; ignoring it turns that into EPIPE on the write, handled where it fails. */
	struct sigaction sa = {.sa_handler = SIG_IGN};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

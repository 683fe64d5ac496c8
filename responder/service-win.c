/* SPDX-License-Identifier: Apache-2.0 */
/* Running as a Windows service (--service): the service manager starts the program, whose main
 * thread hands itself to StartServiceCtrlDispatcher; the responder then runs on the service's
 * thread, and a stop (or shutdown) request reaches its loop through rsp_request_stop. */
#include <winsock2.h>
#include <windows.h>

#include <stdio.h>

#include "responder.h"

static SERVICE_STATUS_HANDLE status_h;
static SERVICE_STATUS status = {.dwServiceType = SERVICE_WIN32_OWN_PROCESS};
static rsp *the_r;
static int (*the_serve)(rsp *);
static int the_rc;

static void report(DWORD state, DWORD exit_code)
{
	status.dwCurrentState = state;
	status.dwControlsAccepted =
	        state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
	status.dwWin32ExitCode = exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
	status.dwServiceSpecificExitCode = exit_code;
	status.dwWaitHint = state == SERVICE_START_PENDING ? 10000 : 0;
	SetServiceStatus(status_h, &status);
}

static DWORD WINAPI on_control(DWORD ctl, DWORD type, void *data, void *ctx)
{
	(void)type;
	(void)data;
	(void)ctx;
	if (ctl == SERVICE_CONTROL_STOP || ctl == SERVICE_CONTROL_SHUTDOWN) {
		report(SERVICE_STOP_PENDING, 0);
		rsp_request_stop(the_r);
		return NO_ERROR;
	}
	return ctl == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

static void WINAPI service_main(DWORD argc, char **argv)
{
	(void)argc;
	status_h = RegisterServiceCtrlHandlerExA(argv[0], on_control, NULL);
	if (!status_h)
		return;
	report(SERVICE_START_PENDING, 0);
	the_rc = the_serve(the_r);
	report(SERVICE_STOPPED, (DWORD)the_rc);
}

void rsp_service_running(rsp *r)
{
	if (r->service)
		report(SERVICE_RUNNING, 0);
}

int rsp_run(rsp *r, int (*serve)(rsp *))
{
	if (!r->service)
		return serve(r);
	the_r = r;
	the_serve = serve;
	r->quiet = 1; /* a service has no console: the log (--log) says what runs */
	SERVICE_TABLE_ENTRYA table[] = {{(char *)"blackout-responder", service_main}, {NULL, NULL}};
	if (!StartServiceCtrlDispatcherA(table)) {
		DWORD e = GetLastError();
		fprintf(stderr,
		        "blackout-responder: --service only works when the service manager starts "
		        "it (error %lu); to run in this console, leave --service out\n",
		        (unsigned long)e);
		return RSP_EXIT_USAGE;
	}
	return the_rc;
}

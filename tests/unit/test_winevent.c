/* Windows events as EvtRender renders them, written from the event schema: Hyper-V Netvsc's
 * event 14 in a guest's System log, others, and broken ones. */
#include <string.h>

#include "check.h"
#include "responder.h"

static const char netvsc14[] =
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        "<Provider Name=\"Microsoft-Windows-Hyper-V-Netvsc\" "
        "Guid=\"{152fbe4b-c7ad-4f68-bada-a4fcc1464f6c}\"/><EventID>14</EventID>"
        "<Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode>"
        "<Keywords>0x8000000000000000</Keywords>"
        "<TimeCreated SystemTime=\"2026-11-23T01:35:50.2201234Z\"/>"
        "<EventRecordID>4711</EventRecordID><Channel>System</Channel>"
        "<Computer>web-01</Computer></System><EventData>"
        "<Data Name=\"Miniport\">Microsoft Hyper-V Network Adapter</Data>"
        "<Data Name=\"Empty\"/><Data Name=\"Index\">3</Data></EventData></Event>";

int main(void)
{
	rsp_winevent ev;
	CHECK_INT(rsp_winevent_parse(netvsc14, strlen(netvsc14), &ev), 0);
	CHECK_STR(ev.provider, "Microsoft-Windows-Hyper-V-Netvsc");
	CHECK_INT(ev.id, 14);
	CHECK(ev.time_ns == INT64_C(1795397750220123400)); /* 100 ns resolution */
	CHECK_INT(ev.ndata, 2);
	CHECK_STR(ev.data[0].name, "Miniport");
	CHECK_STR(ev.data[0].value, "Microsoft Hyper-V Network Adapter");
	CHECK_STR(ev.data[1].name, "Index");
	CHECK_STR(ev.data[1].value, "3");
	CHECK_STR(rsp_netvsc_what(14), "network-changed");
	CHECK_STR(rsp_netvsc_what(10), "paused");
	CHECK(rsp_netvsc_what(15) == NULL);

	/* cut at every length: never read past the end; whole or refused */
	size_t n = strlen(netvsc14);
	for (size_t len = 0; len < n; len++) {
		char *cut = (char *)check_exact(netvsc14, len);
		int rc = rsp_winevent_parse(cut, len, &ev);
		CHECK(rc == 0 || rc == -1);
		CHECK(memchr(ev.provider, 0, sizeof ev.provider) != NULL);
		for (int i = 0; rc == 0 && i < ev.ndata; i++)
			CHECK(memchr(ev.data[i].value, 0, sizeof ev.data[i].value) != NULL);
		free(cut);
	}
	/* not events: no System, no provider, no id */
	static const char *bad[] = {"", "<Event></Event>", "<System></System>",
	                            "<System><EventID>14</EventID></System>",
	                            "<System><Provider Name=\"x\"/><EventID></EventID></System>"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_INT(rsp_winevent_parse(bad[i], strlen(bad[i]), &ev), -1);
	/* a long value is cut, still terminated; a time that does not read is 0 */
	char big[2048];
	snprintf(big, sizeof big,
	         "<System><Provider Name=\"p\"/><EventID>12</EventID><TimeCreated "
	         "SystemTime=\"yesterday\"/></System><EventData><Data Name=\"v\">%0400d</Data>"
	         "</EventData>",
	         1);
	CHECK_INT(rsp_winevent_parse(big, strlen(big), &ev), 0);
	CHECK_INT(ev.id, 12);
	CHECK(ev.time_ns == 0);
	CHECK_INT(strlen(ev.data[0].value), sizeof ev.data[0].value - 1);
	return check_done("winevent");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Windows events as EvtRender renders them, written from the event schema: Hyper-V Netvsc's
 * event 14 in a guest's System log, NetworkProfile's 10000, the firewall's 2010
 * (WFInterfaceProfileChangedEvent: adapter GUID, adapter name, old profile, new profile),
 * others, and broken ones; and each as the responder reports it (rsp_evlog_event). */
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

static const char netprofile10000[] =
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        "<Provider Name=\"Microsoft-Windows-NetworkProfile\" "
        "Guid=\"{fbcfac3f-8459-419f-8e48-1f0b49cdb85e}\"/><EventID>10000</EventID>"
        "<TimeCreated SystemTime=\"2026-11-23T01:35:57.5000000Z\"/>"
        "<Channel>Microsoft-Windows-NetworkProfile/Operational</Channel></System><EventData>"
        "<Data Name=\"Name\">corp.example\x1b[31m</Data><Data Name=\"Description\">corp</Data>"
        "<Data Name=\"Type\">0</Data><Data Name=\"State\">1</Data>"
        "<Data Name=\"Category\">2</Data></EventData></Event>";

/* 2010 with its values by position only (names as a renderer may leave them out) */
static const char fw2010[] =
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        "<Provider Name=\"Microsoft-Windows-Windows Firewall With Advanced Security\"/>"
        "<EventID>2010</EventID><TimeCreated SystemTime=\"2026-11-23T01:35:57.5100000Z\"/>"
        "</System><EventData><Data>{8e4162ad-6500-4899-ba95-24051405e207}</Data>"
        "<Data>Ethernet 2</Data><Data>4</Data><Data>1</Data></EventData></Event>";

/* The evlog row of type. */
static const rsp_evlog *row(const char *type)
{
	for (size_t i = 0; i < rsp_nevlogs; i++)
		if (!strcmp(bo_gev_name(rsp_evlogs[i].type), type))
			return &rsp_evlogs[i];
	return NULL;
}

/* The reported event of a rendering for the evlog row of type, or NULL. */
static json_t *report(const char *type, const char *xml)
{
	rsp_winevent ev;
	if (rsp_winevent_parse(xml, strlen(xml), &ev) != 0)
		return NULL;
	return rsp_evlog_event(row(type), &ev);
}

static void evlogs(void)
{
	json_t *o = report("netvsc", netvsc14);
	CHECK(o != NULL);
	CHECK_STR(json_string_value(json_object_get(o, "what")), "network-changed");
	CHECK(json_integer_value(json_object_get(o, "event_time_ns")) ==
	      INT64_C(1795397750220123400));
	json_decref(o);
	/* another provider's event is not a row's */
	CHECK(report("fwprofile", netvsc14) == NULL);
	CHECK(report("netvsc", fw2010) == NULL);

	o = report("netprofile", netprofile10000);
	CHECK(o != NULL);
	CHECK_INT(json_integer_value(json_object_get(o, "id")), 10000);
	CHECK_STR(json_string_value(json_object_get(o, "what")), "connected");
	CHECK_STR(json_string_value(json_object_get(o, "category")), "domain");
	CHECK_STR(json_string_value(json_object_get(o, "network")), "corp.example?[31m");
	json_decref(o);

	o = report("fwprofile", fw2010);
	CHECK(o != NULL);
	CHECK_STR(json_string_value(json_object_get(o, "what")), "profile-changed");
	CHECK_STR(json_string_value(json_object_get(o, "interface")), "Ethernet 2");
	CHECK_STR(json_string_value(json_object_get(o, "old_profile")), "public");
	CHECK_STR(json_string_value(json_object_get(o, "new_profile")), "domain");
	json_decref(o);
	/* a profile as text passes cleaned; an id outside the row's range is not reported */
	char xml[1024];
	snprintf(xml, sizeof xml,
	         "<System><Provider Name=\"Microsoft-Windows-Windows Firewall With Advanced "
	         "Security\"/><EventID>2010</EventID></System><EventData><Data Name=\"OldProfile\">"
	         "Public</Data><Data Name=\"NewProfile\">7</Data></EventData>");
	o = report("fwprofile", xml);
	CHECK(o != NULL && json_is_null(json_object_get(o, "event_time_ns")));
	CHECK_STR(json_string_value(json_object_get(o, "old_profile")), "Public");
	CHECK_STR(json_string_value(json_object_get(o, "new_profile")), "7");
	json_decref(o);
	snprintf(xml, sizeof xml,
	         "<System><Provider Name=\"Microsoft-Windows-NetworkProfile\"/><EventID>10003"
	         "</EventID></System>");
	CHECK(report("netprofile", xml) == NULL);
}

int main(void)
{
	evlogs();
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
	CHECK_STR(row("netvsc")->what(14), "network-changed");
	CHECK_STR(row("netvsc")->what(10), "paused");
	CHECK(row("netvsc")->what(15) == NULL);

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

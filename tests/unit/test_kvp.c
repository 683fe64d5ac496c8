/* SPDX-License-Identifier: Apache-2.0 */
/* Hyper-V's KVP pool records (responder/kvp.c): the host's name by preference, the VM's, and
 * every malformed record refused and counted, never read past. */
#include "check.h"
#include "responder.h"

static uint8_t pool[8 * BO_KVP_RECORD];

static size_t put(size_t at, const char *k, const char *v)
{
	size_t n = bo_kvp_record(pool + at, sizeof pool - at, k, v);
	CHECK_INT(n, BO_KVP_RECORD);
	return at + n;
}

int main(void)
{
	bo_kvp k;
	size_t n = put(0, "HostName", "hv-07");
	n = put(n, "VirtualMachineName", "web-3");
	n = put(n, "PhysicalHostName", "HV-07");
	CHECK_INT(bo_kvp_parse(pool, n, &k), 0);
	CHECK_STR(k.host, "HV-07"); /* PhysicalHostName before HostName */
	CHECK_STR(k.vm, "web-3");
	CHECK_INT(k.records, 3);
	CHECK_INT(k.bad, 0);
	n = put(n, "PhysicalHostNameFullyQualified", "hv-07.example.net");
	n = put(n, "HostName", "other"); /* a weaker key later does not replace it */
	CHECK_INT(bo_kvp_parse(pool, n, &k), 0);
	CHECK_STR(k.host, "hv-07.example.net");

	/* A key without its NUL inside the field, a control character, a value too long for a
	 * host name: refused and counted; the good records still read. */
	size_t bad = put(n, "PhysicalHostNameFullyQualified", "x");
	memset(pool + n, 'A', 512);
	bad = put(bad, "PhysicalHostNameFullyQualified", "evil\x1b[2Jhost");
	char longname[400];
	memset(longname, 'h', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	bad = put(bad, "PhysicalHostNameFullyQualified", longname);
	CHECK_INT(bo_kvp_parse(pool, bad, &k), 0);
	CHECK_STR(k.host, "hv-07.example.net");
	CHECK_INT(k.records, 5);
	CHECK_INT(k.bad, 3);

	/* Not a whole number of records: refused; empty: nothing. */
	CHECK_INT(bo_kvp_parse(pool, n - 1, &k), -1);
	CHECK_INT(bo_kvp_parse(pool, 0, &k), 0);
	CHECK_STR(k.host, "");
	/* What does not fit a record is not written. */
	CHECK_INT(bo_kvp_record(pool, BO_KVP_RECORD - 1, "a", "b"), 0);
	CHECK_INT(bo_kvp_record(pool, sizeof pool, longname, "b") != 0, 1);
	return check_done("kvp");
}

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages, as an operator gets them: scripts/package.sh builds blackout and
# blackout-responder (lintian passes both: no error, no warning); `apt-get install ./*.deb`
# puts working programs and man pages on the PATH; systemd-analyze verifies the responder's
# unit; the responder started the way the unit starts it (an unprivileged user with the unit's
# ambient capabilities and options) answers a probe and keeps only the capabilities its
# options need; the installed lab, probe, responder and analyzer measure a migration together.
# Both packages are purged at the end.
# Usage: test_deb.sh SOURCE_DIR. Exit 77 (skipped) without root.
set -euo pipefail
src=$1
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root (apt-get install)"; exit 77; fi
work=$(mktemp -d /tmp/blackout-deb-XXXXXX)
fails=0
ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; fails=$((fails + 1)); }
rsp=
cleanup() {
  [ -n "$rsp" ] && kill "$rsp" 2>/dev/null && wait "$rsp" 2>/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq blackout blackout-responder >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mapfile -t debs < <("$src/scripts/package.sh" "$work/build")
[ ${#debs[@]} -eq 2 ] && ok "scripts/package.sh built ${debs[*]##*/} (lintian passed)" ||
  { fail "scripts/package.sh"; exit 1; }
for d in "${debs[@]}"; do
  echo "      $(dpkg-deb -f "$d" Package): Depends: $(dpkg-deb -f "$d" Depends)"
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >/dev/null
for prog in blackout-probe blackout-analyze blackout-lab blackout-responder; do
  [ "$(command -v "$prog")" = "/usr/bin/$prog" ] && "$prog" --help >/dev/null 2>&1 &&
    ok "$prog on the PATH" || fail "$prog not installed right"
done
for page in blackout-probe.8 blackout-analyze.1 blackout-lab.8 blackout-responder.8 blackout-run.5; do
  man -w "${page%.*}" 2>/dev/null | grep -q "man${page##*.}/$page.gz" &&
    ok "man ${page%.*}" || fail "man ${page%.*} not found"
done
dpkg-query -W -f='${Conffiles}' blackout-responder | grep -q /etc/default/blackout-responder &&
  ok "/etc/default/blackout-responder is a conffile" || fail "conffile"
unit=/lib/systemd/system/blackout-responder.service
v=$(systemd-analyze verify "$unit" 2>&1 | grep blackout-responder || true)
[ -z "$v" ] && ok "systemd-analyze verify: the unit is clean" || fail "systemd-analyze verify: $v"

# The unit's way: its ExecStart and options, a user with no privilege of its own, the unit's
# capabilities as ambient ones, no new privileges, the log directory systemd would make.
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' |
  sed 's/^/+/' | paste -sd,)
start_as_unit() { # extra responder options
  local opts exec
  opts=$(. /etc/default/blackout-responder && echo "$BLACKOUT_RESPONDER_OPTS")
  exec=$(sed -n 's/^ExecStart=//p' "$unit" | sed "s|\$BLACKOUT_RESPONDER_OPTS|$opts|")
  install -d -o nobody -g nogroup /var/log/blackout-responder
  # shellcheck disable=SC2086
  setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps "$caps" \
    --ambient-caps "$caps" --bounding-set "-all,$caps" --no-new-privs $exec "$@" &
  rsp=$!
  sleep 1
}
cap_eff() { sed -n 's/^CapEff:\t//p' "/proc/$rsp/status"; }
start_as_unit
[ "$(cap_eff)" = 0000000000000000 ] && ok "without --capture the responder keeps no capability" ||
  fail "CapEff $(cap_eff) without --capture"
blackout-probe 127.0.0.1 --quiet --run "$work/run" --streams icmp,udp,tcp-syn,tcp-est --interval 20ms \
  --duration 3s >/dev/null
j=$(blackout-analyze --quiet --no-write --json - "$work/run")
for s in udp tcp-syn tcp-est; do
  n=$(printf '%s' "$j" | python3 -c "import json,sys; print(sum(x['answered'] for x in json.load(sys.stdin)['streams'] if x['stream']=='$s'))")
  [ "$n" -gt 100 ] && ok "the unit's responder answers $s ($n answered)" || fail "$s: $n answered"
done
grep -q '"type":"start"' /var/log/blackout-responder/events.jsonl &&
  ok "its log where the unit says: /var/log/blackout-responder/events.jsonl" || fail "no log"
kill "$rsp"; wait "$rsp" 2>/dev/null || true; rsp=
start_as_unit --capture lo
[ "$(cap_eff)" = 0000000000002000 ] && ok "with --capture it keeps CAP_NET_RAW alone" ||
  fail "CapEff $(cap_eff) with --capture"
kill "$rsp"; wait "$rsp" 2>/dev/null || true; rsp=

# The installed lab, probe, responder and analyzer together: one simulated migration.
if blackout-lab run kb-fixed --run "$work/lab" --lead 1s --tail 1s -- \
    sh -c "exec blackout-probe --quiet --run '$work/lab' --streams icmp,udp \$BLACKOUT_TARGET" \
    >/dev/null 2>&1 &&
    blackout-analyze --quiet --no-write --json - "$work/lab" > "$work/lab.json" &&
    grep -q '"switchover-only"' "$work/lab.json"; then
  ok "the installed lab migrates, the installed probe and responder measure it: switchover-only"
else
  fail "a lab run from the installed packages"
fi

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq blackout blackout-responder >/dev/null
[ ! -e /usr/bin/blackout-probe ] && [ ! -e /var/log/blackout-responder ] &&
  ok "purged: programs and the responder's log gone" || fail "purge left files"
[ "$fails" -eq 0 ] && echo "all checks passed" || { echo "$fails failed"; exit 1; }

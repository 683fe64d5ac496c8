#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages, as an operator gets them: scripts/package.sh builds blackout and
# blackout-responder (lintian passes both: no error, no warning); `apt-get install ./*.deb`
# puts working programs and man pages on the PATH; systemd-analyze verifies the responder's
# unit; the responder started the way the unit starts it (an unprivileged user with the unit's
# ambient capabilities and options) answers a probe and keeps only the capabilities its
# options need; as installed, with nothing configured, it tells a stranger on another host
# nothing of the guest (an anonymous subscriber gets a challenge, no event), the probe with the
# key the package made gets the events, and plain STAMP is answered; the installed lab, probe,
# responder and analyzer measure a migration together. Both packages are purged at the end
# (the key with them).
# Usage: test_deb.sh SOURCE_DIR. Exit 77 (skipped) without root.
set -euo pipefail
src=$1
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root (apt-get install)"; exit 77; fi
work=$(mktemp -d /tmp/blackout-deb-XXXXXX)
fails=0
ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; fails=$((fails + 1)); }
rsp=
ns=bo-pkg-$$
cleanup() {
  [ -n "$rsp" ] && kill "$rsp" 2>/dev/null && wait "$rsp" 2>/dev/null
  ip netns del "$ns-guest" 2>/dev/null || true
  ip netns del "$ns-far" 2>/dev/null || true
  [ -n "${cred:-}" ] && rm -rf "$cred"
  [ -n "${state:-}" ] && rm -rf "$state"
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
key=/etc/blackout-responder/key
[ "$(stat -c '%a %U %G' "$key" 2>/dev/null)" = "600 root root" ] &&
  grep -Eqx '[0-9a-f]{64}' "$key" &&
  ok "postinst made the key: $key, 32 random bytes in hex, 0600 root:root" ||
  fail "no key made at install: $(stat -c '%a %U %G' "$key" 2>&1)"
keysum=$(sha256sum "$key")
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall \
  "$(printf '%s\n' "${debs[@]}" | grep /blackout-responder_)" >/dev/null
[ "$(sha256sum "$key")" = "$keysum" ] && ok "the key is kept across a reinstall" ||
  fail "a reinstall changed the key"
unit=/lib/systemd/system/blackout-responder.service
v=$(systemd-analyze verify "$unit" 2>&1 | grep blackout-responder || true)
[ -z "$v" ] && ok "systemd-analyze verify: the unit is clean" || fail "systemd-analyze verify: $v"

# The unit's way: its ExecStart and options, a user with no privilege of its own, the unit's
# capabilities as ambient ones, no new privileges, the log directory systemd would make.
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' |
  sed 's/^/+/' | paste -sd,)
# systemd's credentials: LoadCredential copies the key into a directory the service alone
# reads (%d in its command line).
cred=$(mktemp -d /tmp/blackout-cred-XXXXXX)
grep -q '^LoadCredential=key:/etc/blackout-responder/key$' "$unit" &&
  ok "the unit hands the service the key (LoadCredential)" || fail "no LoadCredential of the key"
chown nobody:nogroup "$cred"
chmod 0500 "$cred"
install -o nobody -g nogroup -m 0400 "$key" "$cred/key"
start_as_unit() { # [--netns NS] [extra responder options]
  local opts exec in=()
  [ "${1:-}" = --netns ] && { in=(ip netns exec "$2"); shift 2; }
  opts=$(. /etc/default/blackout-responder && echo "$BLACKOUT_RESPONDER_OPTS")
  exec=$(sed -n 's/^ExecStart=//p' "$unit" | sed "s|\$BLACKOUT_RESPONDER_OPTS|$opts|; s|%d|$cred|g")
  install -d -o nobody -g nogroup /var/log/blackout-responder
  # shellcheck disable=SC2086
  "${in[@]}" setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps "$caps" \
    --ambient-caps "$caps" --bounding-set "-all,$caps" --no-new-privs $exec "$@" &
  rsp=$!
  sleep 1
}
cap_eff() { sed -n 's/^CapEff:\t//p' "/proc/$rsp/status"; }
start_as_unit
[ "$(cap_eff)" = 0000000000000000 ] && ok "without --capture the responder keeps no capability" ||
  fail "CapEff $(cap_eff) without --capture"
blackout-probe 127.0.0.1 --quiet --run "$work/run" --streams icmp,udp,tcp-syn,tcp-est --interval 20ms \
  --stamp-key "$key" --duration 3s >/dev/null
j=$(blackout-analyze --quiet --no-write --json - --stamp-key "$key" "$work/run")
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

# From another host: a guest namespace and a far one on a veth link. The unit's own command
# line in the guest; from the far side an anonymous subscriber, the probe without the key and
# the probe with it.
ip netns add "$ns-guest"
ip netns add "$ns-far"
ip link add bo-pkg-g type veth peer name bo-pkg-f
ip link set bo-pkg-g netns "$ns-guest"
ip link set bo-pkg-f netns "$ns-far"
ip -n "$ns-guest" addr add 198.51.100.2/24 dev bo-pkg-g
ip -n "$ns-far" addr add 198.51.100.1/24 dev bo-pkg-f
for n in "$ns-guest" "$ns-far"; do ip -n "$n" link set lo up; done
ip -n "$ns-guest" link set bo-pkg-g up
ip -n "$ns-far" link set bo-pkg-f up
sleep 1 # the link's address checks
subscribe() { # what an anonymous BLACKOUT/1 events 0 gets from the guest within 2 s
  ip netns exec "$ns-far" python3 - <<'PY'
import socket, time
s = socket.create_connection(("198.51.100.2", 8620), timeout=3)
s.sendall(b"BLACKOUT/1 events 0\n")
got, end = b"", time.time() + 2
while time.time() < end:
    s.settimeout(max(0.05, end - time.time()))
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    got += b
print(got.decode(errors="replace"))
PY
}
no_facts() { # OUTPUT: no JSON event in it
  ! printf '%s\n' "$1" | grep -q '^{'
}
start_as_unit --netns "$ns-guest"
got=$(subscribe)
no_facts "$got" && printf '%s' "$got" | grep -q '^challenge ' &&
  ok "as installed, an anonymous subscriber on another host gets a challenge and no guest fact" ||
  fail "an anonymous subscriber got: ${got:0:200}"
ip netns exec "$ns-far" blackout-probe 198.51.100.2 --run "$work/far-nokey" --streams udp \
  --interval 20ms --duration 3s 2> "$work/far-nokey.err" >/dev/null || true
grep -q "needs the responder's key.*--stamp-key" "$work/far-nokey.err" &&
  ! grep -q '"type":"start"' "$work/far-nokey/guest.jsonl" &&
  ok "the probe without the key is told the fix: $(grep -o 'no guest events.*' "$work/far-nokey.err" | head -c 100)..." ||
  fail "the probe without the key: $(cat "$work/far-nokey.err")"
ip netns exec "$ns-far" blackout-probe 198.51.100.2 --quiet --run "$work/far-key" --streams udp,tcp-est \
  --interval 20ms --duration 3s --stamp-key "$key" >/dev/null
for r in far-nokey far-key; do
  k=() mode=plain
  [ $r = far-key ] && k=(--stamp-key "$key") mode=authenticated
  n=$(blackout-analyze --quiet --no-write --json - "${k[@]}" "$work/$r" | python3 -c \
    "import json,sys; print(sum(x['answered'] for x in json.load(sys.stdin)['streams'] if x['stream']=='udp'))")
  [ "$n" -gt 100 ] && ok "$r: STAMP answered ($n, $mode)" || fail "$r: STAMP $n answered"
done
python3 - "$work/far-key/guest.jsonl" <<'PY' && ok "with the key the probe gets the guest's events (start, clocks)" || fail "no events with the key"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
start = [e for e in ev if e.get("type") == "start"]
assert start and start[0]["system"] and start[0]["stamp"].startswith("authenticated"), start
assert start[0]["event_channel"].startswith("authenticated"), start[0]["event_channel"]
assert sum(e.get("type") == "clock" for e in ev) > 10
PY
kill "$rsp"; wait "$rsp" 2>/dev/null || true; rsp=
# Started by hand with nothing at all: loopback only, said to the stranger.
ip netns exec "$ns-guest" blackout-responder --quiet --port 8862 &
rsp=$!
sleep 1
got=$(subscribe)
no_facts "$got" && printf '%s' "$got" | grep -q 'loopback only.*--key-file' &&
  ok "without a key or --allow: loopback only, the stranger told why" || fail "no key: ${got:0:200}"
kill "$rsp"; wait "$rsp" 2>/dev/null || true; rsp=
ip netns del "$ns-guest"; ip netns del "$ns-far"

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

# The watcher's unit: clean, installed but not enabled (it has no target yet), its options and
# targets conffiles. Its command line run as the unit runs it (a user with no privilege of its
# own, the unit's three capabilities ambient, a state directory of its own), with the lab's VM
# in /etc/blackout/targets: it finds the lab's unannounced migration, records it, serves
# /metrics, keeps no capability beyond the unit's, and stops on SIGTERM with status 0.
wunit=/lib/systemd/system/blackout-watch.service
v=$(systemd-analyze verify "$wunit" 2>&1 | grep blackout-watch || true)
[ -z "$v" ] && ok "systemd-analyze verify: the watcher's unit is clean" || fail "watch unit: $v"
[ "$(systemctl is-enabled blackout-watch 2>/dev/null || true)" != enabled ] &&
  ok "blackout-watch installed, not enabled (no target named yet)" || fail "blackout-watch enabled"
dpkg-query -W -f='${Conffiles}' blackout | grep -q /etc/blackout/targets &&
  dpkg-query -W -f='${Conffiles}' blackout | grep -q /etc/default/blackout-watch &&
  ok "/etc/blackout/targets and /etc/default/blackout-watch are conffiles" || fail "watch conffiles"
wcaps=$(sed -n 's/^AmbientCapabilities=//p' "$wunit" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' |
  sed 's/^/+/' | paste -sd,)
state=$(mktemp -d /tmp/blackout-watch-state-XXXXXX) # (systemd's would be /var/lib/blackout-watch)
chown nobody:nogroup "$state"
echo 192.0.2.2 >> /etc/blackout/targets
wopts=$(. /etc/default/blackout-watch && echo "$BLACKOUT_WATCH_OPTS")
wexec=$(sed -n 's/^ExecStart=//p' "$wunit" | sed "s|\${STATE_DIRECTORY}|$state|; s|\$BLACKOUT_WATCH_OPTS|$wopts --settle 3s|; s|\$BLACKOUT_WATCH_KEY||")
blackout-lab run normal --run "$work/wlab" --lead 4s --tail 8s -- sh -c "
  setsid setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps '$wcaps' \
    --ambient-caps '$wcaps' --bounding-set '-all,$wcaps' --no-new-privs $wexec 2>'$work/watch.err' &
  wp=\$!
  finish() {
    sed -n 's/^CapEff:\t//p' /proc/\$wp/status > '$work/watch.caps'
    python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:9620/metrics\").read().decode(), end=\"\")' > '$work/watch.metrics' || true
    kill -TERM \$wp; wait \$wp; echo \$? > '$work/watch.status'; exit 0
  }
  trap finish INT TERM
  wait \$wp" >/dev/null 2>&1 || true
n=$(grep -c '"kind":"migration"' "$state/records.jsonl" 2>/dev/null || true)
grep -q '"verdict":"quarantine-normal"' "$state/records.jsonl" 2>/dev/null && [ "$n" = 1 ] &&
  ok "the unit's watcher recorded the lab's migration: quarantine-normal" ||
  fail "the unit's watcher: $n records; $(cat "$work/watch.err" 2>/dev/null | head -3)"
grep -q 'blackout_watch_events_total{kind="migration",verdict="quarantine-normal"} 1' "$work/watch.metrics" &&
  ok "its /metrics on 127.0.0.1:9620 counts it" || fail "metrics: $(head -c 300 "$work/watch.metrics")"
[ "$(cat "$work/watch.caps")" = 0000000000803000 ] &&
  ok "it runs with the unit's capabilities only (CapEff $(cat "$work/watch.caps"): net_raw, net_admin, sys_nice)" ||
  fail "watcher CapEff $(cat "$work/watch.caps")"
[ "$(cat "$work/watch.status")" = 0 ] && ok "SIGTERM stops it with status 0" ||
  fail "the watcher's status on SIGTERM: $(cat "$work/watch.status")"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq blackout blackout-responder >/dev/null
[ ! -e /usr/bin/blackout-probe ] && [ ! -e /var/log/blackout-responder ] && [ ! -e "$key" ] &&
  [ ! -e /etc/blackout/targets ] &&
  ok "purged: programs, the responder's log, its key and the watcher's targets gone" ||
  fail "purge left files"
[ "$fails" -eq 0 ] && echo "all checks passed" || { echo "$fails failed"; exit 1; }

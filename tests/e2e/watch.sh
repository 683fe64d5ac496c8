#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: blackout-probe --watch beside a lab that migrates three simulated VMs four times
# (the safety timeout, a normal quarantine, the fix, a normal quarantine again), nobody telling
# the probe when. A real Prometheus server scrapes the watcher's /metrics every second. Then:
# every migration has exactly one record with the verdict the lab's truth expects and bounds
# that hold the truth; each event directory, analysed again by blackout-analyze, gives the
# record's verdict and dark time; index.html lists them; Prometheus' query API returns the
# counts; promtool accepts a scrape; the directory stayed within --keep. Then the watcher is
# killed with SIGKILL in the middle of a run of its own, and started again: records.jsonl stays
# whole (a torn line cut, nothing doubled) and an event left without its record gets one.
# Usage: watch.sh BUILD_DIR. Exit 77 (skipped) without root or network namespaces.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: needs root and network namespaces"; exit 77
fi
command -v prometheus >/dev/null || { echo "skipped: no prometheus (scripts/deps.sh)"; exit 77; }
run=$(mktemp -d /tmp/blackout-watch-XXXXXX)
[ -n "${BLACKOUT_KEEP:-}" ] && echo "run directory kept: $run" || trap 'rm -rf "$run"' EXIT
mport=9620 pport=9091
cat > "$run/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: blackout
    static_configs:
      - targets: ['127.0.0.1:$mport']
YML
# Inside the lab's probe namespace: Prometheus and the watcher in sessions of their own (the
# lab's SIGINT at the end goes to the command's group only); on that SIGINT the counts are
# asked of Prometheus and a scrape kept, then both are stopped.
"$build/lab/blackout-lab" run normal --run "$run/lab" --lead 4s --tail 9s --gap 5s \
  --plan 0:safety-timeout,1:normal,2:kb-fixed,0:normal -- sh -c "
  setsid prometheus --config.file='$run/prometheus.yml' --storage.tsdb.path='$run/tsdb' \
    --web.listen-address=127.0.0.1:$pport >'$run/prometheus.log' 2>&1 &
  pp=\$!
  setsid '$build/probe/blackout-probe' --watch '$run/w' --metrics 127.0.0.1:$mport --settle 3s \
    --segment 5s --keep 64M --quiet --interval 10ms --streams icmp,udp,tcp-syn,tcp-est \
    \$BLACKOUT_TARGETS 2>'$run/watch.err' &
  wp=\$!
  finish() {
    python3 '$here/check_watch.py' --query 127.0.0.1:$pport > '$run/prom.json' || true
    python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:$mport/metrics\").read().decode(), end=\"\")' > '$run/scrape.txt' || true
    kill -TERM \$wp; wait \$wp; echo \$? > '$run/watch.status'
    kill -TERM \$pp; wait \$pp || true
    exit 0
  }
  trap finish INT TERM
  wait \$wp"
cat "$run/watch.err" >&2 || true
python3 "$here/check_watch.py" "$run/lab" "$run/w" "$build/analysis/blackout-analyze" \
  "$run/prom.json" 64M
status=$(cat "$run/watch.status" 2>/dev/null || echo none)
if [ "$status" = 0 ]; then echo "ok    the watcher stopped on SIGTERM with status 0"
else echo "FAIL  the watcher stopped on SIGTERM with status $status"; exit 1; fi
# records.jsonl into SQLite as docs/watch.md shows it: the lab's migrations per verdict
if command -v sqlite3 >/dev/null; then
  got=$(cd "$run/w" && sqlite3 -separator : :memory: "CREATE TABLE r AS SELECT value AS j FROM
      json_each('[' || replace(trim(readfile('records.jsonl'), char(10)), char(10), ',') || ']');
    SELECT json_extract(j, '\$.verdict'), count(*) FROM r
     WHERE json_extract(j, '\$.kind') = 'migration' GROUP BY 1 ORDER BY 1;" | paste -sd' ')
  [ "$got" = "quarantine-normal:2 quarantine-safety-timeout:1 switchover-only:1" ] &&
    echo "ok    SQLite reads records.jsonl: $got" || { echo "FAIL  SQLite: $got"; exit 1; }
fi
if command -v promtool >/dev/null; then
  promtool check metrics < "$run/scrape.txt"
  echo "ok    promtool check metrics: the scrape is clean"
fi
# kill -9 and a start again on the same directory: a torn last line (as a kill in a write leaves
# it) cut away, an event whose record was never written (a kill between the two) recorded, and
# nothing doubled over two starts.
w=$run/w
records=$(wc -l < "$w/records.jsonl")
first=$(ls "$w/events" | head -1)
cp -a "$w/events/$first" "$w/events/19700101T000000.000Z-192.0.2.9"
printf '{"schema":"blackout.migration/3","torn' >> "$w/records.jsonl"
for i in 1 2; do
  "$build/lab/blackout-lab" run kb-fixed --run "$run/lab$i" --lead 2s --tail 1s -- sh -c "
    setsid '$build/probe/blackout-probe' --watch '$w' --quiet --interval 10ms \$BLACKOUT_TARGET &
    wp=\$!
    trap 'kill -KILL \$wp; wait \$wp; exit 0' INT TERM
    wait \$wp" >/dev/null 2>&1
done
python3 - "$w" "$records" "$first" <<'PY'
import json, sys
w, before, first = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(f"{w}/records.jsonl").read().split("\n")
recs = [json.loads(l) for l in lines if l]  # every line whole, or this fails
dirs = [r["event_dir"] for r in recs]
copy = "events/19700101T000000.000Z-192.0.2.9"
fails = 0
def check(ok, what):
    global fails
    print(("ok    " if ok else "FAIL  ") + what)
    fails += not ok
check(lines[-1] == "" and all(l.startswith("{") for l in lines if l),
      f"records.jsonl whole after two kills: {len(recs)} lines, the torn one gone")
check(dirs.count(copy) == 1, f"the event left without a record recorded once ({dirs.count(copy)})")
keys = [(r["event_dir"], r["id"]) for r in recs]
check(len(keys) == len(set(keys)), "no event recorded twice")
check(len(recs) >= before + 1, f"{len(recs)} records, {before} before")
sys.exit(1 if fails else 0)
PY

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An installed tree works (no root): `cmake --install BUILD --prefix P` into a temporary
# prefix; every program's --help from there; an analysis of a golden run with the installed
# analyzer; the lab finds its helpers in P/libexec/blackout; every man page renders with
# `man -l` and no groff warning; the bash completion completes options, stream and scenario
# names and run directories.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
p=$(mktemp -d /tmp/blackout-prefix-XXXXXX)
trap 'rm -rf "$p"' EXIT
fails=0
ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; fails=$((fails + 1)); }

cmake --install "$build" --prefix "$p" >/dev/null
for prog in blackout-probe blackout-analyze blackout-lab blackout-responder; do
  if "$p/bin/$prog" --help >/dev/null 2>&1; then ok "$prog --help from the prefix"; else fail "$prog --help"; fi
done
for f in share/man/man8/blackout-probe.8.gz share/man/man1/blackout-analyze.1.gz \
    share/man/man8/blackout-lab.8.gz share/man/man8/blackout-responder.8.gz \
    share/man/man5/blackout-run.5.gz share/doc/blackout/copyright \
    share/doc/blackout/docs/formats.md lib/systemd/system/blackout-responder.service \
    etc/default/blackout-responder share/bash-completion/completions/blackout-probe \
    libexec/blackout/blackout-lab-agent libexec/blackout/blackout-lab-mkguest \
    libexec/blackout/blackout-lab-guest-init share/blackout/windows/Install-BlackoutResponder.ps1; do
  [ -e "$p/$f" ] && ok "installed $f" || fail "missing $f"
done
run=$(mktemp -d /tmp/blackout-prefix-run-XXXXXX)
cp -r "$src/tests/fixtures/lab-safety-timeout/." "$run/"
# (the whole output first: grep -q closing the pipe early would fail the analyzer's write)
out=$("$p/bin/blackout-analyze" --quiet --json - "$run" || true)
if printf '%s' "$out" | grep -q '"quarantine-safety-timeout"'; then
  ok "the installed analyzer reads a run: quarantine-safety-timeout"
else
  fail "the installed analyzer on lab-safety-timeout"
fi
rm -rf "$run"
grep -q "ExecStart=$(cmake -LA -N "$build" 2>/dev/null | sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p')/bin/blackout-responder" \
  "$p/lib/systemd/system/blackout-responder.service" && ok "the unit starts the responder of the configured prefix" ||
  fail "the unit's ExecStart"
# the lab's helpers, found from the installed blackout-lab (its own copy: /proc/self/exe)
if "$p/bin/blackout-lab" scenarios | grep qemu-quarantine >/dev/null; then ok "blackout-lab scenarios"; else fail "blackout-lab scenarios"; fi

# man pages: rendered, and not one warning from groff
for page in "$p"/share/man/man*/*.gz; do
  w=$(zcat "$page" | groff -ww -man -Tutf8 -z 2>&1 || true)
  out=$(MANWIDTH=80 man -l "$page" 2>/dev/null | head -3 || true)
  if [ -z "$w" ] && [ -n "$out" ]; then ok "man -l $(basename "$page"): renders, no warning"
  else fail "man $(basename "$page"): ${w:-nothing rendered}"; fi
done

# bash completion, as bash-completion would load it: COMP_WORDS in, COMPREPLY out
complete_line() { # PROG WORD... : the candidates for the last word
  PATH="$p/bin:$PATH" bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    case $1 in
      blackout-probe) _blackout_probe "$1" ;; blackout-analyze) _blackout_analyze "$1" ;;
      blackout-lab) _blackout_lab "$1" ;; blackout-responder) _blackout_responder "$1" ;;
    esac
    printf "%s\n" "${COMPREPLY[@]}"' _ "$p/share/bash-completion/completions/blackout-probe" "$@"
}
expect() { # WANT PROG WORD...
  local want=$1; shift
  local got; got=$(complete_line "$@" | sort | tr '\n' ' ')
  [[ " $got" == *" $want "* ]] && ok "completion '$*' offers $want" || fail "completion '$*': got '$got', wanted $want"
}
expect --streams blackout-probe --str
expect icmp,udp-new blackout-probe --streams icmp,udp-
expect --fail-if blackout-analyze compare --fa
expect --records blackout-analyze --rec
expect qemu-quarantine-normal blackout-lab run qemu-quarantine-
expect 0:qemu-kb-fixed blackout-lab run qemu-quarantine --plan 0:qemu-kb
expect icmp,tcp-all blackout-lab run safety-timeout --scope icmp,tcp-a
expect realtime blackout-responder --priority re
expect --capture blackout-responder --cap
mkdir -p "$p/runs/mig-01"
(cd "$p" && expect runs/mig-01 blackout-analyze runs/m)

[ "$fails" -eq 0 ] && echo "all checks passed" || { echo "$fails failed"; exit 1; }

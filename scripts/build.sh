#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds blackout. Usage: scripts/build.sh [--sanitize] [BUILD_DIR]
# Default build directory: build/ (build-san/ with --sanitize).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=OFF
dir=""
for a in "$@"; do
  case "$a" in
    --sanitize) sanitize=ON ;;
    *) dir="$a" ;;
  esac
done
[ -n "$dir" ] || { [ "$sanitize" = ON ] && dir=build-san || dir=build; }

cmake -S . -B "$dir" -DBLACKOUT_SANITIZE="$sanitize" >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
echo "$dir"

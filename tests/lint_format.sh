#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every C file is formatted as .clang-format says. Usage: lint_format.sh SOURCE_DIR
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "skipped: no clang-format"; exit 77; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib probe analysis lab tests -name '*.[ch]')
clang-format --dry-run --Werror $files
echo "formatted: $(echo "$files" | wc -w) files"

#!/usr/bin/env bash
# Runs every benchmark in DIR; each prints its own figures and ratios.
set -euo pipefail
dir=${1:?usage: run.sh BENCH_BIN_DIR}
for b in "$dir"/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done

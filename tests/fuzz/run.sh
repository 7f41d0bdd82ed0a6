#!/usr/bin/env bash
# Runs every libFuzzer harness in DIR for SECONDS each, starting from its seed
# corpus under tests/fuzz/corpus/<name>/ (copied, so the repo stays clean).
# Usage: tests/fuzz/run.sh build/fuzz/fuzz 20
set -euo pipefail
dir=${1:?usage: run.sh FUZZ_BIN_DIR SECONDS}
secs=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
n=0
for f in "$dir"/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f"); name=${name#fuzz_}
  work=$(mktemp -d)
  [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/"
  echo "fuzz: $name for ${secs}s"
  "$f" -max_total_time="$secs" -max_len=70000 -print_final_stats=1 "$work" 2>&1 | tail -n 4
  rm -rf "$work"
  n=$((n + 1))
done
echo "fuzz: $n harnesses ran clean"

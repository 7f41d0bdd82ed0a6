#!/usr/bin/env bash
# valgrind.sh - issue 7: valgrind memcheck over a real daemon/client run.
#
# Runs fieldsyncd (init, staff add, enroll, serve) and the fieldsync CLI
# (init --token, customer add, visit log, sync: push and pull, outbox) each
# under valgrind memcheck with --leak-check=full and --error-exitcode=99.
# The daemon serves under valgrind while the (also valgrinded) clients sync,
# then gets SIGTERM; its exit status must be 0.  Any invalid access,
# uninitialised use or definite/indirect leak in any process fails the test.
#
# FS_VALGRIND_SYNCS (default 1; the long run uses 5) sets how many push+pull rounds run.
# Skips (exit 77) if valgrind is missing or the binaries are ASan builds.
set -euo pipefail

# shellcheck source=../integration/lib/testlib.sh
. "$(dirname "$0")/../integration/lib/testlib.sh"
bin=${FS_BIN:?FS_BIN must point at the bin directory}
fsd="$bin/fieldsyncd"
rounds=${FS_VALGRIND_SYNCS:-1}

command -v valgrind >/dev/null || { echo "SKIP: valgrind not installed"; exit 77; }
if ldd "$fsd" 2>/dev/null | grep -q 'libasan\|libubsan' ||
  grep -qa '__asan_init' "$fsd" 2>/dev/null; then
  echo "SKIP: $fsd is a sanitizer build; valgrind needs a plain build"
  exit 77
fi
testlib_setup valgrind
runs=0
vg() {
  local log="$work/vg.$runs.log"
  runs=$((runs + 1))
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --log-file="$log" "$@" || {
    local rc=$?
    cat "$log" >&2
    fail "exit $rc under valgrind: $*"
  }
}

central="$work/central"
vg "$fsd" init --data "$central" >/dev/null
"$fsd" staff add M01 --name "Manager" --role manager --data "$central" >/dev/null
vg "$fsd" staff add A01 --name "Valgrind 李" --manager M01 --data "$central" >/dev/null
# The daemon serves under memcheck (slow to start: up to 30 s).
daemon_wait_s=30
daemon_start "$central" valgrind -q --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
  --log-file="$work/vg.daemon.log"
vg "$fs" --data "$work/a" init --token "$(vg "$fsd" enroll A01 --data "$central")" >/dev/null
"$fs" --data "$work/m" init --token "$("$fsd" enroll M01 --data "$central")" >/dev/null
for r in $(seq 1 "$rounds"); do
  vg "$fs" --data "$work/a" customer add --name "valgrind card $r 北京" --grade A >/dev/null
  id=$("$fs" --data "$work/a" --json customer list | grep -o '"id": *"[0-9a-f]*"' | tail -1 |
    grep -o '[0-9a-f]\{32\}')
  vg "$fs" --data "$work/a" visit log --customer "$id" --at 2026-11-22T10:00 --method phone \
    >/dev/null
  vg "$fs" --data "$work/a" outbox >/dev/null
  vg "$fs" --data "$work/a" sync >/dev/null
  vg "$fs" --data "$work/m" sync >/dev/null
done
n=$("$fs" --data "$work/m" --json customer list | { grep -o '"kind":"customer"' || true; } | wc -l)
[ "$n" -eq "$rounds" ] || fail "manager sees $n cards, want $rounds"
if ! daemon_stop; then
  cat "$work/vg.daemon.log" >&2
  fail "fieldsyncd serve exited $daemon_rc under valgrind"
fi
runs=$((runs + 1))
echo "valgrind: $runs processes under memcheck (daemon serve + $rounds push/pull rounds of" \
  "CLI add/visit/outbox/sync): 0 errors, 0 definite/indirect leaks; daemon exit 0 on SIGTERM"
echo "PASS valgrind"

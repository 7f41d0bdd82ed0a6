#!/usr/bin/env bash
# Runs the tests that exercise the daemon's threads (writer thread, thread-pool
# pulls, admin socket, libuv async) in a ThreadSanitizer build and fails on any
# report, from the test programs or from the fieldsyncd/fieldsync they start.
# Usage: tests/tsan/run.sh BUILD_DIR   (configured with -DFS_TSAN=ON)
# FS_TSAN_TESTS overrides the ctest -R pattern: 'test_daemon|int_' runs every
# daemon and shell test (about 30 min on 2 busy cores, too long for make test;
# test_daemon_sync's kill -9 round can time out when the machine is loaded).
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
# The writer thread, pull jobs on the thread pool, the admin socket and the
# re-check of sessions after admin commands; 20 devices pushing and pulling
# at once (test_daemon_load, with fewer idle connections than the default);
# fs_sync_cancel from the UI thread while a worker syncs
# (test_daemon_client_api).
pattern=${FS_TSAN_TESTS:-}
[ -n "$pattern" ] || pattern='^(test_daemon_session|test_daemon_handover|test_daemon_load|test_daemon_client_api|int_daemon_cli)$'
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
start=$(date +%s)
# Reports go to files (log_path): a daemon's stderr is its log in a temporary
# data directory that the tests remove; the files survive the test.
export TSAN_OPTIONS="log_path=$reports/tsan suppressions=$here/suppressions.txt second_deadlock_stack=1 history_size=4 ${TSAN_OPTIONS:-}"
export FS_LOAD_CONNS=${FS_LOAD_CONNS:-50}
rc=0
(cd "$build" && ctest -R "$pattern" --output-on-failure -j "${JOBS:-2}") || rc=$?
n=$(find "$reports" -type f | wc -l)
if [ "$n" -gt 0 ]; then
  echo "tsan: $n report file(s):"
  for f in "$reports"/*; do echo "== $f"; cat "$f"; done
  rc=1
fi
echo "tsan: $(($(date +%s) - start)) s, $n report(s), ctest and reports rc $rc"
exit $rc

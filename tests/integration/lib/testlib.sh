# testlib.sh - helpers sourced by the integration tests (not a test: the
# glob in tests/CMakeLists.txt only takes tests/integration/*.sh).
# The sourcing script sets $work (a scratch directory) first.

checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE CMD...: runs CMD, checks its exit code, keeps stdout/stderr
# in $work/out and $work/err.
expect() {
  local want=$1; shift
  local got=0
  "$@" >"$work/out" 2>"$work/err" || got=$?
  if [ "$got" != "$want" ]; then
    echo "--- stdout"; cat "$work/out"; echo "--- stderr"; cat "$work/err"
    fail "exit $got, wanted $want: $*"
  fi
}

# wait_listening OUT PROGRAM PID: waits (up to 5 s) until the file OUT holds
# "PROGRAM listening on port N"; sets $listen_port.  1 if PID exits first or
# the time runs out.
wait_listening() {
  local out=$1 prog=$2 pid=$3
  listen_port=""
  for _ in $(seq 1 100); do
    listen_port=$(sed -n "s/^$prog listening on port \([0-9]*\)\$/\1/p" "$out")
    [ -n "$listen_port" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# start_daemon FSD DATA: runs `FSD serve --data DATA` on a free 127.0.0.1
# port (tries others if the one picked is taken); sets $daemon_pid and
# $port, fails the test if it does not start.  The caller kills it.
start_daemon() {
  local fsd=$1 data=$2 try attempt
  port=""
  daemon_pid=""
  for attempt in $(seq 1 20); do
    try=$((20000 + (RANDOM * 7 + attempt * 131 + $$) % 40000))
    "$fsd" serve --data "$data" --listen "127.0.0.1:$try" >"$work/daemon.out" \
      2>"$work/daemon.err" &
    daemon_pid=$!
    if wait_listening "$work/daemon.out" fieldsyncd "$daemon_pid"; then
      port=$listen_port
      return 0
    fi
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=""
  done
  cat "$work/daemon.err" >&2
  fail "the daemon did not start"
}

# testlib.sh - the one library of the shell tests (tests/integration/*.sh,
# tests/demo.sh, tests/fault/valgrind.sh): scratch directory and cleanup,
# checks, and the one way a test starts, restarts and stops fieldsyncd.
# Not a test (the glob in tests/CMakeLists.txt only takes
# tests/integration/*.sh).
#
#   . "$(dirname "$0")/lib/testlib.sh"
#   testlib_setup NAME          # $work, $bin $fs $fsd, the EXIT trap
#   "$fsd" init --data "$work/central" >/dev/null
#   daemon_start "$work/central"  # serves on 127.0.0.1, sets $port
#   ...
#   daemon_stop_ok              # SIGTERM, exit status 0 (else the trap stops it)

checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# ---- scratch directory and cleanup -------------------------------------------
#
# testlib_setup NAME: a fresh scratch directory $work (under $TMPDIR), the
# binaries $bin (kept if the caller set it, else $FS_BIN), $fs and $fsd,
# FIELDSYNC_HOME / FIELDSYNCD_HOME / FIELDSYNC_LOG unset, and the EXIT trap
# testlib_cleanup.
testlib_setup() {
  bin=${bin:-${FS_BIN:?FS_BIN must point at the bin directory}}
  fs="$bin/fieldsync"
  fsd="$bin/fieldsyncd"
  work=$(mktemp -d "${TMPDIR:-/tmp}/fs-$1.XXXXXX")
  unset FIELDSYNC_HOME FIELDSYNCD_HOME FIELDSYNC_LOG
  trap testlib_cleanup EXIT
}

# at_exit CMD: testlib_cleanup evaluates CMD once the daemon is stopped
# (the last added first), e.g. at_exit 'umount "$central"'.  Errors are
# ignored.
testlib_at_exit=()
at_exit() { testlib_at_exit=("$1" "${testlib_at_exit[@]}"); }

# testlib_cleanup: stops the daemon (daemon_stop), runs the at_exit
# commands, removes $work.  Keeps the script's exit status.
testlib_cleanup() {
  local rc=$? cmd
  daemon_stop >/dev/null 2>&1 || true
  for cmd in "${testlib_at_exit[@]}"; do
    eval "$cmd" || true
  done
  [ -z "${work:-}" ] || rm -rf "$work"
  return $rc
}

# expect CODE CMD...: runs CMD, checks its exit code, keeps stdout/stderr
# in $work/out and $work/err.
expect() {
  local want=$1
  shift
  local got=0
  "$@" >"$work/out" 2>"$work/err" || got=$?
  if [ "$got" != "$want" ]; then
    echo "--- stdout"
    cat "$work/out"
    echo "--- stderr"
    cat "$work/err"
    fail "exit $got, wanted $want: $*"
  fi
}

# wait_listening OUT PROGRAM PID [SECONDS]: waits (up to SECONDS, default
# 5) until the file OUT holds "PROGRAM listening on port N"; sets
# $listen_port.  1 if PID exits first or the time runs out.  The caller
# empties OUT before it starts PID (else a line of an earlier run counts).
wait_listening() {
  local out=$1 prog=$2 pid=$3 end=$((SECONDS + ${4:-5}))
  listen_port=""
  while :; do
    listen_port=$(sed -n "s/^$prog listening on port \([0-9]*\)\$/\1/p" "$out" 2>/dev/null)
    [ -n "$listen_port" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$SECONDS" -le "$end" ] || return 1
    sleep 0.05
  done
}

# ---- fieldsyncd ----------------------------------------------------------------
#
# daemon_start DATA [PREFIX...]: runs `PREFIX... $fsd serve --data DATA
# --listen $daemon_host:PORT` (PREFIX: e.g. valgrind ..., ip netns exec NS)
# and waits until it listens (up to $daemon_wait_s seconds, default 10).
# $daemon_host defaults to 127.0.0.1; PORT is $daemon_port if set, else 0:
# the kernel picks a free one, no race with other tests.  Sets $daemon_pid
# and $port (the bound port); stdout goes to $work/daemon.out, stderr (the
# log) is appended to $work/daemon.err.  Fails the test if it does not
# start.  The EXIT trap stops it.
daemon_host=${daemon_host:-127.0.0.1}
daemon_pid=""
daemon_rc=""
port=""
daemon_start() {
  daemon_data=$1
  shift
  daemon_prefix=("$@")
  port=${daemon_port:-0}
  daemon_serve
}

# daemon_serve: starts the daemon of the last daemon_start again, on the
# same port (a restart after daemon_stop: tokens and replicas keep naming
# it).
daemon_serve() {
  local want=$port
  [ -z "$daemon_pid" ] || fail "daemon_serve: fieldsyncd (pid $daemon_pid) still runs"
  # Emptied here, not by the redirection below: that one happens in the
  # background job, maybe after wait_listening read the last run's line.
  : >"$work/daemon.out"
  ${daemon_prefix[@]+"${daemon_prefix[@]}"} "$fsd" serve --data "$daemon_data" \
    --listen "$daemon_host:$want" >"$work/daemon.out" 2>>"$work/daemon.err" &
  daemon_pid=$!
  if wait_listening "$work/daemon.out" fieldsyncd "$daemon_pid" "${daemon_wait_s:-10}"; then
    port=$listen_port
    return 0
  fi
  kill -KILL "$daemon_pid" 2>/dev/null || true
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=""
  tail -20 "$work/daemon.err" >&2
  fail "fieldsyncd did not start on $daemon_host:$want (data $daemon_data; log above)"
}

# daemon_stop [SIGNAL]: sends SIGNAL (default TERM) to the daemon and
# waits for it to exit: after 10 s (TERM) it is killed.  Its exit status
# goes to $daemon_rc (also the return value).  No daemon: 0.
daemon_stop() {
  local sig=${1:-TERM} pid=$daemon_pid
  daemon_rc=0
  [ -n "$pid" ] || return 0
  daemon_pid=""
  kill "-$sig" "$pid" 2>/dev/null || true
  if [ "$sig" = TERM ]; then
    local end=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -le "$end" ]; do
      sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "fieldsyncd (pid $pid) did not stop within 10 s of SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || daemon_rc=$?
  return "$daemon_rc"
}

# daemon_stop_ok: daemon_stop, and the exit status on SIGTERM must be 0.
daemon_stop_ok() {
  daemon_stop TERM || fail "fieldsyncd exited $daemon_rc on SIGTERM: $(tail -5 "$work/daemon.err")"
}

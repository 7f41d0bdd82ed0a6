# relaylib.sh - helpers for the fault_relay_*.sh tests (issue 16): devices
# sync through tests/tools/faultrelay (FS_BIN/faultrelay) on 127.0.0.1.
# Not a test (the ctest glob takes tests/integration/*.sh only).  Sourced
# after testlib.sh, with $relay_name set: testlib_setup (makes $work, sets
# $fs, $fsd and the cleanup trap), sets $central, adds the relay and
# $watch_pid (if set) to the cleanup, and skips (77) without the sqlite3
# CLI.
#
# Seeds: FS_RELAY_SEED (default: from the date) seeds bash's RANDOM and every
# relay; it is printed, so a failing run is replayed with FS_RELAY_SEED=N.
# Timeouts: every sync runs with --timeout $sync_timeout; each attempt must
# end within $attempt_bound seconds (wall time), or the test fails.

testlib_setup "relay-$relay_name"
relay="$bin/faultrelay"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 CLI not installed"; exit 77; }
central="$work/central"
watch_pid=""
at_exit relay_cleanup
t_start=$(date +%s%N)
seed=${FS_RELAY_SEED:-$(($(date +%s) % 100000))}
RANDOM=$seed
sync_timeout=${FS_RELAY_TIMEOUT:-3}
attempt_bound=$((sync_timeout * 3 + 5))
relay_pid=""
relay_port=""
relay_n=0
relay_log=""
faults_fired=0
echo "relay seed $seed (replay: FS_RELAY_SEED=$seed)"

# rep_world DIR...: a store with one rep, A01, the daemon, and a device of
# A01 enrolled (directly) in each DIR.
rep_world() {
  local dir
  "$fsd" init --data "$central" >/dev/null
  "$fsd" staff add A01 --name "Relay Rep" --data "$central" >/dev/null
  daemon_start "$central"
  for dir in "$@"; do
    enroll A01 "$dir"
  done
}

# enroll CODE DIR: a device of CODE in DIR, enrolled directly.
enroll() {
  "$fs" --data "$2" init --token "$("$fsd" enroll "$1" --data "$central")" >/dev/null
}

# relay_start ARGS...: a faultrelay to the daemon with ARGS (--fault, --rate,
# ...), seeded; sets $relay_pid, $relay_port, $relay_log.
relay_start() {
  relay_n=$((relay_n + 1))
  relay_log="$work/relay.$relay_n.log"
  : >"$work/relay.out" # not the last relay's port line (testlib.sh wait_listening)
  "$relay" --to "127.0.0.1:$port" --seed "$((seed + relay_n))" "$@" \
    >"$work/relay.out" 2>"$relay_log" &
  relay_pid=$!
  if wait_listening "$work/relay.out" faultrelay "$relay_pid"; then
    relay_port=$listen_port
    return 0
  fi
  cat "$relay_log" >&2
  fail "faultrelay did not start: $*"
}

# relay_stop: stops the relay, adds its fired faults to $faults_fired.
relay_stop() {
  [ -n "$relay_pid" ] || return 0
  kill -TERM "$relay_pid" 2>/dev/null || true
  wait "$relay_pid" 2>/dev/null || true
  relay_pid=""
  faults_fired=$((faults_fired + $(grep -c ' fired at byte ' "$relay_log" || true)))
}

# relay_fired: 0 when the current relay's log shows a fault fired.
relay_fired() { grep -q ' fired at byte ' "$relay_log"; }

# What a sync failed by the network must say (one of).
net_cause="was cut|integrity check|no answer|handshake|damaged on the way"

# check_first WHO EXPECT: judges the first sync of a fault case: EXPECT "ok"
# (it must pass), "any" (it may fail, saying a network cause) or a regex its
# failure message must match.
check_first() {
  case $2 in
  ok) [ "$sync_rc" = 0 ] || fail "$1: sync should pass: $(cat "$work/sync.err")" ;;
  any) [ "$sync_rc" = 0 ] || expect_msg "$net_cause" ;;
  *)
    [ "$sync_rc" != 0 ] || fail "$1: sync passed, the fault should have broken it"
    expect_msg "$2"
    ;;
  esac
}

# timed_sync DIR [ARGS...]: one `fieldsync sync` through the relay; exit code
# in $sync_rc, wall time (ms) in $sync_ms, stderr in $work/sync.err; fails
# the test if it ran longer than $attempt_bound s (a hang).
timed_sync() {
  local dir=$1 t0
  shift
  t0=$(date +%s%N)
  sync_rc=0
  timeout $((attempt_bound + 5)) "$fs" --data "$dir" sync --timeout "$sync_timeout" \
    --addr "127.0.0.1:$relay_port" "$@" >"$work/sync.out" 2>"$work/sync.err" || sync_rc=$?
  sync_ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$sync_rc" != 124 ] || fail "sync of $dir hung (killed after $((attempt_bound + 5)) s)"
  [ "$sync_ms" -le $((attempt_bound * 1000)) ] ||
    fail "sync of $dir took $sync_ms ms, over the ${attempt_bound} s bound"
}

# sync_retry DIR: syncs through the relay until it succeeds (at most 6
# attempts); $attempts holds how many it took.
sync_retry() {
  local dir=$1
  attempts=0
  while :; do
    attempts=$((attempts + 1))
    [ "$attempts" -le 6 ] || fail "sync of $dir did not succeed in 6 attempts: $(cat "$work/sync.err")"
    timed_sync "$dir"
    [ "$sync_rc" = 0 ] && return 0
  done
}

# expect_msg REGEX: the last sync's error matches REGEX (grep -E).
expect_msg() {
  grep -Eq -- "$1" "$work/sync.err" ||
    fail "the sync's message does not match /$1/: $(cat "$work/sync.err")"
}

q() { sqlite3 -cmd ".timeout 5000" "$1" "$2"; }

# What a replica must equal: the central rows it may see (FILTER), in
# database DB (main, or an ATTACHed name).
fp_sql() {
  echo "(SELECT group_concat(id || '|' || owner || '|' || coalesce(name,'') || '|' ||
        coalesce(grade,'') || '|' || coalesce(phone,'') || '|' || deleted, ';') FROM
        (SELECT * FROM $1.customers WHERE deleted = 0 $2 ORDER BY id))"
}

# check_replicas FILTER DIR...: each DIR's cards == central's (FILTER, e.g.
# "AND owner='A01'") and its outbox holds nothing pending; one sqlite3 run.
check_replicas() {
  local filter=$1 sql="" n=0 dir out
  shift
  for dir in "$@"; do
    n=$((n + 1))
    sql="$sql ATTACH '$dir/replica.db' AS r$n;"
  done
  sql="$sql SELECT ''"
  n=0
  for dir in "$@"; do
    n=$((n + 1))
    sql="$sql || CASE WHEN $(fp_sql main "$filter") IS $(fp_sql "r$n" "$filter") THEN ''
      ELSE ' $(basename "$dir") differs from central;' END
      || CASE WHEN (SELECT count(*) FROM r$n.outbox WHERE status='pending') = 0 THEN ''
      ELSE ' $(basename "$dir"): outbox not empty;' END"
  done
  out=$(q "$central/central.db" "$sql;")
  [ -z "$out" ] || fail "$out (rows: $filter)"
}

# check_integrity DB...: PRAGMA integrity_check is ok on each.
check_integrity() {
  local db
  for db in "$@"; do
    [ "$(q "$db" "PRAGMA integrity_check")" = ok ] || fail "integrity_check $db"
  done
}

# check_once PREFIX N: central holds exactly N live cards named PREFIX*,
# each name once (nothing lost, nothing doubled).
check_once() {
  local r
  r=$(q "$central/central.db" "SELECT count(*) || ' ' || count(DISTINCT name) FROM customers
      WHERE name LIKE '$1%'")
  [ "$r" = "$2 $2" ] || fail "central has (count, distinct) $r cards '$1*', want $2 once each"
}

relay_cleanup() {
  if [ -n "$watch_pid" ]; then
    kill -TERM "$watch_pid" 2>/dev/null || true
    wait "$watch_pid" 2>/dev/null || true
  fi
  relay_stop
}

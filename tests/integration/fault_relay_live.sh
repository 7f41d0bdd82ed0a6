#!/usr/bin/env bash
# fault_relay_live.sh - issue 16: live sync (`fieldsync sync --watch`, NOTIFY)
# through tests/tools/faultrelay on 127.0.0.1.
#
# Rep A01 has a watching device `w` (through the relay) and a second device
# `x` (direct).  Per case: a fresh relay (shaping on every connection, the
# fault on the first), the watcher starts and goes idle, `x` pushes two cards
# and `w` writes one locally.  Without a fault the watcher must receive x's
# cards live through a NOTIFY (w writes only once they are in, so the only
# pull that can bring them is the one a NOTIFY starts; its "synced:" line
# is counted) and push its own within a bound; with one it must exit within
# its timeout bound saying what happened (and to run `sync --watch` again);
# restarted, it converges: every card once in central, w == x == central.
#
# Frame layout of an idle watcher's connection (PROTOCOL.md 10):
#   down: 1 Noise msg 2 (WELCOME)  2 CHECKPOINT  3 PONG  4 NOTIFY
#         5.. PULL_BATCH, CHECKPOINT, then PUSH_RESULT etc.
#   up:   1 Noise msg 1  2 PULL  3 PING  4 PULL (after NOTIFY) ...
# The test waits for down frame 3 (the PONG) before the changes, so frame 4
# is the NOTIFY.
#
# CI: a representative matrix (6 cases, ~20-50 s).  FS_RELAY_LONG=1: 14 cases.
set -euo pipefail

relay_name=live
. "$(dirname "$0")/lib/testlib.sh"
. "$(dirname "$0")/lib/relaylib.sh"

rep_world "$work/w" "$work/x"
"$fs" --data "$work/w" sync >/dev/null

# wait_for SECONDS CMD...: polls CMD every 50 ms; 1 if it never held.
wait_for() {
  local end=$(($(date +%s%N) / 1000000 + $1 * 1000))
  shift
  until "$@"; do
    [ $(($(date +%s%N) / 1000000)) -lt "$end" ] || return 1
    sleep 0.05
  done
}
central_has() { [ "$(q "$central/central.db" "SELECT count(*) FROM customers WHERE name='$1'")" = 1 ]; }
has_card() { [ "$(q "$1/replica.db" "SELECT count(*) FROM customers WHERE name='$2'")" = 1 ]; }
watch_gone() { ! kill -0 "$watch_pid" 2>/dev/null; }
down_frame() { grep -q "conn $1 down frame $2:" "$relay_log"; }
# live_pulls: pulls the watcher made for a NOTIFY so far (its "synced:" lines).
live_pulls() { grep -c '^synced:' "$work/watch.out" || true; }

# watch_start CONN: the watcher through the relay; waits until it is idle
# (its PONG, down frame 3, passed the relay on connection CONN).
watch_start() {
  "$fs" --data "$work/w" sync --watch --timeout "$sync_timeout" \
    --addr "127.0.0.1:$relay_port" >"$work/watch.out" 2>"$work/watch.err" &
  watch_pid=$!
  wait_for 10 down_frame "$1" 3 || fail "the watcher did not go idle: $(cat "$work/watch.err")"
}

made=0
ncase=0
# run_case NAME EXPECT RELAY_ARGS...: EXPECT is "ok" (the live changes
# arrive) or a regex the watcher's exit message must match.
run_case() {
  local name=$1 expect=$2 t0 lag rc=0 wrote
  shift 2
  ncase=$((ncase + 1))
  relay_start --verbose "$@"
  watch_start 1
  t0=$(date +%s%N)
  for i in 1 2; do
    "$fs" --data "$work/x" customer add --name "live $ncase.$i $name" --grade B >/dev/null
  done
  "$fs" --data "$work/x" sync >/dev/null
  wrote="own $ncase $name"
  made=$((made + 3))
  if [ "$expect" = ok ]; then
    # w's outbox is empty: an idle watcher pulls only for a NOTIFY, and
    # each such pull prints a "synced:" line (the CLI's on_change).
    wait_for 15 has_card "$work/w" "live $ncase.2 $name" ||
      fail "[$name] x's card did not arrive live: $(cat "$work/watch.err")"
    lag=$((($(date +%s%N) - t0) / 1000000))
    [ "$(live_pulls)" -ge 1 ] ||
      fail "[$name] x's cards arrived without a NOTIFY pull: $(cat "$work/watch.out")"
    "$fs" --data "$work/w" customer add --name "$wrote" --grade C >/dev/null
    wait_for 15 central_has "$wrote" || fail "[$name] w's own card was not pushed live"
    kill -TERM "$watch_pid"
    wait "$watch_pid" || fail "[$name] the watcher exited $? on SIGTERM"
    watch_pid=""
    relay_stop
    check_once "live $ncase." 2
    ok "[$name] $* : x's cards live on w through a NOTIFY in $lag ms, w's own card pushed live"
    return 0
  fi
  "$fs" --data "$work/w" customer add --name "$wrote" --grade C >/dev/null
  # The fault ends the watch: within the bound, with a message.
  wait_for "$attempt_bound" watch_gone ||
    fail "[$name] the watcher still runs $attempt_bound s after the changes: a hang"
  wait "$watch_pid" || rc=$?
  watch_pid=""
  [ "$rc" != 0 ] || fail "[$name] the watcher exited 0 after the fault"
  relay_fired || fail "[$name] the fault did not fire"
  grep -Eq -- "$expect" "$work/watch.err" ||
    fail "[$name] the watcher's message does not match /$expect/: $(cat "$work/watch.err")"
  msg=$(head -c 150 "$work/watch.err" | tr '\n' ' ')
  # Restarted (connection 2: no fault), it converges.
  watch_start 2
  wait_for 15 has_card "$work/w" "live $ncase.2 $name" ||
    fail "[$name] x's card did not arrive after the restart: $(cat "$work/watch.err")"
  wait_for 15 central_has "$wrote" ||
    fail "[$name] w's own card did not reach central after the restart"
  kill -TERM "$watch_pid"
  wait "$watch_pid" || fail "[$name] the restarted watcher exited $? on SIGTERM"
  watch_pid=""
  relay_stop
  check_once "live $ncase." 2
  ok "[$name] $* : watcher stopped with \"${msg:0:110}...\"; restarted, converged"
}

again='run fieldsync sync --watch again'
if [ "${FS_RELAY_LONG:-0}" != 1 ]; then
  run_case "3G link" ok --rate 200000 --latency 80 --jitter 40
  run_case "2G link" ok --rate 30000 --latency 300 --jitter 150
  run_case "cut mid-NOTIFY" "was cut while watching for changes.*$again" --fault cut:down:4:2
  # Frame 5 down is the live page or, when the watcher's own card goes up
  # first, its PUSH_RESULT: either way the message says what was lost.
  run_case "corrupt live page" \
    "integrity check.*(while receiving updates|to confirm .* change).*$again" \
    --latency 50 --jitter 30 --fault corrupt:down:5:30
  run_case "half-close up before the live PULL" "was cut while receiving updates.*$again" \
    --fault halfclose:up:4:0
  run_case "stall live page past the timeout" "no answer from .* for $sync_timeout s.*$again" \
    --fault "stall:down:5:0:$((sync_timeout * 1000 + 1500))"
else
  for f in cut:down:4:0 cut:down:4:10 cut:down:5:3 cut:down:6:20 reset:down:5:40 \
    corrupt:down:4:10 corrupt:down:5:8 corrupt:down:6:30 halfclose:down:4:0 \
    halfclose:down:5:10 cut:up:4:5 corrupt:up:4:10 halfclose:up:4:0 corrupt:up:5:20; do
    run_case "$f" "$net_cause" --rate $((30000 + RANDOM * 5)) \
      --latency $((RANDOM % 300)) --jitter $((RANDOM % 100)) --fault "$f"
  done
fi

# x takes everything w pushed; then both equal central.
"$fs" --data "$work/x" sync >/dev/null
"$fs" --data "$work/w" sync >/dev/null
check_once "live " $((made / 3 * 2))
check_once "own " $((made / 3))
check_replicas "AND owner='A01'" "$work/w" "$work/x"
check_integrity "$central/central.db" "$work/w/replica.db" "$work/x/replica.db"
echo "PASS fault_relay_live: $ncase cases, $faults_fired faults fired, $made cards each once" \
  "in central, w == x == central; $((($(date +%s%N) - t_start) / 1000000)) ms (seed $seed)"

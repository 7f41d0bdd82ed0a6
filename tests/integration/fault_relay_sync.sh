#!/usr/bin/env bash
# fault_relay_sync.sh - issue 16: push and pull over a bad network that
# every run has (tests/tools/faultrelay on 127.0.0.1; no root, no netem).
#
# Two devices of rep A01: `a` creates cards (and edits one) and pushes them
# through a relay with one fault; `a2` pulls them through a relay with the
# same fault (frame positions mean other messages there: its first frames
# down are WELCOME, then pull pages).  Every sync that fails must say what
# happened (the message is checked per case), no attempt may run past its
# timeout bound, and the retries (through the same relay; faults hit its
# first connection only, shaping all) converge: every card in central.db
# exactly once, both replicas == central, outboxes empty.
#
# Frame layout of `a`'s sync (PROTOCOL.md 1, 10), used to aim the faults:
#   up:   1 Noise msg 1 (HELLO)  2 PUSH  3 PULL  4 BYE
#   down: 1 Noise msg 2 (WELCOME)  2 PUSH_RESULT (the ack)  3.. PULL_BATCH
#         per kind  last CHECKPOINT
# FAULT:DIR:FRAME:OFFSET: OFFSET counts from the frame's length header (4 =
# first body byte), see tests/tools/faultrelay.c.
#
# CI: a representative matrix (11 cases, ~20-40 s).  FS_RELAY_LONG=1 (make
# check-long) adds 3 named cases and every fault kind x direction x frame 1-5
# x 3 offsets, under random 2G/3G shaping, all from the printed seed.
set -euo pipefail

relay_name=sync
. "$(dirname "$0")/lib/testlib.sh"
. "$(dirname "$0")/lib/relaylib.sh"

rep_world "$work/a" "$work/a2"

made=0
ncase=0
# run_case NAME EXPECT_A EXPECT_A2 RELAY_ARGS...: one fault case.  EXPECT_*
# is a regex the failing sync's message must match, "ok" when the sync must
# succeed at once, or "any" (either, and a failure must still name a
# network cause).
run_case() {
  local name=$1 ea=$2 ea2=$3 first_ms na=1
  shift 3
  ncase=$((ncase + 1))
  for i in 1 2; do
    "$fs" --data "$work/a" customer add --name "card $ncase.$i $name" --grade B \
      --address "street $RANDOM, $(head -c $((RANDOM % 150)) /dev/zero | tr '\0' x)" >/dev/null
  done
  made=$((made + 2))
  # an edit of an older card too (an update travels, not only creates)
  if [ "$ncase" -gt 1 ]; then
    "$fs" --data "$work/a" customer edit \
      "$(q "$work/a/replica.db" "SELECT id FROM customers ORDER BY random() LIMIT 1")" \
      --phone "010-$RANDOM" >/dev/null
  fi

  relay_start "$@"
  timed_sync "$work/a"
  first_ms=$sync_ms
  check_first "[$name] a" "$ea"
  relay_fired || [ "$ea" = any ] || [ "$ea" = ok ] || fail "[$name] the fault did not fire"
  msg_a=$(head -c 160 "$work/sync.err")
  if [ "$sync_rc" != 0 ]; then
    sync_retry "$work/a"
    na=$((attempts + 1))
  fi
  relay_stop
  check_once "card $ncase." 2

  relay_start "$@"
  timed_sync "$work/a2"
  check_first "[$name] a2" "$ea2"
  [ "$sync_rc" = 0 ] || sync_retry "$work/a2"
  relay_stop
  check_replicas "AND owner='A01'" "$work/a" "$work/a2"
  ok "[$name] $* : a ${first_ms} ms ($(printf %s "$msg_a" | tr '\n' ' ' | cut -c1-90)...)," \
    "a synced at attempt $na: cards once in central, both replicas == central"
}

cut='was cut'
confirm='while waiting for the daemon to confirm [0-9]+ change\(s\): they stay in the outbox'
integrity='failed its integrity check \(damaged or altered on the way'
pull='while receiving updates: what was confirmed or fully received is kept'
hs='closed before the handshake finished: the network dropped it'

# The CI cases (each named fault once, the messages checked exactly).
run_case "cut mid-handshake (msg 1)" "$hs" "$hs" --fault cut:up:1:50
run_case "corrupt msg 2" "cryptographic check: a message was damaged on the way \(retry\)" \
  any --fault corrupt:down:1:40
run_case "cut mid-PUSH" "$cut.*$confirm" any --fault cut:up:2:100
run_case "cut mid-ack" "$cut.*$confirm" "$cut.*$pull" --fault cut:down:2:10
run_case "corrupt ack" "$integrity.*$confirm" "$integrity.*$pull" --fault corrupt:down:2:20
run_case "corrupt the ack's length" "$integrity.*$confirm" any --fault corrupt:down:2:0
run_case "corrupt PUSH" "$cut.*$confirm" any --fault corrupt:up:2:100
run_case "half-close down after ack" "$cut.*$pull" any --fault halfclose:down:3:0
run_case "reset mid-page on 2G" "$cut.*$pull" "$cut" --rate 30000 --latency 150 --jitter 100 \
  --fault reset:down:3:100
run_case "stall past the timeout" "no answer from .* for $sync_timeout s.*$confirm" \
  "no answer from .* for $sync_timeout s" --fault "stall:down:2:0:$((sync_timeout * 1000 + 1500))"
run_case "stall under the timeout, 2G" ok ok --rate 30000 --latency 100 --jitter 50 \
  --fault stall:down:2:0:1000
if [ "${FS_RELAY_LONG:-0}" = 1 ]; then
  run_case "clean 3G link" ok ok --rate 200000 --latency 80 --jitter 40
  run_case "corrupt msg 2's length" "does not answer like a fieldsyncd.*damaged on the way" \
    any --fault corrupt:down:1:0
  run_case "half-close up before PUSH" "$cut.*$confirm" any --fault halfclose:up:2:0
  for kind in cut reset halfclose corrupt stall; do
    for dir in up down; do
      for frame in 1 2 3 4 5; do
        for off in 0 2 $((4 + RANDOM % 60)); do
          shape=()
          case $((RANDOM % 3)) in
          0) shape=(--rate 30000 --latency $((100 + RANDOM % 200)) --jitter $((RANDOM % 150))) ;;
          1) shape=(--rate 200000 --latency $((RANDOM % 100)) --jitter $((RANDOM % 50))) ;;
          esac
          f="$kind:$dir:$frame:$off"
          [ "$kind" = stall ] && f="$f:$((RANDOM % 2 * (sync_timeout * 1000 + 1000) + 500))"
          run_case "$f" any any "${shape[@]}" --fault "$f"
        done
      done
    done
  done
fi

check_once "card " "$made"
check_integrity "$central/central.db" "$work/a/replica.db" "$work/a2/replica.db"
echo "PASS fault_relay_sync: $ncase cases, $faults_fired faults fired, $made cards each" \
  "once in central, both replicas == central; $((($(date +%s%N) - t_start) / 1000000)) ms" \
  "(seed $seed)"

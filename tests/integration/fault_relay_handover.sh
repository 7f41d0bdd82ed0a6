#!/usr/bin/env bash
# fault_relay_handover.sh - issue 16: a departure's handover over a bad
# network (tests/tools/faultrelay on 127.0.0.1).
#
# Per case a rep Rk (own device `rk`) has 2 cards synced and, offline, 2 new
# cards and an edit of a synced one; then `fieldsyncd depart Rk --successor
# A02` while the daemon runs.  rk syncs through a relay with a fault: its
# final upload (PROTOCOL.md 7.3) fails with a message, the retries go on
# until the device is erased.  Then the successor's device `b` pulls the
# handed-over cards through a relay with a fault of its own, retried until
# it succeeds; the manager `m` syncs directly.  Checked: each of Rk's cards
# once in central, owned by A02, with rk's offline edit; rk's data
# directory gone; b == central (A02's rows), m == central (all rows).
#
# Frame layout of rk's final session: up 1 msg 1, 2 PUSH; down 1 msg 2,
# 2 PUSH_RESULT, 3 WIPE.  b's: down 1 msg 2, 2.. PULL_BATCH, CHECKPOINT.
#
# CI: a representative matrix (4 cases, ~20-60 s).  FS_RELAY_LONG=1: 10 cases.
set -euo pipefail

relay_name=handover
. "$(dirname "$0")/lib/testlib.sh"
. "$(dirname "$0")/lib/relaylib.sh"

if [ "${FS_RELAY_LONG:-0}" != 1 ]; then
  cases=(
    "cut mid-ack of the final upload;cut:down:2:10;was cut while waiting for the daemon to confirm;cut:down:2:200"
    "corrupt final upload;corrupt:up:2:60;was cut while waiting for the daemon to confirm;corrupt:down:2:100"
    "half-close down before the ack on 2G;halfclose:down:2:0;was cut while waiting for the daemon to confirm;halfclose:up:2:0"
    "stall before the ack;stall:down:2:0:$((sync_timeout * 1000 + 1500));no answer from .* for $sync_timeout s;stall:down:3:0:$((sync_timeout * 1000 + 1500))"
  )
else
  cases=()
  for f in cut:up:1:60 cut:up:2:0 cut:up:2:30 reset:down:1:20 cut:down:2:4 corrupt:down:2:30 \
    corrupt:up:1:50 halfclose:up:2:10 corrupt:down:1:90 reset:down:2:40; do
    cases+=("$f;$f;$net_cause;$f")
  done
fi

"$fsd" init --data "$central" >/dev/null
"$fsd" staff add M01 --name "Manager" --role manager --data "$central" >/dev/null
"$fsd" staff add A02 --name "Successor" --manager M01 --data "$central" >/dev/null
for k in $(seq 1 ${#cases[@]}); do
  "$fsd" staff add "R$k" --name "Leaver $k" --manager M01 --data "$central" >/dev/null
done
daemon_start "$central"
enroll A02 "$work/b"
enroll M01 "$work/m"
for k in $(seq 1 ${#cases[@]}); do
  enroll "R$k" "$work/r$k"
  "$fs" --data "$work/r$k" customer add --name "handed $k.1" --grade B >/dev/null
  "$fs" --data "$work/r$k" customer add --name "handed $k.2" --grade B >/dev/null
  "$fs" --data "$work/r$k" sync >/dev/null
done

# Each case: NAME;FAULT on rk;REGEX its first sync's message must match;FAULT on b.
k=0
for c in "${cases[@]}"; do
  k=$((k + 1))
  IFS=';' read -r name fa expect fb <<<"$c"
  dir="$work/r$k"
  # offline work of the leaver, then the departure
  "$fs" --data "$dir" customer add --name "handed $k.3" --grade B >/dev/null
  "$fs" --data "$dir" customer add --name "handed $k.4" --grade B >/dev/null
  edited=$(q "$dir/replica.db" "SELECT id FROM customers WHERE name='handed $k.1'")
  "$fs" --data "$dir" customer edit "$edited" --phone "0$k-$RANDOM" >/dev/null
  phone=$(q "$dir/replica.db" "SELECT phone FROM customers WHERE id='$edited'")
  "$fsd" depart "R$k" --successor A02 --yes --data "$central" >/dev/null

  shape=()
  [ "$k" = 3 ] && shape=(--rate 30000 --latency 200 --jitter 100)
  relay_start "${shape[@]}" --fault "$fa"
  timed_sync "$dir"
  [ "$sync_rc" != 0 ] || fail "[$name] the final upload passed through the fault"
  expect_msg "$expect"
  relay_fired || fail "[$name] the fault did not fire"
  msg=$(head -c 140 "$work/sync.err" | tr '\n' ' ')
  erased_at=1
  until grep -q "has been erased" "$work/sync.err"; do
    erased_at=$((erased_at + 1))
    [ "$erased_at" -le 6 ] || fail "[$name] $dir not erased after 6 attempts: $(cat "$work/sync.err")"
    timed_sync "$dir"
  done
  erased_msg=$(tail -1 "$work/sync.err" | cut -c1-160)
  relay_stop
  [ ! -e "$dir" ] || fail "[$name] $dir still exists after the wipe"
  check_once "handed $k." 4
  [ "$(q "$central/central.db" "SELECT count(*) FROM customers WHERE name LIKE 'handed $k.%'
        AND owner='A02'")" = 4 ] || fail "[$name] not every card of R$k went to A02"
  [ "$(q "$central/central.db" "SELECT phone FROM customers WHERE id='$edited'")" = "$phone" ] ||
    fail "[$name] the leaver's offline edit was lost"

  relay_start "${shape[@]}" --fault "$fb"
  timed_sync "$work/b"
  check_first "[$name] b" any
  [ "$sync_rc" = 0 ] || sync_retry "$work/b"
  relay_stop
  "$fs" --data "$work/m" sync >/dev/null
  check_replicas "AND owner='A02'" "$work/b"
  check_replicas "" "$work/m"
  ok "[$name] rk: $fa -> \"${msg:0:100}...\", erased at attempt $erased_at ($erased_msg);" \
    "b: $fb; R$k's 4 cards once in central with A02, b and m == central"
done
check_integrity "$central/central.db" "$work/b/replica.db" "$work/m/replica.db"
echo "PASS fault_relay_handover: $k departures, $faults_fired faults fired;" \
  "$((($(date +%s%N) - t_start) / 1000000)) ms (seed $seed)"

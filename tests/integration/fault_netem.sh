#!/usr/bin/env bash
# fault_netem.sh - issue 7: sync over a bad network.
#
# Creates two network namespaces of its own (fsnA-PID: the daemon, fsnB-PID:
# the devices) joined by a veth pair with TEST-NET-1 addresses (192.0.2.1
# and 192.0.2.2; the traffic never leaves the two namespaces), and shapes
# both ends with tc netem: 10% loss, 50 ms +- 20 ms delay, 5% reordering.
# Then:
#   1. a rep device pushes FS_NETEM_CARDS (default 200) cards; the link is cut
#      (ip link set down) 1 s into the sync and restored 3 s later;
#   2. a second device of the same rep pulls them all, cut the same way;
# each sync is retried until it succeeds (at most 6 attempts).  Checked:
# every card in central.db exactly once, the outbox empty, both replicas
# equal to the central rows of their owner, integrity_check ok everywhere.
#
# Needs root, ip netns and tc netem; otherwise prints SKIP and exits 77.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
cards=${FS_NETEM_CARDS:-200}
nsA="fsnA-$$"
nsB="fsnB-$$"
vA="fsvA$$"
vB="fsvB$$"
vA=${vA:0:15}
vB=${vB:0:15}

skip() {
  echo "SKIP: $*"
  exit 77
}
[ "$(id -u)" = 0 ] || skip "fault_netem needs root for ip netns and tc"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
command -v tc >/dev/null || skip "tc (iproute2) not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"

testlib_setup netem
at_exit 'ip netns del "$nsA" 2>/dev/null; ip netns del "$nsB" 2>/dev/null'
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/daemon.err" ] && tail -20 "$work/daemon.err" >&2
  exit 1
}
q() { sqlite3 -cmd ".timeout 5000" "$1" "$2"; }

ip netns add "$nsA" 2>"$work/ns.err" || skip "cannot create a network namespace: $(cat "$work/ns.err")"
ip netns add "$nsB" 2>"$work/ns.err" || skip "cannot create a network namespace: $(cat "$work/ns.err")"
ip link add "$vA" netns "$nsA" type veth peer name "$vB" netns "$nsB" 2>"$work/ns.err" ||
  skip "cannot create a veth pair: $(cat "$work/ns.err")"
ip -n "$nsA" link set lo up
ip -n "$nsB" link set lo up
ip -n "$nsA" addr add 192.0.2.1/24 dev "$vA"
ip -n "$nsB" addr add 192.0.2.2/24 dev "$vB"
ip -n "$nsA" link set "$vA" up
ip -n "$nsB" link set "$vB" up
netem="loss 10% delay 50ms 20ms reorder 5%"
modprobe sch_netem 2>/dev/null || true # a kernel that has it as a module
if ! ip netns exec "$nsB" tc qdisc add dev "$vB" root netem $netem 2>"$work/tc.err" ||
  ! ip netns exec "$nsA" tc qdisc add dev "$vA" root netem $netem 2>"$work/tc.err"; then
  # FS_NETEM_NONE=1 runs the link cuts without shaping (kernels without
  # sch_netem); it says so loudly.  Otherwise this is a skip, never a pass.
  [ "${FS_NETEM_NONE:-0}" = 1 ] ||
    skip "tc netem unavailable (kernel module sch_netem?): $(cat "$work/tc.err")"
  netem="NO SHAPING (FS_NETEM_NONE=1: tc netem unavailable: $(cat "$work/tc.err"))"
  echo "WARNING: running WITHOUT netem loss/delay/reorder: only the link cuts are tested"
fi
echo "namespaces $nsA (daemon, 192.0.2.1) and $nsB (devices, 192.0.2.2); netem on both" \
  "ends: $netem"
unset FIELDSYNC_HOME FIELDSYNCD_HOME FIELDSYNC_LOG

central="$work/central"
"$fsd" init --data "$central" >/dev/null
"$fsd" staff add A01 --name "Netem Rep" --data "$central" >/dev/null
# The daemon in namespace A on its TEST-NET-1 address.
daemon_host=192.0.2.1
daemon_port=7700
daemon_start "$central" ip netns exec "$nsA"

inB() { ip netns exec "$nsB" "$@"; }
t0=$(date +%s%N)
inB "$fs" --data "$work/a" init --token "$("$fsd" enroll A01 --data "$central")" >/dev/null ||
  fail "enroll over netem"
inB "$fs" --data "$work/a2" init --token "$("$fsd" enroll A01 --data "$central")" >/dev/null ||
  fail "enroll over netem"
echo "enrolled 2 devices over the shaped link in $((($(date +%s%N) - t0) / 1000000)) ms"
for i in $(seq 1 "$cards"); do
  "$fs" --data "$work/a" customer add --name "netem card $i 北京" --grade B \
    --address "$(printf 'addr%.0s' $(seq 1 20))" >/dev/null
done

cuts=0
# sync_with_cut DIR: one sync with the link cut 1 s in for 3 s, then retries.
sync_with_cut() {
  local dir=$1 attempt rc spid
  t0=$(date +%s%N)
  inB "$fs" --data "$dir" sync --page 20 >"$work/sync.out" 2>"$work/sync.err" &
  spid=$!
  sleep 1
  mid=no
  kill -0 "$spid" 2>/dev/null && mid=yes
  ip -n "$nsB" link set "$vB" down
  cuts=$((cuts + 1))
  sleep 3
  ip -n "$nsB" link set "$vB" up
  rc=0
  wait "$spid" || rc=$?
  echo "  sync of $(basename "$dir") with the link cut 1 s in for 3 s (still syncing at the" \
    "cut: $mid): exit $rc" \
    "$(head -1 "$work/sync.err")"
  attempt=1
  while [ "$rc" != 0 ]; do
    attempt=$((attempt + 1))
    [ "$attempt" -le 6 ] || fail "sync of $dir did not succeed in 6 attempts"
    rc=0
    inB "$fs" --data "$dir" sync --page 20 >"$work/sync.out" 2>"$work/sync.err" || rc=$?
    echo "  retry $attempt: exit $rc $(head -1 "$work/sync.err")"
  done
  echo "  $(basename "$dir") synced after $attempt attempt(s), $((($(date +%s%N) - t0) / 1000000)) ms"
}
echo "1. push $cards cards"
sync_with_cut "$work/a"
echo "2. pull them on a second device"
sync_with_cut "$work/a2"
inB "$fs" --data "$work/a" sync >/dev/null 2>&1 || inB "$fs" --data "$work/a" sync >/dev/null ||
  fail "final sync"

c=$(q "$central/central.db" "SELECT count(*) FROM customers")
d=$(q "$central/central.db" "SELECT count(DISTINCT name) FROM customers")
[ "$c" -eq "$cards" ] && [ "$d" -eq "$cards" ] || fail "central has $c cards ($d distinct), want $cards"
[ "$(q "$work/a/replica.db" "SELECT count(*) FROM outbox")" -eq 0 ] || fail "outbox not empty"
fp="SELECT group_concat(id || name || coalesce(address,''), ';') FROM (SELECT * FROM customers ORDER BY id)"
want=$(q "$central/central.db" "$fp")
[ "$(q "$work/a/replica.db" "$fp")" = "$want" ] || fail "device a differs from central"
[ "$(q "$work/a2/replica.db" "$fp")" = "$want" ] || fail "device a2 differs from central"
for db in "$central/central.db" "$work/a/replica.db" "$work/a2/replica.db"; do
  [ "$(q "$db" "PRAGMA integrity_check")" = ok ] || fail "integrity_check $db"
done
stats=$(ip netns exec "$nsB" tc -s qdisc show dev "$vB" | sed -n 's/.*Sent \([0-9]*\) bytes \([0-9]*\) pkt (dropped \([0-9]*\).*/\2 packets sent, \3 dropped/p' | head -1)
echo "netem: $cards cards pushed and pulled over a link with $netem and $cuts cuts of 3 s" \
  "($stats by netem on the device side); central has each card once, both replicas" \
  "== central, outbox empty, integrity_check ok on 3 databases"
daemon_stop_ok
echo "PASS fault_netem"

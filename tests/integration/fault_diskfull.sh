#!/usr/bin/env bash
# fault_diskfull.sh - issue 7: disk full, on the daemon and on a client.
#
# Needs root (mount -t tmpfs); otherwise prints SKIP and exits 77.
#
# Daemon: central.db lives on a small tmpfs, filled with a filler file so
# only a few hundred KiB are left.  A device creates cards in batches and
# syncs after each batch until the daemon's store is full.  Checked:
#   - the failing sync exits non-zero with a message saying the disk is full;
#   - nothing is lost or doubled at any point: cards in central.db + cards
#     still pending in the device's outbox == cards created;
#   - the daemon keeps running; after the tmpfs is remounted bigger
#     (mount -o remount,size=64m) the next sync succeeds and every card is
#     in central.db exactly once; integrity_check ok.
# Client: a second device of A01 whose replica sits on a 4 MiB tmpfs with
# ~600 KiB free: `customer add` fails
# with a clear disk-full error, earlier cards are intact, and after a
# remount everything created syncs.
#
# FS_DISKFULL_BATCH (default 60 cards per batch) sets the pace.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
batch=${FS_DISKFULL_BATCH:-60}

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: fault_diskfull needs root to mount a tmpfs"
  exit 77
fi
testlib_setup diskfull
mounts=()
at_exit 'for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done'
central="$work/central"
mkdir -p "$central"
if ! mount -t tmpfs -o size=2m tmpfs "$central" 2>"$work/mount.err"; then
  echo "SKIP: cannot mount a tmpfs: $(cat "$work/mount.err")"
  exit 77
fi
mounts+=("$central")

fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/daemon.err" ] && tail -20 "$work/daemon.err" >&2
  exit 1
}
q() { sqlite3 -cmd ".timeout 5000" "$1" "$2"; }

"$fsd" init --data "$central" >/dev/null
"$fsd" staff add A01 --name "Disk Full" --data "$central" >/dev/null

daemon_start "$central"
dev="$work/dev"
"$fs" --data "$dev" init --token "$("$fsd" enroll A01 --data "$central")" >/dev/null

# Leave about 256 KiB free on the daemon's filesystem.
avail_kb=$(df -k --output=avail "$central" | tail -1 | tr -d ' ')
fill_kb=$((avail_kb - 256))
[ "$fill_kb" -gt 0 ] && dd if=/dev/zero of="$central/filler" bs=1k count="$fill_kb" status=none 2>/dev/null || true
echo "daemon tmpfs: 2 MiB, $(df -k --output=avail "$central" | tail -1 | tr -d ' ') KiB free after the filler"

long=$(printf 'x%.0s' $(seq 1 180))
created=0
acked_before=0
full_seen=0
batches=0
pending_cards() { q "$dev/replica.db" "SELECT count(*) FROM outbox WHERE kind='customer' AND status='pending'" 2>/dev/null || "$fs" --data "$dev" outbox | grep -c customer; }
central_cards() { q "$central/central.db" "SELECT count(*) FROM customers"; }
add_batch() {
  local i
  for i in $(seq 1 "$batch"); do
    created=$((created + 1))
    "$fs" --data "$dev" customer add --name "card $created $long" --grade B \
      --address "$long" --principal "$long" --industry "$long" >/dev/null
  done
}
while [ "$batches" -lt 60 ]; do
  add_batch
  batches=$((batches + 1))
  rc=0
  "$fs" --data "$dev" sync >"$work/sync.out" 2>"$work/sync.err" || rc=$?
  c=$(central_cards)
  p=$(q "$dev/replica.db" "SELECT count(*) FROM outbox WHERE status='pending' AND kind='customer'")
  # Never lost, never doubled: stored + still pending == created.
  [ $((c + p)) -eq "$created" ] || fail "batch $batches: central $c + pending $p != created $created"
  [ "$c" -ge "$acked_before" ] || fail "batch $batches: central lost cards ($acked_before -> $c)"
  acked_before=$c
  if [ "$rc" != 0 ]; then
    grep -qi "full" "$work/sync.err" || { cat "$work/sync.err"; fail "sync failed without a disk-full message"; }
    [ "$p" -gt 0 ] || fail "sync failed but the outbox is empty"
    full_seen=1
    echo "batch $batches: sync refused ($(head -1 "$work/sync.err")); central $c cards, outbox keeps $p"
    break
  fi
done
[ "$full_seen" = 1 ] || fail "the daemon's store never filled ($created cards)"
kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon died on a full disk"
# A second attempt while still full: still refused, still nothing lost.
rc=0
"$fs" --data "$dev" sync >"$work/sync.out" 2>"$work/sync.err" || rc=$?
c=$(central_cards)
p=$(q "$dev/replica.db" "SELECT count(*) FROM outbox WHERE status='pending' AND kind='customer'")
[ $((c + p)) -eq "$created" ] || fail "retry while full: central $c + pending $p != created $created"
echo "retry while full: exit $rc, central $c + pending $p == created $created"
kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon died on a full disk"

# Space returns.
mount -o remount,size=64m "$central" || fail "remount"
"$fs" --data "$dev" sync >"$work/sync.out" 2>"$work/sync.err" || { cat "$work/sync.err"; fail "sync after space returned"; }
c=$(central_cards)
p=$(q "$dev/replica.db" "SELECT count(*) FROM outbox WHERE status='pending'")
d=$(q "$central/central.db" "SELECT count(DISTINCT name) FROM customers")
[ "$c" -eq "$created" ] && [ "$d" -eq "$created" ] && [ "$p" -eq 0 ] ||
  fail "after remount: central $c (distinct $d), pending $p, created $created"
[ "$(q "$central/central.db" "PRAGMA integrity_check")" = ok ] || fail "central integrity_check"
echo "daemon disk full: $batches batches of $batch cards; store filled at $acked_before cards;" \
  "pushes refused with a disk-full error and kept in the outbox; after remount 64m all" \
  "$created cards stored exactly once, outbox empty, integrity_check ok"

# --- the client's replica on a full disk ---------------------------------
cdir="$work/client"
mkdir -p "$cdir"
mount -t tmpfs -o size=4m tmpfs "$cdir" || fail "mount client tmpfs"
mounts+=("$cdir")
cdev="$cdir/dev"
"$fs" --data "$cdev" init --token "$("$fsd" enroll A01 --data "$central")" >/dev/null
"$fs" --data "$cdev" sync >/dev/null 2>"$work/csync.err" || true
avail_kb=$(df -k --output=avail "$cdir" | tail -1 | tr -d ' ')
fill_kb=$((avail_kb - 600))
[ "$fill_kb" -gt 0 ] && dd if=/dev/zero of="$cdir/filler" bs=1k count="$fill_kb" status=none 2>/dev/null || true
made=0
refused=""
for i in $(seq 1 5000); do
  if "$fs" --data "$cdev" customer add --name "client card $i $long" --grade C \
    --address "$long" --principal "$long" >/dev/null 2>"$work/cadd.err"; then
    made=$((made + 1))
  else
    refused=$(head -1 "$work/cadd.err")
    break
  fi
done
[ -n "$refused" ] || fail "the client replica never filled"
[ "$made" -gt 0 ] || fail "the client could not write a single card with 600 KiB free"
echo "$refused" | grep -qi "full" || fail "client write refused without a disk-full message: $refused"
n=$(q "$cdev/replica.db" "SELECT count(*) FROM customers WHERE name LIKE 'client card %'")
[ "$n" -eq "$made" ] || fail "client: $made cards made, $n in the replica"
[ "$(q "$cdev/replica.db" "PRAGMA integrity_check")" = ok ] || fail "client integrity_check"
echo "client disk full: write $((made + 1)) refused ('$refused'); the $made earlier cards intact"
mount -o remount,size=64m "$cdir" || fail "remount client"
"$fs" --data "$cdev" customer add --name "client card after" --grade C >/dev/null ||
  fail "client write after space returned"
"$fs" --data "$cdev" sync >"$work/sync.out" 2>"$work/sync.err" || { cat "$work/sync.err"; fail "client sync after remount"; }
n=$(q "$central/central.db" "SELECT count(*) FROM customers WHERE name LIKE 'client card %'")
[ "$n" -eq $((made + 1)) ] || fail "client: central has $n of $((made + 1)) cards"
[ "$(q "$cdev/replica.db" "PRAGMA integrity_check")" = ok ] || fail "client integrity_check"
echo "client disk full: after remount 64m the replica takes writes again and all" \
  "$((made + 1)) cards synced; integrity_check ok"
daemon_stop_ok
echo "PASS fault_diskfull"

#!/usr/bin/env bash
# perm_private.sh - issue 11, hole 5: the data directories of both programs
# are private whoever made them.  Directories made beforehand with mode 0755
# and a umask of 022: after init / serve / sync every file in them is 0600
# and every directory 0700 (stat); a replica left 0644 (with its -wal/-shm)
# by an older version is fixed on open with a warning; a group-readable data
# directory is fixed with a warning naming it; a directory owned by another
# user is refused (when the test can make one: root only).
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup perm

umask 022
central=$work/central
dev=$work/device
mkdir -m 0755 "$central" "$dev"

# all_private DIR: every regular file and socket 0600, every directory 0700.
all_private() {
  local bad
  bad=$(find "$1" \( -type d ! -perm 0700 \) -o \( \( -type f -o -type s \) ! -perm 0600 \) \
    -printf '%m %p\n')
  [ -z "$bad" ] || fail "not private in $1: $bad"
}

expect 0 "$fsd" --data "$central" init
grep -q "changed it to 0700" "$work/err" || fail "init did not warn about the 0755 directory"
grep -q "$central" "$work/err" || fail "the warning does not name $central"
all_private "$central"
ok "fieldsyncd init: directory 0700 with a warning, files 0600"

expect 0 "$fsd" --data "$central" staff add A01 --name "Secret Name" --role rep
daemon_start "$central"
[ -S "$central/admin.sock" ] || fail "no admin.sock in $central"

token=$("$fsd" --data "$central" enroll A01)
expect 0 "$fs" --data "$dev" init --token "$token"
grep -q "changed it to 0700" "$work/err" || fail "init --token did not warn about the 0755 directory"
expect 0 "$fs" --data "$dev" customer add --name "Zhang Wei Secret" --grade B --phone 13912345678
expect 0 "$fs" --data "$dev" sync
# -wal and -shm exist while a connection is open: look while sync --watch runs.
"$fs" --data "$dev" sync --watch >"$work/watch.out" 2>&1 &
watch_pid=$!
for _ in $(seq 1 200); do
  [ -e "$dev/replica.db-shm" ] && [ -e "$dev/replica.db-wal" ] && break
  sleep 0.05
done
[ -e "$dev/replica.db-wal" ] || fail "expected a WAL file in $dev while sync --watch runs"
[ -e "$central/central.db-wal" ] || fail "expected a WAL file in $central while serving"
all_private "$dev"
all_private "$central"
kill "$watch_pid"
wait "$watch_pid" 2>/dev/null || true
ok "after serve and sync: every file 0600 and directory 0700 (central incl. admin.sock, device)"

daemon_stop

# An old replica: files 0644 in a 0750 directory (as an older fieldsync left them).
chmod 0644 "$dev"/replica.db* "$dev/device.key.pub"
chmod 0750 "$dev"
expect 0 "$fs" --data "$dev" customer list
grep -q "Zhang Wei Secret" "$work/out" || fail "the old replica does not open"
grep -q "$dev was open to other users (mode 0750); changed it to 0700" "$work/err" ||
  fail "no warning naming the group-readable directory: $(cat "$work/err")"
grep -q "$dev/replica.db was readable by other users" "$work/err" ||
  fail "no warning naming the 0644 replica.db"
find "$dev" -name 'replica.db*' ! -perm 0600 | grep -q . && fail "replica.db files not fixed"
ok "an old 0644 replica in a group-readable directory is fixed with warnings"

# The daemon's old files too.
chmod 0644 "$central"/central.db* "$central/fieldsyncd.conf"
chmod 0755 "$central"
expect 0 "$fsd" --data "$central" staff list
grep -q "changed it to 0700" "$work/err" || fail "fieldsyncd did not warn about its directory"
grep -q "fieldsyncd.conf was readable by other users" "$work/err" || fail "config not fixed"
all_private "$central"
ok "an old 0644 central store and config are fixed with warnings"

# A directory owned by someone else is refused: run as nobody (root only)
# on a directory owned by root that nobody may enter and write.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  other=$work/other
  mkdir -m 0700 "$other"
  cp "$dev"/replica.db "$other/"
  chown 65534 "$other/replica.db"
  chmod 0777 "$other"
  chmod 0711 "$work"
  expect 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$fs" --data "$other" \
    customer list
  grep -q "$other belongs to another user" "$work/err" || fail "no refusal: $(cat "$work/err")"
  [ "$(stat -c %a "$other")" = 777 ] || fail "another user's directory was changed"
  ok "a data directory owned by another user is refused, and left alone"
fi

echo "perm_private: $checks checks passed"

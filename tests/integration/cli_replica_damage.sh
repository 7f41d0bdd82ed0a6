#!/usr/bin/env bash
# cli_replica_damage.sh - bin/fieldsync on a replica it cannot use: the
# error must say what is wrong and what to do, exit 1, and change nothing.
#   - replica.db is not a database / is truncated: names the file, says it
#     is not a fieldsync database or damaged, points at a backup; the bytes
#     on disk stay as they were;
#   - FIELDSYNC_HOME is a file, init under a missing parent: names the path
#     and the reason;
#   - replica.db read-only for this user (as root: run as nobody): says it
#     needs write access;
#   - another program holds the write lock longer than the busy timeout:
#     says the replica is busy and to retry; nothing is written.
set -euo pipefail

bin=${FS_BIN:?FS_BIN must point at the bin directory}/fieldsync
work=$(mktemp -d "${TMPDIR:-/tmp}/fs-cli-damage.XXXXXX")
holder=""
cleanup() {
  if [ -n "$holder" ]; then kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
unset FIELDSYNC_LOG FIELDSYNC_HOME
home="$work/home"

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"

# says WORD...: stderr of the last command contains each word.
says() {
  for w in "$@"; do
    grep -qi -- "$w" "$work/err" || { cat "$work/err"; fail "stderr lacks \"$w\""; }
  done
}

expect 0 "$bin" --data "$home" init --staff A01
expect 0 "$bin" --data "$home" customer add --name "Kept" --grade A
cp "$home/replica.db" "$work/good.db"

# --- not a database -------------------------------------------------------------
rm -f "$home"/replica.db-wal "$home"/replica.db-shm
head -c 8192 /dev/urandom >"$home/replica.db"
sum=$(sha256sum <"$home/replica.db")
expect 1 "$bin" --data "$home" customer list
says "$home/replica.db" "not a fieldsync database" "backup"
[ "$(sha256sum <"$home/replica.db")" = "$sum" ] || fail "the damaged file was changed"
expect 1 "$bin" --data "$home" customer add --name X --grade A
says "not a fieldsync database"
[ "$(sha256sum <"$home/replica.db")" = "$sum" ] || fail "a write changed the damaged file"
ok "garbage replica: clear error, file untouched"

# --- truncated -------------------------------------------------------------------
head -c 40000 "$work/good.db" >"$home/replica.db"
sum=$(sha256sum <"$home/replica.db")
expect 1 "$bin" --data "$home" customer list
says "$home/replica.db" "damaged" "backup"
[ "$(sha256sum <"$home/replica.db")" = "$sum" ] || fail "the truncated file was changed"
ok "truncated replica: clear error, file untouched"

# --- the data directory is not one -----------------------------------------------
echo "not a directory" >"$work/file"
expect 1 "$bin" --data "$work/file" customer list
says "$work/file" "not a directory" "--data"
expect 1 "$bin" --data "$work/missing/deeper" init --staff A01
says "$work/missing/deeper" "no such file" "cannot create"
[ ! -e "$work/missing" ] || fail "init created the missing parent"
ok "data directory that is a file / has no parent: named, with the reason"

# --- read-only for this user ----------------------------------------------------
cp "$work/good.db" "$home/replica.db"
rm -f "$home"/replica.db-wal "$home"/replica.db-shm
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  chmod 755 "$work" "$home"
  chmod 644 "$home/replica.db"
  # The directory is root's: another user's data directory is refused
  # (issue 11, hole 5) before the replica is even opened.
  expect 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --data "$home" customer list
  says "$home" "belongs to another user"
  ok "another user's replica: refused, naming the directory"
  # Its own read-only directory and replica: says it needs write access.
  chown 65534 "$home" "$home/replica.db"
  chmod 555 "$home"
  chmod 444 "$home/replica.db"
  expect 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --data "$home" customer list
  says "$home/replica.db" "write access"
  chown 0 "$home" "$home/replica.db"
  chmod 644 "$home/replica.db"
  ok "read-only replica: says it needs write access"
elif [ "$(id -u)" != 0 ]; then
  chmod 555 "$home"
  chmod 444 "$home/replica.db"
  expect 1 "$bin" --data "$home" customer list
  chmod 700 "$home"
  chmod 644 "$home/replica.db"
  says "$home/replica.db" "write access"
  ok "read-only replica: says it needs write access"
else
  echo "skip: read-only replica (root without setpriv)"
fi
chmod 700 "$home"

# --- busy: another program holds the write lock -----------------------------------
expect 0 "$bin" --data "$home" customer list
expect 0 "$bin" --data "$home" outbox --json
before=$(grep -o '"counter"' "$work/out" | wc -l)
if command -v python3 >/dev/null 2>&1; then
  python3 - "$home/replica.db" "$work/locked" <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(9)
db.execute("ROLLBACK")
EOF
  holder=$!
  for _ in $(seq 1 100); do [ -e "$work/locked" ] && break; sleep 0.1; done
  [ -e "$work/locked" ] || fail "the lock holder did not start"
  expect 1 "$bin" --data "$home" customer add --name "While locked" --grade B
  says "busy" "retry"
  wait "$holder"
  holder=""
  expect 0 "$bin" --data "$home" outbox --json
  after=$(grep -o '"counter"' "$work/out" | wc -l)
  [ "$before" = "$after" ] || fail "a refused write reached the outbox ($before -> $after)"
  expect 0 "$bin" --data "$home" customer add --name "After the lock" --grade B
  ok "busy replica: refused with 'retry', nothing written; works once free"
else
  echo "skip: busy replica (python3 missing)"
fi

echo "cli_replica_damage: $checks checks passed"

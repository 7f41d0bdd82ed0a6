#!/usr/bin/env bash
# cli_messages.sh - issue 15 point 12: both programs say what happened in
# plain sentences, one per event, each with what to do next.
#   - no timestamped log line in a command's output (the log prints only
#     when FIELDSYNC_LOG asks; `fieldsyncd serve` keeps its log);
#   - a wipe order says "erased" once, with the next step;
#   - no internal names (lost_review, staff.list) in messages;
#   - a revoked device's user is told the next step;
#   - Ctrl-C during `sync` and `sync --watch` says what was sent and that
#     nothing is lost, exit 130.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup cli-messages
central="$work/central"
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z '

# no_log_lines FILE...: none holds a timestamped log line.
no_log_lines() {
  if grep -Eq "$stamp" "$@"; then
    cat "$@" >&2
    fail "a timestamped log line in the output"
  fi
}

# one_line FILE TEXT: FILE is exactly the line TEXT.
one_line() {
  [ "$(cat "$1")" = "$2" ] || fail "wanted exactly: $2
got: $(cat "$1")"
}

# ---- the log stays out of command output ------------------------------------
mkdir -m 700 "$work/bad"
echo "not a database" >"$work/bad/replica.db"
chmod 600 "$work/bad/replica.db"
expect 1 "$fs" --data "$work/bad" customer list
no_log_lines "$work/out" "$work/err"
one_line "$work/err" "fieldsync: $work/bad/replica.db is not a fieldsync database or is damaged (file is not a database); restore it from a backup, or move it aside and set the device up again"
# Asked for: the log lines are there.
FIELDSYNC_LOG=warn expect 1 "$fs" --data "$work/bad" customer list
grep -Eq "${stamp}fieldsync error: .*is not a fieldsync database" "$work/err" ||
  fail "FIELDSYNC_LOG=warn shows no log line"
# A warning is a plain sentence too (the directory made private).
chmod 755 "$work/bad"
expect 1 "$fs" --data "$work/bad" customer list
no_log_lines "$work/err"
[ "$(sed -n 1p "$work/err")" = "fieldsync: the data directory $work/bad was open to other users (mode 0755); changed it to 0700" ] ||
  fail "the warning: $(cat "$work/err")"
ok "fieldsync: a damaged replica is one sentence, no log line (FIELDSYNC_LOG shows it)"

mkdir -p "$work/badd"
echo "not a database" >"$work/badd/central.db"
echo x >"$work/badd/daemon.key"
chmod 700 "$work/badd"
expect 1 "$fsd" --data "$work/badd" staff list
no_log_lines "$work/out" "$work/err"
[ "$(wc -l <"$work/err")" = 1 ] || fail "one line wanted: $(cat "$work/err")"
if grep -q "staff\.list" "$work/err"; then fail "the command id in: $(cat "$work/err")"; fi
expect 1 "$fsd" --data "$work/none" staff list
one_line "$work/err" "fieldsyncd: no daemon in $work/none; run fieldsyncd init --data $work/none"
ok "fieldsyncd: admin failures are one sentence, no log line, no command id"

# ---- a world: A01 and A02 enrolled ------------------------------------------
"$fsd" init --data "$central" >/dev/null
"$fsd" staff add A01 --name "Ann" --data "$central" >/dev/null
"$fsd" staff add A02 --name "Bob" --data "$central" >/dev/null
daemon_start "$central"
expect 0 "$fs" --data "$work/a" init --token "$("$fsd" enroll A01 --data "$central")"
expect 0 "$fs" --data "$work/b" init --token "$("$fsd" enroll A02 --data "$central")"
expect 0 "$fs" --data "$work/a" sync
expect 0 "$fs" --data "$work/b" sync
no_log_lines "$work/out" "$work/err"

expect 1 "$fsd" staff show ZZZ --data "$central"
one_line "$work/err" "fieldsyncd: no staff member ZZZ"

# ---- internal names ----------------------------------------------------------
expect 0 "$fs" --data "$work/a" customer add --name "Acme" --grade B
cust=$(awk '{print $NF}' "$work/out")
expect 0 "$fs" --data "$work/a" lost add --customer "$cust" --lost-date 2026-01-05 --reason price
grep -Eq '^recorded the lost sale [0-9a-f]{32}$' "$work/out" || fail "lost add said: $(cat "$work/out")"
expect 0 "$fs" --data "$work/a" visit log --customer "$cust" --at 2026-01-05T10:00 --method phone
grep -Eq '^recorded the visit [0-9a-f]{32}$' "$work/out" || fail "visit log said: $(cat "$work/out")"
if grep -E "lost_review|grade_change|buying_centre" "$work/out" "$work/err"; then
  fail "an internal name in a message"
fi
ok "created records are named in words (recorded the lost sale ...)"

# ---- Ctrl-C during sync --watch ---------------------------------------------
"$fs" --data "$work/a" sync --watch >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
at_exit 'kill -KILL '"$watch_pid"' 2>/dev/null'
sleep 1
kill -0 "$watch_pid" || fail "the watch ended: $(cat "$work/watch.err")"
kill -INT "$watch_pid"
rc=0
wait "$watch_pid" || rc=$?
[ "$rc" = 130 ] || fail "sync --watch after Ctrl-C: exit $rc, wanted 130"
no_log_lines "$work/watch.out" "$work/watch.err"
grep -Eq '^fieldsync: sync interrupted: [0-9]+ change\(s\) sent, [0-9]+ record\(s\) received; (nothing is lost; run fieldsync sync to finish|the [0-9]+ change\(s\) not sent stay in the outbox for the next sync)$' \
  "$work/watch.err" || fail "Ctrl-C said: $(cat "$work/watch.err")"
[ "$(wc -l <"$work/watch.err")" = 1 ] || fail "one sentence wanted: $(cat "$work/watch.err")"
ok "Ctrl-C ends sync --watch with one sentence, exit 130"

# ---- Ctrl-C during a slow sync (through a rate-limited relay) ---------------
for i in $(seq 1 40); do
  "$fs" --data "$work/a" customer add --name "Card $i" --grade C >/dev/null
done
: >"$work/relay.out"
"$bin/faultrelay" --to "127.0.0.1:$port" --rate 3000 >"$work/relay.out" 2>"$work/relay.log" &
relay_pid=$!
at_exit 'kill -TERM '"$relay_pid"' 2>/dev/null'
wait_listening "$work/relay.out" faultrelay "$relay_pid" || fail "faultrelay did not start"
"$fs" --data "$work/a" sync --addr "127.0.0.1:$listen_port" >"$work/s.out" 2>"$work/s.err" &
sync_pid=$!
sleep 1
kill -INT "$sync_pid"
rc=0
wait "$sync_pid" || rc=$?
[ "$rc" = 130 ] || fail "sync after Ctrl-C: exit $rc, wanted 130: $(cat "$work/s.out" "$work/s.err")"
no_log_lines "$work/s.out" "$work/s.err"
grep -Eq '^fieldsync: sync interrupted: [0-9]+ change\(s\) sent, [0-9]+ record\(s\) received; (nothing is lost; run fieldsync sync to finish|the [0-9]+ change\(s\) not sent stay in the outbox for the next sync)$' \
  "$work/s.err" || fail "Ctrl-C said: $(cat "$work/s.err")"
[ "$(wc -l <"$work/s.err")" = 1 ] || fail "one sentence wanted: $(cat "$work/s.err")"
[ ! -s "$work/s.out" ] || fail "an interrupted sync printed a summary too: $(cat "$work/s.out")"
kill -TERM "$relay_pid" 2>/dev/null || true
expect 0 "$fs" --data "$work/a" sync
expect 0 "$fs" --data "$work/a" outbox
grep -q "^(0 pending, 0 rejected)$" "$work/out" || fail "the outbox after the next sync: $(cat "$work/out")"
ok "Ctrl-C stops a sync with one sentence, exit 130; the next sync sends the rest"

# ---- a revoked device --------------------------------------------------------
expect 0 "$fsd" revoke 1 --data "$central"
expect 1 "$fs" --data "$work/a" sync
no_log_lines "$work/out" "$work/err"
[ "$(sed -n 1p "$work/err")" = "fieldsync: sync failed: daemon refused this device: this device has been revoked; it may not sync any more" ] ||
  fail "revoked: $(cat "$work/err")"
[ "$(sed -n 2p "$work/err")" = "next: this device was revoked by the central office; ask your manager for a new enrollment token (fieldsyncd enroll A01) and set up a new data directory with it: fieldsync --data NEW-DIRECTORY init --token TOKEN" ] ||
  fail "revoked, no next step: $(cat "$work/err")"
ok "a revoked device's user is told the next step"

# ---- a wipe order: erased said once ------------------------------------------
expect 0 "$fsd" revoke 2 --wipe --data "$central"
expect 1 "$fs" --data "$work/b" sync
no_log_lines "$work/out" "$work/err"
one_line "$work/err" "fieldsync: this device was revoked by the central office; the data directory $work/b has been erased; to work on this device again, ask your manager for a new enrollment token and run: fieldsync init --token TOKEN"
[ "$(grep -o erased "$work/err" | wc -l)" = 1 ] || fail "erased said more than once"
[ ! -e "$work/b" ] || fail "$work/b is still there"
ok "a wipe order says erased once, with the next step"

daemon_stop_ok
echo "PASS cli_messages: $checks checks"

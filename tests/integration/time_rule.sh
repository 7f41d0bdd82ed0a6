#!/usr/bin/env bash
# time_rule.sh - issue 15 point 7, the one time rule of both programs
# (common/date.h): an instant is shown to people in local time with the
# zone's offset ("2023-11-15 06:13 +08:00"), in JSON as ISO 8601 with
# offset ("2023-11-15T06:13:20+08:00"), "none" as "-" in text, an empty
# CSV cell and null in JSON; a datetime typed "10:00" and "10:00:00" is
# stored as the same canonical text.  Runs in a zone east of Greenwich
# (Asia/Shanghai) and one west of it, so the offset is proven.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup time-rule
export LC_ALL=C TZ=Asia/Shanghai
command -v sqlite3 >/dev/null 2>&1 || { echo "skip: sqlite3 missing"; exit 77; }

# ---- fieldsyncd: audit, devices -------------------------------------------------
d="$work/central"
"$fsd" --data "$d" init >/dev/null
"$fsd" --data "$d" staff add A01 --name Ann >/dev/null
sqlite3 "$d/central.db" "INSERT INTO audit(at, actor, action, staff, detail)
    VALUES(1700000000000, 'ops', 'note', 'A01', 'pinned instant');
  INSERT INTO devices(staff, pubkey, slot, status, enrolled_at, last_seen)
    VALUES('A01', randomblob(32), 1, 'active', 0, 1700000000000)"
expect 0 "$fsd" --data "$d" audit --staff A01
grep -q "^2023-11-15 06:13 +08:00  ops  *note" "$work/out" || fail "audit in local time, zone shown"
expect 0 "$fsd" --data "$d" --json audit --staff A01
grep -qF '"at":"2023-11-15T06:13:20+08:00","actor":"ops"' "$work/out" ||
  fail "audit --json at is ISO 8601 with offset: $(cat "$work/out")"
ok "fieldsyncd audit: local time with its offset, text and JSON"

expect 0 "$fsd" --data "$d" devices
if grep -q "UTC" "$work/out"; then fail "devices still says UTC"; fi
head -1 "$work/out" | grep -q "LAST SEEN  *OUTBOX" || fail "devices header: $(head -1 "$work/out")"
grep -q "active  2023-11-15 06:13 +08:00 .* -$" "$work/out" ||
  fail "devices: last seen local with offset, oldest unsynced none as -: $(cat "$work/out")"
expect 0 "$fsd" --data "$d" --json devices
grep -qF '"last_seen":"2023-11-15T06:13:20+08:00"' "$work/out" || fail "devices --json last_seen"
grep -qF '"oldest_unsynced":null' "$work/out" || fail "devices --json: none is null"
TZ=America/New_York expect 0 "$fsd" --data "$d" --json devices
grep -qF '"last_seen":"2023-11-14T17:13:20-05:00"' "$work/out" || fail "west of Greenwich"
ok "fieldsyncd devices: no (UTC), local with offset, none is - and null"

# ---- fieldsync: outbox, datetimes ---------------------------------------------
export FIELDSYNC_HOME="$work/home"
"$fs" init --staff A01 --slot 1 --device 3 >/dev/null
cust=$("$fs" customer add --name "Acme" --grade B | grep -oE '[0-9a-f]{32}' | head -1)
"$fs" visit log --customer "$cust" --at "2026-03-01T10:00" --method phone >/dev/null
"$fs" visit log --customer "$cust" --at "2026-03-02 10:00:00" --method phone >/dev/null
zone=$(date +%:z)
expect 0 "$fs" outbox
grep -qE "^1 +$(date +%F) [0-9]{2}:[0-9]{2} \\$zone  customer" "$work/out" ||
  fail "outbox: local time with the zone shown ($zone): $(cat "$work/out")"
expect 0 "$fs" --json outbox
grep -qE "\"created_at\":\"$(date +%F)T[0-9]{2}:[0-9]{2}:[0-9]{2}\\$zone\"" "$work/out" ||
  fail "outbox --json created_at ISO 8601 with offset: $(cat "$work/out")"
grep -qF '"reason":null' "$work/out" || fail "outbox --json: no reason is null, not \"\""
expect 0 "$fs" --csv outbox
grep -qE "^1,$(date +%F) [0-9]{2}:[0-9]{2} \\$zone,customer" "$work/out" || fail "outbox --csv"
ok "fieldsync outbox: local time with the zone, text, CSV and JSON"

expect 0 "$fs" --json visit list --from 2026-03-01 --to 2026-03-02
grep -qF '"at":"2026-03-01T10:00:00"' "$work/out" || fail "10:00 stored as 10:00:00"
grep -qF '"at":"2026-03-02T10:00:00"' "$work/out" || fail "' ' and seconds stored canonically"
[ "$(sqlite3 "$FIELDSYNC_HOME/replica.db" "SELECT count(*) FROM visits WHERE length(at) = 19
  AND substr(at, 11, 1) = 'T'")" = 2 ] || fail "replica holds the canonical form"
ok "datetimes normalised on input: seconds always, 'T'"

echo "time_rule: $checks checks passed"

#!/usr/bin/env bash
# json_none.sh - issue 15 point 7, the JSON "none" audit: every --json
# output of both programs says "none" with null, never "" or 0.  A world
# with a daemon, a rep and a manager holds records with empty fields, a
# pending and a rejected outbox entry, a conflict, a cover and a loan;
# every listing and show of both programs is run with --json and grepped
# for "" values and for the keys whose 0 would mean "none" (times,
# devices, ids).  Money in JSON is a number with two decimals.  Point 12
# in the same world: no internal kind name reaches people (the `kind`
# column of `outbox`, `fieldsyncd history` lines: "grade change", not
# grade_change; JSON and CSV keep the wire name).
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup jsonnone
export TZ=UTC LC_ALL=C
export FIELDSYNC_HOME="$work/none" FIELDSYNCD_HOME="$work/none-d"
today=$(date +%F)

central="$work/central"
expect 0 "$fsd" init --data "$central"
expect 0 "$fsd" --data "$central" staff add M01 --name Boss --role manager
expect 0 "$fsd" --data "$central" staff add A01 --name Rep --manager M01
expect 0 "$fsd" --data "$central" staff add A02 --name Other --manager M01
daemon_start "$central"
a=("$fs" --data "$work/a")
m=("$fs" --data "$work/m")
expect 0 "${a[@]}" init --token "$("$fsd" --data "$central" enroll A01)"
expect 0 "${m[@]}" init --token "$("$fsd" --data "$central" enroll M01)"
cid() { "$@" | grep -oE '[0-9a-f]{32}' | head -1; }
cust=$(cid "${a[@]}" customer add --name "Empty Fields Ltd" --grade B --revenue 12,345.6)
visit=$(cid "${a[@]}" visit log --customer "$cust" --at "${today}T09:00" --method phone)
opp=$(cid "${a[@]}" opportunity add --customer "$cust" --title Fleet)
expect 0 "${a[@]}" contact add --customer "$cust" --name Bo
expect 0 "${a[@]}" showroom log --arrived "${today}T10:00"
expect 0 "${a[@]}" sync
expect 0 "${m[@]}" sync
expect 0 "${a[@]}" customer edit "$cust" --phone 1
expect 0 "${m[@]}" customer edit "$cust" --phone 2
expect 0 "${m[@]}" sync
expect 0 "${a[@]}" sync
expect 0 "${a[@]}" customer edit "$cust" --industry cars
expect 0 "${a[@]}" customer grade "$cust" A
expect 0 "$fsd" --data "$central" cover A02 --by A01 --from "$today" --to "$today"
expect 0 "$fsd" --data "$central" lend "$cust" --to A02 --days 1
ok "a world with empty fields, a conflict, a pending change, a cover and a loan"

outs=()
run() { # name, command...: the JSON output, kept
  local name=$1
  shift
  expect 0 "$@"
  cp "$work/out" "$work/json.$name"
  outs+=("$name")
}
run c.customer.list "${a[@]}" --json customer list
run c.customer.show "${a[@]}" --json customer show "$cust"
run c.visit.list "${a[@]}" --json visit list
run c.visit.show "${a[@]}" --json visit show "$visit"
run c.opp.show "${a[@]}" --json opportunity show "$opp"
run c.contact.list "${a[@]}" --json contact list
run c.showroom.list "${a[@]}" --json showroom list
run c.history "${a[@]}" --json customer history --customer "$cust"
run c.outbox "${a[@]}" --json outbox
run c.conflicts "${a[@]}" --json conflicts --all
run c.agenda "${a[@]}" --json agenda
run c.notices "${a[@]}" --json notices
for r in visits funnel lost ranking showroom activity; do
  run "c.report.$r" "${m[@]}" --json report "$r"
  run "d.report.$r" "$fsd" --data "$central" --json report "$r"
done
run d.staff.list "$fsd" --data "$central" --json staff list
run d.staff.show "$fsd" --data "$central" --json staff show A01
run d.devices "$fsd" --data "$central" --json devices
run d.audit "$fsd" --data "$central" --json audit
run d.history "$fsd" --data "$central" --json history "$cust"
run d.cover.list "$fsd" --data "$central" --json cover list
run d.lend.list "$fsd" --data "$central" --json lend list
run d.export "$fsd" --data "$central" --json person export --customer "$cust"

bad=0
for n in "${outs[@]}"; do
  # A value that is the empty string: none must be null.
  if grep -qE '":""' "$work/json.$n"; then
    echo "json.$n: \"\" for none: $(grep -oE '"[a-z_]+":""' "$work/json.$n" | sort -u | tr '\n' ' ')" >&2
    bad=1
  fi
  # Keys whose 0 can only mean "none": times, devices, ids, counters of a thing.
  if grep -qE '"(at|last_seen|enrolled_at|oldest_unsynced|until|ended_at|wipe_at|departed_at|device|loser_hlc|winner_hlc|seq|created_at|time)":0[,}]' "$work/json.$n"; then
    echo "json.$n: 0 for none: $(grep -oE '"[a-z_]+":0[,}]' "$work/json.$n" | sort -u | tr '\n' ' ')" >&2
    bad=1
  fi
done
[ "$bad" = 0 ] || fail "JSON says none with \"\" or 0 (above)"
ok "no JSON output of either program says none with \"\" or 0 (${#outs[@]} outputs)"

grep -q '"revenue":12345.60' "$work/json.c.customer.show" || fail "money in JSON is not 12345.60"
grep -q '"revenue":12345.60' "$work/json.d.export" || fail "person export: money is not 12345.60"
ok "money in JSON: a number in currency units with two decimals"
expect 0 "${a[@]}" outbox
grep -q "grade change" "$work/out" || fail "outbox: the kind column does not say grade change"
if grep -q "grade_change" "$work/out"; then fail "outbox shows the internal name grade_change"; fi
expect 0 "${a[@]}" --csv outbox
grep -q ",grade_change," "$work/out" || fail "outbox --csv: the kind's wire name"
grep -q '"kind":"grade_change"' "$work/json.c.outbox" || fail "outbox --json: the kind's wire name"
expect 0 "${a[@]}" sync
expect 0 "$fsd" --data "$central" history "$cust"
grep -q "grade change" "$work/out" || fail "fieldsyncd history: no grade change line"
if grep -q "grade_change" "$work/out"; then fail "fieldsyncd history shows grade_change"; fi
ok "kind labels for people: outbox and fieldsyncd history say grade change"
daemon_stop_ok
echo "json_none: $checks checks passed"

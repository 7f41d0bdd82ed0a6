#!/usr/bin/env bash
# daemon_staff_edit.sh - issue 15, point 5: `fieldsyncd staff edit` checks
# what it changes as `staff add` does, is audited and kept in the
# admin-event log; `cover list|end` and `lend list|end` on the command
# line (their effect on devices: tests/unit/test_daemon_coverend.c).
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup staffedit
export TZ=UTC LC_ALL=C
has() { grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }
d=(--data "$work/d")

"$fsd" init "${d[@]}" >/dev/null
"$fsd" "${d[@]}" staff add M01 --name "Boss" --role manager >/dev/null
"$fsd" "${d[@]}" staff add M02 --name "Other" --role manager >/dev/null
"$fsd" "${d[@]}" staff add A01 --name "Ann" --manager M01 >/dev/null
"$fsd" "${d[@]}" staff add A02 --name "Bo" --manager M01 >/dev/null

expect 0 "$fsd" "${d[@]}" staff edit A01 --name "Ann Li" --manager M02 --reason "moved team"
has "changed A01: name Ann Li; manager M02" out "staff edit says what changed"
expect 0 "$fsd" "${d[@]}" --json staff show A01
has '"name":"Ann Li"' out "the new name is stored"
has '"manager":"M02"' out "the new manager is stored"
expect 0 "$fsd" "${d[@]}" audit --staff A01
has "staff.edit" out "staff edit is audited"
has "name Ann Li; manager M02" out "the audit says what changed"
grep -q "$(printf 'staff.edit' | od -An -tx1 | tr -d ' \n')" "$work/d/admin-events.log" ||
  fail "staff edit is in the admin-event log"
ok "staff edit: name and manager changed, audited, in the admin-event log"

expect 2 "$fsd" "${d[@]}" staff edit A01
has "nothing to change" err "staff edit with no field: usage error"
expect 1 "$fsd" "${d[@]}" staff edit A01 --role boss
has 'role: "boss" is not one of rep, manager, admin' err "a bad role refused as in staff add"
expect 1 "$fsd" "${d[@]}" staff edit A01 --manager A02
has "manager: A02 is a rep, not a manager" err "a rep as manager refused as in staff add"
expect 1 "$fsd" "${d[@]}" staff edit A01 --manager Z99
has "manager: no staff member Z99" err "an unknown manager refused"
expect 1 "$fsd" "${d[@]}" staff edit M01 --manager M01
has "cannot be their own manager" err "own manager refused"
expect 1 "$fsd" "${d[@]}" staff edit M01 --role rep
has "M01 manages 1 staff member(s)" err "a manager with a team stays a manager"
expect 1 "$fsd" "${d[@]}" staff edit Z99 --name X
has "no staff member Z99" err "unknown staff member"
expect 1 "$fsd" "${d[@]}" staff edit A01 --name "$(printf 'a\nb')"
expect 0 "$fsd" "${d[@]}" --json staff show A01
has '"name":"Ann Li"' out "refused edits changed nothing"
expect 0 "$fsd" "${d[@]}" staff edit M02 --role admin
has "changed M02: role admin" out "role change"
ok "staff edit refuses what staff add refuses, and an edit naming no field (exit 2)"

# Issue 14: after-sales staff serve a team (their manager's), manage no one.
expect 1 "$fsd" "${d[@]}" staff add S01 --name "Sue" --role after_sales
has "after-sales staff serve a team's delivered customers; give --manager" err \
  "after_sales without a manager refused"
expect 0 "$fsd" "${d[@]}" staff add S01 --name "Sue" --role after_sales --manager M01
has "added after_sales S01 (Sue, manager M01)" out "after_sales added"
expect 0 "$fsd" "${d[@]}" --json staff show S01
has '"role":"after_sales"' out "the role is stored"
expect 1 "$fsd" "${d[@]}" staff edit A02 --manager S01
has "manager: S01 is after-sales staff, not a manager" err "after-sales staff manage no one"
"$fsd" "${d[@]}" staff add A03 --name "Cy" --manager M01 >/dev/null
expect 0 "$fsd" "${d[@]}" staff edit A03 --role after_sales
has "changed A03: role after_sales" out "a rep without cards becomes after-sales staff"
ok "staff add/edit: the after_sales role, with its team's manager"

today=$(date +%Y-%m-%d)
expect 0 "$fsd" "${d[@]}" cover A02 --by M01 --from "$today" --to "$today"
expect 1 "$fsd" "${d[@]}" cover A02 --by A01 --from "$today" --to "$today"
has "A02 is already covered by M01 from $today to $today (cover 1, running)" err \
  "an overlapping cover is refused, naming the existing one"
expect 0 "$fsd" "${d[@]}" cover list
has "running" out "cover list shows the running cover"
expect 0 "$fsd" "${d[@]}" cover end 1
has "cover 1 ended" out "cover end"
expect 1 "$fsd" "${d[@]}" cover end 1
has "has already ended" err "cover end twice"
expect 2 "$fsd" "${d[@]}" cover end one
expect 0 "$fsd" "${d[@]}" cover A02 --by A01 --from "$today" --to "$today"
expect 0 "$fsd" "${d[@]}" lend list
expect 1 "$fsd" "${d[@]}" lend end 7
has "no loan 7" err "lend end of an unknown loan"
expect 2 "$fsd" "${d[@]}" cover lst
expect 0 "$fsd" "${d[@]}" cover end --help
has "usage: fieldsyncd cover end ID" out "cover end --help"
ok "cover list/end, lend list/end on the command line; overlap refused"

echo "daemon_staff_edit: $checks checks passed"

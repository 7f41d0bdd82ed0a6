#!/usr/bin/env bash
# report_parity.sh - issue 15 point 11: the same report, the same output,
# from both programs.  Every report runs through `fieldsyncd report` on the
# central store and `fieldsync report` on a manager's replica after a sync,
# over the same seeded data, as text, CSV and JSON; the outputs must match
# byte for byte.
#
# What legitimately differs, and how this test holds it apart:
#   - scope: the central store holds every team, a manager's replica only
#     the manager's team (and a cover's or a loan's records while it lasts).
#     So both run with --team M01, and the store holds a second team (M02,
#     B01) that the replica never sees; without a filter the replica's
#     report equals the daemon's --team M01 report but for the period line's
#     "; staff ..." (the filter it was run with).
#   - covers and loans: their owners count in the manager's team on the
#     replica (it has no staff table), under their own manager centrally.
#     None here.
#   - --team on the replica names the manager and the owners of the cards
#     it holds: a team member with no card at all is in the daemon's
#     "; staff ..." list only (no rows either way).  Every rep has cards here.
#   - the default period is today's: both runs must fall on the same day.
# It also checks point 11's rules: the defaults in --help and in the
# period line, one CSV header row, shares as "42.5%", compliance "n/a"
# (JSON null) when nothing was due.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup rparity
export TZ=UTC LC_ALL=C
export FIELDSYNC_HOME="$work/none" FIELDSYNCD_HOME="$work/none-d"

central="$work/central"
expect 0 "$fsd" init --data "$central"
expect 0 "$fsd" --data "$central" seed --reps 3 --customers 15 --months 3 --seed 7 \
  --end 2026-11-30
expect 0 "$fsd" --data "$central" staff add M02 --name Other --role manager
expect 0 "$fsd" --data "$central" staff add B01 --name Outside --role rep --manager M02
daemon_start "$central"
# The other team's record: on the central store, never on M01's replica.
expect 0 "$fs" --data "$work/b" init --token "$("$fsd" --data "$central" enroll B01)"
expect 0 "$fs" --data "$work/b" customer add --name Elsewhere --grade A
expect 0 "$fs" --data "$work/b" visit log --customer "b01-$(date +%y)-1" \
  --at 2026-11-02T10:00 --method phone
expect 0 "$fs" --data "$work/b" sync
expect 0 "$fs" --data "$work/m" init --token "$("$fsd" --data "$central" enroll M01)"
expect 0 "$fs" --data "$work/m" sync
# The manager's sign-offs and a plan (issue 14): report signoff and
# activity's section "plan" have rows on both.
rep1=$("$fs" --data "$work/m" --csv customer list | sed -n '2p' | awk -F, '{print $NF}' | tr -d '\r')
expect 0 "$fs" --data "$work/m" signoff "$rep1" 2026-11-20 --note fine
expect 0 "$fs" --data "$work/m" plan set --rep "$rep1" --month 2026-11 --visits-a 9 \
  --visits-b 7 --new-prospects 2
expect 0 "$fs" --data "$work/m" sync
ok "seeded store, a second team, M01's replica synced"

# same WHAT ARGS...: the report through both programs, byte for byte.
same() {
  local what=$1
  shift
  expect 0 "$fsd" --data "$central" report "$@"
  mv "$work/out" "$work/d.out"
  expect 0 "$fs" --data "$work/m" report "$@"
  mv "$work/out" "$work/c.out"
  [ -s "$work/d.out" ] || fail "$what: empty output"
  if ! cmp -s "$work/d.out" "$work/c.out"; then
    diff "$work/d.out" "$work/c.out" | head -40
    fail "$what: fieldsyncd and fieldsync differ"
  fi
}

period=(--from 2026-09-01 --to 2026-11-30)
for r in visits funnel lost ranking showroom activity signoff cards keyvisits; do
  same "$r text" "$r" --team M01 "${period[@]}"
  same "$r csv" "$r" --team M01 "${period[@]}" --csv
  same "$r json" --json "$r" --team M01 "${period[@]}"
  same "$r defaults" "$r" --team M01
done
# The key-account setting (issue 14) is one option of both programs.
same "ranking scoring" --json ranking --team M01 --scoring "strategic=50;gold=40,silver=5"
grep -q '"tier":"silver"' "$work/c.out" || fail "ranking --scoring: no silver tier"
ok "every report: text, CSV, JSON and the default period the same from both programs"

# The sign-off and the plan against actual (issue 14) have their rows on both.
same "signoff rows" signoff --team M01 --from 2026-11-01 --to 2026-11-30
grep -q "^2026-11-20  $rep1  M01 " "$work/c.out" || fail "signoff: no sign-off row"
same "plan rows" activity --team M01 --from 2026-11-01 --to 2026-11-30
grep -q "^$rep1  2026-11  visits_a  *9 " "$work/c.out" || fail "activity: no plan row"
ok "sign-offs and plan against actual the same from both programs"

# The month-end stock-take (issue 14): the funnel at the end of a past month.
same "funnel as-of text" funnel --team M01 --as-of 2026-11
grep -q 'as of the end of 2026-11 (2026-11-30)' "$work/c.out" || fail "funnel --as-of: no snapshot line"
same "funnel as-of json" --json funnel --team M01 --as-of 2026-11
ok "funnel --as-of the same from both programs"

# The team section is on both (it was the daemon's only).
same "visits teams" visits --team M01 "${period[@]}"
grep -q '^Cadence compliance per team' "$work/c.out" || fail "client: no team section"
grep -q '^M01 ' "$work/c.out" || fail "client: no M01 team row"
# Unfiltered, the replica is the team: the daemon's --team M01 but the
# staff named in the period line.
expect 0 "$fs" --data "$work/m" report visits "${period[@]}"
sed '2s/; staff .*//' "$work/d.out" | cmp -s - "$work/out" ||
  fail "replica's unfiltered visits differs from the daemon's --team M01"
# B01's card was made today: the other team shows in this month's report.
expect 0 "$fsd" --data "$central" report visits
grep -q '^M02 ' "$work/out" || fail "daemon: no M02 team row"
expect 0 "$fs" --data "$work/m" report visits
grep -q 'M02\|B01' "$work/out" && fail "the other team on M01's replica"
ok "visits: the team section from both programs; the replica holds the team only"

# Defaults: in --help and in the period line.
for p in "$fs" "$fsd"; do
  expect 0 "$p" report --help
  grep -q "default: the first of --to's month, so month to date; activity: --to" \
    "$work/out" || fail "$(basename "$p") report --help: --from's default"
  grep -q "ONE header row" "$work/out" || fail "$(basename "$p") report --help: CSV layout"
done
today=$(date +%Y-%m-%d)
expect 0 "$fs" --data "$work/m" report activity
grep -qx "period $today .. $today (default: today)" "$work/out" || fail "activity header"
expect 0 "$fsd" --data "$central" report visits --to 2026-11-20
grep -qx "period 2026-11-01 .. 2026-11-20 (--from default: the first of --to's month)" \
  "$work/out" || fail "visits header with --to"
expect 0 "$fsd" --data "$central" report lost
grep -qx "period ${today:0:8}01 .. $today (default: month to date)" "$work/out" ||
  fail "lost header"
expect 0 "$fsd" --data "$central" report lost "${period[@]}"
grep -qx "period 2026-09-01 .. 2026-11-30" "$work/out" || fail "explicit period header"
ok "defaults in --help and in the report's period line"

# CSV: one header row per stream, "section" first.
for r in visits funnel lost ranking showroom activity; do
  expect 0 "$fsd" --data "$central" --csv report "$r" "${period[@]}"
  [ "$(grep -c '^section,' "$work/out")" = 1 ] || fail "$r CSV: not one header row"
  head -1 "$work/out" | grep -q '^section,' || fail "$r CSV: header not first"
  grep -q '^$' "$work/out" && fail "$r CSV: an empty line"
  cols=$(head -1 "$work/out" | awk -F, '{print NF}')
  awk -F, -v n="$cols" 'NF != n && !/"/ {exit 1}' "$work/out" ||
    fail "$r CSV: a row of another width than the header"
done
ok "CSV: one header row, one width"

# Shares in percent with one decimal and "%", everywhere; JSON numbers.
expect 0 "$fsd" --data "$central" --csv report ranking "${period[@]}"
grep -qE '^ranking,.*,[0-9]+\.[0-9]%,[0-9]+\.[0-9]%,(yes|no),' "$work/out" ||
  fail "ranking share, cum_share not in percent"
grep -qE '^summary,[0-9]+,[0-9]+,[0-9]+\.[0-9][0-9],[0-9]+,[0-9]+\.[0-9]%,' "$work/out" || fail "key_share"
expect 0 "$fsd" --data "$central" --csv report showroom "${period[@]}"
# entries, returning, first_time, left_details, details_share, ...
grep -qE '^summary,[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+\.[0-9]%,' "$work/out" || fail "showroom conversion"
expect 0 "$fsd" --data "$central" --json report ranking "${period[@]}"
grep -qE '"share":[0-9]+\.[0-9][,}]' "$work/out" || fail "JSON share is not a number"
ok "shares: 42.5% in text and CSV, a number in JSON"

# Nothing due: n/a, JSON null, never 100.0.
quiet=(--from 2020-01-01 --to 2020-01-31)
expect 0 "$fsd" --data "$central" --csv report visits "${quiet[@]}"
grep -q '^compliance,\*,\*,0,0,0,0,0,0,n/a' "$work/out" || fail "visits: n/a"
grep -q '^followups,\*,,,0,0,0,.*n/a' "$work/out" || fail "followups: n/a"
grep -q '100\.0' "$work/out" && fail "100.0 with nothing due"
expect 0 "$fs" --data "$work/m" report visits "${quiet[@]}"
grep -qE '^\*  +\*  +0 .* n/a$' "$work/out" || fail "text: n/a"
expect 0 "$fs" --data "$work/m" --json report visits "${quiet[@]}"
grep -q '"compliance":null' "$work/out" || fail "JSON: null compliance"
ok "compliance with nothing due: n/a, JSON null"

echo "report_parity: $checks checks passed"

#!/usr/bin/env bash
# cli_conflicts.sh - issue 15 point 1, conflicts people can act on: two
# devices of one rep write the same fields concurrently through a real
# fieldsyncd; `fieldsync conflicts` lists each item with when it was
# logged (local time, zone shown), the customer (archive number and name,
# also for a contact), the field, both values, who wrote the lost one
# ("A01 (you)"; "?" when the daemon does not know) and the state; an item
# can be marked resolved (open -> resolved, once), resolved ones are
# hidden unless --all; --csv and --json carry the same.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup conflicts
export TZ=UTC LC_ALL=C
export FIELDSYNC_HOME="$work/none" FIELDSYNCD_HOME="$work/none-d"
year=$(date +%Y)
yy=$(date +%y) # archive numbers from the daemon's serials: <rep>-<yy>-<serial> (issue 14)
has() { grep -qE -- "$1" "$work/out" || { cat "$work/out" "$work/err"; fail "$2"; }; }
hasnt() { ! grep -qE -- "$1" "$work/out" || { cat "$work/out"; fail "$2"; }; }

central="$work/central"
expect 0 "$fsd" init --data "$central"
expect 0 "$fsd" --data "$central" staff add A01 --name Rep --role rep
daemon_start "$central"
a=("$fs" --data "$work/a")
b=("$fs" --data "$work/b")
expect 0 "${a[@]}" init --token "$("$fsd" --data "$central" enroll A01)"
expect 0 "${b[@]}" init --token "$("$fsd" --data "$central" enroll A01)"
cid() { "$@" | grep -oE '[0-9a-f]{32}' | head -1; }
cust=$(cid "${a[@]}" customer add --name "Conflict Ltd" --grade A --phone 010-1)
contact=$(cid "${a[@]}" contact add --customer "$cust" --name Bo)
expect 0 "${a[@]}" sync
expect 0 "${b[@]}" sync
ok "one card with a contact on both devices"

# Sequential: b edits what it pulled; a pulls, then edits: no conflict.
expect 0 "${b[@]}" customer edit "$cust" --grade B
expect 0 "${b[@]}" sync
expect 0 "${a[@]}" sync
expect 0 "${a[@]}" customer edit "$cust" --grade C
expect 0 "${a[@]}" sync
expect 0 "${b[@]}" sync
expect 0 "${b[@]}" conflicts
has "^\(0 open items\)" "sequential edits are no conflict"

# Concurrent: the phone on b first (earlier clock), then on a; the
# contact's name on a first, then on b.  a syncs first: b's phone loses
# (pushed, its writer known), b's name overwrites a's unseen one.
expect 0 "${b[@]}" customer edit "$cust" --phone 010-B
sleep 0.01
expect 0 "${a[@]}" customer edit "$cust" --phone 010-A
expect 0 "${a[@]}" contact edit "$contact" --name "Bo A"
sleep 0.01
expect 0 "${b[@]}" contact edit "$contact" --name "Bo B"
expect 0 "${a[@]}" sync
expect 0 "${b[@]}" sync
expect 0 "${a[@]}" sync
expect 0 "${b[@]}" --no-pager conflicts
head -1 "$work/out" | grep -qE '^n +when +customer +field +kept +kept by +lost +lost by +state' ||
  { cat "$work/out"; fail "conflicts: the header"; }
has "^1 +$year-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} \+00:00 +A01-$yy-0001 Conflict Ltd +phone +010-A +A01 \(you\) +010-B +A01 \(you\) +open" \
  "the phone item: when, customer, field, kept and its writer, lost and its writer, state"
has "^2 +.* \+00:00 +A01-$yy-0001 Conflict Ltd +name +Bo B +A01 \(you\) +Bo A +A01 \(you\) +open" \
  "the contact's item names its customer; the overwritten value's writer comes from the daemon's history"
has "^\(2 open items\)" "conflicts: the count"
ok "conflicts: when, customer, field, both values, who, state"

TZ=UTC-8 expect 0 "${b[@]}" conflicts
has "^1 +[0-9-]+ [0-9:]+ \+08:00 " "local time with its zone (+08:00)"
TZ=UTC-5:30 expect 0 "${b[@]}" conflicts
has "^1 +[0-9-]+ [0-9:]+ \+05:30 " "a zone with minutes (+05:30)"
ok "conflicts: local time, the zone shown"

expect 0 "${b[@]}" conflicts --csv
has "^n,when,customer,field,kept,kept by,lost,lost by,state" "--csv: the header"
has "^1,[^,]+,A01-$yy-0001 Conflict Ltd,phone,010-A,A01 \(you\),010-B,A01 \(you\),open" "--csv: a row"
expect 0 "${b[@]}" --json conflicts
has '"customer_archive":"A01-'"$yy"'-0001"' "--json: the customer's archive number"
has '"customer_name":"Conflict Ltd"' "--json: the customer's name"
has '"state":"open"' "--json: the state"
has '"lost_mine":true' "--json: the lost value was ours"
has '"kept_by":"A01"' "--json: the kept value's writer"
has '"kept_mine":true' "--json: the kept value was ours too"
ok "conflicts --csv and --json"

# The lifecycle: open -> resolved, once; hidden unless --all.
expect 0 "${b[@]}" conflicts resolve 1
has "^item 1 resolved$" "resolve: says so"
expect 1 "${b[@]}" conflicts resolve 1
grep -q "already resolved" "$work/err" || fail "resolve twice: already resolved"
expect 1 "${b[@]}" conflicts dismiss 1
expect 1 "${b[@]}" conflicts resolve 99
expect 2 "${b[@]}" conflicts resolve x
expect 2 "${b[@]}" conflicts resolve
expect 0 "${b[@]}" conflicts
hasnt "^1 " "a resolved item is hidden"
has "^\(1 open item\)" "one open item left"
expect 0 "${b[@]}" conflicts --all
has "^1 .* resolved$" "--all shows the resolved item"
has "^\(2 items\)" "--all counts every item"
expect 0 "${b[@]}" customer show "$cust"
has "010-A" "resolve changes no card"
expect 0 "${b[@]}" conflicts dismiss 2
expect 0 "${b[@]}" --json conflicts --all
has '"state":"dismissed"' "--json: a dismissed item"
has '"state":"resolved"' "--json: a resolved item"
expect 0 "${a[@]}" conflicts
has "^\(2 open items\)" "each device closes its own items"
ok "conflicts resolve: open -> resolved once, hidden unless --all"

#!/usr/bin/env bash
# cli_showroom.sh - issue 14, the showroom as the seeds measure it, on an
# offline rep replica (the daemon side and the hostile device are
# test_daemon_showroom.c, the report's numbers test_common_report.c):
# `showroom log` records --revisit and --channel and suggests what the
# replica knows (a card with the visitor's phone to link; earlier entries
# that make the visitor returning, unless the rep said); the link to a card
# that does not exist is refused; `report showroom` counts the conversion
# through the linked card and its header states the window (--convert-days).
set -euo pipefail

. "$(dirname "$0")/lib/testlib.sh"
testlib_setup showroom
export TZ=UTC LC_ALL=C
has() { grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }
hasnt() { ! grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }

rep="$work/rep" today=$(date +%F)
expect 0 "$fs" --data "$rep" init --staff A01 --slot 1 --device 1
expect 0 "$fs" --data "$rep" customer add --name "Wang 王" --grade A --phone "138 0000"
cid=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
arch=$(grep -oE 'A01-[0-9-]+' "$work/out" | head -1)

# 1. First visit: a card has this phone -> the suggestion to link it.
expect 0 "$fs" --data "$rep" showroom log --arrived "${today}T09:00" --phone "138 0000" \
  --left-details yes --grade A --source walk_in --channel walk_in --model "汉 EV"
e1=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
has "note: card $arch Wang 王 has this phone" err "the card with the phone is suggested"
has "showroom edit $e1 --customer-id $cid" err "the suggestion says how to link"
hasnt "already in the showroom log" err "a first visit is not returning"
expect 0 "$fs" --data "$rep" showroom edit "$e1" --customer-id "$cid"
ok "first visit: the card with the phone suggested, linked with showroom edit"

# 2. The same phone again: returning, unless the rep says otherwise.
expect 0 "$fs" --data "$rep" showroom log --arrived "${today}T10:00" --phone " 138 0000 " \
  --source phone
has "already in the showroom log (1 earlier, last ${today}T09:00:00)" err "returning suggested"
has "--revisit no" err "how to say it is someone else"
expect 0 "$fs" --data "$rep" showroom log --arrived "${today}T11:00" --phone "138 0000" \
  --revisit no --left-details yes --channel phone --source referral
hasnt "already in the showroom log" err "the rep's word: no suggestion"
e3=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
expect 0 "$fs" --data "$rep" --json showroom show "$e3"
has '"revisit":false' out "revisit recorded"
has '"channel":"phone"' out "channel recorded"
ok "returning suggested from the phone; --revisit no says otherwise and is kept"

# 3. A link to a card that does not exist is refused on the device.
expect 1 "$fs" --data "$rep" showroom edit "$e3" --customer-id 0123456789abcdef0123456789abcdef
has "customer_id: no customer matches" err "a link to no card is refused"
ok "a link to no card is refused"

# 4. The card reaches O today: the first visit converted.  The header says
# the window.
expect 0 "$fs" --data "$rep" customer grade "$cid" O
expect 0 "$fs" --data "$rep" report showroom --from "$today" --to "$today"
has "conversion window 30 days after the visit (default; --convert-days)" out "header: default window"
expect 0 "$fs" --data "$rep" --json report showroom --from "$today" --to "$today" --convert-days 7
has '"entries":3,"returning":1,"first_time":2,"left_details":2' out "first-time and returning apart"
has '"converted":1,"conversion":50.0' out "converted through the linked card"
has '"window_days":7' out "the window as given"
expect 0 "$fs" --data "$rep" report showroom --from "$today" --to "$today" --convert-days 7
has "conversion window 7 days after the visit" out "header: the window given"
hasnt "(default; --convert-days)" out "not the default"
expect 2 "$fs" --data "$rep" report showroom --convert-days 0
has "--convert-days wants 1..3650 days" err "a bad window is a usage error"
ok "report showroom: conversion through the card, the window in the header"

expect 0 "$fs" showroom log --help
for o in "--revisit yes|no" "--channel VALUE" "one of: walk_in, phone" \
  "default: none; the report counts it returning"; do
  has "$o" out "showroom log --help: $o"
done
expect 0 "$fs" report --help
has "--convert-days N" out "report --help: --convert-days"
has "(default: 30)" out "report --help: the default window"
ok "help lists the new options, their values and defaults"
echo "cli_showroom: $checks checks passed"

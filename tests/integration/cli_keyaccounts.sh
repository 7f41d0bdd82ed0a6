#!/usr/bin/env bash
# cli_keyaccounts.sh - issue 14, key customers chosen as the seeds say:
# the sales history per month (`sales add|list`, money in currency units),
# the ranking on a chosen period (cards without history fall back to their
# revenue field, source "card"), `keyaccounts apply` writing the report's
# tier to the cards, the manager's `keyaccounts override` shown as such in
# the report and `customer show`, and a rep refused.  Offline replicas (the
# daemon side and hostile devices: test_daemon_rules.c).
set -euo pipefail

. "$(dirname "$0")/lib/testlib.sh"
testlib_setup keyacc
export TZ=UTC LC_ALL=C
has() { grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }
hasnt() { ! grep -qF -- "$1" "$work/$2" || { cat "$work/out"; fail "$3"; }; }

mgr="$work/mgr" rep="$work/rep"
expect 0 "$fs" --data "$mgr" init --staff M01 --role manager --slot 2 --device 2
expect 0 "$fs" --data "$mgr" customer add --name "Big Co" --grade A --growth 90 --payment 90 \
  --credit 90 --strategic 90
big=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
expect 0 "$fs" --data "$mgr" customer add --name "Prospect Co" --grade C --growth 100 \
  --credit 100 --strategic 100
expect 0 "$fs" --data "$mgr" customer add --name "Small Co" --grade B --revenue 1000
small=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)

# --- the sales history ---------------------------------------------------------------
expect 0 "$fs" --data "$mgr" sales add --customer "$big" --month 2026-01 --revenue 12,345.60 \
  --margin 1,000 --units 2 --share 40
has "recorded the sales of 2026-01" out "sales add"
expect 1 "$fs" --data "$mgr" sales add --customer "$big" --month 2026-01 --revenue 1
has "already has its sales of 2026-01" err "one record per customer and month"
expect 2 "$fs" --data "$mgr" sales add --customer "$big" --month 2026-01-15
has "not a month" err "a mid-month date is not a month"
expect 2 "$fs" --data "$mgr" sales add --customer "$big" --month 2026-02 --revenue 12.345
has "not an amount" err "three decimals refused"
expect 0 "$fs" --data "$mgr" sales add --customer "$big" --month 2026-02 --revenue 500 \
  --margin -20.5
expect 0 "$fs" --data "$mgr" sales list --customer "$big" --to 2026-01
has "12,345.60" out "revenue shown in currency units"
has "1,000.00" out "margin shown in currency units"
hasnt "2026-02-01" out "--to limits the months"
has "(1 month;" out "one month listed"
expect 0 "$fs" --data "$mgr" --json sales list
has '"revenue":12345.60' out "JSON: a number in currency units"
ok "sales add/list: a month per record, money in currency units, the rules"

# --- the ranking on a period ---------------------------------------------------------
# January: Big Co 12,345.60 (history), margin 1,000: 30+20+13.5+13.5+9+9 = 95
# diamond; Prospect Co 15+10+10 = 35 silver; Small Co (card, 1,000.00):
# .3*8.10 = 2.43 none.
expect 0 "$fs" --data "$mgr" --csv report ranking --from 2026-01-01 --to 2026-01-31
# (one CSV table: revenue is the summary's column, before rank.)
has "ranking,,,12345.60,,,,,,,,,,1,M01-" out "Big Co first"
has ",Big Co,M01,1000.00,100.00,100.00,90,90,90,90,95.00,92.5%,92.5%,yes,diamond,none,no,history" \
  out "Big Co from its history"
has ",Prospect Co,M01,0.00,0.00,0.00,100,0,100,100,35.00,0.0%,92.5%,yes,silver,none,no,card" \
  out "a prospect is a key account by its score"
has ",Small Co,M01,0.00,8.10,0.00,0,0,0,0,2.43,7.5%,100.0%,no,none,none,no,card" \
  out "Small Co from its card"
has "summary,3,1,13345.60,2,92.5%,1,0,1,1,0,2,2" out "summary"
# February: Big Co 500, margin -20.50 (scores 0).
expect 0 "$fs" --data "$mgr" --csv report ranking --from 2026-02-01 --to 2026-02-28
has "ranking,,,500.00,,,,,,,,,,1,M01-2026-0101,Big Co,M01,-20.50,50.00,0.00,90,90,90,90,60.00," out "February alone: a loss-making margin scores 0"

# --- apply and override --------------------------------------------------------------
jan=(--from 2026-01-01 --to 2026-01-31)
expect 0 "$fs" --data "$mgr" keyaccounts apply --dry-run "${jan[@]}"
has "2 cards would change" out "dry run counts"
has "none -> diamond  Big Co" out "dry run lists"
expect 0 "$fs" --data "$mgr" customer show "$big"
hasnt "diamond" out "dry run wrote nothing"
expect 0 "$fs" --data "$mgr" keyaccounts apply "${jan[@]}"
has "3 customers ranked; 2 cards changed; 0 kept" out "apply"
expect 0 "$fs" --data "$mgr" --json customer show "$big"
has '"tier":"diamond"' out "tier applied"
has '"key_account":true' out "key_account applied"
expect 0 "$fs" --data "$mgr" keyaccounts override "$small" gold
has "the manager's override" out "override"
expect 0 "$fs" --data "$mgr" customer show "$small"
has "gold (the manager's override, not the score" out "customer show marks the override"
expect 0 "$fs" --data "$mgr" --csv report ranking "${jan[@]}"
has ",2.43,7.5%,100.0%,no,none,gold,yes,card" out "the report shows the override"
expect 0 "$fs" --data "$mgr" keyaccounts apply "${jan[@]}"
has "0 cards changed; 1 kept as the manager's override" out "apply leaves the override"
expect 2 "$fs" --data "$mgr" keyaccounts override "$small" platinum
has "not one of none, diamond, gold, silver" err "bad tier"
expect 0 "$fs" --data "$mgr" keyaccounts override "$small" --clear
expect 0 "$fs" --data "$mgr" keyaccounts apply "${jan[@]}"
has "1 cards changed" out "after --clear the score decides"
expect 0 "$fs" --data "$mgr" --json customer show "$small"
has '"tier":"none"' out "tier from the score again"
ok "keyaccounts apply follows the report; the override is shown and kept until cleared"

expect 0 "$fs" --data "$rep" init --staff A01 --slot 1 --device 1
expect 1 "$fs" --data "$rep" keyaccounts apply
has "only a manager or the central office" err "a rep does not apply"
expect 0 "$fs" --data "$rep" customer add --name "Rep Co" --grade B
rid=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
expect 1 "$fs" --data "$rep" keyaccounts override "$rid" gold
has "only a manager or the central office" err "a rep does not override"
expect 1 "$fs" --data "$rep" customer edit "$rid" --tier gold
has "tier: a card's key-account tier follows the composite score" err "rule K1 on the device"
ok "a rep neither applies, overrides nor edits a tier"

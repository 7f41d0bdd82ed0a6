#!/usr/bin/env bash
# cli_correct.sh - issue 15 point 5: `fieldsync visit correct` on an
# offline replica (the rules at the daemon and with hostile devices are
# test_daemon_correct.c): --help says what a correction is; the correction
# supersedes the visit (the list shows it once, --json too), `visit show`
# names "corrected by" on the original and "corrects" on the correction;
# a second correction of the same visit is refused naming the first; the
# chain's head may be corrected; bad command lines are usage errors.
set -euo pipefail

. "$(dirname "$0")/lib/testlib.sh"
testlib_setup correct
export TZ=UTC LC_ALL=C
has() { grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }

rep="$work/rep"
today=$(date +%F)
expect 0 "$fs" --data "$rep" init --staff A01
expect 0 "$fs" --help
has "visit correct" out "fieldsync --help lists visit correct"
expect 0 "$fs" visit correct --help
has "never meets a cadence deadline after the fact" out "help explains the cadence rule"
has "--method VALUE" out "help lists the fields"
if grep -qF -- "--customer-id" "$work/out"; then fail "help offers --customer-id"; fi
ok "visit correct --help"

expect 0 "$fs" --data "$rep" customer add --name "Hot Co" --grade A
cid=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
expect 0 "$fs" --data "$rep" visit log --customer "$cid" --at "${today}T09:00" --method email \
  --points "sent the brochure"
vid=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
expect 2 "$fs" --data "$rep" visit correct "$vid"
has "nothing to change" err "a correction must change something"
expect 2 "$fs" --data "$rep" visit correct "$vid" --customer-id "$cid"
has "keeps the visit's card" err "the card cannot change"
expect 2 "$fs" --data "$rep" visit correct
ok "usage errors: nothing to change, the card, no ID"

expect 0 "$fs" --data "$rep" visit correct "${vid:0:16}" --method phone --points "called"
has "recorded the correction" out "correction recorded"
nid=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
expect 0 "$fs" --data "$rep" visit list
has "(1 record)" out "the list counts the corrected visit once"
has "${nid:0:16}" out "the list shows the correction"
expect 0 "$fs" --data "$rep" --json visit list
[ "$(grep -o '"id"' "$work/out" | wc -l)" = 1 ] || fail "--json lists the visit once"
has "\"corrects\":\"$vid\"" out "--json shows corrects"
has "\"counts_on\":\"$today\"" out "--json shows counts_on"
expect 0 "$fs" --data "$rep" visit show "$vid"
has "corrected by" out "the original names its correction"
has "$nid" out "the original names its correction's id"
has "sent the brochure" out "the original is kept"
expect 0 "$fs" --data "$rep" visit show "$nid"
has "visit this one corrects" out "the correction names the original"
has "$vid" out "the correction names the original's id"
ok "corrected: listed once, both shown"

expect 1 "$fs" --data "$rep" visit correct "$vid" --points "again"
has "already corrected by ${nid:0:16}" err "a second correction names the first"
expect 0 "$fs" --data "$rep" visit correct "$nid" --points "called, and agreed a demo"
expect 0 "$fs" --data "$rep" visit list
has "(1 record)" out "still once after correcting the head"
ok "once per visit; the head may be corrected"
echo "cli_correct: $checks checks passed"

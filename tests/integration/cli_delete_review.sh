#!/usr/bin/env bash
# cli_delete_review.sh - issue 14: the CLI of a deletion request and its
# answer, on offline replicas (the daemon side, the notices and the
# hostile devices are test_daemon_review.c): a rep's `customer delete` of
# a card with visits becomes a request, which `customer list
# --delete-requested` shows; the rep cannot answer it; the manager
# (`customer delete-review`) rejects (the request is cleared) or confirms
# (the card is deleted); `notices` lists what the daemon sent (none here).
set -euo pipefail

. "$(dirname "$0")/lib/testlib.sh"
testlib_setup delrev
export TZ=UTC LC_ALL=C
has() { grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }

rep="$work/rep" mgr="$work/mgr"
expect 0 "$fs" --data "$rep" init --staff A01 --slot 1 --device 1
expect 0 "$fs" --data "$rep" customer add --name "Busy Co" --grade B
cid=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
expect 0 "$fs" --data "$rep" visit log --customer "$cid" --at "$(date +%F)T00:01" --method phone
expect 0 "$fs" --data "$rep" customer delete "$cid"
has "deletion of customer $cid requested" out "a rep's delete is a request"
expect 0 "$fs" --data "$rep" --json customer list --delete-requested
has "\"delete_requested\":\"$(date +%F)\"" out "list --delete-requested shows the request"
expect 1 "$fs" --data "$rep" customer delete-review "$cid" --confirm
has "only a manager or the central office" err "a rep does not answer"
expect 0 "$fs" --data "$rep" notices
has "no notices" out "notices: none offline"
expect 0 "$fs" --data "$rep" --json notices
has "[]" out "notices --json: an empty array"
ok "rep: the delete became a request; listed; the rep cannot answer it"

# A manager's own card (an offline replica holds only its own): the same
# request and both answers.
expect 0 "$fs" --data "$mgr" init --staff M01 --role manager --slot 2 --device 2
expect 0 "$fs" --data "$mgr" customer add --name "Team Co" --grade C
mid=$(grep -oE '[0-9a-f]{32}' "$work/out" | head -1)
expect 1 "$fs" --data "$mgr" customer delete-review "$mid" --reject
has "no deletion request" err "nothing to answer without a request"
expect 0 "$fs" --data "$mgr" customer edit "$mid" --delete-requested 2026-03-03
expect 2 "$fs" --data "$mgr" customer delete-review "$mid"
has "give exactly one of --confirm and --reject" err "one of the two answers"
expect 0 "$fs" --data "$mgr" customer delete-review "$mid" --reject --note "still buying"
has "deletion of customer $mid rejected by M01" out "rejected"
expect 0 "$fs" --data "$mgr" --json customer show "$mid"
has '"delete_note":"still buying"' out "the note is on the card"
expect 0 "$fs" --data "$mgr" customer list --delete-requested
has "(0 " out "the request is cleared"
expect 0 "$fs" --data "$mgr" customer edit "$mid" --delete-requested 2026-03-04
expect 0 "$fs" --data "$mgr" --json customer delete-review "$mid" --confirm
has '"deleted":true' out "confirmed: deleted"
expect 1 "$fs" --data "$mgr" customer show "$mid"
ok "manager: no request refused, --confirm|--reject required, reject clears, confirm deletes"

expect 0 "$fs" customer delete-review --help
for o in ID --confirm --reject "--note TEXT"; do has "$o" out "delete-review --help: $o"; done
expect 0 "$fs" customer list --help
has "--delete-requested" out "customer list --help: --delete-requested"
ok "help explains every option"
echo "cli_delete_review: $checks checks passed"

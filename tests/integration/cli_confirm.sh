#!/usr/bin/env bash
# cli_confirm.sh - issue 15, point 5: destructive commands ask first.
#   `fieldsync customer delete` (a real delete: a manager's) and
#   `fieldsyncd depart` / `transfer` say what they would change and ask on
#   a terminal (script(1) gives them a pty); only "y" or "yes" goes ahead;
#   --yes (-y) skips the question; with no terminal and no --yes they are
#   refused as usage errors (exit 2) that say to add --yes, and nothing
#   changes.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup confirm
command -v script >/dev/null 2>&1 || { echo "skip: script (util-linux) missing"; exit 77; }
export TZ=UTC LC_ALL=C
export FIELDSYNC_HOME="$work/home"
year=$(date +%Y)
has() { grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }

# answer TEXT CMD...: runs CMD on a pseudo-terminal, typing TEXT and a
# line end; its output (both streams, without the pty's \r) in $work/out,
# its exit code in $rc.
answer() {
  local text=$1 cmd=""
  shift
  for a in "$@"; do cmd="$cmd $(printf '%q' "$a")"; done
  rc=0
  printf '%s\n' "$text" | script -qec "$cmd" /dev/null | tr -d '\r' >"$work/out" || rc=$?
}

# --- fieldsync customer delete ------------------------------------------------------
"$fs" init --staff M01 --role manager --slot 1 >/dev/null
cid() { "$fs" "$@" | grep -oE '[0-9a-f]{32}' | head -1; }
c1=$(cid customer add --name "Acme Trading" --grade A)
"$fs" contact add --customer "$c1" --name "Wang" >/dev/null
"$fs" contact add --customer "$c1" --name "Li" >/dev/null
for d in 01 02 03; do
  "$fs" visit log --customer "$c1" --at "2026-03-${d}T10:00" --method phone >/dev/null
done
"$fs" opportunity add --customer "$c1" --title "Vans" >/dev/null

expect 2 "$fs" customer delete "$c1"
has "add --yes" err "delete without a terminal: says to add --yes"
expect 0 "$fs" customer show "$c1"
ok "customer delete without a terminal nor --yes: refused (exit 2), card kept"

for no in n no "" maybe; do
  answer "$no" "$fs" customer delete "$c1"
  [ "$rc" = 1 ] || { cat "$work/out"; fail "answer \"$no\": exit $rc"; }
  has "nothing deleted" out "answer \"$no\" deletes nothing"
done
has "delete customer M01-$year-0001 Acme Trading with 3 visits, 2 contacts, 1 opportunity? [y/N]" \
  out "the question names the card and its impact"
expect 0 "$fs" customer show "$c1"
ok "customer delete on a terminal: the impact asked, anything but y/yes keeps the card"

answer yes "$fs" customer delete "$c1"
[ "$rc" = 0 ] || { cat "$work/out"; fail "answer yes: exit $rc"; }
has "deleted customer $c1" out "answer yes deletes"
expect 1 "$fs" customer show "$c1"
c2=$(cid customer add --name "Beta" --grade B)
c3=$(cid customer add --name "Gamma" --grade B)
expect 0 "$fs" customer delete "$c2" --yes
expect 0 "$fs" customer delete -y "$c3"
expect 1 "$fs" customer show "$c2"
expect 1 "$fs" customer show "$c3"
c4=$(cid customer add --name "Delta" --grade B)
c5=$(cid contact add --customer "$c4" --name "Zhao")
expect 0 "$fs" contact delete "$c5"
expect 2 "$fs" contact delete "$c4" --yes
ok "yes/--yes/-y delete; contact delete asks nothing and has no --yes"

# --- fieldsyncd depart / transfer -----------------------------------------------------
"$fsd" init --data "$work/d" >/dev/null
for s in "M01 --role manager" "A01 --role rep --manager M01" "A02 --role rep --manager M01" \
  "A03 --role rep --manager M01"; do
  # shellcheck disable=SC2086
  "$fsd" --data "$work/d" staff add ${s%% *} --name "n ${s%% *}" ${s#* } >/dev/null
done
staff_status() { "$fsd" --data "$work/d" --json staff show "$1"; }

expect 2 "$fsd" --data "$work/d" depart A01 --successor A02
has "add --yes" err "depart without a terminal: says to add --yes"
staff_status A01 | grep -q '"departed"' && fail "refused depart changed A01"
expect 2 "$fsd" --data "$work/d" transfer --from A02 --to A03
has "add --yes" err "transfer without a terminal: says to add --yes"
expect 2 "$fsd" --data "$work/d" depart A01 --sucessor A02
has "did you mean" err "a wrong option is said before anything is asked"
ok "depart/transfer without a terminal nor --yes: refused (exit 2)"

answer n "$fsd" --data "$work/d" depart A01 --successor A02
[ "$rc" = 1 ] || { cat "$work/out"; fail "depart answered n: exit $rc"; }
has "DRY RUN - nothing changed" out "depart shows its dry run before asking"
has "depart: do this for real? [y/N]" out "depart asks"
has "nothing changed" out "depart answered n"
staff_status A01 | grep -q '"departed"' && fail "depart answered n changed A01"
answer y "$fsd" --data "$work/d" depart A01 --successor A02
[ "$rc" = 0 ] || { cat "$work/out"; fail "depart answered y: exit $rc"; }
staff_status A01 | grep -q '"departed"' || { staff_status A01; fail "depart answered y: A01 still active"; }
ok "depart on a terminal: dry run, question; n keeps, y departs"

answer y "$fsd" --data "$work/d" transfer --from A02 --to A03
[ "$rc" = 0 ] || { cat "$work/out"; fail "transfer answered y: exit $rc"; }
has "transfer: do this for real? [y/N]" out "transfer asks"
expect 0 "$fsd" --data "$work/d" transfer --from A03 --to A02 -y
expect 0 "$fsd" --data "$work/d" depart A02 --successor A03 --yes
staff_status A02 | grep -q '"departed"' || fail "depart --yes: A02 still active"
expect 0 "$fsd" --data "$work/d" depart A03 --dry-run
ok "transfer asks; -y/--yes go ahead; --dry-run needs no answer"

echo "cli_confirm: $checks checks passed"

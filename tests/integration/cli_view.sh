#!/usr/bin/env bash
# cli_view.sh - issue 15, points 4 and 8, on a terminal (script(1) gives
# the programs a pty) and through a pipe, COLUMNS=60:
#   4  child lists (visit, contact, opportunity, lost) name their customer
#      by archive number and name; visit show names its customer instead of
#      a 32-hex id; show hides empty fields unless --all; customer show
#      lists the card's contacts, visits (the latest 10) and opportunities;
#   8  tables fit the terminal's width by dropping and shortening columns,
#      a pipe gets every cell whole (no "..."); the pager on a terminal only
#      ($PAGER, default less with LESS=FRX, --no-pager, PAGER=cat or empty:
#      none); one table style (a rule under every header: lists, audit);
#      --csv refused (exit 2) by commands without CSV, conflicts has it;
#      the depart dry run lists lost customers in archive-number order.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup view
command -v script >/dev/null 2>&1 || { echo "skip: script (util-linux) missing"; exit 77; }
export TZ=UTC LC_ALL=C
export FIELDSYNC_HOME="$work/home"
unset PAGER LESS COLUMNS
year=$(date +%Y)
has() { grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }
hasnt() { ! grep -qF -- "$1" "$work/$2" || { cat "$work/out"; fail "$3"; }; }

# tty CMD...: runs CMD on a pseudo-terminal (stdout a tty); its output,
# line ends without the pty's \r, in $work/out.
tty() {
  local cmd=""
  for a in "$@"; do cmd="$cmd $(printf '%q' "$a")"; done
  script -qec "$cmd" /dev/null </dev/null | tr -d '\r' >"$work/out"
}
# widest: the widest line of $work/out in display columns (CJK counts 2).
widest() { LC_ALL=C.UTF-8 wc -L <"$work/out"; }

"$fs" init --staff A01 --slot 1 >/dev/null
cid() { "$fs" "$@" | grep -oE '[0-9a-f]{32}' | head -1; }
c1=$(cid customer add --name "北京宏达物流有限公司" --grade A --phone 010-1234)
c2=$(cid customer add --name "Plain Trading Company of the Northern Provinces Ltd" --grade B)
"$fs" contact add --customer "$c1" --name "王五" --rank manager >/dev/null
for d in 01 02 03 04 05 06 07 08 09 10 11 12; do
  "$fs" visit log --customer "$c1" --at "2026-03-${d}T10:00" --method phone >/dev/null
done
v2=$(cid visit log --customer "$c2" --at 2026-03-05T09:00 --method in_person \
  --points "a long account of everything that was said about the fleet, the prices and terms")
"$fs" opportunity add --customer "$c1" --title "Fleet of 12 vans" --amount 3600000 >/dev/null
"$fs" lost add --customer "$c2" --lost-date 2026-03-10 --reason "price" >/dev/null

# --- 4: child records name their customer -------------------------------------------
for k in visit contact opportunity lost; do
  expect 0 "$fs" $k list
  head -1 "$work/out" | grep -q "archive_no  *customer" || fail "$k list: customer columns"
done
expect 0 "$fs" visit list --customer "$c2"
has "A01-$year-0002  Plain Trading Company of the Northern Provinces Ltd" out \
  "visit list: archive number and name of the customer"
expect 0 "$fs" contact list
has "A01-$year-0001  北京宏达物流有限公司  王五" out "contact list: the customer's name"
expect 0 "$fs" lost list --csv
has "archive_no,customer" out "lost list --csv: customer columns"
has "A01-$year-0002,Plain Trading Company of the Northern Provinces Ltd" out \
  "lost list --csv: the customer"
ok "visit, contact, opportunity and lost lists name the customer"

expect 0 "$fs" visit show "$v2"
has "A01-$year-0002  Plain Trading Company" out "visit show names the customer"
[ "$(grep -c "$c2" "$work/out" || true)" = 0 ] || fail "visit show prints the customer's id"
hasnt "  -" out "visit show: no empty fields"
expect 0 "$fs" visit show "$v2" --all
grep -qE "  -$" "$work/out" || fail "visit show --all: the empty fields too"
ok "visit show: the customer by name, empty fields only with --all"

expect 0 "$fs" customer show "$c1"
short=$(wc -l <"$work/out")
hasnt "2. Characteristics" out "customer show: an empty group is hidden"
grep -qE "  -$" "$work/out" && fail "customer show: an empty field shown"
has "contacts (1)" out "customer show: its contacts"
has "王五" out "customer show: the contact's name"
has "visits, latest first (12)" out "customer show: its visits"
has "2026-03-12T10:00" out "customer show: the latest visit"
hasnt "2026-03-01T10:00" out "customer show: the 10 latest visits only"
has "(10 of 12 shown: fieldsync visit list --customer A01-$year-0001)" out \
  "customer show: where the other visits are"
has "opportunities (1)" out "customer show: its opportunities"
has "Fleet of 12 vans" out "customer show: the opportunity's title"
expect 0 "$fs" customer show "$c1" --all
has "2. Characteristics" out "customer show --all: every group"
has "2026-03-01T10:00" out "customer show --all: every visit"
[ "$(wc -l <"$work/out")" -gt $((short + 20)) ] || fail "customer show --all is longer"
ok "customer show: only what is filled in, with the card's contacts, visits, opportunities"

# --- 8: width: fitted on a terminal, whole through a pipe ----------------------------
COLUMNS=60 tty "$fs" --no-pager agenda --date 2026-04-15
[ "$(widest)" -le 60 ] || { cat "$work/out"; fail "agenda wider than COLUMNS=60"; }
has "北京宏达物流有限公司" out "agenda at 60 columns keeps the customer"
COLUMNS=60 tty "$fs" --no-pager visit list
[ "$(widest)" -le 60 ] || { cat "$work/out"; fail "visit list wider than COLUMNS=60"; }
has "..." out "a long cell is shortened on a narrow terminal"
COLUMNS=60 tty "$fs" --no-pager outbox
[ "$(widest)" -le 60 ] || { cat "$work/out"; fail "outbox wider than COLUMNS=60"; }
COLUMNS=200 tty "$fs" --no-pager visit list
[ "$(widest)" -gt 60 ] || fail "COLUMNS=200: the columns come back"
has "Plain Trading Company of the Northern Provinces Ltd" out "COLUMNS=200: nothing shortened"
ok "COLUMNS=60 on a terminal: agenda, visit list and outbox fit"

COLUMNS=60 expect 0 "$fs" agenda --date 2026-04-15
[ "$(widest)" -gt 60 ] || fail "piped agenda fitted: a pipe gets every column"
COLUMNS=60 expect 0 "$fs" outbox
hasnt "..." out "piped outbox truncated"
has "name,phone,grade,grade_date,created,archive_no" out "piped outbox: fields whole"
COLUMNS=60 expect 0 "$fs" visit list
has "Plain Trading Company of the Northern Provinces Ltd" out "piped visit list: cells whole"
hasnt "..." out "piped visit list: nothing shortened"
ok "a pipe gets every cell whole, whatever COLUMNS says"

# --- 8: the pager -----------------------------------------------------------------
PAGER='sed s/^/P:/' tty "$fs" customer list
grep -q "^P:.*archive_no  " "$work/out" || { cat "$work/out"; fail "PAGER not used on a terminal"; }
PAGER='sed s/^/P:/' tty "$fs" --no-pager customer list
grep -q "^\(id  .*\)\{0,1\}archive_no  " "$work/out" || fail "--no-pager: no pager"
hasnt "P:" out "--no-pager: no pager"
for p in cat ""; do
  PAGER=$p tty "$fs" customer list
  grep -q "^\(id  .*\)\{0,1\}archive_no  " "$work/out" || fail "PAGER='$p': no pager"
done
PAGER='echo "LESS=$LESS"; cat' tty "$fs" customer list
has "LESS=FRX" out "the pager gets LESS=FRX"
PAGER='sed s/^/P:/' tty "$fs" customer add --name Paged --grade C
hasnt "P:" out "a write is not paged"
PAGER='sed s/^/P:/' expect 0 "$fs" customer list
hasnt "P:" out "a pipe is never paged"
if command -v less >/dev/null 2>&1; then
  tty "$fs" customer list
  has "Plain Trading" out "the default pager (less -FRX) shows a short list and ends"
fi
ok "pager: on a terminal only, PAGER, --no-pager, PAGER=cat or empty"

# --- 8: one table style, --csv only where there is CSV ------------------------------
expect 0 "$fs" customer list
sed -n 2p "$work/out" | grep -qE '^-+(  -+)+$' || fail "a list has the rule under its header"
expect 0 "$fs" conflicts
sed -n 2p "$work/out" | grep -qE '^-+(  -+)+$' || fail "conflicts: the one table style"
has "(0 open items)" out "conflicts: the count"
expect 0 "$fs" conflicts --csv
has "n,when,customer,field,kept,kept by,lost,lost by,state" out "conflicts --csv: a CSV header"
for cmd in "customer show $c1" "visit show $v2" "sync" "customer add --name X --grade C"; do
  # shellcheck disable=SC2086
  expect 2 "$fs" --csv $cmd
  has "this command has no CSV output: --csv" err "$cmd --csv refused"
done
ok "one table style; --csv refused (exit 2) where a command has none"

# --- 8: the depart dry run lists lost customers in archive-number order ---------------
command -v sqlite3 >/dev/null 2>&1 || { echo "skip: sqlite3 missing"; exit 0; }
"$fsd" init --data "$work/d" >/dev/null 2>&1
"$fsd" --data "$work/d" seed --reps 2 --customers 12 --months 1 >/dev/null 2>&1
sqlite3 "$work/d/central.db" "UPDATE customers SET grade='lost' WHERE owner='A01';
  UPDATE customers SET archive_no='A01-2026-12701' WHERE archive_no='A01-2026-6301';
  UPDATE customers SET archive_no='A01-2026-999' WHERE archive_no='A01-2026-6303';"
expect 0 "$fsd" --data "$work/d" depart A01 --successor A02 --dry-run
grep -oE 'A01-2026-[0-9]+' "$work/out" >"$work/order"
sort -t- -k3,3n "$work/order" | diff - "$work/order" >/dev/null ||
  { cat "$work/out"; fail "depart dry run: lost customers not in archive-number order"; }
[ "$(head -1 "$work/order")" = A01-2026-999 ] && [ "$(tail -1 "$work/order")" = A01-2026-12701 ] ||
  fail "depart dry run: 999 first, 12701 last"
expect 0 "$fsd" --data "$work/d" audit
head -1 "$work/out" | grep -q "^at  *actor  *action" || fail "audit has a header"
ok "depart dry run in archive-number order; audit with a header"

# --- 8 in fieldsyncd: its listings are rendered by the admin's own process -----------
"$fsd" --data "$work/d" enroll A02 >/dev/null
for cmd in "audit" "staff list" "devices"; do
  # shellcheck disable=SC2086
  COLUMNS=60 tty "$fsd" --data "$work/d" --no-pager $cmd
  [ "$(widest)" -le 60 ] || { cat "$work/out"; fail "fieldsyncd $cmd wider than COLUMNS=60"; }
done
COLUMNS=60 tty "$fsd" --data "$work/d" --no-pager audit
has "..." out "fieldsyncd audit: a long detail is shortened on a narrow terminal"
# shellcheck disable=SC2086
COLUMNS=60 expect 0 "$fsd" --data "$work/d" audit
[ "$(widest)" -gt 60 ] || fail "piped fieldsyncd audit fitted: a pipe gets every column"
hasnt "..." out "piped fieldsyncd audit: nothing shortened"
COLUMNS=60 tty "$fsd" --data "$work/d" --no-pager report ranking --from 2026-01-01
grep -q "^rank  archive_no" "$work/out" || { cat "$work/out"; fail "ranking: rank first"; }
[ "$(grep -A99 '^rank  ' "$work/out" | LC_ALL=C.UTF-8 wc -L)" -le 60 ] ||
  { cat "$work/out"; fail "fieldsyncd report ranking table wider than COLUMNS=60"; }
PAGER='sed s/^/P:/' tty "$fsd" --data "$work/d" staff list
grep -q "^P:CODE  " "$work/out" || { cat "$work/out"; fail "fieldsyncd: PAGER not used"; }
PAGER='sed s/^/P:/' tty "$fsd" --data "$work/d" --no-pager staff list
hasnt "P:" out "fieldsyncd --no-pager: no pager"
PAGER='sed s/^/P:/' tty "$fsd" --data "$work/d" enroll A02
hasnt "P:" out "fieldsyncd: a write is not paged"
PAGER='sed s/^/P:/' expect 0 "$fsd" --data "$work/d" staff list
hasnt "P:" out "fieldsyncd: a pipe is never paged"
expect 0 "$fsd" --data "$work/d" --csv audit
head -1 "$work/out" | grep -q "^at,actor,action" || fail "fieldsyncd audit --csv"
expect 2 "$fsd" --data "$work/d" --csv revoke 1
has "this command has no CSV output: --csv" err "fieldsyncd revoke --csv refused"
expect 0 "$fsd" --help
has "--no-pager" out "fieldsyncd --help names --no-pager"
expect 0 "$fsd" staff list --help
has "--no-pager" out "fieldsyncd staff list --help names --no-pager"
ok "fieldsyncd: listings fit COLUMNS=60 on a terminal, whole through a pipe, paged, --csv"

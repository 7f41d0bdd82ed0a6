#!/usr/bin/env bash
# cli_basic.sh - drives bin/fieldsync end to end on a fresh local replica:
# init, customers (one Chinese), grade, visits, contacts, opportunities,
# showroom, list/show (human and --json), refusals and usage errors, outbox.
set -euo pipefail

bin=${FS_BIN:?FS_BIN must point at the bin directory}/fieldsync
work=$(mktemp -d "${TMPDIR:-/tmp}/fs-cli-basic.XXXXXX")
trap 'rm -rf "$work"' EXIT
export FIELDSYNC_HOME="$work/home"
unset FIELDSYNC_LOG

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"

have_python=0
if command -v python3 >/dev/null 2>&1; then have_python=1; fi
json_ok() {
  if [ "$have_python" = 1 ]; then
    python3 -m json.tool "$work/out" >/dev/null || fail "invalid JSON from: $*"
    ok "valid JSON: $*"
  else
    echo "skip: python3 missing, JSON of '$*' not validated"
  fi
}

# --- help and usage -----------------------------------------------------------
expect 0 "$bin" --help
grep -q "customer add" "$work/out" || fail "--help lists commands"
expect 0 "$bin" customer add --help
grep -q -- "--grade VALUE" "$work/out" || fail "add --help lists fields"
grep -q "O, A, B, C, delivered, lost" "$work/out" || fail "add --help lists enum values"
expect 0 "$bin" help visit log
grep -q -- "--method" "$work/out" || fail "help visit log"
ok "help: --help, CMD --help, help CMD"
expect 2 "$bin"
expect 2 "$bin" frobnicate
expect 2 "$bin" customer frobnicate
ok "usage errors exit 2"

# --- init -------------------------------------------------------------------------
expect 1 "$bin" customer list
grep -q "not enrolled" "$work/err" || fail "no replica message"
# Issue 12: a fresh data directory names both ways to set it up.
grep -q "fieldsync init --token TOKEN .*enroll with the daemon" "$work/err" ||
  fail "no-replica message names init --token"
grep -q "fieldsyncd enroll CODE" "$work/err" || fail "no-replica message says where TOKEN comes from"
grep -q "fieldsync init --staff CODE .*offline replica" "$work/err" ||
  fail "no-replica message names init --staff"
expect 1 "$bin" conflicts
grep -q "not enrolled" "$work/err" || fail "conflicts runs (it also heads a group)"
expect 0 "$bin" init --help
for opt in "--token TOKEN" "--staff CODE" "--role R" "--slot N" "--device N" "fieldsyncd enroll"; do
  grep -q -- "$opt" "$work/out" || fail "init --help does not explain $opt"
done
grep -q "offline replica" "$work/out" || fail "init --help explains the offline replica"
ok "fresh directory: both ways to set it up named; init --help explains them"
expect 2 "$bin" init
expect 1 "$bin" init --staff a01
grep -q "staff" "$work/err" || fail "bad staff code named"
expect 1 "$bin" init --staff A01 --role boss
grep -q "rep, manager, admin" "$work/err" || fail "bad role lists values"
expect 0 "$bin" init --staff A01 --slot 1 --device 3
expect 0 "$bin" init --staff A01 --slot 1 --device 3
expect 1 "$bin" init --staff B02
ok "init: identity stored, refusals"

# --- customers ----------------------------------------------------------------------
expect 0 "$bin" customer add --name "上海浦东汽车销售有限公司" --grade B --phone 021-5555-0101 \
  --address "浦东新区世纪大道100号" --industry 汽车
year=$(date +%Y)
grep -q "A01-$year-0001" "$work/out" || fail "first archive number"
cn_id=$(awk '{print $4}' "$work/out")
expect 0 "$bin" customer add --name "Acme \"Fleet\" Ltd" --grade C --set principal='Mr. Li'
grep -q "A01-$year-0002" "$work/out" || fail "second archive number"
acme=$(awk '{print $4}' "$work/out")
ok "customer add (Chinese and quoted ASCII), archive numbers"

expect 0 "$bin" customer list
grep -q "上海浦东汽车销售有限公司" "$work/out" || fail "list shows Chinese name"
# CJK width: the grade column lines up for both rows.
hdr_col=$(head -1 "$work/out" | awk '{print index($0, "grade")}')
[ -n "$hdr_col" ] || fail "list header"
ok "customer list (human)"
expect 0 "$bin" customer list --json
json_ok "customer list --json"
grep -q '"name":"上海浦东汽车销售有限公司"' "$work/out" || fail "UTF-8 passes through JSON"
grep -q 'Acme \\"Fleet\\" Ltd' "$work/out" || fail "quotes escaped in JSON"
expect 0 "$bin" customer list --grade B --json
json_ok "customer list --grade B"
grep -q "$cn_id" "$work/out" || fail "grade filter keeps B"
if grep -q "$acme" "$work/out"; then fail "grade filter drops C"; fi
expect 0 "$bin" customer search 浦东
grep -q "A01-$year-0001" "$work/out" || fail "search finds Chinese"
expect 0 "$bin" customer list --search 0101
grep -q "A01-$year-0001" "$work/out" || fail "search by phone"
ok "filters: grade, search (Chinese, phone)"

expect 0 "$bin" customer show --all "A01-$year-0001"
grep -q "1. Basic data" "$work/out" || fail "show group 1"
grep -q "2. Characteristics" "$work/out" || fail "show group 2"
grep -q "3. Business status" "$work/out" || fail "show group 3"
grep -q "4. Transaction status" "$work/out" || fail "show group 4"
grep -q "name / 名称" "$work/out" || fail "show labels"
expect 0 "$bin" customer show "${cn_id:0:16}" --json
json_ok "customer show --json (by id prefix)"
grep -q '"archive_no":"A01-'"$year"'-0001"' "$work/out" || fail "show json archive"

# Issue 14 (rule K1): key_account is the manager's, not the rep's.
expect 1 "$bin" customer edit "$acme" --key-account yes
grep -q "key_account: a card's key-account tier follows the composite score" "$work/err" ||
  fail "a rep's key_account edit not refused with the rule"
expect 0 "$bin" customer edit "$acme" --phone 138-0000 --key-account no --revenue 1250000
expect 0 "$bin" customer show "$acme" --json
grep -q '"key_account":false' "$work/out" || fail "bool edit"
grep -q '"revenue":1250000' "$work/out" || fail "int edit"
ok "customer edit, show by archive number/prefix"

# --- grades -----------------------------------------------------------------------------
expect 0 "$bin" customer grade "$cn_id" A --date 2026-03-01
expect 1 "$bin" customer grade "$cn_id" delivered
grep -q "delivery_date" "$work/err" || fail "delivered needs delivery_date"
expect 2 "$bin" customer grade "$cn_id" Z
grep -q "O, A, B, C, delivered, lost" "$work/err" || fail "bad grade lists values"
expect 0 "$bin" customer grade "$cn_id" delivered --delivery-date 2026-03-05
expect 0 "$bin" customer history --customer "$cn_id" --json
json_ok "grade history"
n=$(grep -o '"kind":"grade_change"' "$work/out" | wc -l)
[ "$n" = 3 ] || fail "3 grade changes, got $n"
ok "customer grade: history appended, delivered needs a delivery date"

# --- refusals write nothing ------------------------------------------------------------------
expect 0 "$bin" outbox --json
before=$(grep -o '"counter"' "$work/out" | wc -l)
expect 2 "$bin" customer add --name X --grade Q
grep -q "grade" "$work/err" || fail "bad grade named"
expect 2 "$bin" customer add --grade A
grep -q "name" "$work/err" || fail "missing name named"
expect 2 "$bin" customer add --name X --grade A --founded 2026-02-30
grep -q "founded" "$work/err" || fail "bad date named"
expect 2 "$bin" customer add --name X --grade A --colour red
expect 2 "$bin" customer add --name
expect 0 "$bin" outbox --json
after=$(grep -o '"counter"' "$work/out" | wc -l)
[ "$before" = "$after" ] || fail "refused input wrote to the outbox ($before -> $after)"
ok "bad input refused (exit 2: usage errors, issue 15) and nothing written"

# --- children ----------------------------------------------------------------------------------
expect 0 "$bin" contact add --customer "A01-$year-0001" --name 王经理 --buying-role decision_maker \
  --stance support
expect 2 "$bin" contact add --customer "A01-$year-0001" --name X --stance hostile
grep -q "support, neutral, oppose" "$work/err" || fail "stance values listed"
expect 0 "$bin" contact list --customer "$cn_id"
grep -q "王经理" "$work/out" || fail "contact list"
ok "contact add/list"

expect 0 "$bin" visit log --customer "$cn_id" --at "2026-03-02 10:30" --method in_person \
  --stage proposal --attitude enthusiastic --points "报价 & 交车时间"
expect 0 "$bin" visit log --customer "$acme" --at 2026-03-09T15:00 --method phone
expect 2 "$bin" visit log --customer "$acme" --at 2026-03-10T09:00 --method pigeon
grep -q "method" "$work/err" || fail "visit method named"
expect 0 "$bin" visit list --from 2026-03-01 --to 2026-03-05 --json
json_ok "visit list --json"
grep -q '"at":"2026-03-02T10:30:00"' "$work/out" || fail "visit in range"
if grep -q '2026-03-09' "$work/out"; then fail "visit outside range listed"; fi
ok "visit log/list with date range"

expect 0 "$bin" opportunity add --customer "$acme" --title "Fleet of 12" --amount 3600000 \
  --q-real yes
opp=$(awk '{print $NF}' "$work/out")
expect 0 "$bin" opportunity edit "$opp" --stage proposal --status open
expect 0 "$bin" opportunity show "$opp" --json
json_ok "opportunity show"
grep -q '"stage":"proposal"' "$work/out" || fail "opportunity edit"
expect 0 "$bin" opportunity list --customer "$acme"
grep -q "Fleet of 12" "$work/out" || fail "opportunity list"
ok "opportunity add/edit/show/list"

expect 0 "$bin" showroom log --arrived "2026-03-07T10:00" --visitor 张先生 --model "SUV X5" \
  --left-details yes --grade B
expect 0 "$bin" showroom list --json
json_ok "showroom list"
grep -q '"rep_on_duty":"A01"' "$work/out" || fail "rep on duty defaults to us"
ok "showroom log/list"

# --- outbox ---------------------------------------------------------------------------------------
expect 0 "$bin" outbox
grep -q "pending" "$work/out" || fail "outbox lists pending"
grep -q "visit" "$work/out" || fail "outbox has the visit"
expect 0 "$bin" outbox --json
json_ok "outbox --json"
expect 0 "$bin" outbox --rejected --json
[ "$(cat "$work/out")" = "[]" ] || fail "no rejected entries"
ok "outbox lists pending changes"

# --- issue 11: formula cells in --csv, control characters in names -----------------------------
expect 0 "$bin" customer add --name "=cmd|' /C calc'!A0" --grade C
formula=$(awk '{print $4}' "$work/out")
expect 0 "$bin" --csv customer list --grade C
grep -q "^[0-9a-f]*,A01-$year-[0-9]*,'=cmd|' /C calc'!A0,C," "$work/out" ||
  fail "--csv writes a formula name as text (leading ')"
if grep -q ",=cmd" "$work/out"; then fail "--csv wrote a live formula"; fi
ok "--csv neutralises a formula cell"
expect 2 "$bin" customer add --name "$(printf 'A\033[31mB')" --grade C
grep -q "name: contains an escape character (U+001B) at byte 1" "$work/err" ||
  fail "ESC in a name is refused, naming the field"
expect 2 "$bin" customer edit "$formula" --name "$(printf 'two\nlines')"
grep -q "name: contains a line break" "$work/err" || fail "newline in a name is refused"
expect 0 "$bin" customer edit "$formula" --principal-traits "$(printf 'golf\n\tand tea')"
ok "single-line text refuses control characters; multi-line keeps line breaks"

# A rep's delete is a request the manager confirms (issue 14): the card
# stays, marked with the day of the request.
expect 0 "$bin" customer delete "$acme"
grep -q "deletion of customer $acme requested; the manager deletes it or keeps it" "$work/out" ||
  fail "a rep's delete is a request"
expect 0 "$bin" customer show "$acme"
grep -q "申请删除日期 *[0-9]\{4\}-" "$work/out" || fail "the card shows the deletion request"
ok "customer delete (a rep's request)"

echo "cli_basic: $checks checks passed"

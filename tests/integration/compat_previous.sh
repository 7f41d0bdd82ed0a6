#!/usr/bin/env bash
# compat_previous.sh - the compatibility promise (PROTOCOL.md section 8):
# the previous release's client keeps working against this tree's daemon,
# and this tree's client upgrades the previous release's replica in place
# without losing its outbox.
#
# The previous release is built from its committed source snapshot
# (tests/compat/fieldsync-X.Y.Z.tar.xz, tests/compat/snapshot.sh), so a
# shallow clone without tags runs this test too; the build is cached in the
# suite's build directory (tests/compat/build_client.sh).
#
#   1. NEW daemon on 127.0.0.1; an OLD device (A01) and a NEW device (A01's
#      second one) enroll
#   2. OLD works offline (customers, grade, contacts, visit, opportunity,
#      showroom, edit), syncs: outbox empty, nothing rejected
#   3. NEW pulls: every record identical on both sides; NEW edits and adds,
#      OLD pulls them: identical again
#   4. both edit the same card offline (same field and different fields):
#      after syncing both converge, the different-field edits both kept
#   5. OLD watches live: an edit made on NEW arrives through NOTIFY
#   6. OLD's replica with pending changes is opened by the NEW client: the
#      schema is upgraded in place, the outbox is the same, it syncs, and
#      the records arrive on the other device identical
# Strict on purpose: a wire or model change that breaks old clients fails
# here (contents are compared field by field, outboxes entry by entry).
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup compat
bindir=$bin
src=$(cd "$(dirname "$0")/../.." && pwd)
watch_pid=""
at_exit '[ -z "$watch_pid" ] || { kill -TERM "$watch_pid"; wait "$watch_pid"; }'

if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "skip: the sqlite3 shell is needed to compare records (make deps installs it)"
  exit 77
fi

# --- the previous release's client, built from its snapshot -------------------
snaps=("$src"/tests/compat/fieldsync-*.tar.xz)
[ "${#snaps[@]}" = 1 ] && [ -f "${snaps[0]}" ] ||
  fail "tests/compat must hold exactly one release snapshot (tests/compat/snapshot.sh)"
snap=${snaps[0]}
oldver=$(basename "$snap" .tar.xz)
oldver=${oldver#fieldsync-}
cache=${FS_COMPAT_CACHE:-$bindir/../compat}
t0=$(date +%s)
bash "$src/tests/compat/build_client.sh" "$snap" "$cache/$oldver" ||
  fail "cannot build the $oldver client from $snap"
old=$cache/$oldver/fieldsync
ok "client $oldver built from its snapshot ($(($(date +%s) - t0)) s; cached in $cache/$oldver)"

# This tree's release, as the binaries print it, is CMakeLists.txt's.
newver=$(sed -n 's/^project(fieldsync VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
[ -n "$newver" ] || fail "no project VERSION in CMakeLists.txt"
expect 0 "$fs" --version
[ "$(cat "$work/out")" = "fieldsync $newver" ] || fail "fieldsync --version: $(cat "$work/out")"
expect 0 "$fsd" --version
[ "$(cat "$work/out")" = "fieldsyncd $newver" ] || fail "fieldsyncd --version: $(cat "$work/out")"
[ "$newver" != "$oldver" ] || fail "this tree still says $newver, the version of the snapshot"
ok "fieldsync/fieldsyncd --version print $newver; the previous release is $oldver"

# With the tags at hand (a full clone), the snapshot must be the newest
# release before this tree's version, byte for byte what its tag gives.
# A shallow clone without tags skips this; the snapshot is used as is.
if git -C "$src" rev-parse -q --verify "refs/tags/v$oldver" >/dev/null 2>&1; then
  prev=$(git -C "$src" tag --list 'v[0-9]*' | sed 's/^v//' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' |
    { cat; echo "$newver"; } | sort -uV | grep -B1 -x -F "$newver" | head -n 1)
  [ "$prev" = "$oldver" ] ||
    fail "the newest release before $newver is $prev, the snapshot is $oldver: run tests/compat/snapshot.sh v$prev (docs/RELEASING.md)"
  bash "$src/tests/compat/snapshot.sh" --check "v$oldver" >/dev/null ||
    fail "tests/compat/fieldsync-$oldver.tar.xz is not what tag v$oldver gives"
  ok "the snapshot is release v$oldver as tagged, the newest before $newver"
else
  echo "skip: no tag v$oldver in this clone; the committed snapshot is used unchecked"
fi

# --- helpers --------------------------------------------------------------------
# q SQL: one sqlite3 answer (in-memory; readfile() reads the JSON files).
q() { sqlite3 -batch -noheader :memory: "$1"; }

# dump BIN DIR PREFIX: every record this replica holds, one JSON list per
# kind, in PREFIX.<kind>.json (grade changes of every customer in
# PREFIX.grade_change.json).
dump() {
  local bin=$1 dir=$2 pre=$3 kind
  for kind in customer contact visit opportunity showroom lost; do
    expect 0 "$bin" --data "$dir" --json "$kind" list
    cp "$work/out" "$pre.$kind.json"
    # Money: the same stored minor units, shown by this release in currency
    # units (12500.00, issue 15) and by 0.1.0 as minor units (1250000).
    if [ "$bin" = "$fs" ]; then
      local f
      for f in revenue margin amount; do
        q "SELECT json_group_array(CASE WHEN json_type(value,'\$.$f') IN ('real','integer')
             THEN json_set(value,'\$.$f',CAST(round(json_extract(value,'\$.$f')*100) AS INTEGER))
             ELSE json(value) END) FROM json_each(readfile('$pre.$kind.json'))" >"$pre.money"
        mv "$pre.money" "$pre.$kind.json"
      done
    fi
  done
  local id
  : >"$pre.parts"
  for id in $(q "SELECT json_extract(value,'\$.id') FROM json_each(readfile('$pre.customer.json'))
                 ORDER BY 1"); do
    expect 0 "$bin" --data "$dir" --json customer history --customer "$id"
    tr -d '\n' <"$work/out" >>"$pre.parts"
    echo >>"$pre.parts"
  done
  { echo "["; paste -sd, "$pre.parts"; echo "]"; } >"$pre.lists"
  q "SELECT json_group_array(json(g.value)) FROM json_each(readfile('$pre.lists')) l,
       json_each(l.value) g" >"$pre.grade_change.json"
}

# same A B WHAT: the record lists A and B hold the same records (by id),
# every field both show has the same value and type, and every field only B
# shows (a field A's release does not know) is null.  (PROTOCOL.md 5.5.6
# lets an old client drop a column it does not know; nothing in this test
# sets such a field, so a value there means the daemon or the new client
# made one up that the old client cannot hold: look before relaxing this.)
same() {
  local a=$1 b=$2 what=$3 diff
  diff=$(q "
    WITH a AS (SELECT json_extract(value,'\$.id') id, value v FROM json_each(readfile('$a'))),
         b AS (SELECT json_extract(value,'\$.id') id, value v FROM json_each(readfile('$b')))
    SELECT 'only in the first: ' || id FROM a WHERE id NOT IN (SELECT id FROM b)
    UNION ALL
    SELECT 'only in the second: ' || id FROM b WHERE id NOT IN (SELECT id FROM a)
    UNION ALL
    SELECT a.id || ' ' || k.key || ': ' || quote(k.atom) || ' vs ' ||
           quote(json_extract(b.v, k.fullkey))
      FROM a JOIN b USING (id), json_each(a.v) k
     WHERE json_type(b.v, k.fullkey) IS NOT NULL
       AND (json_type(b.v, k.fullkey) IS NOT k.type
            OR json_extract(b.v, k.fullkey) IS NOT k.atom)
    UNION ALL
    SELECT b.id || ' ' || k.key || ' (unknown to the first): ' || quote(k.atom)
      FROM a JOIN b USING (id), json_each(b.v) k
     WHERE json_type(a.v, k.fullkey) IS NULL AND k.type != 'null'")
  [ -z "$diff" ] || fail "$what differ:
$diff"
}

# converge BIN_A DIR_A BIN_B DIR_B WHAT: every kind identical on both.
converge() {
  local kind
  dump "$1" "$2" "$work/a"
  dump "$3" "$4" "$work/b"
  for kind in customer grade_change contact visit opportunity showroom lost; do
    same "$work/a.$kind.json" "$work/b.$kind.json" "$5: $kind records"
    same "$work/b.$kind.json" "$work/a.$kind.json" "$5: $kind records"
  done
}

# wait_for CMD: runs CMD until it succeeds (0) or 60 s have passed (1);
# fails the test at once if the watcher ($watch_pid) has stopped.
wait_for() {
  local end=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$end" ]; do
    "$@" && return 0
    kill -0 "$watch_pid" 2>/dev/null || fail "the watcher stopped: $(cat "$work/watch.err")"
    sleep 0.05
  done
  "$@"
}

# count FILE: entries of a JSON list.
count() { q "SELECT json_array_length(readfile('$1'))"; }

# outbox_empty BIN DIR WHO: nothing pending, nothing rejected.
outbox_empty() {
  expect 0 "$1" --data "$2" --json outbox
  [ "$(count "$work/out")" = 0 ] || fail "$3: outbox not empty after sync: $(cat "$work/out")"
  expect 0 "$1" --data "$2" --json outbox --rejected
  [ "$(count "$work/out")" = 0 ] || fail "$3: rejected changes: $(cat "$work/out")"
}

# field BIN DIR KIND ID FIELD: one field's value as the replica shows it.
field() {
  expect 0 "$1" --data "$2" --json "$3" show "$4"
  q "SELECT json_extract(readfile('$work/out'), '\$.$5')"
}

# --- 1. new daemon, an old and a new device --------------------------------------
central=$work/central
od=$work/old-a01
nd=$work/new-a01
expect 0 "$fsd" --data "$central" init
expect 0 "$fsd" --data "$central" staff add M01 --name "Chen Jing" --role manager
expect 0 "$fsd" --data "$central" staff add A01 --name "王伟 Wang Wei" --role rep --manager M01
daemon_start "$central"
expect 0 "$fsd" --data "$central" enroll A01
token=$(cat "$work/out")
expect 0 "$old" --data "$od" init --token "$token"
expect 0 "$fsd" --data "$central" enroll A01
token=$(cat "$work/out")
expect 0 "$fs" --data "$nd" init --token "$token"
ok "new daemon on 127.0.0.1:$port; the $oldver client and the $newver client enrolled for A01"

# --- 2. the old client works offline, then syncs -------------------------------------
year=$(date +%Y)
expect 0 "$old" --data "$od" customer add --name "北京宏达物流有限公司" --grade B \
  --phone 13800138001 --address "北京市朝阳区建国路88号" --industry 物流
c1=$(awk '{print $4}' "$work/out")
expect 0 "$old" --data "$od" customer add --name "Pacific \"Rentals\" Ltd" --grade C \
  --key-account yes --revenue 1250000
c2=$(awk '{print $4}' "$work/out")
expect 0 "$old" --data "$od" customer grade "$c1" A --date 2026-03-01
expect 0 "$old" --data "$od" contact add --customer "$c1" --name 张强 --buying-role user \
  --stance support
expect 0 "$old" --data "$od" visit log --customer "$c1" --at 2026-03-02T10:30 --method in_person \
  --stage proposal --attitude enthusiastic --points "报价 & 交车时间"
expect 0 "$old" --data "$od" opportunity add --customer "$c2" --title "Fleet of 12" \
  --amount 3600000 --q-real yes
opp=$(awk '{print $3}' "$work/out")
expect 0 "$old" --data "$od" showroom log --arrived 2026-03-07T10:00 --visitor 张先生 \
  --model "SUV X5" --left-details yes --grade B
expect 0 "$old" --data "$od" customer edit "$c2" --phone "+852 2345 6789"
expect 0 "$old" --data "$od" --json outbox
pending=$(count "$work/out")
[ "$pending" -ge 9 ] || fail "the old client's outbox holds $pending changes, wanted 9 or more"
expect 0 "$old" --data "$od" sync
grep -q "^synced: pushed $pending (applied $pending," "$work/out" ||
  fail "old client: not every change applied: $(cat "$work/out")"
outbox_empty "$old" "$od" "old client"
ok "$oldver client: $pending offline changes pushed and applied, outbox empty"

# --- 3. the new client sees them; its edits reach the old client -----------------
expect 0 "$fs" --data "$nd" sync
converge "$old" "$od" "$fs" "$nd" "old push, new pull"
[ "$(count "$work/a.customer.json")" = 2 ] || fail "2 customers expected"
[ "$(count "$work/a.grade_change.json")" = 3 ] || fail "3 grade changes expected"
[ "$(field "$fs" "$nd" customer "$c1" name)" = "北京宏达物流有限公司" ] || fail "name on new"
ok "the $newver client holds every record of the $oldver client, field by field"

expect 0 "$fs" --data "$nd" customer edit "$c1" --phone 021-5555-0101 --principal "Mr. Li"
expect 0 "$fs" --data "$nd" customer grade "$c2" B --date 2026-03-03
expect 0 "$fs" --data "$nd" contact add --customer "$c2" --name "Linda Lee 李琳" \
  --buying-role finance --stance neutral
expect 0 "$fs" --data "$nd" visit log --customer "$c2" --at 2026-03-09T15:00 --method phone
expect 0 "$fs" --data "$nd" opportunity edit "$opp" --stage proposal --status open
expect 0 "$fs" --data "$nd" customer add --name "深圳华盛汽车租赁有限公司" --grade O
c3=$(awk '{print $4}' "$work/out")
expect 0 "$fs" --data "$nd" sync
outbox_empty "$fs" "$nd" "new client"
expect 0 "$old" --data "$od" sync
outbox_empty "$old" "$od" "old client"
converge "$old" "$od" "$fs" "$nd" "new push, old pull"
[ "$(field "$old" "$od" customer "$c1" phone)" = 021-5555-0101 ] || fail "edit not on old"
[ "$(field "$old" "$od" opportunity "$opp" stage)" = proposal ] || fail "opportunity edit"
[ "$(count "$work/a.customer.json")" = 3 ] || fail "the new client's customer on old"
ok "the $newver client's edits and new records reach the $oldver client, identical"

# --- 4. both edit the same card offline ----------------------------------------------
expect 0 "$old" --data "$od" customer edit "$c1" --phone 111 --industry "logistics / 物流"
expect 0 "$fs" --data "$nd" customer edit "$c1" --phone 222 --principal-traits "golf and tea"
expect 0 "$fs" --data "$nd" customer edit "$c3" --address "深圳市南山区"
expect 0 "$old" --data "$od" customer edit "$c2" --margin 12
expect 0 "$fs" --data "$nd" sync
expect 0 "$old" --data "$od" sync
expect 0 "$fs" --data "$nd" sync
outbox_empty "$fs" "$nd" "new client"
outbox_empty "$old" "$od" "old client"
converge "$old" "$od" "$fs" "$nd" "concurrent edits"
[ "$(field "$fs" "$nd" customer "$c1" industry)" = "logistics / 物流" ] || fail "old's field lost"
[ "$(field "$fs" "$nd" customer "$c1" principal_traits)" = "golf and tea" ] ||
  fail "new's field lost"
# 0.1.0 typed minor units (12); this release shows currency units (0.12).
[ "$(field "$fs" "$nd" customer "$c2" margin)" = 0.12 ] || fail "old's margin lost"
phone=$(field "$fs" "$nd" customer "$c1" phone)
[ "$phone" = 111 ] || [ "$phone" = 222 ] || fail "same-field edit: phone is $phone"
# Both still read their conflict logs (the old one knows no field bases).
expect 0 "$old" --data "$od" --json conflicts
expect 0 "$fs" --data "$nd" --json conflicts
ok "concurrent offline edits converge (same field: one value on both; other fields: both kept)"

# --- 5. live: the old client watches, the new client edits --------------------------
"$old" --data "$od" sync --watch >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
# The watcher's first round is over once it holds an edit made after it
# started; from then on only a NOTIFY brings news.
expect 0 "$fs" --data "$nd" customer edit "$c3" --phone 13700137002
expect 0 "$fs" --data "$nd" sync
watcher_has_c3() { [ "$(field "$old" "$od" customer "$c3" phone)" = 13700137002 ]; }
wait_for watcher_has_c3 || fail "the watcher never synced"
lines=$(grep -c "^synced:" "$work/watch.out" || true)
expect 0 "$fs" --data "$nd" visit log --customer "$c3" --at 2026-03-10T09:00 --method phone \
  --points "live"
expect 0 "$fs" --data "$nd" sync
watcher_notified() { [ "$(grep -c "^synced:" "$work/watch.out" || true)" -gt "$lines" ]; }
wait_for watcher_notified ||
  fail "no NOTIFY reached the watching $oldver client: $(cat "$work/watch.out")"
kill -TERM "$watch_pid"
wait "$watch_pid" || fail "the watcher did not stop cleanly: $(cat "$work/watch.err")"
watch_pid=""
converge "$old" "$od" "$fs" "$nd" "live"
grep -q '"points":"live"' "$work/a.visit.json" || fail "the live visit is not on old"
ok "the watching $oldver client gets a NOTIFY and pulls the $newver client's visit"

# --- 6. the new client upgrades the old client's replica with pending changes -------
expect 0 "$old" --data "$od" customer add --name "上海金源建材有限公司" --grade B
c4=$(awk '{print $4}' "$work/out")
expect 0 "$old" --data "$od" customer edit "$c1" --phone 333 --next-contact 2026-04-01
expect 0 "$old" --data "$od" visit log --customer "$c4" --at 2026-03-11T11:00 --method in_person
expect 0 "$old" --data "$od" contact add --customer "$c4" --name 刘芳 --stance neutral
expect 0 "$old" --data "$od" customer grade "$c4" A --date 2026-03-12
expect 0 "$old" --data "$od" --json outbox
cp "$work/out" "$work/outbox.old.json"
pending=$(count "$work/outbox.old.json")
[ "$pending" -ge 6 ] || fail "the old replica holds $pending pending changes, wanted 6 or more"
oldschema=$(sqlite3 "$od/replica.db" "PRAGMA user_version")
expect 0 "$fs" --data "$work/fresh" init --staff A09 --slot 9
newschema=$(sqlite3 "$work/fresh/replica.db" "PRAGMA user_version")

expect 0 "$fs" --data "$od" --json outbox
cp "$work/out" "$work/outbox.new.json"
[ "$(sqlite3 "$od/replica.db" "PRAGMA user_version")" = "$newschema" ] ||
  fail "the $newver client left the replica at schema $(sqlite3 "$od/replica.db" \
    "PRAGMA user_version"), not $newschema"
lost=$(q "
  WITH a AS (SELECT value v FROM json_each(readfile('$work/outbox.old.json'))),
       b AS (SELECT value v FROM json_each(readfile('$work/outbox.new.json')))
  SELECT json_extract(v,'\$.counter') || ' ' || json_extract(v,'\$.kind') || ' ' ||
         json_extract(v,'\$.id') FROM a
   WHERE NOT EXISTS (SELECT 1 FROM b WHERE
     json_extract(b.v,'\$.counter') = json_extract(a.v,'\$.counter') AND
     json_extract(b.v,'\$.kind') = json_extract(a.v,'\$.kind') AND
     json_extract(b.v,'\$.id') = json_extract(a.v,'\$.id') AND
     json_extract(b.v,'\$.op') = json_extract(a.v,'\$.op') AND
     json_extract(b.v,'\$.hlc') = json_extract(a.v,'\$.hlc') AND
     json_extract(b.v,'\$.fields') = json_extract(a.v,'\$.fields') AND
     json_extract(b.v,'\$.status') = 'pending')")
[ -z "$lost" ] || fail "outbox entries changed or lost by the upgrade:
$lost"
[ "$(count "$work/outbox.new.json")" = "$pending" ] ||
  fail "outbox: $pending entries before the upgrade, $(count "$work/outbox.new.json") after"
ok "the $newver client upgraded the $oldver replica (schema $oldschema -> $newschema) in place; its $pending pending changes are intact"

expect 0 "$fs" --data "$od" --json sync
[ "$(q "SELECT json_extract(readfile('$work/out'), '\$.ok') || ' ' ||
           json_extract(readfile('$work/out'), '\$.pushed') || ' ' ||
           json_extract(readfile('$work/out'), '\$.rejected')")" = "1 $pending 0" ] ||
  fail "the upgraded replica's sync: $(cat "$work/out")"
outbox_empty "$fs" "$od" "upgraded replica"
expect 0 "$fs" --data "$nd" sync
converge "$fs" "$od" "$fs" "$nd" "after the upgrade"
[ "$(field "$fs" "$nd" customer "$c1" phone)" = 333 ] || fail "the pending edit did not arrive"
[ "$(field "$fs" "$nd" customer "$c4" grade)" = A ] || fail "the pending grade did not arrive"
ok "the upgraded replica's $pending pending changes reached the daemon and the other device"

# --- issue 14: a 0.1.0 rep sets a card lost without the lost-sale record ------------
# The daemon refuses the card's grade and its grade change, each with the
# reason; the old client keeps both in its outbox as rejected and nothing
# is lost.
od2=$work/old2
expect 0 "$fsd" --data "$central" enroll A01
token=$(cat "$work/out")
expect 0 "$old" --data "$od2" init --token "$token"
expect 0 "$old" --data "$od2" customer add --name "Lost Without Record" --grade B
c6=$(awk '{print $4}' "$work/out")
expect 0 "$old" --data "$od2" sync
expect 0 "$old" --data "$od2" customer grade "$c6" lost
"$old" --data "$od2" sync >"$work/out" 2>&1 || true
grep -q "rejected 2)" "$work/out" || fail "old client's lost without record: $(cat "$work/out")"
expect 0 "$old" --data "$od2" --json outbox --rejected
[ "$(count "$work/out")" = 2 ] || fail "the 2 rejected changes are not kept: $(cat "$work/out")"
[ "$(q "SELECT count(*) FROM json_each(readfile('$work/out'))
        WHERE json_extract(value, '\$.reason') LIKE
          '%a card is set lost only with its lost-sale record%'")" = 2 ] ||
  fail "the rejection reason is not shown: $(cat "$work/out")"
expect 0 "$fs" --data "$nd" sync
[ "$(field "$fs" "$nd" customer "$c6" grade)" = B ] || fail "the card was set lost"
ok "a $oldver client's card set lost without its lost-sale record: both changes rejected with the reason, kept in its outbox"

echo "compat_previous ($oldver client, $newver daemon): $checks checks passed"

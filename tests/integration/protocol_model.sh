#!/usr/bin/env bash
# protocol_model.sh - the data model section of proto/PROTOCOL.md (between
# <!-- model:begin --> and <!-- model:end -->) is exactly what
# `fieldsyncd schema --markdown` generates from common/model.c, so the spec
# and the model cannot drift (issue 12).  Also: `schema` needs no store,
# --json prints one JSON document, --help works, bad options exit 2.
set -euo pipefail

bin=${FS_BIN:?FS_BIN must point at the bin directory}/fieldsyncd
doc=$(cd "$(dirname "$0")/../../proto" && pwd)/PROTOCOL.md
work=$(mktemp -d "${TMPDIR:-/tmp}/fs-protocol-model.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset FIELDSYNCD_HOME FIELDSYNC_LOG

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"

# No store anywhere: the schema is the program's own.
expect 0 "$bin" --data "$work/none" schema --markdown
cp "$work/out" "$work/generated.md"
[ ! -e "$work/none" ] || fail "schema created the data directory"
sed -n '/^<!-- model:begin -->$/,/^<!-- model:end -->$/p' "$doc" >"$work/doc.md"
[ -s "$work/doc.md" ] || fail "PROTOCOL.md has no <!-- model:begin --> ... <!-- model:end --> section"
if ! cmp -s "$work/doc.md" "$work/generated.md"; then
  diff -u "$work/doc.md" "$work/generated.md" | head -60 >&2 || true
  fail "the model section of proto/PROTOCOL.md differs from common/model.c: regenerate it with
  fieldsyncd schema --markdown   (and replace the part between the markers)"
fi
ok "PROTOCOL.md's model section is what fieldsyncd schema --markdown generates"

expect 0 "$bin" --data "$work/none" schema
cmp -s "$work/out" "$work/generated.md" || fail "schema without options is not the Markdown"
ok "schema prints Markdown by default"

expect 0 "$bin" --data "$work/none" schema --json
head -c 1 "$work/out" | grep -q '{' || fail "schema --json does not print a JSON object"
if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool "$work/out" >/dev/null || fail "schema --json is not valid JSON"
fi
ok "schema --json prints JSON (validated in depth by test_common_modeldoc)"

expect 0 "$bin" schema --help
grep -q "usage: fieldsyncd schema" "$work/out" || fail "schema --help shows no usage"
expect 2 "$bin" --data "$work/none" schema --frobnicate
grep -q "usage: fieldsyncd schema" "$work/err" || fail "a bad option prints the usage"
ok "schema --help; a bad option exits 2"
echo "protocol_model: $checks checks passed"

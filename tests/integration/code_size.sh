#!/usr/bin/env bash
# code_size.sh - the size rule of issue 13 over all production code
# (common/, proto/, client/, daemon/): no file over 1,000 lines, no
# function over 120 - each small enough for a reader to hold.  A function
# runs from its first line at column 0 to the next "}" at column 0 (the
# project's clang-format layout).  Reads sources only.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src"
# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"

files=$(find common proto client daemon \( -name '*.c' -o -name '*.h' \) | sort)
n=$(echo "$files" | wc -l)
[ "$n" -gt 50 ] || fail "only $n source files found under $src"

big=""
for f in $files; do
  l=$(wc -l <"$f")
  [ "$l" -le 1000 ] || big="$big
$f: $l lines"
done
[ -z "$big" ] || fail "files over 1000 lines (split them by concern):$big"
ok "$n files, none over 1000 lines"

# shellcheck disable=SC2086
long=$(awk '
  FNR == 1 { start = 0; pend = 0 }
  /^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !/=/ { if (!start) { pend = FNR; name = $0 } }
  /^[A-Za-z_].*\)[ \t]*\{[ \t]*$/ && !/=/ { if (!start) { start = pend ? pend : FNR; pend = 0 } ; next }
  /^\{/ { if (!start && pend) start = pend; next }
  /^\}/ { if (start && FNR - start + 1 > 120) printf "%s:%d: %d lines: %s\n", FILENAME, start, FNR - start + 1, name; start = 0; pend = 0 }
' $(echo "$files" | grep '\.c$'))
[ -z "$long" ] || fail "functions over 120 lines (break them into named steps):
$long"
ok "no function over 120 lines"

#!/usr/bin/env bash
# include_circles.sh - no include circles between modules (issue 13).
#
# A module is a .c file and the headers of the same name beside it
# (outbox.c + outbox.h); an internal header that serves a module's files
# (server_int.h, admin_cmd.h, push_impl.h) belongs to that module.  Module
# A uses module B if a file of A includes a header of B.  The graph must
# have no cycle: otherwise neither module can be understood, tested or
# replaced (the PostgreSQL store) without the other.  A cycle is printed
# with its members before the test fails.  Reads sources only.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src"

# module NAME_OF_FILE: daemon/server_int.h -> daemon/server
module() {
  local f=${1%.[ch]}
  f=${f%_int}
  f=${f%_impl}
  case "$f" in daemon/admin_cmd) f=daemon/admin ;; esac
  printf '%s\n' "$f"
}

# Where an #include "x" of a file in dir d resolves: d/x, then the
# include directories of the build (common, proto, client, daemon,
# common/report), as CMake passes them.
resolve() {
  local d=$1 inc=$2 cand
  for cand in "$d/$inc" "$(dirname "$d")/$inc" "common/$inc" "proto/$inc" "client/$inc" \
    "daemon/$inc" "common/report/$inc"; do
    if [ -f "$cand" ]; then
      realpath -m --relative-to=. "$cand"
      return 0
    fi
  done
  return 1 # a system or generated header (fs_version.h)
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
n=0
while IFS= read -r f; do
  n=$((n + 1))
  from=$(module "$f")
  d=$(dirname "$f")
  while IFS= read -r inc; do
    to=$(resolve "$d" "$inc") || continue
    to=$(module "$to")
    [ "$to" = "$from" ] || printf '%s %s\n' "$from" "$to" >>"$edges"
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find common proto client daemon \( -name '*.c' -o -name '*.h' \) | sort)

[ "$n" -gt 50 ] || { echo "FAIL: only $n source files found under $src" >&2; exit 1; }
[ -s "$edges" ] || { echo "FAIL: no includes found" >&2; exit 1; }
if ! out=$(tsort "$edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
  echo "$out" | sed 's/^tsort: //' >&2
  echo "FAIL: include circle between the modules listed above; move the shared part into one of them or a lower module" >&2
  exit 1
fi
echo "ok - $n files, $(sort -u "$edges" | wc -l) module dependencies, no circle"

#!/usr/bin/env bash
# layering.sh - the daemon reaches its data only through the central-store
# interface (issue 13, docs in daemon/store/cstore.h):
#   1. no file under daemon/ outside daemon/store/ includes sqlite3.h, db.h,
#      dbutil.h or store/impl.h (the SQLite implementation's private header);
#   2. the store's interface headers (daemon/store/*.h but the private
#      impl.h, push_impl.h and sq.h) include none of them either, so a second
#      implementation (PostgreSQL) can sit behind the same calls.
# Every offender is listed, with the line, before the test fails.
#
# ALLOW lists the files that still hold SQL while issue 13 moves it into
# daemon/store/ on other branches; each entry goes when its file is clean,
# and the list ends empty.  An allowed file that is already clean fails the
# test too, so the list cannot outlive its reason.
set -euo pipefail

ALLOW=(
)

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ -d daemon/store ] || { echo "FAIL: no daemon/store under $root" >&2; exit 1; }

forbidden='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](sqlite3\.h|db\.h|dbutil\.h|store/impl\.h|impl\.h)[>"]'
allowed() {
  local f=$1 a
  for a in "${ALLOW[@]}"; do [ "$a" = "$f" ] && return 0; done
  return 1
}

bad=0
n=0
# 1. daemon/ outside daemon/store/
while IFS= read -r f; do
  n=$((n + 1))
  hits=$(grep -nE "$forbidden" "$f" || true)
  if [ -n "$hits" ]; then
    allowed "$f" && continue
    while IFS= read -r h; do echo "offender: $f:$h" >&2; done <<<"$hits"
    bad=1
  elif allowed "$f"; then
    echo "stale allowlist entry: $f includes none of them now; remove it from ALLOW in $0" >&2
    bad=1
  fi
done < <(find daemon -path daemon/store -prune -o \( -name '*.c' -o -name '*.h' \) -print | sort)
for a in "${ALLOW[@]}"; do
  [ -e "$a" ] || { echo "stale allowlist entry: $a does not exist; remove it from ALLOW" >&2; bad=1; }
done

# 2. the interface headers of daemon/store/
while IFS= read -r f; do
  n=$((n + 1))
  case "$f" in daemon/store/impl.h | daemon/store/push_impl.h | daemon/store/sq.h) continue ;; esac
  hits=$(grep -nE "$forbidden" "$f" || true)
  [ -z "$hits" ] && continue
  while IFS= read -r h; do echo "offender (store interface header): $f:$h" >&2; done <<<"$hits"
  bad=1
done < <(find daemon/store -name '*.h' | sort)

if [ "$bad" -ne 0 ]; then
  echo "FAIL: daemon files outside daemon/store/ must reach the data through the typed calls of daemon/store/*.h (move the SQL into a daemon/store/*.c file)" >&2
  exit 1
fi
echo "ok - $n files checked; ${#ALLOW[@]} transitional files allowed: ${ALLOW[*]}"

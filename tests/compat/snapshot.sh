#!/usr/bin/env bash
# snapshot.sh [--check] [TAG] - writes tests/compat/fieldsync-VERSION.tar.xz, the source
# of release TAG (default: the newest v* tag) that the compat test builds:
# only what the client CLI and library need (top CMakeLists.txt, common/,
# proto/ without PROTOCOL.md, client/).  Older snapshots are removed, so the
# directory always holds exactly one: the previous release.  The output
# depends only on the tag (git archive stamps the commit time, xz -9 is
# deterministic), so re-running it on the same tag changes nothing.
# --check: writes nothing; exit 0 if the committed snapshot is byte for
# byte what TAG gives, 1 if it differs or is missing.
# See docs/RELEASING.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
check=0
if [ "${1:-}" = --check ]; then
  check=1
  shift
fi
tag=${1:-$(git tag --list 'v*' --sort=-v:refname | head -n 1)}
[ -n "$tag" ] || { echo "snapshot.sh: no v* tag in this clone; fetch the tags (git fetch --tags)" >&2; exit 1; }
git rev-parse -q --verify "refs/tags/$tag" >/dev/null ||
  { echo "snapshot.sh: no tag $tag in this clone (git fetch --tags)" >&2; exit 1; }
version=${tag#v}
out="$here/fieldsync-$version.tar.xz"
paths=(CMakeLists.txt common client proto/CMakeLists.txt)
while IFS= read -r p; do paths+=("$p"); done < <(git ls-tree --name-only "$tag" proto/ | grep -E '\.[ch]$')
tmp=$(mktemp "$here/.snapshot.XXXXXX")
trap 'rm -f "$tmp"' EXIT
git archive --format=tar --prefix="fieldsync-$version/" "$tag" -- "${paths[@]}" | xz -9 -T1 >"$tmp"
if [ "$check" = 1 ]; then
  if cmp -s "$tmp" "$out"; then
    echo "$out: matches $tag"
    exit 0
  fi
  echo "snapshot.sh: $out is not what $tag gives; regenerate it: tests/compat/snapshot.sh $tag" >&2
  exit 1
fi
for old in "$here"/fieldsync-*.tar.xz; do
  [ -e "$old" ] && [ "$old" != "$out" ] && rm -f "$old"
done
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "$out: $tag ($(git rev-parse --short "$tag^{commit}")), $(wc -c <"$out") bytes"

#!/usr/bin/env bash
# build_client.sh SNAPSHOT OUTDIR - builds the client CLI of a previous
# release from its source snapshot (tests/compat/fieldsync-X.Y.Z.tar.xz,
# made by snapshot.sh) and leaves the binary at OUTDIR/fieldsync.
#
# Cached: OUTDIR/stamp holds the sha256 of the snapshot and of this script;
# when it matches and the binary is there, nothing is rebuilt (one build
# per suite build directory).
# The tree is unpacked and built in a temporary directory, removed after:
# only the `fieldsync_cli` target (with fs_common, fs_proto and the
# library), -O0 and no -Werror (an old tree need not be warning-free with a
# newer compiler), no tests, benchmarks or daemon.
# Exit 0 with the binary in place, 1 with the reason on stderr.
set -euo pipefail

snap=${1:?usage: build_client.sh SNAPSHOT OUTDIR}
outdir=${2:?usage: build_client.sh SNAPSHOT OUTDIR}
[ -f "$snap" ] || { echo "build_client.sh: no snapshot $snap (run tests/compat/snapshot.sh)" >&2; exit 1; }
command -v xz >/dev/null 2>&1 ||
  { echo "build_client.sh: xz is needed to unpack $snap (make deps installs xz-utils)" >&2; exit 1; }
sum=$(cat "$snap" "$0" | sha256sum | cut -d' ' -f1) # a new snapshot or new flags: rebuild
if [ -x "$outdir/fieldsync" ] && [ "$(cat "$outdir/stamp" 2>/dev/null)" = "$sum" ]; then
  exit 0
fi
mkdir -p "$outdir"
rm -f "$outdir/stamp" "$outdir/fieldsync"
src=$(mktemp -d "${TMPDIR:-/tmp}/fs-compat-build.XXXXXX")
trap 'rm -rf "$src"' EXIT
tar -xJf "$snap" -C "$src" --strip-components=1
# The snapshot holds no daemon/: the release's top CMakeLists.txt still
# adds the directory, so give it an empty one.
if [ ! -e "$src/daemon/CMakeLists.txt" ]; then
  mkdir -p "$src/daemon"
  : >"$src/daemon/CMakeLists.txt"
fi
jobs=$(nproc 2>/dev/null || echo 2)
if ! cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=OFF \
  -DFS_BENCH=OFF -DFS_WERROR=OFF -DFS_SANITIZE=OFF -DFS_FUZZ=OFF \
  -DCMAKE_C_FLAGS_DEBUG=-O0 >"$src/cmake.log" 2>&1 ||
  ! cmake --build "$src/build" --target fieldsync_cli -j "$jobs" >>"$src/cmake.log" 2>&1; then
  tail -n 40 "$src/cmake.log" >&2
  echo "build_client.sh: cannot build the client of $snap (log above)" >&2
  exit 1
fi
cp "$src/build/bin/fieldsync" "$outdir/fieldsync.tmp"
mv "$outdir/fieldsync.tmp" "$outdir/fieldsync"
echo "$sum" >"$outdir/stamp"

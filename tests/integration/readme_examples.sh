#!/usr/bin/env bash
# readme_examples.sh - the README's examples run as written (issue 15,
# "done when").  The block of README.md marked
#   <!-- readme-example: tests/integration/readme_examples.sh ... -->
# is taken from the README itself (so the two cannot drift) and run line
# by line against a real fieldsyncd on 127.0.0.1 in a scratch directory.
# Every line must exit 0.  Each command runs on a terminal (script(1)), as
# a person types it: a question is answered "y", PAGER=cat.
#
# What the test changes, and only this:
#   /srv/fs                  -> a scratch directory
#   ~                        -> a scratch home per "# the ... device" section
#                               (each device is its own machine)
#   --listen 0.0.0.0:7700 &  -> --listen 127.0.0.1:0 (a free port), started
#                               in the background until it listens, stopped
#                               at the end
#   fs1....                  -> the tokens `enroll` printed, in that order
#                               (one per `init --token fs1....`)
#   A01-26-                  -> A01-<this year, two digits>- (archive numbers hold the year)
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup readme
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v script >/dev/null 2>&1 || { echo "skip: script (util-linux) missing"; exit 77; }
export TZ=UTC LC_ALL=C.UTF-8 PAGER=cat
unset FIELDSYNC_HOME FIELDSYNCD_HOME COLUMNS
export PATH="$bin:$PATH"
year=$(date +%y)

# The marked block, continuation lines joined.
awk '/<!-- readme-example: tests\/integration\/readme_examples.sh/ { on = 1; next }
     on && /^```sh$/ { inblock = 1; next }
     inblock && /^```$/ { exit }
     inblock { print }' "$src/README.md" |
  awk '{ if (sub(/\\$/, "")) { buf = buf $0; next } print buf $0; buf = "" }' >"$work/block"
[ -s "$work/block" ] || fail "README.md has no block marked readme-example"
n=$(grep -cvE '^[[:space:]]*(#|$)' "$work/block")
[ "$n" -ge 10 ] || fail "the README block holds only $n commands"

mkdir -p "$work/srv" "$work/central-office"
echo y >"$work/yes"
home="$work/central-office"
tokens=()
ran=0
while IFS= read -r line; do
  case "$line" in
  "# the "*" device"*)
    home="$work/$(echo "$line" | tr -c 'a-z0-9\n' '-')"
    mkdir -p "$home"
    continue
    ;;
  "" | "#"*) continue ;;
  esac
  cmd=${line//\/srv\/fs/$work/srv/fs}
  cmd=${cmd//A01-26-/A01-$year-}
  if [[ "$cmd" == *"fs1...."* ]]; then
    [ "${#tokens[@]}" -gt 0 ] || fail "no token printed before: $line"
    cmd=${cmd//fs1..../${tokens[0]}}
    tokens=("${tokens[@]:1}")
  fi
  if [[ "$cmd" == *" serve "*"&"* ]]; then
    [[ "$cmd" == *"--listen 0.0.0.0:7700 &"* ]] || fail "serve line changed: $line"
    daemon_start "$work/srv/fs"
    ran=$((ran + 1))
    ok "$line"
    continue
  fi
  rc=0
  # A terminal, as a person types it; any question answered yes.
  (cd "$home" && HOME=$home script -qec "$cmd" /dev/null <"$work/yes") >"$work/out" 2>&1 ||
    rc=$?
  tr -d '\r' <"$work/out" >"$work/out.t"
  if [ "$rc" != 0 ]; then
    cat "$work/out.t"
    fail "exit $rc: $line"
  fi
  case "$cmd" in
  *" enroll "*)
    tok=$(grep -oE 'fs1\.[A-Za-z0-9_-]+' "$work/out.t" | tail -1)
    [ -n "$tok" ] || fail "enroll printed no token: $(cat "$work/out.t")"
    tokens+=("$tok")
    ;;
  esac
  ran=$((ran + 1))
  ok "$line"
done <"$work/block"
[ "$ran" = "$n" ] || fail "ran $ran of the block's $n commands"
daemon_stop_ok
echo "readme_examples: the README's $ran example commands ran as written"

#!/usr/bin/env bash
# daemon_cli.sh - bin/fieldsyncd's command line: --help for every command
# (exit 0), usage errors exit 2 and change nothing, `init` with stray
# arguments creates nothing.  No daemon is started.
set -euo pipefail

bin=${FS_BIN:?FS_BIN must point at the bin directory}/fieldsyncd
work=$(mktemp -d "${TMPDIR:-/tmp}/fs-daemon-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset FIELDSYNCD_HOME FIELDSYNC_LOG

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"

expect 0 "$bin" --help
for c in init serve staff enroll devices revoke audit report seed depart transfer cover lend \
  sweep gc quarantine person; do
  expect 0 "$bin" "$c" --help
  grep -q "usage: fieldsyncd $c" "$work/out" || fail "$c --help shows no usage"
done
ok "--help for every command"

expect 2 "$bin"
expect 2 "$bin" frobnicate
ok "no command / unknown command: exit 2"

# init takes no arguments: a typo must not initialise anything.
expect 2 "$bin" --data "$work/d1" init --listen 127.0.0.1:7000
grep -q "unexpected argument" "$work/err" || fail "init names the stray argument"
grep -q "usage: fieldsyncd init" "$work/err" || fail "init prints its usage"
[ ! -e "$work/d1" ] || fail "init with a stray argument created $work/d1"
expect 2 "$bin" --data "$work/d1" init extra
[ ! -e "$work/d1" ] || fail "init with a stray argument created $work/d1"
ok "init with stray arguments: exit 2, nothing created"

expect 0 "$bin" --data "$work/d" init
expect 1 "$bin" --data "$work/d" init
grep -q "refusing to overwrite" "$work/err" || fail "second init refused"
expect 2 "$bin" --data "$work/d" serve --bogus
expect 2 "$bin" --data "$work/d" enroll
expect 2 "$bin" --data "$work/d" staff
expect 2 "$bin" --data "$work/d" staff add
expect 2 "$bin" --data "$work/d" revoke notanumber
expect 2 "$bin" --data "$work/d" devices extra
ok "usage errors: exit 2"

echo "daemon_cli: $checks checks passed"

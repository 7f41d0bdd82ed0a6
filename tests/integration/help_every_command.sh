#!/usr/bin/env bash
# help_every_command.sh - `--help` works for every command of both programs,
# anywhere: without a store or data directory, with --data pointing at a
# directory that does not exist or holds nothing, after the command's own
# arguments (`fieldsyncd report visits --help`), and as `help COMMAND`.
# Each exits 0, prints the command's usage line on stdout and creates
# nothing.  The commands are taken from each program's own command table
# (its --help listing), so a new command is walked too.
set -euo pipefail

bin=${FS_BIN:?FS_BIN must point at the bin directory}
work=$(mktemp -d "${TMPDIR:-/tmp}/fs-help.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset FIELDSYNC_LOG
export FIELDSYNCD_HOME="$work/no-daemon-home" FIELDSYNC_HOME="$work/no-client-home"

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"

mkdir "$work/empty" "$work/cwd"
cd "$work/cwd"

# commands PROG: the names listed under "commands:" by PROG --help (names
# of one or two words, separated from the summary by two or more blanks).
commands() {
  "$1" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z ]*[a-z]\)  .*/\1/p' |
    sed 's/ *$//'
}

# walk PROG NAME EXTRA...: `PROG [--data D] NAME EXTRA... --help` in every
# place must exit 0 and print "usage: PROG NAME".
walk() {
  local prog=$1 name=$2 p
  shift 2
  p=$(basename "$prog")
  for data in "" "$work/missing" "$work/empty"; do
    # shellcheck disable=SC2086
    expect 0 "$prog" ${data:+--data "$data"} $name "$@" --help
    grep -q "^usage: $p $name" "$work/out" ||
      fail "$p ${data:+--data $data }$name $* --help: no usage line"
    # shellcheck disable=SC2086
    expect 0 "$prog" $name "$@" --help ${data:+--data "$data"}
    grep -q "^usage: $p $name" "$work/out" || fail "$p $name $* --help --data: no usage line"
  done
}

# --- fieldsyncd ---------------------------------------------------------------
fsd=$bin/fieldsyncd
mapfile -t dcmds < <(commands "$fsd")
[ "${#dcmds[@]}" -ge 17 ] || fail "fieldsyncd --help lists ${#dcmds[@]} commands"
for c in init serve staff enroll devices revoke audit report seed sweep gc person; do
  printf '%s\n' "${dcmds[@]}" | grep -qx "$c" || fail "fieldsyncd --help does not list $c"
done
for c in "${dcmds[@]}"; do
  walk "$fsd" "$c"
  walk "$fsd" "$c" -h
  expect 0 "$fsd" help "$c"
  grep -q "^usage: fieldsyncd $c" "$work/out" || fail "fieldsyncd help $c: no usage line"
done
# After the command's own arguments: every report, the subcommands.
for r in visits funnel lost ranking showroom activity; do
  walk "$fsd" report "$r"
  walk "$fsd" report "$r" --from 2026-01-01
done
walk "$fsd" staff add A01 --name X
walk "$fsd" staff list
walk "$fsd" staff show A01
walk "$fsd" person export --customer A01-2026-0001
walk "$fsd" person erase --customer A01-2026-0001 --dry-run
walk "$fsd" enroll A01
walk "$fsd" revoke 3 --wipe
walk "$fsd" seed --reps 2 --customers 10 --months 1
walk "$fsd" serve --listen 127.0.0.1:1
expect 2 "$fsd" help frobnicate
ok "fieldsyncd: --help for ${#dcmds[@]} commands, every report and subcommand, anywhere"

# --- fieldsync ----------------------------------------------------------------
fs=$bin/fieldsync
mapfile -t ccmds < <(commands "$fs")
[ "${#ccmds[@]}" -ge 30 ] || fail "fieldsync --help lists ${#ccmds[@]} commands"
for c in init "customer add" "visit log" report sync conflicts "conflicts accept" help; do
  printf '%s\n' "${ccmds[@]}" | grep -qx "$c" || fail "fieldsync --help does not list $c"
done
for c in "${ccmds[@]}"; do
  walk "$fs" "$c"
  walk "$fs" "$c" x
  # shellcheck disable=SC2086
  expect 0 "$fs" help $c
  grep -q "^usage: fieldsync $c" "$work/out" || fail "fieldsync help $c: no usage line"
done
for r in visits funnel lost ranking showroom activity; do
  walk "$fs" report "$r" --from 2026-01-01
done
ok "fieldsync: --help for ${#ccmds[@]} commands, anywhere"

# Nothing was created: no data directory, no store, no stray file.
[ ! -e "$work/missing" ] || fail "--help created $work/missing"
[ ! -e "$FIELDSYNCD_HOME" ] && [ ! -e "$FIELDSYNC_HOME" ] || fail "--help created a home"
[ -z "$(ls -A "$work/empty")" ] && [ -z "$(ls -A "$work/cwd")" ] || fail "--help wrote files"
ok "--help creates nothing"

echo "help_every_command: $checks checks passed"

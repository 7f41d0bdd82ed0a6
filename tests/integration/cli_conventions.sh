#!/usr/bin/env bash
# cli_conventions.sh - issue 15, points 2, 3, 6, 9, 10, on both programs:
#   2  an enrollment token pasted with blanks and wrapped line breaks works;
#      a cut token says how many characters are missing;
#   3  records named by archive number (any case), full id (any case) or a
#      unique prefix of what the lists print, in fieldsync and fieldsyncd;
#      an ambiguous prefix lists the candidates, a short one names the
#      minimum; fieldsyncd takes the client's 16-character ids; audit of an
#      unknown customer is an error;
#   6  one help layout with every option and default, no arguments exits 2,
#      --data=DIR, a global --csv and --version in both, bash completion
#      generated from the command tables offering every command;
#   9  the exit-code rule of common/cmdline.h, case by case;
#  10  "did you mean" for commands, subcommands and options; grades in any
#      case.
set -euo pipefail

# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"
testlib_setup conv
export TZ=UTC LC_ALL=C
export FIELDSYNC_HOME="$work/none" FIELDSYNCD_HOME="$work/none-d"

year=$(date +%Y) # an offline replica (init --staff) numbers in the legacy form
yy=$(date +%y)   # an enrolled one from the daemon's serials (issue 14)
has() { grep -qF -- "$1" "$work/$2" || { cat "$work/out" "$work/err"; fail "$3"; }; }

# --- 6: conventions of both programs ---------------------------------------------
for p in "$fs" "$fsd"; do
  n=$(basename "$p")
  expect 2 "$p"
  has "usage: $n [--data DIR] [--json|--csv] [--no-pager] COMMAND" err \
    "$n without arguments: usage on stderr"
  expect 0 "$p" --version
  grep -qE "^$n [0-9]+\.[0-9]+\.[0-9]+" "$work/out" || fail "$n --version"
done
expect 0 "$fsd" staff add --help
has "usage: fieldsyncd staff add CODE --name NAME --role" out "staff add --help: its usage"
has "--manager CODE" out "staff add --help lists --manager"
expect 0 "$fs" sync --help
has "(default: 15)" out "fieldsync sync --help: the timeout's default"
expect 0 "$fsd" depart --help
has "--successor CODE" out "depart lists --successor"
has "(default: the rep's manager)" out "depart says who takes over by default"
has "--reason TEXT" out "depart lists --reason"
# Every command of either program: the one layout, globals and exit codes.
for p in "$fs" "$fsd"; do
  n=$(basename "$p")
  mapfile -t cmds < <("$p" --help | sed -n '/^commands:/,/^$/p' |
    sed -n 's/^  \([a-z][a-z ]*[a-z]\)  .*/\1/p' | sed 's/ *$//')
  [ "${#cmds[@]}" -ge 18 ] || fail "$n lists ${#cmds[@]} commands"
  for c in "${cmds[@]}"; do
    # shellcheck disable=SC2086
    expect 0 "$p" $c --help
    has "usage: $n $c" out "$n $c --help: usage line"
    has "global options (anywhere on the line):" out "$n $c --help: global options"
    has "exit codes: 0 ok, 1 failed or refused, 2 usage error" out "$n $c --help: exit codes"
    # Every option of the usage line is explained on a line of its own.
    for o in $(sed -n '1s/^usage: //p' "$work/out" | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
      grep -qE -- "^  $o( |,|$)" "$work/out" || fail "$n $c --help does not explain $o"
    done
  done
  # The generated completion offers every command (and every subcommand).
  expect 0 "$p" completion bash
  cp "$work/out" "$work/$n.bash"
  for c in "${cmds[@]}"; do
    first=${c%% *}
    got=$(bash -c '. "$1"; COMP_WORDS=("$2" ""); COMP_CWORD=1; "_$2"; echo "${COMPREPLY[*]}"' \
      _ "$work/$n.bash" "$n")
    [[ " $got " == *" $first "* ]] || fail "$n completion: no $first among: $got"
    if [ "$first" != "$c" ]; then
      got=$(bash -c '. "$1"; COMP_WORDS=("$2" "$3" ""); COMP_CWORD=2; "_$2"; echo "${COMPREPLY[*]}"' \
        _ "$work/$n.bash" "$n" "$first")
      [[ " $got " == *" ${c#* } "* ]] || fail "$n completion: no $c among: $got"
    fi
  done
done
got=$(bash -c '. "$1"; COMP_WORDS=(fieldsync customer add --pho); COMP_CWORD=3; _fieldsync;
  echo "${COMPREPLY[*]}"' _ "$work/fieldsync.bash")
[ "$got" = "--phone" ] || fail "fieldsync completion of customer add --pho: $got"
got=$(bash -c '. "$1"; COMP_WORDS=(fieldsyncd depart A01 --su); COMP_CWORD=3; _fieldsyncd;
  echo "${COMPREPLY[*]}"' _ "$work/fieldsyncd.bash")
[ "$got" = "--successor" ] || fail "fieldsyncd completion of depart --su: $got"
# Showroom help: the device fills in rep_on_duty, so it is not required.
expect 0 "$fs" showroom log --help
has "rep on duty / 接待人 (default: this device's staff code)" out "rep_on_duty default"
if grep -q "walk_in or phone" "$work/out"; then fail "showroom source label lists 2 of 6 values"; fi
ok "6: help layout, options and defaults, no arguments 2, --version, completion in both"

# --- 10: typos --------------------------------------------------------------------------
expect 2 "$fs" custmer list
has 'unknown command "custmer"; did you mean "customer"?' err "fieldsync custmer"
expect 2 "$fs" customer lsit
has 'did you mean "customer list"?' err "fieldsync customer lsit"
expect 2 "$fsd" staf list
has 'unknown command "staf"; did you mean "staff"?' err "fieldsyncd staf"
expect 2 "$fsd" staff ad X
has 'unknown staff subcommand "ad"; did you mean add?' err "fieldsyncd staff ad"
expect 2 "$fsd" depart A01 --sucessor B02
has "unknown option --sucessor; did you mean --successor?" err "fieldsyncd --sucessor"
expect 2 "$fsd" --jsno devices
has 'did you mean "--json"?' err "fieldsyncd --jsno"
expect 2 "$fs" report visits --tem M01
has "unknown option --tem; did you mean --team?" err "fieldsync report --tem"
expect 2 "$fsd" report visits --tem M01
has "unknown option --tem; did you mean --team?" err "fieldsyncd report --tem"
ok "10: nearest command, subcommand and option suggested"

# --- fieldsync offline: ids, exit codes, grades -------------------------------------------
cd_="$work/c"
expect 0 "$fs" --data="$cd_" init --staff A01
for nm in Acme Beta Gamma; do expect 0 "$fs" --data "$cd_" customer add --name $nm --grade b; done
expect 0 "$fs" --data="$cd_" --json customer list
grep -q '"grade":"B"' "$work/out" || fail "grade b stored as B"
a1=$(grep -oE '"id":"[0-9a-f]{32}","kind":"customer"' "$work/out" | head -1 | cut -d'"' -f4)
expect 0 "$fs" --data "$cd_" customer grade "a01-$year-1" a
has "is now grade A" out "customer grade a -> A"
expect 0 "$fs" --data "$cd_" customer show "A01-$year-0001"
expect 0 "$fs" --data "$cd_" customer show "${a1^^}"
has "$a1" out "full id in upper case"
expect 0 "$fs" --data "$cd_" customer show "${a1:0:16}"
# Made within a second: six characters name all three, like git say which.
expect 1 "$fs" --data "$cd_" customer show "${a1:0:6}"
has "short id ${a1:0:6} is ambiguous: 3 customer records match; candidates are:" err "ambiguous"
has "  ${a1:0:16} customer A01-$year-0001 Acme" err "candidate with archive number and name"
expect 2 "$fs" --data "$cd_" customer show "${a1:0:4}"
has "is too short: give at least 6 characters" err "too short prefix names the minimum"
expect 0 "$fs" --data "$cd_" contact add --customer "a01-$year-0002" --name Wang
ok "3: fieldsync names records by archive number, id, prefix; ambiguity lists candidates"

# 9: usage errors are 2, failures 1 (common/cmdline.h).
expect 2 "$fs" --data "$cd_" customer add --name X
has "missing required option --grade" err "missing --grade"
expect 2 "$fs" --data "$cd_" visit log --customer "$a1" --method phone
has "missing required option --at" err "missing --at"
expect 2 "$fs" --data "$cd_" customer add --name X --grade Q
expect 2 "$fs" --data "$cd_" customer list --grade Z
expect 2 "$fs" --data "$cd_" customer grade "$a1" Z
expect 2 "$fs" --data "$cd_" visit list --from 2026-05-01 --to 2026-04-01
has "--from 2026-05-01 is after --to 2026-04-01" err "list --from after --to"
expect 2 "$fs" --data "$cd_" report visits --from 2026-05-01 --to 2026-04-01
expect 2 "$fs" --data "$cd_" customer edit "$a1"
has "nothing to change" err "edit without fields"
expect 2 "$fs" --data "$cd_" customer add --name X --grade B --phnoe 1
has "unknown option --phnoe; did you mean --phone?" err "--phnoe"
expect 1 "$fs" --data "$cd_" report visits --rep ZZZ
has "no staff member ZZZ here" err "report --rep unknown"
expect 0 "$fs" --data "$cd_" report visits --rep A01
expect 1 "$fs" --data "$cd_" customer show "A01-$year-0099"
has "no customer matches \"A01-$year-0099\"" err "unknown archive number"
expect 1 "$fs" --data "$cd_" contact list --customer "A01-$year-0099"
expect 2 "$fs" --data "$cd_" contact list --customer "zz"
has '"zz" is not a customer id' err "malformed customer name is a usage error"
expect 0 "$fs" --data="$cd_" --csv customer list
head -1 "$work/out" | grep -q '^id,archive_no,name' || fail "fieldsync --csv"
ok "9: fieldsync exit codes: usage 2, failures 1"

# --- with a daemon: tokens, ids on fieldsyncd, team report ---------------------------------
central="$work/central"
expect 0 "$fsd" init --data "$central"
expect 0 "$fsd" --data="$central" staff add M01 --name Manager --role manager
expect 0 "$fsd" --data "$central" staff add A01 --name Rep --role rep --manager M01
expect 0 "$fsd" --data "$central" staff add B02 --name Other --role rep --manager M01
daemon_start "$central"
token=$("$fsd" --data "$central" enroll A01)
# A cut token: how many characters are missing.
expect 1 "$fs" --data "$work/a" init --token "${token:0:100}"
has "the enrollment token is too short: 100 characters where it needs ${#token}" err "cut token"
# As pasted from a wrapping terminal: indented, CRLF, trailing blanks.
wrapped=$(printf '  %s\r\n    %s\n%s  \n' "${token:0:50}" "${token:50:50}" "${token:100}")
expect 0 "$fs" --data "$work/a" init --token "$wrapped"
ok "2: a token pasted with blanks and line breaks enrolls; a cut one says what is missing"

for nm in North South; do expect 0 "$fs" --data "$work/a" customer add --name $nm --grade A; done
expect 0 "$fs" --data "$work/a" visit log --customer "a01-$yy-1" --at 2026-03-02T10:00 \
  --method phone
expect 0 "$fs" --data "$work/a" sync
expect 0 "$fs" --data "$work/a" customer list
short=$(sed -n '3p' "$work/out" | cut -c1-16)
[ ${#short} = 16 ] || fail "no short id in the list"
expect 0 "$fsd" --data "$central" transfer --from A01 --to B02 --customer "$short" --dry-run
has "DRY RUN - nothing changed" out "transfer by the 16-character id the client prints"
has "customer cards        1" out "transfer of the one customer named"
expect 0 "$fsd" --data "$central" transfer --from A01 --to B02 --customer "a01-$yy-0002" \
  --dry-run
expect 1 "$fsd" --data "$central" audit --customer "A01-$yy-9999"
has "no customer matches \"A01-$yy-9999\"" err "audit of an unknown customer"
expect 2 "$fsd" --data "$central" transfer --from A01 --to B02 --customer "${short:0:4}" --dry-run
has "at least 6" err "daemon: too short prefix"
expect 0 "$fsd" --data "$central" history "a01-$yy-0001"
has "North" out "history by archive number in lower case"
expect 2 "$fsd" --data "$central" cover A01 --by B02 --from 2026-05-02 --to 2026-05-01
has "--from 2026-05-02 is after --to 2026-05-01" err "cover --from after --to"
expect 2 "$fsd" --data "$central" cover A01 --by B02 --from 2026-5-1 --to 2026-05-01
expect 1 "$fsd" --data "$central" report visits --rep ZZZ
has "no staff member ZZZ" err "fieldsyncd report --rep unknown"
expect 0 "$fsd" --data="$central" --csv report visits --from 2026-03-01 --to 2026-03-31
grep -q ',' "$work/out" || fail "fieldsyncd --csv report"
# Issue 15 point 8: a listing has CSV (rendered by the admin's process);
# a command without CSV refuses it, as fieldsync does.
expect 0 "$fsd" --data "$central" --csv staff list
head -1 "$work/out" | grep -q '^code,name,role' || fail "fieldsyncd --csv staff list"
expect 2 "$fsd" --data "$central" --csv enroll A01
has "this command has no CSV output: --csv" err "fieldsyncd enroll --csv refused"
ok "3/9: fieldsyncd takes archive numbers, 16-char ids; unknown customer 1, cover dates 2"

# The manager's own device knows its team.
expect 0 "$fs" --data "$work/m" init --token "$("$fsd" --data "$central" enroll M01)"
expect 0 "$fs" --data "$work/m" sync
expect 0 "$fs" --data "$work/m" report visits --team M01 --from 2026-03-01 --to 2026-03-31
has "A01" out "team report on the manager's device names A01"
ok "9: report --team M01 on M01's own device"

echo "cli_conventions: $checks checks passed"

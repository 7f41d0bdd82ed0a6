# cli_output_issue15.sh - issue 15's "done when", sourced by cli_output.sh
# (its $bin, $work, mask, visible, $year, $today): the golden output of
# each of the twelve points, for both programs where the point
# applies, through a pipe and on a terminal (script(1) gives a pty;
# COLUMNS=60, PAGER=cat unless the pager itself is shown), against a real
# fieldsyncd serving on 127.0.0.1 in this test's scratch directory.
#
# Four transcripts, $work/got.<program>-<pipe|tty>, compared by the caller
# with tests/data/cli_output.<program>-<pipe|tty>.golden.  Each command
# stands under the label of the point it covers (sec below), so a helper
# that changes one point's output sees its own sections change.  On a
# terminal stdout and stderr are one stream (the pty), as a user sees it.
# Deterministic: TZ=UTC, LC_ALL=C, fixed dates for everything dated, the
# report periods fixed; run-dependent bytes (ids, today, clock times, the
# port, the token, the version) are masked.

fsd=${FS_BIN:?}/fieldsyncd
command -v script >/dev/null 2>&1 || { echo "skip: script (util-linux) missing"; exit 77; }
unset PAGER LESS COLUMNS FIELDSYNCD_HOME
D="$work/central"
R="$work/rep"
M="$work/mgr"

# mask15: mask, plus what only these runs print (tokens, ports, versions,
# every clock time of today).
# Enrolled devices number cards from the daemon's serials: <rep>-<yy>-<n>.
yy=$(date +%y)
mask15() {
  mask | LC_ALL=C sed -E -e "s/([A-Za-z][0-9][0-9])-$yy-/\1-YY-/g" \
    -e 's/fs1\.[A-Za-z0-9_-]{20,}/<TOKEN>/g' \
    -e 's/(<TOKEN>\\n +)[A-Za-z0-9_-]+/\1<TOKEN-END>/g' \
    -e 's/(port|127\.0\.0\.1:)[0-9]{2,5}/\1<PORT>/g' \
    -e 's/(fieldsyncd?) [0-9]+\.[0-9]+\.[0-9]+[^ ]*$/\1 <VERSION>/' \
    -e 's/<TODAY>[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?/<TODAY> hh:mm/g' \
    -e 's/\b20[0-9]{2}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})? ?[+-][0-9]{2}:[0-9]{2}/<INSTANT>/g' \
    -e 's/<TODAY> hh:mm ?[+-][0-9]{2}:[0-9]{2}/<INSTANT>/g' \
    -e "s#$work#<WORK>#g"
}

# sec LABEL: the issue point the next commands cover, e.g.
# sec "15.8 terminal: listings fit 60 columns".
sec_label=""
declare -A sec_done=()
sec() { sec_label=$1; sec_done=(); }

# g15 MODE PROG ARGS...: runs PROG (fieldsync or fieldsyncd) with ARGS in
# MODE (pipe: stdout and stderr apart; tty: on a pty, COLUMNS=60), appends
# the command, exit code and output to $work/got.PROG-MODE under the
# current section's label.  Env for the one command: VAR=... before g15.
g15() {
  local mode=$1 prog=$2 rc=0 exe out
  shift 2
  exe="$FS_BIN/$prog"
  out="$work/got.$prog-$mode"
  if [ -z "${sec_done[$prog-$mode]:-}" ]; then
    printf '\n=== %s\n' "$sec_label" >>"$out"
    sec_done[$prog-$mode]=1
  fi
  if [ "$mode" = pipe ]; then
    "$exe" "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
  else
    local cmd
    cmd=$(printf ' %q' "$exe" ${1+"$@"})
    COLUMNS=${COLUMNS:-60} PAGER=${PAGER-cat} script -qec "$cmd" /dev/null \
      <"${TTY_IN:-/dev/null}" >"$work/out" 2>"$work/err" || rc=$?
    tr -d '\r' <"$work/out" >"$work/out.t" && mv "$work/out.t" "$work/out"
  fi
  {
    { printf '$ %s' "$prog"; [ $# = 0 ] || printf ' %q' "$@"; echo; } | mask15
    echo "exit $rc"
    mask15 <"$work/out" | visible
    if [ "$mode" = pipe ]; then
      echo "--- stderr"
      mask15 <"$work/err" | visible
    fi
  } >>"$out"
}

# both PROG ARGS...: g15 through a pipe and on the terminal.
both() {
  g15 pipe "$@"
  g15 tty "$@"
}

# ---- the world: a daemon, a rep's and a manager's device ----------------------
"$fsd" init --data "$D" >/dev/null
"$fsd" --data "$D" staff add M01 --name "王经理" --role manager >/dev/null
"$fsd" --data "$D" staff add A01 --name "李明" --role rep --manager M01 >/dev/null
"$fsd" --data "$D" staff add A02 --name "Anne Long-Surname-Of-The-Northern-Provinces" \
  --role rep --manager M01 >/dev/null
: >"$work/daemon.out"
"$fsd" serve --data "$D" --listen 127.0.0.1:0 >"$work/daemon.out" 2>"$work/daemon.err" &
daemon_pid=$!
trap 'kill "$daemon_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  grep -q "listening on port" "$work/daemon.out" && break
  sleep 0.05
done
grep -q "listening on port" "$work/daemon.out" || { cat "$work/daemon.err"; exit 1; }

fsr() { "$bin" --data "$R" "$@"; }
fsm() { "$bin" --data "$M" "$@"; }
D_="--data=$D"

sec "15.2 tokens: pasted with blanks and a line break, or cut"
tok=$("$fsd" --data "$D" enroll A01)
g15 pipe fieldsync --data "$R" init --token "  ${tok:0:60}
  ${tok:60}  "
g15 pipe fieldsync --data "$work/cut" init --token "${tok:0:100}"
g15 pipe fieldsyncd "$D_" enroll A01 --hours 1
mtok=$("$fsd" --data "$D" enroll M01)
fsm init --token "$mtok" >/dev/null

# Records: fixed dates, a long name, Chinese text.
fsr customer add --name "北京汽车贸易公司" --grade A --phone 13800000000 >/dev/null
fsr customer add --name "Plain Trading Company of the Northern Provinces Ltd" --grade b \
  >/dev/null
fsr contact add --customer A01-$yy-0001 --name "王五" --rank manager >/dev/null
fsr visit log --customer a01-$yy-0001 --at 2026-03-02T10:30 --method in_person \
  --key-account yes --points "报价" >/dev/null
fsr visit log --customer A01-$yy-0002 --at 2026-03-03T09:00 --method phone >/dev/null
fsr opportunity add --customer A01-$yy-0001 --title "Fleet of 12 vans" --amount 3600000 \
  >/dev/null
fsr showroom log --arrived 2026-03-07T10:00 --visitor "张先生" --phone 139 \
  --left-details yes --grade B >/dev/null
fsr sync >/dev/null
fsm sync >/dev/null

sec "15.1 conflicts: when, customer, field, both values, who lost; resolve"
fsr customer edit A01-$yy-0001 --phone 111 >/dev/null
fsm customer edit A01-$yy-0001 --phone 222 >/dev/null
fsr sync >/dev/null
g15 pipe fieldsync --data "$M" sync
both fieldsync --data "$M" conflicts
g15 pipe fieldsync --data "$M" conflicts resolve 1
g15 pipe fieldsync --data "$M" conflicts --all
fsr sync >/dev/null

sec "15.3 ids: archive number in any case, prefixes, a too-short prefix"
both fieldsync --data "$R" customer show a01-$yy-0002
g15 pipe fieldsync --data "$R" customer show 01
g15 pipe fieldsyncd "$D_" history a01-$yy-0002
g15 pipe fieldsyncd "$D_" audit --customer A01-$yy-9999
g15 pipe fieldsyncd "$D_" transfer --from A01 --to A02 --customer a01-$yy-0002 --dry-run

sec "15.4 child records name their customer; show hides empty fields"
for k in visit contact opportunity; do both fieldsync --data "$R" $k list; done
both fieldsync --data "$R" customer show A01-$yy-0001

sec "15.5 destructive commands: impact, --yes, covers and loans, staff edit"
g15 pipe fieldsync --data "$R" customer delete A01-$yy-0002
TTY_IN=<(echo n) g15 tty fieldsync --data "$R" customer delete A01-$yy-0002
g15 pipe fieldsyncd "$D_" depart A02
both fieldsyncd "$D_" depart A02 --successor A01 --dry-run
g15 pipe fieldsyncd "$D_" cover A02 --by A01 --from 2099-03-01 --to 2099-03-05 --reason leave
g15 pipe fieldsyncd "$D_" cover A02 --by A01 --from 2099-03-04 --to 2099-03-09
both fieldsyncd "$D_" cover list --all
g15 pipe fieldsyncd "$D_" lend A01-$yy-0001 --to A02 --days 3
both fieldsyncd "$D_" lend list
g15 pipe fieldsyncd "$D_" lend end 1
g15 pipe fieldsyncd "$D_" staff edit A02 --name "Anne Long"

sec "15.6 help: one layout, defaults, no arguments exits 2, --version"
both fieldsync
both fieldsyncd
g15 pipe fieldsync --version
g15 pipe fieldsyncd --version
g15 pipe fieldsync visit log --help
g15 pipe fieldsyncd staff add --help
g15 pipe fieldsyncd depart --help
g15 pipe fieldsyncd --data="$D" staff list

sec "15.7 time and JSON: local time with its offset, ISO 8601 in JSON, null"
both fieldsync --data "$R" outbox
g15 pipe fieldsync --data "$R" --json outbox
both fieldsyncd "$D_" devices
g15 pipe fieldsyncd "$D_" --json devices
g15 pipe fieldsyncd "$D_" --json cover list --all

sec "15.8 terminal: fitted at COLUMNS=60 on a tty, whole through a pipe"
both fieldsync --data "$R" customer list
both fieldsync --data "$R" agenda --date 2026-03-04
both fieldsyncd "$D_" staff list
both fieldsyncd "$D_" audit --staff A02
sec "15.8 terminal: the pager on a terminal only; --no-pager, PAGER=cat or empty"
PAGER='sed s/^/P:/' both fieldsync --data "$R" customer list
PAGER='sed s/^/P:/' both fieldsyncd "$D_" staff list
PAGER='sed s/^/P:/' g15 tty fieldsync --data "$R" --no-pager customer list
PAGER='sed s/^/P:/' g15 tty fieldsyncd "$D_" --no-pager staff list
PAGER='' g15 tty fieldsyncd "$D_" staff list
PAGER='echo "LESS=$LESS"; cat' g15 tty fieldsyncd "$D_" devices
sec "15.8 terminal: --csv where a command has CSV, refused (exit 2) elsewhere"
g15 pipe fieldsyncd "$D_" --csv staff list
g15 pipe fieldsyncd "$D_" --csv devices
g15 pipe fieldsyncd "$D_" --csv enroll A01
g15 pipe fieldsyncd "$D_" history A01-$yy-0001 --csv
g15 pipe fieldsync --data "$R" --csv customer show A01-$yy-0001
g15 pipe fieldsync --data "$R" --csv conflicts

sec "15.9 exit codes: 2 usage, 1 refused"
g15 pipe fieldsync --data "$R" customer add --name "No grade"
g15 pipe fieldsync --data "$R" customer edit A01-$yy-0001
g15 pipe fieldsync --data "$M" report visits --from 2026-03-10 --to 2026-03-01
g15 pipe fieldsyncd "$D_" report visits --from 2026-03-10 --to 2026-03-01
g15 pipe fieldsyncd "$D_" cover A02 --by A01 --from 2026-03-10 --to 2026-03-01
g15 pipe fieldsync --data "$M" report visits --rep ZZZ
g15 pipe fieldsyncd "$D_" report visits --rep ZZZ
g15 pipe fieldsync --data "$M" report visits --team M01 --from 2026-03-01 --to 2026-03-31

sec "15.10 typos: did you mean; grades in any case"
g15 pipe fieldsync --data "$R" custmer list
g15 pipe fieldsync --data "$R" customer add --name X --grade c --phnoe 1
g15 pipe fieldsyncd "$D_" staf list
g15 pipe fieldsyncd "$D_" staff add Z9 --nmae X
g15 pipe fieldsyncd "$D_" report visits --tem M01

sec "15.11 reports: the same six reports from both programs, text"
for r in visits funnel lost ranking showroom activity; do
  both fieldsync --data "$M" report $r --from 2026-03-01 --to 2026-03-31
  both fieldsyncd "$D_" report $r --from 2026-03-01 --to 2026-03-31
done
g15 pipe fieldsync --data "$M" report lost --from 2026-03-01 --to 2026-03-31 --csv
g15 pipe fieldsyncd "$D_" report lost --from 2026-03-01 --to 2026-03-31 --csv

sec "15.12 messages: plain sentences with the next step"
fsr customer add --name "To be erased" --grade C >/dev/null
g15 pipe fieldsync --data "$R" lost add --customer A01-$yy-0003 --lost-date 2026-03-10 \
  --reason price
g15 pipe fieldsync --data "$R" sync
g15 pipe fieldsyncd "$D_" staff add B01 --name "Bo" --role rep --manager M01
g15 pipe fieldsyncd "$D_" revoke 1 --reason "lost phone"
g15 pipe fieldsync --data "$R" sync
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
g15 pipe fieldsync --data "$M" sync

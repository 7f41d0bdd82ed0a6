#!/usr/bin/env bash
# The loopback demo: the whole fieldsync story on this machine in well
# under a minute, leaving nothing running.  Usage: tests/demo.sh BIN_DIR
#
#   1. the central office sets up fieldsyncd: a manager and two reps
#   2. the daemon serves on 127.0.0.1 (a free port); three devices enroll
#   3. the reps work offline: customers (Chinese names too), visits, the
#      buying centre, grade changes, an opportunity, a showroom walk-in,
#      a lost sale
#   4. everyone syncs; the manager sees the team and reviews the lost sale,
#      signs off a rep's day and sets the month's plan against actual
#   5. rep A01 departs; A02 inherits every customer
#   6. A02's agenda, the manager's reports (offline, from the replica) and
#      the central reports
#   7. sample data: fieldsyncd seed on a second store, and its reports
set -euo pipefail

bin=$(cd "${1:?usage: demo.sh BIN_DIR}" && pwd)
# The shell tests' library: scratch directory, cleanup trap, fieldsyncd.
# shellcheck source=integration/lib/testlib.sh
. "$(dirname "$0")/integration/lib/testlib.sh"
testlib_setup demo
trap 'exit 130' INT TERM
started=$(date +%s)

section() {
  printf '\n=== %s ===\n' "$*"
}
# say: what the next command does, then the command line itself.
run() {
  printf '$ %s\n' "${*#"$bin/"}"
  "$@"
}
# Optional steps (commands other parts of the project may not have yet).
have() { "$@" --help >/dev/null 2>&1; }

central="$work/central"
a01="$work/device-a01"
a02="$work/device-a02"
m01="$work/device-m01"
day() { date -d "$1 days" +%F; }
today=$(date +%F)
year=$(date +%y) # archive numbers read <rep>-<yy>-<serial>

# ----------------------------------------------------------------------------
section "1. Central office: create the store, add a manager and two reps"
run "$fsd" init --data "$central" >/dev/null
echo "initialised $central"
run "$fsd" staff add M01 --name "陈静 Chen Jing" --role manager --data "$central"
run "$fsd" staff add A01 --name "王伟 Wang Wei" --role rep --manager M01 --data "$central"
run "$fsd" staff add A02 --name "Linda Lee 李琳" --role rep --manager M01 --data "$central"

# ----------------------------------------------------------------------------
section "2. Serve on loopback and enroll three devices"
# A free port picked by the kernel; the daemon prints it once it listens
# (testlib.sh: daemon_start).
daemon_start "$central"
echo "fieldsyncd (pid $daemon_pid) listening on 127.0.0.1:$port"
for who in M01 A01 A02; do
  dir="$work/device-$(echo "$who" | tr 'A-Z' 'a-z')"
  token=$("$fsd" enroll "$who" --data "$central")
  echo "$ fieldsyncd enroll $who  ->  one-time token ${token:0:24}..."
  run "$fs" --data "$dir" init --token "$token"
done

# ----------------------------------------------------------------------------
section "3. The reps work offline (nothing is sent until they sync)"
echo "--- A01 opens three customer cards, logs visits and contacts"
run "$fs" --data "$a01" customer add --name "北京宏达物流有限公司" --grade B \
  --phone 13800138001 --address "北京市朝阳区建国路88号" --industry "logistics / 物流" \
  --created "$(day -20)"
run "$fs" --data "$a01" customer add --name "Pacific Rentals Ltd" --grade C \
  --phone "+852 2345 6789" --created "$(day -30)"
run "$fs" --data "$a01" customer add --name "上海金源建材有限公司" --grade B --created "$(day -25)"
run "$fs" --data "$a01" contact add --customer A01-$year-0001 --name "张强" \
  --rank "车队主管 Fleet Supervisor" --buying-role user --stance support
run "$fs" --data "$a01" contact add --customer A01-$year-0001 --name "刘芳" \
  --rank "财务总监 CFO" --buying-role finance --stance neutral
run "$fs" --data "$a01" visit log --customer A01-$year-0001 --at "$(day -4)T10:00" \
  --method in_person --place "客户办公室" --person-met "张强" --stage demonstration \
  --attitude enthusiastic --points "test drive of the Cargo Van V6 / 试驾" \
  --next-step "send the quotation / 发送报价" --key-account yes
echo "--- the visit went well: grade B -> A (kept in the grade history)"
run "$fs" --data "$a01" customer grade A01-$year-0001 A --date "$(day -4)"
run "$fs" --data "$a01" opportunity add --customer A01-$year-0001 \
  --title "12 x Cargo Van V6 / 车队采购" --amount 360000000 --q-real yes --q-compete yes \
  --stage proposal --competitors "比亚迪 BYD"
echo "--- a walk-in left their details yesterday: to be called back within 24 hours"
run "$fs" --data "$a01" showroom log --arrived "$(day -1)T11:20" --left-details yes \
  --visitor "赵先生" --phone 13912345678 --model "City E2" --colour white --grade C \
  --rep-on-duty A01
echo "--- and one without details"
run "$fs" --data "$a01" showroom log --arrived "$(day -1)T15:05" --left-details no \
  --model "Pickup P8" --rep-on-duty A01
echo "--- a customer went to a competitor: the lost sale goes to the manager (战败)"
run "$fs" --data "$a01" customer lost A01-$year-0003 --lost-date "$(day -2)" \
  --reason-class financing --reason "competitor offered better financing / 竞品贷款条件更好" \
  --competitor "丰田 Toyota"
echo "--- another one the rep gives up on"
run "$fs" --data "$a01" customer lost A01-$year-0002 --reason-class price \
  --reason "says our price is too high / 嫌价格高"
echo "--- a card cannot just be set lost: the lost-sale record comes first"
if "$fs" --data "$a01" customer grade A01-$year-0001 lost 2>&1; then
  echo "demo: a card was set lost without its lost-sale record" >&2
  exit 1
fi
echo "--- A02 works too"
run "$fs" --data "$a02" customer add --name "深圳华盛汽车租赁有限公司" --grade A \
  --phone 13700137002 --created "$(day -10)"
run "$fs" --data "$a02" visit log --customer A02-$year-0001 --at "$(day -3)T14:30" \
  --method phone --stage proposal --attitude enthusiastic
run "$fs" --data "$a02" customer add --name "Evergreen Motors Co." --grade O \
  --created "$(day -15)"
echo "--- nothing has left the devices yet:"
run "$fs" --data "$a01" outbox | tail -n 1

# ----------------------------------------------------------------------------
section "4. Everyone syncs; the manager sees the whole team"
for d in "$a01" "$a02" "$m01"; do
  run "$fs" --data "$d" sync
done
run "$fs" --data "$m01" customer list
echo "--- lost sales awaiting the manager's review"
run "$fs" --data "$m01" lost list --pending
lost_id=$("$fs" --data "$m01" --csv lost list --pending --customer A01-$year-0003 |
  sed -n '2s/,.*//p')
run "$fs" --data "$m01" lost review "$lost_id" --confirm --note "pricing analysed / 已分析价格"
echo "--- the manager does not accept the other loss: the card reopens at its grade"
rej_id=$("$fs" --data "$m01" --csv lost list --pending --customer A01-$year-0002 |
  sed -n '2s/,.*//p')
run "$fs" --data "$m01" lost review "$rej_id" --reject \
  --note "price can be matched: call them back / 价格可谈,回访"
echo "--- a rep may not review"
if "$fs" --data "$a01" lost review "$lost_id" --reject 2>&1; then
  echo "demo: a rep could review a lost sale" >&2
  exit 1
fi
echo "--- the manager signs off A01's day from the team's replica, offline (随日报表送销售主管签核)"
run "$fs" --data "$m01" signoff A01 "$(day -4)" --note "demo went well / 试驾顺利"
echo "--- a rep may not sign off a day, not even their own"
if "$fs" --data "$a01" signoff A01 "$(day -4)" 2>&1; then
  echo "demo: a rep could sign off a day" >&2
  exit 1
fi
echo "--- A01's activity plan for the month of that day (月度销售活动计划表), entered by the manager"
month=$(day -4 | cut -c1-7)
run "$fs" --data "$m01" plan set --rep A01 --month "$month" --visits-a 10 \
  --visits-b 8 --visits-c 4 --new-prospects 5 --showroom-followups 2 --deliveries 1
run "$fs" --data "$m01" sync
echo "--- A01's days with work: which are signed off, which are not"
run "$fs" --data "$m01" signoff list --rep A01 --from "$(day -30)"
echo "--- the plan against what A01 has done that month"
run "$fs" --data "$m01" plan show --rep A01 --month "$month"
echo "--- A01 syncs: the rejected loss is back on the agenda"
run "$fs" --data "$a01" sync
run "$fs" --data "$a01" agenda
echo "--- the same list as CSV, for a spreadsheet"
run "$fs" --data "$m01" --csv customer list --owner A01

# ----------------------------------------------------------------------------
section "5. A01 leaves the company: A02 inherits every customer"
if have "$fsd" depart; then
  run "$fsd" depart A01 --successor A02 --reason "resigned / 离职" --yes --data "$central"
  run "$fs" --data "$a02" sync
  run "$fs" --data "$m01" sync
  echo "--- A01's device learns it has departed"
  "$fs" --data "$a01" sync 2>&1 || true
  run "$fs" --data "$a02" customer list
else
  echo "(fieldsyncd depart is not available in this build; skipped)"
fi

# ----------------------------------------------------------------------------
section "6. A02's agenda today ($today), offline: overdue first"
run "$fs" --data "$a02" agenda
echo "--- and a week from now"
run "$fs" --data "$a02" agenda --date "$(day 7)"

section "6b. The manager's reports, offline from the team's replica"
if have "$fs" report; then
  for r in visits funnel lost activity; do
    run "$fs" --data "$m01" report "$r" || echo "(report $r failed)"
  done
else
  echo "(fieldsync report is not available in this build; skipped)"
fi
section "6c. Central reports from the daemon's store"
if have "$fsd" report; then
  for r in visits ranking showroom; do
    run "$fsd" report "$r" --data "$central" || echo "(report $r failed)"
  done
else
  echo "(fieldsyncd report is not available in this build; skipped)"
fi

# ----------------------------------------------------------------------------
section "7. Sample data: fieldsyncd seed (3 reps, 300 customers, 6 months)"
echo "stopping the daemon (seed writes a store directly)"
daemon_stop || true
sample="$work/sample"
run "$fsd" init --data "$sample" >/dev/null
run "$fsd" seed --data "$sample" --reps 3 --customers 300 --months 6 --seed 2026
if have "$fsd" report; then
  run "$fsd" report funnel --data "$sample" || echo "(report funnel failed)"
  run "$fsd" report lost --data "$sample" || echo "(report lost failed)"
fi

if [ -n "${FS_DEMO_KEEP_LOG:-}" ]; then cp "$work/daemon.err" "$FS_DEMO_KEEP_LOG"; fi
section "Done"
echo "demo finished in $(($(date +%s) - started)) s; the daemon is stopped and $work is removed"

# testlib.sh - helpers sourced by the integration tests (not a test: the
# glob in tests/CMakeLists.txt only takes tests/integration/*.sh).
# The sourcing script sets $work (a scratch directory) first.

checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE CMD...: runs CMD, checks its exit code, keeps stdout/stderr
# in $work/out and $work/err.
expect() {
  local want=$1; shift
  local got=0
  "$@" >"$work/out" 2>"$work/err" || got=$?
  if [ "$got" != "$want" ]; then
    echo "--- stdout"; cat "$work/out"; echo "--- stderr"; cat "$work/err"
    fail "exit $got, wanted $want: $*"
  fi
}

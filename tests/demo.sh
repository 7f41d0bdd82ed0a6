#!/usr/bin/env bash
# The loopback demo (grows with each issue).  Usage: tests/demo.sh BIN_DIR
set -euo pipefail
bin=$(cd "${1:?usage: demo.sh BIN_DIR}" && pwd)
work=$(mktemp -d /tmp/fieldsync-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "demo: working in $work"
echo "demo: nothing to show yet"

#!/usr/bin/env bash
# fault_valgrind.sh - runs tests/fault/valgrind.sh (valgrind memcheck over a
# daemon + CLI sync run, ~25 s) as an integration test; it skips (exit 77)
# on sanitizer builds and where valgrind is missing.
exec bash "$(dirname "$0")/../fault/valgrind.sh" "$@"

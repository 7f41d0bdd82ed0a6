#!/usr/bin/env bash
# client_public_api.sh - the fieldsync CLI is built on the public API
# (issue 13): client/cli*.c and cli.h include only fieldsync.h, the public
# headers it includes, the C library and the generic helpers of common/
# both programs share (json.h, table.h, strbuf.h, utf8.h, log.h: writers;
# cmdline.h, suggest.h: help layout, exit codes, "did you mean"; term.h:
# terminal width and pager), which
# touch no replica and no model, call no internal fs__ function other than
# those helpers', and
# run no SQL.  fieldsync.h and its public headers include nothing internal.
# (The size rule is code_size.sh's.)  Reads sources only: no build
# products needed.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib/testlib.sh
. "$(dirname "$0")/lib/testlib.sh"

cli_files=$(ls "$src"/client/cli*.c "$src"/client/cli.h)
public='fieldsync.h fs_errno.h fs_enums.h fs_version.h'
helpers='json.h table.h strbuf.h utf8.h log.h cmdline.h suggest.h term.h'

# 1. Includes: system headers, cli.h, the public headers, the helpers.
bad=""
for f in $cli_files; do
  while IFS= read -r inc; do
    case " cli.h $public $helpers " in
    *" $inc "*) ;;
    *) bad="$bad $(basename "$f"):$inc" ;;
    esac
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
[ -z "$bad" ] || fail "the CLI includes internal headers:$bad (use fieldsync.h)"
ok "client/cli*.c include only fieldsync.h, its public headers and the output helpers"

# 2. No internal call but the output helpers'.
calls=$(grep -Hno 'fs__[A-Za-z0-9_]*' $cli_files |
  grep -v -E ':fs__(json_|table_|strbuf|print_|display_width|log_|csv_|shown|help_|suggest_|completion_bash|exit_code|cmdline_|term_width|pager_)' || true)
[ -z "$calls" ] || fail "the CLI calls library internals (add a public call instead):
$calls"
ok "client/cli*.c call no internal fs__ function"

# 3. No SQL, no SQLite.
sql=$(grep -Hn -i -E 'sqlite3|\b(SELECT|INSERT|UPDATE|DELETE) .*(FROM|INTO|SET)\b' $cli_files || true)
[ -z "$sql" ] || fail "the CLI runs SQL or uses SQLite:
$sql"
ok "client/cli*.c run no SQL"

# 4. The public header includes only public headers, and they nothing internal.
for h in fieldsync.h; do
  incs=$(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$src/client/$h" | tr '\n' ' ')
  for inc in $incs; do
    case " $public " in *" $inc "*) ;; *) fail "$h includes internal header $inc" ;; esac
  done
done
for h in fs_errno.h fs_enums.h fs_version.h.in; do
  if grep -q '^#include "' "$src/common/$h"; then
    fail "public header common/$h includes another header"
  fi
done
ok "fieldsync.h includes only public headers (fs_errno.h, fs_enums.h, fs_version.h)"

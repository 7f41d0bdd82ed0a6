/* cli_doc.c - the options of every fieldsyncd command, with defaults
 * (cli_doc.h).  Defaults quoted here are config.c's built-in ones; a
 * fieldsyncd.conf may change those marked "(config ...)". */
#include "cli_doc.h"

#include <string.h>

#include "backup_cmd.h"
#include "report.h"
#include "restore_cmd.h"
#include "suggest.h"
#include "verify_cmd.h"

#define END                                                                              \
  { NULL, NULL }

static const fs_cmd_opt o_serials[] = {
    {"--unused", "only blocks with serials the device has not been seen to use"}, END};
static const fs_cmd_opt o_init[] = {
    {"--data DIR", "the directory to create the store in (must be empty or absent)"},
    {"--archive-year 2|4",
     "digits of the year in archive numbers, A01-26-0001 or A01-2026-0001 (default 2, "
     "as the seed forms write them; fixed for the store's life)"},
    END};
static const fs_cmd_opt o_serve[] = {
    {"--listen HOST:PORT",
     "where devices connect (default: config listen, built in 127.0.0.1:7700)"},
    END};
static const fs_cmd_opt o_staff[] = {
    {"add CODE", "add a staff member (see fieldsyncd staff add --help)"},
    {"list", "list staff and how many devices and customers each has"},
    {"show CODE", "one staff member"},
    {"edit CODE", "change a staff member's name, role or manager (see fieldsyncd staff edit "
                  "--help)"},
    END};
static const fs_cmd_opt o_staff_edit[] = {
    {"CODE", "the staff member (required)"},
    {"--name NAME", "the new name (default: unchanged)"},
    {"--role ROLE", "rep, manager, admin or after_sales (default: unchanged); a manager "
                    "with a team stays one until the team has another manager"},
    {"--manager CODE", "the new manager, a manager or admin (default: unchanged); their "
                       "devices receive the rep's records, the old manager's drop them"},
    {"--reason TEXT", "why, for the audit log (default: none)"},
    END};
static const fs_cmd_opt o_staff_add[] = {
    {"CODE", "the staff code: A-Z, then 1-15 of A-Z and 0-9 (required)"},
    {"--name NAME", "the person's name (required)"},
    {"--role ROLE", "rep, manager, admin or after_sales (required); after-sales staff "
                    "complete the service part of their team's delivered cards"},
    {"--manager CODE",
     "the rep's manager (default: none; depart then needs --successor); required for "
     "after_sales: the team whose delivered cards they serve"},
    END};
static const fs_cmd_opt o_code[] = {{"CODE", "the staff code (required)"}, END};
static const fs_cmd_opt o_enroll[] = {
    {"CODE", "the staff member the device is for (required)"},
    {"--hours N",
     "how long the token stays valid (default: config token_hours, built in 72)"},
    END};
static const fs_cmd_opt o_revoke[] = {
    {"DEVICE", "the device number, as `devices` lists it (required)"},
    {"--wipe",
     "also order the device to erase its data at its next sync (default: keep)"},
    {"--reason TEXT", "why, for the audit log (default: none)"},
    END};
static const fs_cmd_opt o_audit[] = {
    {"--staff CODE", "only entries about this staff member (default: all)"},
    {"--customer NAME",
     "only entries about this customer: archive number, id or id prefix "
     "(default: all)"},
    END};
static const fs_cmd_opt o_history[] = {
    {"RECORD",
     "archive number, id or unique id prefix of any record; a customer shows its "
     "records too (required)"},
    END};
static const fs_cmd_opt o_backup[] = {
    {"--to FILE", "the backup file to write (required; not overwritten)"},
    {"--passphrase-file F",
     "encrypt with the passphrase in F (Argon2id + XChaCha20-Poly1305; default: "
     "plain, with a checksum)"},
    END};
static const fs_cmd_opt o_restore[] = {
    {"FILE", "the backup file (required)"},
    {"--force", "replace a store, key or config already in the data directory (default: "
     "refuse)"},
    {"--passphrase-file F", "the passphrase of an encrypted backup"},
    {"--events LOG",
     "the admin-event log to replay (default: DATA/admin-events.log)"},
    {"--force-insecure",
     "restore without an admin-event log, undoing revocations, departures and "
     "handovers made since the backup (default: refuse)"},
    END};
static const fs_cmd_opt o_seed[] = {
    {"--reps N", "how many reps (required)"},
    {"--customers M", "customers per rep (required)"},
    {"--months K", "months of history (required)"},
    {"--seed S", "random seed; same seed, same data (default: 1)"},
    {"--end YYYY-MM-DD", "last day of the history (default: today)"},
    {"--batch N", "rows per transaction (default: built in)"},
    END};
static const fs_cmd_opt o_depart[] = {
    {"CODE", "the rep who leaves (required)"},
    {"--successor CODE",
     "who takes their customers and records (default: the rep's manager)"},
    {"--reason TEXT", "why, for the audit log (default: none)"},
    {"--dry-run", "say what would move, change nothing"},
    {"--yes", "go ahead without asking (-y; default: on a terminal, show the dry run "
              "and ask; elsewhere refuse)"},
    END};
static const fs_cmd_opt o_transfer[] = {
    {"--from CODE", "the rep who gives (required)"},
    {"--to CODE", "the rep who takes (required)"},
    {"--customer NAME", "one customer: archive number, id or id prefix; repeat for "
                        "several (default: all of --from's customers)"},
    {"--reason TEXT", "why, for the audit log (default: none)"},
    {"--dry-run", "say what would move, change nothing"},
    {"--yes", "go ahead without asking (-y; default: on a terminal, show the dry run "
              "and ask; elsewhere refuse)"},
    END};
static const fs_cmd_opt o_cover[] = {
    {"CODE", "the absent rep (required)"},
    {"--by CODE", "the stand-in (required)"},
    {"--from YYYY-MM-DD", "first day (required)"},
    {"--to YYYY-MM-DD", "last day, not before --from (required)"},
    {"--reason TEXT", "why, for the audit log (default: none)"},
    {"list", "list the covers (see fieldsyncd cover list --help)"},
    {"end ID", "end cover ID now, before its last day (see fieldsyncd cover end --help)"},
    {"--all", "with list: the ended covers too (default: planned and running ones)"},
    END};
static const fs_cmd_opt o_cover_list[] = {
    {"--all", "the ended covers too (default: planned and running ones)"}, END};
static const fs_cmd_opt o_cover_end[] = {
    {"ID", "the cover's number, as cover list shows it (required); a running cover's "
           "records leave the stand-in's devices at their next sync, as when it ends by "
           "itself"},
    END};
static const fs_cmd_opt o_lend[] = {
    {"CUSTOMER", "archive number, id or id prefix (required)"},
    {"--to CODE", "who may read the card (required)"},
    {"--days N", "how long, 1..365 (required)"},
    {"--reason TEXT", "why, for the audit log (default: none)"},
    {"list", "list the loans (see fieldsyncd lend list --help)"},
    {"end ID", "end loan ID now (see fieldsyncd lend end --help)"},
    {"--all", "with list: the ended loans too (default: running ones)"},
    END};
static const fs_cmd_opt o_lend_list[] = {
    {"--all", "the ended loans too (default: running ones)"}, END};
static const fs_cmd_opt o_lend_end[] = {
    {"ID", "the loan's number, as lend list shows it (required); the card leaves the "
           "borrower's devices at their next sync"},
    END};
static const fs_cmd_opt o_gc[] = {
    {"--keep-days N", "keep tombstones younger than N days, 0..3650 (default: config "
                      "tombstone_days, built in 30)"},
    END};
static const fs_cmd_opt o_quarantine[] = {
    {"--drop ID", "drop the pending quarantined change ID (default: list them)"}, END};
static const fs_cmd_opt o_person[] = {
    {"export", "print everything stored about the person, as JSON"},
    {"erase", "erase it everywhere (see fieldsyncd person erase --help)"},
    {"--customer NAME", "the customer: archive number, id or id prefix (required)"},
    END};
static const fs_cmd_opt o_person_export[] = {
    {"--customer NAME", "archive number, id or id prefix (required)"},
    {"--contact ID", "only this contact of the customer (default: the whole card)"},
    END};
static const fs_cmd_opt o_person_erase[] = {
    {"--customer NAME", "archive number, id or id prefix (required)"},
    {"--contact ID", "only this contact of the customer (default: the whole card)"},
    {"--reason TEXT", "why, for the audit log (default: none)"},
    {"--dry-run", "say what would be erased, change nothing"},
    END};
static const fs_cmd_opt o_schema[] = {
    {"--markdown", "Markdown, the model section of proto/PROTOCOL.md (the default)"},
    {"--json", "JSON for client generators"},
    END};
static const fs_cmd_opt o_completion[] = {
    {"bash", "the script for bash (the only shell so far)"}, END};

const fs_daemon_doc fs__daemon_docs[] = {
    {"init", "init --data DIR [--archive-year 2|4]", "create the central store and the daemon key", o_init},
    {"serve", "serve [--listen HOST:PORT]", "serve devices", o_serve},
    {"staff", "staff add|list|show|edit ...", "manage staff", o_staff},
    {"staff add", "staff add CODE --name NAME --role rep|manager|admin|after_sales [--manager CODE]",
     "add a staff member", o_staff_add},
    {"staff list", "staff list", "list staff", NULL},
    {"staff show", "staff show CODE", "show one staff member", o_code},
    {"staff edit",
     "staff edit CODE [--name NAME] [--role rep|manager|admin|after_sales] [--manager CODE] "
     "[--reason TEXT]",
     "change a staff member's name, role or manager", o_staff_edit},
    {"enroll", "enroll CODE [--hours N]", "print a one-time enrollment token", o_enroll},
    {"devices", "devices", "list devices and their sync health", NULL},
    {"serials", "serials [--unused]",
     "archive serial blocks handed to devices and what each has not used (a lost "
     "device's unused numbers)",
     o_serials},
    {"revoke", "revoke DEVICE [--wipe] [--reason TEXT]", "revoke a device (lost phone)",
     o_revoke},
    {"audit", "audit [--staff CODE] [--customer NAME]", "show the audit log", o_audit},
    {"history", "history RECORD",
     "each device change of a record (a customer: and its records), old -> new",
     o_history},
    {"report", FS_REPORT_USAGE, "managers' reports from the central store",
     fs__report_opt_docs},
    {"seed",
     "seed --reps N --customers M --months K [--seed S] [--end YYYY-MM-DD] [--batch N]",
     "write realistic sample data into the store (daemon stopped)", o_seed},
    {"depart", "depart CODE [--successor CODE] [--reason TEXT] [--dry-run] [--yes]",
     "a rep leaves: hand everything they own to a successor", o_depart},
    {"transfer",
     "transfer --from CODE --to CODE [--customer NAME ...] [--reason TEXT] [--dry-run] "
     "[--yes]",
     "move some or all customers between two active reps", o_transfer},
    {"cover",
     "cover CODE --by CODE --from YYYY-MM-DD --to YYYY-MM-DD [--reason TEXT] | cover list "
     "[--all] | cover end ID",
     "let a stand-in read and write an absent rep's records for a period (one cover per "
     "absent rep and day)",
     o_cover},
    {"cover list", "cover list [--all]", "list covers: who stands in for whom, when, state",
     o_cover_list},
    {"cover end", "cover end ID", "end a cover now, before its last day", o_cover_end},
    {"lend", "lend CUSTOMER --to CODE --days N [--reason TEXT] | lend list [--all] | lend end ID",
     "lend one customer card read-only (借阅)", o_lend},
    {"lend list", "lend list [--all]", "list loans: which card, to whom, until when",
     o_lend_list},
    {"lend end", "lend end ID", "end a loan now, before its time", o_lend_end},
    {"sweep", "sweep", "start and end covers and loans now (also every 10 s)", NULL},
    {"gc", "gc [--keep-days N]",
     "purge tombstones every device has seen and history older than history_days (also "
     "hourly)",
     o_gc},
    {"quarantine", "quarantine [--drop ID]",
     "changes uploaded by revoked devices, for review", o_quarantine},
    {"person", "person export|erase --customer NAME ...",
     "print (JSON) or erase a customer's or contact's personal data everywhere "
     "(docs/RETENTION.md)",
     o_person},
    {"person export", "person export --customer NAME [--contact ID]",
     "print everything stored about a customer or contact, as JSON", o_person_export},
    {"person erase",
     "person erase --customer NAME [--contact ID] [--reason TEXT] [--dry-run]",
     "erase a customer's or contact's personal data everywhere", o_person_erase},
    {"backup", FS_BACKUP_USAGE,
     "write a consistent backup (store, key, config) while serving (docs/OPERATIONS.md)",
     o_backup},
    {"restore", FS_RESTORE_USAGE,
     "restore a backup into a stopped data directory; replays the admin-event log",
     o_restore},
    {"verify", FS_VERIFY_USAGE,
     "check the store: integrity, journal vs records, devices vs staff, seq counters",
     NULL},
    {"schema", "schema [--markdown | --json]",
     "print the data model: every kind and field with its type, limits and rules; "
     "Markdown (the model section of proto/PROTOCOL.md) or, with --json, JSON for "
     "client generators; needs no store",
     o_schema},
    {"completion", "completion bash",
     "print the bash completion script, made from this command table", o_completion},
};
const size_t fs__daemon_ndocs = sizeof(fs__daemon_docs) / sizeof(fs__daemon_docs[0]);

const fs_daemon_doc *fs__daemon_doc(const char *name) {
  for (size_t i = 0; name && i < fs__daemon_ndocs; i++)
    if (strcmp(fs__daemon_docs[i].name, name) == 0)
      return &fs__daemon_docs[i];
  return NULL;
}

#define DATA_DEFAULT "$FIELDSYNCD_HOME, else /var/lib/fieldsyncd"

void fs__daemon_help_cmd(FILE *f, const char *name, const char *sub) {
  const fs_daemon_doc *d = fs__daemon_doc(name), *s2;
  char two[64];

  snprintf(two, sizeof(two), "%s %s", name, sub ? sub : "");
  if (sub && (s2 = fs__daemon_doc(two)) != NULL)
    d = s2;
  fs__help_head(f, "fieldsyncd", d->usage, d->summary);
  fs__help_opts(f, "options", d->opts);
  fs__help_globals(f, DATA_DEFAULT);
}

int fs__daemon_completion_bash(FILE *f) {
  fs_completion_cmd cc[64];
  size_t n = 0;

  for (size_t i = 0; i < fs__daemon_ndocs && n < 64; i++) {
    cc[n].name = fs__daemon_docs[i].name;
    cc[n].usage = fs__daemon_docs[i].usage;
    cc[n++].words = NULL;
  }
  return fs__completion_bash(f, "fieldsyncd", cc, n);
}

const char *fs__daemon_unknown_option(char *buf, size_t len, const char *arg,
                                      const char *const *a, const char *const *b,
                                      const char *const *c) {
  const char *const *lists[3] = {a, b, c};
  char cand[3][16][40];
  fs_suggest sg;

  fs__suggest_init(&sg, arg);
  for (int l = 0; l < 3; l++)
    for (int i = 0; lists[l] && lists[l][i] && i < 16; i++) {
      snprintf(cand[l][i], sizeof(cand[l][i]), "--%s", lists[l][i]);
      fs__suggest_add(&sg, cand[l][i]);
    }
  if (fs__suggest_best(&sg))
    snprintf(buf, len, "unknown option %.60s; did you mean %s?", arg,
             fs__suggest_best(&sg));
  else
    snprintf(buf, len, "unknown option %.60s", arg);
  return buf;
}

const char *fs__daemon_unknown_sub(char *buf, size_t len, const char *group,
                                   const char *word) {
  size_t n = strlen(group);
  fs_suggest sg;

  fs__suggest_init(&sg, word);
  for (size_t i = 0; i < fs__daemon_ndocs; i++)
    if (strncmp(fs__daemon_docs[i].name, group, n) == 0 &&
        fs__daemon_docs[i].name[n] == ' ')
      fs__suggest_add(&sg, fs__daemon_docs[i].name + n + 1);
  if (fs__suggest_best(&sg))
    snprintf(buf, len, "unknown %s subcommand \"%.60s\"; did you mean %s?", group, word,
             fs__suggest_best(&sg));
  else
    snprintf(buf, len, "unknown %s subcommand \"%.60s\"", group, word);
  return buf;
}

/* ---- output kinds (issue 15, point 8) -------------------------------------- */

static int has_arg(int argc, char *const *argv, const char *want) {
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], want) == 0)
      return 1;
  return 0;
}

int fs__daemon_takes_csv(const char *cmd, int argc, char *const *argv) {
  const char *sub = argc > 0 ? argv[0] : "";

  if (strcmp(cmd, "report") == 0 || strcmp(cmd, "devices") == 0 ||
      strcmp(cmd, "audit") == 0)
    return 1;
  if (strcmp(cmd, "quarantine") == 0)
    return !has_arg(argc, argv, "--drop");
  if (strcmp(cmd, "staff") == 0)
    return strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0;
  if (strcmp(cmd, "cover") == 0 || strcmp(cmd, "lend") == 0)
    return strcmp(sub, "list") == 0;
  return 0;
}

int fs__daemon_pages(const char *cmd, int argc, char *const *argv) {
  if (fs__daemon_takes_csv(cmd, argc, argv) || strcmp(cmd, "history") == 0)
    return 1;
  /* A dry run only: a real depart asks on the terminal after its dry run. */
  return (strcmp(cmd, "depart") == 0 || strcmp(cmd, "transfer") == 0) &&
         has_arg(argc, argv, "--dry-run") && !has_arg(argc, argv, "--yes") &&
         !has_arg(argc, argv, "-y");
}

/* schema.c - the central store's own tables: the daemon's schema fragment
 * (common/schema.h).  common/ makes the record tables (from the model),
 * staff and meta, and runs the migrations; these are the tables only the
 * central store has.  A step added here for version N runs in the same
 * migration as common's version N (one PRAGMA user_version for the whole
 * database).
 */
#include "store/impl.h"

#include "fs_errno.h"

static const char daemon_v1[] =
    "CREATE TABLE devices (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  staff TEXT NOT NULL,\n"
    "  pubkey BLOB NOT NULL UNIQUE,\n"
    "  slot INTEGER NOT NULL,\n"
    "  name TEXT,\n"
    "  status TEXT NOT NULL DEFAULT 'active'\n"
    "    CHECK(status IN ('active','revoked','wipe','wiped')),\n"
    "  enrolled_at INTEGER,\n"
    "  last_seen INTEGER,\n"
    "  cursor INTEGER DEFAULT 0,\n"
    "  outbox_depth INTEGER DEFAULT 0,\n"
    "  oldest_unsynced INTEGER,\n"
    "  UNIQUE(staff, slot)\n"
    ");\n"
    "CREATE TABLE applied (\n"
    "  device_id INTEGER NOT NULL,\n"
    "  counter INTEGER NOT NULL,\n"
    "  outcome INTEGER NOT NULL,\n"
    "  code INTEGER,\n"
    /* what the change was: a reused counter (replica restored from a
     * backup) names another change and is not mistaken for a retry */
    "  kind INTEGER, record_id TEXT, hlc INTEGER,\n"
    "  PRIMARY KEY(device_id, counter)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE conflicts (\n"
    "  id INTEGER PRIMARY KEY, seq INTEGER, kind TEXT, record_id TEXT, field TEXT,\n"
    "  loser TEXT, loser_hlc INTEGER, winner TEXT, winner_hlc INTEGER,\n"
    "  loser_device INTEGER, owner TEXT, at INTEGER\n"
    ");\n"
    "CREATE INDEX conflicts_record ON conflicts(kind, record_id);\n"
    "CREATE TABLE audit (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  at INTEGER NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  staff TEXT,\n"
    "  customer TEXT,\n"
    "  device INTEGER,\n"
    "  detail TEXT,\n"
    "  reason TEXT\n"
    ");\n"
    "CREATE TABLE tokens (\n"
    "  secret_hash BLOB PRIMARY KEY,\n"
    "  staff TEXT NOT NULL,\n"
    "  expires_at INTEGER NOT NULL,\n"
    "  used_at INTEGER,\n"
    "  device_id INTEGER\n"
    ");\n"
    /* The sync journal (store/central.h): one entry per record and
     * audience, replaced with a fresh seq on every change that audience
     * must hear of; op 1 = send the row, 2 = evict it. */
    "CREATE TABLE journal (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL,\n"
    "  record_id TEXT NOT NULL, audience TEXT NOT NULL,\n"
    "  op INTEGER NOT NULL CHECK(op IN (1,2)),\n"
    "  UNIQUE(kind, record_id, audience));\n"
    "CREATE INDEX journal_audience ON journal(audience, seq);\n"
    "CREATE INDEX conflicts_seq ON conflicts(seq);\n"
    /* state: 0 planned, 1 active (records delivered to by_staff), 2 ended
     * (records evicted again). */
    "CREATE TABLE covers (id INTEGER PRIMARY KEY, absent TEXT, by_staff TEXT,\n"
    "  from_day TEXT, to_day TEXT, state INTEGER NOT NULL DEFAULT 0,\n"
    "  created_at INTEGER);\n"
    "CREATE TABLE loans (id INTEGER PRIMARY KEY, customer_id TEXT, staff TEXT,\n"
    "  until INTEGER, created_at INTEGER, ended INTEGER NOT NULL DEFAULT 0);\n"
    /* Every owner change of a record, for the handover fence: a change from
     * a device of old_owner made before that device pulled past seq is
     * still accepted and lands with new_owner. */
    "CREATE TABLE ownership_log (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL,\n"
    "  kind INTEGER NOT NULL, record_id TEXT NOT NULL, old_owner TEXT NOT NULL,\n"
    "  new_owner TEXT NOT NULL, at INTEGER NOT NULL, handover INTEGER);\n"
    "CREATE INDEX ownership_log_record ON ownership_log(kind, record_id);\n"
    "CREATE TABLE loan_reads (loan_id INTEGER, device_id INTEGER, at INTEGER,\n"
    "  record_count INTEGER);\n"
    "CREATE TABLE handovers (id INTEGER PRIMARY KEY, at INTEGER, kind TEXT,\n"
    "  from_staff TEXT, to_staff TEXT, dry_run INTEGER, report TEXT,\n"
    "  seq INTEGER, manager TEXT, reason TEXT);\n"
    "CREATE TABLE quarantine (id INTEGER PRIMARY KEY, device_id INTEGER,\n"
    "  counter INTEGER, payload BLOB, at INTEGER, status TEXT DEFAULT 'pending');\n";

/* The central store's tables after version 1: the SQL of the step that
 * produces `since`.  New stores run version 1 and then these, so an
 * upgraded store and a new one end up alike. */
static const fs_schema_step daemon_steps[] = {
    /* wipe_at: when the device's wipe order (revoke --wipe, or its staff
     * member's departure) took effect; its final upload and the handover
     * fence end at wipe_at + wipe_deadline_days.  last_hlc: the highest
     * change clock acknowledged from the device: a device's clocks rise
     * with its counters, so nothing new may be stamped at or below it. */
    {3, "ALTER TABLE devices ADD COLUMN wipe_at INTEGER;\n"
        "ALTER TABLE devices ADD COLUMN last_hlc INTEGER NOT NULL DEFAULT 0;\n"
        /* fenced: the staff code whose device sent this change through a
         * handover fence; it was not applied and is an item for the owner to
         * accept or dismiss (NULL: an ordinary conflict). */
        "ALTER TABLE conflicts ADD COLUMN fenced TEXT;\n"
        /* ended_at: ms the sweep ended the cover; the cover fence admits the
         * stand-in's work stamped up to then (NULL: the end of to_day). */
        "ALTER TABLE covers ADD COLUMN ended_at INTEGER;\n"
        /* A change re-sent under another counter (a replica restored from a
         * backup renumbers its outbox) is found by its clock: a device's
         * clocks are unique and rising. */
        "CREATE INDEX applied_clock ON applied(device_id, hlc);\n"
        /* reason: the reason sent with the outcome (rejections), sent again
         * when the same change is re-sent. */
        "ALTER TABLE applied ADD COLUMN reason TEXT;\n"},
    /* Issue 12, per-record history (daemon/history.h): one row per merged
     * device change, its fields (old -> new, won) in one msgpack blob,
     * NULL for a delete; kept history_days.  customer: the record's
     * customer, or the record itself; the one index, so a push adds one
     * append and one index entry per change. */
    {4, "CREATE TABLE history(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, customer TEXT "
        "NOT NULL, kind INTEGER NOT NULL, record_id TEXT NOT NULL, staff TEXT NOT NULL, "
        "device INTEGER NOT NULL, outcome INTEGER NOT NULL, fields BLOB);\n"
        "CREATE INDEX history_customer ON history(customer);\n"},
    /* Issue 14, archive serials (store/serials.h): every block of a rep's
     * running serial [first, last] handed to a device, and the highest
     * serial of it the device was seen to use (0: none).  Blocks of one
     * staff member never overlap: each starts after the highest last. */
    {10, "CREATE TABLE serial_blocks(id INTEGER PRIMARY KEY, staff TEXT NOT NULL, "
         "device_id INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, "
         "used INTEGER NOT NULL DEFAULT 0, granted_at INTEGER NOT NULL, "
         "CHECK(first >= 1 AND last >= first));\n"
         "CREATE INDEX serial_blocks_staff ON serial_blocks(staff, last);\n"
         "CREATE INDEX serial_blocks_device ON serial_blocks(device_id, first);\n"},
    /* v14, issue 15 (conflicts people can act on): who wrote each side, by
     * staff code; NULL in rows logged before (then only loser_device). */
    {14, "ALTER TABLE conflicts ADD COLUMN loser_staff TEXT;\n"
         "ALTER TABLE conflicts ADD COLUMN winner_staff TEXT;\n"},
};

static const fs_schema_fragment daemon_fragment = {
    FS_SCHEMA_DAEMON, "daemon", daemon_v1, daemon_steps,
    (int)(sizeof(daemon_steps) / sizeof(daemon_steps[0]))};

int fs__store_schema_register(void) {
  return fs__schema_register(&daemon_fragment);
}

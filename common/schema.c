/* schema.c - the one SQLite schema (replica and central store) and its
 * migrations.
 *
 * Record tables are generated from the model (model.h): system columns,
 * then one typed column per field with a CHECK made from the field table.
 * Nothing here is NOT NULL beyond the system columns: a delete of an id we
 * never saw leaves a tombstone without field values.
 *
 * Migration steps are numbered by the version they produce.  A field or
 * index that appeared after version 1 is listed with its "since" version:
 * step 1 leaves it out, its step adds it, so an upgraded database and a new
 * one end up with the same columns.
 */
#include "schema.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbutil.h"
#include "fs_errno.h"
#include "log.h"

/* Fields added after version 1: (kind, field, version that added it). */
static const struct {
  fs_kind kind;
  const char *field;
  int since;
} since_fields[] = {
    {FS_KIND_CUSTOMER, "source", 2},
    {FS_KIND_CUSTOMER, "next_contact", 2},
    /* Issue 14 (v5, the manager's controls): a rep's deletion request, the
     * classified reason of a lost sale or opportunity, the grade a rejected
     * loss reopens at. */
    {FS_KIND_CUSTOMER, "delete_requested", 5},
    {FS_KIND_OPPORTUNITY, "lost_class", 5},
    {FS_KIND_LOST_REVIEW, "reason_class", 5},
    {FS_KIND_LOST_REVIEW, "prev_grade", 5},
    /* v6: the manager's note on a rep's deletion request. */
    {FS_KIND_CUSTOMER, "delete_note", 6},
    /* v8 (issue 14, smaller gaps): business policy, the managing director
     * and legal representative, the service part (licence-plate date,
     * units delivered, service record) and the last verification. */
    {FS_KIND_CUSTOMER, "business_policy", 8},
    {FS_KIND_CUSTOMER, "managing_director", 8},
    {FS_KIND_CUSTOMER, "legal_rep", 8},
    {FS_KIND_CUSTOMER, "licence_date", 8},
    {FS_KIND_CUSTOMER, "units_delivered", 8},
    {FS_KIND_CUSTOMER, "service_notes", 8},
    {FS_KIND_CUSTOMER, "last_verified", 8},
    /* v9 (issue 14, the showroom as the seeds measure it): a returning
     * visitor, walk-in or call. */
    {FS_KIND_SHOWROOM, "revisit", 9},
    {FS_KIND_SHOWROOM, "channel", 9},
    /* v12: the card's tier is the manager's override (issue 14, key
     * customers). */
    {FS_KIND_CUSTOMER, "tier_override", 12},
    /* v11 (issue 15): visit corrections. */
    {FS_KIND_VISIT, "corrects", 11},
    {FS_KIND_VISIT, "counts_on", 11},
};

/* Kinds added after version 1 (their whole table, indexes included, comes
 * with the step): (kind, version that added it). */
static const struct {
  fs_kind kind;
  int since;
} since_kinds[] = {
    /* v7, model generation 2 (issue 14): sign-off, plan, sales history. */
    {FS_KIND_DAY_SIGNOFF, 7},
    {FS_KIND_ACTIVITY_PLAN, 7},
    {FS_KIND_SALES_PERIOD, 7},
};

/* Indexes beyond the generic ones (seq, owner, customer_id of children). */
static const struct {
  fs_kind kind;
  const char *name; /* suffix: <table>_<name> */
  const char *cols;
  int unique;
  const char *where;
  int since;
} extra_indexes[] = {
    {FS_KIND_VISIT, "customer_at", "customer_id, \"at\"", 0, NULL, 1},
    {FS_KIND_CUSTOMER, "grade", "grade", 0, NULL, 1},
    {FS_KIND_CUSTOMER, "archive_no", "archive_no", 1, "archive_no IS NOT NULL", 1},
    {FS_KIND_CUSTOMER, "name", "name", 0, NULL, 1},
    {FS_KIND_SHOWROOM, "arrived", "arrived", 0, NULL, 1},
    {FS_KIND_CUSTOMER, "phone", "phone", 0, NULL, 2},
    /* v9: the showroom report finds a visitor's earlier entries by card and
     * by phone (report.h "showroom"). */
    {FS_KIND_SHOWROOM, "customer", "customer_id", 0, NULL, 9},
    {FS_KIND_SHOWROOM, "phone", "trim(phone)", 0, NULL, 9},
    /* v11: which visit corrects this one (superseded visits are skipped). */
    {FS_KIND_VISIT, "corrects", "corrects", 0, "corrects IS NOT NULL", 11},
};

/* The replica's own tables (client_v1 below) change after version 1 by
 * these steps; the central store's tables are the daemon's fragment
 * (daemon/store/schema.c), registered by the daemon. */
static const fs_schema_step client_steps[] = {
    {3, "ALTER TABLE conflicts ADD COLUMN fenced TEXT;\n"
        /* NULL while open; 'accepted' or 'dismissed' once the user acted. */
        "ALTER TABLE conflicts ADD COLUMN resolved TEXT;\n"},
    /* Conflict bases (issue 12, "conflicts mean concurrent writes"): the
     * field clock the replica held for each field write of the change when
     * it was made, uint64 little-endian in the payload's field order, sent
     * as PUSH "bases" (PROTOCOL.md 5.5.3).  NULL: none (rows queued before
     * version 4, pushed as changes without a base). */
    {4, "ALTER TABLE outbox ADD COLUMN bases BLOB;\n"},
    /* v14, issue 15: the staff member whose device wrote the kept value
     * (CONFLICTS `winner_author`); NULL if not known. */
    {14, "ALTER TABLE conflicts ADD COLUMN winner_author TEXT;\n"},
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int clear_tombstones(sqlite3 *db, fs_schema_role role);
static int staff_roles_v8(sqlite3 *db, fs_schema_role role);

/* Steps whose SQL is made from the model, run after the fragment's steps of
 * the same version, for both roles. */
static const struct {
  int since;
  int (*run)(sqlite3 *db, fs_schema_role role);
} since_gen[] = {
    /* Tombstones keep only what sync needs (store.c): the content that
     * deletes left in earlier versions is cleared once. */
    {3, clear_tombstones},
    /* The staff role after_sales (issue 14): a new CHECK, so the table is
     * rebuilt (SQLite cannot alter a CHECK). */
    {8, staff_roles_v8},
};

static int fail_step; /* test hook */

void fs__schema_test_fail_step(int version) { fail_step = version; }

int fs__schema_version(void) { return FS_SCHEMA_VERSION; }

static int kind_since(fs_kind k) {
  for (int i = 0; i < N(since_kinds); i++)
    if (since_kinds[i].kind == k)
      return since_kinds[i].since;
  return 1;
}

static int field_since(fs_kind k, const char *name) {
  for (int i = 0; i < N(since_fields); i++)
    if (since_fields[i].kind == k && strcmp(since_fields[i].field, name) == 0)
      return since_fields[i].since;
  return 1;
}

/* ---- a small growable string ------------------------------------------- */

typedef struct sbuf {
  char *s;
  size_t len, cap;
  int err;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  int n;

  if (b->err)
    return;
  for (;;) {
    size_t avail = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? avail : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->err = FS_EINTERNAL;
      return;
    }
    if (b->s && (size_t)n < avail) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + (size_t)n + 1)
      cap *= 2;
    char *p = realloc(b->s, cap);
    if (p == NULL) {
      b->err = FS_ENOMEM;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
}

static void sb_reset(sbuf *b) {
  b->len = 0;
  if (b->s)
    b->s[0] = '\0';
}

/* ---- generated DDL ----------------------------------------------------- */

static const char *col_type(fs_ftype t) {
  return (t == FS_FT_INT || t == FS_FT_BOOL) ? "INTEGER" : "TEXT";
}

#define DATE_GLOB "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]"
#define TIME_GLOB "T[0-2][0-9]:[0-5][0-9]"

static void check_expr(sbuf *b, const fs_field *f) {
  const char *c = f->name;

  switch (f->type) {
  case FS_FT_TEXT:
    sb_printf(b, "\"%s\" IS NULL OR (typeof(\"%s\")='text' AND "
                 "length(CAST(\"%s\" AS BLOB)) <= %" PRId64 ")",
              c, c, c, f->max);
    break;
  case FS_FT_INT:
    sb_printf(b, "\"%s\" IS NULL OR (typeof(\"%s\")='integer' AND "
                 "\"%s\" BETWEEN %" PRId64 " AND %" PRId64 ")",
              c, c, c, f->min, f->max);
    break;
  case FS_FT_BOOL:
    sb_printf(b, "\"%s\" IS NULL OR (typeof(\"%s\")='integer' AND \"%s\" IN (0,1))",
              c, c, c);
    break;
  case FS_FT_DATE:
    sb_printf(b, "\"%s\" IS NULL OR (typeof(\"%s\")='text' AND length(\"%s\")=10 "
                 "AND \"%s\" GLOB '" DATE_GLOB "')",
              c, c, c, c);
    break;
  case FS_FT_DATETIME:
    sb_printf(b, "\"%s\" IS NULL OR (typeof(\"%s\")='text' AND "
                 "((length(\"%s\")=16 AND \"%s\" GLOB '" DATE_GLOB TIME_GLOB "') OR "
                 "(length(\"%s\")=19 AND \"%s\" GLOB '" DATE_GLOB TIME_GLOB
                 ":[0-5][0-9]')))",
              c, c, c, c, c, c);
    break;
  case FS_FT_ENUM:
    sb_printf(b, "\"%s\" IS NULL OR \"%s\" IN (", c, c);
    for (int i = 0; f->enum_values && f->enum_values[i]; i++) {
      sb_printf(b, "%s'", i ? "," : "");
      /* Enumeration values are plain ASCII, but quote properly anyway. */
      for (const char *p = f->enum_values[i]; *p; p++) {
        if (*p == '\'')
          sb_printf(b, "''");
        else
          sb_printf(b, "%c", *p);
      }
      sb_printf(b, "'");
    }
    sb_printf(b, ")");
    break;
  case FS_FT_REF:
    sb_printf(b, "\"%s\" IS NULL OR (typeof(\"%s\")='text' AND length(\"%s\")=32 "
                 "AND \"%s\" NOT GLOB '*[^0-9a-f]*')",
              c, c, c, c);
    break;
  case FS_FT_STAFF:
    sb_printf(b, "\"%s\" IS NULL OR (typeof(\"%s\")='text' AND \"%s\" GLOB '[A-Z]*' "
                 "AND length(\"%s\") BETWEEN 2 AND %d AND \"%s\" NOT GLOB '*[^A-Z0-9]*')",
              c, c, c, c, FS_STAFF_MAX, c);
    break;
  default:
    b->err = FS_EINTERNAL;
    break;
  }
}

int fs__schema_field_check(const fs_field *f, char *buf, size_t len) {
  sbuf b = {0};
  int rc;

  if (f == NULL || buf == NULL || len == 0)
    return FS_EINVAL;
  check_expr(&b, f);
  rc = b.err;
  if (rc == 0 && b.len >= len)
    rc = FS_EOVERFLOW;
  if (rc == 0)
    memcpy(buf, b.s, b.len + 1);
  free(b.s);
  return rc;
}

static void column_def(sbuf *b, const fs_field *f) {
  sb_printf(b, "\"%s\" %s CHECK(", f->name, col_type(f->type));
  check_expr(b, f);
  sb_printf(b, ")");
}

static int exec_sb(sqlite3 *db, sbuf *b) {
  int rc = b->err;

  if (rc == 0)
    rc = fs__db_exec(db, b->s);
  if (rc)
    FS_ERROR("schema: %s failed: %s", b->s ? b->s : "(none)", fs_strerror(rc));
  sb_reset(b);
  return rc;
}

/* The record tables (and their generic indexes) of the kinds that
 * `version` adds: every kind of version 1 at step 1, a later kind at its
 * step, with every field it has at that version. */
static int record_tables_since(sqlite3 *db, int version) {
  sbuf b = {0};
  int rc = 0;

  for (int k = 0; k < FS_KIND__COUNT && rc == 0; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    if (kind_since(kd->kind) != version)
      continue;
    sb_printf(&b,
              "CREATE TABLE \"%s\" (\n"
              "  id TEXT PRIMARY KEY CHECK(length(id)=32),\n"
              "  owner TEXT NOT NULL CHECK(length(owner) <= %d),\n"
              "  author TEXT NOT NULL CHECK(length(author) <= %d),\n"
              "  hlc INTEGER NOT NULL,\n"
              "  seq INTEGER NOT NULL DEFAULT 0,\n"
              "  deleted INTEGER NOT NULL DEFAULT 0 CHECK(deleted IN (0,1)),\n"
              "  clk BLOB",
              kd->table, FS_STAFF_MAX, FS_STAFF_MAX);
    for (int i = 0; i < kd->nfields; i++) {
      if (field_since(kd->kind, kd->fields[i].name) > version)
        continue;
      sb_printf(&b, ",\n  ");
      column_def(&b, &kd->fields[i]);
    }
    sb_printf(&b, "\n);\n");
    sb_printf(&b, "CREATE INDEX \"%s_seq\" ON \"%s\"(seq);\n", kd->table, kd->table);
    sb_printf(&b, "CREATE INDEX \"%s_owner\" ON \"%s\"(owner);\n", kd->table, kd->table);
    /* Visits get (customer_id, at), which serves customer_id lookups too. */
    if ((kd->flags & FS_K_CHILD) && kd->kind != FS_KIND_VISIT)
      sb_printf(&b, "CREATE INDEX \"%s_customer\" ON \"%s\"(customer_id);\n",
                kd->table, kd->table);
    rc = exec_sb(db, &b);
  }
  free(b.s);
  return rc;
}

/* UPDATE <table> SET <content columns>=NULL WHERE deleted=1 for every
 * kind; a column added by a later step is not there yet and is skipped. */
static int clear_tombstones(sqlite3 *db, fs_schema_role role) {
  sbuf b = {0};
  int rc = 0;

  (void)role;
  for (int k = 0; k < FS_KIND__COUNT && rc == 0; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    int n = 0;
    if (kind_since(kd->kind) > 3)
      continue; /* no table yet, nor any tombstone */
    sb_printf(&b, "UPDATE \"%s\" SET ", kd->table);
    for (int i = 0; i < kd->nfields; i++) {
      if (fs__field_kept_on_tombstone(kd, i) ||
          field_since(kd->kind, kd->fields[i].name) > 3)
        continue;
      sb_printf(&b, "%s\"%s\"=NULL", n++ ? ", " : "", kd->fields[i].name);
    }
    sb_printf(&b, " WHERE deleted=1;");
    rc = n ? exec_sb(db, &b) : b.err;
    sb_reset(&b);
  }
  free(b.s);
  return rc;
}

/* Version 8: staff.role also takes 'after_sales'.  The columns are those of
 * common_v1 (no step added any); the rows are copied as they are. */
static int staff_roles_v8(sqlite3 *db, fs_schema_role role) {
  (void)role;
  return fs__db_exec(
      db, "CREATE TABLE staff_v8 (\n"
          "  code TEXT PRIMARY KEY,\n"
          "  name TEXT NOT NULL,\n"
          "  role TEXT NOT NULL CHECK(role IN ('rep','manager','admin','after_sales')),\n"
          "  manager TEXT,\n"
          "  status TEXT NOT NULL DEFAULT 'active' CHECK(status IN ('active','departed')),\n"
          "  departed_at INTEGER,\n"
          "  successor TEXT,\n"
          "  created_at INTEGER\n"
          ");\n"
          "INSERT INTO staff_v8(code, name, role, manager, status, departed_at, successor,"
          " created_at) SELECT code, name, role, manager, status, departed_at, successor,"
          " created_at FROM staff;\n"
          "DROP TABLE staff;\n"
          "ALTER TABLE staff_v8 RENAME TO staff;\n");
}

static int extra_indexes_since(sqlite3 *db, fs_schema_role role, int version) {
  sbuf b = {0};
  int rc;

  for (int i = 0; i < N(extra_indexes); i++) {
    const fs_kind_def *kd = fs__kind_def(extra_indexes[i].kind);
    if (extra_indexes[i].since != version)
      continue;
    /* Uniqueness is the central store's to enforce: a replica restored
     * from a backup may hold a reused number until the daemon refuses it,
     * and must still be able to pull the card that owns it. */
    sb_printf(&b, "CREATE %sINDEX \"%s_%s\" ON \"%s\"(%s)%s%s;\n",
              extra_indexes[i].unique && role == FS_SCHEMA_DAEMON ? "UNIQUE " : "", kd->table,
              extra_indexes[i].name, kd->table, extra_indexes[i].cols,
              extra_indexes[i].where ? " WHERE " : "",
              extra_indexes[i].where ? extra_indexes[i].where : "");
  }
  rc = b.len ? exec_sb(db, &b) : b.err;
  free(b.s);
  return rc;
}

static const char common_v1[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value);\n"
    "CREATE TABLE staff (\n"
    "  code TEXT PRIMARY KEY,\n"
    "  name TEXT NOT NULL,\n"
    "  role TEXT NOT NULL CHECK(role IN ('rep','manager','admin')),\n"
    "  manager TEXT,\n"
    "  status TEXT NOT NULL DEFAULT 'active' CHECK(status IN ('active','departed')),\n"
    "  departed_at INTEGER,\n"
    "  successor TEXT,\n"
    "  created_at INTEGER\n"
    ");\n";

static const char client_v1[] =
    "CREATE TABLE outbox (\n"
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  counter INTEGER NOT NULL UNIQUE,\n"
    "  kind TEXT NOT NULL,\n"
    "  record_id TEXT NOT NULL,\n"
    "  op INTEGER NOT NULL,\n"
    "  hlc INTEGER NOT NULL,\n"
    "  payload BLOB NOT NULL, -- encoded fs_change\n"
    "  status TEXT NOT NULL DEFAULT 'pending' CHECK(status IN ('pending','rejected')),\n"
    "  code INTEGER,\n"
    "  reason TEXT,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  attempts INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE INDEX outbox_record ON outbox(kind, record_id);\n"
    "CREATE TABLE conflicts (\n"
    "  id INTEGER PRIMARY KEY, kind TEXT, record_id TEXT, field TEXT,\n"
    "  loser TEXT, loser_hlc INTEGER, winner TEXT, winner_hlc INTEGER,\n"
    "  loser_author TEXT, at INTEGER\n"
    ");\n"
    "CREATE TABLE notices (id INTEGER PRIMARY KEY, kind TEXT, at INTEGER, body TEXT);\n"
    /* Records received during a full resync (sync.c): at its end, local
     * records not in here and without pending changes are dropped. */
    "CREATE TABLE resync_seen (kind INTEGER NOT NULL, id TEXT NOT NULL,\n"
    "  PRIMARY KEY(kind, id)) WITHOUT ROWID;\n";

/* The client layer's fragment.  It stays in common/ (linked by every
 * process that opens a replica) and is registered implicitly; it could move
 * to client/ with one fs__schema_register call in the replica's open. */
static const fs_schema_fragment client_fragment = {
    FS_SCHEMA_CLIENT, "client", client_v1, client_steps,
    (int)(sizeof(client_steps) / sizeof(client_steps[0]))};

/* The fragment registered for each role (index: the role). */
static const fs_schema_fragment *fragments[3] = {NULL, &client_fragment, NULL};

int fs__schema_register(const fs_schema_fragment *f) {
  const fs_schema_fragment *had;

  if (f == NULL || (f->role != FS_SCHEMA_CLIENT && f->role != FS_SCHEMA_DAEMON) ||
      f->v1 == NULL || f->name == NULL || (f->nsteps > 0 && f->steps == NULL))
    return FS_EINVAL;
  for (int i = 0; i < f->nsteps; i++)
    if (f->steps[i].since < 2 || f->steps[i].since > FS_SCHEMA_VERSION)
      return FS_EINVAL;
  had = NULL;
  /* First registration wins; the same fragment again is a no-op (every
   * open of the store registers it, from any thread). */
  if (__atomic_compare_exchange_n(&fragments[f->role], &had, f, 0, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE) ||
      had == f)
    return 0;
  FS_ERROR("schema: a second, different %s fragment registered", f->name);
  return FS_EINVAL;
}

static const fs_schema_fragment *fragment_of(fs_schema_role role) {
  const fs_schema_fragment *f = __atomic_load_n(&fragments[role], __ATOMIC_ACQUIRE);

  if (f == NULL)
    FS_ERROR("schema: no tables registered for the %s role (the %s layer registers "
             "them before opening its store: fs__schema_register)",
             role == FS_SCHEMA_CLIENT ? "client" : "daemon",
             role == FS_SCHEMA_CLIENT ? "client" : "daemon");
  return f;
}

static int step_1(sqlite3 *db, fs_schema_role role, const fs_schema_fragment *frag) {
  int rc;

  rc = record_tables_since(db, 1);
  if (rc == 0)
    rc = fs__db_exec(db, common_v1);
  if (rc == 0)
    rc = fs__db_exec(db, frag->v1);
  if (rc == 0)
    rc = extra_indexes_since(db, role, 1);
  if (rc == 0)
    rc = fs__meta_set_text(db, "schema_role",
                           role == FS_SCHEMA_CLIENT ? "client" : "daemon");
  return rc;
}

/* Generic step: the columns and indexes whose "since" is `version`. */
static int step_columns(sqlite3 *db, fs_schema_role role, const fs_schema_fragment *frag,
                        int version) {
  sbuf b = {0};
  int rc = record_tables_since(db, version);

  for (int i = 0; i < N(since_fields) && rc == 0; i++) {
    const fs_kind_def *kd = fs__kind_def(since_fields[i].kind);
    int f = fs__field_index(kd, since_fields[i].field);
    if (since_fields[i].since != version)
      continue;
    if (f < 0) {
      rc = FS_EINTERNAL;
      break;
    }
    sb_printf(&b, "ALTER TABLE \"%s\" ADD COLUMN ", kd->table);
    column_def(&b, &kd->fields[f]);
    rc = exec_sb(db, &b);
    if (rc == 0 && fail_step == version) {
      FS_WARN("schema: test hook fails step %d", version);
      rc = FS_EDB;
    }
  }
  free(b.s);
  for (int i = 0; i < frag->nsteps && rc == 0; i++)
    if (frag->steps[i].since == version)
      rc = fs__db_exec(db, frag->steps[i].sql);
  for (int i = 0; i < N(since_gen) && rc == 0; i++)
    if (since_gen[i].since == version)
      rc = since_gen[i].run(db, role);
  if (rc == 0)
    rc = extra_indexes_since(db, role, version);
  return rc;
}

static int read_version(sqlite3 *db, int *v) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    *v = sqlite3_column_int(st, 0);
    rc = SQLITE_OK;
  }
  rc = fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* A replica opened as a central store (or back) would be missing tables. */
static int check_role(sqlite3 *db, fs_schema_role role) {
  char have[16];
  int rc = fs__meta_get_text(db, "schema_role", have, sizeof(have));

  if (rc == 0 && strcmp(have, role == FS_SCHEMA_CLIENT ? "client" : "daemon") != 0) {
    FS_ERROR("schema: database is a %s store", have);
    rc = FS_EINVAL;
  }
  return rc;
}

int fs__schema_migrate_to(sqlite3 *db, fs_schema_role role, int version) {
  const fs_schema_fragment *frag;
  char sql[64];
  int rc, v = 0;

  if (db == NULL || version < 1 || version > FS_SCHEMA_VERSION ||
      (role != FS_SCHEMA_CLIENT && role != FS_SCHEMA_DAEMON))
    return FS_EINVAL;
  /* Up to date (the usual case): no write lock, so opening a second
   * connection does not wait for a writer. */
  rc = read_version(db, &v);
  if (rc)
    return rc;
  if (v > FS_SCHEMA_VERSION)
    return FS_ESCHEMA_NEWER;
  if (v >= version && v > 0)
    return check_role(db, role);
  frag = fragment_of(role);
  if (frag == NULL)
    return FS_EINVAL;
  rc = fs__db_begin(db);
  if (rc)
    return rc;
  /* Read again under the lock: another process may have migrated. */
  rc = read_version(db, &v);
  if (rc)
    goto out;
  if (v > FS_SCHEMA_VERSION) {
    rc = FS_ESCHEMA_NEWER;
    goto out;
  }
  if (v > 0) {
    rc = check_role(db, role);
    if (rc)
      goto out;
  }
  for (int step = v + 1; step <= version && rc == 0; step++) {
    FS_DEBUG("schema: migrating to version %d", step);
    rc = step == 1 ? step_1(db, role, frag) : step_columns(db, role, frag, step);
    if (rc == 0 && step == 1 && fail_step == 1)
      rc = FS_EDB;
  }
  if (rc)
    goto out;
  if (version > v) {
    snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", version);
    rc = fs__db_exec(db, sql);
    if (rc)
      goto out;
  }
  rc = fs__db_commit(db);
out:
  if (rc)
    fs__db_rollback(db);
  return rc;
}

int fs__schema_migrate(sqlite3 *db, fs_schema_role role) {
  return fs__schema_migrate_to(db, role, FS_SCHEMA_VERSION);
}

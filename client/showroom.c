/* showroom.c - what the replica already knows of a showroom visitor
 * (fieldsync.h fs_showroom_seen_get; issue 14, "the showroom as the seeds
 * measure it"): the suggestion a rep at the desk gets before saying
 * whether the visitor is returning (showroom.revisit) and which card the
 * entry becomes (customer_id).  Reads only. */
#include <stdio.h>
#include <string.h>

#include "dbutil.h"
#include "fs_errno.h"
#include "replica.h"

/* The entry's earlier entries by card or trimmed phone, as the showroom
 * report counts them when revisit is unset (common/report/report.h). */
#define SEEN_SQL                                                                         \
  "SELECT count(p.id), max(p.arrived) FROM showroom_log s LEFT JOIN showroom_log p ON"   \
  " p.deleted = 0 AND p.id <> s.id AND (p.arrived < s.arrived OR (p.arrived ="           \
  " s.arrived AND p.id < s.id)) AND ((s.customer_id IS NOT NULL AND p.customer_id ="     \
  " s.customer_id) OR (trim(coalesce(s.phone, '')) <> '' AND trim(p.phone) ="            \
  " trim(s.phone))) WHERE s.id = ?1 AND s.deleted = 0 GROUP BY s.id"
/* A live card with the phone of an entry that has no card linked. */
#define CARD_SQL                                                                         \
  "SELECT c.id, coalesce(c.archive_no, ''), coalesce(c.name, '') FROM showroom_log s"    \
  " JOIN customers c ON c.deleted = 0 AND trim(c.phone) = trim(s.phone) WHERE s.id = ?1" \
  " AND s.customer_id IS NULL AND trim(coalesce(s.phone, '')) <> ''"                     \
  " ORDER BY c.id LIMIT 1"

static int one_row(sqlite3 *db, const char *sql, const char *id, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(*st, 1, id, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(*st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t len) {
  const unsigned char *v = sqlite3_column_text(st, i);
  snprintf(dst, len, "%s", v ? (const char *)v : "");
}

int fs_showroom_seen_get(fs_replica *r, const char *id, fs_showroom_seen *out) {
  sqlite3 *db;
  sqlite3_stmt *st = NULL;
  int rc;

  if (out)
    memset(out, 0, sizeof(*out));
  if (r == NULL || id == NULL || out == NULL)
    return fs__replica_fail(r, FS_EINVAL, "showroom: missing argument");
  db = fs__replica_db(r);
  rc = one_row(db, SEEN_SQL, id, &st);
  if (rc == 1) {
    out->earlier = sqlite3_column_int(st, 0);
    copy_col(st, 1, out->last_arrived, sizeof(out->last_arrived));
  }
  sqlite3_finalize(st);
  st = NULL;
  if (rc == 0)
    return fs__replica_fail(r, FS_ENOTFOUND, "no showroom entry %s here", id);
  if (rc < 0)
    return fs__replica_fail(r, rc, "cannot read the showroom log: %s", fs_strerror(rc));
  rc = one_row(db, CARD_SQL, id, &st);
  if (rc == 1) {
    copy_col(st, 0, out->card_id, sizeof(out->card_id));
    copy_col(st, 1, out->card_archive_no, sizeof(out->card_archive_no));
    copy_col(st, 2, out->card_name, sizeof(out->card_name));
  }
  sqlite3_finalize(st);
  if (rc < 0)
    return fs__replica_fail(r, rc, "cannot read the customer cards: %s", fs_strerror(rc));
  return 0;
}

/* correct.c - visit corrections (fs_visit_correct, issue 15): a new visit
 * that supersedes a wrongly logged one; the rules are common/access_rules.h
 * V1-V5, run by the write path as for every change. */
#include <stdio.h>
#include <string.h>

#include "cadence.h"
#include "date.h"
#include "db.h"
#include "fs_errno.h"
#include "record.h"
#include "replica.h"

int fs_visit_corrected_by(fs_replica *r, const char *id, char out[FS_ID_MAX + 1]) {
  sqlite3_stmt *st = NULL;
  int rc;

  if (r == NULL || id == NULL || out == NULL)
    return FS_EINVAL;
  out[0] = '\0';
  rc = fs__replica_check_lock(r);
  if (rc)
    return rc;
  rc = sqlite3_prepare_v2(fs__replica_db(r),
                          "SELECT id FROM visits WHERE corrects = ?1 AND deleted = 0"
                          " ORDER BY hlc, id LIMIT 1",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(fs__replica_db(r), rc);
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    snprintf(out, FS_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
  rc = rc == SQLITE_ROW    ? 0
       : rc == SQLITE_DONE ? FS_ENOTFOUND
                           : fs__db_err(fs__replica_db(r), rc);
  sqlite3_finalize(st);
  return rc;
}

/* The text of field name of rec, "" if unset or NULL. */
static const char *text_of(fs_record *rec, const char *name) {
  const char *t = fs_record_get(rec, name);
  return t ? t : "";
}

int fs_visit_correct(fs_replica *r, const char *id, const fs_record *rec,
                     char id_out[FS_ID_MAX + 1]) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_VISIT);
  int fc = fs__field_index(kd, "corrects"), fo = fs__field_index(kd, "counts_on");
  fs_record *orig = NULL, *nv = NULL;
  char by[FS_ID_MAX + 1], today[11], day[11];
  int rc;

  if (r == NULL || id == NULL || (rec && rec->kd != kd))
    return r ? fs__replica_fail(r, FS_EINVAL, "a visit correction takes visit fields")
             : FS_EINVAL;
  rc = fs_get(r, "visit", id, &orig);
  if (rc)
    goto out;
  rc = fs_visit_corrected_by(r, id, by);
  if (rc == 0) {
    rc = fs__replica_fail(
        r, FS_EVALIDATE,
        "visit %.16s is already corrected by %.16s; a visit is corrected "
        "once: correct %.16s instead",
        id, by, by);
    goto out;
  }
  if (rc != FS_ENOTFOUND)
    goto out;
  rc = fs__record_alloc(kd, &nv);
  if (rc)
    goto out;
  /* The original's fields, then the corrected ones. */
  for (int i = 0; i < kd->nfields && rc == 0; i++) {
    const fs_record *src = rec && rec->isset[i] ? rec : orig;
    if (i == fc || i == fo || !src->isset[i] || src->values[i].type == FS_V_NULL)
      continue;
    rc = fs__value_copy(&nv->values[i], &src->values[i]);
    nv->isset[i] = rc == 0;
  }
  if (rc == 0)
    rc = fs_record_set(nv, "corrects", id);
  if (rc) {
    rc = fs__replica_fail(r, rc, "%s", nv->err[0] ? nv->err : fs_strerror(rc));
    goto out;
  }
  fs__today(today);
  rc = fs__cadence_correction_day(text_of(orig, "at"), text_of(orig, "method"),
                                  text_of(orig, "counts_on"), text_of(nv, "at"),
                                  text_of(nv, "method"), today, day);
  if (rc == 0)
    rc = fs_record_set(nv, "counts_on", day);
  if (rc) {
    rc = fs__replica_fail(r, FS_EVALIDATE, "at: not a date and time");
    goto out;
  }
  rc = fs_create(r, nv, id_out);
out:
  fs_record_free(orig);
  fs_record_free(nv);
  return rc;
}

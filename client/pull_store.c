/* pull_store.c - what the sync engine stores from a pull, on the replica
 * (replica.h "for sync"): pulled rows with the pending local edits
 * re-applied on top, evictions and the WAL scrub after them, the pull
 * cursor and the conflict log.  Split from replica.c (issue 13). */
#include "replica.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "fs_errno.h"
#include "log.h"
#include "id.h"
#include "outbox.h"
#include "status.h"

/* ---- for sync -------------------------------------------------------------------- */

/* Runs fn inside the caller's transaction if one is open, else in its own. */
static int in_txn(fs_replica *r, int (*fn)(fs_replica *, void *), void *arg) {
  int own = sqlite3_get_autocommit(r->db) != 0, rc;

  if (own) {
    rc = fs__db_begin(r->db);
    if (rc)
      return rc;
  }
  rc = fn(r, arg);
  if (own) {
    if (rc == 0)
      rc = fs__db_commit(r->db);
    if (rc)
      fs__db_rollback(r->db);
  }
  return rc;
}

static int reapply_cb(void *arg, const fs_change *c) {
  fs_replica *r = arg;
  fs_outcome outcome;

  return fs__store_apply(r->db, c, 0, NULL, NULL, &outcome);
}

static int apply_row_fn(fs_replica *r, void *arg) {
  const fs_row *row = arg;
  int rc;

  rc = fs__store_put_row(r->db, row);
  if (rc)
    return rc;
  /* Local edits still waiting for the daemon go on top again; the merge
   * keeps whichever field clock is newer. */
  return fs__outbox_for_record(r, row->kind, row->id, reapply_cb, r);
}

int fs__replica_apply_row(fs_replica *r, const fs_row *row) {
  if (r == NULL || row == NULL || fs__kind_def(row->kind) == NULL)
    return FS_EINVAL;
  return in_txn(r, apply_row_fn, (void *)row);
}

typedef struct evict_arg {
  fs_kind kind;
  const char *id;
} evict_arg;

/* Runs sql with ?1 bound to id (and ?2 to kind name if it has one). */
static int exec_id(fs_replica *r, const char *sql, const char *id, const char *kind) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 2)
    rc = sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* What the replica derived from records: the conflict log, outbox entries
 * the daemon refused (nothing more will be sent of them: pending ones are
 * unsynced work and stay, to be pushed; the daemon's fence decides), and
 * resync bookkeeping.  `where` selects record ids of kind kd given ?1. */
static int evict_derived(fs_replica *r, fs_kind k, const char *where, const char *id) {
  const fs_kind_def *kd = fs__kind_def(k);
  char sql[512];
  int rc;

  snprintf(sql, sizeof(sql), "DELETE FROM conflicts WHERE kind=?2 AND record_id IN (%s)",
           where);
  rc = exec_id(r, sql, id, kd->name);
  if (rc == 0) {
    snprintf(sql, sizeof(sql),
             "DELETE FROM outbox WHERE status='" FS_OUTBOX_REJECTED_S
             "' AND kind=?2 AND record_id IN (%s)",
             where);
    rc = exec_id(r, sql, id, kd->name);
  }
  if (rc == 0) {
    snprintf(sql, sizeof(sql), "DELETE FROM resync_seen WHERE kind=%d AND id IN (%s)",
             (int)k, where);
    rc = exec_id(r, sql, id, NULL);
  }
  return rc;
}

/* Notices naming an evicted card: handover reports list lost cards as
 * "    ARCHIVE-NO  NAME".  Every line of a notice that contains the card's
 * archive number or its name is replaced by a placeholder; the rest of the
 * report (counts, other cards) stays. */
#define NOTICE_REDACTED "    (a card no longer on this device)"

static int evict_notices(fs_replica *r, const char *archive, const char *name) {
  sqlite3_stmt *sel = NULL, *upd = NULL;
  int rc;

  rc = sqlite3_prepare_v2(
      r->db,
      "SELECT id, body FROM notices WHERE (?1 <> '' AND instr(body, ?1) > 0)"
      " OR (?2 <> '' AND instr(body, ?2) > 0)",
      -1, &sel, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(r->db, "UPDATE notices SET body=?1 WHERE id=?2", -1, &upd,
                            NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(r->db, rc);
    goto out;
  }
  sqlite3_bind_text(sel, 1, archive, -1, SQLITE_STATIC);
  sqlite3_bind_text(sel, 2, name, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
    const char *body = (const char *)sqlite3_column_text(sel, 1);
    size_t len = (size_t)sqlite3_column_bytes(sel, 1), cap = len + 64, used = 0;
    char *nb = malloc(cap);
    if (nb == NULL || body == NULL) {
      free(nb);
      rc = FS_ENOMEM;
      goto out;
    }
    for (const char *p = body; p < body + len;) {
      const char *eol = memchr(p, '\n', (size_t)(body + len - p));
      size_t n = eol ? (size_t)(eol - p) : (size_t)(body + len - p);
      int hit = 0;
      char *line = malloc(n + 1);
      if (line == NULL) {
        free(nb);
        rc = FS_ENOMEM;
        goto out;
      }
      memcpy(line, p, n);
      line[n] = '\0';
      hit = (*archive && strstr(line, archive)) || (*name && strstr(line, name));
      free(line);
      if (hit) {
        /* The placeholder may be longer than the line it replaces. */
        if (used + sizeof(NOTICE_REDACTED) + 1 > cap) {
          char *g = realloc(nb, cap += sizeof(NOTICE_REDACTED) + 64);
          if (g == NULL) {
            free(nb);
            rc = FS_ENOMEM;
            goto out;
          }
          nb = g;
        }
        memcpy(nb + used, NOTICE_REDACTED, sizeof(NOTICE_REDACTED) - 1);
        used += sizeof(NOTICE_REDACTED) - 1;
      } else {
        if (used + n + 1 > cap) {
          char *g = realloc(nb, cap += n + 64);
          if (g == NULL) {
            free(nb);
            rc = FS_ENOMEM;
            goto out;
          }
          nb = g;
        }
        memcpy(nb + used, p, n);
        used += n;
      }
      if (eol)
        nb[used++] = '\n';
      p += n + (eol ? 1 : 0);
    }
    sqlite3_reset(upd);
    sqlite3_bind_text(upd, 1, nb, (int)used, SQLITE_TRANSIENT);
    sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
    rc = sqlite3_step(upd);
    free(nb);
    if (rc != SQLITE_DONE) {
      rc = fs__db_err(r->db, rc);
      goto out;
    }
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
out:
  sqlite3_finalize(sel);
  sqlite3_finalize(upd);
  return rc;
}

static int evict_fn(fs_replica *r, void *arg) {
  const evict_arg *e = arg;
  char sql[256], archive[64] = "", name[1024] = "";
  sqlite3_stmt *st = NULL;
  int rc = 0;

  if (e->kind == FS_KIND_CUSTOMER) {
    /* Read what notices may name before the card is gone. */
    rc = sqlite3_prepare_v2(
        r->db,
        "SELECT COALESCE(archive_no,''), COALESCE(name,'') FROM customers "
        "WHERE id=?1",
        -1, &st, NULL);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(archive, sizeof(archive), "%s",
                 (const char *)sqlite3_column_text(st, 0));
        snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 1));
      }
    }
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
    sqlite3_finalize(st);
    st = NULL;
    if (rc == 0 && (archive[0] || name[0]))
      rc = evict_notices(r, archive, name);
    for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
      const fs_kind_def *kd = fs__kind_def((fs_kind)k);
      if (!(kd->flags & FS_K_CHILD))
        continue;
      snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE customer_id = ?1",
               kd->table);
      rc = evict_derived(r, (fs_kind)k, sql, e->id);
      if (rc)
        break;
      snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE customer_id = ?1", kd->table);
      rc = exec_id(r, sql, e->id, NULL);
    }
    if (rc)
      return rc;
  }
  rc = evict_derived(r, e->kind, "?1", e->id);
  if (rc == 0)
    rc = fs__store_remove(r->db, e->kind, e->id);
  if (rc == 0)
    r->evicted = 1;
  return rc;
}

int fs__replica_evict(fs_replica *r, fs_kind k, const char *id) {
  evict_arg e = {k, id};

  if (r == NULL || fs__kind_def(k) == NULL || !fs__id_valid(id))
    return FS_EINVAL;
  return in_txn(r, evict_fn, &e);
}

int fs__replica_scrub(fs_replica *r) {
  sqlite3_stmt *st = NULL;
  int rc, busy = 0;

  if (r == NULL || r->db == NULL)
    return FS_EINVAL;
  if (!r->evicted)
    return 0;
  /* secure_delete zeroed the rows in the pages written since; the WAL
   * still holds older images of those pages (with the card) until they are
   * copied back and the WAL is emptied. */
  rc = sqlite3_prepare_v2(r->db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    busy = sqlite3_column_int(st, 0);
    rc = SQLITE_OK;
  }
  rc = fs__db_err(r->db, rc);
  sqlite3_finalize(st);
  if (rc == 0 && busy) {
    /* Another connection reads the replica: the WAL stays until the next
     * scrub (r->evicted stays set) or the last connection closes. */
    FS_WARN(
        "%s: another program holds the replica open; records removed from this device "
        "stay in its write-ahead log until it closes",
        r->path);
    return 0;
  }
  if (rc == 0)
    r->evicted = 0;
  return rc;
}

int fs__replica_cursor_get(fs_replica *r, uint64_t *out) {
  long long v;
  int rc;

  if (r == NULL || out == NULL)
    return FS_EINVAL;
  rc = fs__meta_get_int(r->db, "cursor", &v);
  if (rc == FS_ENOTFOUND) {
    *out = 0;
    return 0;
  }
  if (rc == 0)
    *out = (uint64_t)v;
  return rc;
}

int fs__replica_cursor_set(fs_replica *r, uint64_t cursor) {
  if (r == NULL || cursor > INT64_MAX)
    return FS_EINVAL;
  return fs__meta_set_int(r->db, "cursor", (long long)cursor);
}

static int bind_value(sqlite3_stmt *st, int col, const fs_value *v) {
  if (v == NULL || v->type == FS_V_NULL)
    return sqlite3_bind_null(st, col);
  if (v->type == FS_V_INT)
    return sqlite3_bind_int64(st, col, v->i);
  return sqlite3_bind_text(st, col, v->s, (int)v->len, SQLITE_STATIC);
}

static int conflict_insert(fs_replica *r, const char *kind, const char *id,
                           const char *field, const fs_value *loser, uint64_t loser_hlc,
                           const fs_value *winner, uint64_t winner_hlc, const char *author,
                           uint64_t at, const char *fenced, const char *winner_author);

int fs__replica_conflict_add(fs_replica *r, const char *kind, const char *id,
                             const char *field, const fs_value *loser, uint64_t loser_hlc,
                             const fs_value *winner, uint64_t winner_hlc,
                             const char *author, uint64_t at) {
  return fs__replica_conflict_add_fenced(r, kind, id, field, loser, loser_hlc, winner,
                                         winner_hlc, author, at, NULL);
}

int fs__replica_conflict_add_fenced(fs_replica *r, const char *kind, const char *id,
                                    const char *field, const fs_value *loser,
                                    uint64_t loser_hlc, const fs_value *winner,
                                    uint64_t winner_hlc, const char *author, uint64_t at,
                                    const char *fenced) {
  return conflict_insert(r, kind, id, field, loser, loser_hlc, winner, winner_hlc, author,
                         at, fenced, NULL);
}

int fs__replica_conflict_item_add(fs_replica *r, const fs_conflict_item *it) {
  if (it == NULL)
    return FS_EINVAL;
  return conflict_insert(r, it->kind, it->id, it->field, &it->loser, it->loser_hlc,
                         &it->winner, it->winner_hlc, it->author, it->at, it->fenced,
                         it->winner_author);
}

static int conflict_insert(fs_replica *r, const char *kind, const char *id,
                           const char *field, const fs_value *loser, uint64_t loser_hlc,
                           const fs_value *winner, uint64_t winner_hlc, const char *author,
                           uint64_t at, const char *fenced, const char *winner_author) {
  static const char sql[] =
      "INSERT INTO conflicts(kind, record_id, field, loser, loser_hlc, winner, "
      "winner_hlc, loser_author, at, fenced, winner_author) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
  sqlite3_stmt *st = NULL;
  int rc;

  if (r == NULL || kind == NULL || id == NULL || field == NULL)
    return FS_EINVAL;
  rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, field, -1, SQLITE_STATIC);
    bind_value(st, 4, loser);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)loser_hlc);
    bind_value(st, 6, winner);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)winner_hlc);
    sqlite3_bind_text(st, 8, author ? author : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)at);
    if (fenced && fenced[0])
      sqlite3_bind_text(st, 10, fenced, -1, SQLITE_STATIC);
    if (winner_author && winner_author[0])
      sqlite3_bind_text(st, 11, winner_author, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* journal.c - the change journal of the central store (central.h):
 * one entry per record and audience, upserted with a fresh seq. */
#include "store/central.h"
#include "store/impl.h"

int fs__central_journal(fs_central *c, fs_kind k, const char *id, const char *audience,
                        int op) {
  sqlite3_stmt *st = c->st_journal;
  int rc;

  sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__central_next_seq(c));
  sqlite3_bind_int(st, 2, (int)k);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, audience, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, op);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
}

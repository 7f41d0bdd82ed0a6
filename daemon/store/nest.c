/* nest.c - nested transactions as SQLite savepoints (nest.h). */
#include "store/nest.h"

#include "store/impl.h"

/* One name serves every depth: ROLLBACK TO and RELEASE act on the most
 * recent savepoint of that name, which is the innermost open one (the
 * same holds in PostgreSQL). */
#define NEST "fs_nest"

int fs__central_nest_begin(fs_central *c) {
  return fs__db_exec(fs__central_db(c), "SAVEPOINT " NEST);
}

int fs__central_nest_end(fs_central *c, int keep) {
  sqlite3 *db = fs__central_db(c);
  int rc = keep ? 0 : fs__db_exec(db, "ROLLBACK TO " NEST);
  int rc2 = fs__db_exec(db, "RELEASE " NEST);
  return rc ? rc : rc2;
}

/* bench_common_store.c - cost of the generic merge path.
 *
 * Inserts N customer rows through fs__store_apply (lookup, merge, upsert
 * through cached statements) in one transaction, and the same rows with a
 * raw prepared INSERT into an identical database, in the same run.  Prints
 * rows/s for both and the ratio (apply / raw throughput).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "fs_errno.h"
#include "model.h"
#include "store.h"

#define ROWS 100000
#define NF 6

static const char *const fields[NF] = {"name", "grade", "phone", "address", "industry",
                                       "revenue"};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_id(char out[33], long i) {
  /* time-ordered like fs__id: a millisecond prefix, then a counter */
  snprintf(out, 33, "%012llx%020lx", 0x0190a1b2c3d4ULL + (unsigned long long)i, i);
}

static int fill_change(fs_change *c, long i, uint64_t hlc) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  char buf[64];
  int rc = 0;

  make_id(c->id, i);
  c->hlc = hlc;
  c->counter = (uint64_t)i + 1;
  for (int f = 0; f < NF && rc == 0; f++) {
    fs_field_change *fc = &c->fields[f];
    fc->field = fs__field_index(kd, fields[f]);
    fc->hlc = hlc;
    switch (f) {
    case 0:
      snprintf(buf, sizeof(buf), "客户 %ld 汽车销售有限公司", i);
      break;
    case 1:
      snprintf(buf, sizeof(buf), "%s", fs__grades[i % 4]);
      break;
    case 2:
      snprintf(buf, sizeof(buf), "+86 10 %08ld", i);
      break;
    case 3:
      snprintf(buf, sizeof(buf), "%ld Chang'an Avenue, Beijing", i);
      break;
    case 4:
      snprintf(buf, sizeof(buf), "logistics");
      break;
    default:
      fs__value_set_int(&fc->value, (int64_t)i * 1000);
      continue;
    }
    rc = fs__value_set_text(&fc->value, buf, strlen(buf));
  }
  return rc;
}

static int open_db(const char *dir, const char *name, sqlite3 **db) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return fs__db_open(path, 1, FS_SCHEMA_DAEMON, db);
}

static int run_apply(sqlite3 *db, double *secs) {
  fs_field_change fcs[NF];
  fs_change c;
  fs_outcome oc;
  double t0;
  int rc;

  memset(&c, 0, sizeof(c));
  memset(fcs, 0, sizeof(fcs));
  c.kind = FS_KIND_CUSTOMER;
  c.op = FS_OP_UPSERT;
  strcpy(c.owner, "A01");
  strcpy(c.author, "A01");
  c.device_id = 1;
  c.nfields = NF;
  c.fields = fcs;
  t0 = now_s();
  rc = fs__db_begin(db);
  for (long i = 0; i < ROWS && rc == 0; i++) {
    rc = fill_change(&c, i, ((uint64_t)1767225600000ULL << 16) + (uint64_t)i);
    if (rc == 0)
      rc = fs__store_apply(db, &c, (uint64_t)i + 1, NULL, NULL, &oc);
    if (rc == 0 && oc != FS_OUTCOME_APPLIED)
      rc = FS_EINTERNAL;
  }
  if (rc == 0)
    rc = fs__db_commit(db);
  else
    fs__db_rollback(db);
  *secs = now_s() - t0;
  for (int f = 0; f < NF; f++)
    fs__value_free(&fcs[f].value);
  return rc;
}

static int run_raw(sqlite3 *db, double *secs) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  fs_field_change fcs[NF];
  fs_change c;
  unsigned char clk[64 * 8];
  sqlite3_stmt *st = NULL;
  double t0;
  int rc;

  memset(&c, 0, sizeof(c));
  memset(fcs, 0, sizeof(fcs));
  c.fields = fcs;
  rc = sqlite3_prepare_v2(db,
                          "INSERT INTO customers(id, owner, author, deleted, hlc, seq, clk, "
                          "name, grade, phone, address, industry, revenue) "
                          "VALUES(?, 'A01', 'A01', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          -1, &st, NULL);
  if (rc)
    return fs__db_err(db, rc);
  t0 = now_s();
  rc = fs__db_begin(db);
  for (long i = 0; i < ROWS && rc == 0; i++) {
    uint64_t hlc = ((uint64_t)1767225600000ULL << 16) + (uint64_t)i;
    rc = fill_change(&c, i, hlc);
    if (rc)
      break;
    /* the same clock blob the store writes */
    memset(clk, 0, (size_t)kd->nfields * 8);
    for (int f = 0; f < NF; f++)
      for (int b = 0; b < 8; b++)
        clk[fcs[f].field * 8 + b] = (unsigned char)(hlc >> (8 * b));
    sqlite3_bind_text(st, 1, c.id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)hlc);
    sqlite3_bind_int64(st, 3, i + 1);
    sqlite3_bind_blob(st, 4, clk, kd->nfields * 8, SQLITE_STATIC);
    for (int f = 0; f < NF - 1; f++)
      sqlite3_bind_text(st, 5 + f, fcs[f].value.s, (int)fcs[f].value.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5 + NF - 1, fcs[NF - 1].value.i);
    rc = fs__db_err(db, sqlite3_step(st));
    sqlite3_reset(st);
  }
  if (rc == 0)
    rc = fs__db_commit(db);
  else
    fs__db_rollback(db);
  *secs = now_s() - t0;
  sqlite3_finalize(st);
  for (int f = 0; f < NF; f++)
    fs__value_free(&fcs[f].value);
  return rc;
}

/* The central store's own tables are the daemon's (daemon/store/schema.c);
 * this common-layer bench needs only the record tables. */
static const fs_schema_fragment records_only = {FS_SCHEMA_DAEMON, "daemon (records only)",
                                                "", NULL, 0};

int main(void) {
  fs__schema_register(&records_only);
  char tmpl[] = "/tmp/fsbench.XXXXXX";
  char *dir = mkdtemp(tmpl);
  char cmd[600];
  sqlite3 *a = NULL, *b = NULL;
  double ta = 0, tr = 0;
  int rc;

  if (dir == NULL) {
    perror("mkdtemp");
    return 1;
  }
  rc = open_db(dir, "apply.db", &a);
  if (rc == 0)
    rc = open_db(dir, "raw.db", &b);
  if (rc == 0)
    rc = run_raw(b, &tr);
  if (rc == 0)
    rc = run_apply(a, &ta);
  fs__db_close(a);
  fs__db_close(b);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  if (rc) {
    fprintf(stderr, "bench_common_store: %s\n", fs_strerror(rc));
    return 1;
  }
  printf("customers via fs__store_apply: %d rows in %.2f s = %.0f rows/s\n", ROWS, ta,
         ROWS / ta);
  printf("customers via raw INSERT:      %d rows in %.2f s = %.0f rows/s\n", ROWS, tr,
         ROWS / tr);
  printf("ratio apply/raw throughput: %.2f (raw is %.2fx faster)\n", tr / ta, ta / tr);
  return 0;
}

/* admin.c - administration commands (admin.h). */
#include "admin.h"
#include "admin_refs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "archive.h"
#include "db.h"
#include "validate.h"
#include "handover.h"
#include "history.h"
#include "fs_errno.h"
#include "privacy.h"
#include "id.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "status.h"
#include "strbuf.h"
#include "table.h"
#include "utf8.h"

/* ---- args ----------------------------------------------------------- */

static const fs_admin_arg *arg_find(const fs_msg_admin *req, const char *key) {
  for (uint32_t i = 0; i < req->nargs; i++)
    if (strcmp(req->args[i].key, key) == 0)
      return &req->args[i];
  return NULL;
}

static const char *arg_str(const fs_msg_admin *req, const char *key) {
  const fs_admin_arg *a = arg_find(req, key);
  return a && a->type == FS_ARG_STR && a->s[0] ? a->s : NULL;
}

static long long arg_int(const fs_msg_admin *req, const char *key, long long def) {
  const fs_admin_arg *a = arg_find(req, key);
  return a && (a->type == FS_ARG_INT || a->type == FS_ARG_BOOL) ? a->i : def;
}

/* ---- results -------------------------------------------------------- */

/* A command's result is typed once: a listing is a table (table.h) that
 * the one renderer writes as the text listing and as the JSON array; a
 * single result is a JSON object from the one writer (json.h) next to a
 * sentence for humans.  Both texts travel in the ADMIN_RESULT. */
typedef struct cmd_ctx {
  const fs_admin_ctx *ctx;
  const fs_msg_admin *req;
  fs_msg_admin_result *res;
  fs__strbuf out;  /* human text */
  fs__strbuf json; /* JSON */
  fs_json j;       /* the writer over json */
} cmd_ctx;

static int fail(cmd_ctx *x, int code, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  x->res->ok = 0;
  x->res->code = code;
  free(x->res->text);
  x->res->text = strdup(buf);
  return 0;
}

static sqlite3 *db_of(cmd_ctx *x) { return fs__central_db(x->ctx->c); }

/* Appends stored text to the human output through the one sanitiser
 * (common/utf8.h: a control character as a space), then spaces up to
 * width display columns (never cut).  Rows written before control
 * characters were refused must not drive the admin's terminal or forge a
 * line of the listing. */
static void out_text(cmd_ctx *x, const char *s, int width) {
  size_t w = fs__display_width(s ? s : "");

  fs__strbuf_pad(&x->out, s ? s : "", -1);
  for (; w < (size_t)(width > 0 ? width : 0); w++)
    fs__strbuf_append(&x->out, " ", 1);
}

/* Rows an admin listing holds (audit's LIMIT is below). */
#define LIST_ROWS_MAX 100000

/* A listing of ncols typed columns, or NULL (out of memory). */
static fs_table *list_new(const fs_col *cols, int ncols) {
  fs_table *t = NULL;
  return fs__table_new_typed(cols, ncols, LIST_ROWS_MAX, &t) == 0 ? t : NULL;
}

/* The result of a listing: the JSON array, and unless the command writes
 * its own lines, the text table; frees t.  0 or FS_ENOMEM (an output over
 * its bound is reported by fs__admin_exec). */
static int list_emit(cmd_ctx *x, fs_table *t, int text) {
  int rc = fs__table_json(t, &x->j);
  if (text && (rc == 0 || rc == FS_EOVERFLOW))
    rc = fs__table_text(t, &fs__table_list, &x->out);
  fs__table_free(t);
  return rc == FS_EOVERFLOW ? 0 : rc;
}

/* Appends the columns of st as typed by t's columns: text or integers
 * (times are integers).  0 or FS_ENOMEM. */
static int row_from(fs_table *t, const fs_col *cols, sqlite3_stmt *st) {
  int rc = fs__table_row(t);
  for (int c = 0; rc == 0 && c < fs__table_cols(t); c++) {
    if (sqlite3_column_type(st, c) == SQLITE_NULL)
      continue; /* unset: JSON null */
    if (cols[c].type == FS_COL_TEXT)
      rc = fs__table_set_text(t, c, (const char *)sqlite3_column_text(st, c));
    else
      fs__table_set_int(t, c, sqlite3_column_int64(st, c));
  }
  return rc;
}

/* Runs st (bound) into a listing of cols and emits it: the JSON array,
 * and as text the table, or what lines() writes from the rows.  *nrows
 * (may be NULL) is the number of rows.  Finalizes st. */
static int list_run(cmd_ctx *x, sqlite3_stmt *st, const fs_col *cols, int ncols,
                    int (*lines)(cmd_ctx *x, const fs_table *t), size_t *nrows) {
  sqlite3 *db = db_of(x);
  fs_table *t = list_new(cols, ncols);
  int rc = t ? 0 : FS_ENOMEM, src = SQLITE_DONE;

  while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW)
    rc = row_from(t, cols, st);
  sqlite3_finalize(st);
  if (rc == 0 && src != SQLITE_DONE)
    rc = fs__db_err(db, src);
  if (nrows)
    *nrows = fs__table_rows(t);
  if (rc == 0 && lines)
    rc = lines(x, t);
  if (rc == 0)
    return list_emit(x, t, lines == NULL);
  fs__table_free(t);
  if (rc == FS_EOVERFLOW) /* more than LIST_ROWS_MAX rows */
    return fail(x, rc, "output too large; narrow the request");
  return rc;
}

/* Members of a single result's JSON object (x->j). */
static void obj_str(cmd_ctx *x, const char *key, const char *v) {
  fs__json_key(&x->j, key);
  fs__json_string(&x->j, v);
}

static void obj_int(cmd_ctx *x, const char *key, int64_t v) {
  fs__json_key(&x->j, key);
  fs__json_int(&x->j, v);
}

/* Every string argument (and list item) is single-line text: no control
 * character, whatever the command (common/validate.h).  0, or fails x with
 * FS_EVALIDATE naming the argument. */
static int args_check(cmd_ctx *x) {
  char err[300];

  for (uint32_t i = 0; i < x->req->nargs; i++) {
    const fs_admin_arg *a = &x->req->args[i];
    int rc = 0;
    if (a->type == FS_ARG_STR)
      rc = fs__validate_line(a->key, a->s, err, sizeof(err));
    for (uint32_t j = 0; rc == 0 && a->type == FS_ARG_LIST && j < a->nlist; j++)
      rc = fs__validate_line(a->key, a->list[j], err, sizeof(err));
    if (rc) {
      fail(x, FS_EVALIDATE, "%s", err);
      return rc;
    }
  }
  return 0;
}

/* ---- staff ---------------------------------------------------------- */

static int staff_exists(sqlite3 *db, const char *code, char *role, size_t rlen,
                        char *status, size_t slen) {
  sqlite3_stmt *st = NULL;
  int rc, found = 0;

  rc = sqlite3_prepare_v2(db, "SELECT role, status FROM staff WHERE code=?1", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    found = 1;
    if (role)
      snprintf(role, rlen, "%s", sqlite3_column_text(st, 0));
    if (status)
      snprintf(status, slen, "%s", sqlite3_column_text(st, 1));
  } else if (rc != SQLITE_DONE) {
    found = fs__db_err(db, rc);
  }
  sqlite3_finalize(st);
  return found;
}

static int cmd_staff_add(cmd_ctx *x) {
  const char *code = arg_str(x->req, "code"), *name = arg_str(x->req, "name");
  const char *role = arg_str(x->req, "role"), *mgr = arg_str(x->req, "manager");
  char mrole[16];
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  int rc;

  if (code == NULL || !fs__staff_code_valid(code))
    return fail(x, FS_EVALIDATE,
                "code: \"%s\" is not a staff code (a capital letter, then 1-15 capital "
                "letters or digits, e.g. A01)",
                code ? code : "");
  if (name == NULL)
    return fail(x, FS_EVALIDATE, "name: required (--name NAME)");
  if (role == NULL)
    role = "rep";
  if (fs__role_parse(role) < 0)
    return fail(x, FS_EVALIDATE, "role: \"%s\" is not one of rep, manager, admin", role);
  if (mgr) {
    rc = staff_exists(db, mgr, mrole, sizeof(mrole), NULL, 0);
    if (rc < 0)
      return rc;
    if (rc == 0)
      return fail(x, FS_ENOTFOUND, "manager: no staff member %s; add them first", mgr);
    if (fs__role_parse(mrole) == FS_ROLE_REP)
      return fail(x, FS_EVALIDATE, "manager: %s is a rep, not a manager", mgr);
  }
  rc = staff_exists(db, code, NULL, 0, NULL, 0);
  if (rc < 0)
    return rc;
  if (rc)
    return fail(x, FS_EEXIST, "staff member %s already exists", code);
  rc = sqlite3_prepare_v2(
      db,
      "INSERT INTO staff(code, name, role, manager, status, created_at) "
      "VALUES(?1,?2,?3,?4,'" FS_STAFF_ACTIVE_S "',?5)",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, mgr, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)fs__now_ms());
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  fs__strbuf_printf(&x->out, "added %s %s (", role, code);
  out_text(x, name, 0);
  fs__strbuf_printf(&x->out, "%s%s)\n", mgr ? ", manager " : "", mgr ? mgr : "");
  fs__json_begin_object(&x->j);
  obj_str(x, "code", code);
  fs__json_end_object(&x->j);
  return fs__audit(x->ctx->c, x->ctx->actor, "staff.add", code, NULL, -1, name, NULL);
}

static const fs_col staff_cols[] = {
    {"code", FS_COL_TEXT, "CODE"},      {"name", FS_COL_TEXT, "NAME"},
    {"role", FS_COL_TEXT, "ROLE"},      {"manager", FS_COL_TEXT, "MANAGER"},
    {"status", FS_COL_TEXT, "STATUS"},  {"successor", FS_COL_TEXT, "SUCCESSOR"},
    {"devices", FS_COL_INT, "DEVICES"}, {"customers", FS_COL_INT, "CUSTOMERS"}};

static int cmd_staff_list(cmd_ctx *x) {
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  const char *one = arg_str(x->req, "code");
  size_t n = 0;
  int rc;

  rc = sqlite3_prepare_v2(
      db,
      "SELECT s.code, s.name, s.role, COALESCE(s.manager,''), s.status, "
      "COALESCE(s.successor,''), (SELECT count(*) FROM devices d WHERE "
      "d.staff=s.code AND d.status='" FS_DEVICE_ACTIVE_S "'), (SELECT count(*) FROM "
      "customers c WHERE c.owner=s.code AND c.deleted=0) FROM staff s "
      "WHERE ?1 IS NULL OR s.code=?1 ORDER BY s.code",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, one, -1, SQLITE_STATIC);
  rc = list_run(x, st, staff_cols, 8, NULL, &n);
  if (rc == 0 && one && n == 0)
    return fail(x, FS_ENOTFOUND, "no staff member %s", one);
  return rc;
}

/* ---- enrollment ----------------------------------------------------- */

static int cmd_enroll(cmd_ctx *x) {
  const char *code = arg_str(x->req, "code");
  const char *addr = x->ctx->cfg->public_addr[0] ? x->ctx->cfg->public_addr
                                                  : x->ctx->cfg->listen;
  long long hours = arg_int(x->req, "hours", (long long)x->ctx->cfg->token_hours);
  char status[16], text[FS_TOKEN_TEXT_MAX + 1];
  uint8_t hash[FS_TOKEN_SECRET_HASH_LEN];
  fs_token *t = NULL;
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  uint64_t expires;
  int rc;

  if (code == NULL)
    return fail(x, FS_EUSAGE, "usage: enroll CODE");
  rc = staff_exists(db, code, NULL, 0, status, sizeof(status));
  if (rc < 0)
    return rc;
  if (rc == 0)
    return fail(x, FS_ENOTFOUND, "no staff member %s; add them with `fieldsyncd staff add`",
                code);
  if (fs__staff_status_parse(status) != FS_STAFF_ACTIVE)
    return fail(x, FS_EDEPARTED, "%s has departed; no new devices", code);
  if (hours < 1 || hours > 8760)
    return fail(x, FS_EVALIDATE, "hours: must be from 1 to 8760");
  t = sodium_malloc(sizeof(*t));
  if (t == NULL)
    return FS_ENOMEM;
  expires = fs__now_ms() / 1000 + (uint64_t)hours * 3600;
  rc = fs__token_make(t, addr, code, x->ctx->daemon_pub, expires);
  if (rc == 0)
    rc = fs__token_encode(t, text, sizeof(text));
  if (rc == 0)
    rc = fs__token_secret_hash(t->secret, hash);
  if (rc) {
    fail(x, rc, "cannot make a token: %s", fs_strerror(rc));
    rc = 0;
    goto out;
  }
  rc = sqlite3_prepare_v2(db, "INSERT INTO tokens(secret_hash, staff, expires_at) VALUES(?1,?2,?3)",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
  sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)expires);
  rc = sqlite3_step(st);
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  if (rc)
    goto out;
  fs__strbuf_printf(&x->out, "%s\n", text);
  fs__json_begin_object(&x->j);
  obj_str(x, "token", text);
  obj_int(x, "expires", (int64_t)expires);
  fs__json_end_object(&x->j);
  rc = fs__audit(x->ctx->c, x->ctx->actor, "enroll.token", code, NULL, -1,
                 "one-time enrollment token issued", NULL);
out:
  sqlite3_finalize(st);
  sodium_memzero(text, sizeof(text));
  if (t) {
    fs__token_wipe(t);
    sodium_free(t);
  }
  return rc;
}

/* Status of a token: 0 usable, else an FS_ETOKEN* code. */
static int token_state(sqlite3 *db, const fs_token *t, int64_t *used_out) {
  uint8_t hash[FS_TOKEN_SECRET_HASH_LEN];
  sqlite3_stmt *st = NULL;
  int rc;

  if (fs__token_secret_hash(t->secret, hash))
    return FS_ECRYPTO;
  rc = sqlite3_prepare_v2(db, "SELECT staff, expires_at, used_at FROM tokens WHERE secret_hash=?1",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    if (strcmp((const char *)sqlite3_column_text(st, 0), t->staff_code) != 0)
      rc = FS_ETOKEN;
    else if (sqlite3_column_type(st, 2) != SQLITE_NULL)
      rc = FS_ETOKEN_USED;
    else if ((uint64_t)sqlite3_column_int64(st, 1) <= fs__now_ms() / 1000)
      rc = FS_ETOKEN_EXPIRED;
    else
      rc = 0;
    if (used_out)
      *used_out = 0;
  } else {
    rc = rc == SQLITE_DONE ? FS_ETOKEN : fs__db_err(db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__enroll_check(sqlite3 *db, const fs_token *t) {
  char status[16];
  int rc = token_state(db, t, NULL);
  if (rc)
    return rc;
  rc = staff_exists(db, t->staff_code, NULL, 0, status, sizeof(status));
  if (rc < 0)
    return rc;
  if (rc == 0)
    return FS_ETOKEN;
  return fs__staff_status_parse(status) == FS_STAFF_ACTIVE ? 0 : FS_EDEPARTED;
}

int fs__enroll_device(fs_central *c, const fs_token *t, const uint8_t pub[32], fs_device *d) {
  sqlite3 *db = fs__central_db(c);
  uint8_t hash[FS_TOKEN_SECRET_HASH_LEN];
  sqlite3_stmt *st = NULL;
  int rc, slot = 1;
  char detail[64];

  rc = fs__enroll_check(db, t);
  if (rc)
    return rc;
  rc = sqlite3_prepare_v2(db, "SELECT COALESCE(max(slot),0)+1 FROM devices WHERE staff=?1", -1,
                          &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, t->staff_code, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW)
    slot = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  /* Slots are never reused: archive numbers made by an old device stay
   * unique forever. */
  if (slot > FS_ARCHIVE_SLOTS)
    return FS_EOVERFLOW;
  rc = sqlite3_prepare_v2(db,
                          "INSERT INTO devices(staff, pubkey, slot, status, enrolled_at, "
                          "last_seen) VALUES(?1,?2,?3,'" FS_DEVICE_ACTIVE_S "',?4,?4)",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, t->staff_code, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, pub, 32, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, slot);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)fs__now_ms());
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    /* Extended result codes are on (fs__db_open): the key's UNIQUE
     * constraint is SQLITE_CONSTRAINT_UNIQUE, so compare the primary code.
     * Another enrollment of this key committed first (3.1). */
    return (rc & 0xff) == SQLITE_CONSTRAINT ? FS_EEXIST : fs__db_err(db, rc);
  if (fs__token_secret_hash(t->secret, hash))
    return FS_ECRYPTO;
  rc = sqlite3_prepare_v2(db, "UPDATE tokens SET used_at=?1, device_id=?2 WHERE secret_hash=?3",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__now_ms());
  sqlite3_bind_int64(st, 2, sqlite3_last_insert_rowid(db));
  sqlite3_bind_blob(st, 3, hash, sizeof(hash), SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  rc = fs__central_device_by_key(db, pub, d);
  if (rc)
    return rc;
  snprintf(detail, sizeof(detail), "device %llu enrolled, slot %d", (unsigned long long)d->id,
           slot);
  return fs__audit(c, t->staff_code, "device.enroll", t->staff_code, NULL, (long long)d->id,
                   detail, NULL);
}

/* ---- devices -------------------------------------------------------- */

static const fs_col device_cols[] = {{"device", FS_COL_INT, "DEVICE"},
                                     {"staff", FS_COL_TEXT, "STAFF"},
                                     {"slot", FS_COL_INT, "SLOT"},
                                     {"status", FS_COL_TEXT, "STATUS"},
                                     {"last_seen", FS_COL_TIME, "LAST SEEN (UTC)"},
                                     {"outbox", FS_COL_INT, "OUTBOX"},
                                     {"oldest_unsynced", FS_COL_TIME, "OLDEST UNSYNCED"}};

static int cmd_devices(cmd_ctx *x) {
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db,
                          "SELECT id, staff, slot, status, COALESCE(last_seen,0), "
                          "COALESCE(outbox_depth,0), COALESCE(oldest_unsynced,0) "
                          "FROM devices ORDER BY id",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  return list_run(x, st, device_cols, 7, NULL, NULL);
}

static int cmd_revoke(cmd_ctx *x) {
  long long dev = arg_int(x->req, "device", -1);
  int wipe = (int)arg_int(x->req, "wipe", 0);
  const char *reason = arg_str(x->req, "reason");
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  int rc;

  if (dev < 0)
    return fail(x, FS_EUSAGE, "usage: revoke DEVICE [--wipe]");
  /* wipe_at: the wipe order's time; the final upload closes
   * wipe_deadline_days later (an earlier order keeps its time). */
  rc = sqlite3_prepare_v2(db,
                          "UPDATE devices SET status=?1, wipe_at=CASE WHEN ?3 THEN "
                          "COALESCE(wipe_at, ?4) ELSE wipe_at END WHERE id=?2 AND "
                          "status<>'" FS_DEVICE_WIPED_S "'",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, wipe ? "wipe" : "revoked", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, dev);
  sqlite3_bind_int(st, 3, wipe);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)fs__now_ms());
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  if (sqlite3_changes(db) == 0)
    return fail(x, FS_ENOTFOUND, "no device %lld (see `fieldsyncd devices`)", dev);
  fs__strbuf_printf(&x->out, "device %lld revoked%s\n", dev,
                    wipe ? "; it will upload its outbox once more, then erase its replica"
                         : "");
  fs__json_begin_object(&x->j);
  obj_int(x, "device", dev);
  fs__json_key(&x->j, "wipe");
  fs__json_bool(&x->j, wipe);
  fs__json_end_object(&x->j);
  return fs__audit(x->ctx->c, x->ctx->actor, wipe ? "device.revoke.wipe" : "device.revoke",
                   NULL, NULL, dev, NULL, reason);
}

/* Audit entries one `audit` command lists (the oldest first). */
#define AUDIT_LIST_MAX 10000

static const fs_col audit_cols[] = {
    {"at", FS_COL_TIME, NULL},       {"actor", FS_COL_TEXT, NULL},
    {"action", FS_COL_TEXT, NULL},   {"staff", FS_COL_TEXT, NULL},
    {"customer", FS_COL_TEXT, NULL}, {"device", FS_COL_INT, NULL},
    {"detail", FS_COL_TEXT, NULL},   {"reason", FS_COL_TEXT, NULL}};

/* The audit log's own layout, a line per row from the same typed rows:
 * every stored text through the sanitiser (out_text), so one audit row is
 * one line. */
static int audit_lines(cmd_ctx *x, const fs_table *t) {
  static const char *const label[] = {
      "", "  ", " ", " staff=", " customer=", " device=", "  "};
  static const int width[] = {0, 8, 20, 0, 0, 0, 0};
  char buf[64];

  for (size_t r = 0; r < fs__table_rows(t); r++) {
    const char *why = fs__table_cell(t, r, 7, buf);
    for (int c = 0; c < 7; c++) {
      fs__strbuf_append(&x->out, label[c], strlen(label[c]));
      out_text(x, fs__table_cell(t, r, c, buf), width[c]);
    }
    if (why[0]) {
      fs__strbuf_append(&x->out, "  why: ", 7);
      out_text(x, why, 0);
    }
    fs__strbuf_append(&x->out, "\n", 1);
  }
  return 0;
}

static int cmd_audit(cmd_ctx *x) {
  const char *staff = arg_str(x->req, "staff"), *cust = arg_str(x->req, "customer");
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  size_t n = 0;
  int rc;

  rc = sqlite3_prepare_v2(
      db,
      "SELECT at, actor, action, COALESCE(staff,''), COALESCE(customer,''), "
      "device, COALESCE(detail,''), COALESCE(reason,'') "
      "FROM audit WHERE (?1 IS NULL OR staff=?1) AND (?2 IS NULL OR "
      "customer=?2) ORDER BY id LIMIT ?3",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, cust, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, AUDIT_LIST_MAX);
  rc = list_run(x, st, audit_cols, 8, audit_lines, &n);
  if (rc == 0 && x->res->ok && n == AUDIT_LIST_MAX)
    fs__strbuf_printf(&x->out,
                      "(at most the first %d entries are shown; narrow the list with "
                      "--staff or --customer)\n",
                      AUDIT_LIST_MAX);
  return rc;
}

/* Appends a history value (nil: "-") to the human output. */
static void out_value(cmd_ctx *x, const fs_value *v) {
  if (v->type == FS_V_NULL)
    fs__strbuf_append(&x->out, "-", 1);
  else if (v->type == FS_V_INT)
    fs__strbuf_printf(&x->out, "%lld", (long long)v->i);
  else
    out_text(x, v->s, 0);
}

static void json_value(cmd_ctx *x, const fs_value *v) {
  if (v->type == FS_V_NULL)
    fs__json_null(&x->j);
  else if (v->type == FS_V_INT)
    fs__json_int(&x->j, v->i);
  else
    fs__json_string(&x->j, v->s);
}

/* Prints one field of the history row st (at, staff, device, kind,
 * record_id, outcome): a line, and an object of the JSON array. */
static void history_field(cmd_ctx *x, sqlite3_stmt *st, const char *field,
                          const fs_value *old, const fs_value *nv, int won, int *n) {
  static const char *const outcomes[] = {"", "applied", "merged", "superseded",
                                         "rejected"};
  const fs_kind_def *kd = fs__kind_def((fs_kind)sqlite3_column_int(st, 3));
  const char *kind = kd ? kd->name : "?";
  int oc = sqlite3_column_int(st, 5);
  const char *outcome = oc > 0 && oc < 5 ? outcomes[oc] : "?";
  const char *result = won ? "applied" : "superseded";
  char when[64];

  fs__time_text(when, sqlite3_column_int64(st, 0));
  /* Every stored text through the sanitiser: one field, one line. */
  fs__strbuf_printf(&x->out, "%s  ", when);
  out_text(x, (const char *)sqlite3_column_text(st, 1), 8);
  fs__strbuf_printf(&x->out, " device=%lld  %s ", (long long)sqlite3_column_int64(st, 2),
                    kind);
  out_text(x, (const char *)sqlite3_column_text(st, 4), 0);
  fs__strbuf_append(&x->out, "  ", 2);
  out_text(x, field, 0);
  fs__strbuf_append(&x->out, ": ", 2);
  out_value(x, old);
  fs__strbuf_append(&x->out, " -> ", 4);
  out_value(x, nv);
  fs__strbuf_printf(&x->out, "  %s%s\n", result,
                    oc == FS_OUTCOME_MERGED ? " (change merged)" : "");
  (*n)++;
  fs__json_begin_object(&x->j);
  obj_int(x, "at", sqlite3_column_int64(st, 0));
  obj_str(x, "staff", (const char *)sqlite3_column_text(st, 1));
  obj_int(x, "device", sqlite3_column_int64(st, 2));
  obj_str(x, "kind", kind);
  obj_str(x, "id", (const char *)sqlite3_column_text(st, 4));
  obj_str(x, "field", field);
  fs__json_key(&x->j, "old");
  json_value(x, old);
  fs__json_key(&x->j, "new");
  json_value(x, nv);
  obj_str(x, "result", result);
  obj_str(x, "outcome", outcome);
  fs__json_end_object(&x->j);
}

/* The values the create in history row st (columns 3, 4, 7, 8: kind,
 * record_id, id, customer) gave the record, into val (kd->nfields, caller
 * releases): what the first later change of each field found there (its
 * old value), else the record's value now.  0 or a translated error. */
static int created_values(sqlite3 *db, sqlite3_stmt *st, const fs_kind_def *kd,
                          fs_value *val) {
  const char *id = (const char *)sqlite3_column_text(st, 4);
  unsigned char *seen = calloc((size_t)kd->nfields, 1);
  sqlite3_stmt *later = NULL;
  fs_row row;
  int rc;

  memset(&row, 0, sizeof(row));
  if (seen == NULL)
    return FS_ENOMEM;
  rc = sqlite3_prepare_v2(db,
                          "SELECT fields FROM history WHERE customer IN (?1, ?2) AND "
                          "record_id=?2 AND kind=?3 AND id>?4 AND length(fields)>0 ORDER "
                          "BY id",
                          -1, &later, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_text(later, 1, (const char *)sqlite3_column_text(st, 8), -1, SQLITE_STATIC);
  sqlite3_bind_text(later, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int(later, 3, sqlite3_column_int(st, 3));
  sqlite3_bind_int64(later, 4, sqlite3_column_int64(st, 7));
  while ((rc = sqlite3_step(later)) == SQLITE_ROW) {
    fs_history_field *f = NULL;
    int nf = 0;
    rc = fs__history_decode(sqlite3_column_blob(later, 0),
                            (size_t)sqlite3_column_bytes(later, 0), &f, &nf);
    for (int i = 0; rc == 0 && i < nf; i++) {
      int fi = fs__field_index(kd, f[i].name);
      if (fi >= 0 && !seen[fi]) {
        seen[fi] = 1;
        rc = fs__value_copy(&val[fi], &f[i].old);
      }
    }
    fs__history_fields_free(f, nf);
    if (rc)
      goto out;
  }
  if (rc != SQLITE_DONE) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  /* Fields no later change touched hold what the create wrote (a delete
   * or an erase has cleared it there and in the history alike). */
  rc = fs__store_get(db, kd->kind, id, &row);
  for (int f = 0; rc == 0 && f < kd->nfields; f++)
    if (!seen[f])
      rc = fs__value_copy(&val[f], &row.values[f]);
  if (rc == FS_ENOTFOUND) /* its tombstone purged: nothing is left */
    rc = 0;
out:
  sqlite3_finalize(later);
  fs__row_release(&row);
  free(seen);
  return rc;
}

/* Prints the create in history row st, which set the fields idx[0..nidx):
 * its values are not copied (history.h) but found again by
 * created_values. */
static int history_created(cmd_ctx *x, sqlite3 *db, sqlite3_stmt *st,
                           const unsigned char *idx, size_t nidx, int *n) {
  static const fs_value nil = {FS_V_NULL, 0, NULL, 0};
  const fs_kind_def *kd = fs__kind_def((fs_kind)sqlite3_column_int(st, 3));
  fs_value *val;
  int rc, shown = 0;

  if (kd == NULL)
    return FS_EINTERNAL;
  val = calloc((size_t)kd->nfields, sizeof(*val));
  if (val == NULL)
    return FS_ENOMEM;
  rc = created_values(db, st, kd, val);
  for (size_t i = 0; rc == 0 && i < nidx; i++)
    if (idx[i] < kd->nfields) {
      history_field(x, st, kd->fields[idx[i]].name, &nil, &val[idx[i]], 1, n);
      shown++;
    }
  if (rc == 0 && shown == 0)
    history_field(x, st, "(created)", &nil, &nil, 1, n);
  for (int f = 0; f < kd->nfields; f++)
    fs__value_free(&val[f]);
  free(val);
  return rc;
}

/* Where the history of record rec is filed: cust receives the customer
 * (rec itself, by id or archive number; another record's customer, or the
 * record itself if it has none).  1 if rec is a customer, 2 another
 * stored record, 0 neither (no such record, or its tombstone was purged),
 * or a translated SQLite error. */
static int history_filed(sqlite3 *db, const char *rec, char *cust, size_t len) {
  sqlite3_stmt *st = NULL;
  int rc, found = 0;

  cust[0] = '\0';
  rc = sqlite3_prepare_v2(
      db, "SELECT id FROM customers WHERE id=?1 OR archive_no=?1 LIMIT 1", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, rec, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    snprintf(cust, len, "%s", (const char *)sqlite3_column_text(st, 0));
    found = 1;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  for (int k = 0; !found && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    int pf = fs__field_index(kd, "customer_id");
    fs_row row;
    memset(&row, 0, sizeof(row));
    if (k == FS_KIND_CUSTOMER || !fs__id_valid(rec))
      continue;
    rc = fs__store_get(db, (fs_kind)k, rec, &row);
    if (rc == 0) {
      int linked = pf >= 0 && row.values[pf].type == FS_V_TEXT;
      snprintf(cust, len, "%s", linked ? row.values[pf].s : rec);
      found = 2;
    }
    fs__row_release(&row);
    if (rc && rc != FS_ENOTFOUND)
      return rc;
  }
  return found;
}

/* history ARCHIVE_NO|ID: every applied device change of one record (a
 * customer: also of its child records), per field, oldest first. */
static int cmd_history(cmd_ctx *x) {
  /* Through the index on customer; a record the store no longer has
   * (tombstone purged) is a scan of the history kept (rare, admin only). */
  static const char *const sql[] = {
      "SELECT at, staff, device, kind, record_id, outcome, fields, id, customer FROM "
      "history WHERE "
      "record_id=?2 ORDER BY id LIMIT 10000",
      "SELECT at, staff, device, kind, record_id, outcome, fields, id, customer FROM "
      "history WHERE "
      "customer=?1 ORDER BY id LIMIT 10000",
      "SELECT at, staff, device, kind, record_id, outcome, fields, id, customer FROM "
      "history WHERE "
      "customer IN (?1, ?2) AND record_id=?2 ORDER BY id LIMIT 10000",
  };
  const char *rec = arg_str(x->req, "record");
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  char cust[FS_ID_HEX + 1];
  int rc, filed, n = 0;

  if (rec == NULL)
    return fail(x, FS_EUSAGE, "history needs ARCHIVE_NO or a record id");
  filed = history_filed(db, rec, cust, sizeof(cust));
  if (filed < 0)
    return filed;
  rc = sqlite3_prepare_v2(db, sql[filed], -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, cust, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, rec, -1, SQLITE_STATIC);
  fs__json_begin_array(&x->j);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    static const fs_value nil = {FS_V_NULL, 0, NULL, 0};
    fs_history_field *f = NULL;
    const unsigned char *idx;
    size_t nidx;
    int nf = 0;
    if (sqlite3_column_type(st, 6) == SQLITE_NULL) { /* a delete */
      history_field(x, st, "(deleted)", &nil, &nil,
                    sqlite3_column_int(st, 5) != FS_OUTCOME_SUPERSEDED, &n);
      continue;
    }
    if (fs__history_created(sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6),
                            &idx, &nidx)) {
      rc = history_created(x, db, st, idx, nidx, &n);
      if (rc)
        break;
      continue;
    }
    rc = fs__history_decode(sqlite3_column_blob(st, 6),
                            (size_t)sqlite3_column_bytes(st, 6), &f, &nf);
    if (rc) {
      sqlite3_finalize(st);
      return fail(x, rc, "history of %s: a stored entry cannot be read (%s)", rec,
                  fs_strerror(rc));
    }
    for (int i = 0; i < nf; i++)
      history_field(x, st, f[i].name, &f[i].old, &f[i].nv, f[i].won, &n);
    fs__history_fields_free(f, nf);
  }
  sqlite3_finalize(st);
  fs__json_end_array(&x->j);
  if (rc < 0)
    return rc;
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  if (n == 0 && filed != 1)
    return fail(x, FS_ENOTFOUND,
                "no record %s with a history (give an archive number or a record id)",
                rec);
  if (n == 0)
    fs__strbuf_printf(&x->out, "no changes from devices kept for %s\n", rec);
  return 0;
}

/* ---- handover, transfer, cover, loans ------------------------------- */

static int list_arg(const fs_msg_admin *req, const char *key, const char *const **out) {
  const fs_admin_arg *a = arg_find(req, key);
  if (a && a->type == FS_ARG_LIST) {
    *out = (const char *const *)a->list;
    return (int)a->nlist;
  }
  if (a && a->type == FS_ARG_STR && a->s[0]) {
    *out = (const char *const *)&a->s;
    return 1;
  }
  *out = NULL;
  return 0;
}

static int run_handover(cmd_ctx *x, const char *kind, const char *from, const char *to) {
  fs_handover_req hr;
  char err[300];
  int rc;

  memset(&hr, 0, sizeof(hr));
  hr.kind = kind;
  hr.from = from;
  hr.to = to;
  hr.dry_run = (int)arg_int(x->req, "dry-run", 0);
  hr.reason = arg_str(x->req, "reason");
  hr.actor = x->ctx->actor;
  hr.ncustomers = list_arg(x->req, "customer", &hr.customers);
  rc = fs__handover_run(x->ctx->c, &hr, &x->out, &x->json, err, sizeof(err));
  if (rc && err[0])
    return fail(x, rc, "%s", err);
  return rc;
}

static int cmd_depart(cmd_ctx *x) {
  const char *code = arg_str(x->req, "code");
  if (code == NULL)
    return fail(x, FS_EUSAGE, "usage: depart CODE [--successor CODE] [--reason TEXT] [--dry-run]");
  return run_handover(x, "departure", code, arg_str(x->req, "successor"));
}

static int cmd_transfer(cmd_ctx *x) {
  const char *from = arg_str(x->req, "from"), *to = arg_str(x->req, "to");
  if (from == NULL || to == NULL)
    return fail(x, FS_EUSAGE,
                "usage: transfer --from CODE --to CODE [--customer ID ...] [--dry-run]");
  return run_handover(x, "transfer", from, to);
}

static int cmd_cover(cmd_ctx *x) {
  const char *absent = arg_str(x->req, "code"), *by = arg_str(x->req, "by");
  const char *from = arg_str(x->req, "from"), *to = arg_str(x->req, "to");
  char s1[16], s2[16];
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  int rc, changed = 0;

  if (!absent || !by || !from || !to)
    return fail(x, FS_EUSAGE, "usage: cover CODE --by CODE --from DATE --to DATE");
  /* Wrong forms are usage errors, exit 2 (common/cmdline.h). */
  if (fs__valid_date(from) != 0 || fs__valid_date(to) != 0)
    return fail(x, FS_EUSAGE, "--from/--to: dates are YYYY-MM-DD (got %s, %s)", from, to);
  if (strcmp(from, to) > 0)
    return fail(x, FS_EUSAGE, "--from %s is after --to %s", from, to);
  if (strcmp(absent, by) == 0)
    return fail(x, FS_EVALIDATE, "a rep cannot cover for themselves");
  for (int i = 0; i < 2; i++) {
    const char *code = i ? by : absent;
    rc = staff_exists(db, code, NULL, 0, i ? s2 : s1, 16);
    if (rc < 0)
      return rc;
    if (rc == 0)
      return fail(x, FS_ENOTFOUND, "no staff member %s", code);
  }
  if (fs__staff_status_parse(s1) != FS_STAFF_ACTIVE ||
      fs__staff_status_parse(s2) != FS_STAFF_ACTIVE)
    return fail(x, FS_EDEPARTED, "both %s and %s must be active staff", absent, by);
  rc = sqlite3_prepare_v2(db,
                          "INSERT INTO covers(absent, by_staff, from_day, to_day, state, "
                          "created_at) VALUES(?1,?2,?3,?4,0,?5)",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, absent, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, from, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, to, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)fs__now_ms());
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  /* A cover that starts today is delivered right away. */
  rc = fs__handover_sweep(x->ctx->c, (int64_t)fs__now_ms(), &changed);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out, "%s covers for %s from %s to %s; it ends by itself\n", by, absent,
                    from, to);
  fs__json_begin_object(&x->j);
  obj_str(x, "absent", absent);
  obj_str(x, "by", by);
  obj_str(x, "from", from);
  obj_str(x, "to", to);
  fs__json_end_object(&x->j);
  {
    char detail[128];
    snprintf(detail, sizeof(detail), "covered by %s from %s to %s", by, from, to);
    return fs__audit(x->ctx->c, x->ctx->actor, "cover", absent, NULL, -1, detail,
                     arg_str(x->req, "reason"));
  }
}

static int cmd_lend(cmd_ctx *x) {
  const char *cust = arg_str(x->req, "customer"), *to = arg_str(x->req, "to");
  long long days = arg_int(x->req, "days", 0);
  char status[16], id[FS_ID_HEX + 1] = "";
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  int64_t loan = 0, until;
  int rc;

  if (!cust || !to || days <= 0)
    return fail(x, FS_EUSAGE, "usage: lend CUSTOMER --to CODE --days N (N >= 1)");
  if (days > 365)
    return fail(x, FS_EVALIDATE, "--days: a loan lasts at most 365 days");
  rc = staff_exists(db, to, NULL, 0, status, sizeof(status));
  if (rc < 0)
    return rc;
  if (rc == 0)
    return fail(x, FS_ENOTFOUND, "no staff member %s", to);
  if (fs__staff_status_parse(status) != FS_STAFF_ACTIVE)
    return fail(x, FS_EDEPARTED, "%s has departed", to);
  rc = sqlite3_prepare_v2(db,
                          "SELECT id FROM customers WHERE (id=?1 OR archive_no=?1) AND deleted=0",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, cust, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW)
    snprintf(id, sizeof(id), "%s", sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (id[0] == '\0')
    return fail(x, FS_ENOTFOUND, "no customer %s (give the id or archive number)", cust);
  until = (int64_t)fs__now_ms() + days * 86400000LL;
  rc = fs__loan_start(x->ctx->c, id, to, until, &loan);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out, "customer %s lent to %s for %lld day(s), read-only; loan %lld\n",
                    cust, to, days, (long long)loan);
  fs__json_begin_object(&x->j);
  obj_int(x, "loan", loan);
  obj_str(x, "customer", id);
  obj_str(x, "to", to);
  obj_int(x, "until", until);
  fs__json_end_object(&x->j);
  {
    char detail[64];
    snprintf(detail, sizeof(detail), "lent to %s for %lld days", to, days);
    return fs__audit(x->ctx->c, x->ctx->actor, "loan", to, id, -1, detail,
                     arg_str(x->req, "reason"));
  }
}

static int cmd_sweep(cmd_ctx *x) {
  int changed = 0, wiped = 0,
      rc = fs__handover_sweep(x->ctx->c, (int64_t)fs__now_ms(), &changed);
  if (rc == 0)
    rc = fs__wipe_sweep(x->ctx->c, (int64_t)fs__now_ms(), &wiped);
  if (rc == 0) {
    fs__strbuf_printf(&x->out,
                      "%d cover/loan change(s); %d device(s) past their wipe deadline\n",
                      changed, wiped);
    fs__json_begin_object(&x->j);
    obj_int(x, "changed", changed);
    obj_int(x, "wiped", wiped);
    fs__json_end_object(&x->j);
  }
  return rc;
}

static int cmd_gc(cmd_ctx *x) {
  long long days = arg_int(x->req, "keep-days", (long long)x->ctx->cfg->tombstone_days);
  uint64_t floor = 0;
  int removed = 0, hc = 0, hq = 0, hr = 0, rc;

  if (days < 0 || days > 3650)
    return fail(x, FS_EVALIDATE, "--keep-days: from 0 to 3650");
  rc = fs__central_gc(x->ctx->c, (int64_t)fs__now_ms(), (int)days, &floor, &removed);
  if (rc == 0)
    rc = fs__history_purge(x->ctx->c, (int64_t)fs__now_ms(), (int)x->ctx->cfg->history_days,
                           &hc, &hq, &hr);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out, "purged %d tombstone(s); devices behind seq %llu will resync\n",
                    removed, (unsigned long long)floor);
  fs__strbuf_printf(&x->out,
                    "history older than %u day(s): %d conflict-log row(s), %d quarantined "
                    "upload(s), %d handover report text(s) purged\n",
                    x->ctx->cfg->history_days, hc, hq, hr);
  fs__json_begin_object(&x->j);
  obj_int(x, "removed", removed);
  fs__json_key(&x->j, "floor");
  fs__json_uint(&x->j, floor);
  obj_int(x, "history_days", x->ctx->cfg->history_days);
  obj_int(x, "conflicts", hc);
  obj_int(x, "quarantined", hq);
  obj_int(x, "reports", hr);
  fs__json_end_object(&x->j);
  return 0;
}

/* ---- personal data (privacy.c) ----------------------------------------- */

static void person_req(cmd_ctx *x, fs_person_req *r) {
  memset(r, 0, sizeof(*r));
  r->customer = arg_str(x->req, "customer");
  r->contact = arg_str(x->req, "contact");
  r->reason = arg_str(x->req, "reason");
  r->actor = x->ctx->actor;
  r->dry_run = (int)arg_int(x->req, "dry-run", 0);
}

static int cmd_person_export(cmd_ctx *x) {
  fs_person_req r;
  char err[300];
  int rc;

  person_req(x, &r);
  rc = fs__person_export(db_of(x), &r, &x->json, err, sizeof(err));
  if (rc && err[0])
    return fail(x, rc, "%s", err);
  if (rc == 0) {
    /* The export is JSON either way. */
    fs__strbuf_append(&x->out, x->json.s ? x->json.s : "", x->json.len);
    fs__strbuf_printf(&x->out, "\n");
  }
  return rc;
}

static int cmd_person_erase(cmd_ctx *x) {
  fs_person_req r;
  char err[300];
  int rc;

  person_req(x, &r);
  rc = fs__person_erase(x->ctx->c, &r, &x->out, &x->json, err, sizeof(err));
  if (rc && err[0])
    return fail(x, rc, "%s", err);
  return rc;
}

static const fs_col quarantine_cols[] = {{"id", FS_COL_INT, "ID"},
                                         {"device", FS_COL_INT, "DEVICE"},
                                         {"staff", FS_COL_TEXT, "STAFF"},
                                         {"counter", FS_COL_INT, "CHANGE"},
                                         {"status", FS_COL_TEXT, "STATUS"}};

static int cmd_quarantine(cmd_ctx *x) {
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  const char *drop = arg_str(x->req, "drop");
  int rc;

  if (drop) {
    rc = sqlite3_prepare_v2(db,
                            "UPDATE quarantine SET status='" FS_QUARANTINE_DROPPED_S
                            "' WHERE id=?1 AND "
                            "status='" FS_QUARANTINE_PENDING_S "'",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(db, rc);
    sqlite3_bind_text(st, 1, drop, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
      return fs__db_err(db, rc);
    if (sqlite3_changes(db) == 0)
      return fail(x, FS_ENOTFOUND, "no pending quarantined change %s", drop);
    fs__strbuf_printf(&x->out, "dropped quarantined change %s\n", drop);
    fs__json_begin_object(&x->j);
    obj_int(x, "dropped", strtoll(drop, NULL, 10)); /* the id it matched */
    fs__json_end_object(&x->j);
    return fs__audit(x->ctx->c, x->ctx->actor, "quarantine.drop", NULL, NULL, -1, drop, NULL);
  }
  rc = sqlite3_prepare_v2(
      db,
      "SELECT q.id, q.device_id, COALESCE(d.staff,''), q.counter, q.status "
      "FROM quarantine q LEFT JOIN devices d ON d.id=q.device_id ORDER BY q.id",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  return list_run(x, st, quarantine_cols, 5, NULL, NULL);
}

/* ---- table ---------------------------------------------------------- */

typedef struct admin_cmd {
  const char *name;
  int (*fn)(cmd_ctx *x);
} admin_cmd;

static const admin_cmd cmds[] = {
    {"staff.add", cmd_staff_add}, {"staff.list", cmd_staff_list}, {"staff.show", cmd_staff_list},
    {"enroll", cmd_enroll},       {"devices", cmd_devices},       {"revoke", cmd_revoke},
    {"audit", cmd_audit},         {"depart", cmd_depart},         {"transfer", cmd_transfer},
    {"cover", cmd_cover},         {"lend", cmd_lend},             {"sweep", cmd_sweep},
    {"quarantine", cmd_quarantine}, {"gc", cmd_gc},               {"history", cmd_history},
    {"person.export", cmd_person_export}, {"person.erase", cmd_person_erase},
};

int fs__admin_exec(const fs_admin_ctx *ctx, const fs_msg_admin *req, fs_msg_admin_result *res) {
  fs_admin_refs refs;
  char referr[512];
  cmd_ctx x;
  int rc = 0, found = 0;

  memset(&x, 0, sizeof(x));
  memset(&refs, 0, sizeof(refs));
  x.ctx = ctx;
  x.req = req;
  x.res = res;
  fs__strbuf_init(&x.out, FS_MSG_STR_MAX * 64);
  fs__strbuf_init(&x.json, FS_MSG_STR_MAX * 64);
  fs__json_init_buf(&x.j, &x.json);
  res->ok = 1;
  res->code = 0;
  for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
    if (strcmp(cmds[i].name, req->cmd) != 0)
      continue;
    found = 1;
    if (args_check(&x))
      break; /* refused before anything is stored (res says why) */
    /* Record names (archive number, id prefix) become full ids (issue 15). */
    rc = fs__admin_refs_resolve(ctx->c, req, &refs, referr, sizeof(referr));
    if (rc == FS_ENOTFOUND || rc == FS_EINVAL || rc == FS_EUSAGE)
      rc = fail(&x, rc, "%s", referr);
    if (rc || !res->ok)
      break;
    x.req = &refs.req;
    rc = fs__db_exec(fs__central_db(ctx->c), "SAVEPOINT admin");
    if (rc)
      break;
    rc = cmds[i].fn(&x);
    if (rc == 0 && (x.out.overflow || x.json.overflow))
      fail(&x, FS_EOVERFLOW, "output too large; narrow the request");
    if (rc || !res->ok)
      fs__db_exec(fs__central_db(ctx->c), "ROLLBACK TO admin");
    fs__db_exec(fs__central_db(ctx->c), "RELEASE admin");
    break;
  }
  fs__admin_refs_release(&refs);
  if (!found)
    fail(&x, FS_EUSAGE, "unknown admin command \"%s\"", req->cmd);
  if (rc && !(rc == FS_EFULL || rc == FS_EIO || rc == FS_EDB || rc == FS_EBUSY)) {
    fail(&x, rc, "%s failed: %s", req->cmd, fs_strerror(rc));
    rc = 0;
  }
  if (res->text == NULL)
    res->text = strdup(res->ok ? "ok" : fs_strerror(res->code));
  res->out = fs__strbuf_take(&x.out);
  res->json = fs__strbuf_take(&x.json);
  return rc;
}

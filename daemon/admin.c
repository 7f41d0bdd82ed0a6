/* admin.c - administration commands (admin.h). */
#include "admin.h"

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
#include "fs_errno.h"
#include "privacy.h"
#include "id.h"
#include "log.h"
#include "status.h"
#include "strbuf.h"
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

typedef struct cmd_ctx {
  const fs_admin_ctx *ctx;
  const fs_msg_admin *req;
  fs_msg_admin_result *res;
  fs__strbuf out;  /* human text */
  fs__strbuf json; /* JSON */
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
  fs__strbuf_printf(&x->json, "{\"code\":");
  fs__strbuf_json_str(&x->json, code);
  fs__strbuf_printf(&x->json, "}");
  return fs__audit(x->ctx->c, x->ctx->actor, "staff.add", code, NULL, -1, name, NULL);
}

static int cmd_staff_list(cmd_ctx *x) {
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  const char *one = arg_str(x->req, "code");
  int rc, n = 0;

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
  fs__strbuf_printf(&x->out, "%-8s %-20s %-8s %-8s %-9s %7s %9s\n", "CODE", "NAME", "ROLE",
                    "MANAGER", "STATUS", "DEVICES", "CUSTOMERS");
  fs__strbuf_printf(&x->json, "[");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *c0 = (const char *)sqlite3_column_text(st, 0);
    const char *c1 = (const char *)sqlite3_column_text(st, 1);
    const char *c2 = (const char *)sqlite3_column_text(st, 2);
    const char *c3 = (const char *)sqlite3_column_text(st, 3);
    const char *c4 = (const char *)sqlite3_column_text(st, 4);
    out_text(x, c0, 8);
    fs__strbuf_append(&x->out, " ", 1);
    fs__strbuf_pad(&x->out, c1, 20);
    fs__strbuf_append(&x->out, " ", 1);
    out_text(x, c2, 8);
    fs__strbuf_append(&x->out, " ", 1);
    out_text(x, c3, 8);
    fs__strbuf_append(&x->out, " ", 1);
    out_text(x, c4, 9);
    fs__strbuf_printf(&x->out, " %7d %9d\n", sqlite3_column_int(st, 6),
                      sqlite3_column_int(st, 7));
    fs__strbuf_printf(&x->json, "%s{\"code\":", n++ ? "," : "");
    fs__strbuf_json_str(&x->json, c0);
    fs__strbuf_printf(&x->json, ",\"name\":");
    fs__strbuf_json_str(&x->json, c1);
    fs__strbuf_printf(&x->json, ",\"role\":\"%s\",\"manager\":", c2);
    fs__strbuf_json_str(&x->json, c3);
    fs__strbuf_printf(&x->json, ",\"status\":\"%s\",\"successor\":", c4);
    fs__strbuf_json_str(&x->json, (const char *)sqlite3_column_text(st, 5));
    fs__strbuf_printf(&x->json, ",\"devices\":%d,\"customers\":%d}", sqlite3_column_int(st, 6),
                      sqlite3_column_int(st, 7));
  }
  sqlite3_finalize(st);
  fs__strbuf_printf(&x->json, "]");
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  if (one && n == 0)
    return fail(x, FS_ENOTFOUND, "no staff member %s", one);
  return 0;
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
  fs__strbuf_printf(&x->json, "{\"token\":\"%s\",\"expires\":%llu}", text,
                    (unsigned long long)expires);
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
    return rc == SQLITE_CONSTRAINT ? FS_EEXIST : fs__db_err(db, rc);
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

static void fmt_time(char *buf, size_t len, long long ms) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (ms <= 0) {
    snprintf(buf, len, "-");
    return;
  }
  gmtime_r(&t, &tm);
  strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

static int cmd_devices(cmd_ctx *x) {
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  int rc, n = 0;

  rc = sqlite3_prepare_v2(db,
                          "SELECT id, staff, slot, status, COALESCE(last_seen,0), "
                          "COALESCE(outbox_depth,0), COALESCE(oldest_unsynced,0), "
                          "COALESCE(cursor,0) FROM devices ORDER BY id",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  fs__strbuf_printf(&x->out, "%-6s %-8s %-4s %-8s %-17s %-7s %-17s\n", "DEVICE", "STAFF", "SLOT",
                    "STATUS", "LAST SEEN (UTC)", "OUTBOX", "OLDEST UNSYNCED");
  fs__strbuf_printf(&x->json, "[");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char seen[32], oldest[32];
    fmt_time(seen, sizeof(seen), sqlite3_column_int64(st, 4));
    fmt_time(oldest, sizeof(oldest), sqlite3_column_int64(st, 6));
    fs__strbuf_printf(&x->out, "%-6lld ", (long long)sqlite3_column_int64(st, 0));
    out_text(x, (const char *)sqlite3_column_text(st, 1), 8);
    fs__strbuf_printf(&x->out, " %-4d ", sqlite3_column_int(st, 2));
    out_text(x, (const char *)sqlite3_column_text(st, 3), 8);
    fs__strbuf_printf(&x->out, " %-17s %-7lld %-17s\n", seen,
                      (long long)sqlite3_column_int64(st, 5), oldest);
    fs__strbuf_printf(&x->json,
                      "%s{\"device\":%lld,\"staff\":\"%s\",\"slot\":%d,\"status\":\"%s\","
                      "\"last_seen\":%lld,\"outbox\":%lld,\"oldest_unsynced\":%lld}",
                      n++ ? "," : "", (long long)sqlite3_column_int64(st, 0),
                      sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
                      sqlite3_column_text(st, 3), (long long)sqlite3_column_int64(st, 4),
                      (long long)sqlite3_column_int64(st, 5),
                      (long long)sqlite3_column_int64(st, 6));
  }
  sqlite3_finalize(st);
  fs__strbuf_printf(&x->json, "]");
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
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
  fs__strbuf_printf(&x->json, "{\"device\":%lld,\"wipe\":%s}", dev, wipe ? "true" : "false");
  return fs__audit(x->ctx->c, x->ctx->actor, wipe ? "device.revoke.wipe" : "device.revoke",
                   NULL, NULL, dev, NULL, reason);
}

/* Audit entries one `audit` command lists (the oldest first). */
#define AUDIT_LIST_MAX 10000

static int cmd_audit(cmd_ctx *x) {
  const char *staff = arg_str(x->req, "staff"), *cust = arg_str(x->req, "customer");
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  int rc, n = 0;

  rc = sqlite3_prepare_v2(db,
                          "SELECT at, actor, action, COALESCE(staff,''), COALESCE(customer,''), "
                          "COALESCE(device,''), COALESCE(detail,''), COALESCE(reason,'') "
                          "FROM audit WHERE (?1 IS NULL OR staff=?1) AND (?2 IS NULL OR "
                          "customer=?2) ORDER BY id LIMIT ?3",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, cust, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, AUDIT_LIST_MAX + 1); /* one more: is the list cut? */
  fs__strbuf_printf(&x->json, "[");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char when[32];
    if (n == AUDIT_LIST_MAX) {
      fs__strbuf_printf(&x->out,
                        "(only the first %d entries are shown; narrow the list with "
                        "--staff or --customer)\n",
                        AUDIT_LIST_MAX);
      rc = SQLITE_DONE;
      break;
    }
    fmt_time(when, sizeof(when), sqlite3_column_int64(st, 0));
    /* Every stored text through the sanitiser: one audit row, one line. */
    fs__strbuf_printf(&x->out, "%s  ", when);
    out_text(x, (const char *)sqlite3_column_text(st, 1), 8);
    fs__strbuf_append(&x->out, " ", 1);
    out_text(x, (const char *)sqlite3_column_text(st, 2), 20);
    fs__strbuf_append(&x->out, " staff=", 7);
    out_text(x, (const char *)sqlite3_column_text(st, 3), 0);
    fs__strbuf_append(&x->out, " customer=", 10);
    out_text(x, (const char *)sqlite3_column_text(st, 4), 0);
    fs__strbuf_append(&x->out, " device=", 8);
    out_text(x, (const char *)sqlite3_column_text(st, 5), 0);
    fs__strbuf_append(&x->out, "  ", 2);
    out_text(x, (const char *)sqlite3_column_text(st, 6), 0);
    if (sqlite3_column_bytes(st, 7)) {
      fs__strbuf_append(&x->out, "  why: ", 7);
      out_text(x, (const char *)sqlite3_column_text(st, 7), 0);
    }
    fs__strbuf_append(&x->out, "\n", 1);
    fs__strbuf_printf(&x->json, "%s{\"at\":%lld,\"actor\":", n++ ? "," : "",
                      (long long)sqlite3_column_int64(st, 0));
    fs__strbuf_json_str(&x->json, (const char *)sqlite3_column_text(st, 1));
    fs__strbuf_printf(&x->json, ",\"action\":");
    fs__strbuf_json_str(&x->json, (const char *)sqlite3_column_text(st, 2));
    fs__strbuf_printf(&x->json, ",\"staff\":");
    fs__strbuf_json_str(&x->json, (const char *)sqlite3_column_text(st, 3));
    fs__strbuf_printf(&x->json, ",\"customer\":");
    fs__strbuf_json_str(&x->json, (const char *)sqlite3_column_text(st, 4));
    fs__strbuf_printf(&x->json, ",\"detail\":");
    fs__strbuf_json_str(&x->json, (const char *)sqlite3_column_text(st, 6));
    fs__strbuf_printf(&x->json, ",\"reason\":");
    fs__strbuf_json_str(&x->json, (const char *)sqlite3_column_text(st, 7));
    fs__strbuf_printf(&x->json, "}");
  }
  sqlite3_finalize(st);
  fs__strbuf_printf(&x->json, "]");
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
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
  if (fs__valid_date(from) != 0 || fs__valid_date(to) != 0)
    return fail(x, FS_EVALIDATE, "--from/--to: dates are YYYY-MM-DD (got %s, %s)", from, to);
  if (strcmp(from, to) > 0)
    return fail(x, FS_EVALIDATE, "--from %s is after --to %s", from, to);
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
  fs__strbuf_printf(&x->json, "{\"absent\":\"%s\",\"by\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}",
                    absent, by, from, to);
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
  fs__strbuf_printf(&x->json, "{\"loan\":%lld,\"customer\":\"%s\",\"to\":\"%s\",\"until\":%lld}",
                    (long long)loan, id, to, (long long)until);
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
    fs__strbuf_printf(&x->json, "{\"changed\":%d,\"wiped\":%d}", changed, wiped);
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
  fs__strbuf_printf(&x->json,
                    "{\"removed\":%d,\"floor\":%llu,\"history_days\":%u,\"conflicts\":%d,"
                    "\"quarantined\":%d,\"reports\":%d}",
                    removed, (unsigned long long)floor, x->ctx->cfg->history_days, hc, hq, hr);
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

static int cmd_quarantine(cmd_ctx *x) {
  sqlite3 *db = db_of(x);
  sqlite3_stmt *st = NULL;
  const char *drop = arg_str(x->req, "drop");
  int rc, n = 0;

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
    fs__strbuf_printf(&x->json, "{\"dropped\":%s}", drop);
    return fs__audit(x->ctx->c, x->ctx->actor, "quarantine.drop", NULL, NULL, -1, drop, NULL);
  }
  rc = sqlite3_prepare_v2(db,
                          "SELECT q.id, q.device_id, COALESCE(d.staff,''), q.counter, q.status, "
                          "length(q.payload) FROM quarantine q LEFT JOIN devices d ON "
                          "d.id=q.device_id ORDER BY q.id",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  fs__strbuf_printf(&x->out, "%-6s %-6s %-8s %-8s %-8s\n", "ID", "DEVICE", "STAFF", "CHANGE",
                    "STATUS");
  fs__strbuf_printf(&x->json, "[");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    fs__strbuf_printf(&x->out, "%-6lld %-6lld ", (long long)sqlite3_column_int64(st, 0),
                      (long long)sqlite3_column_int64(st, 1));
    out_text(x, (const char *)sqlite3_column_text(st, 2), 8);
    fs__strbuf_printf(&x->out, " %-8lld ", (long long)sqlite3_column_int64(st, 3));
    out_text(x, (const char *)sqlite3_column_text(st, 4), 8);
    fs__strbuf_append(&x->out, "\n", 1);
    fs__strbuf_printf(&x->json,
                      "%s{\"id\":%lld,\"device\":%lld,\"staff\":\"%s\",\"counter\":%lld,"
                      "\"status\":\"%s\"}",
                      n++ ? "," : "", (long long)sqlite3_column_int64(st, 0),
                      (long long)sqlite3_column_int64(st, 1), sqlite3_column_text(st, 2),
                      (long long)sqlite3_column_int64(st, 3), sqlite3_column_text(st, 4));
  }
  sqlite3_finalize(st);
  fs__strbuf_printf(&x->json, "]");
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
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
    {"quarantine", cmd_quarantine}, {"gc", cmd_gc},
    {"person.export", cmd_person_export}, {"person.erase", cmd_person_erase},
};

int fs__admin_exec(const fs_admin_ctx *ctx, const fs_msg_admin *req, fs_msg_admin_result *res) {
  cmd_ctx x;
  int rc = 0, found = 0;

  memset(&x, 0, sizeof(x));
  x.ctx = ctx;
  x.req = req;
  x.res = res;
  fs__strbuf_init(&x.out, FS_MSG_STR_MAX * 64);
  fs__strbuf_init(&x.json, FS_MSG_STR_MAX * 64);
  res->ok = 1;
  res->code = 0;
  for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
    if (strcmp(cmds[i].name, req->cmd) != 0)
      continue;
    found = 1;
    if (args_check(&x))
      break; /* refused before anything is stored (res says why) */
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

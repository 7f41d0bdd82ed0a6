/* admin_staff.c - staff and enrollment commands (admin_cmd.h), and the
 * enrollment of a device (admin.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin_cmd.h"
#include "fs_errno.h"
#include "handover.h"
#include "hlc.h"
#include "store/adminlog.h"
#include "store/devadmin.h"
#include "store/enroll.h"
#include "store/staff.h"
#include "id.h"
#include "validate.h"

/* ---- staff ---------------------------------------------------------- */

/* The manager named for a new staff member: an existing manager or admin.
 * 0 (res says why if refused) or a storage error. */
static int manager_check(fs_admin_cmd *x, const char *mgr) {
  fs_staff_info m;
  int rc = fs__staff_get(fs__admin_rd(x), mgr, &m);

  if (rc == FS_ENOTFOUND)
    return fs__admin_fail(x, FS_ENOTFOUND, "manager: no staff member %s; add them first",
                          mgr);
  if (rc)
    return rc;
  if (m.role == FS_ROLE_REP || m.role == FS_ROLE_AFTER_SALES)
    return fs__admin_fail(x, FS_EVALIDATE, "manager: %s is %s, not a manager", mgr,
                          m.role == FS_ROLE_REP ? "a rep" : "after-sales staff");
  return 0;
}

int fs__admin_staff_add(fs_admin_cmd *x) {
  const char *code = fs__admin_arg_str(x, "code"), *name = fs__admin_arg_str(x, "name");
  const char *role = fs__admin_arg_str(x, "role"), *mgr = fs__admin_arg_str(x, "manager");
  int rc, r;

  if (code == NULL || !fs__staff_code_valid(code))
    return fs__admin_fail(x, FS_EVALIDATE,
                          "code: \"%s\" is not a staff code (a capital letter, then 1-15 "
                          "capital letters or digits, e.g. A01)",
                          code ? code : "");
  if (name == NULL)
    return fs__admin_fail(x, FS_EVALIDATE, "name: required (--name NAME)");
  if (role == NULL)
    role = "rep";
  r = fs__role_parse(role);
  if (r < 0)
    return fs__admin_fail(x, FS_EVALIDATE,
                          "role: \"%s\" is not one of rep, manager, admin, after_sales", role);
  /* After-sales staff serve a team (issue 14): without one they see nothing. */
  if (r == FS_ROLE_AFTER_SALES && mgr == NULL)
    return fs__admin_fail(x, FS_EVALIDATE,
                          "manager: after-sales staff serve a team's delivered customers; "
                          "give --manager CODE (the team's manager)");
  if (mgr) {
    rc = manager_check(x, mgr);
    if (rc || !x->res->ok)
      return rc;
  }
  rc = fs__staff_get(fs__admin_rd(x), code, NULL);
  if (rc == 0)
    return fs__admin_fail(x, FS_EEXIST, "staff member %s already exists", code);
  if (rc != FS_ENOTFOUND)
    return rc;
  rc = fs__staff_add(x->ctx->c, code, name, (fs_role)r, mgr, (int64_t)fs__now_ms());
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out, "added %s %s (", role, code);
  fs__admin_out_text(x, name, 0);
  fs__strbuf_printf(&x->out, "%s%s)\n", mgr ? ", manager " : "", mgr ? mgr : "");
  fs__json_begin_object(&x->j);
  fs__admin_obj_str(x, "code", code);
  fs__json_end_object(&x->j);
  return fs__audit(x->ctx->c, x->ctx->actor, "staff.add", code, NULL, -1, name, NULL);
}

static int cards_of(void *arg, const fs_staff_row *s) {
  *(int64_t *)arg = s->customers;
  return 0;
}

/* What staff edit may change of code (s: as stored): the role r (< 0:
 * unchanged) and the manager mgr (NULL: unchanged), checked as staff add
 * checks them.  0 (res says why if refused) or a storage error. */
static int staff_edit_check(fs_admin_cmd *x, const char *code, const fs_staff_info *s, int r,
                            const char *mgr) {
  int64_t team = 0;
  int rc;

  if (s->status != FS_STAFF_ACTIVE)
    return fs__admin_fail(x, FS_EDEPARTED, "%s has departed; nothing of theirs changes",
                          code);
  if (mgr && strcmp(mgr, code) == 0)
    return fs__admin_fail(x, FS_EVALIDATE, "manager: %s cannot be their own manager", code);
  if (mgr && (rc = manager_check(x, mgr)) != 0)
    return rc;
  if (x->res->ok && r == FS_ROLE_AFTER_SALES && !mgr && s->manager[0] == '\0')
    return fs__admin_fail(x, FS_EVALIDATE,
                          "manager: after-sales staff serve a team's delivered customers; "
                          "give --manager CODE (the team's manager)");
  /* After-sales staff own nothing (issue 14): a rep with cards hands them
   * over first, or could write none of them (access_rules.h A1). */
  if (x->res->ok && r == FS_ROLE_AFTER_SALES && s->role != FS_ROLE_AFTER_SALES) {
    int64_t cards = 0;
    rc = fs__staff_list(fs__admin_rd(x), code, cards_of, &cards);
    if (rc)
      return rc;
    if (cards > 0)
      return fs__admin_fail(x, FS_EVALIDATE,
                            "role: %s owns %lld customer card(s) and after-sales staff own "
                            "none; hand them over first (transfer --from %s --to CODE)",
                            code, (long long)cards, code);
  }
  /* A manager becoming staff who manage no one (rep, after-sales). */
  if (!x->res->ok || (r != FS_ROLE_REP && r != FS_ROLE_AFTER_SALES) ||
      s->role == FS_ROLE_REP || s->role == FS_ROLE_AFTER_SALES)
    return 0;
  rc = fs__staff_team_size(fs__admin_rd(x), code, &team);
  if (rc == 0 && team > 0)
    return fs__admin_fail(x, FS_EVALIDATE,
                          "role: %s manages %lld staff member(s); give them another manager "
                          "first (staff edit CODE --manager CODE)",
                          code, (long long)team);
  return rc;
}

/* Collects staff codes (fs__staff_list) into a fs_idlist-like array. */
typedef struct codes {
  char (*c)[FS_STAFF_MAX + 1];
  int n, cap;
} codes;

static int code_add(void *arg, const fs_staff_row *s) {
  codes *l = arg;
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 64;
    void *p = realloc(l->c, (size_t)cap * sizeof(*l->c));
    if (p == NULL)
      return FS_ENOMEM;
    l->c = p;
    l->cap = cap;
  }
  snprintf(l->c[l->n++], FS_STAFF_MAX + 1, "%s", s->code);
  return 0;
}

/* A role change of code (issue 15): what code may see follows its access
 * set (a manager's team, an admin's everything).  Every record whose
 * visibility may differ between before (the access set under the old role)
 * and now is journalled for code, so code's devices get at their next sync
 * exactly what the new role may see: the pull sends each entry as a row or
 * an eviction by the access set of that moment (store/pull.c).  0 or a
 * storage error. */
static int journal_role_change(fs_admin_cmd *x, const char *code, const fs_access *before) {
  fs_access *now = malloc(sizeof(*now));
  codes all = {0};
  int rc;

  if (now == NULL)
    return FS_ENOMEM;
  rc = fs__central_access(fs__admin_rd(x), code, (int64_t)fs__now_ms(), now);
  if (rc == 0 && (before->all || now->all)) {
    /* To or from everything: every owner's records. */
    rc = fs__staff_list(fs__admin_rd(x), NULL, code_add, &all);
    for (int i = 0; rc == 0 && i < all.n; i++)
      if (strcmp(all.c[i], code) != 0)
        rc = fs__journal_owner(x->ctx->c, all.c[i], code,
                               fs__access_owner_ok(now, all.c[i]) || now->all
                                   ? FS_JOURNAL_ROW
                                   : FS_JOURNAL_EVICT);
  } else {
    for (int i = 0; rc == 0 && i < now->ncodes; i++)
      if (!fs__access_owner_ok(before, now->codes[i]))
        rc = fs__journal_owner(x->ctx->c, now->codes[i], code, FS_JOURNAL_ROW);
    for (int i = 0; rc == 0 && i < before->ncodes; i++)
      if (!fs__access_owner_ok(now, before->codes[i]))
        rc = fs__journal_owner(x->ctx->c, before->codes[i], code, FS_JOURNAL_EVICT);
  }
  free(all.c);
  free(now);
  return rc;
}

/* Writes the edit of code (s: as stored) and journals what it changes
 * for devices: a role change (journal_role_change), a new manager (the old
 * manager's devices drop the rep's records, the new manager's receive
 * them, as a transfer delivers).  0 or a storage error. */
static int staff_edit_apply(fs_admin_cmd *x, const char *code, const fs_staff_info *s,
                            const char *name, int r, const char *mgr) {
  fs_access *before = NULL;
  int rc = 0;

  /* What the old role may see, to journal the difference (issue 15). */
  if (r >= 0 && r != s->role) {
    before = malloc(sizeof(*before));
    rc = before ? fs__central_access(fs__admin_rd(x), code, (int64_t)fs__now_ms(), before)
                : FS_ENOMEM;
  }
  if (rc == 0)
    rc = fs__staff_update(x->ctx->c, code, name, r, mgr);
  if (rc == 0 && before)
    rc = journal_role_change(x, code, before);
  if (rc == 0 && mgr && strcmp(mgr, s->manager) != 0 && s->manager[0])
    rc = fs__journal_owner(x->ctx->c, code, s->manager, FS_JOURNAL_EVICT);
  if (rc == 0 && mgr && strcmp(mgr, s->manager) != 0)
    rc = fs__journal_owner(x->ctx->c, code, mgr, FS_JOURNAL_ROW);
  free(before);
  return rc;
}

int fs__admin_staff_edit(fs_admin_cmd *x) {
  const char *code = fs__admin_arg_str(x, "code"), *name = fs__admin_arg_str(x, "name");
  const char *role = fs__admin_arg_str(x, "role"), *mgr = fs__admin_arg_str(x, "manager");
  fs_staff_info s;
  char detail[256];
  int rc, r = -1;

  if (code == NULL || (!name && !role && !mgr))
    return fs__admin_fail(x, FS_EUSAGE,
                          "staff edit: nothing to change; give --name, --role or --manager");
  if (role && (r = fs__role_parse(role)) < 0)
    return fs__admin_fail(x, FS_EVALIDATE,
                          "role: \"%s\" is not one of rep, manager, admin, after_sales", role);
  rc = fs__staff_get(fs__admin_rd(x), code, &s);
  if (rc == FS_ENOTFOUND)
    return fs__admin_fail(x, FS_ENOTFOUND, "no staff member %s", code);
  if (rc == 0)
    rc = staff_edit_check(x, code, &s, r, mgr);
  if (rc || !x->res->ok)
    return rc;
  rc = staff_edit_apply(x, code, &s, name, r, mgr);
  if (rc)
    return rc;
  snprintf(detail, sizeof(detail), "%s%s%s%s%s%s", name ? "name " : "", name ? name : "",
           role ? (name ? "; role " : "role ") : "", role ? role : "",
           mgr ? (name || role ? "; manager " : "manager ") : "", mgr ? mgr : "");
  fs__strbuf_printf(&x->out, "changed %s: ", code);
  fs__admin_out_text(x, detail, 0);
  fs__strbuf_printf(&x->out, "\n");
  fs__json_begin_object(&x->j);
  fs__admin_obj_str(x, "code", code);
  if (name)
    fs__admin_obj_str(x, "name", name);
  if (role)
    fs__admin_obj_str(x, "role", fs__role_name((fs_role)r));
  if (mgr)
    fs__admin_obj_str(x, "manager", mgr);
  fs__json_end_object(&x->j);
  return fs__audit(x->ctx->c, x->ctx->actor, "staff.edit", code, NULL, -1, detail,
                   fs__admin_arg_str(x, "reason"));
}

static const fs_col staff_cols[] = {
    {"code", FS_COL_TEXT, "CODE"},      {"name", FS_COL_TEXT, "NAME"},
    {"role", FS_COL_TEXT, "ROLE"},      {"manager", FS_COL_TEXT, "MANAGER"},
    {"status", FS_COL_TEXT, "STATUS"},  {"successor", FS_COL_TEXT, "SUCCESSOR"},
    {"devices", FS_COL_INT, "DEVICES"}, {"customers", FS_COL_INT, "CUSTOMERS"}};

static int staff_row(void *arg, const fs_staff_row *s) {
  const char *text[] = {s->code, s->name, s->role, s->manager, s->status, s->successor};
  fs_table *t = arg;
  int rc = fs__table_row(t);

  for (int c = 0; rc == 0 && c < 6; c++)
    rc = fs__table_set_text(t, c, text[c]);
  if (rc == 0) {
    fs__table_set_int(t, 6, s->devices);
    fs__table_set_int(t, 7, s->customers);
  }
  return rc;
}

int fs__admin_staff_list(fs_admin_cmd *x) {
  const char *one = fs__admin_arg_str(x, "code");
  /* Narrow terminal: the successor first, then the counts, the manager. */
  static const int drop[] = {0, 0, 0, 2, 0, 5, 4, 3};
  fs_table *t = fs__admin_list_new(staff_cols, 8);
  size_t n = 0;
  int rc = t ? fs__staff_list(fs__admin_rd(x), one, staff_row, t) : FS_ENOMEM;

  fs__admin_list_drop(t, drop);

  rc = fs__admin_list_end(x, t, rc, NULL, &n);
  if (rc == 0 && x->res->ok && one && n == 0)
    return fs__admin_fail(x, FS_ENOTFOUND, "no staff member %s", one);
  return rc;
}

/* ---- enrollment ----------------------------------------------------- */

/* Refuses an enrollment token for staff member code unless they are
 * active.  0 (res says why if refused) or a storage error. */
static int enroll_staff_check(fs_admin_cmd *x, const char *code) {
  fs_staff_info s;
  int rc = fs__staff_get(fs__admin_rd(x), code, &s);

  if (rc == FS_ENOTFOUND)
    return fs__admin_fail(x, FS_ENOTFOUND,
                          "no staff member %s; add them with `fieldsyncd staff add`",
                          code);
  if (rc)
    return rc;
  if (s.status != FS_STAFF_ACTIVE)
    return fs__admin_fail(x, FS_EDEPARTED, "%s has departed; no new devices", code);
  return 0;
}

int fs__admin_enroll(fs_admin_cmd *x) {
  const char *code = fs__admin_arg_str(x, "code");
  const fs_config *cfg = x->ctx->cfg;
  const char *addr = cfg->public_addr[0] ? cfg->public_addr : cfg->listen;
  long long hours = fs__admin_arg_int(x, "hours", (long long)cfg->token_hours);
  char text[FS_TOKEN_TEXT_MAX + 1];
  uint8_t hash[FS_TOKEN_SECRET_HASH_LEN];
  fs_token *t = NULL;
  uint64_t expires;
  int rc;

  if (code == NULL)
    return fs__admin_fail(x, FS_EUSAGE, "usage: enroll CODE");
  rc = enroll_staff_check(x, code);
  if (rc || !x->res->ok)
    return rc;
  if (hours < 1 || hours > 8760)
    return fs__admin_fail(x, FS_EVALIDATE, "hours: must be from 1 to 8760");
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
    fs__admin_fail(x, rc, "cannot make a token: %s", fs_strerror(rc));
    rc = 0;
    goto out;
  }
  rc = fs__token_add(x->ctx->c, hash, code, (int64_t)expires);
  if (rc)
    goto out;
  fs__strbuf_printf(&x->out, "%s\n", text);
  fs__json_begin_object(&x->j);
  fs__admin_obj_str(x, "token", text);
  fs__json_key(&x->j, "expires");
  fs__json_time(&x->j, (int64_t)expires * 1000); /* seconds */
  fs__json_end_object(&x->j);
  rc = fs__audit(x->ctx->c, x->ctx->actor, "enroll.token", code, NULL, -1,
                 "one-time enrollment token issued", NULL);
out:
  sodium_memzero(text, sizeof(text));
  if (t) {
    fs__token_wipe(t);
    sodium_free(t);
  }
  return rc;
}

int fs__enroll_check(fs_store_rd *r, const fs_token *t) {
  uint8_t hash[FS_TOKEN_SECRET_HASH_LEN];
  fs_staff_info s;
  int rc;

  if (fs__token_secret_hash(t->secret, hash))
    return FS_ECRYPTO;
  rc = fs__token_state(r, hash, t->staff_code, (int64_t)(fs__now_ms() / 1000));
  if (rc)
    return rc;
  rc = fs__staff_get(r, t->staff_code, &s);
  if (rc == FS_ENOTFOUND)
    return FS_ETOKEN;
  if (rc)
    return rc;
  return s.status == FS_STAFF_ACTIVE ? 0 : FS_EDEPARTED;
}

int fs__enroll_device(fs_central *c, const fs_token *t, const uint8_t pub[32],
                      fs_device *d) {
  uint8_t hash[FS_TOKEN_SECRET_HASH_LEN];
  uint64_t id = 0;
  int rc, slot = 0;
  char detail[64];

  rc = fs__enroll_check(fs__central_rd(c), t);
  if (rc)
    return rc;
  rc = fs__device_add(c, t->staff_code, pub, (int64_t)fs__now_ms(), &slot, &id);
  if (rc)
    return rc;
  if (fs__token_secret_hash(t->secret, hash))
    return FS_ECRYPTO;
  rc = fs__token_use(c, hash, id, (int64_t)fs__now_ms());
  if (rc)
    return rc;
  rc = fs__central_device_by_key(fs__central_rd(c), pub, d);
  if (rc)
    return rc;
  snprintf(detail, sizeof(detail), "device %llu enrolled, slot %d",
           (unsigned long long)d->id, slot);
  rc = fs__audit(c, t->staff_code, "device.enroll", t->staff_code, NULL,
                 (long long)d->id, detail, NULL);
  if (rc == 0) /* issue 16: a restore registers it again */
    rc = fs__adminlog_enrolled(c, d->id, t->staff_code, slot, pub);
  return rc;
}

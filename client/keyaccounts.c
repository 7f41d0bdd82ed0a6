/* keyaccounts.c - the card's tier and key_account follow the ranking
 * report, or are the manager's override (fieldsync.h "key accounts";
 * issue 14).  The ranking is computed once, in common/report/ranking.c;
 * this file writes its result to the cards through the one write path
 * (fs__replica_write: the device checks the rules first, access_rules.h
 * K1, and the daemon again on push). */
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "id.h"
#include "keyaccounts.h"
#include "record.h"
#include "replica.h"
#include "report.h"

/* A card to write: its id and the report's tier. */
typedef struct ka_item {
  char id[FS_ID_HEX + 1];
  int tier;
} ka_item;

typedef struct ka_ctx {
  fs_keyaccount_fn each;
  void *ctx;
  fs_keyaccounts_result res;
  ka_item *items;
  size_t n, cap;
  fs_change *c; /* n changes, for the write */
} ka_ctx;

/* The ranking's callback: collects the cards that differ. */
static int ka_row(void *arg, const fs_rank_row *row) {
  ka_ctx *x = arg;
  x->res.customers++;
  if (row->override) {
    x->res.overrides++;
    return 0;
  }
  if (row->card_tier == row->tier && row->card_key == (row->tier > 0))
    return 0;
  if (x->n == x->cap) {
    size_t nc = x->cap ? x->cap * 2 : 64;
    ka_item *p = realloc(x->items, nc * sizeof(*p));
    if (p == NULL)
      return FS_ENOMEM;
    x->items = p;
    x->cap = nc;
  }
  memcpy(x->items[x->n].id, row->id, FS_ID_HEX + 1);
  x->items[x->n++].tier = row->tier;
  if (x->each) {
    fs_keyaccount_change ch = {
        row->id,    row->archive_no,           row->name,           row->owner,
        row->score, fs__tiers[row->card_tier], fs__tiers[row->tier]};
    x->each(x->ctx, &ch);
  }
  return 0;
}

static int add_bool(fs_change *c, const fs_kind_def *kd, const char *name, int v) {
  fs_value b = {FS_V_INT, v ? 1 : 0, NULL, 0};
  return fs__change_add(c, fs__field_index(kd, name), &b);
}

/* Inside the write transaction: each card's owner and author; a card
 * deleted or overridden since the ranking keeps no field (skipped). */
static int ka_pre(fs_replica *r, void *arg) {
  ka_ctx *x = arg;
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  int rc = 0;

  for (size_t i = 0; i < x->n && rc == 0; i++) {
    fs_row card;
    memset(&card, 0, sizeof(card));
    rc = fs__record_load_live(r, kd, x->c[i].id, &card);
    if (rc == FS_ENOTFOUND) {
      rc = 0;
      x->res.changed--;
    } else if (rc == 0) {
      const fs_value *ov = fs__row_value(&card, "tier_override");
      snprintf(x->c[i].owner, sizeof(x->c[i].owner), "%s", card.owner);
      snprintf(x->c[i].author, sizeof(x->c[i].author), "%s", card.author);
      if (ov && ov->type == FS_V_INT && ov->i) {
        x->res.changed--;
      } else {
        rc = fs__change_add_text(&x->c[i], kd, "tier", fs__tiers[x->items[i].tier]);
        if (rc == 0)
          rc = add_bool(&x->c[i], kd, "key_account", x->items[i].tier > 0);
      }
    }
    fs__row_release(&card);
  }
  return rc;
}

/* FS_EFORBIDDEN unless this replica is a manager's or the central office's. */
static int manager_only(fs_replica *r, const char *deed) {
  if (r->id.role == FS_ROLE_MANAGER || r->id.role == FS_ROLE_ADMIN)
    return 0;
  return fs__replica_fail(r, FS_EFORBIDDEN,
                          "only a manager or the central office %s; %s is a rep", deed,
                          r->id.staff);
}

int fs_keyaccounts_apply(fs_replica *r, const fs_report_query *q, int dry_run,
                         fs_keyaccount_fn each, void *ctx, fs_keyaccounts_result *res) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  fs_report_query rq;
  fs_report *rep = NULL;
  int *creates = NULL, rc;
  ka_ctx x;

  if (res)
    memset(res, 0, sizeof(*res));
  if (r == NULL || q == NULL)
    return fs__replica_fail(r, FS_EINVAL, "keyaccounts apply: missing argument");
  rc = manager_only(r, "applies the key-account tiers");
  if (rc)
    return rc;
  memset(&x, 0, sizeof(x));
  x.each = each;
  x.ctx = ctx;
  rq = *q;
  rq.name = "ranking";
  rq.top = 1; /* the sections are not read: keep them small */
  rc = fs__report_query_run_each(r, &rq, ka_row, &x, &rep);
  fs_report_free(rep);
  if (rc)
    goto out;
  x.res.changed = (int)x.n;
  if (dry_run || x.n == 0)
    goto out;
  x.c = calloc(x.n, sizeof(*x.c));
  creates = calloc(x.n, sizeof(*creates));
  if (x.c == NULL || creates == NULL) {
    rc = fs__replica_fail(r, FS_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < x.n; i++)
    fs__change_setup(&x.c[i], kd, x.items[i].id, FS_OP_UPSERT);
  rc = fs__replica_write(r, x.c, creates, (int)x.n, ka_pre, &x);
  if (rc)
    x.res.changed = 0;
out:
  for (size_t i = 0; x.c && i < x.n; i++)
    fs__change_release(&x.c[i]);
  free(x.c);
  free(creates);
  free(x.items);
  if (res && rc == 0)
    *res = x.res;
  return rc;
}

typedef struct ov_ctx {
  fs_change *c;
  const char *tier;
} ov_ctx;

static int ov_pre(fs_replica *r, void *arg) {
  ov_ctx *x = arg;
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  fs_row card;
  int rc;

  memset(&card, 0, sizeof(card));
  rc = fs__record_load_live(r, kd, x->c->id, &card);
  if (rc == 0) {
    snprintf(x->c->owner, sizeof(x->c->owner), "%s", card.owner);
    snprintf(x->c->author, sizeof(x->c->author), "%s", card.author);
    if (x->tier) {
      rc = fs__change_add_text(x->c, kd, "tier", x->tier);
      if (rc == 0)
        rc = add_bool(x->c, kd, "key_account", strcmp(x->tier, "none") != 0);
    }
    if (rc == 0)
      rc = add_bool(x->c, kd, "tier_override", x->tier != NULL);
  }
  fs__row_release(&card);
  return rc;
}

int fs_keyaccount_override(fs_replica *r, const char *id, const char *tier) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  int creates[1] = {0}, rc;
  fs_change c;
  ov_ctx x;

  if (r == NULL)
    return FS_EINVAL;
  if (!fs__id_valid(id))
    return fs__replica_fail(r, FS_EINVAL, "bad customer id");
  if (tier && fs__enum_index(fs__tiers, tier) < 0)
    return fs__replica_fail(
        r, FS_EINVAL, "tier: \"%.20s\" is not one of none, diamond, gold, silver", tier);
  rc = manager_only(r, "overrides a card's key-account tier");
  if (rc)
    return rc;
  fs__change_setup(&c, kd, id, FS_OP_UPSERT);
  x.c = &c;
  x.tier = tier;
  rc = fs__replica_write(r, &c, creates, 1, ov_pre, &x);
  fs__change_release(&c);
  return rc;
}

/* admin_devices.c - device commands (admin_cmd.h): the listing, revocation
 * and wipe orders, and the quarantine of revoked devices' last uploads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin_cmd.h"
#include "fs_errno.h"
#include "hlc.h"
#include "store/adminread.h"
#include "store/devadmin.h"
#include "store/serials.h"

static const fs_col device_cols[] = {{"device", FS_COL_INT, "DEVICE"},
                                     {"staff", FS_COL_TEXT, "STAFF"},
                                     {"slot", FS_COL_INT, "SLOT"},
                                     {"status", FS_COL_TEXT, "STATUS"},
                                     {"last_seen", FS_COL_TIME, "LAST SEEN"},
                                     {"outbox", FS_COL_INT, "OUTBOX"},
                                     {"oldest_unsynced", FS_COL_TIME, "OLDEST UNSYNCED"}};

static int device_row(void *arg, const fs_device_row *d) {
  fs_table *t = arg;
  int rc = fs__table_row(t);

  if (rc == 0)
    rc = fs__table_set_text(t, 1, d->staff);
  if (rc == 0)
    rc = fs__table_set_text(t, 3, d->status);
  if (rc == 0) {
    fs__table_set_int(t, 0, d->id);
    fs__table_set_int(t, 2, d->slot);
    fs__table_set_int(t, 4, d->last_seen);
    fs__table_set_int(t, 5, d->outbox);
    fs__table_set_int(t, 6, d->oldest_unsynced);
  }
  return rc;
}

int fs__admin_devices(fs_admin_cmd *x) {
  /* Narrow terminal: the oldest unsynced change first, then the slot. */
  static const int drop[] = {0, 0, 2, 0, 0, 1, 3};
  fs_table *t = fs__admin_list_new(device_cols, 7);
  int rc = t ? fs__device_list(fs__admin_rd(x), device_row, t) : FS_ENOMEM;

  fs__admin_list_drop(t, drop);

  return fs__admin_list_end(x, t, rc, NULL, NULL);
}

/* ---- archive serial blocks (issue 14, store/serials.h) --------------- */

static const fs_col serial_cols[] = {{"device", FS_COL_INT, "DEVICE"},
                                     {"staff", FS_COL_TEXT, "STAFF"},
                                     {"status", FS_COL_TEXT, "STATUS"},
                                     {"block", FS_COL_TEXT, "BLOCK"},
                                     {"used", FS_COL_INT, "USED UP TO"},
                                     {"unused", FS_COL_TEXT, "UNUSED"},
                                     {"granted", FS_COL_TIME, "GRANTED"}};

static int serial_row(void *arg, const fs_serials_row *b) {
  fs_table *t = arg;
  char block[48], unused[48] = "";
  int rc = fs__table_row(t);

  snprintf(block, sizeof(block), "%llu-%llu", (unsigned long long)b->first,
           (unsigned long long)b->last);
  if (b->used < b->last)
    snprintf(unused, sizeof(unused), "%llu-%llu",
             (unsigned long long)(b->used >= b->first ? b->used + 1 : b->first),
             (unsigned long long)b->last);
  if (rc == 0)
    rc = fs__table_set_text(t, 1, b->staff);
  if (rc == 0)
    rc = fs__table_set_text(t, 2, b->status);
  if (rc == 0)
    rc = fs__table_set_text(t, 3, block);
  if (rc == 0)
    rc = fs__table_set_text(t, 5, unused);
  if (rc == 0) {
    fs__table_set_int(t, 0, (int64_t)b->device);
    fs__table_set_int(t, 4, (int64_t)b->used);
    fs__table_set_int(t, 6, b->granted_at);
  }
  return rc;
}

/* Every serial block and what its device has not been seen to use; with
 * --unused only blocks with serials left (a lost device's are the numbers
 * its offline cards may still carry: its outbox never reached the daemon). */
int fs__admin_serials(fs_admin_cmd *x) {
  fs_table *t = fs__admin_list_new(serial_cols, 7);
  int rc = t ? fs__serials_list(fs__admin_rd(x), (int)fs__admin_arg_int(x, "unused", 0),
                                serial_row, t)
             : FS_ENOMEM;

  return fs__admin_list_end(x, t, rc, NULL, NULL);
}

int fs__admin_revoke(fs_admin_cmd *x) {
  long long dev = fs__admin_arg_int(x, "device", -1);
  int wipe = (int)fs__admin_arg_int(x, "wipe", 0);
  const char *reason = fs__admin_arg_str(x, "reason");
  int rc;

  if (dev < 0)
    return fs__admin_fail(x, FS_EUSAGE, "usage: revoke DEVICE [--wipe]");
  rc = fs__device_revoke(x->ctx->c, dev, wipe, (int64_t)fs__now_ms());
  if (rc == FS_ENOTFOUND)
    return fs__admin_fail(x, FS_ENOTFOUND, "no device %lld (see `fieldsyncd devices`)",
                          dev);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out, "device %lld revoked%s\n", dev,
                    wipe ? "; it will upload its outbox once more, then erase its replica"
                         : "");
  fs__json_begin_object(&x->j);
  fs__admin_obj_int(x, "device", dev);
  fs__json_key(&x->j, "wipe");
  fs__json_bool(&x->j, wipe);
  fs__json_end_object(&x->j);
  return fs__audit(x->ctx->c, x->ctx->actor,
                   wipe ? "device.revoke.wipe" : "device.revoke", NULL, NULL, dev, NULL,
                   reason);
}

static const fs_col quarantine_cols[] = {{"id", FS_COL_INT, "ID"},
                                         {"device", FS_COL_INT, "DEVICE"},
                                         {"staff", FS_COL_TEXT, "STAFF"},
                                         {"counter", FS_COL_INT, "CHANGE"},
                                         {"status", FS_COL_TEXT, "STATUS"}};

static int quarantine_row(void *arg, const fs_quarantine_row *q) {
  fs_table *t = arg;
  int rc = fs__table_row(t);

  if (rc == 0)
    rc = fs__table_set_text(t, 2, q->staff);
  if (rc == 0)
    rc = fs__table_set_text(t, 4, q->status);
  if (rc == 0) {
    fs__table_set_int(t, 0, q->id);
    fs__table_set_int(t, 1, q->device);
    fs__table_set_int(t, 3, q->counter);
  }
  return rc;
}

/* The id --drop names: a decimal integer (what the stored id compares
 * equal to), else -1 (matches nothing). */
static int64_t drop_id(const char *s) {
  char *end = NULL;
  long long v;

  errno = 0;
  v = strtoll(s, &end, 10);
  return errno == 0 && end != s && *end == '\0' && v >= 0 ? (int64_t)v : -1;
}

static int quarantine_drop(fs_admin_cmd *x, const char *drop) {
  int rc = fs__quarantine_drop(x->ctx->c, drop_id(drop));

  if (rc == FS_ENOTFOUND)
    return fs__admin_fail(x, FS_ENOTFOUND, "no pending quarantined change %s", drop);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out, "dropped quarantined change %s\n", drop);
  fs__json_begin_object(&x->j);
  fs__admin_obj_int(x, "dropped", strtoll(drop, NULL, 10)); /* the id it matched */
  fs__json_end_object(&x->j);
  return fs__audit(x->ctx->c, x->ctx->actor, "quarantine.drop", NULL, NULL, -1, drop,
                   NULL);
}

int fs__admin_quarantine(fs_admin_cmd *x) {
  const char *drop = fs__admin_arg_str(x, "drop");
  fs_table *t;
  int rc;

  if (drop)
    return quarantine_drop(x, drop);
  t = fs__admin_list_new(quarantine_cols, 5);
  rc = t ? fs__quarantine_list(fs__admin_rd(x), quarantine_row, t) : FS_ENOMEM;
  return fs__admin_list_end(x, t, rc, NULL, NULL);
}
